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
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/minqing/minqing/internal/hanzi"
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

// RegisterError locates a problem in a reference file: its row and, where one column is
// at fault, that column as the file names it.
type RegisterError struct {
	File   string
	Row    int
	Column string
	Err    error
}

func (e *RegisterError) Error() string {
	if e.Column != "" {
		return fmt.Sprintf("%s row %d column %s: %v", e.File, e.Row, e.Column, e.Err)
	}
	return fmt.Sprintf("%s row %d: %v", e.File, e.Row, e.Err)
}
func (e *RegisterError) Unwrap() error { return e.Err }

// UnitRecord is one row of the units register file.
type UnitRecord struct {
	Unit
	Aliases []string
}

// Columns of the registers as minqing names them; a register may name them otherwise
// (the config's units_headers and catalogue_headers map its names to these).
var (
	UnitsColumns     = []string{"code", "name", "level", "parent", "aliases"}
	CatalogueColumns = []string{"item", "days"}
)

// CheckRegisterHeaders checks a config's map of a register's own column names to
// columns (canonical: UnitsColumns or CatalogueColumns; "-" ignores a column).
func CheckRegisterHeaders(headers map[string]string, canonical []string) error {
	var errs []error
	for _, h := range slices.Sorted(maps.Keys(headers)) {
		c := headers[h]
		if strings.TrimSpace(h) == "" {
			errs = append(errs, fmt.Errorf("%q: an empty column name", h))
		} else if c != "-" && !slices.Contains(canonical, c) {
			errs = append(errs, fmt.Errorf("%s: %q is not a column (%s, or \"-\")", h, c, strings.Join(canonical, ", ")))
		}
	}
	return errors.Join(errs...)
}

