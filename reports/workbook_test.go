package reports

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/xml"
	"fmt"
	"github.com/minqing/minqing/internal/terms"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/minqing/minqing/transform"
	"github.com/tealeg/xlsx/v3"
)

// The workbook is read back with tealeg/xlsx, not excelize, so a test cannot pass
// because writer and reader share a misunderstanding.

var cst = time.FixedZone("CST", 8*3600)

func f64(v float64) *float64 { return &v }

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, cst) }

func at(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, cst) }

func ptr[T any](v T) *T { return &v }

// figures makes a full value map: every figure present, nil where listed in none.
func figures(vals map[string]float64, none ...string) map[string]*float64 {
	m := map[string]*float64{}
	for _, d := range transform.FigureDefs() {
		m[d.ID] = nil
	}
	for k, v := range vals {
		m[k] = f64(v)
	}
	for _, k := range none {
		m[k] = nil
	}
	return m
}

const (
	districtCode = "320102000000"
	eastCode     = "320102001000" // 东街街道
	westCode     = "320102002000" // 西湖镇
	northCode    = "320102003000" // 北山乡
	ddeCaseNo    = "=CMD|' /C calc'!A0"
)

// sampleInput is a small district: two townships, three villages, five cases,
// two source files, and nil values where a denominator is zero.
func sampleInput() Input {
	district := transform.Unit{Code: districtCode, Name: "和平区", Level: "district"}
	unit := func(code, name, level, parent string) transform.Unit {
		return transform.Unit{Code: code, Name: name, Level: level, Parent: parent}
	}
	full := func(received, closed, onTime float64) map[string]float64 {
		return map[string]float64{
			"received": received, "closed": closed, "close_rate": closed / received,
			"on_time_rate": onTime, "due_on_time_rate": onTime - 0.02, "overdue_open": 3,
			"avg_days": 2.4, "median_days": 2, "resolution_rate": 0.871, "satisfaction_rate": 0.95,
			"rating_rate": 0.62, "proxy_cases": 40, "proxy_on_time_rate": 1, "visit_persons": 2341,
			"opinions": 346, "problems_solved": 284, "service_activities": 12, "volunteers": 88,
			"beneficiaries": 309, "score": 88.15,
		}
	}
	var months []transform.PeriodFigures
	for mo := 1; mo <= 9; mo++ {
		start := day(2024, time.Month(mo), 1)
		rate := 0.9 + float64(mo)/200
		months = append(months, transform.PeriodFigures{
			Period: transform.Period{ID: fmt.Sprintf("2024-%02d", mo), Kind: "month", Start: start, End: start.AddDate(0, 1, -1), Cutoff: start.AddDate(0, 1, -1)},
			Values: figures(map[string]float64{"received": float64(3800 + 60*mo), "closed": float64(3600 + 70*mo), "on_time_rate": rate}),
		})
	}
	breakdown := func(names ...string) []transform.BreakdownRow {
		var rows []transform.BreakdownRow
		for i, n := range names {
			rows = append(rows, transform.BreakdownRow{Value: n, Values: figures(full(float64(5000-900*i), float64(4800-900*i), 0.9+float64(i)/100), "response_rate", "score")})
		}
		return rows
	}
	return Input{
		District: district,
		Scope:    district,
		Period: transform.Period{ID: "2024Q3", Kind: "quarter",
			Start: day(2024, 7, 1), End: day(2024, 9, 30), Cutoff: day(2024, 9, 30)},
		DataThrough: day(2024, 10, 12),
		Months:      months,
		Classes:     breakdown("即办件", "承诺件", "补办件", "上报件", "建议件"),
		Channels:    breakdown("热线", "走访", "=民情信箱"),
		Topics:      breakdown("道路交通", "环境卫生", "物业管理"),
		Weights:     map[string]float64{"response_rate": 0.10, "resolution_rate": 0.45, "satisfaction_rate": 0.45},
		Manifest: Manifest{
			Version: "0.5.0", ConfigHash: "9b74c9897bac770ffc029102a200c5de9b74c9897bac770ffc029102a200c5de",
			Cutoff: at(2024, 10, 8, 9, 0),
			Files: []ManifestFile{
				{Source: "village-ledgers", Path: "exports/西街村/2024-09民情台账.xlsx", SHA256: "b1946ac92492d2347c6235b4d2611184b1946ac92492d2347c6235b4d2611184", Rows: 130, Snapshot: ptr(day(2024, 9, 30))},
				{Source: "hotline", Path: "exports/12345/2024Q3.csv", SHA256: "3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b", Rows: 12000},
			},
		},
		Defs: transform.FigureDefs(),
		// Deliberately out of order: Write sorts by code.
		Units: []transform.UnitFigures{
			{Unit: unit("320102002001", "西街村", "village", westCode), Values: figures(full(120, 110, 0.9), "response_rate", "score")},
			{Unit: unit(westCode, "西湖镇", "township", districtCode), Values: figures(full(300, 280, 0.95), "response_rate")},
			// Nothing fell due: no score, listed apart from the ranking.
			{Unit: unit(northCode, "北山乡", "township", districtCode), Values: figures(map[string]float64{"received": 0, "closed": 0})},
			{
				Unit:   district,
				Values: figures(full(12345, 11800, 0.925), "response_rate"),
				MoM:    map[string]*float64{"received": f64(0.125), "on_time_rate": f64(0.023), "score": f64(-1.5), "avg_days": f64(-0.1)},
				YoY:    map[string]*float64{"received": f64(-0.05), "on_time_rate": nil},
			},
			{Unit: unit("320102001002", "南门社区", "village", eastCode), Values: figures(map[string]float64{"received": 0, "closed": 0})},
			{Unit: unit(eastCode, "东街街道", "township", districtCode), Values: figures(full(900, 850, 0.9), "response_rate")},
			{Unit: unit("320102001001", "东街社区", "village", eastCode), Values: figures(full(500, 480, 0.88), "response_rate")},
		},
		Cases: []transform.CaseRow{
			{CaseKey: "HP2024070002", CaseNo: "HP2024070002", UnitCode: "320102002001", UnitName: "西街村", TownshipName: "西湖镇",
				Category: "承诺件", Channel: "热线", Status: "已办结", StatusAtCutoff: "已办结", ReceivedAt: at(2024, 7, 2, 9, 30),
				Deadline: ptr(day(2024, 7, 5)), ClosedAt: ptr(at(2024, 7, 10, 16, 0)), OnTime: ptr(false), DaysLate: 3,
				Citizen: "李*", Phone: "139****0001", Description: "村口路灯坏了三个月，晚上出行不便，希望尽快修复。"},
			{CaseKey: "HP2024080001", CaseNo: "HP2024080001", UnitCode: "320102001001", UnitName: "东街社区", TownshipName: "东街街道",
				// open at the cutoff, closed since
				Category: "承诺件", Channel: "走访", Status: "已办结", StatusAtCutoff: "办理中", ReceivedAt: at(2024, 8, 1, 10, 0),
				Deadline: ptr(day(2024, 8, 6)), ClosedAt: ptr(at(2024, 10, 12, 9, 0)), DaysLate: 39, Overdue: true, Proxy: true,
				Citizen: "王*", Phone: "186****2233", Description: "小区物业长期不清运垃圾，楼道堆放杂物，存在消防隐患。多次向物业反映无果，请社区协调物业公司限期整改，并公示整改结果。"},
			{CaseKey: ddeCaseNo, CaseNo: ddeCaseNo, UnitCode: "320102001001", UnitName: "东街社区", TownshipName: "东街街道",
				Category: "即办件", Channel: "+热线", Status: "已办结", StatusAtCutoff: "已办结", ReceivedAt: at(2024, 7, 15, 8, 0),
				Deadline: ptr(day(2024, 7, 15)), ClosedAt: ptr(at(2024, 7, 16, 8, 0)), OnTime: ptr(false), DaysLate: 1},
			{CaseKey: "fp:9f2c1ab0", UnitCode: eastCode, UnitName: "东街街道", TownshipName: "东街街道",
				Category: "上报件", Channel: "民情信箱", Status: "已上报", StatusAtCutoff: "已上报", ReceivedAt: at(2024, 7, 20, 14, 5),
				Deadline: ptr(day(2024, 9, 3)), DaysLate: 19, Overdue: true,
				File: "exports/东街街道/2024-09民情台账.xlsx", Sheet: "9月", Row: 14},
			{CaseKey: "HP2024090003", CaseNo: "HP2024090003", UnitCode: districtCode, UnitName: "和平区信访局", TownshipName: "",
				Category: "承诺件", Channel: "网站", Status: "已受理", StatusAtCutoff: "已受理", ReceivedAt: at(2024, 9, 2, 11, 0),
				Deadline: ptr(day(2024, 9, 5)), DaysLate: 17, Overdue: true},
		},
		Accounting: []transform.SourceAccount{
			{
				Source: "village-ledgers", Kind: "cases", File: "exports/西街村/2024-09民情台账.xlsx",
				SHA256:        "b1946ac92492d2347c6235b4d2611184b1946ac92492d2347c6235b4d2611184",
				Read:          130,
				Loaded:        120,
				Quarantined:   3,
				Skipped:       7,
				QuarantinedBy: map[string]int{"UNKNOWN_UNIT": 2, "BAD_DATE": 1},
				SkippedBy:     map[string]int{"title": 1, "header": 1, "blank": 4, "totals": 1},
			},
			{
				Source: "hotline", Kind: "cases", File: "exports/12345/2024Q3.csv",
				SHA256: "3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b",
				Read:   12000,
				Loaded: 12000,
			},
		},
		Settings: [][2]string{
			{"rules.partial_resolution_weight", "0.5"},
			{"rules.satisfied_labels", "满意, 基本满意"},
			{"rules.escalated_reply_days", "3"},
			{"rules.score_weights", "response_rate 0.10, resolution_rate 0.45, satisfaction_rate 0.45"},
		},
	}
}

