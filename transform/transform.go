package transform

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/minqing/minqing/transform/calendar"
	"github.com/minqing/minqing/transform/dialect"
)

//go:embed sql/*.sql
var modelFS embed.FS

//go:embed tests/*.sql
var testFS embed.FS

// Options configure a transform run.
type Options struct {
	UnitsFile     string
	CatalogueFile string
	// UnitsHeaders and CatalogueHeaders map the registers' own column names to
	// minqing's (the config's units_headers and catalogue_headers).
	UnitsHeaders, CatalogueHeaders map[string]string
	Rules                          Rules
	Calendar                       *calendar.Calendar // default calendar.Official()
	Logger                         *slog.Logger
	// LabelOverrides are sources' own labels (the config's sources[].labels) and, with
	// no Source, the labels of every source (the config's top-level labels).
	LabelOverrides []LabelOverride
	// TopicSeparators maps a source to the separator its exports write topic levels with
	// (城市管理/市容环境/占道经营 with "/"): each level becomes a breakdown of its own.
	TopicSeparators map[string]string
	// OnModel, if set, is told the name of each model before it is built (the crash
	// guard records it, so a process that dies says where).
	OnModel func(name string)
	// ConfigHash identifies the configuration the figures are made under; it is stored
	// with them so that no output publishes figures made under another (Reader.ConfigHash).
	ConfigHash string
	// Full rebuilds every model from the raw rows even when only some files are new.
	Full bool
	// Spark, if set, builds the models from case versions to figures on a Spark cluster
	// (SparkEngine); every such run is a full one.
	Spark *SparkEngine
}

// Summary tells what a run produced.
type Summary struct {
	Cases       int
	Quarantined int
	Periods     int
	Duration    time.Duration
	// Mode is how the run went: "full" (every model rebuilt from the raw rows),
	// "incremental" (only what the new and gone files touch) or "unchanged" (nothing new
	// since the last run: no work done).
	Mode string
	// FilesNew and FilesGone count the files staged by this run and those taken out;
	// CasesTouched the cases rebuilt.
	FilesNew, FilesGone, CasesTouched int
}

// ErrDataTest means a data test found offending rows: a figure would be wrong, so nothing
// of the run is kept.
var ErrDataTest = errors.New("data test failed")

// derived lists every table and view the models build (and those older stores had), so
// that a full build starts from none of them.
var derived = []string{
	"unit_matches", "stg_cases", "case_versions_all", "case_versions", "case_conflicts", "cases_all", "cases",
	"periods", "case_periods", "case_period_facts", "unit_figure_parts", "unit_figure_days", "case_figure_cells", "case_figure_ids", "case_figure_values",
	"activity_figure_values", "figure_values", "case_figure_changes", "activity_figure_changes", "figure_changes",
	"figure_cases", "transform_files",
}

// fullShare is the share of the store's raw rows above which new files are rebuilt from
// scratch rather than applied as a change: the full build is the faster then.
const fullShare = 0.5

