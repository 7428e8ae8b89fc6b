package reports

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/minqing/minqing/transform"
	"github.com/xuri/excelize/v2"
)

// Input is everything one workbook shows. Write never counts: every number comes from
// here, as the read model holds it.
type Input struct {
	District transform.Unit // the register's district, whose name opens the title
	// Scope is whom the workbook is for: the district, or one township, in which case
	// only that township and its villages appear.
	Scope  transform.Unit
	Period transform.Period
	// DataThrough is the last day the loaded data covers (transform.Reader.DataThrough).
	// A period that ends after it is not over in the data: the title area and the
	// narrative of 概览 say so in the words of transform.NotOverNote. Zero means unknown,
	// and nothing is said.
	DataThrough time.Time
	Defs        []transform.FigureDef // transform.FigureDefs()
	// Units holds the scope unit and every unit below it, in any order.
	Units []transform.UnitFigures
	// Months holds the scope unit's figures for every month from January of the
	// period's year to the period's last month: the monthly trend.
	Months []transform.PeriodFigures
	// Classes, Channels and Topics are the scope unit's case figures by class (the five
	// classes in domain.md order), by channel and by topic; rows are shown as given.
	Classes  []transform.BreakdownRow
	Channels []transform.BreakdownRow
	Topics   []transform.BreakdownRow
	// NotFilled says, by breakdown (terms.Channel, terms.Topic), where the scope's cases
	// received under 未填写 come from; the sheet's note names the sources.
	NotFilled map[string]transform.NotFilled
	// TopicLevel1 and Departments break the figures down by a topic's first level and by
	// the handling department, where exports state them; a sheet each when not empty.
	TopicLevel1 []transform.BreakdownRow
	Departments []transform.BreakdownRow
	// Cases are the overdue-at-cutoff and closed-late cases within the scope; there
	// may be more than a sheet holds.
	Cases []transform.CaseRow
	// Proxy is the scope unit's case figures for 代办 and 非代办 cases.
	Proxy []transform.BreakdownRow
	// CaseLists are the explained on-time figures of the scope (on_time_rate,
	// due_on_time_rate): the cases an auditor filters to get the published rate back.
	CaseLists []transform.Explanation
	// Waiting are the cases awaiting documents or a reply at the cutoff.
	Waiting []transform.WaitingCase
	// Submissions are who sent what for the period (transform.Reader.Submissions), any
	// scope: 报送情况 lists the units of the workbook's scope.
	Submissions []transform.UnitSubmissions
	// Notices are what came of the supervision notices issued within the scope in the
	// period (transform.Reader.NoticeEffects), oldest first; nil when none was issued,
	// and then neither 督办成效 nor the document's section appears.
	Notices []transform.NoticeEffect
	// Flags are the auditors' flags within the scope and period.
	Flags      []transform.AuditFlag
	Accounting []transform.SourceAccount // per source file
	Settings   [][2]string               // counting settings in force, name → value
	Weights    map[string]float64        // score weights: response_rate, resolution_rate, satisfaction_rate
	Manifest   Manifest
	// AuditorCopy says Citizen and Phone in Cases are in clear: every sheet then says
	// so in a banner row and in its printed header and footer. Otherwise Write masks
	// anything personal that reached it unmasked.
	AuditorCopy bool

	// Problems are the quarantined rows within the scope as transform.Reader.Quarantine
	// lists them (for a township, QuarantineFilter.Unit); 问题数据 shows the first
	// ProblemRows. ProblemCount is how many the scope has in all.
	Problems     []transform.QuarantinedRow
	ProblemCount int

	// Header is the statutory header of the statistical tables and the cover's
	// 制表机关 and 报出日期 (config.Report).
	Header TableHeader
	// Previous holds the figures of PreviousPeriod (the period before: the quarter before
	// a quarter) as transform.Reader.Figures gives them; nil when the store has no cases
	// then. 综合排名 ranks its units by the same rule for 上期名次 and 名次升降.
	Previous       []transform.UnitFigures
	PreviousPeriod transform.Period
	// HonourRoll is how many units the 红黑榜 names at the top and at the bottom of the
	// ranking (config report.honour_roll); 0 leaves it out.
	HonourRoll int
	// Alerts are thresholds by rate id (config report.alerts): a value below one is
	// marked red by a conditional format on 概览 and the unit sheets.
	Alerts map[string]float64

	// YearToDate holds the figures of YearToDatePeriod (本年累计: January to the period's
	// end, see YearToDatePeriod) as transform.Reader.Figures gives them; nil leaves
	// 本年累计 out of 概览 and the townships' sheet.
	YearToDate       []transform.UnitFigures
	YearToDatePeriod transform.Period
}

