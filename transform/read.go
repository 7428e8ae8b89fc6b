package transform

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"time"
)

// Reader is the one read API over the marts: the workbook, the dashboard and `stats` all
// read figures through it, so each figure has one definition. Safe for concurrent use.
type Reader struct{ db *sql.DB }

// NewReader returns a Reader over db, which a transform run has built.
func NewReader(db *sql.DB) *Reader { return &Reader{db: db} }

// ErrNoFigures means no transform has run on the store yet.
var ErrNoFigures = errors.New("the store has no figures yet")

// ConfigHash returns the hash of the configuration the current figures were made under.
func (r *Reader) ConfigHash(ctx context.Context) (string, error) {
	var n int
	if err := r.db.QueryRowContext(ctx, `select count(*) from information_schema.tables where table_name = 'transform_meta'`).Scan(&n); err != nil {
		return "", fmt.Errorf("looking for figures: %w", err)
	}
	if n == 0 {
		return "", fmt.Errorf("%w: run `minqing run` first", ErrNoFigures)
	}
	var h string
	if err := r.db.QueryRowContext(ctx, `select config_hash from transform_meta`).Scan(&h); err != nil {
		return "", fmt.Errorf("reading the figures' config: %w", err)
	}
	return h, nil
}

// ErrUnknownPeriod means the period has no data (or is not a period).
var ErrUnknownPeriod = errors.New("unknown period")

var periodRE = regexp.MustCompile(`^(\d{4})(?:Q([1-4])(YTD)?|-(0[1-9]|1[0-2]))?$`)

// Shanghai is the local time of every date minqing shows.
var Shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}()

// ParsePeriod reads 2024Q3, 2024-07, 2024 or 2024Q3YTD (the year so far to the end of
// the second or third quarter: 本年累计) into its kind and dates.
func ParsePeriod(s string) (Period, error) {
	m := periodRE.FindStringSubmatch(s)
	if m == nil {
		return Period{}, fmt.Errorf("%w %q: write a quarter (2024Q3), a month (2024-07) or a year (2024)", ErrUnknownPeriod, s)
	}
	y, _ := strconv.Atoi(m[1])
	p := Period{ID: s}
	switch {
	case m[3] != "":
		q, _ := strconv.Atoi(m[2])
		switch q {
		case 1:
			return Period{}, fmt.Errorf("%w %q: the year so far to the first quarter's end is the quarter (%dQ1)", ErrUnknownPeriod, s, y)
		case 4:
			return Period{}, fmt.Errorf("%w %q: the year so far to the fourth quarter's end is the year (%d)", ErrUnknownPeriod, s, y)
		}
		p.Kind, p.Start = "ytd", time.Date(y, 1, 1, 0, 0, 0, 0, Shanghai)
		p.End = time.Date(y, time.Month(3*q+1), 0, 0, 0, 0, 0, Shanghai)
	case m[2] != "":
		q, _ := strconv.Atoi(m[2])
		p.Kind, p.Start = "quarter", time.Date(y, time.Month(3*q-2), 1, 0, 0, 0, 0, Shanghai)
		p.End = p.Start.AddDate(0, 3, -1)
	case m[4] != "":
		mo, _ := strconv.Atoi(m[4])
		p.Kind, p.Start = "month", time.Date(y, time.Month(mo), 1, 0, 0, 0, 0, Shanghai)
		p.End = p.Start.AddDate(0, 1, -1)
	default:
		p.Kind, p.Start = "year", time.Date(y, 1, 1, 0, 0, 0, 0, Shanghai)
		p.End = p.Start.AddDate(1, 0, -1)
	}
	p.Cutoff = p.End
	return p, nil
}

