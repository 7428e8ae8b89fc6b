package schedules

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minqing/minqing/store"
	"github.com/minqing/minqing/transform/calendar"
)

func shanghai(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// at reads a local time "2006-01-02 15:04" in loc.
func at(t *testing.T, loc *time.Location, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestNext: the fire times of both kinds of working-day schedule, on real dates of the
// official calendar (cn-calendar.csv).
func TestNext(t *testing.T) {
	loc := shanghai(t)
	days := NewWorkdays(calendar.Official(), nil)
	for _, tt := range []struct {
		name  string
		when  When
		after string
		want  string
	}{
		// 2023Q3 ends Sat 2023-09-30, a day of the 中秋节、国庆节 holiday (09-29 to 10-06);
		// Sat 10-07 and Sun 10-08 are make-up working days.
		{"quarter end on a holiday: +1wd is a make-up Saturday", When{On: "quarter_end+1wd"}, "2023-09-01 00:00", "2023-10-07 08:00"},
		{"quarter end on a holiday: +2wd is a make-up Sunday", When{On: "quarter_end+2wd"}, "2023-09-01 00:00", "2023-10-08 08:00"},
		{"quarter end on a holiday: +3wd", When{On: "quarter_end+3wd"}, "2023-09-01 00:00", "2023-10-09 08:00"},
		// 2024Q3 ends Mon 2024-09-30, a working day; 10-01 to 10-07 are off, Sat 10-12 works.
		{"Q3 before 国庆: +3wd", When{On: "quarter_end+3wd"}, "2024-09-15 00:00", "2024-10-10 08:00"},
		{"Q3 before 国庆: +5wd is the make-up Saturday", When{On: "quarter_end+5wd"}, "2024-09-15 00:00", "2024-10-12 08:00"},
		{"inside the window after the quarter end", When{On: "quarter_end+3wd"}, "2024-10-05 00:00", "2024-10-10 08:00"},
		{"a minute before", When{On: "quarter_end+3wd"}, "2024-10-10 07:59", "2024-10-10 08:00"},
		// 2024-12-31 Tue; 2025-01-01 元旦 off: Thu 01-02, Fri 01-03, Mon 01-06.
		{"at the fire time: the next quarter's", When{On: "quarter_end+3wd"}, "2024-10-10 08:00", "2025-01-06 08:00"},
		// 2024Q1 ends Sun 2024-03-31; 04-04 to 04-06 清明 off, Sun 04-07 works.
		{"quarter end on a weekend: +1wd", When{On: "quarter_end+1wd"}, "2024-03-01 00:00", "2024-04-01 08:00"},
		{"quarter end on a weekend: +4wd is a make-up Sunday", When{On: "quarter_end+4wd", At: "17:30"}, "2024-03-01 00:00", "2024-04-07 17:30"},
		// January 2025 ends Fri 01-31, in the 春节 holiday (01-28 to 02-04).
		{"month end in 春节", When{On: "month_end+1wd"}, "2025-01-15 00:00", "2025-02-05 08:00"},
		{"month end, the next month", When{On: "month_end+1wd", At: "09:15"}, "2025-02-05 09:15", "2025-03-03 09:15"},
		// 2018-12-31 and 2019-01-01 are off.
		{"year end on a holiday", When{On: "year_end+1wd"}, "2018-06-01 00:00", "2019-01-02 08:00"},
		// 2026-01-01 to 01-03 off, Sun 01-04 works.
		{"year end: +1wd is a make-up Sunday", When{On: "year_end+1wd"}, "2025-12-31 12:00", "2026-01-04 08:00"},

		{"daily: every day without workdays_only", When{Cron: "0 9 * * *"}, "2024-09-30 10:00", "2024-10-01 09:00"},
		{"daily on working days: skips 国庆", When{Cron: "0 9 * * *", WorkdaysOnly: true}, "2024-09-30 10:00", "2024-10-08 09:00"},
		{"daily on working days: fires on the make-up Saturday", When{Cron: "0 9 * * *", WorkdaysOnly: true}, "2024-10-11 10:00", "2024-10-12 09:00"},
		{"daily on working days: skips the Sunday after", When{Cron: "0 9 * * *", WorkdaysOnly: true}, "2024-10-12 10:00", "2024-10-14 09:00"},
		{"Saturdays on working days: only the make-up one", When{Cron: "0 9 * * 6", WorkdaysOnly: true}, "2024-09-15 00:00", "2024-10-12 09:00"},
		{"Mondays on working days: skips 中秋 Monday", When{Cron: "0 9 * * 1", WorkdaysOnly: true}, "2024-09-10 00:00", "2024-09-23 09:00"},
		{"every half hour on working days", When{Cron: "*/30 * * * *", WorkdaysOnly: true}, "2024-09-30 23:50", "2024-10-08 00:00"},
		{"a descriptor on working days", When{Cron: "@daily", WorkdaysOnly: true}, "2023-09-28 12:00", "2023-10-07 00:00"},
	} {
		sched, err := tt.when.Schedule(days, loc)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		got := sched.Next(at(t, loc, tt.after))
		if want := at(t, loc, tt.want); !got.Equal(want) {
			t.Errorf("%s: %s after %s = %s, want %s", tt.name, tt.when, tt.after, got.In(loc).Format("2006-01-02 15:04 Mon"), want.Format("2006-01-02 15:04 Mon"))
		}
	}
}

// TestNextOtherZone: a time given in another zone gets the same instant back in that zone.
func TestNextOtherZone(t *testing.T) {
	loc := shanghai(t)
	sched, err := When{On: "quarter_end+3wd"}.Schedule(NewWorkdays(calendar.Official(), nil), loc)
	if err != nil {
		t.Fatal(err)
	}
	got := sched.Next(time.Date(2024, 10, 9, 23, 59, 0, 0, time.UTC)) // 10-10 07:59 in Shanghai
	if want := time.Date(2024, 10, 10, 0, 0, 0, 0, time.UTC); !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("Next = %s, want %s", got, want)
	}
}

// warnings records the years of the logged warnings.
type warnings struct {
	mu    sync.Mutex
	years []int64
}

func (w *warnings) Enabled(context.Context, slog.Level) bool { return true }
func (w *warnings) WithAttrs([]slog.Attr) slog.Handler       { return w }
func (w *warnings) WithGroup(string) slog.Handler            { return w }
func (w *warnings) Handle(_ context.Context, r slog.Record) error {
	if r.Level != slog.LevelWarn {
		return nil
	}
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "year" {
			w.mu.Lock()
			w.years = append(w.years, a.Value.Int64())
			w.mu.Unlock()
		}
		return true
	})
	return nil
}

