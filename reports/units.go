package reports

import "github.com/minqing/minqing/transform"

// writeTownships writes 乡镇（街道）: one row per township with every figure, and the
// district's own row below the filtered range, so sorting the townships never moves
// it. The district row is counted from all its cases, like every level; it is not a
// sum of the rows above it (cases handled by district offices count there only).
func writeTownships(s *sheet, m *model) {
	const fixed = 2
	titles := append([]string{"区划代码", "乡镇（街道）"}, figureTitles(m.in.Defs)...)
	row := s.header(1, titles)
	for _, u := range m.townships {
		s.text(1, row, u.Unit.Code, stText)
		s.text(2, row, u.Unit.Name, stText)
		figureCells(s, row, fixed+1, m.in.Defs, u, stText)
		row++
	}
	s.table(1, row-1, len(titles), fixed)
	bold := stText
	bold.bold = true
	s.text(1, row, m.district.Unit.Code, bold)
	s.label(2, row, "全区", bold)
	figureCells(s, row, fixed+1, m.in.Defs, m.district, bold)
}

// writeVillages writes 村（社区）: one row per village with its township and every
// figure.
func writeVillages(s *sheet, m *model) {
	const fixed = 3
	titles := append([]string{"区划代码", "所属乡镇（街道）", "村（社区）"}, figureTitles(m.in.Defs)...)
	row := s.header(1, titles)
	for _, u := range m.villages {
		s.text(1, row, u.Unit.Code, stText)
		s.text(2, row, m.units[u.Unit.Parent].Name, stText)
		s.text(3, row, u.Unit.Name, stText)
		figureCells(s, row, fixed+1, m.in.Defs, u, stText)
		row++
	}
	s.table(1, row-1, len(titles), fixed)
}

func figureTitles(defs []transform.FigureDef) []string {
	t := make([]string, len(defs))
	for i, d := range defs {
		t[i] = d.Name
	}
	return t
}

// figureCells writes u's figures in Defs order from column col.
func figureCells(s *sheet, row, col int, defs []transform.FigureDef, u transform.UnitFigures, cs cellStyle) {
	for i, d := range defs {
		s.figure(col+i, row, value(u, d.ID), d.Kind, cs)
	}
}
