package main

import (
	"bufio"
	"bytes"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/minqing/minqing/transform"
)

// explained is what `minqing explain` printed: the figure and the case rows.
type explained struct {
	value       *float64
	precision   float64 // of the printed value: 0.0005 for a percentage with one decimal
	numerator   *float64
	denominator *float64
	weights     []float64 // numerator column of the rows that have one
	den         int       // rows marked in the denominator
	excluded    map[string]string
}

func parseExplain(t *testing.T, out []byte) explained {
	t.Helper()
	var e explained
	e.excluded = map[string]string{}
	num := func(s string) *float64 {
		if s == "—" {
			return nil
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("explain printed %q: %v", s, err)
		}
		return &v
	}
	inRows := false
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == explainHeader:
			inRows = true
		case inRows:
			f := strings.Split(line, "\t")
			if len(f) != 11 {
				t.Fatalf("explain row has %d fields: %q", len(f), line)
			}
			if f[8] != "" {
				e.weights = append(e.weights, *num(f[8]))
			}
			if f[9] == "1" {
				e.den++
			}
			if f[10] != "" {
				e.excluded[f[0]] = f[10]
			}
		case strings.HasPrefix(line, "value:"):
			v := strings.TrimSpace(strings.TrimPrefix(line, "value:"))
			e.precision = 1e-9
			switch {
			case strings.HasSuffix(v, "%"):
				e.value, e.precision = num(strings.TrimSuffix(v, "%")), 0.0005+1e-9
				if e.value != nil {
					*e.value /= 100
				}
			case strings.HasSuffix(v, " 工作日"):
				e.value, e.precision = num(strings.TrimSuffix(v, " 工作日")), 0.05+1e-9
			default:
				e.value = num(v)
			}
		case strings.HasPrefix(line, "numerator:"):
			e.numerator = num(strings.TrimSpace(strings.TrimPrefix(line, "numerator:")))
		case strings.HasPrefix(line, "denominator:"):
			e.denominator = num(strings.TrimSpace(strings.TrimPrefix(line, "denominator:")))
		}
	}
	return e
}

// recompute is what an auditor does with the printed list: add up the numerator column,
// count the denominator column, divide.
func (e explained) recompute(id string) *float64 {
	sum := 0.0
	for _, w := range e.weights {
		sum += w
	}
	d, _ := transform.FigureDefByID(id)
	switch {
	case id == "avg_days":
		if len(e.weights) == 0 {
			return nil
		}
		v := sum / float64(len(e.weights))
		return &v
	case id == "median_days":
		if len(e.weights) == 0 {
			return nil
		}
		s := slices.Clone(e.weights)
		slices.Sort(s)
		v := s[len(s)/2]
		if len(s)%2 == 0 {
			v = (s[len(s)/2-1] + s[len(s)/2]) / 2
		}
		return &v
	case d.Kind == transform.KindCount:
		return &sum
	case e.den == 0:
		return nil
	}
	v := sum / float64(e.den)
	return &v
}

// TestExplain: for every case figure, several units (district, townships, villages) and
// periods (quarters, a month, a year), the case list explain prints adds up to the figure
// `stats` publishes, and to the generator's truth.
func TestExplain(t *testing.T) {
	cfg, truth := district(t)
	periods := []string{"2024Q3", "2023Q4", "2024-02", "2024"}
	var caseFigures []string
	for _, d := range transform.FigureDefs() {
		switch d.ID {
		case "visit_persons", "opinions", "problems_solved", "service_activities", "volunteers", "beneficiaries", "score":
			continue
		}
		caseFigures = append(caseFigures, d.ID)
	}
	checked, listed, excluded := 0, 0, 0
	for _, period := range periods {
		s, _ := stats(t, cfg, period)
		var units []string
		var townships, villages int
		for _, u := range s.Units {
			switch {
			case u.Level == "district",
				u.Level == "township" && townships < 2,
				u.Level == "village" && villages < 3:
				units = append(units, u.Code)
				townships += map[bool]int{true: 1}[u.Level == "township"]
				villages += map[bool]int{true: 1}[u.Level == "village"]
			}
		}
		for _, code := range units {
			var published map[string]*float64
			for _, u := range s.Units {
				if u.Code == code {
					published = u.Figures
				}
			}
			for _, id := range caseFigures {
				e := parseExplain(t, minqing(t, "explain", "--config", cfg, "--period", period, "--unit", code, "--figure", id))
				got := e.recompute(id)
				for what, want := range map[string]*float64{"stats": published[id], "truth": truth.Figures[period][code][id], "printed value": e.value} {
					tol := 1e-9
					if what == "printed value" {
						tol = e.precision
					}
					if (got == nil) != (want == nil) || (got != nil && math.Abs(*got-*want) > tol) {
						t.Errorf("%s %s %s: the printed cases give %s, %s says %s", period, code, id, fmtPtr(got), what, fmtPtr(want))
					}
				}
				if e.denominator != nil && int(*e.denominator) != e.den {
					t.Errorf("%s %s %s: denominator printed %v, %d cases marked", period, code, id, *e.denominator, e.den)
				}
				checked++
				listed += len(e.weights)
				excluded += len(e.excluded)
			}
		}
	}
	if checked < 300 || listed == 0 || excluded == 0 {
		t.Errorf("checked %d figures, %d numerator rows, %d exclusions: the sample is too thin", checked, listed, excluded)
	}
	t.Logf("explain: %d figures recomputed from their printed case lists (%d numerator rows, %d exclusions with a reason)", checked, listed, excluded)
}

