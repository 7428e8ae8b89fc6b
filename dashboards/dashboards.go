package dashboards

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/minqing/minqing/internal/terms"
	"github.com/minqing/minqing/transform"
)

// The static files are build outputs of scripts/assets (ECharts from the pinned npm package
// and the licences that must travel with it); a build without them fails here, on purpose,
// rather than shipping a page whose charts cannot draw.
//
//go:embed static/echarts.min.js static/LICENSE static/NOTICE static/LICENSE-d3 static/LICENSE-zrender
var staticFiles embed.FS

//go:embed page.html.tmpl
var pageSource string

var pageTemplate = template.Must(template.New("page").Funcs(template.FuncMap{
	"list": func(v ...chartView) []chartView { return v },
}).Parse(pageSource))

// Input is everything one dashboard shows: one district and one period.
type Input struct {
	District transform.Unit
	Period   transform.Period
	// Headline is the district's figures with MoM/YoY.
	Headline transform.UnitFigures
	// Trend is the district's quarters, oldest first, drawn in the order given.
	Trend []transform.PeriodFigures
	// Townships holds every township's figures for the period; they are ranked by "score",
	// and a township with a nil score (nothing due) is listed apart, not ranked.
	Townships []transform.UnitFigures
	// Classes holds the five classes (即办件 承诺件 补办件 上报件 建议件) with their figures.
	Classes []transform.BreakdownRow
	// Weights are the score's weights in force (response_rate, resolution_rate,
	// satisfaction_rate); nil states the defaults.
	Weights map[string]float64
	// Alerts are thresholds by rate id (config report.alerts): a card's rate below one
	// is shown in the bad colour with the threshold.
	Alerts map[string]float64
	// DataThrough is the last day the loaded data covers (transform.Reader.DataThrough;
	// Build and BuildAll fill it from a source that can tell). A period that ends after it
	// is not over in the data, and the page's header says so; zero says nothing.
	DataThrough time.Time
	// Detail makes the page a unit's page (any level) with the sections only a full read
	// gives (Build fills it); nil gives the district dashboard of cards, trend, ranking and
	// classes. When set, Headline and Townships are the scope's figures and children.
	Detail *Detail
	// Submissions are who sent what for the period, of the page's unit and those below it
	// (Build and BuildAll fill it from a SubmissionsSource); nil shows no 报送情况 panel.
	Submissions []transform.UnitSubmissions
}

// headlineFigures are the cards, in order; polarity says which way is better
// (+1 higher, -1 lower, 0 neither), so a card can show whether a change is good news.
var headlineFigures = []struct {
	ID       string
	Polarity int
}{
	{"received", 0},
	{"closed", 0},
	{"close_rate", 1},
	{"on_time_rate", 1},
	{"due_on_time_rate", 1},
	{"overdue_open", -1},
	{"satisfaction_rate", 1},
	{"visit_persons", 1},
}

// ErrExternalAssets is returned by Page for an assets base that names a host or scheme:
// dashboards are opened where no outside host can be reached.
var ErrExternalAssets = errors.New("assets base must be a local path, not a URL with a scheme or host")

// Static returns the embedded assets at their names under static/ (echarts.min.js, LICENSE,
// NOTICE, LICENSE-d3, LICENSE-zrender), for Write and for a server. It is safe for
// concurrent use.
func Static() fs.FS {
	sub, err := fs.Sub(staticFiles, "static")
	if err != nil {
		// fs.Sub fails only for an invalid path; "static" is valid.
		panic(err)
	}
	return sub
}

// Write writes index.html and the assets (static/echarts.min.js with its licences) into dir,
// creating it, and returns the page's path. The same input gives byte-identical files. Each
// file is replaced atomically and the page last, so a reader never sees a page whose script
// is missing.
func Write(dir string, in Input) (string, error) {
	if err := refuseWarnings(in); err != nil {
		return "", err
	}
	var page bytes.Buffer
	if err := Page(&page, in, "static/"); err != nil {
		return "", err
	}
	if err := writeStatic(dir); err != nil {
		return "", err
	}
	p := filepath.Join(dir, "index.html")
	if err := writeFile(p, page.Bytes()); err != nil {
		return "", fmt.Errorf("writing %q: %w", p, err)
	}
	return p, nil
}

// writeStatic copies the assets into dir/static, creating it.
func writeStatic(dir string) error {
	staticDir := filepath.Join(dir, "static")
	if err := os.MkdirAll(staticDir, 0o755); err != nil {
		return fmt.Errorf("creating %q: %w", staticDir, err)
	}
	assets := Static()
	err := fs.WalkDir(assets, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(assets, name)
		if err != nil {
			return err
		}
		return writeFile(filepath.Join(staticDir, filepath.FromSlash(name)), b)
	})
	if err != nil {
		return fmt.Errorf("copying assets to %q: %w", staticDir, err)
	}
	return nil
}

