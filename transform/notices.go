package transform

import (
	"context"
	"database/sql"
	_ "embed"
	"errors"
	"fmt"
	"sort"
	"time"
)

// Supervision notices (督办单): a township is sent, on a day, the list of its overdue and
// due-soon cases. Each notice is numbered 督办〔YYYY〕N号 (N counting the year's notices
// in the store from 1, in the order they were issued) and kept in the store with its
// cases, so that a later report can say what came of it (督办成效).
//
// A notice is an act, not a figure: the notice tables (notices.sql) are kept across
// transform runs, and issuing again for the same township on the same day is a second
// notice with a new number, never a replacement of the first.

//go:embed notices.sql
var noticesSchema string

// Notice is one issued supervision notice.
type Notice struct {
	No        string // 督办〔2024〕3号
	Year, Seq int    // 2024, 3
	UnitCode  string // the township (or the district's own cases: the district's code)
	UnitName  string
	IssuedOn  time.Time // the as-of day of its list, 00:00 Asia/Shanghai
	IssuedAt  time.Time // when it was recorded
	RunID     string    // the run that issued it
	WarnDays  int       // the warning horizon its due-soon cases were listed under
	Cases     []WarnCase
}

// NoticeEffect is what came of one notice, as the store knows it now (督办成效).
type NoticeEffect struct {
	Notice       Notice    // Cases as listed on the notice
	RespondBy    time.Time // NoticeDays working days after IssuedOn
	Listed       int
	ClosedInTime int // closed on or before RespondBy
	// InTimeRate is ClosedInTime / Listed (办结率 on 督办成效), nil when nothing was listed.
	InTimeRate  *float64
	ClosedLater int        // closed after RespondBy
	Remaining   []WarnCase // still open now, as listed on the notice
	// Withdrawn counts the listed cases withdrawn since (已退回/已撤销): neither closed nor
	// remaining, as a withdrawn case leaves every figure. Untraced counts those the store
	// no longer counts as a case (their versions now conflict, or their files were
	// forgotten). Listed = ClosedInTime + ClosedLater + len(Remaining) + Withdrawn + Untraced.
	Withdrawn int
	Untraced  int
}

// ErrNoNotices means no supervision notice has been issued in the store.
var ErrNoNotices = errors.New("no supervision notice has been issued")

