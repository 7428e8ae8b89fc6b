// Package store opens minqing's embedded DuckDB database. It owns the open settings
// (nothing is ever downloaded at run time) and turns DuckDB's file lock into a plain
// error. It must not import any stage.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/duckdb/duckdb-go/v2"
)

// ErrHeld means another process holds the database file; DuckDB allows one process per
// file, so a one-shot command must wait for (or go through) the process that holds it.
var ErrHeld = errors.New("store is held by another process")

var pidRE = regexp.MustCompile(`PID (\d+)`)

// Open opens (creating if needed) the database at path; "" opens an in-memory store.
// Extensions are never installed or loaded automatically: a government intranet has no
// internet, and the bundled ones (json, parquet, icu) are all minqing uses.
func Open(ctx context.Context, path string) (*sql.DB, error) {
	return OpenWith(ctx, path, Settings{})
}

// Settings bound what the store may use of the machine.
type Settings struct {
	// MemoryLimit caps DuckDB's buffer memory ("4GB"; "" = DefaultMemoryLimit): work
	// past it spills to TempDir instead of growing, so a city's transform fits beside
	// everything else on the machine.
	MemoryLimit string
	// TempDir is where that work spills ("" = DuckDB's own: the store's path + ".tmp").
	TempDir string
}

// DefaultMemoryLimit is the memory cap of a store whose config sets none.
const DefaultMemoryLimit = "4GB"

// OpenWith opens the store at path with settings s.
func OpenWith(ctx context.Context, path string, s Settings) (*sql.DB, error) {
	if s.MemoryLimit == "" {
		s.MemoryLimit = DefaultMemoryLimit
	}
	// A new store's folder is made, as the config's out folder is: a config naming
	// data/minqing.duckdb should not fail with DuckDB's "No such file or directory".
	if dir := filepath.Dir(path); path != "" && path != ":memory:" && dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("creating the store's folder %q: %w", dir, err)
		}
	}
	q := url.Values{}
	q.Set("autoinstall_known_extensions", "false")
	q.Set("autoload_known_extensions", "false")
	q.Set("memory_limit", s.MemoryLimit)
	if s.TempDir != "" {
		q.Set("temp_directory", s.TempDir)
	}
	connector, err := duckdb.NewConnector(path+"?"+q.Encode(), nil)
	if err != nil {
		return nil, classify(path, err)
	}
	db := sql.OpenDB(connector)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, classify(path, err)
	}
	for _, q := range []string{"SET TimeZone = 'Asia/Shanghai'"} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			db.Close()
			return nil, fmt.Errorf("configuring store %q: %w", path, err)
		}
	}
	return db, nil
}

// HeldError is ErrHeld with what holds the store, as far as the OS tells.
type HeldError struct {
	Path    string
	PID     int    // 0 when the lock did not say
	Command string // the holder's command line ("" when the OS does not tell)
	Program string // the holder's program, as DuckDB's lock message names it
}

func (e *HeldError) Error() string {
	who := "another process"
	if e.PID != 0 {
		who = "process " + strconv.Itoa(e.PID)
	}
	switch {
	case e.Command != "":
		who += " (" + e.Command + ")"
	case e.Program != "":
		who += " (" + e.Program + ")"
	}
	stop := "stop that process"
	if e.PID != 0 {
		stop = fmt.Sprintf("stop it (Ctrl-C where it runs, or kill %d)", e.PID)
	}
	return fmt.Sprintf("opening store %q: %v: %s has it open. DuckDB lets one process at a time use a store: "+
		"wait for that command to finish, or, if it is `minqing schedule` or `minqing serve`, %s and run this command again",
		e.Path, ErrHeld, who, stop)
}

// Unwrap makes errors.Is(err, ErrHeld) true.
func (e *HeldError) Unwrap() error { return ErrHeld }

// procRoot is where the OS tells about processes (Linux); a test points it elsewhere.
var procRoot = "/proc"

// heldRE reads DuckDB's lock message: `Conflicting lock is held in /usr/bin/minqing (PID 123)`.
var heldRE = regexp.MustCompile(`held in (.+?) \(PID (\d+)\)`)

func classify(path string, err error) error {
	msg := err.Error()
	if strings.Contains(msg, "Could not set lock") || strings.Contains(msg, "Conflicting lock") {
		h := &HeldError{Path: path}
		if m := heldRE.FindStringSubmatch(msg); m != nil {
			h.Program = m[1]
			h.PID, _ = strconv.Atoi(m[2])
		} else if m := pidRE.FindStringSubmatch(msg); m != nil {
			h.PID, _ = strconv.Atoi(m[1])
		}
		if h.PID != 0 {
			h.Command = commandLine(h.PID)
		}
		return h
	}
	return fmt.Errorf("opening store %q: %w", path, err)
}

// commandLine is the command line of process pid as /proc tells it, arguments joined by
// spaces, "" where the OS does not tell (another OS, another user's process).
func commandLine(pid int) string {
	b, err := os.ReadFile(filepath.Join(procRoot, strconv.Itoa(pid), "cmdline"))
	if err != nil || len(b) == 0 {
		return ""
	}
	args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
	line := strings.Join(args, " ")
	if r := []rune(line); len(r) > 200 {
		line = string(r[:200]) + "…"
	}
	return line
}