// WritePages writes one period's pages into dir, one per unit, each named by its unit's
// code (330199001000.html), with the drill-down links between them, plus index.html (the
// first page, the district's) and the assets. pages are in order, the district first. It
// returns index.html's path. WriteOffline writes every period.
func WritePages(dir string, pages []Input) (string, error) {
	if len(pages) == 0 {
		return "", errors.New("writing dashboard pages: no pages")
	}
	if err := refuseWarnings(pages...); err != nil {
		return "", err
	}
	link := func(code string) string { return code + ".html" }
	files := make([]pageFile, 0, len(pages))
	for i := range pages {
		if d := pages[i].Detail; d != nil {
			nav := Nav{UnitHref: link}
			if d.Nav != nil {
				nav = *d.Nav
				nav.UnitHref = link
			}
			d.Nav = &nav
			files = append(files, pageFile{path: filepath.Join(dir, link(d.Scope.Code)), in: pages[i], assets: "static/"})
		}
	}
	index, err := Write(dir, pages[0])
	if err != nil {
		return "", err
	}
	if err := writePageFiles(files); err != nil {
		return "", err
	}
	return index, nil
}

// pageFile is a page to render and where to write it.
type pageFile struct {
	path   string
	in     Input
	assets string // the assets base as seen from the page
}

