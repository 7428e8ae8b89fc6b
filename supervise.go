package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/minqing/minqing/reports"
	"github.com/minqing/minqing/schedules"
	"github.com/minqing/minqing/transform"
	"github.com/minqing/minqing/transform/calendar"
)

func init() { extraCommands = append(extraCommands, newSuperviseCmd) }

// newSuperviseCmd is `minqing supervise`: a numbered supervision notice (督办单) to each
// township with cases overdue or about to be, recorded in the store so that the next
// report can say what came of it (督办成效).
func newSuperviseCmd(c *cli) *cobra.Command {
	var unit, asOf, outDir string
	cmd := &cobra.Command{
		Use:   "supervise",
		Short: "Issue supervision notices (督办单): each township's overdue and due-soon cases, as .docx and .xlsx",
		Long: `Lists, as at a day (default today, Asia/Shanghai), the open cases overdue (超期) and
those due within rules.warn_days working days (临期, default 2), and writes one numbered
notice per township that has any (督办〔2024〕3号), as a .docx in the report's document
format and as an .xlsx, into <out>/督办单/. Each notice is recorded in the store with its
cases: the next report's 督办成效 says how many were closed within rules.notice_days
working days (default 5) of it and which remain. Cases handled by the district itself
go on a notice to the district. --unit limits it to one township.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.withPipeline(cmd, func(p *pipeline) error {
				_, _, err := p.runManual(cmd.Context(), "supervise", func(ctx context.Context, h *schedules.History, r *schedules.Run) (string, string, error) {
					return "", "", p.supervise(ctx, c, r, unit, asOf, outDir)
				})
				return err
			})
		},
	}
	c.addConfig(cmd)
	cmd.Flags().StringVar(&unit, "unit", "", "one township (code or name); default every township")
	cmd.Flags().StringVar(&asOf, "as-of", "", "the day the lists are stated at (2024-12-20); default today (Asia/Shanghai)")
	cmd.Flags().StringVar(&outDir, "out", "", "output folder; default the config's out")
	return cmd
}

// supervise issues and writes the notices as at asOf ("" for today) for unitArg ("" for
// the district), printing a line for each.
func (p *pipeline) supervise(ctx context.Context, c *cli, run *schedules.Run, unitArg, asOfArg, outDir string) error {
	if err := p.requireLoaded(ctx); err != nil {
		return err
	}
	r := transform.NewReader(p.db)
	units, err := r.Units(ctx)
	if err != nil {
		return err
	}
	scope := ""
	for _, u := range units {
		if u.Level == transform.LevelDistrict {
			scope = u.Code
		}
	}
	if unitArg != "" {
		u, err := p.unit(ctx, unitArg)
		if err != nil {
			return err
		}
		if u.Level != transform.LevelTownship {
			return fmt.Errorf("--unit %q: %s is not a township; notices go to townships (leave --unit out for all of them)", unitArg, u.Name)
		}
		scope = u.Code
	}
	today := p.now().In(transform.Shanghai)
	asOf := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, transform.Shanghai)
	if asOfArg != "" {
		if asOf, err = parseAsOf(asOfArg); err != nil {
			return err
		}
	}
	w, err := r.Warnings(ctx, scope, asOf, p.cfg.Rules.WarnDays)
	if err != nil {
		return fmt.Errorf("listing the cases to supervise as at %s: %w", asOf.Format("2006-01-02"), err)
	}
	if len(w.Cases) == 0 {
		fmt.Fprintf(c.out, "as at %s no case is overdue or due within %d working days: no notice issued\n", asOf.Format("2006-01-02"), w.WarnDays)
		return nil
	}
	notices, err := transform.IssueNotices(ctx, p.db, w, run.ID, p.now())
	if err != nil {
		return err
	}
	dir := filepath.Join(p.outDir(outDir), "督办单")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating %q: %w", dir, err)
	}
	cal := calendar.Official()
	for _, n := range notices {
		respondBy, err := cal.AddWorkdays(n.IssuedOn, p.cfg.Rules.NoticeDays)
		if err != nil {
			return fmt.Errorf("dating the reply to notice %s: %w", n.No, err)
		}
		head := reports.NoticeHead{IssuedBy: noticeIssuer(p), WarnDays: w.WarnDays, RespondBy: respondBy, DataThrough: w.DataThrough}
		base := filepath.Join(dir, fileSafe(n.No+"_"+n.UnitName+"_督办单"))
		for _, out := range []struct {
			ext   string
			write func(string, transform.Notice, reports.NoticeHead) error
		}{{".docx", reports.WriteNoticeDocx}, {".xlsx", reports.WriteNoticeXlsx}} {
			if err := out.write(base+out.ext, n, head); err != nil {
				return err
			}
			run.AddOutput(base + out.ext)
		}
		overdue, soon := 0, 0
		for _, k := range n.Cases {
			if k.Kind == transform.WarnOverdue {
				overdue++
			} else {
				soon++
			}
		}
		fmt.Fprintf(c.out, "%s  %s  超期%d件 临期%d件  %s.docx (.xlsx)\n", n.No, n.UnitName, overdue, soon, base)
	}
	if w.DataThrough.Before(asOf.AddDate(0, 0, -1)) {
		fmt.Fprintf(c.errOut, "note: the exports run only to %s; cases closed since are not known and may be listed\n", w.DataThrough.Format("2006-01-02"))
	}
	return nil
}

// noticeIssuer is the office that signs the notices: the config's report.filing_unit,
// else report.made_by; empty prints a blank to fill in by hand.
func noticeIssuer(p *pipeline) string {
	if p.cfg.Report.FilingUnit != "" {
		return p.cfg.Report.FilingUnit
	}
	return p.cfg.Report.MadeBy
}

// fileSafe replaces the characters a file name may not hold.
func fileSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune(`/\:*?"<>|`, r) {
			return '_'
		}
		return r
	}, s)
}
