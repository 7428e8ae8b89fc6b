// Package terms is the one table of the words minqing's outputs use for the things it
// shows: the workbook, the dashboard, CSV headers and the command line all take a column's
// or a field's name from here, so one thing has one name wherever a department, a leader
// or an auditor meets it. Retired lists the variants the outputs once used for the same
// things; a test scans every output for them.
package terms

// The names of the fields a case, a unit and a period show.
const (
	CaseNo      = "诉求编号"    // a case's number as its platform gave it (never 案件编号)
	NoCaseNo    = "（无编号）"   // a case whose exports gave no number; its file and row follow
	Channel     = "来源渠道"    // how a case came in (never 受理渠道, nor 渠道 alone)
	Category    = "办理类别"    // 即办件, 承诺件, 补办件, 上报件, 建议件
	Topic       = "诉求类型"    // what the case is about
	ReceivedAt  = "受理时间"    // when it was received (a date and time)
	ReceivedOn  = "受理日期"    // the day it was received
	DueOn       = "办结期限"    // the last day it may be closed on time
	ClosedOn    = "办结日期"    // the day it was closed (never 办结时间)
	Status      = "办理状态"    // as at the cutoff
	Situation   = "情形"      // 超期未办结 or 逾期办结, on the overdue sheet
	OverdueDays = "逾期工作日"   // working days past the deadline
	UnitCode    = "单位编码"    // a unit's register code (never 单位代码)
	Unit        = "单位"      // a unit's name
	HandledBy   = "承办单位"    // the unit that handles a case
	Township    = "乡镇（街道）"  // the township a unit belongs to (never 所属乡镇)
	Village     = "村（社区）"   // a village or community, the level below a township
	Citizen     = "诉求人"     // the citizen, masked outside an auditor's copy
	Phone       = "联系电话"    // the citizen's phone, masked
	Description = "诉求内容"    // what the citizen asked
	Proxy       = "代办"      // handled for the citizen by a cadre
	NotFilled   = "未填写"     // a breakdown's row for cases whose export left the field empty
	WorkingDays = "工作日"     // the unit of every time figure
	Rank        = "名次"      // a unit's place in the ranking
	Score       = "综合得分"    // the weighted score, 0–100
	Unranked    = "不参与排名原因" // why a unit has no place
	Period      = "统计期"     // a month, quarter or year a figure counts
)

// The names of the statutory header every statistical table carries (统计报表的表头和表脚),
// and of the sheets that open the workbook.
const (
	TableNo    = "表号"    // the table's number, e.g. 民情统01表
	MadeBy     = "制表机关"  // the office that designed the table
	ApprovedBy = "批准机关"  // the office that approved it, when one did
	ApprovalNo = "批准文号"  // the approval's document number
	FilingUnit = "填报单位"  // the unit that files the table
	Head       = "单位负责人" // the filing unit's head, who answers for it
	Preparer   = "填表人"   // who filled it in
	ReportDate = "报出日期"  // the day the table is sent
	Cover      = "封面"    // the workbook's first sheet
	Contents   = "目录"    // the sheet listing every sheet, each a link
)

// The names of the overdue sheet's columns beyond a case's fields.
const (
	// ClosedLater is the day a case open past its deadline at the cutoff was closed
	// since: after the cutoff, so in no figure of the period.
	ClosedLater = "截止日后办结日期"
	// Situation values: why a case is on the overdue sheet.
	OverdueOpen  = "超期未办结"
	ClosedLate   = "逾期办结"
	NotClosedYet = "未办结" // the status of a case open at the cutoff whose exports then gave none
)

// The names of the columns the auditors' lists use (审计提示, `minqing audit`, `minqing
// restate`, `minqing explain`).
const (
	Flag        = "提示"    // an auditors' flag, by its Chinese name (FlagNames)
	FlagCode    = "代码"    // the flag's code, DUE_MISMATCH …
	Source      = "来源"    // a source of the config, by name
	Day         = "日期"    // the day a flag is dated
	Detail      = "说明"    // one sentence saying what was found
	Figure      = "指标"    // a published figure, by its Chinese name
	Before      = "原值"    // a figure or a case as the earlier knowledge date counted it
	After       = "现值"    // … and as the later one counts it
	Change      = "变动"    // after less before; points (个百分点) for rates
	Numerator   = "分子"    // what a case adds to a figure's numerator
	Denominator = "分母"    // 1 when a case is in a figure's denominator
	Excluded    = "不计入原因" // why a case of the period stays out of a figure
	OnTime      = "是否按时"  // 是 or 否, for a closed case with a computable deadline
	Points      = "个百分点"  // the unit of a change in a rate
)

// The names of the ranking's comparison with the period before, its 红黑榜, and the
// villages' sheet's rows per township.
const (
	PrevRank   = "上期名次" // a unit's place in the ranking of the period before
	RankChange = "名次升降" // ▲2, ▼1, 持平 or 新上榜 against 上期名次
	RankSteady = "持平"   // the same place as the period before
	RankNew    = "新上榜"  // ranked now, not in the period before
	HonourRoll = "红榜"   // the units at the top of the ranking
	BlackRoll  = "黑榜"   // the units at the bottom
	Subtotal   = "小计"   // a township's row below its villages
	YearToDate = "本年累计" // January to the period's end
)

// FlagNames are the auditors' flags in Chinese, by code.
var FlagNames = map[string]string{
	"BACKDATED_CLOSURE":           "倒签办结",
	"DUE_MISMATCH":                "登记期限与规则不符",
	"SATISFACTION_BEFORE_CLOSURE": "办结前已有满意度评价",
	"QUARTER_END_CLOSURES":        "季末集中办结",
	"EXPORTS_STOPPED":             "导出中断",
	"DEADLINE_UNKNOWN":            "期限无法计算",
	"CLOSED_WITHOUT_DATE":         "办结无日期",
	"LONG_WAIT":                   "等待过久",
}

// Retired maps each variant the outputs no longer use to the term that replaced it. A
// variant is retired only where it names the same thing as its term: 编号 alone, say, is
// retired, but it is part of 诉求编号 and 单位编码, so scanners look for whole labels (a
// cell, a header, a column name), not substrings.
var Retired = map[string]string{
	"案件编号": CaseNo,
	"编号":   CaseNo,
	"受理渠道": Channel,
	"渠道":   Channel,
	"办结时间": ClosedOn,
	"单位代码": UnitCode,
	"区划代码": UnitCode,
	"所属乡镇": Township,
	"电话":   Phone,
	"(空)":  NotFilled,
	"（空）":  NotFilled,
}

// The names 报送情况 (who reported) uses: the workbook's sheet, the dashboard's panel and
// `minqing sources --missing` (docs/rules.md "Who reported").
const (
	Submissions  = "报送情况"
	Submitted    = "已报送"
	NotSubmitted = "未报送"   // a unit that sent nothing for the period: its figures are marked so, never a plain 0
	NotJudged    = "不作判断"  // a unit of a level that has no exports of its own
	OwnExport    = "本单位导出" // 是 when the unit exported the source's files itself
	FileCount    = "文件数"
	PeriodRows   = "本期行数"      // rows of the unit dated in the period
	NewestExport = "最新导出日期"    // the newest such file's date, from its name
	NewestRows   = "最新导出本期行数"  // that file's rows of the unit dated in the period
	LastOwn      = "本单位最近一次导出" // the date of the unit's newest export of its own, any period
)
