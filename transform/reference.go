package transform

import (
	"bytes"
	"context"
	"database/sql"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/minqing/minqing/transform/calendar"
)

//go:embed labels.csv
var labelsCSV []byte

// Unit levels of the register.
const (
	LevelDistrict = "district"
	LevelTownship = "township"
	LevelVillage  = "village"
)

// RegisterError locates a problem in a reference file.
type RegisterError struct {
	File string
	Row  int
	Err  error
}

func (e *RegisterError) Error() string { return fmt.Sprintf("%s row %d: %v", e.File, e.Row, e.Err) }
func (e *RegisterError) Unwrap() error { return e.Err }

// UnitRecord is one row of the units register file.
type UnitRecord struct {
	Unit
	Aliases []string
}

// ReadUnits reads and checks a units register CSV (code,name,level,parent,aliases with
// aliases split by |): one district, known levels, parents that exist, no code twice.
func ReadUnits(path string) ([]UnitRecord, error) {
	recs, err := readCSVFile(path, []string{"code", "name", "level", "parent"})
	if err != nil {
		return nil, err
	}
	var out []UnitRecord
	byCode := map[string]int{}
	var errs []error
	for i, r := range recs {
		row := i + 2
		get := func(j int) string {
			if j < len(r) {
				return strings.TrimSpace(r[j])
			}
			return ""
		}
		u := UnitRecord{Unit: Unit{Code: get(0), Name: get(1), Level: get(2), Parent: get(3)}}
		for _, a := range strings.Split(get(4), "|") {
			if a = strings.TrimSpace(a); a != "" {
				u.Aliases = append(u.Aliases, a)
			}
		}
		switch {
		case u.Code == "" || u.Name == "":
			errs = append(errs, &RegisterError{path, row, errors.New("code and name are required")})
			continue
		case u.Level != LevelDistrict && u.Level != LevelTownship && u.Level != LevelVillage:
			errs = append(errs, &RegisterError{path, row, fmt.Errorf("level %q is not district, township or village", u.Level)})
			continue
		}
		if _, dup := byCode[u.Code]; dup {
			errs = append(errs, &RegisterError{path, row, fmt.Errorf("code %s appears twice", u.Code)})
			continue
		}
		byCode[u.Code] = len(out)
		out = append(out, u)
	}
	districts := 0
	for i, u := range out {
		if u.Level == LevelDistrict {
			districts++
			if u.Parent != "" {
				errs = append(errs, fmt.Errorf("%s: district %s has a parent", path, u.Code))
			}
			continue
		}
		p, ok := byCode[u.Parent]
		if !ok {
			errs = append(errs, fmt.Errorf("%s: unit %s (%s) names parent %q, which is not in the register", path, u.Code, u.Name, u.Parent))
			continue
		}
		want := map[string]string{LevelTownship: LevelDistrict, LevelVillage: LevelTownship}[u.Level]
		if out[p].Level != want {
			errs = append(errs, fmt.Errorf("%s: %s %s has a %s parent, want %s", path, u.Level, u.Code, out[p].Level, want))
		}
		_ = i
	}
	if districts != 1 {
		errs = append(errs, fmt.Errorf("%s: %d districts; the register must have exactly one", path, districts))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("reading units register: %w", errors.Join(errs...))
	}
	return out, nil
}

// CatalogueItem is one service of the catalogue (民事一本通) and its time limit.
type CatalogueItem struct {
	Item string
	Days int
}

// ReadCatalogue reads a catalogue CSV (item,days); an empty path means no catalogue.
func ReadCatalogue(path string) ([]CatalogueItem, error) {
	if path == "" {
		return nil, nil
	}
	recs, err := readCSVFile(path, []string{"item", "days"})
	if err != nil {
		return nil, err
	}
	var out []CatalogueItem
	var errs []error
	for i, r := range recs {
		if len(r) < 2 {
			errs = append(errs, &RegisterError{path, i + 2, errors.New("want item,days")})
			continue
		}
		d, err := strconv.Atoi(strings.TrimSpace(r[1]))
		if err != nil || d < 0 {
			errs = append(errs, &RegisterError{path, i + 2, fmt.Errorf("days %q is not a whole number of working days", r[1])})
			continue
		}
		out = append(out, CatalogueItem{Item: strings.TrimSpace(r[0]), Days: d})
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("reading catalogue: %w", errors.Join(errs...))
	}
	return out, nil
}

func readCSVFile(path string, header []string) ([][]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading %q: %w", path, err)
	}
	rd := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte{0xEF, 0xBB, 0xBF})))
	rd.FieldsPerRecord = -1
	recs, err := rd.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("reading %q: %w", path, err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("reading %q: empty file", path)
	}
	for i, h := range header {
		if i >= len(recs[0]) || strings.TrimSpace(recs[0][i]) != h {
			return nil, fmt.Errorf("reading %q: header must start %s", path, strings.Join(header, ","))
		}
	}
	return recs[1:], nil
}

// LabelOverride is one source's own label for a canonical value.
type LabelOverride struct {
	Source, Field, Label, Value string
}

var (
	labelValues map[string]map[string]bool // field → canonical values
	labelRows   [][]string
)

func init() {
	recs, err := csv.NewReader(bytes.NewReader(labelsCSV)).ReadAll()
	if err != nil {
		panic(fmt.Sprintf("built-in labels.csv is invalid: %v", err)) // a build defect, caught by tests
	}
	labelRows = recs[1:]
	labelValues = map[string]map[string]bool{}
	for _, r := range labelRows {
		if labelValues[r[0]] == nil {
			labelValues[r[0]] = map[string]bool{}
		}
		labelValues[r[0]][r[2]] = true
	}
}

