package reports

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/minqing/minqing/internal/cnfmt"
	"github.com/minqing/minqing/internal/terms"
	"github.com/minqing/minqing/transform"
	"github.com/xuri/excelize/v2"
)

// A supervision notice (督办通知单) is sent to a township with its overdue and due-soon
// cases; WriteNoticeDocx and WriteNoticeXlsx write one, as a document in the report's
// GB/T 9704 format and as a one-sheet workbook, from the same text. Like the report they
// count nothing: the cases, their deadlines and days are the transform.Notice's. A
// notice names no citizen: names, phones and descriptions are not printed at all.

// NoticeHead is what a notice says beyond its list: who sends it and by when the
// township must answer. The as-of day of the list is the notice's IssuedOn.
type NoticeHead struct {
	// IssuedBy is the office that signs the notice (config report.filing_unit, else
	// report.made_by); empty prints a blank to fill in by hand.
	IssuedBy string
	// WarnDays is the horizon of 临期 (rules.warn_days), which the notice states.
	WarnDays int
	// RespondBy is the last day to close the cases and report back: rules.notice_days
	// working days after the notice's IssuedOn, as 督办成效 later judges it.
	RespondBy time.Time
	// DataThrough is the newest day the store's exports cover (Warnings.DataThrough):
	// a case closed since may still be listed, and the notice says so. Zero: not stated.
	DataThrough time.Time
}

// The words of a notice.
const (
	noticeTitle    = "督办通知单"
	noticeSheet    = noticeTitle
	noticeSeq      = "序号"
	noticeDaysLeft = "剩余工作日"
	noticeNo       = "督办编号"
)

// noticeColumns are the columns of a notice's list, in order.
var noticeColumns = []string{noticeSeq, terms.CaseNo, terms.HandledBy, terms.Category, terms.ReceivedOn, terms.DueOn,
	terms.Situation, terms.OverdueDays, noticeDaysLeft, terms.Status}

// checkNotice refuses a notice that would print wrong or empty: no number, no cases, no
// day to answer by, or a case of neither kind.
func checkNotice(n transform.Notice, h NoticeHead) error {
	switch {
	case strings.TrimSpace(n.No) == "":
		return errors.New("the notice has no number")
	case n.IssuedOn.IsZero():
		return fmt.Errorf("notice %s has no issue day", n.No)
	case len(n.Cases) == 0:
		return fmt.Errorf("notice %s lists no case", n.No)
	case h.RespondBy.IsZero() || h.RespondBy.Before(n.IssuedOn):
		return fmt.Errorf("notice %s: answer by %v, before its issue day %v", n.No, h.RespondBy, n.IssuedOn)
	case h.WarnDays < 0:
		return fmt.Errorf("notice %s: %d warning days", n.No, h.WarnDays)
	}
	for _, c := range n.Cases {
		if c.Kind != transform.WarnOverdue && c.Kind != transform.WarnDueSoon {
			return fmt.Errorf("notice %s: case %s is of kind %q, neither %s nor %s", n.No, c.CaseKey, c.Kind, transform.WarnOverdue, transform.WarnDueSoon)
		}
	}
	return nil
}

// noticeText is what a notice says in words, the same in the document and the sheet.
type noticeText struct {
	to     string   // 主送 line: 东街街道：
	body   []string // the paragraphs above the list
	note   string   // below the list
	signer string   // the issuing office
	date   string   // 2024年10月8日
}

func newNoticeText(n transform.Notice, h NoticeHead) noticeText {
	overdue, soon, below := 0, 0, false
	for _, c := range n.Cases {
		if c.Kind == transform.WarnOverdue {
			overdue++
		} else {
			soon++
		}
		below = below || c.UnitCode != n.UnitCode
	}
	var counts []string
	if overdue > 0 {
		counts = append(counts, fmt.Sprintf("超期未办结诉求%d件", overdue))
	}
	if soon > 0 {
		horizon := "当日到期"
		if h.WarnDays > 0 {
			horizon = fmt.Sprintf("%d个%s内到期", h.WarnDays, terms.WorkingDays)
		}
		counts = append(counts, fmt.Sprintf("临期诉求%d件（%s）", soon, horizon))
	}
	who := "你单位"
	if below {
		who = "你单位及所属" + terms.Village
	}
	signer := orBlank(h.IssuedBy)
	answerTo := h.IssuedBy
	if strings.TrimSpace(answerTo) == "" {
		answerTo = "督办单位"
	}
	asOf := cnfmt.Date(n.IssuedOn)
	t := noticeText{
		to: n.UnitName + "：",
		body: []string{
			"截至" + asOf + "，" + who + "有" + strings.Join(counts, "、") + "，现予督办。",
			"请督促承办单位逐件核查、抓紧办结，于" + cnfmt.Date(h.RespondBy) + "前（含当日）将办理结果反馈" + answerTo +
				"；确实无法办结的，请书面说明原因和预计办结时间。",
		},
		note: "注：" + terms.WorkingDays + "按国家法定节假日安排计算。" + terms.OverdueDays + "为" + terms.DueOn + "次日至" + asOf +
			"（含）的工作日数；" + noticeDaysLeft + "为此后至" + terms.DueOn + "（含）的工作日数，0表示当日到期。" +
			"没有" + terms.CaseNo + "的诉求以导出文件、工作表和行号标明。",
		signer: signer,
		date:   asOf,
	}
	if !h.DataThrough.IsZero() {
		t.body = append(t.body, "本单依据截至"+cnfmt.Date(h.DataThrough)+"的导出数据；所列诉求已在此后办结的，请在反馈时注明"+terms.ClosedOn+"。")
	}
	t.body = append(t.body, "督办诉求清单如下：")
	return t
}

