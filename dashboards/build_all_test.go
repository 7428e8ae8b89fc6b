package dashboards

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/minqing/minqing/transform"
)

// unitSource is a district of two townships, one with two villages and one with none,
// whose every read differs by unit (series, breakdowns and cases), and which counts its
// per-unit reads.
type unitSource struct {
	mu      sync.Mutex
	perUnit int // Series, Breakdown, ProblemCases and ProblemCasesLimit calls
}

var unitSourceUnits = []transform.Unit{
	{Code: "330199000000", Name: "和平区", Level: "district"},
	{Code: "330199001000", Name: "青石镇", Level: "township", Parent: "330199000000"},
	{Code: "330199002000", Name: "凤鸣镇", Level: "township", Parent: "330199000000"},
	{Code: "330199001001", Name: "西街村", Level: "village", Parent: "330199001000"},
	{Code: "330199001002", Name: "东湖社区", Level: "village", Parent: "330199001000"},
}

func (s *unitSource) count() {
	s.mu.Lock()
	s.perUnit++
	s.mu.Unlock()
}

// seed is a number that differs by unit.
func seed(code string) float64 {
	n := 0.0
	for _, c := range code {
		n = n*7 + float64(c-'0')
	}
	return float64(int(n) % 97)
}

func (s *unitSource) Units(context.Context) ([]transform.Unit, error) { return unitSourceUnits, nil }

func (s *unitSource) Figures(_ context.Context, p transform.Period) ([]transform.UnitFigures, error) {
	var out []transform.UnitFigures
	for _, u := range unitSourceUnits {
		n := seed(u.Code)
		out = append(out, transform.UnitFigures{Unit: u,
			Values: map[string]*float64{"received": f(100 + n), "score": f(50 + n/2), "overdue_open": f(n / 10)},
			MoM:    map[string]*float64{"received": f(n / 100)}, YoY: map[string]*float64{}})
	}
	return out, nil
}

func (s *unitSource) Series(_ context.Context, code, kind string) ([]transform.PeriodFigures, error) {
	s.count()
	return seriesOf(code), nil
}

func seriesOf(code string) []transform.PeriodFigures {
	if code == "330199001002" {
		return nil // a unit with no figures yet
	}
	n := seed(code)
	var out []transform.PeriodFigures
	for m := 1; m <= 15; m++ {
		p := month(2023+(m-1)/12, (m-1)%12+1)
		out = append(out, transform.PeriodFigures{Period: p, Values: map[string]*float64{
			"received": f(n + float64(m)), "on_time_rate": f((n + float64(m)) / 200)}})
	}
	return out
}

func (s *unitSource) Breakdown(_ context.Context, _ transform.Period, code, dim string) ([]transform.BreakdownRow, error) {
	s.count()
	return breakdownOf(code, dim), nil
}

func breakdownOf(code, dim string) []transform.BreakdownRow {
	n := seed(code)
	return []transform.BreakdownRow{
		{Value: dim + "-a", Values: map[string]*float64{"received": f(n)}},
		{Value: dim + "-b", Values: map[string]*float64{"received": f(n + 1)}},
	}
}

func casesOf(code string) []transform.CaseRow {
	var out []transform.CaseRow
	for i := range int(seed(code))%7 + 1 {
		out = append(out, transform.CaseRow{CaseKey: fmt.Sprint(code, i), CaseNo: fmt.Sprint(code, i), UnitCode: code, UnitName: "西街村",
			Category: "承诺件", ReceivedAt: time.Date(2024, 7, 1+i, 0, 0, 0, 0, shanghai), Overdue: true})
	}
	return out
}

func (s *unitSource) ProblemCases(_ context.Context, _ transform.Period, code string, _ bool) ([]transform.CaseRow, error) {
	s.count()
	return casesOf(code), nil
}

// limitingUnitSource can also read the first cases of a list.
type limitingUnitSource struct{ *unitSource }

func (s limitingUnitSource) ProblemCasesLimit(_ context.Context, _ transform.Period, code string, limit int) ([]transform.CaseRow, int, error) {
	s.count()
	all := casesOf(code)
	return all[:min(limit, len(all))], len(all), nil
}

// bulkUnitSource reads every unit at once, its answers made of the per-unit ones.
type bulkUnitSource struct {
	limitingUnitSource
	bulk int
}

func (s *bulkUnitSource) SeriesAll(ctx context.Context, kind string) (map[string][]transform.PeriodFigures, error) {
	s.mu.Lock()
	s.bulk++
	s.mu.Unlock()
	out := map[string][]transform.PeriodFigures{}
	for _, u := range unitSourceUnits {
		if v := seriesOf(u.Code); v != nil {
			out[u.Code] = v
		}
	}
	return out, nil
}

func (s *bulkUnitSource) BreakdownAll(ctx context.Context, p transform.Period, dim string) (map[string][]transform.BreakdownRow, error) {
	s.mu.Lock()
	s.bulk++
	s.mu.Unlock()
	out := map[string][]transform.BreakdownRow{}
	for _, u := range unitSourceUnits {
		out[u.Code] = breakdownOf(u.Code, dim)
	}
	return out, nil
}

