package transform

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/minqing/minqing/transform/calendar"
)

// Check is how staging types a raw field, and so which values quarantine its row.
type Check string

// The checks of staging (sql/20_stg_cases.sql, sql/25_stg_activities.sql).
const (
	CheckDate       Check = "date"     // mq_ts; BAD_DATE when no form parses or the calendar does not cover it
	CheckVocabulary Check = "label"    // label_map; UNKNOWN_LABEL when the vocabulary does not know it
	CheckInt        Check = "int"      // mq_int; BAD_NUMBER when it is not a whole number that fits
	CheckUnit       Check = "unit"     // ref_unit_names; UNKNOWN_UNIT unless it names exactly one unit
	CheckPresent    Check = "required" // MISSING_FIELD when empty
)

// FieldCheck is one raw field that staging checks; a field may carry two checks
// (unit is required and must name a unit).
type FieldCheck struct {
	Kind, Field string
	Check       Check
}

// Reason is the quarantine reason a failing check gives.
func (c FieldCheck) Reason() string {
	switch c.Check {
	case CheckDate:
		return "BAD_DATE"
	case CheckVocabulary:
		return "UNKNOWN_LABEL"
	case CheckInt:
		return "BAD_NUMBER"
	case CheckUnit:
		return "UNKNOWN_UNIT"
	}
	return "MISSING_FIELD"
}

// fieldChecks lists, per kind and in the order staging tests them, the fields whose
// values can quarantine a row; fieldchecks_test.go holds it to the staging SQL.
var fieldChecks = func() []FieldCheck {
	var out []FieldCheck
	add := func(kind string, c Check, fields ...string) {
		for _, f := range fields {
			out = append(out, FieldCheck{Kind: kind, Field: f, Check: c})
		}
	}
	add("cases", CheckPresent, "unit", "received_at", "category")
	add("cases", CheckDate, "received_at", "due_at", "supplement_requested_at", "supplement_done_at",
		"escalated_at", "reply_at", "closed_at", "first_contact_at", "feedback_at", "updated_at")
	add("cases", CheckUnit, "unit")
	add("cases", CheckVocabulary, "category", "status", "result", "satisfaction", "channel", "proxy", "feedback_method")
	add("cases", CheckInt, "promised_days")
	add("visits", CheckPresent, "visited_on", "unit")
	add("visits", CheckDate, "visited_on")
	add("visits", CheckUnit, "unit")
	add("visits", CheckInt, "persons", "opinions", "problems_solved")
	add("services", CheckPresent, "served_on", "unit")
	add("services", CheckDate, "served_on")
	add("services", CheckUnit, "unit")
	add("services", CheckInt, "volunteers", "beneficiaries")
	return out
}()

// FieldChecks returns the checks of a kind's fields, in staging's order.
func FieldChecks(kind string) []FieldCheck {
	var out []FieldCheck
	for _, c := range fieldChecks {
		if c.Kind == kind {
			out = append(out, c)
		}
	}
	return out
}

// badExpr is the SQL that is true when value v of field c quarantines its row, in the
// same macros and tables staging uses. source, exporter and dateOrder (the source's
// date_order) are SQL expressions.
func badExpr(c FieldCheck, v, source, exporter, dateOrder string) string {
	switch c.Check {
	case CheckDate:
		return fmt.Sprintf(`(mq_bad_ts(%[1]s, %[2]s) or mq_off_calendar(mq_ts(%[1]s, %[2]s), (select min(day) from ref_calendar), (select max(day) from ref_calendar)))`, v, dateOrder)
	case CheckInt:
		return fmt.Sprintf(`mq_bad_int(%s)`, v)
	case CheckVocabulary:
		if c.Field == "result" {
			// as staging: a result column may hold the platform's verdict (按期办结) instead
			return fmt.Sprintf(`mq_unknown(%[1]s, (select l.value from label_map l where l.source = %[2]s and l.field in ('result', 'verdict') and l.label_key = mq_key(%[1]s) limit 1))`, v, source)
		}
		return fmt.Sprintf(`mq_unknown(%[1]s, (select l.value from label_map l where l.source = %[2]s and l.field = '%[3]s' and l.label_key = mq_key(%[1]s)))`, v, source, c.Field)
	case CheckUnit:
		// as sql/15_unit_matches.sql: by code, name, alias or suffixed name, within the
		// exporting unit's subtree when the source names one
		return fmt.Sprintf(`(coalesce(mq_key(%[1]s), '') <> '' and (select count(distinct n.code) from ref_unit_names n
			where n.name_key = mq_key(%[1]s) and (%[2]s is null or n.code in (select t.code from ref_unit_tree t where t.ancestor = %[2]s))) <> 1)`, v, exporter)
	}
	return fmt.Sprintf(`coalesce(mq_key(%s), '') = ''`, v)
}

