package dashboards

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

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
	// Alerts are the rates' alert thresholds (config report.alerts); see Input.Alerts.
	Alerts map[string]float64
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

// BulkSource is a Source that reads what every unit's page shows in a few set-based
// queries rather than a few per unit; *transform.Reader satisfies it. Each map holds, by
// unit code, what the per-unit method returns for that unit: SeriesAll(kind)[code] is
// Series(code, kind), BreakdownAll(p, dim)[code] is Breakdown(p, code, dim) (an entry for
// every unit of the register). BuildAll uses it where the source has it.
type BulkSource interface {
	SeriesAll(ctx context.Context, kind string) (map[string][]transform.PeriodFigures, error)
	BreakdownAll(ctx context.Context, p transform.Period, dim string) (map[string][]transform.BreakdownRow, error)
}

// BulkCaseLimiter is a CaseLimiter that reads the first cases of every unit's list, and
// their number, in one query: ProblemCasesLimitAll(p, limit)[code] is what
// ProblemCasesLimit(p, code, limit) returns (no entry: no cases).
type BulkCaseLimiter interface {
	ProblemCasesLimitAll(ctx context.Context, p transform.Period, limit int) (map[string]transform.CaseList, error)
}

// DataThroughSource is a Source that knows the last day its data covers, so a page of a
// period not over in the data can say so; Build and BuildAll read it where the source has
// it.
type DataThroughSource interface {
	DataThrough(ctx context.Context) (time.Time, error)
}

// The store's reader reads everything at once and unit by unit.
var _ interface {
	Source
	CaseLimiter
	BulkSource
	BulkCaseLimiter
	DataThroughSource
} = (*transform.Reader)(nil)

// dataThrough is the source's last day of data; zero for a source that cannot tell.
func dataThrough(ctx context.Context, src Source) (time.Time, error) {
	if d, ok := src.(DataThroughSource); ok {
		return d.DataThrough(ctx)
	}
	return time.Time{}, nil
}

// pageDims are the breakdowns a page shows: the classes, the channels and the topics.
var pageDims = [3]string{"category", "channel", "topic"}

// Build reads everything one unit's page shows for a period: its figures with 环比/同比, the
// monthly trend, its children ranked (townships of the district, villages of a township),
// the five classes, channels and topics, a children × month heat map of on-time rates and
// the overdue list. A code not in the register is an error wrapping ErrUnknownUnit.
// BuildAll builds the pages of every unit at once.
func Build(ctx context.Context, src Source, p transform.Period, unitCode string, o BuildOptions) (Input, error) {
	figs, err := src.Figures(ctx, p)
	if err != nil {
		return Input{}, err
	}
	t, err := newTree(figs, p)
	if err != nil {
		return Input{}, err
	}
	if unitCode == "" {
		unitCode = t.district.Unit.Code
	}
	scope, ok := t.byCode[unitCode]
	if !ok {
		return Input{}, fmt.Errorf("building page for %q: %w", unitCode, ErrUnknownUnit)
	}
	months, err := src.Series(ctx, scope.Unit.Code, "month")
	if err != nil {
		return Input{}, err
	}
	heatUnits := t.heatUnits(scope)
	// The reads are independent: run them side by side, so a page waits for the slowest
	// rather than for the sum (it matters while a load keeps the store busy).
	heatSeries := make([][]transform.PeriodFigures, len(heatUnits))
	var breakdowns [len(pageDims)][]transform.BreakdownRow
	errs := make([]error, len(heatUnits)+len(pageDims))
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i, u := range heatUnits {
		if u.Unit.Code == scope.Unit.Code {
			heatSeries[i] = months
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			heatSeries[i], errs[i] = src.Series(ctx, u.Unit.Code, "month")
		}()
	}
	for i, dim := range pageDims {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			breakdowns[i], errs[len(heatUnits)+i] = src.Breakdown(ctx, p, scope.Unit.Code, dim)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return Input{}, err
	}
	r := pageReads{months: months, heat: heatSeries, breakdowns: breakdowns}
	if r.through, err = dataThrough(ctx, src); err != nil {
		return Input{}, err
	}
	if o.Cases {
		if l, ok := src.(CaseLimiter); ok && o.CaseLimit > 0 {
			r.cases, r.casesTotal, err = l.ProblemCasesLimit(ctx, p, scope.Unit.Code, o.CaseLimit)
		} else {
			r.cases, err = src.ProblemCases(ctx, p, scope.Unit.Code, false)
			r.casesTotal = len(r.cases)
		}
		if err != nil {
			return Input{}, err
		}
	}
	pages := []Input{t.input(p, scope, o, r)}
	if err := addSubmissions(ctx, src, p, pages); err != nil {
		return Input{}, err
	}
	return pages[0], nil
}

