package calendar

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func d(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestAddWorkdays(t *testing.T) {
	cal := Official()
	for _, tc := range []struct {
		name     string
		received string
		n        int
		want     string
	}{
		// domain.md's worked examples
		{"Monday plus 3", "2024-07-01", 3, "2024-07-04"},
		{"make-up Sunday plus 1", "2024-09-29", 1, "2024-09-30"},
		{"before National Day plus 1", "2024-09-30", 1, "2024-10-08"},
		// around weekends
		{"Friday plus 1 is Monday", "2024-07-05", 1, "2024-07-08"},
		{"Saturday plus 1 is Monday", "2024-07-06", 1, "2024-07-08"},
		{"zero days is the same day", "2024-07-06", 0, "2024-07-06"},
		// Spring Festival 2024: off 02-10..02-17, make-up work 02-04 (Sun) and 02-18 (Sun)
		{"into Spring Festival", "2024-02-08", 1, "2024-02-09"},
		{"across Spring Festival", "2024-02-09", 1, "2024-02-18"},
		{"make-up day 02-04 counts", "2024-02-03", 1, "2024-02-04"},
		// National Day 2024: make-up work 09-29 and 10-12 (Sat)
		{"make-up Saturday 10-12", "2024-10-11", 1, "2024-10-12"},
		{"National Day plus 5", "2024-09-27", 5, "2024-10-10"},
		// 2023 National Day: 09-29..10-06 off, 10-07 and 10-08 worked
		{"2023 Mid-Autumn and National Day", "2023-09-28", 1, "2023-10-07"},
		{"across a year end", "2023-12-29", 1, "2024-01-02"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := cal.AddWorkdays(d(tc.received), tc.n)
			if err != nil {
				t.Fatal(err)
			}
			if got.Format("2006-01-02") != tc.want {
				t.Errorf("AddWorkdays(%s, %d) = %s, want %s", tc.received, tc.n, got.Format("2006-01-02"), tc.want)
			}
		})
	}
}

func TestWorkdays(t *testing.T) {
	cal := Official()
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"2024-07-01", "2024-07-01", 0},
		{"2024-07-01", "2024-07-04", 3},
		{"2024-07-06", "2024-07-08", 1},
		{"2024-09-29", "2024-10-08", 2},
		{"2024-07-04", "2024-07-01", 0},
	} {
		got, err := cal.Workdays(d(tc.a), d(tc.b))
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("Workdays(%s, %s) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestYearNotCovered(t *testing.T) {
	cal := Official()
	first, last := cal.Years()
	if first != 2007 || last != 2026 {
		t.Fatalf("Years() = %d–%d, want 2007–2026", first, last)
	}
	_, err := cal.AddWorkdays(d("2026-12-30"), 5)
	if !errors.Is(err, ErrYearNotCovered) || !strings.Contains(err.Error(), "2027") {
		t.Errorf("AddWorkdays into 2027: err = %v, want ErrYearNotCovered naming 2027", err)
	}
	if _, err := cal.IsWorkday(d("2006-06-01")); !errors.Is(err, ErrYearNotCovered) {
		t.Errorf("IsWorkday in 2006: err = %v", err)
	}
}

func TestParseRejects(t *testing.T) {
	for _, in := range []string{"", "day,name,kind\n", "date,name,kind\n2024-01-01,元旦,holiday\n", "date,name,kind\nnot-a-date,x,off\n"} {
		if _, err := Parse(strings.NewReader(in)); err == nil {
			t.Errorf("Parse(%q) accepted bad input", in)
		}
	}
}
