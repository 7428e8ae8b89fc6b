package transform

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"
)

// CaseState is a case as one knowledge date counts it.
type CaseState struct {
	Status   string
	Closed   *time.Time // closure date of a closed case
	Deadline *time.Time
	OnTime   *bool // nil unless closed
	Result   string
	Rating   string
	// LastSeenOpen is the newest date an export showed the case open.
	LastSeenOpen *time.Time
	Withdrawn    bool
}

// CaseChange is a case whose counting in a period differs between two knowledge dates.
type CaseChange struct {
	CaseKey, CaseNo, UnitCode, UnitName, Category string
	// Before and After are the case as each date knew it; nil where it was not counted.
	Before, After *CaseState
	// Figures are the ids of the figures whose numerator or denominator it entered, left
	// or counts differently in (sorted).
	Figures []string
	// Backdated: open as the earlier date knew it, and closed as the later date knows it
	// on a date before the last export the earlier date had showed it open — a closure
	// back-dated after the fact.
	Backdated bool
}

// FigureMove is a published figure whose value differs between two knowledge dates.
type FigureMove struct {
	Unit          Unit
	FigureID      string
	Before, After *float64
}

// Restatement is what changed in a period's figures between two knowledge dates.
type Restatement struct {
	Period  Period
	Cases   []CaseChange // by unit, then case
	Figures []FigureMove // by unit (register order), then figure (report order)
}

// Restate compares the figures of period p as two stores made at two knowledge dates
// count them (before: the earlier): every case whose counting changed and every figure
// that moved. Each store must have been built by Run; neither is changed.
func Restate(ctx context.Context, before, after *Reader, p Period) (Restatement, error) {
	out := Restatement{Period: p}
	mb, err := before.membership(ctx, p)
	if err != nil {
		return out, err
	}
	ma, err := after.membership(ctx, p)
	if err != nil {
		return out, err
	}
	sb, err := before.caseStates(ctx, p)
	if err != nil {
		return out, err
	}
	sa, err := after.caseStates(ctx, p)
	if err != nil {
		return out, err
	}
	keys := map[string]bool{}
	for k := range mb {
		keys[k] = true
	}
	for k := range ma {
		keys[k] = true
	}
	for k := range keys {
		var figs []string
		ids := map[string]bool{}
		for id := range mb[k] {
			ids[id] = true
		}
		for id := range ma[k] {
			ids[id] = true
		}
		for id := range ids {
			if mb[k][id] != ma[k][id] {
				figs = append(figs, id)
			}
		}
		if len(figs) == 0 {
			continue
		}
		sort.Slice(figs, func(i, j int) bool { return figureOrder(figs[i]) < figureOrder(figs[j]) })
		c := CaseChange{CaseKey: k, Figures: figs}
		for _, s := range []*caseInfo{sb[k], sa[k]} {
			if s != nil {
				c.CaseNo, c.UnitCode, c.UnitName, c.Category = s.caseNo, s.unitCode, s.unitName, s.category
			}
		}
		if s := sb[k]; s != nil {
			c.Before = &s.state
		}
		if s := sa[k]; s != nil {
			c.After = &s.state
		}
		c.Backdated = c.Before != nil && c.After != nil && c.Before.Closed == nil && !c.Before.Withdrawn &&
			c.After.Closed != nil && c.Before.LastSeenOpen != nil && c.After.Closed.Before(*c.Before.LastSeenOpen)
		out.Cases = append(out.Cases, c)
	}
	sort.Slice(out.Cases, func(i, j int) bool {
		a, b := out.Cases[i], out.Cases[j]
		if a.UnitCode != b.UnitCode {
			return a.UnitCode < b.UnitCode
		}
		return a.CaseKey < b.CaseKey
	})
	units, err := after.Units(ctx)
	if err != nil {
		return out, err
	}
	vb, err := before.periodValues(ctx, p)
	if err != nil {
		return out, err
	}
	va, err := after.periodValues(ctx, p)
	if err != nil {
		return out, err
	}
	for _, u := range units {
		for _, d := range figureDefs {
			b, a := vb[u.Code][d.ID], va[u.Code][d.ID]
			if (a == nil) != (b == nil) || (a != nil && math.Abs(*a-*b) > 1e-12) {
				out.Figures = append(out.Figures, FigureMove{Unit: u, FigureID: d.ID, Before: b, After: a})
			}
		}
	}
	return out, nil
}

