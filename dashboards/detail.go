package dashboards

import (
	"errors"
	"time"

	"github.com/minqing/minqing/transform"
)

// ErrUnknownUnit means a unit code is not in the register.
var ErrUnknownUnit = errors.New("unit not in the register")

// Detail is what a unit's page shows beyond the district dashboard's cards, trend, ranking
// and classes: the unit's place in the tree, channels and topics, the heat map, the overdue
// list and, for auditors, the cases behind it. A page with a nil Detail is the district
// dashboard `minqing dashboard` writes.
type Detail struct {
	// Scope is the unit the page is about; its figures are Input.Headline and its
	// children are Input.Townships.
	Scope transform.Unit
	// Path lists the units above Scope, the district first, for the breadcrumbs.
	Path     []transform.Unit
	Channels []transform.BreakdownRow
	Topics   []transform.BreakdownRow
	// HeatMonths are the heat map's columns; Heat its rows (the children, or the unit
	// itself when it has none), each with one on-time rate per month (nil: "—").
	HeatMonths []transform.Period
	Heat       []HeatRow
	// ShowCases puts Cases on the page: set only for auditors.
	ShowCases bool
	Cases     []transform.CaseRow
	// CasesTotal is how many cases the list has in all; Cases may hold only the first.
	CasesTotal int
	// Warnings is the early-warning panel (预警) as at the day the page is served; nil
	// shows none. Only a server sets it (ReadWarnings): written files refuse it.
	Warnings *Warnings
	// Nav holds a server's links; nil for pages written to files.
	Nav *Nav
}

// HeatRow is one unit's on-time rate per month.
type HeatRow struct {
	Unit   transform.Unit
	Values []*float64
}

// Nav is what a page links to: a served page's controls (made by the server, paths on
// its own host), or a written page's links to the files beside it. The page shows a
// control only when its fields are set, so a page written to files carries no control
// that needs a server (no period selector, no user, no logout). The page escapes every
// href like any other text.
type Nav struct {
	// UnitHref returns the page of a unit for the same period.
	UnitHref func(code string) string
	// CSVHref returns the CSV of one chart (see Charts) of this page.
	CSVHref func(chart string) string
	// Downloads are further links (Arrow streams), in order.
	Downloads []Link
	// Periods are the periods the viewer may choose in the served page's selector; the
	// one shown has Selected set.
	Periods []PeriodChoice
	// PeriodLinks are the periods written beside a page, as plain relative links (no
	// server, no script); the one shown has Current set. For pages written to files.
	PeriodLinks []PeriodLink
	// DataTime is when the figures served were made.
	DataTime time.Time
	// User and Role name the viewer; LogoutAction and CSRF make the logout form.
	User, Role   string
	LogoutAction string
	CSRF         string
}

// Link is a labelled href.
type Link struct {
	Label string
	Href  string
}

// PeriodChoice is one entry of the period selector.
type PeriodChoice struct {
	ID       string
	Label    string
	Selected bool
}

// PeriodLink is one entry of a written page's period list.
type PeriodLink struct {
	// Kind is the period's kind (quarter, year or month): the list groups by it.
	Kind  string
	Label string
	Href  string
	// Current marks the period the page shows; NotOver one not over in the data.
	Current, NotOver bool
}

type overdueRow struct {
	Unit  transform.Unit
	Count int64
}

// Charts names the charts of a unit's page, as CSV takes them.
var Charts = []string{"trend", "ranking", "classes", "channels", "topics", "heatmap", "overdue", "cases"}
