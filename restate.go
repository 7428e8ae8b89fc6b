package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/minqing/minqing/transform"
)

func init() { extraCommands = append(extraCommands, newRestateCmd) }

// newRestateCmd is `minqing restate`: what changed in a period's figures between two
// knowledge dates, case by case, with the back-dated closures marked.
func newRestateCmd(c *cli) *cobra.Command {
	var period, from, to string
	cmd := &cobra.Command{
		Use:   "restate",
		Short: "List every case whose counting changed between two knowledge dates, and how each published figure moved",
		Long: `Makes the period's figures twice, from the export files known at --from and at --to
(files dated on or before each date), and prints every case that counts differently
(back-dated closures marked BACKDATED: open in an export the earlier date had, closed in
a later one on a date before that export) and every figure of every unit that moved.
The store's current figures are not touched.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if period == "" || from == "" || to == "" {
				return fmt.Errorf("--period, --from and --to are required")
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
				rs, err := p.restate(cmd.Context(), period, d1, d2)
				if err != nil {
					return err
				}
				return printRestatement(c.out, rs, d1, d2)
			})
		},
	}
	c.addConfig(cmd)
	cmd.Flags().StringVar(&period, "period", "", "period (2024Q3, 2024-07, 2024)")
	cmd.Flags().StringVar(&from, "from", "", "the earlier knowledge date, 2024-10-05")
	cmd.Flags().StringVar(&to, "to", "", "the later knowledge date, 2024-11-09")
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
const (
	restateCaseHeader   = "case_no\tunit\tunit_name\tclass\tbefore\tafter\tfigures\tflag"
	restateFigureHeader = "unit\tunit_name\tfigure\tbefore\tafter\tchange"
)

func printRestatement(w io.Writer, rs transform.Restatement, from, to time.Time) error {
	back := 0
	for _, c := range rs.Cases {
		if c.Backdated {
			back++
		}
	}
	fmt.Fprintf(w, "period:   %s %s\n", rs.Period.ID, rs.Period.Label())
	fmt.Fprintf(w, "known at: %s → %s\n", from.Format("2006-01-02"), to.Format("2006-01-02"))
	fmt.Fprintf(w, "cases whose counting changed: %d (back-dated closures: %d)\n", len(rs.Cases), back)
	fmt.Fprintln(w, restateCaseHeader)
	for _, c := range rs.Cases {
		no := c.CaseNo
		if no == "" {
			no = c.CaseKey
		}
		flag := ""
		if c.Backdated {
			flag = "BACKDATED: closed " + c.After.Closed.Format("2006-01-02") + ", open in the export of " + c.Before.LastSeenOpen.Format("2006-01-02")
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", no, c.UnitCode, c.UnitName, c.Category,
			describeState(c.Before), describeState(c.After), strings.Join(c.Figures, ","), flag)
	}
	fmt.Fprintf(w, "\nfigures that moved: %d\n", len(rs.Figures))
	fmt.Fprintln(w, restateFigureHeader)
	for _, f := range rs.Figures {
		d, _ := transform.FigureDefByID(f.FigureID)
		change := ""
		if f.Before != nil && f.After != nil {
			switch d.Kind {
			case transform.KindRate:
				change = strconv.FormatFloat(100*(*f.After-*f.Before), 'f', 1, 64) + " pt"
			default:
				change = strconv.FormatFloat(*f.After-*f.Before, 'g', 6, 64)
			}
		}
		if _, err := fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", f.Unit.Code, f.Unit.Name, f.FigureID,
			explainNum(f.Before), explainNum(f.After), change); err != nil {
			return err
		}
	}
	return nil
}

// describeState is a case's state in a few words: 未计入, 办理中, 已退回, or 办结 with the
// date and whether on time.
func describeState(s *transform.CaseState) string {
	switch {
	case s == nil:
		return "未知"
	case s.Withdrawn:
		return s.Status
	case s.Closed == nil:
		return "未办结"
	}
	out := "办结" + s.Closed.Format("2006-01-02")
	if s.OnTime != nil && *s.OnTime {
		out += "（按时）"
	} else {
		out += "（超期）"
	}
	if s.Rating != "" {
		out += "，" + s.Rating
	}
	return out
}
