package reports

import (
	"context"
	"fmt"
	"html"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/minqing/minqing/internal/terms"
	"github.com/minqing/minqing/transform"
	"github.com/tealeg/xlsx/v3"
)

// figureCol is figure id's column on a unit sheet whose figures start at column from.
func figureCol(t *testing.T, from int, id string) int {
	t.Helper()
	for i, d := range transform.FigureDefs() {
		if d.ID == id {
			return from + i
		}
	}
	t.Fatalf("no figure %s", id)
	return 0
}

// below is ref ("C2") on a sheet whose table's header is in row top rather than row 1,
// as the statutory header above the tables moves them.
func below(ref string, top int) string {
	col, row, err := xlsx.GetCoordsFromCellIDString(ref)
	if err != nil {
		panic(err)
	}
	return cellName(col+1, row+1+top-1)
}

// withScores returns copies of units whose scores are set by code (nil: no score).
func withScores(units []transform.UnitFigures, scores map[string]*float64) []transform.UnitFigures {
	out := make([]transform.UnitFigures, len(units))
	for i, u := range units {
		vals := map[string]*float64{}
		for k, v := range u.Values {
			vals[k] = v
		}
		if s, ok := scores[u.Unit.Code]; ok {
			vals["score"] = s
		}
		u.Values = vals
		out[i] = u
	}
	return out
}

func TestRankChange(t *testing.T) {
	for _, c := range []struct {
		name         string
		now, before  int
		havePrevious bool
		want         string
	}{
		{"up two", 1, 3, true, "▲2"},
		{"down one", 4, 3, true, "▼1"},
		{"same place", 2, 2, true, terms.RankSteady},
		{"not ranked before", 2, 0, true, terms.RankNew},
		{"not ranked now", 0, 2, true, ""},
		{"no figures of the period before", 1, 0, false, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := rankChange(c.now, c.before, c.havePrevious); got != c.want {
				t.Errorf("rankChange(%d, %d, %v) = %q, want %q", c.now, c.before, c.havePrevious, got, c.want)
			}
		})
	}
}

// TestRankingAgainstPreviousPeriod ranks two periods of known figures: this quarter's
// (东街街道 1, 西湖镇 2, 北山乡 without a score) against the quarter before's.
func TestRankingAgainstPreviousPeriod(t *testing.T) {
	q2 := transform.Period{ID: "2024Q2", Kind: "quarter", Start: day(2024, 4, 1), End: day(2024, 6, 30), Cutoff: day(2024, 6, 30)}
	const village = "320102002001" // 西街村: a village is never in the townships' ranking
	type row struct{ prev, change string }
	for _, c := range []struct {
		name     string
		previous map[string]*float64 // the quarter before's scores; nil map: no figures then
		// 东街街道, 西湖镇 (ranked now) and 北山乡 (not ranked now)
		east, west, north row
	}{
		{"places swapped", map[string]*float64{eastCode: f64(70), westCode: f64(80), northCode: f64(60), village: f64(99)},
			row{"2", "▲1"}, row{"1", "▼1"}, row{"3", "—"}},
		{"same places", map[string]*float64{eastCode: f64(90), westCode: f64(80), northCode: nil, village: f64(99)},
			row{"1", terms.RankSteady}, row{"2", terms.RankSteady}, row{"—", "—"}},
		{"new on the ranking", map[string]*float64{eastCode: nil, westCode: f64(80), northCode: nil},
			row{"—", terms.RankNew}, row{"1", "▼1"}, row{"—", "—"}},
		{"no figures of the quarter before", nil, row{"—", "—"}, row{"—", "—"}, row{"—", "—"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := sampleInput()
			if c.previous != nil {
				in.Previous, in.PreviousPeriod = withScores(in.Units, c.previous), q2
			}
			wb := openBook(t, writeWith(t, in))
			s := sheetRanking
			top := rowOf(t, wb, s, terms.Rank)
			wantText(t, wb, s, below("J1", top), terms.PrevRank)
			wantText(t, wb, s, below("K1", top), terms.RankChange)
			for r, want := range map[int]row{2: c.east, 3: c.west, 6: c.north} {
				if got := cell(t, wb, s, below(fmt.Sprintf("J%d", r), top)).Value; got != want.prev {
					t.Errorf("%s!J%d (%s) = %q, want %q", s, r, cell(t, wb, s, below(fmt.Sprintf("C%d", r), top)).Value, got, want.prev)
				}
				wantText(t, wb, s, below(fmt.Sprintf("K%d", r), top), want.change)
			}
			note := "上期没有诉求数据"
			if c.previous != nil {
				note = "上期名次是2024年第二季度按同一规则"
			}
			if !anyCellContains(wb, s, note) {
				t.Errorf("no note saying %q", note)
			}
		})
	}
}

