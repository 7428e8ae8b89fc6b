package reports

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/minqing/minqing/internal/terms"
	"github.com/minqing/minqing/transform"
	"github.com/xuri/excelize/v2"
)

// maxRows is the number of rows a worksheet holds. A variable so that tests can
// roll a short list over without writing a million rows.
var maxRows = excelize.TotalRows

// caseTitles are the columns of 超期及逾期办结; every one states the case as at the
// period's cutoff but 截止日后办结日期, which says when a case open then was closed since.
var caseTitles = []string{terms.CaseNo, terms.Situation, terms.Township, terms.HandledBy, terms.Category, terms.Channel,
	terms.ReceivedAt, terms.DueOn, terms.ClosedOn, terms.Status, terms.OverdueDays, terms.ClosedLater, terms.Proxy,
	terms.Citizen, terms.Phone, terms.Description}

// Columns of the case sheet (0-based) that the writer treats apart.
const (
	caseNoCol = 0
	descCol   = 15
	// caseNoWidth and descWidth are fixed widths: a case without a number names its
	// file and row on lines of their own, and a description wraps, rather than either
	// widening its column past what one printed page holds.
	caseNoWidth = 17.0
	descWidth   = 30.0
	// maxRowHeight is the tallest row Excel allows, in points.
	maxRowHeight = 409.0
)

// caseRows is how many cases one sheet holds below its banner, note and header rows.
func (m *model) caseRows() int { return maxRows - m.top() - 1 }

// caseSheetNames names the sheets of the case list: 超期及逾期办结, then
// 超期及逾期办结(2), (3)… for what one sheet cannot hold.
func (m *model) caseSheetNames() []string {
	n := max(1, (len(m.cases)+m.caseRows()-1)/m.caseRows())
	names := []string{sheetCases}
	for i := 2; i <= n; i++ {
		names = append(names, fmt.Sprintf("%s(%d)", sheetCases, i))
	}
	return names
}

// writeCases writes 超期及逾期办结: every case open past its deadline at the cutoff or
// closed after it, the rows an auditor checks the on-time rates against, in the
// order of the unit sheets. The list is streamed (it may hold millions of rows);
// what one sheet cannot hold continues on the next, each saying which rows it has.
func writeCases(b *book, m *model, names []string) error {
	cw, err := newCaseWriter(b, m)
	if err != nil {
		return fmt.Errorf("writing sheet %q: %w", names[0], err)
	}
	per := m.caseRows()
	for i, name := range names {
		from := i * per
		to := min(from+per, len(m.cases))
		if err := cw.sheet(name, names, i, from, to); err != nil {
			return fmt.Errorf("writing sheet %q: %w", name, err)
		}
	}
	return nil
}

// caseWriter holds what every case sheet shares: styles and column widths.
type caseWriter struct {
	b      *book
	m      *model
	widths []float64
	st     struct {
		text, quoted, center, dash, date, dateTime, count, desc, descQuoted, wrap, header, note, banner int
	}
	overdue, late int
	cells         []excelize.Cell
	row           []interface{}
}

