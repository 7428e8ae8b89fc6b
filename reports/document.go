package reports

import (
	"archive/zip"
	"cmp"
	"encoding/xml"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/minqing/minqing/internal/cnfmt"
	"github.com/minqing/minqing/internal/terms"
	"github.com/minqing/minqing/transform"
)

// The page of GB/T 9704-2012 (党政机关公文格式): A4, the text area 156 mm × 225 mm set
// by the margins, 22 lines of 28 characters in 3号 (16 pt) type.
const (
	pageWidthMM, pageHeightMM = 210, 297
	marginTopMM               = 37
	marginBottomMM            = 35
	marginLeftMM              = 28
	marginRightMM             = 26
	linesPerPage              = 22
	charsPerLine              = 28
	bodyPt                    = 16 // 3号
	titlePt                   = 22 // 2号
	pageNumberPt              = 14 // 4号
	tablePt                   = 10.5
)

// twips converts millimetres to twentieths of a point, as OOXML measures a page.
func twips(mm float64) int { return int(math.Round(mm * 1440 / 25.4)) }

// linePitch is the height of one of the page's 22 lines, in twips.
func linePitch() int {
	return (twips(pageHeightMM) - twips(marginTopMM) - twips(marginBottomMM)) / linesPerPage
}

// condense is how much closer than its size, in twips, 3号 type is set so that 28
// characters fill the 156 mm line (15.8 pt a character where the type is 16 pt). It is
// set on the text's runs (w:spacing) rather than as docGrid's w:charSpace with a grid of
// characters: Word and WPS honour both, but LibreOffice lays a grid of characters out
// at the line pitch, some 16 characters to a line.
func condense() int {
	width := float64(twips(pageWidthMM)-twips(marginLeftMM)-twips(marginRightMM)) / 20 // points
	return int(math.Ceil((bodyPt - width/charsPerLine) * 20))
}

// The typefaces of GB/T 9704 and the name each falls back to (the font table's
// altName) where it is not installed: the 方正 and _GB2312 faces come with the
// publishing packages government offices install; 华文中宋, 仿宋, 楷体 and 黑体 ship
// with Chinese Windows, Office and WPS.
var docFonts = []struct{ name, alt, family string }{
	{fontTitle, "华文中宋", "roman"},
	{fontBody, "仿宋", "modern"},
	{fontHeading1, "SimHei", "modern"},
	{fontHeading2, "楷体", "script"},
	{fontPageNo, "SimSun", "roman"},
}

const (
	fontTitle    = "方正小标宋简体" // 小标宋
	fontBody     = "仿宋_GB2312"
	fontHeading1 = "黑体"
	fontHeading2 = "楷体_GB2312"
	fontPageNo   = "宋体"
)

// WriteDocument writes the report document (季度工作情况报告) to path: a .docx laid out
// as GB/T 9704-2012 asks, whose sections say in words what the workbook shows in
// tables (总体情况, 分类办理情况, the ranking, 存在的问题 drawn from the data) and whose
// 附表 are the units' table and the ranking. It takes the Input Write takes and states
// no number the Input does not hold: a share or a sum the workbook does not show is
// not computed here. The same input gives a byte-identical file.
func WriteDocument(path string, in Input) error {
	m, err := newModel(in)
	if err != nil {
		return fmt.Errorf("checking input: %w", err)
	}
	d := &document{m: m}
	d.write()
	props := docProps{title: documentTitle(m), subject: "民情工作情况报告", keywords: m.in.Scope.Code + " " + m.in.Period.ID, stamp: m.in.Period.Cutoff}
	parts := documentParts(props, d.body.String())
	if err := saveArchive(path, parts); err != nil {
		return fmt.Errorf("saving document %q: %w", path, err)
	}
	return nil
}

// documentTitle is the report's title: 和平区2024年第四季度民情工作情况报告.
func documentTitle(m *model) string {
	name := m.in.District.Name
	if !m.isDistrict {
		name += m.in.Scope.Name
	}
	return name + m.label + "民情工作情况报告"
}

