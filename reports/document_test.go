package reports

import (
	"bytes"
	"cmp"
	"context"
	"encoding/xml"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/minqing/minqing/internal/terms"
	"github.com/minqing/minqing/transform"
)

// docContent is what a reader of the document sees: the text of each paragraph
// outside tables, and each table's rows of cell texts.
type docContent struct {
	paras  []string
	tables [][][]string
}

// readDocument unzips the document at path and reads word/document.xml back.
func readDocument(t *testing.T, path string) (docContent, map[string]string) {
	t.Helper()
	ps := parts(t, path)
	x, ok := ps["word/document.xml"]
	if !ok {
		t.Fatal("no word/document.xml")
	}
	var c docContent
	dec := xml.NewDecoder(strings.NewReader(x))
	var text strings.Builder
	inT, depth := false, 0
	var row []string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("word/document.xml is not XML: %v", err)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			switch e.Name.Local {
			case "tbl":
				depth++
				c.tables = append(c.tables, nil)
			case "tr":
				row = nil
			case "p":
				text.Reset()
			case "t":
				inT = true
			}
		case xml.EndElement:
			switch e.Name.Local {
			case "tbl":
				depth--
			case "tr":
				c.tables[len(c.tables)-1] = append(c.tables[len(c.tables)-1], row)
			case "p":
				if depth == 0 {
					if text.Len() > 0 {
						c.paras = append(c.paras, text.String())
					}
				} else {
					row = append(row, text.String())
				}
			case "t":
				inT = false
			}
		case xml.CharData:
			if inT {
				text.Write(e)
			}
		}
	}
	return c, ps
}

// docFixtureInput is fixtureInput with what the document reads beyond it, as
// pipeline.go fills it: the breakdowns, the waiting cases, the data's last day.
func docFixtureInput(t *testing.T, r *transform.Reader, per transform.Period, scope string) Input {
	t.Helper()
	ctx := context.Background()
	in := fixtureInput(t, r, per, scope)
	var err error
	for _, b := range []struct {
		dim  string
		rows *[]transform.BreakdownRow
	}{{"category", &in.Classes}, {"channel", &in.Channels}, {"topic", &in.Topics}} {
		if *b.rows, err = r.Breakdown(ctx, per, in.Scope.Code, b.dim); err != nil {
			t.Fatal(err)
		}
	}
	if in.Waiting, err = r.WaitingCases(ctx, per, in.Scope.Code); err != nil {
		t.Fatal(err)
	}
	if in.DataThrough, err = r.DataThrough(ctx); err != nil {
		t.Fatal(err)
	}
	return in
}

// statedNumber is a number the document states in prose.
var statedNumber = regexp.MustCompile(`\d[\d,]*(?:\.\d+)?%?`)

