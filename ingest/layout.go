package ingest

import (
	"fmt"
	"strings"
)

// Kinds of skipped rows, as the accounting reports them.
const (
	SkipTitle  = "title"
	SkipHeader = "header"
	SkipBlank  = "blank"
	SkipTotals = "totals"
	SkipFooter = "footer"
)

// ErrNoHeader means no row in the top of a sheet names at least two known fields.
var ErrNoHeader = fmt.Errorf("no header row found in the first %d rows (no row names two known fields: map this source's headers in the config's `headers`)", headerScanRows)

// headerScanRows is how far down a header is looked for, past title and info rows.
const headerScanRows = 30

// column is one mapped column of a sheet.
type column struct {
	Index  int
	Header string // as written (both rows joined with "/" for a two-row header)
	Field  string // canonical field, "" when unmapped
}

// layout is what was found in a sheet: where the header is, what each column holds and
// which rows are data.
type layout struct {
	HeaderRows []int // 1 or 2 row numbers
	Columns    []column
	Data       []gridRow
	Skipped    map[string]int
	Unmapped   []string
}

func clean(s string) string { return strings.TrimSpace(strings.ReplaceAll(s, "\u00a0", " ")) }

func isBlank(cells []string) bool {
	for _, c := range cells {
		if clean(c) != "" {
			return false
		}
	}
	return true
}

func firstNonEmpty(cells []string) string {
	for _, c := range cells {
		if c = clean(c); c != "" {
			return strings.ReplaceAll(strings.ReplaceAll(c, " ", ""), "\u3000", "")
		}
	}
	return ""
}

var totalsWords = []string{"合计", "小计", "总计", "合計", "小計", "總計"}
var footerWords = []string{"填表人", "审核人", "制表人", "填报人", "制表日期", "填报日期", "填表日期", "负责人", "審核人", "製表人", "填報人"}

func hasPrefixAny(s string, words []string) bool {
	for _, w := range words {
		if strings.HasPrefix(s, w) {
			return true
		}
	}
	return false
}

// rowKind classifies a row below the header: blank, totals, footer or data ("").
func rowKind(cells []string) string {
	if isBlank(cells) {
		return SkipBlank
	}
	first := firstNonEmpty(cells)
	switch {
	case hasPrefixAny(first, totalsWords):
		return SkipTotals
	case hasPrefixAny(first, footerWords):
		return SkipFooter
	}
	return ""
}

// mapRow maps the cells of one candidate header row; it returns the columns and how many
// distinct fields were found.
func mapRow(m *Mapper, top, sub []string) ([]column, int) {
	n := max(len(top), len(sub))
	var cols []column
	seen := map[string]bool{}
	for i := 0; i < n; i++ {
		t, s := "", ""
		if i < len(top) {
			t = clean(top[i])
		}
		if i < len(sub) {
			s = clean(sub[i])
		}
		header, field := t, m.Field(t)
		if sub != nil && s != "" && s != t {
			// Two-row header: the lower cell names the column; the upper one is its group.
			// A source's `headers` may name it as `check` prints it (登记信息/群众诉求).
			header = strings.TrimPrefix(t+"/"+s, "/")
			field = m.Field(header)
			if field == "" && !m.ignores(header) {
				field = m.Field(s)
			}
			if field == "" && !m.ignores(header) {
				field = m.Field(t + s)
			}
		}
		if header == "" {
			continue
		}
		if field != "" && seen[field] {
			field = "" // the first column of a field wins; later ones are reported unmapped
		}
		if field != "" {
			seen[field] = true
		}
		cols = append(cols, column{Index: i, Header: header, Field: field})
	}
	return cols, len(seen)
}

// sharesCell reports whether two rows hold the same non-empty text in some column, as
// a header cell merged over both rows does.
func sharesCell(a, b []string) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		if v := clean(a[i]); v != "" && v == clean(b[i]) {
			return true
		}
	}
	return false
}