func newCaseWriter(b *book, m *model) (*caseWriter, error) {
	cw := &caseWriter{b: b, m: m}
	for _, x := range []struct {
		id *int
		cs cellStyle
	}{
		{&cw.st.text, stText},
		{&cw.st.quoted, cellStyle{border: true, quote: true}},
		{&cw.st.center, cellStyle{border: true, align: "center"}},
		{&cw.st.dash, stDash},
		{&cw.st.date, cellStyle{border: true, align: "center", numFmt: fmtDate}},
		{&cw.st.dateTime, cellStyle{border: true, align: "center", numFmt: fmtDateTime}},
		{&cw.st.count, cellStyle{border: true, align: "right", numFmt: fmtCount}},
		{&cw.st.desc, cellStyle{border: true, wrap: true}},
		{&cw.st.descQuoted, cellStyle{border: true, wrap: true, quote: true}},
		{&cw.st.wrap, cellStyle{border: true, wrap: true, align: "left"}},
		{&cw.st.header, stHeader},
		{&cw.st.note, cellStyle{wrap: true, align: "left"}},
		{&cw.st.banner, cellStyle{bold: true, color: "C00000", align: "left", wrap: true}},
	} {
		id, err := b.style(x.cs)
		if err != nil {
			return nil, err
		}
		*x.id = id
	}

	// Widths are set before the first streamed row, so they are measured first,
	// over every case of the list. Headers wrap (two lines at most), so they widen a
	// column only as far as their longer half.
	cw.widths = make([]float64, len(caseTitles))
	for i, t := range caseTitles {
		cw.widths[i] = headerWidth(t) + filterButton
	}
	cw.widths[6], cw.widths[7], cw.widths[8], cw.widths[11] = textWidth("0000-00-00 00:00"), textWidth("0000-00-00"),
		textWidth("0000-00-00"), textWidth("0000-00-00")
	cases := m.in.Cases
	for _, i := range m.cases {
		c := &cases[i]
		if c.Overdue {
			cw.overdue++
		} else {
			cw.late++
		}
		for col, s := range []string{"", situation(c), c.TownshipName, c.UnitName, c.Category, c.Channel, "", "", "", statusAtCutoff(c)} {
			if s != "" && len(s) < 200 {
				cw.widths[col] = max(cw.widths[col], textWidth(s))
			}
		}
		cw.widths[10] = max(cw.widths[10], textWidth(fmt.Sprint(c.DaysLate)))
		cw.widths[13] = max(cw.widths[13], textWidth(c.Citizen))
		cw.widths[14] = max(cw.widths[14], textWidth(c.Phone))
	}
	cw.cells = make([]excelize.Cell, len(caseTitles))
	cw.row = make([]interface{}, len(caseTitles))
	for i := range cw.cells {
		cw.row[i] = &cw.cells[i] // a pointer in an interface needs no allocation per cell
	}
	return cw, nil
}

// headerWidth is the width a wrapping header needs: its longer half on two lines.
func headerWidth(t string) float64 {
	r := []rune(t)
	if len(r) <= 4 {
		return textWidth(t)
	}
	h := (len(r) + 1) / 2
	return max(textWidth(string(r[:h])), textWidth(string(r[h:])))
}

// headerLines is a long header (eight characters or more) broken in two halves, which
// its column is sized for (headerWidth): wrapped where the column ends, 截止日后办结日期
// would leave 期 alone on a line.
func headerLines(t string) string {
	r := []rune(t)
	if len(r) < 8 {
		return t
	}
	h := (len(r) + 1) / 2
	return string(r[:h]) + "\n" + string(r[h:])
}

// situation is why a case is on the overdue sheet, as at the cutoff; filtering 情形 on
// it gives back the headline counts.
func situation(c *transform.CaseRow) string {
	if c.Overdue {
		return terms.OverdueOpen
	}
	return terms.ClosedLate
}

// statusAtCutoff is a case's 办理状态 as at the cutoff: a case open then is never
// 已办结 there, whatever became of it since.
func statusAtCutoff(c *transform.CaseRow) string {
	s := c.StatusAtCutoff
	if c.Overdue && (s == "" || s == "已办结") {
		return terms.NotClosedYet
	}
	return s
}

// caseNo is how the sheet names a case: its number, or, for a case without one,
// （无编号） with the file, sheet and row of its current version, never its key.
func caseNo(c *transform.CaseRow) string {
	if c.CaseNo != "" {
		return c.CaseNo
	}
	if c.File == "" {
		return terms.NoCaseNo
	}
	where := c.File
	if c.Sheet != "" {
		where += "\n工作表 " + c.Sheet
	}
	return terms.NoCaseNo + "\n" + where + "\n第" + strconv.Itoa(c.Row) + "行"
}