func figureOrder(id string) int {
	for i, d := range figureDefs {
		if d.ID == id {
			return i
		}
	}
	return len(figureDefs)
}

// membership maps case → figure → how it counts there ("num weight / den").
func (r *Reader) membership(ctx context.Context, p Period) (map[string]map[string]string, error) {
	rows, err := r.db.QueryContext(ctx, `select case_key, figure_id, in_num, num_weight, in_den from figure_cases
		where period_id = ? and (in_num or in_den)`, p.ID)
	if err != nil {
		return nil, fmt.Errorf("reading case lists of %s: %w", p.ID, err)
	}
	defer rows.Close()
	out := map[string]map[string]string{}
	for rows.Next() {
		var key, id string
		var inNum bool
		var w sql.NullFloat64
		var inDen sql.NullBool
		if err := rows.Scan(&key, &id, &inNum, &w, &inDen); err != nil {
			return nil, fmt.Errorf("reading case lists of %s: %w", p.ID, err)
		}
		if out[key] == nil {
			out[key] = map[string]string{}
		}
		sig := "-"
		if inNum {
			sig = strconv.FormatFloat(w.Float64, 'g', -1, 64)
		}
		out[key][id] = sig + "/" + strconv.FormatBool(inDen.Bool)
	}
	return out, rows.Err()
}

type caseInfo struct {
	caseNo, unitCode, unitName, category string
	state                                CaseState
}

// caseStates reads the current state of every case the period's facts hold.
func (r *Reader) caseStates(ctx context.Context, p Period) (map[string]*caseInfo, error) {
	rows, err := r.db.QueryContext(ctx, `select c.case_key, coalesce(c.case_no, ''), c.unit_code, u.name, c.category,
			coalesce(c.status, ''), c.closed_date, c.deadline, case when c.is_closed then c.is_on_time end,
			coalesce(c.result, ''), coalesce(c.satisfaction, ''), c.last_seen_open_date, c.is_withdrawn
		from cases c join ref_units u on u.code = c.unit_code
		where c.case_key in (select case_key from case_period_facts where period_id = ?)`, p.ID)
	if err != nil {
		return nil, fmt.Errorf("reading cases of %s: %w", p.ID, err)
	}
	defer rows.Close()
	out := map[string]*caseInfo{}
	for rows.Next() {
		var key string
		var ci caseInfo
		var closed, deadline, seen sql.NullTime
		var onTime sql.NullBool
		if err := rows.Scan(&key, &ci.caseNo, &ci.unitCode, &ci.unitName, &ci.category, &ci.state.Status, &closed, &deadline,
			&onTime, &ci.state.Result, &ci.state.Rating, &seen, &ci.state.Withdrawn); err != nil {
			return nil, fmt.Errorf("reading cases of %s: %w", p.ID, err)
		}
		ci.state.Closed, ci.state.Deadline, ci.state.LastSeenOpen = datePtr(closed), datePtr(deadline), datePtr(seen)
		ci.state.OnTime = boolPtr(onTime)
		out[key] = &ci
	}
	return out, rows.Err()
}

// datePtr and boolPtr turn a nullable column into nil or a value (dates as local dates).
func datePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	d := localDate(t.Time)
	return &d
}

func boolPtr(b sql.NullBool) *bool {
	if !b.Valid {
		return nil
	}
	v := b.Bool
	return &v
}

// periodValues maps unit → figure → value (dim 'all') for a period; empty when the store
// has no such period.
func (r *Reader) periodValues(ctx context.Context, p Period) (map[string]map[string]*float64, error) {
	rows, err := r.db.QueryContext(ctx, `select unit_code, figure_id, value from figure_values where period_id = ? and dim = 'all'`, p.ID)
	if err != nil {
		return nil, fmt.Errorf("reading figures of %s: %w", p.ID, err)
	}
	defer rows.Close()
	out := map[string]map[string]*float64{}
	for rows.Next() {
		var code, id string
		var v sql.NullFloat64
		if err := rows.Scan(&code, &id, &v); err != nil {
			return nil, fmt.Errorf("reading figures of %s: %w", p.ID, err)
		}
		if out[code] == nil {
			out[code] = map[string]*float64{}
		}
		out[code][id] = ptr(v)
	}
	return out, rows.Err()
}