// townshipInput is sampleInput scoped to 东街街道: only it and its villages.
func townshipInput() Input {
	in := sampleInput()
	var units []transform.UnitFigures
	for _, u := range in.Units {
		if u.Unit.Code == eastCode || u.Unit.Parent == eastCode {
			units = append(units, u)
		}
	}
	in.Units = units
	in.Scope = units[slices.IndexFunc(units, func(u transform.UnitFigures) bool { return u.Unit.Code == eastCode })].Unit
	var cases []transform.CaseRow
	for _, c := range in.Cases {
		if c.TownshipName == "东街街道" {
			cases = append(cases, c)
		}
	}
	in.Cases = cases
	return in
}

func writeSample(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "report.xlsx")
	if err := Write(path, sampleInput()); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return path
}

// book opens a workbook with tealeg/xlsx.
func openBook(t *testing.T, path string) *xlsx.File {
	t.Helper()
	wb, err := xlsx.OpenFile(path)
	if err != nil {
		t.Fatalf("opening %s with tealeg/xlsx: %v", path, err)
	}
	return wb
}

// cell returns the cell at ref ("B6") of sheet.
func cell(t *testing.T, wb *xlsx.File, sheet, ref string) *xlsx.Cell {
	t.Helper()
	sh, ok := wb.Sheet[sheet]
	if !ok {
		t.Fatalf("no sheet %q", sheet)
	}
	col, row, err := xlsx.GetCoordsFromCellIDString(ref)
	if err != nil {
		t.Fatal(err)
	}
	c, err := sh.Cell(row, col)
	if err != nil {
		t.Fatalf("%s!%s: %v", sheet, ref, err)
	}
	return c
}

