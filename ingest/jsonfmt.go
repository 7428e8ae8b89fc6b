package ingest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// readJSON reads a JSON array of objects, or JSON lines (one object a line), into a
// keyed sheet: its columns are the objects' keys in the order they first appear, and
// every object is a data row (numbered by array position, or by line). JSON has no
// header, title or totals rows; blank lines of JSON lines are counted as blank rows.
// Loading streams the same reading (jsonKeys, then newJSONStream); this holds it whole.
func readJSON(text string) (sheet, error) {
	keys, blank, err := jsonKeys(strings.NewReader(text))
	if err != nil {
		return sheet{}, err
	}
	rows, err := collect(newJSONStream(strings.NewReader(text), keys))
	return sheet{Keys: keys, Blank: blank, Rows: rows}, err
}

// jsonKeys reads a JSON export through once for its columns, the objects' keys in the
// order they first appear, and its blank lines; a malformed file is an error here.
func jsonKeys(r io.Reader) (keys []string, blank int, err error) {
	jr := newJSONReader(r)
	seen := map[string]bool{}
	for {
		_, obj, err := jr.next()
		if err == io.EOF {
			return keys, jr.blank, nil
		}
		if err != nil {
			return nil, 0, err
		}
		for _, p := range obj {
			if !seen[p.key] {
				seen[p.key] = true
				keys = append(keys, p.key)
			}
		}
	}
}

// jsonStream yields a JSON export's objects as rows of cells in keys' order, one at a
// time: memory holds one object, never the file.
type jsonStream struct {
	jr    *jsonReader
	index map[string]int
	n     int
}

func newJSONStream(r io.Reader, keys []string) rowStream {
	index := make(map[string]int, len(keys))
	for i, k := range keys {
		index[k] = i
	}
	return &jsonStream{jr: newJSONReader(r), index: index, n: len(keys)}
}

func (s *jsonStream) Next() (gridRow, error) {
	number, obj, err := s.jr.next()
	if err != nil {
		return gridRow{}, err
	}
	cells := make([]string, s.n)
	for _, p := range obj {
		i, ok := s.index[p.key]
		if !ok {
			return gridRow{}, fmt.Errorf("reading JSON: key %q appeared on a second reading only: the file changed while it was read", p.key)
		}
		cells[i] = p.value
	}
	return gridRow{Number: number, Cells: cells}, nil
}

// jsonReader reads the objects of a JSON array, or of JSON lines, in order.
type jsonReader struct {
	br      *bufio.Reader
	started bool
	array   bool
	dec     *json.Decoder
	n       int // array element or line number
	blank   int // JSON lines: blank lines so far
}

func newJSONReader(r io.Reader) *jsonReader {
	return &jsonReader{br: bufio.NewReaderSize(r, 1<<16)}
}

// next returns the next object and its number (array position or line), io.EOF after
// the last.
func (j *jsonReader) next() (int, []kv, error) {
	if !j.started {
		j.started = true
		if b, _ := j.br.Peek(3); bytes.Equal(b, utf8BOM) {
			j.br.Discard(3)
		}
		j.array = j.firstByte() == '['
		if j.array {
			j.dec = json.NewDecoder(j.br)
			j.dec.UseNumber()
			if _, err := j.dec.Token(); err != nil {
				return 0, nil, fmt.Errorf("reading JSON: %w", err)
			}
		}
	}
	if j.array {
		if !j.dec.More() {
			return 0, nil, io.EOF
		}
		j.n++
		obj, err := readObject(j.dec)
		if err != nil {
			return 0, nil, fmt.Errorf("reading JSON element %d: %w", j.n, err)
		}
		return j.n, obj, nil
	}
	for {
		line, err := j.br.ReadBytes('\n')
		if len(line) == 0 && err != nil {
			return 0, nil, err
		}
		j.n++
		trimmed := bytes.TrimSpace(line)
		if len(trimmed) == 0 {
			if line[len(line)-1] == '\n' { // not what follows the final newline
				j.blank++
			}
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		dec.UseNumber()
		obj, err := readObject(dec)
		if err != nil {
			return 0, nil, fmt.Errorf("reading JSON line %d: %w", j.n, err)
		}
		if dec.More() {
			return 0, nil, fmt.Errorf("reading JSON line %d: more than one value on the line", j.n)
		}
		return j.n, obj, nil
	}
}

// firstByte returns the first byte that is not white space, without consuming any;
// 0 when the buffer holds only white space.
func (j *jsonReader) firstByte() byte {
	b, _ := j.br.Peek(j.br.Size())
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c
	}
	return 0
}

type kv struct{ key, value string }

// readObject reads one object keeping its keys' order; values become text the way a
// spreadsheet cell would hold them.
func readObject(dec *json.Decoder) ([]kv, error) {
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := t.(json.Delim); !ok || d != '{' {
		return nil, errors.New("not an object")
	}
	var out []kv
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := kt.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		out = append(out, kv{key, jsonText(raw)})
	}
	if _, err := dec.Token(); err != nil && err != io.EOF {
		return nil, err
	}
	return out, nil
}

func jsonText(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0, string(raw) == "null":
		return ""
	case string(raw) == "true":
		return "是"
	case string(raw) == "false":
		return "否"
	case raw[0] == '"':
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
	}
	return string(raw) // numbers as written; objects and arrays as compact JSON
}
