package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/minqing/minqing/transform"
)

func init() { extraCommands = append(extraCommands, exportCommand) }

func exportCommand(c *cli) *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "export --parquet DIR",
		Short: "Write the normalised cases, versions, visits, services and figures as a Parquet lake (partitioned by month and township)",
		Long: `Write the store's normalised data as a Parquet lake that DuckDB, Spark, pandas or
pyarrow read: cases, case_versions, visits, services and figures, each a folder
partitioned hive-style by month (YYYY-MM) and township (a unit's township code; a unit
above township level is its own "township"), and the small tables units, unit_tree and
periods. No citizen data in clear: cases and versions carry only masked fields and
keyed hashes; descriptions, handlers, visitors and households are left out.
_manifest.json lists every table, its partition columns, rows and the config hash the
figures were made under. A previous export in DIR is replaced whole (written beside it,
then renamed); any other non-empty DIR is refused.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dir == "" {
				return errors.New("--parquet DIR: name the folder the lake is written to")
			}
			return c.withPipeline(cmd, func(p *pipeline) error {
				m, err := p.exportParquet(cmd.Context(), dir)
				if err != nil {
					return err
				}
				return printLake(c.out, m)
			})
		},
	}
	c.addConfig(cmd)
	cmd.Flags().StringVar(&dir, "parquet", "", "the folder to write the Parquet lake to (a previous export there is replaced)")
	return cmd
}

// lakeFormat names the lake in its manifest: a folder whose _manifest.json says so is a
// previous export that a new one may replace.
const lakeFormat = "minqing-parquet-lake"

// lakeManifest is the file name of the manifest in the lake's folder; engines skip files
// whose names start with '_' (and DuckDB's *.parquet globs never match it).
const lakeManifest = "_manifest.json"

// lakeIncomplete marks a folder an export is still writing (DIR.tmp).
const lakeIncomplete = "_minqing_export_incomplete"

// lakeTable is one table of the lake: the query that makes it and what to say about it.
type lakeTable struct {
	name  string
	about string
	month string // what the month partition is, "" for an unpartitioned table
	query string // selects the table's columns, month and township last when partitioned
}

// lakeTables lists what the lake holds. Columns are named one by one (never select *),
// so a column added to a model reaches the lake only when it is added here, after asking
// whether it holds personal data. Left out everywhere: descriptions (free text, scrubbed
// of phone and ID numbers but not of names), handlers and visitors (staff names),
// households (a family's name), citizen_ref/description_ref (pointers to the raw rows an
// auditor's copy unmasks from) and raw_case_personal.
var lakeTables = []lakeTable{
	{
		name:  "cases",
		about: "one row per case, its current state (40_cases.sql); citizens masked",
		month: "the case's received month (received_date)",
		query: `with ` + transform.UnitTownshipSQL + `
select c.case_key, c.case_no, c.unit_code, c.received_at, c.received_date, c.category, c.item, c.channel,
  c.topic, c.topic_levels, c.department, c.verdict, c.is_closed_undated, c.closed_seen_date,
  c.promised_days, c.catalogue_days, c.limit_days, c.due_at, c.supplement_requested_at, c.supplement_done_at,
  c.escalated_at, c.reply_at, c.closed_at, c.status, c.result, c.first_contact_at, c.first_contact_exported,
  c.result_exported, c.satisfaction_exported, c.feedback_at, c.feedback_method, c.satisfaction, c.is_proxy,
  c.citizen_name_masked, c.citizen_phone_masked, c.versions, c.no_case_no, c.version_at,
  c.is_withdrawn, c.is_closed, c.last_seen_open_date, c.closed_date, c.is_backdated_closure,
  c.clock_start_date, c.deadline, c.is_waiting, c.is_on_time, c.processing_days, c.due_mismatch,
  c.responded_in_24h, c.deadline_unknown,
  strftime(c.received_date, '%Y-%m') as month, coalesce(ut.township, c.unit_code) as township
