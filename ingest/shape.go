package ingest

import (
	"database/sql/driver"
	"strings"
	"unicode/utf8"

	"github.com/minqing/minqing/privacy"
)

// shaper turns a sheet's data rows into raw-table values. It is built once per sheet
// layout, so that each row costs index lookups rather than a map of its fields; a
// loader makes one per goroutine (its identity hash is reused).
type shaper struct {
	kind string
	// cell[i] is the cell index holding Fields[kind][i], -1 when the sheet has no such
	// column. Where two columns map to one field the last wins.
	cell  []int
	ident *privacy.Identifier
	// name, phone and id index Fields[kind] for cases' personal fields (-1 otherwise).
	name, phone, id int
}

func newShaper(k *privacy.Keyer, kind string, cols []column) *shaper {
	fields := Fields[kind]
	s := &shaper{kind: kind, cell: make([]int, len(fields)), name: -1, phone: -1, id: -1}
	pos := map[string]int{}
	for i, f := range fields {
		s.cell[i] = -1
		pos[f] = i
		switch f {
		case "citizen_name":
			s.name = i
		case "citizen_phone":
			s.phone = i
		case "citizen_id":
			s.id = i
		}
	}
	for _, c := range cols {
		if i, ok := pos[c.Field]; ok && c.Field != "" {
			s.cell[i] = c.Index
		}
	}
	if kind == KindCases {
		s.ident = k.Identifier()
	}
	return s
}

// value is field i's text in r: ok is false when the sheet has no such column; a
// missing trailing cell is ""; invalid UTF-8 becomes U+FFFD.
func (s *shaper) value(r gridRow, i int) (string, bool) {
	return s.valueOf(r, i, true)
}

// valueOf is value; check false skips the UTF-8 check for a row known to be valid.
func (s *shaper) valueOf(r gridRow, i int, check bool) (string, bool) {
	if i < 0 || s.cell[i] < 0 {
		return "", false
	}
	v := ""
	if c := s.cell[i]; c < len(r.Cells) {
		v = clean(r.Cells[c])
	}
	if check && !utf8.ValidString(v) {
		v = strings.ToValidUTF8(v, "\uFFFD")
	}
	return v, true
}

// row returns the raw table's values for one data row, file_id (the first) left nil:
// NULL for a field the sheet has no column for, the trimmed text otherwise; personal
// fields become a keyed hash and masks, descriptions are scrubbed.
func (s *shaper) row(sheetName string, r gridRow) []driver.Value {
	bad, invalid := false, false
	for _, c := range r.Cells {
		if !utf8.ValidString(c) {
			bad, invalid = true, true
			break
		}
		if strings.ContainsRune(c, '\uFFFD') {
			bad = true
		}
	}
	value := func(i int) (string, bool) { return s.valueOf(r, i, invalid) }
	fields := Fields[s.kind]
	out := make([]driver.Value, 0, 4+len(fields)+4)
	out = append(out, nil, sheetName, int32(r.Number), bad)
	for i, f := range fields {
		switch {
		case personalFields[f]:
		case f == "description":
			if v, ok := value(i); ok {
				out = append(out, privacy.Scrub(v))
			} else {
				out = append(out, nil)
			}
		default:
			if v, ok := value(i); ok {
				out = append(out, v)
			} else {
				out = append(out, nil)
			}
		}
	}
	if s.kind == KindCases {
		name, hasName := value(s.name)
		phone, hasPhone := value(s.phone)
		id, hasID := value(s.id)
		digits := privacy.Digits(phone)
		if !hasName && !hasPhone {
			out = append(out, nil)
		} else {
			out = append(out, s.ident.IdentityDigits(name, digits))
		}
		for _, m := range []struct {
			v    string
			has  bool
			mask func(string) string
		}{{name, hasName, privacy.MaskName}, {digits, hasPhone, privacy.MaskDigits}, {id, hasID, privacy.MaskID}} {
			if m.has {
				out = append(out, m.mask(m.v))
			} else {
				out = append(out, nil)
			}
		}
	}
	return out
}

// personalRow keeps a case row's personal fields in clear (NULL where the file has no
// such column): only ever called when the config keeps personal data.
func (s *shaper) personalRow(sheetName string, r gridRow) []driver.Value {
	out := []driver.Value{nil, sheetName, int32(r.Number)}
	for _, i := range []int{s.name, s.phone, s.id, fieldIndex(s.kind, "description")} {
		if v, ok := s.value(r, i); ok {
			out = append(out, v)
		} else {
			out = append(out, nil)
		}
	}
	return out
}

func fieldIndex(kind, field string) int {
	for i, f := range Fields[kind] {
		if f == field {
			return i
		}
	}
	return -1
}

// shapers hands out the shaper for each sheet layout in turn, so that a loop over rows
// builds one per layout, not one per row.
type shapers struct {
	k    *privacy.Keyer
	kind string
	cols []column
	cur  *shaper
}

func (ss *shapers) get(cols []column) *shaper {
	if ss.cur == nil || len(cols) != len(ss.cols) || (len(cols) > 0 && &cols[0] != &ss.cols[0]) {
		ss.cur, ss.cols = newShaper(ss.k, ss.kind, cols), cols
	}
	return ss.cur
}
