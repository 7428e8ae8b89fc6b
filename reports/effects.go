package reports

import (
	"fmt"
	"strings"
	"time"

	"github.com/minqing/minqing/internal/cnfmt"
	"github.com/minqing/minqing/internal/terms"
	"github.com/minqing/minqing/transform"
)

// 督办成效: what came of the supervision notices issued in the period (Input.Notices),
// a sheet of the workbook and a section of the document, both absent when there were
// none.

const sheetNoticeEffects = "督办成效"

// The columns of 督办成效 beyond the terms'.
const (
	effectIssuedOn  = "下发日期"
	effectRespondBy = "反馈期限"
	effectListed    = "列入件数"
	effectInTime    = "期限内办结"
	effectLater     = "逾期后办结"
	effectRemaining = "仍未办结"
	effectRate      = "办结率"
	effectAtNotice  = "督办时情形"
	effectNotOver   = "反馈期限未到"
)

// checkNotices refuses effects that do not hold together: a notice without a number or
// a day to answer by, or more cases closed and open than it listed.
func checkNotices(effects []transform.NoticeEffect) error {
	for _, e := range effects {
		n := e.Notice
		switch {
		case strings.TrimSpace(n.No) == "":
			return fmt.Errorf("a notice to %s has no number", n.UnitCode)
		case e.RespondBy.IsZero():
			return fmt.Errorf("notice %s has no day to answer by", n.No)
		case e.Listed < 0 || e.ClosedInTime < 0 || e.ClosedLater < 0:
			return fmt.Errorf("notice %s: negative counts (%d listed, %d closed in time, %d later)", n.No, e.Listed, e.ClosedInTime, e.ClosedLater)
		case e.ClosedInTime+e.ClosedLater+len(e.Remaining) > e.Listed:
			return fmt.Errorf("notice %s: %d closed in time, %d later and %d open, of %d listed", n.No, e.ClosedInTime, e.ClosedLater, len(e.Remaining), e.Listed)
		}
	}
	return nil
}

// feedbackOpen reports whether e's day to answer by is after the day the data runs to:
// its counts are so far, not its outcome.
func (m *model) feedbackOpen(e transform.NoticeEffect) bool {
	return !m.in.DataThrough.IsZero() && e.RespondBy.After(m.in.DataThrough)
}

// writeNoticeEffects writes 督办成效: a row per notice with how many of its cases were
// closed by its day to answer by, after it, or not yet; below, the cases still open, by
// notice, as the notice listed them.
func writeNoticeEffects(s *sheet, m *model) {
	titles := []string{noticeNo, terms.Unit, effectIssuedOn, effectRespondBy, effectListed, effectInTime, effectLater, effectRemaining, effectRate, terms.Detail}
	top := s.start(m, len(titles))
	note := "期内下发的督办通知单所列诉求此后的办理情况。" + effectInTime + "：在" + effectRespondBy + "（下发后规定的" + terms.WorkingDays +
		"数）当日或之前办结；" + effectLater + "：" + effectRespondBy + "之后办结；" + effectRate + "＝" + effectInTime + "÷" + effectListed + "。"
	if !m.in.DataThrough.IsZero() {
		note += "数据截至" + isoDate(m.in.DataThrough) + "；" + effectRespondBy + "在此之后的，标注“" + effectNotOver + "”，所列为至今的情况。"
	}
	s.paragraph(top, 1, len(titles), note, stNote)
	headerRow := top + 2
	row := s.header(headerRow, titles)
	for _, e := range m.in.Notices {
		n := e.Notice
		s.text(1, row, n.No, stText)
		s.text(2, row, n.UnitName, stText)
		issued, by := n.IssuedOn, e.RespondBy
		s.date(3, row, &issued, false, stText)
		s.date(4, row, &by, false, stText)
		for i, v := range []int{e.Listed, e.ClosedInTime, e.ClosedLater, len(e.Remaining)} {
			s.number(5+i, row, float64(v), fmtCount, stText)
		}
		if r := e.InTimeRate; r != nil {
			s.number(9, row, *r, fmtRate, stText)
		} else {
			s.dash(9, row, stText)
		}
		detail := ""
		if m.feedbackOpen(e) {
			detail = effectNotOver
		}
		s.text(10, row, detail, stText)
		row++
	}
	s.table(headerRow, row-1, len(titles), 1)
	s.label(1, row, fmt.Sprintf("共%d份", len(m.in.Notices)), stNote)
	row += 2

	remaining := 0
	for _, e := range m.in.Notices {
		remaining += len(e.Remaining)
	}
	if remaining == 0 {
		s.label(1, row, "各督办通知单所列诉求均已办结。", stLabel)
		s.printOneWide(m, 0)
		return
	}
	s.label(1, row, effectRemaining+"的诉求（按督办时所列）", stLabel)
	caseTitles := []string{noticeNo, terms.CaseNo, terms.HandledBy, terms.Category, terms.ReceivedOn, terms.DueOn, effectAtNotice}
	row = s.header(row+1, caseTitles)
	for _, e := range m.in.Notices {
		for _, c := range e.Remaining {
			s.text(1, row, e.Notice.No, stText)
			s.text(2, row, noticeCaseNo(c, "\n"), cellStyle{border: true, wrap: true})
			s.text(3, row, c.UnitName, stText)
			s.text(4, row, c.Category, stText)
			s.day(5, row, c.ReceivedAt, stText)
			s.day(6, row, c.Deadline, stText)
			s.text(7, row, atNotice(c), stText)
			row++
		}
	}
	s.printOneWide(m, 0)
}

