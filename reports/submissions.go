package reports

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/minqing/minqing/internal/terms"
	"github.com/minqing/minqing/transform"
)

// sheetSubmissions is 报送情况: who sent what of each unit of the scope for the period.
const sheetSubmissions = terms.Submissions

// stNotSubmitted marks a unit that sent nothing for the period, in red as 审计提示's
// banner is: printed in black and white it still reads 未报送.
var stNotSubmitted = cellStyle{border: true, bold: true, color: "C00000"}

// submissionsInScope returns the entries of in.Submissions whose unit is in the
// workbook's scope, grouped as the unit sheets are: the district, then each township
// followed by its villages, by code.
func submissionsInScope(m *model) []transform.UnitSubmissions {
	var out []transform.UnitSubmissions
	for _, s := range m.in.Submissions {
		if _, ok := m.units[s.Code]; ok {
			out = append(out, s)
		}
	}
	township := func(s transform.UnitSubmissions) string {
		switch s.Level {
		case "district":
			return ""
		case "township":
			return s.Code
		}
		return s.Parent
	}
	level := map[string]int{"district": 0, "township": 1}
	slices.SortFunc(out, func(a, b transform.UnitSubmissions) int {
		la, ok := level[a.Level]
		if !ok {
			la = 2
		}
		lb, ok := level[b.Level]
		if !ok {
			lb = 2
		}
		return cmp.Or(cmp.Compare(township(a), township(b)), cmp.Compare(la, lb), cmp.Compare(a.Code, b.Code))
	})
	return out
}

// submissionState is what 报送情况 says of a unit: 已报送, 未报送 or 不作判断.
func submissionState(s transform.UnitSubmissions) string {
	switch {
	case !s.Expected:
		return terms.NotJudged
	case s.Silent:
		return terms.NotSubmitted
	}
	return terms.Submitted
}

// writeSubmissions writes 报送情况: one row per unit of the scope and source whose files
// hold rows of the unit dated in the period (one row for a unit with none), the units
// that sent nothing for the period marked 未报送 and named above the table, with the rule
// that decides it.
func writeSubmissions(s *sheet, m *model) {
	titles := []string{terms.UnitCode, terms.Unit, terms.Township, terms.Submissions, terms.LastOwn,
		terms.Source, terms.OwnExport, terms.FileCount, terms.PeriodRows, terms.NewestExport, terms.NewestRows}
	top := s.start(m, len(titles))
	subs := submissionsInScope(m)
	var silent []string
	for _, u := range subs {
		if u.Silent {
			silent = append(silent, u.Name)
		}
	}
	s.paragraph(top, 1, len(titles), transform.SubmissionRule+"各来源的行数含下级单位的行。", stNote)
	summary := fmt.Sprintf("%s%s：无", m.label, terms.NotSubmitted)
	if len(silent) > 0 {
		summary = fmt.Sprintf("%s%s：%d个单位（%s）", m.label, terms.NotSubmitted, len(silent), strings.Join(silent, "、"))
	}
	if m.notOver != "" {
		summary += "。" + m.notOver + "：单位可能尚未报送"
	}
	summaryStyle := stLabel
	if len(silent) > 0 {
		summaryStyle = stBanner
	}
	s.prose(1, top+1, summary, summaryStyle)
	headerRow := top + 3
	row := s.header(headerRow, titles)
	for _, u := range subs {
		township := ""
		switch u.Level {
		case "township":
			township = u.Name
		case "district":
		default:
			township = m.units[u.Parent].Name
		}
		state := submissionState(u)
		unitCells := func(row int) {
			s.text(1, row, u.Code, stText)
			s.text(2, row, u.Name, stText)
			if township == "" {
				s.dash(3, row, stDash)
			} else {
				s.text(3, row, township, stText)
			}
			if u.Silent {
				s.label(4, row, state, stNotSubmitted)
			} else {
				s.label(4, row, state, stText)
			}
			s.date(5, row, u.LastOwn, false, stText)
		}
		if len(u.Sources) == 0 {
			unitCells(row)
			for c := 6; c <= len(titles); c++ {
				s.dash(c, row, stDash)
			}
			row++
			continue
		}
		for _, src := range u.Sources {
			unitCells(row)
			s.text(6, row, src.Source, stText)
			own := "否"
			if src.Own {
				own = "是"
			}
			s.label(7, row, own, stDash)
			s.number(8, row, float64(src.Files), fmtCount, stText)
			s.number(9, row, float64(src.Rows), fmtCount, stText)
			s.date(10, row, src.Newest, false, stText)
			s.number(11, row, float64(src.NewestRows), fmtCount, stText)
			row++
		}
	}
	s.table(headerRow, row-1, len(titles), 2)
	s.label(1, row, fmt.Sprintf("共%d个单位，其中%s%d个", len(subs), terms.NotSubmitted, len(silent)), stNote)
	s.printOneWide(m, headerRow)
}

// notSubmitted reports whether the unit sent nothing for the period
// (transform.UnitSubmissions.Silent): a sheet showing its figures marks them 未报送
// (terms.NotSubmitted), never a plain 0, for they come from other units' exports alone.
func (m *model) notSubmitted(code string) bool {
	for _, s := range m.in.Submissions {
		if s.Code == code {
			return s.Silent
		}
	}
	return false
}