// BuildAll builds the page of every unit for a period, in the order of the period's
// figures (the register's: the district first): each is what Build returns for the unit.
// From a BulkSource (and, for case lists with a CaseLimit, a BulkCaseLimiter) it reads
// everything in a few set-based queries; from any other source, each unit's series,
// breakdowns and cases once.
func BuildAll(ctx context.Context, src Source, p transform.Period, o BuildOptions) ([]Input, error) {
	return buildAll(ctx, src, p, o, nil)
}

// periodFree holds what BuildAll reads that does not depend on the period (every unit's
// monthly series from a BulkSource, the data's end), for a caller that builds the pages
// of many periods from one store: read with the first period, reused for the rest.
type periodFree struct {
	read    bool
	series  map[string][]transform.PeriodFigures
	through time.Time
}

func buildAll(ctx context.Context, src Source, p transform.Period, o BuildOptions, free *periodFree) ([]Input, error) {
	figs, err := src.Figures(ctx, p)
	if err != nil {
		return nil, err
	}
	t, err := newTree(figs, p)
	if err != nil {
		return nil, err
	}
	var series map[string][]transform.PeriodFigures
	var breakdowns [len(pageDims)]map[string][]transform.BreakdownRow
	var lists map[string]transform.CaseList
	bulk, isBulk := src.(BulkSource)
	bulkCases, isBulkCases := src.(BulkCaseLimiter)
	isBulkCases = isBulkCases && o.Cases && o.CaseLimit > 0
	// Side by side, as Build's reads: the store runs one query while the next is sent.
	var jobs []func() error
	var through time.Time
	reuse := free != nil && free.read
	if reuse {
		series, through = free.series, free.through
	}
	if isBulk {
		if !reuse {
			jobs = append(jobs, func() (err error) { series, err = bulk.SeriesAll(ctx, "month"); return err })
		}
		for i, dim := range pageDims {
			jobs = append(jobs, func() (err error) { breakdowns[i], err = bulk.BreakdownAll(ctx, p, dim); return err })
		}
	}
	if isBulkCases {
		jobs = append(jobs, func() (err error) { lists, err = bulkCases.ProblemCasesLimitAll(ctx, p, o.CaseLimit); return err })
	}
	if !reuse {
		jobs = append(jobs, func() (err error) { through, err = dataThrough(ctx, src); return err })
	}
	if err := runAll(4, jobs); err != nil {
		return nil, err
	}
	if free != nil && !free.read && isBulk {
		free.read, free.series, free.through = true, series, through
	}
	// What the source cannot read for every unit at once, it reads unit by unit, each
	// unit once.
	codes := make([]string, 0, len(t.byCode))
	seen := map[string]bool{}
	for _, f := range figs {
		if !seen[f.Unit.Code] {
			seen[f.Unit.Code] = true
			codes = append(codes, f.Unit.Code)
		}
	}
	jobs = nil
	if !isBulk {
		series = map[string][]transform.PeriodFigures{}
		seriesOf := make([][]transform.PeriodFigures, len(codes))
		var brk [len(pageDims)][][]transform.BreakdownRow
		for i := range brk {
			brk[i] = make([][]transform.BreakdownRow, len(codes))
		}
		for i, code := range codes {
			jobs = append(jobs, func() (err error) { seriesOf[i], err = src.Series(ctx, code, "month"); return err })
			for d, dim := range pageDims {
				jobs = append(jobs, func() (err error) { brk[d][i], err = src.Breakdown(ctx, p, code, dim); return err })
			}
		}
		if err := runAll(4, jobs); err != nil {
			return nil, err
		}
		for i, code := range codes {
			series[code] = seriesOf[i]
		}
		for d := range breakdowns {
			breakdowns[d] = map[string][]transform.BreakdownRow{}
			for i, code := range codes {
				breakdowns[d][code] = brk[d][i]
			}
		}
		jobs = nil
	}
	if o.Cases && !isBulkCases {
		lists = map[string]transform.CaseList{}
		got := make([]transform.CaseList, len(codes))
		for i, code := range codes {
			jobs = append(jobs, func() (err error) {
				l := &got[i]
				if cl, ok := src.(CaseLimiter); ok && o.CaseLimit > 0 {
					l.Cases, l.Total, err = cl.ProblemCasesLimit(ctx, p, code, o.CaseLimit)
				} else {
					l.Cases, err = src.ProblemCases(ctx, p, code, false)
					l.Total = len(l.Cases)
				}
				return err
			})
		}
		if err := runAll(4, jobs); err != nil {
			return nil, err
		}
		for i, code := range codes {
			lists[code] = got[i]
		}
	}
	pages := make([]Input, 0, len(figs))
	for _, f := range figs {
		scope := t.byCode[f.Unit.Code]
		heatUnits := t.heatUnits(scope)
		r := pageReads{months: series[scope.Unit.Code], heat: make([][]transform.PeriodFigures, len(heatUnits)), through: through}
		for i, u := range heatUnits {
			r.heat[i] = series[u.Unit.Code]
		}
		for d := range breakdowns {
			r.breakdowns[d] = breakdowns[d][scope.Unit.Code]
		}
		if o.Cases {
			l := lists[scope.Unit.Code]
			r.cases, r.casesTotal = l.Cases, l.Total
		}
		pages = append(pages, t.input(p, scope, o, r))
	}
	if err := addSubmissions(ctx, src, p, pages); err != nil {
		return nil, err
	}
	return pages, nil
}