// Manifest names what a workbook was made from, so it can be remade and checked.
type Manifest struct {
	Version    string    // minqing version
	ConfigHash string    // SHA-256 of the config file
	Cutoff     time.Time // the moment the data was taken as known
	Files      []ManifestFile
	// AsOf is the knowledge date of a report made from what was known then (only exports
	// dated on or before it); zero for a report from everything loaded.
	AsOf time.Time
	// Forgotten lists the files taken back (`minqing forget`), undone ones included.
	Forgotten []ForgottenFile
}

// ManifestFile is one input file.
type ManifestFile struct {
	Source, Path, SHA256 string
	Rows                 int
	Snapshot             *time.Time // the export's date, when its name gives one
}

// Sheet names, in workbook order.
const (
	sheetSummary     = "概览"
	sheetTownships   = "乡镇（街道）"
	sheetVillages    = "村（社区）"
	sheetClasses     = "办理类别"
	sheetChannels    = "来源渠道"
	sheetTopics      = "诉求类型"
	sheetTopicLevel1 = "诉求类型（一级）"
	sheetDepartments = "处置单位"
	sheetVisits      = "走访"
	sheetServices    = "服务活动"
	sheetRanking     = "综合排名"
	sheetCases       = "超期及逾期办结"
	sheetProxy       = "代办"
	sheetCaseLists   = "按时办结明细"
	sheetWaiting     = "等待中"
	sheetFlags       = "审计提示"
	sheetSources     = "数据来源"
	sheetDefinitions = "指标说明"
	sheetManifest    = "清单"
)

// fontName is the one font of the workbook. 宋体 (SimSun) ships with every Chinese
// Windows since XP and with WPS on the domestic (信创) systems many government
// offices run; 等线 only arrived with Office 2016 and Windows 10, so a county office
// on an older install would see a substituted font and widths computed for another.
const fontName = "宋体"

