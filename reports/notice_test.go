package reports

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/minqing/minqing/transform"
)

// sampleNotice is a notice to 东街街道 as at 2024-10-08: two overdue cases (one without
// a number, located by its file, sheet and row) and two due soon (one due that day),
// handled by the township and its villages, with masked citizens that must not print.
func sampleNotice() (transform.Notice, NoticeHead) {
	n := transform.Notice{
		No: "督办〔2024〕3号", Year: 2024, Seq: 3, UnitCode: eastCode, UnitName: "东街街道",
		IssuedOn: day(2024, 10, 8), IssuedAt: at(2024, 10, 8, 9, 5), RunID: "run-20241008",
		Cases: []transform.WarnCase{
			{CaseKey: "HP2024090101", CaseNo: "HP2024090101", UnitCode: "320102001001", UnitName: "东街社区",
				TownshipCode: eastCode, TownshipName: "东街街道", Category: "承诺件", Topic: "物业管理", Status: "办理中",
				ReceivedAt: at(2024, 9, 20, 10, 0), Deadline: day(2024, 9, 27), Kind: transform.WarnOverdue, DaysOverdue: 6,
				Citizen: "王*", Phone: "186****2233", Description: "楼道堆放杂物，存在消防隐患。"},
			{CaseKey: "fp:77aa01", UnitCode: eastCode, UnitName: "东街街道", TownshipCode: eastCode, TownshipName: "东街街道",
				Category: "补办件", Status: "已受理", ReceivedAt: at(2024, 9, 23, 15, 30), Deadline: day(2024, 9, 30),
				Kind: transform.WarnOverdue, DaysOverdue: 2, File: "exports/东街街道/2024-10民情台账.xlsx", Sheet: "10月", Row: 14,
				Citizen: "李*", Phone: "139****0001"},
			{CaseKey: "HP2024100007", CaseNo: "HP2024100007", UnitCode: "320102001002", UnitName: "南门社区",
				TownshipCode: eastCode, TownshipName: "东街街道", Category: "即办件", Status: "办理中",
				ReceivedAt: at(2024, 10, 8, 8, 40), Deadline: day(2024, 10, 8), Kind: transform.WarnDueSoon, DaysLeft: 0},
			{CaseKey: "HP2024092230", CaseNo: "HP2024092230", UnitCode: eastCode, UnitName: "东街街道",
				TownshipCode: eastCode, TownshipName: "东街街道", Category: "承诺件", Status: "已签收",
				ReceivedAt: at(2024, 9, 29, 11, 0), Deadline: day(2024, 10, 10), Kind: transform.WarnDueSoon, DaysLeft: 2},
		},
	}
	h := NoticeHead{IssuedBy: "和平区民情工作办公室", WarnDays: 2, RespondBy: day(2024, 10, 15), DataThrough: day(2024, 10, 7)}
	return n, h
}

// docText is a document's text as its goldens hold it: the paragraphs, then each
// table's rows, cells separated by " | ".
func docText(c docContent) string {
	var b strings.Builder
	for _, p := range c.paras {
		b.WriteString(p + "\n")
	}
	for _, tb := range c.tables {
		b.WriteString("\n")
		for _, r := range tb {
			b.WriteString(strings.Join(r, " | ") + "\n")
		}
	}
	return b.String()
}

// writeNotice writes n with each writer into a temporary folder, twice, checks the two
// files are byte for byte the same, and returns the .docx and .xlsx paths.
func writeNotice(t *testing.T, n transform.Notice, h NoticeHead) (docx, xlsxPath string) {
	t.Helper()
	dir := t.TempDir()
	for _, w := range []struct {
		ext   string
		write func(string, transform.Notice, NoticeHead) error
	}{{"docx", WriteNoticeDocx}, {"xlsx", WriteNoticeXlsx}} {
		a, b := filepath.Join(dir, "a."+w.ext), filepath.Join(dir, "b."+w.ext)
		for _, p := range []string{a, b} {
			if err := w.write(p, n, h); err != nil {
				t.Fatalf("writing the %s: %v", w.ext, err)
			}
		}
		ba, _ := os.ReadFile(a)
		bb, _ := os.ReadFile(b)
		if !bytes.Equal(ba, bb) {
			t.Errorf("the same notice gave different %s bytes", w.ext)
		}
		keep(t, a, "notice."+w.ext)
		if w.ext == "docx" {
			docx = a
		} else {
			xlsxPath = a
		}
	}
	return docx, xlsxPath
}