// checkStatedNumbers finds every number in the document's prose (but dates, the
// numbers of 附表, the score's scale, 24 hours and the rule's 10 cases) and checks it against
// the figure its words name, of the unit or breakdown row they name (the scope's when
// they name none); every number must be accounted for. It returns how many it checked.
func checkStatedNumbers(t *testing.T, in Input, c docContent, scopeWord string) int {
	t.Helper()
	type row struct {
		values, mom, yoy map[string]*float64
	}
	var scope row
	rows := map[string]row{}
	for _, u := range in.Units {
		rows[u.Unit.Name] = row{u.Values, u.MoM, u.YoY}
		if u.Unit.Code == in.Scope.Code {
			scope = rows[u.Unit.Name]
		}
	}
	rows[scopeWord] = scope
	for _, rs := range [][]transform.BreakdownRow{in.Classes, in.Channels, in.Topics} {
		for _, r := range rs {
			rows[r.Value] = row{r.Values, r.MoM, r.YoY}
		}
	}
	waitDays := map[string][]int{}
	for _, w := range in.Waiting {
		waitDays[w.UnitName] = append(waitDays[w.UnitName], w.Workdays)
	}
	notOver := !in.DataThrough.IsZero() && !in.Period.Complete(in.DataThrough)
	// lastOf returns the name of names that ends last in s (the longest of those ending
	// at the same place), and where it ends; -1 when none occurs.
	lastOf := func(s string, names []string) (string, int) {
		best, end := "", -1
		for _, n := range names {
			if i := strings.LastIndex(s, n); i >= 0 && (i+len(n) > end || i+len(n) == end && len(n) > len(best)) {
				best, end = n, i+len(n)
			}
		}
		return best, end
	}
	var rowNames []string
	for n := range rows {
		rowNames = append(rowNames, n)
	}
	defByName := map[string]transform.FigureDef{}
	var figNames []string
	for _, d := range in.Defs {
		defByName[d.Name] = d
		figNames = append(figNames, d.Name)
	}
	checked := 0
	for _, p := range c.paras {
		for _, loc := range statedNumber.FindAllStringIndex(p, -1) {
			num, before, after := p[loc[0]:loc[1]], p[:loc[0]], p[loc[1]:]
			switch {
			case strings.HasPrefix(after, "年") || strings.HasPrefix(after, "月") || strings.HasPrefix(after, "日"),
				strings.HasPrefix(after, ". "), strings.HasSuffix(before, "附表"),
				strings.HasSuffix(before, "满分") && after[:len("分")] == "分",
				strings.HasPrefix(after, "小时"), strings.HasPrefix(after, "件以上"):
				continue // a date, an attachment's number, the score's scale, the response rate's 24 hours
			}
			sent := before[strings.LastIndex(before, "。")+1:]
			got, err := strconv.ParseFloat(strings.TrimSuffix(strings.ReplaceAll(num, ",", ""), "%"), 64)
			if err != nil {
				t.Fatalf("%q: %v", num, err)
			}
			checked++
			if strings.HasSuffix(before, "已等待") {
				unit, _ := lastOf(sent[strings.LastIndex(sent, "；")+1:], slices.Collect(mapsKeys(waitDays)))
				if !slices.Contains(waitDays[unit], int(got)) {
					t.Errorf("%q: %s waited %v working days, but no waiting case of %q did (%v)", p, num, got, unit, waitDays[unit])
				}
				continue
			}
			if strings.HasSuffix(before, "等待补正材料或上级批复的诉求") {
				if int(got) != len(in.Waiting) {
					t.Errorf("%q: %s waiting cases, the input has %d", p, num, len(in.Waiting))
				}
				continue
			}
			// A row's name inside a figure's (走访 in 走访人次) names no row.
			masked := sent
			for _, f := range figNames {
				masked = strings.ReplaceAll(masked, f, strings.Repeat("\x00", len(f)))
			}
			name, rowEnd := lastOf(masked, rowNames)
			r := scope
			if rowEnd >= 0 {
				r = rows[name]
			}
			fig, figEnd := lastOf(sent, figNames)
			if figEnd < 0 || figEnd < rowEnd {
				t.Errorf("%q: %s names no figure after its unit (%q)", p, num, sent)
				continue
			}
			def := defByName[fig]
			between := sent[figEnd:]
			values, scale, tol := r.values, 1.0, 0.05
			switch {
			case strings.Contains(between, "环比"), strings.Contains(between, "同比"):
				values = r.mom
				if strings.Contains(between, "同比") {
					values = r.yoy
				}
				if w, _ := lastOf(between, []string{"下降", "降低"}); w != "" && strings.HasSuffix(between, w) {
					got = -got
				}
				if def.Kind != transform.KindScore {
					scale = 100 // points and percent
				}
				if notOver && def.Kind == transform.KindCount {
					t.Errorf("%q: a count's change %s in a period not over", p, num)
				}
			case def.Kind == transform.KindRate:
				scale = 100
			case def.Kind == transform.KindCount:
				tol = 0.5
			}
			v := values[def.ID]
			if v == nil {
				t.Errorf("%q: %s stated for %s of %q, which has no value", p, num, def.ID, name)
				continue
			}
			if want := *v * scale; math.Abs(got-want) > tol+1e-9 {
				t.Errorf("%q: %s for %s of %q (%q), want %.4f", p, num, def.ID, cmp.Or(name, "scope"), between, want)
			}
		}
	}
	return checked
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// checkTables checks 附表1 (each unit's figures) and 附表2 (the ranking, in an order
// recomputed here: score, highest first, ties by code).
func checkTables(t *testing.T, in Input, c docContent, scopeWord string) {
	t.Helper()
	if len(c.tables) != 2 {
		t.Fatalf("%d tables, want 2", len(c.tables))
	}
	byName := map[string]transform.UnitFigures{}
	var below []transform.UnitFigures
	level := transform.LevelTownship
	if in.Scope.Code != in.District.Code {
		level = transform.LevelVillage
	}
	for _, u := range in.Units {
		byName[u.Unit.Name] = u
		if u.Unit.Code == in.Scope.Code {
			byName[scopeWord] = u
		}
		if u.Unit.Level == level {
			below = append(below, u)
		}
	}
	defs := map[string]transform.FigureDef{}
	for _, d := range in.Defs {
		defs[figureName(d)] = d
	}
	cell := func(u transform.UnitFigures, head, got string) {
		d, ok := defs[head]
		if !ok {
			t.Errorf("column %q is not a figure", head)
			return
		}
		v := u.Values[d.ID]
		if v == nil {
			if got != dash {
				t.Errorf("%s %s = %q, want %s", u.Unit.Name, head, got, dash)
			}
			return
		}
		n, err := strconv.ParseFloat(strings.TrimSuffix(strings.ReplaceAll(got, ",", ""), "%"), 64)
		want, tol := *v, 0.05
		switch d.Kind {
		case transform.KindRate:
			want *= 100
		case transform.KindCount:
			tol = 0.5
		}
		if err != nil || math.Abs(n-want) > tol {
			t.Errorf("%s %s = %q, want %.4f", u.Unit.Name, head, got, want)
		}
	}
	units := c.tables[0]
	if len(units) != len(below)+2 {
		t.Errorf("附表1 has %d rows, want a header, %d units and the scope", len(units), len(below))
	}
	for _, r := range units[1:] {
		u, ok := byName[r[0]]
		if !ok {
			t.Errorf("附表1: %q is not a unit", r[0])
			continue
		}
		for i, h := range units[0][1:] {
			cell(u, h, r[i+1])
		}
	}
	var ranked []transform.UnitFigures
	for _, u := range below {
		if u.Values["score"] != nil {
			ranked = append(ranked, u)
		}
	}
	slices.SortFunc(ranked, func(a, b transform.UnitFigures) int {
		return cmp.Or(cmp.Compare(*b.Values["score"], *a.Values["score"]), cmp.Compare(a.Unit.Code, b.Unit.Code))
	})
	rank := c.tables[1]
	if len(rank) != len(below)+1 {
		t.Errorf("附表2 has %d rows, want a header and %d units", len(rank), len(below))
	}
	if rank[0][0] != terms.Rank {
		t.Errorf("附表2 heads its first column %q", rank[0][0])
	}
	for i, r := range rank[1:] {
		u := byName[r[1]]
		want := dash
		if i < len(ranked) {
			want = strconv.Itoa(i + 1)
			if ranked[i].Unit.Name != r[1] {
				t.Errorf("附表2 row %d is %s, want %s", i+1, r[1], ranked[i].Unit.Name)
			}
		}
		if r[0] != want {
			t.Errorf("附表2: %s ranked %q, want %q", r[1], r[0], want)
		}
		for j, h := range rank[0][2:] {
			cell(u, h, r[j+2])
		}
	}
}

// TestDocumentFixture writes the fixture district's 2024Q4 report document and each
// township's, reads them back and finds every number they state equal to the figures
// of the input (the read model's), and no other township in a township's document.
func TestDocumentFixture(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the fixture district")
	}
	db := fixtureStore(t)
	r := transform.NewReader(db)
	ctx := context.Background()
	per, err := r.Period(ctx, "2024Q4")
	if err != nil {
		t.Fatal(err)
	}
	units, err := r.Units(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var district transform.Unit
	var townships []transform.Unit
	for _, u := range units {
		switch u.Level {
		case transform.LevelDistrict:
			district = u
		case transform.LevelTownship:
			townships = append(townships, u)
		}
	}
	for _, scope := range append([]transform.Unit{district}, townships...) {
		t.Run(scope.Name, func(t *testing.T) {
			in := docFixtureInput(t, r, per, scope.Code)
			path := filepath.Join(t.TempDir(), "r.docx")
			if err := WriteDocument(path, in); err != nil {
				t.Fatal(err)
			}
			m, err := newModel(in)
			if err != nil {
				t.Fatal(err)
			}
			c, ps := readDocument(t, path)
			if want := documentTitle(m); c.paras[0] != want {
				t.Errorf("title %q, want %q", c.paras[0], want)
			}
			n := checkStatedNumbers(t, in, c, m.scopeWord())
			if n < 20 {
				t.Errorf("only %d numbers in the prose", n)
			}
			checkTables(t, in, c, m.scopeWord())
			for _, h := range []string{"一、总体情况", "二、分类办理情况", "三、" + m.levelName() + "排名", "四、存在的问题"} {
				if !slices.Contains(c.paras, h) {
					t.Errorf("no heading %s", h)
				}
			}
			if scope.Code == district.Code {
				return
			}
			for _, other := range townships {
				if other.Code != scope.Code && strings.Contains(ps["word/document.xml"]+ps["docProps/core.xml"], other.Name) {
					t.Errorf("%s's document names %s", scope.Name, other.Name)
				}
			}
		})
	}
}

// TestDocumentPage checks the page of GB/T 9704-2012 in sectPr, the fonts and sizes of
// the styles, the font table's fallbacks and the footers' page numbers.
func TestDocumentPage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.docx")
	if err := WriteDocument(path, sampleInput()); err != nil {
		t.Fatal(err)
	}
	ps := parts(t, path)
	doc := ps["word/document.xml"]
	for _, want := range []string{
		`<w:pgSz w:w="11906" w:h="16838"/>`,                                  // A4, 210 × 297 mm
		`w:top="2098"`, `w:bottom="1984"`, `w:left="1587"`, `w:right="1474"`, // 37, 35, 28, 26 mm
		// 225 mm of text height in 22 lines
		`<w:docGrid w:type="lines" w:linePitch="579"/>`,
		`<w:footerReference w:type="default" r:id="rId4"/>`, `<w:footerReference w:type="even" r:id="rId5"/>`,
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("document.xml lacks %s", want)
		}
	}
	styles := ps["word/styles.xml"]
	for style, want := range map[string][]string{
		stTitle:   {`w:eastAsia="方正小标宋简体"`, `<w:sz w:val="44"/>`},
		stBody:    {`w:eastAsia="仿宋_GB2312"`, `<w:sz w:val="32"/>`, `w:firstLineChars="200"`},
		stH1:      {`w:eastAsia="黑体"`, `<w:sz w:val="32"/>`},
		stH2:      {`w:eastAsia="楷体_GB2312"`, `<w:sz w:val="32"/>`},
		"Footer":  {`w:eastAsia="宋体"`, `<w:sz w:val="28"/>`},
		stTabText: {`w:eastAsia="仿宋_GB2312"`, `<w:sz w:val="21"/>`},
	} {
		i := strings.Index(styles, `w:styleId="`+style+`"`)
		if i < 0 {
			t.Errorf("no style %s", style)
			continue
		}
		s := styles[i : i+strings.Index(styles[i:], "</w:style>")]
		for _, w := range want {
			if !strings.Contains(s, w) {
				t.Errorf("style %s lacks %s", style, w)
			}
		}
	}
	// Every paragraph sits on the page's lines unless its style says otherwise.
	if !strings.Contains(styles, `<w:pPrDefault><w:pPr><w:jc w:val="both"/><w:spacing w:line="579" w:lineRule="exact"/>`) {
		t.Error("paragraphs are not spaced a line pitch apart by default")
	}
	fonts := ps["word/fontTable.xml"]
	for name, alt := range map[string]string{"方正小标宋简体": "华文中宋", "仿宋_GB2312": "仿宋", "楷体_GB2312": "楷体", "黑体": "SimHei"} {
		if !strings.Contains(fonts, `<w:font w:name="`+name+`"><w:altName w:val="`+alt+`"/>`) {
			t.Errorf("font table lacks %s with fallback %s", name, alt)
		}
	}
	for _, f := range []string{"word/footer1.xml", "word/footer2.xml"} {
		x := ps[f]
		if !strings.Contains(x, "— </w:t>") || !strings.Contains(x, " PAGE ") || !strings.Contains(x, "> —</w:t>") {
			t.Errorf("%s has no page number — n —: %s", f, x)
		}
	}
	if !strings.Contains(ps["word/settings.xml"], "<w:evenAndOddHeaders/>") {
		t.Error("settings lack evenAndOddHeaders: odd and even pages' numbers would sit on one side")
	}
}

