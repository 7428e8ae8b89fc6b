package dashboards

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/minqing/minqing/transform"
)

var update = flag.Bool("update", false, "rewrite the golden files from what the code writes now")

// siteSource is unitSource's district over 2023 and the first quarter of 2024, data up to
// 15 February 2024: 2024Q1 and 2024 are not over. No case counts in 2023Q1 (none
// received, closed or overdue: transform.HasCases), so it is not written.
type siteSource struct{ *unitSource }

var siteThrough = time.Date(2024, 2, 15, 0, 0, 0, 0, shanghai)

func (s siteSource) DataThrough(context.Context) (time.Time, error) { return siteThrough, nil }

func (s siteSource) Series(ctx context.Context, code, kind string) ([]transform.PeriodFigures, error) {
	if out, ok := siteSeries(kind); ok {
		return out, nil
	}
	return s.unitSource.Series(ctx, code, kind)
}

// siteSeries is the district's quarters and years; false for months.
func siteSeries(kind string) ([]transform.PeriodFigures, bool) {
	received := func(v float64) map[string]*float64 {
		return map[string]*float64{"received": f(v), "closed": f(v * 1.5)}
	}
	switch kind {
	case "quarter":
		var out []transform.PeriodFigures
		for i, q := range [][2]int{{2023, 1}, {2023, 2}, {2023, 3}, {2023, 4}, {2024, 1}} {
			out = append(out, transform.PeriodFigures{Period: quarter(q[0], q[1]), Values: received(float64(i * 10))})
		}
		return out, true
	case "year":
		return []transform.PeriodFigures{
			{Period: year(2023), Values: received(60)},
			{Period: year(2024), Values: received(40)},
		}, true
	}
	return nil, false
}

// bulkSiteSource is siteSource read every unit at once.
type bulkSiteSource struct{ *bulkUnitSource }

func (s bulkSiteSource) DataThrough(context.Context) (time.Time, error) { return siteThrough, nil }

func (s bulkSiteSource) Series(ctx context.Context, code, kind string) ([]transform.PeriodFigures, error) {
	if out, ok := siteSeries(kind); ok {
		return out, nil
	}
	return s.bulkUnitSource.Series(ctx, code, kind)
}

// TestWriteOfflineReadsOnce: from a bulk source the monthly series of every unit is read
// once for all the periods (it does not depend on the period), the breakdowns once per
// period, nothing unit by unit; and the files are those a per-unit source gives.
func TestWriteOfflineReadsOnce(t *testing.T) {
	src := bulkSiteSource{&bulkUnitSource{limitingUnitSource: limitingUnitSource{&unitSource{}}}}
	bulkDir, perDir := t.TempDir(), t.TempDir()
	o := OfflineOptions{Default: quarter(2023, 4)}
	if _, err := WriteOffline(context.Background(), bulkDir, src, o); err != nil {
		t.Fatal(err)
	}
	if want := 1 + len(pageDims)*len(sitePeriods); src.bulk != want || src.perUnit != 0 {
		t.Errorf("%d bulk and %d per-unit reads, want %d and 0", src.bulk, src.perUnit, want)
	}
	if _, err := WriteOffline(context.Background(), perDir, siteSource{&unitSource{}}, o); err != nil {
		t.Fatal(err)
	}
	for _, p := range append([]string{"index.html"}, filepath.Join("2023Q4", "330199001000.html"), filepath.Join("2024", "330199000000.html")) {
		a, errA := os.ReadFile(filepath.Join(bulkDir, p))
		b, errB := os.ReadFile(filepath.Join(perDir, p))
		if errA != nil || errB != nil || !bytes.Equal(a, b) {
			t.Errorf("%s differs between a bulk and a per-unit source (%v, %v)", p, errA, errB)
		}
	}
}

func year(y int) transform.Period {
	start := time.Date(y, 1, 1, 0, 0, 0, 0, shanghai)
	end := start.AddDate(1, 0, -1)
	return transform.Period{ID: fmt.Sprint(y), Kind: "year", Start: start, End: end, Cutoff: end}
}

// sitePeriods are the folders WriteOffline writes for siteSource.
var sitePeriods = []string{"2024Q1", "2023Q4", "2023Q3", "2023Q2", "2024", "2023"}

func writeSite(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	index, err := WriteOffline(context.Background(), dir, siteSource{&unitSource{}}, OfflineOptions{Default: quarter(2023, 4)})
	if err != nil {
		t.Fatal(err)
	}
	if index != filepath.Join(dir, "index.html") {
		t.Errorf("WriteOffline returned %q, want index.html in %q", index, dir)
	}
	return dir
}

// serverOnly is markup that works only with a server behind the page: a form posts
// somewhere, a selector submits a query, a session's user and logout.
var serverOnly = []string{"<form", "<select", "<input", "<button", "退出", "logout", "csrf", "name=\"period\"", "?period=", "class=\"who\"", "数据更新于"}

