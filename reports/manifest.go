package reports

import (
	"cmp"
	"slices"
)

// writeManifest writes 清单: what the workbook was made from — the minqing version,
// the hash of the config, the cutoff and every input file with its SHA-256 and rows
// — so it can be made again and each input checked against its hash.
func writeManifest(s *sheet, m *model) {
	mf := m.in.Manifest
	titles := []string{"来源", "文件", "SHA-256", "行数", "快照日期"}
	top := s.start(m, len(titles))
	row := top
	for _, kv := range []struct{ k, v string }{
		{"minqing版本", mf.Version},
		{"配置文件SHA-256", mf.ConfigHash},
	} {
		s.label(1, row, kv.k, stLabel)
		if kv.v == "" {
			s.prose(2, row, dash, stNote)
		} else {
			s.text(2, row, kv.v, cellStyle{})
		}
		row++
	}
	s.label(1, row, "数据截止时间", stLabel)
	if mf.Cutoff.IsZero() {
		s.prose(2, row, dash, stNote)
	} else {
		s.number(2, row, excelSerial(mf.Cutoff), fmtDateTime, cellStyle{align: "left"})
	}
	row++
	s.label(1, row, "数据知悉日期", stLabel)
	if mf.AsOf.IsZero() {
		s.prose(2, row, "全部已载入的导出文件", stNote)
	} else {
		s.text(2, row, mf.AsOf.Format("2006-01-02")+"（仅含导出日期不晚于此日的文件）", cellStyle{})
	}
	row++
	s.label(1, row, "统计期间", stLabel)
	s.text(2, row, m.in.Period.ID+"（"+m.label+"）", cellStyle{})
	row += 2

	files := slices.Clone(mf.Files)
	slices.SortFunc(files, func(a, b ManifestFile) int {
		return cmp.Or(cmp.Compare(a.Source, b.Source), cmp.Compare(a.Path, b.Path), cmp.Compare(a.SHA256, b.SHA256))
	})
	headerRow := row
	row = s.header(headerRow, titles)
	for _, f := range files {
		s.text(1, row, f.Source, stText)
		s.text(2, row, f.Path, stText)
		s.text(3, row, f.SHA256, stText)
		s.number(4, row, float64(f.Rows), fmtCount, stText)
		s.date(5, row, f.Snapshot, false, stText)
		row++
	}
	s.table(headerRow, row-1, len(titles), 0)
	bold := stText
	bold.bold = true
	total := 0
	for _, f := range files {
		total += f.Rows
	}
	s.label(1, row, "合计", bold)
	s.label(2, row, groupThousands(itoa(len(files)))+"个文件", bold)
	s.label(3, row, "", bold)
	s.number(4, row, float64(total), fmtCount, bold)
	s.label(5, row, "", bold)
	s.print(m, headerRow, 0)
}
