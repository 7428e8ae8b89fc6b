package schedules

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

func TestHistoryRecordsOutputsAndDeliveries(t *testing.T) {
	s := newTest(t)
	ctx := context.Background()
	clock := time.Date(2025, 1, 6, 8, 0, 0, 0, s.opts.Location)
	s.opts.Now = func() time.Time { clock = clock.Add(time.Second); return clock }
	var id string
	job := Job{Name: "quarterly", When: When{Cron: "@daily"}, Run: func(ctx context.Context) error {
		r := RunFrom(ctx)
		if r == nil {
			return errors.New("the job's context carries no run")
		}
		id = r.ID
		r.AddOutput("out/report.xlsx")
		r.AddOutput("out/report.docx")
		return s.History().RecordDelivery(ctx, r.ID, Delivery{Channel: "email", Target: "smtp.example.gov.cn:465 → 1 recipient",
			Attempts: 2, OK: true, Started: clock, Finished: clock.Add(3 * time.Second)})
	}}
	if err := s.RunNow(ctx, job); err != nil {
		t.Fatal(err)
	}
	failing := Job{Name: "quarterly", When: When{Cron: "@daily"}, Run: func(context.Context) error { return errors.New("no figures") }}
	if err := s.RunNow(ctx, failing); err == nil {
		t.Fatal("the failing job's error was not returned")
	}
	runs, err := s.History().List(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 {
		t.Fatalf("got %d runs, want 2: %+v", len(runs), runs)
	}
	failed, ok := runs[0], runs[1]
	if failed.Outcome != OutcomeFailed || failed.Error != "no figures" || len(failed.Outputs) != 0 || len(failed.Deliveries) != 0 {
		t.Errorf("newest run = %+v, want the failed one with its error and nothing written", failed)
	}
	if ok.ID != id || ok.Outcome != OutcomeOK || ok.Trigger != TriggerSchedule || ok.Job != "quarterly" {
		t.Errorf("older run = %+v, want run %s ok by schedule", ok, id)
	}
	if !slices.Equal(ok.Outputs, []string{"out/report.xlsx", "out/report.docx"}) {
		t.Errorf("outputs = %q", ok.Outputs)
	}
	if len(ok.Deliveries) != 1 || ok.Deliveries[0].Attempts != 2 || !ok.Deliveries[0].OK || ok.Deliveries[0].Channel != "email" {
		t.Errorf("deliveries = %+v", ok.Deliveries)
	}
	if !ok.Finished.After(ok.Started) {
		t.Errorf("finished %v not after started %v", ok.Finished, ok.Started)
	}
}

// A store made before runs had ids keeps its history: the columns are added and its old
// rows list with no id.
func TestHistoryOfAnOldStore(t *testing.T) {
	s := newTest(t)
	ctx := context.Background()
	db := s.opts.DB
	for _, q := range []string{`drop table schedule_runs`,
		`create table schedule_runs (job varchar not null, started_at timestamp not null, finished_at timestamp not null, outcome varchar not null, error varchar)`,
		`insert into schedule_runs values ('nightly', '2024-07-01 02:00:00', '2024-07-01 02:05:00', 'ok', null)`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	h, err := NewHistory(ctx, db, s.opts.Location)
	if err != nil {
		t.Fatal(err)
	}
	runs, err := h.List(ctx, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].ID != "" || runs[0].Job != "nightly" || runs[0].Outcome != OutcomeOK {
		t.Fatalf("runs = %+v", runs)
	}
	r := NewRun("run", TriggerManual, time.Date(2024, 7, 2, 9, 0, 0, 0, s.opts.Location))
	if err := h.Finish(ctx, r, r.Started.Add(time.Minute), OutcomeOK, nil); err != nil {
		t.Fatal(err)
	}
	if runs, _ = h.List(ctx, 5); len(runs) != 2 || runs[0].ID != r.ID || runs[0].Trigger != TriggerManual {
		t.Fatalf("after a manual run: %+v", runs)
	}
}
