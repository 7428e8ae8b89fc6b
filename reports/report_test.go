package reports

import (
	"archive/zip"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/minqing/minqing/internal/terms"
	"github.com/minqing/minqing/transform"
	"github.com/tealeg/xlsx/v3"
)

// sheetPart is the archive path of a sheet: parts are numbered in tab order, as
// Write creates the sheets.
func sheetPart(t *testing.T, wb *xlsx.File, name string) string {
	t.Helper()
	for i, sh := range wb.Sheets {
		if sh.Name == name {
			return fmt.Sprintf("xl/worksheets/sheet%d.xml", i+1)
		}
	}
	t.Fatalf("no sheet %q", name)
	return ""
}

// parts returns every part of the archive at path, unzipped.
func parts(t *testing.T, path string) map[string]string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	out := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		out[f.Name] = string(b)
	}
	return out
}

func sheetNames(wb *xlsx.File) []string {
	var names []string
	for _, sh := range wb.Sheets {
		names = append(names, sh.Name)
	}
	return names
}

func TestSheets(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   Input
		want []string
	}{
		{"district", sampleInput(), []string{sheetCover, sheetContents, sheetSummary, sheetTownships, sheetVillages, sheetClasses, sheetChannels,
			sheetTopics, sheetProxy, sheetVisits, sheetServices, sheetRanking, sheetCases, sheetCaseLists, sheetWaiting, sheetFlags,
			sheetSubmissions, sheetSources, sheetProblems, sheetDefinitions, sheetManifest}},
		{"township", townshipInput(), []string{sheetCover, sheetContents, sheetSummary, sheetVillages, sheetClasses, sheetChannels,
			sheetTopics, sheetProxy, sheetVisits, sheetServices, sheetRanking, sheetCases, sheetCaseLists, sheetWaiting, sheetFlags,
			sheetSubmissions, sheetSources, sheetProblems, sheetDefinitions, sheetManifest}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "s.xlsx")
			if err := Write(path, tc.in); err != nil {
				t.Fatal(err)
			}
			if got := sheetNames(openBook(t, path)); !slices.Equal(got, tc.want) {
				t.Errorf("sheets %v, want %v", got, tc.want)
			}
			// Every sheet prints A4 landscape (封面 and 目录, sheets 1 and 2, upright),
			// fitted to the width, with page numbers and the period in the footer.
			for name, x := range parts(t, path) {
				if !strings.HasPrefix(name, "xl/worksheets/sheet") {
					continue
				}
				orientation := `orientation="landscape"`
				if name == "xl/worksheets/sheet1.xml" || name == "xl/worksheets/sheet2.xml" {
					orientation = `orientation="portrait"`
				}
				for _, want := range []string{orientation, `paperSize="9"`, `fitToPage="true"`, `&amp;P / &amp;N`, "2024年第三季度"} {
					if !strings.Contains(x, want) {
						t.Errorf("%s lacks %s", name, want)
					}
				}
			}
		})
	}
}

func TestWriteTownshipScope(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.xlsx")
	if err := Write(path, townshipInput()); err != nil {
		t.Fatal(err)
	}
	wb := openBook(t, path)
	wantText(t, wb, sheetSummary, st("A1"), "和平区东街街道2024年第三季度民情工作统计报表")
	s := sheetVillages
	wantText(t, wb, s, st("C2"), "东街社区")
	wantText(t, wb, s, st("C3"), "南门社区")
	wantText(t, wb, s, st("C4"), "全街道")
	wantNumber(t, wb, s, st("D4"), 900, "#,##0")
	if got := wb.Sheet[s].MaxRow; got > 7+statRows { // header, 2 villages, total, blank, note, footer
		t.Errorf("%s has %d rows", s, got)
	}
	// Ranked are the township's villages: 东街社区 has a score, 南门社区 none.
	wantText(t, wb, sheetRanking, st("C2"), "东街社区")
	wantText(t, wb, sheetRanking, st("C5"), "南门社区")
	// Only the township's cases.
	if v := cell(t, wb, sheetCases, "A1").Value; !strings.HasPrefix(v, "截至2024-09-30，超期未办结2件，逾期办结1件，共3件。") {
		t.Errorf("%s!A1 = %q, want the township's counts", sheetCases, v)
	}
	for name, x := range parts(t, path) {
		// (西街村 is named by a source file's path on 数据来源 and 清单.)
		for _, other := range []string{"西湖镇", "北山乡", "和平区信访局"} {
			if strings.Contains(x, other) {
				t.Errorf("%s names %s, outside the scope", name, other)
			}
		}
	}
}

