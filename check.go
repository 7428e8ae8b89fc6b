package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/minqing/minqing/config"
	"github.com/minqing/minqing/ingest"
	"github.com/minqing/minqing/transform"
)

func init() { extraCommands = append(extraCommands, newCheckCommand) }

func newCheckCommand(c *cli) *cobra.Command {
	o := checkOptions{}
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Preview how each source's files would load: registers, encoding, header, mapping, values that would quarantine (loads nothing)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.Load(*c.cfgPath)
			if err != nil {
				return err
			}
			return runCheck(cmd.Context(), c.out, cfg, o)
		},
	}
	c.addConfig(cmd)
	cmd.Flags().IntVar(&o.Sample, "rows", 3, "sample rows to show per sheet")
	cmd.Flags().IntVar(&o.ProfileRows, "profile-rows", 200000, "data rows per sheet whose values are checked")
	cmd.Flags().Float64Var(&o.MaxQuarantine, "max-quarantine", 0.05, "fail when a source would quarantine more than this fraction of its checked rows")
	return cmd
}

type checkOptions struct {
	Sample, ProfileRows int
	MaxQuarantine       float64
}

// errCheckFailed means `check` found files it cannot read, a register it cannot use or a
// source that would quarantine too many rows; the report says which.
var errCheckFailed = errors.New("check failed")

// runCheck writes `minqing check`'s report: the registers, then every file, then each
// source's share of rows that would be quarantined.
func runCheck(ctx context.Context, w io.Writer, cfg *config.Config, o checkOptions) error {
	var problems []string
	// the options `run` transforms with: the same registers, vocabulary and rules
	topts := (&pipeline{cfg: cfg, log: slog.New(slog.DiscardHandler)}).transformOptions()
	units, uerr := transform.ReadUnits(topts.UnitsFile, topts.UnitsHeaders)
	cat, cerr := transform.ReadCatalogue(topts.CatalogueFile, topts.CatalogueHeaders)
	fmt.Fprintln(w, "registers")
	if uerr != nil {
		fmt.Fprintf(w, "  ✗ units %s: %v\n", cfg.Units, uerr)
		problems = append(problems, "the units register")
	} else {
		fmt.Fprintf(w, "  ✓ units %s: %d units\n", cfg.Units, len(units))
	}
	switch {
	case cfg.Catalogue == "":
		fmt.Fprintln(w, "  - catalogue: none (limits come from the exports)")
	case cerr != nil:
		fmt.Fprintf(w, "  ✗ catalogue %s: %v\n", cfg.Catalogue, cerr)
		problems = append(problems, "the catalogue")
	default:
		fmt.Fprintf(w, "  ✓ catalogue %s: %d items\n", cfg.Catalogue, len(cat))
	}
	fmt.Fprintln(w)

	opts := ingest.PreviewOptions{Sample: o.Sample}
	if uerr == nil && cerr == nil && o.ProfileRows > 0 {
		db, err := sql.Open("duckdb", "")
		if err != nil {
			return fmt.Errorf("opening the check's database: %w", err)
		}
		defer db.Close()
		var names []string
		for _, s := range cfg.Sources {
			names = append(names, s.Name)
		}
		prof, err := transform.NewProfiler(ctx, db, topts, names)
		if err != nil {
			return err
		}
		prof.DateOrders = map[string]string{}
		for _, s := range cfg.Sources {
			prof.DateOrders[s.Name] = s.DateOrder
		}
		opts.ProfileRows = o.ProfileRows
		opts.Profile = func(src ingest.SourceConfig, fields []string, rows [][]string) any {
			return profileSheet(ctx, prof, src, fields, rows)
		}
	}
	previews := ingest.Preview(cfg.Sources, cfg.Dir, opts)
	if bad := printPreview(w, previews); bad > 0 {
		problems = append(problems, fmt.Sprintf("%d file(s) or sheet(s) that cannot be read as they are", bad))
	}
	if opts.Profile != nil {
		problems = append(problems, printQuarantineShares(w, cfg.Sources, previews, o.MaxQuarantine)...)
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s (see above)", errCheckFailed, strings.Join(problems, "; "))
	}
	return nil
}

// sheetProfile is what the transform would make of a sheet's checked rows.
type sheetProfile struct {
	Rows, Quarantined int
	Fields            []fieldProfile
	Err               error
}

// fieldProfile counts one check of one field: values present, values that pass, and the
// distinct values that would quarantine their row.
type fieldProfile struct {
	transform.FieldCheck
	Present, OK int
	Bad         []valueCount // most frequent first
}

type valueCount struct {
	Value string
	N     int
}

