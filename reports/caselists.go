package reports

import (
	"fmt"
	"math"
	"strconv"

	"github.com/minqing/minqing/internal/terms"
	"github.com/minqing/minqing/transform"
	"github.com/xuri/excelize/v2"
)

var caseListTitles = []string{"指标", "诉求编号", "单位编码", "单位", "办理类别", "受理时间", "办结期限", "办结日期", "是否按时",
	"计入分子", "计入分母", "不计入原因"}

// caseListRows is how many cases one 按时办结明细 sheet holds below its note and header.
func (m *model) caseListRows() int { return maxRows - m.top() - 1 }

func (m *model) caseListCount() int {
	n := 0
	for _, e := range m.in.CaseLists {
		n += len(e.Cases)
	}
	return n
}

// caseListSheetNames names the sheets of the explained case lists: 按时办结明细, then
// 按时办结明细(2)… for what one sheet cannot hold.
func (m *model) caseListSheetNames() []string {
	n := max(1, (m.caseListCount()+m.caseListRows()-1)/m.caseListRows())
	names := []string{sheetCaseLists}
	for i := 2; i <= n; i++ {
		names = append(names, fmt.Sprintf("%s(%d)", sheetCaseLists, i))
	}
	return names
}

// caseListRow is one case of one explained figure.
type caseListRow struct {
	figure string
	c      *transform.ExplainedCase
}

// writeCaseLists writes 按时办结明细: the cases behind the on-time figures as `minqing
// explain` lists them. Filtering 指标 and summing 计入分子 over 计入分母 gives the
// published rate back. Streamed like the overdue list, since a district's closures run
// to millions; what one sheet cannot hold continues on the next.
func writeCaseLists(b *book, m *model, names []string) error {
	var rows []caseListRow
	for _, e := range m.in.CaseLists {
		for i := range e.Cases {
			rows = append(rows, caseListRow{e.Figure.Name, &e.Cases[i]})
		}
	}
	styles := map[string]cellStyle{
		"text": stText, "quoted": {border: true, quote: true}, "dash": stDash,
		"date": {border: true, align: "center", numFmt: fmtDate}, "dateTime": {border: true, align: "center", numFmt: fmtDateTime},
		"count": {border: true, align: "right", numFmt: "0.##"}, "center": {border: true, align: "center"},
		"header": stHeader, "note": {wrap: true, align: "left"}, "banner": {bold: true, color: "C00000", align: "left", wrap: true},
	}
	st := map[string]int{}
	for k, cs := range styles {
		id, err := b.style(cs)
		if err != nil {
			return fmt.Errorf("writing sheet %q: %w", names[0], err)
		}
		st[k] = id
	}
	widths := make([]float64, len(caseListTitles))
	for i, t := range caseListTitles {
		widths[i] = textWidth(t) + filterButton
	}
	widths[5], widths[6], widths[7] = textWidth("0000-00-00 00:00"), textWidth("0000-00-00"), textWidth("0000-00-00")
	for _, r := range rows {
		for col, s := range []string{r.figure, caseListNo(r.c), r.c.UnitCode, r.c.UnitName, r.c.Category} {
			if len(s) < 200 {
				widths[col] = max(widths[col], textWidth(s))
			}
		}
	}
	widths[11] = 40
	width := func(c int) float64 { return math.Ceil(min(max(widths[c]+padding, minWidth), maxWidth)*4) / 4 }
	per := m.caseListRows()
	for i, name := range names {
		from, to := i*per, min((i+1)*per, len(rows))
		if err := caseListSheet(b, m, name, names, i, rows, from, to, st, width); err != nil {
			return fmt.Errorf("writing sheet %q: %w", name, err)
		}
	}
	return nil
}

// caseListNo names a case by its number, or （无编号） where it has none: never by its
// key (fp:…), which means nothing to a reader.
func caseListNo(c *transform.ExplainedCase) string {
	if c.CaseNo == "" {
		return terms.NoCaseNo
	}
	return c.CaseNo
}