// Write writes the workbook to path. The same input gives a byte-identical file:
// nothing depends on the clock, map order or the machine. An input that does not
// hold together (no figures for the scope, a figure without a value entry, a village
// whose township is missing) is an error, so a workbook is never published with a
// silent gap.
//
// Memory stays near the size of the input: the case list is streamed to a temporary
// file and the archive is written straight to disk, never held whole in memory.
func Write(path string, in Input) error {
	m, err := newModel(in)
	if err != nil {
		return fmt.Errorf("checking input: %w", err)
	}
	b, err := newBook(m)
	if err != nil {
		return err
	}
	defer b.f.Close()

	// Sheets that charts read from are written before 概览 draws them; the order of
	// the tabs is fixed when the sheets are created below, not by the writing order.
	type sheetDef struct {
		name  string
		write func(*sheet, *model)
	}
	sheets := []sheetDef{{sheetSummary, writeSummary}}
	if m.isDistrict {
		sheets = append(sheets, sheetDef{sheetTownships, writeTownships})
	}
	sheets = append(sheets,
		sheetDef{sheetVillages, writeVillages},
		sheetDef{sheetClasses, breakdownWriter(in.Classes, "办理类别")},
		sheetDef{sheetChannels, breakdownWriter(in.Channels, "来源渠道")},
		sheetDef{sheetTopics, breakdownWriter(in.Topics, "诉求类型")},
	)
	if len(in.TopicLevel1) > 0 {
		sheets = append(sheets, sheetDef{sheetTopicLevel1, breakdownWriter(in.TopicLevel1, "诉求类型（一级）")})
	}
	if len(in.Departments) > 0 {
		sheets = append(sheets, sheetDef{sheetDepartments, breakdownWriter(in.Departments, "处置单位")})
	}
	sheets = append(sheets,
		sheetDef{sheetProxy, breakdownWriter(in.Proxy, "是否代办")},
		sheetDef{sheetVisits, activityWriter(visitFigures)},
		sheetDef{sheetServices, activityWriter(serviceFigures)},
		sheetDef{sheetRanking, writeRanking},
	)
	caseSheets := m.caseSheetNames()
	listSheets := m.caseListSheetNames()
	tail := []sheetDef{{sheetWaiting, writeWaiting}}
	if len(in.Notices) > 0 {
		tail = append(tail, sheetDef{sheetNoticeEffects, writeNoticeEffects})
	}
	tail = append(tail,
		sheetDef{sheetFlags, writeFlags},
		sheetDef{sheetSubmissions, writeSubmissions},
		sheetDef{sheetSources, writeSources},
		sheetDef{sheetDefinitions, writeDefinitions},
		sheetDef{sheetManifest, writeManifest},
	)
	order := []string{sheetCover, sheetContents}
	for _, s := range sheets {
		order = append(order, s.name)
	}
	order = append(order, caseSheets...)
	order = append(order, listSheets...)
	for _, s := range tail {
		order = append(order, s.name)
		if s.name == sheetSources {
			order = append(order, sheetProblems) // streamed, written below
		}
	}
	for i, name := range order {
		if i == 0 {
			err = b.f.SetSheetName("Sheet1", name)
		} else {
			_, err = b.f.NewSheet(name)
		}
		if err != nil {
			return fmt.Errorf("adding sheet %q: %w", name, err)
		}
	}
	// 概览 last among the normal sheets: its charts refer to cells of the others.
	normal := append(slices.Clone(sheets[1:]), tail...)
	normal = append(normal, sheets[0], sheetDef{sheetCover, writeCover}, sheetDef{sheetContents, contentsWriter(order)})
	for _, s := range normal {
		sh := b.sheet(s.name)
		s.write(sh, m)
		if err := sh.finish(); err != nil {
			return fmt.Errorf("writing sheet %q: %w", s.name, err)
		}
	}
	if err := writeCases(b, m, caseSheets); err != nil {
		return err
	}
	if err := writeCaseLists(b, m, listSheets); err != nil {
		return err
	}
	if err := writeProblems(b, m); err != nil {
		return err
	}
	b.f.SetActiveSheet(0)
	if err := b.save(path); err != nil {
		return fmt.Errorf("saving workbook %q: %w", path, err)
	}
	return nil
}

// save writes the archive to a temporary file beside path and renames it over path,
// so a reader (the dashboard server, a user's Excel) never sees half a workbook and a
// failed write leaves the previous one in place.
func (b *book) save(path string) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	zw := newArchive(tmp, b.cached, b.streams)
	// The archive goes to tmp through the zip writer hook; WriteToBuffer's own
	// buffer stays empty (it would otherwise hold the whole file in memory).
	b.f.SetZipWriter(func(_ io.Writer) excelize.ZipWriter { return zw })
	buf, err := b.f.WriteToBuffer()
	if err != nil {
		return err
	}
	if zw.err != nil {
		return zw.err
	}
	if buf.Len() != 0 {
		return fmt.Errorf("excelize wrote %d bytes outside the archive writer", buf.Len())
	}
	if err = tmp.Chmod(0o644); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// model is the input checked and put in the order the sheets show it.
