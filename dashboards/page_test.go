package dashboards

import (
	"bytes"
	"encoding/json"
	"errors"
	"html"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/minqing/minqing/transform"
)

func render(t *testing.T, in Input, base string) string {
	t.Helper()
	var b bytes.Buffer
	if err := Page(&b, in, base); err != nil {
		t.Fatalf("Page: %v", err)
	}
	return b.String()
}

// chartOptions reads the option of every chart back out of the page, as the browser does:
// the argument of JSON.parse is a string literal holding the option's JSON text.
func chartOptions(t *testing.T, page string) []map[string]any {
	t.Helper()
	const marker = "JSON.parse("
	var out []map[string]any
	for rest := page; ; {
		i := strings.Index(rest, marker)
		if i < 0 {
			break
		}
		rest = rest[i+len(marker):]
		var text string
		if err := json.NewDecoder(strings.NewReader(rest)).Decode(&text); err != nil {
			t.Fatalf("reading the string passed to JSON.parse: %v\n%.200s", err, rest)
		}
		var o map[string]any
		if err := json.Unmarshal([]byte(text), &o); err != nil {
			t.Fatalf("parsing chart option: %v\n%.200s", err, text)
		}
		out = append(out, o)
	}
	return out
}

// hasString reports whether s occurs as a whole string anywhere in v.
func hasString(v any, s string) bool {
	switch v := v.(type) {
	case string:
		return v == s
	case []any:
		for _, e := range v {
			if hasString(e, s) {
				return true
			}
		}
	case map[string]any:
		for _, e := range v {
			if hasString(e, s) {
				return true
			}
		}
	}
	return false
}

var attrURL = regexp.MustCompile(`(?i)\b(?:src|href|action|poster|srcset)\s*=\s*["']?([^"'\s>]*)`)

func TestPageReferencesNoHost(t *testing.T) {
	for _, base := range []string{"static/", "/static/"} {
		t.Run(base, func(t *testing.T) {
			page := render(t, sampleInput(), base)
			for _, bad := range []string{"http://", "https://", "@import", "url(", "<link", "<iframe", "<img"} {
				if strings.Contains(strings.ToLower(page), bad) {
					t.Errorf("page contains %q", bad)
				}
			}
			scripts := regexp.MustCompile(`<script\b[^>]*\bsrc="([^"]*)"`).FindAllStringSubmatch(page, -1)
			if len(scripts) != 1 || scripts[0][1] != base+"echarts.min.js" {
				t.Errorf("script sources = %q, want one, %q", scripts, base+"echarts.min.js")
			}
			for _, m := range attrURL.FindAllStringSubmatch(page, -1) {
				if strings.Contains(m[1], "//") || strings.Contains(m[1], ":") {
					t.Errorf("attribute %q points away from the page's own files", m[0])
				}
			}
		})
	}
}

func TestPageRefusesExternalAssets(t *testing.T) {
	tests := []struct {
		base     string
		external bool
	}{
		{"https://cdn.example.com/echarts/", true},
		{"http://10.0.0.1/static/", true},
		{"//cdn.example.com/", true},
		{"javascript:alert(1)//", true},
		{`\\fileserver\share/`, true},
		{"static", false},
	}
	for _, tt := range tests {
		t.Run(tt.base, func(t *testing.T) {
			var b bytes.Buffer
			err := Page(&b, sampleInput(), tt.base)
			if err == nil {
				t.Fatal("Page accepted the base")
			}
			if errors.Is(err, ErrExternalAssets) != tt.external {
				t.Errorf("errors.Is(err, ErrExternalAssets) = %v, want %v: %v", !tt.external, tt.external, err)
			}
			if b.Len() != 0 {
				t.Errorf("Page wrote %d bytes before failing", b.Len())
			}
		})
	}
}

func TestPageRefusesIncompleteInput(t *testing.T) {
	noName := sampleInput()
	noName.District.Name = " "
	noPeriod := sampleInput()
	noPeriod.Period.ID = ""
	for name, in := range map[string]Input{"no district name": noName, "no period": noPeriod} {
		t.Run(name, func(t *testing.T) {
			if err := Page(new(bytes.Buffer), in, "static/"); err == nil {
				t.Error("Page accepted the input")
			}
		})
	}
}