from cases c left join unit_township ut on ut.unit_code = c.unit_code`,
	},
	{
		name:  "case_versions",
		about: "one row per valid version of a case (30_case_versions.sql); citizens as a keyed hash and masks",
		month: "the received month of the version's case (so a case and all its versions share a partition)",
		query: `with ` + transform.UnitTownshipSQL + `
select v.file_id, v.sheet, v.row_no, v.source, v.path, v.case_key, v.version_rank, v.case_no,
  v.unit_code, v.unit_text, v.received_at, v.received_has_time, v.category, v.item, v.item_p,
  v.channel, v.channel_p, v.topic, v.topic_levels, v.topic_p, v.department, v.department_p,
  v.promised_days, v.promised_days_p, v.catalogue_days, v.due_at, v.due_at_p,
  v.supplement_requested_at, v.supplement_requested_at_p, v.supplement_done_at, v.supplement_done_at_p,
  v.escalated_at, v.escalated_at_p, v.reply_at, v.reply_at_p, v.closed_at, v.closed_at_p, v.closed_has_time,
  v.status, v.status_p, v.result, v.result_p, v.verdict, v.first_contact_at, v.first_contact_at_p,
  v.feedback_at, v.feedback_at_p, v.feedback_method, v.feedback_method_p, v.satisfaction, v.satisfaction_p,
  v.is_proxy, v.proxy_p, v.handler_p, v.citizen_key, v.citizen_name_masked, v.citizen_phone_masked,
  v.citizen_id_masked, v.description_p, v.updated_at, v.snapshot_date, v.version_at, v.known_at,
  strftime(c.received_date, '%Y-%m') as month, coalesce(ut.township, c.unit_code) as township
from case_versions v join cases c on c.case_key = v.case_key
left join unit_township ut on ut.unit_code = c.unit_code`,
	},
	{
		name:  "visits",
		about: "one row per distinct household visit with how many times it counts (copies); visitor and household left out",
		month: "visited_on",
		query: `with ` + transform.UnitTownshipSQL + `
select v.unit_code, v.visited_on, v.persons, v.opinions, v.problems_solved, v.case_no, v.copies,
  strftime(v.visited_on, '%Y-%m') as month, coalesce(ut.township, v.unit_code) as township
from visits v left join unit_township ut on ut.unit_code = v.unit_code`,
	},
	{
		name:  "services",
		about: "one row per distinct service activity with how many times it counts (copies)",
		month: "served_on",
		query: `with ` + transform.UnitTownshipSQL + `
select s.unit_code, s.served_on, s.team, s.kind, s.volunteers, s.beneficiaries, s.copies,
  strftime(s.served_on, '%Y-%m') as month, coalesce(ut.township, s.unit_code) as township
from services s left join unit_township ut on ut.unit_code = s.unit_code`,
	},
	{
		name:  "figures",
		about: "figure_values: one row per (unit, period, breakdown, figure); dim 'all' is the unit's own figure",
		month: "the first month of the period (a quarter's or a year's too: filter on period_kind)",
		query: `with ` + transform.UnitTownshipSQL + `
select f.unit_code, f.period_id, p.kind as period_kind, f.dim, f.dim_value, f.figure_id,
  f.value, f.numerator, f.denominator,
  strftime(p.start_date, '%Y-%m') as month, coalesce(ut.township, f.unit_code) as township
from figure_values f join periods p on p.period_id = f.period_id
left join unit_township ut on ut.unit_code = f.unit_code`,
	},
	{
		name:  "units",
		about: "the units register (ref_units) with each unit's township as the partitions name it",
		query: `with ` + transform.UnitTownshipSQL + `