// document builds word/document.xml's body.
type document struct {
	m    *model
	body strings.Builder
}

// Paragraph styles of styles.xml.
const (
	stTitle    = "Title"
	stSubtitle = "Subtitle"
	stH1       = "Heading1"
	stH2       = "Heading2"
	stBody     = "BodyText"
	stAttach   = "AttachLabel"
	stTabTitle = "TableTitle"
	stTabText  = "TableText"
	stTabNote  = "TableNote"
)

func (d *document) para(style, text string) {
	fmt.Fprintf(&d.body, `<w:p><w:pPr><w:pStyle w:val="%s"/></w:pPr>%s</w:p>`, style, runXML(text))
}

// title writes the title; one too long for a line (20 characters of 2号) breaks
// before 民情工作情况报告, so no line holds a lone word.
func (d *document) title(text string) {
	run := runXML(text)
	const tail = "民情工作情况报告"
	if textWidth(text) > 2*titleChars && strings.HasSuffix(text, tail) {
		head := strings.TrimSuffix(text, tail)
		run = `<w:r><w:t xml:space="preserve">` + escapeXML(head) + `</w:t><w:br/><w:t xml:space="preserve">` + tail + `</w:t></w:r>`
	}
	fmt.Fprintf(&d.body, `<w:p><w:pPr><w:pStyle w:val="%s"/></w:pPr>%s</w:p>`, stTitle, run)
}

// titleChars is how many characters of 2号 a line holds.
const titleChars = 20

// pageBreak starts the next paragraph on a new page.
func (d *document) pageBreak() {
	d.body.WriteString(`<w:p><w:r><w:br w:type="page"/></w:r></w:p>`)
}

func runXML(text string) string {
	if text == "" {
		return ""
	}
	return `<w:r><w:t xml:space="preserve">` + escapeXML(text) + `</w:t></w:r>`
}

