// Package schedules runs named jobs on cron expressions or working-day rules
// (Asia/Shanghai), never two at once, recovering from panics, and records every run with
// its outcome in the store. It imports no stage (only the working-day calendar): main
// hands it jobs as functions.
package schedules

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/minqing/minqing/transform/calendar"
)

// Job is one scheduled piece of work.
type Job struct {
	Name string
	When When
	Run  func(ctx context.Context) error
}

// parser reads job specs: standard five-field cron expressions (minute hour day-of-month
// month day-of-week), optionally led by CRON_TZ=Zone, and descriptors (@daily, @every 1h).
// The config's validation (CheckSpec) and the Scheduler use this one parser, so a spec
// the config accepts is one the Scheduler runs.
var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// cronFields names the five fields of a standard spec with their ranges, for errors.
var cronFields = []struct {
	name   string
	lo, hi int
}{{"minute", 0, 59}, {"hour", 0, 23}, {"day of month", 1, 31}, {"month", 1, 12}, {"day of week", 0, 6}}

// CheckSpec returns nil when spec is a schedule the Scheduler accepts and that fires at
// least once, else an error naming the offending fields ("minute 61 out of range 0–59")
// or saying it never fires (30 February).
func CheckSpec(spec string) error {
	sched, err := parser.Parse(spec)
	if err != nil {
		fields := strings.Fields(spec)
		if len(fields) > 0 && (strings.HasPrefix(fields[0], "CRON_TZ=") || strings.HasPrefix(fields[0], "TZ=")) {
			fields = fields[1:]
		}
		if len(fields) != len(cronFields) {
			return err
		}
		// Parse each field alone, the others left at "*", to say which ones are wrong.
		var bad []string
		for i, f := range cronFields {
			one := []string{"*", "*", "*", "*", "*"}
			one[i] = fields[i]
			_, ferr := parser.Parse(strings.Join(one, " "))
			switch {
			case ferr == nil:
			case strings.Contains(ferr.Error(), "above maximum") || strings.Contains(ferr.Error(), "below minimum"):
				bad = append(bad, fmt.Sprintf("%s %s out of range %d–%d", f.name, fields[i], f.lo, f.hi))
			default:
				bad = append(bad, fmt.Sprintf("%s %q: %v", f.name, fields[i], ferr))
			}
		}
		if len(bad) == 0 {
			return err
		}
		return errors.New(strings.Join(bad, "; "))
	}
	// Next gives up (zero) when no time in the next five years matches: a day that never
	// comes, such as 30 February.
	if sched.Next(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)).IsZero() {
		return errors.New("never fires: no date matches its day of month and month")
	}
	return nil
}

// Outcomes recorded for a run.
const (
	OutcomeOK      = "ok"
	OutcomeFailed  = "failed"
	OutcomeSkipped = "skipped" // another run was in progress
)

// Options configure a Scheduler.
type Options struct {
	DB       *sql.DB
	Logger   *slog.Logger
	Location *time.Location   // default Asia/Shanghai
	Now      func() time.Time // default time.Now
}

// Scheduler runs jobs; Start and Stop may each be called once.
type Scheduler struct {
	opts    Options
	history *History
	cron    *cron.Cron
	running sync.Mutex // held while any job runs: never two runs at once
	days    *Workdays
	jobs    []scheduled
	catchUp sync.WaitGroup // catch-up runs started by Start; Stop waits for them
	ctx     context.Context
	cancel  context.CancelFunc
}

// New returns a scheduler and creates its run-history table.
func New(ctx context.Context, opts Options) (*Scheduler, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Location == nil {
		loc, err := time.LoadLocation("Asia/Shanghai")
		if err != nil {
			return nil, fmt.Errorf("loading Asia/Shanghai: %w", err)
		}
		opts.Location = loc
	}
	history, err := NewHistory(ctx, opts.DB, opts.Location)
	if err != nil {
		return nil, err
	}
	logger := cron.VerbosePrintfLogger(slogPrintf{opts.Logger})
	c := cron.New(cron.WithLocation(opts.Location), cron.WithParser(parser),
		// Panics are not recovered by default (robfig/cron#380).
		cron.WithChain(cron.Recover(logger), cron.SkipIfStillRunning(logger)))
	s := &Scheduler{opts: opts, cron: c, history: history, days: NewWorkdays(calendar.Official(), opts.Logger)}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s, nil
}

type slogPrintf struct{ l *slog.Logger }

