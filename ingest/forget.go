package ingest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// StatusForgotten marks a file that was taken back (Forget): it stays out of the store
// although it is still where a source points, until the forget is undone (Unforget).
const StatusForgotten = "forgotten"

// forgetSchema is the register of files taken back: one row per forget, never deleted,
// so an undone forget stays on record with who lifted it and when.
const forgetSchema = `create table if not exists ingest_forgotten (
	file_id varchar not null,        -- SHA-256 of the file's bytes
	source varchar not null,
	kind varchar not null,
	path varchar not null,           -- as registered when it was loaded
	snapshot_date date,
	loaded_at timestamp not null,
	rows_read integer not null,      -- as registered: every row the file held
	rows_removed integer not null,   -- raw rows deleted (data rows of every raw table)
	forgotten_at timestamp not null,
	forgotten_by varchar not null,   -- the OS user who ran the command
	forgotten_by_name varchar,       -- --by: the person it was done for, if given
	reason varchar,
	undone_at timestamp,             -- null while the file stays forgotten
	undone_by varchar,
	undone_by_name varchar
)`

// ErrNotFound means a forget argument names no file (no loaded file, or for an undo no
// forgotten one); ErrAmbiguous that it names several.
var (
	ErrNotFound  = errors.New("no such file")
	ErrAmbiguous = errors.New("names several files")
)

// Forgotten is one record of the register of files taken back.
type Forgotten struct {
	SHA256, Source, Kind, Path string
	Snapshot                   *time.Time
	RowsRead, RowsRemoved      int
	At                         time.Time
	By, ByName, Reason         string
	UndoneAt                   *time.Time
	UndoneBy, UndoneByName     string
}

// Who says who did something: the OS user who ran the command and, optionally, the
// person named with --by.
type Who struct {
	User, Name string
}

// ForgetOptions say which file to take back, who does it, when and why.
type ForgetOptions struct {
	// Arg is the file: its path relative to BaseDir or absolute, its SHA-256, or a
	// unique prefix of at least 8 hex digits of it.
	Arg     string
	BaseDir string
	Who     Who
	Reason  string
	Now     time.Time
	// Also runs inside the forget's transaction after the rows are gone: what else
	// must change with them or not at all (the caller marks its derived figures stale).
	Also func(*sql.Tx) error
}

var hexPrefixRE = regexp.MustCompile(`^[0-9a-fA-F]{8,64}$`)

// resolveFileArg finds the one file_id of table (restricted by where) that arg names: by
// SHA-256 or a prefix of it, else by path (relative to base, or absolute).
func resolveFileArg(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, table, where, arg, base string) (string, error) {
	ids := func(query string, args ...any) ([]string, error) {
		rows, err := q.QueryContext(ctx, query, args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return nil, err
			}
			out = append(out, id)
		}
		return out, rows.Err()
	}
	var found []string
	var err error
	if hexPrefixRE.MatchString(arg) {
		found, err = ids(fmt.Sprintf(`select distinct file_id from %s where %s and starts_with(file_id, ?) order by 1`, table, where), strings.ToLower(arg))
		if err != nil {
			return "", fmt.Errorf("looking up %q: %w", arg, err)
		}
	}
	if len(found) == 0 {
		found, err = ids(fmt.Sprintf(`select distinct file_id from %s where %s and path in (?, ?) order by 1`, table, where), registeredPath(base, arg), filepath.ToSlash(arg))
		if err != nil {
			return "", fmt.Errorf("looking up %q: %w", arg, err)
		}
	}
	switch len(found) {
	case 0:
		return "", fmt.Errorf("%q: %w", arg, ErrNotFound)
	case 1:
		return found[0], nil
	default:
		return "", fmt.Errorf("%q %w (%s): give the SHA-256", arg, ErrAmbiguous, strings.Join(found, ", "))
	}
}

// registeredPath is the form loadFile registers a path under: relative to base with forward
// slashes, or as given when it lies outside base.
func registeredPath(base, path string) string {
	if filepath.IsAbs(path) {
		if rel, err := filepath.Rel(base, path); err == nil && !strings.HasPrefix(rel, "..") {
			path = rel
		}
	}
	return filepath.ToSlash(filepath.Clean(path))
}

// EnsureForgetSchema creates the register of forgotten files if it does not exist.
func EnsureForgetSchema(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, forgetSchema); err != nil {
		return fmt.Errorf("creating the register of forgotten files: %w", err)
	}
	return nil
}

