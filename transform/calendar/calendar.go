// Package calendar answers working-day questions from the State Council's yearly holiday
// schedules. It owns cn-calendar.csv and is safe for concurrent use once loaded.
package calendar

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"time"
)

//go:embed cn-calendar.csv
var officialCSV []byte

// ErrYearNotCovered means a date falls in a year whose schedule the calendar lacks.
var ErrYearNotCovered = errors.New("year not covered by the working-day calendar")

// Day kinds in the calendar file.
const (
	KindOff  = "off"  // statutory holiday or day off in lieu
	KindWork = "work" // weekend day that is a make-up working day (调休上班)
)

// Entry is one row of the calendar file.
type Entry struct {
	Date time.Time // local date, 00:00 UTC used as a plain date
	Name string
	Kind string
}

// Calendar knows, for every date of its covered years, whether it is a working day.
type Calendar struct {
	firstYear, lastYear int
	special             map[civil]string
	entries             []Entry
}

type civil struct {
	y int
	m time.Month
	d int
}

func toCivil(t time.Time) civil { y, m, d := t.Date(); return civil{y, m, d} }

// Official returns the calendar of the embedded official schedules.
func Official() *Calendar {
	c, err := Parse(bytes.NewReader(officialCSV))
	if err != nil {
		panic(fmt.Sprintf("embedded calendar is invalid: %v", err)) // a build defect, caught by tests
	}
	return c
}

// Parse reads a calendar CSV (date,name,kind). The covered years run from the first to
// the last year that has an entry named for its own year's schedule; rows dated in late
// December that belong to the next year's schedule do not extend coverage backwards.
func Parse(r io.Reader) (*Calendar, error) {
	rd := csv.NewReader(r)
	header, err := rd.Read()
	if err != nil {
		return nil, fmt.Errorf("reading calendar header: %w", err)
	}
	if len(header) < 3 || header[0] != "date" || header[2] != "kind" {
		return nil, fmt.Errorf("reading calendar header: want date,name,kind, got %v", header)
	}
	c := &Calendar{special: map[civil]string{}}
	years := map[int]int{}
	for line := 2; ; line++ {
		rec, err := rd.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading calendar row %d: %w", line, err)
		}
		d, err := time.Parse("2006-01-02", rec[0])
		if err != nil {
			return nil, fmt.Errorf("reading calendar row %d: %w", line, err)
		}
		if rec[2] != KindOff && rec[2] != KindWork {
			return nil, fmt.Errorf("reading calendar row %d: kind %q is neither off nor work", line, rec[2])
		}
		c.special[toCivil(d)] = rec[2]
		c.entries = append(c.entries, Entry{Date: d, Name: rec[1], Kind: rec[2]})
		years[d.Year()]++
	}
	if len(years) == 0 {
		return nil, errors.New("reading calendar: no rows")
	}
	// A year counts as covered when it has a substantial schedule of its own (every
	// published year has 20+ rows); stray late-December rows of the next schedule do not.
	first, last := 0, 0
	for y, n := range years {
		if n < 10 {
			continue
		}
		if first == 0 || y < first {
			first = y
		}
		if y > last {
			last = y
		}
	}
	c.firstYear, c.lastYear = first, last
	return c, nil
}

// Years returns the first and last year the calendar covers.
func (c *Calendar) Years() (first, last int) { return c.firstYear, c.lastYear }

// Entries returns the calendar rows in file order.
func (c *Calendar) Entries() []Entry { return c.entries }

// Covers reports whether d's year is covered.
func (c *Calendar) Covers(d time.Time) bool {
	return d.Year() >= c.firstYear && d.Year() <= c.lastYear
}

func (c *Calendar) check(d time.Time) error {
	if !c.Covers(d) {
		return fmt.Errorf("%w: %d (covered: %d–%d)", ErrYearNotCovered, d.Year(), c.firstYear, c.lastYear)
	}
	return nil
}

// IsWorkday reports whether d is a working day: Monday–Friday unless a holiday, or a
// make-up working day.
func (c *Calendar) IsWorkday(d time.Time) (bool, error) {
	if err := c.check(d); err != nil {
		return false, err
	}
	switch c.special[toCivil(d)] {
	case KindOff:
		return false, nil
	case KindWork:
		return true, nil
	}
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday, nil
}

// AddWorkdays returns the n-th working day strictly after d (the day of receipt is not
// counted); n = 0 returns d itself.
func (c *Calendar) AddWorkdays(d time.Time, n int) (time.Time, error) {
	if n < 0 {
		return time.Time{}, fmt.Errorf("adding %d working days: negative", n)
	}
	if err := c.check(d); err != nil {
		return time.Time{}, err
	}
	cur := d
	for n > 0 {
		cur = cur.AddDate(0, 0, 1)
		ok, err := c.IsWorkday(cur)
		if err != nil {
			return time.Time{}, err
		}
		if ok {
			n--
		}
	}
	return cur, nil
}

// Workdays counts the working days x with a < x <= b; it is 0 when b <= a.
func (c *Calendar) Workdays(a, b time.Time) (int, error) {
	if err := c.check(a); err != nil {
		return 0, err
	}
	if err := c.check(b); err != nil {
		return 0, err
	}
	n := 0
	for cur := a.AddDate(0, 0, 1); !cur.After(b); cur = cur.AddDate(0, 0, 1) {
		ok, _ := c.IsWorkday(cur)
		if ok {
			n++
		}
	}
	return n, nil
}
