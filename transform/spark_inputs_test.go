package transform_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/minqing/minqing/transform"
)

// TestSparkInputsPartitioned writes the fixture district's staging rows, visits and
// services to the Spark lake (WriteSparkInputs) and reads them back with DuckDB: the
// partitioned tables are hive folders month=YYYY-MM/township=CODE holding exactly the
// store's rows, each under its own date's month and its unit's township; a quarantined
// row without a receipt date or unit sits under __HIVE_DEFAULT_PARTITION__, which DuckDB
// reads as NULL; and a table without rows is one file that still has every column.
func TestSparkInputsPartitioned(t *testing.T) {
	if testing.Short() {
		t.Skip("transforms the fixture district")
	}
	ctx := context.Background()
	db := fixtureStore(t)
	dir := filepath.Join(t.TempDir(), "staging")
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	// services empty; the other tables as the fixtures make them
	if _, err := tx.ExecContext(ctx, `delete from services`); err != nil {
		t.Fatal(err)
	}
	if err := transform.WriteSparkInputs(ctx, tx, dir); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ table, month string }{{"stg_cases", "received_at"}, {"visits", "visited_on"}} {
		path := filepath.Join(dir, c.table)
		months, _ := filepath.Glob(filepath.Join(path, "month=*"))
		parts, _ := filepath.Glob(filepath.Join(path, "month=*", "township=*", "*.parquet"))
		if len(months) < 12 || len(parts) < len(months) {
			t.Fatalf("%s: %d month folders and %d files, want a year's months and files under month=/township=", c.table, len(months), len(parts))
		}
		// the rows read back equal the store's, and each sits in its own partition
		lake := fmt.Sprintf(`read_parquet('%s/**/*.parquet', hive_partitioning = true, hive_types = {'month': VARCHAR, 'township': VARCHAR})`, path)
		digest := func(q string) (n int, h string) {
			t.Helper()
			if err := tx.QueryRowContext(ctx, `select count(*), md5(string_agg(r, chr(10) order by r)) from (select cast(x as varchar) as r from (`+q+`) x)`).Scan(&n, &h); err != nil {
				t.Fatalf("digesting %s: %v", q, err)
			}
			return n, h
		}
		sn, sh := digest("select * from " + c.table)
		ln, lh := digest("select * exclude (month, township) from " + lake)
		if sn != ln || sh != lh {
			t.Errorf("%s: the store has %d rows (%s), the lake %d (%s)", c.table, sn, sh, ln, lh)
		}
		var misplaced, nullMonth int
		q := fmt.Sprintf(`with %s select
		  count(*) filter (where l.month is distinct from strftime(l.%[2]s, '%%Y-%%m') or l.township is distinct from coalesce(ut.township, l.unit_code)),
		  count(*) filter (where l.month is null)
		from %[3]s l left join unit_township ut on ut.unit_code = l.unit_code`, transform.UnitTownshipSQL, c.month, lake)
		if err := tx.QueryRowContext(ctx, q).Scan(&misplaced, &nullMonth); err != nil {
			t.Fatal(err)
		}
		if misplaced != 0 {
			t.Errorf("%s: %d rows outside their month's and township's partition", c.table, misplaced)
		}
		// and, without the rule itself: a unit's partition is a township that is the unit
		// or its parent, or the district itself
		var wrongTownship int
		if err := tx.QueryRowContext(ctx, fmt.Sprintf(`select count(*) from %s l join ref_units u on u.code = l.unit_code
		  where not ((u.level in ('township', 'district') and l.township = u.code)
		    or (u.level = 'village' and l.township = u.parent))`, lake)).Scan(&wrongTownship); err != nil {
			t.Fatal(err)
		}
		if wrongTownship != 0 {
			t.Errorf("%s: %d rows under a township that is not their unit's", c.table, wrongTownship)
		}
		var want int
		if err := tx.QueryRowContext(ctx, fmt.Sprintf(`select count(*) from %s where %s is null`, c.table, c.month)).Scan(&want); err != nil {
			t.Fatal(err)
		}
		if nullMonth != want {
			t.Errorf("%s: %d rows under month=__HIVE_DEFAULT_PARTITION__, the store has %d without a %s", c.table, nullMonth, want, c.month)
		}
		if c.table == "stg_cases" && want == 0 {
			t.Errorf("the fixtures have no staging row without a receipt date: the NULL partition is not tested")
		}
		t.Logf("%s: %d rows in %d files under %d months; %d without a month", c.table, ln, len(parts), len(months), nullMonth)
	}
	// no rows: one file with the store's columns and month and township
	es, err := os.ReadDir(filepath.Join(dir, "services"))
	if err != nil || len(es) != 1 || es[0].Name() != "empty.parquet" {
		t.Fatalf("services without rows: %v, %v; want one empty.parquet", es, err)
	}
	var cols string
	if err := tx.QueryRowContext(ctx, fmt.Sprintf(`select string_agg(name, ',') from parquet_schema('%s') where name <> 'duckdb_schema'`,
		filepath.Join(dir, "services", "empty.parquet"))).Scan(&cols); err != nil {
		t.Fatal(err)
	}
	var want string
	if err := tx.QueryRowContext(ctx, `select string_agg(column_name, ',' order by ordinal_position) from information_schema.columns where table_name = 'services'`).Scan(&want); err != nil {
		t.Fatal(err)
	}
	if cols != want+",month,township" {
		t.Errorf("services without rows has columns %s, want %s,month,township", cols, want)
	}
	// the reference tables are whole
	for _, ref := range []string{"ref_units", "ref_unit_tree", "ref_calendar", "ref_settings"} {
		parts, _ := filepath.Glob(filepath.Join(dir, ref, "month=*"))
		files, _ := filepath.Glob(filepath.Join(dir, ref, "*.parquet"))
		if len(parts) > 0 || len(files) == 0 {
			t.Errorf("%s: %d partition folders and %d files, want no partitions", ref, len(parts), len(files))
		}
	}
}
