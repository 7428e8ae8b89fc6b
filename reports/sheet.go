package reports

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/minqing/minqing/transform"
	"github.com/xuri/excelize/v2"
)

const (
	dash = "—" // a value that does not exist: a zero denominator, nothing to compare

	minWidth = 6.0
	maxWidth = 60.0 // wider text wraps
	padding  = 2.0
	// headerWrap is the widest a table header makes its column; longer titles wrap.
	headerWrap = 8.0
	// filterButton is the room the autofilter arrow takes in a header cell.
	filterButton = 2.5
)

// sheet writes cells to one worksheet, remembering how wide each column must be, and
// keeps the first error so sheet functions read as layout, not error plumbing.
type sheet struct {
	b      *book
	name   string
	widths map[int]float64 // column (1-based) → widest content, in width units
	spans  []span
	// wrapped holds the cells whose text may take several lines: neither Excel
	// nor LibreOffice re-measures rows when opening a file, so finish sets the
	// heights of their rows.
	wrapped []wrappedCell
	// used is the bottom-right corner of what was written, for the sheet's
	// dimension: excelize leaves it at A1, and readers that trust it (openpyxl's
	// read-only mode, which pandas uses) would then see an empty sheet.
	usedCol, usedRow int
	printing         *printing
	// paragraphs are the indexes in wrapped of the paragraphs, merged by finish.
	paragraphs []int
	// tables are the header rows of the sheet's tables, and rows the rows written:
	// finish keeps a table's heading with it on the printed page (keepTogether).
	tables []int
	rows   map[int]bool
	// after runs at the end of finish with the columns' widths: charts sized to
	// the columns they sit over.
	after func(widths map[int]float64)
	// stat is the model of a statistical table, which carries the statutory header
	// (statHeader), nil for other sheets: headerRows are its right-hand lines, which finish places, and
	// footerRow the row of its footer line.
	stat       *model
	headerRows []headerLine
	leftRow    int // 填报单位's row
	footerRow  int
	err        error
}

type wrappedCell struct {
	col, row int
	toCol    int // last column of a merged cell; col otherwise
	text     string
	cs       cellStyle
}

// span asks that columns from..to together be at least width wide (a merged title).
type span struct {
	from, to int
	width    float64
}

func (s *sheet) fail(err error) {
	if s.err == nil && err != nil {
		s.err = err
	}
}

func (s *sheet) fit(col int, w float64) {
	s.widths[col] = max(s.widths[col], w)
}

func cellName(col, row int) string {
	name, err := excelize.CoordinatesToCellName(col, row)
	if err != nil {
		panic(err) // columns and rows come from the sheet functions, never from data
	}
	return name
}

func (s *sheet) setStyle(col, row int, cs cellStyle) {
	s.usedCol, s.usedRow = max(s.usedCol, col), max(s.usedRow, row)
	if s.rows == nil {
		s.rows = map[int]bool{}
	}
	s.rows[row] = true
	id, err := s.b.style(cs)
	if err != nil {
		s.fail(err)
		return
	}
	c := cellName(col, row)
	s.fail(s.b.f.SetCellStyle(s.name, c, c, id))
}

// label writes text the workbook itself says (headers, names of figures).
func (s *sheet) label(col, row int, text string, cs cellStyle) {
	s.prose(col, row, text, cs)
	s.fit(col, textWidth(text)*sizeFactor(cs))
	if cs.wrap || strings.Contains(text, "\n") {
		s.wrapped = append(s.wrapped, wrappedCell{col, row, col, text, cs})
	}
}

// prose writes text that may run over the empty cells to its right (a title, a
// note), so it does not widen its column.
func (s *sheet) prose(col, row int, text string, cs cellStyle) {
	if s.err != nil {
		return
	}
	s.fail(s.b.f.SetCellStr(s.name, cellName(col, row), text))
	s.setStyle(col, row, cs)
}

