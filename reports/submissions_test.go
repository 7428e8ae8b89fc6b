package reports

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/minqing/minqing/internal/terms"
	"github.com/minqing/minqing/transform"
)

// submissionsInput is the sample district with who reported for 2024Q3: 南门社区 sent
// nothing (its cases are on the platform alone; its own ledger is of June), 西街村 and
// 东街社区 sent their ledgers, the townships their case exports except 北山乡, which
// never sent one; the district is not judged.
func submissionsInput() Input {
	in := sampleInput()
	platform := func(rows, newest int) transform.SourceSubmission {
		return transform.SourceSubmission{Source: "district-platform", Files: 2, Rows: rows,
			Newest: ptr(day(2024, 11, 9)), NewestPath: "exports/platform_20241109.csv", NewestRows: newest}
	}
	own := func(src string, rows int, d *int) transform.SourceSubmission {
		s := transform.SourceSubmission{Source: src, Own: true, Files: 1, Rows: rows, NewestRows: rows, NewestPath: src + ".xlsx"}
		if d != nil {
			s.Newest = ptr(day(2024, 10, *d))
		}
		return s
	}
	ten := 10
	unit := func(code string) transform.Unit {
		for _, u := range in.Units {
			if u.Unit.Code == code {
				return u.Unit
			}
		}
		panic(code)
	}
	in.Submissions = []transform.UnitSubmissions{
		{Unit: unit(districtCode), Sources: []transform.SourceSubmission{platform(1500, 1400)}},
		{Unit: unit(eastCode), Expected: true, LastOwn: ptr(day(2024, 10, 10)),
			Sources: []transform.SourceSubmission{own("township-cases", 880, &ten), own("township-services", 12, nil), platform(900, 850)}},
		{Unit: unit(westCode), Expected: true, LastOwn: ptr(day(2024, 10, 10)),
			Sources: []transform.SourceSubmission{own("township-cases", 290, &ten), platform(300, 280)}},
		{Unit: unit(northCode), Expected: true, Silent: true},
		{Unit: unit("320102001001"), Expected: true, LastOwn: ptr(day(2024, 10, 10)),
			Sources: []transform.SourceSubmission{own("village-ledgers", 120, &ten), platform(500, 480)}},
		{Unit: unit("320102001002"), Expected: true, Silent: true, LastOwn: ptr(day(2024, 7, 10)),
			Sources: []transform.SourceSubmission{platform(3, 3)}},
		{Unit: unit("320102002001"), Expected: true, LastOwn: ptr(day(2024, 10, 10)),
			Sources: []transform.SourceSubmission{own("village-ledgers", 30, &ten), platform(120, 110)}},
	}
	return in
}

