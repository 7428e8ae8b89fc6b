package schedules

import (
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/minqing/minqing/transform/calendar"
)

// When says when a job runs: either a cron spec (Cron), optionally only on working days
// (WorkdaysOnly), or a working day after each period's end (On, at the time of day At).
// Exactly one of Cron and On is set.
type When struct {
	Cron         string // a standard 5-field cron expression, or a descriptor such as @daily
	WorkdaysOnly bool   // with Cron: fire times on days off are skipped
	On           string // quarter_end+Nwd, month_end+Nwd or year_end+Nwd; implies working days
	At           string // with On: the time of day, HH:MM; default 08:00
}

// DefaultAt is the time of day of an On schedule that states none.
const DefaultAt = "08:00"

// MaxWorkdaysAfter bounds N in On (…+Nwd): a due day more than six weeks after a
// period's end is a typo, not a reporting deadline.
const MaxWorkdaysAfter = 30

// Check returns nil when w is a schedule the Scheduler runs, else an error saying what
// is wrong with which of its parts.
func (w When) Check() error {
	switch {
	case w.Cron == "" && w.On == "":
		return fmt.Errorf("no cron spec and no on")
	case w.Cron != "" && w.On != "":
		return fmt.Errorf("both a cron spec and on: give one")
	case w.Cron != "":
		if w.At != "" {
			return fmt.Errorf("at %q with a cron spec: at goes with on", w.At)
		}
		return CheckSpec(w.Cron)
	}
	if _, err := parseOn(w.On); err != nil {
		return err
	}
	return CheckAt(w.At)
}

// String returns the schedule as a config states it, for messages.
func (w When) String() string {
	if w.On != "" {
		at := w.At
		if at == "" {
			at = DefaultAt
		}
		return w.On + " at " + at
	}
	if w.WorkdaysOnly {
		return w.Cron + " on working days"
	}
	return w.Cron
}

// Schedule returns w as a cron schedule in loc, its working days those of days.
func (w When) Schedule(days *Workdays, loc *time.Location) (cron.Schedule, error) {
	if err := w.Check(); err != nil {
		return nil, err
	}
	if w.Cron != "" {
		spec, err := parser.Parse(w.Cron)
		if err != nil {
			return nil, err
		}
		if !w.WorkdaysOnly {
			return spec, nil
		}
		return workdaysOnly{Spec: spec, Days: days, Location: loc}, nil
	}
	on, _ := parseOn(w.On)
	at := w.At
	if at == "" {
		at = DefaultAt
	}
	tod, _ := time.Parse("15:04", at)
	on.Hour, on.Minute, on.Days, on.Location = tod.Hour(), tod.Minute(), days, loc
	return on, nil
}

// onPattern reads On: a period's end, a plus sign, N and "wd" (working days).
var onPattern = regexp.MustCompile(`^(month|quarter|year)_end\+(\d+)wd$`)

// CheckOn returns nil when on is quarter_end+Nwd, month_end+Nwd or year_end+Nwd with
// 1 ≤ N ≤ MaxWorkdaysAfter.
func CheckOn(on string) error {
	_, err := parseOn(on)
	return err
}

func parseOn(on string) (afterPeriodEnd, error) {
	m := onPattern.FindStringSubmatch(on)
	if m == nil {
		return afterPeriodEnd{}, fmt.Errorf("%q is not quarter_end+Nwd, month_end+Nwd or year_end+Nwd (the Nth working day after the period's last day)", on)
	}
	n, err := strconv.Atoi(m[2])
	if err != nil || n < 1 || n > MaxWorkdaysAfter {
		return afterPeriodEnd{}, fmt.Errorf("%q: N must be 1–%d working days (+1wd is the first working day after the period's last day)", on, MaxWorkdaysAfter)
	}
	months := map[string]int{"month": 1, "quarter": 3, "year": 12}[m[1]]
	return afterPeriodEnd{Months: months, N: n}, nil
}

