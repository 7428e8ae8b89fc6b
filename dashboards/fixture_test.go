package dashboards

import (
	"fmt"
	"time"

	"github.com/minqing/minqing/transform"
)

// shanghai is UTC+8 without daylight saving; a fixed zone keeps the tests free of tzdata.
var shanghai = time.FixedZone("CST", 8*3600)

func f(v float64) *float64 { return &v }

func quarter(year, q int) transform.Period {
	start := time.Date(year, time.Month(3*q-2), 1, 0, 0, 0, 0, shanghai)
	end := start.AddDate(0, 3, -1)
	return transform.Period{ID: fmt.Sprintf("%dQ%d", year, q), Kind: "quarter", Start: start, End: end, Cutoff: end}
}

func township(code, name string, score *float64) transform.UnitFigures {
	return transform.UnitFigures{
		Unit:   transform.Unit{Code: code, Name: name, Level: "township", Parent: "210102000000"},
		Values: map[string]*float64{"score": score, "received": f(120)},
	}
}

// sampleInput is a hand-built district: six townships (one with nothing due, so no score),
// six quarters of trend, the five classes, and headline changes of every kind including
// missing ones.
func sampleInput() Input {
	district := transform.Unit{Code: "210102000000", Name: "和平区", Level: "district"}
	var trend []transform.PeriodFigures
	received := []float64{1180, 1254, 1302, 1221, 1376, 1432}
	closed := []float64{1102, 1190, 1265, 1210, 1318, 1391}
	onTime := []float64{0.912, 0.927, 0.935, 0.941, 0.952, 0.963}
	satisfied := []float64{0.881, 0.894, 0.902, 0.899, 0.915, 0.927}
	for i, pq := range [][2]int{{2023, 2}, {2023, 3}, {2023, 4}, {2024, 1}, {2024, 2}, {2024, 3}} {
		v := map[string]*float64{
			"received": f(received[i]), "closed": f(closed[i]),
			"on_time_rate": f(onTime[i]), "satisfaction_rate": f(satisfied[i]),
		}
		if i == 0 {
			v["satisfaction_rate"] = nil // nothing rated that quarter: a gap, not 0
		}
		trend = append(trend, transform.PeriodFigures{Period: quarter(pq[0], pq[1]), Values: v})
	}
	return Input{
		District: district,
		Period:   quarter(2024, 3),
		Trend:    trend,
		Headline: transform.UnitFigures{
			Unit: district,
			Values: map[string]*float64{
				"received": f(1432), "closed": f(1391), "close_rate": f(0.9483), "on_time_rate": f(0.9633),
				"due_on_time_rate": f(0.9418), "overdue_open": f(17), "satisfaction_rate": f(0.9271),
				"visit_persons": f(12345), "score": f(91.2),
			},
			MoM: map[string]*float64{
				"received": f(0.0407), "closed": f(0.0554), "close_rate": f(0.012), "on_time_rate": f(0.011),
				"due_on_time_rate": f(-0.004), "overdue_open": f(-0.15), "satisfaction_rate": f(0.0121),
				"visit_persons": nil,
			},
			YoY: map[string]*float64{
				"received": f(0.1441), "closed": f(0.1689), "close_rate": f(0.0213), "on_time_rate": f(0.0283),
				"due_on_time_rate": f(0.0197), "overdue_open": f(0.0625), "satisfaction_rate": nil,
				"visit_persons": f(0.0832),
			},
		},
		Townships: []transform.UnitFigures{
			township("210102001000", "太原街街道", f(93.4)),
			township("210102002000", "南市场街道", f(88.25)),
			township("210102003000", "新华街道", f(95.1)),
			township("210102004000", "北市场街道", nil),
			township("210102005000", "浑河站西街道", f(81.0)),
			township("210102006000", "长白街道", f(90.7)),
		},
		Classes: []transform.BreakdownRow{
			{Value: "建议件", Values: map[string]*float64{"received": f(96)}},
			{Value: "即办件", Values: map[string]*float64{"received": f(611)}},
			{Value: "承诺件", Values: map[string]*float64{"received": f(498)}},
			{Value: "补办件", Values: map[string]*float64{"received": f(143)}},
			{Value: "上报件", Values: map[string]*float64{"received": f(84)}},
		},
	}
}
