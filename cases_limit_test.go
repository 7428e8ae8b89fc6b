package main

import (
	"context"
	"reflect"
	"testing"
)

// TestProblemCasesLimit: a page's first cases and count are the head and the length of
// the whole list a download reads.
func TestProblemCasesLimit(t *testing.T) {
	cfg, _ := district(t)
	p, err := openPipeline(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx := context.Background()
	r, per, figs, err := p.figures(ctx, "2024Q3")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, f := range figs[:8] {
		all, err := r.ProblemCases(ctx, per, f.Unit.Code, false)
		if err != nil {
			t.Fatal(err)
		}
		for _, limit := range []int{1, 5, 100} {
			head, total, err := r.ProblemCasesLimit(ctx, per, f.Unit.Code, limit)
			if err != nil {
				t.Fatal(err)
			}
			want := all[:min(limit, len(all))]
			if len(all) == 0 {
				want = nil
			}
			if total != len(all) || !reflect.DeepEqual(head, want) {
				t.Errorf("%s limit %d: %d cases of %d, want the first %d of %d", f.Unit.Code, limit, len(head), total, len(want), len(all))
			}
			checked++
		}
	}
	if _, _, err := r.ProblemCasesLimit(ctx, per, figs[0].Unit.Code, 0); err == nil {
		t.Error("limit 0 accepted")
	}
	t.Logf("%d limited reads checked", checked)
}
