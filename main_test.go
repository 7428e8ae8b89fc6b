package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/tealeg/xlsx/v3"
	"gopkg.in/yaml.v3"

	"github.com/minqing/minqing/config"
	"github.com/minqing/minqing/fixtures"
	"github.com/minqing/minqing/internal/browsertest"
	"github.com/minqing/minqing/internal/terms"
	"github.com/minqing/minqing/transform"
)

// minqing runs the command line as a user would and returns what it printed.
func minqing(t *testing.T, args ...string) []byte {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := newRoot(&out, &errOut)
	cmd.SetArgs(append([]string{"--log-level", "warn"}, args...))
	if err := cmd.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("minqing %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
	}
	return out.Bytes()
}

type statsOut struct {
	Period string `json:"period"`
	Cutoff string `json:"cutoff"`
	Units  []struct {
		Code    string              `json:"code"`
		Name    string              `json:"name"`
		Level   string              `json:"level"`
		Parent  *string             `json:"parent"`
		Figures map[string]*float64 `json:"figures"`
	} `json:"units"`
}

func stats(t *testing.T, cfg, period string) (statsOut, []byte) {
	t.Helper()
	raw := minqing(t, "stats", "--config", cfg, "--period", period, "--format", "json")
	var s statsOut
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatalf("stats %s: %v", period, err)
	}
	return s, raw
}

// district generates the fixture district into a temp folder and runs one pass.
func district(t *testing.T) (string, *fixtures.Truth) {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end: skipped under -short")
	}
	dir := t.TempDir()
	truth, err := fixtures.Generate(dir, fixtures.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "minqing.yaml")
	minqing(t, "run", "--config", cfg)
	return cfg, truth
}

func isCount(id string) bool {
	d, ok := transform.FigureDefByID(id)
	return ok && d.Kind == transform.KindCount
}

// compareToTruth holds every figure `stats` prints for a period to the generator's truth.
func compareToTruth(t *testing.T, cfg string, truth *fixtures.Truth, period string) int {
	t.Helper()
	s, _ := stats(t, cfg, period)
	want := truth.Figures[period]
	if len(s.Units) != len(truth.Units) {
		t.Errorf("%s: stats has %d units, the register %d", period, len(s.Units), len(truth.Units))
	}
	var diffs []string
	checked := 0
	for _, u := range s.Units {
		w, ok := want[u.Code]
		if !ok {
			diffs = append(diffs, fmt.Sprintf("%s %s: not in the truth", period, u.Code))
			continue
		}
		for _, d := range transform.FigureDefs() {
			got, exp := u.Figures[d.ID], w[d.ID]
			checked++
			switch {
			case got == nil && exp == nil:
			case got == nil || exp == nil:
				diffs = append(diffs, fmt.Sprintf("%s %s %s: got %v, want %v", period, u.Code, d.ID, fmtPtr(got), fmtPtr(exp)))
			case isCount(d.ID) && *got != *exp:
				diffs = append(diffs, fmt.Sprintf("%s %s %s: got %v, want %v", period, u.Code, d.ID, *got, *exp))
			case math.Abs(*got-*exp) > 1e-9:
				diffs = append(diffs, fmt.Sprintf("%s %s %s: got %.12g, want %.12g", period, u.Code, d.ID, *got, *exp))
			}
		}
	}
	sort.Strings(diffs)
	for i, d := range diffs {
		if i == 40 {
			t.Errorf("… and %d more differences", len(diffs)-40)
			break
		}
		t.Error(d)
	}
	return checked
}

func fmtPtr(p *float64) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprint(*p)
}

// TestOracle: for every unit and every period of the fixtures, every figure `stats`
// prints equals the generator's truth, computed in plain Go from its own records.
func TestOracle(t *testing.T) {
	cfg, truth := district(t)
	quarters := 0
	checked := 0
	for _, p := range truth.Periods {
		checked += compareToTruth(t, cfg, truth, p)
		if strings.Contains(p, "Q") {
			quarters++
		}
	}
	if quarters < 5 {
		t.Errorf("the fixtures cover %d quarters, want at least 5", quarters)
	}
	t.Logf("%d figures checked over %d periods", checked, len(truth.Periods))
}

