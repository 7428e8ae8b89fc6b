package reports

import (
	"fmt"

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
	top := s.start(m, len(titles))
	row := s.header(top, titles)
	for i, u := range m.ranked {
		s.number(1, row, float64(i+1), fmtCount, cellStyle{border: true, align: "center"})
		s.text(2, row, u.Unit.Code, stText)
		s.text(rankNameCol, row, u.Unit.Name, stText)
		figureCells(s, row, rankScoreCol, shown, u, stText)
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
		s.text(rankScoreCol+len(shown), row, u.UnrankedReason(), stText)
		row++
	}

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
	} {
		s.paragraph(row, 1, len(titles), note, stNote)
		row++
	}
	s.print(m, top, rankNameCol)
}
