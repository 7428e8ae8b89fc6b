package dashboards

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/minqing/minqing/transform"
)

// chartFont is the canvas font list. ECharts draws text on a canvas, which does not inherit
// the page's CSS, so the system CJK fonts are named here as well.
const chartFont = `"PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", sans-serif`

// classOrder is the order domain.md lists the five classes in; other values follow by name.
var classOrder = map[string]int{"即办件": 0, "承诺件": 1, "补办件": 2, "上报件": 3, "建议件": 4}

// goodColour and badColour mark a change for the better and for the worse, as the
// workbook does (reports/style.go, changeFormat: [Blue] for the better, [Red] for the
// worse; TestColoursAgreeWithWorkbook holds the two together). The heat map shades its
// cells with tints of the same two.
const (
	goodColour = "#0000FF"
	badColour  = "#FF0000"
	goodTint   = "#9999FF" // goodColour at 40% over white: dark labels stay legible on it
	badTint    = "#FF9999"
	neutralHue = "#F4F4F4"
)

// Series colours: counts in greys, so that no bar reads as good or bad news, and each
// rate line a colour of its own, in no other series of the page (the satisfaction line
// dashed as well, for a printout in black and white).
const (
	receivedColour  = "#B3BECB"
	closedColour    = "#5F6F84"
	onTimeColour    = "#7B2FBE"
	satisfiedColour = "#0E8C7F"
	rankColour      = "#5F6F84"
)

// narrowWidth is the chart width (px) under which a chart switches to its phone layout.
const narrowWidth = 480

// emptyValue is ECharts' marker for "no value": a gap in a line, no bar.
const emptyValue = "-"

// chartValue gives ECharts a finite number, scaled and rounded to one decimal as the page
// shows it, or the empty marker; json.Marshal rejects NaN and Inf, and a nil figure must not
// be drawn as 0.
func chartValue(v *float64, scale float64) any {
	if v == nil || math.IsNaN(*v) || math.IsInf(*v, 0) {
		return emptyValue
	}
	return round1(*v * scale)
}

