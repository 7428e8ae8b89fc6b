package dashboards

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"html"
	"strings"
	"testing"
	"time"

	"github.com/minqing/minqing/transform"
)

func month(y, m int) transform.Period {
	start := time.Date(y, time.Month(m), 1, 0, 0, 0, 0, shanghai)
	end := start.AddDate(0, 1, -1)
	return transform.Period{ID: start.Format("2006-01"), Kind: "month", Start: start, End: end, Cutoff: end}
}

// treeSource is a district, two townships and a village each, with hostile text wherever
// a register or an export puts text: what Build reads.
type treeSource struct{ name string }

func (s treeSource) units() []transform.Unit {
	return []transform.Unit{
		{Code: "330199000000", Name: "和平区", Level: "district"},
		{Code: "330199001000", Name: s.name, Level: "township", Parent: "330199000000"},
		{Code: "330199002000", Name: "凤鸣镇", Level: "township", Parent: "330199000000"},
		{Code: "330199001001", Name: "西街村", Level: "village", Parent: "330199001000"},
		{Code: "330199002001", Name: "东岭村", Level: "village", Parent: "330199002000"},
	}
}

func (s treeSource) Units(context.Context) ([]transform.Unit, error) { return s.units(), nil }

func (s treeSource) Figures(context.Context, transform.Period) ([]transform.UnitFigures, error) {
	var out []transform.UnitFigures
	for i, u := range s.units() {
		out = append(out, transform.UnitFigures{Unit: u, Values: map[string]*float64{
			"received": f(float64(100 + i)), "score": f(float64(90 - i)), "overdue_open": f(float64(i))}})
	}
	return out, nil
}

func (s treeSource) Series(_ context.Context, code, kind string) ([]transform.PeriodFigures, error) {
	var out []transform.PeriodFigures
	for m := 1; m <= 12; m++ {
		out = append(out, transform.PeriodFigures{Period: month(2024, m), Values: map[string]*float64{
			"received": f(10), "on_time_rate": f(0.5 + float64(m)/100)}})
	}
	return out, nil
}

func (s treeSource) Breakdown(_ context.Context, _ transform.Period, _, dim string) ([]transform.BreakdownRow, error) {
	return []transform.BreakdownRow{{Value: s.name, Values: map[string]*float64{"received": f(3)}},
		{Value: "热线", Values: map[string]*float64{"received": f(7)}}}, nil
}

func (s treeSource) ProblemCases(_ context.Context, _ transform.Period, code string, clear bool) ([]transform.CaseRow, error) {
	return []transform.CaseRow{{CaseKey: "X", CaseNo: s.name, UnitName: s.name, Category: "承诺件", Overdue: true,
		ReceivedAt: time.Date(2024, 9, 2, 0, 0, 0, 0, shanghai), Citizen: "张*", Phone: "138****5678", Description: s.name}}, nil
}

