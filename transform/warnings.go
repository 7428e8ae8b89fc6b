package transform

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Early warning (预警) and supervision notices (督办单): docs/rules.md "Early warning".
//
// A warning list is stated as at the start of an as-of day D, on the working-day
// calendar: a case is open at D when it was received on or before D, is not withdrawn,
// and has no closure dated on or before D (a case closed on D is done). Of the open
// cases with a known deadline (a 补办件 awaiting documents or a 上报件 awaiting the
// reply is not yet due and is not listed):
//   - overdue (超期): the deadline is before D; DaysOverdue counts the working days after
//     the deadline up to and including D, at least 1 (a deadline on Friday is 1 working
//     day overdue on Saturday, as the overdue lists of docs/rules.md count it);
//   - due soon (临期): the deadline is D or one of the next WarnDays working days after D;
//     DaysLeft counts the working days after D up to and including the deadline (0: due
//     on D itself).
// At the end of D a case due soon with DaysLeft 0 that is still open is overdue_open at
// cutoff D: the two agree.
//
// The cases are read as the store knows them now, stated as at D: a case closed without a
// closure date (CLOSED_WITHOUT_DATE) counts as closed on the first day an export showed it
// closed (closed_seen_date), as close_rate counts it; a 补办件 or 上报件 whose documents or
// reply came after D was still waiting at D and is not listed (its deadline runs from a
// day after D); a case withdrawn since is not listed, as it leaves every figure.

// Warning kinds.
const (
	WarnOverdue = "超期" // open past its deadline
	WarnDueSoon = "临期" // due within the warning horizon
)

// WarnCase is one case on a warning list or a supervision notice, masked as the store
// holds it.
type WarnCase struct {
	CaseKey      string
	CaseNo       string // empty when no export gave one; File, Sheet, Row then locate it
	UnitCode     string // handling unit
	UnitName     string
	TownshipCode string // the township the unit belongs to (itself for a township); empty for the district
	TownshipName string
	Category     string
	Topic        string
	// Status is the case's status as at the as-of day: for a case closed since, the
	// newest status an export known by then gave other than 已办结, else 未办结.
	Status      string
	ReceivedAt  time.Time
	Deadline    time.Time
	Kind        string // WarnOverdue or WarnDueSoon
	DaysOverdue int    // WarnOverdue: working days past the deadline (≥ 1)
	DaysLeft    int    // WarnDueSoon: working days left (0 = due on the as-of day)
	File        string
	Sheet       string
	Row         int
	Citizen     string // masked
	Phone       string // masked
	Description string // scrubbed
}

// Warnings is the warning list of a unit (and everything under it) as at a day.
type Warnings struct {
	UnitCode string
	AsOf     time.Time // the as-of day, 00:00 Asia/Shanghai
	WarnDays int
	Until    time.Time // the last day counted as due soon: WarnDays working days after AsOf
	// DataThrough is the newest day the store's exports cover, so a reader can tell a
	// list as at today from data that stopped long before.
	DataThrough time.Time
	// Cases: overdue first (most days overdue first), then due soon (fewest days left
	// first); ties by township, unit, deadline, received, key.
	Cases []WarnCase
}

// WarnCount counts one unit's warnings: its own cases and those of every unit under it.
type WarnCount struct {
	UnitCode string
	UnitName string
	Level    string // district, township, village
	Overdue  int
	DueSoon  int
}

// ErrAsOfNotCovered means the as-of day, or the warning horizon after it, falls outside
// the working-day calendar's years.
var ErrAsOfNotCovered = errors.New("the working-day calendar does not cover the as-of day")

