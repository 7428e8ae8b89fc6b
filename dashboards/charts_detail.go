package dashboards

import (
	"strconv"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/minqing/minqing/transform"
)

// breakdownOption draws 受理量 per value of a breakdown (channels, topics) as horizontal
// bars, the largest on top, so long labels stay readable on a phone. The rows come sorted.
func breakdownOption(rows []transform.BreakdownRow) (string, error) {
	names := make([]string, len(rows))
	data := make([]opts.BarData, len(rows))
	for i, r := range rows {
		names[i] = r.Value
		data[i] = opts.BarData{Value: chartValue(r.Values["received"], 1)}
	}
	bar := charts.NewBar()
	bar.SetGlobalOptions(commonOpts()...)
	bar.SetGlobalOptions(
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		charts.WithGridOpts(opts.Grid{Left: "8", Right: "48", Top: "16", Bottom: "8", ContainLabel: opts.Bool(true)}),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Min: 0, MinInterval: 1, AxisLabel: &opts.AxisLabel{}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Inverse: opts.Bool(true),
			AxisLabel: &opts.AxisLabel{Interval: "0", Width: 110, Overflow: "truncate"}}),
	)
	bar.SetXAxis(names).
		AddSeries("受理量", data,
			barMaxWidth("22"), itemColour(rankColour),
			charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "right", Formatter: "{c}"}))
	bar.XYReversal()
	return option(bar, nil)
}

// sortedByReceived orders breakdown rows by 受理量, most first (ties by value), dropping
// values with none, for the channel and topic charts.
func sortedByReceived(rows []transform.BreakdownRow) []transform.BreakdownRow {
	var out []transform.BreakdownRow
	for _, r := range rows {
		if v := r.Values["received"]; v != nil && *v > 0 {
			out = append(out, r)
		}
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && less(out[j], out[j-1]); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func less(a, b transform.BreakdownRow) bool {
	va, vb := *a.Values["received"], *b.Values["received"]
	if va != vb {
		return va > vb
	}
	return a.Value < b.Value
}

// heatHeight gives every row of the heat map a readable band.
func heatHeight(rows int) int { return max(220, 110+30*rows) }

// The heat map's row labels are cut at heatLabelWidth px, and each month's column is at
// least heatCellWidth px: wide enough for "100.0" in the label font.
const (
	heatLabelWidth = 110
	heatCellWidth  = 44
)

// heatMinWidth is the heat map's narrowest width for months columns (labels, grid margins
// and cells).
func heatMinWidth(months int) int { return heatLabelWidth + 24 + heatCellWidth*months }

// heatOption draws the units × months grid of on-time rates (percent); a month with no
// closed case is left blank rather than coloured as 0.
func heatOption(months []transform.Period, rows []HeatRow) (string, error) {
	labels := axisLabels(months)
	names := make([]string, len(rows))
	var data []opts.HeatMapData
	for y, r := range rows {
		names[y] = r.Unit.Name
		for x, v := range r.Values {
			data = append(data, opts.HeatMapData{Value: [3]any{x, y, chartValue(v, 100)}})
		}
	}
	hm := charts.NewHeatMap()
	hm.SetGlobalOptions(
		charts.WithAnimation(false),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithGridOpts(opts.Grid{Left: "8", Right: "8", Top: "8", Bottom: "56", ContainLabel: opts.Bool(true)}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		// Every month labelled: a column is wide enough for its name (heatMinWidth).
		charts.WithXAxisOpts(opts.XAxis{Type: "category", Data: labels, SplitArea: &opts.SplitArea{Show: opts.Bool(true)},
			AxisLabel: &opts.AxisLabel{Interval: "0"}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Inverse: opts.Bool(true), Data: names,
			AxisLabel: &opts.AxisLabel{Interval: "0", Width: heatLabelWidth, Overflow: "truncate"}}),
		// Low on-time rates are shaded as the workbook marks the worse, high ones as it
		// marks the better; the labels stay dark on both.
		charts.WithVisualMapOpts(opts.VisualMap{
			Calculable: opts.Bool(true), Min: 60, Max: 100, Orient: "horizontal", Left: strconv.Itoa(heatLabelWidth), Bottom: "0",
			Text:    []string{"100%", "60%"},
			InRange: &opts.VisualMapInRange{Color: []string{badTint, neutralHue, goodTint}},
		}),
	)
	hm.SetXAxis(labels).AddSeries("按时办结率（%）", data,
		charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Formatter: "{@[2]}", Color: "#1f2933", FontSize: 12}))
	return option(hm, nil)
}