func TestPageContent(t *testing.T) {
	page := render(t, sampleInput(), "static/")
	// html/template writes some characters as references (+ as &#43;): compare the text.
	text := html.UnescapeString(page)
	for _, want := range []string{
		"<title>和平区 2024年第三季度 民情工作看板</title>",
		"<h1>和平区 2024年第三季度 民情工作看板</h1>",
		"统计截止 2024年9月30日",
		"受理量", "办结量", "办结率", "按时办结率", "按期办结率", "超期未办结", "满意率", "走访人次",
		">1,432<", ">96.3%<", ">12,345<",
		"环比 <b>+4.1%</b>",                // a count changes in percent
		"同比 <b>+2.8个百分点</b>",             // a rate in points
		`class="down good">环比 <b>-15.0%`, // fewer overdue cases is good news
		"环比 <b>—</b>",                    // visit_persons has no MoM
		"<li>北市场街道<span class=\"why\">（本期无到期诉求件）</span></li>", // nil score: listed apart, with why
	} {
		if !strings.Contains(text, want) {
			t.Errorf("page lacks %q", want)
		}
	}

	opts := chartOptions(t, page)
	if len(opts) != 3 {
		t.Fatalf("found %d chart options, want 3", len(opts))
	}
	trend, ranking, classes := opts[0]["baseOption"].(map[string]any), opts[1], opts[2]
	if opts[0]["media"] == nil {
		t.Error("trend has no phone layout (media)")
	}
	if got := len(trend["series"].([]any)); got != 4 {
		t.Errorf("trend has %d series, want 4", got)
	}
	sat := trend["series"].([]any)[3].(map[string]any)
	if sat["name"] != "满意率" || sat["yAxisIndex"] != 1.0 {
		t.Errorf("satisfaction series = %v, want 满意率 on the second axis", sat)
	}
	if first := sat["data"].([]any)[0].(map[string]any)["value"]; first != "-" {
		t.Errorf("a nil rate is drawn as %v, want a gap (\"-\")", first)
	}
	names := ranking["yAxis"].([]any)[0].(map[string]any)["data"].([]any)
	want := []any{"新华街道", "太原街街道", "长白街道", "南市场街道", "浑河站西街道"}
	if !equal(names, want) {
		t.Errorf("ranking = %v, want %v (nil score left out)", names, want)
	}
	classNames := classes["xAxis"].([]any)[0].(map[string]any)["data"].([]any)
	if !equal(classNames, []any{"即办件", "承诺件", "补办件", "上报件", "建议件"}) {
		t.Errorf("classes = %v, want domain.md's order", classNames)
	}
}

func TestPageWithNothingToDraw(t *testing.T) {
	in := sampleInput()
	in.Trend, in.Classes = nil, nil
	for i := range in.Townships {
		in.Townships[i].Values["score"] = nil
	}
	page := render(t, in, "static/")
	if n := strings.Count(page, "暂无数据"); n != 3 {
		t.Errorf("page says 暂无数据 %d times, want 3", n)
	}
	if n := len(chartOptions(t, page)); n != 0 {
		t.Errorf("page draws %d charts with no data, want none", n)
	}
	if n := strings.Count(page, "<li>"); n != len(in.Townships) {
		t.Errorf("page lists %d units apart, want all %d", n, len(in.Townships))
	}
}

