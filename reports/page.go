package reports

import (
	"fmt"
	"math"
	"strings"

	"github.com/xuri/excelize/v2"
)

// auditorBanner heads every sheet of an auditor's copy, which names citizens in clear.
const auditorBanner = "审计专用副本：本工作簿含未脱敏的个人信息（诉求人姓名、联系电话、诉求内容），仅供审计核查使用，不得复制、转发或对外公开。"

// start writes the auditor's banner over columns 1..cols of row 1 when the workbook is
// an auditor's copy, and returns the first row left for the sheet's content.
//
// A statistical table (statisticalSheets) has the statutory header below the banner:
// the first row left is then m.statTop().
func (s *sheet) start(m *model, cols int) int {
	row := 1
	if m.in.AuditorCopy {
		s.paragraph(1, 1, max(cols, 4), auditorBanner, stBanner)
		row = 2
	}
	if statisticalSheets[s.name] {
		row = s.statHeader(m, row)
	}
	return row
}

// print asks finish to set the sheet up for printing with rows 1..titleRows and
// columns 1..titleCols repeated on every page, on as many pages across as its width
// takes (pagesAcross).
//
// On a statistical table only the last of those rows, its header row, repeats: the
// statutory header above it prints once, on the first page.
func (s *sheet) print(m *model, titleRows, titleCols int) {
	from := 0
	if s.stat != nil {
		from = titleRows
	}
	s.printing = &printing{m: m, titleRows: titleRows, titleCols: titleCols, titleFrom: from}
}

// printOneWide is print for a table of a few columns, each of whose rows reads on one
// page: it is fitted to one page's width.
func (s *sheet) printOneWide(m *model, titleRows int) {
	s.printing = &printing{m: m, titleRows: titleRows, across: 1}
}

// printListOneWide is printOneWide for a list below a block of its own (清单's version,
// config and cutoff): only its header row, headerRow, repeats on every page.
func (s *sheet) printListOneWide(m *model, headerRow int) {
	s.printing = &printing{m: m, titleRows: headerRow, across: 1, titleFrom: headerRow}
}

// onePage asks finish to print the sheet on one A4 page, upright or (landscape)
// across: 封面 and 目录.
func (s *sheet) onePage(m *model, upright bool) {
	s.printing = &printing{m: m, across: 1, one: true, upright: upright}
}

type printing struct {
	m                    *model
	titleRows, titleCols int
	across               int // pages across; 0: as the width takes
	// titleFrom is the first row repeated (0: row 1), up to titleRows.
	titleFrom int
	// one fits the sheet on a single page, upright when upright.
	one, upright bool
}

// pageWidth is how many column-width units an A4 landscape page shows legibly: at
// about 150 units 11-point text prints near 9 points. A wider sheet is printed
// across several pages, its first columns repeated on each, rather than shrunk to
// illegible.
const pageWidth = 150.0

// page sets up printing: A4 landscape, scaled to fit a sheet width units wide on as
// few pages across as stay legible and as many pages down as it takes, rows
// 1..titleRows and columns 1..titleCols repeated on every page (none when 0), and a
// header and footer naming the report, the sheet, the period and the page.
//
// It must be called before a StreamWriter is opened on the sheet: the settings live
// in the worksheet record, which the StreamWriter copies when it starts.
func page(b *book, m *model, name string, titleRows, titleCols int, width float64) error {
	return pageAcross(b, m, name, 1, titleRows, titleCols, pagesAcross(width))
}

// pagesAcross is how many pages across a sheet width units wide prints on: one up to
// a third wider than a page (scaled to no less than about 8 points), more beyond, at
// most 3.
func pagesAcross(width float64) int {
	if width <= pageWidth*4/3 {
		return 1
	}
	return min(int(math.Ceil(width/pageWidth)), 3)
}

// pageAcross is page with the number of pages across given: 1 for a sheet each of
// whose rows must read on one page, whose columns are sized to fit it.
// Rows titleFrom..titleRows are repeated (none when titleRows is 0).
func pageAcross(b *book, m *model, name string, titleFrom, titleRows, titleCols, fitW int) error {
	return pageSetup(b, m, name, titleFrom, titleRows, titleCols, fitW, 0, "landscape")
}

// pageSetup is pageAcross on fitH pages down (0: as many as it takes) in orientation.
func pageSetup(b *book, m *model, name string, titleFrom, titleRows, titleCols, fitW, fitH int, orientation string) error {
	if fitW == 1 {
		titleCols = 0
	}
	size := 9 // A4
	if err := b.f.SetPageLayout(name, &excelize.PageLayoutOptions{
		Size: &size, Orientation: &orientation, FitToWidth: &fitW, FitToHeight: &fitH,
	}); err != nil {
		return fmt.Errorf("setting page layout: %w", err)
	}
	fit := true
	if err := b.f.SetSheetProps(name, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return fmt.Errorf("setting fit to page: %w", err)
	}
	header := "&L" + hfText(m.title) + "&R" + hfText(name)
	footer := "&L" + hfText(m.label) + "&C&P / &N&R截止日期 " + m.in.Period.Cutoff.In(shanghai).Format("2006-01-02")
	if m.in.AuditorCopy {
		header = "&L" + hfText(m.title) + "&C&B审计专用副本·含未脱敏个人信息&B&R" + hfText(name)
		footer = "&L" + hfText(m.label) + "&C&P / &N&R&B审计专用副本，不得外传&B"
	}
	if err := b.f.SetHeaderFooter(name, &excelize.HeaderFooterOptions{OddHeader: header, OddFooter: footer}); err != nil {
		return fmt.Errorf("setting header and footer: %w", err)
	}
	var titles []string
	if titleCols > 0 {
		last, _ := excelize.ColumnNumberToName(titleCols)
		titles = append(titles, fmt.Sprintf("%s!$A:$%s", quoteSheet(name), last))
	}
	if titleRows > 0 {
		titles = append(titles, fmt.Sprintf("%s!$%d:$%d", quoteSheet(name), max(titleFrom, 1), titleRows))
	}
	if len(titles) > 0 {
		if err := b.f.SetDefinedName(&excelize.DefinedName{
			Name:     "_xlnm.Print_Titles",
			RefersTo: strings.Join(titles, ","),
			Scope:    name,
		}); err != nil {
			return fmt.Errorf("setting print titles: %w", err)
		}
	}
	return nil
}

// hfText escapes text for a header or footer, where & starts a code.
func hfText(s string) string { return strings.ReplaceAll(s, "&", "&&") }

// quoteSheet is a sheet name as a reference writes it: 'name', quotes doubled.
func quoteSheet(name string) string { return "'" + strings.ReplaceAll(name, "'", "''") + "'" }