// Label is the period as a Chinese report names it: 2024年第三季度, 2024年7月, 2024年度.
func (p Period) Label() string {
	switch p.Kind {
	case "quarter":
		return fmt.Sprintf("%d年第%s季度", p.Start.Year(), []string{"一", "二", "三", "四"}[(int(p.Start.Month())-1)/3])
	case "month":
		return fmt.Sprintf("%d年%d月", p.Start.Year(), int(p.Start.Month()))
	case "ytd":
		return fmt.Sprintf("%d年1—%d月", p.Start.Year(), int(p.End.Month()))
	}
	return fmt.Sprintf("%d年度", p.Start.Year())
}

// localDate reinterprets a DATE or TIMESTAMP scanned from DuckDB (which arrives as UTC
// wall time) as the same wall time in Asia/Shanghai.
func localDate(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), Shanghai)
}

// Period returns the period with its cutoff as the marts hold it.
func (r *Reader) Period(ctx context.Context, id string) (Period, error) {
	p, err := ParsePeriod(id)
	if err != nil {
		return Period{}, err
	}
	var n int
	if err := r.db.QueryRowContext(ctx, `select count(*) from periods where period_id = ?`, id).Scan(&n); err != nil {
		return Period{}, fmt.Errorf("looking up period %s: %w", id, err)
	}
	if n == 0 {
		first, last, _ := r.span(ctx)
		return Period{}, fmt.Errorf("%w %s: the data covers the months from %s to %s", ErrUnknownPeriod, id, first, last)
	}
	return p, nil
}

func (r *Reader) span(ctx context.Context) (string, string, error) {
	var first, last sql.NullTime
	err := r.db.QueryRowContext(ctx, `select min(start_date), max(end_date) from periods where kind = 'month'`).Scan(&first, &last)
	return first.Time.Format("2006-01-02"), last.Time.Format("2006-01-02"), err
}

// Periods returns the periods of a kind (month, quarter or year) that have data, oldest first.
func (r *Reader) Periods(ctx context.Context, kind string) ([]Period, error) {
	rows, err := r.db.QueryContext(ctx, `select period_id from periods where kind = ? order by start_date`, kind)
	if err != nil {
		return nil, fmt.Errorf("listing periods: %w", err)
	}
	defer rows.Close()
	var out []Period
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("listing periods: %w", err)
		}
		p, err := ParsePeriod(id)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Units returns the register: the district first, then townships and villages by code.
