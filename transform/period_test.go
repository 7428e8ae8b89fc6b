package transform

import (
	"errors"
	"testing"
	"time"
)

func TestParsePeriodKinds(t *testing.T) {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, Shanghai) }
	for _, c := range []struct {
		id, kind, label string
		start, end      time.Time
	}{
		{"2024Q3", "quarter", "2024年第三季度", day(2024, 7, 1), day(2024, 9, 30)},
		{"2024-02", "month", "2024年2月", day(2024, 2, 1), day(2024, 2, 29)},
		{"2024", "year", "2024年度", day(2024, 1, 1), day(2024, 12, 31)},
		{"2024Q2YTD", "ytd", "2024年1—6月", day(2024, 1, 1), day(2024, 6, 30)},
		{"2024Q3YTD", "ytd", "2024年1—9月", day(2024, 1, 1), day(2024, 9, 30)},
	} {
		t.Run(c.id, func(t *testing.T) {
			p, err := ParsePeriod(c.id)
			if err != nil {
				t.Fatal(err)
			}
			if p.Kind != c.kind || !p.Start.Equal(c.start) || !p.End.Equal(c.end) || !p.Cutoff.Equal(c.end) || p.Label() != c.label {
				t.Errorf("ParsePeriod(%s) = %s %v–%v cutoff %v %s; want %s %v–%v %s", c.id, p.Kind, p.Start, p.End, p.Cutoff, p.Label(), c.kind, c.start, c.end, c.label)
			}
		})
	}
	// To the first quarter's end the year so far is the quarter, to the fourth's the year:
	// one period, one id.
	for _, id := range []string{"2024Q1YTD", "2024Q4YTD", "2024YTD", "2024-07YTD"} {
		if _, err := ParsePeriod(id); !errors.Is(err, ErrUnknownPeriod) {
			t.Errorf("ParsePeriod(%s): %v, want ErrUnknownPeriod", id, err)
		}
	}
}
