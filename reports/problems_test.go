package reports

import (
	"fmt"
	"github.com/minqing/minqing/internal/terms"
	"strings"
	"testing"

	"github.com/minqing/minqing/transform"
	"github.com/tealeg/xlsx/v3"
)

// problems are quarantined rows of every shape 问题数据 shows: a checked field with its
// value, an empty required field, a reason about the whole row (no field), a CSV row
// (no sheet), a value that reads as a formula and a detail holding a phone number.
func problems() []transform.QuarantinedRow {
	return []transform.QuarantinedRow{
		{Kind: "cases", Source: "hotline", File: "exports/12345/2024Q3.csv", Row: 4, Reason: "BAD_DATE", Field: "received_at", Value: "2024-13-45",
			Detail: "a date no accepted form parses", Unit: "320102001001"},
		{Kind: "cases", Source: "hotline", File: "exports/12345/2024Q3.csv", Row: 8, Reason: "MISSING_FIELD", Field: "unit",
			Detail: "unit, received_at and category are required"},
		{Kind: "cases", Source: "hotline", File: "exports/12345/2024Q3.csv", Row: 9, Reason: "UNKNOWN_LABEL", Field: "channel", Value: "=HYPERLINK(\"x\")",
			Detail: "a label the vocabulary does not know: channel =HYPERLINK(\"x\")", Unit: "320102001001"},
		{Kind: "cases", Source: "village-ledgers", File: "exports/东街社区/2024Q3.xlsx", Sheet: "7月", Row: 12, Reason: "BAD_QUOTE",
			Detail: "a quote opened on line 12 is never closed; 联系 13812345678", Unit: "320102001001"},
		{Kind: "cases", Source: "village-ledgers", File: "exports/东街社区/2024Q3.xlsx", Sheet: "8月", Row: 3, Reason: "CONFLICT",
			Detail: "case HP7 versions disagree: unit: 320102001001 vs 320102001002", Unit: "320102001001"},
	}
}

// problemHeader is the row of 问题数据's header, below its note.
func problemHeader(t *testing.T, wb *xlsx.File) int {
	t.Helper()
	return rowOf(t, wb, sheetProblems, "来源")
}

// TestWriteProblems: 问题数据 states the count above the table and lists each row with
// its place, reason code and Chinese reason, field, value and detail.
func TestWriteProblems(t *testing.T) {
	in := sampleInput()
	in.Problems, in.ProblemCount = problems(), 5
	path := writeWith(t, in)
	wb := openBook(t, path)
	s := sheetProblems
	h := problemHeader(t, wb)
	if h != 2 {
		t.Errorf("header on row %d, want 2 (below the note)", h)
	}
	note := cell(t, wb, s, "A1").Value
	for _, want := range []string{"已载入的全部文件中共有5行数据未通过检查而被隔离", "不按统计期筛选"} {
		if !strings.Contains(note, want) {
			t.Errorf("note %q lacks %q", note, want)
		}
	}
	if strings.Contains(note, "下表列出前") || strings.Contains(note, "无法按单位归属") {
		t.Errorf("note %q speaks of a cut or of township placement for a full district list", note)
	}
	for i, w := range problemTitles {
		wantText(t, wb, s, cellName(i+1, h), w)
	}
	want := [][]string{ // A..I, with 行号 (D) a number
		{"hotline", "exports/12345/2024Q3.csv", "—", "4", "BAD_DATE", "日期无法识别", "received_at", "2024-13-45", "a date no accepted form parses"},
		{"hotline", "exports/12345/2024Q3.csv", "—", "8", "MISSING_FIELD", "缺少必填项", "unit", terms.NotFilled, "unit, received_at and category are required"},
		{"hotline", "exports/12345/2024Q3.csv", "—", "9", "UNKNOWN_LABEL", "标签无法识别", "channel", "=HYPERLINK(\"x\")",
			"a label the vocabulary does not know: channel =HYPERLINK(\"x\")"},
		{"village-ledgers", "exports/东街社区/2024Q3.xlsx", "7月", "12", "BAD_QUOTE", "引号未闭合", "—", "—",
			"a quote opened on line 12 is never closed; 联系 138****5678"},
		{"village-ledgers", "exports/东街社区/2024Q3.xlsx", "8月", "3", "CONFLICT", "版本冲突", "—", "—",
			"case HP7 versions disagree: unit: 320102001001 vs 320102001002"},
	}
	for i, w := range want {
		r := h + 1 + i
		for c, v := range w {
			ref := cellName(c+1, r)
			if c == problemRowCol {
				var n float64
				fmt.Sscan(v, &n)
				wantNumber(t, wb, s, ref, n, "0")
				continue
			}
			wantText(t, wb, s, ref, v)
		}
	}
	if got := wb.Sheet[s].MaxRow; got != h+len(want) {
		t.Errorf("%d rows, want %d", got, h+len(want))
	}
	// Export text that reads as a formula stays text, quote-prefixed.
	quoted := quotePrefixed(t, path, sheetPart(t, wb, s))
	if ref := cellName(8, h+3); !quoted[ref] {
		t.Errorf("%s (a value starting with =) is not quote-prefixed", ref)
	}
	if ref := cellName(8, h+1); quoted[ref] {
		t.Errorf("%s (a plain value) is quote-prefixed", ref)
	}
	// The sheet sits after 数据来源.
	names := sheetNames(wb)
	for i, n := range names {
		if n == sheetSources && (i+1 == len(names) || names[i+1] != sheetProblems) {
			t.Errorf("sheets %v: 问题数据 does not follow 数据来源", names)
		}
	}
}