// TestBeyondCalendar: in a year the calendar does not cover, Monday–Friday are working
// days, and a warning names the year once.
func TestBeyondCalendar(t *testing.T) {
	loc := shanghai(t)
	// The official 2024 schedule alone: 2025 is beyond it (its 元旦 and 春节 unknown).
	var csv strings.Builder
	csv.WriteString("date,name,kind\n")
	for _, e := range calendar.Official().Entries() {
		if e.Date.Year() == 2024 {
			fmt.Fprintf(&csv, "%s,%s,%s\n", e.Date.Format("2006-01-02"), e.Name, e.Kind)
		}
	}
	cal, err := calendar.Parse(strings.NewReader(csv.String()))
	if err != nil {
		t.Fatal(err)
	}
	if first, last := cal.Years(); first != 2024 || last != 2024 {
		t.Fatalf("test calendar covers %d–%d, want 2024 only", first, last)
	}
	logged := &warnings{}
	days := NewWorkdays(cal, slog.New(logged))
	for _, tt := range []struct {
		name        string
		when        When
		after, want string
	}{
		// 2024-12-31 Tue; 2025-01-01 (元旦, unknown here) counts as a Wednesday.
		{"quarter end into an uncovered year", When{On: "quarter_end+3wd"}, "2024-12-01 00:00", "2025-01-03 08:00"},
		// Fri 2025-01-31 is 春节 in the official 2025 schedule, unknown here.
		{"weekend skipped, holiday unknown", When{Cron: "0 9 * * *", WorkdaysOnly: true}, "2025-01-31 10:00", "2025-02-03 09:00"},
		{"within the covered year as before", When{Cron: "0 9 * * *", WorkdaysOnly: true}, "2024-09-30 10:00", "2024-10-08 09:00"},
	} {
		sched, err := tt.when.Schedule(days, loc)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		got := sched.Next(at(t, loc, tt.after))
		if want := at(t, loc, tt.want); !got.Equal(want) {
			t.Errorf("%s: %s after %s = %s, want %s", tt.name, tt.when, tt.after, got.In(loc).Format("2006-01-02 15:04 Mon"), want.Format("2006-01-02 15:04 Mon"))
		}
	}
	if fmt.Sprint(logged.years) != "[2025]" {
		t.Errorf("warnings named years %v, want 2025 once", logged.years)
	}
	// The warning is per year: the next uncovered year is named too.
	days.IsWorkday(at(t, loc, "2026-03-02 00:00"))
	if fmt.Sprint(logged.years) != "[2025 2026]" {
		t.Errorf("warnings named years %v, want 2025 and 2026 once each", logged.years)
	}

	// Saturdays on working days never fire where no make-up Saturday is known: Next gives
	// up after five years, as cron's own schedules do.
	saturdays, err := When{Cron: "0 9 * * 6", WorkdaysOnly: true}.Schedule(days, loc)
	if err != nil {
		t.Fatal(err)
	}
	if got := saturdays.Next(at(t, loc, "2025-01-01 00:00")); !got.IsZero() {
		t.Errorf("Saturdays on working days beyond the calendar fire at %s, want never", got)
	}

	// The official calendar: the first year after it falls back the same way.
	official := NewWorkdays(calendar.Official(), nil)
	_, last := calendar.Official().Years()
	firstMonday := time.Date(last+1, 1, 1, 0, 0, 0, 0, loc)
	for firstMonday.Weekday() != time.Monday {
		firstMonday = firstMonday.AddDate(0, 0, 1)
	}
	if !official.IsWorkday(firstMonday) || official.IsWorkday(firstMonday.AddDate(0, 0, -2)) {
		t.Errorf("%d: Monday %s not a working day or the Saturday before one", last+1, firstMonday.Format("2006-01-02"))
	}
}

