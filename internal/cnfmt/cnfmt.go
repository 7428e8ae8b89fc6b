// Package cnfmt writes numbers and dates as the workbook, the document, the dashboard
// and the delivered messages print them, so that one figure reads the same everywhere:
// counts grouped by three (12,345) and dates as 2024年9月30日 in Asia/Shanghai.
package cnfmt

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600) // no DST in China since 1991
	}
	return loc
}()

// Count groups a count's digits by three: 1234567 → 1,234,567.
func Count(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Date writes t's day in Asia/Shanghai as 2024年9月30日.
func Date(t time.Time) string {
	t = t.In(shanghai)
	return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
}