// profileSheet judges each distinct value of a sheet's checked fields with the
// transform's own definitions; a row is quarantined when any of its values fails.
func profileSheet(ctx context.Context, p *transform.Profiler, src ingest.SourceConfig, fields []string, rows [][]string) *sheetProfile {
	sp := &sheetProfile{Rows: len(rows)}
	col := map[string]int{}
	for i, f := range fields {
		col[f] = i
	}
	// the source's defaults fill a field for rows that have none, as loading does
	if len(src.Defaults) > 0 {
		names := make([]string, 0, len(src.Defaults))
		for f := range src.Defaults {
			names = append(names, f)
		}
		sort.Strings(names)
		filled := make([][]string, len(rows))
		for i, r := range rows {
			filled[i] = append([]string(nil), r...)
		}
		for _, f := range names {
			d := src.Defaults[f]
			j, ok := col[f]
			if !ok {
				j = len(fields)
				fields = append(append([]string(nil), fields...), f)
				col[f] = j
			}
			for i := range filled {
				for len(filled[i]) <= j {
					filled[i] = append(filled[i], "")
				}
				if strings.TrimSpace(filled[i][j]) == "" {
					filled[i][j] = d
				}
			}
		}
		rows = filled
	}
	rowBad := make([]bool, len(rows))
	for _, c := range transform.FieldChecks(src.Kind) {
		j, ok := col[c.Field]
		if !ok {
			if c.Check == transform.CheckPresent { // no column gives a required field
				for i := range rowBad {
					rowBad[i] = true
				}
			}
			continue
		}
		counts := map[string]int{}
		for _, r := range rows {
			counts[r[j]]++
		}
		distinct := make([]string, 0, len(counts))
		for v := range counts {
			distinct = append(distinct, v)
		}
		sort.Strings(distinct)
		bad, err := p.Bad(ctx, c, src.Name, src.Unit, distinct)
		if err != nil {
			sp.Err = err
			return sp
		}
		isBad := map[string]bool{}
		fp := fieldProfile{FieldCheck: c}
		for i, v := range distinct {
			if strings.TrimSpace(v) != "" {
				fp.Present += counts[v]
			}
			if bad[i] {
				isBad[v] = true
				fp.Bad = append(fp.Bad, valueCount{v, counts[v]})
			} else if strings.TrimSpace(v) != "" {
				fp.OK += counts[v]
			}
		}
		sort.SliceStable(fp.Bad, func(a, b int) bool { return fp.Bad[a].N > fp.Bad[b].N })
		if len(isBad) > 0 {
			for i, r := range rows {
				if isBad[r[j]] {
					rowBad[i] = true
				}
			}
		}
		sp.Fields = append(sp.Fields, fp)
	}
	for _, b := range rowBad {
		if b {
			sp.Quarantined++
		}
	}
	return sp
}

// printQuarantineShares prints each source's share of checked rows that would be
// quarantined and returns the sources over max.
func printQuarantineShares(w io.Writer, sources []ingest.SourceConfig, previews []ingest.FilePreview, max float64) []string {
	type share struct{ rows, quar, data int }
	by := map[string]*share{}
	for _, fp := range previews {
		for _, sh := range fp.Sheets {
			p, ok := sh.Profile.(*sheetProfile)
			if !ok || p.Err != nil {
				continue
			}
			if by[fp.Source] == nil {
				by[fp.Source] = &share{}
			}
			by[fp.Source].rows += p.Rows
			by[fp.Source].quar += p.Quarantined
			by[fp.Source].data += sh.DataRows
		}
	}
	fmt.Fprintf(w, "rows that would be quarantined (most allowed: --max-quarantine %.1f%%)\n", max*100)
	var over []string
	for _, s := range sources {
		sh := by[s.Name]
		if sh == nil || sh.rows == 0 {
			fmt.Fprintf(w, "  %s  no rows checked\n", pad(s.Name, 24))
			continue
		}
		frac := float64(sh.quar) / float64(sh.rows)
		mark := "✓"
		if frac > max {
			mark = "✗"
			over = append(over, fmt.Sprintf("source %s would quarantine %.1f%% of its rows", s.Name, frac*100))
		}
		of := ""
		if sh.rows < sh.data {
			of = fmt.Sprintf(" (of the first %d of %d rows)", sh.rows, sh.data)
		}
		fmt.Fprintf(w, "  %s %s %d of %d rows, %.1f%%%s\n", mark, pad(s.Name, 24), sh.quar, sh.rows, frac*100, of)
	}
	return over
}

