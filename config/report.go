package config

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Report is the config's report section: what a department's documents say about who
// made them (the statutory header every statistical table carries), which formats
// `report` writes, and how the workbook and dashboard single units out. None of it
// changes a figure (it is outside FiguresHash).
type Report struct {
	// Formats are what `report` writes beside each other: xlsx (the workbook) and docx
	// (the 公文 report document). Default both.
	Formats []string `yaml:"formats"`
	// The statutory header of statistical tables: above the table 表号 and 制表机关 (and
	// 批准机关 and 批准文号 when given) at the right; below it 单位负责人, 填表人 and 报出日期.
	TableNo    string `yaml:"table_no"`    // 表号, e.g. 民情统01表
	MadeBy     string `yaml:"made_by"`     // 制表机关, e.g. 中共和平区委组织部
	ApprovedBy string `yaml:"approved_by"` // 批准机关 (optional)
	ApprovalNo string `yaml:"approval_no"` // 批准文号 (optional)
	FilingUnit string `yaml:"filing_unit"` // 填报单位; default the scope unit's name
	Head       string `yaml:"head"`        // 单位负责人
	Preparer   string `yaml:"preparer"`    // 填表人
	// ReportDate is the 报出日期 rule: "today" (the day the report is written, default),
	// "cutoff+N" (N calendar days after the period's cutoff) or a fixed date 2006-01-02.
	ReportDate string `yaml:"report_date"`
	// HonourRoll is how many units the 红黑榜 names at the top and at the bottom of the
	// ranking; default 3, 0 leaves it out.
	HonourRoll *int `yaml:"honour_roll"`
	// Alerts are thresholds below which a rate is marked red in the workbook and on the
	// dashboard, by figure id (on_time_rate: 0.9).
	Alerts map[string]float64 `yaml:"alerts"`
}

// ReportFormats are the formats `report` can write.
var ReportFormats = []string{"xlsx", "docx"}

func (r *Report) applyDefaults() {
	if len(r.Formats) == 0 {
		r.Formats = append([]string(nil), ReportFormats...)
	}
	if r.ReportDate == "" {
		r.ReportDate = "today"
	}
	if r.HonourRoll == nil {
		n := 3
		r.HonourRoll = &n
	}
}

// validate checks the section's values; rateIDs are the figure ids an alert may name.
func (r *Report) validate(rateIDs map[string]bool) error {
	for _, f := range r.Formats {
		if !contains(ReportFormats, f) {
			return fmt.Errorf("report.formats: %q is not a format; use %s", f, strings.Join(ReportFormats, " or "))
		}
	}
	if r.HonourRoll != nil && *r.HonourRoll < 0 {
		return fmt.Errorf("report.honour_roll: %d; use 0 (no 红黑榜) or more", *r.HonourRoll)
	}
	if err := checkReportDate(r.ReportDate); err != nil {
		return err
	}
	ids := make([]string, 0, len(r.Alerts))
	for id := range r.Alerts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if !rateIDs[id] {
			valid := make([]string, 0, len(rateIDs))
			for v := range rateIDs {
				valid = append(valid, v)
			}
			sort.Strings(valid)
			return fmt.Errorf("report.alerts: %q is not a rate; use one of %s", id, strings.Join(valid, ", "))
		}
		if v := r.Alerts[id]; v < 0 || v > 1 {
			return fmt.Errorf("report.alerts.%s: %v; a rate's threshold is a fraction from 0 to 1 (0.9 = 90%%)", id, v)
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// checkReportDate checks a 报出日期 rule: today, cutoff+N or a date.
func checkReportDate(rule string) error {
	_, err := reportDate(rule, time.Date(2024, 9, 30, 0, 0, 0, 0, time.UTC), time.Date(2024, 10, 8, 0, 0, 0, 0, time.UTC))
	return err
}

// ReportDateFor is the 报出日期 of a report whose period's cutoff is cutoff, written today.
func (r Report) ReportDateFor(cutoff, today time.Time) (time.Time, error) {
	return reportDate(r.ReportDate, cutoff, today)
}

func reportDate(rule string, cutoff, today time.Time) (time.Time, error) {
	switch {
	case rule == "" || rule == "today":
		return time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, today.Location()), nil
	case strings.HasPrefix(rule, "cutoff+"):
		n, err := strconv.Atoi(strings.TrimPrefix(rule, "cutoff+"))
		if err != nil || n < 0 {
			return time.Time{}, fmt.Errorf("report.report_date: %q; write today, cutoff+N (N days after the cutoff, e.g. cutoff+5) or a date (2024-10-08)", rule)
		}
		return cutoff.AddDate(0, 0, n), nil
	}
	d, err := time.ParseInLocation("2006-01-02", rule, cutoff.Location())
	if err != nil {
		return time.Time{}, fmt.Errorf("report.report_date: %q; write today, cutoff+N (N days after the cutoff, e.g. cutoff+5) or a date (2024-10-08)", rule)
	}
	return d, nil
}
