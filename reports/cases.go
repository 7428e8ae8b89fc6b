package reports

// writeCases writes 超期及逾期办结: every case open past its deadline at the cutoff or
// closed after it, the rows an auditor checks the on-time rates against. Rows run by
// township, unit, receipt time and case key, the order of the unit sheets.
func writeCases(s *sheet, m *model) {
	titles := []string{"案件编号", "所属乡镇", "承办单位", "办理类别", "来源渠道", "受理时间",
		"办结期限", "办结时间", "状态", "逾期工作日", "是否代办"}
	row := s.header(1, titles)
	for _, c := range m.cases {
		// A case without a number is shown by its fingerprint key, which is how the
		// store and the quarantine lists name it.
		no := c.CaseNo
		if no == "" {
			no = c.CaseKey
		}
		s.text(1, row, no, stText)
		if c.TownshipName == "" { // handled by a district office
			s.dash(2, row, stText)
		} else {
			s.text(2, row, c.TownshipName, stText)
		}
		s.text(3, row, c.UnitName, stText)
		s.text(4, row, c.Category, stText)
		s.text(5, row, c.Channel, stText)
		received := c.ReceivedAt
		s.date(6, row, &received, true, stText)
		s.date(7, row, c.Deadline, false, stText)
		s.date(8, row, c.ClosedAt, true, stText)
		s.text(9, row, c.Status, stText)
		s.number(10, row, float64(c.DaysLate), fmtCount, stText)
		proxy := "否"
		if c.Proxy {
			proxy = "是"
		}
		s.label(11, row, proxy, cellStyle{border: true, align: "center"})
		row++
	}
	s.table(1, row-1, len(titles), 1)
	if len(m.cases) == 0 {
		s.prose(1, row, "本期没有超期未办结或逾期办结的诉求。", cellStyle{})
	}
}