func (p slogPrintf) Printf(format string, args ...any) {
	p.l.Info("cron", "msg", fmt.Sprintf(format, args...))
}

// scheduled is a job with its schedule.
type scheduled struct {
	job   Job
	sched cron.Schedule
}

// Add registers a job; its schedule is checked now (as When.Check does).
func (s *Scheduler) Add(j Job) error {
	sched, err := j.When.Schedule(s.days, s.opts.Location)
	if err != nil {
		return fmt.Errorf("scheduling job %q (%s): %w", j.Name, j.When, err)
	}
	s.cron.Schedule(sched, cron.FuncJob(func() { s.RunNow(s.ctx, j) }))
	s.jobs = append(s.jobs, scheduled{job: j, sched: sched})
	return nil
}

// Start starts the schedule. A job whose scheduled time passed while no scheduler was
// running (its last successful run is older than the due time that followed that run)
// runs once now; once it has succeeded, the next due time is after it, so a second Start
// does not run it again. A job with no successful run in the history is not caught up:
// the history cannot tell whether any due time passed since the job was configured.
func (s *Scheduler) Start(ctx context.Context) error {
	for _, sj := range s.jobs {
		j := sj.job
		var last sql.NullTime
		if err := s.opts.DB.QueryRowContext(ctx, `select max(started_at) from schedule_runs
			where job = ? and outcome = 'ok' and coalesce(trigger, '') <> 'manual'`, j.Name).Scan(&last); err != nil {
			return fmt.Errorf("reading run history of %q: %w", j.Name, err)
		}
		if last.Valid {
			lastLocal := time.Date(last.Time.Year(), last.Time.Month(), last.Time.Day(), last.Time.Hour(), last.Time.Minute(), last.Time.Second(), 0, s.opts.Location)
			if due := sj.sched.Next(lastLocal); !due.IsZero() && due.Before(s.opts.Now()) {
				s.opts.Logger.Info("catching up a missed run", "job", j.Name, "due", due)
				s.catchUp.Add(1)
				go func() {
					defer s.catchUp.Done()
					s.runAs(s.ctx, j, TriggerCatchUp)
				}()
			}
		}
	}
	s.cron.Start()
	return nil
}

// Stop stops scheduling and waits for running jobs (catch-up runs included) to finish or
// ctx to end.
func (s *Scheduler) Stop(ctx context.Context) error {
	cronDone := s.cron.Stop()
	done := make(chan struct{})
	go func() {
		<-cronDone.Done()
		s.catchUp.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		s.cancel()
		return ctx.Err()
	}
	s.cancel()
	return nil
}

// RunNow runs a job at once unless another run is in progress (then it is recorded as
// skipped), and records the outcome. It returns the job's error.
func (s *Scheduler) RunNow(ctx context.Context, j Job) error {
	return s.runAs(ctx, j, TriggerSchedule)
}

// runAs runs j as RunNow does, recording trigger as what started it. The job finds its
// Run in its context (RunFrom) to note the outputs it writes.
func (s *Scheduler) runAs(ctx context.Context, j Job, trigger string) error {
	run := NewRun(j.Name, trigger, s.opts.Now())
	if !s.running.TryLock() {
		s.opts.Logger.Warn("run skipped: another run is in progress", "job", j.Name)
		s.record(run, OutcomeSkipped, nil)
		return nil
	}
	defer s.running.Unlock()
	s.opts.Logger.Info("run started", "job", j.Name, "run", run.ID, "trigger", trigger)
	err := func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("job %q panicked: %v", j.Name, r)
			}
		}()
		return j.Run(WithRun(ctx, run))
	}()
	outcome := OutcomeOK
	if err != nil {
		outcome = OutcomeFailed
		s.opts.Logger.Error("run failed", "job", j.Name, "run", run.ID, "err", err)
	} else {
		s.opts.Logger.Info("run finished", "job", j.Name, "run", run.ID, "duration", s.opts.Now().Sub(run.Started).Round(time.Millisecond))
	}
	s.record(run, outcome, err)
	return err
}

// History returns the scheduler's run history, for a job to record its deliveries in.
func (s *Scheduler) History() *History { return s.history }

func (s *Scheduler) record(run *Run, outcome string, runErr error) {
	if err := s.history.Finish(context.WithoutCancel(s.ctx), run, s.opts.Now(), outcome, runErr); err != nil {
		s.opts.Logger.Error("recording run", "job", run.Job, "err", err)
	}
}
