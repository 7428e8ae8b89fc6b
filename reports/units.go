package reports

import (
	"fmt"
	"slices"
	"strings"

	"github.com/minqing/minqing/internal/terms"
	"github.com/minqing/minqing/transform"
)

// writeTownships writes 乡镇（街道）: one row per township with every figure, and the
// district's own row below the filtered range, so sorting the townships never moves
// it. The district row is counted from all its cases, like every level; it is not a
// sum of the rows above it (cases handled by district offices count there only).
func writeTownships(s *sheet, m *model) {
	const fixed = 2
	titles := append([]string{terms.UnitCode, terms.Township}, figureTitles(m.in.Defs)...)
	// 环比 of the figures leaders read first, after every figure.
	changes := pick(m.in.Defs, func(id string) bool { return slices.Contains(townshipChanges, id) })
	for _, d := range changes {
		titles = append(titles, d.Name+"环比")
	}
	changeCol := fixed + 1 + len(m.in.Defs)
	// 本年累计 of the figures leaders read first, after the changes.
	var ytd []transform.FigureDef
	if m.ytd != nil {
		ytd = pick(m.in.Defs, func(id string) bool { return slices.Contains(ytdFigures, id) })
		for _, d := range ytd {
			titles = append(titles, d.Name+"\n"+m.ytdTitle())
		}
	}
	ytdCol := changeCol + len(changes)
	ytdCells := func(row int, code string, cs cellStyle) {
		for i, d := range ytd {
			s.figure(ytdCol+i, row, m.ytdValue(code, d.ID), d.Kind, cs)
		}
	}
	top := s.start(m, len(titles))
	row := s.header(top, titles)
	for _, u := range m.townships {
		s.text(1, row, u.Unit.Code, stText)
		s.text(2, row, m.unitName(u.Unit), m.nameStyle(u.Unit, stText))
		figureCells(s, row, fixed+1, m.in.Defs, u, stText)
		changeCells(s, row, changeCol, changes, u.MoM, stText)
		ytdCells(row, u.Unit.Code, stText)
		row++
	}
	s.table(top, row-1, len(titles), fixed)
	totalRow(s, m, row, fixed, m.in.Defs)
	bold := stText
	bold.bold = true
	changeCells(s, row, changeCol, changes, m.scope.MoM, bold)
	ytdCells(row, m.scope.Unit.Code, bold)
	s.alertColumns(m, m.in.Defs, fixed+1, top+1, row)
	s.alertColumns(m, ytd, ytdCol, top+1, row)
	s.paragraph(row+2, 1, 8, totalNote(m)+"环比较上期：比率以百分点计，件数以百分比计；本期未结束时件数不作环比。"+silentNote(m, m.townships), stNote)
	if note := alertNote(m); note != "" {
		s.paragraph(row+3, 1, 8, note, stNote)
	}
	s.print(m, top, fixed)
}

// townshipChanges are the figures whose 环比 the townships' sheet shows.
var townshipChanges = []string{"received", "on_time_rate", "satisfaction_rate", "score"}

// changeCells writes the 环比 of defs from column col.
func changeCells(s *sheet, row, col int, defs []transform.FigureDef, mom map[string]*float64, cs cellStyle) {
	for i, d := range defs {
		s.change(col+i, row, d.ID, mom[d.ID], d.Kind, cs)
	}
}