// TestWriteOffline: every period with cases, a page per unit in each, no control that
// needs a server, and every link of every page (attributes and the drill-down hrefs of
// the charts) resolving to a written file.
func TestWriteOffline(t *testing.T) {
	dir := writeSite(t)
	var folders []string
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() && e.Name() != "static" {
			folders = append(folders, e.Name())
		}
	}
	want := slices.Clone(sitePeriods)
	slices.Sort(want)
	if !slices.Equal(folders, want) {
		t.Errorf("period folders = %v, want %v (no case counts in 2023Q1)", folders, want)
	}
	href := regexp.MustCompile(`(?:href|src)="([^"]*)"`)
	drill := regexp.MustCompile(`drill\(chart, (\[[^\]]*\])`)
	pages := 0
	err = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".html") {
			return err
		}
		pages++
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		page := string(b)
		rel, _ := filepath.Rel(dir, path)
		for _, bad := range serverOnly {
			if strings.Contains(page, bad) {
				t.Errorf("%s carries %q, which needs a server", rel, bad)
			}
		}
		var links []string
		for _, m := range href.FindAllStringSubmatch(page, -1) {
			links = append(links, html.UnescapeString(m[1]))
		}
		for _, m := range drill.FindAllStringSubmatch(page, -1) {
			for _, h := range regexp.MustCompile(`"([^"]*)"`).FindAllStringSubmatch(m[1], -1) {
				if h[1] != "" {
					links = append(links, h[1])
				}
			}
		}
		if len(links) < 3 {
			t.Errorf("%s has %d links", rel, len(links))
		}
		for _, l := range links {
			if strings.Contains(l, ":") || strings.HasPrefix(l, "/") || strings.Contains(l, "?") {
				t.Errorf("%s links %q: not a relative path to a file", rel, l)
				continue
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(path), filepath.FromSlash(l))); err != nil {
				t.Errorf("%s links %q, which was not written", rel, l)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := len(sitePeriods)*len(unitSourceUnits) + 1; pages != want {
		t.Errorf("%d pages written, want %d (every unit in every period, and index.html)", pages, want)
	}
}