// TestStatsArrow: the Arrow stream holds the same figures as the JSON.
func TestStatsArrow(t *testing.T) {
	cfg, _ := district(t)
	js, _ := stats(t, cfg, "2024Q3")
	raw := minqing(t, "stats", "--config", cfg, "--period", "2024Q3", "--format", "arrow")
	rd, err := ipc.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Release()
	want := map[string]*float64{}
	for _, u := range js.Units {
		for id, v := range u.Figures {
			want[u.Code+"/"+id] = v
		}
	}
	// 环比 and 同比 as the Reader publishes them (the workbook's and dashboard's source).
	p, err := openPipeline(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _, figs, err := p.figures(context.Background(), "2024Q3")
	p.Close()
	if err != nil {
		t.Fatal(err)
	}
	changes := map[string][2]*float64{}
	for _, f := range figs {
		for _, d := range transform.FigureDefs() {
			changes[f.Unit.Code+"/"+d.ID] = [2]*float64{f.MoM[d.ID], f.YoY[d.ID]}
		}
	}
	same := func(col *array.Float64, i int, v *float64) bool {
		return (v == nil) == col.IsNull(i) && (v == nil || col.Value(i) == *v)
	}
	rows, withChange := 0, 0
	for rd.Next() {
		rec := rd.RecordBatch()
		codes := rec.Column(2).(*array.String)
		ids := rec.Column(6).(*array.String)
		vals := rec.Column(8).(*array.Float64)
		mom, yoy := rec.Column(9).(*array.Float64), rec.Column(10).(*array.Float64)
		for i := 0; i < int(rec.NumRows()); i++ {
			rows++
			key := codes.Value(i) + "/" + ids.Value(i)
			exp, ok := want[key]
			switch {
			case !ok:
				t.Errorf("row %d: %s not in stats", i, key)
			case !same(vals, i, exp):
				t.Errorf("%s: arrow %v, json %v", key, vals.Value(i), fmtPtr(exp))
			}
			c := changes[key]
			if !same(mom, i, c[0]) || !same(yoy, i, c[1]) {
				t.Errorf("%s: arrow 环比/同比 %v/%v, reader %s/%s", key, mom.Value(i), yoy.Value(i), fmtPtr(c[0]), fmtPtr(c[1]))
			}
			if c[0] != nil {
				withChange++
			}
		}
	}
	if withChange == 0 {
		t.Error("no 环比 in the Arrow stream")
	}
	if rows != len(want) {
		t.Errorf("%d arrow rows, %d JSON figures", rows, len(want))
	}
}

// TestAccounting: per file, read = loaded + quarantined + skipped, each part equal to
// what the generator wrote.
func TestAccounting(t *testing.T) {
	cfg, truth := district(t)
	p, err := openPipeline(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	accts, err := transform.NewReader(p.db).Accounting(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, a := range accts {
		seen[a.File] = true
		w, ok := truth.Files[a.File]
		if !ok {
			t.Errorf("%s: loaded but not in the truth", a.File)
			continue
		}
		if a.Read != a.Loaded+a.Quarantined+a.Skipped {
			t.Errorf("%s: read %d ≠ loaded %d + quarantined %d + skipped %d", a.File, a.Read, a.Loaded, a.Quarantined, a.Skipped)
		}
		if a.Read != w.Read || a.Loaded != w.Loaded {
			t.Errorf("%s: read %d loaded %d, want read %d loaded %d", a.File, a.Read, a.Loaded, w.Read, w.Loaded)
		}
		if !sameCounts(a.QuarantinedBy, w.Quarantined) {
			t.Errorf("%s: quarantined %v, want %v", a.File, a.QuarantinedBy, w.Quarantined)
		}
		if !sameCounts(a.SkippedBy, w.Skipped) {
			t.Errorf("%s: skipped %v, want %v", a.File, a.SkippedBy, w.Skipped)
		}
	}
	for f := range truth.Files {
		if !seen[f] {
			t.Errorf("%s: written by the generator, not accounted for", f)
		}
	}
}

func sameCounts(a, b map[string]int) bool {
	for k, v := range a {
		if v != b[k] {
			return false
		}
	}
	for k, v := range b {
		if v != a[k] {
			return false
		}
	}
	return true
}

// TestLoadTwiceAndReordered: loading the same exports again, or file by file in reverse
// order into a fresh store, leaves every figure unchanged.
func TestLoadTwiceAndReordered(t *testing.T) {
	cfg, truth := district(t)
	var quarters []string
	for _, p := range truth.Periods {
		if strings.Contains(p, "Q") {
			quarters = append(quarters, p)
		}
	}
	before := map[string][]byte{}
	for _, q := range quarters {
		_, before[q] = stats(t, cfg, q)
	}
	minqing(t, "run", "--config", cfg)
	for _, q := range quarters {
		if _, after := stats(t, cfg, q); !bytes.Equal(before[q], after) {
			t.Errorf("%s: figures changed after loading the same exports again", q)
		}
	}

	// A second store fed one file at a time, newest file first.
	c, err := config.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	type one struct {
		src  int
		path string
	}
	var all []one
	for i, s := range c.Sources {
		for _, pat := range s.Paths {
			m, _ := filepath.Glob(filepath.Join(c.Dir, pat))
			for _, f := range m {
				rel, _ := filepath.Rel(c.Dir, f)
				all = append(all, one{i, rel})
			}
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].path > all[j].path })
	var raw map[string]any
	b, _ := os.ReadFile(cfg)
	if err := yaml.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	var sources []map[string]any
	for _, o := range all {
		s := map[string]any{}
		orig := raw["sources"].([]any)[o.src].(map[string]any)
		for k, v := range orig {
			s[k] = v
		}
		s["name"] = orig["name"].(string) + ":" + o.path
		s["paths"] = []string{o.path}
		sources = append(sources, s)
	}
	raw["sources"] = sources
	raw["store"] = "reordered.duckdb"
	raw["hash_key_file"] = c.HashKeyFile // the same key, so number-less rows match alike
	out, _ := yaml.Marshal(raw)
	cfg2 := filepath.Join(c.Dir, "reordered.yaml")
	if err := os.WriteFile(cfg2, out, 0o644); err != nil {
		t.Fatal(err)
	}
	minqing(t, "run", "--config", cfg2, "--out", filepath.Join(c.Dir, "out2"))
	for _, q := range quarters {
		if _, after := stats(t, cfg2, q); !bytes.Equal(before[q], after) {
			t.Errorf("%s: figures differ when the files are loaded one by one in reverse order", q)
		}
	}
}

// TestWorkbookMatchesStats reads the workbook back with a second library (tealeg/xlsx,
// not excelize that wrote it) and finds every township's and village's figures equal to
// what `stats` prints.
func TestWorkbookMatchesStats(t *testing.T) {
	cfg, _ := district(t)
	const period = "2024Q3"
	path := strings.TrimSpace(string(minqing(t, "report", "--config", cfg, "--period", period)))
	// one name for one thing: the run's workbook and dashboard and this report
	assertNoRetiredTerms(t, filepath.Join(filepath.Dir(cfg), "out"))
	s, _ := stats(t, cfg, period)
	byCode := map[string]map[string]*float64{}
	for _, u := range s.Units {
		byCode[u.Code] = u.Figures
	}
	wb, err := xlsx.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, name := range []string{"乡镇（街道）", "村（社区）"} {
		sh, ok := wb.Sheet[name]
		if !ok {
			t.Fatalf("no sheet %s", name)
		}
		header := map[int]string{} // column → figure id
		byName := map[string]string{}
		for _, d := range transform.FigureDefs() {
			byName[shownName(d)] = d.ID
		}
		// The table's header row is below the statutory header (表号, 制表机关, 填报单位).
		var hdr *xlsx.Row
		for r := 0; r < sh.MaxRow && hdr == nil; r++ {
			if row, _ := sh.Row(r); row.GetCell(0).Value == terms.UnitCode {
				hdr = row
			}
		}
		if hdr == nil {
			t.Fatalf("%s: no header row opening %s", name, terms.UnitCode)
		}
		for c := 0; c < sh.MaxCol; c++ {
			if id, ok := byName[hdr.GetCell(c).Value]; ok {
				header[c] = id
			}
		}
		if len(header) != len(transform.FigureDefs()) {
			t.Errorf("%s: %d figure columns, want %d", name, len(header), len(transform.FigureDefs()))
		}
		for r := 1; r < sh.MaxRow; r++ {
			row, err := sh.Row(r)
			if err != nil {
				t.Fatal(err)
			}
			want, ok := byCode[row.GetCell(0).Value]
			if !ok {
				continue
			}
			for c, id := range header {
				cell := row.GetCell(c)
				exp := want[id]
				if exp == nil {
					if cell.Value != "—" {
						t.Errorf("%s row %d %s: %q, want —", name, r+1, id, cell.Value)
					}
					continue
				}
				if cell.Formula() == "" && cell.Type() != xlsx.CellTypeNumeric {
					t.Errorf("%s row %d %s: cell type %v, want a number", name, r+1, id, cell.Type())
					continue
				}
				// a 小计's count may be a SUM over its villages: its value is checked as any
				got, err := strconv.ParseFloat(cell.Value, 64)
				if cell.Formula() == "" {
					got, err = cell.Float()
				}
				if err != nil || math.Abs(got-*exp) > 1e-9 {
					t.Errorf("%s row %d %s: %v (%v), want %v", name, r+1, id, got, err, *exp)
				}
				if strings.HasSuffix(id, "rate") && !strings.Contains(cell.NumFmt, "%") {
					t.Errorf("%s row %d %s: format %q is not a percentage", name, r+1, id, cell.NumFmt)
				}
				checked++
			}
		}
	}
	if checked < 100 {
		t.Errorf("only %d workbook cells checked", checked)
	}
	t.Logf("%d workbook cells equal stats", checked)

	// The summary: its table's 本期 column is the district's figures, and the narrative
	// states the same numbers (its cached text, as a reader without recalculation sees it).
	district := byCode[s.Units[0].Code]
	sum, ok := wb.Sheet["概览"]
	if !ok {
		t.Fatal("no 概览 sheet")
	}
	byName := map[string]string{}
	for _, d := range transform.FigureDefs() {
		byName[shownName(d)] = d.ID
	}
	narrative := ""
	tableRows := 0
	for r := 0; r < sum.MaxRow; r++ {
		row, _ := sum.Row(r)
		first := row.GetCell(0).Value
		if strings.HasPrefix(first, "本季度") {
			narrative = first
		}
		id, ok := byName[first]
		if !ok {
			continue
		}
		cell := row.GetCell(1)
		exp := district[id]
		if exp == nil {
			if cell.Value != "—" {
				t.Errorf("概览 %s: %q, want —", id, cell.Value)
			}
			continue
		}
		if got, err := cell.Float(); err != nil || math.Abs(got-*exp) > 1e-9 {
			t.Errorf("概览 %s: %v, stats %v", id, cell.Value, *exp)
		}
		tableRows++
	}
	if tableRows < 15 {
		t.Errorf("概览: %d figure rows found", tableRows)
	}
	if narrative == "" {
		t.Fatal("概览: no narrative")
	}
	for id, want := range map[string]string{
		"received": fmt.Sprintf("受理群众诉求%s件", thousands(*district["received"])),
		// Each rate follows the count it is a share of and names itself after its number.
		"closed":        fmt.Sprintf("期内办结诉求%s件（含此前受理的）", thousands(*district["closed"])),
		"close_rate":    fmt.Sprintf("已办结其中的%.1f%%（办结率）", 100**district["close_rate"]),
		"on_time_rate":  fmt.Sprintf("按时办结的占%.1f%%（按时办结率）", 100**district["on_time_rate"]),
		"visit_persons": fmt.Sprintf("走访群众%s人次", thousands(*district["visit_persons"])),
		"opinions":      fmt.Sprintf("收集意见建议%s条", thousands(*district["opinions"])),
	} {
		if !strings.Contains(narrative, want) {
			t.Errorf("narrative lacks %s as %q: %s", id, want, narrative)
		}
	}
}

// thousands formats a count as the workbook does (#,##0).
func thousands(v float64) string {
	s := fmt.Sprintf("%d", int64(v))
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// TestDashboardInBrowser opens the demo district's dashboard in headless Chromium with
// every host unresolvable and checks each chart was drawn; the screenshot goes to
// $MINQING_SCREENSHOT_DIR when set.
func TestDashboardInBrowser(t *testing.T) {
	chromium := browsertest.Chromium(t)
	cfg, _ := district(t)
	page := strings.TrimSpace(string(minqing(t, "dashboard", "--config", cfg, "--period", "2024Q3")))
	html, _ := os.ReadFile(page)
	for _, bad := range []string{"http://", "https://"} {
		if bytes.Contains(html, []byte(bad)) {
			t.Errorf("the page names an external address (%s)", bad)
		}
	}
	shotDir := os.Getenv("MINQING_SCREENSHOT_DIR")
	if shotDir == "" {
		shotDir = t.TempDir()
	}
	shot := filepath.Join(shotDir, "dashboard-2024Q3.png")
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--host-resolver-rules=MAP * ~NOTFOUND", "--virtual-time-budget=5000"}
	run := func(extra ...string) []byte {
		args := append(append(append([]string{}, base...), "--user-data-dir="+t.TempDir()), extra...)
		out, err := exec.Command(chromium, append(args, "file://"+page)...).Output()
		if err != nil {
			t.Fatalf("chromium: %v", err)
		}
		return out
	}
	dom := run("--dump-dom")
	if n := bytes.Count(dom, []byte("_echarts_instance_")); n < 3 {
		t.Errorf("%d charts drawn, want 3", n)
	}
	if n := bytes.Count(dom, []byte("<canvas")); n < 3 {
		t.Errorf("%d canvases, want 3", n)
	}
	run("--screenshot="+shot, "--window-size=1280,1800")
	if st, err := os.Stat(shot); err != nil || st.Size() < 20000 {
		t.Errorf("screenshot %s missing or blank (%v)", shot, err)
	}
	t.Logf("screenshot: %s", shot)

	// Every unit has its page in the period's folder beside index.html, and every link
	// between pages (the drill-down of charts and tables, the breadcrumbs, the period
	// list) names one that was written.
	dir := filepath.Dir(page)
	pages, _ := filepath.Glob(filepath.Join(dir, "2024Q3", "*.html"))
	var units int
	pl, err := openPipeline(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := pl.db.QueryRow("select count(*) from ref_units").Scan(&units); err != nil {
		t.Fatal(err)
	}
	pl.Close()
	if len(pages) != units {
		t.Errorf("%d pages written for 2024Q3, want %d units", len(pages), units)
	}
	linkRE := regexp.MustCompile(`(?:\.\./)?(?:[0-9]{4}(?:Q[1-4]|-[0-9]{2})?/)?[0-9]{12}\.html`)
	linked := map[string]bool{}
	for _, p := range append(pages, page) {
		b, _ := os.ReadFile(p)
		for _, l := range linkRE.FindAllString(string(b), -1) {
			target := filepath.Join(filepath.Dir(p), filepath.FromSlash(l))
			linked[target] = true
			if _, err := os.Stat(target); err != nil {
				t.Errorf("%s links to %s, which was not written", filepath.Base(p), l)
			}
		}
	}
	if len(linked) < units-1 {
		t.Errorf("only %d of %d unit pages are linked from another", len(linked), units)
	}
}

// TestStoreHeld: a one-shot command that finds the store held says so plainly.
func TestStoreHeld(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a second process")
	}
	if os.Getenv("MINQING_HOLD_STORE") != "" {
		p, err := openPipeline(context.Background(), os.Getenv("MINQING_HOLD_STORE"), nil)
		if err != nil {
			fmt.Println("ERR", err)
			os.Exit(1)
		}
		fmt.Println("held")
		os.Stdout.Sync()
		var b [1]byte
		os.Stdin.Read(b[:]) // hold until the test closes stdin
		p.Close()
		os.Exit(0)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "units.csv"), []byte("code,name,level,parent,aliases\n1,区,district,,\n"), 0o644)
	cfg := filepath.Join(dir, "minqing.yaml")
	os.WriteFile(cfg, []byte("units: units.csv\n"), 0o644)
	holder := exec.Command(os.Args[0], "-test.run", "^TestStoreHeld$")
	holder.Env = append(os.Environ(), "MINQING_HOLD_STORE="+cfg)
	stdin, _ := holder.StdinPipe()
	stdout, _ := holder.StdoutPipe()
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); holder.Wait() }()
	buf := make([]byte, 64)
	n, _ := stdout.Read(buf)
	if !strings.HasPrefix(string(buf[:n]), "held") {
		t.Fatalf("holder: %q", buf[:n])
	}
	var out, errOut bytes.Buffer
	cmd := newRoot(&out, &errOut)
	cmd.SetArgs([]string{"stats", "--config", cfg})
	err := cmd.ExecuteContext(context.Background())
	if err == nil || !strings.Contains(err.Error(), "held by another process") || !strings.Contains(err.Error(), "minqing.duckdb") {
		t.Errorf("err = %v, want a plain 'held by another process' naming the store", err)
	}
}

