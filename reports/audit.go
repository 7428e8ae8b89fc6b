package reports

import (
	"fmt"
	"github.com/minqing/minqing/internal/terms"
)

// flagNames are the auditors' flags in Chinese, as `minqing audit` names them.
var flagNames = terms.FlagNames

// writeFlags writes 审计提示: one row per flag of `minqing audit` within the period
// (EXPORTS_STOPPED always), with the rule it follows stated above the table.
func writeFlags(s *sheet, m *model) {
	titles := []string{terms.Flag, terms.FlagCode, terms.UnitCode, terms.Unit, terms.CaseNo, terms.Period, terms.Source, terms.Day, terms.Detail}
	top := s.start(m, len(titles))
	s.paragraph(top, 1, len(titles), "以下各项不改变任何指标，只提示值得核查之处。倒签办结：办结日期早于一次仍显示“未办结”的导出之日；"+
		"登记期限与规则不符：导出的办结期限与按工作日规则计算的期限不同；办结前已有满意度评价：某次导出中诉求尚未办结却已有评价；"+
		"季末集中办结：某单位在季度最后一个工作日办结本单位诉求件数达到设定下限且达到本季度日均办结数的设定倍数（见指标说明中的设置）；"+
		"导出中断：某单位在村级或乡镇级来源中的最近一次导出比该来源最新导出早设定天数以上；"+
		"等待过久：补办件、上报件等待补正材料或上级批复超过设定的工作日数（尚未等到的，计至最新导出日）；期限无法计算：诉求缺少计算期限或等待时长所需的日期（补正告知日期、补齐日期、上报日期、上级批复日期）或承诺时限，照常计入受理量等指标，只不计入需要该日期的指标。", stNote)
	headerRow := top + 2
	row := s.header(headerRow, titles)
	for _, f := range m.in.Flags {
		s.text(1, row, flagNames[f.Flag], stText)
		s.text(2, row, f.Flag, stText)
		s.text(3, row, f.UnitCode, stText)
		s.text(4, row, f.UnitName, stText)
		no := f.CaseNo
		if no == "" && f.CaseKey != "" {
			no = "（无编号）"
		}
		s.text(5, row, no, stText)
		s.text(6, row, f.PeriodID, stText)
		s.text(7, row, f.Source, stText)
		d := f.Day
		s.date(8, row, &d, false, stText)
		s.text(9, row, f.Detail, cellStyle{border: true, wrap: true})
		row++
	}
	s.table(headerRow, row-1, len(titles), 1)
	s.label(1, row, fmt.Sprintf("共%d项", len(m.in.Flags)), stNote)
	s.printOneWide(m, headerRow)
}

// writeWaiting writes 等待中: the 补办件 awaiting documents and 上报件 awaiting a reply at
// the cutoff, which are not yet due and so in no on-time figure, with days waited.
func writeWaiting(s *sheet, m *model) {
	titles := []string{"诉求编号", "单位编码", "单位", "办理类别", "受理时间", "等待起始（补正告知／上报）", "已等待天数", "已等待工作日"}
	top := s.start(m, len(titles))
	s.paragraph(top, 1, len(titles), "截至统计截止日 "+m.in.Period.Cutoff.Format("2006-01-02")+
		" 仍在等待群众补齐材料的补办件、等待上级批复的上报件：办结时限自材料补齐或批复之日起算，尚未到期，不计入按时、按期办结率。", stNote)
	headerRow := top + 2
	row := s.header(headerRow, titles)
	for _, c := range m.in.Waiting {
		no := c.CaseNo
		if no == "" {
			no = "（无编号）"
		}
		s.text(1, row, no, stText)
		s.text(2, row, c.UnitCode, stText)
		s.text(3, row, c.UnitName, stText)
		s.text(4, row, c.Category, stText)
		recv, since := c.Received, c.WaitingSince
		s.date(5, row, &recv, true, stText)
		s.date(6, row, &since, false, stText)
		s.number(7, row, float64(c.Days), fmtCount, stText)
		s.number(8, row, float64(c.Workdays), fmtCount, stText)
		row++
	}
	s.table(headerRow, row-1, len(titles), 1)
	s.label(1, row, fmt.Sprintf("共%d件", len(m.in.Waiting)), stNote)
	s.printOneWide(m, headerRow)
}
