package serve

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minqing/minqing/transform"
)

// warnSource is fakeSource with a warning list: one case of 青石镇 overdue, one of 凤鸣镇
// due soon and without a number. It records the day and horizon of every read.
type warnSource struct {
	*fakeSource
	mu    sync.Mutex
	asked []string // "unit day horizon" of every Warnings read
}

var warnFixture = []transform.WarnCase{
	{CaseKey: "k1", CaseNo: "QS-1", UnitCode: "330199001001", UnitName: "西街村", TownshipCode: "330199001000", TownshipName: "青石镇",
		Category: "承诺件", Status: "办理中", ReceivedAt: time.Date(2024, 9, 2, 0, 0, 0, 0, shanghai), Deadline: time.Date(2024, 9, 30, 0, 0, 0, 0, shanghai),
		Kind: transform.WarnOverdue, DaysOverdue: 3, Citizen: "李*", Phone: "139****0001"},
	{CaseKey: "k2", UnitCode: "330199002001", UnitName: "东岭村", TownshipCode: "330199002000", TownshipName: "凤鸣镇",
		Category: "即办件", Status: "办理中", ReceivedAt: time.Date(2024, 10, 7, 0, 0, 0, 0, shanghai), Deadline: time.Date(2024, 10, 9, 0, 0, 0, 0, shanghai),
		Kind: transform.WarnDueSoon, DaysLeft: 1, File: "凤鸣镇.xlsx", Row: 7, Citizen: "王*", Phone: "137****0002"},
}

// under says whether a case is unitCode's or of a unit under it.
func (s *warnSource) under(c transform.WarnCase, code string) bool {
	return code == s.units[0].Code || c.UnitCode == code || c.TownshipCode == code
}

func (s *warnSource) Warnings(_ context.Context, code string, asOf time.Time, days int) (transform.Warnings, error) {
	s.mu.Lock()
	s.asked = append(s.asked, code+" "+asOf.Format("2006-01-02 15:04 -0700")+" "+string(rune('0'+days)))
	s.mu.Unlock()
	w := transform.Warnings{UnitCode: code, AsOf: asOf, WarnDays: days, Until: asOf.AddDate(0, 0, days),
		DataThrough: time.Date(2024, 10, 7, 0, 0, 0, 0, shanghai)}
	for _, c := range warnFixture {
		if s.under(c, code) {
			w.Cases = append(w.Cases, c)
		}
	}
	return w, nil
}

func (s *warnSource) WarningCounts(_ context.Context, code string, asOf time.Time, days int) ([]transform.WarnCount, error) {
	count := func(u transform.Unit) transform.WarnCount {
		n := transform.WarnCount{UnitCode: u.Code, UnitName: u.Name, Level: u.Level}
		for _, c := range warnFixture {
			if s.under(c, u.Code) {
				if c.Kind == transform.WarnOverdue {
					n.Overdue++
				} else {
					n.DueSoon++
				}
			}
		}
		return n
	}
	var out []transform.WarnCount
	for _, u := range s.units {
		if u.Code == code {
			out = append([]transform.WarnCount{count(u)}, out...)
		} else if u.Parent == code {
			out = append(out, count(u))
		}
	}
	return out, nil
}

func (s *warnSource) reads() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.asked...)
}

