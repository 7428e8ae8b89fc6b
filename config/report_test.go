package config

import (
	"strings"
	"testing"
	"time"
)

func TestReportSection(t *testing.T) {
	base := "units: units.csv\nsources:\n  - {name: a, kind: cases, level: district, paths: [a.csv]}\n"
	cfg, err := Parse([]byte(base))
	if err != nil {
		t.Fatal(err)
	}
	r := cfg.Report
	if strings.Join(r.Formats, ",") != "xlsx,docx" || r.ReportDate != "today" || r.HonourRoll == nil || *r.HonourRoll != 3 {
		t.Errorf("defaults: formats %v, report_date %q, honour_roll %v", r.Formats, r.ReportDate, r.HonourRoll)
	}
	cfg, err = Parse([]byte(base + "report:\n  table_no: 民情统01表\n  made_by: 中共和平区委组织部\n  formats: [docx]\n  honour_roll: 0\n  report_date: cutoff+5\n  alerts: {on_time_rate: 0.9}\n"))
	if err != nil {
		t.Fatal(err)
	}
	r = cfg.Report
	if r.TableNo != "民情统01表" || r.MadeBy != "中共和平区委组织部" || strings.Join(r.Formats, ",") != "docx" || *r.HonourRoll != 0 || r.Alerts["on_time_rate"] != 0.9 {
		t.Errorf("read %+v", r)
	}
	cutoff := time.Date(2024, 9, 30, 0, 0, 0, 0, time.UTC)
	if d, err := r.ReportDateFor(cutoff, time.Date(2024, 11, 1, 15, 4, 0, 0, time.UTC)); err != nil || !d.Equal(time.Date(2024, 10, 5, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("cutoff+5 = %v, %v", d, err)
	}
	for _, tt := range []struct{ yaml, want string }{
		{"report:\n  formats: [pdf]\n", `report.formats: "pdf" is not a format`},
		{"report:\n  honour_roll: -1\n", "report.honour_roll: -1"},
		{"report:\n  report_date: soon\n", `report.report_date: "soon"`},
		{"report:\n  alerts: {received: 0.9}\n", `report.alerts: "received" is not a rate`},
		{"report:\n  alerts: {on_time_rate: 90}\n", "report.alerts.on_time_rate: 90"},
	} {
		_, err := Parse([]byte(base + tt.yaml))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error %v, want %q", tt.yaml, err, tt.want)
		}
	}
	// the section changes no figure
	a, _ := FiguresHash([]byte(base))
	b, _ := FiguresHash([]byte(base + "report:\n  made_by: x\n"))
	if a != b {
		t.Error("the report section changed FiguresHash")
	}
}
