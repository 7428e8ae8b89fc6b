package reports

import (
	"cmp"
	"fmt"
	"math"
	"strings"

	"github.com/minqing/minqing/internal/terms"
	"github.com/minqing/minqing/transform"
	"github.com/xuri/excelize/v2"
)

// clause is one figure in the summary's narrative: the words before it, the figure,
// and its unit after it.
type clause struct{ lead, id, unit string }

// narrative is the opening paragraph of 概览, in the register of the reports the
// seeds quote. Each rate follows the count it is a share of, and says so, so that no
// reader divides 办结量 by 受理量 and expects 办结率: 办结率 is the share of the cases
// received in the period closed by the cutoff, 办结量 counts the period's closures
// whenever received, and 按时办结率 is a share of those. A clause whose figure is not
// among the Defs is left out.
var narrative = []clause{
	{"共受理群众诉求", "received", "件"},
	{"，截至统计截止日已办结其中的", "close_rate", "（办结率）"},
	{"；期内办结诉求", "closed", "件（含此前受理的）"},
	{"，其中按时办结的占", "on_time_rate", "（按时办结率）"},
	{"；办结期限在期内的诉求中，按期办结的占", "due_on_time_rate", "（按期办结率）"},
	{"；截至统计截止日，超期未办结", "overdue_open", "件"},
	{"。已评价的办结诉求中，群众满意率", "satisfaction_rate", ""},
	{"；综合得分", "score", "分（满分100分）"},
	{"。走访群众", "visit_persons", "人次"},
	{"，收集意见建议", "opinions", "条"},
	{"，解决问题", "problems_solved", "个"},
	{"；开展服务活动", "service_activities", "次"},
	{"，服务群众", "beneficiaries", "人次"},
}

var periodWords = map[string]string{"quarter": "本季度", "month": "本月", "year": "本年度"}

// Columns of 概览: the figures table in A–D (A–E with 本年累计), the monthly trend after
// a blank column.
const chartGapRows = 1

// figureCols is how many columns 概览's figures table takes.
func (m *model) figureCols() int {
	if m.ytd != nil {
		return 5
	}
	return 4
}

// m.trendCol() is the first column of 概览's monthly trend.
func (m *model) trendCol() int { return m.figureCols() + 2 }

// m.summaryCols() is how many columns 概览 takes.
func (m *model) summaryCols() int { return m.trendCol() + 3 }