// Run brings every staging table and mart up to date with the raw tables in one
// transaction: readers see the old figures until the new ones are complete. It does only
// the work that changed: with the same reference data (registers, calendar, rules,
// vocabulary, models) as the last run, it stages the new files alone, rebuilds the cases
// their rows (and those of files gone) touch and re-sums the (unit, period) figures those
// cases touch; with nothing new it does nothing. Anything else, or opts.Full, rebuilds
// everything. Either way the same raw rows give the same tables (TestIncrementalEqualsFull).
// The raw tables must exist (ingest.EnsureSchema).
func Run(ctx context.Context, db *sql.DB, opts Options) (Summary, error) {
	start := time.Now()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Calendar == nil {
		opts.Calendar = calendar.Official()
	}
	units, cat, err := ReadRegisters(opts)
	if err != nil {
		return Summary{}, err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return Summary{}, fmt.Errorf("starting transform: %w", err)
	}
	defer tx.Rollback()
	names, err := sqlFiles(modelFS, "sql")
	if err != nil {
		return Summary{}, err
	}
	// Macros first: the reference loader uses mq_key.
	if err := execFile(ctx, tx, modelFS, names[0]); err != nil {
		return Summary{}, err
	}
	if err := loadReference(ctx, tx, units, cat, opts.Calendar, opts.Rules, opts.LabelOverrides); err != nil {
		return Summary{}, err
	}
	if err := loadSources(ctx, tx, opts.TopicSeparators); err != nil {
		return Summary{}, err
	}
	// The reference models (unit tree, names, vocabulary) are small and built whole.
	models := names[1:]
	for len(models) > 0 && models[0] < "sql/15" {
		if err := execModel(ctx, tx, opts, models[0]); err != nil {
			return Summary{}, err
		}
		models = models[1:]
	}
	st, err := planRun(ctx, tx, names, opts.Spark != nil)
	if err != nil {
		return Summary{}, err
	}
	s := Summary{Mode: st.mode}
	if opts.Full && st.mode != "full" {
		s.Mode = "full"
	}
	if s.Mode == "unchanged" && st.configHash == opts.ConfigHash {
		if err := tx.QueryRowContext(ctx, `select (select count(*) from cases), (select count(*) from quarantine), (select count(*) from periods)`).
			Scan(&s.Cases, &s.Quarantined, &s.Periods); err != nil {
			return Summary{}, fmt.Errorf("summarising transform: %w", err)
		}
		s.Duration = time.Since(start)
		return s, nil // nothing written: the rollback leaves the store as it was
	}
	if s.Mode == "unchanged" {
		s.Mode = "incremental" // only the configuration's hash is new: record it
	}
	if opts.Spark != nil && s.Mode == "incremental" {
		s.Mode = "full" // Spark builds whole
	}
	if s.Mode == "full" {
		if err := dropDerived(ctx, tx); err != nil {
			return Summary{}, err
		}
	}
	if err := scopeFiles(ctx, tx, s.Mode == "full"); err != nil {
		return Summary{}, err
	}
	sparkBuilt := false
	for _, name := range models {
		if opts.Spark != nil && isSparkModel(name) {
			if !sparkBuilt {
				if err := buildWithSpark(ctx, tx, opts); err != nil {
					return Summary{}, err
				}
				sparkBuilt = true
			}
			continue
		}
		if err := execModel(ctx, tx, opts, name); err != nil {
			return Summary{}, err
		}
	}
	if err := checkCalendar(ctx, tx, opts.Calendar); err != nil {
		return Summary{}, err
	}
	t := time.Now()
	if err := runDataTests(ctx, tx, s.Mode == "full"); err != nil {
		return Summary{}, err
	}
	opts.Logger.Debug("data tests passed", "duration", time.Since(t).Round(time.Millisecond))
	if _, err := tx.ExecContext(ctx, `create or replace table transform_meta as select ?::varchar as config_hash, ?::varchar as reference_hash`,
		opts.ConfigHash, st.referenceHash); err != nil {
		return Summary{}, fmt.Errorf("recording the transform's config: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `create or replace table transform_files as select file_id, signature from mq_files_now`); err != nil {
		return Summary{}, fmt.Errorf("recording the transformed files: %w", err)
	}
	if err := tx.QueryRowContext(ctx, `select (select count(*) from cases), (select count(*) from quarantine), (select count(*) from periods),
		(select count(*) from mq_files_new), (select count(*) from mq_files_gone), (select count(*) from mq_cases_touched)`).
		Scan(&s.Cases, &s.Quarantined, &s.Periods, &s.FilesNew, &s.FilesGone, &s.CasesTouched); err != nil {
		return Summary{}, fmt.Errorf("summarising transform: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return Summary{}, fmt.Errorf("committing transform: %w", err)
	}
	if _, err := db.ExecContext(ctx, "checkpoint"); err != nil {
		return Summary{}, fmt.Errorf("checkpointing store: %w", err)
	}
	s.Duration = time.Since(start)
	return s, nil
}

// execModel builds one model, telling the crash guard and the debug log.
func execModel(ctx context.Context, tx *sql.Tx, opts Options, name string) error {
	if opts.OnModel != nil {
		opts.OnModel(name)
	}
	t := time.Now()
	var log *slog.Logger
	if opts.Logger.Enabled(ctx, slog.LevelDebug) {
		log = opts.Logger
	}
	if err := execFileTimed(ctx, tx, modelFS, name, log); err != nil {
		return err
	}
	opts.Logger.Debug("model built", "model", name, "duration", time.Since(t).Round(time.Millisecond))
	return nil
}

// runState is what the last run left and what this one must do.
type runState struct {
	mode          string // full, incremental or unchanged
	referenceHash string // of the reference tables and the models' text
	configHash    string // the last run's
}

// planRun decides the run's mode: full when the reference data or the models differ from
// the last run's (or there was none), or when the new files hold most of the rows;
// unchanged when no file is new or gone; else incremental. It leaves mq_files_now, the
// files as they stand with a signature of their register row (a file loaded again, or
// its settings changed, is a new file).
func planRun(ctx context.Context, tx *sql.Tx, names []string, onSpark bool) (runState, error) {
	h := sha256.New()
	if onSpark {
		// the tables Spark built are not kept up to date by DuckDB's models, nor the other
		// way round: a change of engine rebuilds everything
		fmt.Fprintln(h, "engine=spark")
	}
	for _, name := range names {
		b, err := fs.ReadFile(modelFS, name)
		if err != nil {
			return runState{}, fmt.Errorf("reading model %s: %w", name, err)
		}
		fmt.Fprintf(h, "%s\n%d\n", name, len(b))
		h.Write(b)
	}
	var tables []string
	rows, err := tx.QueryContext(ctx, `select table_name from duckdb_tables() where schema_name = 'main' and not temporary
		and (table_name like 'ref\_%' escape '\' or table_name = 'label_map') order by table_name`)
	if err != nil {
		return runState{}, fmt.Errorf("listing reference tables: %w", err)
	}
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return runState{}, fmt.Errorf("listing reference tables: %w", err)
		}
		tables = append(tables, t)
	}
	rows.Close()
	for _, t := range tables {
		var sum sql.NullString
		if err := tx.QueryRowContext(ctx, `select md5(string_agg(r, chr(10) order by r)) from (select cast(t as varchar) as r from "`+t+`" t)`).Scan(&sum); err != nil {
			return runState{}, fmt.Errorf("hashing reference table %s: %w", t, err)
		}
		fmt.Fprintf(h, "%s=%s\n", t, sum.String)
	}
	st := runState{referenceHash: hex.EncodeToString(h.Sum(nil))}
	if _, err := tx.ExecContext(ctx, `create or replace temp table mq_files_now as
		select file_id, md5(cast(f as varchar)) as signature from ingest_files f`); err != nil {
		return runState{}, fmt.Errorf("listing the loaded files: %w", err)
	}
	var lastRef sql.NullString
	err = tx.QueryRowContext(ctx, `select m.reference_hash, m.config_hash from transform_meta m
		where exists (select 1 from duckdb_tables() where schema_name = 'main' and table_name = 'transform_files')`).Scan(&lastRef, &st.configHash)
	if err != nil || !lastRef.Valid || lastRef.String != st.referenceHash {
		// no run before, one from before these columns, or other reference data
		st.mode = "full"
		return st, nil
	}
	var newFiles, goneFiles int
	var newRows, allRows float64
	if err := tx.QueryRowContext(ctx, `select
		(select count(*) from mq_files_now n anti join transform_files t using (file_id, signature)),
		(select count(*) from transform_files t anti join mq_files_now n using (file_id, signature)),
		(select coalesce(sum(rows_data), 0) from ingest_files where file_id in
			(select file_id from mq_files_now n anti join transform_files t using (file_id, signature))),
		(select coalesce(sum(rows_data), 0) from ingest_files)`).Scan(&newFiles, &goneFiles, &newRows, &allRows); err != nil {
		return runState{}, fmt.Errorf("comparing the loaded files with the last run's: %w", err)
	}
	switch {
	case newFiles == 0 && goneFiles == 0:
		st.mode = "unchanged"
	case allRows > 0 && newRows/allRows > fullShare:
		st.mode = "full"
	default:
		st.mode = "incremental"
	}
	return st, nil
}