// TestOfflinePeriodList: each page lists every written period, its own marked and not a
// link, the others linking the same unit's page; periods not over in the data say so in
// the list and in the header, with the data's end date.
func TestOfflinePeriodList(t *testing.T) {
	dir := writeSite(t)
	item := regexp.MustCompile(`<a href="([^"]*)">([^<]*)</a>|<span class="current" aria-current="page">([^<]*)</span>`)
	labels := map[string]string{"2024Q1": "2024年第一季度（未结束）", "2023Q4": "2023年第四季度", "2023Q3": "2023年第三季度",
		"2023Q2": "2023年第二季度", "2024": "2024年（未结束）", "2023": "2023年"}
	note := transform.NotOverNote(siteThrough)
	for _, p := range sitePeriods {
		for _, u := range unitSourceUnits {
			name := filepath.Join(p, u.Code+".html")
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			list := regexp.MustCompile(`(?s)<div class="periods" id="period-list">(.*?)</div>`).FindSubmatch(b)
			if list == nil {
				t.Fatalf("%s has no period list", name)
			}
			var got []string
			for _, m := range item.FindAllStringSubmatch(string(list[1]), -1) {
				if m[3] != "" {
					got = append(got, "*"+m[3])
				} else {
					got = append(got, m[1]+" "+m[2])
				}
			}
			var want []string
			for _, q := range sitePeriods {
				if q == p {
					want = append(want, "*"+labels[q])
				} else {
					want = append(want, "../"+q+"/"+u.Code+".html "+labels[q])
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s lists\n%q\nwant\n%q", name, got, want)
			}
			notOver := p == "2024Q1" || p == "2024"
			if has := bytes.Contains(b, []byte(`<p class="notover" id="not-over">`+note+`</p>`)); has != notOver {
				t.Errorf("%s says %q: %v, want %v", name, note, has, notOver)
			}
		}
	}
}

// TestOfflineGolden holds the head of the offline index.html (title, header, period list,
// the cards with their definitions) to a golden file: go test -run TestOfflineGolden
// -update rewrites it, to be read as a diff.
func TestOfflineGolden(t *testing.T) {
	dir := writeSite(t)
	b, err := os.ReadFile(filepath.Join(dir, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	start, end := strings.Index(page, "<body>"), strings.Index(page, `<div class="warning"`)
	if start < 0 || end < start {
		t.Fatal("index.html has no body or no cards")
	}
	got := page[start:end]
	golden := filepath.Join("testdata", "offline-index-head.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("index.html's head differs from %s; rerun with -update and read the diff\n got:\n%s", golden, got)
	}
}

// TestServedPageKeepsControls: a served page (a Nav with the viewer, periods and
// downloads) keeps its selector, downloads and logout; a page with none of them shows no
// bar at all.
func TestServedPageKeepsControls(t *testing.T) {
	in, err := Build(context.Background(), treeSource{name: "青石镇"}, quarter(2024, 3), "", BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	in.Detail.Nav = &Nav{
		UnitHref: func(c string) string { return "/u/" + c }, Downloads: []Link{{Label: "指标数据（Arrow）", Href: "/u/x/figures.arrow"}},
		Periods: []PeriodChoice{{ID: "2024Q3", Label: "2024年第三季度", Selected: true}, {ID: "2024Q2", Label: "2024年第二季度"}},
		User:    "lead", Role: "leader", LogoutAction: "/logout", CSRF: "tok",
	}
	page := render(t, in, "/static/")
	for _, want := range []string{`<select name="period" id="period">`, `<option value="2024Q3" selected>`, "指标数据（Arrow）", "lead（领导）", `action="/logout"`, "退出"} {
		if !strings.Contains(page, want) {
			t.Errorf("served page lacks %q", want)
		}
	}
	in.Detail.Nav = &Nav{UnitHref: func(c string) string { return c + ".html" }}
	page = render(t, in, "static/")
	if strings.Contains(page, `<nav class="bar">`) {
		t.Error("a page with no controls shows the bar")
	}
	for _, bad := range serverOnly {
		if strings.Contains(page, bad) {
			t.Errorf("a written page carries %q", bad)
		}
	}
}

// TestNotOverNote: the header says a period is not over exactly when the data ends before
// the period does.
func TestNotOverNote(t *testing.T) {
	q := quarter(2024, 4)
	tests := []struct {
		name    string
		through time.Time
		want    string
	}{
		{"data ends inside the quarter", time.Date(2024, 10, 8, 0, 0, 0, 0, shanghai), "数据截至2024年10月8日，本期尚未结束"},
		{"data ends on its last day", time.Date(2024, 12, 31, 0, 0, 0, 0, shanghai), ""},
		{"data runs past it", time.Date(2025, 2, 9, 0, 0, 0, 0, shanghai), ""},
		{"the end is not known", time.Time{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := sampleInput()
			in.Period, in.DataThrough = q, tt.through
			page := render(t, in, "static/")
			m := regexp.MustCompile(`<p class="notover" id="not-over">([^<]*)</p>`).FindStringSubmatch(page)
			got := ""
			if m != nil {
				got = m[1]
			}
			if got != tt.want {
				t.Errorf("header says %q, want %q", got, tt.want)
			}
			// a count of part of a period is not set against a whole one; a rate is
			card := regexp.MustCompile(`(?s)<dt>受理量</dt>.*?<dd class="changes">(.*?)</dd>`).FindStringSubmatch(page)
			rate := regexp.MustCompile(`(?s)<dt>办结率</dt>.*?<dd class="changes">(.*?)</dd>`).FindStringSubmatch(page)
			if card == nil || rate == nil {
				t.Fatal("no 受理量 or 办结率 card on the page")
			}
			if blank := strings.Count(card[1], "<b>—</b>") == 2; blank != (tt.want != "") {
				t.Errorf("受理量's changes blank = %v on a page whose header says %q: %s", blank, tt.want, card[1])
			}
			if strings.Count(rate[1], "<b>—</b>") == 2 {
				t.Errorf("办结率's changes are blank: %s", rate[1])
			}
		})
	}
}

// TestBuildReadsDataThrough: Build and BuildAll take the data's end from a source that
// knows it, and leave it zero for one that does not.
func TestBuildReadsDataThrough(t *testing.T) {
	ctx := context.Background()
	in, err := Build(ctx, siteSource{&unitSource{}}, quarter(2024, 1), "", BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	all, err := BuildAll(ctx, siteSource{&unitSource{}}, quarter(2024, 1), BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !in.DataThrough.Equal(siteThrough) || !all[0].DataThrough.Equal(siteThrough) {
		t.Errorf("Build read %v, BuildAll %v, want %v", in.DataThrough, all[0].DataThrough, siteThrough)
	}
	plain, err := Build(ctx, &unitSource{}, quarter(2024, 1), "", BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !plain.DataThrough.IsZero() {
		t.Errorf("a source that cannot tell gave %v", plain.DataThrough)
	}
}

// TestOfflineRemovesOldLayout: the unit pages an earlier minqing wrote beside index.html
// (with its server-only controls) are removed; other files are left alone.
func TestOfflineRemovesOldLayout(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "330199001000.html")
	mine := filepath.Join(dir, "notes.html")
	for _, p := range []string{old, mine} {
		if err := os.WriteFile(p, []byte(`<form method="post" action="">退出</form>`), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := WriteOffline(context.Background(), dir, siteSource{&unitSource{}}, OfflineOptions{Default: quarter(2023, 4)}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Errorf("the old layout's page is still there (%v)", err)
	}
	if _, err := os.Stat(mine); err != nil {
		t.Errorf("a file minqing did not write was removed: %v", err)
	}
}