// TestDocumentGolden checks the sample documents' text against
// testdata/document_NAME.golden (-update rewrites them), every number they state and
// their tables against the input, and that the same input gives the same bytes. In a
// period not over in the data the document says so and compares no counts.
func TestDocumentGolden(t *testing.T) {
	notOver := sampleInput()
	notOver.DataThrough = day(2024, 9, 15)
	waiting := townshipInput()
	waiting.Waiting = []transform.WaitingCase{
		{CaseKey: "a", UnitCode: "320102001001", UnitName: "东街社区", Category: "补办件", Days: 20, Workdays: 14},
		{CaseKey: "b", UnitCode: "320102001002", UnitName: "南门社区", Category: "上报件", Days: 40, Workdays: 27},
	}
	rising := sampleInput()
	rising.Topics[0].MoM = map[string]*float64{"received": f64(0.25)}
	rising.Topics[2].MoM = map[string]*float64{"received": f64(0.5)}
	for _, tc := range []struct {
		name string
		in   Input
	}{{"sample", sampleInput()}, {"township", townshipInput()}, {"not_over", notOver}, {"waiting", waiting}, {"rising", rising}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			a, b := filepath.Join(dir, "a.docx"), filepath.Join(dir, "b.docx")
			for _, p := range []string{a, b} {
				if err := WriteDocument(p, tc.in); err != nil {
					t.Fatal(err)
				}
			}
			ba, _ := os.ReadFile(a)
			bb, _ := os.ReadFile(b)
			if !bytes.Equal(ba, bb) {
				t.Error("the same input gave different bytes")
			}
			c, _ := readDocument(t, a)
			m, err := newModel(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			checkStatedNumbers(t, tc.in, c, m.scopeWord())
			checkTables(t, tc.in, c, m.scopeWord())
			// One name for one thing: no heading, label or cell is a retired variant.
			labels := slices.Clone(c.paras)
			for _, tb := range c.tables {
				for _, r := range tb {
					labels = append(labels, r...)
				}
			}
			for _, l := range labels {
				if now, ok := terms.Retired[strings.TrimPrefix(strings.TrimPrefix(l, "（二）"), "（三）")]; ok {
					t.Errorf("%q is retired; the outputs say %s", l, now)
				}
			}
			var got strings.Builder
			for _, p := range c.paras {
				got.WriteString(p + "\n")
			}
			for i, tb := range c.tables {
				got.WriteString("\n附表" + strconv.Itoa(i+1) + "\n")
				for _, r := range tb {
					got.WriteString(strings.Join(r, " | ") + "\n")
				}
			}
			checkGolden(t, "document_"+tc.name+".golden", "document text", got.String())
		})
	}
}

