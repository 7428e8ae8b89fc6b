package ingest

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/minqing/minqing/ingest/fetch"
	"github.com/minqing/minqing/privacy"
)

// Options configure a load.
type Options struct {
	Sources []SourceConfig
	BaseDir string // folder that source paths are relative to
	Keyer   *privacy.Keyer
	Logger  *slog.Logger
	Now     func() time.Time // the load time recorded for each file; default time.Now
	// Progress, if set, is told after each file: how many of how many files are done and
	// how many rows have been read so far. It is called from the loading goroutine.
	Progress func(done, total, rows int)
	// ArchiveDir keeps HTTP sources' downloads (default: "archive" under BaseDir).
	ArchiveDir string
	// FetchSleep waits between HTTP retries (default a real timer); tests inject one.
	FetchSleep func(ctx context.Context, d time.Duration) error
	// KeepPersonalData also stores cases' names, phones, ID numbers and unscrubbed
	// descriptions in clear, in raw_case_personal, for auditors' copies.
	KeepPersonalData bool
}

// File statuses.
const (
	StatusLoaded    = "loaded"
	StatusUnchanged = "unchanged" // these exact bytes were loaded before: nothing changes
	StatusFailed    = "failed"
)

// FileResult reports what happened to one file.
type FileResult struct {
	Source   string
	Path     string // relative to BaseDir, forward slashes
	SHA256   string
	Status   string
	Encoding string
	Read     int // rows read, all kinds
	Data     int // data rows stored in the raw table
	Skipped  map[string]int
	Unmapped []string // headers that map to no field
	// Defaults counts, by field, the data rows that took the source's default for it
	// (nil when the source has none).
	Defaults map[string]int
	// Loader says how the rows reached DuckDB: "read_csv" (text files, delimited or
	// JSON, through a pipe) or "appender".
	Loader string
	Err    error
}

// EnsureSchema creates the raw tables and the file register if they do not exist.
func EnsureSchema(ctx context.Context, db *sql.DB) error {
	stmts := []string{`create table if not exists ingest_files (
		file_id varchar primary key,      -- SHA-256 of the file's bytes
		source varchar not null,
		kind varchar not null,
		level varchar not null,
		exporter_unit varchar,
		path varchar not null,
		size_bytes bigint not null,
		encoding varchar not null,
		snapshot_date date,               -- the export's date, from its file name
		loaded_at timestamp not null,
		rows_read integer not null,
		rows_data integer not null,
		skipped_title integer not null,
		skipped_header integer not null,
		skipped_blank integer not null,
		skipped_totals integer not null,
		skipped_footer integer not null,
		skipped_sheet integer not null,
		unmapped json not null           -- headers that mapped to no field
	)`,
		// which of its source's defaults a file took and for how many rows, as JSON
		// [{"field","value","rows"}]; NULL when the source has none (added after the
		// table, so older stores gain it too)
		`alter table ingest_files add column if not exists defaults_applied varchar`,
		// the source's date_order when the file was loaded (ymd, mdy or dmy): staging
		// reads the file's dates in it (added after the table, so older stores gain it
		// too; NULL there, read as ymd)
		`alter table ingest_files add column if not exists date_order varchar`}
	stmts = append(stmts, `create table if not exists raw_case_personal (
		-- personal data in clear: only written when the config keeps it (privacy.keep_personal_data)
		file_id varchar not null, sheet varchar not null, row_no integer not null,
		citizen_name varchar, citizen_phone varchar, citizen_id varchar, description varchar)`)
	for _, kind := range []string{KindCases, KindVisits, KindServices} {
		var cols []string
		for _, c := range storedColumns(kind) {
			cols = append(cols, c+" varchar")
		}
		// row_problem is why ingest quarantines the row whatever its values (BAD_QUOTE,
		// LINE_TOO_LONG, CELL_TOO_LONG) and row_problem_detail where; both NULL otherwise.
		// They come last so that a store made before them, migrated below, has the same
		// column order as a new one.
		stmts = append(stmts, fmt.Sprintf(`create table if not exists %s (
		file_id varchar not null, sheet varchar not null, row_no integer not null, bad_encoding boolean not null, %s,
		row_problem varchar, row_problem_detail varchar)`,
			rawTables[kind], strings.Join(cols, ", ")),
			fmt.Sprintf(`alter table %s add column if not exists row_problem varchar`, rawTables[kind]),
			fmt.Sprintf(`alter table %s add column if not exists row_problem_detail varchar`, rawTables[kind]))
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("creating raw schema: %w", err)
		}
	}
	return addRawColumns(ctx, db)
}