// writeSummary writes 概览: the title, the period, a narrative whose every number is
// a formula reading the figures table below it, the scope's figures with their
// changes, the monthly trend, and charts of the trend, the classes and the ranking.
func writeSummary(s *sheet, m *model) {
	p := m.in.Period
	top := s.start(m, m.summaryCols())
	titleStyle := cellStyle{bold: true, size: 16, align: "center"}
	s.prose(1, top, m.title, titleStyle)
	s.merge(top, 1, m.summaryCols(), textWidth(m.title)*sizeFactor(titleStyle))
	s.fail(s.b.f.SetRowHeight(s.name, top, 30))

	left := cellStyle{align: "left"}
	s.label(1, top+1, "统计期间", stLabel)
	s.number(2, top+1, excelSerial(p.Start), fmtDate, left)
	s.prose(3, top+1, "至", cellStyle{align: "center"})
	s.number(4, top+1, excelSerial(p.End), fmtDate, left)
	s.label(1, top+2, "截止日期", stLabel)
	s.number(2, top+2, excelSerial(p.Cutoff), fmtDate, left)
	if m.notOver != "" {
		// The title area says it beside the dates: the figures are not yet the period's.
		s.paragraph(top+2, 3, m.summaryCols(), m.notOver+"，以下数字只计至该日，不是本期的最终数字。", stBanner)
	}

	narrativeRow := top + 3
	headerRow := top + 5
	headers := []string{"指标", "本期", "环比", "同比"}
	if m.ytd != nil {
		headers = append(headers, m.ytdTitle())
	}
	row := s.header(headerRow, headers)
	figureRow := map[string]int{}
	for _, d := range m.in.Defs {
		figureRow[d.ID] = row
		s.label(1, row, figureName(d), stText)
		s.figure(2, row, value(m.scope, d.ID), d.Kind, stText)
		s.change(3, row, d.ID, m.scope.MoM[d.ID], d.Kind, stText)
		s.change(4, row, d.ID, m.scope.YoY[d.ID], d.Kind, stText)
		if m.ytd != nil {
			s.figure(5, row, m.ytdValue(m.scope.Unit.Code, d.ID), d.Kind, stText)
		}
		row++
	}
	lastRow := row - 1
	trendLast := writeTrend(s, m, headerRow)
	lastRow = max(lastRow, trendLast)
	for _, id := range m.alertIDs() {
		s.alert(m, id, 2, figureRow[id], figureRow[id])
		if m.ytd != nil {
			s.alert(m, id, 5, figureRow[id], figureRow[id])
		}
	}
	s.alert(m, "on_time_rate", m.trendCol()+3, headerRow+1, trendLast)

	formula, shows := narrativeText(m, figureRow)
	s.formula(narrativeRow, 1, m.summaryCols(), formula, shows, cellStyle{size: 12})

	row = lastRow + 2
	note := "注：环比较上期，同比较上年同期；▲为上升，▼为下降，蓝色为向好，红色为向差。" +
		"比率的变化以百分点计，综合得分以分计，件数、人次和办理时长以百分比计。“—”表示分母为零或无可比数据。"
	if m.notOver != "" {
		note += "本期尚未结束，件数和人次只计至数据截止日，不与整期比较，环比、同比显示为“—”。"
	}
	s.paragraph(row, 1, m.summaryCols(), note+
		"开头一段中的数字引用下表单元格。各指标口径见“指标说明”表，超期未办结和逾期办结的诉求见“超期及逾期办结”表。", cellStyle{})
	row += 2
	if note := alertNote(m); note != "" {
		s.paragraph(row-1, 1, m.summaryCols(), note, cellStyle{})
		row++
	}
	// The charts start a printed page of their own, so neither table is cut.
	s.fail(s.b.f.InsertPageBreak(s.name, cellName(1, row)))
	s.after = func(widths map[int]float64) { summaryCharts(s, m, headerRow, row, widths) }
	s.print(m, 0, 0)
}

// narrativeText returns the narrative as a formula, each number a TEXT() of its cell
// in column B, and as the text the formula shows.
func narrativeText(m *model, figureRow map[string]int) (formula, shows string) {
	kinds := map[string]transform.FigureKind{}
	for _, d := range m.in.Defs {
		kinds[d.ID] = d.Kind
	}
	lead := periodWords[m.in.Period.Kind] + m.scopeWord()
	if m.notOver != "" {
		lead = m.notOver + "。" + lead
	}
	var f, t strings.Builder
	lit := func(s string) {
		if s == "" {
			return
		}
		if f.Len() > 0 {
			f.WriteString("&")
		}
		f.WriteString(`"` + strings.ReplaceAll(s, `"`, `""`) + `"`)
		t.WriteString(s)
	}
	pending := lead
	for _, c := range narrative {
		r, ok := figureRow[c.id]
		if !ok {
			continue
		}
		lit(pending + c.lead)
		pending = c.unit
		numFmt := figureFormat(kinds[c.id])
		if f.Len() > 0 {
			f.WriteString("&")
		}
		fmt.Fprintf(&f, `TEXT(%s,"%s")`, cellName(2, r), numFmt)
		if v := value(m.scope, c.id); v != nil {
			t.WriteString(shown(*v, numFmt))
		} else {
			t.WriteString(dash)
		}
	}
	lit(pending + "。")
	return f.String(), t.String()
}

// writeTrend writes the monthly trend table beside the figures, from column F, and
// returns its last row.
func writeTrend(s *sheet, m *model, headerRow int) int {
	titles := []string{"月份", "受理量", "办结量", "按时办结率"}
	for i, t := range titles {
		s.label(m.trendCol()+i, headerRow, t, stHeader)
	}
	row := headerRow + 1
	for _, mo := range m.in.Months {
		st := mo.Period.Start.In(shanghai)
		s.label(m.trendCol(), row, fmt.Sprintf("%d月", st.Month()), cellStyle{border: true, align: "center"})
		s.figure(m.trendCol()+1, row, mo.Values["received"], transform.KindCount, stText)
		s.figure(m.trendCol()+2, row, mo.Values["closed"], transform.KindCount, stText)
		s.figure(m.trendCol()+3, row, mo.Values["on_time_rate"], transform.KindRate, stText)
		row++
	}
	return row - 1
}

