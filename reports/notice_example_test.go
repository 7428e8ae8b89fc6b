package reports_test

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/minqing/minqing/reports"
	"github.com/minqing/minqing/transform"
	"github.com/tealeg/xlsx/v3"
)

// A notice to one township with one overdue case: the sheet opens with the notice's
// title, number and addressee, and lists the case under its header row.
func ExampleWriteNoticeXlsx() {
	cst := time.FixedZone("CST", 8*3600)
	day := func(m time.Month, d int) time.Time { return time.Date(2024, m, d, 0, 0, 0, 0, cst) }
	n := transform.Notice{No: "督办〔2024〕1号", Year: 2024, Seq: 1, UnitCode: "320102001000", UnitName: "东街街道",
		IssuedOn: day(10, 8), Cases: []transform.WarnCase{{
			CaseKey: "HP2024090101", CaseNo: "HP2024090101", UnitCode: "320102001000", UnitName: "东街街道",
			Category: "承诺件", Status: "办理中", ReceivedAt: day(9, 20), Deadline: day(9, 27),
			Kind: transform.WarnOverdue, DaysOverdue: 6,
		}}}
	head := reports.NoticeHead{IssuedBy: "和平区民情工作办公室", WarnDays: 2, RespondBy: day(10, 15)}
	dir, _ := os.MkdirTemp("", "notice")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "督办〔2024〕1号.xlsx")
	if err := reports.WriteNoticeXlsx(path, n, head); err != nil {
		fmt.Println(err)
		return
	}
	wb, _ := xlsx.OpenFile(path)
	sh := wb.Sheets[0]
	for r := range 4 {
		c, _ := sh.Cell(r, 0)
		fmt.Println(c.Value)
	}
	for r := sh.MaxRow - 6; r < sh.MaxRow-4; r++ {
		var cells []string
		for col := range 10 {
			c, _ := sh.Cell(r, col)
			v, _ := c.FormattedValue()
			cells = append(cells, v)
		}
		fmt.Println(cells)
	}
	// Output:
	// 督办通知单
	// 督办〔2024〕1号
	// 东街街道：
	// 　　截至2024年10月8日，你单位有超期未办结诉求1件，现予督办。
	// [序号 诉求编号 承办单位 办理类别 受理日期 办结期限 情形 逾期工作日 剩余工作日 办理状态]
	// [1 HP2024090101 东街街道 承诺件 2024-09-20 2024-09-27 超期 6 — 办理中]
}
