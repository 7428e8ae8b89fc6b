package dashboards

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/minqing/minqing/internal/cnfmt"
	"github.com/minqing/minqing/internal/terms"
	"github.com/minqing/minqing/transform"
)

// WarningSource is a Source that lists the early warnings (预警) of a unit as at a day
// (transform.Reader.Warnings and WarningCounts). A server reads it where its source has
// it and puts the panel on a served page (Detail.Warnings); Build, BuildAll and the
// written files never read it.
type WarningSource interface {
	Warnings(ctx context.Context, unitCode string, asOf time.Time, warnDays int) (transform.Warnings, error)
	WarningCounts(ctx context.Context, unitCode string, asOf time.Time, warnDays int) ([]transform.WarnCount, error)
}

var _ WarningSource = (*transform.Reader)(nil)

// MaxWarnRows bounds the warning list on a page; the panel says how many there are in all.
const MaxWarnRows = 50

// Warnings is a unit's early-warning panel as at a day: the counts of the unit and of each
// unit directly under it, and the first cases of its list (masked as the store holds
// them). It is for served pages only: a page's list is as at the day it is served, while
// a written file is opened on days after, and goes to anyone it is shared with (Write and
// WritePages refuse a page that carries one).
type Warnings struct {
	// AsOf is the as-of day; Until the last day counted as due soon, WarnDays working
	// days after it.
	AsOf, Until time.Time
	WarnDays    int
	// DataThrough is the last day the data covers; the panel says so when it is before
	// AsOf (cases received or closed since are not in the list).
	DataThrough time.Time
	// Counts are the unit's own row (its cases and those of every unit under it), then
	// the units directly under it, as transform.Reader.WarningCounts orders them.
	Counts []transform.WarnCount
	// Cases are the first cases of the list (MaxWarnRows at most), overdue first.
	Cases []transform.WarnCase
	// Overdue and DueSoon count the whole list, of which Cases may hold the first only.
	Overdue, DueSoon int
	// NotCovered says the working-day calendar does not cover the as-of day or the
	// horizon after it (transform.ErrAsOfNotCovered): the panel says so and lists nothing.
	NotCovered bool
}

// ReadWarnings reads the warning panel of unitCode as at the day of asOf (Asia/Shanghai)
// with a horizon of warnDays working days, keeping the first limit cases (all for limit
// ≤ 0). ok is false when src cannot list warnings. A calendar that does not cover the day
// is not an error: the panel says so (Warnings.NotCovered).
func ReadWarnings(ctx context.Context, src Source, unitCode string, asOf time.Time, warnDays, limit int) (w *Warnings, ok bool, err error) {
	ws, ok := src.(WarningSource)
	if !ok {
		return nil, false, nil
	}
	day := AsOfDay(asOf)
	list, err := ws.Warnings(ctx, unitCode, day, warnDays)
	if errors.Is(err, transform.ErrAsOfNotCovered) {
		return &Warnings{AsOf: day, WarnDays: warnDays, NotCovered: true}, true, nil
	}
	if err != nil {
		return nil, true, fmt.Errorf("reading the warnings of %q: %w", unitCode, err)
	}
	counts, err := ws.WarningCounts(ctx, unitCode, day, warnDays)
	if errors.Is(err, transform.ErrAsOfNotCovered) {
		return &Warnings{AsOf: day, WarnDays: warnDays, NotCovered: true}, true, nil
	}
	if err != nil {
		return nil, true, fmt.Errorf("counting the warnings of %q: %w", unitCode, err)
	}
	w = &Warnings{AsOf: day, Until: list.Until, WarnDays: warnDays, DataThrough: list.DataThrough, Counts: counts}
	for _, c := range list.Cases {
		if c.Kind == transform.WarnOverdue {
			w.Overdue++
		} else {
			w.DueSoon++
		}
	}
	w.Cases = list.Cases
	if limit > 0 && len(w.Cases) > limit {
		w.Cases = w.Cases[:limit:limit]
	}
	return w, true, nil
}

// AsOfDay is the day of t in Asia/Shanghai, at 00:00 there: the day a warning list is
// stated as at.
func AsOfDay(t time.Time) time.Time {
	t = t.In(transform.Shanghai)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, transform.Shanghai)
}

// warningsPanel is what the 预警 panel shows.
type warningsPanel struct {
	AsOf       string // 2024年10月8日
	Until      string
	WarnDays   int
	Horizon    string // what counts as due soon, in words
	Stale      string // the data stops before the as-of day: what that leaves out
	NotCovered bool
	Overdue    string
	DueSoon    string
	Own        warnCountView
	Counts     []warnCountView
	CountsOf   string // what the counts' rows are: 乡镇（街道） or 村（社区）
	Cases      []warnCaseView
	Total      string
	Shown      int // cases listed, when fewer than Total
	Rule       string
}

type warnCountView struct {
	Name, Href       string
	Overdue, DueSoon string
}

type warnCaseView struct {
	CaseNo, Unit, Category, Received, Deadline, Kind, Days, Status string
	Overdue                                                        bool
	Citizen, Phone, Description                                    string
}