// runAll runs the jobs, at most n at once, and returns their errors joined in job order.
func runAll(n int, jobs []func() error) error {
	errs := make([]error, len(jobs))
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for i, job := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			errs[i] = job()
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// tree is the register as a period's figures give it: every unit's figures, children and
// ancestors.
type tree struct {
	byCode   map[string]transform.UnitFigures
	children map[string][]transform.UnitFigures
	district transform.UnitFigures
}

func newTree(figs []transform.UnitFigures, p transform.Period) (*tree, error) {
	t := &tree{byCode: map[string]transform.UnitFigures{}, children: map[string][]transform.UnitFigures{}}
	for _, f := range figs {
		t.byCode[f.Unit.Code] = f
		if f.Unit.Level == transform.LevelDistrict && t.district.Unit.Code == "" {
			t.district = f
		}
		t.children[f.Unit.Parent] = append(t.children[f.Unit.Parent], f)
	}
	if t.district.Unit.Code == "" {
		return nil, fmt.Errorf("building page for %s: the register has no district", p.ID)
	}
	return t, nil
}

// path lists the units above u, the district first.
func (t *tree) path(u transform.Unit) []transform.Unit {
	var path []transform.Unit
	for u.Parent != "" && len(path) <= len(t.byCode) { // a cycle in the register must not loop
		parent, ok := t.byCode[u.Parent]
		if !ok {
			break
		}
		path = append([]transform.Unit{parent.Unit}, path...)
		u = parent.Unit
	}
	return path
}

// heatUnits are the heat map's rows: the scope's children, or the scope itself when it
// has none.
func (t *tree) heatUnits(scope transform.UnitFigures) []transform.UnitFigures {
	if c := t.children[scope.Unit.Code]; len(c) > 0 {
		return c
	}
	return []transform.UnitFigures{scope}
}

// pageReads are what a page reads beyond the period's figures.
type pageReads struct {
	months     []transform.PeriodFigures   // the scope's monthly series
	heat       [][]transform.PeriodFigures // the monthly series of each heat map row
	breakdowns [len(pageDims)][]transform.BreakdownRow
	cases      []transform.CaseRow
	casesTotal int
	through    time.Time // the last day the data covers
}

// input puts a page together from what was read for it.
func (t *tree) input(p transform.Period, scope transform.UnitFigures, o BuildOptions, r pageReads) Input {
	if o.Months <= 0 {
		o.Months = 12
	}
	children := t.children[scope.Unit.Code]
	trend := lastMonths(r.months, p, o.Months)
	d := &Detail{Scope: scope.Unit, Path: t.path(scope.Unit)}
	for _, m := range trend {
		d.HeatMonths = append(d.HeatMonths, m.Period)
	}
	heatUnits := t.heatUnits(scope)
	d.Heat = make([]HeatRow, len(heatUnits))
	for i, u := range heatUnits {
		byPeriod := map[string]*float64{}
		for _, s := range r.heat[i] {
			byPeriod[s.Period.ID] = s.Values["on_time_rate"]
		}
		row := HeatRow{Unit: u.Unit}
		for _, m := range d.HeatMonths {
			row.Values = append(row.Values, byPeriod[m.ID])
		}
		d.Heat[i] = row
	}
	d.Channels, d.Topics = r.breakdowns[1], r.breakdowns[2]
	if o.Cases {
		d.ShowCases = true
		d.Cases, d.CasesTotal = r.cases, r.casesTotal
	}
	return Input{
		District: t.district.Unit, Period: p, Headline: scope, Trend: trend,
		Townships: children, Classes: r.breakdowns[0], Weights: o.Weights, Alerts: o.Alerts, DataThrough: r.through, Detail: d,
	}
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
