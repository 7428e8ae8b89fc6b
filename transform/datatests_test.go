package transform_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/minqing/minqing/transform"
)

// TestFigureCasesMatchPeriods: the case-level data test catches a published figure that
// its cases do not add up to, in every period on a store of up to fullCheckCases cases,
// and in the quarters on a larger one (simulated by lowering the threshold).
func TestFigureCasesMatchPeriods(t *testing.T) {
	_, db := warnStore(t)
	ctx := context.Background()
	saved := *transform.FullCheckCases
	defer func() { *transform.FullCheckCases = saved }()
	for _, tc := range []struct {
		name      string
		threshold int
		period    string
		caught    bool
	}{
		{"small store, a month", saved, "2024-08", true},
		{"small store, a quarter", saved, "2024Q3", true},
		{"small store, a year so far", saved, "2024Q3YTD", true},
		{"large store, a quarter", 0, "2024Q3", true},
		{"large store, a month", 0, "2024-08", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			*transform.FullCheckCases = tc.threshold
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			// One village's received count of the period is off by one: the figure no
			// longer matches the cases listed behind it.
			var unit string
			if err := tx.QueryRowContext(ctx, `select min(unit_code) from case_figure_cells
				where period_id = ? and dim = 'all' and received > 0`, tc.period).Scan(&unit); err != nil {
				t.Fatal(err)
			}
			res, err := tx.ExecContext(ctx, `update case_figure_cells set received = received + 1
				where unit_code = ? and period_id = ? and dim = 'all'`, unit, tc.period)
			if err != nil {
				t.Fatal(err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				t.Fatalf("changed %d cells of %s, want 1", n, tc.period)
			}
			// (rollup_consistent.sql may catch it as well: a parent no longer sums.)
			err = transform.RunDataTests(ctx, tx, true)
			caught := errors.Is(err, transform.ErrDataTest) && strings.Contains(err.Error(), "figure_cases_match.sql")
			if caught != tc.caught {
				t.Errorf("data tests: %v, want figure_cases_match.sql to catch it: %v", err, tc.caught)
			}
		})
	}
	// Untouched, the store passes at either threshold.
	for _, threshold := range []int{saved, 0} {
		*transform.FullCheckCases = threshold
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := transform.RunDataTests(ctx, tx, true); err != nil {
			t.Errorf("threshold %d: %v", threshold, err)
		}
		tx.Rollback()
	}
}
