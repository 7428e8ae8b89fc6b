package transform

import "time"

// FigureKind says how a figure is shown and compared: counts and day figures change
// in percent, rates and the score in points.
type FigureKind string

// The kinds of figure.
const (
	KindCount FigureKind = "count" // a whole number of cases, persons, activities
	KindRate  FigureKind = "rate"  // a fraction 0–1, null where the denominator is zero
	KindDays  FigureKind = "days"  // working days, a mean or median
	KindScore FigureKind = "score" // 0–100 points
)

// FigureDef names a figure and states how it is counted; the workbook prints these.
type FigureDef struct {
	ID         string
	Name       string // Chinese name as reports cite it
	Kind       FigureKind
	Definition string // Chinese, one sentence, how it is counted
}

// Unit is one node of the units register.
type Unit struct {
	Code   string
	Name   string
	Level  string // district, township or village
	Parent string // code of the parent; empty for the district
}

// Period is a month (2024-07), quarter (2024Q3) or year (2024), in local dates.
type Period struct {
	ID     string
	Kind   string    // month, quarter, year or ytd (January to a second or third quarter's end)
	Start  time.Time // first day, 00:00 Asia/Shanghai
	End    time.Time // last day, 00:00 Asia/Shanghai
	Cutoff time.Time // the date figures are counted to: End unless a report says otherwise
}

// UnitFigures holds every figure of one unit for one period. A nil value means the
// figure has no value (a rate whose denominator is zero, "—").
type UnitFigures struct {
	Unit   Unit
	Values map[string]*float64
	// MoM and YoY are changes against the previous period (环比) and the same period a
	// year before (同比): for rates a difference of fractions (0.023 = 2.3 points), for
	// the score a difference of its 0–100 points, for counts and days a fractional
	// change (0.1 = +10%); nil where there is nothing to compare.
	MoM map[string]*float64
	YoY map[string]*float64
}

// UnrankedReason says why a unit has no score and so is listed apart from the ranking
// (docs/rules.md: score); "" when it has one. Nothing due in the period comes first;
// otherwise every rate the score weighs is unknown, because the unit's exports carry no
// such column or no case counts in it.
func (u UnitFigures) UnrankedReason() string {
	if v := u.Values["score"]; v != nil {
		return ""
	}
	if u.Values["due_on_time_rate"] == nil {
		return "本期无到期诉求件"
	}
	return "响应率、解决率、满意率均无数据（导出无首次联系时间、办理结果、满意度列，或本期无可计数的诉求件）"
}

// PeriodFigures is one unit's figures for one period, for trends.
type PeriodFigures struct {
	Period Period
	Values map[string]*float64
}

// BreakdownRow is one value of a breakdown dimension (a class, channel, topic or 代办/非代办) with the
// case figures restricted to it.
type BreakdownRow struct {
	Value  string
	Values map[string]*float64
	// MoM and YoY are 环比 and 同比 of each figure (as UnitFigures'); nil where there is
	// none, and for a value with no case in the period.
	MoM, YoY map[string]*float64
}

// CaseRow is one case as auditors see it in lists of overdue and late cases.
type CaseRow struct {
	CaseKey      string // case_no, or "fp:" and the fingerprint where there is none
	CaseNo       string // empty when no export gave one
	UnitCode     string
	UnitName     string
	TownshipName string
	Category     string
	Channel      string
	Topic        string
	// Status and ClosedAt are the case as now known: a case open past its deadline at
	// the cutoff may have been closed since. StatusAtCutoff is its status as at the
	// cutoff (for such a case the newest status an export dated by the cutoff gave, other
	// than 已办结, else 未办结; for any other, Status).
	Status         string
	StatusAtCutoff string
	ReceivedAt     time.Time
	Deadline       *time.Time
	ClosedAt       *time.Time
	OnTime         *bool
	// DaysLate counts working days after the deadline: to the closure for late cases,
	// to the cutoff for cases still open; at least 1, as every listed case is late.
	DaysLate int
	Overdue  bool // open at the cutoff with its deadline passed
	Proxy    bool
	// File, Sheet and Row locate the current version of a case without a number (empty
	// and 0 for a numbered case), which is how a reader finds it; never its key.
	File  string
	Sheet string
	Row   int
	// Citizen and Phone are masked (张*, 138****5678) and Description is scrubbed of phone
	// and ID numbers, as the store holds them; an auditor's copy fills them in clear.
	Citizen     string
	Phone       string
	Description string
}

// SourceAccount is the per-file accounting: Read = Loaded + Quarantined + Skipped.
type SourceAccount struct {
	Source        string
	Kind          string
	File          string
	SHA256        string
	Read          int
	Loaded        int
	Quarantined   int
	Skipped       int
	Snapshot      *time.Time     // the export's date from its file name, when it has one
	QuarantinedBy map[string]int // reason code → rows
	SkippedBy     map[string]int // blank, title, header, totals, footer, sheet (rows of a sheet with no header) → rows
	// Defaults are the source's defaults (constant fields) and the rows each filled;
	// none when the source has no defaults.
	Defaults []AppliedDefault
}

// AppliedDefault is one default a file took: its field, its value and the data rows it
// filled because they had no value of their own.
type AppliedDefault struct {
	Field string `json:"field"`
	Value string `json:"value"`
	Rows  int    `json:"rows"`
}
