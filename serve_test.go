package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/ipc"
	"golang.org/x/crypto/bcrypt"

	"github.com/minqing/minqing/fixtures"
	"github.com/minqing/minqing/serve"
	"github.com/minqing/minqing/transform"
)

// Names and case text that would run as script, break out of an attribute or become a
// spreadsheet formula if any output let them through. Each marks window.pwned or requests a
// URL when it runs, so the browser test sees it.
const (
	hostileTownship = `青石镇</script><script>window.pwned="township"</script>"'`
	hostileVillage  = `=HYPERLINK("http://127.0.0.1/x","点")"><img src=/pwned onerror="window.pwned='village'">`
	hostileText     = `</script><script>window.pwned="desc"</script>"双引号"'单引号'<img src=/pwned2 onerror=alert(1)>`
)

// servePasswords are the fixture users' passwords, by role.
var servePasswords = map[string]string{"leader": "leader-pass-1", "township": "township-pass-1", "auditor": "auditor-pass-1"}

// serveFixture is a loaded fixture district served over loopback: the township 青石镇
// (renamed to hostileTownship, its village 西街村 to hostileVillage) and the township user
// scoped to it.
type serveFixture struct {
	url      string
	srv      *server
	district string
	township string // the township user's (hostile name)
	village  string // a village of it (hostile name)
	other    string // another township
	otherVil string // a village of the other township
	access   string // the access log's path
	p        *pipeline
}

func newServeFixture(t *testing.T) *serveFixture {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end: skipped under -short")
	}
	dir := t.TempDir()
	if _, err := fixtures.Generate(dir, fixtures.Options{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	f := &serveFixture{district: "330199000000", township: "330199001000", village: "330199001001",
		other: "330199002000", access: filepath.Join(dir, "access.jsonl")}
	// Hostile names: the old names stay as aliases, so the exports still match.
	units := readCSV(t, filepath.Join(dir, "units.csv"))
	for _, row := range units[1:] {
		switch {
		case row[0] == f.township:
			row[4], row[1] = strings.Trim(row[4]+"|"+row[1], "|"), hostileTownship
		case row[0] == f.village:
			row[4], row[1] = strings.Trim(row[4]+"|"+row[1], "|"), hostileVillage
		case row[3] == f.other && f.otherVil == "":
			f.otherVil = row[0]
		}
	}
	writeCSV(t, filepath.Join(dir, "units.csv"), units, false)
	// Hostile case text in the newest district export, so it is the current version.
	files, _ := filepath.Glob(filepath.Join(dir, "exports", "district", "*.csv"))
	newest := files[len(files)-1]
	rows := readCSV(t, newest)
	col := -1
	for i, h := range rows[0] {
		if strings.TrimPrefix(h, "\ufeff") == "诉求内容" {
			col = i
		}
	}
	if col < 0 {
		t.Fatalf("%s has no 诉求内容 column", newest)
	}
	for _, r := range rows[1:] {
		r[col] = hostileText
	}
	writeCSV(t, newest, rows, true)

	hash := func(pw string) string {
		h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		return string(h)
	}
	cfg := filepath.Join(dir, "minqing.yaml")
	serveSection := "serve:\n  access_log: access.jsonl\n  users:\n" +
		"    - {name: leader, role: leader, password_hash: \"" + hash(servePasswords["leader"]) + "\"}\n" +
		"    - {name: qingshi, role: township, unit: \"" + f.township + "\", password_hash: \"" + hash(servePasswords["township"]) + "\"}\n" +
		"    - {name: audit, role: auditor, password_hash: \"" + hash(servePasswords["auditor"]) + "\"}\n"
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, append(b, serveSection...), 0o644); err != nil {
		t.Fatal(err)
	}
	// No `minqing run`: the server loads a store without figures itself, as in production.
	ctx := context.Background()
	p, err := openPipeline(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	f.p = p
	if f.srv, err = newServer(ctx, p); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.srv.access.Close() })
	ts := httptest.NewServer(f.srv.Handler())
	t.Cleanup(ts.Close)
	f.url = ts.URL
	return f
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	r := csv.NewReader(fh)
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	return rows
}