// CheckAt returns nil when at is empty (DefaultAt) or a time of day HH:MM.
func CheckAt(at string) error {
	if at == "" {
		return nil
	}
	if _, err := time.Parse("15:04", at); err != nil {
		return fmt.Errorf("%q is not a time of day HH:MM (08:00)", at)
	}
	return nil
}

// Workdays says which local dates are working days: those of the official calendar in
// the years it covers (make-up working days included, statutory holidays excluded), and
// Monday–Friday in the years it does not, with a warning logged once per such year (the
// State Council publishes a year's schedule late in the year before). Safe for
// concurrent use.
type Workdays struct {
	cal    *calendar.Calendar
	logger *slog.Logger
	mu     sync.Mutex
	warned map[int]bool
}

// NewWorkdays returns the working days of cal, warning on logger about uncovered years.
func NewWorkdays(cal *calendar.Calendar, logger *slog.Logger) *Workdays {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Workdays{cal: cal, logger: logger, warned: map[int]bool{}}
}

// IsWorkday reports whether the date of d (in d's location) is a working day.
func (w *Workdays) IsWorkday(d time.Time) bool {
	ok, err := w.cal.IsWorkday(d)
	if err == nil {
		return ok
	}
	w.mu.Lock()
	if !w.warned[d.Year()] {
		w.warned[d.Year()] = true
		first, last := w.cal.Years()
		w.logger.Warn("the working-day calendar does not cover the year: counting Monday–Friday as working days",
			"year", d.Year(), "first_year", first, "last_year", last)
	}
	w.mu.Unlock()
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// After returns the n-th working day strictly after the date of d (n ≥ 1), at d's time.
func (w *Workdays) After(d time.Time, n int) time.Time {
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if w.IsWorkday(d) {
			n--
		}
	}
	return d
}

// horizon is how far ahead Next looks for a fire time before giving up, as cron's own
// schedules do.
const horizon = 5 * 366 * 24 * time.Hour

// workdaysOnly is a cron schedule whose fire times on days off are skipped: the local
// date (in Location) of every fire time is a working day of Days.
type workdaysOnly struct {
	Spec     cron.Schedule
	Days     *Workdays
	Location *time.Location
}

// Next returns the first fire time of Spec after t on a working day, or the zero time
// when there is none within five years.
func (s workdaysOnly) Next(t time.Time) time.Time {
	next := s.Spec.Next(t)
	for !next.IsZero() && next.Sub(t) <= horizon {
		local := next.In(s.Location)
		if s.Days.IsWorkday(local) {
			return next
		}
		// Skip the rest of the day off: the spec's next time after its last second.
		y, m, d := local.Date()
		lastSecond := time.Date(y, m, d+1, 0, 0, 0, 0, s.Location).Add(-time.Second)
		next = s.Spec.Next(lastSecond.In(t.Location()))
	}
	return time.Time{}
}

// afterPeriodEnd is the N-th working day after the last day of every period of Months
// months (1 month, 3 quarter, 12 year; periods start in January), at Hour:Minute in
// Location. The last day counts whether or not it is a working day itself, so the fire
// day is always a working day.
type afterPeriodEnd struct {
	Months       int
	N            int
	Hour, Minute int
	Days         *Workdays
	Location     *time.Location
}

// Next returns the first fire time after t.
func (s afterPeriodEnd) Next(t time.Time) time.Time {
	lt := t.In(s.Location)
	period := (lt.Year()*12 + int(lt.Month()) - 1) / s.Months
	// A fire time follows its period's end by at most MaxWorkdaysAfter working days, less
	// than three months: start three periods back and take the first one after t.
	for p := period - 3; ; p++ {
		if fire := s.fire(p); fire.After(t) {
			return fire.In(t.Location())
		}
	}
}

// fire returns the fire time of period p (counted in periods since year 0).
func (s afterPeriodEnd) fire(p int) time.Time {
	next := (p + 1) * s.Months // the first month after the period, counted from year 0
	lastDay := time.Date(next/12, time.Month(next%12+1), 1, s.Hour, s.Minute, 0, 0, s.Location).AddDate(0, 0, -1)
	return s.Days.After(lastDay, s.N)
}