// atNotice is a case's 情形 when the notice listed it: 超期3个工作日, 临期（剩余1个工作日）.
func atNotice(c transform.WarnCase) string {
	if c.Kind == transform.WarnOverdue {
		return fmt.Sprintf("%s%d个%s", c.Kind, c.DaysOverdue, terms.WorkingDays)
	}
	if c.DaysLeft == 0 {
		return c.Kind + "（当日到期）"
	}
	return fmt.Sprintf("%s（剩余%d个%s）", c.Kind, c.DaysLeft, terms.WorkingDays)
}

// docNoticeSentences is how many notices 督办成效 in the document states one by one;
// more are shown as a table.
const docNoticeSentences = 6

// noticeEffects writes the document's section 督办成效 (numbered after 存在的问题), or
// nothing when no notice was issued in the period.
func (d *document) noticeEffects() {
	m := d.m
	effects := m.in.Notices
	if len(effects) == 0 {
		return
	}
	d.para(stH1, "五、"+sheetNoticeEffects)
	open := 0
	for _, e := range effects {
		if m.feedbackOpen(e) {
			open++
		}
	}
	lead := fmt.Sprintf("本期下发督办通知单%d份。", len(effects))
	if open > 0 {
		lead += fmt.Sprintf("其中%d份的%s在数据截止日%s之后，所列为至今的情况。", open, effectRespondBy, cnfmt.Date(m.in.DataThrough))
	}
	d.bodyPara(lead)
	if len(effects) <= docNoticeSentences {
		for _, e := range effects {
			d.bodyPara(noticeSentence(e, m.feedbackOpen(e)))
		}
	} else {
		var rows [][]string
		for _, e := range effects {
			rate := figureText(transform.KindRate, e.InTimeRate)
			if rate == "" {
				rate = dash
			}
			rows = append(rows, []string{e.Notice.No, e.Notice.UnitName, isoDate(e.Notice.IssuedOn), itoa(e.Listed),
				itoa(e.ClosedInTime), itoa(e.ClosedLater), itoa(len(e.Remaining)), rate})
		}
		d.table([]string{noticeNo, terms.Unit, effectIssuedOn, effectListed, effectInTime, effectLater, effectRemaining, effectRate}, rows, 3)
	}
	for _, e := range effects {
		if len(e.Remaining) > 0 {
			d.bodyPara("各督办通知单" + effectRemaining + "的诉求逐件列在统计报表“" + sheetNoticeEffects + "”表。")
			return
		}
	}
	d.bodyPara("各督办通知单所列诉求均已办结。")
}

// noticeSentence states what came of one notice; for one whose day to answer by is
// still to come (open), only what was closed so far.
func noticeSentence(e transform.NoticeEffect, open bool) string {
	n := e.Notice
	s := fmt.Sprintf("%s于%s下发%s，列入诉求%d件，", n.No, cnfmt.Date(n.IssuedOn), n.UnitName, e.Listed)
	if open {
		return s + fmt.Sprintf("%s%s未到，至今已办结%d件，%s%d件。", effectRespondBy, cnfmt.Date(e.RespondBy), e.ClosedInTime, effectRemaining, len(e.Remaining))
	}
	return s + fmt.Sprintf("在%s%s前办结%d件，此后办结%d件，%s%d件。", effectRespondBy, cnfmt.Date(e.RespondBy), e.ClosedInTime, e.ClosedLater, effectRemaining, len(e.Remaining))
}

// day writes t as a date cell, or "—" when it is zero.
func (s *sheet) day(col, row int, t time.Time, cs cellStyle) {
	if t.IsZero() {
		s.dash(col, row, cs)
		return
	}
	s.date(col, row, &t, false, cs)
}
