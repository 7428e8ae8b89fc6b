package dashboards

import (
	"strconv"
	"time"

	"github.com/minqing/minqing/internal/cnfmt"
	"github.com/minqing/minqing/internal/terms"
	"github.com/minqing/minqing/transform"
)

// MaxCaseRows bounds the case table on a page; the CSV and Arrow downloads hold them all.
const MaxCaseRows = 100

// detailData is the part of the page a Detail adds. Zero on the district dashboard.
type detailData struct {
	HasDetail bool
	Crumbs    []Link // the units above the scope, linked on a served page
	ScopeName string
	Channels  chartView
	Topics    chartView
	Heat      chartView
	HeatRows  string // what the heat map's rows are
	// HeatMinWidth keeps the heat map's cells wide enough for their labels: on a phone
	// the map scrolls sideways rather than shrinking its cells.
	HeatMinWidth int
	// Overdue lists the children with cases overdue at the cutoff; OverdueOwn is the
	// scope's own count.
	Overdue    []overdueView
	OverdueOwn string
	OverdueCSV string
	ShowCases  bool
	Cases      []caseView
	CasesMore  int
	CasesCSV   string
	// Warnings is the 预警 panel of a served page; nil hides it.
	Warnings *warningsPanel
	// The bar's controls, each shown only when it can work where the page is opened: the
	// served page's selector, downloads and user with logout; a written page's period
	// links.
	Periods      []PeriodChoice
	PeriodGroups []periodGroup
	Downloads    []Link
	DataTime     string
	User, Role   string
	LogoutAction string
	CSRF         string
}

// periodGroup is one kind of period in a written page's period list.
type periodGroup struct {
	Label string
	Links []PeriodLink
}

// periodKindNames name the groups of the period list, in the order they are listed.
var periodKindNames = []struct{ Kind, Label string }{{"quarter", "季度"}, {"year", "年度"}, {"month", "月份"}}

func periodGroups(links []PeriodLink) []periodGroup {
	var out []periodGroup
	for _, k := range periodKindNames {
		g := periodGroup{Label: k.Label}
		for _, l := range links {
			if l.Kind == k.Kind {
				g.Links = append(g.Links, l)
			}
		}
		if len(g.Links) > 0 {
			out = append(out, g)
		}
	}
	return out
}

type overdueView struct {
	Name  string
	Href  string
	Count string
}

type caseView struct {
	CaseNo, Unit, Category, Status, Received, Deadline, Closed, ClosedLater, State, DaysLate string
	Citizen, Phone, Description                                                              string
}

// roleNames are the roles as the page names them.
var roleNames = map[string]string{"leader": "领导", "township": "乡镇（街道）用户", "auditor": "督查审计"}