// addRawColumns brings the raw tables of a store made before a field was added (say
// department) to the column order of a new one: rows are appended by position, so the
// table is rebuilt with the new field, NULL (no such column in those files), in its place.
func addRawColumns(ctx context.Context, db *sql.DB) error {
	for _, kind := range []string{KindCases, KindVisits, KindServices} {
		table := rawTables[kind]
		have := map[string]bool{}
		rows, err := db.QueryContext(ctx, `select column_name from information_schema.columns where table_name = ? and table_schema = 'main'`, table)
		if err != nil {
			return fmt.Errorf("reading the columns of %s: %w", table, err)
		}
		for rows.Next() {
			var c string
			if err := rows.Scan(&c); err != nil {
				rows.Close()
				return fmt.Errorf("reading the columns of %s: %w", table, err)
			}
			have[c] = true
		}
		rows.Close()
		want := append(append([]string{"file_id", "sheet", "row_no", "bad_encoding"}, storedColumns(kind)...), "row_problem", "row_problem_detail")
		var sel []string
		missing := false
		for _, c := range want {
			if have[c] {
				sel = append(sel, c)
			} else {
				missing = true
				sel = append(sel, "null::varchar as "+c)
			}
		}
		if !missing {
			continue
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("migrating %s: %w", table, err)
		}
		for _, q := range []string{
			fmt.Sprintf("create table %s__new as select %s from %s", table, strings.Join(sel, ", "), table),
			"drop table " + table,
			fmt.Sprintf("alter table %s__new rename to %s", table, table),
		} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				tx.Rollback()
				return fmt.Errorf("migrating %s: %w", table, err)
			}
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migrating %s: %w", table, err)
		}
	}
	return nil
}

// Run loads every file matched by the sources. A file whose bytes were loaded before is
// left alone, so running again — or loading the same files in another order — changes
// nothing. A file that cannot be read fails alone; the others still load. The error is
// non-nil only when the store itself fails.
func Run(ctx context.Context, db *sql.DB, opts Options) ([]FileResult, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if err := EnsureSchema(ctx, db); err != nil {
		return nil, err
	}
	var results []FileResult
	// Every source's files are listed first, so progress can say "n of N".
	type job struct {
		src    SourceConfig
		mapper *Mapper
		paths  []string
	}
	var jobs []job
	total := 0
	for _, src := range opts.Sources {
		mapper, err := NewMapper(src.Kind, src.Headers)
		if err != nil {
			results = append(results, FileResult{Source: src.Name, Status: StatusFailed, Err: fmt.Errorf("source %q: %w", src.Name, err)})
			continue
		}
		var paths []string
		if src.HTTP != nil {
			// One failing source never stops the others: it is reported, the rest load.
			archive := opts.ArchiveDir
			if archive == "" {
				archive = filepath.Join(opts.BaseDir, "archive")
			}
			fr := fetch.Fetch(ctx, src.Name, *src.HTTP, fetch.Options{ArchiveDir: archive, Logger: opts.Logger, Sleep: opts.FetchSleep})
			if fr.Status == fetch.StatusFailed {
				results = append(results, FileResult{Source: src.Name, Path: fr.URL, Status: StatusFailed, Err: fmt.Errorf("source %q: %w", src.Name, fr.Err)})
				continue
			}
			paths = []string{fr.Path}
		} else {
			paths, err = expand(opts.BaseDir, src.Paths)
			if err != nil {
				results = append(results, FileResult{Source: src.Name, Status: StatusFailed, Err: fmt.Errorf("source %q: %w", src.Name, err)})
				continue
			}
			if len(paths) == 0 {
				opts.Logger.Warn("source matched no files", "source", src.Name)
			}
		}
		jobs = append(jobs, job{src, mapper, paths})
		total += len(paths)
	}
	done, rows := 0, 0
	for _, j := range jobs {
		src, mapper := j.src, j.mapper
		for _, p := range j.paths {
			if err := ctx.Err(); err != nil {
				return results, err
			}
			start := time.Now()
			res, err := loadFile(ctx, db, opts, src, mapper, p)
			if err != nil {
				return results, err
			}
			results = append(results, res)
			done++
			rows += res.Read
			if opts.Progress != nil {
				opts.Progress(done, total, rows)
			}
			if res.Err != nil {
				opts.Logger.Error("file failed", "source", src.Name, "file", res.Path, "err", res.Err)
			} else {
				opts.Logger.Info("file read", "source", src.Name, "file", res.Path, "status", res.Status,
					"rows", res.Read, "data_rows", res.Data, "loader", res.Loader, "duration", time.Since(start).Round(time.Millisecond))
			}
		}
	}
	return results, nil
}