// option marshals a chart's option. It is the only way a chart reaches the page: the bytes
// go to html/template as a string and from there to JSON.parse, so text in the data can never
// become markup or code (go-echarts' renderer would write it raw and turn "__f__" strings
// into functions).
//
// narrow, when not nil, is merged over the option on screens under narrowWidth pixels (an
// ECharts media query), for what CSS cannot reach inside the canvas.
func option(c interface {
	Validate()
	JSON() map[string]any
}, narrow map[string]any) (string, error) {
	c.Validate()
	o := c.JSON()
	o["textStyle"] = map[string]any{"fontFamily": chartFont}
	if narrow != nil {
		o = map[string]any{
			"baseOption": o,
			"media": []any{map[string]any{
				"query":  map[string]any{"maxWidth": narrowWidth},
				"option": narrow,
			}},
		}
	}
	b, err := json.Marshal(o)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// commonOpts are shared by every chart (not the grid: WithGridOpts appends a grid rather
// than replacing it). Animation is off: intranet PCs are often slow, and a
// still chart is what a screenshot or a printout shows.
func commonOpts() []charts.GlobalOpts {
	return []charts.GlobalOpts{
		charts.WithAnimation(false),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
	}
}

// trendOption charts the district's quarters: counts as bars on the left axis, rates (in
// percent) as lines on the right axis.
func trendOption(trend []transform.PeriodFigures) (string, error) {
	labels := make([]string, len(trend))
	received := make([]opts.BarData, len(trend))
	closed := make([]opts.BarData, len(trend))
	onTime := make([]opts.LineData, len(trend))
	satisfied := make([]opts.LineData, len(trend))
	periods := make([]transform.Period, len(trend))
	for i, p := range trend {
		periods[i] = p.Period
	}
	copy(labels, axisLabels(periods))
	for i, p := range trend {
		received[i] = opts.BarData{Value: chartValue(p.Values["received"], 1)}
		closed[i] = opts.BarData{Value: chartValue(p.Values["closed"], 1)}
		onTime[i] = opts.LineData{Value: chartValue(p.Values["on_time_rate"], 100)}
		satisfied[i] = opts.LineData{Value: chartValue(p.Values["satisfaction_rate"], 100)}
	}

	bar := charts.NewBar()
	bar.SetGlobalOptions(commonOpts()...)
	bar.SetGlobalOptions(
		// Small legend keys keep the four entries on one line on a phone, clear of the axes.
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "0", ItemWidth: 14}),
		charts.WithGridOpts(opts.Grid{Left: "8", Right: "8", Top: "56", Bottom: "8", ContainLabel: opts.Bool(true)}),
		// The default interval lets ECharts skip labels that would overlap on a narrow screen.
		charts.WithXAxisOpts(opts.XAxis{Type: "category", AxisLabel: &opts.AxisLabel{}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: "件", Min: 0, MinInterval: 1, AxisLabel: &opts.AxisLabel{}}),
	)
	// Rates of these units sit between 80% and 100%: a 0–100 axis would flatten the trend,
	// so the rate axis (lines, not bars) starts where the data does and stops at 100%; its
	// lowest value is labelled. The count axis, of bars, starts at 0.
	bar.ExtendYAxis(opts.YAxis{
		Type: "value", Name: "%", Scale: opts.Bool(true), Max: 100,
		AxisLabel: &opts.AxisLabel{Formatter: "{value}%"},
		SplitLine: &opts.SplitLine{Show: opts.Bool(false)},
	})
	bar.SetXAxis(labels).
		AddSeries("受理量", received, barMaxWidth("32"), itemColour(receivedColour)).
		AddSeries("办结量", closed, barMaxWidth("32"), itemColour(closedColour))

	line := charts.NewLine()
	line.SetXAxis(labels).
		AddSeries("按时办结率", onTime, charts.WithLineChartOpts(opts.LineChart{YAxisIndex: 1, ConnectNulls: opts.Bool(false)}),
			itemColour(onTimeColour), charts.WithLineStyleOpts(opts.LineStyle{Color: onTimeColour, Width: 3})).
		AddSeries("满意率", satisfied, charts.WithLineChartOpts(opts.LineChart{YAxisIndex: 1, ConnectNulls: opts.Bool(false)}),
			itemColour(satisfiedColour), charts.WithLineStyleOpts(opts.LineStyle{Color: satisfiedColour, Width: 2, Type: "dashed"}))
	bar.Overlap(line)
	// On a phone ECharts would skip every other quarter, the latest among them; a smaller
	// font keeps every quarter labelled.
	narrow := map[string]any{
		"xAxis": []any{map[string]any{"axisLabel": map[string]any{"interval": 0, "fontSize": 10}}},
	}
	return option(bar, narrow)
}

// rankedUnit is a township in the ranking.
type rankedUnit struct {
	Name  string
	Code  string
	Score float64
}

// unrankedUnit is a unit listed apart from the ranking, with why.
type unrankedUnit struct {
	transform.Unit
	Reason string
}

// splitRanking orders the townships with a score, best first (ties by code, then name, so the
// page is the same on every run), and lists apart, by code, those with none: a unit with
// nothing due in the period, or whose score inputs are all unknown, is not ranked (domain.md).
func splitRanking(units []transform.UnitFigures) (ranked []rankedUnit, unranked []unrankedUnit) {
	for _, u := range units {
		s := u.Values["score"]
		if s == nil || math.IsNaN(*s) || math.IsInf(*s, 0) {
			unranked = append(unranked, unrankedUnit{Unit: u.Unit, Reason: u.UnrankedReason()})
			continue
		}
		ranked = append(ranked, rankedUnit{Name: u.Unit.Name, Code: u.Unit.Code, Score: *s})
	}
	sort.SliceStable(ranked, func(i, j int) bool {
		a, b := ranked[i], ranked[j]
		if a.Score != b.Score {
			return a.Score > b.Score
		}
		if a.Code != b.Code {
			return a.Code < b.Code
		}
		return a.Name < b.Name
	})
	sort.SliceStable(unranked, func(i, j int) bool {
		if unranked[i].Code != unranked[j].Code {
			return unranked[i].Code < unranked[j].Code
		}
		return unranked[i].Name < unranked[j].Name
	})
	return ranked, unranked
}