// TestRankingAgainstPreviousPeriodTownship: a township's workbook ranks its own villages
// of the period before, not the district's.
func TestRankingAgainstPreviousPeriodTownship(t *testing.T) {
	in := townshipInput()
	prev := sampleInput().Units // the store gives every unit
	in.Previous = withScores(prev, map[string]*float64{"320102001001": f64(50), "320102001002": f64(60), "320102002001": f64(99)})
	in.PreviousPeriod = transform.Period{ID: "2024Q2", Kind: "quarter", Start: day(2024, 4, 1), End: day(2024, 6, 30), Cutoff: day(2024, 6, 30)}
	wb := openBook(t, writeWith(t, in))
	top := rowOf(t, wb, sheetRanking, terms.Rank)
	wantText(t, wb, sheetRanking, below("C2", top), "东街社区")
	wantNumber(t, wb, sheetRanking, below("J2", top), 2, fmtCount) // behind 南门社区, not behind 西湖镇's 西街村
	wantText(t, wb, sheetRanking, below("K2", top), "▲1")
}

func TestHonourSize(t *testing.T) {
	for _, c := range []struct{ want, ranked, n int }{
		{3, 10, 3}, {3, 6, 3}, {3, 5, 2}, {3, 1, 0}, {0, 10, 0}, {2, 4, 2},
	} {
		if got := honourSize(c.want, c.ranked); got != c.n {
			t.Errorf("honourSize(%d, %d) = %d, want %d", c.want, c.ranked, got, c.n)
		}
	}
}

func TestHonourRoll(t *testing.T) {
	// Five townships with a score (95, 88.15, 88.15, 70, 60) and 北山乡 without one.
	withMore := func() Input {
		in := sampleInput()
		for i, s := range []struct {
			name  string
			score float64
		}{{"南湖街道", 95}, {"中山镇", 70}, {"青山乡", 60}} {
			in.Units = append(in.Units, transform.UnitFigures{
				Unit:   transform.Unit{Code: fmt.Sprintf("3201020%02d000", 4+i), Name: s.name, Level: "township", Parent: districtCode},
				Values: figures(map[string]float64{"received": 10, "closed": 10, "score": s.score}),
			})
		}
		return in
	}
	for _, c := range []struct {
		name string
		size int
		red  []string
		// black in rank order: the last of the ranking last
		black []string
	}{
		{"two each", 2, []string{"南湖街道", "东街街道"}, []string{"中山镇", "青山乡"}},
		{"more than half: half each", 3, []string{"南湖街道", "东街街道"}, []string{"中山镇", "青山乡"}},
		{"one each", 1, []string{"南湖街道"}, []string{"青山乡"}},
		{"none", 0, nil, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := withMore()
			in.HonourRoll = c.size
			wb := openBook(t, writeWith(t, in))
			s := sheetRanking
			label := terms.HonourRoll + "、" + terms.BlackRoll
			if c.size == 0 {
				if anyCell(wb, s, label) {
					t.Errorf("a 红黑榜 with report.honour_roll 0")
				}
				return
			}
			r := rowOf(t, wb, s, label)
			wantText(t, wb, s, fmt.Sprintf("B%d", r+1), terms.Rank)
			wantText(t, wb, s, fmt.Sprintf("D%d", r+1), terms.Unit)
			wantText(t, wb, s, fmt.Sprintf("E%d", r+1), terms.Score)
			var got []string
			for i := range len(c.red) + len(c.black) {
				row := r + 2 + i
				roll := terms.HonourRoll
				if i >= len(c.red) {
					roll = terms.BlackRoll
				}
				wantText(t, wb, s, fmt.Sprintf("A%d", row), roll)
				got = append(got, cell(t, wb, s, fmt.Sprintf("D%d", row)).Value)
			}
			if want := append(append([]string{}, c.red...), c.black...); strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("红黑榜 %v, want %v", got, want)
			}
			// The last of the ranking is 5th with 60 points; 北山乡 (no score) is on neither.
			last := r + 1 + len(c.red) + len(c.black)
			wantNumber(t, wb, s, fmt.Sprintf("B%d", last), 5, fmtCount)
			wantNumber(t, wb, s, fmt.Sprintf("E%d", last), 60, fmtOne)
			for row := r + 2; row <= last; row++ {
				if cell(t, wb, s, fmt.Sprintf("D%d", row)).Value == "北山乡" {
					t.Error("a unit without a score is on the 红黑榜")
				}
			}
		})
	}
}