// printPreview writes the files' part of `minqing check`'s report; it returns how many
// files could not be read as they are.
func printPreview(w io.Writer, previews []ingest.FilePreview) int {
	bad := 0
	for _, fp := range previews {
		if fp.Path == "" {
			fmt.Fprintf(w, "■ %s: %v\n\n", fp.Source, fp.Err)
			bad++
			continue
		}
		fmt.Fprintf(w, "■ %s  %s  (%s)\n", fp.Source, fp.Path, fp.Encoding)
		if fp.Err != nil {
			fmt.Fprintf(w, "  ✗ %v\n\n", fp.Err)
			bad++
			continue
		}
		if len(fp.UnusedHeaders) > 0 {
			fmt.Fprintf(w, "  ! `headers` that name no column of this file: %s\n", strings.Join(fp.UnusedHeaders, ", "))
		}
		for _, sp := range fp.Sheets {
			if sp.Name != "" {
				fmt.Fprintf(w, "  sheet %s\n", sp.Name)
			}
			if sp.Err != nil {
				fmt.Fprintf(w, "  ✗ %v\n", sp.Err)
				bad++
				continue
			}
			if len(sp.HeaderRows) > 0 {
				fmt.Fprintf(w, "  header rows %v; %d data rows; skipped %s\n", sp.HeaderRows, sp.DataRows, counts(sp.Skipped))
			} else {
				fmt.Fprintf(w, "  keys as columns; %d data rows; skipped %s\n", sp.DataRows, counts(sp.Skipped))
			}
			for _, m := range sp.Mapping {
				fmt.Fprintf(w, "    %s → %s\n", pad(m[0], 26), m[1])
			}
			if len(sp.Unmapped) > 0 {
				fmt.Fprintf(w, "  unmapped headers (map them in the source's `headers`, or \"-\" to ignore): %s\n", strings.Join(sp.Unmapped, ", "))
			}
			if len(sp.Missing) > 0 {
				fmt.Fprintf(w, "  fields no column gives: %s\n", strings.Join(sp.Missing, ", "))
			}
			printProfile(w, sp)
			for i, row := range sp.Sample {
				keys := make([]string, 0, len(row))
				for k := range row {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				var parts []string
				for _, k := range keys {
					if row[k] != "" {
						parts = append(parts, k+"="+row[k])
					}
				}
				fmt.Fprintf(w, "  row %d: %s\n", i+1, strings.Join(parts, "  "))
			}
		}
		fmt.Fprintln(w)
	}
	return bad
}

// shownBadValues caps the distinct failing values printed per field.
const shownBadValues = 8

func printProfile(w io.Writer, sp ingest.SheetPreview) {
	p, ok := sp.Profile.(*sheetProfile)
	if !ok {
		return
	}
	if p.Err != nil {
		fmt.Fprintf(w, "  ✗ values not checked: %v\n", p.Err)
		return
	}
	of := ""
	if p.Rows < sp.DataRows {
		of = fmt.Sprintf(" (the first %d of %d rows)", p.Rows, sp.DataRows)
	}
	fmt.Fprintf(w, "  values%s: %d rows would be quarantined\n", of, p.Quarantined)
	for _, f := range p.Fields {
		if f.Check == transform.CheckPresent {
			if empty := p.Rows - f.Present; empty > 0 {
				fmt.Fprintf(w, "    %s empty in %d rows → MISSING_FIELD\n", pad(f.Field, 24), empty)
			}
			continue
		}
		verb := map[transform.Check]string{transform.CheckDate: "parse", transform.CheckVocabulary: "map",
			transform.CheckInt: "are whole numbers", transform.CheckUnit: "name one unit"}[f.Check]
		fmt.Fprintf(w, "    %s %d of %d %s", pad(f.Field, 24), f.OK, f.Present, verb)
		if len(f.Bad) == 0 {
			fmt.Fprintln(w)
			continue
		}
		var parts []string
		for i, b := range f.Bad {
			if i == shownBadValues {
				parts = append(parts, fmt.Sprintf("… %d more", len(f.Bad)-i))
				break
			}
			parts = append(parts, fmt.Sprintf("%q ×%d", b.Value, b.N))
		}
		fmt.Fprintf(w, "; %s: %s\n", f.Reason(), strings.Join(parts, ", "))
	}
}

func counts(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

// pad fills s with spaces to n display columns (a CJK character takes two).
func pad(s string, n int) string {
	w := 0
	for _, r := range s {
		if r >= 0x1100 && (r <= 0x115F || r >= 0x2E80 && r <= 0xA4CF || r >= 0xAC00 && r <= 0xD7A3 ||
			r >= 0xF900 && r <= 0xFAFF || r >= 0xFE30 && r <= 0xFE4F || r >= 0xFF00 && r <= 0xFF60 || r >= 0xFFE0 && r <= 0xFFE6) {
			w += 2
		} else {
			w++
		}
	}
	if w >= n {
		return s
	}
	return s + strings.Repeat(" ", n-w)
}
