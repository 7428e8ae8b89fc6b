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
	"regexp"
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

func classify(path string, err error) error {
	msg := err.Error()
	if strings.Contains(msg, "Could not set lock") || strings.Contains(msg, "Conflicting lock") {
		who := "another process"
		if m := pidRE.FindStringSubmatch(msg); m != nil {
			who = "process " + m[1]
		}
		return fmt.Errorf("opening store %q: %w: %s has it open (is `minqing schedule` or another minqing command running? stop it or wait for it to finish)", path, ErrHeld, who)
	}
	return fmt.Errorf("opening store %q: %w", path, err)
}
