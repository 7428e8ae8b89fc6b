package reports

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/minqing/minqing/internal/terms"
	"github.com/xuri/excelize/v2"
)

// configuredHeader is a statutory header with every field given.
var configuredHeader = TableHeader{
	TableNo: "民情统01表", MadeBy: "中共和平区委组织部", ApprovedBy: "和平区统计局", ApprovalNo: "和统字〔2024〕3号",
	FilingUnit: "和平区民情服务中心", Head: "张三", Preparer: "李四",
	ReportDate: time.Date(2024, 10, 8, 0, 0, 0, 0, shanghai),
}

// TestStatutoryHeader: every statistical sheet carries the statutory header where a
// filed table does: 表号, 制表机关 (and 批准机关, 批准文号 when given) at the right above
// the table, each on its own row, right-aligned, in a column past the first; 填报单位 at
// the left on the row just above the table's header row; 单位负责人, 填表人 and 报出日期
// on one line below everything (both in the first column not repeated on every page). Fields the config leaves empty are blanks to fill in,
// never names; 批准机关 and 批准文号 are left out. List sheets have none of it (the
// cover names 表号 and 制表机关 among its own lines).
func TestStatutoryHeader(t *testing.T) {
	for _, tc := range []struct {
		name   string
		in     func() Input
		right  []string
		left   string
		footer string
	}{
		{"configured", func() Input { in := sampleInput(); in.Header = configuredHeader; return in },
			[]string{"表号：民情统01表", "制表机关：中共和平区委组织部", "批准机关：和平区统计局", "批准文号：和统字〔2024〕3号"},
			"填报单位：和平区民情服务中心",
			"单位负责人：张三　　填表人：李四　　报出日期：2024年10月8日"},
		{"not configured", sampleInput,
			[]string{"表号：________", "制表机关：________"},
			"填报单位：和平区",
			"单位负责人：________　　填表人：________　　报出日期：____年__月__日"},
		{"township, auditor's copy", func() Input {
			in := townshipInput()
			in.AuditorCopy = true
			in.Header = TableHeader{MadeBy: "中共和平区委组织部", Preparer: "李四"}
			return in
		},
			[]string{"表号：________", "制表机关：中共和平区委组织部"},
			"填报单位：东街街道",
			"单位负责人：________　　填表人：李四　　报出日期：____年__月__日"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in()
			f, err := excelize.OpenFile(writeWith(t, in))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			first := 1
			if in.AuditorCopy {
				first = 2
			}
			headerRow := first + len(tc.right) + 1 // the table's header row (概览: its title)
			titles := map[string]string{}          // sheet → its print titles
			for _, d := range f.GetDefinedName() {
				if d.Name == "_xlnm.Print_Titles" {
					titles[d.Scope] = d.RefersTo
				}
			}
			seen, repeated := 0, 0
			for _, name := range f.GetSheetList() {
				rows, err := f.GetRows(name)
				if err != nil {
					t.Fatal(err)
				}
				at := func(col, row int) string {
					if row-1 < len(rows) && col-1 < len(rows[row-1]) {
						return rows[row-1][col-1]
					}
					return ""
				}
				if !statisticalSheets[name] {
					if name == sheetCover {
						continue // names 表号 and 制表机关 as a cover does
					}
					for r, row := range rows {
						for c, v := range row {
							if strings.HasPrefix(v, terms.TableNo+"：") || strings.HasPrefix(v, terms.Head+"：") {
								t.Errorf("%s!%s holds %q, but a list carries no statutory header", name, cellName(c+1, r+1), v)
							}
						}
					}
					continue
				}
				seen++
				// Only the table's header row repeats on every printed page, not the
				// statutory header above it (概览 repeats none).
				if pt, ok := titles[name]; ok {
					repeated++
					if !strings.HasSuffix(pt, fmt.Sprintf("!$%d:$%d", headerRow, headerRow)) {
						t.Errorf("%s repeats %s on every page, want only its header row %d", name, pt, headerRow)
					}
				}
				for i, want := range tc.right {
					row := first + i
					col := slices.Index(rows[row-1], want)
					if col < 1 { // in a column past the first, running leftwards
						t.Errorf("%s row %d = %q, want %q at the right", name, row, rows[row-1], want)
						continue
					}
					st, _ := f.GetCellStyle(name, cellName(col+1, row))
					if s, _ := f.GetStyle(st); s == nil || s.Alignment == nil || s.Alignment.Horizontal != "right" {
						t.Errorf("%s!%s (%s) is not right-aligned", name, cellName(col+1, row), want)
					}
				}
				// 填报单位 and the footer open their rows: in column A, or, on a sheet
				// printed across pages with its first columns repeated, in the first
				// column after those.
				opens := func(row int) string {
					for c := 1; c <= 4; c++ {
						if v := at(c, row); v != "" {
							return v
						}
					}
					return ""
				}
				if got := opens(headerRow - 1); got != tc.left {
					t.Errorf("%s row %d opens %q, want %q", name, headerRow-1, got, tc.left)
				}
				if got := at(1, headerRow); got == "" || strings.Contains(got, "：") {
					t.Errorf("%s!A%d = %q, want the table's header (or 概览's title) below the statutory header", name, headerRow, got)
				}
				last := len(rows)
				if got := opens(last); got != tc.footer {
					t.Errorf("%s: last row %d opens %q, want the footer %q", name, last, got, tc.footer)
				}
				for r := 1; r < last; r++ {
					if strings.HasPrefix(opens(r), terms.Head) {
						t.Errorf("%s: a footer on row %d, above the last", name, r)
					}
				}
			}
			if repeated < 8 {
				t.Errorf("%d statistical sheets repeat their header row, want every table's", repeated)
			}
			if seen < 9 {
				t.Errorf("%d statistical sheets, want every one of the figures' sheets", seen)
			}
		})
	}
}