// escapeXML escapes text for an element's content; characters XML cannot hold
// (control characters an export may carry) become U+FFFD.
func escapeXML(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

func (d *document) write() {
	m := d.m
	p := m.in.Period
	d.title(documentTitle(m))
	end := cnfmt.Date(p.End)
	if p.End.Year() == p.Start.Year() {
		end = strings.TrimPrefix(end, fmt.Sprintf("%d年", p.End.Year()))
	}
	sub := "（统计期间：" + cnfmt.Date(p.Start) + "至" + end
	if !p.Cutoff.Equal(p.End) {
		sub += "，统计截止日：" + cnfmt.Date(p.Cutoff)
	}
	d.para(stSubtitle, sub+"）")
	if m.notOver != "" {
		d.para(stBody, m.notOver+"，以下件数和人次只计至该日，不是本期的最终数字，不与整期比较。")
	}
	d.overview()
	d.breakdowns()
	d.ranking()
	d.problems()
	d.noticeEffects()
	d.attachmentList()
	d.unitsTable()
	d.rankingTable()
}

// figureText is how a document states a figure's value: counts grouped by thousands,
// rates in percent with one decimal, days and the score with one decimal; "" for a
// figure without a value.
func figureText(k transform.FigureKind, v *float64) string {
	if v == nil {
		return ""
	}
	switch k {
	case transform.KindCount:
		return groupThousands(fmt.Sprintf("%.0f", math.Round(*v)))
	case transform.KindRate:
		return fmt.Sprintf("%.1f%%", *v*100)
	}
	return fmt.Sprintf("%.1f", *v)
}

// changeText is a change as a document writes it: 增长12.5% or 下降5.0% for counts and
// days, 提高2.3个百分点 for rates, 降低1.5分 for the score, 持平 when it rounds to 0.
func changeText(k transform.FigureKind, v float64) string {
	var mag float64
	var unit string
	up, down := "提高", "降低"
	switch k {
	case transform.KindRate:
		mag, unit = v*100, terms.Points
	case transform.KindScore:
		mag, unit = v, "分"
	default:
		mag, unit = v*100, "%"
		up, down = "增长", "下降"
	}
	s := fmt.Sprintf("%.1f", math.Abs(mag))
	switch {
	case s == "0.0":
		return "持平"
	case mag > 0:
		return up + s + unit
	}
	return down + s + unit
}

// unitWord is what follows a figure's value in prose: 件, 分, 个工作日.
var unitWord = map[string]string{
	"received": "件", "closed": "件", "overdue_open": "件", "proxy_cases": "件",
	"avg_days": "个" + terms.WorkingDays, "median_days": "个" + terms.WorkingDays,
	"visit_persons": "", "opinions": "条", "problems_solved": "个",
	"service_activities": "次", "volunteers": "", "beneficiaries": "", "score": "分",
}

// explain is the parenthesis after a figure in 总体情况 saying what it is a share of,
// so no reader divides one count by another and expects the rate.
var explain = map[string]string{
	"received":            "期内受理的群众诉求，含已退回、已撤销的",
	"close_rate":          "期内受理的诉求截至统计截止日已办结的比例",
	"closed":              "期内办结的诉求，不论何时受理",
	"on_time_rate":        "期内办结且期限可计算的诉求中按时办结的比例",
	"due_on_time_rate":    "办结期限在期内的诉求中按期办结的比例，逾期仍未办结的计为未按期",
	"overdue_open":        "截至统计截止日仍未办结且已过办结期限",
	"satisfaction_rate":   "期内办结且已评价的诉求中评价为满意或基本满意的比例",
	"rating_rate":         "期内办结的诉求中群众已评价的比例",
	"resolution_rate":     "期内办结且有办理结果的诉求中已解决的比例，部分解决按权重计",
	"response_rate":       "期内受理的诉求中24小时内首次联系群众的比例",
	"avg_days":            "自受理次日起至办结日，扣除等待补正材料和上级批复的时间",
	"score":               "满分100分",
	"stated_on_time_rate": "期内受理且导出注明平台判定的诉求中判定为按期的比例；这是平台自己的判定，与上文按工作日计算的数字分列，不相混合",
}

// clause states figure id of values: its name, value and unit, what it is a share of
// (when asked), and its 环比 and 同比. A figure the input does not define is "", one
// without a value says so.
func (d *document) clause(values, mom, yoy map[string]*float64, id string, explained bool) string {
	def, ok := d.def(id)
	if !ok {
		return ""
	}
	v := values[id]
	if v == nil {
		return def.Name + "无数据（分母为零或导出不含所需的列）"
	}
	s := def.Name + figureText(def.Kind, v) + unitWord[id]
	if explained && explain[id] != "" {
		s += "（" + explain[id] + "）"
	}
	for _, c := range []struct {
		word    string
		changes map[string]*float64
	}{{"环比", mom}, {"同比", yoy}} {
		if ch := c.changes[id]; ch != nil {
			s += "，" + c.word + changeText(def.Kind, *ch)
		}
	}
	return s
}

func (d *document) def(id string) (transform.FigureDef, bool) {
	for _, def := range d.m.in.Defs {
		if def.ID == id {
			return def, true
		}
	}
	return transform.FigureDef{}, false
}

// sentence joins the clauses that are not empty with sep and ends them with 。.
func sentence(lead, sep string, clauses ...string) string {
	var kept []string
	for _, c := range clauses {
		if c != "" {
			kept = append(kept, c)
		}
	}
	if len(kept) == 0 {
		return ""
	}
	return lead + strings.Join(kept, sep) + "。"
}

func (d *document) bodyPara(text string) {
	if text != "" {
		d.para(stBody, text)
	}
}

func (d *document) overview() {
	m := d.m
	s := m.scope
	c := func(id string) string { return d.clause(s.Values, s.MoM, s.YoY, id, true) }
	d.para(stH1, "一、总体情况")
	lead := periodWords[m.in.Period.Kind] + m.scopeWord()
	d.bodyPara(sentence(lead, "；", c("received"), c("close_rate")))
	d.bodyPara(sentence("", "；", c("closed"), c("on_time_rate"), c("due_on_time_rate"), c("overdue_open")))
	d.bodyPara(sentence("", "；", c("satisfaction_rate"), c("rating_rate"), c("resolution_rate"), c("response_rate"), c("avg_days"), c("score")))
	plain := func(id string) string { return d.clause(s.Values, s.MoM, s.YoY, id, false) }
	d.bodyPara(sentence("", "；", plain("proxy_cases"), plain("proxy_on_time_rate")))
	d.bodyPara(sentence("", "，", plain("visit_persons"), plain("opinions"), plain("problems_solved")))
	d.bodyPara(sentence("", "，", plain("service_activities"), plain("volunteers"), plain("beneficiaries")))
	if v := s.Values["stated_on_time_rate"]; v != nil {
		d.bodyPara(sentence("", "", c("stated_on_time_rate")))
	}
}

// docTopRows is how many channels and topics 分类办理情况 names, by volume.
const docTopRows = 5

func (d *document) breakdowns() {
	m := d.m
	d.para(stH1, "二、分类办理情况")
	row := func(r transform.BreakdownRow, ids ...string) string {
		var cs []string
		for _, id := range ids {
			cs = append(cs, d.clause(r.Values, nil, nil, id, false))
		}
		return r.Value + "：" + strings.Join(slices.DeleteFunc(cs, func(s string) bool { return s == "" }), "，")
	}
	d.para(stH2, "（一）办理类别")
	if len(m.in.Classes) == 0 {
		d.bodyPara("本期没有按办理类别的数据。")
	} else {
		var rows []string
		for _, r := range m.in.Classes {
			rows = append(rows, row(r, "received", "closed", "on_time_rate"))
		}
		d.bodyPara(sentence("", "；", rows...))
	}
	for _, b := range []struct {
		heading, what string
		rows          []transform.BreakdownRow
	}{
		{"（二）" + terms.Channel, terms.Channel, m.in.Channels},
		{"（三）" + terms.Topic, terms.Topic, m.in.Topics},
	} {
		d.para(stH2, b.heading)
		top := byReceived(b.rows)
		if len(top) == 0 {
			d.bodyPara("本期没有按" + b.what + "的数据。")
			continue
		}
		var rows []string
		for _, r := range top[:min(docTopRows, len(top))] {
			rows = append(rows, row(r, "received", "on_time_rate", "satisfaction_rate"))
		}
		lead := "按受理量从多到少，" + b.what + "依次为："
		if len(top) > docTopRows {
			lead = "受理量居前的" + b.what + "依次为："
		}
		d.bodyPara(sentence(lead, "；", rows...))
		if len(top) > docTopRows {
			d.bodyPara("其余" + b.what + "见统计报表“" + b.what + "”表。")
		}
	}
}

// byReceived returns rows by received, most first, then in the order given.
func byReceived(rows []transform.BreakdownRow) []transform.BreakdownRow {
	out := slices.Clone(rows)
	slices.SortStableFunc(out, func(a, b transform.BreakdownRow) int {
		return cmp.Compare(val(b.Values["received"]), val(a.Values["received"]))
	})
	return out
}

func val(v *float64) float64 {
	if v == nil {
		return math.Inf(-1)
	}
	return *v
}

// levelName is what the units one level below the scope are: 乡镇（街道） or 村（社区）.
func (m *model) levelName() string {
	if m.isDistrict {
		return terms.Township
	}
	return terms.Village
}

func (d *document) ranking() {
	m := d.m
	d.para(stH1, "三、"+m.levelName()+"排名")
	d.bodyPara("综合得分按响应率、解决率、满意率加权计算，权重和排名规则见统计报表“综合排名”表；期内没有到期诉求的单位不参与排名。")
	score := func(u transform.UnitFigures) string {
		return u.Unit.Name + d.clause(u.Values, u.MoM, nil, "score", false)
	}
	var names []string
	switch n := len(m.ranked); {
	case n == 0:
		d.bodyPara("本期没有可排名的" + m.levelName() + "。")
	case n <= 6:
		for _, u := range m.ranked {
			names = append(names, score(u))
		}
		d.bodyPara(sentence("综合得分由高到低依次为：", "；", names...))
	default:
		for _, u := range m.ranked[:3] {
			names = append(names, score(u))
		}
		d.bodyPara(sentence("综合得分居前三位的是：", "；", names...))
		names = nil
		for _, u := range m.ranked[n-3:] {
			names = append(names, score(u))
		}
		d.bodyPara(sentence("居后三位的是：", "；", names...))
	}
	if len(m.unranked) > 0 {
		names = nil
		for _, u := range m.unranked {
			names = append(names, u.Unit.Name+"（"+u.UnrankedReason()+"）")
		}
		d.bodyPara(sentence("不参与排名的有：", "、", names...))
	}
	if m.prevRank != nil {
		d.bodyPara("各" + m.levelName() + "的得分、名次和与上期相比的名次升降见附表2。")
	} else {
		d.bodyPara("各" + m.levelName() + "的得分和名次见附表2。")
	}
}

// below are the units one level below the scope.
func (m *model) below() []transform.UnitFigures {
	if m.isDistrict {
		return m.townships
	}
	return m.villages
}

// docProblemUnits is how many units each problem names.
const docProblemUnits = 3

// docRisingMin is the fewest cases a topic must have in the period for its rise
// against the last to be named among the problems.
const docRisingMin = 10

func (d *document) problems() {
	m := d.m
	d.para(stH1, "四、存在的问题")
	d.para(stH2, "（一）超期未办结")
	s := m.scope
	overdue := d.clause(s.Values, nil, nil, "overdue_open", false)
	var worst []transform.UnitFigures
	for _, u := range m.below() {
		if v := u.Values["overdue_open"]; v != nil && *v > 0 {
			worst = append(worst, u)
		}
	}
	slices.SortStableFunc(worst, func(a, b transform.UnitFigures) int {
		return cmp.Or(cmp.Compare(*b.Values["overdue_open"], *a.Values["overdue_open"]), cmp.Compare(a.Unit.Code, b.Unit.Code))
	})
	if v := s.Values["overdue_open"]; v == nil || *v == 0 || len(worst) == 0 {
		d.bodyPara("截至统计截止日，" + m.scopeWord() + overdue + "。")
	} else {
		var names []string
		for _, u := range worst[:min(docProblemUnits, len(worst))] {
			names = append(names, u.Unit.Name+d.clause(u.Values, nil, nil, "overdue_open", false))
		}
		d.bodyPara("截至统计截止日，" + m.scopeWord() + overdue + "，较多的是：" + strings.Join(names, "；") + "。超期未办结和逾期办结的诉求逐件列在统计报表“超期及逾期办结”表。")
	}

	d.para(stH2, "（二）群众满意率")
	var rated []transform.UnitFigures
	for _, u := range m.below() {
		if u.Values["satisfaction_rate"] != nil {
			rated = append(rated, u)
		}
	}
	slices.SortStableFunc(rated, func(a, b transform.UnitFigures) int {
		return cmp.Or(cmp.Compare(*a.Values["satisfaction_rate"], *b.Values["satisfaction_rate"]), cmp.Compare(a.Unit.Code, b.Unit.Code))
	})
	sat := m.scopeWord() + d.clause(s.Values, nil, nil, "satisfaction_rate", false)
	if len(rated) < 2 {
		d.bodyPara(sat + "。")
	} else {
		var names []string
		for _, u := range rated[:min(docProblemUnits, len(rated))] {
			names = append(names, u.Unit.Name+d.clause(u.Values, nil, nil, "satisfaction_rate", false))
		}
		d.bodyPara(sat + "，满意率较低的是：" + strings.Join(names, "；") + "。")
	}

	d.para(stH2, "（三）上升较多的"+terms.Topic)
	var rising []transform.BreakdownRow
	for _, r := range m.in.Topics {
		// A topic of a few cases doubles with one more: too few to call a rise.
		if v := r.Values["received"]; v == nil || *v < docRisingMin || r.Value == terms.NotFilled {
			continue
		}
		if ch := r.MoM["received"]; ch != nil && *ch > 0 {
			rising = append(rising, r)
		}
	}
	slices.SortStableFunc(rising, func(a, b transform.BreakdownRow) int {
		return cmp.Compare(*b.MoM["received"], *a.MoM["received"])
	})
	switch {
	case m.notOver != "":
		d.bodyPara("本期尚未结束，各" + terms.Topic + "的受理量不与上期比较。")
	case len(rising) == 0:
		d.bodyPara(fmt.Sprintf("与上期相比，本期受理%d件以上的%s中没有受理量上升的（或上期没有可比数据）。", docRisingMin, terms.Topic))
	default:
		var names []string
		for _, r := range rising[:min(docProblemUnits, len(rising))] {
			names = append(names, r.Value+"："+d.clause(r.Values, r.MoM, nil, "received", false))
		}
		d.bodyPara(sentence(fmt.Sprintf("本期受理%d件以上的%s中，受理量环比上升较多的是：", docRisingMin, terms.Topic), "；", names...))
	}

	d.para(stH2, "（四）等待时间较长的诉求")
	w := m.in.Waiting
	if len(w) == 0 {
		d.bodyPara("截至统计截止日，没有等待补正材料或上级批复的诉求。")
		return
	}
	longest := slices.Clone(w)
	slices.SortStableFunc(longest, func(a, b transform.WaitingCase) int { return cmp.Compare(b.Workdays, a.Workdays) })
	var names []string
	for _, c := range longest[:min(docProblemUnits, len(longest))] {
		names = append(names, fmt.Sprintf("%s的一件%s已等待%d个%s", c.UnitName, c.Category, c.Workdays, terms.WorkingDays))
	}
	d.bodyPara(fmt.Sprintf("截至统计截止日，等待补正材料或上级批复的诉求%d件，尚未到期，不计入按时办结率；等待最久的是：%s。这些诉求逐件列在统计报表“等待中”表。",
		len(w), strings.Join(names, "；")))
}

// The 附表 of the document.
func (d *document) attachmentList() {
	d.bodyPara("附表：1. 各" + d.m.levelName() + "主要指标")
	d.para(stAttachIndent, "2. 各"+d.m.levelName()+"综合得分排名")
}

const stAttachIndent = "AttachList"

// unitsTableIDs are the figures of 附表1.
var unitsTableIDs = []string{"received", "closed", "close_rate", "on_time_rate", "due_on_time_rate", "overdue_open", "satisfaction_rate", "score"}

// rankingTableIDs are the figures of 附表2 beside the rank and the unit.
var rankingTableIDs = []string{"score", "response_rate", "resolution_rate", "satisfaction_rate"}

func (d *document) attachment(n int, title string) {
	d.pageBreak()
	d.para(stAttach, fmt.Sprintf("附表%d", n))
	d.para(stTabTitle, title)
}

func (d *document) unitsTable() {
	m := d.m
	d.attachment(1, fmt.Sprintf("%s各%s主要指标", m.label, m.levelName()))
	defs := d.defs(unitsTableIDs)
	head := []string{m.levelName()}
	for _, def := range defs {
		head = append(head, figureName(def))
	}
	var rows [][]string
	for _, u := range append(slices.Clone(m.below()), m.scope) {
		name := u.Unit.Name
		if u.Unit.Code == m.scope.Unit.Code {
			name = m.scopeWord()
		}
		rows = append(rows, append([]string{name}, d.cells(u.Values, defs)...))
	}
	d.table(head, rows, 1)
	d.para(stTabNote, "注：比率的分母见正文和统计报表“指标说明”表；“—”表示分母为零或无数据。最后一行是"+m.scopeWord()+"的数字，由全部诉求件计算，不是各行的合计或平均。")
}

func (d *document) rankingTable() {
	m := d.m
	d.attachment(2, fmt.Sprintf("%s各%s综合得分排名", m.label, m.levelName()))
	defs := d.defs(rankingTableIDs)
	head := []string{terms.Rank, m.levelName()}
	// 上期名次 and 名次升降, as 综合排名 shows them, when the period before has figures
	withPrev := m.prevRank != nil
	if withPrev {
		head = append(head, terms.PrevRank, terms.RankChange)
	}
	for _, def := range defs {
		head = append(head, figureName(def))
	}
	prev := func(code string, now int) []string {
		if !withPrev {
			return nil
		}
		before := dash
		if r, ok := m.prevRank[code]; ok {
			before = itoa(r)
		}
		return []string{before, cmp.Or(rankChange(now, m.prevRank[code], true), dash)}
	}
	var rows [][]string
	for i, u := range m.ranked {
		row := append([]string{itoa(i + 1), u.Unit.Name}, prev(u.Unit.Code, i+1)...)
		rows = append(rows, append(row, d.cells(u.Values, defs)...))
	}
	for _, u := range m.unranked {
		row := append([]string{dash, u.Unit.Name}, prev(u.Unit.Code, 0)...)
		rows = append(rows, append(row, d.cells(u.Values, defs)...))
	}
	d.table(head, rows, 2)
	note := "注：按综合得分从高到低排列，得分相同的按单位编码排列；名次为“—”的单位期内没有到期诉求或没有可计算的比率，不参与排名。"
	if withPrev {
		label, err := periodLabel(m.in.PreviousPeriod)
		if err != nil {
			label = "上期"
		}
		note += "上期名次是" + label + "按同一规则的排名；名次升降中▲为上升、▼为下降，" + terms.RankNew + "为上期未参与排名的单位。"
	}
	d.para(stTabNote, note)
}

func (d *document) defs(ids []string) []transform.FigureDef {
	var out []transform.FigureDef
	for _, id := range ids {
		if def, ok := d.def(id); ok {
			out = append(out, def)
		}
	}
	return out
}

func (d *document) cells(values map[string]*float64, defs []transform.FigureDef) []string {
	var out []string
	for _, def := range defs {
		t := figureText(def.Kind, values[def.ID])
		if t == "" {
			t = dash
		}
		out = append(out, t)
	}
	return out
}

// table writes a table across the text width with its header row repeated on every
// page; the first nameCols columns are names (left), the rest numbers (right).
func (d *document) table(head []string, rows [][]string, nameCols int) {
	// A name takes one and a half a number's width (a township's name, 青年路街道, on
	// one line), 名次 under one; a number column holds 100.0% and 综合得分 on one line.
	cols := make([]docColumn, len(head))
	for i, h := range head {
		cols[i] = docColumn{head: h, weight: 1, align: "right", breakHead: i >= nameCols}
		switch {
		case nameCols == 2 && i == 0:
			cols[i].weight, cols[i].align = 0.8, "center"
		case i < nameCols:
			cols[i].weight, cols[i].align = 1.5, "left"
		}
	}
	d.grid(cols, rows)
}

// docColumn is one column of a document's table.
type docColumn struct {
	head   string
	weight float64 // its share of the text width, against the other columns' weights
	align  string  // of its cells below the header: left, center or right ("—" is centred)
	// breakHead breaks a heading of five characters or more before its last three
	// (按时 / 办结率), not wherever the column ends.
	breakHead bool
	// split, when not 0, breaks a longer heading after its first split characters
	// instead (办理 / 类别 over a column of three characters).
	split int
}

// grid writes a table of cols across the text width, its header row repeated on every
// page and no row split across two.
func (d *document) grid(cols []docColumn, rows [][]string) {
	width := twips(pageWidthMM) - twips(marginLeftMM) - twips(marginRightMM)
	total := 0.0
	for _, c := range cols {
		total += c.weight
	}
	colW := make([]int, len(cols))
	rest := width
	for i, c := range cols {
		w := int(float64(width) * c.weight / total)
		if i == len(cols)-1 {
			w = rest
		}
		colW[i], rest = w, rest-w
	}
	b := &d.body
	b.WriteString(`<w:tbl><w:tblPr><w:tblW w:w="` + itoa(width) + `" w:type="dxa"/><w:jc w:val="center"/>`)
	b.WriteString(`<w:tblBorders>`)
	for _, side := range []string{"top", "left", "bottom", "right", "insideH", "insideV"} {
		fmt.Fprintf(b, `<w:%s w:val="single" w:sz="4" w:space="0" w:color="000000"/>`, side)
	}
	b.WriteString(`</w:tblBorders><w:tblLayout w:type="fixed"/><w:tblCellMar><w:left w:w="28" w:type="dxa"/><w:right w:w="28" w:type="dxa"/></w:tblCellMar></w:tblPr><w:tblGrid>`)
	for _, w := range colW {
		b.WriteString(`<w:gridCol w:w="` + itoa(w) + `"/>`)
	}
	b.WriteString(`</w:tblGrid>`)
	row := func(cells []string, header bool) {
		b.WriteString(`<w:tr><w:trPr><w:cantSplit/>`)
		if header {
			b.WriteString(`<w:tblHeader/>`)
		}
		b.WriteString(`</w:trPr>`)
		for i, c := range cells {
			jc := cols[i].align
			if header || c == dash {
				jc = "center"
			}
			fmt.Fprintf(b, `<w:tc><w:tcPr><w:tcW w:w="%d" w:type="dxa"/><w:vAlign w:val="center"/></w:tcPr><w:p><w:pPr><w:pStyle w:val="%s"/><w:jc w:val="%s"/></w:pPr>`, colW[i], stTabText, jc)
			if header {
				text := escapeXML(c)
				r := []rune(c)
				at := 0
				switch {
				case cols[i].split > 0 && len(r) > cols[i].split:
					at = cols[i].split
				case cols[i].breakHead && len(r) > 4:
					at = len(r) - 3
				}
				if at > 0 {
					text = escapeXML(string(r[:at])) + `</w:t><w:br/><w:t xml:space="preserve">` + escapeXML(string(r[at:]))
				}
				b.WriteString(`<w:r><w:rPr><w:rFonts w:ascii="` + fontHeading1 + `" w:eastAsia="` + fontHeading1 + `" w:hAnsi="` + fontHeading1 + `"/></w:rPr><w:t xml:space="preserve">` + text + `</w:t></w:r>`)
			} else {
				b.WriteString(runXML(c))
			}
			b.WriteString(`</w:p></w:tc>`)
		}
		b.WriteString(`</w:tr>`)
	}
	head := make([]string, len(cols))
	for i, c := range cols {
		head[i] = c.head
	}
	row(head, true)
	for _, r := range rows {
		row(r, false)
	}
	b.WriteString(`</w:tbl>`)
}

// saveArchive writes the parts, in the order given, to a zip at path through a
// temporary file renamed over it. Every entry carries the same fixed time, so the
// same parts give the same bytes.
func saveArchive(path string, parts []docPart) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	zw := zip.NewWriter(tmp)
	stamp := time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, p := range parts {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Deflate, Modified: stamp})
		if err != nil {
			return err
		}
		if _, err := w.Write([]byte(p.body)); err != nil {
			return err
		}
	}
	if err = zw.Close(); err != nil {
		return err
	}
	if err = tmp.Chmod(0o644); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