// rowOf finds the row (1-based) whose column A holds text.
func rowOf(t *testing.T, wb *xlsx.File, sheet, text string) int {
	t.Helper()
	for r := 1; r <= wb.Sheet[sheet].MaxRow; r++ {
		if cell(t, wb, sheet, fmt.Sprintf("A%d", r)).Value == text {
			return r
		}
	}
	t.Fatalf("%s: no row with %q in column A", sheet, text)
	return 0
}

func wantText(t *testing.T, wb *xlsx.File, sheet, ref, want string) {
	t.Helper()
	c := cell(t, wb, sheet, ref)
	// Streamed sheets hold inline strings; both are text.
	if (c.Type() != xlsx.CellTypeString && c.Type() != xlsx.CellTypeInline) || c.Value != want {
		t.Errorf("%s!%s = %q (type %v), want text %q", sheet, ref, c.Value, c.Type(), want)
	}
}

func wantNumber(t *testing.T, wb *xlsx.File, sheet, ref string, want float64, numFmt string) {
	t.Helper()
	c := cell(t, wb, sheet, ref)
	if c.Type() != xlsx.CellTypeNumeric {
		t.Errorf("%s!%s: type %v, value %q; want a numeric cell", sheet, ref, c.Type(), c.Value)
		return
	}
	got, err := c.Float()
	if err != nil || math.Abs(got-want) > 1e-9 {
		t.Errorf("%s!%s = %v (%v), want %v", sheet, ref, got, err, want)
	}
	if c.GetNumberFormat() != numFmt {
		t.Errorf("%s!%s format %q, want %q", sheet, ref, c.GetNumberFormat(), numFmt)
	}
}

func wantTime(t *testing.T, wb *xlsx.File, sheet, ref string, want time.Time, numFmt string) {
	t.Helper()
	c := cell(t, wb, sheet, ref)
	if c.Type() != xlsx.CellTypeNumeric || !c.IsTime() || c.GetNumberFormat() != numFmt {
		t.Errorf("%s!%s: type %v format %q; want a date cell formatted %q", sheet, ref, c.Type(), c.GetNumberFormat(), numFmt)
		return
	}
	got, err := c.GetTime(false)
	// tealeg reads a serial as a UTC wall clock; the workbook holds Shanghai wall time.
	wall := time.Date(want.Year(), want.Month(), want.Day(), want.Hour(), want.Minute(), 0, 0, time.UTC)
	if err != nil || !got.Round(time.Second).Equal(wall) {
		t.Errorf("%s!%s = %v (%v), want %v", sheet, ref, got, err, wall)
	}
}