var cfRE = regexp.MustCompile(`<conditionalFormatting sqref="([^"]+)"><cfRule type="expression" dxfId="(\d+)"[^>]*><formula>([^<]*)</formula>`)

// conditionalFormats returns a sheet's conditional formats' formulas by range.
func conditionalFormats(t *testing.T, files map[string]string, part string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, m := range cfRE.FindAllStringSubmatch(files[part], -1) {
		out[m[1]] = html.UnescapeString(m[3])
	}
	return out
}

func TestAlerts(t *testing.T) {
	in := sampleInput()
	in.Alerts = map[string]float64{"on_time_rate": 0.9, "satisfaction_rate": 0.955}
	path := writeWith(t, in)
	wb := openBook(t, path)
	files := parts(t, path)
	rule := func(col, row int, limit string) string {
		c := cellName(col, row)
		return "AND(ISNUMBER(" + c + ")," + c + "<" + limit + ")"
	}
	for _, c := range []struct {
		sheet     string
		first     int // the first row marked, below the header; the last is the scope's own row
		last      int
		figuresAt int
	}{
		{sheetTownships, 1, 4, 3},
		{sheetVillages, 1, 6, 4},
	} {
		top := rowOf(t, wb, c.sheet, terms.UnitCode)
		c.first, c.last = c.first+top, c.last+top
		got := conditionalFormats(t, files, sheetPart(t, wb, c.sheet))
		for id, limit := range map[string]string{"on_time_rate": "0.9", "satisfaction_rate": "0.955"} {
			col := figureCol(t, c.figuresAt, id)
			ref := cellName(col, c.first) + ":" + cellName(col, c.last)
			if got[ref] != rule(col, c.first, limit) {
				t.Errorf("%s %s: conditional format on %s = %q, want %q (all: %v)", c.sheet, id, ref, got[ref], rule(col, c.first, limit), got)
			}
		}
		if len(got) != 2 {
			t.Errorf("%s: %d conditional formats, want one per alerted rate: %v", c.sheet, len(got), got)
		}
	}
	got := conditionalFormats(t, files, sheetPart(t, wb, sheetSummary))
	r := rowOf(t, wb, sheetSummary, "按时办结率")
	if ref := cellName(2, r); got[ref+":"+ref] != rule(2, r, "0.9") {
		t.Errorf("概览: no alert on %s: %v", ref, got)
	}
	// The monthly trend's on-time rate column too (9 months below the header).
	h := rowOf(t, wb, sheetSummary, "指标")
	if ref := cellName(9, h+1) + ":" + cellName(9, h+9); got[ref] != rule(9, h+1, "0.9") {
		t.Errorf("概览: no alert on the trend's %s: %v", ref, got)
	}
	// The rule's style is the red of alerts.
	if !strings.Contains(files["xl/styles.xml"], `<dxfs count="1"><dxf><font><b val="1"></b><color rgb="FF`+alertColor+`"></color>`) {
		t.Errorf("styles.xml: no red dxf for the alerts")
	}
	if !anyCell(wb, sheetTownships, "红色底纹标示低于预警线的比率（报表设置 report.alerts）：按时办结率低于90.0%，满意率低于95.5%。修改单元格的值后标示随之重算。") {
		t.Error("乡镇（街道）: no note of the thresholds")
	}

	// Without alerts, nothing is marked.
	path = writeWith(t, sampleInput())
	for name, part := range parts(t, path) {
		if strings.Contains(part, "conditionalFormatting") {
			t.Errorf("%s: a conditional format without report.alerts", name)
		}
	}
}