// text writes text that came from exports or config (unit names, case numbers,
// channels): always a string cell, and quote-prefixed where it starts like a formula.
func (s *sheet) text(col, row int, text string, cs cellStyle) {
	text = clip(text)
	cs.quote = needsQuote(text)
	s.label(col, row, text, cs)
}

// number writes v as a numeric cell under numFmt.
func (s *sheet) number(col, row int, v float64, numFmt string, cs cellStyle) {
	if s.err != nil {
		return
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		// The read model's bug, not a value to publish; excelize would write "NaN".
		s.fail(fmt.Errorf("cell %s: %v is not a number", cellName(col, row), v))
		return
	}
	s.fail(s.b.f.SetCellFloat(s.name, cellName(col, row), fifteen(v), -1, 64))
	cs.numFmt = numFmt
	if cs.align == "" {
		cs.align = "right"
	}
	s.setStyle(col, row, cs)
	s.fit(col, textWidth(shown(v, numFmt))*sizeFactor(cs))
}

// formula writes a formula into columns from..to of row, merged and wrapped, with the
// text it shows: the archive writer stores that text as the formula's cached result.
func (s *sheet) formula(row, from, to int, formula, shows string, cs cellStyle) {
	if s.err != nil {
		return
	}
	cs.wrap = true
	ref := cellName(from, row)
	s.fail(s.b.f.SetCellFormula(s.name, ref, formula))
	s.setStyle(from, row, cs)
	for c := from + 1; c <= to; c++ {
		s.prose(c, row, "", cs)
	}
	if to > from && s.err == nil {
		s.fail(s.b.f.MergeCell(s.name, ref, cellName(to, row)))
	}
	s.wrapped = append(s.wrapped, wrappedCell{from, row, to, shows, cs})
	part := s.b.part(s.name)
	if s.b.cached[part] == nil {
		s.b.cached[part] = map[string]string{}
	}
	s.b.cached[part][ref] = shows
}

// dash writes the text "—" for a value that does not exist.
func (s *sheet) dash(col, row int, cs cellStyle) {
	cs.align = "center"
	s.label(col, row, dash, cs)
}

// figure writes a figure's value, or "—" when it has none.
func (s *sheet) figure(col, row int, v *float64, k transform.FigureKind, cs cellStyle) {
	if v == nil {
		s.dash(col, row, cs)
		return
	}
	s.number(col, row, *v, figureFormat(k), cs)
}

// change writes a change against an earlier period, or "—" when there is none.
func (s *sheet) change(col, row int, id string, v *float64, k transform.FigureKind, cs cellStyle) {
	if v == nil {
		s.dash(col, row, cs)
		return
	}
	n, f := changeCell(id, k, *v)
	s.number(col, row, n, f, cs)
}

// date writes t as a date cell (a date-time when withTime), or "—" when nil.
func (s *sheet) date(col, row int, t *time.Time, withTime bool, cs cellStyle) {
	if t == nil {
		s.dash(col, row, cs)
		return
	}
	f := fmtDate
	if withTime {
		f = fmtDateTime
	}
	cs.align = "center"
	s.number(col, row, excelSerial(*t), f, cs)
}

// header writes a table's header row from column 1 and returns the next row.
func (s *sheet) header(row int, titles []string) int {
	s.tables = append(s.tables, row)
	for i, t := range titles {
		s.prose(i+1, row, t, stHeader)
		s.fit(i+1, headerFit(t)+filterButton)
		s.wrapped = append(s.wrapped, wrappedCell{i + 1, row, i + 1, t, stHeader})
	}
	return row + 1
}

// headerFit is the width a header title needs. A long title wraps rather than
// widening its column: a unit sheet has twenty figures, and a column as wide as
// 代办按时办结率 for numbers of six characters would shrink the printed page to
// unreadable. But a title laid out in lines ("隔离·\n日期无法识别\nBAD_DATE") keeps
// each line whole, and a code (ASCII) is never broken: a word cut in two reads as two.
func headerFit(t string) float64 {
	f := sizeFactor(stHeader)
	if strings.Contains(t, "\n") {
		w := 0.0
		for _, line := range strings.Split(t, "\n") {
			w = max(w, textWidth(line)*f)
		}
		return w
	}
	w := min(textWidth(t)*f, headerWrap)
	for _, word := range strings.FieldsFunc(t, func(r rune) bool { return r > 0x7f || r == ' ' }) {
		w = max(w, textWidth(word)*f)
	}
	return w
}

