package ingest

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"sort"
	"strings"
	"sync"

	"golang.org/x/text/width"

	"github.com/minqing/minqing/internal/hanzi"
)

//go:embed headers.csv
var headersCSV []byte

var (
	synonymsOnce sync.Once
	synonyms     map[string]map[string]string // kind → normalised header → field
	synonymsErr  error
)

// builtinSynonyms parses headers.csv once.
func builtinSynonyms() (map[string]map[string]string, error) {
	synonymsOnce.Do(func() {
		recs, err := csv.NewReader(bytes.NewReader(headersCSV)).ReadAll()
		if err != nil {
			synonymsErr = fmt.Errorf("reading built-in headers.csv: %w", err)
			return
		}
		synonyms = map[string]map[string]string{}
		for i, r := range recs[1:] {
			kind, header, field := r[0], r[1], r[2]
			if !isField(kind, field) {
				synonymsErr = fmt.Errorf("reading built-in headers.csv row %d: %q is not a %s field", i+2, field, kind)
				return
			}
			if synonyms[kind] == nil {
				synonyms[kind] = map[string]string{}
			}
			synonyms[kind][normHeader(header)] = field
		}
	})
	return synonyms, synonymsErr
}

func isField(kind, field string) bool {
	for _, f := range Fields[kind] {
		if f == field {
			return true
		}
	}
	return false
}

// normHeader folds width (（ → (), drops white space and a trailing colon, so that
// "受理 时间" and "受理时间：" match the synonym 受理时间.
func normHeader(s string) string {
	s = width.Fold.String(s)
	s = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\n', '\r', '\u3000', '*':
			return -1
		}
		return r
	}, s)
	return strings.TrimRight(s, ":")
}

// HeaderKey is the form headers are matched in (width folded, no white space or
// trailing colon): two headers with one key are one header.
func HeaderKey(h string) string { return normHeader(h) }

// Mapper maps a source's headers to canonical fields: the source's own overrides first,
// then the built-in synonyms. A header is looked up as written, then converted to
// simplified characters (辦結時間 is 办结时间).
type Mapper struct {
	kind      string
	overrides map[string]string
	builtin   map[string]string
}

// NewMapper returns the mapper for a source; overrides must name fields of kind.
func NewMapper(kind string, overrides map[string]string) (*Mapper, error) {
	syn, err := builtinSynonyms()
	if err != nil {
		return nil, err
	}
	m := &Mapper{kind: kind, overrides: map[string]string{}, builtin: syn[kind]}
	for h, f := range overrides {
		if f != "" && f != "-" && !isField(kind, f) {
			return nil, fmt.Errorf("header %q: %q is not a %s field", h, f, kind)
		}
		m.overrides[normHeader(h)] = f
	}
	// An override written in traditional characters also matches the header written in
	// simplified ones; one written as such wins.
	keys := make([]string, 0, len(m.overrides))
	for h := range m.overrides {
		keys = append(keys, h)
	}
	sort.Strings(keys)
	for _, h := range keys {
		if s := hanzi.Simplified(h); s != h {
			if _, ok := m.overrides[s]; !ok {
				m.overrides[s] = m.overrides[h]
			}
		}
	}
	return m, nil
}

// Field returns the canonical field for a header, or "" when it is unmapped (an override
// of "-" ignores a header on purpose).
func (m *Mapper) Field(header string) string {
	h := normHeader(header)
	if h == "" {
		return ""
	}
	s := hanzi.Simplified(h)
	for _, key := range []string{h, s} {
		if f, ok := m.overrides[key]; ok {
			if f == "-" {
				return ""
			}
			return f
		}
	}
	if f, ok := m.builtin[h]; ok {
		return f
	}
	return m.builtin[s]
}
