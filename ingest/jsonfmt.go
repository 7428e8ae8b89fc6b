package ingest

import (
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
func readJSON(text string) (sheet, error) {
	text = strings.TrimPrefix(text, "\uFEFF")
	trimmed := strings.TrimSpace(text)
	var s sheet
	keyIndex := map[string]int{}
	add := func(number int, obj []kv) {
		cells := make([]string, len(s.Keys))
		for _, p := range obj {
			i, ok := keyIndex[p.key]
			if !ok {
				i = len(s.Keys)
				keyIndex[p.key] = i
				s.Keys = append(s.Keys, p.key)
				cells = append(cells, "")
			}
			cells[i] = p.value
		}
		s.Rows = append(s.Rows, gridRow{Number: number, Cells: cells})
	}
	if strings.HasPrefix(trimmed, "[") {
		dec := json.NewDecoder(strings.NewReader(trimmed))
		dec.UseNumber()
		if _, err := dec.Token(); err != nil {
			return s, fmt.Errorf("reading JSON: %w", err)
		}
		for n := 1; dec.More(); n++ {
			obj, err := readObject(dec)
			if err != nil {
				return s, fmt.Errorf("reading JSON element %d: %w", n, err)
			}
			add(n, obj)
		}
		return s, nil
	}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			if i < strings.Count(text, "\n") { // not the final newline
				s.Blank++
			}
			continue
		}
		dec := json.NewDecoder(strings.NewReader(line))
		dec.UseNumber()
		obj, err := readObject(dec)
		if err != nil {
			return s, fmt.Errorf("reading JSON line %d: %w", i+1, err)
		}
		if dec.More() {
			return s, fmt.Errorf("reading JSON line %d: more than one value on the line", i+1)
		}
		add(i+1, obj)
	}
	return s, nil
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
