package main

import (
	"context"
	"math"
	"testing"

	"github.com/minqing/minqing/transform"
)

// TestOracleBreakdowns: for every quarter and every unit of the fixtures, every case figure
// and the score of every breakdown — by class, channel, topic and 代办 — as the Reader
// publishes it (the workbook's and the dashboard's source) equals the generator's truth.
func TestOracleBreakdowns(t *testing.T) {
	cfg, truth := district(t)
	ctx := context.Background()
	p, err := openPipeline(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	r := transform.NewReader(p.db)
	zero := func(id string) *float64 {
		if isCount(id) {
			v := 0.0
			return &v
		}
		return nil
	}
	checked, rows := 0, 0
	for q, units := range truth.Breakdowns {
		per, err := r.Period(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range truth.Units {
			for _, dim := range []string{"category", "channel", "topic", "proxy"} {
				got, err := r.Breakdown(ctx, per, u.Code, dim)
				if err != nil {
					t.Fatal(err)
				}
				want := units[u.Code][dim]
				seen := map[string]bool{}
				for _, row := range got {
					seen[row.Value] = true
					rows++
					for _, d := range transform.FigureDefs() {
						if d.Kind == transform.KindCount && !isCaseCount(d.ID) {
							continue
						}
						g := row.Values[d.ID]
						var w *float64
						if vals, ok := want[row.Value]; ok {
							w = vals[d.ID]
						} else {
							w = zero(d.ID)
						}
						if (g == nil) != (w == nil) || (g != nil && math.Abs(*g-*w) > 1e-9) {
							t.Errorf("%s %s %s=%s %s: got %s, truth %s", q, u.Code, dim, row.Value, d.ID, fmtPtr(g), fmtPtr(w))
						}
						checked++
					}
				}
				for v, vals := range want {
					if !seen[v] && vals["received"] != nil && (*vals["received"] > 0 || *vals["closed"] > 0) {
						t.Errorf("%s %s %s: the truth has %q with cases, the breakdown does not", q, u.Code, dim, v)
					}
				}
			}
		}
	}
	if checked < 50000 {
		t.Errorf("only %d breakdown figures checked", checked)
	}
	t.Logf("breakdown oracle: %d figures in %d breakdown rows (%d quarters × %d units × 4 dimensions) equal the truth", checked, rows, len(truth.Breakdowns), len(truth.Units))
}

// isCaseCount: the counts that breakdowns carry (visits and activities have no class).
func isCaseCount(id string) bool {
	switch id {
	case "received", "closed", "overdue_open", "proxy_cases":
		return true
	}
	return false
}
