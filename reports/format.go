package reports

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/minqing/minqing/transform"
	"golang.org/x/text/width"
)

// shanghai is Asia/Shanghai, which has kept UTC+8 without daylight saving since 1991;
// a fixed zone needs no tzdata on the host.
var shanghai = time.FixedZone("CST", 8*3600)

var quarterNames = [...]string{"第一季度", "第二季度", "第三季度", "第四季度"}

// periodLabel names a period as reports title it: 2024年第三季度, 2024年7月, 2024年度.
func periodLabel(p transform.Period) (string, error) {
	s := p.Start.In(shanghai)
	switch p.Kind {
	case "quarter":
		return fmt.Sprintf("%d年%s", s.Year(), quarterNames[(s.Month()-1)/3]), nil
	case "month":
		return fmt.Sprintf("%d年%d月", s.Year(), s.Month()), nil
	case "year":
		return fmt.Sprintf("%d年度", s.Year()), nil
	}
	return "", fmt.Errorf("period %q: unknown kind %q", p.ID, p.Kind)
}

// excelEpoch is day 0 of the 1900 date system as Excel counts after 1900-03-01
// (Excel's fictitious 1900-02-29 shifts the true epoch back one day).
var excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// excelSerial is t as an Excel date number, read on a Shanghai wall clock. excelize's
// own conversion counts from a UTC epoch, which would move a 00:00 receipt in
// Shanghai to 16:00 the day before.
//
// A time of day is rounded up in the tenth decimal place (under 9 µs): a cell keeps
// 15 significant digits, and LibreOffice floors times, so 10:00 stored a hair low
// (…0.4166666666, as excelize's truncation wrote it) showed as 09:59.
func excelSerial(t time.Time) float64 {
	l := t.In(shanghai)
	day := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
	days := float64(day.Sub(excelEpoch) / (24 * time.Hour))
	secs := l.Hour()*3600 + l.Minute()*60 + l.Second()
	if secs == 0 {
		return days
	}
	return days + math.Ceil(float64(secs)/86400*1e10)/1e10
}

// fifteen rounds v to the 15 significant digits a cell holds. excelize truncates
// longer numbers instead, which can tip a rate on a rounding boundary (0.95449999…
// shown as 95.4% where the count ratio is 95.45%).
func fifteen(v float64) float64 {
	r, err := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 15, 64), 64)
	if err != nil {
		return v
	}
	return r
}

// needsQuote reports whether text would be read as a formula (or a DDE payload)
// when edited in a spreadsheet or saved as CSV.
func needsQuote(s string) bool {
	return s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0]))
}

// textWidth estimates how many column-width units s needs in 宋体: East Asian wide
// and ambiguous characters (Hanzi, full-width punctuation, "—") take two, the rest
// one. For text of several lines it is the widest line.
func textWidth(s string) float64 {
	widest, w := 0.0, 0.0
	for _, r := range s {
		// Fast paths for ASCII and the CJK Unified Ideographs, most of what
		// exports hold: the case list measures a million descriptions.
		switch {
		case r == '\n':
			widest, w = max(widest, w), 0
			continue
		case r < 0x80:
			w++
			continue
		case 0x4E00 <= r && r <= 0x9FFF:
			w += 2
			continue
		}
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth, width.EastAsianAmbiguous:
			w += 2
		default:
			w++
		}
	}
	return max(widest, w)
}

