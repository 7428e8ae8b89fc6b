package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/minqing/minqing/transform"
)

func init() { extraCommands = append(extraCommands, newExplainCmd) }

// newExplainCmd is `minqing explain`: one figure of one unit and period with the cases
// behind it, so an auditor can recompute it by hand.
func newExplainCmd(c *cli) *cobra.Command {
	var period, unit, figure, asOf string
	cmd := &cobra.Command{
		Use:   "explain",
		Short: "Show a figure with its numerator, denominator and the cases in each (and why others are left out)",
		Long: `Prints the figure of a unit (with every unit below it) for a period, its numerator and
denominator, and one tab-separated row per case: in the numerator (with what it counts
for), in the denominator, or kept out with the reason. Adding up the numerator column and
counting the denominator column gives the figure back. For score, each weighted rate is
explained in turn.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if figure == "" {
				return fmt.Errorf("--figure: one of %s", strings.Join(figureIDs(), ", "))
			}
			return c.withPipeline(cmd, func(p *pipeline) error {
				if asOf != "" {
					d, err := parseAsOf(asOf)
					if err != nil {
						return err
					}
					known, err := p.knownAt(cmd.Context(), d)
					if err != nil {
						return err
					}
					defer known.Close()
					p = known
				}
				r, per, figs, err := p.figures(cmd.Context(), period)
				if err != nil {
					return err
				}
				code := figs[0].Unit.Code
				if unit != "" {
					code = ""
					for _, f := range figs {
						if f.Unit.Code == unit || f.Unit.Name == unit {
							code = f.Unit.Code
						}
					}
					if code == "" {
						return fmt.Errorf("--unit %q: %w (give a code or a name of units.csv)", unit, transform.ErrUnknownUnit)
					}
				}
				e, err := r.Explain(cmd.Context(), per, code, figure)
				if err != nil {
					return fmt.Errorf("--figure %s: %w", figure, err)
				}
				return printExplanation(c.out, e)
			})
		},
	}
	c.addConfig(cmd)
	cmd.Flags().StringVar(&period, "period", "", "period (2024Q3, 2024-07, 2024); default the newest quarter that is over in the data")
	cmd.Flags().StringVar(&unit, "unit", "", "unit code or name; default the district")
	cmd.Flags().StringVar(&figure, "figure", "", "figure id, e.g. on_time_rate (see `minqing stats`)")
	cmd.Flags().StringVar(&asOf, "as-of", "", "explain the figure as known at this date (2024-10-05): only exports dated on or before it")
	return cmd
}

func figureIDs() []string {
	var ids []string
	for _, d := range transform.FigureDefs() {
		ids = append(ids, d.ID)
	}
	return ids
}

// explainHeader is the header of the case rows; the rows are tab-separated, so they paste
// into a spreadsheet as they are.
const explainHeader = "case_no\tunit\tunit_name\tclass\treceived\tdeadline\tclosed\ton_time\tnumerator\tdenominator\texcluded"

func printExplanation(w io.Writer, e transform.Explanation) error {
	fmt.Fprintf(w, "figure:      %s %s\n", e.Figure.ID, e.Figure.Name)
	fmt.Fprintf(w, "unit:        %s %s (with the units below it)\n", e.Unit.Code, e.Unit.Name)
	fmt.Fprintf(w, "period:      %s %s, cutoff %s\n", e.Period.ID, e.Period.Label(), e.Period.Cutoff.Format("2006-01-02"))
	fmt.Fprintf(w, "definition:  %s\n", e.Figure.Definition)
	fmt.Fprintf(w, "value:       %s\n", explainNum(e.Value))
	if e.Figure.ID == "score" {
		fmt.Fprintln(w, "how:         100 × Σ weight × rate / Σ weight over the rates that have a value; none when nothing fell due in the period")
		for _, part := range e.Parts {
			fmt.Fprintf(w, "\n== part %s, weight %s ==\n", part.Figure.ID, strconv.FormatFloat(e.Weights[part.Figure.ID], 'g', -1, 64))
			if err := printExplanation(w, part); err != nil {
				return err
			}
		}
		return nil
	}
	switch e.Figure.ID {
	case "avg_days":
		fmt.Fprintln(w, "how:         mean of the numerator column (processing days) over the cases listed in it")
	case "median_days":
		fmt.Fprintln(w, "how:         median of the numerator column (processing days; mean of the middle two when even)")
	default:
		fmt.Fprintf(w, "numerator:   %s\n", explainNum(e.Numerator))
		if e.Denominator != nil {
			fmt.Fprintf(w, "denominator: %s\n", explainNum(e.Denominator))
		}
	}
	fmt.Fprintln(w, explainHeader)
	for _, c := range e.Cases {
		no := c.CaseNo
		if no == "" {
			no = c.CaseKey
		}
		num, den := "", ""
		if c.InNumerator {
			num = strconv.FormatFloat(c.Weight, 'g', -1, 64)
		}
		if c.InDenominator {
			den = "1"
		}
		excluded := c.Excluded
		if c.WaitingDays != nil && excluded != "" {
			excluded += fmt.Sprintf("（截至统计截止日已等待%d天）", *c.WaitingDays)
		}
		if _, err := fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", no, c.UnitCode, c.UnitName, c.Category,
			c.Received.Format("2006-01-02T15:04"), explainDate(c.Deadline), explainDate(c.Closed), explainBool(c.OnTime),
			num, den, excluded); err != nil {
			return err
		}
	}
	return nil
}

func explainNum(v *float64) string {
	if v == nil {
		return "—"
	}
	return strconv.FormatFloat(*v, 'g', -1, 64)
}

func explainDate(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format("2006-01-02")
}

func explainBool(b *bool) string {
	switch {
	case b == nil:
		return ""
	case *b:
		return "yes"
	}
	return "no"
}
