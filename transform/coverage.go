package transform

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Coverage is the stretch of days the loaded data covers: from the first day a case was
// received to the last day the data covers (DataThrough). Both are zero when no case is
// loaded.
type Coverage struct {
	First   time.Time
	Through time.Time
}

// String is the coverage as a refusal states it: "2024-01-03 to 2024-10-08".
func (c Coverage) String() string {
	if c.First.IsZero() {
		return "no cases"
	}
	return c.First.Format("2006-01-02") + " to " + c.Through.Format("2006-01-02")
}

// Coverage reads the first day a case was received and DataThrough.
func (r *Reader) Coverage(ctx context.Context) (Coverage, error) {
	var first sql.NullTime
	if err := r.db.QueryRowContext(ctx, `select min(received_date) from cases`).Scan(&first); err != nil {
		return Coverage{}, fmt.Errorf("reading the first day of the data: %w", err)
	}
	through, err := r.DataThrough(ctx)
	if err != nil {
		return Coverage{}, err
	}
	c := Coverage{Through: through}
	if first.Valid {
		c.First = localDate(first.Time)
	}
	return c, nil
}

// DefaultQuarter is the period every command reports when none is asked for: the newest
// quarter that is over in the data (Complete against dataThrough) and in which cases were
// received. When no quarter with cases is over yet, it is the newest quarter in which
// cases were received, which is not over: every output then says so (NotOverNote), and
// the caller tells the two apart with Complete. A quarter that only closed cases received
// before it (the months after the last receipt, while exports still report closures) is
// never the default. quarters is a unit's quarterly series (the district's), oldest
// first, as Series returns it; ok is false when no quarter has a case received.
func DefaultQuarter(quarters []PeriodFigures, dataThrough time.Time) (p Period, ok bool) {
	var newest *Period
	for i := len(quarters) - 1; i >= 0; i-- {
		q := quarters[i]
		if q.Period.Kind != "quarter" {
			continue
		}
		if v := q.Values["received"]; v == nil || *v <= 0 {
			continue
		}
		if q.Period.Complete(dataThrough) {
			return q.Period, true
		}
		if newest == nil {
			newest = &quarters[i].Period
		}
	}
	if newest != nil {
		return *newest, true
	}
	return Period{}, false
}

// HasCases says whether any case counts in a unit's figures for a period: one received,
// closed or falling due in it, or open and overdue at its cutoff. A period without any
// is refused rather than reported as zeros.
func HasCases(f UnitFigures) bool {
	for _, id := range []string{"received", "closed", "overdue_open"} {
		if v := f.Values[id]; v != nil && *v > 0 {
			return true
		}
	}
	// A case fell due in the period when the due-based rate has a denominator.
	return f.Values["due_on_time_rate"] != nil
}
