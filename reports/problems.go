package reports

import (
	"fmt"
	"math"
	"strings"

	"github.com/minqing/minqing/internal/terms"
	"github.com/minqing/minqing/transform"
	"github.com/xuri/excelize/v2"
)

// ProblemRows is the most quarantined rows 问题数据 lists; the note above its table
// gives how many there are in all, which `minqing quarantine` lists in full.
const ProblemRows = 10_000

const sheetProblems = "问题数据"

var problemTitles = []string{"来源", "文件", "工作表", "行号", "原因代码", "原因", "字段", "值", "说明"}

// Columns of 问题数据 (0-based) that the writer treats apart.
const (
	problemRowCol    = 3
	problemDetailCol = 8
	// problemDetailWidth is the fixed width of 说明, which wraps rather than widening.
	problemDetailWidth = 50.0
)

// reasonName is the Chinese for a quarantine reason, as 数据来源 heads its column; a
// code it does not know is shown as itself.
func reasonName(code string) string {
	for _, r := range reasonOrder {
		if r.code == code {
			return r.name
		}
	}
	return code
}

// problemRows is how many of the input's quarantined rows 问题数据 lists.
func (m *model) problemRows() int { return min(len(m.in.Problems), ProblemRows) }

// writeProblems writes 问题数据: the scope's rows that were read but quarantined, with
// the source, file, sheet and row to find each by, the reason, and the field and value
// that failed, so whoever keeps the export can correct it. The first ProblemRows are
// listed and the count of all stated above them. The values are of checked fields only
// (dates, labels, numbers, unit names); phone and ID numbers are masked all the same.
// The list is streamed, like the case lists.
func writeProblems(b *book, m *model) error {
	name := sheetProblems
	rows := m.in.Problems[:m.problemRows()]
	// Styles are made in a fixed order: their IDs are part of the file's bytes.
	st := map[string]int{}
	for _, x := range []struct {
		k  string
		cs cellStyle
	}{
		{"text", stText}, {"quoted", cellStyle{border: true, quote: true}}, {"dash", stDash},
		{"row", cellStyle{border: true, align: "right", numFmt: "0"}},
		{"detail", cellStyle{border: true, wrap: true}}, {"detailQuoted", cellStyle{border: true, wrap: true, quote: true}},
		{"header", stHeader}, {"note", cellStyle{wrap: true, align: "left"}},
		{"banner", cellStyle{bold: true, color: "C00000", align: "left", wrap: true}},
	} {
		id, err := b.style(x.cs)
		if err != nil {
			return fmt.Errorf("writing sheet %q: %w", name, err)
		}
		st[x.k] = id
	}
	// Widths are set before the first streamed row, so they are measured first.
	widths := make([]float64, len(problemTitles))
	for i, t := range problemTitles {
		widths[i] = textWidth(t) + filterButton
	}
	for i := range rows {
		for col, s := range problemTexts(&rows[i]) {
			if col != problemDetailCol && len(s) < 200 {
				widths[col] = max(widths[col], textWidth(s))
			}
		}
		widths[problemRowCol] = max(widths[problemRowCol], textWidth(fmt.Sprint(rows[i].Row)))
	}
	width := func(c int) float64 {
		if c == problemDetailCol {
			return problemDetailWidth
		}
		return math.Ceil(min(max(widths[c]+padding, minWidth), maxWidth)*4) / 4
	}
	if err := problemSheet(b, m, rows, st, width); err != nil {
		return fmt.Errorf("writing sheet %q: %w", name, err)
	}
	return nil
}

// problemTexts are the text columns of one quarantined row, in the sheet's order; the
// row number (column 4) is left empty, as it is written as a number.
func problemTexts(r *transform.QuarantinedRow) []string {
	value := r.Value
	if r.Field != "" && value == "" {
		value = terms.NotFilled // the field was empty: MISSING_FIELD
	}
	return []string{r.Source, r.File, r.Sheet, "", r.Reason, reasonName(r.Reason), r.Field, maskPersonal(value), maskPersonal(r.Detail)}
}

// maskPersonal masks, as scrub does, the digit runs that have a mobile number's or an
// ID number's shape (11 digits from 13…19, 18 characters) and keeps the others: unlike
// a description, quarantine text names unit codes (12 digits) and numbers that a
// reader must see to correct them.
func maskPersonal(s string) string {
	return maskDigitRuns(s, func(run string) bool {
		return len(run) == 18 || len(run) == 11 && run[0] == '1' && run[1] >= '3'
	})
}

// problemNote is the line above the table: how many rows the scope has quarantined in
// all, how many are listed, and, for a township, how rows without a unit were placed.
func problemNote(m *model, listed []transform.QuarantinedRow) string {
	n := m.in.ProblemCount
	where := "已载入的全部文件中"
	if !m.isDistrict {
		where = "已载入的文件中，属于" + m.in.Scope.Name + "的"
	}
	s := fmt.Sprintf("%s共有%s行数据未通过检查而被隔离，未入库，不计入任何指标", where, groupThousands(fmt.Sprint(n)))
	if n == 0 {
		return s + "。"
	}
	if len(listed) < n {
		s += fmt.Sprintf("；下表列出前%s行，全部各行可用 minqing quarantine 命令列出", groupThousands(fmt.Sprint(len(listed))))
	}
	s += "。隔离行不一定有可识别的日期，故不按统计期筛选；按所列文件、工作表和行号即可找到原始记录，改正后重新导入。"
	if !m.isDistrict {
		for _, r := range listed {
			if r.Unit == "" {
				s += "单位缺失、无法匹配或不唯一的行无法按单位归属：凡所在文件由本" + townshipWord(m.in.Scope.Name) +
					"或其所辖村（社区）导出、或含本" + townshipWord(m.in.Scope.Name) + "数据的，一并列出，其中可能有其他乡镇（街道）的行。"
				break
			}
		}
	}
	return s
}

