package reports

import (
	"fmt"
	"strings"
	"testing"
)

// TestWriteForgotten: 清单 lists the files taken back under 已撤回的文件, an undone
// forget with when and by whom it was lifted; with none there is no such section.
func TestWriteForgotten(t *testing.T) {
	in := sampleInput()
	undone := at(2024, 10, 9, 8, 30)
	in.Manifest.Forgotten = []ForgottenFile{
		{Source: "hotline", Path: "exports/热线/2024-09.csv", SHA256: strings.Repeat("ab", 32), Rows: 1234,
			At: at(2024, 10, 8, 10, 15), By: "张审计（操作用户 ops）", Reason: "重复导出"},
		{Source: "ledgers", Path: "exports/西街村/2024-08民情台账.xlsx", SHA256: strings.Repeat("cd", 32), Rows: 56,
			At: at(2024, 10, 8, 11, 0), By: "ops", UndoneAt: &undone, UndoneBy: "ops"},
	}
	wb := openBook(t, writeWith(t, in))
	s := sheetManifest
	r := rowOf(t, wb, s, "已撤回的文件")
	wantText(t, wb, s, fmt.Sprintf("B%d", r+2), "exports/热线/2024-09.csv")
	wantText(t, wb, s, fmt.Sprintf("C%d", r+2), strings.Repeat("ab", 32))
	wantNumber(t, wb, s, fmt.Sprintf("D%d", r+2), 1234, "#,##0")
	wantTime(t, wb, s, fmt.Sprintf("E%d", r+2), at(2024, 10, 8, 10, 15), fmtDateTime)
	wantText(t, wb, s, fmt.Sprintf("F%d", r+2), "张审计（操作用户 ops）")
	wantText(t, wb, s, fmt.Sprintf("G%d", r+2), "重复导出")
	wantText(t, wb, s, fmt.Sprintf("H%d", r+2), "—")
	wantText(t, wb, s, fmt.Sprintf("G%d", r+3), "—")
	wantTime(t, wb, s, fmt.Sprintf("H%d", r+3), undone, fmtDateTime)
	wantText(t, wb, s, fmt.Sprintf("I%d", r+3), "ops")

	plain := openBook(t, writeSample(t))
	for row := 1; row < 200; row++ {
		if strings.Contains(cell(t, plain, s, fmt.Sprintf("A%d", row)).Value, "已撤回") {
			t.Errorf("清单 row %d has a section of forgotten files when none was forgotten", row)
		}
	}
}
