package reports

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/minqing/minqing/transform"
)

// sampleEffects are two notices of 2024Q3: one to 东街街道 whose day to answer by has
// passed (two cases closed in time, one later, one without a number still open), and
// one to 西湖镇 whose day to answer by is after the data's last day (2024-10-12).
func sampleEffects() []transform.NoticeEffect {
	n, _ := sampleNotice()
	// the notice of sampleNotice two months earlier
	east := n
	east.No, east.Seq, east.IssuedOn = "督办〔2024〕3号", 3, day(2024, 8, 8)
	east.Cases = slices.Clone(n.Cases)
	for i := range east.Cases {
		c := &east.Cases[i]
		c.ReceivedAt, c.Deadline = c.ReceivedAt.AddDate(0, -2, 0), c.Deadline.AddDate(0, -2, 0)
	}
	west := transform.Notice{No: "督办〔2024〕7号", Year: 2024, Seq: 7, UnitCode: westCode, UnitName: "西湖镇", IssuedOn: day(2024, 9, 27),
		Cases: []transform.WarnCase{
			{CaseKey: "HP2024090301", CaseNo: "HP2024090301", UnitCode: "320102002001", UnitName: "西街村", Category: "承诺件",
				ReceivedAt: at(2024, 9, 3, 9, 0), Deadline: day(2024, 9, 10), Kind: transform.WarnOverdue, DaysOverdue: 13},
			{CaseKey: "HP2024092501", CaseNo: "HP2024092501", UnitCode: westCode, UnitName: "西湖镇", Category: "即办件",
				ReceivedAt: at(2024, 9, 27, 8, 30), Deadline: day(2024, 9, 27), Kind: transform.WarnDueSoon, DaysLeft: 0},
			{CaseKey: "HP2024092602", CaseNo: "HP2024092602", UnitCode: westCode, UnitName: "西湖镇", Category: "承诺件",
				ReceivedAt: at(2024, 9, 26, 14, 0), Deadline: day(2024, 9, 30), Kind: transform.WarnDueSoon, DaysLeft: 1},
		}}
	rate := func(v float64) *float64 { return &v }
	return []transform.NoticeEffect{
		{Notice: east, RespondBy: day(2024, 8, 15), Listed: 4, ClosedInTime: 2, InTimeRate: rate(0.5), ClosedLater: 1, Remaining: east.Cases[1:2]},
		{Notice: west, RespondBy: day(2024, 10, 15), Listed: 3, ClosedInTime: 1, InTimeRate: rate(1.0 / 3), Remaining: west.Cases[1:]},
	}
}

// TestNoticeEffectsSheetGolden: 督办成效 of the district, every cell as a reader sees it,
// against testdata/notice_effects.golden (-update rewrites it): a row per notice with
// its counts and 办结率, the one whose day to answer by is still to come marked so, and
// the cases still open below; 目录 lists it with what it holds.
func TestNoticeEffectsSheetGolden(t *testing.T) {
	in := sampleInput()
	in.Notices = sampleEffects()
	path := writeWith(t, in)
	keep(t, path, "effects.xlsx")
	wb := openBook(t, path)
	checkGolden(t, "notice_effects.golden", sheetNoticeEffects, dumpSheet(t, wb, sheetNoticeEffects))
	names := sheetNames(wb)
	if i, j := slices.Index(names, sheetWaiting), slices.Index(names, sheetNoticeEffects); j != i+1 {
		t.Errorf("督办成效 is sheet %d, 等待中 %d: want it right after", j, i)
	}
	// all closed: no list of open cases, and the sheet says so
	in.Notices = in.Notices[:1]
	in.Notices[0].ClosedLater, in.Notices[0].Remaining = 2, nil
	got := dumpSheet(t, openBook(t, writeWith(t, in)), sheetNoticeEffects)
	if !strings.Contains(got, "各督办通知单所列诉求均已办结。") || strings.Contains(got, effectAtNotice) {
		t.Errorf("all closed, 督办成效 reads:\n%s", got)
	}
	if contents := dumpSheet(t, wb, sheetContents); !strings.Contains(contents, sheetNoticeEffects+" | 明细 | "+purposes[sheetNoticeEffects]) {
		t.Errorf("目录 does not list 督办成效:\n%s", contents)
	}
}

