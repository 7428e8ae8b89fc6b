package transform_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/minqing/minqing/fixtures"
	"github.com/minqing/minqing/ingest"
	"github.com/minqing/minqing/transform"
)

// submissionsStore is the test district with a district platform export holding both
// villages' cases of 2024Q3, 西街村's own ledger of its 2024Q3 cases (dated after the
// quarter, as ledgers are) and 东湖社区's own ledger of 2024Q2 only: 东湖社区 sent nothing
// for 2024Q3, 西街村 nothing for 2024Q2. An earlier platform export repeats one 2024Q3 case.
func submissionsStore(t *testing.T) *transform.Reader {
	t.Helper()
	const h = "诉求编号,承办单位,受理时间,办理类别,服务事项,办结时间,办理状态\n"
	files := map[string]string{
		"platform_20241010.csv": h +
			"P1,西街村,2024-07-02 09:00,即办件,居住证明,2024-07-02 10:00,已办结\n" +
			"P2,西街村,2024-08-05 09:00,即办件,居住证明,2024-08-05 10:00,已办结\n" +
			"P3,东湖社区,2024-09-03 09:00,即办件,居住证明,2024-09-03 10:00,已办结\n",
		"platform_20240905.csv": h +
			"P1,西街村,2024-07-02 09:00,即办件,居住证明,2024-07-02 10:00:00,已办结\n",
		"platform_20240710.csv": h +
			"P0,东湖社区,2024-05-06 09:00,即办件,居住证明,2024-05-06 10:00,已办结\n",
		"ledger_西街村_20241010.csv": h +
			"P1,西街村,2024-07-02 09:00,即办件,居住证明,2024-07-02 10:00,已办结\n" +
			"P2,西街村,2024-08-05 09:00,即办件,居住证明,2024-08-05 10:00,已办结\n",
		// the same case as the platform's, in a file of other bytes (the same bytes are one file)
		"ledger_东湖社区_20240710.csv": h +
			"P0,东湖社区,2024-05-06 09:00,即办件,居住证明,2024-05-06 10:00:00,已办结\n",
	}
	db, err := testLoad(t, files, []ingest.SourceConfig{
		{Name: "platform", Kind: "cases", Level: "district", Paths: []string{"platform_*.csv"}, Encoding: "auto"},
		{Name: "ledgers", Kind: "cases", Level: "village", Paths: []string{"ledger_*.csv"}, Encoding: "auto"},
	}, &transform.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return transform.NewReader(db)
}

// TestSubmissions: a unit that sent, a unit silent, a unit whose only export is of an
// older period, and levels without exports of their own (never silent).
func TestSubmissions(t *testing.T) {
	r := submissionsStore(t)
	// one line per unit: code expected silent lastOwn | source own files rows newest newestRows …
	cases := []struct {
		period string
		want   []string
	}{
		{"2024Q3", []string{
			"330199000000 false false - | ledgers false 1 2 2024-10-10 2 | platform false 2 4 2024-10-10 3",
			"330199001000 false false - | ledgers false 1 2 2024-10-10 2 | platform false 2 4 2024-10-10 3",
			"330199001001 true false 2024-10-10 | ledgers true 1 2 2024-10-10 2 | platform false 2 3 2024-10-10 2",
			"330199001002 true true 2024-07-10 | platform false 1 1 2024-10-10 1",
		}},
		{"2024Q2", []string{
			"330199000000 false false - | ledgers false 1 1 2024-07-10 1 | platform false 1 1 2024-07-10 1",
			"330199001000 false false - | ledgers false 1 1 2024-07-10 1 | platform false 1 1 2024-07-10 1",
			"330199001001 true true 2024-10-10",
			"330199001002 true false 2024-07-10 | ledgers true 1 1 2024-07-10 1 | platform false 1 1 2024-07-10 1",
		}},
		{"2024-08", []string{
			"330199000000 false false - | ledgers false 1 1 2024-10-10 1 | platform false 1 1 2024-10-10 1",
			"330199001000 false false - | ledgers false 1 1 2024-10-10 1 | platform false 1 1 2024-10-10 1",
			"330199001001 true false 2024-10-10 | ledgers true 1 1 2024-10-10 1 | platform false 1 1 2024-10-10 1",
			"330199001002 true true 2024-07-10",
		}},
	}
	for _, c := range cases {
		t.Run(c.period, func(t *testing.T) {
			p, err := transform.ParsePeriod(c.period)
			if err != nil {
				t.Fatal(err)
			}
			subs, err := r.Submissions(context.Background(), p)
			if err != nil {
				t.Fatal(err)
			}
			if len(subs) != len(c.want) {
				t.Fatalf("%d units, want %d", len(subs), len(c.want))
			}
			silent := transform.SilentUnits(subs)
			for i, s := range subs {
				if got := describeSubmissions(s); got != c.want[i] {
					t.Errorf("unit %d:\n got %s\nwant %s", i, got, c.want[i])
				}
				if silent[s.Code] != s.Silent {
					t.Errorf("SilentUnits[%s] = %v, Silent %v", s.Code, silent[s.Code], s.Silent)
				}
			}
		})
	}
}

func describeSubmissions(s transform.UnitSubmissions) string {
	last := "-"
	if s.LastOwn != nil {
		last = s.LastOwn.Format("2006-01-02")
	}
	out := fmt.Sprintf("%s %v %v %s", s.Code, s.Expected, s.Silent, last)
	for _, src := range s.Sources {
		newest := "-"
		if src.Newest != nil {
			newest = src.Newest.Format("2006-01-02")
		}
		out += fmt.Sprintf(" | %s %v %d %d %s %d", src.Source, src.Own, src.Files, src.Rows, newest, src.NewestRows)
	}
	return out
}

// TestSubmissionsFixture holds Submissions to the fixture district's truth: the village
// whose exports stop (EXPORTS_STOPPED in the truth's flags) sent nothing for the last
// quarter of exports, and in each of its months; every other unit sent something for
// each quarter of exports.
func TestSubmissionsFixture(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the fixture district")
	}
	truth, err := fixtures.Generate(t.TempDir(), fixtures.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	stopped := map[string]bool{}
	for _, f := range truth.Flags {
		if f.Code == fixtures.FlagExportsStopped {
			stopped[f.Unit] = true
		}
	}
	if len(stopped) != 1 {
		t.Fatalf("the fixture stops %d units' exports, want 1: %v", len(stopped), stopped)
	}
	r := transform.NewReader(fixtureStore(t))
	// the quarters of exports: fixtures.Options' defaults, six from 2023Q3
	quarters := []string{"2023Q3", "2023Q4", "2024Q1", "2024Q2", "2024Q3", "2024Q4"}
	last := quarters[len(quarters)-1]
	for _, id := range append(quarters, "2024-10", "2024-11", "2024-12") {
		p, err := transform.ParsePeriod(id)
		if err != nil {
			t.Fatal(err)
		}
		subs, err := r.Submissions(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		got := transform.SilentUnits(subs)
		if p.Kind == "month" {
			for code := range stopped {
				if !got[code] {
					t.Errorf("%s: %s is not silent", id, code)
				}
			}
			continue
		}
		want := map[string]bool{}
		if id == last {
			want = stopped
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: silent %v, want %v", id, got, want)
		}
		for _, s := range subs {
			if s.Level != "district" && !s.Expected {
				t.Errorf("%s: %s (%s) is not expected to report", id, s.Code, s.Level)
			}
			if stopped[s.Code] && id == last {
				for _, src := range s.Sources {
					if src.Own {
						t.Errorf("%s: %s has its own source %s", id, s.Code, src.Source)
					}
				}
				if len(s.Sources) == 0 {
					t.Errorf("%s: %s has no rows at all: the platforms hold its cases", id, s.Code)
				}
			}
		}
	}
}
