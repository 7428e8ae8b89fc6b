package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/ipc"
	"golang.org/x/crypto/bcrypt"

	"github.com/minqing/minqing/transform"
)

var shanghai = time.FixedZone("CST", 8*3600)

func f(v float64) *float64 { return &v }

func month(y, m int) transform.Period {
	start := time.Date(y, time.Month(m), 1, 0, 0, 0, 0, shanghai)
	end := start.AddDate(0, 1, -1)
	return transform.Period{ID: start.Format("2006-01"), Kind: "month", Start: start, End: end, Cutoff: end}
}

func quarter(y, q int) transform.Period {
	start := time.Date(y, time.Month(3*q-2), 1, 0, 0, 0, 0, shanghai)
	end := start.AddDate(0, 3, -1)
	return transform.Period{ID: start.Format("2006") + "Q" + string(rune('0'+q)), Kind: "quarter", Start: start, End: end, Cutoff: end}
}

// fakeSource is a district of two townships with a village each, in memory: what the
// server reads, without a store. reads counts Figures calls, to see the cache work.
type fakeSource struct {
	units []transform.Unit
	reads int
}

func newFakeSource() *fakeSource {
	return &fakeSource{units: []transform.Unit{
		{Code: "330199000000", Name: "和平区", Level: "district"},
		{Code: "330199001000", Name: "青石镇", Level: "township", Parent: "330199000000"},
		{Code: "330199002000", Name: "凤鸣镇", Level: "township", Parent: "330199000000"},
		{Code: "330199001001", Name: "西街村", Level: "village", Parent: "330199001000"},
		{Code: "330199002001", Name: "东岭村", Level: "village", Parent: "330199002000"},
	}}
}

func (s *fakeSource) Units(context.Context) ([]transform.Unit, error) { return s.units, nil }

func (s *fakeSource) Figures(_ context.Context, p transform.Period) ([]transform.UnitFigures, error) {
	s.reads++
	var out []transform.UnitFigures
	for i, u := range s.units {
		out = append(out, transform.UnitFigures{Unit: u,
			Values: map[string]*float64{"received": f(float64(100 - i)), "score": f(float64(80 + i)), "overdue_open": f(float64(i)), "on_time_rate": f(0.9)},
			MoM:    map[string]*float64{}, YoY: map[string]*float64{}})
	}
	return out, nil
}

func (s *fakeSource) Series(_ context.Context, code, kind string) ([]transform.PeriodFigures, error) {
	if kind == "quarter" {
		return []transform.PeriodFigures{{Period: quarter(2024, 3), Values: map[string]*float64{"received": f(10)}}}, nil
	}
	if kind != "month" {
		return nil, nil
	}
	// June 2024 is in the store's periods but no case counts in it
	out := []transform.PeriodFigures{{Period: month(2024, 6), Values: map[string]*float64{"received": f(0), "closed": f(0), "overdue_open": f(0)}}}
	for m := 7; m <= 9; m++ {
		out = append(out, transform.PeriodFigures{Period: month(2024, m), Values: map[string]*float64{"received": f(3), "on_time_rate": f(0.8)}})
	}
	return out, nil
}

func (s *fakeSource) Breakdown(_ context.Context, _ transform.Period, _, dim string) ([]transform.BreakdownRow, error) {
	return []transform.BreakdownRow{{Value: dim + "-a", Values: map[string]*float64{"received": f(5)}}}, nil
}

func (s *fakeSource) ProblemCases(_ context.Context, _ transform.Period, code string, clear bool) ([]transform.CaseRow, error) {
	if clear {
		panic("the server asked for citizens in clear")
	}
	return []transform.CaseRow{{CaseKey: "A1", CaseNo: "A1", UnitCode: code, UnitName: "西街村", Category: "承诺件",
		ReceivedAt: time.Date(2024, 7, 1, 0, 0, 0, 0, shanghai), Overdue: true, Citizen: "张*", Phone: "138****5678"}}, nil
}