// xlsxText returns every XML part of a workbook as one string.
func xlsxText(t *testing.T, path string) string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var b strings.Builder
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(&b, rc)
		rc.Close()
	}
	return b.String()
}

var (
	// Boundaries exclude letters too: a SHA-256 in the manifest is hex, not a phone.
	mobileRE = regexp.MustCompile(`(^|[^0-9A-Za-z])1[3-9][0-9]{9}([^0-9A-Za-z]|$)`)
	idRE     = regexp.MustCompile(`(^|[^0-9A-Za-z])[1-9][0-9]{16}[0-9Xx]([^0-9A-Za-z]|$)`)
)

// TestTownshipWorkbooks: --all-townships writes one workbook per township, each holding
// only that township's villages, with the figures `stats` prints; no workbook holds a
// phone or ID number in clear.
func TestTownshipWorkbooks(t *testing.T) {
	cfg, truth := district(t)
	const period = "2024Q3"
	s, _ := stats(t, cfg, period)
	parent := map[string]string{}
	received := map[string]float64{}
	for _, u := range s.Units {
		if u.Parent != nil {
			parent[u.Code] = *u.Parent
		}
		received[u.Code] = *u.Figures["received"]
	}
	paths := strings.Fields(string(minqing(t, "report", "--config", cfg, "--period", period, "--all-townships")))
	townships := 0
	for _, u := range truth.Units {
		if u.Level == transform.LevelTownship {
			townships++
		}
	}
	if len(paths) != townships {
		t.Fatalf("%d workbooks, want %d", len(paths), townships)
	}
	for _, path := range paths {
		wb, err := xlsx.OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		sh, ok := wb.Sheet["村（社区）"]
		if !ok {
			t.Fatalf("%s: no 村（社区） sheet", path)
		}
		town := ""
		rows := 0
		for r := 1; r < sh.MaxRow; r++ {
			row, _ := sh.Row(r)
			code := row.GetCell(0).Value
			p, ok := parent[code]
			if !ok || p == s.Units[0].Code {
				continue // not a unit row, or the township's own totals row
			}
			rows++
			if town == "" {
				town = p
			}
			if p != town {
				t.Errorf("%s: village %s of %s in %s's workbook", path, code, p, town)
			}
			if got, _ := row.GetCell(3 + 0).Float(); got != received[code] {
				t.Errorf("%s: village %s received %v, stats %v", path, code, got, received[code])
			}
		}
		if rows == 0 {
			t.Errorf("%s: no villages", path)
		}
		text := xlsxText(t, path)
		if mobileRE.MatchString(text) || idRE.MatchString(text) {
			t.Errorf("%s: a phone or ID number in clear", path)
		}
	}
}