// keyedLayout maps a JSON sheet's keys: every row is data.
func keyedLayout(m *Mapper, s sheet) (layout, error) {
	cols, score := mapRow(m, s.Keys, nil)
	if score < 2 {
		return layout{}, fmt.Errorf("%w: the objects' keys name fewer than two known fields (map them in the source's `headers`)", ErrNoHeader)
	}
	l := layout{Columns: cols, Data: s.Rows, Skipped: map[string]int{}}
	if s.Blank > 0 {
		l.Skipped[SkipBlank] = s.Blank
	}
	for _, c := range cols {
		if c.Field == "" && !m.ignores(c.Header) {
			l.Unmapped = append(l.Unmapped, c.Header)
		}
	}
	return l, nil
}

// detectLayout finds the header (one row, or two when the second adds fields) and
// classifies every row of the sheet.
func detectLayout(m *Mapper, s sheet) (layout, error) {
	if s.Keys != nil {
		return keyedLayout(m, s)
	}
	best, bestScore := -1, 1
	for i := 0; i < len(s.Rows) && i < headerScanRows; i++ {
		if _, score := mapRow(m, s.Rows[i].Cells, nil); score > bestScore {
			best, bestScore = i, score
		}
	}
	if best < 0 {
		return layout{}, ErrNoHeader
	}
	cols, _ := mapRow(m, s.Rows[best].Cells, nil)
	l := layout{HeaderRows: []int{s.Rows[best].Number}, Skipped: map[string]int{}}
	dataFrom := best + 1
	switch {
	// The best row is the lower row of a two-row header: the row above groups it (a merged
	// cell spanning both rows repeats its value in both, once merges are filled).
	case best > 0 && !isBlank(s.Rows[best-1].Cells):
		if two, score2 := mapRow(m, s.Rows[best-1].Cells, s.Rows[best].Cells); score2 > bestScore ||
			(score2 == bestScore && sharesCell(s.Rows[best-1].Cells, s.Rows[best].Cells)) {
			cols = two
			l.HeaderRows = []int{s.Rows[best-1].Number, s.Rows[best].Number}
			best--
		}
	}
	if len(l.HeaderRows) == 1 && best+1 < len(s.Rows) && rowKind(s.Rows[best+1].Cells) == "" {
		// The best row is the upper row: the row below names more fields.
		if two, score2 := mapRow(m, s.Rows[best].Cells, s.Rows[best+1].Cells); score2 > bestScore {
			cols = two
			l.HeaderRows = append(l.HeaderRows, s.Rows[best+1].Number)
			dataFrom = best + 2
		}
	}
	l.Columns = cols
	for _, c := range cols {
		if c.Field == "" && !m.ignores(c.Header) {
			l.Unmapped = append(l.Unmapped, c.Header)
		}
	}
	for i, r := range s.Rows {
		switch {
		case i < best:
			if isBlank(r.Cells) {
				l.Skipped[SkipBlank]++
			} else {
				l.Skipped[SkipTitle]++
			}
		case i < dataFrom:
			l.Skipped[SkipHeader]++
		default:
			if k := rowKind(r.Cells); k != "" {
				l.Skipped[k]++
			} else {
				l.Data = append(l.Data, r)
			}
		}
	}
	return l, nil
}

// ignores reports whether a source's `headers` maps a column to "-": ignored on purpose,
// so not unmapped. A two-row header is ignored by its printed form or its lower cell.
func (m *Mapper) ignores(header string) bool {
	if m.overrides[normHeader(header)] == "-" {
		return true
	}
	if i := strings.LastIndex(header, "/"); i >= 0 {
		return m.overrides[normHeader(header[i+1:])] == "-"
	}
	return false
}

// headerForms are the forms in which a source's `headers` key can name a column: as
// written (both rows joined with "/"), its lower cell, and both cells run together.
func headerForms(header string) []string {
	forms := []string{normHeader(header)}
	if i := strings.LastIndex(header, "/"); i >= 0 {
		forms = append(forms, normHeader(header[i+1:]), normHeader(strings.ReplaceAll(header, "/", "")))
	}
	return forms
}
