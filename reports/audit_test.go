package reports

import (
	"fmt"
	"testing"

	"github.com/minqing/minqing/transform"
)

// TestWriteAuditSheets: 审计提示 lists each flag with its Chinese name, code and detail;
// 等待中 each waiting case with its days; 按时办结明细 each explained case with its
// numerator and denominator marks and the reason it is left out; 清单 the knowledge date.
func TestWriteAuditSheets(t *testing.T) {
	in := sampleInput()
	in.Flags = []transform.AuditFlag{
		{Flag: "BACKDATED_CLOSURE", UnitCode: "330199001001", UnitName: "西街村", CaseKey: "HP1", CaseNo: "HP1", Day: day(2024, 9, 20), Detail: "办结日期 2024-09-20 早于 2024-10-05 的导出"},
		{Flag: "EXPORTS_STOPPED", UnitCode: "330199001002", UnitName: "东湖社区", Source: "village-ledgers", Day: day(2024, 7, 10), Detail: "来源 village-ledgers 最近一次导出为 2024-07-10"},
	}
	in.Waiting = []transform.WaitingCase{
		{CaseNo: "HP2", UnitCode: "330199001001", UnitName: "西街村", Category: "补办件", Received: at(2024, 9, 2, 9, 0), WaitingSince: day(2024, 9, 2), Days: 28, Workdays: 20},
	}
	def, _ := transform.FigureDefByID("on_time_rate")
	in.CaseLists = []transform.Explanation{{Figure: def, Cases: []transform.ExplainedCase{
		{CaseNo: "HP3", UnitCode: "330199001001", UnitName: "西街村", Category: "承诺件", Received: at(2024, 7, 1, 9, 0),
			Deadline: ptr(day(2024, 7, 4)), Closed: ptr(day(2024, 7, 3)), OnTime: ptr(true), InNumerator: true, Weight: 1, InDenominator: true},
		{CaseKey: "fp:1a2b", UnitCode: "330199001001", UnitName: "西街村", Category: "承诺件", Received: at(2024, 7, 2, 9, 0),
			Excluded: "已退回/已撤销：不计为办结"},
	}}}
	in.Manifest.AsOf = day(2024, 10, 5)
	wb := openBook(t, writeWith(t, in))

	r := rowOf(t, wb, sheetFlags, "提示")
	wantText(t, wb, sheetFlags, fmt.Sprintf("A%d", r+1), "倒签办结")
	wantText(t, wb, sheetFlags, fmt.Sprintf("B%d", r+1), "BACKDATED_CLOSURE")
	wantText(t, wb, sheetFlags, fmt.Sprintf("E%d", r+1), "HP1")
	wantTime(t, wb, sheetFlags, fmt.Sprintf("H%d", r+1), day(2024, 9, 20), fmtDate)
	wantText(t, wb, sheetFlags, fmt.Sprintf("A%d", r+2), "导出中断")
	wantText(t, wb, sheetFlags, fmt.Sprintf("G%d", r+2), "village-ledgers")
	wantText(t, wb, sheetFlags, fmt.Sprintf("A%d", r+3), "共2项")

	r = rowOf(t, wb, sheetWaiting, "诉求编号")
	wantText(t, wb, sheetWaiting, fmt.Sprintf("A%d", r+1), "HP2")
	wantNumber(t, wb, sheetWaiting, fmt.Sprintf("G%d", r+1), 28, fmtCount)
	wantNumber(t, wb, sheetWaiting, fmt.Sprintf("H%d", r+1), 20, fmtCount)

	r = rowOf(t, wb, sheetCaseLists, "指标")
	wantText(t, wb, sheetCaseLists, fmt.Sprintf("A%d", r+1), "按时办结率")
	wantText(t, wb, sheetCaseLists, fmt.Sprintf("I%d", r+1), "是")
	wantNumber(t, wb, sheetCaseLists, fmt.Sprintf("J%d", r+1), 1, "0.##")
	wantNumber(t, wb, sheetCaseLists, fmt.Sprintf("K%d", r+1), 1, "0.##")
	wantText(t, wb, sheetCaseLists, fmt.Sprintf("B%d", r+2), "（无编号）") // never its key
	wantNumber(t, wb, sheetCaseLists, fmt.Sprintf("K%d", r+2), 0, "0.##")
	wantText(t, wb, sheetCaseLists, fmt.Sprintf("L%d", r+2), "已退回/已撤销：不计为办结")

	wantText(t, wb, sheetManifest, fmt.Sprintf("B%d", rowOf(t, wb, sheetManifest, "数据知悉日期")), "2024-10-05（仅含导出日期不晚于此日的文件）")
}

// TestCaseListsRollOver: a case list longer than a sheet continues on the next.
func TestCaseListsRollOver(t *testing.T) {
	in := sampleInput()
	def, _ := transform.FigureDefByID("on_time_rate")
	var cases []transform.ExplainedCase
	for i := range 5 {
		cases = append(cases, transform.ExplainedCase{CaseNo: fmt.Sprintf("HP%d", i), UnitCode: "330199001001", UnitName: "西街村",
			Category: "即办件", Received: at(2024, 7, 1, 9, 0), InNumerator: true, Weight: 1, InDenominator: true})
	}
	in.CaseLists = []transform.Explanation{{Figure: def, Cases: cases}}
	defer func(n int) { maxRows = n }(maxRows)
	maxRows = 5 // note, header and three cases a sheet
	wb := openBook(t, writeWith(t, in))
	for _, name := range []string{sheetCaseLists, sheetCaseLists + "(2)"} {
		if _, ok := wb.Sheet[name]; !ok {
			t.Errorf("no sheet %s in %v", name, sheetNames(wb))
		}
	}
	wantText(t, wb, sheetCaseLists+"(2)", "B3", "HP3")
	wantText(t, wb, sheetCaseLists+"(2)", "B4", "HP4")
}
