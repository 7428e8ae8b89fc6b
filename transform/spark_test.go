package transform_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/minqing/minqing/engine/spark"
	"github.com/minqing/minqing/internal/sparktest"
	"github.com/minqing/minqing/transform"
	"github.com/minqing/minqing/transform/dialect"
)

// TestRunOnSpark transforms the fixture district with the models from case versions to
// figures on the Spark cluster (Options.Spark, the config's engine: spark), and kills a
// worker with -9 once Spark has begun: Spark re-runs the lost tasks on the other worker
// and the run finishes. Then every figure equals the generator's truth, as it does on
// DuckDB (TestOracle), and every table and view a reader reads is, row for row and value
// for value, what DuckDB builds from the same exports: the model files are one definition
// on two engines (issue 16). A second run with nothing new does no work; a run back on
// DuckDB rebuilds everything, and the same.
//
// It needs a Spark Connect server: scripts/spark-cluster start, then
// MINQING_SPARK_CONNECT=sc://127.0.0.1:15002 (.ci/run does both).
func TestRunOnSpark(t *testing.T) {
	url := sparktest.URL(t)
	script := sparktest.Script(t)
	ctx := context.Background()
	duck := fixtureStore(t)
	db, opts, truth := fixtureLoaded(t)
	lake := filepath.Join(t.TempDir(), "lake")
	opts.Spark = &transform.SparkEngine{Connect: url, Lake: lake}
	opts.Logger = testLogger(t)

	// kill worker 1 two seconds after Spark writes its first table
	killed := make(chan string, 1)
	stop := make(chan struct{})
	go func() {
		defer close(killed)
		for {
			select {
			case <-stop:
				return
			case <-time.After(200 * time.Millisecond):
			}
			if es, _ := os.ReadDir(filepath.Join(lake, "models")); len(es) > 0 {
				time.Sleep(2 * time.Second)
				killed <- sparktest.KillWorker(t, script, 1)
				return
			}
		}
	}()
	start := time.Now()
	sum, err := transform.Run(ctx, db, opts)
	close(stop)
	if err != nil {
		t.Fatal(err)
	}
	k, ok := <-killed
	if !ok {
		t.Fatalf("the run ended after %v before a worker was killed", time.Since(start))
	}
	t.Logf("transformed on Spark in %v (%s); worker 1: %s", time.Since(start).Round(time.Millisecond), sum.Mode, k)
	if sum.Mode != "full" || sum.Cases == 0 {
		t.Errorf("summary %+v, want a full run with cases", sum)
	}

	// every figure is the truth's
	checked, diffs := 0, 0
	rows, err := db.QueryContext(ctx, `select period_id, unit_code, figure_id, value from figure_values where dim = 'all'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var period, unit, id string
		var v sql.NullFloat64
		if err := rows.Scan(&period, &unit, &id, &v); err != nil {
			t.Fatal(err)
		}
		want, ok := truth.Figures[period][unit]
		if !ok {
			continue // a period the truth does not list (a month without cases, say)
		}
		w := want[id]
		checked++
		if (w == nil) != !v.Valid || (w != nil && math.Abs(*w-v.Float64) > 1e-9) {
			if diffs++; diffs <= 20 {
				t.Errorf("%s %s %s: Spark %v (%v), truth %v", period, unit, id, v.Float64, v.Valid, fmtPtr(w))
			}
		}
	}
	rows.Close()
	want := 0
	for _, units := range truth.Figures {
		for _, figs := range units {
			want += len(figs)
		}
	}
	if checked != want {
		t.Errorf("%d figures checked against the truth, which has %d", checked, want)
	}
	t.Logf("%d figures equal the truth", checked)

	// every table and view a reader reads is DuckDB's
	for _, table := range readTables {
		if d, sp := columnTypes(t, duck, table), columnTypes(t, db, table); d != sp {
			t.Errorf("%s: columns on DuckDB %s\n  on Spark %s", table, d, sp)
		}
		n, h := tableDigest(t, duck, table)
		sn, sh := tableDigest(t, db, table)
		if n != sn || h != sh {
			d, sp := tableRows(t, duck, table), tableRows(t, db, table)
			t.Errorf("%s: %d rows on DuckDB, %d on Spark, and they differ:\n  DuckDB only: %v\n  Spark only: %v",
				table, n, sn, firstMissing(d, sp, 2), firstMissing(sp, d, 2))
			continue
		}
		if n == 0 && table != "case_conflicts" && table != "quarantine" {
			t.Errorf("%s is empty: the comparison proves nothing", table)
		}
	}

	again, err := transform.Run(ctx, db, opts)
	if err != nil {
		t.Fatal(err)
	}
	if again.Mode != "unchanged" {
		t.Errorf("a second run with nothing new was %q, want unchanged", again.Mode)
	}

	// back on DuckDB: the change of engine rebuilds everything, the same again
	opts.Spark = nil
	back, err := transform.Run(ctx, db, opts)
	if err != nil {
		t.Fatalf("back on DuckDB: %v", err)
	}
	if back.Mode != "full" {
		t.Errorf("the run back on DuckDB was %q, want full", back.Mode)
	}
	for _, table := range readTables {
		n, h := tableDigest(t, duck, table)
		if bn, bh := tableDigest(t, db, table); bn != n || bh != h {
			t.Errorf("back on DuckDB, %s: %d rows, DuckDB's own build %d, and they differ", table, bn, n)
		}
	}
}

// readTables are the tables and views the store's readers (reports, dashboards, explain,
// stats, audits) read, whichever engine built them.
var readTables = []string{"case_versions_all", "case_versions", "case_conflicts", "cases_all", "cases", "periods",
	"case_periods", "case_period_facts", "unit_figure_parts", "unit_figure_days", "case_figure_cells",
	"case_figure_values", "activity_figure_values", "figure_values", "case_figure_changes",
	"activity_figure_changes", "figure_changes", "figure_cases", "unit_exports", "audit_flags", "quarantine",
	"source_accounting"}

// readable is what of a table the comparison reads: all but the time a file was loaded.
func readable(table string) string {
	if table == "source_accounting" {
		return "(select * exclude (loaded_at) from source_accounting)"
	}
	return table
}

// columnTypes is a table's or view's columns, with their types, in order.
func columnTypes(t *testing.T, db *sql.DB, table string) string {
	t.Helper()
	var s sql.NullString
	if err := db.QueryRow(`select string_agg(column_name || ' ' || data_type, ', ' order by column_index)
		from duckdb_columns() where schema_name = 'main' and table_name = ?`, table).Scan(&s); err != nil {
		t.Fatalf("listing %s's columns: %v", table, err)
	}
	if !s.Valid {
		t.Fatalf("%s has no columns", table)
	}
	return s.String
}

// tableDigest is a table's row count and a digest of its rows as text (column names,
// order and values), whatever order they are stored in.
func tableDigest(t *testing.T, db *sql.DB, table string) (int, string) {
	t.Helper()
	var n int
	var h sql.NullString
	if err := db.QueryRow(`select count(*), md5(string_agg(r, chr(10) order by r)) from (select cast(x as varchar) as r from `+readable(table)+` x)`).Scan(&n, &h); err != nil {
		t.Fatalf("digesting %s: %v", table, err)
	}
	return n, h.String
}

// tableRows is a table's rows as text, as tableDigest reads them.
func tableRows(t *testing.T, db *sql.DB, table string) []string {
	t.Helper()
	rows, err := db.Query(`select cast(x as varchar) as r from ` + readable(table) + ` x`)
	if err != nil {
		t.Fatalf("reading %s: %v", table, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// firstMissing is up to n rows of a that b does not have (as many times).
func firstMissing(a, b []string, n int) []string {
	left := map[string]int{}
	for _, r := range b {
		left[r]++
	}
	var out []string
	for _, r := range a {
		if left[r] > 0 {
			left[r]--
			continue
		}
		if out = append(out, r); len(out) == n {
			break
		}
	}
	return out
}

func fmtPtr(p *float64) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprint(*p)
}

// TestMacrosAgree runs the macros the shared models call on both engines, DuckDB's
// (sql/00_macros.sql) and Spark's (dialect/spark/00_macros.sql), over the same texts:
// the fixture district's descriptions and the edges of white space, punctuation,
// full-width forms and case, and finds the same result for every one.
func TestMacrosAgree(t *testing.T) {
	url := sparktest.URL(t)
	db := fixtureStore(t)
	ctx := context.Background()
	texts := []string{"", " ", "　", "\t\n\v\f\r", "Ａ，Ｂ。Ｃ！", "１２３：－／．", "İstanbul ΣΑΣ ß", "办理（已）【完成】“好”",
		"a-b_c~d$e+f=g|h<i>j^k`l", "emoji 😀 ✔ ☎", "\u00a0nbsp\u2003em\u3000ideo", "mixed Case ABC", "x\u200bzero-width",
		"ΟΔΟΣ ǅ Ⅻ ﬃ", "\u1680a\u202f", "\u0085a\t", "a\u2028", " 全角 ", "１２：３０"}
	rows, err := db.QueryContext(ctx, `select distinct description from stg_cases where description is not null order by 1 limit 2000`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			t.Fatal(err)
		}
		texts = append(texts, d)
	}
	rows.Close()
	s, err := spark.Dial(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, q := range dialect.SparkSettings {
		if err := s.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	macros, err := dialect.SparkMacros()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range macros {
		if err := s.Exec(ctx, m.SQL); err != nil {
			t.Fatal(err)
		}
	}
	// one query per engine over all texts, each a literal
	var lits []string
	for i, x := range texts {
		lits = append(lits, fmt.Sprintf("(%d, '%s')", i, strings.ReplaceAll(x, "'", "''")))
	}
	q := `select i, mq_fold(x), mq_desc_key(x), r.file_id || '|' || r.sheet || '|' || cast(r.row_no as string)
		from (select i, x, mq_row_ref(x, 'S', i) as r from (values %s) t(i, x)) order by i`
	duck := map[int][3]sql.NullString{}
	drows, err := db.QueryContext(ctx, fmt.Sprintf(q, strings.Join(lits, ", ")))
	if err != nil {
		t.Fatal(err)
	}
	for drows.Next() {
		var i int
		var v [3]sql.NullString
		if err := drows.Scan(&i, &v[0], &v[1], &v[2]); err != nil {
			t.Fatal(err)
		}
		duck[i] = v
	}
	drows.Close()
	tbl, err := s.Query(ctx, fmt.Sprintf(q, strings.Join(lits, ", ")))
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	got := arrowStrings(t, tbl)
	if len(got) != len(texts) {
		t.Fatalf("Spark gave %d rows for %d texts", len(got), len(texts))
	}
	names := []string{"mq_fold", "mq_desc_key", "mq_row_ref"}
	for i, x := range texts {
		for k := 0; k < 3; k++ {
			d := duck[i][k]
			sp := got[i][k+1]
			if d.Valid != sp.Valid || d.String != sp.String {
				t.Errorf("%s(%q): DuckDB %q (%v), Spark %q (%v)", names[k], x, d.String, d.Valid, sp.String, sp.Valid)
			}
		}
	}
}

// arrowStrings is every row of tbl as text (NULL not valid), column by column.
func arrowStrings(t *testing.T, tbl arrow.Table) [][]sql.NullString {
	t.Helper()
	r := array.NewTableReader(tbl, -1)
	defer r.Release()
	var out [][]sql.NullString
	for r.Next() {
		rec := r.Record()
		for i := 0; i < int(rec.NumRows()); i++ {
			row := make([]sql.NullString, rec.NumCols())
			for c := range row {
				col := rec.Column(c)
				if !col.IsNull(i) {
					row[c] = sql.NullString{String: col.ValueStr(i), Valid: true}
				}
			}
			out = append(out, row)
		}
	}
	return out
}

// testLogger sends debug logs to the test's log.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// TestRunOnSparkUnreachable: with engine: spark and no server at the address, the run
// stops with an error that names the setting and the address, and the store keeps what it
// had (the run's transaction is rolled back). No cluster needed.
func TestRunOnSparkUnreachable(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the fixture district")
	}
	db, opts, _ := fixtureLoaded(t)
	opts.Spark = &transform.SparkEngine{Connect: "sc://127.0.0.1:1", Lake: filepath.Join(t.TempDir(), "lake")}
	start := time.Now()
	_, err := transform.Run(context.Background(), db, opts)
	if err == nil {
		t.Fatal("the run succeeded with no Spark server")
	}
	for _, want := range []string{"engine.connect", "sc://127.0.0.1:1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
	t.Logf("failed in %v: %v", time.Since(start).Round(time.Millisecond), err)
	var n int
	if err := db.QueryRow(`select count(*) from duckdb_tables() where table_name in ('cases_all', 'stg_cases', 'figure_values')`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d of the run's tables are in the store after it failed", n)
	}
}
