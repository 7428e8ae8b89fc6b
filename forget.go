package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/minqing/minqing/ingest"
	"github.com/minqing/minqing/reports"
	"github.com/minqing/minqing/transform"
)

func init() { extraCommands = append(extraCommands, forgetCommand) }

// staleFigures is what transform_meta holds between a forget and the transform that
// follows it: no output matches it to a config, so none publishes figures that still
// count the forgotten file (a process stopped in between leaves them refused until
// `minqing run`).
const staleFigures = "stale: a file was forgotten after these figures were made"

func forgetCommand(c *cli) *cobra.Command {
	var reason, by string
	var undo bool
	cmd := &cobra.Command{
		Use:   "forget FILE|SHA256",
		Short: "Take a loaded file back: its rows leave the store and the figures, and later runs leave it out (--undo gives it back)",
		Long: `Take a loaded export file back: its rows leave every raw table, the figures are made
again without it, and later runs do not load it although it is still where its source
points. Who (the OS user, and --by), when and why are recorded in the store and shown in
the workbook's 清单. FILE is the path relative to the config's folder, an absolute path,
the SHA-256 or a unique prefix of it (8 hex digits or more). --undo gives a forgotten
file back: the next ` + "`minqing run`" + ` loads it again.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return c.withPipeline(cmd, func(p *pipeline) error {
				o := ingest.ForgetOptions{Arg: args[0], BaseDir: p.cfg.Dir, Who: ingest.Who{User: osUser(), Name: by}, Reason: reason, Now: p.now()}
				if undo {
					if reason != "" {
						return errors.New("--reason is for a forget; an undo records who and when")
					}
					return p.unforget(cmd.Context(), c.out, o)
				}
				return p.forget(cmd.Context(), c.out, o)
			})
		},
	}
	c.addConfig(cmd)
	cmd.Flags().StringVar(&reason, "reason", "", "why the file is taken back (recorded, shown in the workbook)")
	cmd.Flags().StringVar(&by, "by", "", "the person it is done for, recorded beside the OS user")
	cmd.Flags().BoolVar(&undo, "undo", false, "give a forgotten file back: the next run loads it again")
	return cmd
}

// osUser names the account running minqing, for the record of a forget.
func osUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if name := os.Getenv("USER"); name != "" {
		return name
	}
	return "unknown"
}

// forget takes a file back and makes the figures again without it, then says what
// changed: rows removed and the district's received and closed in each quarter that moved.
func (p *pipeline) forget(ctx context.Context, out io.Writer, o ingest.ForgetOptions) error {
	quarters, before := p.quarterTotals(ctx)
	o.Also = markFiguresStale
	f, err := ingest.Forget(ctx, p.db, o)
	if err != nil {
		return err
	}
	p.log.Info("file forgotten", "file", f.Path, "sha256", f.SHA256, "rows", f.RowsRemoved)
	fmt.Fprintf(out, "forgot %s (%s, source %s): %d rows removed (%d read)\n",
		f.Path, f.SHA256, f.Source, f.RowsRemoved, f.RowsRead)
	fmt.Fprintf(out, "recorded: %s by %s", f.At.In(transform.Shanghai).Format("2006-01-02 15:04:05"), whoText(f.By, f.ByName))
	if f.Reason != "" {
		fmt.Fprintf(out, ", reason %q", f.Reason)
	}
	fmt.Fprintln(out)
	sum, err := transform.Run(ctx, p.db, p.transformOptions())
	if err != nil {
		return fmt.Errorf("the file is forgotten, but the figures could not be made again without it (outputs refuse the old ones until `minqing run` succeeds): %w", err)
	}
	p.log.Info("transform finished", "cases", sum.Cases, "quarantined", sum.Quarantined, "periods", sum.Periods, "duration", sum.Duration.Round(time.Millisecond))
	fmt.Fprintf(out, "figures made again: %d cases\n", sum.Cases)
	if quarters != nil {
		_, after := p.quarterTotals(ctx)
		changed := false
		for _, q := range quarters {
			b, a := before[q], after[q]
			if figureText(b[0]) != figureText(a[0]) || figureText(b[1]) != figureText(a[1]) {
				changed = true
				fmt.Fprintf(out, "%s district: received %s → %s, closed %s → %s\n", q,
					figureText(b[0]), figureText(a[0]), figureText(b[1]), figureText(a[1]))
			}
		}
		if !changed {
			fmt.Fprintln(out, "the district's received and closed are unchanged in every quarter")
		}
	}
	return nil
}

// unforget gives a forgotten file back; the next run loads it again.
func (p *pipeline) unforget(ctx context.Context, out io.Writer, o ingest.ForgetOptions) error {
	f, err := ingest.Unforget(ctx, p.db, o)
	if err != nil {
		return err
	}
	p.log.Info("forget undone", "file", f.Path, "sha256", f.SHA256)
	fmt.Fprintf(out, "gave back %s (%s), forgotten %s by %s: the next `minqing run` loads it again if its source still finds it\n",
		f.Path, f.SHA256, f.At.Format("2006-01-02 15:04:05"), whoText(f.By, f.ByName))
	return nil
}

// quarterTotals reads the district's received and closed for every quarter, in order;
// nil when the store has no figures under this config.
func (p *pipeline) quarterTotals(ctx context.Context) ([]string, map[string][2]*float64) {
	r, _, _, err := p.figures(ctx, "")
	if err != nil {
		return nil, nil
	}
	periods, err := r.Periods(ctx, "quarter")
	if err != nil {
		return nil, nil
	}
	var ids []string
	totals := map[string][2]*float64{}
	for _, per := range periods {
		figs, err := r.Figures(ctx, per)
		if err != nil || len(figs) == 0 {
			return nil, nil
		}
		ids = append(ids, per.ID)
		totals[per.ID] = [2]*float64{figs[0].Values["received"], figs[0].Values["closed"]}
	}
	return ids, totals
}

func figureText(v *float64) string {
	if v == nil {
		return "—"
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

func whoText(user, name string) string {
	if name == "" {
		return user
	}
	return name + " (OS user " + user + ")"
}

// markFiguresStale runs inside the forget's transaction: until the transform that
// follows commits, the stored figures belong to no config, so no output publishes them.
func markFiguresStale(tx *sql.Tx) error {
	var n int
	if err := tx.QueryRow(`select count(*) from information_schema.tables where table_name = 'transform_meta'`).Scan(&n); err != nil {
		return fmt.Errorf("looking for figures: %w", err)
	}
	if n == 0 {
		return nil
	}
	if _, err := tx.Exec(`update transform_meta set config_hash = ?`, staleFigures); err != nil {
		return fmt.Errorf("marking the figures stale: %w", err)
	}
	return nil
}

// forgottenManifest lists the store's forgotten files for the workbook's 清单.
func forgottenManifest(ctx context.Context, db *sql.DB) ([]reports.ForgottenFile, error) {
	fs, err := ingest.ForgottenFiles(ctx, db)
	if err != nil {
		return nil, err
	}
	var out []reports.ForgottenFile
	for _, f := range fs {
		by := f.By
		if f.ByName != "" {
			by = f.ByName + "（操作用户 " + f.By + "）"
		}
		undoneBy := f.UndoneBy
		if f.UndoneByName != "" {
			undoneBy = f.UndoneByName + "（操作用户 " + f.UndoneBy + "）"
		}
		out = append(out, reports.ForgottenFile{Source: f.Source, Path: f.Path, SHA256: f.SHA256, Rows: f.RowsRead,
			At: f.At, By: by, Reason: f.Reason, UndoneAt: f.UndoneAt, UndoneBy: undoneBy})
	}
	return out, nil
}

// printForgotten lists, under `minqing sources`, the files left out because they were
// forgotten (and not given back).
func printForgotten(ctx context.Context, w io.Writer, db *sql.DB) error {
	fs, err := ingest.ForgottenFiles(ctx, db)
	if err != nil {
		return err
	}
	for _, f := range fs {
		if f.UndoneAt != nil {
			continue
		}
		reason := ""
		if f.Reason != "" {
			reason = fmt.Sprintf(", reason %q", f.Reason)
		}
		if _, err := fmt.Fprintf(w, "%-24s %-9s %7d %7s %7s %7s  %s  %s (%s by %s%s; `minqing forget --undo` gives it back)\n",
			f.Source, f.Kind, f.RowsRead, "-", "-", "-", f.Path, ingest.StatusForgotten,
			f.At.Format("2006-01-02 15:04"), whoText(f.By, f.ByName), reason); err != nil {
			return err
		}
	}
	return nil
}