func TestWriteSummary(t *testing.T) {
	wb := openBook(t, writeSample(t))
	const s = sheetSummary
	wantText(t, wb, s, st("A1"), "和平区2024年第三季度民情工作统计报表")
	wantText(t, wb, s, st("A2"), "统计期间")
	wantTime(t, wb, s, st("B2"), day(2024, 7, 1), fmtDate)
	wantText(t, wb, s, st("C2"), "至")
	wantTime(t, wb, s, st("D2"), day(2024, 9, 30), fmtDate)
	wantText(t, wb, s, st("A3"), "截止日期")
	wantTime(t, wb, s, st("B3"), day(2024, 9, 30), fmtDate)
	for i, h := range []string{"指标", "本期", "环比", "同比"} {
		wantText(t, wb, s, st(fmt.Sprintf("%c6", 'A'+i)), h)
	}
	up := func(unit string) string { return changeFormat(unit, betterUp) }

	r := rowOf(t, wb, s, "按时办结率")
	wantNumber(t, wb, s, fmt.Sprintf("B%d", r), 0.925, "0.0%")
	if got := cell(t, wb, s, fmt.Sprintf("B%d", r)).String(); got != "92.5%" {
		t.Errorf("按时办结率 shows %q, want 92.5%%", got)
	}
	wantNumber(t, wb, s, fmt.Sprintf("C%d", r), 2.3, up(unitPoints))
	wantText(t, wb, s, fmt.Sprintf("D%d", r), "—") // YoY nil

	r = rowOf(t, wb, s, "受理量") // neutral: arrows without colour
	wantNumber(t, wb, s, fmt.Sprintf("B%d", r), 12345, "#,##0")
	wantNumber(t, wb, s, fmt.Sprintf("C%d", r), 0.125, changeFormat(unitPct, neutral))
	wantNumber(t, wb, s, fmt.Sprintf("D%d", r), -0.05, changeFormat(unitPct, neutral))

	r = rowOf(t, wb, s, "响应率") // no first-contact times: no value
	wantText(t, wb, s, fmt.Sprintf("B%d", r), "—")
	wantText(t, wb, s, fmt.Sprintf("C%d", r), "—") // MoM key missing

	r = rowOf(t, wb, s, "平均办理时长（工作日）") // fewer days is better: a fall is blue
	wantNumber(t, wb, s, fmt.Sprintf("B%d", r), 2.4, "0.0")
	wantNumber(t, wb, s, fmt.Sprintf("C%d", r), -0.1, changeFormat(unitPct, betterDown))

	r = rowOf(t, wb, s, "综合得分")
	wantNumber(t, wb, s, fmt.Sprintf("B%d", r), 88.15, "0.0")
	wantNumber(t, wb, s, fmt.Sprintf("C%d", r), -1.5, up(unitScore))

	// The monthly trend, January to September, beside the figures.
	wantText(t, wb, s, st("F6"), "月份")
	wantText(t, wb, s, st("F7"), "1月")
	wantText(t, wb, s, st("F15"), "9月")
	wantNumber(t, wb, s, st("G15"), 3800+60*9, "#,##0")
	wantNumber(t, wb, s, st("I15"), 0.945, "0.0%")
}

// TestNotOverTitleArea: a period not over in the data says so in the title area of 概览,
// beside its dates, in the words of transform.NotOverNote; a period over says nothing.
func TestNotOverTitleArea(t *testing.T) {
	for _, tc := range []struct {
		name    string
		through time.Time
		want    string // "" = no note
	}{
		{"over", day(2024, 10, 12), ""},
		{"over on its last day", day(2024, 9, 30), ""},
		{"not over", day(2024, 8, 20), "数据截至2024年8月20日，本期尚未结束，以下数字只计至该日，不是本期的最终数字。"},
		{"data's end unknown", time.Time{}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := sampleInput()
			in.DataThrough = tc.through
			had := 0
			for _, u := range in.Units {
				if u.MoM["received"] != nil {
					had++
				}
			}
			wb := openBook(t, writeWith(t, in))
			for _, u := range in.Units {
				if u.MoM["received"] != nil {
					had--
				}
			}
			if had != 0 {
				t.Error("Write changed its input's 环比")
			}
			c := cell(t, wb, sheetSummary, st("C3"))
			if c.Value != tc.want {
				t.Errorf("C3 shows %q, want %q", c.Value, tc.want)
			}
			if tc.want != "" && !strings.HasPrefix(tc.want, transform.NotOverNote(tc.through)) {
				t.Errorf("the note does not open with transform.NotOverNote %q", transform.NotOverNote(tc.through))
			}
			// Part of a period is not set against a whole one: counts have no 环比 or 同比
			// while the period is not over; rates keep theirs.
			r := rowOf(t, wb, sheetSummary, "受理量")
			if tc.want != "" {
				wantText(t, wb, sheetSummary, fmt.Sprintf("C%d", r), "—")
				wantText(t, wb, sheetSummary, fmt.Sprintf("D%d", r), "—")
			} else {
				wantNumber(t, wb, sheetSummary, fmt.Sprintf("C%d", r), 0.125, changeFormat(unitPct, neutral))
			}
			r = rowOf(t, wb, sheetSummary, "按时办结率")
			wantNumber(t, wb, sheetSummary, fmt.Sprintf("C%d", r), 2.3, changeFormat(unitPoints, betterUp))
		})
	}
}