func writeCSV(t *testing.T, path string, rows [][]string, bom bool) {
	t.Helper()
	var b bytes.Buffer
	if bom && !strings.HasPrefix(rows[0][0], "\ufeff") {
		b.WriteString("\ufeff")
	}
	w := csv.NewWriter(&b)
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// client is a logged-in plain HTTP client. The session cookie is Secure, which Go's cookie
// jar does not send over http, so it is carried by hand (browsers send it to localhost).
type client struct {
	t      *testing.T
	base   string
	cookie string
}

func login(t *testing.T, base, name, password string) *client {
	t.Helper()
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.PostForm(base+"/login", url.Values{"name": {name}, "password": {password}, "next": {"/"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login %s: %s", name, resp.Status)
	}
	for _, c := range resp.Cookies() {
		if c.Name == "minqing_session" {
			if !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
				t.Errorf("session cookie is not Secure, HttpOnly and SameSite=Strict: %+v", c)
			}
			return &client{t: t, base: base, cookie: c.Name + "=" + c.Value}
		}
	}
	t.Fatalf("login %s set no session cookie", name)
	return nil
}

func (c *client) get(path string) (int, []byte) {
	c.t.Helper()
	req, _ := http.NewRequest("GET", c.base+path, nil)
	if c.cookie != "" {
		req.Header.Set("Cookie", c.cookie)
	}
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func TestServe(t *testing.T) {
	f := newServeFixture(t)
	t.Run("scope", func(t *testing.T) { testServeScope(t, f) })
	t.Run("injection", func(t *testing.T) { testServeInjection(t, f) })
	t.Run("browser", func(t *testing.T) { testServeBrowser(t, f) })
	t.Run("reload", func(t *testing.T) { testServeDuringLoad(t, f) })
	t.Run("answers before the pages are built", func(t *testing.T) { testServeAnswersAtOnce(t, f) })
	t.Run("logout survives a restart", func(t *testing.T) { testServeLogoutRestart(t, f) })
	t.Run("login limit", func(t *testing.T) { testServeLoginLimit(t, f) })
}

// testServeLogoutRestart logs out, then builds the server again from the same config and
// store, as a restart does: the session key persists, and so must the logout.
func testServeLogoutRestart(t *testing.T, f *serveFixture) {
	gone, kept := login(t, f.url, "audit", servePasswords["auditor"]), login(t, f.url, "audit", servePasswords["auditor"])
	_, page := gone.get("/u/" + f.district)
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(page)
	if m == nil {
		t.Fatal("no logout form on the page")
	}
	req, _ := http.NewRequest("POST", f.url+"/logout", strings.NewReader(url.Values{"csrf": {string(m[1])}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Cookie", gone.cookie)
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %s", resp.Status)
	}
	again, err := newServer(context.Background(), f.p)
	if err != nil {
		t.Fatal(err)
	}
	defer again.access.Close()
	ts := httptest.NewServer(again.Handler())
	defer ts.Close()
	if code, _ := (&client{t: t, base: ts.URL, cookie: gone.cookie}).get("/u/" + f.district + "/csv/trend"); code != http.StatusUnauthorized {
		t.Errorf("a logged-out session after a restart: %d, want 401", code)
	}
	if code, _ := (&client{t: t, base: ts.URL, cookie: kept.cookie}).get("/u/" + f.district + "/csv/trend"); code != http.StatusOK {
		t.Errorf("a session still logged in after a restart: %d, want 200", code)
	}
}

// testServeLoginLimit runs last: it locks the leader out for a minute.
func testServeLoginLimit(t *testing.T, f *serveFixture) {
	// Wrong passwords are limited: after five wrong tries within a minute even the right one is refused.
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var last int
	for i := range 6 {
		pw := "wrong"
		if i == 5 {
			pw = servePasswords["leader"]
		}
		resp, err := hc.PostForm(f.url+"/login", url.Values{"name": {"leader"}, "password": {pw}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		last = resp.StatusCode
	}
	if last != http.StatusTooManyRequests {
		t.Errorf("sixth login within a minute: %d, want 429", last)
	}
	anon := &client{t: t, base: f.url}
	if code, body := anon.get("/metrics"); code != 200 || !bytes.Contains(body, []byte(`minqing_logins_total{outcome="limited"}`)) {
		t.Errorf("/metrics: %d, does not count the refused login", code)
	}
}

// testServeScope edits URLs as a curious user would: every page, CSV and stream outside
// the user's scope must be refused by the server.
func testServeScope(t *testing.T, f *serveFixture) {
	anon := &client{t: t, base: f.url}
	if code, _ := anon.get("/u/" + f.district); code != http.StatusSeeOther {
		t.Errorf("a page without login: %d, want a redirect to the login", code)
	}
	if code, _ := anon.get("/u/" + f.district + "/csv/trend"); code != http.StatusUnauthorized {
		t.Errorf("a CSV without login: %d, want 401", code)
	}
	if code, body := anon.get("/healthz"); code != http.StatusOK || !bytes.Contains(body, []byte(`"status":"ok"`)) {
		t.Errorf("/healthz: %d %s", code, body)
	}
	tw := login(t, f.url, "qingshi", servePasswords["township"])
	leader := login(t, f.url, "leader", servePasswords["leader"])
	audit := login(t, f.url, "audit", servePasswords["auditor"])
	tests := []struct {
		name string
		c    *client
		path string
		want int
	}{
		{"township: own township", tw, "/u/" + f.township, 200},
		{"township: own village", tw, "/u/" + f.village, 200},
		{"township: own CSV", tw, "/u/" + f.township + "/csv/ranking", 200},
		{"township: own Arrow", tw, "/u/" + f.township + "/figures.arrow", 200},
		{"township: the district", tw, "/u/" + f.district, 403},
		{"township: another township", tw, "/u/" + f.other, 403},
		{"township: another township, other period", tw, "/u/" + f.other + "?period=2024Q3", 403},
		{"township: another township's village", tw, "/u/" + f.otherVil, 403},
		{"township: another township's CSV", tw, "/u/" + f.other + "/csv/heatmap", 403},
		{"township: the district's CSV", tw, "/u/" + f.district + "/csv/ranking", 403},
		{"township: another township's Arrow", tw, "/u/" + f.other + "/figures.arrow", 403},
		{"township: a unit not in the register", tw, "/u/999999999999", 403},
		{"township: escaped path", tw, "/u/" + url.PathEscape(f.township+"/../"+f.other), 403},
		{"township: case list", tw, "/u/" + f.township + "/csv/cases", 403},
		{"township: case stream", tw, "/u/" + f.township + "/cases.arrow", 403},
		{"leader: the district", leader, "/u/" + f.district, 200},
		{"leader: any village", leader, "/u/" + f.otherVil, 200},
		{"leader: case list", leader, "/u/" + f.district + "/csv/cases", 403},
		{"leader: case stream", leader, "/u/" + f.district + "/cases.arrow", 403},
		{"auditor: case list", audit, "/u/" + f.district + "/csv/cases", 200},
		{"auditor: case stream", audit, "/u/" + f.township + "/cases.arrow", 200},
		{"unknown period", leader, "/u/" + f.district + "?period=1999Q1", 404},
		{"unknown chart", leader, "/u/" + f.district + "/csv/nothing", 404},
	}
	for _, tt := range tests {
		if code, body := tt.c.get(tt.path); code != tt.want {
			t.Errorf("%s: GET %s = %d, want %d (%.80s)", tt.name, tt.path, code, tt.want, body)
		}
	}
	// The township's stream holds its own units only.
	_, body := tw.get("/u/" + f.township + "/figures.arrow")
	rd, err := ipc.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for rd.Next() {
		rec := rd.RecordBatch()
		codes := rec.Column(2)
		for i := 0; i < int(rec.NumRows()); i++ {
			if c := codes.ValueStr(i); !strings.HasPrefix(c, "330199001") {
				t.Errorf("the township's stream has unit %s", c)
			}
		}
	}
	rd.Release()
	// Masked: the auditor's list shows no phone number in full.
	_, cases := audit.get("/u/" + f.district + "/csv/cases")
	if regexp.MustCompile(`\b1[3-9]\d{9}\b`).Match(cases) {
		t.Error("the case list holds a phone number in clear")
	}
	if n := bytes.Count(cases, []byte("\n")); n < 10 {
		t.Errorf("the auditor's case list has %d lines", n)
	}
	// The access log names who saw what, and refusals; never citizen text.
	log, err := os.ReadFile(f.access)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"event":"denied","user":"qingshi","role":"township","unit":"` + f.other, `"event":"view","user":"audit"`, `"what":"csv:cases"`} {
		if !bytes.Contains(log, []byte(want)) {
			t.Errorf("access log lacks %s", want)
		}
	}
	for _, bad := range []string{"单引号", "pwned", servePasswords["leader"]} {
		if bytes.Contains(log, []byte(bad)) {
			t.Errorf("access log holds %q", bad)
		}
	}
	if code, body := anon.get("/metrics"); code != 200 || !bytes.Contains(body, []byte("minqing_access_denied_total")) {
		t.Errorf("/metrics: %d, lacks the server's series", code)
	}
}

// testServeInjection: script, quotes and formulas in unit names and case text stay text in
// pages, titles, chart options and CSV.
func testServeInjection(t *testing.T, f *serveFixture) {
	audit := login(t, f.url, "audit", servePasswords["auditor"])
	for _, path := range []string{"/u/" + f.district, "/u/" + f.township, "/u/" + f.village} {
		code, page := audit.get(path)
		if code != 200 {
			t.Fatalf("GET %s: %d", path, code)
		}
		low := strings.ToLower(string(page))
		if n := strings.Count(low, "<script"); n != 2 {
			t.Errorf("%s: %d <script tags, want 2 (ECharts and the page's own)", path, n)
		}
		for _, raw := range []string{"<img", "window.pwned=\"", "onerror=\"window", "<script>window"} {
			if strings.Contains(low, strings.ToLower(raw)) {
				t.Errorf("%s: raw %q in the page", path, raw)
			}
		}
	}
	_, page := audit.get("/u/" + f.township)
	title := regexp.MustCompile(`<title>(.*?)</title>`).FindSubmatch(page)
	if title == nil || !strings.Contains(htmlText(string(title[1])), hostileTownship) {
		t.Errorf("title %q does not show the township's name as text", title)
	}
	_, page = audit.get("/u/" + f.district)
	if !strings.Contains(htmlText(string(page)), hostileText) {
		t.Error("the case list does not show the case text as text")
	}
	for _, chart := range []string{"ranking", "heatmap", "overdue"} {
		_, body := audit.get("/u/" + f.township + "/csv/" + chart)
		rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\ufeff")))).ReadAll()
		if err != nil {
			t.Fatalf("%s CSV: %v", chart, err)
		}
		found := false
		for _, r := range rows {
			for _, cell := range r {
				if strings.HasPrefix(cell, "=") || strings.HasPrefix(cell, "+") || strings.HasPrefix(cell, "@") {
					t.Errorf("%s CSV: cell %q would run as a formula", chart, cell)
				}
				found = found || cell == "'"+hostileVillage
			}
		}
		if !found {
			t.Errorf("%s CSV lacks the village's name, quoted as text", chart)
		}
	}
	_, body := audit.get("/u/" + f.district + "/csv/cases")
	if !bytes.Contains(body, []byte(`"</script><script>window.pwned=""desc""</script>""双引号""'单引号'`)) {
		t.Error("the case CSV does not hold the case text as one quoted field")
	}
}

// htmlText undoes html/template's escaping of text, as a browser shows it.
func htmlText(s string) string {
	r := strings.NewReplacer("&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'", "&amp;", "&", "&#43;", "+", "&quot;", `"`)
	return r.Replace(s)
}

// testServeDuringLoad rebuilds the figures as a scheduled load does while pages are asked
// for, cached and not (every period): none may fail, and afterwards the page shows the new
// data time.
func testServeDuringLoad(t *testing.T, f *serveFixture) {
	leader := login(t, f.url, "leader", servePasswords["leader"])
	_, page := leader.get("/u/" + f.district)
	var periods []string
	for _, m := range regexp.MustCompile(`<option value="([0-9Q-]+)"`).FindAllSubmatch(page, -1) {
		periods = append(periods, string(m[1]))
	}
	if len(periods) < 10 {
		t.Fatalf("the period selector offers %d periods", len(periods))
	}
	done := make(chan error, 1)
	go func() {
		_, err := f.p.ingestAndTransform(context.Background())
		done <- err
	}()
	requests, failed := 0, 0
	for running := true; running; {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("the load: %v", err)
			}
			running = false
		default:
		}
		for _, path := range []string{"/u/" + f.district, "/u/" + f.township + "?period=" + periods[requests%len(periods)]} {
			if code, body := leader.get(path); code != 200 {
				failed++
				t.Errorf("GET %s during the load: %d %.100s", path, code, body)
			}
			requests++
		}
		if failed > 3 {
			break
		}
	}
	t.Logf("%d requests during the load", requests)
	when := time.Date(2030, 1, 2, 3, 4, 0, 0, transform.Shanghai)
	f.srv.http.Invalidate(when)
	if _, page := leader.get("/u/" + f.district); !bytes.Contains(page, []byte("2030-01-02 03:04")) {
		t.Error("after the load the page does not show the new data time")
	}
}

// gatedReader is the store's reader with its first figures read (the background build's)
// held until gate is closed; started is closed when that read begins.
type gatedReader struct {
	*transform.Reader
	once    sync.Once
	gate    chan struct{}
	started chan struct{}
}

func (g *gatedReader) Figures(ctx context.Context, p transform.Period) ([]transform.UnitFigures, error) {
	first := false
	g.once.Do(func() { first = true })
	if first {
		close(g.started)
		select {
		case <-g.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return g.Reader.Figures(ctx, p)
}

// testServeAnswersAtOnce runs `minqing serve` (runServer) while the pages cannot be built
// (the build's first read waits for the test): it answers the login page, /healthz and a
// login at once, a page with one saying it is being prepared (503, Retry-After), and the
// page itself once the build is let through.
func testServeAnswersAtOnce(t *testing.T, f *serveFixture) {
	g := &gatedReader{gate: make(chan struct{}), started: make(chan struct{})}
	old, oldListen := serveSource, f.p.cfg.Serve.Listen
	serveSource = func(r *transform.Reader) serve.Source { g.Reader = r; return g }
	f.p.cfg.Serve.Listen = "127.0.0.1:0"
	defer func() { serveSource, f.p.cfg.Serve.Listen = old, oldListen }()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, w := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- runServer(ctx, f.p, w)
		w.Close()
	}()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("runServer printed no address: %v (%v)", err, <-done)
	}
	go io.Copy(io.Discard, out)
	base := strings.TrimSpace(strings.TrimPrefix(line, "serving on "))
	select {
	case <-g.started:
	case <-time.After(time.Minute):
		t.Fatal("the pages were not being built a minute after the server listened")
	}
	anon := &client{t: t, base: base}
	for _, path := range []string{"/login", "/healthz"} {
		if code, _ := anon.get(path); code != http.StatusOK {
			t.Errorf("GET %s while the pages are built: %d", path, code)
		}
	}
	leader := login(t, base, "leader", servePasswords["leader"])
	req, _ := http.NewRequest("GET", base+"/u/"+f.district, nil)
	req.Header.Set("Cookie", leader.cookie)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" ||
		!bytes.Contains(body, []byte(`http-equiv="refresh"`)) || !bytes.Contains(body, []byte("民情工作看板</h1>")) {
		t.Errorf("the district's page while it is built: %s, Retry-After %q:\n%.600s", resp.Status, resp.Header.Get("Retry-After"), body)
	}
	close(g.gate)
	deadline := time.Now().Add(time.Minute)
	for {
		code, page := leader.get("/u/" + f.district)
		if code == http.StatusOK {
			if !bytes.Contains(page, []byte("chart-trend")) {
				t.Error("the district's page once built has no trend chart")
			}
			break
		}
		if code != http.StatusServiceUnavailable || time.Now().After(deadline) {
			t.Fatalf("the district's page after the build was let through: %d", code)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("runServer: %v", err)
	}
}
