package ingest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"unicode/utf8"
)

// Limits on what one delimited record may hold. They bound memory whatever a file
// holds, and they turn a runaway quote into quarantined rows instead of one silent cell.
const (
	// maxLineBytes is the longest physical line read: the rest of a longer line is read
	// and dropped, and its row is quarantined LINE_TOO_LONG.
	maxLineBytes = 4 << 20
	// maxCellBytes is the longest cell stored whole, in any format: a longer cell is
	// cut to this size and its row quarantined CELL_TOO_LONG.
	maxCellBytes = 1 << 20
	// maxCells is the most cells a record keeps (Excel's column limit): later cells are
	// dropped and the row quarantined LINE_TOO_LONG.
	maxCells = 16384
	// maxQuoteLines is the most physical lines one record may span: a quoted field still
	// open after that many lines, or open at the end of the file, is a quote that was
	// never closed, and every physical line it swallowed is quarantined BAD_QUOTE.
	maxQuoteLines = 20
)

// Reason codes of rows that ingest itself quarantines (raw column row_problem).
const (
	ProblemBadQuote    = "BAD_QUOTE"
	ProblemCellTooLong = "CELL_TOO_LONG"
	ProblemLineTooLong = "LINE_TOO_LONG"
)

// csvReader reads delimited records as encoding/csv does with LazyQuotes (the same
// fields from the same bytes, empty lines skipped, CRLF as LF), with three differences
// that keep memory bounded and lose nothing silently: a line over maxLineBytes is cut
// (LINE_TOO_LONG), and a quoted field still open after maxQuoteLines lines or at the end
// of the file makes every physical line it spans a record of its own, re-read on its
// own and marked BAD_QUOTE with the line where the quote opened.
type csvReader struct {
	br    *bufio.Reader
	comma byte
	line  int // physical lines read so far
	long  []byte

	pending []csvRecord // BAD_QUOTE lines waiting to be returned
	rec     recordParser
	// runaway is set while the lines of a quoted field that was never closed are read
	// through: each is its own record, until the field ends.
	runaway       bool
	runawayDetail string
}

type csvRecord struct {
	Fields          []string
	Line            int // the physical line the record starts on
	Problem, Detail string
}

func newCSVReader(br *bufio.Reader, comma byte) *csvReader {
	return &csvReader{br: br, comma: comma}
}

// readLine reads one physical line as encoding/csv does (CRLF becomes LF, a CR before
// the end of the file is dropped); a line over maxLineBytes is cut there, the rest read
// and dropped, and size is the line's whole length. The line is valid until the next call.
func (r *csvReader) readLine() (line []byte, size int64, cut bool, err error) {
	line, err = r.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		r.long = append(r.long[:0], line...)
		size = int64(len(line))
		for err == bufio.ErrBufferFull {
			line, err = r.br.ReadSlice('\n')
			size += int64(len(line))
			if room := maxLineBytes - len(r.long); room > 0 {
				r.long = append(r.long, line[:min(room, len(line))]...)
			}
		}
		if size > maxLineBytes {
			cut = true
			keep := r.long[:maxLineBytes]
			for i := 0; i < utf8.UTFMax && len(keep) > 0 && !utf8.Valid(keep[len(keep)-min(len(keep), utf8.UTFMax):]); i++ {
				keep = keep[:len(keep)-1] // no character cut in half
			}
			line = append(keep, '\n')
		} else {
			line = r.long
		}
	} else {
		size = int64(len(line))
	}
	if len(line) > 0 && err == io.EOF {
		err = nil
		if line[len(line)-1] == '\r' {
			line = line[:len(line)-1]
		}
	}
	if len(line) > 0 {
		r.line++
	}
	if n := len(line); n >= 2 && line[n-2] == '\r' && line[n-1] == '\n' {
		line[n-2] = '\n'
		line = line[:n-1]
	}
	return line, size, cut, err
}

// Read returns the next record, or io.EOF after the last.
func (r *csvReader) Read() (csvRecord, error) {
	if len(r.pending) > 0 {
		rec := r.pending[0]
		r.pending = r.pending[1:]
		return rec, nil
	}
	if r.runaway {
		return r.readRunaway()
	}
	var line []byte
	var size int64
	var cut bool
	var err error
	for {
		line, size, cut, err = r.readLine()
		if err != nil && len(line) == 0 {
			return csvRecord{}, err // io.EOF, or the reader's error
		}
		if cut || len(line) != lengthNL(line) {
			break
		}
	}
	p := &r.rec
	p.reset(r.line)
	for {
		done := p.feed(line, r.comma, r.line)
		if cut {
			p.end()
			return csvRecord{Fields: p.fields(), Line: p.start, Problem: ProblemLineTooLong,
				Detail: fmt.Sprintf("line %d is %d bytes, over the %d MiB limit", r.line, size, maxLineBytes>>20)}, nil
		}
		if done && len(p.ends) > maxCells {
			return csvRecord{Fields: p.fields(), Line: p.start, Problem: ProblemLineTooLong,
				Detail: fmt.Sprintf("line %d has more than %d cells", p.start, maxCells)}, nil
		}
		if done {
			return csvRecord{Fields: p.fields(), Line: p.start}, nil
		}
		p.lines = append(p.lines, bytes.Clone(line))
		line, size, cut, err = r.readLine()
		if err != nil && err != io.EOF {
			return csvRecord{}, err
		}
		if len(line) == 0 { // the end of the file inside a quoted field
			return r.badQuote(fmt.Sprintf("quote opened at line %d never closed", p.quoteLine)), nil
		}
		if len(p.lines) >= maxQuoteLines {
			r.runaway = true
			r.runawayDetail = fmt.Sprintf("quote opened at line %d not closed within %d lines", p.quoteLine, maxQuoteLines)
			rec := r.badQuote(r.runawayDetail)
			r.pending = append(r.pending, r.runawayLine(line, cut))
			return rec, nil
		}
	}
}