// ReadUnits reads and checks a units register CSV (code,name,level,parent,aliases with
// aliases split by |; the columns in any order, named as headers maps them): one
// district, known levels, parents that exist, no code twice. Errors name the file, the
// row and the column.
func ReadUnits(path string, headers map[string]string) ([]UnitRecord, error) {
	reg, err := readRegister(path, UnitsColumns, []string{"code", "name", "level", "parent"}, headers, "units_headers")
	if err != nil {
		return nil, fmt.Errorf("reading units register: %w", err)
	}
	var out []UnitRecord
	var rows []int
	byCode := map[string]int{}
	var errs []error
	for i, r := range reg.rows {
		row := i + 2
		get := func(c string) string { return reg.get(r, c) }
		u := UnitRecord{Unit: Unit{Code: get("code"), Name: get("name"), Level: get("level"), Parent: get("parent")}}
		for _, a := range strings.Split(get("aliases"), "|") {
			if a = strings.TrimSpace(a); a != "" {
				u.Aliases = append(u.Aliases, a)
			}
		}
		switch {
		case u.Code == "":
			errs = append(errs, reg.err(row, "code", errors.New("a code is required")))
			continue
		case u.Name == "":
			errs = append(errs, reg.err(row, "name", errors.New("a name is required")))
			continue
		case u.Level != LevelDistrict && u.Level != LevelTownship && u.Level != LevelVillage:
			errs = append(errs, reg.err(row, "level", fmt.Errorf("level %q is not district, township or village", u.Level)))
			continue
		}
		if _, dup := byCode[u.Code]; dup {
			errs = append(errs, reg.err(row, "code", fmt.Errorf("code %s appears twice", u.Code)))
			continue
		}
		byCode[u.Code] = len(out)
		out = append(out, u)
		rows = append(rows, row)
	}
	districts := 0
	for i, u := range out {
		if u.Level == LevelDistrict {
			districts++
			if u.Parent != "" {
				errs = append(errs, reg.err(rows[i], "parent", fmt.Errorf("district %s has a parent", u.Code)))
			}
			continue
		}
		p, ok := byCode[u.Parent]
		if !ok {
			errs = append(errs, reg.err(rows[i], "parent", fmt.Errorf("unit %s (%s) names parent %q, which is not in the register", u.Code, u.Name, u.Parent)))
			continue
		}
		want := map[string]string{LevelTownship: LevelDistrict, LevelVillage: LevelTownship}[u.Level]
		if out[p].Level != want {
			errs = append(errs, reg.err(rows[i], "parent", fmt.Errorf("%s %s has a %s parent, want %s", u.Level, u.Code, out[p].Level, want)))
		}
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

// ReadCatalogue reads a catalogue CSV (item,days, in any order, named as headers maps
// them); an empty path means no catalogue.
func ReadCatalogue(path string, headers map[string]string) ([]CatalogueItem, error) {
	if path == "" {
		return nil, nil
	}
	reg, err := readRegister(path, CatalogueColumns, CatalogueColumns, headers, "catalogue_headers")
	if err != nil {
		return nil, fmt.Errorf("reading catalogue: %w", err)
	}
	var out []CatalogueItem
	var errs []error
	for i, r := range reg.rows {
		item, days := reg.get(r, "item"), reg.get(r, "days")
		if item == "" {
			errs = append(errs, reg.err(i+2, "item", errors.New("an item is required")))
			continue
		}
		d, err := strconv.Atoi(days)
		if err != nil || d < 0 {
			errs = append(errs, reg.err(i+2, "days", fmt.Errorf("days %q is not a whole number of working days", days)))
			continue
		}
		out = append(out, CatalogueItem{Item: item, Days: d})
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("reading catalogue: %w", errors.Join(errs...))
	}
	return out, nil
}

// ReadRegisters reads and checks the units register and the catalogue of opts, as a
// run reads them before any export: an error names the file, the row and the column.
func ReadRegisters(opts Options) ([]UnitRecord, []CatalogueItem, error) {
	units, err := ReadUnits(opts.UnitsFile, opts.UnitsHeaders)
	if err != nil {
		return nil, nil, err
	}
	cat, err := ReadCatalogue(opts.CatalogueFile, opts.CatalogueHeaders)
	if err != nil {
		return nil, nil, err
	}
	return units, cat, nil
}

// register is a reference CSV read with its columns found by name.
type register struct {
	path   string
	col    map[string]int    // canonical column → index in the file
	header map[string]string // canonical column → the file's own name for it
	rows   [][]string
}

func (g *register) get(r []string, c string) string {
	if j, ok := g.col[c]; ok && j < len(r) {
		return strings.TrimSpace(r[j])
	}
	return ""
}

func (g *register) err(row int, c string, err error) error {
	name := g.header[c]
	if name != c {
		name += " (" + c + ")"
	}
	return &RegisterError{File: g.path, Row: row, Column: name, Err: err}
}

// readRegister reads a reference CSV and finds its columns by name: the config's map
// (key) of the file's names first, then minqing's own names; required columns must be
// there, no column twice, and every name the map gives must be a column of the file.
func readRegister(path string, columns, required []string, headers map[string]string, key string) (*register, error) {
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
	g := &register{path: path, col: map[string]int{}, header: map[string]string{}, rows: recs[1:]}
	mapped := map[string]string{}
	for h, c := range headers {
		mapped[strings.TrimSpace(h)] = c
	}
	used := map[string]bool{}
	var errs []error
	for j, cell := range recs[0] {
		h := strings.TrimSpace(cell)
		c, ok := mapped[h]
		if ok {
			used[h] = true
		} else if slices.Contains(columns, h) {
			c = h
		} else {
			continue // a column minqing does not read (a note, say)
		}
		if c == "-" {
			continue
		}
		if prev, dup := g.header[c]; dup {
			errs = append(errs, &RegisterError{File: path, Row: 1, Column: h, Err: fmt.Errorf("%s is also column %s", c, prev)})
			continue
		}
		g.col[c], g.header[c] = j, h
	}
	for h := range mapped {
		if !used[h] {
			errs = append(errs, fmt.Errorf("%s row 1: %s.%s names no column of the file (its columns: %s)", path, key, h, strings.Join(recs[0], ",")))
		}
	}
	for _, c := range required {
		if _, ok := g.col[c]; !ok {
			errs = append(errs, fmt.Errorf("%s row 1: no %s column among %s (a register needs %s; name the file's own column for it in the config's %s)",
				path, c, strings.Join(recs[0], ","), strings.Join(required, ","), key))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return g, nil
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
	if field == "topic" && value != "" {
		return nil // topics are open: any label is kept as written (domain.md)
	}
	vals, ok := labelValues[field]
	if !ok {
		return fmt.Errorf("%q is not a labelled field (category, status, result, satisfaction, channel, topic, proxy, feedback_method, verdict)", field)
	}
	if !vals[value] {
		return fmt.Errorf("%q is not a %s value (see transform/labels.csv)", value, field)
	}
	return nil
}

// traditionalForms bounds the spellings in traditional characters added for one label.
const traditionalForms = 64

// loadLabels writes the vocabulary: ref_labels, the built-in labels (labels.csv) with the
// config's labels for every source (overrides with no Source) in place of built-in ones
// of the same key; ref_label_overrides, each source's own. Then, for every label, its
// spellings in traditional characters (hanzi.Traditional) where nothing is written so,
// so that a value is looked up as written, then as converted to simplified (辦結 is 办结).
func loadLabels(ctx context.Context, tx *sql.Tx, overrides []LabelOverride) error {
	for _, l := range labelRows {
		if _, err := tx.ExecContext(ctx, `insert into ref_labels values (?, mq_key(?), ?)`, l[0], l[1], l[2]); err != nil {
			return fmt.Errorf("loading label %q: %w", l[1], err)
		}
	}
	type variant struct {
		source, field, label, value string
		prio                        int
	}
	var variants []variant
	for _, l := range labelRows {
		for _, t := range hanzi.Traditional(l[1], traditionalForms) {
			variants = append(variants, variant{"", l[0], t, l[2], 1})
		}
	}
	for _, o := range overrides {
		if err := CheckLabel(o.Field, o.Value); err != nil {
			if o.Source == "" {
				return fmt.Errorf("labels.%s.%s: %w", o.Field, o.Label, err)
			}
			return fmt.Errorf("source %q label %q: %w", o.Source, o.Label, err)
		}
		var err error
		if o.Source == "" {
			if _, err = tx.ExecContext(ctx, `delete from ref_labels where field = ? and label_key = mq_key(?)`, o.Field, o.Label); err == nil {
				_, err = tx.ExecContext(ctx, `insert into ref_labels values (?, mq_key(?), ?)`, o.Field, o.Label, o.Value)
			}
		} else if _, err = tx.ExecContext(ctx, `delete from ref_label_overrides where source = ? and field = ? and label_key = mq_key(?)`, o.Source, o.Field, o.Label); err == nil {
			_, err = tx.ExecContext(ctx, `insert into ref_label_overrides values (?, ?, mq_key(?), ?)`, o.Source, o.Field, o.Label, o.Value)
		}
		if err != nil {
			return fmt.Errorf("loading label %q of %q: %w", o.Label, o.Source, err)
		}
		for _, t := range hanzi.Traditional(o.Label, traditionalForms) {
			variants = append(variants, variant{o.Source, o.Field, t, o.Value, 0})
		}
	}
	if _, err := tx.ExecContext(ctx, `create or replace temp table label_variants (source varchar, field varchar, label varchar, value varchar, prio integer)`); err != nil {
		return fmt.Errorf("loading labels in traditional characters: %w", err)
	}
	for len(variants) > 0 {
		n := min(len(variants), 200)
		args := make([]any, 0, 5*n)
		for _, v := range variants[:n] {
			args = append(args, v.source, v.field, v.label, v.value, v.prio)
		}
		q := `insert into label_variants values ` + strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?), ", n), ", ")
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("loading labels in traditional characters: %w", err)
		}
		variants = variants[n:]
	}
	// A spelling written as such wins over one converted; among converted ones the
	// config's labels win over the built-in ones.
	for _, q := range []string{
		`insert into ref_labels
		select field, label_key, value from (select field, mq_key(label) as label_key, value, prio from label_variants where source = '') v
		where not exists (select 1 from ref_labels l where l.field = v.field and l.label_key = v.label_key)
		qualify row_number() over (partition by field, label_key order by prio, value) = 1`,
		`insert into ref_label_overrides
		select source, field, label_key, value from (select source, field, mq_key(label) as label_key, value from label_variants where source <> '') v
		where not exists (select 1 from ref_label_overrides o where o.source = v.source and o.field = v.field and o.label_key = v.label_key)
		qualify row_number() over (partition by source, field, label_key order by value) = 1`,
		`drop table label_variants`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("loading labels in traditional characters: %w", err)
		}
	}
	return nil
}

// openLabelFields are labelled fields whose vocabulary only folds variants: any other
// label is kept as written.
var openLabelFields = map[string]bool{"topic": true}

// IsLabelField reports whether field's values are mapped through the vocabulary.
func IsLabelField(field string) bool { return labelValues[field] != nil }

// KnownLabel returns the canonical value label maps to for field: through extra (the
// config's labels, field → label → value; a later map wins over an earlier), then the
// built-in vocabulary, each looked up as written and then converted to simplified
// characters, as the transform looks labels up. A label of an open field (topic) that
// the vocabulary does not fold is itself.
func KnownLabel(field, label string, extra ...map[string]map[string]string) (string, error) {
	if !IsLabelField(field) {
		return "", fmt.Errorf("%q is not a labelled field", field)
	}
	for _, key := range []string{labelKey(label), labelKey(hanzi.Simplified(label))} {
		for i := len(extra) - 1; i >= 0; i-- {
			for l, v := range extra[i][field] {
				if labelKey(l) == key || labelKey(hanzi.Simplified(l)) == key {
					return v, nil
				}
			}
		}
		for _, r := range labelRows {
			if r[0] == field && labelKey(r[1]) == key {
				return r[2], nil
			}
		}
	}
	if openLabelFields[field] && labelKey(label) != "" {
		return strings.TrimSpace(label), nil
	}
	return "", fmt.Errorf("%q is not a %s label the vocabulary knows (transform/labels.csv, or map it under labels)", label, field)
}

// labelKey is mq_key in Go: full-width digits and separators folded, no white space.
func labelKey(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return r - '０' + '0'
		case r == '：':
			return ':'
		case r == '－':
			return '-'
		case r == '／':
			return '/'
		case r == '．':
			return '.'
		case unicode.IsSpace(r):
			return -1
		}
		return r
	}, s)
	return s
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
			immediate_days integer, referred_days integer, response_hours integer, long_wait_days integer)`,
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
	if err := loadLabels(ctx, tx, overrides); err != nil {
		return err
	}
	if err := loadCalendar(ctx, tx, cal); err != nil {
		return err
	}
	labelsList := "[" + quoteList(rules.SatisfiedLabels) + "]"
	if _, err := tx.ExecContext(ctx, `insert into ref_settings values (?, `+labelsList+`::varchar[], ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		rules.PartialResolutionWeight, rules.EscalatedReplyDays,
		rules.ScoreWeights["response_rate"], rules.ScoreWeights["resolution_rate"], rules.ScoreWeights["satisfaction_rate"],
		rules.QuarterEndMinCases, rules.QuarterEndFactor, rules.ExportGapDays,
		rules.ImmediateDays, rules.ReferredDays, rules.ResponseHours, rules.LongWaitDays); err != nil {
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
