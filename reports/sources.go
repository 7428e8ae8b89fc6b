package reports

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/minqing/minqing/transform"
)

// reasonOrder lists quarantine reasons in the order rows are checked (rules.md), with
// the Chinese a reader needs; a code not listed follows, alphabetically, as is.
var reasonOrder = []coded{
	// what ingest finds in a row whatever its values, checked first
	{"BAD_QUOTE", "引号未闭合"},
	{"LINE_TOO_LONG", "行过长"},
	{"CELL_TOO_LONG", "单元格过长"},
	{"BAD_ENCODING", "编码错误"},
	{"MISSING_FIELD", "缺少必填项"},
	{"BAD_DATE", "日期无法识别"},
	{"UNKNOWN_UNIT", "单位无法匹配"},
	{"UNKNOWN_LABEL", "标签无法识别"},
	{"BAD_NUMBER", "数字无效"},
	{"FUTURE_DATE", "日期晚于导出"},
	{"CLOSED_BEFORE_RECEIVED", "办结早于受理"},
	{"CLOSED_WITHOUT_DATE", "办结无日期"},
	{"CONFLICT", "版本冲突"},
}

var skipOrder = []coded{
	{"blank", "空行"},
	{"title", "标题行"},
	{"header", "表头行"},
	{"totals", "合计行"},
	{"footer", "表尾"},
	{"sheet", "无表头工作表"}, // every row of a sheet in which no header was found
}

var sourceKinds = map[string]string{"cases": "诉求件", "visits": "走访", "services": "服务活动"}

// writeSources writes 数据来源: per source file, what was read and where every row
// went, with a column checking read = loaded + quarantined + skipped, and a total row
// below the filtered range.
func writeSources(s *sheet, m *model) {
	accts := slices.Clone(m.in.Accounting)
	slices.SortFunc(accts, func(a, b transform.SourceAccount) int {
		return cmp.Or(cmp.Compare(a.Source, b.Source), cmp.Compare(a.File, b.File), cmp.Compare(a.SHA256, b.SHA256))
	})
	reasons := present(accts, reasonOrder, func(a transform.SourceAccount) map[string]int { return a.QuarantinedBy })
	skips := present(accts, skipOrder, func(a transform.SourceAccount) map[string]int { return a.SkippedBy })

	// The hash is cut to its first 12 digits, as the column says; 清单 gives it whole.
	titles := []string{"来源", "类型", "文件", "SHA-256\n前12位", "读取行数", "入库", "隔离合计"}
	for _, r := range reasons {
		titles = append(titles, r.title("隔离"))
	}
	titles = append(titles, "跳过合计")
	for _, k := range skips {
		titles = append(titles, k.title("跳过"))
	}
	titles = append(titles, "核对\n读取＝入库\n＋隔离＋跳过")
	top := s.start(m, len(titles))
	row := s.header(top, titles)

	var total transform.SourceAccount
	total.QuarantinedBy, total.SkippedBy = map[string]int{}, map[string]int{}
	for _, a := range accts {
		s.text(1, row, a.Source, stText)
		kind, ok := sourceKinds[a.Kind]
		if !ok {
			kind = a.Kind
		}
		s.text(2, row, kind, stText)
		s.text(3, row, a.File, cellStyle{border: true, wrap: true})
		s.text(4, row, shortHash(a.SHA256), stText)
		accountCells(s, row, a, reasons, skips, stText)
		row++

		total.Read += a.Read
		total.Loaded += a.Loaded
		total.Quarantined += a.Quarantined
		total.Skipped += a.Skipped
		for k, n := range a.QuarantinedBy {
			total.QuarantinedBy[k] += n
		}
		for k, n := range a.SkippedBy {
			total.SkippedBy[k] += n
		}
	}
	s.table(top, row-1, len(titles), 1)
	s.print(m, top, 1)
	bold := stText
	bold.bold = true
	s.label(1, row, "合计", bold)
	s.label(2, row, fmt.Sprintf("%d个文件", len(accts)), bold)
	s.label(3, row, "", bold)
	s.label(4, row, "", bold)
	accountCells(s, row, total, reasons, skips, bold)
}

// accountCells writes the counts and the check of one account from column 5.
func accountCells(s *sheet, row int, a transform.SourceAccount, reasons, skips []coded, cs cellStyle) {
	col := 5
	put := func(n int) {
		s.number(col, row, float64(n), fmtCount, cs)
		col++
	}
	put(a.Read)
	put(a.Loaded)
	put(a.Quarantined)
	for _, r := range reasons {
		put(a.QuarantinedBy[r.code])
	}
	put(a.Skipped)
	for _, k := range skips {
		put(a.SkippedBy[k.code])
	}
	check := cs
	check.align = "center"
	s.label(col, row, accountCheck(a), check)
}

// accountCheck says whether an account adds up: read = loaded + quarantined + skipped,
// and the per-reason and per-kind columns add up to their totals.
func accountCheck(a transform.SourceAccount) string {
	var bad []string
	if d := a.Read - a.Loaded - a.Quarantined - a.Skipped; d != 0 {
		bad = append(bad, fmt.Sprintf("不符：差%d行", d))
	}
	if sum(a.QuarantinedBy) != a.Quarantined {
		bad = append(bad, "隔离分项之和不符")
	}
	if sum(a.SkippedBy) != a.Skipped {
		bad = append(bad, "跳过分项之和不符")
	}
	if len(bad) == 0 {
		return "相符"
	}
	return strings.Join(bad, "；")
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// coded is a reason or skip kind: its code and the Chinese a reader needs.
type coded struct{ code, name string }

// title is the column header: the Chinese over the code auditors search for, a line
// each, so that neither is broken (sheet.header keeps a title's lines whole).
func (c coded) title(group string) string {
	head := group + "·" + c.name
	if textWidth(head) > 12 { // longer than six characters: the group on a line of its own
		head = group + "·\n" + c.name
	}
	if c.name == c.code {
		head = group + "·"
	}
	return head + "\n" + c.code
}

// present returns the codes used by any account, known ones in order first, then the
// rest alphabetically under their own code.
func present(accts []transform.SourceAccount, known []coded, by func(transform.SourceAccount) map[string]int) []coded {
	used := map[string]bool{}
	for _, a := range accts {
		for k, n := range by(a) {
			if n != 0 {
				used[k] = true
			}
		}
	}
	var out []coded
	for _, k := range known {
		if used[k.code] {
			out = append(out, k)
			delete(used, k.code)
		}
	}
	var rest []string
	for k := range used {
		rest = append(rest, k)
	}
	slices.Sort(rest)
	for _, k := range rest {
		out = append(out, coded{k, k})
	}
	return out
}

// shortHash is the first 12 hex digits of a SHA-256: enough to tell files apart and
// to match a file by its hash, in a column that fits.
func shortHash(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}