// dropDerived drops every table and view the models build, whatever kind each is now.
func dropDerived(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `select table_name, 'table' from duckdb_tables() where schema_name = 'main' and not temporary
		union all select view_name, 'view' from duckdb_views() where schema_name = 'main' and not temporary and not internal`)
	if err != nil {
		return fmt.Errorf("listing the store's tables: %w", err)
	}
	kinds := map[string]string{}
	for rows.Next() {
		var name, kind string
		if err := rows.Scan(&name, &kind); err != nil {
			rows.Close()
			return fmt.Errorf("listing the store's tables: %w", err)
		}
		kinds[name] = kind
	}
	rows.Close()
	// views first: a table a view reads can then go
	for _, want := range []string{"view", "table"} {
		for _, name := range derived {
			if kinds[name] == want {
				if _, err := tx.ExecContext(ctx, "drop "+want+" "+name); err != nil {
					return fmt.Errorf("dropping %s %s for a full build: %w", want, name, err)
				}
			}
		}
	}
	return nil
}

// scopeFiles writes mq_files_new (the files to stage) and mq_files_gone (those whose rows
// leave): every file and none for a full build, else the difference with the last run.
func scopeFiles(ctx context.Context, tx *sql.Tx, full bool) error {
	stmts := []string{
		`create or replace temp table mq_files_new as select file_id from mq_files_now`,
		`create or replace temp table mq_files_gone (file_id varchar)`,
	}
	if !full {
		stmts = []string{
			`create or replace temp table mq_files_new as
				select file_id from mq_files_now n anti join transform_files t using (file_id, signature)`,
			// a file loaded again under the same hash is both gone (its old rows) and new
			`create or replace temp table mq_files_gone as
				select file_id from transform_files t anti join mq_files_now n using (file_id, signature)`,
		}
	}
	for _, q := range stmts {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("scoping the run's files: %w", err)
		}
	}
	return nil
}

