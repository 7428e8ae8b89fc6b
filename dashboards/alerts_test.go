package dashboards

import (
	"html"
	"strings"
	"testing"
)

func TestAlertNote(t *testing.T) {
	alerts := map[string]float64{"on_time_rate": 0.9, "satisfaction_rate": 0.95}
	for _, c := range []struct {
		name string
		id   string
		v    *float64
		want string
	}{
		{"below", "on_time_rate", f(0.8931), "低于预警线 90.0%"},
		{"at the threshold", "on_time_rate", f(0.9), ""},
		{"above", "satisfaction_rate", f(0.951), ""},
		{"no value", "on_time_rate", nil, ""},
		{"no threshold", "close_rate", f(0.1), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := alertNote(c.id, c.v, alerts); got != c.want {
				t.Errorf("alertNote(%s) = %q, want %q", c.id, got, c.want)
			}
		})
	}
}

// TestPageMarksAlerts: a headline rate below its threshold is shown in the bad colour
// with the threshold; one above it, and every rate of a page without alerts, is not.
func TestPageMarksAlerts(t *testing.T) {
	in := sampleInput() // on-time 96.3%, satisfaction 92.7%
	in.Alerts = map[string]float64{"on_time_rate": 0.9, "satisfaction_rate": 0.95}
	text := html.UnescapeString(render(t, in, "static/"))
	for _, want := range []string{
		`<dt>满意率</dt>` + "\n" + `<dd class="value alert">92.7%</dd>` + "\n" + `<dd class="alert-note">低于预警线 95.0%</dd>`,
		`<dt>按时办结率</dt>` + "\n" + `<dd class="value">96.3%</dd>`,
		`.card .value.alert { color: var(--bad); }`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if n := strings.Count(text, `class="value alert"`); n != 1 {
		t.Errorf("%d values marked, want 1 (满意率)", n)
	}
	text = html.UnescapeString(render(t, sampleInput(), "static/"))
	if strings.Contains(text, `class="value alert"`) || strings.Contains(text, "预警线") {
		t.Error("a page without alerts marks a value")
	}
}