// CheckLabel reports whether value is a canonical value of a labelled field, so that a
// config's label overrides are checked at start-up.
func CheckLabel(field, value string) error {
	vals, ok := labelValues[field]
	if !ok {
		return fmt.Errorf("%q is not a labelled field (category, status, result, satisfaction, channel, topic, proxy, feedback_method)", field)
	}
	if !vals[value] {
		return fmt.Errorf("%q is not a %s value (see transform/labels.csv)", value, field)
	}
	return nil
}

// loadReference (re)writes the reference tables the models read: units, unit names,
// catalogue, calendar days, labels and settings.
func loadReference(ctx context.Context, tx *sql.Tx, units []UnitRecord, cat []CatalogueItem, cal *calendar.Calendar, rules Rules, overrides []LabelOverride) error {
	stmts := []string{
		`create or replace table ref_units (code varchar primary key, name varchar not null, level varchar not null, parent varchar)`,
		`create or replace table ref_unit_aliases (code varchar not null, alias varchar not null)`,
		`create or replace table ref_catalogue (item_key varchar primary key, days integer not null)`,
		`create or replace table ref_labels (field varchar not null, label_key varchar not null, value varchar not null)`,
		`create or replace table ref_label_overrides (source varchar not null, field varchar not null, label_key varchar not null, value varchar not null)`,
		`create or replace table ref_calendar (day date primary key, is_workday boolean not null, workday_no integer not null)`,
		`create or replace table ref_settings (partial_weight double, satisfied_labels varchar[], escalated_reply_days integer,
			w_response double, w_resolution double, w_satisfaction double,
			quarter_end_min_cases integer, quarter_end_factor double, export_gap_days integer,
			immediate_days integer, referred_days integer, response_hours integer)`,
	}
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("creating reference tables: %w", err)
		}
	}
	for _, u := range units {
		var parent any
		if u.Parent != "" {
			parent = u.Parent
		}
		if _, err := tx.ExecContext(ctx, `insert into ref_units values (?, ?, ?, ?)`, u.Code, u.Name, u.Level, parent); err != nil {
			return fmt.Errorf("loading unit %s: %w", u.Code, err)
		}
		for _, a := range u.Aliases {
			if _, err := tx.ExecContext(ctx, `insert into ref_unit_aliases values (?, ?)`, u.Code, a); err != nil {
				return fmt.Errorf("loading alias of unit %s: %w", u.Code, err)
			}
		}
	}
	for _, c := range cat {
		if _, err := tx.ExecContext(ctx, `insert or replace into ref_catalogue values (mq_key(?), ?)`, c.Item, c.Days); err != nil {
			return fmt.Errorf("loading catalogue item %q: %w", c.Item, err)
		}
	}
	for _, l := range labelRows {
		if _, err := tx.ExecContext(ctx, `insert into ref_labels values (?, mq_key(?), ?)`, l[0], l[1], l[2]); err != nil {
			return fmt.Errorf("loading label %q: %w", l[1], err)
		}
	}
	for _, o := range overrides {
		if err := CheckLabel(o.Field, o.Value); err != nil {
			return fmt.Errorf("source %q label %q: %w", o.Source, o.Label, err)
		}
		if _, err := tx.ExecContext(ctx, `insert into ref_label_overrides values (?, ?, mq_key(?), ?)`, o.Source, o.Field, o.Label, o.Value); err != nil {
			return fmt.Errorf("loading source %q label %q: %w", o.Source, o.Label, err)
		}
	}
	if err := loadCalendar(ctx, tx, cal); err != nil {
		return err
	}
	labelsList := "[" + quoteList(rules.SatisfiedLabels) + "]"
	if _, err := tx.ExecContext(ctx, `insert into ref_settings values (?, `+labelsList+`::varchar[], ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		rules.PartialResolutionWeight, rules.EscalatedReplyDays,
		rules.ScoreWeights["response_rate"], rules.ScoreWeights["resolution_rate"], rules.ScoreWeights["satisfaction_rate"],
		rules.QuarterEndMinCases, rules.QuarterEndFactor, rules.ExportGapDays,
		rules.ImmediateDays, rules.ReferredDays, rules.ResponseHours); err != nil {
		return fmt.Errorf("loading settings: %w", err)
	}
	return nil
}

// quoteList renders labels as SQL string literals; they come from validated config
// (only 满意, 基本满意, 不满意 pass Rules.Validate), never from exports.
func quoteList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	return strings.Join(q, ", ")
}

// loadCalendar writes one row per day of the covered years with its running count of
// working days, so that SQL adds working days by arithmetic on workday_no.
func loadCalendar(ctx context.Context, tx *sql.Tx, cal *calendar.Calendar) error {
	first, last := cal.Years()
	var buf strings.Builder
	n := 0
	for d := time.Date(first, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() <= last; d = d.AddDate(0, 0, 1) {
		ok, err := cal.IsWorkday(d)
		if err != nil {
			return fmt.Errorf("building calendar: %w", err)
		}
		if ok {
			n++
		}
		fmt.Fprintf(&buf, "%s,%t,%d\n", d.Format("2006-01-02"), ok, n)
	}
	f, err := os.CreateTemp("", "minqing-calendar-*.csv")
	if err != nil {
		return fmt.Errorf("building calendar: %w", err)
	}
	defer os.Remove(f.Name())
	if _, err := io.Copy(f, strings.NewReader(buf.String())); err != nil {
		f.Close()
		return fmt.Errorf("building calendar: %w", err)
	}
	f.Close()
	if _, err := tx.ExecContext(ctx, `insert into ref_calendar select * from read_csv(?, header = false,
		columns = {'day': 'date', 'is_workday': 'boolean', 'workday_no': 'integer'})`, f.Name()); err != nil {
		return fmt.Errorf("loading calendar: %w", err)
	}
	return nil
}
