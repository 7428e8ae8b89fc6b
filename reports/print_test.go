package reports

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestHeaderFit(t *testing.T) {
	f := sizeFactor(stHeader)
	for _, tc := range []struct {
		name, title string
		want        float64
	}{
		{"short", "受理量", textWidth("受理量") * f},
		{"long Chinese wraps", "代办按时办结率", headerWrap},
		{"lines kept whole", "隔离·\n日期无法识别\nBAD_DATE", textWidth("日期无法识别") * f},
		{"a code in lines is whole", "隔离·\n办结早于受理\nCLOSED_BEFORE_RECEIVED", textWidth("CLOSED_BEFORE_RECEIVED") * f},
		{"a code in a wrapping title is whole", "隔离·UNKNOWN_UNIT", textWidth("UNKNOWN_UNIT") * f},
		{"hash", "SHA-256\n前12位", textWidth("SHA-256") * f},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := headerFit(tc.title); got != tc.want {
				t.Errorf("headerFit(%q) = %v, want %v", tc.title, got, tc.want)
			}
		})
	}
}

func TestPagesAcross(t *testing.T) {
	for _, tc := range []struct {
		width float64
		want  int
	}{
		{40, 1}, {pageWidth, 1}, {pageWidth * 4 / 3, 1}, {pageWidth*4/3 + 1, 2}, {2 * pageWidth, 2}, {2*pageWidth + 1, 3}, {10 * pageWidth, 3},
	} {
		if got := pagesAcross(tc.width); got != tc.want {
			t.Errorf("pagesAcross(%v) = %d, want %d", tc.width, got, tc.want)
		}
	}
}

var (
	colRE   = regexp.MustCompile(`<col customWidth="true" max="(\d+)" min="(\d+)" width="([0-9.]+)"`)
	mergeRE = regexp.MustCompile(`<mergeCell ref="([A-Z]+)(\d+):([A-Z]+)\d+"`)
	fitWRE  = regexp.MustCompile(`fitToWidth="(\d+)"`)
	// titleColsRE reads the last repeated column off a print-titles reference.
	titleColsRE = regexp.MustCompile(`!\$A:\$([A-Z]+)`)
)

