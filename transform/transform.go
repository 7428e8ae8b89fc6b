package transform

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/minqing/minqing/transform/calendar"
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
}

// Summary tells what a run produced.
type Summary struct {
	Cases       int
	Quarantined int
	Periods     int
	Duration    time.Duration
}

// ErrDataTest means a data test found offending rows: a figure would be wrong, so nothing
// of the run is kept.
var ErrDataTest = errors.New("data test failed")

// Run rebuilds every staging table and mart from the raw tables in one transaction:
// readers see the old figures until the new ones are complete. It is idempotent: the
// same raw rows give the same tables. The raw tables must exist (ingest.EnsureSchema).
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
	for _, name := range names[1:] {
		if opts.OnModel != nil {
			opts.OnModel(name)
		}
		t := time.Now()
		if err := execFile(ctx, tx, modelFS, name); err != nil {
			return Summary{}, err
		}
		opts.Logger.Debug("model built", "model", name, "duration", time.Since(t).Round(time.Millisecond))
	}
	if err := checkCalendar(ctx, tx, opts.Calendar); err != nil {
		return Summary{}, err
	}
	if err := runDataTests(ctx, tx); err != nil {
		return Summary{}, err
	}
	if _, err := tx.ExecContext(ctx, `create or replace table transform_meta as select ?::varchar as config_hash`, opts.ConfigHash); err != nil {
		return Summary{}, fmt.Errorf("recording the transform's config: %w", err)
	}
	var s Summary
	if err := tx.QueryRowContext(ctx, `select (select count(*) from cases), (select count(*) from quarantine), (select count(*) from periods)`).
		Scan(&s.Cases, &s.Quarantined, &s.Periods); err != nil {
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
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return fmt.Errorf("reading model %s: %w", name, err)
	}
	if _, err := tx.ExecContext(ctx, string(b)); err != nil {
		return fmt.Errorf("building model %s: %w", name, err)
	}
	return nil
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

// runDataTests runs every query in tests/: each returns offending rows, none = pass.
func runDataTests(ctx context.Context, tx *sql.Tx) error {
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
		var n int
		if err := tx.QueryRowContext(ctx, "select count(*) from ("+string(b)+")").Scan(&n); err != nil {
			return fmt.Errorf("running data test %s: %w", name, err)
		}
		if n > 0 {
			errs = append(errs, fmt.Errorf("%w: %s found %d offending rows", ErrDataTest, name, n))
		}
	}
	return errors.Join(errs...)
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