// TestContents: 目录 lists every sheet of the workbook in tab order, each name a link
// to the first cell of a sheet that exists, with what it holds; the cover names the
// scope and the period, and both print on one page.
func TestContents(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    Input
		scope string
	}{
		{"district", sampleInput(), "和平区"},
		{"township", townshipInput(), "东街街道"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := excelize.OpenFile(writeWith(t, tc.in))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			sheets := f.GetSheetList()
			if sheets[0] != sheetCover || sheets[1] != sheetContents {
				t.Fatalf("the workbook opens with %v, want %s then %s", sheets[:2], sheetCover, sheetContents)
			}
			rows, err := f.GetRows(sheetContents)
			if err != nil {
				t.Fatal(err)
			}
			var listed []string
			for r, row := range rows {
				if len(row) < 4 || row[1] == "工作表" {
					continue
				}
				ref := cellName(2, r+1)
				ok, target, err := f.GetCellHyperLink(sheetContents, ref)
				if err != nil || !ok {
					t.Errorf("%s!%s (%s) is not a link", sheetContents, ref, row[1])
					continue
				}
				if target != quoteSheet(row[1])+"!A1" {
					t.Errorf("%s!%s links to %q, want %s's A1", sheetContents, ref, target, row[1])
				}
				if idx, err := f.GetSheetIndex(row[1]); err != nil || idx < 0 {
					t.Errorf("%s!%s links to %q, which is no sheet", sheetContents, ref, row[1])
				}
				if row[3] == "" {
					t.Errorf("%s!%s: %s has no purpose", sheetContents, ref, row[1])
				}
				listed = append(listed, row[1])
			}
			if !slices.Equal(listed, sheets) {
				t.Errorf("目录 lists %v, want every sheet %v", listed, sheets)
			}
			cover, err := f.GetRows(sheetCover)
			if err != nil {
				t.Fatal(err)
			}
			text := ""
			for _, row := range cover {
				text += strings.Join(row, "") + "\n"
			}
			for _, want := range []string{"统计范围：" + tc.scope, "统计期：2024年第三季度（2024-07-01至2024-09-30）", "截止日期：2024-09-30"} {
				if !strings.Contains(text, want) {
					t.Errorf("the cover lacks %q:\n%s", want, text)
				}
			}
			for _, name := range []string{sheetCover, sheetContents} {
				l, err := f.GetPageLayout(name)
				if err != nil {
					t.Fatal(err)
				}
				if l.FitToWidth == nil || *l.FitToWidth != 1 || l.FitToHeight == nil || *l.FitToHeight != 1 {
					t.Errorf("%s does not print on one page: %+v", name, l)
				}
			}
		})
	}
}

// TestCoverGolden: 封面 and 目录 of a configured district workbook whose period is not
// over, every cell as a reader sees it, against testdata/cover.golden (-update rewrites
// it). MINQING_COVER_XLSX=path keeps the workbook there, to render it.
func TestCoverGolden(t *testing.T) {
	in := sampleInput()
	in.Header = configuredHeader
	in.DataThrough = day(2024, 8, 20)
	path := writeWith(t, in)
	if keep := os.Getenv("MINQING_COVER_XLSX"); keep != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(keep, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	wb := openBook(t, path)
	got := "== " + sheetCover + "\n" + dumpSheet(t, wb, sheetCover) + "== " + sheetContents + "\n" + dumpSheet(t, wb, sheetContents)
	checkGolden(t, "cover.golden", "封面 and 目录", got)
}