// expand resolves glob patterns against base, in sorted order, each file once.
func expand(base string, patterns []string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, p := range patterns {
		if !filepath.IsAbs(p) {
			p = filepath.Join(base, p)
		}
		m, err := filepath.Glob(p)
		if err != nil {
			return nil, fmt.Errorf("expanding %q: %w", p, err)
		}
		for _, f := range m {
			if st, err := os.Stat(f); err == nil && st.Mode().IsRegular() && !seen[f] {
				seen[f] = true
				out = append(out, f)
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

// shanghai is the local time of every timestamp minqing stores.
var shanghai = mustLocation("Asia/Shanghai")

func mustLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.FixedZone("CST", 8*3600) // Asia/Shanghai has had no daylight saving since 1991
	}
	return loc
}

var fileDateRE = regexp.MustCompile(`(20\d{2})[-_.]?(0[1-9]|1[0-2])[-_.]?(0[1-9]|[12]\d|3[01])`)

// snapshotDate reads the export's date from its file name (the last date-like run of
// digits), or returns nil: the date is never guessed from file times, which a copy changes.
func snapshotDate(path string) *time.Time {
	m := fileDateRE.FindAllStringSubmatch(filepath.Base(path), -1)
	if m == nil {
		return nil
	}
	last := m[len(m)-1]
	d, err := time.Parse("20060102", last[1]+last[2]+last[3])
	if err != nil {
		return nil
	}
	return &d
}

func loadFile(ctx context.Context, db *sql.DB, opts Options, src SourceConfig, mapper *Mapper, path string) (FileResult, error) {
	rel, err := filepath.Rel(opts.BaseDir, path)
	if err != nil || strings.HasPrefix(rel, "..") {
		rel = path
	}
	res := FileResult{Source: src.Name, Path: filepath.ToSlash(rel), Skipped: map[string]int{}}
	fail := func(err error) (FileResult, error) {
		res.Status, res.Err = StatusFailed, fmt.Errorf("reading %q: %w", res.Path, err)
		return res, nil
	}
	in, err := openInput(path)
	if err != nil {
		return fail(err)
	}
	defer in.Close()
	res.SHA256 = in.sum
	size := in.size
	var n int
	if err := db.QueryRowContext(ctx, "select count(*) from ingest_files where file_id = ?", res.SHA256).Scan(&n); err != nil {
		return res, fmt.Errorf("looking up %q: %w", res.Path, err)
	}
	if n > 0 {
		res.Status = StatusUnchanged
		return res, nil
	}
	if skip, err := skipForgotten(ctx, db, &res); skip || err != nil {
		return res, err
	}
	beforeRead(path)
	sheets, enc, closeStreams, err := in.streams(src.Encoding)
	if err != nil {
		return fail(err)
	}
	defer closeStreams()
	res.Encoding = enc

	conn, err := db.Conn(ctx)
	if err != nil {
		return res, fmt.Errorf("storing %q: %w", res.Path, err)
	}
	defer conn.Close()
	keep := opts.KeepPersonalData && src.Kind == KindCases
	snap := snapshotDate(path)
	if isText(path) && !keep && pipeCSV {
		loaded, err := loadPiped(ctx, conn, opts, src, mapper, sheets, &res, size, snap)
		if err != nil {
			return res, fmt.Errorf("storing %q: %w", res.Path, err)
		}
		if loaded {
			res.Status, res.Loader = StatusLoaded, "read_csv"
			return res, nil
		}
		if res.Err != nil {
			return res, nil
		}
		// DuckDB could not read what Go wrote (a cell past read_csv's line limit, say):
		// the file is read again through the Appender, which has no such limit.
		opts.Logger.Warn("read_csv refused a file's rows; loading it through the Appender", "file", res.Path)
		closeStreams()
		if sheets, _, closeStreams, err = in.streams(src.Encoding); err != nil {
			return fail(err)
		}
		defer closeStreams()
		res = FileResult{Source: res.Source, Path: res.Path, SHA256: res.SHA256, Encoding: res.Encoding, Skipped: map[string]int{}}
	}

	table := rawTables[src.Kind]
	tmp, tmpPersonal := "tmp_"+table, ""
	if err := createTemp(ctx, conn, table); err != nil {
		return res, fmt.Errorf("storing %q: %w", res.Path, err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "drop table if exists "+tmp)
	if keep {
		tmpPersonal = "tmp_raw_case_personal"
		if err := createTemp(ctx, conn, "raw_case_personal"); err != nil {
			return res, fmt.Errorf("storing %q: %w", res.Path, err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "drop table if exists "+tmpPersonal)
	}
	// Rows stream from the file into the Appender: memory holds the rows of the header
	// scan and the Appender's buffer, never the file.
	var readErr error
	err = conn.Raw(func(dc any) error {
		app, err := duckdb.NewAppender(dc.(driver.Conn), "temp", "main", tmp)
		if err != nil {
			return err
		}
		var personalApp *duckdb.Appender
		if keep {
			if personalApp, err = duckdb.NewAppender(dc.(driver.Conn), "temp", "main", tmpPersonal); err != nil {
				app.Close()
				return err
			}
		}
		shape := shapers{k: opts.Keyer, kind: src.Kind, defaults: src.Defaults, res: &res}
		emit := func(sheetName string, cols []column, r gridRow) error {
			sh := shape.get(cols)
			row := sh.row(sheetName, r)
			row[0] = res.SHA256
			if err := app.AppendRow(row...); err != nil {
				return err
			}
			res.Data++
			if keep {
				p := sh.personalRow(sheetName, r)
				p[0] = res.SHA256
				return personalApp.AppendRow(p...)
			}
			return nil
		}
		readErr = readSheetsInto(sheets, mapper, &res, emit)
		err = app.Close()
		if personalApp != nil {
			if perr := personalApp.Close(); err == nil {
				err = perr
			}
		}
		return err
	})
	if readErr != nil {
		return fail(readErr)
	}
	if err != nil {
		return res, fmt.Errorf("storing %q: %w", res.Path, err)
	}
	insert := func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("insert into %s select * from %s", table, tmp)); err != nil {
			return err
		}
		if tmpPersonal != "" {
			if _, err := tx.ExecContext(ctx, "insert into raw_case_personal select * from "+tmpPersonal); err != nil {
				return err
			}
		}
		return nil
	}
	if err := commitFile(ctx, conn, opts, src, &res, size, snap, insert); err != nil {
		return res, fmt.Errorf("storing %q: %w", res.Path, err)
	}
	res.Status, res.Loader = StatusLoaded, "appender"
	return res, nil
}

// readSheetsInto reads every sheet of a file into res (rows read, skipped by kind,
// unmapped headers), passing each data row to emit as it is read.
func readSheetsInto(sheets []streamSheet, mapper *Mapper, res *FileResult, emit func(string, []column, gridRow) error) error {
	found := false
	var headerless []string
	for _, sh := range sheets {
		l, read, err := readSheet(sh, mapper, res.Skipped, func(cols []column, r gridRow) error { return emit(sh.Name, cols, r) })
		res.Read += read
		if errors.Is(err, ErrNoHeader) {
			headerless = append(headerless, sh.Name)
			continue
		}
		if err != nil {
			return err
		}
		if l.Columns != nil {
			found = true
			res.Unmapped = append(res.Unmapped, l.Unmapped...)
		}
	}
	if !found {
		where := ""
		if len(headerless) > 0 && headerless[0] != "" {
			where = fmt.Sprintf(" (sheets %s)", strings.Join(headerless, ", "))
		}
		return fmt.Errorf("%w%s", ErrNoHeader, where)
	}
	return nil
}

// readSheet reads one sheet as a stream: its first rows find the header, then every
// data row goes to emit as it is read and every other row is counted by kind into
// skipped. It returns the layout and how many rows it read. A sheet with no header
// (ErrNoHeader) has all its rows counted as kind "sheet"; an empty sheet returns a zero
// layout and no error.
func readSheet(sh streamSheet, mapper *Mapper, skipped map[string]int, emit func([]column, gridRow) error) (layout, int, error) {
	var head []gridRow
	eof := false
	for len(head) < headerScanRows+2 {
		r, err := sh.Rows.Next()
		if err == io.EOF {
			eof = true
			break
		}
		if err != nil {
			return layout{}, len(head), fmt.Errorf("sheet %q: %w", sh.Name, err)
		}
		head = append(head, r)
	}
	if len(head) == 0 && sh.Keys == nil {
		return layout{}, 0, nil
	}
	read := len(head)
	rest := func(each func(gridRow) error) error {
		for !eof {
			r, err := sh.Rows.Next()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("sheet %q: %w", sh.Name, err)
			}
			read++
			if err := each(r); err != nil {
				return err
			}
		}
		return nil
	}
	l, err := detectLayout(mapper, sheet{Name: sh.Name, Rows: head, Keys: sh.Keys, Blank: sh.Blank})
	if errors.Is(err, ErrNoHeader) {
		if rerr := rest(func(gridRow) error { return nil }); rerr != nil {
			return layout{}, read, rerr
		}
		skipped["sheet"] += read
		return layout{}, read, err
	}
	if err != nil {
		return layout{}, read, fmt.Errorf("sheet %q: %w", sh.Name, err)
	}
	read += sh.Blank
	for k, v := range l.Skipped {
		skipped[k] += v
	}
	for _, r := range l.Data {
		if err := emit(l.Columns, r); err != nil {
			return l, read, err
		}
	}
	err = rest(func(r gridRow) error {
		kind := ""
		// JSON has no title, totals or footer rows, and a row with a problem is
		// quarantined as it is, never taken for one.
		if sh.Keys == nil && r.Problem == "" {
			kind = rowKind(r.Cells)
		}
		if kind != "" {
			skipped[kind]++
			return nil
		}
		return emit(l.Columns, r)
	})
	return l, read, err
}

// createTemp makes a connection-local temp table shaped like table.
func createTemp(ctx context.Context, conn *sql.Conn, table string) error {
	_, err := conn.ExecContext(ctx, fmt.Sprintf("create or replace temp table tmp_%s as select * from %s limit 0", table, table))
	return err
}

// commitFile moves a file's appended rows into the raw tables and registers the file in
// one transaction: a file is either wholly loaded or absent, whatever stops the process.
//
// insert stores the rows inside the transaction; res must be complete when it returns.
func commitFile(ctx context.Context, conn *sql.Conn, opts Options, src SourceConfig, res *FileResult, size int64, snap *time.Time, insert func(*sql.Tx) error) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := insert(tx); err != nil {
		return err
	}
	var exporter any
	if src.Unit != "" {
		exporter = src.Unit
	}
	var snapshot any
	if snap != nil {
		snapshot = *snap
	}
	unmapped := res.Unmapped
	if unmapped == nil {
		unmapped = []string{}
	}
	unmappedJSON, err := json.Marshal(unmapped)
	if err != nil {
		return err
	}
	defaults, err := defaultsApplied(src, res)
	if err != nil {
		return err
	}
	dateOrder := src.DateOrder
	if dateOrder == "" {
		dateOrder = DateOrderYMD
	}
	if _, err := tx.ExecContext(ctx, `insert into ingest_files values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		res.SHA256, src.Name, src.Kind, src.Level, exporter, res.Path, size, res.Encoding, snapshot,
		opts.Now().In(shanghai).Format("2006-01-02 15:04:05"), res.Read, res.Data,
		res.Skipped[SkipTitle], res.Skipped[SkipHeader], res.Skipped[SkipBlank], res.Skipped[SkipTotals],
		res.Skipped[SkipFooter], res.Skipped["sheet"], string(unmappedJSON), defaults, dateOrder); err != nil {
		return err
	}
	return tx.Commit()
}

// DefaultApplied is one default a file took: the field, its value and the rows it filled.
type DefaultApplied struct {
	Field string `json:"field"`
	Value string `json:"value"`
	Rows  int    `json:"rows"`
}

// defaultsApplied is the ingest_files.defaults_applied of a file: every default of its
// source, by field, with the rows it filled (0 where every row had a value); nil when the
// source has none.
func defaultsApplied(src SourceConfig, res *FileResult) (any, error) {
	if len(src.Defaults) == 0 {
		return nil, nil
	}
	fields := make([]string, 0, len(src.Defaults))
	for f := range src.Defaults {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	out := make([]DefaultApplied, 0, len(fields))
	for _, f := range fields {
		out = append(out, DefaultApplied{Field: f, Value: src.Defaults[f], Rows: res.Defaults[f]})
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}