func TestWriteRanking(t *testing.T) {
	in := sampleInput()
	wb := openBook(t, writeWith(t, in))
	s := sheetRanking
	for ref, want := range map[string]string{"A1": terms.Rank, "B1": terms.UnitCode, "C1": terms.Unit} {
		wantText(t, wb, s, st(ref), want)
	}
	// 东街街道 and 西湖镇 tie on 88.15: by code, 东街街道 first; 北山乡 has no score.
	wantNumber(t, wb, s, st("A2"), 1, "#,##0")
	wantText(t, wb, s, st("C2"), "东街街道")
	wantNumber(t, wb, s, st("A3"), 2, "#,##0")
	wantText(t, wb, s, st("C3"), "西湖镇")
	wantText(t, wb, s, st("A5"), "不参与排名的单位（原因见右）")
	wantText(t, wb, s, st("C6"), "北山乡")
	wantText(t, wb, s, st("A6"), "—")
	wantText(t, wb, s, st("L6"), "本期无到期诉求件")
	r := rowOf(t, wb, s, "得分权重")
	wantText(t, wb, s, fmt.Sprintf("B%d", r+2), "响应率")
	wantNumber(t, wb, s, fmt.Sprintf("C%d", r+2), 0.10, "0.00")
	wantNumber(t, wb, s, fmt.Sprintf("D%d", r+3), 0.45, "0.0%")
	found := false
	for row := r; row < r+12; row++ {
		if strings.Contains(cell(t, wb, s, fmt.Sprintf("A%d", row)).Value, "得分相同的，按单位编码从小到大排列") {
			found = true
		}
	}
	if !found {
		t.Error("the tie rule is not stated")
	}
}

func writeWith(t *testing.T, in Input) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "w.xlsx")
	if err := Write(path, in); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return path
}

func TestWriteManifest(t *testing.T) {
	wb := openBook(t, writeSample(t))
	s := sheetManifest
	wantText(t, wb, s, "B1", "0.5.0")
	wantText(t, wb, s, "B2", "9b74c9897bac770ffc029102a200c5de9b74c9897bac770ffc029102a200c5de")
	wantTime(t, wb, s, "B3", at(2024, 10, 8, 9, 0), fmtDateTime)
	r := rowOf(t, wb, s, "来源")
	// By source: hotline first.
	wantText(t, wb, s, fmt.Sprintf("A%d", r+1), "hotline")
	wantText(t, wb, s, fmt.Sprintf("C%d", r+1), "3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b")
	wantNumber(t, wb, s, fmt.Sprintf("D%d", r+1), 12000, "#,##0")
	wantText(t, wb, s, fmt.Sprintf("E%d", r+1), "—")
	wantText(t, wb, s, fmt.Sprintf("B%d", r+2), "exports/西街村/2024-09民情台账.xlsx")
	wantTime(t, wb, s, fmt.Sprintf("E%d", r+2), day(2024, 9, 30), fmtDate)
	wantNumber(t, wb, s, fmt.Sprintf("D%d", r+3), 12130, "#,##0")
}

func TestWriteBreakdownsAndActivities(t *testing.T) {
	wb := openBook(t, writeSample(t))
	wantText(t, wb, sheetClasses, st("A2"), "即办件")
	wantText(t, wb, sheetClasses, st("A6"), "建议件")
	wantNumber(t, wb, sheetClasses, st("B2"), 5000, "#,##0")
	wantText(t, wb, sheetClasses, st("A7"), "合计（全区）")
	wantNumber(t, wb, sheetClasses, st("B7"), 12345, "#,##0")
	wantText(t, wb, sheetChannels, st("A4"), "=民情信箱")
	wantText(t, wb, sheetTopics, st("A3"), "环境卫生")
	// Visits: townships each followed by their villages, then the district.
	s := sheetVisits
	for i, want := range []string{"东街街道", "东街社区", "南门社区", "西湖镇", "西街村", "北山乡", "全区"} {
		wantText(t, wb, s, st(fmt.Sprintf("D%d", i+2)), want)
	}
	wantText(t, wb, s, st("E1"), "走访人次")
	wantNumber(t, wb, s, st("E8"), 2341, "#,##0")
	wantText(t, wb, sheetServices, st("G1"), "服务人次")
}