// badQuote turns the lines of the record being read into one BAD_QUOTE record each,
// returning the first and queueing the rest.
func (r *csvReader) badQuote(detail string) csvRecord {
	p := &r.rec
	var out []csvRecord
	for i, l := range p.lines {
		out = append(out, csvRecord{Fields: splitLine(l, r.comma), Line: p.start + i, Problem: ProblemBadQuote, Detail: detail})
	}
	p.lines = p.lines[:0]
	r.pending = append(r.pending, out[1:]...)
	return out[0]
}

// runawayLine makes one line of a runaway quoted field its own BAD_QUOTE record, and
// follows the field's quotes to find the line where it ends.
func (r *csvReader) runawayLine(line []byte, cut bool) csvRecord {
	rec := csvRecord{Fields: splitLine(line, r.comma), Line: r.line, Problem: ProblemBadQuote, Detail: r.runawayDetail}
	p := &r.rec
	p.buf, p.ends = p.buf[:0], p.ends[:0] // only the quote state matters now
	if p.feed(line, r.comma, r.line) || cut {
		r.runaway = false
	}
	return rec
}

func (r *csvReader) readRunaway() (csvRecord, error) {
	line, _, cut, err := r.readLine()
	if len(line) == 0 {
		r.runaway = false
		if err == nil {
			err = io.EOF
		}
		return csvRecord{}, err
	}
	return r.runawayLine(line, cut), nil
}

// splitLine reads one physical line as a record of its own: a quote still open at the
// line's end ends there.
func splitLine(line []byte, comma byte) []string {
	var p recordParser
	p.reset(0)
	if !p.feed(bytes.TrimSuffix(line, []byte("\n")), comma, 0) {
		p.end()
	}
	return p.fields()
}

// recordParser assembles one record from physical lines: encoding/csv's LazyQuotes
// parse, resumable at a line break inside a quoted field.
type recordParser struct {
	buf       []byte
	ends      []int
	inQuote   bool
	start     int      // the line the record starts on
	quoteLine int      // the line where the open quoted field started
	lines     [][]byte // the record's lines before the current one, kept to re-read them
}

func (p *recordParser) reset(line int) {
	p.buf, p.ends, p.inQuote, p.start, p.lines = p.buf[:0], p.ends[:0], false, line, p.lines[:0]
}

// feed parses one physical line; it reports whether the record ends with it.
func (p *recordParser) feed(line []byte, comma byte, lineNo int) bool {
	for {
		if !p.inQuote {
			if len(line) == 0 || line[0] != '"' {
				i := bytes.IndexByte(line, comma)
				field := line
				if i >= 0 {
					field = field[:i]
				} else {
					field = field[:len(field)-lengthNL(field)]
				}
				p.buf = append(p.buf, field...)
				p.ends = append(p.ends, len(p.buf))
				if i >= 0 {
					line = line[i+1:]
					continue
				}
				return true
			}
			line = line[1:]
			p.inQuote, p.quoteLine = true, lineNo
		}
		i := bytes.IndexByte(line, '"')
		if i < 0 {
			if len(line) == 0 { // the end of the input
				p.end()
				return true
			}
			p.buf = append(p.buf, line...)
			return false
		}
		p.buf = append(p.buf, line[:i]...)
		line = line[i+1:]
		switch {
		case len(line) > 0 && line[0] == '"':
			p.buf = append(p.buf, '"')
			line = line[1:]
		case len(line) > 0 && line[0] == comma:
			line = line[1:]
			p.inQuote = false
			p.ends = append(p.ends, len(p.buf))
		case lengthNL(line) == len(line):
			p.inQuote = false
			p.ends = append(p.ends, len(p.buf))
			return true
		default:
			p.buf = append(p.buf, '"') // a bare quote, kept
		}
	}
}

// end closes a quoted field left open.
func (p *recordParser) end() {
	if p.inQuote {
		p.inQuote = false
		p.ends = append(p.ends, len(p.buf))
	}
}

// fields returns the record's cells, at most maxCells of them.
func (p *recordParser) fields() []string {
	ends := p.ends[:min(len(p.ends), maxCells)]
	if len(ends) == 0 {
		return nil
	}
	s := string(p.buf[:ends[len(ends)-1]])
	out := make([]string, len(ends))
	prev := 0
	for i, e := range ends {
		out[i] = s[prev:e]
		prev = e
	}
	return out
}

func lengthNL(b []byte) int {
	if len(b) > 0 && b[len(b)-1] == '\n' {
		return 1
	}
	return 0
}
