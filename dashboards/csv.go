package dashboards

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/minqing/minqing/internal/terms"
	"github.com/minqing/minqing/transform"
)

// ErrNoSuchChart means CSV was asked for a chart the page does not have (or, for
// "cases", a page built without the case list).
var ErrNoSuchChart = errors.New("no such chart on this page")

// WriteCSV writes the numbers behind one chart of the page (a name from Charts) as UTF-8
// CSV with a byte-order mark, which Excel on Chinese Windows needs to read it as UTF-8.
// Rates are percentages with one decimal, as the page shows them. Text that a spreadsheet
// would run as a formula (=, +, -, @ first) is prefixed with an apostrophe.
func WriteCSV(w io.Writer, in Input, chart string) error {
	rows, err := csvRows(in, chart)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return fmt.Errorf("writing %s CSV: %w", chart, err)
	}
	cw := csv.NewWriter(w)
	if err := cw.WriteAll(rows); err != nil {
		return fmt.Errorf("writing %s CSV: %w", chart, err)
	}
	return nil
}

// text makes a cell of citizen- or register-supplied text inert in a spreadsheet.
func text(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// num writes a figure as the page shows it, without thousands separators; "" for no value.
func num(kind transform.FigureKind, v *float64) string {
	if v == nil || math.IsNaN(*v) || math.IsInf(*v, 0) {
		return ""
	}
	switch kind {
	case transform.KindCount:
		return strconv.FormatInt(int64(math.Round(*v)), 10)
	case transform.KindRate:
		return strconv.FormatFloat(round1(*v*100), 'f', 1, 64)
	}
	return strconv.FormatFloat(round1(*v), 'f', 1, 64)
}

var breakdownFigures = []string{"received", "closed", "on_time_rate", "satisfaction_rate"}

func figureHeader(ids []string) []string {
	var h []string
	for _, id := range ids {
		d, _ := transform.FigureDefByID(id)
		name := d.Name
		if d.Kind == transform.KindRate {
			name += "(%)"
		}
		h = append(h, name)
	}
	return h
}

func figureCells(ids []string, values map[string]*float64) []string {
	var out []string
	for _, id := range ids {
		d, _ := transform.FigureDefByID(id)
		out = append(out, num(d.Kind, values[id]))
	}
	return out
}

func csvRows(in Input, chart string) ([][]string, error) {
	det := in.Detail
	if det == nil && chart != "trend" && chart != "ranking" && chart != "classes" {
		return nil, fmt.Errorf("%q: %w", chart, ErrNoSuchChart)
	}
	var rows [][]string
	switch chart {
	case "trend":
		rows = append(rows, append([]string{terms.Period}, figureHeader(breakdownFigures)...))
		for _, t := range in.Trend {
			rows = append(rows, append([]string{t.Period.ID}, figureCells(breakdownFigures, t.Values)...))
		}
	case "ranking":
		rows = append(rows, []string{terms.Rank, terms.UnitCode, terms.Unit, terms.Score, terms.Unranked})
		ranked, unranked := splitRanking(in.Townships)
		for i, r := range ranked {
			s := r.Score
			rows = append(rows, []string{strconv.Itoa(i + 1), r.Code, text(r.Name), num(transform.KindScore, &s), ""})
		}
		for _, u := range unranked {
			rows = append(rows, []string{"不参与排名", u.Code, text(u.Name), "", text(u.Reason)})
		}
	case "classes", "channels", "topics":
		src := map[string][]transform.BreakdownRow{"classes": classRows(in.Classes)}
		if det != nil {
			src["channels"], src["topics"] = det.Channels, det.Topics
		}
		rows = append(rows, append([]string{map[string]string{"classes": terms.Category, "channels": terms.Channel, "topics": terms.Topic}[chart]}, figureHeader(breakdownFigures)...))
		for _, b := range src[chart] {
			rows = append(rows, append([]string{text(b.Value)}, figureCells(breakdownFigures, b.Values)...))
		}
	case "heatmap":
		h := []string{terms.UnitCode, terms.Unit}
		for _, m := range det.HeatMonths {
			h = append(h, m.ID+" 按时办结率(%)")
		}
		rows = append(rows, h)
		for _, r := range det.Heat {
			row := []string{r.Unit.Code, text(r.Unit.Name)}
			for _, v := range r.Values {
				row = append(row, num(transform.KindRate, v))
			}
			rows = append(rows, row)
		}
	case "overdue":
		rows = append(rows, []string{terms.UnitCode, terms.Unit, figureHeader([]string{"overdue_open"})[0]})
		rows = append(rows, []string{det.Scope.Code, text(det.Scope.Name) + "（合计）", num(transform.KindCount, in.Headline.Values["overdue_open"])})
		for _, o := range overdueUnits(in.Townships) {
			rows = append(rows, []string{o.Unit.Code, text(o.Unit.Name), strconv.FormatInt(o.Count, 10)})
		}
	case "cases":
		if !det.ShowCases {
			return nil, fmt.Errorf("%q: %w", chart, ErrNoSuchChart)
		}
		rows = append(rows, []string{terms.CaseNo, terms.UnitCode, terms.Unit, terms.Township, terms.Category, terms.Channel,
			terms.Topic, terms.Status, terms.ReceivedOn, terms.DueOn, terms.ClosedOn, terms.ClosedLater, terms.Situation, terms.OverdueDays,
			terms.Proxy, terms.Citizen, terms.Phone, terms.Description})
		for _, c := range det.Cases {
			received := c.ReceivedAt
			proxy := ""
			if c.Proxy {
				proxy = "是"
			}
			status, closed, later := atCutoff(c)
			rows = append(rows, []string{text(caseLabel(c)), c.UnitCode, text(c.UnitName), text(c.TownshipName), text(c.Category),
				text(c.Channel), text(c.Topic), text(status), day(&received), day(c.Deadline), closed, later, caseState(c),
				strconv.Itoa(c.DaysLate), proxy, text(c.Citizen), text(c.Phone), text(c.Description)})
		}
	default:
		return nil, fmt.Errorf("%q: %w", chart, ErrNoSuchChart)
	}
	return rows, nil
}
