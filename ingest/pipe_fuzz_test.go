package ingest_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/minqing/minqing/ingest"
	"github.com/minqing/minqing/store"
)

// FuzzPipeRoundTrip writes a row as the loader writes it into the pipe and reads it back
// with the loader's read_csv call: every value, NULL, empty and every character survive.
func FuzzPipeRoundTrip(f *testing.F) {
	for _, s := range [][3]string{{"", "a", "\"\""}, {"路灯,不亮\n第二行", "\r", "x\"y"}, {"\x00", " lead", "trail "}, {"\\N", "NULL", "'"}} {
		f.Add(s[0], s[1], s[2], int32(7), true, false)
	}
	db, err := store.Open(context.Background(), "")
	if err != nil {
		f.Fatal(err)
	}
	defer db.Close()
	f.Fuzz(func(t *testing.T, a, b, c string, n int32, flag, nullB bool) {
		for _, s := range []string{a, b, c} {
			if !utf8.ValidString(s) {
				t.Skip("the loader makes every text valid UTF-8 before it is written")
			}
		}
		var bv driver.Value = b
		if nullB {
			bv = nil
		}
		row := []driver.Value{a, bv, n, flag, c}
		path := filepath.Join(t.TempDir(), "row.csv")
		if err := os.WriteFile(path, ingest.AppendCSVRow(nil, row), 0o600); err != nil {
			t.Fatal(err)
		}
		var ga, gc string
		var gb sql.NullString
		var gn int32
		var gf bool
		q := "select * from " + ingest.ReadCSVCall(path, []string{"'a': 'VARCHAR'", "'b': 'VARCHAR'", "'n': 'INTEGER'", "'f': 'BOOLEAN'", "'c': 'VARCHAR'"})
		if err := db.QueryRow(q).Scan(&ga, &gb, &gn, &gf, &gc); err != nil {
			t.Fatalf("reading %q back: %v", ingest.AppendCSVRow(nil, row), err)
		}
		if ga != a || gc != c || gn != n || gf != flag || gb.Valid == nullB || (!nullB && gb.String != b) {
			t.Fatalf("wrote %q, read back %q %v %d %v %q", ingest.AppendCSVRow(nil, row), ga, gb, gn, gf, gc)
		}
	})
}