func (s *bulkUnitSource) ProblemCasesLimitAll(ctx context.Context, p transform.Period, limit int) (map[string]transform.CaseList, error) {
	s.mu.Lock()
	s.bulk++
	s.mu.Unlock()
	out := map[string]transform.CaseList{}
	for _, u := range unitSourceUnits {
		if all := casesOf(u.Code); len(all) > 0 {
			out[u.Code] = transform.CaseList{Cases: all[:min(limit, len(all))], Total: len(all)}
		}
	}
	return out, nil
}

// TestBuildAllEqualsBuild: every page BuildAll makes is the page Build makes for the
// unit, from a source that reads unit by unit and from one that reads every unit at once,
// with and without case lists; the bulk source is read a few times in all, and the files
// WritePages writes are byte for byte those of the pages Build makes.
func TestBuildAllEqualsBuild(t *testing.T) {
	ctx := context.Background()
	p := quarter(2024, 1)
	for _, o := range []BuildOptions{{}, {Weights: map[string]float64{"response_rate": 1}, Months: 6},
		{Cases: true}, {Cases: true, CaseLimit: 3}} {
		per := &unitSource{}
		var want []Input
		for _, u := range unitSourceUnits {
			in, err := Build(ctx, limitingUnitSource{per}, p, u.Code, o)
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, in)
		}
		for _, tc := range []struct {
			name string
			src  Source
		}{
			{"per unit", &unitSource{}},
			{"per unit, limiting", limitingUnitSource{&unitSource{}}},
			{"bulk", &bulkUnitSource{limitingUnitSource: limitingUnitSource{&unitSource{}}}},
		} {
			t.Run(fmt.Sprintf("%s %+v", tc.name, o), func(t *testing.T) {
				got, err := BuildAll(ctx, tc.src, p, o)
				if err != nil {
					t.Fatal(err)
				}
				if tc.name == "per unit" && o.CaseLimit > 0 {
					// Without ProblemCasesLimit the whole list is read, as Build does.
					for i := range want {
						w, err := Build(ctx, tc.src, p, unitSourceUnits[i].Code, o)
						if err != nil {
							t.Fatal(err)
						}
						if !reflect.DeepEqual(got[i], w) {
							t.Errorf("page %d differs from Build's", i)
						}
					}
					return
				}
				if len(got) != len(want) {
					t.Fatalf("%d pages, want %d", len(got), len(want))
				}
				for i := range want {
					if !reflect.DeepEqual(got[i], want[i]) {
						t.Errorf("page of %s differs from Build's:\n got %+v\nwant %+v", unitSourceUnits[i].Code, got[i].Detail, want[i].Detail)
					}
				}
				switch s := tc.src.(type) {
				case *bulkUnitSource:
					bulk, perUnit := 4, 0 // the series and three breakdowns
					if o.Cases && o.CaseLimit > 0 {
						bulk++
					} else if o.Cases {
						perUnit = len(unitSourceUnits) // whole lists are read unit by unit
					}
					if s.bulk != bulk || s.perUnit != perUnit {
						t.Errorf("%d bulk and %d per-unit reads, want %d and %d", s.bulk, s.perUnit, bulk, perUnit)
					}
				case *unitSource:
					// Each unit's series and breakdowns once, and its cases once.
					n := 4 * len(unitSourceUnits)
					if o.Cases {
						n += len(unitSourceUnits)
					}
					if s.perUnit != n {
						t.Errorf("%d per-unit reads, want %d", s.perUnit, n)
					}
				}
			})
		}
	}

	// The files: WritePages of BuildAll's pages and of Build's are the same bytes.
	per := &unitSource{}
	var pages []Input
	for _, u := range unitSourceUnits {
		in, err := Build(ctx, per, p, u.Code, BuildOptions{})
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, in)
	}
	all, err := BuildAll(ctx, &bulkUnitSource{limitingUnitSource: limitingUnitSource{&unitSource{}}}, p, BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	a, b := t.TempDir(), t.TempDir()
	if _, err := WritePages(a, pages); err != nil {
		t.Fatal(err)
	}
	if _, err := WritePages(b, all); err != nil {
		t.Fatal(err)
	}
	names, _ := filepath.Glob(filepath.Join(a, "*.html"))
	if len(names) != len(unitSourceUnits)+1 {
		t.Errorf("WritePages wrote %d pages, want %d and index.html", len(names), len(unitSourceUnits))
	}
	for _, name := range names {
		x, _ := os.ReadFile(name)
		y, err := os.ReadFile(filepath.Join(b, filepath.Base(name)))
		if err != nil || !bytes.Equal(x, y) {
			t.Errorf("%s differs (%v)", filepath.Base(name), err)
		}
	}
}

// failingSource fails one unit's breakdown.
type failingSource struct{ *unitSource }

var errBroken = errors.New("broken")

func (s failingSource) Breakdown(ctx context.Context, p transform.Period, code, dim string) ([]transform.BreakdownRow, error) {
	if code == "330199001001" && dim == "topic" {
		return nil, errBroken
	}
	return s.unitSource.Breakdown(ctx, p, code, dim)
}

func TestBuildAllFails(t *testing.T) {
	if _, err := BuildAll(context.Background(), failingSource{&unitSource{}}, quarter(2024, 1), BuildOptions{}); !errors.Is(err, errBroken) {
		t.Errorf("a failed read: %v", err)
	}
}
