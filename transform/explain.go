package transform

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ErrNotCaseFigure means a figure is not counted from cases (visits, service activities),
// so there are no cases to list behind it.
var ErrNotCaseFigure = errors.New("not counted from cases")

// ErrUnknownFigure means no figure has the id.
var ErrUnknownFigure = errors.New("unknown figure")

// ErrUnknownUnit means the register has no unit with the code.
var ErrUnknownUnit = errors.New("unknown unit")

// Explanation is one published figure with the cases behind it: an auditor can add up
// the numerator's weights and count the denominator's cases and get Value back.
type Explanation struct {
	Unit   Unit
	Period Period
	Figure FigureDef
	// Value, Numerator and Denominator are as figure_values holds them: Denominator is
	// nil for counts and day figures, Value nil where the denominator is 0.
	Value, Numerator, Denominator *float64
	// Cases lists every case in the numerator or the denominator, and the cases of the
	// period kept out of the denominator with the reason, in receipt order.
	Cases []ExplainedCase
	// Parts are the score's rates, each explained, with Weights the config's weights.
	Parts   []Explanation
	Weights map[string]float64
}

// ExplainedCase is one case as explain lists it.
type ExplainedCase struct {
	CaseKey  string // case_no, or "fp:" and the fingerprint where there is none
	CaseNo   string
	UnitCode string
	UnitName string
	Category string
	Received time.Time
	Deadline *time.Time
	Closed   *time.Time
	OnTime   *bool
	Status   string
	Result   string
	Rating   string
	// InNumerator and Weight: the case adds Weight to the numerator (1, the 部分解决
	// weight, or its processing days for avg_days and median_days).
	InNumerator bool
	Weight      float64
	// InDenominator is false for figures without a denominator.
	InDenominator bool
	// Excluded says why a case of the period stays out of the figure; "" otherwise.
	Excluded string
	// WaitingDays counts the calendar days a 补办件 or 上报件 still waiting at the cutoff
	// had waited then since the request or the escalation; nil when it was not waiting.
	WaitingDays *int
}

