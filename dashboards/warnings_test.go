package dashboards

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minqing/minqing/transform"
)

// warnSiteSource is siteSource that also lists warnings: cases of 青石镇's 西街村, the
// overdue ones first. It records the days and horizons it was asked about.
type warnSiteSource struct {
	siteSource
	cases []transform.WarnCase
	err   error // returned by Warnings, when set

	mu    sync.Mutex
	asked []string // "unit day horizon" of every read
}

func (s *warnSiteSource) ask(code string, asOf time.Time, days int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.asked = append(s.asked, fmt.Sprintf("%s %s %d", code, asOf.Format("2006-01-02 15:04 -0700"), days))
}

func (s *warnSiteSource) Warnings(_ context.Context, code string, asOf time.Time, days int) (transform.Warnings, error) {
	s.ask(code, asOf, days)
	if s.err != nil {
		return transform.Warnings{}, s.err
	}
	return transform.Warnings{UnitCode: code, AsOf: asOf, WarnDays: days, Until: asOf.AddDate(0, 0, days),
		DataThrough: time.Date(2024, 10, 7, 0, 0, 0, 0, shanghai), Cases: s.cases}, nil
}

func (s *warnSiteSource) WarningCounts(_ context.Context, code string, asOf time.Time, days int) ([]transform.WarnCount, error) {
	s.ask(code, asOf, days)
	var over, soon int
	for _, c := range s.cases {
		if c.Kind == transform.WarnOverdue {
			over++
		} else {
			soon++
		}
	}
	return []transform.WarnCount{
		{UnitCode: code, UnitName: "青石镇", Level: "township", Overdue: over, DueSoon: soon},
		{UnitCode: "330199001001", UnitName: "西街村", Level: "village", Overdue: over, DueSoon: soon},
		{UnitCode: "330199001002", UnitName: "东湖社区", Level: "village"},
	}, nil
}

// warnCases are overdue cases (most days first), then the due soon ones, fewest days
// left first.
func warnCases(overdue, dueSoon int) []transform.WarnCase {
	var out []transform.WarnCase
	for i := range overdue + dueSoon {
		c := transform.WarnCase{CaseKey: fmt.Sprint("k", i), CaseNo: fmt.Sprintf("QS-%03d", i),
			UnitCode: "330199001001", UnitName: "西街村", TownshipCode: "330199001000", TownshipName: "青石镇",
			Category: "承诺件", Status: "办理中", ReceivedAt: time.Date(2024, 9, 2, 10, 0, 0, 0, shanghai),
			Deadline: time.Date(2024, 9, 20, 0, 0, 0, 0, shanghai), Kind: transform.WarnOverdue, DaysOverdue: overdue - i,
			File: "青石镇.xlsx", Row: 10 + i, Citizen: "张*", Phone: "138****5678", Description: "路灯不亮"}
		if i >= overdue {
			c.Kind, c.DaysOverdue, c.DaysLeft = transform.WarnDueSoon, 0, i-overdue
			c.Deadline = time.Date(2024, 10, 8+i-overdue, 0, 0, 0, 0, shanghai)
		}
		out = append(out, c)
	}
	return out
}

func TestReadWarnings(t *testing.T) {
	ctx := context.Background()
	// 17:00 UTC on the 7th is 01:00 on the 8th in Shanghai: the list is as at the 8th.
	now := time.Date(2024, 10, 7, 17, 0, 0, 0, time.UTC)
	src := &warnSiteSource{siteSource: siteSource{&unitSource{}}, cases: warnCases(55, 5)}
	w, ok, err := ReadWarnings(ctx, src, "330199001000", now, 2, MaxWarnRows)
	if err != nil || !ok {
		t.Fatalf("ReadWarnings: %v, %v", ok, err)
	}
	if want := "330199001000 2024-10-08 00:00 +0800 2"; len(src.asked) != 2 || src.asked[0] != want || src.asked[1] != want {
		t.Errorf("read %q, want twice %q", src.asked, want)
	}
	if len(w.Cases) != MaxWarnRows || w.Overdue != 55 || w.DueSoon != 5 || w.Cases[0].CaseNo != "QS-000" {
		t.Errorf("kept %d cases from %s, counted %d overdue and %d due soon; want the first %d of 55 and 5",
			len(w.Cases), w.Cases[0].CaseNo, w.Overdue, w.DueSoon, MaxWarnRows)
	}
	if w.AsOf.Format("2006-01-02") != "2024-10-08" || len(w.Counts) != 3 || w.NotCovered {
		t.Errorf("as of %v, %d counts, not covered %v", w.AsOf, len(w.Counts), w.NotCovered)
	}

	src.err = fmt.Errorf("reading: %w", transform.ErrAsOfNotCovered)
	if w, ok, err := ReadWarnings(ctx, src, "330199001000", now, 2, MaxWarnRows); err != nil || !ok || !w.NotCovered || len(w.Cases) != 0 {
		t.Errorf("a day the calendar does not cover: %+v, %v, %v; want a panel saying so", w, ok, err)
	}
	src.err = errors.New("disk on fire")
	if _, _, err := ReadWarnings(ctx, src, "330199001000", now, 2, MaxWarnRows); err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("a failed read: %v", err)
	}
	if w, ok, err := ReadWarnings(ctx, siteSource{&unitSource{}}, "330199001000", now, 2, MaxWarnRows); w != nil || ok || err != nil {
		t.Errorf("a source without warnings: %v, %v, %v", w, ok, err)
	}
}

