package reports

import (
	"fmt"
	"strings"

	"github.com/minqing/minqing/internal/terms"
	"github.com/minqing/minqing/transform"
)

// Columns of 综合排名 that the ranking chart on 概览 reads.
const (
	rankNameCol  = 3
	rankScoreCol = 4
)

// scoreRates are the rates the score weighs, in the order the weights are printed.
var scoreRates = []string{"response_rate", "resolution_rate", "satisfaction_rate"}

func rankTitle(m *model) string {
	if m.isDistrict {
		return "各乡镇（街道）"
	}
	return "各村（社区）"
}

// writeRanking writes 综合排名: the units one level below the scope by score, with the
// rates behind it; below, the units with nothing due (no score, not ranked), the
// weights, and the rules of the ranking, so anyone can recompute and reorder it.
func writeRanking(s *sheet, m *model) {
	defs := map[string]transform.FigureDef{}
	for _, d := range m.in.Defs {
		defs[d.ID] = d
	}
	ids := []string{"score", "response_rate", "resolution_rate", "satisfaction_rate", "due_on_time_rate", "received"}
	var shown []transform.FigureDef
	for _, id := range ids {
		if d, ok := defs[id]; ok {
			shown = append(shown, d)
		}
	}
	titles := append([]string{terms.Rank, terms.UnitCode, terms.Unit}, figureTitles(shown)...)
	titles = append(titles, terms.PrevRank, terms.RankChange)
	prevCol := rankScoreCol + len(shown)
	top := s.start(m, len(titles))
	row := s.header(top, titles)
	centred := cellStyle{border: true, align: "center"}
	for i, u := range m.ranked {
		s.number(1, row, float64(i+1), fmtCount, centred)
		s.text(2, row, u.Unit.Code, stText)
		s.text(rankNameCol, row, u.Unit.Name, stText)
		figureCells(s, row, rankScoreCol, shown, u, stText)
		prevCells(s, m, row, prevCol, u.Unit.Code, i+1)
		row++
	}
	s.table(top, row-1, len(titles), rankNameCol)
	if len(m.ranked) == 0 {
		s.prose(1, row, "本期没有可排名的单位。", stNote)
		row++
	}

	row++
	s.prose(1, row, "不参与排名的单位（原因见右）", stLabel)
	row++
	if len(m.unranked) == 0 {
		s.prose(1, row, "无。", stNote)
		row++
	}
	for _, u := range m.unranked {
		s.dash(1, row, stText)
		s.text(2, row, u.Unit.Code, stText)
		s.text(rankNameCol, row, u.Unit.Name, stText)
		figureCells(s, row, rankScoreCol, shown, u, stText)
		prevCells(s, m, row, prevCol, u.Unit.Code, 0)
		s.text(prevCol+2, row, u.UnrankedReason(), stText)
		row++
	}

	row = writeHonourRoll(s, m, row+1)

	row++
	s.prose(1, row, "得分权重", stLabel)
	row++
	s.label(2, row, "指标", stHeader)
	s.label(3, row, "权重", stHeader)
	s.label(4, row, "占比", stHeader)
	row++
	total := 0.0
	for _, id := range scoreRates {
		total += m.in.Weights[id]
	}
	for _, id := range scoreRates {
		w, ok := m.in.Weights[id]
		s.label(2, row, defs[id].Name, stText)
		if !ok {
			s.dash(3, row, stText)
			s.dash(4, row, stText)
		} else {
			s.number(3, row, w, "0.00", stText)
			if total > 0 {
				s.number(4, row, w/total, fmtRate, stText)
			} else {
				s.dash(4, row, stText)
			}
		}
		row++
	}
	row++
	for _, note := range []string{
		"1. 综合得分＝100×Σ（权重×比率）÷Σ权重，只计本期有值的比率（分母为零的比率不计入，其权重也不计入）。",
		"2. 按综合得分从高到低排列；得分相同的，按单位编码从小到大排列，名次依次递增、不并列。",
		"3. 期内没有办结期限到期的诉求（按期办结率的分母为零）的单位没有得分，列在上方“不参与排名”，不占名次。",
		fmt.Sprintf("4. 参与排名的是%s，各比率口径见“指标说明”表。", rankTitle(m)),
		prevNote(m),
	} {
		s.paragraph(row, 1, len(titles), note, stNote)
		row++
	}
	s.print(m, top, rankNameCol)
}

// previousRanks ranks the units of the period before one level below the scope by the
// rule of rankUnits and returns their places by code; nil without figures of it.
func previousRanks(prev []transform.UnitFigures, scope string, isDistrict bool) map[string]int {
	if prev == nil {
		return nil
	}
	var units []transform.UnitFigures
	for _, u := range prev {
		if isDistrict && u.Unit.Level == transform.LevelTownship ||
			!isDistrict && u.Unit.Level == transform.LevelVillage && u.Unit.Parent == scope {
			units = append(units, u)
		}
	}
	ranked, _ := rankUnits(units)
	places := make(map[string]int, len(ranked))
	for i, u := range ranked {
		places[u.Unit.Code] = i + 1
	}
	return places
}

