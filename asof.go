package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/minqing/minqing/ingest"
	"github.com/minqing/minqing/store"
	"github.com/minqing/minqing/transform"
)

// parseAsOf reads a knowledge date, 2024-10-05.
func parseAsOf(s string) (time.Time, error) {
	d, err := time.ParseInLocation("2006-01-02", s, transform.Shanghai)
	if err != nil {
		return time.Time{}, fmt.Errorf("--as-of %q: write a date as 2024-10-05", s)
	}
	return d, nil
}

// knownSQL decides which export files were known at a date: those whose file name dates
// them on or before it, and those whose name gives no date and were loaded by then (the
// store cannot tell more about them).
const knownSQL = `coalesce(snapshot_date, cast(loaded_at as date)) <= date '%s'`

// rawTables are what ingest writes and every transform starts from.
var rawTables = []string{"ingest_files", "raw_cases", "raw_visits", "raw_services", "raw_case_personal"}

// knownAt returns a pipeline over a new in-memory store that holds the raw rows of the
// export files known at asOf, transformed under the same config. The store the command
// opened is only read: its current figures stay as they are. Close the result.
func (p *pipeline) knownAt(ctx context.Context, asOf time.Time) (*pipeline, error) {
	if err := p.requireLoaded(ctx); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "minqing-asof-")
	if err != nil {
		return nil, fmt.Errorf("making a scratch folder for --as-of: %w", err)
	}
	defer os.RemoveAll(tmp)
	mem, err := store.Open(ctx, "")
	if err != nil {
		return nil, err
	}
	known := &pipeline{cfg: p.cfg, cfgHash: p.cfgHash, db: mem, log: p.log, now: p.now}
	if err := ingest.EnsureSchema(ctx, mem); err != nil {
		mem.Close()
		return nil, err
	}
	day := asOf.Format("2006-01-02")
	for _, t := range rawTables {
		// Parquet carries the column types across the two databases; DuckDB lets one
		// database read another only through files.
		file := filepath.Join(tmp, t+".parquet")
		// day is a formatted date and file a path we made: no user text reaches the SQL.
		where := `file_id in (select file_id from ingest_files where ` + fmt.Sprintf(knownSQL, day) + `)`
		q := fmt.Sprintf(`copy (select * from %s where %s order by all) to '%s' (format parquet)`, t, where, file)
		if _, err := p.db.ExecContext(ctx, q); err != nil {
			mem.Close()
			return nil, fmt.Errorf("copying %s known at %s: %w", t, day, err)
		}
		if _, err := mem.ExecContext(ctx, fmt.Sprintf(`insert into %s by name select * from read_parquet('%s')`, t, file)); err != nil {
			mem.Close()
			return nil, fmt.Errorf("loading %s known at %s: %w", t, day, err)
		}
	}
	sum, err := transform.Run(ctx, mem, p.transformOptions())
	if err != nil {
		mem.Close()
		return nil, fmt.Errorf("making the figures known at %s: %w", day, err)
	}
	p.log.Info("figures made as known at a date", "as_of", day, "cases", sum.Cases, "duration", sum.Duration.Round(time.Millisecond))
	return known, nil
}

// runSchema is the store's record of every report made: what it was made from, so a
// published workbook can be traced and made again.
var runSchema = []string{
	`create table if not exists report_runs (
		run_id varchar primary key,
		made_at timestamp not null,      -- when the workbook was written
		period varchar not null,
		unit varchar not null,
		as_of date,                      -- the knowledge date of an --as-of report
		cutoff date not null,
		config_path varchar not null,
		config_sha256 varchar not null,
		config text not null,            -- the config file's text (secrets live in env vars, never in it)
		minqing_version varchar not null,
		workbook varchar not null,
		workbook_sha256 varchar not null,
		snapshots date[] not null        -- the export dates known to the report
	)`,
	`create table if not exists report_run_files (
		run_id varchar not null,
		source varchar not null,
		path varchar not null,
		sha256 varchar not null,
		rows_read integer not null,
		snapshot_date date
	)`,
}

// recordRun writes the manifest of a workbook into the store p opened: the input files
// known to src (the pipeline that made the figures) with their SHA-256 and rows, the
// snapshots, the config and its hash, the cutoff and the version.
func (p *pipeline) recordRun(ctx context.Context, src *pipeline, o reportOptions, path string) error {
	for _, s := range runSchema {
		if _, err := p.db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("creating the report register: %w", err)
		}
	}
	r := transform.NewReader(src.db)
	per, err := src.period(ctx, r, o.Period)
	if err != nil {
		return err
	}
	accts, err := r.Accounting(ctx)
	if err != nil {
		return err
	}
	cfgText, err := os.ReadFile(p.cfg.File)
	if err != nil {
		return fmt.Errorf("reading config %q for the report register: %w", p.cfg.File, err)
	}
	wb, err := fileSHA256(path)
	if err != nil {
		return err
	}
	var idb [16]byte
	if _, err := rand.Read(idb[:]); err != nil {
		return fmt.Errorf("making a run id: %w", err)
	}
	id := hex.EncodeToString(idb[:])
	unit := o.Unit
	if unit == "" {
		unit = "district"
	}
	var asOf any
	if !o.asOf.IsZero() {
		asOf = o.asOf.Format("2006-01-02")
	}
	now := p.now
	if now == nil {
		now = time.Now
	}
	tx, err := p.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("recording report run: %w", err)
	}
	defer tx.Rollback()
	seen := map[string]bool{}
	var snaps []string
	for _, a := range accts {
		var snap any
		if a.Snapshot != nil {
			d := a.Snapshot.Format("2006-01-02")
			snap = d
			if !seen[d] {
				seen[d] = true
				snaps = append(snaps, d)
			}
		}
		if _, err := tx.ExecContext(ctx, `insert into report_run_files values (?, ?, ?, ?, ?, ?)`,
			id, a.Source, a.File, a.SHA256, a.Read, snap); err != nil {
			return fmt.Errorf("recording input %q of report run: %w", a.File, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `insert into report_runs values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
		(select coalesce(list(cast(d as date) order by d), []) from unnest(?::varchar[]) t(d)))`,
		id, now(), per.ID, unit, asOf, per.Cutoff.Format("2006-01-02"), p.cfg.File, p.cfgHash, string(cfgText),
		version, path, wb, snaps); err != nil {
		return fmt.Errorf("recording report run: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("recording report run: %w", err)
	}
	p.log.Info("report run recorded", "run_id", id, "period", per.ID, "files", len(accts))
	return nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("hashing %q: %w", path, err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hashing %q: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