func TestVillageSubtotals(t *testing.T) {
	in := sampleInput()
	// Every count of 西湖镇 sits under its one village 西街村; its rates are its own.
	var west, village *transform.UnitFigures
	for i := range in.Units {
		switch in.Units[i].Unit.Code {
		case westCode:
			west = &in.Units[i]
		case "320102002001":
			village = &in.Units[i]
		}
	}
	for _, d := range transform.FigureDefs() {
		if d.Kind == transform.KindCount {
			west.Values[d.ID] = village.Values[d.ID]
		}
	}
	wb := openBook(t, writeWith(t, in))
	s := sheetVillages
	received, onTime := figureCol(t, 4, "received"), figureCol(t, 4, "on_time_rate")
	top := rowOf(t, wb, s, terms.UnitCode)
	at := func(row int) int { return row + top - 1 } // row as in a sheet with the header in row 1
	// 东街街道 (rows 2–3): 900 received, 500 in its villages: its own count, no formula.
	wantText(t, wb, s, below("C4", top), subtotalOwn)
	wantNumber(t, wb, s, cellName(received, at(4)), 900, fmtCount)
	if f := cell(t, wb, s, cellName(received, at(4))).Formula(); f != "" {
		t.Errorf("东街街道's 小计 is a formula %q, but its count is not its villages' sum", f)
	}
	// 西湖镇 (row 5): counts are the sum of its villages, as formulas; rates its own.
	wantText(t, wb, s, below("C6", top), terms.Subtotal)
	if c := cell(t, wb, s, cellName(received, at(6))); c.Value != "120" || c.GetNumberFormat() != fmtCount {
		t.Errorf("西湖镇's 小计 of 受理量 shows %q as %q, want 120 as %q", c.Value, c.GetNumberFormat(), fmtCount)
	}
	if f, want := cell(t, wb, s, cellName(received, at(6))).Formula(), "SUM("+cellName(received, at(5))+":"+cellName(received, at(5))+")"; f != want {
		t.Errorf("西湖镇's 小计 of 受理量: formula %q, want %q", f, want)
	}
	wantNumber(t, wb, s, cellName(onTime, at(6)), 0.95, fmtRate) // 西湖镇's own, not 西街村's 0.9
	wantNumber(t, wb, s, cellName(onTime, at(5)), 0.9, fmtRate)
	if !anyCellContains(wb, s, "不是各村（社区）比率之和或平均") {
		t.Error("村（社区）: the note does not say how a 小计's rates are counted")
	}

	// A township's own workbook has its own row below its villages, no 小计.
	wb = openBook(t, writeWith(t, townshipInput()))
	if anyCell(wb, s, terms.Subtotal) || anyCell(wb, s, subtotalOwn) {
		t.Error("a township's workbook has 小计 rows")
	}
}

// anyCellContains says whether any cell of sheet contains text.
func anyCellContains(wb *xlsx.File, sheet, text string) bool {
	found := false
	wb.Sheet[sheet].ForEachRow(func(r *xlsx.Row) error {
		return r.ForEachCell(func(c *xlsx.Cell) error {
			found = found || strings.Contains(c.Value, text)
			return nil
		})
	})
	return found
}