type model struct {
	in         Input
	title      string
	label      string // 2024年第三季度
	notOver    string // transform.NotOverNote when the period is not over in the data, else ""
	isDistrict bool   // the scope is the whole district
	scope      transform.UnitFigures
	townships  []transform.UnitFigures // by code; empty for a township scope
	villages   []transform.UnitFigures // by code
	units      map[string]transform.Unit
	// cases holds indexes into in.Cases in list order (township, unit, receipt, key):
	// sorting indexes, not a copy of a million rows, keeps memory near the input's.
	cases []int32
	// ranked are the units of 综合排名 in rank order; unranked had nothing due.
	ranked, unranked []transform.UnitFigures
	// prevRank is each unit's place in the period before's ranking (same scope, same
	// rule); nil when there are no figures of the period before.
	prevRank map[string]int
	// ytd holds the 本年累计 figures by unit code; nil without them.
	ytd map[string]transform.UnitFigures
}

func newModel(in Input) (*model, error) {
	p := in.Period
	if p.Start.IsZero() || p.End.IsZero() || p.Cutoff.IsZero() || p.End.Before(p.Start) {
		return nil, fmt.Errorf("period %q: start %v, end %v and cutoff %v do not make a period", p.ID, p.Start, p.End, p.Cutoff)
	}
	label, err := periodLabel(p)
	if err != nil {
		return nil, err
	}
	if len(in.Defs) == 0 {
		return nil, fmt.Errorf("no figure definitions")
	}
	if in.Scope.Code == "" {
		in.Scope = in.District
	}
	m := &model{
		in:         in,
		label:      label,
		isDistrict: in.Scope.Code == in.District.Code,
		units:      make(map[string]transform.Unit, len(in.Units)),
	}
	m.title = in.District.Name + label + "民情工作统计报表"
	if !in.DataThrough.IsZero() && !p.Complete(in.DataThrough) {
		m.notOver = transform.NotOverNote(in.DataThrough)
		in = withoutCountChanges(in)
		m.in = in
	}
	if !m.isDistrict {
		if in.Scope.Level != "township" {
			return nil, fmt.Errorf("scope %s is a %s; a workbook is for the district or one township", in.Scope.Code, in.Scope.Level)
		}
		m.title = in.District.Name + in.Scope.Name + label + "民情工作统计报表"
	}
	haveScope := false
	for _, u := range in.Units {
		if _, dup := m.units[u.Unit.Code]; dup {
			return nil, fmt.Errorf("unit %s appears twice", u.Unit.Code)
		}
		m.units[u.Unit.Code] = u.Unit
		if err := complete(in.Defs, u.Values, nil, "unit "+u.Unit.Code); err != nil {
			return nil, err
		}
		switch {
		case u.Unit.Code == in.Scope.Code:
			m.scope, haveScope = u, true
		case u.Unit.Level == "township":
			if !m.isDistrict {
				return nil, fmt.Errorf("township %s is outside the scope %s", u.Unit.Code, in.Scope.Code)
			}
			m.townships = append(m.townships, u)
		case u.Unit.Level == "village":
			m.villages = append(m.villages, u)
		}
		// Other levels (grids) have no sheet of their own; their cases already
		// count in the village above them.
	}
	if !haveScope {
		return nil, fmt.Errorf("no figures for the scope %s", in.Scope.Code)
	}
	for _, v := range m.villages {
		if p, ok := m.units[v.Unit.Parent]; !ok || p.Level != "township" {
			return nil, fmt.Errorf("village %s: parent %q is not a township of the input", v.Unit.Code, v.Unit.Parent)
		}
	}
	byCode := func(a, b transform.UnitFigures) int { return cmp.Compare(a.Unit.Code, b.Unit.Code) }
	slices.SortFunc(m.townships, byCode)
	slices.SortFunc(m.villages, byCode)
	for _, rows := range []struct {
		what string
		rows []transform.BreakdownRow
	}{{"class", in.Classes}, {"channel", in.Channels}, {"topic", in.Topics}} {
		for _, r := range rows.rows {
			if err := complete(in.Defs, r.Values, isCaseFigure, rows.what+" "+r.Value); err != nil {
				return nil, err
			}
		}
	}
	for _, mo := range in.Months {
		if err := complete(in.Defs, mo.Values, isTrendFigure, "month "+mo.Period.ID); err != nil {
			return nil, err
		}
	}
	if err := m.sortCases(); err != nil {
		return nil, err
	}
	if err := checkNotices(in.Notices); err != nil {
		return nil, err
	}
	if in.ProblemCount < len(in.Problems) {
		return nil, fmt.Errorf("%d quarantined rows given, but a count of %d", len(in.Problems), in.ProblemCount)
	}
	m.rank()
	if err := m.yearToDate(); err != nil {
		return nil, err
	}
	return m, nil
}