// IssueNotices numbers and records one notice per township of w that has cases on it
// (a case handled by the district itself goes on the district's notice), within one
// transaction, and returns them in township code order. A township with no case on w
// gets no notice, and a w with no case issues none. The year of a number is w.AsOf's;
// N continues from the highest number of that year in the store, so two issuers at once
// cannot both take a number: the second fails on the key and records nothing. now is
// the time recorded as IssuedAt.
func IssueNotices(ctx context.Context, db *sql.DB, w Warnings, runID string, now time.Time) ([]Notice, error) {
	if w.AsOf.IsZero() {
		return nil, errors.New("issuing supervision notices: the warning list has no as-of day")
	}
	issuedOn := w.AsOf.In(Shanghai)
	issuedOn = time.Date(issuedOn.Year(), issuedOn.Month(), issuedOn.Day(), 0, 0, 0, 0, Shanghai)
	issuedAt := now.In(Shanghai)
	byUnit := map[string]*Notice{}
	for _, c := range w.Cases {
		code, name := c.TownshipCode, c.TownshipName
		if code == "" {
			code, name = c.UnitCode, c.UnitName
		}
		n := byUnit[code]
		if n == nil {
			n = &Notice{Year: issuedOn.Year(), UnitCode: code, UnitName: name, IssuedOn: issuedOn,
				IssuedAt: issuedAt, RunID: runID, WarnDays: w.WarnDays}
			byUnit[code] = n
		}
		n.Cases = append(n.Cases, c)
	}
	notices := make([]Notice, 0, len(byUnit))
	for _, n := range byUnit {
		notices = append(notices, *n)
	}
	sort.Slice(notices, func(i, j int) bool { return notices[i].UnitCode < notices[j].UnitCode })

	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("issuing supervision notices as at %s: %w", issuedOn.Format("2006-01-02"), err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, noticesSchema); err != nil {
		return nil, fmt.Errorf("making the supervision notice tables: %w", err)
	}
	if len(notices) == 0 {
		return nil, tx.Commit()
	}
	var last int
	if err := tx.QueryRowContext(ctx, `select coalesce(max(seq), 0) from supervision_notices where year = ?`,
		issuedOn.Year()).Scan(&last); err != nil {
		return nil, fmt.Errorf("numbering the supervision notices of %d: %w", issuedOn.Year(), err)
	}
	addCase, err := tx.PrepareContext(ctx, `insert into supervision_notice_cases values
		(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, cast(? as timestamp), cast(? as date), ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return nil, fmt.Errorf("recording supervision notices: %w", err)
	}
	defer addCase.Close()
	for i := range notices {
		n := &notices[i]
		n.Seq = last + 1 + i
		n.No = NoticeNo(n.Year, n.Seq)
		if _, err := tx.ExecContext(ctx, `insert into supervision_notices values
			(?, ?, ?, ?, ?, cast(? as date), cast(? as timestamp), ?, ?)`,
			n.No, n.Year, n.Seq, n.UnitCode, n.UnitName, n.IssuedOn.Format("2006-01-02"),
			n.IssuedAt.Format("2006-01-02 15:04:05.999999"), n.RunID, n.WarnDays); err != nil {
			return nil, fmt.Errorf("recording supervision notice %s: %w", n.No, err)
		}
		for pos, c := range n.Cases {
			if _, err := addCase.ExecContext(ctx, n.No, pos+1, c.CaseKey, c.CaseNo, c.UnitCode, c.UnitName,
				c.TownshipCode, c.TownshipName, c.Category, c.Topic, c.Status,
				c.ReceivedAt.In(Shanghai).Format("2006-01-02 15:04:05.999999"), c.Deadline.In(Shanghai).Format("2006-01-02"),
				c.Kind, c.DaysOverdue, c.DaysLeft, c.File, c.Sheet, c.Row, c.Citizen, c.Phone, c.Description); err != nil {
				return nil, fmt.Errorf("recording case %s on supervision notice %s: %w", c.CaseKey, n.No, err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("recording supervision notices as at %s: %w", issuedOn.Format("2006-01-02"), err)
	}
	return notices, nil
}

// NoticeNo is a notice's number as printed: 督办〔2024〕3号.
func NoticeNo(year, seq int) string { return fmt.Sprintf("督办〔%d〕%d号", year, seq) }

// NoticeEffects returns what came of the notices issued to unitCode or any unit under
// it with IssuedOn within p (start to end), oldest first; noticeDays is
// Rules.NoticeDays. No notice in p gives an empty list, not an error, and so does a
// store where none was ever issued. A listed case counts as closed on its closure date,
// or, closed without a date (CLOSED_WITHOUT_DATE), on the first day an export showed it
// closed, as the warning lists count it. A notice whose RespondBy the calendar does not
// reach is an error wrapping ErrAsOfNotCovered.
func (r *Reader) NoticeEffects(ctx context.Context, p Period, unitCode string, noticeDays int) ([]NoticeEffect, error) {
	if noticeDays < 1 {
		return nil, fmt.Errorf("reading supervision notices: %d notice days is less than 1", noticeDays)
	}
	var tables int
	if err := r.db.QueryRowContext(ctx, `select count(*) from information_schema.tables
		where table_name in ('supervision_notices', 'supervision_notice_cases')`).Scan(&tables); err != nil {
		return nil, fmt.Errorf("looking for supervision notices: %w", err)
	}
	if tables < 2 {
		return nil, nil
	}
	const listed = `listed as (
			select n.*, rb.day as respond_by
			from supervision_notices n
			join ref_unit_tree t on t.code = n.unit_code and t.ancestor = ?
			left join ref_calendar c_iss on c_iss.day = n.issued_on
			left join ref_calendar rb on rb.is_workday and rb.workday_no = c_iss.workday_no + ?
			where n.issued_on between cast(? as date) and cast(? as date))`
	args := []any{unitCode, noticeDays, p.Start.Format("2006-01-02"), p.End.Format("2006-01-02")}
	rows, err := r.db.QueryContext(ctx, `with `+listed+`
		select notice_no, year, seq, unit_code, unit_name, issued_on, issued_at, run_id, warn_days, respond_by
		from listed order by issued_on, year, seq`, args...)
	if err != nil {
		return nil, fmt.Errorf("reading the supervision notices of %s in %s: %w", unitCode, p.ID, err)
	}
	var out []NoticeEffect
	at := map[string]int{}
	for rows.Next() {
		var e NoticeEffect
		var respondBy sql.NullTime
		n := &e.Notice
		if err := rows.Scan(&n.No, &n.Year, &n.Seq, &n.UnitCode, &n.UnitName, &n.IssuedOn, &n.IssuedAt, &n.RunID,
			&n.WarnDays, &respondBy); err != nil {
			rows.Close()
			return nil, fmt.Errorf("reading the supervision notices of %s in %s: %w", unitCode, p.ID, err)
		}
		n.IssuedOn, n.IssuedAt = localDate(n.IssuedOn), localDate(n.IssuedAt)
		if !respondBy.Valid {
			rows.Close()
			return nil, fmt.Errorf("reading supervision notice %s: %d working days after %s: %w",
				n.No, noticeDays, n.IssuedOn.Format("2006-01-02"), ErrAsOfNotCovered)
		}
		e.RespondBy = localDate(respondBy.Time)
		at[n.No] = len(out)
		out = append(out, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading the supervision notices of %s in %s: %w", unitCode, p.ID, err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	rows, err = r.db.QueryContext(ctx, `with `+listed+`
		select nc.notice_no, nc.case_key, coalesce(nc.case_no, ''), nc.unit_code, nc.unit_name,
			coalesce(nc.township_code, ''), coalesce(nc.township_name, ''), coalesce(nc.category, ''),
			coalesce(nc.topic, ''), coalesce(nc.status, ''), nc.received_at, nc.deadline, nc.kind,
			nc.days_overdue, nc.days_left, coalesce(nc.file, ''), coalesce(nc.sheet, ''), coalesce(nc.row_no, 0),
			coalesce(nc.citizen_name_masked, ''), coalesce(nc.citizen_phone_masked, ''), coalesce(nc.description, ''),
			case when c.case_key is null then 'untraced'
			     when c.is_withdrawn then 'withdrawn'
			     when c.is_closed or c.is_closed_undated then
			       case when coalesce(c.closed_date, c.closed_seen_date) <= l.respond_by then 'in_time' else 'later' end
			     else 'open' end as outcome
		from supervision_notice_cases nc
		join listed l on l.notice_no = nc.notice_no
		left join cases c on c.case_key = nc.case_key
		order by nc.notice_no, nc.position`, args...)
	if err != nil {
		return nil, fmt.Errorf("reading the cases of the supervision notices of %s in %s: %w", unitCode, p.ID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var no, outcome string
		var c WarnCase
		if err := rows.Scan(&no, &c.CaseKey, &c.CaseNo, &c.UnitCode, &c.UnitName, &c.TownshipCode, &c.TownshipName,
			&c.Category, &c.Topic, &c.Status, &c.ReceivedAt, &c.Deadline, &c.Kind, &c.DaysOverdue, &c.DaysLeft,
			&c.File, &c.Sheet, &c.Row, &c.Citizen, &c.Phone, &c.Description, &outcome); err != nil {
			return nil, fmt.Errorf("reading the cases of the supervision notices of %s in %s: %w", unitCode, p.ID, err)
		}
		c.ReceivedAt, c.Deadline = localDate(c.ReceivedAt), localDate(c.Deadline)
		e := &out[at[no]]
		e.Notice.Cases = append(e.Notice.Cases, c)
		e.Listed++
		switch outcome {
		case "in_time":
			e.ClosedInTime++
		case "later":
			e.ClosedLater++
		case "withdrawn":
			e.Withdrawn++
		case "untraced":
			e.Untraced++
		default:
			e.Remaining = append(e.Remaining, c)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading the cases of the supervision notices of %s in %s: %w", unitCode, p.ID, err)
	}
	for i := range out {
		if e := &out[i]; e.Listed > 0 {
			r := float64(e.ClosedInTime) / float64(e.Listed)
			e.InTimeRate = &r
		}
	}
	return out, nil
}