// writeVillages writes 村（社区）: one row per village with its township and every
// figure, and the scope's own row below.
func writeVillages(s *sheet, m *model) {
	const fixed = 3
	titles := append([]string{terms.UnitCode, terms.Township, "村（社区）"}, figureTitles(m.in.Defs)...)
	top := s.start(m, len(titles))
	row := s.header(top, titles)
	townships := map[string]transform.UnitFigures{}
	for _, t := range m.townships {
		townships[t.Unit.Code] = t
	}
	first := row // the first village row of the current township
	for i, u := range m.villages {
		s.text(1, row, u.Unit.Code, stText)
		s.text(2, row, m.units[u.Unit.Parent].Name, stText)
		s.text(3, row, m.unitName(u.Unit), m.nameStyle(u.Unit, stText))
		figureCells(s, row, fixed+1, m.in.Defs, u, stText)
		row++
		if t, ok := townships[u.Unit.Parent]; ok && (i == len(m.villages)-1 || m.villages[i+1].Unit.Parent != u.Unit.Parent) {
			subtotalRow(s, m, row, fixed, t, m.villages[i-(row-first)+1:i+1], first)
			row++
			first = row
		}
	}
	s.table(top, row-1, len(titles), fixed)
	totalRow(s, m, row, fixed, m.in.Defs)
	s.alertColumns(m, m.in.Defs, fixed+1, top+1, row)
	note := totalNote(m)
	if m.isDistrict {
		note += "每个乡镇（街道）所属村（社区）之后的“" + terms.Subtotal + "”行（加粗）：件数是上方各村（社区）行之和（求和公式）；" +
			"乡镇（街道）本级承办的诉求不在任何村（社区）行内，有这类诉求时件数取该乡镇（街道）自身的数（不是公式），标为“" + subtotalOwn + "”。" +
			"比率、时长和得分取该乡镇（街道）自身的数，由其全部诉求的件数计算，不是各村（社区）比率之和或平均。排序前请先筛选去掉小计行。"
	}
	s.paragraph(row+2, 1, 8, note+silentNote(m, m.villages), stNote)
	if note := alertNote(m); note != "" {
		s.paragraph(row+3, 1, 8, note, stNote)
	}
	s.print(m, top, fixed)
}

// unitName is a unit's name on the unit sheets: marked （未报送） when the unit sent no
// export of its own for the period (报送情况), for its figures then come from other
// units' exports alone and a 0 among them is not the unit's.
func (m *model) unitName(u transform.Unit) string {
	if m.notSubmitted(u.Code) {
		return u.Name + "（" + terms.NotSubmitted + "）"
	}
	return u.Name
}

// nameStyle is cs, in 报送情况's red for a unit that sent nothing.
func (m *model) nameStyle(u transform.Unit, cs cellStyle) cellStyle {
	if m.notSubmitted(u.Code) {
		cs.bold, cs.color = true, stNotSubmitted.color
	}
	return cs
}

// silentNote says what （未报送） means, when a unit among units is so marked.
func silentNote(m *model, units []transform.UnitFigures) string {
	for _, u := range units {
		if m.notSubmitted(u.Unit.Code) {
			return "名称后标“（" + terms.NotSubmitted + "）”的单位本期没有报送本单位的导出，其数字只来自上级平台等其他单位的导出，" +
				"不是该单位的全部情况，其中的0不表示没有（见“" + terms.Submissions + "”表）。"
		}
	}
	return ""
}

// subtotalOwn labels a 小计 whose counts are the township's own, not its villages' sum.
const subtotalOwn = terms.Subtotal + "（含乡镇本级）"

// subtotalRow writes township t's 小计 below its villages, which are on rows first to
// row-1: a count is a SUM of the rows above where it equals the township's own count
// (every case sits under a village), else the township's own; every other figure is
// the township's own, as the data counts it from its cases.
func subtotalRow(s *sheet, m *model, row, fixed int, t transform.UnitFigures, villages []transform.UnitFigures, first int) {
	bold := stText
	bold.bold = true
	own := false
	for i, d := range m.in.Defs {
		col := fixed + 1 + i
		v := value(t, d.ID)
		if d.Kind != transform.KindCount || v == nil {
			s.figure(col, row, v, d.Kind, bold)
			continue
		}
		sum, whole := 0.0, true
		for _, u := range villages {
			if x := value(u, d.ID); x != nil {
				sum += *x
			} else {
				whole = false
			}
		}
		if !whole || sum != *v {
			own = true
			s.figure(col, row, v, d.Kind, bold)
			continue
		}
		s.sum(col, row, first, row-1, *v, figureFormat(d.Kind), bold)
	}
	label := terms.Subtotal
	if own {
		label = subtotalOwn
	}
	s.text(1, row, t.Unit.Code, bold)
	s.text(2, row, t.Unit.Name, bold)
	s.label(3, row, label, bold)
}

