package transform_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
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

// TestModelsOnSpark builds the models written for both engines (case versions,
// conflicts, cases, periods) on the Spark cluster from the fixture district's staging
// rows, and finds every table row for row, value for value, what DuckDB built from the
// same rows: the model files are one definition on two engines (issue 16). Then it builds
// them again and kills a worker with -9 a few seconds in: Spark re-runs the lost tasks on
// the other worker, and the tables come out the same.
//
// It needs a Spark Connect server: scripts/spark-cluster start, then
// MINQING_SPARK_CONNECT=sc://127.0.0.1:15002 (.ci/run does both).
func TestModelsOnSpark(t *testing.T) {
	url := sparktest.URL(t)
	db := fixtureStore(t)
	ctx := context.Background()
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	if err := transform.WriteSparkInputs(ctx, db, in); err != nil {
		t.Fatal(err)
	}
	s, err := spark.Dial(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	out := filepath.Join(dir, "out")
	start := time.Now()
	if err := transform.BuildOnSpark(ctx, s, in, out, testLogger(t)); err != nil {
		t.Fatal(err)
	}
	t.Logf("built on Spark in %v", time.Since(start).Round(time.Millisecond))
	sameAsDuckDB(t, db, out)

	t.Run("worker killed", func(t *testing.T) {
		script := sparktest.Script(t)
		out := filepath.Join(dir, "out-killed")
		done := make(chan error, 1)
		start := time.Now()
		go func() { done <- transform.BuildOnSpark(ctx, s, in, out, testLogger(t)) }()
		killAfter := 4 * time.Second
		select {
		case err := <-done:
			t.Fatalf("the build ended after %v (%v), before the worker was killed; kill it sooner", time.Since(start), err)
		case <-time.After(killAfter):
		}
		t.Logf("%v: %s", killAfter, sparktest.KillWorker(t, script, 1))
		if err := <-done; err != nil {
			t.Fatalf("with worker 1 killed at %v: %v", killAfter, err)
		}
		t.Logf("built on Spark in %v with worker 1 killed at %v", time.Since(start).Round(time.Millisecond), killAfter)
		sameAsDuckDB(t, db, out)
	})
}

// sameAsDuckDB holds every table BuildOnSpark wrote under out to the store's own.
func sameAsDuckDB(t *testing.T, db *sql.DB, out string) {
	t.Helper()
	ctx := context.Background()
	for _, table := range transform.SparkOutputs() {
		cols := columnsOf(t, db, table)
		spark := fmt.Sprintf("read_parquet('%s/*.parquet')", filepath.Join(out, table))
		var n, onlyDuck, onlySpark int
		q := fmt.Sprintf(`select (select count(*) from %[1]s),
			(select count(*) from (select %[3]s from %[1]s except all select %[3]s from %[2]s)),
			(select count(*) from (select %[3]s from %[2]s except all select %[3]s from %[1]s))`, table, spark, cols)
		if err := db.QueryRowContext(ctx, q).Scan(&n, &onlyDuck, &onlySpark); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		if onlyDuck != 0 || onlySpark != 0 {
			t.Errorf("%s: %d rows on DuckDB only, %d on Spark only (of %d)", table, onlyDuck, onlySpark, n)
			var sample string
			db.QueryRowContext(ctx, fmt.Sprintf(`select cast(x as varchar) from (select %[3]s from %[1]s except all select %[3]s from %[2]s) x limit 1`, table, spark, cols)).Scan(&sample)
			t.Logf("%s, a DuckDB row Spark lacks: %s", table, sample)
			db.QueryRowContext(ctx, fmt.Sprintf(`select cast(x as varchar) from (select %[3]s from %[2]s except all select %[3]s from %[1]s) x limit 1`, table, spark, cols)).Scan(&sample)
			t.Logf("%s, a Spark row DuckDB lacks: %s", table, sample)
		}
		if table != "case_conflicts" && n == 0 {
			t.Errorf("%s is empty: the comparison proves nothing", table)
		}
		t.Logf("%s: %d rows alike on both engines", table, n)
	}
}

// columnsOf lists a table's columns, quoted, in the store's order.
func columnsOf(t *testing.T, db *sql.DB, table string) string {
	t.Helper()
	rows, err := db.Query(`select column_name from duckdb_columns() where table_name = ? and schema_name = 'main' order by column_index`, table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, `"`+c+`"`)
	}
	if len(cols) == 0 {
		t.Fatalf("%s has no columns in the store", table)
	}
	return strings.Join(cols, ", ")
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