// TestExplainScoreAndErrors: the score is explained through its weighted parts, and
// figures with no cases behind them, unknown figures and units are refused by name.
// TestLookupFigure: --figure takes an id or a Chinese name; a missing or unknown one is
// refused with every figure's id and name.
func TestLookupFigure(t *testing.T) {
	for _, tc := range []struct{ arg, id string }{{"on_time_rate", "on_time_rate"}, {"按时办结率", "on_time_rate"},
		{" 满意率 ", "satisfaction_rate"}, {"综合得分", "score"}} {
		if d, err := lookupFigure(tc.arg); err != nil || d.ID != tc.id {
			t.Errorf("lookupFigure(%q) = %s, %v; want %s", tc.arg, d.ID, err, tc.id)
		}
	}
	for _, arg := range []string{"", "ontime", "按时率"} {
		_, err := lookupFigure(arg)
		if err == nil {
			t.Fatalf("lookupFigure(%q): no error", arg)
		}
		for _, d := range transform.FigureDefs() {
			if !strings.Contains(err.Error(), d.ID) || !strings.Contains(err.Error(), d.Name) {
				t.Errorf("lookupFigure(%q): error does not list %s %s:\n%s", arg, d.ID, d.Name, err)
			}
		}
	}
}

// TestFigureValue: rates print as percentages with one decimal, days with 工作日, none as —.
func TestFigureValue(t *testing.T) {
	v := func(f float64) *float64 { return &f }
	for _, tc := range []struct {
		id   string
		v    *float64
		want string
	}{
		{"on_time_rate", v(0.9734), "97.3%"}, {"close_rate", v(1), "100.0%"}, {"close_rate", nil, "—"},
		{"avg_days", v(3.26), "3.3 工作日"}, {"received", v(1057), "1057"}, {"score", v(87.456), "87.5"},
	} {
		d, _ := transform.FigureDefByID(tc.id)
		if got := figureValue(d, tc.v); got != tc.want {
			t.Errorf("%s %v: %q, want %q", tc.id, fmtPtr(tc.v), got, tc.want)
		}
	}
}

func TestExplainScoreAndErrors(t *testing.T) {
	cfg, truth := district(t)
	out := string(minqing(t, "explain", "--config", cfg, "--period", "2024Q3", "--figure", "score"))
	for _, part := range []string{"== part response_rate, weight 0.1 ==", "== part resolution_rate, weight 0.45 ==", "== part satisfaction_rate, weight 0.45 =="} {
		if !strings.Contains(out, part) {
			t.Errorf("explain score: no %q in\n%.2000s", part, out)
		}
	}
	// The parts' printed values give the score back.
	parts := strings.Split(out, "\n== part ")
	w := map[string]float64{"response_rate": 0.1, "resolution_rate": 0.45, "satisfaction_rate": 0.45}
	num, den := 0.0, 0.0
	for _, p := range parts[1:] {
		id := p[:strings.Index(p, ",")]
		e := parseExplain(t, []byte(p))
		if r := e.recompute(id); r != nil {
			num += w[id] * *r
			den += w[id]
		}
	}
	district := truth.Units[0].Code
	if want := truth.Figures["2024Q3"][district]["score"]; want == nil || math.Abs(100*num/den-*want) > 1e-9 {
		t.Errorf("score from the explained parts = %v, truth %v", 100*num/den, fmtPtr(want))
	}
	// As known at the early export of 2024Q2: the list adds up to the truth of the files
	// known then, which differs from today's.
	asOf := "2024-07-05"
	d, _ := transform.ParsePeriod("2024Q2")
	then, err := truth.AsOf(d.End.AddDate(0, 0, 5))
	if err != nil {
		t.Fatal(err)
	}
	e := parseExplain(t, minqing(t, "explain", "--config", cfg, "--period", "2024Q2", "--figure", "close_rate", "--as-of", asOf))
	got, want, now := e.recompute("close_rate"), then.Figures["2024Q2"][district]["close_rate"], truth.Figures["2024Q2"][district]["close_rate"]
	if got == nil || want == nil || math.Abs(*got-*want) > 1e-9 || math.Abs(*got-*now) < 1e-9 {
		t.Errorf("explain --as-of %s close_rate: the list gives %s, the truth then %s (today %s)", asOf, fmtPtr(got), fmtPtr(want), fmtPtr(now))
	}
	// A Chinese name and a unit's name explain the same figure as its id and code.
	var town transform.Unit
	for _, u := range truth.Units {
		if u.Level == transform.LevelTownship {
			town = u
			break
		}
	}
	byID := string(minqing(t, "explain", "--config", cfg, "--period", "2024Q3", "--figure", "on_time_rate", "--unit", town.Code))
	byName := string(minqing(t, "explain", "--config", cfg, "--period", "2024Q3", "--figure", "按时办结率", "--unit", town.Name))
	if byID != byName || !strings.Contains(byID, "figure:      on_time_rate 按时办结率") || !strings.Contains(byID, "%\n") {
		t.Errorf("explain --figure 按时办结率 --unit %s differs from --figure on_time_rate --unit %s, or prints no percentage:\n%.600s\n---\n%.600s", town.Name, town.Code, byName, byID)
	}
	for _, args := range [][]string{
		{"--figure", "visit_persons"}, {"--figure", "nonsense"}, {"--figure", "received", "--unit", "nowhere"},
	} {
		var o, e bytes.Buffer
		cmd := newRoot(&o, &e)
		cmd.SetArgs(append([]string{"--log-level", "warn", "explain", "--config", cfg, "--period", "2024Q3"}, args...))
		if err := cmd.Execute(); err == nil {
			t.Errorf("explain %v: no error", args)
		} else if !strings.Contains(err.Error(), args[len(args)-1]) {
			t.Errorf("explain %v: error %q does not name %s", args, err, args[len(args)-1])
		}
	}
}
