package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/minqing/minqing/internal/terms"
	"github.com/minqing/minqing/transform"
)

func init() { extraCommands = append(extraCommands, newAuditCmd) }

// newAuditCmd is `minqing audit`: the flags that deserve an auditor's look, the same list
// the workbook's 审计提示 sheet carries.
func newAuditCmd(c *cli) *cobra.Command {
	var period, unit string
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
With --period, only the flags dated in it (and every EXPORTS_STOPPED); with --unit, only
the flags of that unit and the units below it. The list is in Chinese, as the workbook's
审计提示 sheet: 提示, 代码, 单位编码, 单位, 诉求编号, 期间, 来源, 日期, 说明.`,
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
				scope := "全区"
				if unit != "" {
					u, err := p.unit(cmd.Context(), unit)
					if err != nil {
						return err
					}
					units, err := r.Units(cmd.Context())
					if err != nil {
						return err
					}
					in := subtree(units, u)
					kept := flags[:0:0]
					for _, f := range flags {
						if in[f.UnitCode] {
							kept = append(kept, f)
						}
					}
					flags, scope = kept, u.Name+"（含下辖单位）"
				}
				return printAuditFlags(c.out, flags, scope, per)
			})
		},
	}
	c.addConfig(cmd)
	cmd.Flags().StringVar(&period, "period", "", "only flags dated in this period (2024Q3, 2024-07, 2024)")
	cmd.Flags().StringVar(&unit, "unit", "", "only the flags of this unit and those below it: a code or a name (白沙乡, 西街村)")
	return cmd
}

// auditFlagOrder is the order the summary line counts the flags in.
var auditFlagOrder = []string{"BACKDATED_CLOSURE", "DUE_MISMATCH", "SATISFACTION_BEFORE_CLOSURE", "QUARTER_END_CLOSURES",
	"EXPORTS_STOPPED", "DEADLINE_UNKNOWN", "CLOSED_WITHOUT_DATE", "LONG_WAIT"}

// auditHeader heads the tab-separated rows, with the columns of the workbook's 审计提示.
var auditHeader = strings.Join([]string{terms.Flag, terms.FlagCode, terms.UnitCode, terms.Unit, terms.CaseNo,
	terms.Period, terms.Source, terms.Day, terms.Detail}, "\t")

func printAuditFlags(w io.Writer, flags []transform.AuditFlag, scope string, per *transform.Period) error {
	counts := map[string]int{}
	for _, f := range flags {
		counts[f.Flag]++
	}
	when := "全部期间"
	if per != nil {
		when = per.Label()
	}
	fmt.Fprintf(w, "审计提示（%s，%s）：共%d项", scope, when, len(flags))
	for _, code := range auditFlagOrder {
		fmt.Fprintf(w, "，%s %d", terms.FlagNames[code], counts[code])
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, auditHeader)
	for _, f := range flags {
		no := ""
		if f.CaseKey != "" {
			no = caseLabel(f.CaseNo, f.CaseKey)
		}
		if _, err := fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", terms.FlagNames[f.Flag], f.Flag, f.UnitCode, f.UnitName, no,
			f.PeriodID, f.Source, f.Day.Format("2006-01-02"), f.Detail); err != nil {
			return err
		}
	}
	return nil
}
