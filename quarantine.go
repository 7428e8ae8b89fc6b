package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/minqing/minqing/transform"
)

func init() { extraCommands = append(extraCommands, newQuarantineCommand) }

func newQuarantineCommand(c *cli) *cobra.Command {
	var f transform.QuarantineFilter
	var format string
	cmd := &cobra.Command{
		Use:   "quarantine",
		Short: "List every quarantined row: file, sheet, row, reason, the field and the value that failed",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "table" && format != "csv" && format != "json" {
				return fmt.Errorf("--format %q: table, csv or json", format)
			}
			return c.withPipeline(cmd, func(p *pipeline) error {
				if err := p.requireLoaded(cmd.Context()); err != nil {
					return err
				}
				rows, total, err := transform.NewReader(p.db).Quarantine(cmd.Context(), f)
				if err != nil {
					return err
				}
				return writeQuarantine(c.out, format, rows, total)
			})
		},
	}
	c.addConfig(cmd)
	cmd.Flags().StringVar(&f.Source, "source", "", "only this source's rows")
	cmd.Flags().StringVar(&f.Reason, "reason", "", "only rows of this reason (BAD_DATE, UNKNOWN_LABEL, …)")
	cmd.Flags().StringVar(&format, "format", "table", "table, csv or json")
	return cmd
}

// writeQuarantine prints quarantined rows. Values are of checked fields only (dates,
// labels, numbers, unit names), never personal data or descriptions.
func writeQuarantine(w io.Writer, format string, rows []transform.QuarantinedRow, total int) error {
	switch format {
	case "json":
		type row struct {
			Kind   string `json:"kind"`
			Source string `json:"source"`
			File   string `json:"file"`
			Sheet  string `json:"sheet"`
			Row    int    `json:"row"`
			Reason string `json:"reason"`
			Field  string `json:"field"`
			Value  string `json:"value"`
			Detail string `json:"detail"`
		}
		out := make([]row, 0, len(rows))
		for _, r := range rows {
			out = append(out, row{r.Kind, r.Source, r.File, r.Sheet, r.Row, r.Reason, r.Field, r.Value, r.Detail})
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(map[string]any{"count": total, "rows": out})
	case "csv":
		cw := csv.NewWriter(w)
		cw.Write([]string{"kind", "source", "file", "sheet", "row", "reason", "field", "value", "detail"})
		for _, r := range rows {
			cw.Write([]string{r.Kind, r.Source, r.File, r.Sheet, fmt.Sprint(r.Row), r.Reason, r.Field, r.Value, r.Detail})
		}
		cw.Flush()
		return cw.Error()
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tFILE\tSHEET\tROW\tREASON\tFIELD\tVALUE\tDETAIL")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", r.Source, r.File, r.Sheet, r.Row, r.Reason, r.Field, r.Value, r.Detail)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d quarantined rows\n", total)
	return err
}

type accountJSON struct {
	Source        string         `json:"source"`
	Kind          string         `json:"kind"`
	File          string         `json:"file"`
	SHA256        string         `json:"sha256"`
	Snapshot      *string        `json:"snapshot"`
	Read          int            `json:"read"`
	Loaded        int            `json:"loaded"`
	Quarantined   int            `json:"quarantined"`
	Skipped       int            `json:"skipped"`
	QuarantinedBy map[string]int `json:"quarantined_by"`
	SkippedBy     map[string]int `json:"skipped_by"`
}

// writeAccountingJSON prints `sources --format json`: one object per file, read =
// loaded + quarantined + skipped, with the reasons and kinds of skip.
func writeAccountingJSON(w io.Writer, accts []transform.SourceAccount) error {
	out := make([]accountJSON, 0, len(accts))
	for _, a := range accts {
		j := accountJSON{Source: a.Source, Kind: a.Kind, File: a.File, SHA256: a.SHA256, Read: a.Read, Loaded: a.Loaded,
			Quarantined: a.Quarantined, Skipped: a.Skipped, QuarantinedBy: a.QuarantinedBy, SkippedBy: a.SkippedBy}
		if a.Snapshot != nil {
			d := a.Snapshot.Format("2006-01-02")
			j.Snapshot = &d
		}
		if j.QuarantinedBy == nil {
			j.QuarantinedBy = map[string]int{}
		}
		if j.SkippedBy == nil {
			j.SkippedBy = map[string]int{}
		}
		out = append(out, j)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}
