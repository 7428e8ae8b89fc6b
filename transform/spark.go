package transform

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/minqing/minqing/engine/spark"
	"github.com/minqing/minqing/transform/dialect"
)

// The models that run on Apache Spark as written (issue 16): their files are the one
// definition on both engines, with the differences handled by transform/dialect. On Spark
// every build is whole, from the staging rows and reference tables in a Parquet folder.
// The rest (the case lists, the units' exports, the audit flags) are not written for
// both engines yet (docs/scale.md).
var sparkModels = []string{"sql/30_case_versions.sql", "sql/40_cases.sql", "sql/50_periods.sql", "sql/60_figures.sql",
	"sql/63_activity_figures.sql", "sql/64_figure_changes.sql"}

// sparkInput is a table of the store the Spark models read.
type sparkInput struct {
	table string
	// month is the date column whose month partitions the table's rows in the lake, with
	// the township of its unit_code (UnitTownshipSQL); "" for a reference table, which is
	// written whole.
	month string
}

// sparkInputs are the store's tables the Spark models read; sparkOutputs those they build.
var (
	sparkInputs = []sparkInput{{"stg_cases", "received_at"}, {"visits", "visited_on"}, {"services", "served_on"},
		{"ref_settings", ""}, {"ref_calendar", ""}, {"ref_units", ""}, {"ref_unit_tree", ""}}
	sparkOutputs = []string{"case_versions_all", "case_conflicts", "cases_all", "periods", "case_periods",
		"unit_figure_parts", "unit_figure_days", "case_figure_cells", "activity_figure_values",
		"activity_figure_changes", "figure_values", "figure_changes"}
)

// sparkTuning are session settings for how Spark runs the models, not for what they mean
// (those are dialect.SparkSettings).
var sparkTuning = []string{
	// Spark broadcasts a join's side from the driver when its estimated size is under
	// this; the estimate of a table written as Parquet is its compressed bytes, which the
	// models' tables are many times in memory: at 100,000 cases, a broadcast under Spark's
	// default (10 MB) needed more than the cluster's 1 GiB driver had. The reference
	// tables, which should be broadcast, are far below 1 MB.
	"SET spark.sql.autoBroadcastJoinThreshold=1MB",
}

// SparkOutputs are the tables and views BuildOnSpark writes, in the order the models
// build them: the last two, every figure and its changes, are what reports read.
func SparkOutputs() []string { return append([]string(nil), sparkOutputs...) }

// execer is a store connection or transaction: what writing the Spark inputs needs.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// UnitTownshipSQL is a WITH clause, unit_township(unit_code, township), giving every unit
// of the register its township: its nearest ancestor (or itself) at level township; a
// unit above township level is its own. The lakes partition rows by it.
const UnitTownshipSQL = `unit_township as (
  select u.code as unit_code, coalesce(tw.township, u.code) as township
  from ref_units u left join (
    select t.code, arg_min(t.ancestor, t.depth) as township
    from ref_unit_tree t join ref_units a on a.code = t.ancestor
    where a.level = '` + LevelTownship + `'
    group by t.code) tw on tw.code = u.code)`

// LakePartitions are the partition columns of a partitioned table in a lake, in folder
// order: month=YYYY-MM/township=CODE.
var LakePartitions = []string{"month", "township"}

// hiveNull is the partition value Hive, Spark and DuckDB read as NULL: a staging row
// without a receipt date or a unit (quarantined) sits under month=__HIVE_DEFAULT_PARTITION__.
const hiveNull = "__HIVE_DEFAULT_PARTITION__"

