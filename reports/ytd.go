package reports

import (
	"fmt"

	"github.com/minqing/minqing/internal/terms"
	"github.com/minqing/minqing/transform"
)

// YearToDatePeriod is the period whose figures are p's 本年累计 (January to p's end): for a
// second or third quarter the ytd period (2024Q3YTD), for a first quarter the quarter
// itself, for a fourth the year. A month or a year has none (false).
func YearToDatePeriod(p transform.Period) (transform.Period, bool) {
	if p.Kind != "quarter" {
		return transform.Period{}, false
	}
	s := p.Start.In(shanghai)
	var id string
	switch q := (int(s.Month())-1)/3 + 1; q {
	case 1:
		return p, true
	case 4:
		id = fmt.Sprint(s.Year())
	default:
		id = fmt.Sprintf("%dQ%dYTD", s.Year(), q)
	}
	y, err := transform.ParsePeriod(id)
	return y, err == nil
}

// ytdFigures are the figures the townships' sheet shows for 本年累计.
var ytdFigures = []string{"received", "closed", "close_rate", "on_time_rate", "satisfaction_rate", "score"}

// yearToDate checks the 本年累计 input and keeps it by unit: the scope must have
// figures, complete ones, as every unit of the period has.
func (m *model) yearToDate() error {
	if m.in.YearToDate == nil {
		return nil
	}
	y, start := m.in.YearToDatePeriod, m.in.YearToDatePeriod.Start.In(shanghai)
	if !y.End.Equal(m.in.Period.End) || start.Month() != 1 || start.Day() != 1 || start.Year() != m.in.Period.End.In(shanghai).Year() {
		return fmt.Errorf("year to date %q (%v to %v) does not run from 1 January to the period's end %v", y.ID, y.Start, y.End, m.in.Period.End)
	}
	m.ytd = map[string]transform.UnitFigures{}
	for _, u := range m.in.YearToDate {
		if _, ok := m.units[u.Unit.Code]; !ok {
			continue // a unit outside the scope
		}
		if err := complete(m.in.Defs, u.Values, nil, "year to date of unit "+u.Unit.Code); err != nil {
			return err
		}
		m.ytd[u.Unit.Code] = u
	}
	if _, ok := m.ytd[m.scope.Unit.Code]; !ok {
		return fmt.Errorf("no year-to-date figures for the scope %s", m.scope.Unit.Code)
	}
	return nil
}

// ytdTitle heads a 本年累计 column: 本年累计（1—9月）.
func (m *model) ytdTitle() string {
	return fmt.Sprintf("%s（1—%d月）", terms.YearToDate, int(m.in.YearToDatePeriod.End.In(shanghai).Month()))
}

// ytdValue is unit code's 本年累计 of figure id, nil when it has none.
func (m *model) ytdValue(code, id string) *float64 {
	return m.ytd[code].Values[id]
}