// complete checks that values has an entry for every figure of defs that want
// keeps (all when want is nil). A missing entry is a figure nobody computed, not a
// zero denominator; printing "—" for it would pass a gap off as a fact.
func complete(defs []transform.FigureDef, values map[string]*float64, want func(string) bool, what string) error {
	for _, d := range defs {
		if want != nil && !want(d.ID) {
			continue
		}
		if _, ok := values[d.ID]; !ok {
			return fmt.Errorf("%s has no entry for figure %q", what, d.ID)
		}
	}
	return nil
}

// sortCases orders the case list by township (in the township sheet's order), unit,
// receipt time and case key. Input already in that order (as the read API gives it)
// is only checked, not sorted.
func (m *model) sortCases() error {
	cases := m.in.Cases
	if len(cases) > 1<<31-1 {
		return fmt.Errorf("%d cases: more than a workbook can list", len(cases))
	}
	township := map[string]string{}
	for code := range m.units {
		township[code] = m.townshipCode(code)
	}
	tw := make([]string, len(cases))
	m.cases = make([]int32, len(cases))
	for i := range cases {
		if cases[i].ReceivedAt.IsZero() {
			return fmt.Errorf("case %s has no receipt time", cases[i].CaseKey)
		}
		tw[i] = township[cases[i].UnitCode]
		m.cases[i] = int32(i)
	}
	order := func(i, j int32) int {
		a, b := &cases[i], &cases[j]
		return cmp.Or(
			cmp.Compare(tw[i], tw[j]),
			cmp.Compare(a.TownshipName, b.TownshipName),
			cmp.Compare(a.UnitCode, b.UnitCode),
			a.ReceivedAt.Compare(b.ReceivedAt),
			cmp.Compare(a.CaseKey, b.CaseKey),
			cmp.Compare(i, j),
		)
	}
	if !slices.IsSortedFunc(m.cases, order) {
		slices.SortFunc(m.cases, order)
	}
	return nil
}

// townshipCode walks up the register from a unit to its township, so cases sort in
// the same order as the township sheet; district-level units sort first ("").
func (m *model) townshipCode(code string) string {
	for range 8 { // the tree is at most district → township → village → grid
		u, ok := m.units[code]
		if !ok || u.Level == "district" {
			return ""
		}
		if u.Level == "township" {
			return u.Code
		}
		code = u.Parent
	}
	return ""
}

// rank orders the units one level below the scope by score (rankUnits), and those of
// the period before by the same rule.
func (m *model) rank() {
	units := m.townships
	if !m.isDistrict {
		units = m.villages
	}
	m.ranked, m.unranked = rankUnits(units)
	m.prevRank = previousRanks(m.in.Previous, m.in.Scope.Code, m.isDistrict)
}

// rankUnits orders units by score, highest first, ties by code; units without a score
// (nothing due in the period) are kept apart by code.
func rankUnits(units []transform.UnitFigures) (ranked, unranked []transform.UnitFigures) {
	for _, u := range units {
		if value(u, "score") == nil {
			unranked = append(unranked, u)
		} else {
			ranked = append(ranked, u)
		}
	}
	slices.SortStableFunc(ranked, func(a, b transform.UnitFigures) int {
		return cmp.Or(cmp.Compare(*value(b, "score"), *value(a, "score")), cmp.Compare(a.Unit.Code, b.Unit.Code))
	})
	return ranked, unranked
}

