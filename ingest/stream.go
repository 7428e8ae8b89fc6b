package ingest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// rowStream yields one table's rows in order; Next returns io.EOF after the last. Rows
// are read as they are needed, so memory stays bounded whatever the file's size.
type rowStream interface {
	Next() (gridRow, error)
}

// streamSheet is one table of a file, read as a stream.
type streamSheet struct {
	Name  string
	Keys  []string // JSON: the columns (no header row in the file)
	Blank int      // JSON lines: empty lines
	Rows  rowStream
}

// sniffBytes is how much of a file auto-detection looks at: a GB18030 export has Chinese
// in its first lines (its title or header), so its bytes are not valid UTF-8 there.
const sniffBytes = 1 << 20

// decodeReader returns r decoded to UTF-8 and the encoding used. With "auto", a UTF-16
// byte-order mark means UTF-16 (what Excel's "Unicode text" writes, tab-separated), a
// UTF-8 BOM or valid UTF-8 in the first megabyte means UTF-8, anything else GB18030 (a
// superset of GBK, Excel's default on Chinese Windows). Bytes invalid in GB18030 or
// UTF-16 become U+FFFD; invalid UTF-8 is caught row by row (shaper.row).
func decodeReader(r io.Reader, enc string) (io.Reader, string, error) {
	br := bufio.NewReaderSize(r, sniffBytes)
	head, err := br.Peek(sniffBytes)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, "", err
	}
	hasBOM16 := bytes.HasPrefix(head, []byte{0xFF, 0xFE}) || bytes.HasPrefix(head, []byte{0xFE, 0xFF})
	switch {
	case enc == "utf-16" || (enc == "auto" || enc == "") && hasBOM16:
		return transform.NewReader(br, unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder()), "utf-16", nil
	case enc == "utf-16le":
		return transform.NewReader(br, unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder()), "utf-16le", nil
	case enc == "utf-16be":
		return transform.NewReader(br, unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewDecoder()), "utf-16be", nil
	case enc == "gb18030" || enc == "gbk" || enc == "gb2312": // GB18030 is a superset of both
		return transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder()), "gb18030", nil
	case enc == "utf-8":
		if bytes.HasPrefix(head, utf8BOM) {
			br.Discard(3)
		}
		return br, "utf-8", nil
	case enc == "auto" || enc == "":
		if bytes.HasPrefix(head, utf8BOM) {
			br.Discard(3)
			return br, "utf-8-bom", nil
		}
		if validPrefix(head, len(head) == sniffBytes) {
			return br, "utf-8", nil
		}
		return transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder()), "gb18030", nil
	}
	return nil, "", fmt.Errorf("unknown encoding %q", enc)
}

// validPrefix reports whether b is valid UTF-8, allowing a character cut at the end of a
// partial read.
func validPrefix(b []byte, partial bool) bool {
	if utf8.Valid(b) {
		return true
	}
	if !partial {
		return false
	}
	for cut := 1; cut <= 3 && cut < len(b); cut++ {
		if utf8.Valid(b[:len(b)-cut]) {
			return true
		}
	}
	return false
}

type csvStream struct {
	rd *csvReader
	n  int
}

func (c *csvStream) Next() (gridRow, error) {
	rec, err := c.rd.Read()
	if err == io.EOF {
		return gridRow{}, io.EOF
	}
	c.n++
	if err != nil {
		return gridRow{}, fmt.Errorf("reading CSV record %d: %w", c.n, err)
	}
	return gridRow{Number: c.n, Cells: rec.Fields, Problem: rec.Problem, Detail: rec.Detail}, nil
}

func newCSVStream(r io.Reader) rowStream {
	br := bufio.NewReaderSize(r, 1<<16)
	var delim byte = ','
	if first, err := br.Peek(4096); err == nil || err == io.EOF || err == bufio.ErrBufferFull {
		line, _, _ := bytes.Cut(first, []byte("\n"))
		if bytes.Count(line, []byte("\t")) > bytes.Count(line, []byte(",")) {
			delim = '\t'
		}
	}
	return &csvStream{rd: newCSVReader(br, delim)}
}

type mergeRange struct {
	r1, c1, r2, c2 int
	value          string
}

type xlsxStream struct {
	rows   *excelize.Rows
	n      int
	merges []mergeRange
}