// TestDocumentEscapes writes unit and row names that hold XML's special characters and
// characters XML cannot hold: the document stays well-formed and shows the names.
func TestDocumentEscapes(t *testing.T) {
	in := townshipInput()
	for i, u := range in.Units {
		if u.Unit.Code == "320102001001" {
			in.Units[i].Unit.Name = `东街<社区>&"1"` + "\x01"
		}
	}
	in.Topics = append(in.Topics, transform.BreakdownRow{Value: "]]><w:p>", Values: in.Topics[0].Values})
	path := filepath.Join(t.TempDir(), "e.docx")
	if err := WriteDocument(path, in); err != nil {
		t.Fatal(err)
	}
	c, _ := readDocument(t, path)
	all := strings.Join(c.paras, "\n")
	for _, tb := range c.tables {
		for _, r := range tb {
			all += strings.Join(r, "|")
		}
	}
	for _, want := range []string{`东街<社区>&"1"` + "\uFFFD", "]]><w:p>"} {
		if !strings.Contains(all, want) {
			t.Errorf("document lacks %q", want)
		}
	}
}

// TestDocumentOpens converts the sample document to PDF with LibreOffice, where it is
// installed (CI does not install it).
func TestDocumentOpens(t *testing.T) {
	soffice, err := exec.LookPath("soffice")
	if err != nil || testing.Short() {
		t.Skip("soffice not installed, or -short")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "r.docx")
	if err := WriteDocument(path, sampleInput()); err != nil {
		t.Fatal(err)
	}
	profile := t.TempDir()
	cmd := exec.Command(soffice, "-env:UserInstallation=file://"+profile, "--headless", "--convert-to", "pdf", "--outdir", dir, path)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
	pdf, err := os.ReadFile(filepath.Join(dir, "r.pdf"))
	if err != nil {
		t.Fatalf("LibreOffice made no PDF: %v", err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF")) || !regexp.MustCompile(`/Type\s*/Page\b`).Match(pdf) {
		t.Error("LibreOffice's PDF has no pages")
	}
}

// TestRenderDocument writes the sample document to $MINQING_SAMPLE_DOCX for a look
// through LibreOffice; it does nothing unless asked.
func TestRenderDocument(t *testing.T) {
	path := os.Getenv("MINQING_SAMPLE_DOCX")
	if path == "" {
		t.Skip("set MINQING_SAMPLE_DOCX to write the sample document")
	}
	in := sampleInput()
	if os.Getenv("MINQING_SAMPLE_SCOPE") == "township" {
		in = townshipInput()
	}
	if err := WriteDocument(path, in); err != nil {
		t.Fatal(err)
	}
}

// TestDocumentTitle breaks a title too long for one line of 2号 before 民情工作情况报告,
// and leaves one that fits whole.
func TestDocumentTitle(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    Input
		broke bool
	}{{"district", sampleInput(), false}, {"township", townshipInput(), true}} {
		path := filepath.Join(t.TempDir(), "t.docx")
		if err := WriteDocument(path, tc.in); err != nil {
			t.Fatal(err)
		}
		doc := parts(t, path)["word/document.xml"]
		if got := strings.Contains(doc, `<w:br/><w:t xml:space="preserve">民情工作情况报告</w:t>`); got != tc.broke {
			t.Errorf("%s: title broken %v, want %v", tc.name, got, tc.broke)
		}
	}
}