func equal(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// hostileNames are unit names a citizen-service export could carry, typed in by anyone.
var hostileNames = []string{
	`</script><script>alert(1)</script>`,
	`__f__function(){alert(1)}__f__`,
	`"双引号" '单引号' ` + "`反引号`" + ` \反斜杠\ &amp; <b>粗</b>`,
	"<!-- <script> 注释",
	"行分隔\u2028段分隔\u2029结束",
	"{a}{b}{c} 模板",
}

func TestPageKeepsTextAsData(t *testing.T) {
	for _, name := range hostileNames {
		for _, place := range []string{"ranked township", "unranked township", "class", "district"} {
			t.Run(place+"/"+name, func(t *testing.T) {
				in := sampleInput()
				switch place {
				case "ranked township":
					in.Townships[1].Unit.Name = name
				case "unranked township":
					in.Townships[3].Unit.Name = name
				case "class":
					in.Classes[0].Value = name
				case "district":
					in.District.Name = name
				}
				page := render(t, in, "static/")

				if strings.Contains(page, "</script><script>alert") {
					t.Fatal("page contains a raw </script><script>alert")
				}
				if n := strings.Count(strings.ToLower(page), "<script"); n != 2 {
					t.Errorf("page has %d <script tags, want 2", n)
				}
				if n := strings.Count(strings.ToLower(page), "</script"); n != 2 {
					t.Errorf("page has %d </script, want 2", n)
				}
				if strings.Contains(page, "<!--") {
					t.Error("page contains a raw <!--, which changes how a script is parsed")
				}

				switch place {
				case "ranked township", "class":
					found := false
					for _, o := range chartOptions(t, page) {
						found = found || hasString(o, name)
					}
					if !found {
						t.Errorf("name %q not found intact in the chart options", name)
					}
				case "unranked township":
					items := regexp.MustCompile(`<li>(.*?)<span class="why">`).FindAllStringSubmatch(page, -1)
					if len(items) != 1 || html.UnescapeString(items[0][1]) != name {
						t.Errorf("unranked list = %q, want the name %q escaped", items, name)
					}
				case "district":
					title := regexp.MustCompile(`<title>(.*?)</title>`).FindStringSubmatch(page)
					if title == nil || html.UnescapeString(title[1]) != name+" 2024年第三季度 民情工作看板" {
						t.Errorf("title = %q, want the name %q escaped", title, name)
					}
				}
			})
		}
	}
}

func TestWriteIsDeterministic(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	pa, err := Write(a, sampleInput())
	if err != nil {
		t.Fatal(err)
	}
	if pa != filepath.Join(a, "index.html") {
		t.Errorf("Write returned %q, want %q", pa, filepath.Join(a, "index.html"))
	}
	// A second write over the first must replace it, not fail or append.
	for _, dir := range []string{b, b} {
		if _, err := Write(dir, sampleInput()); err != nil {
			t.Fatal(err)
		}
	}
	files := 0
	err = filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		rel, _ := filepath.Rel(a, p)
		x, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		y, err := os.ReadFile(filepath.Join(b, rel))
		if err != nil {
			return err
		}
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two writes of the same input", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"index.html", "static/echarts.min.js", "static/LICENSE", "static/NOTICE", "static/LICENSE-d3", "static/LICENSE-zrender"}
	if files != len(want) {
		t.Errorf("Write wrote %d files, want %d", files, len(want))
	}
	for _, name := range want {
		if _, err := os.Stat(filepath.Join(b, filepath.FromSlash(name))); err != nil {
			t.Errorf("missing %s: %v", name, err)
		}
	}
	leftovers, _ := filepath.Glob(filepath.Join(b, "static", ".*tmp*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}

	first := render(t, sampleInput(), "static/")
	for range 20 {
		if render(t, sampleInput(), "static/") != first {
			t.Fatal("two renders of the same input differ")
		}
	}
}

func TestStatic(t *testing.T) {
	js, err := fs.ReadFile(Static(), "echarts.min.js")
	if err != nil {
		t.Fatal(err)
	}
	if len(js) < 500_000 || !bytes.Contains(js, []byte("echarts")) {
		t.Errorf("echarts.min.js is %d bytes and does not look like ECharts", len(js))
	}
	// go-echarts targets ECharts 5; ECharts 6 changed option defaults.
	if !regexp.MustCompile(`version\s*=\s*"5\.`).Match(js) && !bytes.Contains(js, []byte(`"5.6.0"`)) {
		t.Error("echarts.min.js is not ECharts 5")
	}
	lic, err := fs.ReadFile(Static(), "LICENSE")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(lic, []byte("Apache License")) {
		t.Error("LICENSE is not the Apache licence")
	}
}

func TestSplitRanking(t *testing.T) {
	units := []transform.UnitFigures{
		township("3", "丙", f(80)),
		township("1", "甲", f(90)),
		township("2", "乙", f(90)),
		township("5", "戊", nil),
		township("4", "丁", nil),
	}
	ranked, unranked := splitRanking(units)
	var got []string
	for _, r := range ranked {
		got = append(got, r.Name)
	}
	if strings.Join(got, ",") != "甲,乙,丙" {
		t.Errorf("ranked = %v, want 甲,乙,丙 (ties by code)", got)
	}
	if len(unranked) != 2 || unranked[0].Name != "丁" || unranked[1].Name != "戊" {
		t.Errorf("unranked = %v, want 丁, 戊", unranked)
	}
}

// TestScoreWeightsOnPage: the ranking note states the weights in force, not the defaults.
func TestScoreWeightsOnPage(t *testing.T) {
	in := sampleInput()
	in.Weights = map[string]float64{"response_rate": 0.2, "resolution_rate": 0.4, "satisfaction_rate": 0.4}
	var b strings.Builder
	if err := Page(&b, in, "static/"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "响应率20%、解决率40%、满意率40%") {
		t.Error("the page does not state the configured weights")
	}
}