func (x *xlsxStream) Next() (gridRow, error) {
	if !x.rows.Next() {
		if err := x.rows.Error(); err != nil {
			return gridRow{}, fmt.Errorf("reading row %d: %w", x.n+1, err)
		}
		return gridRow{}, io.EOF
	}
	x.n++
	cells, err := x.rows.Columns(excelize.Options{RawCellValue: true})
	if err != nil {
		return gridRow{}, fmt.Errorf("reading row %d: %w", x.n, err)
	}
	// A merged range holds its value in its top-left cell only; every cell it covers
	// gets it, so a merged header names every column it spans. The value is taken as its
	// first row streams past.
	for i := range x.merges {
		m := &x.merges[i]
		if x.n < m.r1 || x.n > m.r2 {
			continue
		}
		if x.n == m.r1 && m.c1 <= len(cells) {
			m.value = cells[m.c1-1]
		}
		for c := m.c1; c <= m.c2; c++ {
			if x.n == m.r1 && c == m.c1 {
				continue
			}
			for len(cells) < c {
				cells = append(cells, "")
			}
			cells[c-1] = m.value
		}
	}
	return gridRow{Number: x.n, Cells: cells}, nil
}

// openStreams opens every table of the file at path as a stream; close releases it.
func openStreams(path string, encoding string) (sheets []streamSheet, used string, close func(), err error) {
	noop := func() {}
	if isText(path) {
		f, err := os.Open(path)
		if err != nil {
			return nil, "", noop, err
		}
		sheets, used, err := textStreams(f, func() io.Reader { return io.NewSectionReader(f, 0, 1<<62) }, path, encoding)
		if err != nil {
			f.Close()
			return nil, "", noop, err
		}
		return sheets, used, func() { f.Close() }, nil
	}
	return workbookStreams(path)
}

// isText reports whether path is a text export (delimited or JSON), read as a stream;
// any other format is a workbook, which needs random access.
func isText(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv", ".txt", ".tsv", ".json", ".jsonl", ".ndjson":
		return true
	}
	return false
}

// textStreams opens a text export read from r. again reads the same bytes afresh from
// their start: JSON is read twice, once for its keys (the columns) and once for its rows,
// so that neither pass holds the file.
func textStreams(r io.Reader, again func() io.Reader, path, encoding string) ([]streamSheet, string, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv", ".txt", ".tsv":
		dr, used, err := decodeReader(r, encoding)
		if err != nil {
			return nil, "", err
		}
		return []streamSheet{{Rows: newCSVStream(dr)}}, used, nil
	case ".json", ".jsonl", ".ndjson":
		first, used, err := decodeReader(again(), encoding)
		if err != nil {
			return nil, "", err
		}
		keys, blank, err := jsonKeys(first)
		if err != nil {
			return nil, "", err
		}
		dr, _, err := decodeReader(r, encoding)
		if err != nil {
			return nil, "", err
		}
		return []streamSheet{{Keys: keys, Blank: blank, Rows: newJSONStream(dr, keys)}}, "json/" + used, nil
	}
	return nil, "", fmt.Errorf("%w: %q", ErrFormat, filepath.Ext(path))
}

// workbookStreams opens every sheet of the workbook at path as a stream.
func workbookStreams(path string) (sheets []streamSheet, used string, close func(), err error) {
	noop := func() {}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".xlsx", ".xlsm", ".xls":
		src := path
		used := "xlsx"
		if strings.EqualFold(filepath.Ext(path), ".xls") {
			b, err := convertXLS(path)
			if err != nil {
				return nil, "", noop, err
			}
			tmp, err := os.CreateTemp("", "minqing-xls-*.xlsx")
			if err != nil {
				return nil, "", noop, err
			}
			tmp.Write(b)
			tmp.Close()
			src, used = tmp.Name(), "xls (converted by LibreOffice)"
			defer func() {
				if err != nil {
					os.Remove(src)
				}
			}()
		}
		if err := checkWorkbook(src); err != nil {
			return nil, "", noop, err
		}
		f, err := excelize.OpenFile(src, workbookLimits)
		if err != nil {
			return nil, "", noop, fmt.Errorf("opening workbook: %w", err)
		}
		var opened []*excelize.Rows
		closeAll := func() {
			for _, r := range opened {
				r.Close()
			}
			f.Close()
			if src != path {
				os.Remove(src)
			}
		}
		merges, err := sheetMerges(src)
		if err != nil {
			closeAll()
			return nil, "", noop, err
		}
		for _, name := range f.GetSheetList() {
			ms := merges[name]
			rows, err := f.Rows(name)
			if err != nil {
				closeAll()
				return nil, "", noop, fmt.Errorf("reading sheet %q: %w", name, err)
			}
			opened = append(opened, rows)
			sheets = append(sheets, streamSheet{Name: name, Rows: &xlsxStream{rows: rows, merges: ms}})
		}
		return sheets, used, closeAll, nil
	}
	return nil, "", noop, fmt.Errorf("%w: %q", ErrFormat, filepath.Ext(path))
}

// collect reads a stream to its end (for small inputs and tests).
func collect(rs rowStream) ([]gridRow, error) {
	var out []gridRow
	for {
		r, err := rs.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
}
