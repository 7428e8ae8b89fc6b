package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/minqing/minqing/engine/spark"
	"github.com/minqing/minqing/fixtures"
	"github.com/minqing/minqing/internal/sparktest"
)

// TestLakeOnSpark reads the lake `minqing export --parquet` writes with Apache Spark, the
// engine a province runs the models on (issue 16): the lake is the interface, so Spark
// must read it as DuckDB does. Every table has the manifest's rows; month and township
// come back as strings and timestamps as wall-clock TIMESTAMP_NTZ; every figure is the
// store's to the bit after the trip through Spark and Arrow; and received and closed,
// counted again on Spark from the lake's cases, unit tree and periods, are the lake's
// figures for every unit and period.
//
// It needs a Spark Connect server: scripts/spark-cluster start, then
// MINQING_SPARK_CONNECT=sc://127.0.0.1:15002 (.ci/run does both; under CI=true a missing
// one fails the test).
func TestLakeOnSpark(t *testing.T) {
	url := sparktest.URL(t)
	cfg, _ := district(t)
	dir := filepath.Join(t.TempDir(), "lake")
	minqing(t, "export", "--config", cfg, "--parquet", dir)
	m := manifestOf(t, dir)

	ctx := context.Background()
	s, err := spark.Dial(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// The session reads partition folders' values as strings whatever the cluster's
	// default, as the manifest tells every reader to: township 330199001000 is a code.
	if err := s.Exec(ctx, "SET spark.sql.sources.partitionColumnTypeInference.enabled=false"); err != nil {
		t.Fatal(err)
	}

	for _, e := range m.Tables {
		view := "lake_" + e.Name
		path := filepath.Join(dir, e.Path)
		if strings.ContainsAny(path, `'\`) {
			t.Fatalf("the lake's path %q needs quoting the test does not do", path)
		}
		if err := s.Exec(ctx, fmt.Sprintf("CREATE OR REPLACE TEMPORARY VIEW %s USING parquet OPTIONS (path '%s')", view, path)); err != nil {
			t.Fatalf("%s: %v", e.Name, err)
		}
		n := sparkInt(t, s, "select count(*) from "+view)
		if n != e.Rows {
			t.Errorf("%s: Spark reads %d rows, the manifest says %d", e.Name, n, e.Rows)
		}
		schema := sparkSchema(t, s, "select * from "+view+" limit 0")
		for _, c := range e.PartitionBy {
			f, ok := schema.FieldsByName(c)
			if !ok || f[0].Type.ID() != arrow.STRING {
				t.Errorf("%s: partition column %s is %v on Spark, want a string", e.Name, c, f)
			}
		}
		for _, f := range schema.Fields() {
			if ts, ok := f.Type.(*arrow.TimestampType); ok && ts.TimeZone != "" {
				t.Errorf("%s.%s is an instant on Spark (%s), want wall-clock time (TIMESTAMP_NTZ)", e.Name, f.Name, ts)
			}
		}
	}

	t.Run("figures to the bit", func(t *testing.T) {
		type key struct{ unit, period, dim, value, figure string }
		type vals struct{ value, num, den *float64 }
		fromSpark := map[key]vals{}
		tbl := sparkQuery(t, s, `select unit_code, period_id, dim, dim_value, figure_id, value, numerator, denominator from lake_figures`)
		defer tbl.Release()
		rd := array.NewTableReader(tbl, 0)
		defer rd.Release()
		for rd.Next() {
			rec := rd.RecordBatch()
			str := func(i int) *array.String { return rec.Column(i).(*array.String) }
			flt := func(i, row int) *float64 {
				c := rec.Column(i).(*array.Float64)
				if c.IsNull(row) {
					return nil
				}
				v := c.Value(row)
				return &v
			}
			for r := 0; r < int(rec.NumRows()); r++ {
				k := key{str(0).Value(r), str(1).Value(r), str(2).Value(r), str(3).Value(r), str(4).Value(r)}
				fromSpark[k] = vals{flt(5, r), flt(6, r), flt(7, r)}
			}
		}
		p, err := openPipeline(ctx, cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		rows, err := p.db.QueryContext(ctx, `select unit_code, period_id, dim, dim_value, figure_id, value, numerator, denominator from figure_values`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		same := func(a, b *float64) bool {
			return (a == nil) == (b == nil) && (a == nil || math.Float64bits(*a) == math.Float64bits(*b))
		}
		stored, diffs := 0, 0
		for rows.Next() {
			var k key
			var v vals
			if err := rows.Scan(&k.unit, &k.period, &k.dim, &k.value, &k.figure, &v.value, &v.num, &v.den); err != nil {
				t.Fatal(err)
			}
			stored++
			got, ok := fromSpark[k]
			if !ok || !same(got.value, v.value) || !same(got.num, v.num) || !same(got.den, v.den) {
				if diffs++; diffs <= 5 {
					t.Errorf("%+v: through Spark %v (%v), in the store %s %s %s", k, fmtPtr(got.value), ok, fmtPtr(v.value), fmtPtr(v.num), fmtPtr(v.den))
				}
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if stored != len(fromSpark) || stored == 0 {
			t.Errorf("%d figures in the store, %d through Spark", stored, len(fromSpark))
		}
	})

	// received and closed counted on Spark from the cases, summed up the unit tree (a
	// unit's own row is in it at depth 0), against the lake's own figures: a unit and
	// period without any such case has 0 there and no row here.
	for _, c := range []struct{ figure, date, where string }{
		{"received", "received_date", "true"},
		{"closed", "closed_date", "c.is_closed"},
	} {
		t.Run(c.figure+" on Spark", func(t *testing.T) {
			q := fmt.Sprintf(`with derived as (
				select t.ancestor as unit_code, p.period_id, count(*) as n
				from lake_cases c
				join lake_unit_tree t on t.code = c.unit_code
				join lake_periods p on c.%[1]s between p.start_date and p.end_date
				where %[2]s
				group by t.ancestor, p.period_id
			), published as (
				select unit_code, period_id, cast(value as bigint) as n from lake_figures
				where dim = 'all' and figure_id = '%[3]s' and value <> 0
			)
			select count(*) from derived d full join published f using (unit_code, period_id)
			where d.n is null or f.n is null or d.n <> f.n`, c.date, c.where, c.figure)
			if n := sparkInt(t, s, q); n != 0 {
				t.Errorf("%s: %d (unit, period) cells where Spark's count from the lake's cases differs from the lake's figure", c.figure, n)
			}
			if n := sparkInt(t, s, fmt.Sprintf(`select count(*) from lake_figures where dim = 'all' and figure_id = '%s' and value > 0`, c.figure)); n == 0 {
				t.Errorf("%s: no unit has any, the comparison proves nothing", c.figure)
			}
		})
	}
}

// sparkQuery runs a query on Spark and returns its result.
func sparkQuery(t *testing.T, s *spark.Session, q string) arrow.Table {
	t.Helper()
	tbl, err := s.Query(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

// sparkInt runs a query of one integer (a count) on Spark.
func sparkInt(t *testing.T, s *spark.Session, q string) int64 {
	t.Helper()
	tbl := sparkQuery(t, s, q)
	defer tbl.Release()
	if tbl.NumRows() != 1 || tbl.NumCols() != 1 {
		t.Fatalf("%s: %d rows of %d columns, want one number", q, tbl.NumRows(), tbl.NumCols())
	}
	col := tbl.Column(0).Data().Chunk(0)
	for _, ch := range tbl.Column(0).Data().Chunks() {
		if ch.Len() > 0 {
			col = ch
		}
	}
	switch c := col.(type) {
	case *array.Int64:
		return c.Value(0)
	case *array.Int32:
		return int64(c.Value(0))
	}
	t.Fatalf("%s: a %s, want an integer", q, col.DataType())
	return 0
}

// sparkSchema is the Arrow schema of a query's result on Spark.
func sparkSchema(t *testing.T, s *spark.Session, q string) *arrow.Schema {
	t.Helper()
	tbl := sparkQuery(t, s, q)
	defer tbl.Release()
	return tbl.Schema()
}

// TestDemoOnSpark runs the demo as the README's "Scaling past one machine" does, with the
// figures computed on the Spark cluster (minqing demo --spark, engine: spark in the
// config), and holds every figure of every period `stats` then prints to the generator's
// truth: the oracle test on Spark through the command line, config to outputs.
//
// It needs a Spark Connect server: scripts/spark-cluster start, then
// MINQING_SPARK_CONNECT=sc://127.0.0.1:15002 (.ci/run does both).
func TestDemoOnSpark(t *testing.T) {
	url := sparktest.URL(t)
	if testing.Short() {
		t.Skip("runs the pipeline")
	}
	truth, err := fixtures.Generate(t.TempDir(), fixtures.Options{Seed: 1}) // the demo's district
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "demo")
	minqing(t, "demo", "--dir", dir, "--spark", url)
	cfg := filepath.Join(dir, "minqing.yaml")
	if _, err := os.Stat(filepath.Join(dir, "minqing.duckdb.lake", "models", "figure_values")); err != nil {
		t.Fatalf("the lake holds no figures from Spark: %v", err)
	}
	checked := 0
	for _, p := range truth.Periods {
		checked += compareToTruth(t, cfg, truth, p)
	}
	t.Logf("%d figures from Spark checked over %d periods", checked, len(truth.Periods))
}