// Warnings lists the open cases of unitCode and every unit under it that are overdue or
// due within warnDays working days, as at asOf (see above). Only asOf's date in Asia/Shanghai
// counts. Errors: ErrUnknownUnit for a code not in the register, ErrAsOfNotCovered when the
// calendar does not cover asOf or the horizon after it.
func (r *Reader) Warnings(ctx context.Context, unitCode string, asOf time.Time, warnDays int) (Warnings, error) {
	h, err := r.warnHorizon(ctx, unitCode, asOf, warnDays)
	if err != nil {
		return Warnings{}, err
	}
	through, err := r.DataThrough(ctx)
	if err != nil {
		return Warnings{}, err
	}
	w := Warnings{UnitCode: unitCode, AsOf: h.asOf, WarnDays: warnDays, Until: h.until, DataThrough: through}
	rows, err := r.db.QueryContext(ctx, `
		with `+warnSetSQL+`,
		-- the newest status an export known by the as-of day gave a case closed since,
		-- other than 已办结: one aggregate over those cases' versions
		status_then as (
			select w.case_key, arg_min(v.status, v.version_rank) as status
			from warn_set w
			join case_versions_all v on v.case_key = w.case_key
			cross join as_of a
			where (w.is_closed or w.is_closed_undated) and v.status_p and v.status <> '已办结'
				and cast(v.known_at as date) <= a.day
			group by w.case_key
		)
		select f.case_key, coalesce(f.case_no, ''), f.unit_code, u.name, coalesce(tw.code, ''), coalesce(tw.name, ''),
			coalesce(f.category, ''), coalesce(f.topic, ''),
			-- a case closed since the as-of day is stated as it was then (never 已办结)
			case when f.is_closed or f.is_closed_undated then coalesce(sat.status, '未办结') else coalesce(f.status, '') end,
			f.received_at, f.deadline,
			f.kind, f.days_overdue, f.days_left,
			coalesce(src_file.path, ''), coalesce(src.sheet, ''), coalesce(src.row_no, 0),
			coalesce(f.citizen_name_masked, ''), coalesce(f.citizen_phone_masked, ''), coalesce(f.description, '')
		from warn_set f
		`+caseRowSource+`
		left join status_then sat on sat.case_key = f.case_key
		join ref_units u on u.code = f.unit_code
		left join ref_unit_tree tt on tt.code = f.unit_code and tt.ancestor in (select code from ref_units where level = 'township')
		left join ref_units tw on tw.code = tt.ancestor
		order by f.kind_rank, f.days_overdue desc, f.days_left, tw.code nulls first, f.unit_code, f.deadline, f.received_at, f.case_key`,
		h.params()...)
	if err != nil {
		return Warnings{}, fmt.Errorf("listing the warnings of %s as at %s: %w", unitCode, h.day, err)
	}
	defer rows.Close()
	for rows.Next() {
		var c WarnCase
		if err := rows.Scan(&c.CaseKey, &c.CaseNo, &c.UnitCode, &c.UnitName, &c.TownshipCode, &c.TownshipName,
			&c.Category, &c.Topic, &c.Status, &c.ReceivedAt, &c.Deadline, &c.Kind, &c.DaysOverdue, &c.DaysLeft,
			&c.File, &c.Sheet, &c.Row, &c.Citizen, &c.Phone, &c.Description); err != nil {
			return Warnings{}, fmt.Errorf("listing the warnings of %s as at %s: %w", unitCode, h.day, err)
		}
		c.ReceivedAt, c.Deadline = localDate(c.ReceivedAt), localDate(c.Deadline)
		w.Cases = append(w.Cases, c)
	}
	if err := rows.Err(); err != nil {
		return Warnings{}, fmt.Errorf("listing the warnings of %s as at %s: %w", unitCode, h.day, err)
	}
	return w, nil
}