// table puts an autofilter on header row..lastRow and freezes the rows down to the
// header and the first freezeCols columns.
func (s *sheet) table(headerRow, lastRow, cols, freezeCols int) {
	if s.err != nil {
		return
	}
	lastRow = max(lastRow, headerRow)
	ref := cellName(1, headerRow) + ":" + cellName(cols, lastRow)
	s.fail(s.b.f.AutoFilter(s.name, ref, nil))
	s.freeze(headerRow, freezeCols)
}

// freeze keeps rows 1..rows and columns 1..cols in view while scrolling.
func (s *sheet) freeze(rows, cols int) {
	if s.err != nil {
		return
	}
	top := cellName(cols+1, rows+1)
	pane := "bottomLeft"
	if cols > 0 {
		pane = "bottomRight"
	}
	s.fail(s.b.f.SetPanes(s.name, &excelize.Panes{
		Freeze: true, XSplit: cols, YSplit: rows, TopLeftCell: top, ActivePane: pane,
		Selection: []excelize.Selection{{SQRef: top, ActiveCell: top, Pane: pane}},
	}))
}

// paragraph writes text into columns from..to of row, merged and wrapped, without
// widening them: notes and long settings take the width the table gives them.
//
// The cells are merged when the sheet is finished: a sheet printed several pages
// across merges a paragraph over no more than the first page's columns, so that its
// text wraps within the page rather than being cut at the page's edge.
func (s *sheet) paragraph(row, from, to int, text string, cs cellStyle) {
	cs.wrap = true
	s.prose(from, row, text, cs)
	for c := from + 1; c <= to; c++ {
		s.prose(c, row, "", cs) // the merged area's borders
	}
	s.paragraphs = append(s.paragraphs, len(s.wrapped))
	s.wrapped = append(s.wrapped, wrappedCell{from, row, to, text, cs})
}

// merge merges from..to on row, and asks the columns to be wide enough for w.
func (s *sheet) merge(row, from, to int, w float64) {
	if s.err != nil {
		return
	}
	s.fail(s.b.f.MergeCell(s.name, cellName(from, row), cellName(to, row)))
	s.spans = append(s.spans, span{from, to, w})
}