// writePageFiles renders and writes pages side by side, on as many cores as there are,
// each written as soon as it is rendered. The first error in order is returned.
func writePageFiles(files []pageFile) error {
	for _, f := range files {
		if err := refuseWarnings(f.in); err != nil {
			return err
		}
	}
	errs := make([]error, len(files))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(files)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var page bytes.Buffer
			for i := range next {
				f := files[i]
				page.Reset()
				if err := Page(&page, f.in, f.assets); err != nil {
					errs[i] = err
					continue
				}
				if err := writeFile(f.path, page.Bytes()); err != nil {
					errs[i] = fmt.Errorf("writing %q: %w", f.path, err)
				}
			}
		}()
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// writeFile replaces path atomically: a temporary file in the same directory, renamed over it.
func writeFile(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// Page renders the page HTML to w. assetsBase is where echarts.min.js is served, ending in
// "/": "static/" for files written by Write, "/static/" for a server. A base naming a host or
// scheme is refused with ErrExternalAssets; a district without a name or a period without an
// id is an error. Nothing is written to w when rendering fails. Page is safe for concurrent
// use, and the same input gives the same bytes.
func Page(w io.Writer, in Input, assetsBase string) error {
	data, err := pageDataFor(in, assetsBase)
	if err != nil {
		return fmt.Errorf("rendering dashboard for %q %q: %w", in.District.Name, in.Period.ID, err)
	}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, data); err != nil {
		return fmt.Errorf("rendering dashboard for %q %q: %w", in.District.Name, in.Period.ID, err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("writing dashboard for %q %q: %w", in.District.Name, in.Period.ID, err)
	}
	return nil
}

// checkAssetsBase accepts "" or a relative or absolute path ending in "/", and nothing that
// could point the browser at another host.
func checkAssetsBase(base string) error {
	if base == "" {
		return nil
	}
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "" || u.Host != "" || strings.HasPrefix(base, "//") || strings.Contains(base, `\`) {
		return fmt.Errorf("%q: %w", base, ErrExternalAssets)
	}
	if !strings.HasSuffix(base, "/") {
		return fmt.Errorf("assets base %q does not end in /", base)
	}
	return nil
}

type pageData struct {
	Title       string
	District    string
	PeriodLabel string
	Cutoff      string
	// NotOver says the period is not over in the data (transform.NotOverNote); "" when
	// it is, or when the data's end is not known.
	NotOver    string
	Cards      []card
	TrendTitle string
	Trend      chartView
	// RankingTitle names the children ranked; empty when the unit has none (a village).
	RankingTitle string
	Ranking      chartView
	Classes      chartView
	Charts       []chartView // those of the charts with something to draw, in page order
	Unranked     []unrankedItem
	detailData
	// Reported is the 报送情况 panel; nil hides it.
	Reported *submissionsPanel
	// ScoreDefinition is transform's own wording, so the page and the workbook agree.
	ScoreDefinition string
	// Defs are the definitions of the figures each chart draws, by chart (Charts' names),
	// in transform's wording: a tap away on every panel.
	Defs map[string][]definition
	// Good and Bad are the colours that mark a change for the better and for the worse.
	Good, Bad string
	// T is the names of the things the page labels (terms).
	T           pageTerms
	ScriptSrc   string
	LicenseHref string
}

// pageTerms are the names the page's headings and table headers take from package terms.
type pageTerms struct {
	CaseNo, Unit, Category, Status, ReceivedOn, DueOn, ClosedOn, ClosedLater, Situation, OverdueDays string
	Citizen, Phone, Description, Channel, Topic                                                      string
	HandledBy, WorkingDays, WarnOverdue, WarnDueSoon                                                 string
}

var pageTermsInUse = pageTerms{
	CaseNo: terms.CaseNo, Unit: terms.Unit, Category: terms.Category, Status: terms.Status,
	ReceivedOn: terms.ReceivedOn, DueOn: terms.DueOn, ClosedOn: terms.ClosedOn, ClosedLater: terms.ClosedLater,
	Situation: terms.Situation, OverdueDays: terms.OverdueDays, Citizen: terms.Citizen,
	Phone: terms.Phone, Description: terms.Description, Channel: terms.Channel, Topic: terms.Topic,
	HandledBy: terms.HandledBy, WorkingDays: terms.WorkingDays, WarnOverdue: transform.WarnOverdue, WarnDueSoon: transform.WarnDueSoon,
}

// definition is one figure's name and how it is counted.
type definition struct{ Name, Text string }

type card struct {
	Name       string
	Definition string
	Value      string
	Changes    []change
	// Alert says the value is below its alert threshold, and which; "" when not.
	Alert string
}

type change struct {
	Label string
	Text  string
	// Class is up/down/flat for the arrow, plus good/bad where the figure has a better way.
	Class string
}

// chartView is one chart's place on the page. Option is JSON text: a plain string, so that
// html/template quotes it as a JavaScript string for JSON.parse.
type chartView struct {
	ID     string
	Height int
	Option string
	Empty  bool // nothing to draw: the page says so in place of bare axes
	// Drill holds the href a click on each category opens (by data index, or by the y
	// index for a heat map: DrillY); empty for no drill-down.
	Drill  []string
	DrillY bool
	CSV    string // href of the chart's numbers as CSV; empty on a written page
}

func pageDataFor(in Input, assetsBase string) (pageData, error) {
	if strings.TrimSpace(in.District.Name) == "" {
		return pageData{}, errors.New("the district has no name")
	}
	if in.Period.ID == "" {
		return pageData{}, errors.New("the period has no id")
	}
	if err := checkAssetsBase(assetsBase); err != nil {
		return pageData{}, err
	}
	label := periodLabel(in.Period)
	name := in.District.Name
	if in.Detail != nil {
		name = unitName(in.District, in.Detail.Path, in.Detail.Scope)
	}
	d := pageData{
		Title:       name + " " + label + " 民情工作看板",
		District:    in.District.Name,
		PeriodLabel: label,
		Good:        goodColour,
		Bad:         badColour,
		T:           pageTermsInUse,
		ScriptSrc:   assetsBase + "echarts.min.js",
		LicenseHref: assetsBase + "LICENSE",
	}
	if !in.Period.Cutoff.IsZero() {
		c := in.Period.Cutoff
		d.Cutoff = fmt.Sprintf("%d年%d月%d日", c.Year(), int(c.Month()), c.Day())
	}
	if !in.DataThrough.IsZero() && !in.Period.End.IsZero() && !in.Period.Complete(in.DataThrough) {
		d.NotOver = transform.NotOverNote(in.DataThrough)
	}
	for _, h := range headlineFigures {
		def, ok := transform.FigureDefByID(h.ID)
		if !ok {
			return pageData{}, fmt.Errorf("headline figure %q is not defined by transform", h.ID)
		}
		c := card{Name: def.Name, Definition: def.Definition, Value: formatValue(def.Kind, in.Headline.Values[h.ID]),
			Alert: alertNote(h.ID, in.Headline.Values[h.ID], in.Alerts)}
		for _, ch := range []struct {
			label string
			m     map[string]*float64
		}{{"环比", in.Headline.MoM}, {"同比", in.Headline.YoY}} {
			if d.NotOver != "" && def.Kind == transform.KindCount {
				// part of a period is not set against a whole one, as in the workbook
				c.Changes = append(c.Changes, change{Label: ch.label, Text: "—", Class: changeClass(0, h.Polarity)})
				continue
			}
			text, sign := formatChange(def.Kind, ch.m[h.ID])
			c.Changes = append(c.Changes, change{Label: ch.label, Text: text, Class: changeClass(sign, h.Polarity)})
		}
		d.Cards = append(d.Cards, c)
	}

	var err error
	d.TrendTitle = "季度趋势"
	if len(in.Trend) > 0 && in.Trend[0].Period.Kind == "month" {
		d.TrendTitle = "月度趋势"
	}
	d.RankingTitle = "乡镇（街道）综合得分排名"
	if in.Detail != nil {
		switch in.Detail.Scope.Level {
		case transform.LevelTownship:
			d.RankingTitle = "村（社区）综合得分排名"
		case transform.LevelVillage:
			d.RankingTitle = ""
		}
	}
	d.Trend = chartView{ID: "chart-trend", Height: 360, Empty: len(in.Trend) == 0}
	if d.Trend.Option, err = trendOption(in.Trend); err != nil {
		return pageData{}, chartError("trend", err)
	}
	ranked, unranked := splitRanking(in.Townships)
	d.Ranking = chartView{ID: "chart-ranking", Height: rankingHeight(len(ranked)), Empty: len(ranked) == 0}
	if d.Ranking.Option, err = rankingOption(ranked); err != nil {
		return pageData{}, chartError("ranking", err)
	}
	if in.Weights != nil {
		d.ScoreDefinition = transform.ScoreDefinition(in.Weights)
	} else if def, ok := transform.FigureDefByID("score"); ok {
		d.ScoreDefinition = def.Definition
	}
	for _, u := range unranked {
		d.Unranked = append(d.Unranked, unrankedItem{Name: u.Name, Reason: u.Reason})
	}
	d.Classes = chartView{ID: "chart-classes", Height: 320, Empty: len(in.Classes) == 0}
	if d.Classes.Option, err = classesOption(classRows(in.Classes)); err != nil {
		return pageData{}, chartError("classes", err)
	}
	if d.Defs, err = chartDefs(d.ScoreDefinition); err != nil {
		return pageData{}, err
	}
	d.Reported = submissionsPanelFor(in)
	views := []*chartView{&d.Trend, &d.Ranking, &d.Classes}
	if in.Detail != nil {
		if d.detailData, err = detailFor(in); err != nil {
			return pageData{}, err
		}
		if nav := in.Detail.Nav; nav != nil {
			for _, r := range ranked {
				d.Ranking.Drill = append(d.Ranking.Drill, nav.UnitHref(r.Code))
			}
			if nav.CSVHref != nil {
				d.Trend.CSV, d.Ranking.CSV, d.Classes.CSV = nav.CSVHref("trend"), nav.CSVHref("ranking"), nav.CSVHref("classes")
			}
		}
		if d.RankingTitle == "" {
			d.Ranking.Empty = true
		}
		views = append(views, &d.Channels, &d.Topics, &d.Heat)
	}
	for _, c := range views {
		if !c.Empty {
			d.Charts = append(d.Charts, *c)
		}
	}
	return d, nil
}

// chartFigures are the figures each chart draws, whose definitions its panel gives.
var chartFigures = map[string][]string{
	"trend":    {"received", "closed", "on_time_rate", "satisfaction_rate"},
	"classes":  {"received"},
	"channels": {"received"},
	"topics":   {"received"},
	"heatmap":  {"on_time_rate"},
	"overdue":  {"overdue_open"},
}

// chartDefs gives each chart's definitions in transform's words; the ranking's is the
// score with the weights in force.
func chartDefs(score string) (map[string][]definition, error) {
	out := map[string][]definition{}
	for chart, ids := range chartFigures {
		for _, id := range ids {
			def, ok := transform.FigureDefByID(id)
			if !ok {
				return nil, fmt.Errorf("figure %q of the %s chart is not defined by transform", id, chart)
			}
			out[chart] = append(out[chart], definition{Name: def.Name, Text: def.Definition})
		}
	}
	def, ok := transform.FigureDefByID("score")
	if !ok {
		return nil, errors.New(`figure "score" is not defined by transform`)
	}
	out["ranking"] = []definition{{Name: def.Name, Text: score}}
	return out, nil
}

// unitName names a unit's page: the district's name, and below it the names of the
// units above the scope and the scope's own; a village is named with its township, as a
// report would (和平区 青石镇 西街村).
func unitName(district transform.Unit, path []transform.Unit, scope transform.Unit) string {
	name := district.Name
	if scope.Code == "" || scope.Code == district.Code {
		return name
	}
	for _, u := range path {
		if u.Code != district.Code {
			name += " " + u.Name
		}
	}
	return name + " " + scope.Name
}

func changeClass(sign, polarity int) string {
	switch {
	case sign == 0:
		return "flat"
	case polarity == 0 && sign > 0:
		return "up"
	case polarity == 0:
		return "down"
	}
	dir := map[bool]string{true: "up", false: "down"}[sign > 0]
	if sign*polarity > 0 {
		return dir + " good"
	}
	return dir + " bad"
}

// unrankedItem is a unit the page lists apart from the ranking, with why.
type unrankedItem struct{ Name, Reason string }
