package dashboards

import "github.com/minqing/minqing/transform"

// alertNote is what a card says of a rate below its alert threshold (config
// report.alerts): the threshold, to be shown in the bad colour beside the value; "" for a
// figure without a threshold, a rate at or above it, or no value (a zero denominator is
// not a low rate).
func alertNote(id string, v *float64, alerts map[string]float64) string {
	limit, ok := alerts[id]
	if !ok || v == nil || *v >= limit {
		return ""
	}
	return "低于预警线 " + formatValue(transform.KindRate, &limit)
}
