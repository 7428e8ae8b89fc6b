package transform

import (
	"fmt"
	"strconv"
)

// figureDefs is the one list of published figures, in the order reports show them.
// The values are computed in sql/figures.sql; this list names and explains them.
var figureDefs = []FigureDef{
	{"received", "受理量", KindCount, "期内受理的诉求件数（含已退回、已撤销）"},
	{"closed", "办结量", KindCount, "期内办结的诉求件数（不论何时受理）"},
	{"close_rate", "办结率", KindRate, "期内受理（不含退回、撤销）的诉求中，截至统计截止日已办结的比例"},
	{"on_time_rate", "按时办结率", KindRate, "期内办结且办结期限可计算的诉求中，在办结期限当日或之前办结的比例"},
	{"due_on_time_rate", "按期办结率", KindRate, "办结期限落在期内的诉求中，在期限内办结的比例；逾期仍未办结的计为未按期"},
	{"overdue_open", "超期未办结", KindCount, "截止日仍未办结且办结期限已到（含当日）的诉求件数"},
	{"avg_days", "平均办理时长", KindDays, "期内办结诉求自受理次日起至办结日的工作日数的平均值，扣除等待补正材料和上级批复的时间；期限或等待时长无法计算的不计"},
	{"median_days", "中位办理时长", KindDays, "同上口径的中位数（偶数件取中间两件的平均）"},
	{"resolution_rate", "解决率", KindRate, "期内办结且导出有办理结果列的诉求（不含办理结果为已解释的）中，已解决计1件、部分解决按权重计的比例"},
	{"response_rate", "响应率", KindRate, "期内受理且导出了首次联系时间的诉求中，24小时内首次联系的比例"},
	{"satisfaction_rate", "满意率", KindRate, "期内办结且已评价的诉求中，评价为满意或基本满意（按配置）的比例"},
	{"rating_rate", "参评率", KindRate, "期内办结且导出有满意度列的诉求中，群众已评价的比例"},
	{"proxy_cases", "代办件", KindCount, "期内受理的代办诉求件数"},
	{"proxy_on_time_rate", "代办按时办结率", KindRate, "期内办结且办结期限可计算的代办诉求中，按时办结的比例"},
	{"stated_on_time_rate", "平台按期办结率", KindRate, "期内受理且导出注明平台判定（按期办结、逾期办结）的诉求中，平台判定为按期办结的比例；与本系统按工作日计算的按时办结率分列，不相混合"},
	{"visit_persons", "走访人次", KindCount, "期内走访记录的人数合计"},
	{"opinions", "收集意见建议", KindCount, "期内走访收集的意见建议条数合计"},
	{"problems_solved", "解决问题", KindCount, "期内走访解决的问题个数合计"},
	{"service_activities", "服务活动", KindCount, "期内开展的志愿服务、代办等服务活动次数"},
	{"volunteers", "参与人次", KindCount, "期内服务活动的参与人数合计"},
	{"beneficiaries", "服务人次", KindCount, "期内服务活动的服务人次合计"},
	{"score", "综合得分", KindScore, "响应率、解决率、满意率按权重（默认10%、45%、45%）加权的百分制得分；期内无到期诉求的单位不参与排名"},
}

// FigureDefs returns every published figure in report order; callers must not modify it.
func FigureDefs() []FigureDef { return figureDefs }

// FigureDefByID returns the definition of id and whether it exists.
func FigureDefByID(id string) (FigureDef, bool) {
	for _, d := range figureDefs {
		if d.ID == id {
			return d, true
		}
	}
	return FigureDef{}, false
}

// ScoreDefinition states how the score is counted with the weights in force, for outputs
// that must not quote the defaults when the config sets others.
func ScoreDefinition(weights map[string]float64) string {
	total := 0.0
	for _, w := range weights {
		total += w
	}
	if total <= 0 {
		return figureDefs[len(figureDefs)-1].Definition
	}
	pct := func(id string) string {
		return strconv.FormatFloat(100*weights[id]/total, 'f', -1, 64) + "%"
	}
	return fmt.Sprintf("响应率、解决率、满意率按权重（响应率%s、解决率%s、满意率%s）加权的百分制得分；某项无数据时按其余各项权重折算；期内无到期诉求的单位不参与排名",
		pct("response_rate"), pct("resolution_rate"), pct("satisfaction_rate"))
}