// TestWarningsOnPages: every role sees the warnings of the pages it may see, as at today
// in Shanghai, masked; a township user sees its own township's cases only; the panel is
// read once a day per unit and data version.
func TestWarningsOnPages(t *testing.T) {
	clock := &testClock{t: time.Date(2024, 10, 8, 9, 0, 0, 0, shanghai)}
	src := &warnSource{fakeSource: newFakeSource()}
	s, _ := newTestServerOpts(t, src, clock, func(o *Options) { o.WarnDays = 3 })
	h := s.Handler()
	lead, aud, qs := cookieOf(t, h, "lead"), cookieOf(t, h, "aud"), cookieOf(t, h, "qs")
	qingshi := []string{`id="warnings"`, "<h2>预警（截至2024年10月8日）</h2>", "<td>QS-1</td>", "<td>李*</td>", "<td>139****0001</td>", "超期 3",
		"数据截至2024年10月7日，其后受理或办结的诉求未计入"}
	fengming := []string{"凤鸣镇.xlsx 第7行", "王*", "137****0002", "剩余 1"}
	for _, tc := range []struct {
		name, cookie, path string
		status             int
		want, not          []string
	}{
		{"leader: the district", lead, "/u/330199000000", 200, append(append([]string{
			`<a href="/u/330199001000?period=2024Q3">青石镇</a></td><td class="num overdue">1</td><td class="num">0</td>`,
			`<a href="/u/330199002000?period=2024Q3">凤鸣镇</a></td><td class="num">0</td><td class="num">1</td>`,
			`<tr class="own"><td>合计</td><td class="num">1</td><td class="num">1</td></tr>`, "共 2 件。"}, qingshi...), fengming...), nil},
		{"auditor: the district", aud, "/u/330199000000", 200, append(append([]string{`<table class="cases">`}, qingshi...), fengming...), nil},
		{"leader: a village", lead, "/u/330199002001", 200, fengming, []string{"QS-1", "李*"}},
		{"township: its own", qs, "/u/330199001000", 200, append([]string{`<a href="/u/330199001001?period=2024Q3">西街村</a>`}, qingshi...), fengming},
		{"township: its village", qs, "/u/330199001001", 200, qingshi, fengming},
		{"township: its neighbour", qs, "/u/330199002000", 403, nil, append([]string{"预警"}, fengming...)},
		{"township: the district", qs, "/u/330199000000", 403, nil, append([]string{"预警"}, fengming...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := do(t, h, "GET", tc.path, tc.cookie, nil)
			if w.Code != tc.status {
				t.Fatalf("GET %s = %d, want %d", tc.path, w.Code, tc.status)
			}
			page := w.Body.String()
			for _, want := range tc.want {
				if !strings.Contains(page, want) {
					t.Errorf("the page lacks %s", want)
				}
			}
			for _, not := range tc.not {
				if strings.Contains(page, not) {
					t.Errorf("the page shows %s", not)
				}
			}
		})
	}
	// Read once a day per unit: the district (leader and auditor), a village, the
	// township and its village; never for a page refused.
	want := []string{"330199000000 2024-10-08 00:00 +0800 3", "330199002001 2024-10-08 00:00 +0800 3",
		"330199001000 2024-10-08 00:00 +0800 3", "330199001001 2024-10-08 00:00 +0800 3"}
	if got := src.reads(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("read\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// 17:00 UTC is 01:00 the next day in Shanghai: a new list, the day before's dropped.
	clock.t = time.Date(2024, 10, 8, 17, 0, 0, 0, time.UTC)
	lead = cookieOf(t, h, "lead")
	if page := do(t, h, "GET", "/u/330199000000", lead, nil).Body.String(); !strings.Contains(page, "<h2>预警（截至2024年10月9日）</h2>") {
		t.Error("the day after, the page does not show the list as at that day")
	}
	if got := src.reads(); len(got) != 5 || got[4] != "330199000000 2024-10-09 00:00 +0800 3" {
		t.Errorf("the day after, read %q", got)
	}
	s.mu.Lock()
	cached := len(s.warnCache)
	s.mu.Unlock()
	if cached != 1 {
		t.Errorf("%d panels cached, want today's one", cached)
	}
	// A load drops them too.
	s.Invalidate(clock.t)
	do(t, h, "GET", "/u/330199000000", lead, nil)
	if got := src.reads(); len(got) != 6 {
		t.Errorf("after a load, %d reads, want 6", len(got))
	}
}

// TestNoWarnings: a source that cannot list warnings gives pages without the panel, and a
// negative horizon is refused.
func TestNoWarnings(t *testing.T) {
	clock := &testClock{t: time.Date(2024, 10, 8, 9, 0, 0, 0, shanghai)}
	s, _ := newTestServer(t, newFakeSource(), clock)
	h := s.Handler()
	w := do(t, h, "GET", "/u/330199000000", cookieOf(t, h, "lead"), nil)
	if w.Code != 200 || strings.Contains(w.Body.String(), `id="warnings"`) || strings.Contains(w.Body.String(), "预警（截至") {
		t.Errorf("a page from a source without warnings: %d, panel shown %v", w.Code, strings.Contains(w.Body.String(), "预警（截至"))
	}
	_, err := New(context.Background(), Options{Source: newFakeSource(), Users: []User{{Name: "lead", Role: RoleLeader}},
		SessionKey: make([]byte, 32), WarnDays: -1})
	if err == nil || !strings.Contains(err.Error(), "negative") {
		t.Errorf("a negative horizon: %v", err)
	}
}
