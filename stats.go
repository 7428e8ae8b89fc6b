package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/minqing/minqing/transform"
)

func init() { extraCommands = append(extraCommands, newStatsCmd) }

// newStatsCmd is `minqing stats`: every unit's figures for a period, for other programs.
func newStatsCmd(c *cli) *cobra.Command {
	var format, period string
	stats := &cobra.Command{
		Use:   "stats",
		Short: "Print every unit's figures for a period as JSON (or an Arrow IPC stream)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "json" && format != "arrow" {
				return fmt.Errorf("--format %q: json or arrow", format)
			}
			return c.withPipeline(cmd, func(p *pipeline) error {
				r, per, figs, err := p.figures(cmd.Context(), period)
				if err != nil {
					return err
				}
				through, err := r.DataThrough(cmd.Context())
				if err != nil {
					return err
				}
				if format == "arrow" {
					return writeStatsArrow(c.out, per, through, figs)
				}
				enc := json.NewEncoder(c.out)
				enc.SetIndent("", "  ")
				enc.SetEscapeHTML(false)
				return enc.Encode(statsJSON(per, through, figs))
			})
		},
	}
	c.addConfig(stats)
	stats.Flags().StringVar(&period, "period", "", "period (2024Q3, 2024-07, 2024); default the newest quarter that is over in the data")
	stats.Flags().StringVar(&format, "format", "json", "json, or arrow for an Arrow IPC stream (one row per unit and figure)")

	return stats
}

type statsUnit struct {
	Code    string         `json:"code"`
	Name    string         `json:"name"`
	Level   string         `json:"level"`
	Parent  *string        `json:"parent"`
	Figures map[string]any `json:"figures"`
}

// statsJSON shapes figures for `stats`: counts as integers, rates as fractions at full
// precision, null where a figure has no value. complete says whether the period is over
// in the data (transform.Period.Complete); data_through is the last day the data covers,
// and note, for a period not over, says so in the outputs' words (transform.NotOverNote).
func statsJSON(p transform.Period, dataThrough time.Time, figs []transform.UnitFigures) any {
	units := make([]statsUnit, 0, len(figs))
	for _, f := range figs {
		u := statsUnit{Code: f.Unit.Code, Name: f.Unit.Name, Level: f.Unit.Level, Figures: map[string]any{}}
		if f.Unit.Parent != "" {
			parent := f.Unit.Parent
			u.Parent = &parent
		}
		for _, d := range transform.FigureDefs() {
			v := f.Values[d.ID]
			switch {
			case v == nil:
				u.Figures[d.ID] = nil
			case d.Kind == transform.KindCount:
				u.Figures[d.ID] = int64(*v)
			default:
				u.Figures[d.ID] = *v
			}
		}
		units = append(units, u)
	}
	out := map[string]any{"period": p.ID, "cutoff": p.Cutoff.Format("2006-01-02"), "complete": p.Complete(dataThrough),
		"data_through": nil, "units": units}
	if !dataThrough.IsZero() {
		out["data_through"] = dataThrough.Format("2006-01-02")
	}
	if !dataThrough.IsZero() && !p.Complete(dataThrough) {
		out["note"] = transform.NotOverNote(dataThrough)
	}
	return out
}
