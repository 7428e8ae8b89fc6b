package transform

import (
	"context"
	"database/sql"
	"io/fs"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	_ "github.com/duckdb/duckdb-go/v2"
)

// FuzzDateParsing drives the SQL date parser (mq_ts in sql/00_macros.sql) with arbitrary
// text: it must never fail the query, and a date it accepts must read back the same when
// written in the canonical form.
func FuzzDateParsing(f *testing.F) {
	for _, s := range []string{"2024-07-03", "2024/7/3 14:05", "2024.7.3", "2024年7月3日", "20240703", "２０２４年７月３日",
		"45476", "45476.5", "2024-07-03 14:05:00", "2024-13-45", "", "  ", "七月三日", "2024-7-3T09:00:00", "9999999"} {
		f.Add(s)
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		f.Fatal(err)
	}
	defer db.Close()
	macros, err := fs.ReadFile(modelFS, "sql/00_macros.sql")
	if err != nil {
		f.Fatal(err)
	}
	if _, err := db.Exec(string(macros)); err != nil {
		f.Fatal(err)
	}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return // ingest turns invalid bytes into U+FFFD and marks the row BAD_ENCODING first
		}
		var got sql.NullTime
		var bad bool
		if err := db.QueryRowContext(ctx, `select mq_ts(?), mq_bad_ts(?)`, s, s).Scan(&got, &bad); err != nil {
			t.Fatalf("mq_ts(%q): %v", s, err)
		}
		if got.Valid == bad && strings.TrimSpace(s) != "" {
			t.Errorf("mq_ts(%q) = %v but mq_bad_ts = %v", s, got, bad)
		}
		if !got.Valid {
			return
		}
		canon := got.Time.Format(time.DateTime)
		var again sql.NullTime
		if err := db.QueryRowContext(ctx, `select mq_ts(?)`, canon).Scan(&again); err != nil || !again.Valid || !again.Time.Equal(got.Time.Truncate(time.Second)) {
			t.Errorf("mq_ts(%q) = %s, which reads back as %v (%v)", s, canon, again, err)
		}
	})
}