// TestSubmissionsSheetGolden: 报送情况 of the district, every cell as a reader sees it,
// against testdata/submissions.golden (-update rewrites it): the rule, the units that
// sent nothing named above the table and marked 未报送 in red, a row per unit and
// source grouped by township, "—" where a unit has no source or a file no date.
// MINQING_SUBMISSIONS_XLSX=path keeps the workbook there, to render it.
func TestSubmissionsSheetGolden(t *testing.T) {
	path := writeWith(t, submissionsInput())
	if keep := os.Getenv("MINQING_SUBMISSIONS_XLSX"); keep != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(keep, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	wb := openBook(t, path)
	got := dumpSheet(t, wb, sheetSubmissions)
	checkGolden(t, "submissions.golden", sheetSubmissions, got)
	// 未报送 is red and bold wherever it marks a unit.
	r := rowOf(t, wb, sheetSubmissions, terms.UnitCode)
	marked := 0
	for row := r + 1; row <= wb.Sheet[sheetSubmissions].MaxRow; row++ {
		c := cell(t, wb, sheetSubmissions, fmt.Sprintf("D%d", row))
		if c.Value != terms.NotSubmitted {
			continue
		}
		marked++
		if st := c.GetStyle(); !st.Font.Bold || !strings.HasSuffix(st.Font.Color, "C00000") {
			t.Errorf("D%d 未报送 in font %+v, want bold C00000", row, st.Font)
		}
	}
	if marked != 2 {
		t.Errorf("%d cells say 未报送, want 2 (南门社区, 北山乡)", marked)
	}
}

// TestSubmissionsSheetTownship: a township's 报送情况 lists the township and its
// villages alone.
func TestSubmissionsSheetTownship(t *testing.T) {
	in := submissionsInput()
	tw := townshipInput()
	tw.Submissions = in.Submissions
	wb := openBook(t, writeWith(t, tw))
	got := dumpSheet(t, wb, sheetSubmissions)
	for _, want := range []string{"东街街道", "东街社区", "南门社区", "未报送：1个单位（南门社区）"} {
		if !strings.Contains(got, want) {
			t.Errorf("%s lacks %s:\n%s", sheetSubmissions, want, got)
		}
	}
	for _, other := range []string{"西湖镇", "北山乡", "西街村", districtCode} {
		if strings.Contains(got, other) {
			t.Errorf("%s names %s, outside the scope:\n%s", sheetSubmissions, other, got)
		}
	}
}

// TestSubmissionsSheetNotOver: in a period not over in the data, the sheet says units
// may not have sent yet.
func TestSubmissionsSheetNotOver(t *testing.T) {
	in := submissionsInput()
	in.DataThrough = day(2024, 9, 15)
	wb := openBook(t, writeWith(t, in))
	want := "2024年第三季度未报送：2个单位（南门社区、北山乡）。数据截至2024年9月15日，本期尚未结束：单位可能尚未报送"
	if got := dumpSheet(t, wb, sheetSubmissions); !strings.Contains(got, want) {
		t.Errorf("%s lacks %q:\n%s", sheetSubmissions, want, got)
	}
}

// TestNotSubmitted: the units that sent nothing, by code, for the sheets that show
// their figures.
func TestNotSubmitted(t *testing.T) {
	m, err := newModel(submissionsInput())
	if err != nil {
		t.Fatal(err)
	}
	for code, want := range map[string]bool{"320102001002": true, northCode: true, eastCode: false, districtCode: false, "320102001001": false, "999": false} {
		if got := m.notSubmitted(code); got != want {
			t.Errorf("notSubmitted(%s) = %v, want %v", code, got, want)
		}
	}
}

// TestUnitSheetsMarkSilentUnits: on 乡镇（街道）, 村（社区） and 走访, a unit that sent nothing
// for the period is named with （未报送） in red, and the sheet's note says what that
// means; a unit that sent keeps its plain name.
func TestUnitSheetsMarkSilentUnits(t *testing.T) {
	wb := openBook(t, writeWith(t, submissionsInput()))
	for _, tt := range []struct{ sheet, silent, sent string }{
		{sheetTownships, "北山乡（未报送）", "东街街道"},
		{sheetVillages, "南门社区（未报送）", "东街社区"},
		{sheetVisits, "南门社区（未报送）", "东街社区"},
	} {
		got := dumpSheet(t, wb, tt.sheet)
		if !strings.Contains(got, tt.silent) {
			t.Errorf("%s does not mark %s:\n%s", tt.sheet, tt.silent, got)
		}
		if strings.Contains(got, tt.sent+"（未报送）") {
			t.Errorf("%s marks %s, which sent", tt.sheet, tt.sent)
		}
		if !strings.Contains(got, "名称后标“（未报送）”的单位本期没有报送本单位的导出") {
			t.Errorf("%s has no note on （未报送）", tt.sheet)
		}
	}
	plain := openBook(t, writeWith(t, sampleInput()))
	if got := dumpSheet(t, plain, sheetVillages); strings.Contains(got, "未报送") {
		t.Errorf("%s says 未报送 with no 报送情况 given:\n%s", sheetVillages, got)
	}
}