func TestTownshipChanges(t *testing.T) {
	in := sampleInput()
	for i := range in.Units {
		if in.Units[i].Unit.Code == eastCode {
			in.Units[i].MoM = map[string]*float64{"received": f64(0.1), "on_time_rate": f64(-0.02)}
		}
	}
	wb := openBook(t, writeWith(t, in))
	s := sheetTownships
	col := 3 + len(transform.FigureDefs())
	top := rowOf(t, wb, s, terms.UnitCode)
	at := func(row int) int { return row + top - 1 }
	for i, id := range townshipChanges {
		d, _ := transform.FigureDefByID(id)
		wantText(t, wb, s, cellName(col+i, top), d.Name+"环比")
	}
	n, f := changeCell("received", transform.KindCount, 0.1)
	wantNumber(t, wb, s, cellName(col, at(2)), n, f)
	n, f = changeCell("on_time_rate", transform.KindRate, -0.02)
	wantNumber(t, wb, s, cellName(col+1, at(2)), n, f)
	wantText(t, wb, s, cellName(col, at(3)), "—") // 西湖镇: no figures of the period before
	// The district's row: its own 环比.
	n, f = changeCell("received", transform.KindCount, 0.125)
	wantNumber(t, wb, s, cellName(col, at(5)), n, f)
}

func TestPreviousPeriod(t *testing.T) {
	for _, c := range []struct{ id, want string }{
		{"2024Q3", "2024Q2"},
		{"2024Q1", "2023Q4"},
		{"2024-01", "2023-12"},
		{"2024-10", "2024-09"},
		{"2024", "2023"},
	} {
		p, err := transform.ParsePeriod(c.id)
		if err != nil {
			t.Fatal(err)
		}
		got, err := PreviousPeriod(p)
		if err != nil || got.ID != c.want {
			t.Errorf("PreviousPeriod(%s) = %s, %v; want %s", c.id, got.ID, err, c.want)
		}
		if err == nil && !got.End.AddDate(0, 0, 1).Equal(p.Start) {
			t.Errorf("PreviousPeriod(%s) ends %v, not the day before %v", c.id, got.End, p.Start)
		}
	}
}

// TestFixtureRankChange ranks the fixture district's 2024Q4 against 2024Q3, both read
// from a real store through transform.Reader.Figures: every township's 上期名次 is its
// place among 2024Q3's scores (highest first, ties by code), and 名次升降 the difference.
func TestFixtureRankChange(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the fixture district")
	}
	ctx := context.Background()
	r := transform.NewReader(fixtureStore(t))
	per, err := r.Period(ctx, "2024Q4")
	if err != nil {
		t.Fatal(err)
	}
	units, err := r.Units(ctx)
	if err != nil {
		t.Fatal(err)
	}
	in := fixtureInput(t, r, per, units[0].Code) // the district
	in.HonourRoll = 3
	prev, err := PreviousPeriod(per)
	if err != nil {
		t.Fatal(err)
	}
	if in.Previous, err = r.Figures(ctx, prev); err != nil {
		t.Fatal(err)
	}
	in.PreviousPeriod = prev
	// The quarter before's places, counted here apart from the writer's rankUnits.
	type scored struct {
		code  string
		score float64
	}
	var before []scored
	for _, u := range in.Previous {
		if u.Unit.Level == transform.LevelTownship && u.Values["score"] != nil {
			before = append(before, scored{u.Unit.Code, *u.Values["score"]})
		}
	}
	sort.Slice(before, func(i, j int) bool {
		if before[i].score != before[j].score {
			return before[i].score > before[j].score
		}
		return before[i].code < before[j].code
	})
	place := map[string]int{}
	for i, b := range before {
		place[b.code] = i + 1
	}
	if len(place) < 3 {
		t.Fatalf("the fixture's 2024Q3 ranks %d townships; the test needs a few", len(place))
	}
	wb := openBook(t, writeWith(t, in))
	s := sheetRanking
	top := rowOf(t, wb, s, terms.Rank)
	prevCol, changeCol := column(t, wb, s, top, terms.PrevRank), column(t, wb, s, top, terms.RankChange)
	moved := 0
	for row := top + 1; cell(t, wb, s, cellName(1, row)).Value != ""; row++ {
		now, err := cell(t, wb, s, cellName(1, row)).Int()
		if err != nil {
			t.Fatalf("row %d: 名次 %q", row, cell(t, wb, s, cellName(1, row)).Value)
		}
		code := cell(t, wb, s, cellName(2, row)).Value
		want, change := "—", terms.RankNew
		if p, ok := place[code]; ok {
			want = strconv.Itoa(p)
			switch {
			case p > now:
				change = "▲" + strconv.Itoa(p-now)
			case p < now:
				change = "▼" + strconv.Itoa(now-p)
			default:
				change = terms.RankSteady
			}
		}
		if change != terms.RankSteady {
			moved++
		}
		if got := cell(t, wb, s, cellName(prevCol, row)).Value; got != want {
			t.Errorf("%s (名次 %d): 上期名次 %q, want %q", code, now, got, want)
		}
		if got := cell(t, wb, s, cellName(changeCol, row)).Value; got != change {
			t.Errorf("%s (名次 %d): 名次升降 %q, want %q", code, now, got, change)
		}
	}
	t.Logf("%d townships ranked in 2024Q3, %d moved in 2024Q4", len(place), moved)
}

