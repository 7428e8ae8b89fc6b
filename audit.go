package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/minqing/minqing/transform"
)

func init() { extraCommands = append(extraCommands, newAuditCmd) }

// newAuditCmd is `minqing audit`: the flags that deserve an auditor's look, the same list
// the workbook's 审计提示 sheet carries.
func newAuditCmd(c *cli) *cobra.Command {
	var period string
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "List what deserves an auditor's look: moved deadlines, back-dated closures, ratings before closure, quarter-end piles, stopped exports, unknown deadlines",
		Long: `Prints one tab-separated row per flag (docs/rules.md "Flags for auditors"):
  DUE_MISMATCH                 the recorded 办结期限 differs from the computed deadline
  BACKDATED_CLOSURE            closed on a date before an export that still showed it open
  SATISFACTION_BEFORE_CLOSURE  an export shows a rating while the case is open
  QUARTER_END_CLOSURES         a unit closed at least rules.quarter_end_min_cases of its own
                               cases on a quarter's last working day, and at least
                               rules.quarter_end_factor times its daily average that quarter
  EXPORTS_STOPPED              a unit's newest export in a village- or township-level source
                               is rules.export_gap_days or more older than the source's newest
  DEADLINE_UNKNOWN             a case lacking a date (or the limit) its deadline or its waiting
                               needs: it counts, but not in the figures that need that date
  LONG_WAIT                    a 补办件 or 上报件 waited (or still waits, at the newest export) for
                               documents or a reply more than rules.long_wait_days working days
  CLOSED_WITHOUT_DATE          an export states the case closed but gives no closure date: it
                               counts in close_rate, not in closed, on-time or processing time
With --period, only the flags dated in it (and every EXPORTS_STOPPED).`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.withPipeline(cmd, func(p *pipeline) error {
				r, _, _, err := p.figures(cmd.Context(), "latest")
				if err != nil {
					return err
				}
				var per *transform.Period
				if period != "" {
					pp, err := r.Period(cmd.Context(), period)
					if err != nil {
						return err
					}
					per = &pp
				}
				flags, err := r.AuditFlags(cmd.Context(), per)
				if err != nil {
					return err
				}
				return printAuditFlags(c.out, flags)
			})
		},
	}
	c.addConfig(cmd)
	cmd.Flags().StringVar(&period, "period", "", "only flags dated in this period (2024Q3, 2024-07, 2024)")
	return cmd
}

const auditHeader = "flag\tunit\tunit_name\tcase\tperiod\tsource\tday\tdetail"

func printAuditFlags(w io.Writer, flags []transform.AuditFlag) error {
	counts := map[string]int{}
	for _, f := range flags {
		counts[f.Flag]++
	}
	fmt.Fprintf(w, "flags: %d", len(flags))
	for _, code := range []string{"BACKDATED_CLOSURE", "DUE_MISMATCH", "SATISFACTION_BEFORE_CLOSURE", "QUARTER_END_CLOSURES", "EXPORTS_STOPPED", "DEADLINE_UNKNOWN", "CLOSED_WITHOUT_DATE", "LONG_WAIT"} {
		fmt.Fprintf(w, " %s=%d", code, counts[code])
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, auditHeader)
	for _, f := range flags {
		if _, err := fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", f.Flag, f.UnitCode, f.UnitName, f.CaseKey, f.PeriodID,
			f.Source, f.Day.Format("2006-01-02"), f.Detail); err != nil {
			return err
		}
	}
	return nil
}