// noticeCaseNo is how a notice names a case: its number, or （无编号） with the file,
// sheet and row it was read from, parts joined by sep.
func noticeCaseNo(c transform.WarnCase, sep string) string {
	if c.CaseNo != "" {
		return c.CaseNo
	}
	if c.File == "" {
		return terms.NoCaseNo
	}
	parts := []string{terms.NoCaseNo, c.File}
	if c.Sheet != "" {
		parts = append(parts, "工作表 "+c.Sheet)
	}
	return strings.Join(append(parts, "第"+strconv.Itoa(c.Row)+"行"), sep)
}

// noticeDays are a case's 逾期工作日 and 剩余工作日 as a notice prints them: the one its
// kind has, "—" for the other.
func noticeDays(c transform.WarnCase) (overdue, left string) {
	if c.Kind == transform.WarnOverdue {
		return itoa(c.DaysOverdue), dash
	}
	return dash, itoa(c.DaysLeft)
}

// isoDate is a day as a table shows it: 2024-10-08; "—" for none.
func isoDate(t time.Time) string {
	if t.IsZero() {
		return dash
	}
	return t.In(shanghai).Format("2006-01-02")
}

// WriteNoticeDocx writes notice n to path as a document laid out as the report document
// is (GB/T 9704, without a red header): its title and number, the township it is sent
// to, the counts and the day to answer by, the list of cases, the issuing office and
// date. The same input gives a byte-identical file.
func WriteNoticeDocx(path string, n transform.Notice, h NoticeHead) error {
	if err := checkNotice(n, h); err != nil {
		return fmt.Errorf("checking notice: %w", err)
	}
	t := newNoticeText(n, h)
	d := &document{}
	d.para(stTitle, noticeTitle)
	d.aligned(stBody, "center", 0, n.No)
	d.aligned(stBody, "left", 0, "")
	d.aligned(stBody, "left", 0, t.to)
	for _, p := range t.body {
		d.bodyPara(p)
	}
	var rows [][]string
	for i, c := range n.Cases {
		over, left := noticeDays(c)
		rows = append(rows, []string{itoa(i + 1), noticeCaseNo(c, " "), c.UnitName, c.Category,
			isoDate(c.ReceivedAt), isoDate(c.Deadline), c.Kind, over, left, c.Status})
	}
	// Widths in twips, for 五号 type in 仿宋 or a wider face standing in for it: a case
	// number of 12 characters and a date on one line, 逾期工作日 on two; the text width
	// (8844) in all.
	widths := []float64{480, 1420, 960, 700, 1330, 1330, 500, 690, 690, 744}
	aligns := []string{"center", "left", "left", "center", "center", "center", "center", "center", "center", "center"}
	cols := make([]docColumn, len(noticeColumns))
	for i, head := range noticeColumns {
		cols[i] = docColumn{head: head, weight: widths[i], align: aligns[i], breakHead: true}
	}
	cols[3].split, cols[9].split = 2, 2 // 办理 / 类别, 办理 / 状态
	d.grid(cols, rows)
	d.para(stTabNote, t.note)
	d.aligned(stBody, "left", 0, "")
	d.aligned(stBody, "left", 0, "")
	// GB/T 9704 7.3.5.1: the date four characters in from the right, the office centred
	// over it.
	dateIn := 4 * 2.0
	d.aligned(stBody, "right", max(dateIn+(textWidth(t.date)-textWidth(t.signer))/2, 0), t.signer)
	d.aligned(stBody, "right", dateIn, t.date)
	props := docProps{title: noticeTitle + " " + n.No, subject: noticeTitle, keywords: n.UnitCode + " " + n.No, stamp: n.IssuedOn}
	if err := saveArchive(path, documentParts(props, d.body.String())); err != nil {
		return fmt.Errorf("saving notice %q: %w", path, err)
	}
	return nil
}