func (s *fakeSource) Periods(_ context.Context, kind string) ([]transform.Period, error) {
	switch kind {
	case "quarter":
		return []transform.Period{quarter(2024, 3)}, nil
	case "month":
		return []transform.Period{month(2024, 6), month(2024, 7), month(2024, 8), month(2024, 9)}, nil
	}
	return nil, nil
}

func (s *fakeSource) Period(_ context.Context, id string) (transform.Period, error) {
	return transform.ParsePeriod(id)
}

type testClock struct{ t time.Time }

func (c *testClock) now() time.Time { return c.t }

func newTestServer(t *testing.T, src *fakeSource, clock *testClock) (*Server, *bytes.Buffer) {
	t.Helper()
	return newTestServerWith(t, src, clock, 0)
}

// newTestServerWith is newTestServer over any source, with Options.PageWait.
func newTestServerWith(t *testing.T, src Source, clock *testClock, pageWait time.Duration) (*Server, *bytes.Buffer) {
	t.Helper()
	return newTestServerOpts(t, src, clock, func(o *Options) { o.PageWait = pageWait })
}

// newTestServerOpts is newTestServer over any source, with options set by opt.
func newTestServerOpts(t *testing.T, src Source, clock *testClock, opt func(*Options)) (*Server, *bytes.Buffer) {
	t.Helper()
	h, _ := bcrypt.GenerateFromPassword([]byte("pw-12345678"), bcrypt.MinCost)
	var access bytes.Buffer
	o := Options{
		Source: src, SessionKey: bytes.Repeat([]byte("k"), 32), AccessLog: &access, Now: clock.now,
		Users: []User{
			{Name: "lead", Role: RoleLeader, PasswordHash: string(h)},
			{Name: "qs", Role: RoleTownship, Unit: "330199001000", PasswordHash: string(h)},
			{Name: "aud", Role: RoleAuditor, PasswordHash: string(h)},
		},
	}
	opt(&o)
	s, err := New(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return s, &access
}

func do(t *testing.T, h http.Handler, method, path, cookie string, form url.Values) *httptest.ResponseRecorder {
	t.Helper()
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req := httptest.NewRequest(method, path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func cookieOf(t *testing.T, h http.Handler, name string) string {
	t.Helper()
	w := do(t, h, "POST", "/login", "", url.Values{"name": {name}, "password": {"pw-12345678"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("login %s: %d %s", name, w.Code, w.Body)
	}
	for _, c := range w.Result().Cookies() {
		if c.Name == cookieName {
			return c.Name + "=" + c.Value
		}
	}
	t.Fatalf("login %s: no cookie", name)
	return ""
}

// TestErrorPages: a page that cannot be shown says why with the dashboard's header and a
// way back; "not found" (404) and "not allowed" (403) differ in code and words; a
// township user learns of no code outside its own township.
func TestErrorPages(t *testing.T) {
	clock := &testClock{t: time.Date(2024, 10, 8, 9, 0, 0, 0, shanghai)}
	s, _ := newTestServer(t, newFakeSource(), clock)
	h := s.Handler()
	qs, lead := cookieOf(t, h, "qs"), cookieOf(t, h, "lead")
	for _, tc := range []struct {
		name, cookie, path string
		status             int
		says               []string
		back               string
	}{
		{"township: the district", qs, "/u/330199000000", 403,
			[]string{"无权查看该单位", "只能查看青石镇及其下辖村（社区）", "和平区 民情工作看板", "qs"}, "/u/330199001000?period=2024Q3"},
		{"township: a code outside its township", qs, "/u/999999999999", 403, []string{"无权查看该单位"}, "/u/330199001000?period=2024Q3"},
		{"township: a code of its own township not in the register", qs, "/u/330199001999", 404,
			[]string{"没有该单位", "330199001999"}, "/u/330199001000?period=2024Q3"},
		{"leader: a code not in the register", lead, "/u/330199009999", 404, []string{"没有该单位", "和平区 民情工作看板"}, "/u/330199000000?period=2024Q3"},
		{"leader: an unknown period", lead, "/u/330199002000?period=2020Q1", 404,
			[]string{"没有该统计期的数据", "2020Q1", "2024年第三季度"}, "/u/330199002000?period=2024Q3"},
		{"leader: no such page", lead, "/reports/2024", 404, []string{"没有该页面", "和平区 民情工作看板"}, "/u/330199000000?period=2024Q3"},
		{"no session: no such page", "", "/nothing", 404, []string{"没有该页面", "民情工作看板"}, "/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := do(t, h, "GET", tc.path, tc.cookie, nil)
			body := w.Body.String()
			if w.Code != tc.status || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
				t.Fatalf("GET %s = %d %s, want a %d page", tc.path, w.Code, w.Header().Get("Content-Type"), tc.status)
			}
			for _, s := range append(tc.says, "<header>", `data-status="`+strconv.Itoa(tc.status)+`"`) {
				if !strings.Contains(body, s) {
					t.Errorf("the page does not say %q:\n%s", s, body)
				}
			}
			if want := `id="back" href="` + html.EscapeString(tc.back) + `"`; !strings.Contains(body, want) {
				t.Errorf("the page has no way back to %s:\n%s", tc.back, body)
			}
			other := map[int]string{403: "没有该", 404: "无权"}[tc.status]
			if strings.Contains(body, other) {
				t.Errorf("a %d page says %q, the other kind's words", tc.status, other)
			}
		})
	}
	// Data requests get the same distinction as one line of text.
	for path, want := range map[string]int{"/u/330199000000/csv/trend": 403, "/u/330199001999/csv/trend": 404} {
		w := do(t, h, "GET", path, qs, nil)
		if w.Code != want || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/plain") {
			t.Errorf("GET %s = %d %s, want %d text", path, w.Code, w.Header().Get("Content-Type"), want)
		}
	}
}

func TestScope(t *testing.T) {
	clock := &testClock{t: time.Date(2024, 10, 8, 9, 0, 0, 0, shanghai)}
	s, access := newTestServer(t, newFakeSource(), clock)
	h := s.Handler()
	qs, lead, aud := cookieOf(t, h, "qs"), cookieOf(t, h, "lead"), cookieOf(t, h, "aud")
	tests := []struct {
		name, cookie, path string
		want               int
	}{
		{"no session", "", "/u/330199001000/csv/trend", 401},
		{"no session, page", "", "/u/330199001000", 303},
		{"forged cookie", cookieName + "=eyJ1IjoibGVhZCJ9.AAAA", "/u/330199000000/csv/trend", 401},
		{"township: own", qs, "/u/330199001000", 200},
		{"township: own village", qs, "/u/330199001001/csv/heatmap", 200},
		{"township: district", qs, "/u/330199000000", 403},
		{"township: neighbour", qs, "/u/330199002000/csv/ranking", 403},
		{"township: neighbour's village", qs, "/u/330199002001/figures.arrow", 403},
		{"township: cases", qs, "/u/330199001000/csv/cases", 403},
		{"leader: anything", lead, "/u/330199002001", 200},
		{"leader: cases", lead, "/u/330199000000/cases.arrow", 403},
		{"auditor: cases", aud, "/u/330199000000/csv/cases", 200},
		{"auditor: cases stream", aud, "/u/330199002000/cases.arrow", 200},
		{"unknown period", lead, "/u/330199000000?period=2020Q1", 404},
		{"a period in which no case counts", lead, "/u/330199000000?period=2024-06", 404},
		{"home", qs, "/", 303},
	}
	for _, tt := range tests {
		if w := do(t, h, "GET", tt.path, tt.cookie, nil); w.Code != tt.want {
			t.Errorf("%s: GET %s = %d, want %d", tt.name, tt.path, w.Code, tt.want)
		}
	}
	if w := do(t, h, "GET", "/", qs, nil); w.Header().Get("Location") != "/u/330199001000?period=2024Q3" {
		t.Errorf("a township user's home is %q", w.Header().Get("Location"))
	}
	// The township's stream holds its own units and no neighbour's.
	w := do(t, h, "GET", "/u/330199001000/figures.arrow", qs, nil)
	rd, err := ipc.NewReader(w.Body)
	if err != nil {
		t.Fatal(err)
	}
	units := map[string]bool{}
	for rd.Next() {
		col := rd.RecordBatch().Column(2)
		for i := 0; i < col.Len(); i++ {
			units[col.ValueStr(i)] = true
		}
	}
	if len(units) != 2 || !units["330199001000"] || !units["330199001001"] {
		t.Errorf("the township's stream covers %v", units)
	}
	if !strings.Contains(access.String(), `"event":"denied","user":"qs","role":"township","unit":"330199002000"`) {
		t.Errorf("the access log does not record the refusal:\n%s", access)
	}
	// Sessions expire.
	clock.t = clock.t.Add(9 * time.Hour)
	if w := do(t, h, "GET", "/u/330199001000/csv/trend", qs, nil); w.Code != 401 {
		t.Errorf("an expired session: %d, want 401", w.Code)
	}
}

func TestLogout(t *testing.T) {
	s, _ := newTestServer(t, newFakeSource(), &testClock{t: time.Now()})
	h := s.Handler()
	c := cookieOf(t, h, "lead")
	if w := do(t, h, "POST", "/logout", c, url.Values{"csrf": {"wrong"}}); w.Code != 403 {
		t.Errorf("logout without the form's token: %d, want 403", w.Code)
	}
	ses, err := s.sessions.check(func() *http.Request { r := httptest.NewRequest("GET", "/", nil); r.Header.Set("Cookie", c); return r }())
	if err != nil {
		t.Fatal(err)
	}
	if w := do(t, h, "POST", "/logout", c, url.Values{"csrf": {s.sessions.csrf(ses)}}); w.Code != 303 {
		t.Errorf("logout: %d", w.Code)
	}
	if w := do(t, h, "GET", "/u/330199000000/csv/trend", c, nil); w.Code != 401 {
		t.Errorf("the cookie still works after logout: %d", w.Code)
	}
}

func TestLoginLimit(t *testing.T) {
	clock := &testClock{t: time.Now()}
	s, _ := newTestServer(t, newFakeSource(), clock)
	h := s.Handler()
	for range 5 {
		if w := do(t, h, "POST", "/login", "", url.Values{"name": {"lead"}, "password": {"guess"}}); w.Code != 401 {
			t.Fatalf("a wrong password: %d, want 401", w.Code)
		}
	}
	w := do(t, h, "POST", "/login", "", url.Values{"name": {"lead"}, "password": {"pw-12345678"}})
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" {
		t.Errorf("the right password after five wrong ones: %d, want 429 with Retry-After", w.Code)
	}
	// Another user from the same address is not locked out by them.
	if w := do(t, h, "POST", "/login", "", url.Values{"name": {"aud"}, "password": {"pw-12345678"}}); w.Code != 303 {
		t.Errorf("another user: %d, want 303", w.Code)
	}
	clock.t = clock.t.Add(61 * time.Second)
	if w := do(t, h, "POST", "/login", "", url.Values{"name": {"lead"}, "password": {"pw-12345678"}}); w.Code != 303 {
		t.Errorf("a minute later: %d, want 303", w.Code)
	}
	// A form posted from another site is refused before the password is looked at.
	req := httptest.NewRequest("POST", "/login", strings.NewReader("name=lead&password=pw-12345678"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://evil.example")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 403 {
		t.Errorf("a cross-site login: %d, want 403", rec.Code)
	}
}

func TestCacheAndInvalidate(t *testing.T) {
	src := newFakeSource()
	s, _ := newTestServer(t, src, &testClock{t: time.Now()})
	h := s.Handler()
	c := cookieOf(t, h, "lead")
	for range 3 {
		if w := do(t, h, "GET", "/u/330199000000", c, nil); w.Code != 200 {
			t.Fatal(w.Code)
		}
	}
	if src.reads != 1 {
		t.Errorf("three views read the figures %d times, want once", src.reads)
	}
	when := time.Date(2024, 10, 8, 2, 30, 0, 0, shanghai)
	s.Invalidate(when)
	w := do(t, h, "GET", "/u/330199000000", c, nil)
	if src.reads != 2 {
		t.Errorf("after Invalidate the figures were read %d times in all, want 2", src.reads)
	}
	if !strings.Contains(w.Body.String(), "数据更新于 <span id=\"data-time\">2024-10-08 02:30</span>") {
		t.Error("the page does not show the time of its data")
	}
	if w := do(t, h, "GET", "/healthz", "", nil); w.Code != 200 || !strings.Contains(w.Body.String(), "2024-10-08T02:30:00+08:00") {
		t.Errorf("/healthz: %d %s", w.Code, w.Body)
	}
	if w := do(t, h, "GET", "/metrics", "", nil); !strings.Contains(w.Body.String(), `minqing_page_cache_total{result="hit"} 2`) {
		t.Errorf("/metrics does not count the cache hits:\n%.400s", w.Body)
	}
}

func TestWarm(t *testing.T) {
	src := newFakeSource()
	s, _ := newTestServer(t, src, &testClock{t: time.Now()})
	if err := s.Warm(context.Background()); err != nil {
		t.Fatal(err)
	}
	warmed := src.reads
	if warmed != 1 {
		t.Errorf("Warm read the figures %d times, want once for every unit's page", warmed)
	}
	h := s.Handler()
	c := cookieOf(t, h, "qs")
	for _, code := range []string{"330199001000", "330199001001"} {
		if w := do(t, h, "GET", "/u/"+code, c, nil); w.Code != 200 {
			t.Fatal(w.Code)
		}
	}
	if src.reads != warmed {
		t.Errorf("pages of the default period were built again after Warm (%d reads)", src.reads-warmed)
	}
}

// gatedSource holds its first Figures read (Warm's) until gate is closed; started is
// closed when that read begins.
type gatedSource struct {
	*fakeSource
	mu      sync.Mutex
	first   bool
	gate    chan struct{}
	started chan struct{}
}

func (s *gatedSource) Figures(ctx context.Context, p transform.Period) ([]transform.UnitFigures, error) {
	s.mu.Lock()
	first := !s.first
	s.first = true
	s.mu.Unlock()
	if first {
		close(s.started)
		select {
		case <-s.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fakeSource.Figures(ctx, p)
}

// TestAnswersWhileWarming: while Warm builds the pages in the background, the server
// answers at once: the login page, /healthz and pages of other periods as usual, the
// pages being built with a page saying so (503, Retry-After, refreshing itself, with the
// page's header); once Warm is done, the pages are served from what it built.
func TestAnswersWhileWarming(t *testing.T) {
	src := &gatedSource{fakeSource: newFakeSource(), gate: make(chan struct{}), started: make(chan struct{})}
	s, _ := newTestServerWith(t, src, &testClock{t: time.Now()}, 20*time.Millisecond)
	h := s.Handler()
	lead, qs := cookieOf(t, h, "lead"), cookieOf(t, h, "qs")
	done := s.WarmInBackground(context.Background())
	<-src.started
	for _, path := range []string{"/login", "/healthz"} {
		if w := do(t, h, "GET", path, "", nil); w.Code != 200 {
			t.Errorf("GET %s while the pages are built: %d", path, w.Code)
		}
	}
	if w := do(t, h, "GET", "/metrics", "", nil); !strings.Contains(w.Body.String(), "minqing_pages_warming 1") {
		t.Error("/metrics does not say the pages are being built")
	}
	for _, tc := range []struct{ cookie, path, title, crumbs string }{
		{lead, "/u/330199000000", "和平区 2024年第三季度 民情工作看板", `<span class="crumbs">和平区</span> · 2024年第三季度`},
		{qs, "/u/330199001001", "和平区 青石镇 西街村 2024年第三季度 民情工作看板", `>青石镇</a> › 西街村</span>`},
	} {
		w := do(t, h, "GET", tc.path, tc.cookie, nil)
		body := w.Body.String()
		if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") != "3" {
			t.Errorf("GET %s while it is built: %d, Retry-After %q; want 503 and 3", tc.path, w.Code, w.Header().Get("Retry-After"))
		}
		for _, want := range []string{`<meta http-equiv="refresh" content="3">`, "<h1>" + tc.title + "</h1>", tc.crumbs, "正在准备", `name="csrf"`} {
			if !strings.Contains(body, want) {
				t.Errorf("GET %s while it is built: the page lacks %q:\n%s", tc.path, want, body)
			}
		}
	}
	if w := do(t, h, "GET", "/u/330199000000/csv/trend", lead, nil); w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
		t.Errorf("a CSV of a page being built: %d, Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
	// Pages Warm does not build are built when asked for, as ever.
	if w := do(t, h, "GET", "/u/330199000000?period=2024-08", lead, nil); w.Code != 200 {
		t.Errorf("a page of another period while the pages are built: %d", w.Code)
	}
	if w := do(t, h, "GET", "/u/330199000000/csv/cases", cookieOf(t, h, "aud"), nil); w.Code != 200 {
		t.Errorf("an auditor's case list while the pages are built: %d", w.Code)
	}
	select {
	case err := <-done:
		t.Fatalf("Warm finished before its read was let through: %v", err)
	default:
	}
	close(src.gate)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	src.mu.Lock()
	reads := src.reads
	src.mu.Unlock()
	for _, c := range []struct{ cookie, path string }{{lead, "/u/330199000000"}, {qs, "/u/330199001001"}, {lead, "/u/330199000000/csv/trend"}} {
		if w := do(t, h, "GET", c.path, c.cookie, nil); w.Code != 200 {
			t.Errorf("GET %s after the pages were built: %d", c.path, w.Code)
		}
	}
	if src.reads != reads {
		t.Errorf("the pages Warm built were built again (%d more reads)", src.reads-reads)
	}
	if w := do(t, h, "GET", "/metrics", "", nil); !strings.Contains(w.Body.String(), "minqing_pages_warming 0") {
		t.Error("/metrics still says the pages are being built")
	}
}

// TestWarmAfterInvalidate: a Warm overtaken by an Invalidate stores nothing, and a page
// asked for meanwhile is built from the new figures, not waited for.
func TestWarmAfterInvalidate(t *testing.T) {
	src := &gatedSource{fakeSource: newFakeSource(), gate: make(chan struct{}), started: make(chan struct{})}
	s, _ := newTestServerWith(t, src, &testClock{t: time.Now()}, time.Minute)
	h := s.Handler()
	lead := cookieOf(t, h, "lead")
	done := s.WarmInBackground(context.Background())
	<-src.started
	s.Invalidate(time.Now())
	if w := do(t, h, "GET", "/u/330199000000", lead, nil); w.Code != 200 {
		t.Errorf("a page after Invalidate while an old Warm runs: %d", w.Code)
	}
	close(src.gate)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	n := len(s.cache)
	s.mu.Unlock()
	if n != 1 {
		t.Errorf("the cache holds %d pages, want the one built after Invalidate (the old Warm's are stale)", n)
	}
}

func TestSafeNext(t *testing.T) {
	s, _ := newTestServer(t, newFakeSource(), &testClock{t: time.Now()})
	h := s.Handler()
	base, _ := url.Parse("http://127.0.0.1:8080/login")
	for in, want := range map[string]string{
		"/u/1?period=2024Q3": "/u/1?period=2024Q3", "//evil.example/": "/", "https://evil.example/": "/",
		"/\\evil.example": "/", "": "/", "/u/1\r\nSet-Cookie: x": "/",
		"/ok?x=1": "/ok?x=1",
		"/ok#top": "/ok#top",
		"/u/330199001000/csv/trend?period=2024-07": "/u/330199001000/csv/trend?period=2024-07",
		"//evil":                  "/",
		"///evil":                 "/",
		"/\\/evil":                "/",
		"\\\\evil":                "/",
		"/%09/evil.example":       "/",
		"/\t/evil.example":        "/",
		"/\n/evil.example":        "/",
		"\t//evil.example":        "/",
		" //evil.example":         "/",
		"/%2F%2Fevil":             "/",
		"/%2f/evil":               "/",
		"/%5Cevil":                "/",
		"/%5c%5cevil":             "/",
		"/ok%0d%0aSet-Cookie:x=1": "/",
		"/%E3%80%80/evil":         "/",
		"/\u3000/evil":            "/",
		"/%ff":                    "/",
		"/%zz":                    "/",
		"https://evil":            "/",
		"https:evil":              "/",
		"http:/evil":              "/",
		"HTTPS://evil":            "/",
		"javascript:alert(1)":     "/",
		"JaVaScRiPt:alert(1)":     "/",
		"data:text/html,x":        "/",
		"//user@evil":             "/",
		"/@evil":                  "/@evil",
		"evil.example":            "/",
		"?next=//evil":            "/",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
		// The login redirects to next; wherever the Location sends a browser, it is
		// this host (browsers drop tabs and line breaks and read \ as /).
		w := do(t, h, "POST", "/login", "", url.Values{"name": {"lead"}, "password": {"pw-12345678"}, "next": {in}})
		loc := w.Header().Get("Location")
		if w.Code != http.StatusSeeOther {
			t.Fatalf("login with next %q: %d", in, w.Code)
		}
		loc = strings.Map(func(r rune) rune {
			if r == '\t' || r == '\n' || r == '\r' {
				return -1
			}
			return r
		}, strings.Trim(loc, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f "))
		ref, err := url.Parse(strings.ReplaceAll(loc, "\\", "/"))
		if err != nil {
			t.Errorf("login with next %q: Location %q does not parse: %v", in, w.Header().Get("Location"), err)
			continue
		}
		if to := base.ResolveReference(ref); to.Scheme != "http" || to.Host != "127.0.0.1:8080" {
			t.Errorf("login with next %q: Location %q takes a browser to %s", in, w.Header().Get("Location"), to)
		}
		if want != "/" && !strings.HasPrefix(loc, strings.SplitN(want, "?", 2)[0]) {
			t.Errorf("login with next %q: Location %q, want %q", in, loc, want)
		}
	}
}

// TestLoginPageNext follows the report: the login page reached with a hostile
// next must not carry it into its form.
func TestLoginPageNext(t *testing.T) {
	s, _ := newTestServer(t, newFakeSource(), &testClock{t: time.Now()})
	for query, want := range map[string]string{
		"next=/%09/evil.example":                 `value="/"`,
		"next=/%5Cevil":                          `value="/"`,
		"next=%2F%2Fevil":                        `value="/"`,
		"next=/u/330199001000%3Fperiod%3D2024Q3": `value="/u/330199001000?period=2024Q3"`,
	} {
		w := do(t, s.Handler(), "GET", "/login?"+query, "", nil)
		if !strings.Contains(w.Body.String(), `name="next" `+want) {
			t.Errorf("GET /login?%s: the form's next is not %s:\n%s", query, want, w.Body)
		}
	}
}

func TestLogoutSurvivesRestart(t *testing.T) {
	clock := &testClock{t: time.Date(2024, 10, 8, 9, 0, 0, 0, shanghai)}
	file := filepath.Join(t.TempDir(), "minqing.duckdb.session-key.revoked")
	h, _ := bcrypt.GenerateFromPassword([]byte("pw-12345678"), bcrypt.MinCost)
	start := func() http.Handler {
		t.Helper()
		s, err := New(context.Background(), Options{
			Source: newFakeSource(), SessionKey: bytes.Repeat([]byte("k"), 32), Now: clock.now, RevokedFile: file,
			Users: []User{{Name: "lead", Role: RoleLeader, PasswordHash: string(h)}},
		})
		if err != nil {
			t.Fatal(err)
		}
		return s.Handler()
	}
	logout := func(h http.Handler, cookie string) {
		t.Helper()
		page := do(t, h, "GET", "/u/330199000000", cookie, nil)
		m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page.Body.String())
		if m == nil {
			t.Fatalf("no logout form on the page: %d", page.Code)
		}
		if w := do(t, h, "POST", "/logout", cookie, url.Values{"csrf": {m[1]}}); w.Code != http.StatusSeeOther {
			t.Fatalf("logout: %d", w.Code)
		}
	}
	first := start()
	out, kept := cookieOf(t, first, "lead"), cookieOf(t, first, "lead")
	logout(first, out)
	if w := do(t, first, "GET", "/u/330199000000/csv/trend", out, nil); w.Code != 401 {
		t.Fatalf("the cookie works after logout: %d", w.Code)
	}
	again := start() // a restart: same key, same file
	if w := do(t, again, "GET", "/u/330199000000/csv/trend", out, nil); w.Code != 401 {
		t.Errorf("a logged-out cookie works again after a restart: %d, want 401", w.Code)
	}
	if w := do(t, again, "GET", "/u/330199000000/csv/trend", kept, nil); w.Code != 200 {
		t.Errorf("a session not logged out was lost in the restart: %d, want 200", w.Code)
	}
	// Revocations go once their session would have expired anyway.
	clock.t = clock.t.Add(7 * time.Hour)
	later := cookieOf(t, again, "lead")
	clock.t = clock.t.Add(90 * time.Minute) // the first two sessions have expired
	logout(again, later)
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var revoked map[string]int64
	if err := json.Unmarshal(b, &revoked); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if len(revoked) != 1 {
		t.Errorf("%d revocations kept, want 1 (the expired session's pruned): %s", len(revoked), b)
	}
	if w := do(t, start(), "GET", "/u/330199000000/csv/trend", later, nil); w.Code != 401 {
		t.Errorf("the later logout did not survive a restart: %d", w.Code)
	}
	// A damaged file stops the server rather than forget logouts.
	if err := os.WriteFile(file, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(context.Background(), Options{Source: newFakeSource(), SessionKey: bytes.Repeat([]byte("k"), 32), RevokedFile: file,
		Users: []User{{Name: "lead", Role: RoleLeader, PasswordHash: string(h)}}}); err == nil || !strings.Contains(err.Error(), "reading revoked sessions") {
		t.Errorf("a damaged revocation file: %v", err)
	}
}

func TestNewRefusesUnknownTownship(t *testing.T) {
	h, _ := bcrypt.GenerateFromPassword([]byte("pw-12345678"), bcrypt.MinCost)
	_, err := New(context.Background(), Options{Source: newFakeSource(), SessionKey: bytes.Repeat([]byte("k"), 32),
		Users: []User{{Name: "x", Role: RoleTownship, Unit: "330199001001", PasswordHash: string(h)}}})
	if err == nil || !strings.Contains(err.Error(), `serve.users[0].unit: "330199001001" is not a township`) {
		t.Errorf("a village as a township user's unit: %v", err)
	}
}