// rankChange says how a unit's place moved: ▲2 (up two places), ▼1, 持平, or 新上榜
// for a unit ranked now and not then; "" when either place is unknown (no figures of
// the period before, or no place now).
func rankChange(now, before int, havePrevious bool) string {
	switch {
	case !havePrevious || now == 0:
		return ""
	case before == 0:
		return terms.RankNew
	case before > now:
		return fmt.Sprintf("▲%d", before-now)
	case before < now:
		return fmt.Sprintf("▼%d", now-before)
	}
	return terms.RankSteady
}

// prevCells writes a unit's 上期名次 and 名次升降 from column col; now is its place in
// this period, 0 when it has none.
func prevCells(s *sheet, m *model, row, col int, code string, now int) {
	centred := cellStyle{border: true, align: "center"}
	if before, ok := m.prevRank[code]; ok {
		s.number(col, row, float64(before), fmtCount, centred)
	} else {
		s.dash(col, row, stText)
	}
	change := rankChange(now, m.prevRank[code], m.prevRank != nil)
	switch {
	case change == "":
		s.dash(col+1, row, stText)
	case strings.HasPrefix(change, "▲"):
		centred.color = "0000FF" // up is for the better: blue, as the changes' formats
		s.label(col+1, row, change, centred)
	case strings.HasPrefix(change, "▼"):
		centred.color = "C00000"
		s.label(col+1, row, change, centred)
	default:
		s.label(col+1, row, change, centred)
	}
}

// prevNote states what 上期名次 compares with.
func prevNote(m *model) string {
	if m.prevRank == nil {
		return "5. 上期没有诉求数据，上期名次和名次升降显示为“—”。"
	}
	label, err := periodLabel(m.in.PreviousPeriod)
	if err != nil {
		label = "上期"
	}
	return "5. 上期名次是" + label + "按同一规则（同一得分公式和权重）对同一范围单位的排名；名次升降中▲为上升、▼为下降（名次数），" +
		terms.RankNew + "为上期未参与排名、本期参与排名的单位。"
}

// honourSize is how many units the 红榜 and the 黑榜 each name: the configured number,
// but never so many that one unit would stand on both.
func honourSize(want, ranked int) int {
	return max(0, min(want, ranked/2))
}

// writeHonourRoll writes the 红黑榜 from row: the first and the last units of the
// ranking by score (units without a score are not on it), and returns the next free
// row. Nothing is written when the config asks for none.
func writeHonourRoll(s *sheet, m *model, row int) int {
	if m.in.HonourRoll <= 0 {
		return row
	}
	n := honourSize(m.in.HonourRoll, len(m.ranked))
	s.prose(1, row, terms.HonourRoll+"、"+terms.BlackRoll, stLabel)
	row++
	if n == 0 {
		s.prose(1, row, "参与排名的单位不足两个，本期不设红黑榜。", stNote)
		return row + 2
	}
	var score []transform.FigureDef
	for _, d := range m.in.Defs {
		if d.ID == "score" {
			score = append(score, d)
		}
	}
	titles := append([]string{terms.HonourRoll + "/" + terms.BlackRoll, terms.Rank, terms.UnitCode, terms.Unit}, figureTitles(score)...)
	row = s.header(row, titles)
	write := func(roll string, from int) {
		for i := from; i < from+n; i++ {
			u := m.ranked[i]
			cs := cellStyle{border: true, align: "center", bold: true, color: "C00000"}
			if roll == terms.BlackRoll {
				cs.color = "000000"
			}
			s.label(1, row, roll, cs)
			s.number(2, row, float64(i+1), fmtCount, cellStyle{border: true, align: "center"})
			s.text(3, row, u.Unit.Code, stText)
			s.text(4, row, u.Unit.Name, stText)
			figureCells(s, row, 5, score, u, stText)
			row++
		}
	}
	write(terms.HonourRoll, 0)
	write(terms.BlackRoll, len(m.ranked)-n)
	s.paragraph(row, 1, 8, fmt.Sprintf("注：红榜为综合得分前%d名，黑榜为后%d名（报表设置 report.honour_roll 为%d）；参与排名的单位不足其两倍时，各取一半，同一单位不同时上红榜和黑榜。没有得分的单位不上榜。",
		n, n, m.in.HonourRoll), stNote)
	return row + 2
}

// PreviousPeriod is the period before p of the same kind: the quarter before a quarter
// (2024Q4 → 2025Q1's), the month before a month, the year before a year.
func PreviousPeriod(p transform.Period) (transform.Period, error) {
	s := p.Start.In(shanghai)
	var id string
	switch p.Kind {
	case "quarter":
		s = s.AddDate(0, -3, 0)
		id = fmt.Sprintf("%dQ%d", s.Year(), (int(s.Month())-1)/3+1)
	case "month":
		s = s.AddDate(0, -1, 0)
		id = fmt.Sprintf("%d-%02d", s.Year(), int(s.Month()))
	case "year":
		id = fmt.Sprintf("%d", s.Year()-1)
	default:
		return transform.Period{}, fmt.Errorf("period %q of kind %q has no period before", p.ID, p.Kind)
	}
	return transform.ParsePeriod(id)
}
