package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/minqing/minqing/transform"
)

// lakeTableOf is how a test reads a table of the lake: partitioned tables through their
// hive partitions, with month and township as strings, as the manifest tells readers.
func lakeTableOf(dir, table string, extra string) string {
	if !lakePartitioned[table] {
		return fmt.Sprintf(`read_parquet(%s%s)`, sqlString(filepath.Join(dir, table)+"/*.parquet"), extra)
	}
	return fmt.Sprintf(`read_parquet(%s, hive_partitioning = true, hive_types = {'month': VARCHAR, 'township': VARCHAR}%s)`,
		sqlString(filepath.Join(dir, table)+"/**/*.parquet"), extra)
}

// lakePartitioned are the tables partitioned by month and township.
var lakePartitioned = map[string]bool{"cases": true, "case_versions": true, "visits": true, "services": true, "figures": true}

// lakeStoreTables pairs each table of the lake with the store's table it comes from.
var lakeStoreTables = map[string]string{
	"cases": "cases", "case_versions": "case_versions", "visits": "visits", "services": "services",
	"figures": "figure_values", "units": "ref_units", "unit_tree": "ref_unit_tree", "periods": "periods",
}

// TestExport writes the fixture district's store as a Parquet lake and reads it back
// with DuckDB: every table has the store's rows, the figures are the store's to the
// bit, every row sits in the partition of its month and township, no personal column
// leaves, a second export replaces the first whole, and a folder that is not an export
// is refused.
func TestExport(t *testing.T) {
	cfg, truth := district(t)
	dir := filepath.Join(t.TempDir(), "lake")
	out := string(minqing(t, "export", "--config", cfg, "--parquet", dir))
	if !strings.Contains(out, "parquet lake: "+dir+"\n") {
		t.Errorf("the output does not say where the lake is:\n%s", out)
	}

	counts := checkLake(t, cfg, dir)
	for table, n := range counts {
		if line := lineWith(out, " "+table+" "); !strings.Contains(line, fmt.Sprintf(" %d rows", n)) {
			t.Errorf("output line for %s %q does not give its %d rows", table, line, n)
		}
	}

	// The township of every unit, from the generator's register: a village's is its
	// parent, a township's itself, the district's itself.
	t.Run("townships", func(t *testing.T) {
		want := map[string]string{}
		for _, u := range truth.Units {
			switch u.Level {
			case transform.LevelVillage:
				want[u.Code] = u.Parent
			default:
				want[u.Code] = u.Code
			}
		}
		got := lakeStrings(t, cfg, `select code, township from `+lakeTableOf(dir, "units", ""))
		if len(got) != len(want) {
			t.Errorf("units: %d in the lake, %d in the register", len(got), len(want))
		}
		for code, tw := range want {
			if got[code] != tw {
				t.Errorf("unit %s: township %q, want %q", code, got[code], tw)
			}
		}
		// A few rows, by the folder they sit in: a village's case under its township,
		// the district's figures under the district's own code.
		var district transform.Unit
		for _, u := range truth.Units {
			if u.Level == transform.LevelDistrict {
				district = u
			}
		}
		for _, q := range []struct{ what, query, month, township string }{
			{"a village's case",
				`select filename, strftime(received_date, '%Y-%m'), unit_code from ` + lakeTableOf(dir, "cases", ", filename = true") +
					` where unit_code in (select code from ref_units where level = 'village') order by case_key limit 3`, "", ""},
			{"a township's own case",
				`select filename, strftime(received_date, '%Y-%m'), unit_code from ` + lakeTableOf(dir, "cases", ", filename = true") +
					` where unit_code in (select code from ref_units where level = 'township') order by case_key limit 3`, "", ""},
			{"a version",
				`select l.filename, strftime(c.received_date, '%Y-%m'), c.unit_code from ` + lakeTableOf(dir, "case_versions", ", filename = true") +
					` l join cases c using (case_key) order by l.file_id, l.sheet, l.row_no limit 3`, "", ""},
			{"a visit",
				`select filename, strftime(visited_on, '%Y-%m'), unit_code from ` + lakeTableOf(dir, "visits", ", filename = true") + ` order by all limit 3`, "", ""},
			{"a service activity",
				`select filename, strftime(served_on, '%Y-%m'), unit_code from ` + lakeTableOf(dir, "services", ", filename = true") + ` order by all limit 3`, "", ""},
			{"a district figure of a quarter",
				`select l.filename, strftime(p.start_date, '%Y-%m'), l.unit_code from ` + lakeTableOf(dir, "figures", ", filename = true") +
					` l join periods p using (period_id) where l.unit_code = '` + district.Code + `' and p.kind = 'quarter' order by all limit 3`, "", ""},
		} {
			rows := lakeRows(t, cfg, q.query)
			if len(rows) == 0 {
				t.Errorf("%s: no rows", q.what)
			}
			for _, r := range rows {
				file, month, unit := r[0], r[1], r[2]
				tw := want[unit]
				if unit == district.Code && tw != district.Code {
					t.Errorf("the district's township is %q", tw)
				}
				part := fmt.Sprintf("%cmonth=%s%ctownship=%s%c", filepath.Separator, month, filepath.Separator, tw, filepath.Separator)
				if !strings.Contains(file, part) {
					t.Errorf("%s of unit %s, month %s, is in %s, want a folder …%s…", q.what, unit, month, file, part)
				}
			}
		}
	})

	// The second export replaces the first whole: a partition that only the first had
	// (a file copied into a month of its own) is gone, and nothing is counted twice.
	t.Run("replaces", func(t *testing.T) {
		var some string
		filepath.WalkDir(filepath.Join(dir, "cases"), func(path string, d fs.DirEntry, err error) error {
			if err == nil && some == "" && strings.HasSuffix(path, ".parquet") {
				some = path
			}
			return err
		})
		stray := filepath.Join(dir, "cases", "month=1999-01", "township="+truth.Units[1].Code, "data_0.parquet")
		copyFile(t, some, stray)
		first := manifestOf(t, dir)
		minqing(t, "export", "--config", cfg, "--parquet", dir)
		if _, err := os.Stat(filepath.Dir(stray)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("the first export's partition %s is still there (%v)", filepath.Dir(stray), err)
		}
		for _, leftover := range []string{dir + ".tmp", dir + ".old"} {
			if _, err := os.Stat(leftover); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%s left behind (%v)", leftover, err)
			}
		}
		again := checkLake(t, cfg, dir)
		for table, n := range counts {
			if again[table] != n {
				t.Errorf("%s: %d rows after the second export, %d after the first", table, again[table], n)
			}
		}
		if second := manifestOf(t, dir); second.ConfigHash != first.ConfigHash {
			t.Errorf("config hash %s, then %s", first.ConfigHash, second.ConfigHash)
		}
	})

	t.Run("refuses", func(t *testing.T) {
		other := t.TempDir()
		notes := filepath.Join(other, "notes.txt")
		if err := os.WriteFile(notes, []byte("someone's work"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := minqingErr("export", "--config", cfg, "--parquet", other)
		if err == nil || !strings.Contains(err.Error(), other) || !strings.Contains(err.Error(), "not empty") {
			t.Fatalf("export into a folder that holds other files: %v, want an error naming %s", err, other)
		}
		entries, _ := os.ReadDir(other)
		if len(entries) != 1 {
			t.Errorf("the refused folder now holds %d entries", len(entries))
		}
		if _, err := os.Stat(other + ".tmp"); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("a refused export wrote %s.tmp", other)
		}
		if _, err := minqingErr("export", "--config", cfg, "--parquet", notes); err == nil || !strings.Contains(err.Error(), notes) {
			t.Errorf("export onto a file: %v, want an error naming %s", err, notes)
		}
		if _, err := minqingErr("export", "--config", cfg); err == nil || !strings.Contains(err.Error(), "--parquet") {
			t.Errorf("export without --parquet: %v", err)
		}
		// DIR.tmp left by a stopped export is cleared; one that is someone else's is refused
		stopped := filepath.Join(t.TempDir(), "lake")
		copyFile(t, notes, filepath.Join(stopped+".tmp", "cases", "month=2024-01", "junk.parquet"))
		if err := os.WriteFile(filepath.Join(stopped+".tmp", lakeIncomplete), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		minqing(t, "export", "--config", cfg, "--parquet", stopped)
		if _, err := os.Stat(stopped + ".tmp"); !errors.Is(err, fs.ErrNotExist) || !isLake(stopped) {
			t.Errorf("after a stopped export: %s.tmp still there (%v), or no lake in %s", stopped, err, stopped)
		}
		foreign := filepath.Join(t.TempDir(), "lake")
		copyFile(t, notes, filepath.Join(foreign+".tmp", "notes.txt"))
		if _, err := minqingErr("export", "--config", cfg, "--parquet", foreign); err == nil || !strings.Contains(err.Error(), foreign+".tmp") {
			t.Errorf("export next to a foreign %s.tmp: %v, want an error naming it", foreign, err)
		}
		if _, err := os.Stat(filepath.Join(foreign+".tmp", "notes.txt")); err != nil {
			t.Errorf("the foreign %s.tmp was touched: %v", foreign, err)
		}
		// an empty folder is fine
		empty := t.TempDir()
		minqing(t, "export", "--config", cfg, "--parquet", empty)
		if !isLake(empty) {
			t.Errorf("no lake written into the empty folder %s", empty)
		}
	})
}

// checkLake holds the lake in dir to the store of cfg and returns its row counts.
func checkLake(t *testing.T, cfg, dir string) map[string]int64 {
	t.Helper()
	p, err := openPipeline(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	db := p.db
	one := func(q string) int64 {
		t.Helper()
		var n int64
		if err := db.QueryRow(q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}

	m := manifestOf(t, dir)
	hash, err := transform.NewReader(db).ConfigHash(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if m.Format != lakeFormat || m.ConfigHash != hash {
		t.Errorf("manifest: format %q, config hash %q; want %q, %q", m.Format, m.ConfigHash, lakeFormat, hash)
	}
	counts := map[string]int64{}
	listed := map[string]bool{}
	for _, e := range m.Tables {
		listed[e.Name] = true
		storeTable, ok := lakeStoreTables[e.Name]
		if !ok {
			t.Errorf("manifest lists %s, which the test does not know", e.Name)
			continue
		}
		want := one(`select count(*) from ` + storeTable)
		got := one(`select count(*) from ` + lakeTableOf(dir, e.Name, ""))
		if got != want || e.Rows != want {
			t.Errorf("%s: %d rows in the lake, %d in the manifest, %d in the store's %s", e.Name, got, e.Rows, want, storeTable)
		}
		if want == 0 {
			t.Errorf("%s: the fixtures left it empty; the test checks nothing", e.Name)
		}
		counts[e.Name] = got
		if lakePartitioned[e.Name] != (strings.Join(e.PartitionBy, ",") == "month,township") {
			t.Errorf("%s: partitioned by %v", e.Name, e.PartitionBy)
		}
		// No personal column: the clear fields, descriptions, staff and households, and
		// the pointers an auditor's copy unmasks from; a citizen only hashed or masked.
		cols := queryText(t, db, `select column_name from (describe select * from `+lakeTableOf(dir, e.Name, "")+`)`)
		for _, c := range cols {
			name := c[0]
			switch {
			case name == "citizen_name" || name == "citizen_phone" || name == "citizen_id" || name == "description" ||
				name == "handler" || name == "visitor" || name == "household" || name == "citizen_ref" || name == "description_ref":
				t.Errorf("%s: personal column %s in the lake", e.Name, name)
			case strings.Contains(name, "citizen") && name != "citizen_key" && !strings.HasSuffix(name, "_masked"):
				t.Errorf("%s: column %s names citizens and is neither the keyed hash nor a mask", e.Name, name)
			}
		}
	}
	for name := range lakeStoreTables {
		if !listed[name] {
			t.Errorf("manifest does not list %s", name)
		}
	}
	if n := one(`select count(*) from ` + lakeTableOf(dir, "cases", "") + ` where citizen_name_masked not like '%*%' or citizen_phone_masked not like '%*%'`); n > 0 {
		t.Errorf("cases: %d rows with a citizen not masked", n)
	}

	// The figures are the store's, every row to the bit, and so is their sum for dim 'all'.
	const figCols = `unit_code, period_id, dim, dim_value, figure_id, value, numerator, denominator`
	for _, q := range []string{
		`select count(*) from (select ` + figCols + ` from figure_values except all select ` + figCols + ` from ` + lakeTableOf(dir, "figures", "") + `)`,
		`select count(*) from (select ` + figCols + ` from ` + lakeTableOf(dir, "figures", "") + ` except all select ` + figCols + ` from figure_values)`,
	} {
		if n := one(q); n != 0 {
			t.Errorf("%d figure rows differ between the store and the lake", n)
		}
	}
	sums := func(from string) map[string]float64 {
		s := map[string]float64{}
		for _, r := range queryText(t, db, `select figure_id, cast(coalesce(sum(value), 0) as varchar) from `+from+` where dim = 'all' group by all`) {
			var v float64
			fmt.Sscan(r[1], &v)
			s[r[0]] = v
		}
		return s
	}
	store, lake := sums("figure_values"), sums(lakeTableOf(dir, "figures", ""))
	if len(store) == 0 || len(store) != len(lake) {
		t.Errorf("figures: %d in the store, %d in the lake", len(store), len(lake))
	}
	for id, v := range store {
		if math.Abs(lake[id]-v) > 1e-9*math.Max(1, math.Abs(v)) {
			t.Errorf("figure %s: the lake sums to %v for dim 'all', the store to %v", id, lake[id], v)
		}
	}

	// Every row in the partition of its month and township, by the register's tree.
	const tw = `tw as (select u.code, coalesce((select a.code from ref_unit_tree t join ref_units a on a.code = t.ancestor
	  where t.code = u.code and a.level = 'township'), u.code) as township from ref_units u)`
	for _, q := range []struct{ table, query string }{
		{"cases", `with ` + tw + ` select count(*) from ` + lakeTableOf(dir, "cases", "") + ` l join cases c using (case_key) join tw on tw.code = c.unit_code
			where l.month is distinct from strftime(c.received_date, '%Y-%m') or l.township is distinct from tw.township`},
		{"case_versions", `with ` + tw + ` select count(*) from ` + lakeTableOf(dir, "case_versions", "") + ` l join cases c using (case_key) join tw on tw.code = c.unit_code
			where l.month is distinct from strftime(c.received_date, '%Y-%m') or l.township is distinct from tw.township`},
		{"visits", `with ` + tw + ` select count(*) from ` + lakeTableOf(dir, "visits", "") + ` l join tw on tw.code = l.unit_code
			where l.month is distinct from strftime(l.visited_on, '%Y-%m') or l.township is distinct from tw.township`},
		{"services", `with ` + tw + ` select count(*) from ` + lakeTableOf(dir, "services", "") + ` l join tw on tw.code = l.unit_code
			where l.month is distinct from strftime(l.served_on, '%Y-%m') or l.township is distinct from tw.township`},
		{"figures", `with ` + tw + ` select count(*) from ` + lakeTableOf(dir, "figures", "") + ` l join periods p using (period_id) join tw on tw.code = l.unit_code
			where l.month is distinct from strftime(p.start_date, '%Y-%m') or l.township is distinct from tw.township or l.period_kind is distinct from p.kind`},
	} {
		if n := one(q.query); n != 0 {
			t.Errorf("%s: %d rows in another month or township than theirs", q.table, n)
		}
	}
	return counts
}

// lakeRows runs a query on the config's store and returns every row as text.
func lakeRows(t *testing.T, cfg, query string) [][]string {
	t.Helper()
	p, err := openPipeline(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	return queryText(t, p.db, query)
}

func queryText(t *testing.T, db *sql.DB, query string) [][]string {
	t.Helper()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		r := make([]string, len(cols))
		for i, v := range vals {
			r[i] = v.String
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// lakeStrings runs a two-column query and maps the first column to the second.
func lakeStrings(t *testing.T, cfg, query string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, r := range lakeRows(t, cfg, query) {
		m[r[0]] = r[1]
	}
	return m
}

func manifestOf(t *testing.T, dir string) lakeManifestDoc {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, lakeManifest))
	if err != nil {
		t.Fatal(err)
	}
	var m lakeManifestDoc
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", lakeManifest, err)
	}
	return m
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}
