package reports

import (
	"fmt"
	"strings"
	"time"

	"github.com/minqing/minqing/internal/terms"
)

// TableHeader is the statutory header of the workbook's statistical tables (统计报表的
// 表头和表脚): above a table, 表号 and 制表机关 (and 批准机关 and 批准文号 when given)
// at the right and 填报单位 at the left; below it 单位负责人, 填表人 and 报出日期. A
// field left empty prints as a blank line to fill in by hand, never a made-up name;
// 批准机关 and 批准文号 are left out when empty (a table not approved has neither).
type TableHeader struct {
	TableNo    string
	MadeBy     string
	ApprovedBy string
	ApprovalNo string
	// FilingUnit is 填报单位; empty, it is the scope unit's name.
	FilingUnit string
	Head       string
	Preparer   string
	// ReportDate is 报出日期 (config.Report.ReportDateFor); zero prints a blank date.
	ReportDate time.Time
}

// Blanks for a field the config leaves empty, to be filled in by hand on paper.
const (
	blankField = "________"
	blankDate  = "____年__月__日"
)

// statisticalSheets are the sheets of figures, which carry the statutory header. The
// others are lists (cases, flags, quarantined rows, files) or the workbook's own
// apparatus (封面, 目录, 指标说明, 清单), which a department does not file as tables.
var statisticalSheets = map[string]bool{
	sheetSummary: true, sheetTownships: true, sheetVillages: true,
	sheetClasses: true, sheetChannels: true, sheetTopics: true, sheetTopicLevel1: true,
	sheetDepartments: true, sheetProxy: true, sheetVisits: true, sheetServices: true,
	sheetRanking: true,
}

// orBlank is v, or a blank line to fill in when v is empty.
func orBlank(v string) string {
	if strings.TrimSpace(v) == "" {
		return blankField
	}
	return v
}

// chineseDate is a date as a filed table writes it: 2024年10月8日.
func chineseDate(t time.Time) string {
	if t.IsZero() {
		return blankDate
	}
	return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
}

// filingUnit is the 填报单位 the tables name.
func (m *model) filingUnit() string {
	if u := strings.TrimSpace(m.in.Header.FilingUnit); u != "" {
		return u
	}
	return m.in.Scope.Name
}

// headerRight are the lines above a statistical table at its right, in order.
func (m *model) headerRight() []string {
	h := m.in.Header
	lines := []string{terms.TableNo + "：" + orBlank(h.TableNo), terms.MadeBy + "：" + orBlank(h.MadeBy)}
	if strings.TrimSpace(h.ApprovedBy) != "" {
		lines = append(lines, terms.ApprovedBy+"："+h.ApprovedBy)
	}
	if strings.TrimSpace(h.ApprovalNo) != "" {
		lines = append(lines, terms.ApprovalNo+"："+h.ApprovalNo)
	}
	return lines
}

// headerLeft is the line above a statistical table at its left.
func (m *model) headerLeft() string { return terms.FilingUnit + "：" + m.filingUnit() }

// footerLine is the line below a statistical table: who answers for it, who filled it
// in, and when it was sent.
func (m *model) footerLine() string {
	h := m.in.Header
	return terms.Head + "：" + orBlank(h.Head) + "　　" + terms.Preparer + "：" + orBlank(h.Preparer) +
		"　　" + terms.ReportDate + "：" + chineseDate(h.ReportDate)
}

// statTop is the first row of a statistical sheet's content (its table's header row,
// or 概览's title), below the auditor's banner and the statutory header.
func (m *model) statTop() int { return m.top() + len(m.headerRight()) + 1 }

// statHeader writes the statutory header from row on: the right-hand lines are
// placed by finish, at the right edge of the table's first printed page, once the
// columns' widths are known; 填报单位 goes on the last header row at the left. It
// returns the first row below the header.
func (s *sheet) statHeader(m *model, row int) int {
	s.stat = m
	if s.rows == nil {
		s.rows = map[int]bool{}
	}
	right := m.headerRight()
	for i, line := range right {
		s.headerRows = append(s.headerRows, headerLine{row + i, line})
		s.rows[row+i] = true
	}
	last := row + len(right)
	s.leftRow = last // 填报单位, on the row just above the table
	s.rows[last] = true
	return last + 1
}

// headerLine is one line of the statutory header at a table's right.
type headerLine struct {
	row  int
	text string
}

// stHeaderLine is the style of the statutory header's and footer's lines: plain text
// that runs over the empty cells beside it (never wrapped, so never cut).
var stHeaderLine = cellStyle{align: "left"}

// statFinish writes the right-hand lines of the statutory header into column right,
// the last of the table's first printed page, right-aligned so that they run leftwards
// over the empty cells; 填报单位 and the footer line (on the row below everything
// written: 概览's charts begin a page two rows below its last note) go in column left,
// running rightwards. Left is the first column not repeated on every page: text in a
// repeated column would print again, cut at its edge, on the pages to the right.
func (s *sheet) statFinish(m *model, left, right int) {
	for _, h := range s.headerRows {
		s.prose(right, h.row, h.text, cellStyle{align: "right"})
	}
	s.prose(left, s.leftRow, m.headerLeft(), stHeaderLine)
	s.footerRow = s.usedRow + 1
	s.prose(left, s.footerRow, m.footerLine(), stHeaderLine)
}
