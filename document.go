package main

import (
	"path/filepath"
	"slices"
	"strings"
)

// documentPath is the path of the report document written beside the workbook at path:
// 和平区_2024年第三季度_民情工作统计报表.xlsx → 和平区_2024年第三季度_民情工作情况报告.docx.
func documentPath(workbook string) string {
	dir, base := filepath.Split(workbook)
	base = strings.Replace(strings.TrimSuffix(base, ".xlsx"), "_民情工作统计报表", "_民情工作情况报告", 1)
	return filepath.Join(dir, base+".docx")
}

// writesDocument reports whether a report made with o writes the document beside the
// workbook: its formats, else the config's.
func writesDocument(p *pipeline, o reportOptions) bool {
	formats := o.Formats
	if len(formats) == 0 {
		formats = p.cfg.Report.Formats
	}
	return slices.Contains(formats, "docx")
}
