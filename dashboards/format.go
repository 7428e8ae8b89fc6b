package dashboards

import (
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/minqing/minqing/internal/cnfmt"
	"github.com/minqing/minqing/internal/terms"
	"github.com/minqing/minqing/transform"
)

// dash stands for a figure with no value: a zero denominator or nothing to compare with.
// domain.md: such a figure is shown as "—", never 0 or 100.
const dash = "—"

var (
	quarterID = regexp.MustCompile(`^(\d{4})Q([1-4])$`)
	monthID   = regexp.MustCompile(`^(\d{4})-(\d{2})$`)
	yearID    = regexp.MustCompile(`^(\d{4})$`)
)

var quarterNames = [...]string{"", "第一季度", "第二季度", "第三季度", "第四季度"}

// periodLabel turns a period id into the form reports print (2024Q3 → 2024年第三季度,
// 2024-07 → 2024年7月, 2024 → 2024年); an id of another shape is shown as it is rather
// than guessed at.
func periodLabel(p transform.Period) string {
	if m := quarterID.FindStringSubmatch(p.ID); m != nil {
		q, _ := strconv.Atoi(m[2])
		return m[1] + "年" + quarterNames[q]
	}
	if m := monthID.FindStringSubmatch(p.ID); m != nil {
		mo, _ := strconv.Atoi(m[2])
		if mo >= 1 && mo <= 12 {
			return m[1] + "年" + strconv.Itoa(mo) + "月"
		}
	}
	if m := yearID.FindStringSubmatch(p.ID); m != nil {
		return m[1] + "年"
	}
	return p.ID
}

// axisLabel is a short period label on two lines (2024年\n三季度), so that the quarters fit
// under a chart on a phone.
func axisLabel(p transform.Period) string {
	l := strings.Replace(periodLabel(p), "年第", "年", 1)
	if i := strings.Index(l, "年"); i >= 0 && i+len("年") < len(l) {
		return l[:i+len("年")] + "\n" + l[i+len("年"):]
	}
	return l
}

// round1 rounds to one decimal and turns -0 into 0, so that a tiny negative change is not
// printed as "-0.0".
func round1(v float64) float64 {
	r := math.Round(v*10) / 10
	if r == 0 {
		return 0
	}
	return r
}

// formatValue prints a figure as reports cite it: counts as whole numbers with thousands
// separators, rates as percentages with one decimal, working days and the score with one
// decimal.
func formatValue(kind transform.FigureKind, v *float64) string {
	if v == nil || math.IsNaN(*v) || math.IsInf(*v, 0) {
		return dash
	}
	switch kind {
	case transform.KindCount:
		return cnfmt.Count(int64(math.Round(*v)))
	case transform.KindRate:
		return strconv.FormatFloat(round1(*v*100), 'f', 1, 64) + "%"
	case transform.KindDays:
		// Every time figure counts working days, and says so (never a bare 天).
		return strconv.FormatFloat(round1(*v), 'f', 1, 64) + "个" + terms.WorkingDays
	default:
		return strconv.FormatFloat(round1(*v), 'f', 1, 64)
	}
}

// formatChange prints a 环比/同比 change: rates in percentage points (the change is a
// difference of fractions), counts and days in percent (a fractional change), the score in
// points. It returns the text and the sign of the rounded change (-1, 0, 1) for colouring.
func formatChange(kind transform.FigureKind, v *float64) (string, int) {
	if v == nil || math.IsNaN(*v) || math.IsInf(*v, 0) {
		return dash, 0
	}
	var r float64
	var unit string
	switch kind {
	case transform.KindRate:
		r, unit = round1(*v*100), "个百分点"
	case transform.KindScore:
		r, unit = round1(*v), "分"
	default:
		r, unit = round1(*v*100), "%"
	}
	s := strconv.FormatFloat(r, 'f', 1, 64) + unit
	switch {
	case r > 0:
		return "+" + s, 1
	case r < 0:
		return s, -1
	}
	return s, 0
}

// axisLabels labels a run of periods for a chart's axis. Months are short (7月), with the
// year under the first month and under every January, so twelve fit under a chart on a
// phone; other periods use axisLabel.
func axisLabels(ps []transform.Period) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		m := monthID.FindStringSubmatch(p.ID)
		if m == nil {
			out[i] = axisLabel(p)
			continue
		}
		mo, _ := strconv.Atoi(m[2])
		out[i] = strconv.Itoa(mo) + "月"
		if i == 0 || mo == 1 {
			out[i] += "\n" + m[1] + "年"
		}
	}
	return out
}
