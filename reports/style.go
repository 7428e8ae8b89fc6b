package reports

import (
	"fmt"

	"github.com/xuri/excelize/v2"
)

// Number formats. Every number is stored as a number with one of these formats, so
// a reader can recompute, sum and sort; the format only decides how it looks.
const (
	fmtCount    = "#,##0"
	fmtRate     = "0.0%"
	fmtOne      = "0.0" // working days and the score
	fmtDate     = "yyyy-mm-dd"
	fmtDateTime = "yyyy-mm-dd hh:mm"
	// Changes: counts and days in percent, rates in percentage points (the cell holds
	// the points, e.g. 2.3 for +0.023), the score in 分. changeFormat adds the arrows
	// and colours.
	unitPct    = `0.0%`
	unitPoints = `0.0"个百分点"`
	unitScore  = `0.0"分"`
)

// Polarity says which way a figure is better: up (rates, visits), down (overdue
// cases, processing days) or neither (cases received: more is not better or worse).
const (
	betterUp = iota
	betterDown
	neutral
)

// polarity is the direction in which figure id improves.
func polarity(id string) int {
	switch id {
	case "overdue_open", "avg_days", "median_days":
		return betterDown
	case "received":
		return neutral
	}
	return betterUp
}

// changeFormat is the number format of a change: ▲ for a rise, ▼ for a fall (the
// number then shows without its sign), 持平 for none; green when the change is for
// the better, red when for the worse. Blue, not green, for the better: the named
// [Green] is a bright #00FF00 that vanishes on white paper, and the palette's darker
// greens ([Color10]) are not the same colour in LibreOffice and WPS.
func changeFormat(unit string, pol int) string {
	up, down := "", ""
	switch pol {
	case betterUp:
		up, down = "[Blue]", "[Red]"
	case betterDown:
		up, down = "[Red]", "[Blue]"
	}
	return up + `"▲"` + unit + ";" + down + `"▼"` + unit + `;"持平"`
}

// cellStyle is a cell's look; book.style turns it into an excelize style ID, creating
// each distinct look once, in first-use order, so the style table is deterministic.
type cellStyle struct {
	numFmt string // custom number format; "" for General
	bold   bool
	size   float64 // points; 0 for the body size
	header bool    // shaded, centred and wrapped, for table headers
	border bool    // thin grey grid, for table cells
	align  string  // horizontal alignment; "" for the application's default
	wrap   bool
	quote  bool   // quote prefix: stays text even when a user edits the cell
	color  string // font colour, RRGGBB; "" for black
}

const bodySize = 11

var (
	stText   = cellStyle{border: true}
	stHeader = cellStyle{header: true, border: true, bold: true, align: "center", wrap: true}
	stLabel  = cellStyle{bold: true}
	stDash   = cellStyle{border: true, align: "center"}
	stBanner = cellStyle{bold: true, color: "C00000", align: "left"}
	stNote   = cellStyle{align: "left"}
)

func (b *book) style(cs cellStyle) (int, error) {
	if id, ok := b.styles[cs]; ok {
		return id, nil
	}
	var id int
	if cs.quote {
		plain := cs
		plain.quote = false
		base, err := b.style(plain)
		if err != nil {
			return 0, err
		}
		id = b.quoted(base)
	} else {
		size := cs.size
		if size == 0 {
			size = bodySize
		}
		st := &excelize.Style{
			Font:      &excelize.Font{Family: fontName, Size: size, Bold: cs.bold, Color: cs.color},
			Alignment: &excelize.Alignment{Horizontal: cs.align, Vertical: "center", WrapText: cs.wrap},
		}
		if cs.numFmt != "" {
			nf := cs.numFmt
			st.CustomNumFmt = &nf
		}
		if cs.border {
			for _, side := range []string{"left", "right", "top", "bottom"} {
				st.Border = append(st.Border, excelize.Border{Type: side, Color: "A6A6A6", Style: 1})
			}
		}
		if cs.header {
			st.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}
		}
		var err error
		if id, err = b.f.NewStyle(st); err != nil {
			return 0, fmt.Errorf("creating style %+v: %w", cs, err)
		}
	}
	b.styles[cs] = id
	return id, nil
}

// quoted adds a copy of style base with the quote prefix set and returns its ID.
//
// Text from exports is always written as a string cell (SetCellStr), so "=…" never
// runs when the workbook is opened. But a user who presses F2 and Enter in such a
// cell turns it into a formula, unless the cell carries quotePrefix — what Excel
// records when someone types a leading apostrophe, shown in the formula bar only.
// excelize's public Style has no such field (libraries.md), so the flag is set on a
// copy of the cell format record, reached through File.Styles; NewStyle's
// de-duplication finds the plain record first, so no other cell picks this one up.
// TestFormulaTextStaysText guards it against library changes.
func (b *book) quoted(base int) int {
	xfs := b.f.Styles.CellXfs
	xf := xfs.Xf[base]
	on := true
	xf.QuotePrefix = &on
	xfs.Xf = append(xfs.Xf, xf)
	xfs.Count = len(xfs.Xf)
	return len(xfs.Xf) - 1
}