func TestYearToDatePeriod(t *testing.T) {
	for _, c := range []struct {
		id, want string
		ok       bool
	}{
		{"2024Q1", "2024Q1", true}, // January to March is the quarter
		{"2024Q2", "2024Q2YTD", true},
		{"2024Q3", "2024Q3YTD", true},
		{"2024Q4", "2024", true}, // January to December is the year
		{"2024-08", "", false},
		{"2024", "", false},
	} {
		p, err := transform.ParsePeriod(c.id)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := YearToDatePeriod(p)
		if ok != c.ok || got.ID != c.want {
			t.Errorf("YearToDatePeriod(%s) = %q, %v; want %q, %v", c.id, got.ID, ok, c.want, c.ok)
			continue
		}
		if ok && (!got.End.Equal(p.End) || got.Start.Month() != 1 || got.Start.Day() != 1) {
			t.Errorf("YearToDatePeriod(%s) runs %v–%v, not January to %v", c.id, got.Start, got.End, p.End)
		}
	}
}

// ytdInput is sampleInput with 本年累计 figures: every unit's, the counts three times the
// quarter's, the rates 0.05 lower.
func ytdInput(t *testing.T) Input {
	in := sampleInput()
	ytd, err := transform.ParsePeriod("2024Q3YTD")
	if err != nil {
		t.Fatal(err)
	}
	in.YearToDatePeriod = ytd
	for _, u := range in.Units {
		vals := map[string]*float64{}
		for _, d := range transform.FigureDefs() {
			v := u.Values[d.ID]
			switch {
			case v == nil:
				vals[d.ID] = nil
			case d.Kind == transform.KindCount:
				vals[d.ID] = f64(*v * 3)
			case d.Kind == transform.KindRate:
				vals[d.ID] = f64(*v - 0.05)
			default:
				vals[d.ID] = f64(*v)
			}
		}
		in.YearToDate = append(in.YearToDate, transform.UnitFigures{Unit: u.Unit, Values: vals})
	}
	return in
}

