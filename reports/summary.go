package reports

// writeSummary writes 概览: the title, the period, and the district's figures with
// their changes, the page a quarterly report quotes from.
func writeSummary(s *sheet, m *model) {
	p := m.in.Period
	s.prose(1, 1, m.title, cellStyle{bold: true, size: 16, align: "center"})
	s.merge(1, 1, 4, textWidth(m.title)*sizeFactor(cellStyle{bold: true, size: 16}))
	s.fail(s.b.f.SetRowHeight(s.name, 1, 30))

	left := cellStyle{align: "left"}
	s.label(1, 2, "统计期间", stLabel)
	s.number(2, 2, excelSerial(p.Start), fmtDate, left)
	s.prose(3, 2, "至", cellStyle{align: "center"})
	s.number(4, 2, excelSerial(p.End), fmtDate, left)
	s.label(1, 3, "截止日期", stLabel)
	s.number(2, 3, excelSerial(p.Cutoff), fmtDate, left)

	const headerRow = 5
	row := s.header(headerRow, []string{"指标", "本期", "环比", "同比"})
	for _, d := range m.in.Defs {
		s.label(1, row, d.Name, stText)
		s.figure(2, row, value(m.district, d.ID), d.Kind, stText)
		s.change(3, row, m.district.MoM[d.ID], d.Kind, stText)
		s.change(4, row, m.district.YoY[d.ID], d.Kind, stText)
		row++
	}
	s.freeze(headerRow, 0)

	row++
	s.paragraph(row, 1, 4, "注：环比较上期，同比较上年同期；比率的变化以百分点计，综合得分以分计，"+
		"件数、人次和办理时长以百分比计。“—”表示分母为零或无可比数据。各指标口径见“指标说明”表，"+
		"超期未办结和逾期办结的诉求见“超期及逾期办结”表。", cellStyle{})
}