// TestChartsDrawn: three charts, each on 概览 (a normally written sheet) and
// reading cells that hold their series.
func TestChartsDrawn(t *testing.T) {
	p := parts(t, writeSample(t))
	for i := 1; i <= 3; i++ {
		if _, ok := p[fmt.Sprintf("xl/charts/chart%d.xml", i)]; !ok {
			t.Errorf("chart %d missing", i)
		}
	}
	if !strings.Contains(p["xl/worksheets/sheet3.xml"], "<drawing ") {
		t.Error("概览 has no drawing")
	}
	all := p["xl/charts/chart1.xml"] + p["xl/charts/chart2.xml"] + p["xl/charts/chart3.xml"]
	for _, ref := range []string{"&#39;概览&#39;!$G$10:$G$18", "&#39;概览&#39;!$I$10:$I$18", "&#39;办理类别&#39;!$B$5:$B$9",
		"&#39;综合排名&#39;!$D$5:$D$6", "<lineChart>", "<barDir val=\"bar\">"} {
		if !strings.Contains(all, ref) {
			t.Errorf("charts do not hold %s", ref)
		}
	}
	// The ranking's score axis runs 0–100, so bars start at 0; the trend's on-time rate
	// runs 0–100% on its own axis, drawn in its own colour, not the columns'.
	const full = `<max val="100"></max><min val="0"></min>`
	if !strings.Contains(p["xl/charts/chart3.xml"], full) {
		t.Errorf("the ranking's score axis does not run 0–100 (%s)", full)
	}
	trend := p["xl/charts/chart1.xml"]
	if !strings.Contains(trend, `<max val="1"></max><min val="0"></min>`) {
		t.Error("the on-time rate's axis does not run 0–100%")
	}
	_, line, ok := strings.Cut(trend, "<lineChart>")
	if !ok || !strings.Contains(line, `srgbClr val="`+onTimeColor+`"`) {
		t.Errorf("the on-time line is not drawn in %s", onTimeColor)
	}
	for _, c := range []string{receivedColor, closedColor, scoreColor} {
		if c == onTimeColor {
			t.Errorf("the on-time line shares colour %s with another series", c)
		}
	}
}

// TestRollover: a list longer than a sheet holds continues on the next sheets, each
// saying which rows it has, and stays byte-for-byte deterministic.
func TestRollover(t *testing.T) {
	defer func(n int) { maxRows = n }(maxRows)
	maxRows = 6 // note, header and 4 cases a sheet
	in := sampleInput()
	base := in.Cases[0]
	for i := range 6 {
		c := base
		c.CaseKey = fmt.Sprintf("HP2024079%03d", i)
		c.CaseNo = c.CaseKey
		in.Cases = append(in.Cases, c)
	}
	var sums [2][32]byte
	var path string
	for i := range sums {
		path = writeWith(t, in)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		sums[i] = sha256.Sum256(b)
	}
	if sums[0] != sums[1] {
		t.Error("two writes of a rolled-over list differ")
	}
	wb := openBook(t, path)
	names := sheetNames(wb)
	want := []string{sheetCases, sheetCases + "(2)", sheetCases + "(3)"}
	if i := slices.Index(names, sheetCases); i < 0 || !slices.Equal(names[i:i+3], want) {
		t.Fatalf("sheets %v, want %v in a row", names, want)
	}
	for i, tail := range map[int]string{0: "一张工作表容纳不下，分3张表列出；本表为第1至4条，续见“超期及逾期办结(2)”。", 2: "一张工作表容纳不下，分3张表列出；本表为第9至11条。"} {
		v := cell(t, wb, want[i], "A1").Value
		if !strings.HasPrefix(v, "截至2024-09-30，超期未办结3件，逾期办结8件，共11件。") || !strings.HasSuffix(v, "。"+tail) {
			t.Errorf("%s!A1 = %q, want the counts and then %q", want[i], v, tail)
		}
	}
	seen := 0
	for _, name := range want {
		sh := wb.Sheet[name]
		wantText(t, wb, name, "A2", "诉求编号")
		for r := 3; r <= sh.MaxRow; r++ {
			if cell(t, wb, name, fmt.Sprintf("A%d", r)).Value != "" {
				seen++
			}
		}
		if sh.MaxRow > maxRows {
			t.Errorf("%s has %d rows, more than %d", name, sh.MaxRow, maxRows)
		}
	}
	if seen != len(in.Cases) {
		t.Errorf("%d cases listed, want %d", seen, len(in.Cases))
	}
}