// shown is the text a number format displays, for column widths only.
func shown(v float64, numFmt string) string {
	switch numFmt {
	case fmtCount:
		return groupThousands(strconv.FormatFloat(math.Round(v), 'f', 0, 64))
	case fmtRate:
		return strconv.FormatFloat(v*100, 'f', 1, 64) + "%"
	case fmtDate:
		return "0000-00-00"
	case fmtDateTime:
		return "0000-00-00 00:00"
	}
	if strings.Contains(numFmt, "▲") { // a change
		mag := math.Abs(v)
		switch {
		case v == 0:
			return "持平"
		case strings.Contains(numFmt, unitPoints):
			return fmt.Sprintf("▲%.1f个百分点", mag)
		case strings.Contains(numFmt, unitScore):
			return fmt.Sprintf("▲%.1f分", mag)
		}
		return fmt.Sprintf("▲%.1f%%", mag*100)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

func groupThousands(digits string) string {
	neg := strings.HasPrefix(digits, "-")
	digits = strings.TrimPrefix(digits, "-")
	var b strings.Builder
	for i, r := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// figureFormat is the number format of a figure's value.
func figureFormat(k transform.FigureKind) string {
	switch k {
	case transform.KindCount:
		return fmtCount
	case transform.KindRate:
		return fmtRate
	}
	return fmtOne
}

// changeCell turns a change of figure id from the read model into the number a cell
// holds and its format: rates change in percentage points (the fraction difference ×
// 100, rounded to drop float noise such as 2.3000000000000003), the score in 分,
// counts and days in percent (a fraction under a % format).
func changeCell(id string, k transform.FigureKind, v float64) (float64, string) {
	switch k {
	case transform.KindRate:
		return math.Round(v*100*1e8) / 1e8, changeFormat(unitPoints, polarity(id))
	case transform.KindScore:
		return v, changeFormat(unitScore, polarity(id))
	}
	return v, changeFormat(unitPct, polarity(id))
}

var kindNames = map[transform.FigureKind]string{
	transform.KindCount: "计数",
	transform.KindRate:  "比率",
	transform.KindDays:  "工作日",
	transform.KindScore: "得分",
}

// maxCellUnits is the most text a cell holds, in UTF-16 code units as Excel counts.
// Longer text is cut and ends in cutMark, so a reader sees it was cut; excelize
// would cut it silently.
var maxCellUnits = 32767

const cutMark = "…[截断]"

// clip returns s cut to what a cell holds, marked when cut.
func clip(s string) string {
	if len(s) <= maxCellUnits/3 { // at most 3 UTF-8 bytes per UTF-16 unit in the BMP
		return s
	}
	units := 0
	for _, r := range s {
		units += utf16Len(r)
	}
	if units <= maxCellUnits {
		return s
	}
	room := maxCellUnits - utf16Count(cutMark)
	units = 0
	for i, r := range s {
		if units+utf16Len(r) > room {
			return s[:i] + cutMark
		}
		units += utf16Len(r)
	}
	return s
}

func utf16Len(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

func utf16Count(s string) int {
	n := 0
	for _, r := range s {
		n += utf16Len(r)
	}
	return n
}

// scrub masks what looks like a phone or ID number in free text: any run of 11 or
// more digits (an ID's last may be X). The store scrubs descriptions already; this
// is the second lock, so text the store missed still leaves masked. An 18-character
// run is masked as an ID (3208**********1234), any other as a phone (138****5678).
func scrub(s string) string {
	return maskDigitRuns(s, func(run string) bool { return len(run) >= 11 })
}

// maskDigitRuns masks each run of digits in s (an ID's last may be X) that mask says
// to: the first 3 (an 18-character run: 4) and the last 4 characters are kept.
func maskDigitRuns(s string, mask func(run string) bool) string {
	var out []byte
	last := 0 // s[last:i] is not yet copied to out
	for i := 0; i < len(s); {
		if !isDigit(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		if j-i == 17 && j < len(s) && (s[j] == 'X' || s[j] == 'x') {
			j++
		}
		if j-i >= 11 && mask(s[i:j]) {
			keep := 3
			if j-i == 18 {
				keep = 4
			}
			out = append(out, s[last:i+keep]...)
			out = append(out, strings.Repeat("*", j-i-keep-4)...)
			out = append(out, s[j-4:j]...)
			last = j
		}
		i = j
	}
	if out == nil {
		return s
	}
	return string(append(out, s[last:]...))
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// maskName masks a citizen's name as domain.md shows it (张三 → 张*), unless it is
// masked already (has a *).
func maskName(s string) string {
	if s == "" || strings.ContainsRune(s, '*') {
		return s
	}
	n := 0
	var b strings.Builder
	for _, r := range s {
		if n == 0 {
			b.WriteRune(r)
		} else {
			b.WriteByte('*')
		}
		n++
	}
	return b.String()
}

func itoa(n int) string { return strconv.Itoa(n) }