// sheet writes cases [from, to) of the list to sheet name, the i-th of names.
func (cw *caseWriter) sheet(name string, names []string, i, from, to int) error {
	b, m := cw.b, cw.m
	top := m.top()
	noteRow, headerRow := top, top+1
	last := headerRow + (to - from)
	if to == from {
		last++ // the row saying the list is empty
	}
	b.streams = append(b.streams, b.part(name))
	// Settings kept in the worksheet record go in before the StreamWriter copies it;
	// the filter first, as it replaces the sheet properties that page sets.
	if to > from {
		if err := b.f.AutoFilter(name, cellName(1, headerRow)+":"+cellName(len(caseTitles), last), nil); err != nil {
			return fmt.Errorf("setting filter: %w", err)
		}
	}
	total := 0.0
	for c := range cw.widths {
		total += cw.width(c)
	}
	// A case reads on one printed page: the sheet is fitted to one page's width (its
	// columns are sized for it), never split across pages side by side.
	if err := pageAcross(b, m, name, headerRow, headerRow, 0, 1); err != nil {
		return err
	}
	if err := b.f.SetSheetDimension(name, "A1:"+cellName(len(caseTitles), last)); err != nil {
		return fmt.Errorf("setting used range: %w", err)
	}
	sw, err := b.f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	for c := range cw.widths {
		if err := sw.SetColWidth(c+1, c+1, cw.width(c)); err != nil {
			return err
		}
	}
	top1 := cellName(2, headerRow+1)
	if err := sw.SetPanes(&excelize.Panes{
		Freeze: true, XSplit: 1, YSplit: headerRow, TopLeftCell: top1, ActivePane: "bottomRight",
		Selection: []excelize.Selection{{SQRef: top1, ActiveCell: top1, Pane: "bottomRight"}},
	}); err != nil {
		return err
	}
	lastCol := cellName(len(caseTitles), 1)[:1]
	if m.in.AuditorCopy {
		if err := sw.SetRow("A1", []interface{}{excelize.Cell{StyleID: cw.st.banner, Value: auditorBanner}},
			excelize.RowOpts{Height: 2*lineHeight + rowMargin}); err != nil {
			return err
		}
		if err := sw.MergeCell("A1", lastCol+"1"); err != nil {
			return err
		}
	}
	// The note spans the printed page, which holds every column.
	note := cw.note(names, i, from, to)
	noteCols, noteWidth := len(caseTitles), total
	if err := sw.SetRow(cellName(1, noteRow), []interface{}{excelize.Cell{StyleID: cw.st.note, Value: note}},
		excelize.RowOpts{Height: float64(lines(note, cellStyle{}, noteWidth))*lineHeight + rowMargin}); err != nil {
		return err
	}
	if err := sw.MergeCell(cellName(1, noteRow), cellName(noteCols, noteRow)); err != nil {
		return err
	}
	header := make([]interface{}, len(caseTitles))
	for c, t := range caseTitles {
		header[c] = excelize.Cell{StyleID: cw.st.header, Value: headerLines(t)}
	}
	if err := sw.SetRow(cellName(1, headerRow), header, excelize.RowOpts{Height: 2*lineHeight + rowMargin + 4}); err != nil {
		return err
	}
	if to == from {
		if err := sw.SetRow(cellName(1, headerRow+1), []interface{}{"本期没有超期未办结或逾期办结的诉求。"}); err != nil {
			return err
		}
	}
	row := headerRow + 1
	for _, idx := range cw.m.cases[from:to] {
		h := cw.fill(&m.in.Cases[idx])
		var err error
		if h > 0 {
			err = sw.SetRow(cellName(1, row), cw.row, excelize.RowOpts{Height: h})
		} else {
			err = sw.SetRow(cellName(1, row), cw.row)
		}
		if err != nil {
			return fmt.Errorf("row %d: %w", row, err)
		}
		row++
	}
	return sw.Flush()
}

// width is the width of column c (0-based).
func (cw *caseWriter) width(c int) float64 {
	switch c {
	case caseNoCol:
		return max(caseNoWidth, math.Ceil(min(cw.widths[c]+padding, maxWidth)*4)/4)
	case descCol:
		return descWidth
	}
	return math.Ceil(min(max(cw.widths[c]+padding, minWidth), maxWidth)*4) / 4
}

