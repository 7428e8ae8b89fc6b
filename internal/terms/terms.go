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
