package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/minqing/minqing/internal/terms"
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
denominator, and one tab-separated row per case: in the numerator (分子, with what it
counts for), in the denominator (分母), or kept out with the reason (不计入原因). Adding up
the numerator column and counting the denominator column gives the figure back; rates
print as percentages. For score, each weighted rate is explained in turn.

--figure takes a figure's id or its Chinese name (on_time_rate or 按时办结率); without it,
the figures are listed. --unit takes a code or a name (白沙乡, 西街村委会, 白沙乡/新村).`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			def, err := lookupFigure(figure)
			if err != nil {
				return err
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
				r, per, _, err := p.figures(cmd.Context(), period)
				if err != nil {
					return err
				}
				u, err := p.unit(cmd.Context(), unit)
				if err != nil {
					return err
				}
				e, err := r.Explain(cmd.Context(), per, u.Code, def.ID)
				if err != nil {
					return fmt.Errorf("explaining %s %s of %s: %w", def.ID, def.Name, u.Name, err)
				}
				return printExplanation(c.out, e)
			})
		},
	}
	c.addConfig(cmd)
	cmd.Flags().StringVar(&period, "period", "", "period (2024Q3, 2024-07, 2024); default the newest quarter that is over in the data")
	cmd.Flags().StringVar(&unit, "unit", "", "unit code or name (白沙乡, 西街村, 白沙乡/新村); default the district")
	cmd.Flags().StringVar(&figure, "figure", "", "figure id or Chinese name, e.g. on_time_rate or 按时办结率 (without it, the list)")
	cmd.Flags().StringVar(&asOf, "as-of", "", "explain the figure as known at this date (2024-10-05): only exports dated on or before it")
	return cmd
}

// lookupFigure finds the figure --figure names by id or Chinese name; missing or unknown,
// it is refused with the list of figures.
func lookupFigure(name string) (transform.FigureDef, error) {
	name = strings.TrimSpace(name)
	if d, ok := transform.FigureByName(name); ok {
		return d, nil
	}
	var b strings.Builder
	for _, d := range transform.FigureDefs() {
		fmt.Fprintf(&b, "\n  %-20s %s", d.ID, d.Name)
	}
	if name == "" {
		return transform.FigureDef{}, fmt.Errorf("--figure: give a figure by id or Chinese name:%s", b.String())
	}
	return transform.FigureDef{}, fmt.Errorf("--figure %q: %w; the figures are:%s", name, transform.ErrUnknownFigure, b.String())
}

// explainHeader is the header of the case rows; the rows are tab-separated, so they paste
// into a spreadsheet as they are.
var explainHeader = strings.Join([]string{terms.CaseNo, terms.UnitCode, terms.Unit, terms.Category, terms.ReceivedAt,
	terms.DueOn, terms.ClosedOn, terms.OnTime, terms.Numerator, terms.Denominator, terms.Excluded}, "\t")

// percent prints a rate (a fraction) as a percentage with one decimal; nil is "—".
func percent(v *float64) string {
	if v == nil {
		return "—"
	}
	return strconv.FormatFloat(100**v, 'f', 1, 64) + "%"
}

// figureValue prints a figure's value as the command line shows it: rates and the score's
// parts as percentages, days with 工作日, counts as they are.
func figureValue(d transform.FigureDef, v *float64) string {
	switch {
	case v == nil:
		return "—"
	case d.Kind == transform.KindRate:
		return percent(v)
	case d.Kind == transform.KindDays:
		return strconv.FormatFloat(*v, 'f', 1, 64) + " " + terms.WorkingDays
	case d.Kind == transform.KindScore:
		return strconv.FormatFloat(*v, 'f', 1, 64)
	}
	return strconv.FormatFloat(*v, 'g', -1, 64)
}

func printExplanation(w io.Writer, e transform.Explanation) error {
	fmt.Fprintf(w, "figure:      %s %s\n", e.Figure.ID, e.Figure.Name)
	fmt.Fprintf(w, "unit:        %s %s (with the units below it)\n", e.Unit.Code, e.Unit.Name)
	fmt.Fprintf(w, "period:      %s %s, cutoff %s\n", e.Period.ID, e.Period.Label(), e.Period.Cutoff.Format("2006-01-02"))
	fmt.Fprintf(w, "definition:  %s\n", e.Figure.Definition)
	fmt.Fprintf(w, "value:       %s\n", figureValue(e.Figure, e.Value))
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
			no = caseLabel(c.CaseNo, c.CaseKey)
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

// caseLabel is how the command line names a case: its number, or （无编号） and the start of
// its fingerprint, which tells cases apart without showing the internal key's form.
func caseLabel(caseNo, key string) string {
	if caseNo != "" {
		return caseNo
	}
	fp := strings.TrimPrefix(key, "fp:")
	if len(fp) > 12 {
		fp = fp[:12]
	}
	return terms.NoCaseNo + fp
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
		return "是"
	}
	return "否"
}