// TestNoticeGolden: the notice's document text and its sheet, every cell as a reader
// sees it, against testdata/notice_docx.golden and notice_xlsx.golden (-update rewrites
// them); neither prints a citizen's name, phone or description. MINQING_NOTICE_DIR=dir
// keeps both files there, to render them.
func TestNoticeGolden(t *testing.T) {
	n, h := sampleNotice()
	docx, xl := writeNotice(t, n, h)
	c, ps := readDocument(t, docx)
	checkGolden(t, "notice_docx.golden", "notice document text", docText(c))
	sheet := dumpSheet(t, openBook(t, xl), noticeSheet)
	checkGolden(t, "notice_xlsx.golden", "notice sheet", sheet)
	xp := parts(t, xl)
	for _, c := range n.Cases {
		for _, personal := range []string{c.Citizen, c.Phone, c.Description} {
			if personal == "" {
				continue
			}
			if strings.Contains(ps["word/document.xml"], personal) || strings.Contains(xp["xl/sharedStrings.xml"], personal) {
				t.Errorf("the notice prints %q", personal)
			}
		}
	}
	// The sheet's list keeps its header in view and on every printed page.
	headerRow := rowOf(t, openBook(t, xl), noticeSheet, noticeSeq)
	if ws := xp["xl/worksheets/sheet1.xml"]; !strings.Contains(ws, `ySplit="`+itoa(headerRow)+`"`) || !strings.Contains(ws, `<autoFilter`) {
		t.Errorf("the list's header (row %d) is not frozen with an autofilter", headerRow)
	}
	if wb := xp["xl/workbook.xml"]; !strings.Contains(wb, "$"+itoa(headerRow)+":$"+itoa(headerRow)) {
		t.Errorf("the list's header row %d does not repeat on printed pages: %s", headerRow, wb)
	}
	if !strings.Contains(xp["xl/worksheets/sheet1.xml"], `orientation="landscape"`) {
		t.Error("the sheet does not print on A4 landscape")
	}
}

// TestNoticeListsEveryCase: in the document's table and on the sheet, every case of the
// notice is on one row, with its deadline, its kind and its days (overdue or left), and
// the counts stated above the list are the list's.
func TestNoticeListsEveryCase(t *testing.T) {
	n, h := sampleNotice()
	docx, xl := writeNotice(t, n, h)
	c, _ := readDocument(t, docx)
	if len(c.tables) != 1 {
		t.Fatalf("the document has %d tables, want 1", len(c.tables))
	}
	docRows := c.tables[0][1:]
	sh := openBook(t, xl).Sheet[noticeSheet]
	headerRow := rowOf(t, openBook(t, xl), noticeSheet, noticeSeq)
	var sheetRows [][]string
	for r := headerRow; r < sh.MaxRow; r++ { // 0-based: the row below the header
		var cells []string
		for col := range noticeColumns {
			cl, err := sh.Cell(r, col)
			if err != nil {
				t.Fatal(err)
			}
			v, err := cl.FormattedValue()
			if err != nil {
				v = cl.Value
			}
			cells = append(cells, v)
		}
		if _, err := strconv.Atoi(cells[0]); err == nil {
			sheetRows = append(sheetRows, cells)
		}
	}
	for _, out := range []struct {
		name string
		rows [][]string
		sep  string
	}{{"document", docRows, " "}, {"sheet", sheetRows, "\n"}} {
		if len(out.rows) != len(n.Cases) {
			t.Errorf("%s: %d rows, want %d", out.name, len(out.rows), len(n.Cases))
		}
		for i, wc := range n.Cases {
			no := noticeCaseNo(wc, out.sep)
			var found [][]string
			for _, r := range out.rows {
				if r[1] == no {
					found = append(found, r)
				}
			}
			if len(found) != 1 {
				t.Errorf("%s: case %q on %d rows, want 1", out.name, no, len(found))
				continue
			}
			over, left := dash, dash
			if wc.Kind == transform.WarnOverdue {
				over = itoa(wc.DaysOverdue)
			} else {
				left = itoa(wc.DaysLeft)
			}
			want := []string{itoa(i + 1), no, wc.UnitName, wc.Category, wc.ReceivedAt.Format("2006-01-02"),
				wc.Deadline.Format("2006-01-02"), wc.Kind, over, left, wc.Status}
			if got := found[0]; strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("%s: row\n got %q\nwant %q", out.name, got, want)
			}
		}
	}
	text := strings.Join(c.paras, "\n")
	for _, want := range []string{"超期未办结诉求2件、临期诉求2件（2个工作日内到期）", "于2024年10月15日前（含当日）"} {
		if !strings.Contains(text, want) {
			t.Errorf("the document does not say %q", want)
		}
	}
}