func detailFor(in Input) (detailData, error) {
	det := in.Detail
	dd := detailData{HasDetail: true, ScopeName: det.Scope.Name, ShowCases: det.ShowCases}
	nav := det.Nav
	href := func(code string) string {
		if nav == nil || nav.UnitHref == nil {
			return ""
		}
		return nav.UnitHref(code)
	}
	csv := func(chart string) string {
		if nav == nil || nav.CSVHref == nil {
			return ""
		}
		return nav.CSVHref(chart)
	}
	for _, u := range det.Path {
		dd.Crumbs = append(dd.Crumbs, Link{Label: u.Name, Href: href(u.Code)})
	}
	var err error
	channels := sortedByReceived(det.Channels)
	dd.Channels = chartView{ID: "chart-channels", Height: rankingHeight(len(channels)), Empty: len(channels) == 0, CSV: csv("channels")}
	if dd.Channels.Option, err = breakdownOption(channels); err != nil {
		return dd, chartError("channels", err)
	}
	topics := sortedByReceived(det.Topics)
	dd.Topics = chartView{ID: "chart-topics", Height: rankingHeight(len(topics)), Empty: len(topics) == 0, CSV: csv("topics")}
	if dd.Topics.Option, err = breakdownOption(topics); err != nil {
		return dd, chartError("topics", err)
	}
	dd.HeatRows = "下级单位"
	if len(det.Heat) == 1 && det.Heat[0].Unit.Code == det.Scope.Code {
		dd.HeatRows = "本单位"
	}
	dd.Heat = chartView{ID: "chart-heat", Height: heatHeight(len(det.Heat)), Empty: len(det.Heat) == 0 || len(det.HeatMonths) == 0,
		CSV: csv("heatmap"), DrillY: true}
	dd.HeatMinWidth = heatMinWidth(len(det.HeatMonths))
	if dd.Heat.Option, err = heatOption(det.HeatMonths, det.Heat); err != nil {
		return dd, chartError("heat map", err)
	}
	if nav != nil {
		for _, r := range det.Heat {
			if r.Unit.Code == det.Scope.Code {
				dd.Heat.Drill = append(dd.Heat.Drill, "")
			} else {
				dd.Heat.Drill = append(dd.Heat.Drill, href(r.Unit.Code))
			}
		}
	}
	for _, o := range overdueUnits(in.Townships) {
		dd.Overdue = append(dd.Overdue, overdueView{Name: o.Unit.Name, Href: href(o.Unit.Code), Count: cnfmt.Count(o.Count)})
	}
	dd.OverdueOwn = formatValue(transform.KindCount, in.Headline.Values["overdue_open"])
	dd.OverdueCSV = csv("overdue")
	if det.ShowCases {
		dd.CasesCSV = csv("cases")
		for i, c := range det.Cases {
			if i == MaxCaseRows {
				break
			}
			dd.Cases = append(dd.Cases, caseViewOf(c))
		}
		dd.CasesMore = max(det.CasesTotal, len(det.Cases)) - len(dd.Cases)
	}
	dd.Warnings = warningsPanelFor(in, href)
	if nav != nil {
		dd.Periods, dd.Downloads = nav.Periods, nav.Downloads
		dd.PeriodGroups = periodGroups(nav.PeriodLinks)
		if !nav.DataTime.IsZero() {
			dd.DataTime = nav.DataTime.In(transform.Shanghai).Format("2006-01-02 15:04")
		}
		// The viewer is named only beside the logout that ends the session.
		if nav.LogoutAction != "" {
			dd.User, dd.Role = nav.User, roleNames[nav.Role]
			dd.LogoutAction, dd.CSRF = nav.LogoutAction, nav.CSRF
		}
	}
	return dd, nil
}

func day(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format("2006-01-02")
}

// caseState says in words why a case is on the list.
func caseState(c transform.CaseRow) string {
	if c.Overdue {
		return terms.OverdueOpen
	}
	return terms.ClosedLate
}

// atCutoff is a listed case as at the period's cutoff, as the workbook's overdue sheet
// shows it: its status then, its closure day if it was closed by then, and apart from
// them the day a case open at the cutoff was closed since (after the cutoff, so in no
// figure of the period).
func atCutoff(c transform.CaseRow) (status, closed, closedLater string) {
	status = c.StatusAtCutoff
	if status == "" {
		status = c.Status
	}
	if c.Overdue {
		return status, "", day(c.ClosedAt)
	}
	return status, day(c.ClosedAt), ""
}

// caseLabel is how a reader finds a case: its number, or （无编号） with the file and row
// of its current version (never the key minqing made for it).
func caseLabel(c transform.CaseRow) string {
	if c.CaseNo != "" {
		return c.CaseNo
	}
	if c.File == "" {
		return terms.NoCaseNo
	}
	where := c.File
	if c.Sheet != "" {
		where += " 工作表" + c.Sheet
	}
	if c.Row > 0 {
		where += " 第" + strconv.Itoa(c.Row) + "行"
	}
	return terms.NoCaseNo + " " + where
}

func caseViewOf(c transform.CaseRow) caseView {
	unit := c.UnitName
	if c.TownshipName != "" && c.TownshipName != c.UnitName {
		unit = c.TownshipName + " " + c.UnitName
	}
	received := c.ReceivedAt
	status, closed, later := atCutoff(c)
	return caseView{
		CaseNo: caseLabel(c), Unit: unit, Category: c.Category, Status: status,
		Received: day(&received), Deadline: day(c.Deadline), Closed: closed, ClosedLater: later,
		State: caseState(c), DaysLate: strconv.Itoa(c.DaysLate),
		Citizen: c.Citizen, Phone: c.Phone, Description: c.Description,
	}
}