// finish sets every column's width from what was written, then returns the first
// error met.
func (s *sheet) finish() error {
	if s.err != nil {
		return s.err
	}
	want := map[int]float64{}
	for col, w := range s.widths {
		want[col] = min(max(w+padding, minWidth), maxWidth)
	}
	for _, sp := range s.spans {
		have := 0.0
		for c := sp.from; c <= sp.to; c++ {
			have += want[c]
		}
		if extra := sp.width + padding - have; extra > 0 {
			n := float64(sp.to - sp.from + 1)
			for c := sp.from; c <= sp.to; c++ {
				want[c] += extra / n
			}
		}
	}
	cols := make([]int, 0, len(want))
	for c := range want {
		cols = append(cols, c)
	}
	slices.Sort(cols)
	for _, c := range cols {
		name, err := excelize.ColumnNumberToName(c)
		if err != nil {
			return err
		}
		// Round up to a quarter unit so the XML holds a short, stable number.
		want[c] = math.Ceil(want[c]*4) / 4
		if err := s.b.f.SetColWidth(s.name, name, name, want[c]); err != nil {
			return fmt.Errorf("setting width of column %s: %w", name, err)
		}
	}

	if s.after != nil {
		s.after(want)
		if s.err != nil {
			return s.err
		}
	}
	across := 1
	if p := s.printing; p != nil {
		total := 0.0
		for _, c := range cols {
			total += want[c]
		}
		across = cmp.Or(p.across, pagesAcross(total))
		if p.one {
			orientation := "landscape"
			if p.upright {
				orientation = "portrait"
			}
			if err := pageSetup(s.b, p.m, s.name, 0, 0, 0, 1, 1, orientation); err != nil {
				return err
			}
		} else if err := pageAcross(s.b, p.m, s.name, p.titleFrom, p.titleRows, p.titleCols, across); err != nil {
			return err
		}
		if across > 1 {
			// The first page holds about its share of the width (less where title
			// columns repeat, which only lowers the scale): a paragraph is merged
			// over the columns that fit in it. Where title columns repeat on every
			// page, a paragraph in them is merged within them, or every later page
			// would show it cut at their edge.
			first := total / float64(across)
			if p.titleCols > 0 {
				first = 0
				for c := 1; c <= p.titleCols; c++ {
					first += cmp.Or(want[c], defaultWidth)
				}
			}
			for _, i := range s.paragraphs {
				w := &s.wrapped[i]
				at := 0.0
				for c := 1; c < w.col; c++ {
					at += cmp.Or(want[c], defaultWidth)
				}
				to := w.col
				at += cmp.Or(want[w.col], defaultWidth)
				for to < w.toCol && at+cmp.Or(want[to+1], defaultWidth) <= first {
					to++
					at += cmp.Or(want[to], defaultWidth)
				}
				// a note too long for the narrow merge (taller than a row may be) keeps
				// its whole width: cut at a page's edge beats cut at the row's foot
				width := 0.0
				for c := w.col; c <= to; c++ {
					width += cmp.Or(want[c], defaultWidth)
				}
				if float64(lines(w.text, w.cs, width))*lineHeight*sizeFactor(w.cs)+rowMargin <= excelize.MaxRowHeight {
					w.toCol = to
				}
			}
		}
	}
	if s.stat != nil {
		titleCols := 0
		if s.printing != nil {
			titleCols = s.printing.titleCols
		}
		left := 1
		if across > 1 && titleCols > 0 {
			left = titleCols + 1
		}
		s.statFinish(s.stat, left, firstPageCol(want, s.usedCol, across, titleCols))
		if s.err != nil {
			return s.err
		}
	}
	for _, i := range s.paragraphs {
		if w := s.wrapped[i]; w.toCol > w.col {
			if err := s.b.f.MergeCell(s.name, cellName(w.col, w.row), cellName(w.toCol, w.row)); err != nil {
				return fmt.Errorf("merging %s: %w", cellName(w.col, w.row), err)
			}
		}
	}

	if s.usedRow > 0 {
		if err := s.b.f.SetSheetDimension(s.name, "A1:"+cellName(s.usedCol, s.usedRow)); err != nil {
			return fmt.Errorf("setting used range: %w", err)
		}
	}

	heights := map[int]float64{}
	for _, w := range s.wrapped {
		width := 0.0
		for c := w.col; c <= w.toCol; c++ {
			width += cmp.Or(want[c], defaultWidth)
		}
		heights[w.row] = max(heights[w.row], float64(lines(w.text, w.cs, width))*lineHeight*sizeFactor(w.cs))
	}
	rows := make([]int, 0, len(heights))
	for r := range heights {
		rows = append(rows, r)
	}
	slices.Sort(rows)
	for _, r := range rows {
		heights[r] = min(math.Ceil(heights[r]+rowMargin), excelize.MaxRowHeight)
		if err := s.b.f.SetRowHeight(s.name, r, heights[r]); err != nil {
			return fmt.Errorf("setting height of row %d: %w", r, err)
		}
	}
	if p := s.printing; p != nil {
		total := 0.0
		for _, c := range cols {
			total += want[c]
		}
		for _, r := range s.keepTogether(total, across, p.titleFrom, p.titleRows, heights) {
			if err := s.b.f.InsertPageBreak(s.name, cellName(1, r)); err != nil {
				return fmt.Errorf("breaking the page before row %d: %w", r, err)
			}
		}
	}
	return nil
}