func sqlFiles(fsys fs.FS, dir string) ([]string, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", dir, err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") {
			names = append(names, dir+"/"+e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}

func execFile(ctx context.Context, tx *sql.Tx, fsys fs.FS, name string) error {
	return execFileTimed(ctx, tx, fsys, name, nil)
}

// duckdbStatements reads a model file and splits it into the statements DuckDB runs.
func duckdbStatements(fsys fs.FS, name string) ([]dialect.Statement, error) {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("reading model %s: %w", name, err)
	}
	stmts, err := dialect.Split(string(b), dialect.DuckDB)
	if err != nil {
		return nil, fmt.Errorf("reading model %s: %w", name, err)
	}
	return stmts, nil
}

// execFileTimed runs the statements of a model that DuckDB runs (each ends with ";" at the
// end of a line; transform/dialect leaves out those only Spark runs) and, with a logger,
// logs how long each took: where a model spends its time.
func execFileTimed(ctx context.Context, tx *sql.Tx, fsys fs.FS, name string, log *slog.Logger) error {
	stmts, err := duckdbStatements(fsys, name)
	if err != nil {
		return err
	}
	for _, st := range stmts {
		t := time.Now()
		if _, err := tx.ExecContext(ctx, st.SQL); err != nil {
			return fmt.Errorf("building model %s: %w", name, err)
		}
		if log != nil {
			log.Debug("statement run", "model", name, "statement", st.No, "duration", time.Since(t).Round(time.Millisecond),
				"sql", firstLine(dialect.Code(st.SQL)))
		}
	}
	return nil
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// checkCalendar fails when a case needs a date the working-day calendar does not cover:
// a deadline is never guessed.
func checkCalendar(ctx context.Context, tx *sql.Tx, cal *calendar.Calendar) error {
	first, last := cal.Years()
	var year sql.NullInt64
	var caseKey sql.NullString
	err := tx.QueryRowContext(ctx, `
		select y, case_key from (
			select year(d) as y, case_key from (
				select case_key, received_date as d from cases
				union all select case_key, closed_date from cases
				union all select case_key, clock_start_date from cases
			) where d is not null and year(d) not between ? and ?
			union all
			select ? + 1, case_key from cases
			where clock_start_date is not null and limit_days is not null and deadline is null and year(clock_start_date) between ? and ?
		) order by y, case_key limit 1`, first, last, last, first, last).Scan(&year, &caseKey)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("checking calendar coverage: %w", err)
	}
	return fmt.Errorf("computing deadlines: %w: case %s needs year %d; add the State Council's %d schedule to transform/calendar/cn-calendar.csv",
		calendar.ErrYearNotCovered, caseKey.String, year.Int64, year.Int64)
}