// Profiler judges an export's values by the transform's own definitions (its macros,
// vocabulary, register and calendar) without loading anything: `minqing check` uses it.
// It is not safe for concurrent use.
type Profiler struct {
	db *sql.DB
	// DateOrders maps a source to its date_order (ymd when absent), as staging reads it.
	DateOrders map[string]string
}

// NewProfiler loads the macros and reference tables into db, which should be an empty
// in-memory DuckDB of the profiler's own. sources are the source names whose label
// overrides (opts.LabelOverrides) apply.
func NewProfiler(ctx context.Context, db *sql.DB, opts Options, sources []string) (*Profiler, error) {
	if opts.Calendar == nil {
		opts.Calendar = calendar.Official()
	}
	units, cat, err := ReadRegisters(opts)
	if err != nil {
		return nil, err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("starting profiler: %w", err)
	}
	defer tx.Rollback()
	for _, name := range []string{"sql/00_macros.sql"} {
		if err := execFile(ctx, tx, modelFS, name); err != nil {
			return nil, err
		}
	}
	if err := loadReference(ctx, tx, units, cat, opts.Calendar, opts.Rules, opts.LabelOverrides); err != nil {
		return nil, err
	}
	// label_map is built from the sources of ingest_files: here, the sources checked.
	list, _ := json.Marshal(sources)
	if _, err := tx.ExecContext(ctx, `create table ingest_files as select unnest(from_json(?, '["VARCHAR"]')) as source`, string(list)); err != nil {
		return nil, fmt.Errorf("listing sources for the profiler: %w", err)
	}
	for _, name := range []string{"sql/10_ref_units.sql", "sql/12_label_map.sql"} {
		if err := execFile(ctx, tx, modelFS, name); err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("committing profiler: %w", err)
	}
	return &Profiler{db: db}, nil
}

// Bad returns which of values (of field c, exported by source, whose exporting unit is
// exporter or "") would quarantine their row, in values' order.
func (p *Profiler) Bad(ctx context.Context, c FieldCheck, source, exporter string, values []string) ([]bool, error) {
	if len(values) == 0 {
		return nil, nil
	}
	list, err := json.Marshal(values)
	if err != nil {
		return nil, err
	}
	var exp any
	if exporter != "" {
		exp = exporter
	}
	q := `with v as (select unnest(from_json(?, '["VARCHAR"]')) as v, unnest(range(len(from_json(?, '["VARCHAR"]')))) as i),
		p as (select ?::varchar as source, ?::varchar as exporter, ?::varchar as date_order)
		select i, ` + badExpr(c, "v.v", "p.source", "p.exporter", "p.date_order") + ` from v, p order by i`
	order := p.DateOrders[source]
	if order == "" {
		order = "ymd"
	}
	rows, err := p.db.QueryContext(ctx, q, string(list), string(list), source, exp, order)
	if err != nil {
		return nil, fmt.Errorf("checking %s values: %w", c.Field, err)
	}
	defer rows.Close()
	out := make([]bool, len(values))
	for rows.Next() {
		var i int
		var bad sql.NullBool
		if err := rows.Scan(&i, &bad); err != nil {
			return nil, fmt.Errorf("checking %s values: %w", c.Field, err)
		}
		out[i] = bad.Bool
	}
	return out, rows.Err()
}

// QuarantinedRow is one row the transform did not load, with the first field and value
// that fails its reason's check (none for reasons about the whole row, such as CONFLICT).
// Values are of checked fields only (dates, labels, numbers, unit names): never personal.
type QuarantinedRow struct {
	Kind, Source, File, Sheet string
	Row                       int
	Reason, Field, Value      string
	Detail                    string
	// Unit is the code of the unit the row's unit names, "" when it names none, or
	// more than one, within the exporting unit's subtree.
	Unit string
}