// firstPageCol is the last column of columns 1..cols (widths want) that prints on the
// first of across pages side by side, on each of which columns 1..titleCols repeat.
func firstPageCol(want map[int]float64, cols, across, titleCols int) int {
	if across <= 1 {
		return cols
	}
	total, titles := 0.0, 0.0
	for c := 1; c <= cols; c++ {
		total += cmp.Or(want[c], defaultWidth)
		if c <= titleCols {
			titles += cmp.Or(want[c], defaultWidth)
		}
	}
	page := (total + float64(across-1)*titles) / float64(across)
	at, last := 0.0, 1
	for c := 1; c <= cols; c++ {
		at += cmp.Or(want[c], defaultWidth)
		if at > page {
			break
		}
		last = c
	}
	return last
}

// The printed page, for keepTogether: A4 landscape less excelize's default margins
// (0.7 inch left and right, 0.75 inch top and bottom), in points; a column-width unit
// is about 7 pixels at 96 dpi, 5.25 points; a row no one sized is 15 points.
const (
	printWidth       = 841.9 - 2*0.7*72
	printHeight      = 595.3 - 2*0.75*72
	pointsPerUnit    = 5.25
	defaultRowHeight = 15.0
	// keepRows is how many rows of a table must print on the page of its heading.
	keepRows = 3
)

// keepTogether returns the rows before which a page must break so that no table's
// heading (the written rows just above its header, at most three) prints at the foot
// of one page and its header and first rows on the next. The sheet is width units
// wide, printed across pages side by side with rows titleFrom..titleRows repeated on each;
// heights are the rows' heights where set. Page ends are estimated as a reader's
// spreadsheet lays them out; where the estimate is off the break falls a little
// early, which costs some space and never splits a heading from its table.
func (s *sheet) keepTogether(width float64, across, titleFrom, titleRows int, heights map[int]float64) []int {
	if len(s.tables) < 2 {
		return nil
	}
	scale := min(1, float64(across)*printWidth/(width*pointsPerUnit))
	page := printHeight / scale
	height := func(r int) float64 { return cmp.Or(heights[r], defaultRowHeight) }
	titles := 0.0
	for r := max(titleFrom, 1); r <= titleRows; r++ {
		titles += height(r)
	}
	starts := map[int]int{} // the first row of a heading → its table's header row
	for _, h := range s.tables[1:] {
		b := h
		for b > max(1, h-3) && s.rows[b-1] && !slices.Contains(s.tables, b-1) {
			b--
		}
		if b > titleRows+1 {
			starts[b] = h
		}
	}
	var breaks []int
	used := 0.0
	for r := 1; r <= s.usedRow; r++ {
		if h, ok := starts[r]; ok {
			block := 0.0
			for x := r; x <= h+keepRows; x++ {
				block += height(x)
			}
			if used+block > page && used > titles {
				breaks = append(breaks, r)
				used = titles
			}
		}
		if used+height(r) > page {
			used = titles // the row begins a new page, below the repeated rows
		}
		used += height(r)
	}
	return breaks
}

// lineHeight is the height in points of one line of body text, with room for the
// taller CJK fonts a reader may substitute for 宋体 (Noto Sans CJK needs about 16).
const (
	lineHeight = 16.0
	rowMargin  = 3.0
	// defaultWidth is the width of a column nothing set, in 宋体 11.
	defaultWidth = 9.0
)

// lines estimates how many lines text takes in a column colWidth wide.
func lines(text string, cs cellStyle, colWidth float64) int {
	usable := max(colWidth-1, 1)
	n := 0
	for _, line := range strings.Split(text, "\n") {
		n += max(1, int(math.Ceil(textWidth(line)*sizeFactor(cs)/usable)))
	}
	return n
}

// sizeFactor scales widths for text larger than the body size.
func sizeFactor(cs cellStyle) float64 {
	f := 1.0
	if cs.size > 0 {
		f = cs.size / bodySize
	}
	if cs.bold {
		f *= 1.05
	}
	return f
}