func TestCheckWhen(t *testing.T) {
	for _, tt := range []struct {
		name string
		when When
		want string // "" = accepted
	}{
		{"cron", When{Cron: "0 2 * * *"}, ""},
		{"cron on working days", When{Cron: "0 2 * * *", WorkdaysOnly: true}, ""},
		{"quarter", When{On: "quarter_end+3wd"}, ""},
		{"month at", When{On: "month_end+30wd", At: "17:30"}, ""},
		{"year, working days implied", When{On: "year_end+1wd", WorkdaysOnly: true}, ""},
		{"neither", When{}, "no cron spec and no on"},
		{"both", When{Cron: "0 2 * * *", On: "quarter_end+3wd"}, "both a cron spec and on"},
		{"at with cron", When{Cron: "0 2 * * *", At: "08:00"}, "at goes with on"},
		{"bad cron", When{Cron: "61 2 * * *", WorkdaysOnly: true}, "minute 61 out of range"},
		{"days", When{On: "quarter_end+3d"}, `"quarter_end+3d" is not quarter_end+Nwd`},
		{"week", When{On: "week_end+1wd"}, "is not quarter_end+Nwd"},
		{"minus", When{On: "quarter_end-1wd"}, "is not quarter_end+Nwd"},
		{"zero", When{On: "quarter_end+0wd"}, "N must be 1–30"},
		{"too many", When{On: "month_end+31wd"}, "N must be 1–30"},
		{"hour", When{On: "quarter_end+3wd", At: "24:00"}, `"24:00" is not a time of day HH:MM`},
		{"seconds", When{On: "quarter_end+3wd", At: "08:00:00"}, "is not a time of day"},
	} {
		err := tt.when.Check()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: Check(%+v) = %v, want accepted", tt.name, tt.when, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: Check(%+v) = %v, want an error containing %q", tt.name, tt.when, err, tt.want)
		}
		s := newTest(t)
		if aerr := s.Add(Job{Name: tt.name, When: tt.when, Run: func(context.Context) error { return nil }}); (aerr == nil) != (tt.want == "") {
			t.Errorf("%s: Add(%+v) = %v, Check %v", tt.name, tt.when, aerr, err)
		}
	}
}