// totalRow writes the scope's own figures in bold below a unit table: code in column
// 1, the scope's word (全区, 全镇) in column fixed, the figures after.
func totalRow(s *sheet, m *model, row, fixed int, defs []transform.FigureDef) {
	bold := stText
	bold.bold = true
	s.text(1, row, m.scope.Unit.Code, bold)
	for c := 2; c < fixed; c++ {
		s.label(c, row, "", bold)
	}
	s.label(fixed, row, m.scopeWord(), bold)
	figureCells(s, row, fixed+1, defs, m.scope, bold)
}

func totalNote(m *model) string {
	return "注：“" + m.scopeWord() + "”一行按辖区内全部记录重新计算，含" + levelWord(m) +
		"本级承办的诉求，不是上列各行之和；比率由件数计算，不是各行比率的平均。"
}

// levelWord names the scope's own level for notes: 区直部门和乡镇 or 镇（街道）.
func levelWord(m *model) string {
	if m.isDistrict {
		return "区直部门和乡镇（街道）"
	}
	return "乡镇（街道）"
}

func figureTitles(defs []transform.FigureDef) []string {
	t := make([]string, len(defs))
	for i, d := range defs {
		t[i] = figureName(d)
	}
	return t
}

// figureCells writes u's figures in defs order from column col.
func figureCells(s *sheet, row, col int, defs []transform.FigureDef, u transform.UnitFigures, cs cellStyle) {
	for i, d := range defs {
		s.figure(col+i, row, value(u, d.ID), d.Kind, cs)
	}
}

// Figures of the visit and service-activity sheets; they are not case figures.
var (
	visitFigures   = []string{"visit_persons", "opinions", "problems_solved"}
	serviceFigures = []string{"service_activities", "volunteers", "beneficiaries"}
)

// isCaseFigure reports whether figure id is counted from cases and so has a value
// for a class, channel or topic. The score ranks units and is not one.
func isCaseFigure(id string) bool {
	return id != "score" && !slices.Contains(visitFigures, id) && !slices.Contains(serviceFigures, id)
}

// isTrendFigure reports whether the monthly trend needs figure id.
func isTrendFigure(id string) bool {
	return id == "received" || id == "closed" || id == "on_time_rate"
}

// pick returns the defs whose IDs keep holds, in defs order.
func pick(defs []transform.FigureDef, keep func(string) bool) []transform.FigureDef {
	var out []transform.FigureDef
	for _, d := range defs {
		if keep(d.ID) {
			out = append(out, d)
		}
	}
	return out
}

// activityWriter writes 走访 or 服务活动: the figures ids for every unit below the
// scope, townships each followed by their villages, and the scope's row below.
func activityWriter(ids []string) func(*sheet, *model) {
	return func(s *sheet, m *model) {
		defs := pick(m.in.Defs, func(id string) bool { return slices.Contains(ids, id) })
		const fixed = 4
		titles := append([]string{terms.UnitCode, "层级", terms.Township, terms.Unit}, figureTitles(defs)...)
		top := s.start(m, len(titles))
		row := s.header(top, titles)
		units := append(slices.Clone(m.townships), m.villages...)
		slices.SortFunc(units, func(a, b transform.UnitFigures) int { return compareCodes(a.Unit.Code, b.Unit.Code) })
		for _, u := range units {
			cs := stText
			level, township := "村（社区）", m.units[u.Unit.Parent].Name
			if u.Unit.Level == "township" {
				level, township, cs.bold = "乡镇（街道）", u.Unit.Name, true
			}
			s.text(1, row, u.Unit.Code, cs)
			s.label(2, row, level, cs)
			s.text(3, row, township, cs)
			s.text(4, row, m.unitName(u.Unit), m.nameStyle(u.Unit, cs))
			figureCells(s, row, fixed+1, defs, u, cs)
			row++
		}
		s.table(top, row-1, len(titles), fixed)
		totalRow(s, m, row, fixed, defs)
		s.paragraph(row+2, 1, len(titles), "注：乡镇（街道）行（加粗）已含其所属各村（社区），请勿与村（社区）行相加；“"+
			m.scopeWord()+"”一行为辖区合计，含"+levelWord(m)+"本级的记录。"+silentNote(m, units), stNote)
		s.print(m, top, fixed)
	}
}