// Explain returns a figure of a unit (and its subtree) for a period with the cases behind
// it, read from the same facts the figure is computed from (sql/62_figure_cases.sql).
// Errors: ErrUnknownFigure, ErrUnknownUnit, ErrNotCaseFigure for visit and activity
// figures.
func (r *Reader) Explain(ctx context.Context, p Period, unitCode, figureID string) (Explanation, error) {
	def, ok := FigureDefByID(figureID)
	if !ok {
		return Explanation{}, fmt.Errorf("%w %q", ErrUnknownFigure, figureID)
	}
	if activityFigures[figureID] {
		return Explanation{}, fmt.Errorf("explaining %s: %w: it sums visit or service activity rows", figureID, ErrNotCaseFigure)
	}
	var u Unit
	err := r.db.QueryRowContext(ctx, `select code, name, level, coalesce(parent, '') from ref_units where code = ?`, unitCode).
		Scan(&u.Code, &u.Name, &u.Level, &u.Parent)
	if errors.Is(err, sql.ErrNoRows) {
		return Explanation{}, fmt.Errorf("%w %q", ErrUnknownUnit, unitCode)
	}
	if err != nil {
		return Explanation{}, fmt.Errorf("looking up unit %s: %w", unitCode, err)
	}
	e := Explanation{Unit: u, Period: p, Figure: def}
	var v, num, den sql.NullFloat64
	err = r.db.QueryRowContext(ctx, `select value, numerator, denominator from figure_values
		where unit_code = ? and period_id = ? and dim = 'all' and figure_id = ?`, unitCode, p.ID, figureID).Scan(&v, &num, &den)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return Explanation{}, fmt.Errorf("reading %s of %s for %s: %w", figureID, unitCode, p.ID, err)
	}
	e.Value, e.Numerator, e.Denominator = ptr(v), ptr(num), ptr(den)
	if figureID == "score" {
		w, err := r.scoreWeights(ctx)
		if err != nil {
			return Explanation{}, err
		}
		e.Weights = w
		for _, part := range []string{"response_rate", "resolution_rate", "satisfaction_rate"} {
			pe, err := r.Explain(ctx, p, unitCode, part)
			if err != nil {
				return Explanation{}, err
			}
			e.Parts = append(e.Parts, pe)
		}
		return e, nil
	}
	rows, err := r.db.QueryContext(ctx, `
		select c.case_key, coalesce(c.case_no, ''), c.unit_code, u.name, c.category, c.received_at, c.deadline,
			case when c.is_closed then c.closed_at end, case when c.is_closed then c.is_on_time end, coalesce(c.status, ''), coalesce(c.result, ''), coalesce(c.satisfaction, ''),
			fc.in_num, coalesce(fc.num_weight, 0), coalesce(fc.in_den, false), coalesce(fc.excluded, ''),
			case when fc.excluded like '待%' then date_diff('day', cast(case c.category when '补办件' then c.supplement_requested_at else c.escalated_at end as date), p.cutoff) end
		from figure_cases fc
		join ref_unit_tree t on t.code = fc.unit_code and t.ancestor = ?
		join cases c on c.case_key = fc.case_key
		join ref_units u on u.code = c.unit_code
		join periods p on p.period_id = fc.period_id
		where fc.period_id = ? and fc.figure_id = ?
		order by c.received_at, c.case_key`, unitCode, p.ID, figureID)
	if err != nil {
		return Explanation{}, fmt.Errorf("listing the cases of %s of %s for %s: %w", figureID, unitCode, p.ID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var c ExplainedCase
		var deadline, closed sql.NullTime
		var onTime sql.NullBool
		var waited sql.NullInt64
		if err := rows.Scan(&c.CaseKey, &c.CaseNo, &c.UnitCode, &c.UnitName, &c.Category, &c.Received, &deadline,
			&closed, &onTime, &c.Status, &c.Result, &c.Rating, &c.InNumerator, &c.Weight, &c.InDenominator, &c.Excluded, &waited); err != nil {
			return Explanation{}, fmt.Errorf("listing the cases of %s of %s for %s: %w", figureID, unitCode, p.ID, err)
		}
		c.Received = localDate(c.Received)
		c.Deadline, c.Closed, c.OnTime = datePtr(deadline), datePtr(closed), boolPtr(onTime)
		if waited.Valid {
			n := int(waited.Int64)
			c.WaitingDays = &n
		}
		e.Cases = append(e.Cases, c)
	}
	return e, rows.Err()
}

func (r *Reader) scoreWeights(ctx context.Context) (map[string]float64, error) {
	var resp, res, sat float64
	if err := r.db.QueryRowContext(ctx, `select w_response, w_resolution, w_satisfaction from ref_settings`).Scan(&resp, &res, &sat); err != nil {
		return nil, fmt.Errorf("reading the score's weights: %w", err)
	}
	return map[string]float64{"response_rate": resp, "resolution_rate": res, "satisfaction_rate": sat}, nil
}

// AuditFlag is one thing that deserves an auditor's look (docs/rules.md "Flags for
// auditors"); Flag is one of DUE_MISMATCH, BACKDATED_CLOSURE, SATISFACTION_BEFORE_CLOSURE,
// QUARTER_END_CLOSURES, EXPORTS_STOPPED, DEADLINE_UNKNOWN.
type AuditFlag struct {
	Flag     string
	UnitCode string
	UnitName string
	CaseKey  string // case flags only
	CaseNo   string
	PeriodID string // QUARTER_END_CLOSURES: the quarter
	Source   string // EXPORTS_STOPPED: the source whose files stopped
	Day      time.Time
	Detail   string // Chinese, one sentence with the dates and counts
}