// TestAuditorCopy: an auditor's copy needs a store that keeps personal data; with one, the
// copy shows phones in clear and says so, while the ordinary workbook still shows none.
func TestAuditorCopy(t *testing.T) {
	cfg, _ := district(t)
	var out, errOut bytes.Buffer
	cmd := newRoot(&out, &errOut)
	cmd.SetArgs([]string{"report", "--config", cfg, "--period", "2024Q3", "--auditor-copy"})
	if err := cmd.ExecuteContext(context.Background()); err == nil || !strings.Contains(err.Error(), "keep_personal_data") {
		t.Fatalf("auditor's copy from a store without personal data: err = %v", err)
	}
	b, _ := os.ReadFile(cfg)
	kept := filepath.Join(filepath.Dir(cfg), "kept.yaml")
	os.WriteFile(kept, append(bytes.Replace(b, []byte("store: minqing.duckdb"), []byte("store: kept.duckdb"), 1), []byte("privacy:\n  keep_personal_data: true\n")...), 0o644)
	minqing(t, "run", "--config", kept, "--period", "2024Q3", "--out", filepath.Join(filepath.Dir(cfg), "kept-out"))
	plain := strings.TrimSpace(string(minqing(t, "report", "--config", kept, "--period", "2024Q3", "--out", t.TempDir())))
	audit := strings.TrimSpace(string(minqing(t, "report", "--config", kept, "--period", "2024Q3", "--auditor-copy", "--out", t.TempDir())))
	if mobileRE.MatchString(xlsxText(t, plain)) {
		t.Error("the ordinary workbook shows a phone in clear")
	}
	at := xlsxText(t, audit)
	if !mobileRE.MatchString(at) {
		t.Error("the auditor's copy shows no phone in clear")
	}
	if !strings.Contains(filepath.Base(audit), "审计") {
		t.Errorf("the auditor's copy is not named as one: %s", audit)
	}
}

