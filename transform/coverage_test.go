package transform

import (
	"testing"
	"time"
)

func TestDefaultQuarter(t *testing.T) {
	q := func(id string, received float64) PeriodFigures {
		p, err := ParsePeriod(id)
		if err != nil {
			t.Fatal(err)
		}
		return PeriodFigures{Period: p, Values: map[string]*float64{"received": &received}}
	}
	day := func(s string) time.Time {
		d, err := time.ParseInLocation("2006-01-02", s, Shanghai)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, tc := range []struct {
		name     string
		quarters []PeriodFigures
		through  string
		want     string // "" = none
		complete bool
	}{
		{"newest quarter over", []PeriodFigures{q("2024Q2", 10), q("2024Q3", 12)}, "2024-10-08", "2024Q3", true},
		{"newest quarter not over: the one before", []PeriodFigures{q("2024Q3", 12), q("2024Q4", 3)}, "2024-10-08", "2024Q3", true},
		{"over on its last day", []PeriodFigures{q("2024Q3", 12), q("2024Q4", 3)}, "2024-12-31", "2024Q4", true},
		{"closures only after the last receipt", []PeriodFigures{q("2024Q4", 1107), q("2025Q1", 0)}, "2025-02-09", "2024Q4", true},
		{"over but no case received: skipped", []PeriodFigures{q("2024Q2", 5), q("2024Q3", 0), q("2024Q4", 2)}, "2024-10-08", "2024Q2", true},
		{"none over: the newest with cases, not over", []PeriodFigures{q("2024Q4", 3), q("2025Q1", 0)}, "2024-11-20", "2024Q4", false},
		{"data's end unknown: nothing is over", []PeriodFigures{q("2024Q3", 3)}, "", "2024Q3", false},
		{"no case received anywhere", []PeriodFigures{q("2024Q3", 0)}, "2024-10-08", "", false},
		{"no quarters", nil, "2024-10-08", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var through time.Time
			if tc.through != "" {
				through = day(tc.through)
			}
			got, ok := DefaultQuarter(tc.quarters, through)
			if tc.want == "" {
				if ok {
					t.Fatalf("got %s, want none", got.ID)
				}
				return
			}
			if !ok || got.ID != tc.want {
				t.Fatalf("got %s (ok %v), want %s", got.ID, ok, tc.want)
			}
			if c := got.Complete(through); c != tc.complete {
				t.Errorf("%s complete = %v, want %v", got.ID, c, tc.complete)
			}
		})
	}
}

func TestHasCases(t *testing.T) {
	v := func(f float64) *float64 { return &f }
	for _, tc := range []struct {
		name   string
		values map[string]*float64
		want   bool
	}{
		{"nothing", map[string]*float64{"received": v(0), "closed": v(0), "overdue_open": v(0)}, false},
		{"no figures at all", map[string]*float64{}, false},
		{"only visits", map[string]*float64{"received": v(0), "closed": v(0), "visit_persons": v(40)}, false},
		{"received", map[string]*float64{"received": v(1), "closed": v(0)}, true},
		{"closures of earlier cases", map[string]*float64{"received": v(0), "closed": v(72)}, true},
		{"open and overdue at the cutoff", map[string]*float64{"received": v(0), "closed": v(0), "overdue_open": v(2)}, true},
		{"a case fell due", map[string]*float64{"received": v(0), "closed": v(0), "due_on_time_rate": v(0)}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := HasCases(UnitFigures{Values: tc.values}); got != tc.want {
				t.Errorf("HasCases = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCoverageString(t *testing.T) {
	c := Coverage{First: time.Date(2024, 1, 3, 0, 0, 0, 0, Shanghai), Through: time.Date(2024, 10, 8, 0, 0, 0, 0, Shanghai)}
	if got, want := c.String(), "2024-01-03 to 2024-10-08"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
