package schedules

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"time"
)

// The run history: every run of the pipeline, scheduled or started by hand, with what it
// wrote and where that went, so that `minqing runs` can answer "did last night's report
// go out?" without anyone reading logs. It holds no secret: delivery targets and errors
// arrive here already redacted (package deliver).

// Triggers of a run.
const (
	TriggerSchedule = "schedule" // fired by its schedule
	TriggerCatchUp  = "catch-up" // a run missed while no scheduler was running, made up at start
	TriggerManual   = "manual"   // a command run by hand (minqing run, supervise)
)

// historySchema creates the run history, and adds to a store made before runs had ids
// the columns they lack (their old rows keep nulls there).
var historySchema = []string{
	`create table if not exists schedule_runs (
		job varchar not null, started_at timestamp not null, finished_at timestamp not null,
		outcome varchar not null, error varchar)`,
	`alter table schedule_runs add column if not exists run_id varchar`,
	`alter table schedule_runs add column if not exists trigger varchar`,
	`alter table schedule_runs add column if not exists outputs varchar[]`,
	`create table if not exists run_deliveries (
		run_id varchar not null, channel varchar not null, target varchar not null,
		attempts integer not null, ok boolean not null, error varchar,
		started_at timestamp not null, finished_at timestamp not null)`,
}

// Run is one run of a job while it runs: its id, and the outputs it has written so far.
type Run struct {
	ID      string
	Job     string
	Trigger string
	Started time.Time

	mu      sync.Mutex
	outputs []string
}

// NewRun starts the record of a run of job.
func NewRun(job, trigger string, started time.Time) *Run {
	var b [8]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	return &Run{ID: hex.EncodeToString(b[:]), Job: job, Trigger: trigger, Started: started}
}

// AddOutput notes a file the run wrote.
func (r *Run) AddOutput(path string) {
	if r == nil || path == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.outputs = append(r.outputs, path)
}

// Outputs returns the files the run wrote, in the order it wrote them.
func (r *Run) Outputs() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.outputs...)
}

type runKey struct{}

// WithRun returns ctx carrying r, for the job to note its outputs in.
func WithRun(ctx context.Context, r *Run) context.Context { return context.WithValue(ctx, runKey{}, r) }

// RunFrom returns the run ctx carries, or nil.
func RunFrom(ctx context.Context) *Run {
	r, _ := ctx.Value(runKey{}).(*Run)
	return r
}

// Delivery is one delivery of a run's outputs as the history keeps it.
type Delivery struct {
	Channel  string // email, webhook, folder
	Target   string // where, as safe to show (never a secret)
	Attempts int
	OK       bool
	Err      string // the last attempt's error, redacted; empty when OK
	Started  time.Time
	Finished time.Time
}

// History reads and writes the run history of a store.
type History struct {
	db  *sql.DB
	loc *time.Location
}

// NewHistory returns the history of db, creating its tables if need be; times are kept
// as local times of loc (Asia/Shanghai).
func NewHistory(ctx context.Context, db *sql.DB, loc *time.Location) (*History, error) {
	for _, s := range historySchema {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return nil, fmt.Errorf("creating the run history: %w", err)
		}
	}
	return &History{db: db, loc: loc}, nil
}

const timeLayout = "2006-01-02 15:04:05"

// Finish records r as ended at finished with outcome (OutcomeOK, OutcomeFailed or
// OutcomeSkipped) and runErr's message.
func (h *History) Finish(ctx context.Context, r *Run, finished time.Time, outcome string, runErr error) error {
	var msg any
	if runErr != nil {
		msg = runErr.Error()
	}
	outs := r.Outputs()
	if outs == nil {
		outs = []string{}
	}
	if _, err := h.db.ExecContext(ctx, `insert into schedule_runs (job, started_at, finished_at, outcome, error, run_id, trigger, outputs)
		values (?, ?, ?, ?, ?, ?, ?, ?::varchar[])`,
		r.Job, r.Started.In(h.loc).Format(timeLayout), finished.In(h.loc).Format(timeLayout), outcome, msg, r.ID, r.Trigger,
		listLiteral(outs)); err != nil {
		return fmt.Errorf("recording run %s of %q: %w", r.ID, r.Job, err)
	}
	return nil
}