// runDataTests runs every query in tests/: each returns offending rows, none = pass. A
// test whose text says "full builds only" re-derives every figure from its cases: it runs
// on full builds, where the models' SQL is checked whole; a change built by the same SQL
// (TestIncrementalEqualsFull) skips it, or every day's run would cost as much as a full one.
func runDataTests(ctx context.Context, tx *sql.Tx, full bool) error {
	names, err := sqlFiles(testFS, "tests")
	if err != nil {
		return err
	}
	var errs []error
	for _, name := range names {
		b, err := fs.ReadFile(testFS, name)
		if err != nil {
			return fmt.Errorf("reading data test %s: %w", name, err)
		}
		if !full && strings.Contains(string(b), "full builds only") {
			continue
		}
		query := string(b)
		if strings.Contains(query, "PERIODS") {
			periods, err := checkedPeriods(ctx, tx)
			if err != nil {
				return err
			}
			query = strings.ReplaceAll(query, "PERIODS", periods)
		}
		var n int
		if err := tx.QueryRowContext(ctx, "select count(*) from ("+query+")").Scan(&n); err != nil {
			return fmt.Errorf("running data test %s: %w", name, err)
		}
		if n > 0 {
			errs = append(errs, fmt.Errorf("%w: %s found %d offending rows", ErrDataTest, name, n))
		}
	}
	return errors.Join(errs...)
}

// fullCheckCases is the most cases a store may hold for the case-level data test
// (figure_cases_match.sql) to re-derive every period's figures: past it the test takes the
// quarters, the periods reports are filed for. Re-deriving every month, quarter, year and
// year so far of a million cases took 24 s of a 72 s transform; the quarters take about
// 4 s. Every period is made by the one SQL with other bounds, and the oracle tests check
// every period of the fixture district.
var fullCheckCases = 200_000

// checkedPeriods is the condition on period_id the case-level data test runs under.
func checkedPeriods(ctx context.Context, tx *sql.Tx) (string, error) {
	var n int64
	if err := tx.QueryRowContext(ctx, `select count(*) from cases_all`).Scan(&n); err != nil {
		return "", fmt.Errorf("counting cases for the data tests: %w", err)
	}
	if n <= int64(fullCheckCases) {
		return "true", nil
	}
	// A quarter's id is 2024Q3 (a year so far is 2024Q3YTD).
	return "period_id like '____Q_'", nil
}

// loadSources writes ref_sources, the per-source settings the staging models read.
func loadSources(ctx context.Context, tx *sql.Tx, separators map[string]string) error {
	if _, err := tx.ExecContext(ctx, `create or replace table ref_sources (source varchar primary key, topic_separator varchar)`); err != nil {
		return fmt.Errorf("loading source settings: %w", err)
	}
	names := make([]string, 0, len(separators))
	for name := range separators {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if separators[name] == "" {
			continue
		}
		if _, err := tx.ExecContext(ctx, `insert into ref_sources values (?, ?)`, name, separators[name]); err != nil {
			return fmt.Errorf("loading source %q settings: %w", name, err)
		}
	}
	return nil
}