func TestBuild(t *testing.T) {
	src := treeSource{name: "青石镇"}
	ctx := context.Background()
	in, err := Build(ctx, src, quarter(2024, 3), "330199001000", BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if in.Headline.Unit.Code != "330199001000" || len(in.Townships) != 1 || in.Townships[0].Unit.Code != "330199001001" {
		t.Errorf("a township's page ranks %v", in.Townships)
	}
	if len(in.Trend) != 9 || in.Trend[8].Period.ID != "2024-09" {
		t.Errorf("trend runs %d months to %v, want 9 to 2024-09", len(in.Trend), in.Trend[len(in.Trend)-1].Period.ID)
	}
	if d := in.Detail; len(d.Path) != 1 || d.Path[0].Code != "330199000000" || len(d.Heat) != 1 || d.ShowCases || d.Cases != nil {
		t.Errorf("detail: path %v, heat %d rows, cases %v %d", d.Path, len(d.Heat), d.ShowCases, len(d.Cases))
	}
	page := render(t, in, "/static/")
	for _, want := range []string{"<title>和平区 青石镇 2024年第三季度 民情工作看板</title>", "村（社区）综合得分排名", "月度趋势", "来源渠道", "诉求类型", "按时办结率（下级单位 × 月）"} {
		if !strings.Contains(page, want) {
			t.Errorf("township page lacks %q", want)
		}
	}
	if strings.Contains(page, "table class=\"cases\"") {
		t.Error("a page built without cases shows a case table")
	}
	opts := chartOptions(t, page)
	if n := len(opts); n != 6 {
		t.Fatalf("township page draws %d charts, want 6", n)
	}
	heat := opts[5]
	months := heat["xAxis"].([]any)[0].(map[string]any)["data"]
	if m, ok := months.([]any); !ok || len(m) != 9 || m[0] != "1月\n2024年" || m[8] != "9月" {
		t.Errorf("heat map columns = %v, want the months 1月 (2024年) to 9月", months)
	}
	rows := heat["yAxis"].([]any)[0].(map[string]any)["data"]
	if r, ok := rows.([]any); !ok || len(r) != 1 || r[0] != "西街村" {
		t.Errorf("heat map rows = %v, want the township's village", rows)
	}
	village, err := Build(ctx, src, quarter(2024, 3), "330199001001", BuildOptions{Cases: true})
	if err != nil {
		t.Fatal(err)
	}
	page = render(t, village, "/static/")
	if !strings.Contains(page, "<title>和平区 青石镇 西街村 2024年第三季度 民情工作看板</title>") {
		t.Error("a village page's title does not name its township")
	}
	if strings.Contains(page, "综合得分排名") || !strings.Contains(page, "按时办结率（本单位 × 月）") {
		t.Error("a village page ranks children it has not, or its heat map is not its own")
	}
	if !strings.Contains(page, "table class=\"cases\"") {
		t.Error("a page built with cases shows none")
	}
	if _, err := Build(ctx, src, quarter(2024, 3), "999", BuildOptions{}); !errors.Is(err, ErrUnknownUnit) {
		t.Errorf("an unknown unit: %v, want ErrUnknownUnit", err)
	}
}

// TestDetailKeepsTextAsData puts every hostile name where a register or an export puts
// text on a unit's page: titles, breadcrumbs, charts, tables and CSV.
func TestDetailKeepsTextAsData(t *testing.T) {
	for _, name := range append(hostileNames, "=cmd|' /C calc'!A0", "@SUM(1+1)") {
		t.Run(name, func(t *testing.T) {
			src := treeSource{name: name}
			in, err := Build(context.Background(), src, quarter(2024, 3), "330199001001", BuildOptions{Cases: true})
			if err != nil {
				t.Fatal(err)
			}
			in.Detail.Nav = &Nav{UnitHref: func(c string) string { return "/u/" + c }, CSVHref: func(c string) string { return "/csv/" + c }}
			page := render(t, in, "/static/")
			low := strings.ToLower(page)
			if n := strings.Count(low, "<script"); n != 2 {
				t.Errorf("page has %d <script tags, want 2", n)
			}
			if strings.Contains(page, "<b>粗</b>") || strings.Contains(page, "<!--") {
				t.Error("markup from the data reached the page")
			}
			if !strings.Contains(html.UnescapeString(page), name) {
				t.Error("the name is not on the page as text")
			}
			for _, chart := range []string{"channels", "cases"} {
				var b bytes.Buffer
				if err := WriteCSV(&b, in, chart); err != nil {
					t.Fatal(err)
				}
				rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b.Bytes(), []byte("\ufeff")))).ReadAll()
				if err != nil {
					t.Fatalf("%s CSV does not parse: %v", chart, err)
				}
				found := false
				for _, r := range rows {
					for _, cell := range r {
						if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
							t.Errorf("%s CSV: %q would run as a formula", chart, cell)
						}
						found = found || strings.TrimPrefix(cell, "'") == name
					}
				}
				if !found {
					t.Errorf("%s CSV lacks the name", chart)
				}
			}
		})
	}
}

func TestCSVRefusesOtherCharts(t *testing.T) {
	if err := WriteCSV(new(bytes.Buffer), sampleInput(), "heatmap"); !errors.Is(err, ErrNoSuchChart) {
		t.Errorf("a heat map of a page without one: %v", err)
	}
	in, err := Build(context.Background(), treeSource{name: "x"}, quarter(2024, 3), "", BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteCSV(new(bytes.Buffer), in, "cases"); !errors.Is(err, ErrNoSuchChart) {
		t.Errorf("cases of a page built without them: %v", err)
	}
}

// limitedSource lists 250 problem cases, and can read the first few of them.
type limitedSource struct {
	treeSource
	limitedReads *int
}

func (s limitedSource) ProblemCases(ctx context.Context, p transform.Period, code string, clear bool) ([]transform.CaseRow, error) {
	one, _ := s.treeSource.ProblemCases(ctx, p, code, clear)
	var out []transform.CaseRow
	for range 250 {
		out = append(out, one[0])
	}
	return out, nil
}

func (s limitedSource) ProblemCasesLimit(ctx context.Context, p transform.Period, code string, limit int) ([]transform.CaseRow, int, error) {
	*s.limitedReads++
	all, _ := s.ProblemCases(ctx, p, code, false)
	return all[:min(limit, len(all))], len(all), nil
}

// TestBuildLimitsCases: a page reads only the cases it shows and says how many more there
// are; without a limit the whole list is read.
func TestBuildLimitsCases(t *testing.T) {
	reads := 0
	src := limitedSource{treeSource{name: "青石镇"}, &reads}
	ctx := context.Background()
	in, err := Build(ctx, src, quarter(2024, 3), "330199001000", BuildOptions{Cases: true, CaseLimit: MaxCaseRows})
	if err != nil {
		t.Fatal(err)
	}
	if reads != 1 || len(in.Detail.Cases) != MaxCaseRows || in.Detail.CasesTotal != 250 {
		t.Fatalf("limited build: %d limited reads, %d cases of %d", reads, len(in.Detail.Cases), in.Detail.CasesTotal)
	}
	var page bytes.Buffer
	if err := Page(&page, in, "static/"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(page.String(), "另有 150 件未列出") {
		t.Error("the page does not say how many cases are not listed")
	}
	full, err := Build(ctx, src, quarter(2024, 3), "330199001000", BuildOptions{Cases: true})
	if err != nil {
		t.Fatal(err)
	}
	if reads != 1 || len(full.Detail.Cases) != 250 || full.Detail.CasesTotal != 250 {
		t.Errorf("unlimited build: %d limited reads, %d cases of %d", reads, len(full.Detail.Cases), full.Detail.CasesTotal)
	}
}