// withoutCountChanges returns in with no 环比 or 同比 for counts (件数, 人次): a period
// not over holds part of its cases, and set against a whole period a count would fall
// by the part still to come. Rates, days and the score compare as shares and averages.
// The input's maps are left as they are.
func withoutCountChanges(in Input) Input {
	counts := map[string]bool{}
	for _, d := range in.Defs {
		if d.Kind == transform.KindCount {
			counts[d.ID] = true
		}
	}
	drop := func(changes map[string]*float64) map[string]*float64 {
		out := make(map[string]*float64, len(changes))
		for id, v := range changes {
			if !counts[id] {
				out[id] = v
			}
		}
		return out
	}
	units := make([]transform.UnitFigures, len(in.Units))
	for i, u := range in.Units {
		u.MoM, u.YoY = drop(u.MoM), drop(u.YoY)
		units[i] = u
	}
	in.Units = units
	for _, rows := range []*[]transform.BreakdownRow{&in.Classes, &in.Channels, &in.Topics, &in.Proxy, &in.TopicLevel1, &in.Departments} {
		out := make([]transform.BreakdownRow, len(*rows))
		for i, r := range *rows {
			r.MoM, r.YoY = drop(r.MoM), drop(r.YoY)
			out[i] = r
		}
		*rows = out
	}
	return in
}

// scopeWord is how the narrative names the scope's area: 全区, 全县, 全镇, 全街道.
func (m *model) scopeWord() string {
	name := m.in.Scope.Name
	if m.isDistrict {
		for _, suf := range []string{"县", "市", "旗"} {
			if strings.HasSuffix(name, suf) {
				return "全" + suf
			}
		}
		return "全区"
	}
	for _, suf := range []string{"街道", "镇", "乡"} {
		if strings.HasSuffix(name, suf) {
			return "全" + suf
		}
	}
	return "全辖区"
}

// value returns the figure id of u, nil when it has none.
func value(u transform.UnitFigures, id string) *float64 { return u.Values[id] }

// book is the excelize file with the styles created so far.
type book struct {
	f      *excelize.File
	styles map[cellStyle]int
	// cached holds the text a narrative formula shows, by worksheet part and cell,
	// for the archive writer to store beside the formula (see archive).
	cached map[string]map[string]string
	// streams are the parts written by StreamWriters, for the archive writer to put
	// in a fixed order.
	streams []string
	// alertStyle is the conditional (dxf) style of a rate below its alert threshold; nil
	// until first needed.
	alertStyle *int
}

func newBook(m *model) (*book, error) {
	f := excelize.NewFile()
	b := &book{f: f, styles: map[cellStyle]int{}, cached: map[string]map[string]string{}}
	if err := f.SetDefaultFont(fontName); err != nil {
		f.Close()
		return nil, fmt.Errorf("setting default font: %w", err)
	}
	// Fixed properties: the workbook says as of when its data holds (the cutoff),
	// not when it was written, so two runs give the same bytes. When a run happened
	// belongs to the run history, not the file.
	stamp := m.in.Period.Cutoff.UTC().Format("2006-01-02T15:04:05Z")
	if err := f.SetDocProps(&excelize.DocProperties{
		Title:          m.title,
		Subject:        "民情工作统计报表",
		Creator:        "minqing",
		LastModifiedBy: "minqing",
		Created:        stamp,
		Modified:       stamp,
		Language:       "zh-CN",
		Keywords:       m.in.Scope.Code + " " + m.in.Period.ID,
	}); err != nil {
		f.Close()
		return nil, fmt.Errorf("setting document properties: %w", err)
	}
	if err := f.SetAppProps(&excelize.AppProperties{Application: "minqing"}); err != nil {
		f.Close()
		return nil, fmt.Errorf("setting application properties: %w", err)
	}
	return b, nil
}

func (b *book) sheet(name string) *sheet {
	return &sheet{b: b, name: name, widths: map[int]float64{}}
}

// part is the archive path of a sheet. excelize names the parts of a new file's
// sheets by their IDs, which follow the order of creation.
func (b *book) part(sheet string) string {
	for id, name := range b.f.GetSheetMap() {
		if name == sheet {
			return fmt.Sprintf("xl/worksheets/sheet%d.xml", id)
		}
	}
	return ""
}