// aligned writes a paragraph of style without its first-line indent, aligned jc, its
// right edge in by rightHalves half characters of 3号. w:ind precedes w:jc, in the
// order the schema gives them, which strict readers hold a document to.
func (d *document) aligned(style, jc string, rightHalves float64, text string) {
	ind := `<w:ind w:firstLineChars="0" w:firstLine="0"`
	if rightHalves > 0 {
		ind += ` w:right="` + itoa(int(rightHalves*bodyPt*10)) + `"`
	}
	fmt.Fprintf(&d.body, `<w:p><w:pPr><w:pStyle w:val="%s"/>%s/><w:jc w:val="%s"/></w:pPr>%s</w:p>`, style, ind, jc, runXML(text))
}

// WriteNoticeXlsx writes notice n to path as a workbook of one sheet: the notice's text
// above its list, which has a frozen header and an autofilter and prints on A4
// landscape one page wide, its header repeated. The same input gives a byte-identical
// file.
func WriteNoticeXlsx(path string, n transform.Notice, h NoticeHead) error {
	if err := checkNotice(n, h); err != nil {
		return fmt.Errorf("checking notice: %w", err)
	}
	t := newNoticeText(n, h)
	// The sheet helpers print a model's title in the page header, its label in the
	// footer and its cutoff as 截止日期: the notice's number, township and as-of day.
	m := &model{
		in: Input{
			Scope:  transform.Unit{Code: n.UnitCode, Name: n.UnitName},
			Period: transform.Period{ID: n.No, Cutoff: n.IssuedOn},
		},
		title: n.No,
		label: n.UnitName,
	}
	b, err := newBook(m)
	if err != nil {
		return err
	}
	defer b.f.Close()
	stamp := n.IssuedOn.UTC().Format("2006-01-02T15:04:05Z")
	if err := b.f.SetDocProps(&excelize.DocProperties{
		Title: noticeTitle + " " + n.No, Subject: noticeTitle, Creator: "minqing", LastModifiedBy: "minqing",
		Created: stamp, Modified: stamp, Language: "zh-CN", Keywords: n.UnitCode + " " + n.No,
	}); err != nil {
		return fmt.Errorf("setting document properties: %w", err)
	}
	if err := b.f.SetSheetName("Sheet1", noticeSheet); err != nil {
		return fmt.Errorf("naming sheet: %w", err)
	}
	s := b.sheet(noticeSheet)
	cols := len(noticeColumns)
	s.paragraph(1, 1, cols, noticeTitle, cellStyle{bold: true, size: 20, align: "center"})
	s.paragraph(2, 1, cols, n.No, cellStyle{size: 12, align: "center"})
	s.paragraph(3, 1, cols, t.to, cellStyle{size: 12, align: "left"})
	row := 4
	for _, p := range t.body {
		s.paragraph(row, 1, cols, "　　"+p, cellStyle{size: 12, align: "left"})
		row++
	}
	headerRow := row + 1
	row = s.header(headerRow, noticeColumns)
	cell := cellStyle{border: true, align: "center"}
	for i, c := range n.Cases {
		s.number(1, row, float64(i+1), fmtCount, cell)
		s.text(2, row, noticeCaseNo(c, "\n"), cellStyle{border: true, wrap: true})
		s.text(3, row, c.UnitName, stText)
		s.text(4, row, c.Category, cell)
		s.day(5, row, c.ReceivedAt, cell)
		s.day(6, row, c.Deadline, cell)
		s.text(7, row, c.Kind, cell)
		over, left := 8, 9
		if c.Kind == transform.WarnOverdue {
			s.number(over, row, float64(c.DaysOverdue), fmtCount, cell)
			s.dash(left, row, cell)
		} else {
			s.dash(over, row, cell)
			s.number(left, row, float64(c.DaysLeft), fmtCount, cell)
		}
		s.text(10, row, c.Status, cell)
		row++
	}
	s.table(headerRow, row-1, cols, 0)
	s.paragraph(row, 1, cols, t.note, stNote)
	s.paragraph(row+2, 1, cols, t.signer, cellStyle{size: 12, align: "right"})
	s.paragraph(row+3, 1, cols, t.date, cellStyle{size: 12, align: "right"})
	s.printListOneWide(m, headerRow)
	if err := s.finish(); err != nil {
		return fmt.Errorf("writing sheet %q: %w", noticeSheet, err)
	}
	if err := b.save(path); err != nil {
		return fmt.Errorf("saving notice %q: %w", path, err)
	}
	return nil
}