// TestFiguresFollowTheirConfig: after the config changes, outputs refuse the figures made
// under the old one until the pipeline runs again.
func TestFiguresFollowTheirConfig(t *testing.T) {
	cfg, _ := district(t)
	b, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, append(b, []byte("rules:\n  satisfied_labels: [满意]\n")...), 0o644)
	var out, errOut bytes.Buffer
	cmd := newRoot(&out, &errOut)
	cmd.SetArgs([]string{"stats", "--config", cfg, "--period", "2024Q3"})
	if err := cmd.ExecuteContext(context.Background()); err == nil || !strings.Contains(err.Error(), "another config") {
		t.Fatalf("stats after a config change: err = %v, want a refusal", err)
	}
	minqing(t, "run", "--config", cfg)
	stats(t, cfg, "2024Q3")
}

// TestKilledMidLoad kills `minqing run` in the middle of loading (SIGKILL: no cleanup
// runs), then finds every file either wholly loaded or absent, and the next run
// converging to the figures of an uninterrupted run.
func TestKilledMidLoad(t *testing.T) {
	if args := os.Getenv("MINQING_CHILD_ARGS"); args != "" {
		cmd := newRoot(os.Stdout, os.Stderr)
		cmd.SetArgs(strings.Fields(args))
		if err := cmd.ExecuteContext(context.Background()); err != nil {
			os.Exit(1)
		}
		os.Exit(0)
	}
	cleanCfg, truth := district(t) // the uninterrupted run, for comparison

	dir := t.TempDir()
	if _, err := fixtures.Generate(dir, fixtures.Options{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "minqing.yaml")
	child := exec.Command(os.Args[0], "-test.run", "^TestKilledMidLoad$")
	child.Env = append(os.Environ(), "MINQING_CHILD_ARGS=run --config "+cfg+" --log-level info")
	stderr, _ := child.StderrPipe()
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill after a third of the files have been read.
	buf := make([]byte, 1<<16)
	seen := 0
	for seen < len(truth.Files)/3 {
		n, err := stderr.Read(buf)
		if err != nil {
			t.Fatalf("the run ended before it could be killed (%d files read): %v", seen, err)
		}
		seen += bytes.Count(buf[:n], []byte(`msg="file read"`))
	}
	child.Process.Kill()
	child.Wait()

	p, err := openPipeline(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	var files, partial, orphans int
	err = p.db.QueryRow(`
		with raw as (
			select file_id, count(*) as n from (select file_id from raw_cases union all select file_id from raw_visits
				union all select file_id from raw_services) group by file_id
		)
		select (select count(*) from ingest_files),
			(select count(*) from ingest_files f left join raw r using (file_id) where coalesce(r.n, 0) <> f.rows_data),
			(select count(*) from raw r anti join ingest_files f using (file_id))`).Scan(&files, &partial, &orphans)
	p.Close()
	if err != nil {
		t.Fatal(err)
	}
	if files == 0 || files >= len(truth.Files) {
		t.Fatalf("%d of %d files loaded when killed: the kill did not land mid-load", files, len(truth.Files))
	}
	if partial != 0 || orphans != 0 {
		t.Errorf("after the kill: %d files partly loaded, %d files' rows without their file", partial, orphans)
	}
	t.Logf("killed after %d of %d files", files, len(truth.Files))

	minqing(t, "run", "--config", cfg)
	for _, q := range truth.Periods {
		if !strings.Contains(q, "Q") {
			continue
		}
		_, want := stats(t, cleanCfg, q)
		if _, got := stats(t, cfg, q); !bytes.Equal(got, want) {
			t.Errorf("%s: figures after the interrupted load differ from an uninterrupted run", q)
		}
	}
}

// TestCheck previews the fixtures' sources without loading them, and fails on a file it
// cannot read.
func TestCheck(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	dir := t.TempDir()
	if _, err := fixtures.Generate(dir, fixtures.Options{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "minqing.yaml")
	out := string(minqing(t, "check", "--config", cfg, "--rows", "2"))
	for _, want := range []string{"header rows [3 4]", "基本信息/编号", "→ case_no", "(gb18030)", "row 2: "} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q", want)
		}
	}
	if mobileRE.MatchString(out) {
		t.Error("check shows a phone number in clear")
	}
	if _, err := os.Stat(filepath.Join(dir, "minqing.duckdb")); err == nil {
		t.Error("check created the store")
	}
	os.WriteFile(filepath.Join(dir, "exports", "services", "broken_2024Q1.csv"), []byte("nothing,known\n1,2\n"), 0o644)
	var o, e bytes.Buffer
	cmd := newRoot(&o, &e)
	cmd.SetArgs([]string{"check", "--config", cfg})
	if err := cmd.ExecuteContext(context.Background()); err == nil || !strings.Contains(o.String(), "broken_2024Q1.csv") {
		t.Errorf("check passed a file it cannot read: %v", err)
	}
}