// WriteSparkInputs writes what the Spark models read, the staging rows and the reference
// tables of a transformed store, as Parquet folders dir/<table>, from where every node of
// a cluster that shares dir reads them. The staging rows, visits and services are
// partitioned hive-style by month and township (LakePartitions), as `minqing export
// --parquet` partitions the normalised tables: one layout for both lakes, in which a
// reader filtering on a month or a township reads only its folders. Month and township
// are folder names, not columns in the files; a table without rows is one file,
// empty.parquet, that has them as columns.
// DuckDB writes TIMESTAMP as wall-clock time (isAdjustedToUTC=false), which Spark reads
// as TIMESTAMP_NTZ, as the models need.
func WriteSparkInputs(ctx context.Context, db execer, dir string) error {
	if err := checkLakePath(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("making the Spark input folder %s: %w", dir, err)
	}
	for _, in := range sparkInputs {
		path := filepath.Join(dir, in.table)
		if err := os.RemoveAll(path); err != nil {
			return fmt.Errorf("clearing %s: %w", path, err)
		}
		if err := writeSparkInput(ctx, db, in, path); err != nil {
			return fmt.Errorf("writing %s for Spark to %s: %w", in.table, path, err)
		}
	}
	return nil
}

// writeSparkInput writes one table of sparkInputs to the folder path.
func writeSparkInput(ctx context.Context, db execer, in sparkInput, path string) error {
	if in.month == "" {
		_, err := db.ExecContext(ctx, fmt.Sprintf(`copy (select * from %s) to '%s' (format parquet, per_thread_output)`, in.table, path))
		return err
	}
	rows := fmt.Sprintf(`with %s
select t.*, coalesce(strftime(t.%s, '%%Y-%%m'), '%s') as month, coalesce(ut.township, t.unit_code, '%s') as township
from %s t left join unit_township ut on ut.unit_code = t.unit_code`, UnitTownshipSQL, in.month, hiveNull, hiveNull, in.table)
	// sorted by partition, each partition's rows arrive together and make about one file
	// (unsorted, DuckDB reopens a partition, with a new file, past 100 open ones)
	if _, err := db.ExecContext(ctx, fmt.Sprintf(`copy (select * from (%s) order by month, township) to '%s' (format parquet, partition_by (month, township))`, rows, path)); err != nil {
		return err
	}
	if es, err := os.ReadDir(path); err == nil && len(es) > 0 {
		return nil
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	// no rows, no partition folders: one file holds the columns Spark reads
	if err := os.MkdirAll(path, 0o755); err != nil {
		return err
	}
	_, err := db.ExecContext(ctx, fmt.Sprintf(`copy (%s limit 0) to '%s' (format parquet)`, rows, filepath.Join(path, "empty.parquet")))
	return err
}

// BuildOnSpark builds the Spark models whole on session s from the folders WriteSparkInputs
// wrote under in. Every table a model makes (SparkOutputs and the models' own temp
// tables) is written as a Parquet folder out/<table>, which every node must reach. The
// session's settings and temp views are changed (dialect.SparkSettings); log, if not nil,
// gets each statement's time at debug level.
func BuildOnSpark(ctx context.Context, s *spark.Session, in, out string, log *slog.Logger) error {
	return buildOnSpark(ctx, s, in, out, log, nil)
}

// buildOnSpark is BuildOnSpark telling onModel, if not nil, of each model as it starts.
func buildOnSpark(ctx context.Context, s *spark.Session, in, out string, log *slog.Logger, onModel func(string)) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	for _, p := range []string{in, out} {
		if err := checkLakePath(p); err != nil {
			return err
		}
	}
	for _, q := range append(append([]string(nil), dialect.SparkSettings...), sparkTuning...) {
		if err := s.Exec(ctx, q); err != nil {
			return fmt.Errorf("setting up the Spark session: %w", err)
		}
	}
	macros, err := dialect.SparkMacros()
	if err != nil {
		return fmt.Errorf("reading the Spark macros: %w", err)
	}
	for _, m := range macros {
		if err := s.Exec(ctx, m.SQL); err != nil {
			return fmt.Errorf("defining the Spark macros (statement %d): %w", m.No, err)
		}
	}
	for _, t := range sparkInputs {
		if err := readSparkInput(ctx, s, t, in); err != nil {
			return fmt.Errorf("reading %s from %s on Spark: %w", t.table, in, err)
		}
	}
	// every build on Spark is whole: every file is new, none is gone
	for _, q := range []string{
		"create or replace temporary view mq_files_new as select distinct file_id from stg_cases",
		"create or replace temporary view mq_files_gone as select file_id from stg_cases where false",
	} {
		if err := s.Exec(ctx, q); err != nil {
			return fmt.Errorf("scoping the Spark build: %w", err)
		}
	}
	tr := dialect.NewTranslator()
	written := map[string]bool{} // the tables this build wrote under out
	for _, name := range sparkModels {
		if onModel != nil {
			onModel(name + " (on Spark)")
		}
		b, err := fs.ReadFile(modelFS, name)
		if err != nil {
			return fmt.Errorf("reading model %s: %w", name, err)
		}
		stmts, err := tr.Split(string(b))
		if err != nil {
			return fmt.Errorf("reading model %s: %w", name, err)
		}
		for _, st := range stmts {
			t := time.Now()
			if st.Table == "" {
				err = s.Exec(ctx, st.SQL)
			} else {
				// a temp table is written out and read back: later plans start from its rows
				path := filepath.Join(out, st.Table)
				written[st.Table] = true
				err = s.Exec(ctx, fmt.Sprintf("insert overwrite directory '%s' using parquet %s", path, st.SQL))
				if err == nil {
					err = s.Exec(ctx, fmt.Sprintf("create or replace temporary view %s using parquet options (path '%s')", st.Table, path))
				}
			}
			if err != nil {
				return fmt.Errorf("building model %s on Spark (statement %d): %w", name, st.No, err)
			}
			log.Debug("statement run", "engine", "spark", "model", name, "statement", st.No,
				"duration", time.Since(t).Round(time.Millisecond), "sql", firstLine(dialect.Code(st.SQL)))
		}
	}
	// the views the outputs name are written out too: a table is already
	for _, v := range sparkOutputs {
		if written[v] {
			continue
		}
		path := filepath.Join(out, v)
		t := time.Now()
		if err := s.Exec(ctx, fmt.Sprintf("insert overwrite directory '%s' using parquet select * from %s", path, v)); err != nil {
			return fmt.Errorf("writing %s from Spark to %s: %w", v, path, err)
		}
		log.Debug("view written", "engine", "spark", "view", v, "duration", time.Since(t).Round(time.Millisecond))
	}
	return nil
}