// WarningCounts counts the warnings of unitCode and of each unit directly under it (a
// township's villages, the district's townships), unitCode's own row first and then the
// units by most overdue, then most due soon, then code. A unit under unitCode with no
// warning is listed with zeros. Errors as Warnings'.
func (r *Reader) WarningCounts(ctx context.Context, unitCode string, asOf time.Time, warnDays int) ([]WarnCount, error) {
	h, err := r.warnHorizon(ctx, unitCode, asOf, warnDays)
	if err != nil {
		return nil, err
	}
	rows, err := r.db.QueryContext(ctx, `
		with `+warnSetSQL+`,
		counted as (
			select u.code, u.name, u.level, u.code = ? as own,
				count(f.case_key) filter (where f.kind = ?) as overdue,
				count(f.case_key) filter (where f.kind = ?) as due_soon
			from ref_units u
			left join ref_unit_tree t on t.ancestor = u.code
			left join warn_set f on f.unit_code = t.code
			where u.code = ? or u.parent = ?
			group by u.code, u.name, u.level
		)
		select code, name, level, overdue, due_soon from counted
		order by own desc, overdue desc, due_soon desc, code`,
		append(h.params(), unitCode, WarnOverdue, WarnDueSoon, unitCode, unitCode)...)
	if err != nil {
		return nil, fmt.Errorf("counting the warnings of %s as at %s: %w", unitCode, h.day, err)
	}
	defer rows.Close()
	var out []WarnCount
	for rows.Next() {
		var c WarnCount
		if err := rows.Scan(&c.UnitCode, &c.UnitName, &c.Level, &c.Overdue, &c.DueSoon); err != nil {
			return nil, fmt.Errorf("counting the warnings of %s as at %s: %w", unitCode, h.day, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("counting the warnings of %s as at %s: %w", unitCode, h.day, err)
	}
	return out, nil
}

// warnSetSQL is the CTE warn_set: the cases of a unit's subtree on its warning list as at
// a day, each with its kind and days, over the cases table (alias f, so that
// caseRowSource applies). Its parameters are warnHorizon.params().
const warnSetSQL = `as_of as (select cast(? as date) as day, cast(? as integer) as workday_no, cast(? as date) as until),
		warn_set as (
			select c.*,
				case when c.deadline < a.day then '` + WarnOverdue + `' else '` + WarnDueSoon + `' end as kind,
				case when c.deadline < a.day then 0 else 1 end as kind_rank,
				case when c.deadline < a.day then greatest(1, a.workday_no - c_due.workday_no) else 0 end as days_overdue,
				case when c.deadline < a.day then 0 else c_due.workday_no - a.workday_no end as days_left
			from cases c
			cross join as_of a
			join ref_unit_tree t on t.code = c.unit_code and t.ancestor = ?
			join ref_calendar c_due on c_due.day = c.deadline
			where c.received_date <= a.day and not c.is_withdrawn
				and c.deadline <= a.until and c.clock_start_date <= a.day
				and not (c.is_closed and c.closed_date <= a.day)
				and not (c.is_closed_undated and c.closed_seen_date <= a.day)
		)`

// warnHorizon is an as-of day as the calendar has it, and the last day due soon.
type warnHorizon struct {
	unitCode  string
	day       string // YYYY-MM-DD
	workdayNo int
	asOf      time.Time
	until     time.Time
	untilDay  string // YYYY-MM-DD
}

func (h warnHorizon) params() []any {
	return []any{h.day, h.workdayNo, h.untilDay, h.unitCode}
}

// warnHorizon checks the unit and reads the as-of day and the horizon from the store's
// calendar.
func (r *Reader) warnHorizon(ctx context.Context, unitCode string, asOf time.Time, warnDays int) (warnHorizon, error) {
	if warnDays < 0 {
		return warnHorizon{}, fmt.Errorf("listing warnings: %d warning days is negative", warnDays)
	}
	y, m, d := asOf.In(Shanghai).Date()
	h := warnHorizon{unitCode: unitCode, asOf: time.Date(y, m, d, 0, 0, 0, 0, Shanghai)}
	h.day = h.asOf.Format("2006-01-02")
	var n int
	if err := r.db.QueryRowContext(ctx, `select count(*) from ref_units where code = ?`, unitCode).Scan(&n); err != nil {
		return warnHorizon{}, fmt.Errorf("looking up unit %q: %w", unitCode, err)
	}
	if n == 0 {
		return warnHorizon{}, fmt.Errorf("listing warnings: %w %q", ErrUnknownUnit, unitCode)
	}
	err := r.db.QueryRowContext(ctx, `select workday_no from ref_calendar where day = cast(? as date)`, h.day).Scan(&h.workdayNo)
	if errors.Is(err, sql.ErrNoRows) {
		return warnHorizon{}, fmt.Errorf("listing warnings as at %s: %w", h.day, ErrAsOfNotCovered)
	}
	if err != nil {
		return warnHorizon{}, fmt.Errorf("reading the calendar at %s: %w", h.day, err)
	}
	h.until = h.asOf
	if warnDays > 0 {
		var until sql.NullTime
		if err := r.db.QueryRowContext(ctx, `select min(day) from ref_calendar where is_workday and workday_no = ?`,
			h.workdayNo+warnDays).Scan(&until); err != nil {
			return warnHorizon{}, fmt.Errorf("reading the calendar after %s: %w", h.day, err)
		}
		if !until.Valid {
			return warnHorizon{}, fmt.Errorf("listing warnings as at %s, due within %d working days after it: %w",
				h.day, warnDays, ErrAsOfNotCovered)
		}
		h.until = localDate(until.Time)
	}
	h.untilDay = h.until.Format("2006-01-02")
	return h, nil
}
