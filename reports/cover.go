package reports

import (
	"fmt"
	"strings"

	"github.com/minqing/minqing/internal/terms"
	"github.com/xuri/excelize/v2"
)

// The sheets that open the workbook.
const (
	sheetCover    = terms.Cover
	sheetContents = terms.Contents
)

// coverCols is how many columns the cover's lines are centred over.
const coverCols = 8

// writeCover writes 封面: the title, the scope and period, who made the tables and when
// they were sent, and, for a period not over in the data, that its figures are not yet
// the period's. It prints on one page.
func writeCover(s *sheet, m *model) {
	row := s.start(m, coverCols) + 3
	title := cellStyle{bold: true, size: 22, align: "center", wrap: true}
	s.paragraph(row, 1, coverCols, m.title, title)
	s.fail(s.b.f.SetRowHeight(s.name, row, 60))
	row += 3
	p := m.in.Period
	h := m.in.Header
	lines := [][2]string{
		{"统计范围", m.in.Scope.Name},
		{terms.Period, fmt.Sprintf("%s（%s至%s）", m.label, p.Start.In(shanghai).Format("2006-01-02"), p.End.In(shanghai).Format("2006-01-02"))},
		{"截止日期", p.Cutoff.In(shanghai).Format("2006-01-02")},
		{terms.FilingUnit, m.filingUnit()},
		{terms.MadeBy, orBlank(h.MadeBy)},
		{terms.TableNo, orBlank(h.TableNo)},
		{terms.ReportDate, chineseDate(h.ReportDate)},
	}
	line := cellStyle{size: 14, align: "left"}
	label := cellStyle{size: 14, bold: true, align: "right"}
	for _, l := range lines {
		s.label(2, row, l[0]+"：", label)
		s.paragraph(row, 3, coverCols-1, l[1], line)
		row += 2
	}
	if m.notOver != "" {
		banner := stBanner
		banner.size, banner.align = 14, "center"
		s.paragraph(row, 1, coverCols, m.notOver+"，本工作簿的数字只计至该日，不是本期的最终数字。", banner)
		row += 2
	}
	s.paragraph(row+1, 1, coverCols, "本工作簿各表的数字均由同一批数据计算，口径见“"+sheetDefinitions+"”表，所用文件见“"+sheetManifest+"”表。", cellStyle{align: "center"})
	for c := 1; c <= coverCols; c++ {
		s.fit(c, 10)
	}
	s.onePage(m, true)
}

// purposes say in one line what each sheet holds, by its name without a part number.
var purposes = map[string]string{
	sheetCover:       "题名、统计范围、统计期、制表机关和报出日期",
	sheetContents:    "各表名称和内容，点击表名进入该表",
	sheetSummary:     "主要指标、环比同比、月度走势和图表",
	sheetTownships:   "各乡镇（街道）的全部指标",
	sheetVillages:    "各村（社区）的全部指标",
	sheetClasses:     "按办理类别（即办件、承诺件、补办件、上报件、建议件）分列的指标",
	sheetChannels:    "按来源渠道分列的指标",
	sheetTopics:      "按诉求类型分列的指标",
	sheetTopicLevel1: "按诉求类型第一级分列的指标",
	sheetDepartments: "按处置单位（承办部门）分列的指标",
	sheetProxy:       "代办件和非代办件的指标",
	sheetVisits:      "各单位走访人次、收集意见建议和解决问题",
	sheetServices:    "各单位服务活动、参与人次和服务人次",
	sheetRanking:     "综合得分排名、不参与排名的单位和得分权重",
	sheetCases:       "截止日超期未办结和期内逾期办结的诉求",
	sheetCaseLists:   "按时办结率、按期办结率所计的每件诉求，可筛选复算",
	sheetWaiting:     "截止日仍在等待补正材料或上级批复的诉求",
	sheetFlags:       "供督查审计核查的提示",
	sheetSubmissions: "各单位本期报送情况：各来源的文件和行数，未报送的单位",
	sheetSources:     "各来源文件读入、隔离和跳过的行数",
	sheetProblems:    "未计入统计的隔离行及其原因",
	sheetDefinitions: "各指标的口径",
	sheetManifest:    "版本、配置和输入文件，可据此重新生成本工作簿",

	// only when a supervision notice was issued in the period
	sheetNoticeEffects: "期内下发的督办通知单所列诉求此后的办结情况，及仍未办结的诉求",
}

// purpose is what sheet name holds; "" for a sheet purposes does not know.
func purpose(name string) string {
	if i := strings.Index(name, "("); i > 0 {
		name = name[:i]
	}
	return purposes[name]
}

// contentsWriter writes 目录: every sheet of order, its name a link to its first cell,
// whether it is a statistical table (with the statutory header) and what it holds.
// It prints on one page.
func contentsWriter(order []string) func(*sheet, *model) {
	return func(s *sheet, m *model) {
		titles := []string{"序号", "工作表", "类别", "内容"}
		row := s.start(m, len(titles))
		s.prose(1, row, m.title+" "+terms.Contents, cellStyle{bold: true, size: 14})
		row += 2
		row = s.header(row, titles)
		link := stText
		link.color = "0563C1"
		for i, name := range order {
			s.number(1, row, float64(i+1), fmtCount, cellStyle{border: true, align: "center"})
			s.label(2, row, name, link)
			if s.err == nil {
				s.fail(s.b.f.SetCellHyperLink(s.name, cellName(2, row), quoteSheet(name)+"!A1", "Location",
					excelize.HyperlinkOpts{Tooltip: &name}))
			}
			kind := "明细"
			switch {
			case statisticalSheets[name]:
				kind = "统计表"
			case name == sheetCover || name == sheetContents || name == sheetDefinitions || name == sheetManifest:
				kind = "说明"
			}
			s.label(3, row, kind, stText)
			s.text(4, row, purpose(name), stText)
			row++
		}
		s.paragraph(row+1, 1, len(titles), "注：“统计表”类各表在表头列明"+terms.TableNo+"、"+terms.MadeBy+"和"+terms.FilingUnit+
			"，在表脚列明"+terms.Head+"、"+terms.Preparer+"和"+terms.ReportDate+"。", stNote)
		s.onePage(m, true)
	}
}