// Forget takes a loaded file back in one transaction: its rows leave every raw table,
// it leaves the file register, and a record of who, when and why is added to
// ingest_forgotten; whatever stops the process, the store is either as before or
// without the file. Later loads leave the file out (StatusForgotten) until Unforget.
// The records of past report runs are not touched. An argument naming no loaded file
// is ErrNotFound, one naming several ErrAmbiguous.
func Forget(ctx context.Context, db *sql.DB, o ForgetOptions) (Forgotten, error) {
	if err := EnsureForgetSchema(ctx, db); err != nil {
		return Forgotten{}, err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return Forgotten{}, fmt.Errorf("forgetting %q: %w", o.Arg, err)
	}
	defer tx.Rollback()
	id, err := resolveFileArg(ctx, tx, "ingest_files", "true", o.Arg, o.BaseDir)
	if errors.Is(err, ErrNotFound) {
		if prior, perr := resolveFileArg(ctx, tx, "ingest_forgotten", "undone_at is null", o.Arg, o.BaseDir); perr == nil {
			return Forgotten{}, fmt.Errorf("%q: already forgotten (%s); `minqing forget --undo` lifts it", o.Arg, prior)
		}
		return Forgotten{}, fmt.Errorf("%w among the loaded files (see `minqing sources`)", err)
	}
	if err != nil {
		return Forgotten{}, err
	}
	f := Forgotten{SHA256: id, At: o.Now, By: o.Who.User, ByName: o.Who.Name, Reason: o.Reason}
	var snap sql.NullTime
	if err := tx.QueryRowContext(ctx, `select source, kind, path, snapshot_date, rows_read from ingest_files where file_id = ?`, id).
		Scan(&f.Source, &f.Kind, &f.Path, &snap, &f.RowsRead); err != nil {
		return Forgotten{}, fmt.Errorf("forgetting %q: %w", o.Arg, err)
	}
	if snap.Valid {
		d := shanghaiWallClock(snap.Time)
		f.Snapshot = &d
	}
	for _, table := range []string{rawTables[KindCases], rawTables[KindVisits], rawTables[KindServices], "raw_case_personal"} {
		r, err := tx.ExecContext(ctx, "delete from "+table+" where file_id = ?", id)
		if err != nil {
			return Forgotten{}, fmt.Errorf("forgetting %q from %s: %w", f.Path, table, err)
		}
		// raw_case_personal holds the same rows as raw_cases, in clear.
		if n, err := r.RowsAffected(); err == nil && table != "raw_case_personal" {
			f.RowsRemoved += int(n)
		}
	}
	if _, err := tx.ExecContext(ctx, `insert into ingest_forgotten
		select file_id, source, kind, path, snapshot_date, loaded_at, rows_read, ?, ?, ?, ?, ?, null, null, null
		from ingest_files where file_id = ?`,
		f.RowsRemoved, forgetStamp(o.Now), f.By, nullIfEmpty(f.ByName), nullIfEmpty(f.Reason), id); err != nil {
		return Forgotten{}, fmt.Errorf("recording the forget of %q: %w", f.Path, err)
	}
	if _, err := tx.ExecContext(ctx, `delete from ingest_files where file_id = ?`, id); err != nil {
		return Forgotten{}, fmt.Errorf("forgetting %q from the register: %w", f.Path, err)
	}
	if o.Also != nil {
		if err := o.Also(tx); err != nil {
			return Forgotten{}, fmt.Errorf("forgetting %q: %w", f.Path, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return Forgotten{}, fmt.Errorf("forgetting %q: %w", f.Path, err)
	}
	return f, nil
}

// Unforget lifts a forget: the record stays, marked undone by who and when, and the
// next load reads the file again if a source still finds it. An argument naming no
// forgotten file is ErrNotFound, one naming several ErrAmbiguous.
func Unforget(ctx context.Context, db *sql.DB, o ForgetOptions) (Forgotten, error) {
	if err := EnsureForgetSchema(ctx, db); err != nil {
		return Forgotten{}, err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return Forgotten{}, fmt.Errorf("undoing the forget of %q: %w", o.Arg, err)
	}
	defer tx.Rollback()
	id, err := resolveFileArg(ctx, tx, "ingest_forgotten", "undone_at is null", o.Arg, o.BaseDir)
	if errors.Is(err, ErrNotFound) {
		return Forgotten{}, fmt.Errorf("%w among the forgotten files", err)
	}
	if err != nil {
		return Forgotten{}, err
	}
	if _, err := tx.ExecContext(ctx, `update ingest_forgotten set undone_at = ?, undone_by = ?, undone_by_name = ?
		where file_id = ? and undone_at is null`, forgetStamp(o.Now), o.Who.User, nullIfEmpty(o.Who.Name), id); err != nil {
		return Forgotten{}, fmt.Errorf("undoing the forget of %q: %w", o.Arg, err)
	}
	fs, err := listForgotten(ctx, tx, "file_id = ?", id)
	if err != nil {
		return Forgotten{}, err
	}
	if err := tx.Commit(); err != nil {
		return Forgotten{}, fmt.Errorf("undoing the forget of %q: %w", o.Arg, err)
	}
	if len(fs) == 0 {
		return Forgotten{}, fmt.Errorf("undoing the forget of %q: its record is gone", o.Arg)
	}
	// Only one forget of a file is in force at a time: the newest is the one lifted.
	return fs[len(fs)-1], nil
}

// ForgottenFiles lists every forget on record, undone ones included, oldest first; none
// when nothing was ever forgotten (the register need not exist).
func ForgottenFiles(ctx context.Context, db *sql.DB) ([]Forgotten, error) {
	ok, err := hasForgetRegister(ctx, db)
	if err != nil || !ok {
		return nil, err
	}
	return listForgotten(ctx, db, "true")
}

func listForgotten(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, where string, args ...any) ([]Forgotten, error) {
	rows, err := q.QueryContext(ctx, `select file_id, source, kind, path, snapshot_date, rows_read, rows_removed,
		forgotten_at, forgotten_by, coalesce(forgotten_by_name, ''), coalesce(reason, ''),
		undone_at, coalesce(undone_by, ''), coalesce(undone_by_name, '')
		from ingest_forgotten where `+where+` order by forgotten_at, path, file_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("reading the register of forgotten files: %w", err)
	}
	defer rows.Close()
	var out []Forgotten
	for rows.Next() {
		var f Forgotten
		var snap, undone sql.NullTime
		if err := rows.Scan(&f.SHA256, &f.Source, &f.Kind, &f.Path, &snap, &f.RowsRead, &f.RowsRemoved,
			&f.At, &f.By, &f.ByName, &f.Reason, &undone, &f.UndoneBy, &f.UndoneByName); err != nil {
			return nil, fmt.Errorf("reading the register of forgotten files: %w", err)
		}
		f.At = shanghaiWallClock(f.At)
		if snap.Valid {
			d := shanghaiWallClock(snap.Time)
			f.Snapshot = &d
		}
		if undone.Valid {
			u := shanghaiWallClock(undone.Time)
			f.UndoneAt = &u
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// skipForgotten marks res StatusForgotten, and says so, when its file was taken back and
// not given back since: loadFile then leaves it out.
func skipForgotten(ctx context.Context, db *sql.DB, res *FileResult) (bool, error) {
	ok, err := hasForgetRegister(ctx, db)
	if err != nil || !ok {
		return false, err
	}
	var n int
	if err := db.QueryRowContext(ctx, `select count(*) from ingest_forgotten where file_id = ? and undone_at is null`, res.SHA256).Scan(&n); err != nil {
		return false, fmt.Errorf("looking up %q among the forgotten files: %w", res.Path, err)
	}
	if n > 0 {
		res.Status = StatusForgotten
	}
	return n > 0, nil
}

// hasForgetRegister says whether ingest_forgotten exists: loads and reads never create it.
func hasForgetRegister(ctx context.Context, db *sql.DB) (bool, error) {
	var n int
	if err := db.QueryRowContext(ctx, `select count(*) from duckdb_tables()
		where database_name = current_database() and schema_name = 'main' and table_name = 'ingest_forgotten'`).Scan(&n); err != nil {
		return false, fmt.Errorf("looking for the register of forgotten files: %w", err)
	}
	return n > 0, nil
}

// forgetStamp is how minqing stores a moment: local time in Asia/Shanghai, to the second.
func forgetStamp(t time.Time) string { return t.In(shanghai).Format("2006-01-02 15:04:05") }

// shanghaiWallClock reads a stored timestamp back as the Shanghai wall time it was written as.
func shanghaiWallClock(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, shanghai)
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
