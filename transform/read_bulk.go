package transform

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
)

// The set-based readers: what the per-unit readers (Series, Breakdown, ProblemCasesLimit)
// return, for every unit at once, in one query each. A page per unit of a district of
// hundreds of units is built from a handful of these rather than from a few queries per
// unit, each of which scans the whole figure table. Each reads the same tables with the
// same definitions and order as its per-unit reader, so that a unit's entry is exactly
// what the per-unit reader returns for it (read_bulk_test.go holds them to that).

// SeriesAll returns every unit's figures for every period of a kind, oldest first, by
// unit code: for each code, what Series(ctx, code, kind) returns. A unit with no figures
// has no entry (Series returns nil for it).
func (r *Reader) SeriesAll(ctx context.Context, kind string) (map[string][]PeriodFigures, error) {
	rows, err := r.db.QueryContext(ctx, `select v.unit_code, p.period_id, v.figure_id, v.value from figure_values v join periods p using (period_id)
		where p.kind = ? and v.dim = 'all' order by v.unit_code, p.start_date, v.figure_id`, kind)
	if err != nil {
		return nil, fmt.Errorf("reading the %s series of every unit: %w", kind, err)
	}
	defer rows.Close()
	out := map[string][]PeriodFigures{}
	periods := map[string]Period{}
	var code string
	var cur []PeriodFigures
	for rows.Next() {
		var unit, pid, id string
		var v sql.NullFloat64
		if err := rows.Scan(&unit, &pid, &id, &v); err != nil {
			return nil, fmt.Errorf("reading the %s series of every unit: %w", kind, err)
		}
		if unit != code {
			if cur != nil {
				out[code] = cur
			}
			code, cur = unit, nil
		}
		if len(cur) == 0 || cur[len(cur)-1].Period.ID != pid {
			p, ok := periods[pid]
			if !ok {
				if p, err = ParsePeriod(pid); err != nil {
					return nil, err
				}
				periods[pid] = p
			}
			cur = append(cur, PeriodFigures{Period: p, Values: map[string]*float64{}})
		}
		cur[len(cur)-1].Values[id] = ptr(v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading the %s series of every unit: %w", kind, err)
	}
	if cur != nil {
		out[code] = cur
	}
	return out, nil
}

// BreakdownAll returns every unit's case figures for a period split by dim, by unit code:
// for each unit of the register (and any other unit with figures), what
// Breakdown(ctx, p, code, dim) returns, the five classes or 代办 and 非代办 included for
// a unit without cases.
func (r *Reader) BreakdownAll(ctx context.Context, p Period, dim string) (map[string][]BreakdownRow, error) {
	units, err := r.Units(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := r.db.QueryContext(ctx, `select unit_code, dim_value, figure_id, value, mom, yoy from figure_changes
		where period_id = ? and dim = ? order by unit_code, dim_value, figure_id`, p.ID, dim)
	if err != nil {
		return nil, fmt.Errorf("reading every unit's %s breakdown: %w", dim, err)
	}
	defer rows.Close()
	out := map[string][]BreakdownRow{}
	var code string
	var b *breakdownBuilder
	for rows.Next() {
		var unit, val, id string
		var v, mom, yoy sql.NullFloat64
		if err := rows.Scan(&unit, &val, &id, &v, &mom, &yoy); err != nil {
			return nil, fmt.Errorf("reading every unit's %s breakdown: %w", dim, err)
		}
		if b == nil || unit != code {
			if b != nil {
				out[code] = b.rows()
			}
			code, b = unit, newBreakdownBuilder(dim)
		}
		b.add(val, id, v, mom, yoy)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading every unit's %s breakdown: %w", dim, err)
	}
	if b != nil {
		out[code] = b.rows()
	}
	for _, u := range units {
		if _, ok := out[u.Code]; !ok {
			out[u.Code] = newBreakdownBuilder(dim).rows()
		}
	}
	return out, nil
}

// breakdownBuilder assembles one unit's breakdown from its rows in (dim_value,
// figure_id) order: Breakdown and BreakdownAll both build with it.
type breakdownBuilder struct {
	byValue map[string]*BreakdownRow
	order   []string
	fixed   int // the first fixed values of order are a fixed list, kept in its order
}

// fixedValues are the breakdowns that are a fixed list rather than a breakdown by
// volume: the five classes in domain.md's order, and 代办 before 非代办. They always
// appear, in that order, whatever their volume.
var fixedValues = map[string][]string{
	"category": {"即办件", "承诺件", "补办件", "上报件", "建议件"},
	"proxy":    {"代办", "非代办"},
}

func newBreakdownBuilder(dim string) *breakdownBuilder {
	b := &breakdownBuilder{byValue: map[string]*BreakdownRow{}}
	b.order = append(b.order, fixedValues[dim]...)
	b.fixed = len(b.order)
	for _, c := range b.order {
		b.byValue[c] = newBreakdownRow(c)
	}
	return b
}

func newBreakdownRow(v string) *BreakdownRow {
	return &BreakdownRow{Value: v, Values: map[string]*float64{}, MoM: map[string]*float64{}, YoY: map[string]*float64{}}
}

func (b *breakdownBuilder) add(val, id string, v, mom, yoy sql.NullFloat64) {
	row := b.byValue[val]
	if row == nil {
		row = newBreakdownRow(val)
		b.byValue[val] = row
		b.order = append(b.order, val)
	}
	row.Values[id], row.MoM[id], row.YoY[id] = ptr(v), ptr(mom), ptr(yoy)
}

// rows returns the breakdown's rows: a fixed list in its order, every other value by
// 受理量, most first, ties by value (so 未填写 stands where its volume puts it).
func (b *breakdownBuilder) rows() []BreakdownRow {
	out := make([]BreakdownRow, 0, len(b.order))
	for _, v := range b.order {
		row := *b.byValue[v]
		// A class with no cases in the period still shows every case figure: 0 for
		// counts, no value for the rest.
		for _, d := range figureDefs {
			if _, ok := row.Values[d.ID]; ok || activityFigures[d.ID] {
				continue
			}
			if d.Kind == KindCount {
				zero := 0.0
				row.Values[d.ID] = &zero
			} else {
				row.Values[d.ID] = nil
			}
		}
		out = append(out, row)
	}
	slices.SortStableFunc(out[b.fixed:], compareByVolume)
	return out
}

// compareByVolume orders breakdown rows by 受理量, most first, then by value.
func compareByVolume(a, b BreakdownRow) int {
	return cmp.Or(cmp.Compare(received(b), received(a)), cmp.Compare(a.Value, b.Value))
}

func received(r BreakdownRow) float64 {
	if v := r.Values["received"]; v != nil {
		return *v
	}
	return 0
}

// CaseList is the first cases of a unit's list of problem cases and how many it has in all.
type CaseList struct {
	Cases []CaseRow
	Total int
}

// ProblemCasesLimitAll returns, by unit code, what ProblemCasesLimit(ctx, p, code, limit)
// returns for every unit with problem cases in the period (masked): the first limit cases
// of its subtree's list and their number. A unit without any has no entry.
func (r *Reader) ProblemCasesLimitAll(ctx context.Context, p Period, limit int) (map[string]CaseList, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("listing problem cases: limit %d is not positive", limit)
	}
	// A unit's list is its subtree's cases ordered by township, unit, receipt and key: each
	// unit's cases together, in their own order. So a case beyond its own unit's first
	// limit is beyond every ancestor's first limit too, and only the first limit of each
	// unit (a few tens of thousands at most) are numbered again within every ancestor.
	// Every ancestor's total is the sum of its units'. The calendar is looked up for the
	// cases kept only.
	rows, err := r.db.QueryContext(ctx, `
		with problem as (
			select f.case_key, f.unit_code, f.received_at,
				row_number() over (partition by f.unit_code order by f.received_at, f.case_key) as k
			from case_period_facts f
			join ref_units u on u.code = f.unit_code
			where f.period_id = ? and (f.is_overdue_open or f.is_closed_late)
		),
		totals as (
			select t.ancestor, sum(n) as total
			from (select unit_code, count(*) as n from problem group by unit_code) p
			join ref_unit_tree t on t.code = p.unit_code
			group by t.ancestor
		),
		listed as (
			select t.ancestor, p.case_key, u.name as unit_name, tw.name as township_name,
				row_number() over (partition by t.ancestor order by tw.code nulls first, u.code, p.received_at, p.case_key) as n
			from problem p
			join ref_unit_tree t on t.code = p.unit_code
			join ref_units u on u.code = p.unit_code
			left join ref_unit_tree tt on tt.code = p.unit_code and tt.ancestor in (select code from ref_units where level = 'township')
			left join ref_units tw on tw.code = tt.ancestor
			where p.k <= ?
		)
		select l.ancestor, f.case_key, coalesce(f.case_no, ''), f.unit_code, l.unit_name, coalesce(l.township_name, ''),
			f.category, coalesce(f.channel, ''), coalesce(f.topic, ''), coalesce(f.status, ''),
			f.received_at, f.deadline, f.closed_at, f.is_on_time, f.is_overdue_open, f.is_proxy,
			`+caseRowAtCutoff+`,
			coalesce(f.citizen_name_masked, ''), coalesce(f.citizen_phone_masked, ''), coalesce(f.description, ''), tot.total
		from listed l
		join totals tot on tot.ancestor = l.ancestor
		join case_period_facts f on f.period_id = ? and f.case_key = l.case_key
		`+caseRowSource+`
		`+caseStatusAtCutoff+`
		left join ref_calendar c_due on c_due.day = f.deadline
		left join ref_calendar c_cut on c_cut.day = f.cutoff
		left join ref_calendar c_closed on c_closed.day = f.closed_date
		where l.n <= ?
		order by l.ancestor, l.n`, p.ID, limit, p.ID, limit)
	if err != nil {
		return nil, fmt.Errorf("listing every unit's problem cases of %s: %w", p.ID, err)
	}
	defer rows.Close()
	out := map[string]CaseList{}
	for rows.Next() {
		var c CaseRow
		var ancestor string
		var deadline, closed sql.NullTime
		var onTime sql.NullBool
		var late sql.NullInt64
		var total int
		if err := rows.Scan(&ancestor, &c.CaseKey, &c.CaseNo, &c.UnitCode, &c.UnitName, &c.TownshipName, &c.Category, &c.Channel,
			&c.Topic, &c.Status, &c.ReceivedAt, &deadline, &closed, &onTime, &c.Overdue, &c.Proxy, &late,
			&c.StatusAtCutoff, &c.File, &c.Sheet, &c.Row, &c.Citizen, &c.Phone, &c.Description, &total); err != nil {
			return nil, fmt.Errorf("listing every unit's problem cases of %s: %w", p.ID, err)
		}
		c.ReceivedAt = localDate(c.ReceivedAt)
		c.Deadline, c.ClosedAt, c.OnTime = datePtr(deadline), datePtr(closed), boolPtr(onTime)
		c.DaysLate = int(late.Int64)
		l := out[ancestor]
		l.Cases, l.Total = append(l.Cases, c), total
		out[ancestor] = l
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing every unit's problem cases of %s: %w", p.ID, err)
	}
	return out, nil
}