func (r *Reader) Units(ctx context.Context) ([]Unit, error) {
	rows, err := r.db.QueryContext(ctx, `select code, name, level, coalesce(parent, '') from ref_units
		order by case level when 'district' then 0 when 'township' then 1 else 2 end, code`)
	if err != nil {
		return nil, fmt.Errorf("listing units: %w", err)
	}
	defer rows.Close()
	var out []Unit
	for rows.Next() {
		var u Unit
		if err := rows.Scan(&u.Code, &u.Name, &u.Level, &u.Parent); err != nil {
			return nil, fmt.Errorf("listing units: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

func ptr(v sql.NullFloat64) *float64 {
	if !v.Valid {
		return nil
	}
	f := v.Float64
	return &f
}

// Figures returns every unit's figures for the period with 环比 and 同比, in Units order.
func (r *Reader) Figures(ctx context.Context, p Period) ([]UnitFigures, error) {
	units, err := r.Units(ctx)
	if err != nil {
		return nil, err
	}
	byCode := map[string]*UnitFigures{}
	out := make([]UnitFigures, len(units))
	for i, u := range units {
		out[i] = UnitFigures{Unit: u, Values: map[string]*float64{}, MoM: map[string]*float64{}, YoY: map[string]*float64{}}
		byCode[u.Code] = &out[i]
	}
	rows, err := r.db.QueryContext(ctx, `select unit_code, figure_id, value, mom, yoy from figure_changes where period_id = ? and dim = 'all'`, p.ID)
	if err != nil {
		return nil, fmt.Errorf("reading figures of %s: %w", p.ID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var code, id string
		var v, mom, yoy sql.NullFloat64
		if err := rows.Scan(&code, &id, &v, &mom, &yoy); err != nil {
			return nil, fmt.Errorf("reading figures of %s: %w", p.ID, err)
		}
		if uf := byCode[code]; uf != nil {
			uf.Values[id], uf.MoM[id], uf.YoY[id] = ptr(v), ptr(mom), ptr(yoy)
		}
	}
	return out, rows.Err()
}

// Series returns one unit's figures for every period of a kind, oldest first.
func (r *Reader) Series(ctx context.Context, unitCode, kind string) ([]PeriodFigures, error) {
	rows, err := r.db.QueryContext(ctx, `select p.period_id, v.figure_id, v.value from figure_values v join periods p using (period_id)
		where v.unit_code = ? and p.kind = ? and v.dim = 'all' order by p.start_date, v.figure_id`, unitCode, kind)
	if err != nil {
		return nil, fmt.Errorf("reading series of %s: %w", unitCode, err)
	}
	defer rows.Close()
	var out []PeriodFigures
	for rows.Next() {
		var pid, id string
		var v sql.NullFloat64
		if err := rows.Scan(&pid, &id, &v); err != nil {
			return nil, fmt.Errorf("reading series of %s: %w", unitCode, err)
		}
		if len(out) == 0 || out[len(out)-1].Period.ID != pid {
			p, err := ParsePeriod(pid)
			if err != nil {
				return nil, err
			}
			out = append(out, PeriodFigures{Period: p, Values: map[string]*float64{}})
		}
		out[len(out)-1].Values[id] = ptr(v)
	}
	return out, rows.Err()
}

// Breakdown returns the case figures of a unit split by dim (category, channel, topic,
// proxy, topic_l1, topic_l2 or department). For category the five classes always appear,
// in the order of domain.md; for proxy 代办 and 非代办. Every other breakdown lists its
// values by 受理量, most first, ties by value; cases without a channel or topic are its
// row 未填写 (terms.NotFilled), which stands where its volume puts it.
func (r *Reader) Breakdown(ctx context.Context, p Period, unitCode, dim string) ([]BreakdownRow, error) {
	rows, err := r.db.QueryContext(ctx, `select dim_value, figure_id, value, mom, yoy from figure_changes
		where period_id = ? and unit_code = ? and dim = ? order by dim_value, figure_id`, p.ID, unitCode, dim)
	if err != nil {
		return nil, fmt.Errorf("reading %s breakdown: %w", dim, err)
	}
	defer rows.Close()
	b := newBreakdownBuilder(dim)
	for rows.Next() {
		var val, id string
		var v, mom, yoy sql.NullFloat64
		if err := rows.Scan(&val, &id, &v, &mom, &yoy); err != nil {
			return nil, fmt.Errorf("reading %s breakdown: %w", dim, err)
		}
		b.add(val, id, v, mom, yoy)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading %s breakdown: %w", dim, err)
	}
	return b.rows(), nil
}

// activityFigures are counted from visits and service activities, which have no class,
// channel or topic: breakdowns do not carry them.
var activityFigures = map[string]bool{
	"visit_persons": true, "opinions": true, "problems_solved": true,
	"service_activities": true, "volunteers": true, "beneficiaries": true,
}

// ErrNoPersonalData means an auditor's copy was asked of a store that keeps no personal
// data in clear.
var ErrNoPersonalData = errors.New("the store holds no personal data in clear")

// ProblemCases returns the cases auditors look at for a period and a unit's subtree: open
// at the cutoff past their deadline, and closed late in the period. Citizens are masked
// and descriptions scrubbed unless clear is set, which needs a store that keeps personal
// data (ErrNoPersonalData otherwise).
func (r *Reader) ProblemCases(ctx context.Context, p Period, unitCode string, clear bool) ([]CaseRow, error) {
	cases, _, err := r.problemCases(ctx, p, unitCode, clear, 0)
	return cases, err
}

// ProblemCasesLimit returns the first limit of ProblemCases' list (masked) and how many
// there are in all: a page shows a few, and a district of millions of cases may have
// hundreds of thousands.
func (r *Reader) ProblemCasesLimit(ctx context.Context, p Period, unitCode string, limit int) ([]CaseRow, int, error) {
	if limit <= 0 {
		return nil, 0, fmt.Errorf("listing problem cases: limit %d is not positive", limit)
	}
	return r.problemCases(ctx, p, unitCode, false, limit)
}

// caseRowAtCutoff is the SQL of a CaseRow's columns that state the case as at the
// period's cutoff, over case_period_facts f and the calendar days of its deadline
// (c_due), cutoff (c_cut) and closure (c_closed): the overdue working days, and the
// status. Overdue working days are those after the deadline up to and including the
// day of closure (a late case) or the cutoff (a case open then), and at least 1: a case
// on either list is late from the end of its deadline day, so one due on the cutoff
// itself, or closed late on the rest day after its deadline, is one working day late
// (docs/rules.md). The status of a case open at the cutoff and closed since is the
// newest status an export dated by the cutoff gave it other than 已办结, else 未办结.
const caseRowAtCutoff = `greatest(1, case when f.is_overdue_open then c_cut.workday_no - c_due.workday_no
			     else c_closed.workday_no - c_due.workday_no end) as days_late,
			case when f.is_overdue_open and f.is_closed then coalesce(sac.status, '未办结')
			     else coalesce(f.status, '') end as status_at_cutoff,
			coalesce(src_file.path, ''), coalesce(src.sheet, ''), coalesce(src.row_no, 0)`

// caseStatusAtCutoff joins (as sac), for a case open at its period's cutoff and closed
// since, the newest status an export dated by the cutoff gave it other than 已办结, which
// caseRowAtCutoff states. It is one aggregate over the versions of those cases only: a
// subquery per case took two minutes for a million cases' overdue list.
const caseStatusAtCutoff = `left join (
			select fc.period_id, fc.case_key, arg_min(v.status, v.version_rank) as status
			from case_period_facts fc
			join case_versions_all v on v.case_key = fc.case_key
			where fc.is_overdue_open and fc.is_closed and v.status_p and v.status <> '已办结'
				and cast(v.known_at as date) <= fc.cutoff
			group by fc.period_id, fc.case_key
		) sac on sac.period_id = f.period_id and sac.case_key = f.case_key`

// caseRowSource joins, for a case without a number, the file and row of its current
// version (src, src_file), which is how a reader finds it.
// The versions are filtered before the join, which then matches on the key alone: with
// "f.case_no is null" in its condition DuckDB joined a million cases' list by a nested
// loop (37 s). A case keyed by its number has it in every version, one without in none.
const caseRowSource = `left join (select case_key, file_id, sheet, row_no from case_versions_all
			where version_rank = 1 and case_no is null) src on src.case_key = f.case_key
		left join ingest_files src_file on src_file.file_id = src.file_id`

// problemCases lists the problem cases, the first limit of them when limit > 0, and
// counts them all.
func (r *Reader) problemCases(ctx context.Context, p Period, unitCode string, clear bool, limit int) ([]CaseRow, int, error) {
	who := `coalesce(f.citizen_name_masked, ''), coalesce(f.citizen_phone_masked, ''), coalesce(f.description, '')`
	join := ""
	if clear {
		var n int
		if err := r.db.QueryRowContext(ctx, `select count(*) from (select 1 from raw_case_personal limit 1)`).Scan(&n); err != nil || n == 0 {
			return nil, 0, fmt.Errorf("making an auditor's copy: %w (set privacy.keep_personal_data: true in the config and load the exports into a new store)", ErrNoPersonalData)
		}
		who = `coalesce(pc.citizen_name, ''), coalesce(pc.citizen_phone, ''), coalesce(pd.description, '')`
		join = `left join raw_case_personal pc on pc.file_id = f.citizen_ref.file_id and pc.sheet = f.citizen_ref.sheet and pc.row_no = f.citizen_ref.row_no
		left join raw_case_personal pd on pd.file_id = f.description_ref.file_id and pd.sheet = f.description_ref.sheet and pd.row_no = f.description_ref.row_no`
	}
	lim := any(nil) // no limit
	if limit > 0 {
		lim = limit
	}
	rows, err := r.db.QueryContext(ctx, `
		select f.case_key, coalesce(f.case_no, ''), f.unit_code, u.name, coalesce(tw.name, ''),
			f.category, coalesce(f.channel, ''), coalesce(f.topic, ''), coalesce(f.status, ''),
			f.received_at, f.deadline, f.closed_at, f.is_on_time, f.is_overdue_open, f.is_proxy,
			`+caseRowAtCutoff+`, `+who+`, count(*) over () as total
		from case_period_facts f
		`+join+`
		`+caseRowSource+`
		`+caseStatusAtCutoff+`
		join ref_unit_tree t on t.code = f.unit_code and t.ancestor = ?
		join ref_units u on u.code = f.unit_code
		left join ref_unit_tree tt on tt.code = f.unit_code and tt.ancestor in (select code from ref_units where level = 'township')
		left join ref_units tw on tw.code = tt.ancestor
		left join ref_calendar c_due on c_due.day = f.deadline
		left join ref_calendar c_cut on c_cut.day = f.cutoff
		left join ref_calendar c_closed on c_closed.day = f.closed_date
		where f.period_id = ? and (f.is_overdue_open or f.is_closed_late)
		order by tw.code nulls first, u.code, f.received_at, f.case_key
		limit ?`, unitCode, p.ID, lim)
	if err != nil {
		return nil, 0, fmt.Errorf("listing problem cases of %s: %w", p.ID, err)
	}
	defer rows.Close()
	var out []CaseRow
	total := 0
	for rows.Next() {
		var c CaseRow
		var deadline, closed sql.NullTime
		var onTime sql.NullBool
		var late sql.NullInt64
		if err := rows.Scan(&c.CaseKey, &c.CaseNo, &c.UnitCode, &c.UnitName, &c.TownshipName, &c.Category, &c.Channel,
			&c.Topic, &c.Status, &c.ReceivedAt, &deadline, &closed, &onTime, &c.Overdue, &c.Proxy, &late,
			&c.StatusAtCutoff, &c.File, &c.Sheet, &c.Row, &c.Citizen, &c.Phone, &c.Description, &total); err != nil {
			return nil, 0, fmt.Errorf("listing problem cases of %s: %w", p.ID, err)
		}
		c.ReceivedAt = localDate(c.ReceivedAt)
		c.Deadline, c.ClosedAt, c.OnTime = datePtr(deadline), datePtr(closed), boolPtr(onTime)
		c.DaysLate = int(late.Int64)
		out = append(out, c)
	}
	return out, total, rows.Err()
}

// Accounting returns the per-file accounting, by source and path.
func (r *Reader) Accounting(ctx context.Context) ([]SourceAccount, error) {
	return r.accounting(ctx, "", "true")
}

// AccountingOf returns the accounting of the files that hold rows of a unit's subtree,
// by source and path: files with a row (case, visit or service activity, loaded or
// quarantined) whose unit names one unit of the subtree, and files a unit of the
// subtree exported. A township's workbook lists these, not the district's every file.
// For the district's code it is Accounting but for files holding no one's rows.
func (r *Reader) AccountingOf(ctx context.Context, unitCode string) ([]SourceAccount, error) {
	return r.accounting(ctx, unitCode, `a.file_id in (
		select m.file_id from unit_matches m join ref_unit_tree t on t.code = m.unit_code and t.ancestor = $1
		where m.matches = 1
		union
		select f.file_id from ingest_files f join ref_unit_tree t on t.code = f.exporter_unit and t.ancestor = $1)`)
}

// accounting reads the accounting of the files where holds; unitCode, when not empty,
// is its parameter $1.
func (r *Reader) accounting(ctx context.Context, unitCode, where string) ([]SourceAccount, error) {
	var args []any
	if unitCode != "" {
		args = append(args, unitCode)
	}
	rows, err := r.db.QueryContext(ctx, `select source, kind, path, file_id, rows_read, loaded, quarantined, skipped,
		skipped_title, skipped_header, skipped_blank, skipped_totals, skipped_footer, skipped_sheet,
		cast(map_keys(quarantined_by) as varchar[]), cast(map_values(quarantined_by) as bigint[]), snapshot_date,
		(select f.defaults_applied from ingest_files f where f.file_id = a.file_id)
		from source_accounting a where `+where+` order by source, path`, args...)
	if err != nil {
		if unitCode != "" {
			return nil, fmt.Errorf("reading the accounting of %s: %w", unitCode, err)
		}
		return nil, fmt.Errorf("reading accounting: %w", err)
	}
	defer rows.Close()
	var out []SourceAccount
	for rows.Next() {
		var a SourceAccount
		var st, sh, sb, stt, sf, ss int
		var keys, vals []any
		var snap sql.NullTime
		var defaults sql.NullString
		if err := rows.Scan(&a.Source, &a.Kind, &a.File, &a.SHA256, &a.Read, &a.Loaded, &a.Quarantined, &a.Skipped,
			&st, &sh, &sb, &stt, &sf, &ss, &keys, &vals, &snap, &defaults); err != nil {
			return nil, fmt.Errorf("reading accounting: %w", err)
		}
		if defaults.Valid {
			if err := json.Unmarshal([]byte(defaults.String), &a.Defaults); err != nil {
				return nil, fmt.Errorf("reading the defaults applied to %s: %w", a.File, err)
			}
		}
		if snap.Valid {
			d := localDate(snap.Time)
			a.Snapshot = &d
		}
		a.SkippedBy = map[string]int{}
		for k, v := range map[string]int{"title": st, "header": sh, "blank": sb, "totals": stt, "footer": sf, "sheet": ss} {
			if v > 0 {
				a.SkippedBy[k] = v
			}
		}
		a.QuarantinedBy = map[string]int{}
		for i := range keys {
			k, _ := keys[i].(string)
			switch v := vals[i].(type) {
			case int64:
				a.QuarantinedBy[k] = int(v)
			}
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Reasons lists the quarantine reason codes present, sorted, for column headers.
func Reasons(accts []SourceAccount) []string {
	seen := map[string]bool{}
	for _, a := range accts {
		for k := range a.QuarantinedBy {
			seen[k] = true
		}
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// DataThrough is the last day the loaded data covers: the newest export's own date, or
// the newest day a case was received or a visit or service activity took place,
// whichever is later. A period that ends after it is not over in the data (Complete).
// It is the zero time when nothing is loaded.
func (r *Reader) DataThrough(ctx context.Context) (time.Time, error) {
	var through sql.NullTime
	err := r.db.QueryRowContext(ctx, `select greatest(
		(select max(snapshot_date) from ingest_files),
		(select max(cast(received_at as date)) from cases),
		(select max(visited_on) from visits),
		(select max(served_on) from services))`).Scan(&through)
	if err != nil {
		return time.Time{}, fmt.Errorf("reading the last day the data covers: %w", err)
	}
	if !through.Valid {
		return time.Time{}, nil
	}
	t := through.Time
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, Shanghai), nil
}

// Complete says whether the data reaches the period's last day: a period that ends after
// the data's last day is not over in it, and its figures are not yet the period's.
func (p Period) Complete(dataThrough time.Time) bool {
	return !dataThrough.IsZero() && !dataThrough.Before(p.End)
}

// NotOverNote is how every output says that a period is not over in the data:
// "数据截至2024年10月8日，本期尚未结束".
func NotOverNote(dataThrough time.Time) string {
	return fmt.Sprintf("数据截至%d年%d月%d日，本期尚未结束", dataThrough.Year(), int(dataThrough.Month()), dataThrough.Day())
}