// TestCatchUpWorkingDays: a due time missed while no scheduler ran is caught up at Start,
// once: a second Start after the catch-up succeeded runs nothing.
func TestCatchUpWorkingDays(t *testing.T) {
	for _, tt := range []struct {
		name    string
		when    When
		lastOK  string // "" = never ran
		now     string
		catchUp bool
	}{
		// Q2 2024 was due Wed 07-03 (06-30 a Sunday); Q3 due Thu 10-10 was missed.
		{"quarterly report missed", When{On: "quarter_end+3wd"}, "2024-07-03 08:00", "2024-10-15 12:00", true},
		{"quarterly report not yet due", When{On: "quarter_end+3wd"}, "2024-07-03 08:00", "2024-10-09 12:00", false},
		{"quarterly report done", When{On: "quarter_end+3wd"}, "2024-10-10 08:00", "2024-10-15 12:00", false},
		{"never ran", When{On: "quarter_end+3wd"}, "", "2024-10-15 12:00", false},
		// Mon 09-30 09:00 ran; the 国庆 week has no working day, so nothing was missed by 10-07.
		{"working days: the holiday missed nothing", When{Cron: "0 9 * * *", WorkdaysOnly: true}, "2024-09-30 09:00", "2024-10-07 23:00", false},
		{"working days: the first day back missed", When{Cron: "0 9 * * *", WorkdaysOnly: true}, "2024-09-30 09:00", "2024-10-08 10:00", true},
		{"every day: the holiday missed", When{Cron: "0 9 * * *"}, "2024-09-30 09:00", "2024-10-07 23:00", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db, err := store.Open(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			loc := shanghai(t)
			now := at(t, loc, tt.now)
			if _, err := db.Exec(`create table schedule_runs (job varchar not null, started_at timestamp not null,
				finished_at timestamp not null, outcome varchar not null, error varchar)`); err != nil {
				t.Fatal(err)
			}
			if tt.lastOK != "" {
				if _, err := db.Exec(`insert into schedule_runs values ('report', ?, ?, 'ok', null)`, tt.lastOK+":00", tt.lastOK+":30"); err != nil {
					t.Fatal(err)
				}
			}
			var runs atomic.Int32
			for start := 1; start <= 2; start++ {
				s, err := New(ctx, Options{DB: db, Now: func() time.Time { return now }})
				if err != nil {
					t.Fatal(err)
				}
				if err := s.Add(Job{Name: "report", When: tt.when, Run: func(context.Context) error { runs.Add(1); return nil }}); err != nil {
					t.Fatal(err)
				}
				if err := s.Start(ctx); err != nil {
					t.Fatal(err)
				}
				if err := s.Stop(ctx); err != nil { // waits for the catch-up run
					t.Fatal(err)
				}
				want := int32(0)
				if tt.catchUp {
					want = 1
				}
				if got := runs.Load(); got != want {
					t.Errorf("after start %d: %d runs, want %d", start, got, want)
				}
			}
		})
	}
}