// listLiteral writes a DuckDB list literal of strings, for a driver that binds no slices.
func listLiteral(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// RecordDelivery records one delivery of run runID.
func (h *History) RecordDelivery(ctx context.Context, runID string, d Delivery) error {
	var msg any
	if d.Err != "" {
		msg = d.Err
	}
	if _, err := h.db.ExecContext(ctx, `insert into run_deliveries values (?, ?, ?, ?, ?, ?, ?, ?)`,
		runID, d.Channel, d.Target, d.Attempts, d.OK, msg,
		d.Started.In(h.loc).Format(timeLayout), d.Finished.In(h.loc).Format(timeLayout)); err != nil {
		return fmt.Errorf("recording the %s delivery of run %s: %w", d.Channel, runID, err)
	}
	return nil
}

// RunRecord is one ended run as the history holds it.
type RunRecord struct {
	ID         string // empty for runs recorded before runs had ids
	Job        string
	Trigger    string // empty for runs recorded before triggers were kept
	Started    time.Time
	Finished   time.Time
	Outcome    string
	Error      string
	Outputs    []string
	Deliveries []Delivery
}

// List returns the newest limit runs, newest first, with their deliveries.
func (h *History) List(ctx context.Context, limit int) ([]RunRecord, error) {
	rows, err := h.db.QueryContext(ctx, `select coalesce(run_id, ''), job, coalesce(trigger, ''),
			strftime(started_at, '%Y-%m-%d %H:%M:%S'), strftime(finished_at, '%Y-%m-%d %H:%M:%S'),
			outcome, coalesce(error, ''), coalesce(array_to_string(outputs, chr(31)), '')
		from schedule_runs order by started_at desc, finished_at desc limit ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("reading the run history: %w", err)
	}
	var out []RunRecord
	byID := map[string]int{}
	for rows.Next() {
		var r RunRecord
		var started, finished, outputs string
		if err := rows.Scan(&r.ID, &r.Job, &r.Trigger, &started, &finished, &r.Outcome, &r.Error, &outputs); err != nil {
			rows.Close()
			return nil, fmt.Errorf("reading the run history: %w", err)
		}
		r.Started, _ = time.ParseInLocation(timeLayout, started, h.loc)
		r.Finished, _ = time.ParseInLocation(timeLayout, finished, h.loc)
		if outputs != "" {
			r.Outputs = strings.Split(outputs, "\x1f")
		}
		if r.ID != "" {
			byID[r.ID] = len(out)
		}
		out = append(out, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading the run history: %w", err)
	}
	drows, err := h.db.QueryContext(ctx, `select run_id, channel, target, attempts, ok, coalesce(error, ''),
			strftime(started_at, '%Y-%m-%d %H:%M:%S'), strftime(finished_at, '%Y-%m-%d %H:%M:%S')
		from run_deliveries order by started_at, channel`)
	if err != nil {
		return nil, fmt.Errorf("reading the deliveries: %w", err)
	}
	defer drows.Close()
	for drows.Next() {
		var id, started, finished string
		var d Delivery
		if err := drows.Scan(&id, &d.Channel, &d.Target, &d.Attempts, &d.OK, &d.Err, &started, &finished); err != nil {
			return nil, fmt.Errorf("reading the deliveries: %w", err)
		}
		i, ok := byID[id]
		if !ok {
			continue
		}
		d.Started, _ = time.ParseInLocation(timeLayout, started, h.loc)
		d.Finished, _ = time.ParseInLocation(timeLayout, finished, h.loc)
		out[i].Deliveries = append(out[i].Deliveries, d)
	}
	return out, drows.Err()
}
