package reports

import (
	"cmp"
	"slices"
	"time"
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
			s.prose(2, row, kv.v, cellStyle{size: 9}) // runs over the columns to its right
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
		s.text(3, row, f.SHA256, stHash)
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
	writeForgotten(s, row+2, mf.Forgotten)
	s.printListOneWide(m, headerRow)
}

// stHash sets a SHA-256 a size smaller, so that its 64 digits are whole in a column
// that leaves the table one page wide.
var stHash = cellStyle{border: true, size: 9}

// ForgottenFile is a file taken back from the store (`minqing forget`): its rows are in
// no figure, and the record of who took it back, when and why stays, as does the undo.
type ForgottenFile struct {
	Source, Path, SHA256 string
	Rows                 int // rows the file held, as registered when it was loaded
	At                   time.Time
	By                   string // who took it back: the OS user, and the name given, if any
	Reason               string
	UndoneAt             *time.Time // when it was given back (loaded again at the next run)
	UndoneBy             string
}

// writeForgotten writes 已撤回的文件 from row top: every file taken back, oldest first.
// Nothing is written when no file ever was.
func writeForgotten(s *sheet, top int, files []ForgottenFile) {
	if len(files) == 0 {
		return
	}
	s.label(1, top, "已撤回的文件", stLabel)
	s.prose(2, top, "撤回的文件不计入任何统计，其后的运行也不再载入，除非撤销撤回", stNote)
	row := s.header(top+1, []string{"来源", "文件", "SHA-256", "行数", "撤回时间", "撤回人", "原因", "撤销撤回时间", "撤销人"})
	for _, f := range files {
		s.text(1, row, f.Source, stText)
		s.text(2, row, f.Path, stText)
		s.text(3, row, f.SHA256, stHash)
		s.number(4, row, float64(f.Rows), fmtCount, stText)
		at := f.At
		s.date(5, row, &at, true, stText)
		s.text(6, row, f.By, stText)
		if f.Reason == "" {
			s.dash(7, row, stDash)
		} else {
			s.text(7, row, f.Reason, cellStyle{border: true, wrap: true})
		}
		s.date(8, row, f.UndoneAt, true, stText)
		if f.UndoneBy == "" {
			s.dash(9, row, stDash)
		} else {
			s.text(9, row, f.UndoneBy, stText)
		}
		row++
	}
}
