package dashboards

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/minqing/minqing/internal/terms"
)

// detailOptions renders a township's page and returns its chart options by chart id,
// the phone layouts' base options in place of the wrappers.
func detailOptions(t *testing.T) map[string]map[string]any {
	t.Helper()
	in, err := Build(context.Background(), treeSource{name: "青石镇"}, quarter(2024, 3), "", BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	page := render(t, in, "static/")
	ids := regexp.MustCompile(`getElementById\("(chart-[a-z]+)"\)`).FindAllStringSubmatch(page, -1)
	opts := chartOptions(t, page)
	if len(ids) != len(opts) {
		t.Fatalf("%d chart ids for %d options", len(ids), len(opts))
	}
	out := map[string]map[string]any{}
	for i, o := range opts {
		if b, ok := o["baseOption"].(map[string]any); ok {
			o = b
		}
		out[ids[i][1]] = o
	}
	return out
}

func axes(o map[string]any, name string) []map[string]any {
	var out []map[string]any
	for _, a := range o[name].([]any) {
		out = append(out, a.(map[string]any))
	}
	return out
}

// TestBarsStartAtZero: every value axis that carries bars starts at 0, and the score's
// runs 0–100, so a bar's length is its value.
func TestBarsStartAtZero(t *testing.T) {
	opts := detailOptions(t)
	for _, tt := range []struct {
		chart, axis string
		max         any // nil: not fixed
	}{
		{"chart-ranking", "xAxis", 100.0},
		{"chart-channels", "xAxis", nil},
		{"chart-topics", "xAxis", nil},
		{"chart-classes", "yAxis", nil},
		{"chart-trend", "yAxis", nil}, // the count axis; the rate axis is of lines
	} {
		t.Run(tt.chart, func(t *testing.T) {
			o, ok := opts[tt.chart]
			if !ok {
				t.Fatalf("no %s on the page", tt.chart)
			}
			a := axes(o, tt.axis)[0]
			if a["type"] != "value" || a["min"] != 0.0 {
				t.Errorf("%s %s = %v, want a value axis from 0", tt.chart, tt.axis, a)
			}
			if tt.max != nil && a["max"] != tt.max {
				t.Errorf("%s %s runs to %v, want %v", tt.chart, tt.axis, a["max"], tt.max)
			}
		})
	}
}

// TestSeriesColours: the trend's series each have a colour of their own (the on-time line
// shares none), and no count bar wears the good or the bad colour.
func TestSeriesColours(t *testing.T) {
	trend := detailOptions(t)["chart-trend"]
	seen := map[string]string{}
	for _, s := range trend["series"].([]any) {
		s := s.(map[string]any)
		name := s["name"].(string)
		style, _ := s["itemStyle"].(map[string]any)
		c, _ := style["color"].(string)
		if c == "" {
			t.Errorf("series %s has no colour of its own (the palette would decide)", name)
			continue
		}
		if other, ok := seen[strings.ToUpper(c)]; ok {
			t.Errorf("series %s and %s share the colour %s", name, other, c)
		}
		seen[strings.ToUpper(c)] = name
		if strings.EqualFold(c, goodColour) || strings.EqualFold(c, badColour) {
			t.Errorf("series %s wears %s, the colour of good or bad news", name, c)
		}
		if name == "按时办结率" {
			if ls, _ := s["lineStyle"].(map[string]any); ls == nil || !strings.EqualFold(ls["color"].(string), c) {
				t.Errorf("the on-time line is drawn in %v, not its own colour %s", s["lineStyle"], c)
			}
		}
	}
	if len(seen) != 4 {
		t.Errorf("%d coloured series, want 4", len(seen))
	}
}

// TestColoursAgreeWithWorkbook: the page marks the better and the worse in the colours
// the workbook's change formats use (reports/style.go, read as text: dashboards must not
// import reports).
func TestColoursAgreeWithWorkbook(t *testing.T) {
	src, err := os.ReadFile("../reports/style.go")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`case betterUp:\s*up, down = "\[(\w+)\]", "\[(\w+)\]"`).FindSubmatch(src)
	if m == nil {
		t.Fatal("reports/style.go no longer sets its good and bad colours in changeFormat as this test reads them: align the dashboard's by hand and update the test")
	}
	excel := map[string]string{"Blue": "#0000FF", "Red": "#FF0000", "Green": "#00FF00"}
	if got, want := goodColour, excel[string(m[1])]; got != want {
		t.Errorf("the page's good colour is %s, the workbook's [%s] is %s", got, m[1], want)
	}
	if got, want := badColour, excel[string(m[2])]; got != want {
		t.Errorf("the page's bad colour is %s, the workbook's [%s] is %s", got, m[2], want)
	}
	page := render(t, sampleInput(), "static/")
	if !strings.Contains(page, "--good: "+goodColour+";") || !strings.Contains(page, "--bad: "+badColour+";") {
		t.Error("the page's style does not set --good and --bad to the shared colours")
	}
	heat := detailOptions(t)["chart-heat"]
	colours := heat["visualMap"].([]any)[0].(map[string]any)["inRange"].(map[string]any)["color"].([]any)
	if colours[0] != badTint || colours[len(colours)-1] != goodTint {
		t.Errorf("the heat map runs %v, want from the bad tint to the good", colours)
	}
}

// TestDefinitionsOnPage: every card and every chart panel of a unit's page carries its
// figures' definitions in a <details> a tap opens, not only in a title.
func TestDefinitionsOnPage(t *testing.T) {
	in, err := Build(context.Background(), treeSource{name: "青石镇"}, quarter(2024, 3), "", BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	page := render(t, in, "static/")
	cards := strings.Count(page, `<div class="card"`)
	defs := strings.Count(page, `<details class="def"><summary>口径</summary>`)
	// The trend, classes, channels, topics, heat map and overdue panels; the ranking
	// states its definition in its note.
	if want := cards + 6; defs != want || cards != len(headlineFigures) {
		t.Errorf("%d definitions for %d cards, want %d", defs, cards, want)
	}
	for _, want := range []string{"<dt>按时办结率</dt><dd>期内办结且办结期限可计算的诉求中", "<dt>超期未办结</dt>"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks the definition %q", want)
		}
	}
}

// TestNoRetiredTerms: no heading, table header, card name or CSV header of a unit's page
// (built with the auditors' case list) is a variant terms retires.
func TestNoRetiredTerms(t *testing.T) {
	in, err := Build(context.Background(), treeSource{name: "青石镇"}, quarter(2024, 3), "330199001000", BuildOptions{Cases: true})
	if err != nil {
		t.Fatal(err)
	}
	page := render(t, in, "static/")
	var labels []string
	for _, m := range regexp.MustCompile(`<(th|h2|dt|summary|span class="kind")[^>]*>([^<]*)`).FindAllStringSubmatch(page, -1) {
		labels = append(labels, strings.TrimSpace(m[2]))
	}
	if len(labels) < 20 {
		t.Fatalf("only %d labels found: %q", len(labels), labels)
	}
	for _, chart := range Charts {
		var b bytes.Buffer
		if err := WriteCSV(&b, in, chart); err != nil {
			t.Fatal(err)
		}
		header, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b.Bytes(), []byte("\ufeff")))).Read()
		if err != nil {
			t.Fatalf("%s CSV: %v", chart, err)
		}
		labels = append(labels, header...)
	}
	for _, l := range labels {
		if to, ok := terms.Retired[l]; ok {
			t.Errorf("the page or a CSV says %q, retired for %q", l, to)
		}
	}
}