// rankingHeight gives every township a readable row, however many there are.
func rankingHeight(n int) int {
	return max(240, 64+36*n)
}

// rankingOption draws the ranked townships as horizontal bars, the best on top.
func rankingOption(ranked []rankedUnit) (string, error) {
	names := make([]string, len(ranked))
	data := make([]opts.BarData, len(ranked))
	for i, r := range ranked {
		names[i] = r.Name
		v := r.Score
		// The label is the formatted score itself, so 81 reads 81.0 like its neighbours;
		// it holds only digits and a point, never braces ECharts would read as a template.
		data[i] = opts.BarData{Value: chartValue(&v, 1), Label: &opts.Label{Formatter: formatValue(transform.KindScore, &v)}}
	}
	bar := charts.NewBar()
	bar.SetGlobalOptions(commonOpts()...)
	bar.SetGlobalOptions(
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		charts.WithGridOpts(opts.Grid{Left: "8", Right: "48", Top: "16", Bottom: "8", ContainLabel: opts.Bool(true)}),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Min: 0, Max: 100, AxisLabel: &opts.AxisLabel{}}),
		// A long unit name is cut on the axis rather than squeezing the bars; the tooltip
		// shows it whole.
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Inverse: opts.Bool(true),
			AxisLabel: &opts.AxisLabel{Interval: "0", Width: 120, Overflow: "truncate"}}),
	)
	bar.SetXAxis(names).
		AddSeries("综合得分", data,
			barMaxWidth("22"), itemColour(rankColour),
			charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "right"}))
	bar.XYReversal()
	return option(bar, nil)
}

// classRows orders the class breakdown as domain.md lists the classes.
func classRows(rows []transform.BreakdownRow) []transform.BreakdownRow {
	out := append([]transform.BreakdownRow(nil), rows...)
	sort.SliceStable(out, func(i, j int) bool {
		oi, iok := classOrder[out[i].Value]
		oj, jok := classOrder[out[j].Value]
		switch {
		case iok && jok:
			return oi < oj
		case iok != jok:
			return iok
		}
		return out[i].Value < out[j].Value
	})
	return out
}

// classesOption draws 受理量 per class as bars with their counts on top.
func classesOption(rows []transform.BreakdownRow) (string, error) {
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
		charts.WithGridOpts(opts.Grid{Left: "8", Right: "8", Top: "32", Bottom: "8", ContainLabel: opts.Bool(true)}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", AxisLabel: &opts.AxisLabel{Interval: "0"}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: "件", Min: 0, MinInterval: 1, AxisLabel: &opts.AxisLabel{}}),
	)
	bar.SetXAxis(names).
		AddSeries("受理量", data,
			barMaxWidth("48"), itemColour(rankColour),
			charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "top", Formatter: "{c}"}))
	return option(bar, nil)
}

// itemColour gives a series its own colour.
func itemColour(c string) charts.SeriesOpts {
	return charts.WithItemStyleOpts(opts.ItemStyle{Color: c})
}

// barMaxWidth keeps bars slim when there are few categories on a wide screen.
func barMaxWidth(px string) charts.SeriesOpts {
	return charts.WithSeriesOpts(func(s *charts.SingleSeries) { s.BarMaxWidth = px })
}

// chartError names the chart whose option could not be built.
func chartError(name string, err error) error {
	return fmt.Errorf("building %s chart: %w", name, err)
}