// TestNarrative evaluates the narrative's formula against the cells it reads, as
// tealeg formats them, and checks each number is the figure the words name.
func TestNarrative(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    Input
		opens string
	}{
		{"district", sampleInput(), "本季度全区共受理群众诉求12,345件，截至统计截止日已办结其中的95.6%（办结率）；" +
			"期内办结诉求11,800件（含此前受理的），其中按时办结的占92.5%（按时办结率）；" +
			"办结期限在期内的诉求中，按期办结的占90.5%（按期办结率）；截至统计截止日，超期未办结3件。" +
			"已评价的办结诉求中，群众满意率95.0%；综合得分88.2分（满分100分）。"},
		{"township", townshipInput(), "本季度全街道共受理群众诉求900件，截至统计截止日已办结其中的94.4%（办结率）；期内办结诉求850件"},
		{"not over", func() Input { in := sampleInput(); in.DataThrough = day(2024, 8, 20); return in }(),
			"数据截至2024年8月20日，本期尚未结束。本季度全区共受理群众诉求12,345件"},
		{"auditor copy", func() Input { in := sampleInput(); in.AuditorCopy = true; return in }(), "本季度全区共受理群众诉求12,345件"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "n.xlsx")
			if err := Write(path, tc.in); err != nil {
				t.Fatal(err)
			}
			wb := openBook(t, path)
			ref := st("A4")
			if tc.in.AuditorCopy {
				ref = st("A5")
			}
			c := cell(t, wb, sheetSummary, ref)
			if !strings.HasPrefix(c.Value, tc.opens) {
				t.Errorf("narrative shows %q, want it to open %q", c.Value, tc.opens)
			}
			got, names := evalNarrative(t, wb, c.Formula())
			// tealeg formats #,##0 without the separators.
			if strings.ReplaceAll(got, ",", "") != strings.ReplaceAll(c.Value, ",", "") {
				t.Errorf("formula gives\n%q\nbut the cell shows\n%q", got, c.Value)
			}
			want := []string{"受理量", "办结率", "办结量", "按时办结率", "按期办结率", "超期未办结", "满意率",
				"综合得分", "走访人次", "收集意见建议", "解决问题", "服务活动", "服务人次"}
			if !slices.Equal(names, want) {
				t.Errorf("narrative reads %v, want %v", names, want)
			}
		})
	}
}

var textRef = regexp.MustCompile(`^TEXT\(([A-Z]+[0-9]+),"([^"]*)"\)$`)

// evalNarrative computes a concatenation of "literals" and TEXT(ref,"format") from
// the cells of 概览, formatting each with tealeg and checking the format is the
// cell's own; it returns the text and the figure names (column A) of the cells.
func evalNarrative(t *testing.T, wb *xlsx.File, formula string) (string, []string) {
	t.Helper()
	var out strings.Builder
	var names []string
	for _, part := range splitConcat(formula) {
		if strings.HasPrefix(part, `"`) {
			out.WriteString(strings.ReplaceAll(part[1:len(part)-1], `""`, `"`))
			continue
		}
		m := textRef.FindStringSubmatch(part)
		if m == nil {
			t.Fatalf("narrative part %q is neither text nor TEXT(cell)", part)
		}
		c := cell(t, wb, sheetSummary, m[1])
		if c.Type() == xlsx.CellTypeNumeric {
			if c.GetNumberFormat() != m[2] {
				t.Errorf("%s is formatted %q, the narrative %q", m[1], c.GetNumberFormat(), m[2])
			}
			v, err := c.FormattedValue()
			if err != nil {
				t.Fatal(err)
			}
			out.WriteString(v)
		} else {
			out.WriteString(c.Value) // TEXT of text is the text: "—"
		}
		_, row, _ := xlsx.GetCoordsFromCellIDString(m[1])
		names = append(names, cell(t, wb, sheetSummary, fmt.Sprintf("A%d", row+1)).Value)
	}
	return out.String(), names
}