// warningsPanelFor turns a page's warnings into the panel; nil when the page has none.
func warningsPanelFor(in Input, href func(string) string) *warningsPanel {
	if in.Detail == nil || in.Detail.Warnings == nil {
		return nil
	}
	w := in.Detail.Warnings
	p := &warningsPanel{AsOf: cnfmt.Date(w.AsOf), WarnDays: w.WarnDays, NotCovered: w.NotCovered}
	if w.NotCovered {
		return p
	}
	if !w.Until.IsZero() {
		p.Until = cnfmt.Date(w.Until)
	}
	switch {
	case w.WarnDays == 0:
		p.Horizon = "当日到期"
	case p.Until == "":
		p.Horizon = fmt.Sprintf("%d 个%s内到期", w.WarnDays, terms.WorkingDays)
	default:
		p.Horizon = fmt.Sprintf("%d 个%s内到期，至%s", w.WarnDays, terms.WorkingDays, p.Until)
	}
	if !w.DataThrough.IsZero() && w.DataThrough.Before(w.AsOf) {
		p.Stale = "数据截至" + cnfmt.Date(w.DataThrough) + "，其后受理或办结的诉求未计入"
	}
	p.Overdue, p.DueSoon = cnfmt.Count(int64(w.Overdue)), cnfmt.Count(int64(w.DueSoon))
	p.Total = cnfmt.Count(int64(w.Overdue + w.DueSoon))
	if len(w.Cases) < w.Overdue+w.DueSoon {
		p.Shown = len(w.Cases)
	}
	for i, c := range w.Counts {
		v := warnCountView{Name: c.UnitName, Overdue: cnfmt.Count(int64(c.Overdue)), DueSoon: cnfmt.Count(int64(c.DueSoon))}
		if i == 0 && c.UnitCode == in.Detail.Scope.Code {
			p.Own = v
			continue
		}
		v.Href = href(c.UnitCode)
		p.Counts = append(p.Counts, v)
	}
	p.CountsOf = terms.Township
	if in.Detail.Scope.Level == transform.LevelTownship {
		p.CountsOf = terms.Village
	}
	for _, c := range w.Cases {
		p.Cases = append(p.Cases, warnCaseViewOf(c))
	}
	dueSoon := fmt.Sprintf("%s在当日至其后 %d 个%s之内", terms.DueOn, w.WarnDays, terms.WorkingDays)
	if w.WarnDays == 0 {
		dueSoon = terms.DueOn + "为当日"
	} else if p.Until != "" {
		dueSoon += "（至" + p.Until + "）"
	}
	p.Rule = fmt.Sprintf("%s：截至当日未办结、%s已过的诉求，超期天数为期限之后至当日的%s数（至少为 1）。"+
		"%s：截至当日未办结、%s的诉求，剩余天数为当日之后至期限的%s数（0 即当日到期）。"+
		"当日已办结的不列入；补办件待补正、上报件待回复期间尚无期限，不列入。个人信息已脱敏。",
		transform.WarnOverdue, terms.DueOn, terms.WorkingDays, transform.WarnDueSoon, dueSoon, terms.WorkingDays)
	return p
}

// warnCaseLabel is how a reader finds a listed case: its number, or （无编号） with the
// file and row of its current version.
func warnCaseLabel(c transform.WarnCase) string {
	return caseLabel(transform.CaseRow{CaseNo: c.CaseNo, File: c.File, Sheet: c.Sheet, Row: c.Row})
}

func warnCaseViewOf(c transform.WarnCase) warnCaseView {
	unit := c.UnitName
	if c.TownshipName != "" && c.TownshipName != c.UnitName {
		unit = c.TownshipName + " " + c.UnitName
	}
	v := warnCaseView{
		CaseNo: warnCaseLabel(c), Unit: unit, Category: c.Category, Status: c.Status,
		Received: day(&c.ReceivedAt), Deadline: day(&c.Deadline), Kind: c.Kind,
		Citizen: c.Citizen, Phone: c.Phone, Description: c.Description,
	}
	switch {
	case c.Kind == transform.WarnOverdue:
		v.Overdue = true
		v.Days = "超期 " + strconv.Itoa(c.DaysOverdue)
	case c.DaysLeft == 0:
		v.Days = "当日到期"
	default:
		v.Days = "剩余 " + strconv.Itoa(c.DaysLeft)
	}
	if v.Status == "" {
		v.Status = terms.NotClosedYet
	}
	return v
}

// errWarningsInFile refuses a written page that carries a warning list.
var errWarningsInFile = errors.New("warning lists are shown on served pages only, never in shared files")

// refuseWarnings checks that no page to be written to files carries a warning panel.
func refuseWarnings(pages ...Input) error {
	for _, in := range pages {
		if in.Detail != nil && in.Detail.Warnings != nil {
			return fmt.Errorf("writing the page of %q: %w", in.Detail.Scope.Code, errWarningsInFile)
		}
	}
	return nil
}
