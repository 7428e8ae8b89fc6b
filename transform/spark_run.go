package transform

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/minqing/minqing/engine/spark"
	"github.com/minqing/minqing/transform/dialect"
)

// SparkEngine runs the models from case versions to figures (sparkModels) on an Apache
// Spark cluster instead of the store (the config's engine: {kind: spark}, issue 16).
// Loading, staging, the reference tables and everything after the figures (case lists,
// units' exports, audit flags, quarantine, the data tests) stay in the store; the tables
// Spark builds come back into it as Arrow, so every reader reads them as it does when
// DuckDB builds them.
type SparkEngine struct {
	// Connect is the Spark Connect server, sc://host:port.
	Connect string
	// Lake is a folder every node of the cluster reaches at this path: the staging rows
	// go to Lake/staging/<table>, and Spark writes each model table to Lake/models/<table>.
	Lake string
	// TempDir holds the Arrow results as Parquet while the store reads them in; default
	// the system's temporary folder.
	TempDir string
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
	t := time.Now()
	note("writing the staging rows to the lake for Spark")
	if err := WriteSparkInputs(ctx, tx, in); err != nil {
		return err
	}
	opts.Logger.Debug("staging written for Spark", "lake", lake, "duration", time.Since(t).Round(time.Millisecond))
	s, err := spark.Dial(ctx, e.Connect)
	if err != nil {
		return fmt.Errorf("connecting to the Spark cluster (engine.connect): %w", err)
	}
	defer s.Close()
	t = time.Now()
	if err := buildOnSpark(ctx, s, in, out, opts.Logger, opts.OnModel); err != nil {
		return err
	}
	opts.Logger.Info("models built on Spark", "connect", e.Connect, "duration", time.Since(t).Round(time.Millisecond))
	tmp, err := os.MkdirTemp(e.TempDir, "minqing-spark-")
	if err != nil {
		return fmt.Errorf("making a folder for Spark's results: %w", err)
	}
	defer os.RemoveAll(tmp)
	for _, table := range sparkOutputs {
		note("reading " + table + " back from Spark")
		t := time.Now()
		n, err := loadFromSpark(ctx, tx, s, table, tmp)
		if err != nil {
			return err
		}
		opts.Logger.Debug("table read back from Spark", "table", table, "rows", n, "duration", time.Since(t).Round(time.Millisecond))
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

// loadFromSpark copies a table BuildOnSpark made into the store under the same name: its
// rows come over Spark Connect as Arrow, and go through a Parquet file in tmp, which keeps
// every type (DATE, wall-clock TIMESTAMP, lists) as DuckDB reads it.
func loadFromSpark(ctx context.Context, tx *sql.Tx, s *spark.Session, table, tmp string) (int64, error) {
	tbl, err := s.Query(ctx, "select * from "+table)
	if err != nil {
		return 0, fmt.Errorf("reading %s back from Spark: %w", table, err)
	}
	defer tbl.Release()
	path := filepath.Join(tmp, table+".parquet")
	f, err := os.Create(path)
	if err != nil {
		return 0, fmt.Errorf("writing %s from Spark to %s: %w", table, path, err)
	}
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy))
	// the writer would close f itself; f is closed here, where its error is seen
	err = pqarrow.WriteTable(tbl, struct{ io.Writer }{f}, 1<<20, props, pqarrow.DefaultWriterProps())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("writing %s from Spark to %s: %w", table, path, err)
	}
	if err := checkLakePath(path); err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`create or replace table %s as select * from read_parquet('%s')`, table, path)); err != nil {
		return 0, fmt.Errorf("storing %s from Spark: %w", table, err)
	}
	if err := os.Remove(path); err != nil {
		return 0, fmt.Errorf("removing %s: %w", path, err)
	}
	return tbl.NumRows(), nil
}

// readerView is a statement that makes a lasting view or a macro: what a model leaves in
// the store for readers, besides its tables.
var readerView = regexp.MustCompile(`(?is)^\s*create\s+or\s+replace\s+(macro\s+\w+|view\s+(\w+))`)

// readerViews makes in the store the views and macros a Spark model defines for readers,
// from the model's DuckDB statements, except for the views Spark built as tables
// (SparkOutputs): each reads only tables Spark built and the reference tables.
func readerViews(ctx context.Context, tx *sql.Tx, name string) error {
	b, err := fs.ReadFile(modelFS, name)
	if err != nil {
		return fmt.Errorf("reading model %s: %w", name, err)
	}
	stmts, err := dialect.Split(string(b), dialect.DuckDB)
	if err != nil {
		return fmt.Errorf("reading model %s: %w", name, err)
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