// QuarantineFilter narrows Reader.Quarantine; empty fields match everything.
type QuarantineFilter struct {
	Source, Reason string
	// Unit keeps the rows of a unit's subtree: rows whose unit names a unit in it, rows
	// of files a unit in it exported, and, since their unit cannot say where they
	// belong, rows whose unit names no one unit from files holding rows of the subtree.
	Unit  string
	Limit int // 0: every row
}

// quarantineScope is the SQL that is true when quarantined row q (of a file fi, with
// its unit match um) passes QuarantineFilter; it takes the filter's source, reason and
// unit (four times) as placeholders.
const quarantineScope = `(? = '' or q.source = ?) and (? = '' or q.reason = ?) and (? = ''
	or (um.matches = 1 and um.unit_code in (select t.code from ref_unit_tree t where t.ancestor = ?))
	or fi.exporter_unit in (select t.code from ref_unit_tree t where t.ancestor = ?)
	or (coalesce(um.matches, 0) <> 1 and q.file_id in (select m.file_id from unit_matches m
		join ref_unit_tree t on t.code = m.unit_code and t.ancestor = ? where m.matches = 1)))`

func (f QuarantineFilter) args() []any {
	return []any{f.Source, f.Source, f.Reason, f.Reason, f.Unit, f.Unit, f.Unit, f.Unit}
}

// Quarantine lists quarantined rows by source, file, sheet and row, with the field and
// value that quarantined each, and the total count matching the filter.
func (r *Reader) Quarantine(ctx context.Context, f QuarantineFilter) ([]QuarantinedRow, int, error) {
	var total int
	if err := r.db.QueryRowContext(ctx, `select count(*) from quarantine q join ingest_files fi using (file_id)
		left join unit_matches um on um.kind = q.kind and um.file_id = q.file_id and um.sheet = q.sheet and um.row_no = q.row_no
		where `+quarantineScope, f.args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("counting quarantined rows: %w", err)
	}
	var parts []string
	for kind, raw := range map[string]string{"cases": "raw_cases", "visits": "raw_visits", "services": "raw_services"} {
		var items []string
		for _, c := range FieldChecks(kind) {
			items = append(items, fmt.Sprintf(`{'r': '%s', 'f': '%s', 'v': r.%s, 'bad': %s}`,
				c.Reason(), c.Field, c.Field, badExpr(c, "r."+c.Field, "q.source", "fi.exporter_unit", "fi.date_order")))
		}
		parts = append(parts, fmt.Sprintf(`select q.kind, q.source, q.path, q.sheet, q.row_no, q.reason, q.detail,
			list_filter([%s], x -> x.r = q.reason and x.bad)[1] as hit,
			case when um.matches = 1 then um.unit_code end as unit
			from quarantine q join %s r using (file_id, sheet, row_no) join ingest_files fi on fi.file_id = q.file_id
			left join unit_matches um on um.kind = q.kind and um.file_id = q.file_id and um.sheet = q.sheet and um.row_no = q.row_no
			where q.kind = '%s' and %s`, strings.Join(items, ", "), raw, kind, quarantineScope))
	}
	q := `select kind, source, path, coalesce(sheet, ''), row_no, reason, coalesce(hit.f, ''), coalesce(hit.v, ''), coalesce(detail, ''), coalesce(unit, '') from (` +
		strings.Join(parts, " union all ") + `) order by source, path, sheet, row_no, reason`
	var args []any
	for range parts {
		args = append(args, f.args()...)
	}
	if f.Limit > 0 {
		q += fmt.Sprintf(" limit %d", f.Limit)
	}
	rows, err := r.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("listing quarantined rows: %w", err)
	}
	defer rows.Close()
	var out []QuarantinedRow
	for rows.Next() {
		var x QuarantinedRow
		if err := rows.Scan(&x.Kind, &x.Source, &x.File, &x.Sheet, &x.Row, &x.Reason, &x.Field, &x.Value, &x.Detail, &x.Unit); err != nil {
			return nil, 0, fmt.Errorf("listing quarantined rows: %w", err)
		}
		out = append(out, x)
	}
	return out, total, rows.Err()
}