// warnedPage is 青石镇's page with the warnings src lists, as a server shows it.
func warnedPage(t *testing.T, src *warnSiteSource, days int) string {
	t.Helper()
	ctx := context.Background()
	in, err := Build(ctx, src, quarter(2023, 4), "330199001000", BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if in.Detail.Warnings != nil {
		t.Fatal("Build read warnings: only a server puts them on a page")
	}
	if in.Detail.Warnings, _, err = ReadWarnings(ctx, src, "330199001000", time.Date(2024, 10, 8, 9, 0, 0, 0, shanghai), days, MaxWarnRows); err != nil {
		t.Fatal(err)
	}
	in.Detail.Nav = &Nav{UnitHref: func(c string) string { return "/u/" + c }}
	return render(t, in, "/static/")
}

func TestWarningsPanel(t *testing.T) {
	for _, tc := range []struct {
		name      string
		cases     []transform.WarnCase
		days      int
		notCoverd bool
		want, not []string
	}{
		{"long list", warnCases(55, 5), 2, false, []string{
			`<section class="panel wide" id="warnings">`, "<h2>预警（截至2024年10月8日）</h2>",
			`href="#warnings">预警（截至2024年10月8日）：<b class="overdue">超期 55 件</b> · <b class="duesoon">临期 5 件</b>`,
			`<p class="stale" id="warnings-stale">数据截至2024年10月7日，其后受理或办结的诉求未计入</p>`,
			"共 60 件，显示前 50 件；点上表中的单位可查看该单位的预警。",
			`<tr class="own"><td>合计</td><td class="num">55</td><td class="num">5</td></tr>`,
			`<tr><td><a href="/u/330199001001">西街村</a></td><td class="num overdue">55</td><td class="num">5</td></tr>`,
			`<tr><td><a href="/u/330199001002">东湖社区</a></td><td class="num">0</td><td class="num">0</td></tr>`,
			"<th>村（社区）</th>",
			`<tr><td>QS-000</td><td class="wrap">青石镇 西街村</td><td>承诺件</td><td>2024-09-02</td><td>2024-09-20</td><td class="overdue">超期</td><td class="num">超期 55</td><td>办理中</td><td>张*</td><td>138****5678</td><td class="wrap">路灯不亮</td></tr>`,
			"QS-049", "临期：截至当日未办结、办结期限在当日至其后 2 个工作日之内（至2024年10月10日）",
		}, []string{"QS-050", "QS-059"}},
		{"due soon, one without a number", func() []transform.WarnCase {
			c := warnCases(1, 2)
			c[1].CaseNo, c[1].Sheet = "", "9月"
			return c
		}(), 2, false, []string{
			"共 3 件。", "（临期：2 个工作日内到期，至2024年10月10日）", `<td class="overdue">超期</td><td class="num">超期 1</td>`,
			`<td>（无编号） 青石镇.xlsx 工作表9月 第11行</td>`, `<td class="duesoon">临期</td><td class="num">当日到期</td>`,
			`<td>2024-10-09</td><td class="duesoon">临期</td><td class="num">剩余 1</td>`,
		}, []string{"显示前"}},
		{"due on the day only", warnCases(0, 1), 0, false, []string{"（临期：当日到期）", "当日到期</td>", "临期：截至当日未办结、办结期限为当日的诉求"}, []string{"0 个工作日"}},
		{"nothing to warn of", nil, 2, false, []string{"超期 0 件", "<p class=\"empty\">截至2024年10月8日无超期或临期诉求</p>"}, []string{`<table class="cases">`}},
		{"calendar does not cover the day", nil, 2, true, []string{"<h2>预警（截至2024年10月8日）</h2>", "工作日历未覆盖2024年10月8日或其后 2 个工作日"},
			[]string{`id="warnline"`, "共 0 件"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := &warnSiteSource{siteSource: siteSource{&unitSource{}}, cases: tc.cases}
			if tc.notCoverd {
				src.err = transform.ErrAsOfNotCovered
			}
			page := warnedPage(t, src, tc.days)
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
}

// TestWarningsNeverWritten: the files written to be shared carry no warning panel (they
// would be read on days after, by anyone they reach); a page that carries one is refused.
func TestWarningsNeverWritten(t *testing.T) {
	src := &warnSiteSource{siteSource: siteSource{&unitSource{}}, cases: warnCases(3, 2)}
	dir := t.TempDir()
	if _, err := WriteOffline(context.Background(), dir, src, OfflineOptions{Default: quarter(2023, 4)}); err != nil {
		t.Fatal(err)
	}
	if len(src.asked) != 0 {
		t.Errorf("the offline dashboard read warnings: %q", src.asked)
	}
	pages := 0
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || !strings.HasSuffix(path, ".html") {
			return err
		}
		pages++
		b, err := os.ReadFile(path)
		for _, not := range []string{`id="warnings"`, "预警（截至", "QS-000", "张*"} {
			if strings.Contains(string(b), not) {
				t.Errorf("%s holds %s", path, not)
			}
		}
		return err
	})
	if err != nil || pages == 0 {
		t.Fatalf("%d pages, %v", pages, err)
	}

	in, err := Build(context.Background(), src, quarter(2023, 4), "330199001000", BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	in.Detail.Warnings = &Warnings{AsOf: time.Date(2024, 10, 8, 0, 0, 0, 0, shanghai), Cases: src.cases}
	if _, err := Write(t.TempDir(), in); !errors.Is(err, errWarningsInFile) {
		t.Errorf("Write of a page with warnings: %v", err)
	}
	if _, err := WritePages(t.TempDir(), []Input{in}); !errors.Is(err, errWarningsInFile) {
		t.Errorf("WritePages of a page with warnings: %v", err)
	}
}
