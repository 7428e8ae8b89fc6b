package main

import (
	"testing"
	"time"

	"github.com/minqing/minqing/config"
	"github.com/minqing/minqing/reports"
	"github.com/minqing/minqing/transform"
)

// TestTableHeader: the workbook's statutory header comes from the config's report
// section; 填报单位 defaults to the scope unit's name, and 报出日期 follows the rule
// from the period's cutoff or today.
func TestTableHeader(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	per := transform.Period{ID: "2024Q3", Kind: "quarter", Start: time.Date(2024, 7, 1, 0, 0, 0, 0, cst),
		End: time.Date(2024, 9, 30, 0, 0, 0, 0, cst), Cutoff: time.Date(2024, 9, 30, 0, 0, 0, 0, cst)}
	today := time.Date(2024, 10, 12, 15, 4, 0, 0, cst)
	township := transform.Unit{Code: "320102001000", Name: "东街街道", Level: transform.LevelTownship}
	for _, tc := range []struct {
		name string
		r    config.Report
		want reports.TableHeader
	}{
		{"defaults", config.Report{}, reports.TableHeader{FilingUnit: "东街街道", ReportDate: time.Date(2024, 10, 12, 0, 0, 0, 0, cst)}},
		{"configured", config.Report{TableNo: "民情统01表", MadeBy: "中共和平区委组织部", ApprovedBy: "和平区统计局",
			ApprovalNo: "和统字〔2024〕3号", FilingUnit: "和平区民情服务中心", Head: "张三", Preparer: "李四", ReportDate: "cutoff+8"},
			reports.TableHeader{TableNo: "民情统01表", MadeBy: "中共和平区委组织部", ApprovedBy: "和平区统计局",
				ApprovalNo: "和统字〔2024〕3号", FilingUnit: "和平区民情服务中心", Head: "张三", Preparer: "李四",
				ReportDate: time.Date(2024, 10, 8, 0, 0, 0, 0, cst)}},
		{"fixed date", config.Report{ReportDate: "2024-10-09"},
			reports.TableHeader{FilingUnit: "东街街道", ReportDate: time.Date(2024, 10, 9, 0, 0, 0, 0, cst)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tableHeader(tc.r, township, per, today)
			if err != nil {
				t.Fatal(err)
			}
			if !got.ReportDate.Equal(tc.want.ReportDate) {
				t.Errorf("报出日期 %v, want %v", got.ReportDate, tc.want.ReportDate)
			}
			got.ReportDate, tc.want.ReportDate = time.Time{}, time.Time{}
			if got != tc.want {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
	if _, err := tableHeader(config.Report{ReportDate: "soon"}, township, per, today); err == nil {
		t.Error("a report_date that is no rule gave no error")
	}
}
