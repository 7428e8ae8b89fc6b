package transform

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/minqing/minqing/engine/spark"
	"github.com/minqing/minqing/transform/dialect"
)

// SparkEngine runs the models from case versions to figures (sparkModels) on an Apache
// Spark cluster instead of the store (the config's engine: {kind: spark}, issue 16).
// Loading, staging, the reference tables and everything after the figures (case lists,
// units' exports, audit flags, quarantine, the data tests) stay in the store; the tables
// Spark builds come back into it from the lake, so every reader reads them as it does
// when DuckDB builds them.
type SparkEngine struct {
	// Connect is the Spark Connect server, sc://host:port.
	Connect string
	// Lake is a folder the store and every node of the cluster reach at this path: the
	// staging rows go to Lake/staging/<table>, Spark writes each model table to
	// Lake/models/<table>, and the store reads them from there.
	Lake string
}

// isSparkModel says whether a model file runs on Spark under a SparkEngine.
func isSparkModel(name string) bool { return slices.Contains(sparkModels, name) }

// buildWithSpark builds the Spark models on e's cluster from the store's staging rows and
// reference tables, and replaces the store's tables of SparkOutputs with what Spark
// built. Then it makes, in the store, the views and macros those models define for
// readers (cases, case_versions, case_figure_values, …) over those tables, from the same
// model files. Spark builds whole, so the run must be a full one (dropDerived done).
func buildWithSpark(ctx context.Context, tx *sql.Tx, opts Options) error {
	e := opts.Spark
	note := func(what string) {
		if opts.OnModel != nil {
			opts.OnModel(what)
		}
	}
	lake, err := filepath.Abs(e.Lake)
	if err != nil {
		return fmt.Errorf("resolving the lake folder %q: %w", e.Lake, err)
	}
	in, out := filepath.Join(lake, "staging"), filepath.Join(lake, "models")
	// the cluster first: a wrong address fails before anything is written
	s, err := spark.Dial(ctx, e.Connect)
	if err != nil {
		return fmt.Errorf("connecting to the Spark cluster (engine.connect): %w", err)
	}
	defer s.Close()
	t := time.Now()
	note("writing the staging rows to the lake for Spark")
	if err := WriteSparkInputs(ctx, tx, in); err != nil {
		return err
	}
	opts.Logger.Debug("staging written for Spark", "lake", lake, "duration", time.Since(t).Round(time.Millisecond))
	t = time.Now()
	if err := buildOnSpark(ctx, s, in, out, opts.Logger, opts.OnModel); err != nil {
		return err
	}
	opts.Logger.Info("models built on Spark", "connect", e.Connect, "duration", time.Since(t).Round(time.Millisecond))
	for _, table := range sparkOutputs {
		note("reading " + table + " from Spark's Parquet")
		t := time.Now()
		n, err := loadFromLake(ctx, tx, table, out)
		if err != nil {
			return err
		}
		opts.Logger.Debug("table read from Spark's Parquet", "table", table, "rows", n, "duration", time.Since(t).Round(time.Millisecond))
	}
	for _, name := range sparkModels {
		if err := readerViews(ctx, tx, name); err != nil {
			return err
		}
	}
	// the run's summary counts the cases it touched: on Spark, all of them
	if _, err := tx.ExecContext(ctx, `create or replace temp table mq_cases_touched as select distinct case_key from case_versions_all`); err != nil {
		return fmt.Errorf("counting the cases built on Spark: %w", err)
	}
	return nil
}

// loadFromLake copies a table BuildOnSpark wrote to out/<table> into the store under
// the same name. The store reads the Parquet files Spark's executors wrote, from the lake
// it wrote Spark's inputs to: over Spark Connect as Arrow, every row would pass through
// the Connect server's driver, whose 1 GiB heap ran out collecting the tables of 100,000
// cases, and again collecting the figures alone of 1,000,000 (docs/scale.md). Spark writes TIMESTAMP_NTZ as wall-clock time, which the
// store reads as TIMESTAMP, and arrays as lists.
func loadFromLake(ctx context.Context, tx *sql.Tx, table, out string) (int64, error) {
	path := filepath.Join(out, table)
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`create or replace table %s as select * from read_parquet('%s/*.parquet')`, table, path)); err != nil {
		return 0, fmt.Errorf("storing %s from Spark's %s: %w", table, path, err)
	}
	var n int64
	if err := tx.QueryRowContext(ctx, "select count(*) from "+table).Scan(&n); err != nil {
		return 0, fmt.Errorf("counting %s from Spark: %w", table, err)
	}
	return n, nil
}

// readerView is a statement that makes a lasting view or a macro: what a model leaves in
// the store for readers, besides its tables.
var readerView = regexp.MustCompile(`(?is)^\s*create\s+or\s+replace\s+(macro\s+\w+|view\s+(\w+))`)

// readerViews makes in the store the views and macros a Spark model defines for readers,
// from the model's DuckDB statements, except for the views Spark built as tables
// (SparkOutputs): each reads only tables Spark built and the reference tables.
func readerViews(ctx context.Context, tx *sql.Tx, name string) error {
	stmts, err := duckdbStatements(modelFS, name)
	if err != nil {
		return err
	}
	for _, st := range stmts {
		m := readerView.FindStringSubmatch(dialect.Code(st.SQL))
		if m == nil || (m[2] != "" && slices.Contains(sparkOutputs, strings.ToLower(m[2]))) {
			continue
		}
		if _, err := tx.ExecContext(ctx, st.SQL); err != nil {
			return fmt.Errorf("building model %s's views over Spark's tables (statement %d): %w", name, st.No, err)
		}
	}
	return nil
}
