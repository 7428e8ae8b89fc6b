package transform

import (
	"context"
	"errors"
	"time"
)

// Early warning (预警) and supervision notices (督办单): docs/rules.md "Early warning".
//
// A warning list is stated as at the start of an as-of day D, on the working-day
// calendar: a case is open at D when it was received on or before D, is not withdrawn,
// and has no closure dated on or before D (a case closed on D is done). Of the open
// cases with a known deadline (a 补办件 awaiting documents or a 上报件 awaiting the
// reply is not yet due and is not listed):
//   - overdue (超期): the deadline is before D; DaysOverdue counts the working days after
//     the deadline up to and including D, at least 1 (a deadline on Friday is 1 working
//     day overdue on Saturday, as the overdue lists of docs/rules.md count it);
//   - due soon (临期): the deadline is D or one of the next WarnDays working days after D;
//     DaysLeft counts the working days after D up to and including the deadline (0: due
//     on D itself).
// At the end of D a case due soon with DaysLeft 0 that is still open is overdue_open at
// cutoff D: the two agree.

// Warning kinds.
const (
	WarnOverdue = "超期" // open past its deadline
	WarnDueSoon = "临期" // due within the warning horizon
)

// WarnCase is one case on a warning list or a supervision notice, masked as the store
// holds it.
type WarnCase struct {
	CaseKey      string
	CaseNo       string // empty when no export gave one; File, Sheet, Row then locate it
	UnitCode     string // handling unit
	UnitName     string
	TownshipCode string // the township the unit belongs to (itself for a township); empty for the district
	TownshipName string
	Category     string
	Topic        string
	Status       string // the newest status exported
	ReceivedAt   time.Time
	Deadline     time.Time
	Kind         string // WarnOverdue or WarnDueSoon
	DaysOverdue  int    // WarnOverdue: working days past the deadline (≥ 1)
	DaysLeft     int    // WarnDueSoon: working days left (0 = due on the as-of day)
	File         string
	Sheet        string
	Row          int
	Citizen      string // masked
	Phone        string // masked
	Description  string // scrubbed
}

// Warnings is the warning list of a unit (and everything under it) as at a day.
type Warnings struct {
	UnitCode string
	AsOf     time.Time // the as-of day, 00:00 Asia/Shanghai
	WarnDays int
	Until    time.Time // the last day counted as due soon: WarnDays working days after AsOf
	// DataThrough is the newest day the store's exports cover, so a reader can tell a
	// list as at today from data that stopped long before.
	DataThrough time.Time
	// Cases: overdue first (most days overdue first), then due soon (fewest days left
	// first); ties by township, unit, deadline, received, key.
	Cases []WarnCase
}

// WarnCount counts one unit's warnings: its own cases and those of every unit under it.
type WarnCount struct {
	UnitCode string
	UnitName string
	Level    string // district, township, village
	Overdue  int
	DueSoon  int
}

// ErrAsOfNotCovered means the as-of day, or the warning horizon after it, falls outside
// the working-day calendar's years.
var ErrAsOfNotCovered = errors.New("the working-day calendar does not cover the as-of day")

// Warnings lists the open cases of unitCode and every unit under it that are overdue or
// due within warnDays working days, as at asOf (see above).
func (r *Reader) Warnings(ctx context.Context, unitCode string, asOf time.Time, warnDays int) (Warnings, error) {
	return Warnings{}, errors.New("early warning: not built yet")
}

// WarningCounts counts the warnings of unitCode and of each unit directly under it (a
// township's villages, the district's townships), unitCode's own row first and then the
// units by most overdue, then most due soon, then code.
func (r *Reader) WarningCounts(ctx context.Context, unitCode string, asOf time.Time, warnDays int) ([]WarnCount, error) {
	return nil, errors.New("early warning: not built yet")
}