// splitConcat splits a formula at the & operators outside string literals.
func splitConcat(f string) []string {
	var parts []string
	start, quoted := 0, false
	for i := 0; i < len(f); i++ {
		switch f[i] {
		case '"':
			quoted = !quoted
		case '&':
			if !quoted {
				parts = append(parts, f[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, f[start:])
}

func TestWriteUnitSheets(t *testing.T) {
	wb := openBook(t, writeSample(t))
	defs := transform.FigureDefs()
	ref := func(id string, row int) string { // a figure's cell on the township sheet
		for i, d := range defs {
			if d.ID == id {
				return cellName(3+i, row+statRows)
			}
		}
		t.Fatalf("no figure %s", id)
		return ""
	}
	s := sheetTownships
	wantText(t, wb, s, st("A1"), terms.UnitCode)
	wantText(t, wb, s, st("C1"), defs[0].Name)
	wantText(t, wb, s, st("A2"), eastCode) // sorted by code
	wantText(t, wb, s, st("B2"), "东街街道")
	wantText(t, wb, s, st("B3"), "西湖镇")
	wantText(t, wb, s, st("B4"), "北山乡")
	wantText(t, wb, s, st("B5"), "全区")
	wantText(t, wb, s, st("A5"), districtCode)
	wantNumber(t, wb, s, ref("received", 2), 900, "#,##0")
	wantNumber(t, wb, s, ref("on_time_rate", 3), 0.95, "0.0%")
	wantNumber(t, wb, s, ref("received", 5), 12345, "#,##0")
	wantText(t, wb, s, ref("response_rate", 5), "—")

	s = sheetVillages
	for r, want := range [][3]string{
		{"320102001001", "东街街道", "东街社区"},
		{"320102001002", "东街街道", "南门社区"},
		{eastCode, "东街街道", subtotalOwn}, // 900 received, 500 of them in its villages
		{"320102002001", "西湖镇", "西街村"},
		{westCode, "西湖镇", subtotalOwn},
	} {
		for c, w := range want {
			wantText(t, wb, s, st(fmt.Sprintf("%c%d", 'A'+c, r+2)), w)
		}
	}
	// 南门社区 received nothing: counts are 0, rates have no value.
	wantNumber(t, wb, s, st("D3"), 0, "#,##0")
	wantText(t, wb, s, st("F3"), "—")
	wantText(t, wb, s, st("C7"), "全区") // the district's own row below the villages
	wantNumber(t, wb, s, st("D7"), 12345, "#,##0")
}

func TestWriteCases(t *testing.T) {
	wb := openBook(t, writeSample(t))
	s := sheetCases
	wantText(t, wb, s, "A1", "截至2024-09-30，超期未办结3件，逾期办结2件，共5件。按“情形”筛选即得各数。"+
		"各列均为截至2024-09-30的情况：其后才办结的诉求仍是超期未办结，办理状态为截止日所知，其办结日期另列于“截止日后办结日期”，"+
		"不计入本期任何指标。逾期工作日自办结期限次日起计至办结日（超期未办结的计至截止日），至少为1。")
	for ref, want := range map[string]string{"A2": "诉求编号", "B2": "情形", "C2": "乡镇（街道）", "D2": "承办单位",
		"I2": "办结日期", "J2": "办理状态", "K2": "逾期工作日", "L2": "截止日后\n办结日期", "M2": "代办", "P2": "诉求内容"} {
		wantText(t, wb, s, ref, want)
	}
	// District office first (no township), then 东街街道's cases by unit code and
	// receipt time, then 西湖镇. A case without a number names its file, sheet and row.
	for i, want := range []string{"HP2024090003", "（无编号）\nexports/东街街道/2024-09民情台账.xlsx\n工作表 9月\n第14行",
		ddeCaseNo, "HP2024080001", "HP2024070002"} {
		wantText(t, wb, s, fmt.Sprintf("A%d", i+3), want)
	}
	for i, want := range []string{"超期未办结", "超期未办结", "逾期办结", "超期未办结", "逾期办结"} {
		wantText(t, wb, s, fmt.Sprintf("B%d", i+3), want)
	}
	wantText(t, wb, s, "C3", "—") // a district office's case has no township
	wantText(t, wb, s, "C7", "西湖镇")
	wantText(t, wb, s, "D7", "西街村")
	wantText(t, wb, s, "F5", "+热线")
	wantTime(t, wb, s, "G7", at(2024, 7, 2, 9, 30), fmtDateTime)
	wantTime(t, wb, s, "H7", day(2024, 7, 5), fmtDate)
	wantTime(t, wb, s, "I7", at(2024, 7, 10, 0, 0), fmtDate)
	wantText(t, wb, s, "L7", "—") // closed late within the period
	// Open at the cutoff and closed since: as at the cutoff it is open, its status
	// then is shown, and its closure stands apart.
	wantText(t, wb, s, "I6", "—")
	wantText(t, wb, s, "J6", "办理中")
	wantTime(t, wb, s, "L6", at(2024, 10, 12, 0, 0), fmtDate)
	wantNumber(t, wb, s, "K6", 39, "#,##0")
	wantText(t, wb, s, "M6", "是")
	wantText(t, wb, s, "M7", "否")
	wantText(t, wb, s, "N7", "李*")
	wantText(t, wb, s, "O7", "139****0001")
	wantText(t, wb, s, "P7", "村口路灯坏了三个月，晚上出行不便，希望尽快修复。")
	wantText(t, wb, s, "P3", "—") // no description
	// Printed one page wide, the header rows repeated on every page.
	x := parts(t, writeSample(t))[sheetPart(t, wb, s)]
	for _, want := range []string{`fitToWidth="1"`, `fitToHeight="0"`} {
		if !strings.Contains(x, want) {
			t.Errorf("%s lacks %s", s, want)
		}
	}
}

func TestWriteSources(t *testing.T) {
	wb := openBook(t, writeSample(t))
	s := sheetSources
	// Titles in lines, each kept whole: a code is never broken.
	want := []string{"来源", "类型", "文件", "SHA-256\n前12位", "读取行数", "入库", "隔离合计",
		"隔离·\n日期无法识别\nBAD_DATE", "隔离·\n单位无法匹配\nUNKNOWN_UNIT", "跳过合计",
		"跳过·空行\nblank", "跳过·标题行\ntitle", "跳过·表头行\nheader", "跳过·合计行\ntotals",
		"核对\n读取＝入库\n＋隔离＋跳过"}
	for i, w := range want {
		wantText(t, wb, s, cellName(i+1, 1), w)
	}
	// Sorted by source name: hotline before village-ledgers.
	wantText(t, wb, s, "A2", "hotline")
	wantText(t, wb, s, "B2", "诉求件")
	wantText(t, wb, s, "D2", "3a7bd3e2360a")
	wantText(t, wb, s, "A3", "village-ledgers")
	for i, n := range []float64{130, 120, 3, 1, 2, 7, 4, 1, 1, 1} {
		wantNumber(t, wb, s, cellName(5+i, 3), n, "#,##0")
	}
	wantText(t, wb, s, "O2", "相符")
	wantText(t, wb, s, "O3", "相符")
	wantText(t, wb, s, "A4", "合计")
	wantNumber(t, wb, s, "E4", 12130, "#,##0")
	wantText(t, wb, s, "O4", "相符")
}

func TestWriteDefinitions(t *testing.T) {
	wb := openBook(t, writeSample(t))
	s := sheetDefinitions
	for i, d := range transform.FigureDefs() {
		wantText(t, wb, s, fmt.Sprintf("A%d", i+2), d.ID)
		wantText(t, wb, s, fmt.Sprintf("B%d", i+2), d.Name)
		wantText(t, wb, s, fmt.Sprintf("D%d", i+2), d.Definition)
	}
	r := rowOf(t, wb, s, "rules.partial_resolution_weight")
	wantText(t, wb, s, fmt.Sprintf("B%d", r), "0.5")
}

// TestWriteDeterministic: the same input gives the same bytes, so a republished
// report can be told apart from a changed one by its hash.
func TestWriteDeterministic(t *testing.T) {
	var sums [2][32]byte
	for i := range sums {
		b, err := os.ReadFile(writeSample(t))
		if err != nil {
			t.Fatal(err)
		}
		sums[i] = sha256.Sum256(b)
	}
	if sums[0] != sums[1] {
		t.Errorf("two writes differ: %x and %x", sums[0], sums[1])
	}
}

// TestFormulaTextStaysText checks that export text that looks like a formula is a
// string cell with the quote prefix set, and that plain text is not prefixed.
func TestFormulaTextStaysText(t *testing.T) {
	path := writeSample(t)
	wb := openBook(t, path)
	wantText(t, wb, sheetCases, "A5", ddeCaseNo)
	if f := cell(t, wb, sheetCases, "A5").Formula(); f != "" {
		t.Errorf("case number became formula %q", f)
	}
	quoted := quotePrefixed(t, path, sheetPart(t, wb, sheetCases))
	for ref, want := range map[string]bool{"A5": true, "F5": true, "A6": false, "D5": false} {
		if quoted[ref] != want {
			t.Errorf("%s!%s quote prefix = %v, want %v", sheetCases, ref, quoted[ref], want)
		}
	}
}

// quotePrefixed reads the raw parts (no reader exposes the flag): which cells of the
// worksheet part use a cell format with quotePrefix set.
func quotePrefixed(t *testing.T, path, part string) map[string]bool {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	read := func(name string, v any) {
		rc, err := zr.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		b, _ := io.ReadAll(rc)
		if err := xml.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	var styles struct {
		Xfs []struct {
			Quote string `xml:"quotePrefix,attr"`
		} `xml:"cellXfs>xf"`
	}
	read("xl/styles.xml", &styles)
	var ws struct {
		Cells []struct {
			Ref   string `xml:"r,attr"`
			Style int    `xml:"s,attr"`
		} `xml:"sheetData>row>c"`
	}
	read(part, &ws)
	out := map[string]bool{}
	for _, c := range ws.Cells {
		q := styles.Xfs[c.Style].Quote
		out[c.Ref] = q == "1" || q == "true"
	}
	return out
}

func TestPeriodLabel(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    transform.Period
		want string
	}{
		{"quarter", transform.Period{ID: "2024Q3", Kind: "quarter", Start: day(2024, 7, 1)}, "2024年第三季度"},
		{"first quarter", transform.Period{ID: "2025Q1", Kind: "quarter", Start: day(2025, 1, 1)}, "2025年第一季度"},
		{"month", transform.Period{ID: "2024-07", Kind: "month", Start: day(2024, 7, 1)}, "2024年7月"},
		{"year", transform.Period{ID: "2024", Kind: "year", Start: day(2024, 1, 1)}, "2024年度"},
		// 00:00 in Shanghai is the previous day in UTC; the label follows Shanghai.
		{"utc start", transform.Period{ID: "2024-10", Kind: "month", Start: day(2024, 10, 1).UTC()}, "2024年10月"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := periodLabel(tc.p)
			if err != nil || got != tc.want {
				t.Errorf("periodLabel = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	if _, err := periodLabel(transform.Period{ID: "x", Kind: "week"}); err == nil {
		t.Error("unknown period kind: want an error")
	}
}

func TestWriteRejectsIncompleteInput(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*Input)
		want   string
	}{
		{"no scope figures", func(in *Input) {
			in.Units = slices.DeleteFunc(in.Units, func(u transform.UnitFigures) bool { return u.Unit.Code == districtCode })
		}, "no figures for the scope"},
		{"village as scope", func(in *Input) { in.Scope = in.Units[0].Unit }, "is a village"},
		{"class without a figure", func(in *Input) { delete(in.Classes[2].Values, "on_time_rate") }, `class 补办件 has no entry for figure "on_time_rate"`},
		{"figure never computed", func(in *Input) { delete(in.Units[0].Values, "closed") }, `no entry for figure "closed"`},
		{"orphan village", func(in *Input) { in.Units[0].Unit.Parent = "320102009000" }, "is not a township"},
		{"duplicate unit", func(in *Input) { in.Units = append(in.Units, in.Units[0]) }, "appears twice"},
		{"unknown period kind", func(in *Input) { in.Period.Kind = "week" }, "unknown kind"},
		{"no cutoff", func(in *Input) { in.Period.Cutoff = time.Time{} }, "do not make a period"},
		{"not a number", func(in *Input) { in.Units[1].Values["avg_days"] = f64(math.NaN()) }, "is not a number"},
		{"case without receipt", func(in *Input) { in.Cases[1].ReceivedAt = time.Time{} }, "has no receipt time"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := sampleInput()
			tc.change(&in)
			err := Write(filepath.Join(t.TempDir(), "x.xlsx"), in)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Write = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestAccountCheck(t *testing.T) {
	for _, tc := range []struct {
		name string
		a    transform.SourceAccount
		want string
	}{
		{"adds up", transform.SourceAccount{Read: 10, Loaded: 7, Quarantined: 2, Skipped: 1,
			QuarantinedBy: map[string]int{"BAD_DATE": 2}, SkippedBy: map[string]int{"blank": 1}}, "相符"},
		{"rows missing", transform.SourceAccount{Read: 10, Loaded: 7}, "不符：差3行"},
		{"reasons short", transform.SourceAccount{Read: 3, Loaded: 1, Quarantined: 2,
			QuarantinedBy: map[string]int{"BAD_DATE": 1}}, "隔离分项之和不符"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := accountCheck(tc.a); got != tc.want {
				t.Errorf("accountCheck = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestExcelSerial(t *testing.T) {
	for _, tc := range []struct {
		t    time.Time
		want float64
	}{
		{day(2024, 7, 1), 45474},
		{at(2024, 7, 1, 9, 30), 45474 + 9.5/24},
		{at(2024, 8, 1, 10, 0), 45505 + 10.0/24},
		{day(2024, 7, 1).UTC(), 45474}, // the same instant in another zone
		{day(1900, 3, 1), 61},
	} {
		got := excelSerial(tc.t)
		if math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("excelSerial(%v) = %v, want %v", tc.t, got, tc.want)
		}
		// As written to the cell (15 digits), the time must not fall below the
		// minute, or a reader that floors shows the minute before.
		if w := fifteen(got); w < tc.want {
			t.Errorf("excelSerial(%v) is written as %v, below %v", tc.t, w, tc.want)
		}
	}
}

func TestTextWidth(t *testing.T) {
	for s, want := range map[string]float64{"abc": 3, "办结率": 6, "—": 2, "2024-07-01": 10, "一行\nlonger line": 11} {
		if got := textWidth(s); got != want {
			t.Errorf("textWidth(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestRenderSample writes the sample workbook to $MINQING_SAMPLE_XLSX for a look with
// reports/render.sh; it does nothing unless asked.
func TestRenderSample(t *testing.T) {
	path := os.Getenv("MINQING_SAMPLE_XLSX")
	if path == "" {
		t.Skip("set MINQING_SAMPLE_XLSX to write the sample workbook")
	}
	in := sampleInput()
	switch os.Getenv("MINQING_SAMPLE_SCOPE") {
	case "township":
		in = townshipInput()
	case "auditor":
		in.AuditorCopy = true
	case "district":
		// 本年累计, the quarter before, the 红黑榜 and alerts, as a department's config sets them
		in = ytdInput(t)
		in.Previous = withScores(in.Units, map[string]*float64{eastCode: f64(70), westCode: f64(80)})
		in.PreviousPeriod = transform.Period{ID: "2024Q2", Kind: "quarter", Start: day(2024, 4, 1), End: day(2024, 6, 30), Cutoff: day(2024, 6, 30)}
		in.HonourRoll = 3
		in.Alerts = map[string]float64{"on_time_rate": 0.92, "satisfaction_rate": 0.9}
	}
	if err := Write(path, in); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkWrite writes a large district: 20 townships, 400 villages and 20,000
// listed cases (a bad quarter in a big district).
func BenchmarkWrite(b *testing.B) {
	in := sampleInput()
	vals := in.Units[0].Values
	for t := range 20 {
		tc := fmt.Sprintf("320102%03d000", 100+t)
		in.Units = append(in.Units, transform.UnitFigures{Unit: transform.Unit{Code: tc, Name: fmt.Sprintf("第%d街道", t), Level: "township", Parent: districtCode}, Values: vals})
		for v := range 20 {
			vc := fmt.Sprintf("320102%03d%03d", 100+t, v+1)
			in.Units = append(in.Units, transform.UnitFigures{Unit: transform.Unit{Code: vc, Name: fmt.Sprintf("第%d社区", v), Level: "village", Parent: tc}, Values: vals})
		}
	}
	base := in.Cases[0]
	for i := range 20000 {
		c := base
		c.CaseKey = fmt.Sprintf("HP%010d", i)
		c.CaseNo = c.CaseKey
		c.UnitCode = fmt.Sprintf("320102%03d%03d", 100+i%20, i%20+1)
		c.ReceivedAt = c.ReceivedAt.Add(time.Duration(i) * time.Minute)
		in.Cases = append(in.Cases, c)
	}
	path := filepath.Join(b.TempDir(), "big.xlsx")
	for b.Loop() {
		if err := Write(path, in); err != nil {
			b.Fatal(err)
		}
	}
}