func TestLongTextCut(t *testing.T) {
	in := sampleInput()
	in.Cases[0].Description = strings.Repeat("路灯坏了", 10000) // 40,000 characters
	wb := openBook(t, writeWith(t, in))
	v := cell(t, wb, sheetCases, "P7").Value
	if !strings.HasSuffix(v, cutMark) || utf16Count(v) != maxCellUnits {
		t.Errorf("40,000 characters became %d units ending %q; want %d ending %q", utf16Count(v), v[len(v)-20:], maxCellUnits, cutMark)
	}
}

var (
	// Digits not within a longer number: a rate's <v>0.9512195121951219</v> holds
	// eleven digits in a row that are no phone.
	phoneRE = regexp.MustCompile(`(?:^|[^0-9.])(1[3-9][0-9]{9})(?:[^0-9]|$)`)
	idRE    = regexp.MustCompile(`(?:^|[^0-9.])([0-9]{17}[0-9Xx])(?:[^0-9]|$)`)
	fRE     = regexp.MustCompile(`<f[ >][^<]*</f>`)
)

// TestInjection writes export text that starts like a formula or carries markup,
// names, phones and IDs, and finds no formula but the narrative's and no personal
// datum anywhere in the file.
// subtotalRE is the formula of a 小计's count: a sum of one column's rows.
var subtotalRE = regexp.MustCompile(`^<f>SUM\(([A-Z]+)\d+:([A-Z]+)\d+\)</f>$`)