func TestYearToDateColumns(t *testing.T) {
	wb := openBook(t, writeWith(t, ytdInput(t)))
	s := sheetSummary
	h := rowOf(t, wb, s, "指标")
	wantText(t, wb, s, cellName(5, h), "本年累计（1—9月）")
	wantText(t, wb, s, cellName(7, h), "月份") // the trend moves one column right
	r := rowOf(t, wb, s, "受理量")
	wantNumber(t, wb, s, fmt.Sprintf("E%d", r), 12345*3, fmtCount)
	r = rowOf(t, wb, s, "按时办结率")
	wantNumber(t, wb, s, fmt.Sprintf("E%d", r), 0.925-0.05, fmtRate)
	r = rowOf(t, wb, s, "响应率")
	wantText(t, wb, s, fmt.Sprintf("E%d", r), "—")

	s = sheetTownships
	top := rowOf(t, wb, s, terms.UnitCode)
	col := column(t, wb, s, top, "受理量本年累计（1—9月）")
	wantNumber(t, wb, s, cellName(col, top+1), 900*3, fmtCount) // 东街街道
	wantNumber(t, wb, s, cellName(col, top+4), 12345*3, fmtCount)
	col = column(t, wb, s, top, "按时办结率本年累计（1—9月）")
	wantNumber(t, wb, s, cellName(col, top+2), 0.95-0.05, fmtRate) // 西湖镇

	// Without 本年累计 there is no column of it.
	wb = openBook(t, writeSample(t))
	if anyCellContains(wb, sheetSummary, terms.YearToDate) || anyCellContains(wb, sheetTownships, terms.YearToDate) {
		t.Error("a 本年累计 column without year-to-date figures")
	}
	// Figures of another span are not 本年累计.
	in := ytdInput(t)
	in.YearToDatePeriod, _ = transform.ParsePeriod("2024Q2YTD")
	if err := Write(t.TempDir()+"/x.xlsx", in); err == nil || !strings.Contains(err.Error(), "does not run from 1 January to the period's end") {
		t.Errorf("Write with 2024Q2YTD as 2024Q3's year to date: %v", err)
	}
}

// TestFixtureYearToDate writes the fixture district's 2024Q3 with its 2024Q3YTD figures
// read from a real store: 概览's 本年累计 is the ytd period's figures, whose counts are the
// sums of January to September's monthly counts, and whose rates are not the quarter's.
func TestFixtureYearToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the fixture district")
	}
	ctx := context.Background()
	r := transform.NewReader(fixtureStore(t))
	per, err := r.Period(ctx, "2024Q3")
	if err != nil {
		t.Fatal(err)
	}
	ytdPer, ok := YearToDatePeriod(per)
	if !ok {
		t.Fatal("no year to date for 2024Q3")
	}
	if _, err := r.Period(ctx, ytdPer.ID); err != nil {
		t.Fatalf("the store has no period %s: %v", ytdPer.ID, err)
	}
	units, err := r.Units(ctx)
	if err != nil {
		t.Fatal(err)
	}
	in := fixtureInput(t, r, per, units[0].Code)
	if in.YearToDate, err = r.Figures(ctx, ytdPer); err != nil {
		t.Fatal(err)
	}
	in.YearToDatePeriod = ytdPer
	ytd := in.YearToDate[0]
	months, err := r.Series(ctx, units[0].Code, "month")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"received", "closed", "visit_persons"} {
		sum := 0.0
		for _, mo := range months {
			if mo.Period.Start.Year() == 2024 && mo.Period.End.Month() <= 9 && mo.Values[id] != nil {
				sum += *mo.Values[id]
			}
		}
		if ytd.Values[id] == nil || *ytd.Values[id] != sum {
			t.Errorf("2024Q3YTD %s = %v, want January–September's sum %v", id, fmtPtr(ytd.Values[id]), sum)
		}
	}
	wb := openBook(t, writeWith(t, in))
	for _, d := range transform.FigureDefs() {
		r := rowOf(t, wb, sheetSummary, figureName(d))
		c := cell(t, wb, sheetSummary, fmt.Sprintf("E%d", r))
		v := ytd.Values[d.ID]
		if v == nil {
			if c.Value != dash {
				t.Errorf("概览 本年累计 %s = %q, want —", d.ID, c.Value)
			}
			continue
		}
		// a cell holds 15 significant digits
		if got, err := c.Float(); err != nil || math.Abs(got-*v) > 1e-13*math.Max(1, math.Abs(*v)) {
			t.Errorf("概览 本年累计 %s = %q, want %v", d.ID, c.Value, *v)
		}
	}
	q := in.Units[0].Values["on_time_rate"]
	if y := ytd.Values["on_time_rate"]; q != nil && y != nil && *q == *y {
		t.Logf("note: 2024Q3 and 2024Q3YTD have the same on-time rate %v", *q)
	}
}

func fmtPtr(p *float64) string {
	if p == nil {
		return "nil"
	}
	return strconv.FormatFloat(*p, 'g', -1, 64)
}
