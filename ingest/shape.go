package ingest

import (
	"database/sql/driver"
	"fmt"
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
	cols            []column
	// def[i] is the source's default for Fields[kind][i], used where a row has no value
	// (hasDef[i] false: none); applied counts the rows each default filled, by field.
	def     []string
	hasDef  []bool
	applied map[string]int
}

func newShaper(k *privacy.Keyer, kind string, cols []column, defaults map[string]string, applied map[string]int) *shaper {
	fields := Fields[kind]
	s := &shaper{kind: kind, cell: make([]int, len(fields)), name: -1, phone: -1, id: -1, cols: cols,
		def: make([]string, len(fields)), hasDef: make([]bool, len(fields)), applied: applied}
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
		if v, ok := defaults[f]; ok && !personalFields[f] {
			s.def[i], s.hasDef[i] = v, true
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
	problem, detail := s.problem(&r)
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
		if personalFields[f] {
			continue
		}
		v, ok := value(i)
		if s.hasDef[i] && v == "" {
			v, ok = s.def[i], true
			s.applied[f]++
		}
		switch {
		case !ok:
			out = append(out, nil)
		case f == "description":
			out = append(out, privacy.Scrub(v))
		default:
			out = append(out, v)
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
	if problem == "" {
		return append(out, nil, nil)
	}
	return append(out, problem, detail)
}

// problem returns why ingest quarantines r whatever its values (row_problem and
// row_problem_detail), or "": the reader's reason, else a cell over maxCellBytes, which
// is cut to that size in r.Cells (a copy) so that no row stores more.
func (s *shaper) problem(r *gridRow) (string, string) {
	var cut []string
	problem, detail := r.Problem, r.Detail
	for i, c := range r.Cells {
		if len(c) <= maxCellBytes {
			continue
		}
		if cut == nil {
			cut = append([]string(nil), r.Cells...)
		}
		if problem == "" {
			problem = ProblemCellTooLong
			detail = fmt.Sprintf("cell %s is %d bytes, over the %d MiB limit", s.columnName(i), len(c), maxCellBytes>>20)
		}
		keep := c[:maxCellBytes]
		for j := 0; j < utf8.UTFMax && !utf8.ValidString(keep[max(0, len(keep)-utf8.UTFMax):]); j++ {
			keep = keep[:len(keep)-1]
		}
		cut[i] = keep
	}
	if cut != nil {
		r.Cells = cut
	}
	return problem, detail
}

// columnName names cell i by its header (headers are never citizen data).
func (s *shaper) columnName(i int) string {
	for _, c := range s.cols {
		if c.Index == i && c.Header != "" {
			return c.Header
		}
	}
	return fmt.Sprintf("in column %d", i+1)
}

// personalRow keeps a case row's personal fields in clear (NULL where the file has no
// such column): only ever called when the config keeps personal data.
func (s *shaper) personalRow(sheetName string, r gridRow) []driver.Value {
	s.problem(&r) // cut as row cuts them
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
	// defaults are the source's constant fields; res, the file's result, counts the rows
	// each filled (res.Defaults).
	defaults map[string]string
	res      *FileResult
	cols     []column
	cur      *shaper
}

func (ss *shapers) get(cols []column) *shaper {
	if ss.cur == nil || len(cols) != len(ss.cols) || (len(cols) > 0 && &cols[0] != &ss.cols[0]) {
		if ss.res.Defaults == nil && len(ss.defaults) > 0 {
			ss.res.Defaults = map[string]int{}
		}
		ss.cur, ss.cols = newShaper(ss.k, ss.kind, cols, ss.defaults, ss.res.Defaults), cols
	}
	return ss.cur
}
