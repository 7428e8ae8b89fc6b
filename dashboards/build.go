package dashboards

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/minqing/minqing/transform"
)

// Source is the part of transform.Reader a page is built from: pages show pre-computed
// figures only, never a count made here. *transform.Reader satisfies it.
type Source interface {
	Units(ctx context.Context) ([]transform.Unit, error)
	Figures(ctx context.Context, p transform.Period) ([]transform.UnitFigures, error)
	Series(ctx context.Context, unitCode, kind string) ([]transform.PeriodFigures, error)
	Breakdown(ctx context.Context, p transform.Period, unitCode, dim string) ([]transform.BreakdownRow, error)
	ProblemCases(ctx context.Context, p transform.Period, unitCode string, clear bool) ([]transform.CaseRow, error)
}

// BuildOptions choose what Build puts on a page.
type BuildOptions struct {
	// Weights are the score's weights in force; nil states the defaults.
	Weights map[string]float64
	// Cases adds the auditors' list of overdue and late cases (masked as the store holds
	// them). Only callers that have checked the viewer is an auditor set it.
	Cases bool
	// Months is how many months the trend and the heat map show, ending with the period's
	// last month; 0 means 12.
	Months int
	// CaseLimit, when positive and the source can (CaseLimiter), reads only the first
	// CaseLimit cases of the list and counts the rest: for a page, not a download.
	CaseLimit int
}

// CaseLimiter is a Source that can read the first cases of the list and count them all,
// so that a page of a district with millions of cases does not read every one.
type CaseLimiter interface {
	ProblemCasesLimit(ctx context.Context, p transform.Period, unitCode string, limit int) ([]transform.CaseRow, int, error)
}

// Build reads everything one unit's page shows for a period: its figures with 环比/同比, the
// monthly trend, its children ranked (townships of the district, villages of a township),
// the five classes, channels and topics, a children × month heat map of on-time rates and
// the overdue list. A code not in the register is an error wrapping ErrUnknownUnit.
func Build(ctx context.Context, src Source, p transform.Period, unitCode string, o BuildOptions) (Input, error) {
	if o.Months <= 0 {
		o.Months = 12
	}
	figs, err := src.Figures(ctx, p)
	if err != nil {
		return Input{}, err
	}
	byCode := map[string]transform.UnitFigures{}
	var district, scope transform.UnitFigures
	for _, f := range figs {
		byCode[f.Unit.Code] = f
		if f.Unit.Level == transform.LevelDistrict && district.Unit.Code == "" {
			district = f
		}
	}
	if district.Unit.Code == "" {
		return Input{}, fmt.Errorf("building page for %s: the register has no district", p.ID)
	}
	if unitCode == "" {
		unitCode = district.Unit.Code
	}
	scope, ok := byCode[unitCode]
	if !ok {
		return Input{}, fmt.Errorf("building page for %q: %w", unitCode, ErrUnknownUnit)
	}
	var children []transform.UnitFigures
	for _, f := range figs {
		if f.Unit.Parent == scope.Unit.Code {
			children = append(children, f)
		}
	}
	var path []transform.Unit
	for u := scope.Unit; u.Parent != ""; {
		parent, ok := byCode[u.Parent]
		if !ok {
			break
		}
		path = append([]transform.Unit{parent.Unit}, path...)
		u = parent.Unit
	}
	months, err := src.Series(ctx, scope.Unit.Code, "month")
	if err != nil {
		return Input{}, err
	}
	trend := lastMonths(months, p, o.Months)
	d := &Detail{Scope: scope.Unit, Path: path}
	for _, m := range trend {
		d.HeatMonths = append(d.HeatMonths, m.Period)
	}
	heatUnits := children
	if len(heatUnits) == 0 {
		heatUnits = []transform.UnitFigures{scope}
	}
	// The reads are independent: run them side by side, so a page waits for the slowest
	// rather than for the sum (it matters while a load keeps the store busy).
	d.Heat = make([]HeatRow, len(heatUnits))
	var classes []transform.BreakdownRow
	breakdowns := []struct {
		dim string
		to  *[]transform.BreakdownRow
	}{{"category", &classes}, {"channel", &d.Channels}, {"topic", &d.Topics}}
	errs := make([]error, len(heatUnits)+len(breakdowns))
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i, u := range heatUnits {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			series := months
			if u.Unit.Code != scope.Unit.Code {
				var err error
				if series, err = src.Series(ctx, u.Unit.Code, "month"); err != nil {
					errs[i] = err
					return
				}
			}
			byPeriod := map[string]*float64{}
			for _, s := range series {
				byPeriod[s.Period.ID] = s.Values["on_time_rate"]
			}
			row := HeatRow{Unit: u.Unit}
			for _, m := range d.HeatMonths {
				row.Values = append(row.Values, byPeriod[m.ID])
			}
			d.Heat[i] = row
		}()
	}
	for i, b := range breakdowns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			*b.to, errs[len(heatUnits)+i] = src.Breakdown(ctx, p, scope.Unit.Code, b.dim)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return Input{}, err
	}
	if o.Cases {
		d.ShowCases = true
		if l, ok := src.(CaseLimiter); ok && o.CaseLimit > 0 {
			d.Cases, d.CasesTotal, err = l.ProblemCasesLimit(ctx, p, scope.Unit.Code, o.CaseLimit)
		} else {
			d.Cases, err = src.ProblemCases(ctx, p, scope.Unit.Code, false)
			d.CasesTotal = len(d.Cases)
		}
		if err != nil {
			return Input{}, err
		}
	}
	return Input{
		District: district.Unit, Period: p, Headline: scope, Trend: trend,
		Townships: children, Classes: classes, Weights: o.Weights, Detail: d,
	}, nil
}

// lastMonths keeps the n months ending with the period's last month, oldest first.
func lastMonths(months []transform.PeriodFigures, p transform.Period, n int) []transform.PeriodFigures {
	var out []transform.PeriodFigures
	for _, m := range months {
		if !m.Period.Start.After(p.End) {
			out = append(out, m)
		}
	}
	if len(out) > n {
		out = out[len(out)-n:]
	}
	return out
}

// overdueUnits lists the children with cases overdue at the cutoff, most first.
func overdueUnits(children []transform.UnitFigures) []overdueRow {
	var out []overdueRow
	for _, c := range children {
		v := c.Values["overdue_open"]
		if v == nil || *v <= 0 {
			continue
		}
		out = append(out, overdueRow{Unit: c.Unit, Count: int64(*v + 0.5)})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Unit.Code < out[j].Unit.Code
	})
	return out
}
