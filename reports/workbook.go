package reports

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/minqing/minqing/transform"
	"github.com/xuri/excelize/v2"
)

// Input is everything one workbook shows.
type Input struct {
	District   transform.Unit
	Period     transform.Period
	Defs       []transform.FigureDef     // transform.FigureDefs()
	Units      []transform.UnitFigures   // every unit: the district, townships, villages (any order; sort yourself by code)
	Cases      []transform.CaseRow       // overdue-open-at-cutoff and closed-late cases of the period
	Accounting []transform.SourceAccount // per source file
	Settings   [][2]string               // counting settings in force, name → value, printed on the definitions sheet
}

// Sheet names, in workbook order.
const (
	sheetSummary     = "概览"
	sheetTownships   = "乡镇（街道）"
	sheetVillages    = "村（社区）"
	sheetCases       = "超期及逾期办结"
	sheetSources     = "数据来源"
	sheetDefinitions = "指标说明"
)

// fontName is the one font of the workbook. 宋体 (SimSun) ships with every Chinese
// Windows since XP and with WPS on the domestic (信创) systems many government
// offices run; 等线 only arrived with Office 2016 and Windows 10, so a county office
// on an older install would see a substituted font and widths computed for another.
const fontName = "宋体"

// Write writes the workbook to path. The same input gives a byte-identical file:
// nothing depends on the clock, map order or the machine. An input that does not
// hold together (no figures for the district, a figure without a value entry, a
// village whose township is missing) is an error, so a workbook is never published
// with a silent gap.
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
	// One function per sheet, so print layout and charts can be added to each
	// without touching the others.
	sheets := []struct {
		name  string
		write func(*sheet, *model)
	}{
		{sheetSummary, writeSummary},
		{sheetTownships, writeTownships},
		{sheetVillages, writeVillages},
		{sheetCases, writeCases},
		{sheetSources, writeSources},
		{sheetDefinitions, writeDefinitions},
	}
	for i, s := range sheets {
		if i == 0 {
			err = b.f.SetSheetName("Sheet1", s.name)
		} else {
			_, err = b.f.NewSheet(s.name)
		}
		if err != nil {
			return fmt.Errorf("adding sheet %q: %w", s.name, err)
		}
		sh := b.sheet(s.name)
		s.write(sh, m)
		if err := sh.finish(); err != nil {
			return fmt.Errorf("writing sheet %q: %w", s.name, err)
		}
	}
	b.f.SetActiveSheet(0)
	buf, err := b.f.WriteToBuffer()
	if err != nil {
		return fmt.Errorf("encoding workbook %q: %w", path, err)
	}
	if err := replaceFile(path, buf.Bytes()); err != nil {
		return fmt.Errorf("saving workbook %q: %w", path, err)
	}
	return nil
}

// replaceFile writes data to a temporary file beside path and renames it over path,
// so a reader (the dashboard server, a user's Excel) never sees half a workbook and a
// failed write leaves the previous one in place.
func replaceFile(path string, data []byte) (err error) {
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
	if _, err = tmp.Write(data); err != nil {
		return err
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
	in        Input
	title     string
	district  transform.UnitFigures
	townships []transform.UnitFigures // by code
	villages  []transform.UnitFigures // by code
	units     map[string]transform.Unit
	cases     []transform.CaseRow // by township, unit, receipt, case key
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
	for _, c := range in.Cases {
		if c.ReceivedAt.IsZero() {
			return nil, fmt.Errorf("case %s has no receipt time", c.CaseKey)
		}
	}
	m := &model{
		in:    in,
		title: in.District.Name + label + "民情工作统计报表",
		units: make(map[string]transform.Unit, len(in.Units)),
	}
	haveDistrict := false
	for _, u := range in.Units {
		if _, dup := m.units[u.Unit.Code]; dup {
			return nil, fmt.Errorf("unit %s appears twice", u.Unit.Code)
		}
		m.units[u.Unit.Code] = u.Unit
		for _, d := range in.Defs {
			// A missing entry is a figure nobody computed, not a zero denominator;
			// printing "—" for it would pass a gap off as a fact.
			if _, ok := u.Values[d.ID]; !ok {
				return nil, fmt.Errorf("unit %s has no entry for figure %q", u.Unit.Code, d.ID)
			}
		}
		switch {
		case u.Unit.Code == in.District.Code:
			m.district, haveDistrict = u, true
		case u.Unit.Level == "township":
			m.townships = append(m.townships, u)
		case u.Unit.Level == "village":
			m.villages = append(m.villages, u)
		}
		// Other levels (grids) have no sheet of their own; their cases already
		// count in the village above them.
	}
	if !haveDistrict {
		return nil, fmt.Errorf("no figures for the district %s", in.District.Code)
	}
	for _, v := range m.villages {
		if p, ok := m.units[v.Unit.Parent]; !ok || p.Level != "township" {
			return nil, fmt.Errorf("village %s: parent %q is not a township of the input", v.Unit.Code, v.Unit.Parent)
		}
	}
	byCode := func(a, b transform.UnitFigures) int { return cmp.Compare(a.Unit.Code, b.Unit.Code) }
	slices.SortFunc(m.townships, byCode)
	slices.SortFunc(m.villages, byCode)

	m.cases = slices.Clone(in.Cases)
	slices.SortFunc(m.cases, func(a, b transform.CaseRow) int {
		return cmp.Or(
			cmp.Compare(m.townshipCode(a.UnitCode), m.townshipCode(b.UnitCode)),
			cmp.Compare(a.TownshipName, b.TownshipName),
			cmp.Compare(a.UnitCode, b.UnitCode),
			a.ReceivedAt.Compare(b.ReceivedAt),
			cmp.Compare(a.CaseKey, b.CaseKey),
		)
	})
	return m, nil
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

// value returns the figure id of u, nil when it has none.
func value(u transform.UnitFigures, id string) *float64 { return u.Values[id] }

// book is the excelize file with the styles created so far.
type book struct {
	f      *excelize.File
	styles map[cellStyle]int
}

func newBook(m *model) (*book, error) {
	f := excelize.NewFile()
	b := &book{f: f, styles: map[cellStyle]int{}}
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
		Keywords:       m.in.District.Code + " " + m.in.Period.ID,
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