// note is the line above a case sheet's header: how many cases, of which kind, and
// which of them this sheet holds when the list spans several.
func (cw *caseWriter) note(names []string, i, from, to int) string {
	cutoff := cw.m.in.Period.Cutoff.In(shanghai).Format("2006-01-02")
	n := len(cw.m.cases)
	s := fmt.Sprintf("截至%s，超期未办结%s件，逾期办结%s件，共%s件。", cutoff,
		groupThousands(fmt.Sprint(cw.overdue)), groupThousands(fmt.Sprint(cw.late)), groupThousands(fmt.Sprint(n))) +
		"按“" + terms.Situation + "”筛选即得各数。各列均为截至" + cutoff + "的情况：其后才办结的诉求仍是超期未办结，办理状态为截止日所知，" +
		"其办结日期另列于“" + terms.ClosedLater + "”，不计入本期任何指标。" + terms.OverdueDays +
		"自办结期限次日起计至办结日（超期未办结的计至截止日），至少为1。"
	if len(names) == 1 {
		return s
	}
	s += fmt.Sprintf("一张工作表容纳不下，分%d张表列出；本表为第%s至%s条", len(names),
		groupThousands(fmt.Sprint(from+1)), groupThousands(fmt.Sprint(to)))
	if i+1 < len(names) {
		s += "，续见“" + names[i+1] + "”"
	}
	return s + "。"
}

// fill puts case c into the reused row cells and returns the row's height, 0 for the
// default (a description that fits on one line).
func (cw *caseWriter) fill(c *transform.CaseRow) float64 {
	cells, st := cw.cells, &cw.st
	text := func(i int, s string) {
		if s == "" {
			cells[i] = excelize.Cell{StyleID: st.dash, Value: dash}
			return
		}
		s = clip(s)
		id := st.text
		if needsQuote(s) {
			id = st.quoted
		}
		cells[i] = excelize.Cell{StyleID: id, Value: s}
	}
	date := func(i int, t *time.Time, withTime bool) {
		if t == nil {
			cells[i] = excelize.Cell{StyleID: st.dash, Value: dash}
			return
		}
		if withTime {
			cells[i] = excelize.Cell{StyleID: st.dateTime, Value: excelSerial(*t)}
			return
		}
		cells[i] = excelize.Cell{StyleID: st.date, Value: math.Floor(excelSerial(*t))} // the day alone
	}
	height := 0.0
	if no := caseNo(c); c.CaseNo == "" {
		cells[caseNoCol] = excelize.Cell{StyleID: st.wrap, Value: clip(no)}
		height = float64(lines(no, cellStyle{wrap: true}, cw.width(caseNoCol)))*lineHeight + rowMargin
	} else {
		text(caseNoCol, no)
	}
	text(1, situation(c))
	text(2, c.TownshipName) // empty: handled by a district office
	text(3, c.UnitName)
	text(4, c.Category)
	text(5, c.Channel)
	date(6, &c.ReceivedAt, true)
	date(7, c.Deadline, false)
	// As at the cutoff: a case open then has no closure; one closed since shows it apart.
	if c.Overdue {
		date(8, nil, false)
		date(11, c.ClosedAt, false)
	} else {
		date(8, c.ClosedAt, false)
		date(11, nil, false)
	}
	text(9, statusAtCutoff(c))
	cells[10] = excelize.Cell{StyleID: st.count, Value: float64(c.DaysLate)}
	proxy := "否"
	if c.Proxy {
		proxy = "是"
	}
	cells[12] = excelize.Cell{StyleID: st.center, Value: proxy}

	citizen, phone, desc := c.Citizen, c.Phone, c.Description
	if !cw.m.in.AuditorCopy {
		// The store masks these; masking again here means a value it missed still
		// leaves the file masked. A clear name is also masked inside the text.
		if masked := maskName(citizen); masked != citizen {
			desc = strings.ReplaceAll(desc, citizen, masked)
			citizen = masked
		}
		phone, desc = scrub(phone), scrub(desc)
	}
	text(13, citizen)
	text(14, phone)
	desc = clip(desc)
	id := st.desc
	if needsQuote(desc) {
		id = st.descQuoted
	}
	if desc == "" {
		cells[descCol] = excelize.Cell{StyleID: st.dash, Value: dash}
		return height
	}
	cells[descCol] = excelize.Cell{StyleID: id, Value: desc}
	if w := textWidth(desc); w > descWidth-1 || strings.ContainsRune(desc, '\n') {
		if n := lines(desc, cellStyle{}, descWidth); n > 1 {
			height = max(height, float64(n)*lineHeight+rowMargin)
		}
	}
	if height == 0 {
		return 0
	}
	return min(math.Ceil(height), maxRowHeight)
}