// TestProblemsCapped: of 10,005 quarantined rows, 问题数据 lists the first 10,000 and
// says there are 10,005 and how to list them all.
func TestProblemsCapped(t *testing.T) {
	in := sampleInput()
	const n = ProblemRows + 5
	for i := range n {
		in.Problems = append(in.Problems, transform.QuarantinedRow{Kind: "cases", Source: "hotline", File: "big.csv",
			Row: i + 2, Reason: "BAD_DATE", Field: "received_at", Value: fmt.Sprintf("bad-%d", i), Unit: "320102001001"})
	}
	in.ProblemCount = n
	wb := openBook(t, writeWith(t, in))
	s := sheetProblems
	note := cell(t, wb, s, "A1").Value
	for _, want := range []string{"共有10,005行", "下表列出前10,000行", "minqing quarantine"} {
		if !strings.Contains(note, want) {
			t.Errorf("note %q lacks %q", note, want)
		}
	}
	h := problemHeader(t, wb)
	if got := wb.Sheet[s].MaxRow; got != h+ProblemRows {
		t.Errorf("%d rows below the header, want %d", got-h, ProblemRows)
	}
	wantText(t, wb, s, cellName(8, h+1), "bad-0")
	wantText(t, wb, s, cellName(8, h+ProblemRows), fmt.Sprintf("bad-%d", ProblemRows-1))
	wantNumber(t, wb, s, cellName(4, h+ProblemRows), ProblemRows+1, "0")
	if v := cell(t, wb, s, cellName(8, h+ProblemRows+1)).Value; v != "" {
		t.Errorf("row %d holds %q: more than %d rows listed", h+ProblemRows+1, v, ProblemRows)
	}
}

// TestProblemNotes: the note for each kind of list: none, a township's with rows placed
// by their file, a township's whose rows all name a unit, and under an auditor's banner.
func TestProblemNotes(t *testing.T) {
	for _, tc := range []struct {
		name      string
		in        func() Input
		noteRow   int
		want, not []string
	}{
		{"none", sampleInput, 1, []string{"共有0行"}, []string{"下表", "无法按单位归属"}},
		{"township, rows without a unit", func() Input {
			in := townshipInput()
			in.Problems, in.ProblemCount = problems(), 5
			return in
		}, 1, []string{"属于东街街道的共有5行", "单位缺失、无法匹配或不唯一的行无法按单位归属", "由本街道或其所辖村（社区）导出、或含本街道数据的，一并列出"}, nil},
		{"township, every row named a unit", func() Input {
			in := townshipInput()
			for _, r := range problems() {
				if r.Unit != "" {
					in.Problems = append(in.Problems, r)
				}
			}
			in.ProblemCount = len(in.Problems)
			return in
		}, 1, []string{"属于东街街道的共有4行"}, []string{"无法按单位归属"}},
		{"auditor copy", func() Input {
			in := sampleInput()
			in.AuditorCopy = true
			in.Problems, in.ProblemCount = problems(), 7
			return in
		}, 2, []string{"共有7行", "下表列出前5行"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in()
			wb := openBook(t, writeWith(t, in))
			note := cell(t, wb, sheetProblems, fmt.Sprintf("A%d", tc.noteRow)).Value
			for _, w := range tc.want {
				if !strings.Contains(note, w) {
					t.Errorf("note %q lacks %q", note, w)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(note, w) {
					t.Errorf("note %q has %q", note, w)
				}
			}
			h := problemHeader(t, wb)
			if h != tc.noteRow+1 {
				t.Errorf("header on row %d, want %d", h, tc.noteRow+1)
			}
			if len(in.Problems) == 0 {
				wantText(t, wb, sheetProblems, cellName(1, h+1), "没有被隔离的数据行。")
			}
		})
	}
}

// TestProblemsCountBelowRows: a count smaller than the rows given does not hold
// together, and Write refuses it rather than publish a wrong count.
func TestProblemsCountBelowRows(t *testing.T) {
	in := sampleInput()
	in.Problems, in.ProblemCount = problems(), 2
	if err := Write(t.TempDir()+"/p.xlsx", in); err == nil || !strings.Contains(err.Error(), "quarantined rows") {
		t.Errorf("Write = %v, want an error about the quarantined rows' count", err)
	}
}

func TestMaskPersonal(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"mobile", "13812345678", "138****5678"},
		{"mobile in text", "联系13812345678。", "联系138****5678。"},
		{"ID", "330102199001011234", "3301**********1234"},
		{"ID ending in X", "id 33010219900101123X ok", "id 3301**********123X ok"},
		{"unit codes kept", "unit: 320102001001 vs 320102001002", "unit: 320102001001 vs 320102001002"},
		{"11 digits not a mobile", "12012345678", "12012345678"},
		{"a date", "20240706 10:00", "20240706 10:00"},
		{"no digits", "飞鸽传书", "飞鸽传书"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := maskPersonal(tc.in); got != tc.want {
				t.Errorf("maskPersonal(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