select u.code, u.name, u.level, u.parent, coalesce(ut.township, u.code) as township
from ref_units u left join unit_township ut on ut.unit_code = u.code`,
	},
	{
		name:  "unit_tree",
		about: "ref_unit_tree: one row per (unit, ancestor-or-self) with the depth; rolls unit figures up",
		query: `select code, ancestor, depth from ref_unit_tree`,
	},
	{
		name:  "periods",
		about: "months, quarters and years with their start, end, cutoff, previous (环比) and year-before (同比) period",
		query: `select kind, period_id, start_date, end_date, cutoff, prev_id, yoy_id from periods`,
	},
}

// lakeColumn is a column of a table's files.
type lakeColumn struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// lakeTableEntry is a table in the manifest.
type lakeTableEntry struct {
	Name        string       `json:"name"`
	Path        string       `json:"path"`
	About       string       `json:"about"`
	PartitionBy []string     `json:"partition_by"`
	Month       string       `json:"month,omitempty"`
	Rows        int64        `json:"rows"`
	Files       int          `json:"files"`
	Bytes       int64        `json:"bytes"`
	Columns     []lakeColumn `json:"columns"`
}

// lakeManifestDoc is _manifest.json.
type lakeManifestDoc struct {
	Format         string           `json:"format"`
	FormatVersion  int              `json:"format_version"`
	MinqingVersion string           `json:"minqing_version"`
	ExportedAt     string           `json:"exported_at"`
	ConfigHash     string           `json:"config_hash"`
	Notes          []string         `json:"notes"`
	Tables         []lakeTableEntry `json:"tables"`
	dir            string           // where the lake is (not in the file)
}

var lakeNotes = []string{
	"Partitioned tables are folders of hive-style partitions month=YYYY-MM/township=CODE/*.parquet; month and township are not columns inside the files.",
	"Read month and township as strings: unit codes are digits and engines would read them as numbers (DuckDB: read_parquet('DIR/cases/**/*.parquet', hive_partitioning = true, hive_types = {'month': VARCHAR, 'township': VARCHAR}); Spark: spark.sql.sources.partitionColumnTypeInference.enabled=false; pyarrow: partitioning=ds.partitioning(pa.schema([('month', pa.string()), ('township', pa.string())]), flavor='hive')).",
	"township is the code of the unit's township (its ancestor or itself at level township); a unit above township level (the district) is its own township.",
	"Timestamps are Asia/Shanghai wall-clock time without a zone (Parquet TIMESTAMP, isAdjustedToUTC=false); dates are local dates.",
	"A table with no rows is one file, empty.parquet, with month and township as columns.",
	"No citizen data in clear: names and phones only masked (张*, 138****5678), citizens matched by citizen_key (a keyed hash); descriptions, handlers, visitors and households are not exported.",
	"figures.value is NULL where a rate has no denominator; rates carry their numerator and denominator, counts and days their value as the numerator and a NULL denominator, the score neither.",
}

// exportParquet writes the lake to dir: into dir.tmp first, then renamed over dir, so a
// reader sees the previous lake or the new one, never a part of one.
func (p *pipeline) exportParquet(ctx context.Context, dir string) (*lakeManifestDoc, error) {
	r := transform.NewReader(p.db)
	made, err := r.ConfigHash(ctx)
	if errors.Is(err, transform.ErrNoFigures) {
		return nil, p.nothingLoaded()
	}
	if err != nil {
		return nil, err
	}
	if made != p.cfgHash {
		return nil, fmt.Errorf("the store's figures were made under another config than %s (changed since, or another config file): run `minqing run --config %s` first", p.cfg.File, p.cfg.File)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("--parquet %q: %w", dir, err)
	}
	tmp, old := abs+".tmp", abs+".old"
	// Everything is checked before anything is written.
	replace, err := lakeTarget(abs)
	if err != nil {
		return nil, err
	}
	for _, d := range []string{tmp, old} {
		if err := clearOwnScratch(d); err != nil {
			return nil, err
		}
	}
	p.log.Info("exporting the parquet lake", "dir", abs, "scratch", tmp, "replacing", replace)
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return nil, fmt.Errorf("creating %q: %w", tmp, err)
	}
	if err := os.WriteFile(filepath.Join(tmp, lakeIncomplete), []byte("minqing export is writing this folder; it is removed or renamed when done\n"), 0o644); err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("marking %q: %w", tmp, err)
	}
	m, err := p.writeLake(ctx, tmp, made)
	if err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	if err := os.Remove(filepath.Join(tmp, lakeIncomplete)); err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("finishing %q: %w", tmp, err)
	}
	if err := swapLake(tmp, abs, old, replace); err != nil {
		return nil, err
	}
	m.dir = abs
	p.log.Info("parquet lake written", "dir", abs, "tables", len(m.Tables))
	return m, nil
}

// lakeTarget checks dir: missing (replace false: nothing to move aside), empty or a
// previous export (replace true: moved aside, removed once the new lake is in place).
// Anything else is refused.
func lakeTarget(dir string) (replace bool, err error) {
	st, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("--parquet %q: %w", dir, err)
	}
	if !st.IsDir() {
		return false, fmt.Errorf("--parquet %q: a file is there, not a folder; name a new or empty folder, or a previous export", dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false, fmt.Errorf("--parquet %q: %w", dir, err)
	}
	if len(entries) == 0 {
		return true, nil
	}
	if !isLake(dir) {
		return false, fmt.Errorf("--parquet %q: the folder is not empty and holds no minqing export (no %s of format %s); refusing to replace it: name a new or empty folder, or a previous export", dir, lakeManifest, lakeFormat)
	}
	return true, nil
}

// isLake tells whether dir holds a complete export: a manifest of the lake's format.
func isLake(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, lakeManifest))
	if err != nil {
		return false
	}
	var m struct {
		Format string `json:"format"`
	}
	return json.Unmarshal(b, &m) == nil && m.Format == lakeFormat
}

// clearOwnScratch removes dir.tmp or dir.old left by an export that was stopped (they are
// ours when they are marked incomplete or hold a complete lake); anything else there is
// someone's, and refused.
func clearOwnScratch(dir string) error {
	if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	_, marked := os.Stat(filepath.Join(dir, lakeIncomplete))
	if marked != nil && !isLake(dir) {
		return fmt.Errorf("%q is in the way of the export and is not one of its own folders (no %s, no %s): move it away", dir, lakeIncomplete, lakeManifest)
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("removing %q, left by an export that was stopped: %w", dir, err)
	}
	return nil
}

// swapLake puts the finished lake tmp in dir's place. A previous lake moves aside to old
// first and is removed after: for the instant between the two renames there is no lake
// at dir, never a half one.
func swapLake(tmp, dir, old string, replace bool) error {
	if replace {
		if err := os.Rename(dir, old); err != nil {
			os.RemoveAll(tmp)
			return fmt.Errorf("moving the previous export %q aside: %w", dir, err)
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		if replace {
			os.Rename(old, dir) // put the previous lake back
		}
		os.RemoveAll(tmp)
		return fmt.Errorf("renaming the new export %q to %q: %w", tmp, dir, err)
	}
	if replace {
		if err := os.RemoveAll(old); err != nil {
			return fmt.Errorf("the new export is in %q, but the previous one could not be removed from %q: %w", dir, old, err)
		}
	}
	return nil
}

// writeLake writes every table and the manifest into dir (a fresh folder).
func (p *pipeline) writeLake(ctx context.Context, dir, configHash string) (*lakeManifestDoc, error) {
	m := &lakeManifestDoc{Format: lakeFormat, FormatVersion: 1, MinqingVersion: version,
		ExportedAt: p.now().In(transform.Shanghai).Format(time.RFC3339), ConfigHash: configHash, Notes: lakeNotes}
	for _, t := range lakeTables {
		start := time.Now()
		e, err := p.writeLakeTable(ctx, dir, t)
		if err != nil {
			return nil, err
		}
		p.log.Info("table exported", "table", t.name, "rows", e.Rows, "files", e.Files, "bytes", e.Bytes,
			"duration", time.Since(start).Round(time.Millisecond))
		m.Tables = append(m.Tables, e)
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding the lake's manifest: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, lakeManifest), append(b, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("writing the lake's manifest in %q: %w", dir, err)
	}
	return m, nil
}

// writeLakeTable writes one table under dir/<name>: hive partitions by month and
// township, or one file for an unpartitioned or empty table.
func (p *pipeline) writeLakeTable(ctx context.Context, dir string, t lakeTable) (lakeTableEntry, error) {
	e := lakeTableEntry{Name: t.name, Path: t.name, About: t.about, PartitionBy: []string{}, Month: t.month}
	partitioned := t.month != ""
	cols, err := queryColumns(ctx, p, t.query)
	if err != nil {
		return e, fmt.Errorf("exporting %s: reading its columns: %w", t.name, err)
	}
	target := filepath.Join(dir, t.name)
	// The paths are this export's own folder under the one the user named; quoted as a
	// SQL string, they carry no SQL.
	single := func(name string) (int64, error) {
		if err := os.MkdirAll(target, 0o755); err != nil {
			return 0, err
		}
		var n int64
		err := p.db.QueryRowContext(ctx, `copy (`+t.query+`) to `+sqlString(filepath.Join(target, name))+` (format parquet)`).Scan(&n)
		return n, err
	}
	var copied int64
	if partitioned {
		// Sorted by partition, each partition's rows arrive together: about one file per
		// partition (unsorted, DuckDB keeps at most partitioned_write_max_open_files, 100,
		// open and starts a new file each time it reopens one), and the sort spills to
		// disk where holding every partition's open row group would not.
		// DIR.tmp/<table> is new: OVERWRITE clears nothing here; a previous export is
		// replaced by the rename, never in place.
		q := `copy (select * from (` + t.query + `) order by month, township) to ` + sqlString(target) +
			` (format parquet, partition_by (month, township), overwrite)`
		if err := p.db.QueryRowContext(ctx, q).Scan(&copied); err != nil {
			return e, fmt.Errorf("exporting %s to %q: %w", t.name, target, err)
		}
		e.PartitionBy = transform.LakePartitions
		if copied == 0 {
			// No partition folders would leave no file to read the columns from: one
			// empty file, with month and township as columns.
			e.PartitionBy = []string{}
			if _, err := single("empty.parquet"); err != nil {
				return e, fmt.Errorf("exporting %s (no rows) to %q: %w", t.name, target, err)
			}
		}
	} else if copied, err = single("data_0.parquet"); err != nil {
		return e, fmt.Errorf("exporting %s to %q: %w", t.name, target, err)
	}
	e.Rows = copied
	for _, c := range cols {
		if len(e.PartitionBy) > 0 && (c.Name == "month" || c.Name == "township") {
			continue
		}
		e.Columns = append(e.Columns, c)
	}
	err = filepath.WalkDir(target, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".parquet") {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		e.Files++
		e.Bytes += info.Size()
		return nil
	})
	if err != nil {
		return e, fmt.Errorf("exporting %s: listing %q: %w", t.name, target, err)
	}
	return e, nil
}

// queryColumns names and types the columns a query returns, without running it.
func queryColumns(ctx context.Context, p *pipeline, query string) ([]lakeColumn, error) {
	rows, err := p.db.QueryContext(ctx, `describe (`+query+`)`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	names, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var cols []lakeColumn
	for rows.Next() {
		vals := make([]any, len(names))
		ptrs := make([]any, len(names))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		cols = append(cols, lakeColumn{Name: fmt.Sprint(vals[0]), Type: fmt.Sprint(vals[1])})
	}
	return cols, rows.Err()
}

// sqlString quotes s as a SQL string literal.
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// printLake says where the lake is and how many rows each table has.
func printLake(w io.Writer, m *lakeManifestDoc) error {
	if _, err := fmt.Fprintf(w, "parquet lake: %s\n", m.dir); err != nil {
		return err
	}
	for _, t := range m.Tables {
		part := "one file"
		if len(t.PartitionBy) > 0 {
			part = fmt.Sprintf("%d files, by %s", t.Files, strings.Join(t.PartitionBy, ", "))
		}
		if _, err := fmt.Fprintf(w, "  %-14s %10d rows  (%s)\n", t.Name, t.Rows, part); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(w, "manifest:     %s (config hash %s)\n", filepath.Join(m.dir, lakeManifest), m.ConfigHash)
	return err
}