// TestDocumentRankChange: with the period before's figures, 附表2 shows each unit's
// 上期名次 and 名次升降 as 综合排名 does (ranked by the same rule); without them it has
// neither column.
func TestDocumentRankChange(t *testing.T) {
	q2 := transform.Period{ID: "2024Q2", Kind: "quarter", Start: day(2024, 4, 1), End: day(2024, 6, 30), Cutoff: day(2024, 6, 30)}
	in := sampleInput()
	// last quarter 西湖镇 led 东街街道, and 北山乡 was third; now 东街街道 leads
	in.Previous, in.PreviousPeriod = withScores(in.Units, map[string]*float64{eastCode: f64(70), westCode: f64(80), northCode: f64(60)}), q2
	path := filepath.Join(t.TempDir(), "d.docx")
	if err := WriteDocument(path, in); err != nil {
		t.Fatal(err)
	}
	c, _ := readDocument(t, path)
	rank := c.tables[1]
	if want := []string{terms.Rank, "乡镇（街道）", terms.PrevRank, terms.RankChange}; !slices.Equal(rank[0][:4], want) {
		t.Fatalf("附表2 heads %v, want %v first", rank[0], want)
	}
	got := map[string][2]string{}
	for _, r := range rank[1:] {
		got[r[1]] = [2]string{r[2], r[3]}
	}
	for name, want := range map[string][2]string{"东街街道": {"2", "▲1"}, "西湖镇": {"1", "▼1"}, "北山乡": {"3", dash}} {
		if got[name] != want {
			t.Errorf("附表2 %s: 上期名次, 名次升降 = %v, want %v", name, got[name], want)
		}
	}
	in.Previous = nil
	if err := WriteDocument(path, in); err != nil {
		t.Fatal(err)
	}
	c, _ = readDocument(t, path)
	if slices.Contains(c.tables[1][0], terms.PrevRank) {
		t.Errorf("附表2 heads %v without the period before's figures", c.tables[1][0])
	}
}
