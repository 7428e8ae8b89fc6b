package dashboards

import (
	"testing"

	"github.com/minqing/minqing/transform"
)

func TestPeriodLabel(t *testing.T) {
	tests := []struct {
		name, id, label, axis string
	}{
		{"quarter", "2024Q3", "2024年第三季度", "2024年\n三季度"},
		{"first quarter", "2023Q1", "2023年第一季度", "2023年\n一季度"},
		{"month", "2024-07", "2024年7月", "2024年\n7月"},
		{"year", "2024", "2024年", "2024年"},
		{"unknown shape shown as is", "H1-2024", "H1-2024", "H1-2024"},
		{"month out of range shown as is", "2024-13", "2024-13", "2024-13"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := transform.Period{ID: tt.id}
			if got := periodLabel(p); got != tt.label {
				t.Errorf("periodLabel(%q) = %q, want %q", tt.id, got, tt.label)
			}
			if got := axisLabel(p); got != tt.axis {
				t.Errorf("axisLabel(%q) = %q, want %q", tt.id, got, tt.axis)
			}
		})
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		name       string
		kind       transform.FigureKind
		value      *float64
		change     *float64
		wantValue  string
		wantChange string
		wantSign   int
	}{
		{"count", transform.KindCount, f(8695), f(0.0407), "8,695", "+4.1%", 1},
		{"large count", transform.KindCount, f(1234567), f(-0.15), "1,234,567", "-15.0%", -1},
		{"small count", transform.KindCount, f(17), f(0), "17", "0.0%", 0},
		{"rate", transform.KindRate, f(0.9963), f(0.012), "99.6%", "+1.2个百分点", 1},
		{"rate of one", transform.KindRate, f(1), f(-0.004), "100.0%", "-0.4个百分点", -1},
		{"tiny negative change is flat, not -0.0", transform.KindRate, f(0.5), f(-0.0001), "50.0%", "0.0个百分点", 0},
		{"nil rate", transform.KindRate, nil, nil, "—", "—", 0},
		{"days", transform.KindDays, f(3.25), f(0.1), "3.3个工作日", "+10.0%", 1},
		{"score", transform.KindScore, f(88.25), f(1.5), "88.3", "+1.5分", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := formatValue(tt.kind, tt.value); got != tt.wantValue {
				t.Errorf("formatValue = %q, want %q", got, tt.wantValue)
			}
			got, sign := formatChange(tt.kind, tt.change)
			if got != tt.wantChange || sign != tt.wantSign {
				t.Errorf("formatChange = %q, %d, want %q, %d", got, sign, tt.wantChange, tt.wantSign)
			}
		})
	}
}
