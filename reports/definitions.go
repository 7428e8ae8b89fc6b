package reports

// writeDefinitions writes 指标说明: how every figure is counted, the settings in
// force, and the conventions of the workbook, so a number can be cited with its
// definition and recomputed from the case list.
func writeDefinitions(s *sheet, m *model) {
	titles := []string{"指标代码", "指标", "类型", "口径"}
	top := s.start(m, len(titles))
	s.print(m, top, 0)
	row := s.header(top, titles)
	wrap := cellStyle{border: true, wrap: true}
	for _, d := range m.in.Defs {
		s.label(1, row, d.ID, stText)
		s.label(2, row, d.Name, stText)
		s.label(3, row, kindNames[d.Kind], stText)
		s.label(4, row, d.Definition, wrap)
		row++
	}
	s.table(top, row-1, len(titles), 0)

	row++
	s.label(1, row, "统计设置", stLabel)
	row++
	s.label(1, row, "设置", stHeader)
	s.paragraph(row, 2, 4, "取值", stHeader)
	row++
	for _, kv := range m.in.Settings {
		s.text(1, row, kv[0], stText)
		s.paragraph(row, 2, 4, kv[1], cellStyle{border: true, quote: needsQuote(kv[1])})
		row++
	}

	row++
	s.label(1, row, "说明", stLabel)
	row++
	for _, note := range []string{
		"1. 各比率均由件数计算（分子÷分母），不是下级单位比率的平均；分母为零时显示“—”，不显示0或100%。",
		"2. 乡镇和全区的指标按其辖区内全部诉求重新计算，包括本级承办的诉求，因此不一定等于下级各行之和。",
		"3. 环比与上期比较，同比与上年同期比较。比率和综合得分的变化以百分点（得分以分）表示，件数、人次和办理时长的变化以百分比表示。",
		"4. 办结期限按工作日计算（受理当日不计），补办件自材料补齐之日、上报件自上级批复之日起算；时间均为北京时间。",
		"5. “数据来源”表中，每个文件的读取行数＝入库＋隔离＋跳过；隔离的行不参与任何统计，可按文件和行号追溯。",
		"6. 办结量是期内办结的件数（不论何时受理），办结率是期内受理的诉求截至统计截止日已办结的比例，二者分母不同，办结量÷受理量不等于办结率；按时办结率以期内办结的诉求为分母，按期办结率以办结期限在期内的诉求为分母。",
		"7. 统计期间结束晚于数据截止日（最新导出的日期）的，本期尚未结束：“概览”标题区和开头一段注明“数据截至某年某月某日，本期尚未结束”，件数和人次不作环比、同比。",
		"8. 办理时长以工作日计；综合得分满分100分。",
	} {
		s.paragraph(row, 1, 4, note, cellStyle{})
		row++
	}
}