// compareCodes orders statistical division codes; a township's code (…001000) sorts
// before its villages' (…001001), so a plain string order is the tree order.
func compareCodes(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// breakdownWriter writes 办理类别, 来源渠道 or 诉求类型: one row per value, in the
// order given (transform.Reader.Breakdown's: the classes in domain.md's order, other
// values by 受理量), with every case figure, the scope's row (all cases) below, and for
// a breakdown with 未填写 cases a note naming the sources they come from.
func breakdownWriter(rows []transform.BreakdownRow, dimension string) func(*sheet, *model) {
	return func(s *sheet, m *model) {
		defs := pick(m.in.Defs, isCaseFigure)
		titles := append([]string{dimension}, figureTitles(defs)...)
		// 环比 and 同比 of the two figures reports lead with, after the figures.
		var changes []transform.FigureDef
		for _, d := range defs {
			if d.ID == "received" || d.ID == "on_time_rate" {
				changes = append(changes, d)
				titles = append(titles, d.Name+"环比", d.Name+"同比")
			}
		}
		changeCells := func(row int, mom, yoy map[string]*float64, cs cellStyle) {
			col := 2 + len(defs)
			for _, d := range changes {
				s.change(col, row, d.ID, mom[d.ID], d.Kind, cs)
				s.change(col+1, row, d.ID, yoy[d.ID], d.Kind, cs)
				col += 2
			}
		}
		top := s.start(m, len(titles))
		row := s.header(top, titles)
		for _, r := range rows {
			s.text(1, row, r.Value, stText)
			figureCells(s, row, 2, defs, transform.UnitFigures{Values: r.Values}, stText)
			changeCells(row, r.MoM, r.YoY, stText)
			row++
		}
		s.table(top, row-1, len(titles), 1)
		bold := stText
		bold.bold = true
		s.label(1, row, "合计（"+m.scopeWord()+"）", bold)
		figureCells(s, row, 2, defs, m.scope, bold)
		changeCells(row, m.scope.MoM, m.scope.YoY, bold)
		s.paragraph(row+2, 1, 8, "注：合计行为"+m.scopeWord()+"全部诉求的数，比率由件数计算，不是上列各行比率的平均。", stNote)
		if note := notFilledNote(dimension, m.in.NotFilled[dimension]); note != "" {
			s.paragraph(row+3, 1, 8, note, stNote)
		}
		s.print(m, top, 1)
	}
}

// notFilledNote says where a breakdown's 未填写 cases come from: the sources whose exports
// have no such column, and those that have it but left the cell empty; "" when no case
// received is 未填写.
func notFilledNote(dimension string, nf transform.NotFilled) string {
	type part struct {
		n       int
		from    string
		sources []string
	}
	var parts []part
	for _, p := range []part{{nf.NoColumn, "不含该列的来源", nf.NoColumnSources}, {nf.EmptyCell, "有该列但未填写的来源", nf.EmptyCellSources}} {
		if p.n > 0 {
			parts = append(parts, p)
		}
	}
	head := fmt.Sprintf("注：%s%s的%d件（受理量）", dimension, terms.NotFilled, nf.NoColumn+nf.EmptyCell)
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return head + "来自" + parts[0].from + "：" + strings.Join(parts[0].sources, "、") + "。"
	}
	var says []string
	for _, p := range parts {
		says = append(says, fmt.Sprintf("%d件来自%s：%s", p.n, p.from, strings.Join(p.sources, "、")))
	}
	return head + "中，" + strings.Join(says, "；") + "。"
}

// caseFigureCol is the column of figure id on the breakdown sheets, 0 when absent.
func caseFigureCol(m *model, id string) int {
	for i, d := range pick(m.in.Defs, isCaseFigure) {
		if d.ID == id {
			return 2 + i
		}
	}
	return 0
}

// sum writes a SUM of column col's rows from..to, with v as the value it shows until
// the application recalculates.
func (s *sheet) sum(col, row, from, to int, v float64, numFmt string, cs cellStyle) {
	s.number(col, row, v, numFmt, cs)
	if s.err == nil {
		s.fail(s.b.f.SetCellFormula(s.name, cellName(col, row), fmt.Sprintf("SUM(%s:%s)", cellName(col, from), cellName(col, to))))
	}
}
