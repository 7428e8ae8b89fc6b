package schedules

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minqing/minqing/store"
)

func newTest(t *testing.T) *Scheduler {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s, err := New(ctx, Options{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func outcomes(t *testing.T, s *Scheduler) map[string]int {
	t.Helper()
	rows, err := s.opts.DB.Query(`select outcome, count(*) from schedule_runs group by outcome`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]int{}
	for rows.Next() {
		var o string
		var n int
		rows.Scan(&o, &n)
		got[o] = n
	}
	return got
}

func TestRunsAreRecorded(t *testing.T) {
	s := newTest(t)
	ctx := context.Background()
	s.RunNow(ctx, Job{Name: "ok", Run: func(context.Context) error { return nil }})
	if err := s.RunNow(ctx, Job{Name: "fails", Run: func(context.Context) error { return errors.New("boom") }}); err == nil {
		t.Error("a failing job returned no error")
	}
	if err := s.RunNow(ctx, Job{Name: "panics", Run: func(context.Context) error { panic("kaput") }}); err == nil {
		t.Error("a panicking job returned no error")
	}
	got := outcomes(t, s)
	if got[OutcomeOK] != 1 || got[OutcomeFailed] != 2 {
		t.Errorf("outcomes = %v, want 1 ok and 2 failed", got)
	}
}

func TestNeverTwoAtOnce(t *testing.T) {
	s := newTest(t)
	ctx := context.Background()
	started, release := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.RunNow(ctx, Job{Name: "long", Run: func(context.Context) error { close(started); <-release; return nil }})
	}()
	<-started
	ran := false
	s.RunNow(ctx, Job{Name: "second", Run: func(context.Context) error { ran = true; return nil }})
	close(release)
	wg.Wait()
	if ran {
		t.Error("a second job ran while the first was running")
	}
	if got := outcomes(t, s); got[OutcomeSkipped] != 1 || got[OutcomeOK] != 1 {
		t.Errorf("outcomes = %v, want 1 ok and 1 skipped", got)
	}
}

func TestBadSpec(t *testing.T) {
	for _, tt := range []struct {
		name, spec string
		want       string // "" = accepted
	}{
		{"daily", "0 2 * * *", ""},
		{"descriptor", "@daily", ""},
		{"every", "@every 90m", ""},
		{"time zone", "CRON_TZ=Asia/Shanghai 30 1 * * 1-5", ""},
		{"leap day", "0 0 29 2 *", ""},
		{"words", "every tuesday", "expected exactly 5 fields"},
		{"minute and hour", "61 25 * * *", "minute 61 out of range 0–59; hour 25 out of range 0–23"},
		{"day of week", "0 2 * * 8", "day of week 8 out of range 0–6"},
		{"month name", "0 2 1 Smarch *", `month "Smarch": failed to parse int from Smarch`},
		{"range", "0 20-25 * * *", "hour 20-25 out of range 0–23"},
		{"day 0", "0 2 0 * *", "day of month 0 out of range 1–31"},
		{"step", "*/0 * * * *", `minute "*/0": step of range should be a positive number`},
		{"six fields", "0 0 2 * * *", "expected exactly 5 fields, found 6"},
		{"never", "0 0 30 2 *", "never fires"},
		{"bad zone", "CRON_TZ=Mars/Olympus 0 2 * * *", "provided bad location"},
	} {
		err := CheckSpec(tt.spec)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: CheckSpec(%q) = %v, want accepted", tt.name, tt.spec, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: CheckSpec(%q) = %v, want an error containing %q", tt.name, tt.spec, err, tt.want)
		}
		// The scheduler accepts exactly what CheckSpec accepts.
		s := newTest(t)
		if aerr := s.Add(Job{Name: tt.name, When: When{Cron: tt.spec}, Run: func(context.Context) error { return nil }}); (aerr == nil) != (tt.want == "") {
			t.Errorf("%s: Add(%q) = %v, CheckSpec %v", tt.name, tt.spec, aerr, err)
		}
	}
}

func TestCatchUp(t *testing.T) {
	s := newTest(t)
	now := time.Date(2024, 7, 3, 12, 0, 0, 0, s.opts.Location)
	s.opts.Now = func() time.Time { return now }
	// The last successful run was two days ago; a daily 02:00 job has missed a run.
	if _, err := s.opts.DB.Exec(`insert into schedule_runs (job, started_at, finished_at, outcome, error) values ('nightly', '2024-07-01 02:00:00', '2024-07-01 02:05:00', 'ok', null)`); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	if err := s.Add(Job{Name: "nightly", When: When{Cron: "0 2 * * *"}, Run: func(context.Context) error { close(done); return nil }}); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer s.Stop(context.Background())
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the missed run did not run at start")
	}
}