func chartFont(size float64, bold bool) *excelize.Font {
	return &excelize.Font{Family: fontName, Size: size, Bold: bold}
}

func chartTitle(text string) excelize.ChartTitle {
	return excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: text, Font: chartFont(12, true)}}}
}

func axis() excelize.ChartAxis {
	f := chartFont(9, false)
	f.Color = "404040" // the applications' default grey is too pale in print
	return excelize.ChartAxis{Font: *f}
}

func rangeRef(sheet string, col, from, to int) string {
	a, _ := excelize.CoordinatesToCellName(col, from, true)
	b, _ := excelize.CoordinatesToCellName(col, to, true)
	return quoteSheet(sheet) + "!" + a + ":" + b
}

func cellRef(sheet string, col, row int) string {
	a, _ := excelize.CoordinatesToCellName(col, row, true)
	return quoteSheet(sheet) + "!" + a
}

// summaryCharts draws the trend by month (received and closed as columns, the
// on-time rate as a line on a second axis), the five classes, and the ranking by
// score, from row on. A chart with nothing to draw is left out.
func summaryCharts(s *sheet, m *model, trendHeader, row int, widths map[int]float64) {
	if s.err != nil {
		return
	}
	// Charts are anchored to cells, so they are sized from the widths of the
	// columns under them (Excel: about 7 pixels a unit plus 5 of margin) and the
	// rows under them get a fixed height.
	px := func(from, to int) uint {
		n := 0.0
		for c := from; c <= to; c++ {
			n += math.Trunc(cmp.Or(widths[c], defaultWidth)*7 + 5)
		}
		return uint(n)
	}
	const rowPx, topH = 20, 320
	row++ // below the page break, so no chart edge shows on the page above
	rankRow := row + topH/rowPx + 3
	for r := row; r < rankRow; r++ {
		s.fail(s.b.f.SetRowHeight(s.name, r, rowPx*0.75))
	}
	legend := excelize.ChartLegend{Position: "bottom", Font: chartFont(9, false)}
	name := s.name
	if n := len(m.in.Months); n > 0 {
		from, to := trendHeader+1, trendHeader+n
		cats := rangeRef(name, m.trendCol(), from, to)
		cols := &excelize.Chart{
			Type: excelize.Col,
			Series: []excelize.ChartSeries{
				{Name: cellRef(name, m.trendCol()+1, trendHeader), Categories: cats, Values: rangeRef(name, m.trendCol()+1, from, to), Fill: solid(receivedColor)},
				{Name: cellRef(name, m.trendCol()+2, trendHeader), Categories: cats, Values: rangeRef(name, m.trendCol()+2, from, to), Fill: solid(closedColor)},
			},
			Title:     chartTitle(fmt.Sprintf("%d年各月受理、办结与按时办结率", m.in.Period.Start.In(shanghai).Year())),
			Legend:    legend,
			Dimension: excelize.ChartDimension{Width: px(1, m.trendCol()-1) - 10, Height: topH},
			XAxis:     axis(),
			YAxis:     withFormat(axis(), "#,##0"),
		}
		// The on-time rate is a share: its axis runs 0–100%, and its line has a colour
		// of its own, apart from the columns'.
		lineAxis := withRange(withFormat(axis(), "0%"), 0, 1)
		lineAxis.Secondary = true
		line := &excelize.Chart{
			Type: excelize.Line,
			Series: []excelize.ChartSeries{{
				Name: cellRef(name, m.trendCol()+3, trendHeader), Categories: cats,
				Values: rangeRef(name, m.trendCol()+3, from, to), Fill: solid(onTimeColor),
				Line: excelize.LineOptions{Width: 2.25},
				Marker: excelize.ChartMarker{Symbol: "circle", Size: 6, Fill: solid(onTimeColor),
					Border: excelize.LineOptions{Type: excelize.LineSolid, Fill: solid(onTimeColor)}},
			}},
			YAxis: lineAxis,
		}
		s.fail(s.b.f.AddChart(name, cellName(1, row), cols, line))
	}
	if n := len(m.in.Classes); n > 0 {
		col := caseFigureCol(m, "received")
		from, to := m.statTop()+1, m.statTop()+n
		cats := rangeRef(sheetClasses, 1, from, to)
		var series []excelize.ChartSeries
		for i, id := range []string{"received", "closed"} {
			if c := caseFigureCol(m, id); c > 0 {
				series = append(series, excelize.ChartSeries{
					Name: cellRef(sheetClasses, c, m.statTop()), Categories: cats,
					Values: rangeRef(sheetClasses, c, from, to), Fill: solid([]string{receivedColor, closedColor}[i]),
				})
			}
		}
		if col > 0 {
			s.fail(s.b.f.AddChart(name, cellName(m.trendCol(), row), &excelize.Chart{
				Type: excelize.Col, Series: series,
				Title:     chartTitle("各办理类别受理量与办结量"),
				Legend:    legend,
				Dimension: excelize.ChartDimension{Width: max(px(m.trendCol(), m.summaryCols()), 460), Height: topH},
				XAxis:     axis(), YAxis: withFormat(axis(), "#,##0"),
			}))
		}
	}
	if n := len(m.ranked); n > 0 {
		from, to := m.statTop()+1, m.statTop()+n
		x := axis()
		x.ReverseOrder = true // rank 1 at the top
		noLegend := excelize.ChartLegend{Position: "none"}
		at := rankRow
		if len(m.in.Months) == 0 && len(m.in.Classes) == 0 {
			at = row
		}
		s.fail(s.b.f.AddChart(name, cellName(1, at), &excelize.Chart{
			Type: excelize.Bar,
			Series: []excelize.ChartSeries{{
				Name: cellRef(sheetRanking, rankScoreCol, m.statTop()), Categories: rangeRef(sheetRanking, rankNameCol, from, to),
				Values: rangeRef(sheetRanking, rankScoreCol, from, to), Fill: solid(scoreColor),
			}},
			Title:     chartTitle(rankTitle(m) + "综合得分排名"),
			Legend:    noLegend,
			Dimension: excelize.ChartDimension{Width: max(px(1, m.summaryCols()), px(1, m.trendCol()-1)+460), Height: uint(90 + 26*n)},
			// The score runs 0–100: bars start at 0, so their lengths compare.
			XAxis: x, YAxis: withRange(withFormat(axis(), "0"), 0, 100),
			PlotArea: excelize.ChartPlotArea{ShowVal: true, NumFmt: excelize.ChartNumFmt{CustomNumFmt: "0.0"}},
		}))
	}
}

// Colours of the charts: the columns of received cases, of closed cases, the line of the
// on-time rate, and the ranking's bars.
const (
	receivedColor = "5B9BD5"
	closedColor   = "A5A5A5"
	onTimeColor   = "7030A0"
	scoreColor    = "ED7D31"
)

// withRange fixes a value axis to run from min to max.
func withRange(a excelize.ChartAxis, min, max float64) excelize.ChartAxis {
	a.Minimum, a.Maximum = &min, &max
	return a
}

// figureName is a figure's name as a table heads it: time figures say they count 工作日.
func figureName(d transform.FigureDef) string {
	if d.Kind == transform.KindDays {
		return d.Name + "（" + terms.WorkingDays + "）"
	}
	return d.Name
}

func solid(color string) excelize.Fill {
	return excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{color}}
}

func withFormat(a excelize.ChartAxis, numFmt string) excelize.ChartAxis {
	a.NumFmt = excelize.ChartNumFmt{CustomNumFmt: numFmt}
	a.MajorGridLines = true
	return a
}

// top is the header row of every table sheet: 1, or 2 under an auditor's banner.
func (m *model) top() int {
	if m.in.AuditorCopy {
		return 2
	}
	return 1
}