// TestNoticeEffectsDocument: the document's section 督办成效 against
// testdata/document_notices.golden, a sentence per notice; with more notices than it
// states one by one, a table of them instead.
func TestNoticeEffectsDocument(t *testing.T) {
	in := sampleInput()
	in.Notices = sampleEffects()
	dir := t.TempDir()
	section := func(in Input) (string, docContent) {
		t.Helper()
		path := filepath.Join(dir, "d.docx")
		if err := WriteDocument(path, in); err != nil {
			t.Fatal(err)
		}
		c, _ := readDocument(t, path)
		from := slices.Index(c.paras, "五、"+sheetNoticeEffects)
		if from < 0 {
			t.Fatalf("no section 督办成效 in %q", c.paras)
		}
		to := slices.IndexFunc(c.paras, func(p string) bool { return strings.HasPrefix(p, "附表：") })
		return strings.Join(c.paras[from:to], "\n") + "\n", c
	}
	got, c := section(in)
	keep(t, filepath.Join(dir, "d.docx"), "effects.docx")
	checkGolden(t, "document_notices.golden", "section 督办成效", got)
	if len(c.tables) != 2 {
		t.Errorf("%d tables with two notices, want the 2 附表 alone", len(c.tables))
	}

	closed := sampleEffects()[:1]
	closed[0].ClosedLater, closed[0].Remaining = 2, nil
	in.Notices = closed
	if got, _ = section(in); !strings.HasSuffix(got, "各督办通知单所列诉求均已办结。\n") {
		t.Errorf("all closed, the section ends:\n%s", got)
	}

	var many []transform.NoticeEffect
	for i := range docNoticeSentences + 1 {
		e := sampleEffects()[0]
		e.Notice.No = fmt.Sprintf("督办〔2024〕%d号", i+1)
		many = append(many, e)
	}
	in.Notices = many
	got, c = section(in)
	if strings.Contains(got, "于2024年8月8日下发") {
		t.Errorf("%d notices stated one by one:\n%s", len(many), got)
	}
	if len(c.tables) != 3 {
		t.Fatalf("%d tables with %d notices, want the notices' and the 2 附表", len(c.tables), len(many))
	}
	rows := c.tables[0]
	if len(rows) != len(many)+1 || strings.Join(rows[1], "|") != "督办〔2024〕1号|东街街道|2024-08-08|4|2|1|1|50.0%" {
		t.Errorf("the notices' table:\n%q", rows)
	}
}

// TestNoNotices: without notices the workbook has no 督办成效 and the document no such
// section (the other goldens hold the rest unchanged).
func TestNoNotices(t *testing.T) {
	in := sampleInput()
	wb := openBook(t, writeWith(t, in))
	if slices.Contains(sheetNames(wb), sheetNoticeEffects) {
		t.Error("督办成效 without notices")
	}
	if strings.Contains(dumpSheet(t, wb, sheetContents), sheetNoticeEffects) {
		t.Error("目录 lists 督办成效 without notices")
	}
	path := filepath.Join(t.TempDir(), "d.docx")
	if err := WriteDocument(path, in); err != nil {
		t.Fatal(err)
	}
	c, _ := readDocument(t, path)
	for _, p := range c.paras {
		if strings.Contains(p, "督办") {
			t.Errorf("the document says %q without notices", p)
		}
	}
}

// TestNoticeEffectsRefused: effects that do not hold together are an error, not a
// sheet with a silent gap.
func TestNoticeEffectsRefused(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*transform.NoticeEffect)
	}{
		{"no number", func(e *transform.NoticeEffect) { e.Notice.No = "" }},
		{"no day to answer by", func(e *transform.NoticeEffect) { e.RespondBy = time.Time{} }},
		{"more closed than listed", func(e *transform.NoticeEffect) { e.ClosedLater = 3 }},
		{"negative", func(e *transform.NoticeEffect) { e.ClosedInTime = -1 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := sampleInput()
			in.Notices = sampleEffects()
			tc.change(&in.Notices[0])
			if err := Write(filepath.Join(t.TempDir(), "w.xlsx"), in); err == nil {
				t.Error("Write: no error")
			}
			if err := WriteDocument(filepath.Join(t.TempDir(), "d.docx"), in); err == nil {
				t.Error("WriteDocument: no error")
			}
		})
	}
}