// TestNoticeEscapes: a township, a unit and an office whose names hold XML's special
// characters and a spreadsheet header's & code print as given, in a well-formed
// document and a workbook that opens.
func TestNoticeEscapes(t *testing.T) {
	n, h := sampleNotice()
	n.UnitName = `东街<街道>&"1"`
	n.Cases[0].UnitName = "A&B<社区>"
	n.Cases[1].Status = "]]><w:p>"
	h.IssuedBy = "民情办&督查室"
	docx, xl := writeNotice(t, n, h)
	c, _ := readDocument(t, docx)
	text := docText(c)
	wb := openBook(t, xl)
	sheet := dumpSheet(t, wb, noticeSheet)
	for _, want := range []string{`东街<街道>&"1"：`, "A&B<社区>", "]]><w:p>", "民情办&督查室"} {
		if !strings.Contains(text, want) {
			t.Errorf("the document lacks %q", want)
		}
		if !strings.Contains(sheet, want) {
			t.Errorf("the sheet lacks %q", want)
		}
	}
	// In a printed header or footer & starts a code: the township's name keeps it doubled.
	if ws := parts(t, xl)["xl/worksheets/sheet1.xml"]; !strings.Contains(ws, "东街&amp;lt;街道&amp;gt;&amp;amp;&amp;amp;") &&
		!strings.Contains(ws, "东街&lt;街道&gt;&amp;&amp;") {
		t.Errorf("the footer does not double the & of the township's name")
	}
}

// TestNoticeRefuses: a notice that would print wrong is an error from both writers,
// and no file is left behind.
func TestNoticeRefuses(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*transform.Notice, *NoticeHead)
	}{
		{"no number", func(n *transform.Notice, _ *NoticeHead) { n.No = " " }},
		{"no cases", func(n *transform.Notice, _ *NoticeHead) { n.Cases = nil }},
		{"no issue day", func(n *transform.Notice, _ *NoticeHead) { n.IssuedOn = time.Time{} }},
		{"answer before issue", func(_ *transform.Notice, h *NoticeHead) { h.RespondBy = day(2024, 10, 7) }},
		{"no answer day", func(_ *transform.Notice, h *NoticeHead) { h.RespondBy = time.Time{} }},
		{"unknown kind", func(n *transform.Notice, _ *NoticeHead) { n.Cases[2].Kind = "已办结" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, h := sampleNotice()
			tc.change(&n, &h)
			dir := t.TempDir()
			if err := WriteNoticeDocx(filepath.Join(dir, "n.docx"), n, h); err == nil {
				t.Error("WriteNoticeDocx: no error")
			}
			if err := WriteNoticeXlsx(filepath.Join(dir, "n.xlsx"), n, h); err == nil {
				t.Error("WriteNoticeXlsx: no error")
			}
			if left, _ := os.ReadDir(dir); len(left) > 0 {
				t.Errorf("left %d files behind", len(left))
			}
		})
	}
}

// keep copies the file at path to $MINQING_NOTICE_DIR/name, when set, to render it.
func keep(t *testing.T, path, name string) {
	t.Helper()
	dir := os.Getenv("MINQING_NOTICE_DIR")
	if dir == "" {
		return
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
		t.Fatal(err)
	}
}