// readSparkInput makes the temp view t.table on s over the folder WriteSparkInputs wrote
// under in. A partitioned table's view leaves out month and township, which Spark reads
// from the folder names (as strings: dialect.SparkSettings), so that the models see the
// store's columns, in the store's order.
func readSparkInput(ctx context.Context, s *spark.Session, t sparkInput, in string) error {
	path := filepath.Join(in, t.table)
	if t.month == "" {
		return s.Exec(ctx, fmt.Sprintf("create or replace temporary view %s using parquet options (path '%s')", t.table, path))
	}
	lake := "mq_lake_" + t.table
	if err := s.Exec(ctx, fmt.Sprintf("create or replace temporary view %s using parquet options (path '%s')", lake, path)); err != nil {
		return err
	}
	schema, err := s.Query(ctx, "select * from "+lake+" limit 0")
	if err != nil {
		return err
	}
	var cols []string
	for _, f := range schema.Schema().Fields() {
		if !slices.Contains(LakePartitions, f.Name) {
			cols = append(cols, "`"+strings.ReplaceAll(f.Name, "`", "``")+"`")
		}
	}
	schema.Release()
	return s.Exec(ctx, fmt.Sprintf("create or replace temporary view %s as select %s from %s", t.table, strings.Join(cols, ", "), lake))
}

// checkLakePath refuses a path the SQL text cannot carry as written.
func checkLakePath(p string) error {
	if strings.ContainsAny(p, `'\`) {
		return fmt.Errorf("the folder %q holds a quote or a backslash, which a path in Spark's and DuckDB's SQL cannot", p)
	}
	return nil
}
