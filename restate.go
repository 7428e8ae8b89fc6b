package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/minqing/minqing/internal/terms"
	"github.com/minqing/minqing/transform"
)

func init() { extraCommands = append(extraCommands, newRestateCmd) }

// newRestateCmd is `minqing restate`: what changed in a period's figures between two
// knowledge dates, case by case, with the back-dated closures marked.
func newRestateCmd(c *cli) *cobra.Command {
	var period, from, to, unit string
	cmd := &cobra.Command{
		Use:   "restate",
		Short: "List every case whose counting changed between two knowledge dates, and how each published figure moved",
		Long: `Makes the period's figures twice, from the export files known at --from and at --to
(files dated on or before each date), and prints every case that counts differently
(back-dated closures marked 倒签办结: open in an export the earlier date had, closed in
a later one on a date before that export) and every figure of every unit that moved,
rates in percent and their change in 个百分点. With --unit, only that unit and the units
below it. The store's current figures are not touched.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if period == "" || from == "" || to == "" {
				return fmt.Errorf("--period, --from and --to are required (e.g. --period 2024Q3 --from 2024-10-05 --to 2024-11-09)")
			}
			d1, err := parseAsOf(from)
			if err != nil {
				return fmt.Errorf("--from: %w", err)
			}
			d2, err := parseAsOf(to)
			if err != nil {
				return fmt.Errorf("--to: %w", err)
			}
			if !d1.Before(d2) {
				return fmt.Errorf("--from %s must be before --to %s", from, to)
			}
			return c.withPipeline(cmd, func(p *pipeline) error {
				scope := "全区"
				var in map[string]bool
				if unit != "" {
					u, err := p.unit(cmd.Context(), unit)
					if err != nil {
						return err
					}
					units, err := transform.NewReader(p.db).Units(cmd.Context())
					if err != nil {
						return err
					}
					in, scope = subtree(units, u), u.Name+"（含下辖单位）"
				}
				rs, err := p.restate(cmd.Context(), period, d1, d2)
				if err != nil {
					return err
				}
				if in != nil {
					rs = restatementWithin(rs, in)
				}
				return printRestatement(c.out, rs, d1, d2, scope)
			})
		},
	}
	c.addConfig(cmd)
	cmd.Flags().StringVar(&period, "period", "", "period (2024Q3, 2024-07, 2024)")
	cmd.Flags().StringVar(&from, "from", "", "the earlier knowledge date, 2024-10-05")
	cmd.Flags().StringVar(&to, "to", "", "the later knowledge date, 2024-11-09")
	cmd.Flags().StringVar(&unit, "unit", "", "only this unit and those below it: a code or a name (白沙乡, 西街村)")
	return cmd
}

// restate makes the period's figures as known at from and at to and compares them.
func (p *pipeline) restate(ctx context.Context, periodID string, from, to time.Time) (transform.Restatement, error) {
	per, err := transform.ParsePeriod(periodID)
	if err != nil {
		return transform.Restatement{}, err
	}
	before, err := p.knownAt(ctx, from)
	if err != nil {
		return transform.Restatement{}, err
	}
	defer before.Close()
	after, err := p.knownAt(ctx, to)
	if err != nil {
		return transform.Restatement{}, err
	}
	defer after.Close()
	return transform.Restate(ctx, transform.NewReader(before.db), transform.NewReader(after.db), per)
}

// restateCaseHeader and restateFigureHeader head the two tab-separated tables.
var (
	restateCaseHeader = strings.Join([]string{terms.CaseNo, terms.UnitCode, terms.Unit, terms.Category,
		terms.Before, terms.After, "涉及" + terms.Figure, terms.Flag}, "\t")
	restateFigureHeader = strings.Join([]string{terms.UnitCode, terms.Unit, terms.Figure, terms.Before, terms.After, terms.Change}, "\t")
)

func printRestatement(w io.Writer, rs transform.Restatement, from, to time.Time, scope string) error {
	back := 0
	for _, c := range rs.Cases {
		if c.Backdated {
			back++
		}
	}
	fmt.Fprintf(w, "%s：%s %s，%s\n", terms.Period, rs.Period.ID, rs.Period.Label(), scope)
	fmt.Fprintf(w, "依据：%s 前已知的导出文件 → %s 前已知的导出文件\n", from.Format("2006-01-02"), to.Format("2006-01-02"))
	fmt.Fprintf(w, "计数有变化的诉求：%d件（其中%s %d件）\n", len(rs.Cases), terms.FlagNames["BACKDATED_CLOSURE"], back)
	fmt.Fprintln(w, restateCaseHeader)
	for _, c := range rs.Cases {
		flag := ""
		if c.Backdated {
			flag = terms.FlagNames["BACKDATED_CLOSURE"] + "：" + c.After.Closed.Format("2006-01-02") + "办结，" +
				c.Before.LastSeenOpen.Format("2006-01-02") + "的导出仍为未办结"
		}
		var figs []string
		for _, id := range c.Figures {
			figs = append(figs, figureName(id))
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", caseLabel(c.CaseNo, c.CaseKey), c.UnitCode, c.UnitName, c.Category,
			describeState(c.Before), describeState(c.After), strings.Join(figs, "、"), flag)
	}
	fmt.Fprintf(w, "\n有变动的指标：%d项\n", len(rs.Figures))
	fmt.Fprintln(w, restateFigureHeader)
	for _, f := range rs.Figures {
		d, _ := transform.FigureDefByID(f.FigureID)
		change := ""
		if f.Before != nil && f.After != nil {
			switch d.Kind {
			case transform.KindRate:
				change = signed(100*(*f.After-*f.Before), 1) + " " + terms.Points
			case transform.KindDays:
				change = signed(*f.After-*f.Before, 1) + " " + terms.WorkingDays
			case transform.KindScore:
				change = signed(*f.After-*f.Before, 1)
			default:
				change = signed(*f.After-*f.Before, -1)
			}
		}
		if _, err := fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", f.Unit.Code, f.Unit.Name, figureName(f.FigureID),
			figureValue(d, f.Before), figureValue(d, f.After), change); err != nil {
			return err
		}
	}
	return nil
}

// restatementWithin is rs restricted to the units whose codes are in codes.
func restatementWithin(rs transform.Restatement, codes map[string]bool) transform.Restatement {
	out := transform.Restatement{Period: rs.Period}
	for _, c := range rs.Cases {
		if codes[c.UnitCode] {
			out.Cases = append(out.Cases, c)
		}
	}
	for _, f := range rs.Figures {
		if codes[f.Unit.Code] {
			out.Figures = append(out.Figures, f)
		}
	}
	return out
}

// figureName is a figure's Chinese name, or its id where it has none.
func figureName(id string) string {
	if d, ok := transform.FigureDefByID(id); ok {
		return d.Name
	}
	return id
}

// signed prints v with its sign (+1.5, −2) and prec decimals (-1: as few as needed).
func signed(v float64, prec int) string {
	s := strconv.FormatFloat(v, 'f', prec, 64)
	if v > 0 {
		return "+" + s
	}
	return s
}

// describeState is a case's state in a few words: 未计入, 未办结, 已退回, or 办结 with the
// date and whether on time.
func describeState(s *transform.CaseState) string {
	switch {
	case s == nil:
		return "未计入"
	case s.Withdrawn:
		return s.Status
	case s.Closed == nil:
		return "未办结"
	}
	out := "办结" + s.Closed.Format("2006-01-02")
	switch {
	case s.OnTime == nil:
		out += "（期限无法计算）"
	case *s.OnTime:
		out += "（按时）"
	default:
		out += "（超期）"
	}
	if s.Rating != "" {
		out += "，" + s.Rating
	}
	return out
}
