package reports

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/minqing/minqing/transform"
	"github.com/xuri/excelize/v2"
)

// maxRows is the number of rows a worksheet holds. A variable so that tests can
// roll a short list over without writing a million rows.
var maxRows = excelize.TotalRows

var caseTitles = []string{"案件编号", "所属乡镇", "承办单位", "办理类别", "来源渠道", "受理时间",
	"办结期限", "办结时间", "状态", "逾期工作日", "是否代办", "诉求人", "联系电话", "诉求内容"}

// Column of 诉求内容, which wraps at a fixed width rather than widening its column.
const (
	descCol   = 14
	descWidth = 50.0
	noteCols  = 6
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
		text, quoted, center, dash, date, dateTime, count, desc, descQuoted, header, note, banner int
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
	// over every case of the list.
	cw.widths = make([]float64, len(caseTitles))
	for i, t := range caseTitles {
		cw.widths[i] = textWidth(t) + filterButton
	}
	cw.widths[5], cw.widths[6], cw.widths[7] = textWidth("0000-00-00 00:00"), textWidth("0000-00-00"), textWidth("0000-00-00 00:00")
	cases := m.in.Cases
	for _, i := range m.cases {
		c := &cases[i]
		if c.Overdue {
			cw.overdue++
		} else {
			cw.late++
		}
		for col, s := range []string{caseNo(c), c.TownshipName, c.UnitName, c.Category, c.Channel, "", "", "", c.Status} {
			if s != "" && len(s) < 200 {
				cw.widths[col] = max(cw.widths[col], textWidth(s))
			}
		}
		cw.widths[11] = max(cw.widths[11], textWidth(c.Citizen))
		cw.widths[12] = max(cw.widths[12], textWidth(c.Phone))
	}
	cw.cells = make([]excelize.Cell, len(caseTitles))
	cw.row = make([]interface{}, len(caseTitles))
	for i := range cw.cells {
		cw.row[i] = &cw.cells[i] // a pointer in an interface needs no allocation per cell
	}
	return cw, nil
}

func caseNo(c *transform.CaseRow) string {
	// A case without a number is shown by its fingerprint key, which is how the
	// store and the quarantine lists name it.
	if c.CaseNo == "" {
		return c.CaseKey
	}
	return c.CaseNo
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
	if err := page(b, m, name, headerRow, 1, total); err != nil {
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
	// The note spans only the first columns, which every printed page starts with
	// (the sheet prints two pages across): merged wider, its text would be cut at
	// the first page's edge.
	note := cw.note(names, i, from, to)
	noteWidth := 0.0
	for c := range noteCols {
		noteWidth += cw.width(c)
	}
	if err := sw.SetRow(cellName(1, noteRow), []interface{}{excelize.Cell{StyleID: cw.st.note, Value: note}},
		excelize.RowOpts{Height: float64(lines(note, cellStyle{}, noteWidth))*lineHeight + rowMargin}); err != nil {
		return err
	}
	if err := sw.MergeCell(cellName(1, noteRow), cellName(noteCols, noteRow)); err != nil {
		return err
	}
	header := make([]interface{}, len(caseTitles))
	for c, t := range caseTitles {
		header[c] = excelize.Cell{StyleID: cw.st.header, Value: t}
	}
	if err := sw.SetRow(cellName(1, headerRow), header, excelize.RowOpts{Height: lineHeight + rowMargin + 4}); err != nil {
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
	if c+1 == descCol {
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
		groupThousands(fmt.Sprint(cw.overdue)), groupThousands(fmt.Sprint(cw.late)), groupThousands(fmt.Sprint(n)))
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
		id := st.date
		if withTime {
			id = st.dateTime
		}
		cells[i] = excelize.Cell{StyleID: id, Value: excelSerial(*t)}
	}
	text(0, caseNo(c))
	text(1, c.TownshipName) // empty: handled by a district office
	text(2, c.UnitName)
	text(3, c.Category)
	text(4, c.Channel)
	date(5, &c.ReceivedAt, true)
	date(6, c.Deadline, false)
	date(7, c.ClosedAt, true)
	text(8, c.Status)
	cells[9] = excelize.Cell{StyleID: st.count, Value: float64(c.DaysLate)}
	proxy := "否"
	if c.Proxy {
		proxy = "是"
	}
	cells[10] = excelize.Cell{StyleID: st.center, Value: proxy}

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
	text(11, citizen)
	text(12, phone)
	desc = clip(desc)
	id := st.desc
	if needsQuote(desc) {
		id = st.descQuoted
	}
	if desc == "" {
		cells[13] = excelize.Cell{StyleID: st.dash, Value: dash}
		return 0
	}
	cells[13] = excelize.Cell{StyleID: id, Value: desc}
	if w := textWidth(desc); w > descWidth-1 || strings.ContainsRune(desc, '\n') {
		n := lines(desc, cellStyle{}, descWidth)
		if n > 1 {
			return min(math.Ceil(float64(n)*lineHeight+rowMargin), maxRowHeight)
		}
	}
	return 0
}