func TestInjection(t *testing.T) {
	in := sampleInput()
	for i, p := range []string{"=", "+", "-", "@", "\t", "\r"} {
		evil := p + "HYPERLINK(\"http://x\",\"<script>alert(1)</script>\")"
		in.Cases = append(in.Cases, transform.CaseRow{
			CaseKey: evil + fmt.Sprint(i), CaseNo: evil + fmt.Sprint(i), UnitCode: "320102001001",
			UnitName: evil, TownshipName: p + "东街街道", Category: p + "承诺件", Channel: p + "热线",
			Status: p + "办理中", StatusAtCutoff: p + "办理中", ReceivedAt: at(2024, 7, 3, 9, 0), Overdue: true,
			Citizen: "张三丰", Phone: "13812345678",
			Description: evil + "张三丰来电13912345678，身份证号32010219900101123X，家住西街。<script>x</script>",
		})
		in.Classes = append(in.Classes, transform.BreakdownRow{Value: evil, Values: in.Classes[0].Values})
		in.Units = append(in.Units, transform.UnitFigures{Unit: transform.Unit{
			Code: fmt.Sprintf("32010200100%d", i+3), Name: evil, Level: "village", Parent: eastCode}, Values: in.Units[0].Values})
	}
	in.Settings = append(in.Settings, [2]string{"rules.x", "=1+1"})
	path := writeWith(t, in)
	wb := openBook(t, path)

	for name, x := range parts(t, path) {
		if !strings.HasPrefix(name, "xl/worksheets/") {
			continue // chart series name their cells in <f> too; those are not cells
		}
		for _, f := range fRE.FindAllString(x, -1) {
			if subtotalRE.MatchString(f) {
				continue // a 小计 summing the villages above it: the writer's, not data's
			}
			if name != "xl/worksheets/sheet3.xml" || !strings.Contains(f, `&#34;本季度全区共受理群众诉求&#34;&amp;TEXT(B10,`) && !strings.Contains(f, `"本季度全区共受理群众诉求"&amp;TEXT(B10,`) {
				t.Errorf("%s holds a formula not the narrative's: %.120s", name, f)
			}
		}
	}
	for name, x := range parts(t, path) {
		for _, bad := range []string{"张三丰", "13812345678", "13912345678", "32010219900101123X", "<script", "HYPERLINK(\"http"} {
			if strings.Contains(x, bad) {
				t.Errorf("%s holds %q", name, bad)
			}
		}
		if m := phoneRE.FindStringSubmatch(x); m != nil {
			t.Errorf("%s holds what looks like a phone: %s", name, m[1])
		}
		if m := idRE.FindStringSubmatch(x); m != nil {
			t.Errorf("%s holds what looks like an ID: %s", name, m[1])
		}
	}
	// The narrative's formula is the only one, and every export text is a string
	// cell that tealeg reads back as typed.
	formulas := 0
	for _, sh := range wb.Sheets {
		err := sh.ForEachRow(func(r *xlsx.Row) error {
			return r.ForEachCell(func(c *xlsx.Cell) error {
				if c.Formula() != "" && !subtotalRE.MatchString("<f>"+c.Formula()+"</f>") {
					formulas++
				}
				return nil
			})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if formulas != 1 {
		t.Errorf("%d formulas, want the narrative's only", formulas)
	}
	r := rowOf(t, wb, sheetCases, "=HYPERLINK(\"http://x\",\"<script>alert(1)</script>\")0")
	wantText(t, wb, sheetCases, fmt.Sprintf("N%d", r), "张**")
	wantText(t, wb, sheetCases, fmt.Sprintf("O%d", r), "138****5678")
	wantText(t, wb, sheetCases, fmt.Sprintf("P%d", r), "=HYPERLINK(\"http://x\",\"<script>alert(1)</script>\")张**来电139****5678，身份证号3201**********123X，家住西街。<script>x</script>")
	quoted := quotePrefixed(t, path, sheetPart(t, wb, sheetCases))
	for _, col := range "ACDEFJP" {
		if ref := fmt.Sprintf("%c%d", col, r); !quoted[ref] {
			t.Errorf("%s!%s is not quote-prefixed", sheetCases, ref)
		}
	}
}

// TestAuditorCopy: an auditor's copy keeps names and phones in clear and says so on
// every sheet, in a banner row and in the printed header and footer.
func TestAuditorCopy(t *testing.T) {
	in := sampleInput()
	in.AuditorCopy = true
	in.Cases[0].Citizen, in.Cases[0].Phone = "李四", "13900000001"
	path := writeWith(t, in)
	wb := openBook(t, path)
	for _, sh := range wb.Sheets {
		wantText(t, wb, sh.Name, "A1", auditorBanner)
	}
	for name, x := range parts(t, path) {
		if strings.HasPrefix(name, "xl/worksheets/sheet") && (!strings.Contains(x, "审计专用副本·含未脱敏个人信息") || !strings.Contains(x, "审计专用副本，不得外传")) {
			t.Errorf("%s: header or footer does not say it is an auditor's copy", name)
		}
	}
	wantText(t, wb, sheetCases, "A3", "诉求编号")
	wantText(t, wb, sheetCases, "N8", "李四")
	wantText(t, wb, sheetCases, "O8", "13900000001")
	wantText(t, wb, sheetTownships, st("A2"), terms.UnitCode)
}

func TestScrub(t *testing.T) {
	for in, want := range map[string]string{
		"":                        "",
		"电话13812345678":           "电话138****5678",
		"13812345678，13912345678": "138****5678，139****5678",
		"身份证320102199001011234":   "身份证3201**********1234",
		"32010219900101123x。":     "3201**********123x。",
		"编号2024070100（10位）":       "编号2024070100（10位）",
		"银行卡6222021234567890123":  "银行卡622************0123",
		"138****5678":             "138****5678",
	} {
		if got := scrub(in); got != want {
			t.Errorf("scrub(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"张三丰": "张**", "张*": "张*", "": "", "李四": "李*"} {
		if got := maskName(in); got != want {
			t.Errorf("maskName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestClip(t *testing.T) {
	if s := strings.Repeat("a", maxCellUnits); clip(s) != s {
		t.Error("text that fits was cut")
	}
	s := clip(strings.Repeat("a", maxCellUnits+1))
	if utf16Count(s) != maxCellUnits || !strings.HasSuffix(s, cutMark) {
		t.Errorf("cut to %d units", utf16Count(s))
	}
	// A character outside the BMP takes two units and is never split.
	s = clip(strings.Repeat("𠀀", maxCellUnits))
	if utf16Count(s) > maxCellUnits || !strings.HasSuffix(s, cutMark) {
		t.Errorf("cut to %d units", utf16Count(s))
	}
}