// AuditFlags lists the flags, by flag, unit and day. With a period, only the flags whose
// day falls in it, and every EXPORTS_STOPPED (which is about the present).
func (r *Reader) AuditFlags(ctx context.Context, p *Period) ([]AuditFlag, error) {
	where, args := "", []any{}
	if p != nil {
		where = `where a.flag = 'EXPORTS_STOPPED' or a.day between ? and ?`
		args = append(args, p.Start.Format("2006-01-02"), p.End.Format("2006-01-02"))
	}
	rows, err := r.db.QueryContext(ctx, `select a.flag, a.unit_code, u.name, coalesce(a.case_key, ''), coalesce(c.case_no, ''),
			coalesce(a.period_id, ''), coalesce(a.source, ''), a.day, a.detail
		from audit_flags a join ref_units u on u.code = a.unit_code
		left join cases c on c.case_key = a.case_key `+where+`
		order by case a.flag when 'BACKDATED_CLOSURE' then 0 when 'DUE_MISMATCH' then 1 when 'SATISFACTION_BEFORE_CLOSURE' then 2
			when 'QUARTER_END_CLOSURES' then 3 when 'EXPORTS_STOPPED' then 4 else 5 end, a.unit_code, a.day, a.case_key, a.source`, args...)
	if err != nil {
		return nil, fmt.Errorf("listing audit flags: %w", err)
	}
	defer rows.Close()
	var out []AuditFlag
	for rows.Next() {
		var f AuditFlag
		if err := rows.Scan(&f.Flag, &f.UnitCode, &f.UnitName, &f.CaseKey, &f.CaseNo, &f.PeriodID, &f.Source, &f.Day, &f.Detail); err != nil {
			return nil, fmt.Errorf("listing audit flags: %w", err)
		}
		f.Day = localDate(f.Day)
		out = append(out, f)
	}
	return out, rows.Err()
}

// WaitingCase is a 补办件 still awaiting the citizen's documents, or a 上报件 still awaiting
// the higher level's reply, at a period's cutoff: not yet due, so it is in no on-time
// figure, and listed apart with how long it has waited.
type WaitingCase struct {
	CaseKey, CaseNo, UnitCode, UnitName, Category string
	Received                                      time.Time
	WaitingSince                                  time.Time // the request for documents, or the escalation
	// Days and Workdays count the days after WaitingSince up to the cutoff: calendar
	// days, and working days on the official calendar.
	Days, Workdays int
}

// WaitingCases lists the cases of a unit's subtree waiting at p's cutoff, longest wait
// first. A case whose documents or reply came after the cutoff was waiting then.
func (r *Reader) WaitingCases(ctx context.Context, p Period, unitCode string) ([]WaitingCase, error) {
	cutoff := p.Cutoff.Format("2006-01-02")
	rows, err := r.db.QueryContext(ctx, `
		with w as (
			select c.*, cast(case c.category when '补办件' then c.supplement_requested_at else c.escalated_at end as date) as since,
				cast(case c.category when '补办件' then c.supplement_done_at else c.reply_at end as date) as ended
			from cases c
			join ref_unit_tree t on t.code = c.unit_code and t.ancestor = ?
			where c.category in ('补办件', '上报件') and not c.is_withdrawn and c.received_date <= cast(? as date)
		)
		select w.case_key, coalesce(w.case_no, ''), w.unit_code, u.name, w.category, w.received_at, w.since,
			date_diff('day', w.since, cast(? as date)), k_cut.workday_no - k_since.workday_no
		from w join ref_units u on u.code = w.unit_code
		join ref_calendar k_since on k_since.day = w.since
		join ref_calendar k_cut on k_cut.day = cast(? as date)
		where w.since <= cast(? as date) and (w.ended is null or w.ended > cast(? as date))
			and not (w.is_closed and w.closed_date <= cast(? as date))
		order by w.since, w.unit_code, w.case_key`, unitCode, cutoff, cutoff, cutoff, cutoff, cutoff, cutoff)
	if err != nil {
		return nil, fmt.Errorf("listing waiting cases of %s: %w", p.ID, err)
	}
	defer rows.Close()
	var out []WaitingCase
	for rows.Next() {
		var c WaitingCase
		if err := rows.Scan(&c.CaseKey, &c.CaseNo, &c.UnitCode, &c.UnitName, &c.Category, &c.Received, &c.WaitingSince, &c.Days, &c.Workdays); err != nil {
			return nil, fmt.Errorf("listing waiting cases of %s: %w", p.ID, err)
		}
		c.Received, c.WaitingSince = localDate(c.Received), localDate(c.WaitingSince)
		out = append(out, c)
	}
	return out, rows.Err()
}

// FigureByName returns the figure whose id or Chinese name (as reports cite it) is name,
// and whether there is one.
func FigureByName(name string) (FigureDef, bool) {
	for _, d := range figureDefs {
		if d.ID == name || d.Name == name {
			return d, true
		}
	}
	return FigureDef{}, false
}
