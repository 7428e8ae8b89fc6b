package transform

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Supervision notices (督办单): a township is sent, on a day, the list of its overdue and
// due-soon cases. Each notice is numbered 督办〔YYYY〕N号 (N counting the year's notices
// in the store from 1, in the order they were issued) and kept in the store with its
// cases, so that a later report can say what came of it (督办成效).

// Notice is one issued supervision notice.
type Notice struct {
	No        string // 督办〔2024〕3号
	Year, Seq int    // 2024, 3
	UnitCode  string // the township (or the district's own cases: the district's code)
	UnitName  string
	IssuedOn  time.Time // the as-of day of its list, 00:00 Asia/Shanghai
	IssuedAt  time.Time // when it was recorded
	RunID     string    // the run that issued it
	Cases     []WarnCase
}

// NoticeEffect is what came of one notice, as the store knows it now (督办成效).
type NoticeEffect struct {
	Notice       Notice    // Cases as listed on the notice
	RespondBy    time.Time // NoticeDays working days after IssuedOn
	Listed       int
	ClosedInTime int        // closed on or before RespondBy
	ClosedLater  int        // closed after RespondBy
	Remaining    []WarnCase // still open now, as listed on the notice
}

// ErrNoNotices means no supervision notice has been issued in the store.
var ErrNoNotices = errors.New("no supervision notice has been issued")

// IssueNotices numbers and records one notice per township of w that has cases on it
// (a case handled by the district itself goes on the district's notice), within one
// transaction, and returns them in township code order. A township with no case on w
// gets no notice.
func IssueNotices(ctx context.Context, db *sql.DB, w Warnings, runID string, now time.Time) ([]Notice, error) {
	return nil, errors.New("supervision notices: not built yet")
}

// NoticeEffects returns what came of the notices issued to unitCode or any unit under
// it with IssuedOn within p (start to end), oldest first; noticeDays is
// Rules.NoticeDays. No notice in p gives an empty list, not an error.
func (r *Reader) NoticeEffects(ctx context.Context, p Period, unitCode string, noticeDays int) ([]NoticeEffect, error) {
	return nil, errors.New("supervision notices: not built yet")
}