// townshipWord is how the note names a township's kind: 镇, 乡, 街道.
func townshipWord(name string) string {
	for _, suf := range []string{"街道", "镇", "乡"} {
		if strings.HasSuffix(name, suf) {
			return suf
		}
	}
	return "乡镇（街道）"
}

func problemSheet(b *book, m *model, rows []transform.QuarantinedRow, st map[string]int, width func(int) float64) error {
	name := sheetProblems
	cols := len(problemTitles)
	top := m.top()
	noteRow, headerRow := top, top+1
	last := headerRow + len(rows)
	if len(rows) == 0 {
		last++ // the row saying there are none
	}
	b.streams = append(b.streams, b.part(name))
	// Settings kept in the worksheet record go in before the StreamWriter copies it;
	// the filter first, as it replaces the sheet properties that page sets.
	if len(rows) > 0 {
		if err := b.f.AutoFilter(name, cellName(1, headerRow)+":"+cellName(cols, last), nil); err != nil {
			return fmt.Errorf("setting filter: %w", err)
		}
	}
	// A quarantined row reads on one page: nine columns, 说明 wrapping.
	if err := pageAcross(b, m, name, headerRow, headerRow, 0, 1); err != nil {
		return err
	}
	if err := b.f.SetSheetDimension(name, "A1:"+cellName(cols, last)); err != nil {
		return fmt.Errorf("setting used range: %w", err)
	}
	sw, err := b.f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	for c := range cols {
		if err := sw.SetColWidth(c+1, c+1, width(c)); err != nil {
			return err
		}
	}
	first := cellName(1, headerRow+1)
	if err := sw.SetPanes(&excelize.Panes{
		Freeze: true, YSplit: headerRow, TopLeftCell: first, ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: first, ActiveCell: first, Pane: "bottomLeft"}},
	}); err != nil {
		return err
	}
	if m.in.AuditorCopy {
		if err := sw.SetRow("A1", []interface{}{excelize.Cell{StyleID: st["banner"], Value: auditorBanner}},
			excelize.RowOpts{Height: 2*lineHeight + rowMargin}); err != nil {
			return err
		}
		if err := sw.MergeCell("A1", cellName(cols, 1)); err != nil {
			return err
		}
	}
	// The note spans the columns the first printed page shows, so its text is not cut
	// at that page's edge.
	noteTo, noteWidth := 1, width(0)
	for c := 1; c < cols && noteWidth+width(c) <= pageWidth; c++ {
		noteTo, noteWidth = c+1, noteWidth+width(c)
	}
	note := problemNote(m, rows)
	if err := sw.SetRow(cellName(1, noteRow), []interface{}{excelize.Cell{StyleID: st["note"], Value: note}},
		excelize.RowOpts{Height: min(float64(lines(note, cellStyle{}, noteWidth))*lineHeight+rowMargin, maxRowHeight)}); err != nil {
		return err
	}
	if err := sw.MergeCell(cellName(1, noteRow), cellName(noteTo, noteRow)); err != nil {
		return err
	}
	header := make([]interface{}, cols)
	for c, t := range problemTitles {
		header[c] = excelize.Cell{StyleID: st["header"], Value: t}
	}
	if err := sw.SetRow(cellName(1, headerRow), header, excelize.RowOpts{Height: lineHeight + rowMargin + 4}); err != nil {
		return err
	}
	if len(rows) == 0 {
		return flushWith(sw, cellName(1, headerRow+1), "没有被隔离的数据行。")
	}
	cells := make([]excelize.Cell, cols)
	row := make([]interface{}, cols)
	for c := range cells {
		row[c] = &cells[c] // a pointer in an interface needs no allocation per cell
	}
	for i := range rows {
		r := &rows[i]
		height := 0.0
		for c, s := range problemTexts(r) {
			if c == problemRowCol {
				continue
			}
			if s == "" {
				cells[c] = excelize.Cell{StyleID: st["dash"], Value: dash}
				continue
			}
			s = clip(s)
			text, quoted := st["text"], st["quoted"]
			if c == problemDetailCol {
				text, quoted = st["detail"], st["detailQuoted"]
				if n := lines(s, cellStyle{}, problemDetailWidth); n > 1 {
					height = min(math.Ceil(float64(n)*lineHeight+rowMargin), maxRowHeight)
				}
			}
			id := text
			if needsQuote(s) {
				id = quoted
			}
			cells[c] = excelize.Cell{StyleID: id, Value: s}
		}
		cells[problemRowCol] = excelize.Cell{StyleID: st["row"], Value: r.Row}
		at := cellName(1, headerRow+1+i)
		if height > 0 {
			err = sw.SetRow(at, row, excelize.RowOpts{Height: height})
		} else {
			err = sw.SetRow(at, row)
		}
		if err != nil {
			return fmt.Errorf("row %d: %w", headerRow+1+i, err)
		}
	}
	return sw.Flush()
}