func caseListSheet(b *book, m *model, name string, names []string, i int, rows []caseListRow, from, to int,
	st map[string]int, width func(int) float64) error {
	top := m.top()
	noteRow, headerRow := top, top+1
	last := headerRow + (to - from)
	if to == from {
		last++
	}
	b.streams = append(b.streams, b.part(name))
	if to > from {
		if err := b.f.AutoFilter(name, cellName(1, headerRow)+":"+cellName(len(caseListTitles), last), nil); err != nil {
			return fmt.Errorf("setting filter: %w", err)
		}
	}
	// A case reads on one page: twelve columns, 不计入原因 wrapping.
	if err := pageAcross(b, m, name, headerRow, headerRow, 0, 1); err != nil {
		return err
	}
	if err := b.f.SetSheetDimension(name, "A1:"+cellName(len(caseListTitles), last)); err != nil {
		return fmt.Errorf("setting used range: %w", err)
	}
	sw, err := b.f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	for c := range caseListTitles {
		if err := sw.SetColWidth(c+1, c+1, width(c)); err != nil {
			return err
		}
	}
	top1 := cellName(3, headerRow+1)
	if err := sw.SetPanes(&excelize.Panes{
		Freeze: true, XSplit: 2, YSplit: headerRow, TopLeftCell: top1, ActivePane: "bottomRight",
		Selection: []excelize.Selection{{SQRef: top1, ActiveCell: top1, Pane: "bottomRight"}},
	}); err != nil {
		return err
	}
	lastCol := cellName(len(caseListTitles), 1)[:1]
	if m.in.AuditorCopy {
		if err := sw.SetRow("A1", []interface{}{excelize.Cell{StyleID: st["banner"], Value: auditorBanner}},
			excelize.RowOpts{Height: 2*lineHeight + rowMargin}); err != nil {
			return err
		}
		if err := sw.MergeCell("A1", lastCol+"1"); err != nil {
			return err
		}
	}
	note := "按指标筛选后，“计入分子”之和除以“计入分母”之和即为公布的比率；不计入的诉求注明原因。"
	if len(names) > 1 {
		note += fmt.Sprintf("一张工作表容纳不下，分%d张表列出；本表为第%s至%s条。", len(names),
			groupThousands(fmt.Sprint(from+1)), groupThousands(fmt.Sprint(to)))
	}
	noteWidth := 0.0
	for c := range 6 {
		noteWidth += width(c)
	}
	if err := sw.SetRow(cellName(1, noteRow), []interface{}{excelize.Cell{StyleID: st["note"], Value: note}},
		excelize.RowOpts{Height: float64(lines(note, cellStyle{}, noteWidth))*lineHeight + rowMargin}); err != nil {
		return err
	}
	if err := sw.MergeCell(cellName(1, noteRow), cellName(6, noteRow)); err != nil {
		return err
	}
	header := make([]interface{}, len(caseListTitles))
	for c, t := range caseListTitles {
		header[c] = excelize.Cell{StyleID: st["header"], Value: t}
	}
	if err := sw.SetRow(cellName(1, headerRow), header, excelize.RowOpts{Height: lineHeight + rowMargin + 4}); err != nil {
		return err
	}
	if to == from {
		return flushWith(sw, cellName(1, headerRow+1), "本期没有可列出的诉求。")
	}
	cells := make([]excelize.Cell, len(caseListTitles))
	row := make([]interface{}, len(cells))
	for c := range cells {
		row[c] = &cells[c]
	}
	text := func(c int, s string) {
		if s == "" {
			cells[c] = excelize.Cell{StyleID: st["dash"], Value: dash}
			return
		}
		s = clip(s)
		id := st["text"]
		if needsQuote(s) {
			id = st["quoted"]
		}
		cells[c] = excelize.Cell{StyleID: id, Value: s}
	}
	r := headerRow + 1
	for _, x := range rows[from:to] {
		c := x.c
		text(0, x.figure)
		text(1, caseListNo(c))
		text(2, c.UnitCode)
		text(3, c.UnitName)
		text(4, c.Category)
		cells[5] = excelize.Cell{StyleID: st["dateTime"], Value: excelSerial(c.Received)}
		if c.Deadline != nil {
			cells[6] = excelize.Cell{StyleID: st["date"], Value: excelSerial(*c.Deadline)}
		} else {
			cells[6] = excelize.Cell{StyleID: st["dash"], Value: dash}
		}
		if c.Closed != nil {
			cells[7] = excelize.Cell{StyleID: st["date"], Value: excelSerial(*c.Closed)}
		} else {
			cells[7] = excelize.Cell{StyleID: st["dash"], Value: dash}
		}
		switch {
		case c.OnTime == nil:
			cells[8] = excelize.Cell{StyleID: st["dash"], Value: dash}
		case *c.OnTime:
			cells[8] = excelize.Cell{StyleID: st["center"], Value: "是"}
		default:
			cells[8] = excelize.Cell{StyleID: st["center"], Value: "否"}
		}
		num, den := 0.0, 0.0
		if c.InNumerator {
			num = c.Weight
		}
		if c.InDenominator {
			den = 1
		}
		cells[9] = excelize.Cell{StyleID: st["count"], Value: num}
		cells[10] = excelize.Cell{StyleID: st["count"], Value: den}
		why := c.Excluded
		if c.WaitingDays != nil && why != "" {
			why += "（已等待" + strconv.Itoa(*c.WaitingDays) + "天）"
		}
		if why == "" {
			cells[11] = excelize.Cell{StyleID: st["text"], Value: ""}
		} else {
			text(11, why)
		}
		if err := sw.SetRow(cellName(1, r), row); err != nil {
			return fmt.Errorf("row %d: %w", r, err)
		}
		r++
	}
	return sw.Flush()
}

// flushWith writes one line of text at cell and ends the stream.
func flushWith(sw *excelize.StreamWriter, cell, text string) error {
	if err := sw.SetRow(cell, []interface{}{text}); err != nil {
		return err
	}
	return sw.Flush()
}
