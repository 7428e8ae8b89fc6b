package schedules

import (
	"context"
	"errors"
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
	s := newTest(t)
	if err := s.Add(Job{Name: "bad", Spec: "every tuesday", Run: func(context.Context) error { return nil }}); err == nil {
		t.Error("a bad cron expression was accepted")
	}
}

func TestCatchUp(t *testing.T) {
	s := newTest(t)
	now := time.Date(2024, 7, 3, 12, 0, 0, 0, s.opts.Location)
	s.opts.Now = func() time.Time { return now }
	// The last successful run was two days ago; a daily 02:00 job has missed a run.
	if _, err := s.opts.DB.Exec(`insert into schedule_runs values ('nightly', '2024-07-01 02:00:00', '2024-07-01 02:05:00', 'ok', null)`); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	if err := s.Add(Job{Name: "nightly", Spec: "0 2 * * *", Run: func(context.Context) error { close(done); return nil }}); err != nil {
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
