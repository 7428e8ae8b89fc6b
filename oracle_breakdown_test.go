package main

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/minqing/minqing/internal/terms"
	"github.com/minqing/minqing/transform"
)

// TestOracleBreakdowns: for every quarter and every unit of the fixtures, every case figure
// and the score of every breakdown — by class, channel, topic and 代办 — as the Reader
// publishes it (the workbook's and the dashboard's source) equals the generator's truth,
// the rows come in the truth's order (Truth.BreakdownOrder), cases without a channel or
// topic are the row 未填写, and its sources are the truth's.
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
	checked, rows, changes, ordered, notFilled := 0, 0, 0, 0, 0
	for q, units := range truth.Breakdowns {
		per, err := r.Period(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range truth.Units {
			for _, dim := range []string{"category", "channel", "topic", "proxy", "topic_l1", "topic_l2", "department"} {
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
						// 环比 and 同比, from the truth of the earlier quarters where the
						// generator made them; a value with no case now has none.
						for _, c := range []struct {
							name    string
							got     *float64
							earlier string
						}{{"环比", row.MoM[d.ID], shiftQuarter(t, q, -1)}, {"同比", row.YoY[d.ID], shiftQuarter(t, q, -4)}} {
							before, ok := truth.Breakdowns[c.earlier]
							if !ok {
								continue
							}
							var want *float64
							if _, has := units[u.Code][dim][row.Value]; has {
								b := zero(d.ID)
								if vals, ok := before[u.Code][dim][row.Value]; ok {
									b = vals[d.ID]
								}
								want = change(d.Kind, w, b)
							}
							if (c.got == nil) != (want == nil) || (want != nil && math.Abs(*c.got-*want) > 1e-9) {
								t.Errorf("%s %s %s=%s %s %s: got %s, truth %s", q, u.Code, dim, row.Value, d.ID, c.name, fmtPtr(c.got), fmtPtr(want))
							}
							changes++
						}
					}
				}
				for v, vals := range want {
					if !seen[v] && vals["received"] != nil && (*vals["received"] > 0 || *vals["closed"] > 0) {
						t.Errorf("%s %s %s: the truth has %q with cases, the breakdown does not", q, u.Code, dim, v)
					}
				}
				if err := checkBreakdownOrder(got, truth.BreakdownOrder(q, u.Code, dim)); err != nil {
					t.Errorf("%s %s %s: %v", q, u.Code, dim, err)
				}
				ordered++
				for _, row := range got {
					if row.Value == "(空)" || row.Value == "（空）" {
						t.Errorf("%s %s %s: a row is named %q, not %s", q, u.Code, dim, row.Value, terms.NotFilled)
					}
				}
				if dim != "channel" && dim != "topic" {
					continue
				}
				nf, err := r.NotFilled(ctx, per, u.Code, dim)
				if err != nil {
					t.Fatal(err)
				}
				wantNF := truth.NotFilled[q][u.Code][dim]
				if nf.NoColumn != wantNF.NoColumn || nf.EmptyCell != wantNF.EmptyCell ||
					!slices.Equal(nf.NoColumnSources, wantNF.NoColumnSources) || !slices.Equal(nf.EmptyCellSources, wantNF.EmptyCellSources) {
					t.Errorf("%s %s %s 未填写 sources: got %+v, truth %+v", q, u.Code, dim, nf, wantNF)
				}
				var rowReceived float64
				for _, row := range got {
					if row.Value == terms.NotFilled {
						rowReceived = *row.Values["received"]
					}
				}
				if float64(nf.NoColumn+nf.EmptyCell) != rowReceived {
					t.Errorf("%s %s %s: the note's %d+%d cases are not the row's 受理量 %v", q, u.Code, dim, nf.NoColumn, nf.EmptyCell, rowReceived)
				}
				if nf.NoColumn > 0 {
					notFilled++
				}
			}
		}
	}
	if checked < 50000 {
		t.Errorf("only %d breakdown figures checked", checked)
	}
	if changes < 50000 {
		t.Errorf("only %d breakdown changes checked", changes)
	}
	if notFilled == 0 {
		t.Errorf("no breakdown has a 未填写 row from sources without the column: the note is not tested")
	}
	t.Logf("breakdown order: %d breakdowns in the truth's order; %d 未填写 rows traced to their sources", ordered, notFilled)
	t.Logf("breakdown oracle: %d figures and %d 环比/同比 in %d breakdown rows (%d quarters × %d units × 4 dimensions) equal the truth", checked, changes, rows, len(truth.Breakdowns), len(truth.Units))
}

// checkBreakdownOrder: the rows with cases received are want, in its order; the rows
// after them have none, and stand in the order of their values.
func checkBreakdownOrder(got []transform.BreakdownRow, want []string) error {
	var values []string
	for _, r := range got {
		values = append(values, r.Value)
	}
	if len(got) < len(want) || !slices.Equal(values[:len(want)], want) {
		return fmt.Errorf("rows %q, want %q first", values, want)
	}
	rest := got[len(want):]
	for i, r := range rest {
		if v := r.Values["received"]; v != nil && *v != 0 {
			return fmt.Errorf("row %q has 受理量 %v after the truth's %q", r.Value, *v, want)
		}
		if i > 0 && rest[i-1].Value > r.Value {
			return fmt.Errorf("rows without cases received not in the order of their values: %q", values[len(want):])
		}
	}
	return nil
}

// change is docs/rules.md's 环比/同比, computed here from the truth: rates and the score
// in points (a difference), counts and days in percent (nil when before is 0 or nil).
func change(kind transform.FigureKind, now, before *float64) *float64 {
	if now == nil || before == nil {
		return nil
	}
	var c float64
	switch kind {
	case transform.KindRate, transform.KindScore:
		c = *now - *before
	default:
		if *before == 0 {
			return nil
		}
		c = (*now - *before) / *before
	}
	return &c
}

// shiftQuarter moves a quarter ID (2024Q1) by n quarters.
func shiftQuarter(t *testing.T, id string, n int) string {
	t.Helper()
	var y, q int
	if _, err := fmt.Sscanf(id, "%dQ%d", &y, &q); err != nil {
		t.Fatalf("quarter %q: %v", id, err)
	}
	i := y*4 + q - 1 + n
	return fmt.Sprintf("%dQ%d", i/4, i%4+1)
}

// isCaseCount: the counts that breakdowns carry (visits and activities have no class).
func isCaseCount(id string) bool {
	switch id {
	case "received", "closed", "overdue_open", "proxy_cases":
		return true
	}
	return false
}