// TestPrintLayout reads the printed layout of the sample workbooks: the tables of a
// few columns (the case lists, 等待中, 审计提示, 问题数据, 清单) print one page wide; on a
// sheet printed several pages across, no note or heading is merged past the first
// page's share of the width, where it would be cut; 清单 gives every SHA-256 whole.
func TestPrintLayout(t *testing.T) {
	for name, in := range map[string]Input{"district": sampleInput(), "township": townshipInput()} {
		t.Run(name, func(t *testing.T) {
			path := writeWith(t, in)
			wb := openBook(t, path)
			ps := parts(t, path)
			for _, sheet := range []string{sheetCases, sheetCaseLists, sheetWaiting, sheetFlags, sheetProblems, sheetManifest} {
				x := ps[sheetPart(t, wb, sheet)]
				if m := fitWRE.FindStringSubmatch(x); m == nil || m[1] != "1" {
					t.Errorf("%s prints %v pages across, want 1", sheet, m)
				}
			}
			wide, repeated := 0, 0
			for _, sh := range wb.Sheets {
				x := ps[sheetPart(t, wb, sh.Name)]
				m := fitWRE.FindStringSubmatch(x)
				if m == nil {
					t.Errorf("%s has no page setup", sh.Name)
					continue
				}
				across, _ := strconv.Atoi(m[1])
				if across < 2 {
					continue
				}
				wide++
				widths := map[int]float64{}
				if !colRE.MatchString(x) {
					t.Fatalf("%s: no column widths found", sh.Name)
				}
				total := 0.0
				for _, c := range colRE.FindAllStringSubmatch(x, -1) {
					hi, _ := strconv.Atoi(c[1])
					lo, _ := strconv.Atoi(c[2])
					w, _ := strconv.ParseFloat(c[3], 64)
					for i := lo; i <= hi; i++ {
						widths[i] = w
						total += w
					}
				}
				// A merge may reach as far as the first page's share of the width, or,
				// where columns repeat on every page, as far as they do.
				limit := total / float64(across)
				if m := titleColsRE.FindStringSubmatch(printTitles(ps["xl/workbook.xml"], sh.Name)); m != nil {
					last, _ := excelize.ColumnNameToNumber(m[1])
					limit = 0
					for c := 1; c <= last; c++ {
						limit += widths[c]
					}
					repeated++
				}
				for _, mc := range mergeRE.FindAllStringSubmatch(x, -1) {
					to, _ := excelize.ColumnNameToNumber(mc[3])
					at := 0.0
					for c := 1; c <= to; c++ {
						at += widths[c]
					}
					if at > limit+0.01 {
						t.Errorf("%s!%s%s is merged to column %s, %.1f wide, past what every one of %d pages shows (%.1f)",
							sh.Name, mc[1], mc[2], mc[3], at, across, limit)
					}
				}
			}
			// The lists repeat their header row alone, not the notes or block above it.
			for _, sheet := range []string{sheetCases, sheetCaseLists, sheetProblems, sheetManifest} {
				if m := regexp.MustCompile(`!\$(\d+):\$(\d+)$`).FindStringSubmatch(printTitles(ps["xl/workbook.xml"], sheet)); m == nil || m[1] != m[2] || m[1] == "1" {
					t.Errorf("%s repeats rows %v, want its header row alone", sheet, m)
				}
			}
			if len(in.Manifest.Files) == 0 {
				t.Fatal("the sample lists no file in 清单")
			}
			for _, f := range in.Manifest.Files {
				if len(f.SHA256) != 64 || !anyCell(wb, sheetManifest, f.SHA256) {
					t.Errorf("%s lacks the whole SHA-256 of %s", sheetManifest, f.Path)
				}
			}
			if wide == 0 || repeated == 0 {
				t.Errorf("%d sheets print several pages across, %d with columns repeated: the test checks too little", wide, repeated)
			}
		})
	}
}

// printTitles is the print-titles reference of sheet in the workbook part, "" if none.
func printTitles(workbook, sheet string) string {
	for _, m := range regexp.MustCompile(`<definedName[^>]*name="_xlnm.Print_Titles"[^>]*>([^<]*)</definedName>`).FindAllStringSubmatch(workbook, -1) {
		ref := strings.NewReplacer("&apos;", "'", "&#39;", "'").Replace(m[1])
		if strings.HasPrefix(ref, quoteSheet(sheet)+"!") {
			return ref
		}
	}
	return ""
}

// TestKeepTogether: a table's heading prints with its header and first rows, a page
// breaking before the heading where they would otherwise part, and nowhere else.
func TestKeepTogether(t *testing.T) {
	m, err := newModel(sampleInput())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		first int // data rows of the first table
		want  []int
	}{
		{"heading mid-page", 10, nil},
		{"heading at the foot of the page", 28, []int{31}},
		{"second page, at its foot", 28 + 32, []int{63}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := newBook(m)
			if err != nil {
				t.Fatal(err)
			}
			s := b.sheet("Sheet1")
			row := s.header(1, []string{"指标", "值"})
			for i := 0; i < tc.first; i++ {
				s.text(1, row, "受理量", stText)
				s.number(2, row, float64(i), fmtCount, stText)
				row++
			}
			heading := row + 1
			s.label(1, heading, "统计设置", stLabel)
			row = s.header(heading+1, []string{"设置", "取值"})
			for i := 0; i < 8; i++ {
				s.text(1, row, "权重", stText)
				row++
			}
			got := s.keepTogether(40, 1, 0, 0, map[int]float64{})
			if !slices.Equal(got, tc.want) {
				t.Errorf("breaks before rows %v, want %v (heading at row %d)", got, tc.want, heading)
			}
		})
	}
}
