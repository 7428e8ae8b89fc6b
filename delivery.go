package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/minqing/minqing/config"
	"github.com/minqing/minqing/deliver"
	"github.com/minqing/minqing/internal/cnfmt"
	"github.com/minqing/minqing/schedules"
	"github.com/minqing/minqing/transform"
)

// deliverMode says whether a run delivers its outputs.
type deliverMode int

const (
	deliverNone      deliverMode = iota
	deliverNow                   // `run --deliver`: deliver whatever was written
	deliverScheduled             // a scheduled run: deliver, but not again what already went out
)

// runRecorded is one run of the pipeline (ingest, transform, workbook and document,
// dashboard) recorded in the run history as run, then delivered as mode says. A
// delivery that fails after its retries fails the run, so that the next scheduled run
// (or the catch-up at start) tries again; what was delivered stays delivered.
func (p *pipeline) runRecorded(ctx context.Context, hist *schedules.History, run *schedules.Run, periodID, out string, mode deliverMode) (workbook, page string, err error) {
	return p.runRecordedThen(ctx, hist, run, periodID, out, mode, nil)
}

// runRecordedThen is runRecorded calling afterLoad (when not nil) once the store and the
// outputs are written, before anything is delivered: the server drops its cached pages
// there, so that its dashboard shows the new figures while e-mails are still going out.
func (p *pipeline) runRecordedThen(ctx context.Context, hist *schedules.History, run *schedules.Run, periodID, out string, mode deliverMode, afterLoad func(context.Context, error)) (workbook, page string, err error) {
	workbook, page, err = p.runOnce(ctx, periodID, out)
	for _, f := range []string{workbook, documentPath(workbook), page} {
		if f != "" && fileExists(f) {
			run.AddOutput(f)
		}
	}
	if afterLoad != nil {
		afterLoad(ctx, err)
	}
	if err != nil || mode == deliverNone || !p.cfg.Deliver.Configured() {
		return workbook, page, err
	}
	return workbook, page, p.deliverOutputs(ctx, hist, run, periodID, workbook, mode)
}

// deliverOutputs sends a run's workbook and document by every channel of the config's
// deliver section and records each delivery in the run history.
func (p *pipeline) deliverOutputs(ctx context.Context, hist *schedules.History, run *schedules.Run, periodID, workbook string, mode deliverMode) error {
	var files []string
	for _, f := range []string{workbook, documentPath(workbook)} {
		if f != "" && fileExists(f) {
			files = append(files, f)
		}
	}
	if len(files) == 0 {
		return errors.New("delivering: the run wrote no workbook or document")
	}
	msg, err := p.deliveryMessage(ctx, periodID, files)
	if err != nil {
		return err
	}
	d, err := deliver.New(p.cfg.Deliver, p.cfg.Dir, deliver.Options{Logger: p.log.With("component", "deliver")})
	if err != nil {
		return fmt.Errorf("delivering: %w", err)
	}
	if mode == deliverScheduled && p.outputsUpToDate {
		// Nothing new since the outputs were written: where they have already gone, they
		// are not sent again by every scheduled run.
		targets := d.Targets()
		skip := map[string]bool{}
		for channel, target := range targets {
			done, err := deliveredBefore(ctx, p, channel, target, workbook)
			skip[channel] = err == nil && done
		}
		if len(skip) == len(targets) && !slices.Contains(slices.Collect(maps.Values(skip)), false) {
			p.log.Info("outputs unchanged and already delivered by every channel", "run", run.ID)
			return nil
		}
		d = d.Skip(skip)
	}
	var failed []string
	for _, res := range d.Deliver(ctx, msg) {
		rec := schedules.Delivery{Channel: res.Channel, Target: res.Target, Attempts: res.Attempts, OK: res.OK,
			Err: res.Err, Started: res.Started, Finished: res.Finished}
		if err := hist.RecordDelivery(ctx, run.ID, rec); err != nil {
			p.log.Error("recording a delivery", "run", run.ID, "channel", res.Channel, "err", err)
		}
		if !res.OK {
			failed = append(failed, fmt.Sprintf("%s to %s failed after %d attempts: %s", res.Channel, res.Target, res.Attempts, res.Err))
		} else {
			p.log.Info("delivered", "run", run.ID, "channel", res.Channel, "target", res.Target, "attempts", res.Attempts)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("delivering: %s", strings.Join(failed, "; "))
	}
	return nil
}

// deliveredBefore reports whether channel, as the config now sets it up, has had
// workbook delivered by an earlier run: a channel pointed somewhere new (another mail
// server or recipients, robot or folder) has not.
func deliveredBefore(ctx context.Context, p *pipeline, channel, target, workbook string) (bool, error) {
	var n int
	err := p.db.QueryRowContext(ctx, `select count(*) from run_deliveries d join schedule_runs r on r.run_id = d.run_id
		where d.channel = ? and d.target = ? and d.ok and list_contains(r.outputs, ?)`, channel, target, workbook).Scan(&n)
	return n > 0, err
}

// deliveryMessage is what goes out with a run's outputs: the district's headline
// figures for the period and the early-warning counts as at today, in the e-mail's body
// and the group robot's message.
func (p *pipeline) deliveryMessage(ctx context.Context, periodID string, files []string) (deliver.Message, error) {
	r, per, figs, err := p.figures(ctx, periodID)
	if err != nil {
		return deliver.Message{}, err
	}
	district := figs[0]
	through, err := r.DataThrough(ctx)
	if err != nil {
		return deliver.Message{}, err
	}
	title := fmt.Sprintf("%s%s民情工作统计报表", district.Unit.Name, per.Label())
	var b, robot strings.Builder
	headline := headlineText(district)
	fmt.Fprintf(&b, "%s\n\n%s\n数据截至%s。\n", title, headline, cnfmt.Date(through))
	fmt.Fprintf(&robot, "### %s\n%s\n> 数据截至%s\n", title, headline, cnfmt.Date(through))
	warn := p.warningSummary(ctx, r, district.Unit.Code)
	fmt.Fprintf(&b, "\n%s\n", strings.Join(warn, "\n"))
	fmt.Fprintf(&robot, "\n%s\n", strings.Join(warn, "\n\n"))
	b.WriteString("\n附件：\n")
	for _, f := range files {
		fmt.Fprintf(&b, "  %s\n", filepath.Base(f))
	}
	fmt.Fprintf(&b, "\n（由 minqing %s 生成并发送）\n", version)
	return deliver.Message{Subject: title, Body: b.String(), Robot: robot.String(), Attachments: files}, nil
}

// headlineText states the district's headline figures in a sentence.
func headlineText(f transform.UnitFigures) string {
	var parts []string
	for _, id := range []string{"received", "closed", "on_time_rate", "due_on_time_rate", "overdue_open", "satisfaction_rate"} {
		def, _ := transform.FigureDefByID(id)
		v := f.Values[id]
		if v == nil {
			parts = append(parts, def.Name+"—")
			continue
		}
		switch def.Kind {
		case transform.KindCount:
			parts = append(parts, fmt.Sprintf("%s%s件", def.Name, cnfmt.Count(int64(math.Round(*v)))))
		case transform.KindRate:
			parts = append(parts, fmt.Sprintf("%s%.1f%%", def.Name, *v*100))
		default:
			parts = append(parts, fmt.Sprintf("%s%.1f", def.Name, *v))
		}
	}
	return strings.Join(parts, "，") + "。"
}

// warningSummary states the early-warning counts as at today, a line for the district
// and one for each township with any; a calendar that does not cover today is said, not
// guessed around.
func (p *pipeline) warningSummary(ctx context.Context, r *transform.Reader, district string) []string {
	today := p.now().In(transform.Shanghai)
	asOf := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, transform.Shanghai)
	counts, err := r.WarningCounts(ctx, district, asOf, p.cfg.Rules.WarnDays)
	if err != nil {
		p.log.Warn("counting the early warnings for a delivery", "err", err)
		return []string{fmt.Sprintf("预警（截至%s）：未能计算（%s）。", cnfmt.Date(asOf), warnErrText(err))}
	}
	lines := []string{}
	for i, c := range counts {
		if i == 0 {
			lines = append(lines, fmt.Sprintf("预警（截至%s，临期为%d个工作日内到期）：超期未办结%d件，临期%d件。",
				cnfmt.Date(asOf), p.cfg.Rules.WarnDays, c.Overdue, c.DueSoon))
			continue
		}
		if c.Overdue+c.DueSoon > 0 {
			lines = append(lines, fmt.Sprintf("- %s：超期%d件，临期%d件", c.UnitName, c.Overdue, c.DueSoon))
		}
	}
	return lines
}

func warnErrText(err error) string {
	if errors.Is(err, transform.ErrAsOfNotCovered) {
		return "工作日历未覆盖该日"
	}
	return "读取失败，见日志"
}

// runManual runs a command started by hand (run, supervise) as a run of the history, so
// `minqing runs` lists it beside the scheduled ones with what it wrote and sent.
func (p *pipeline) runManual(ctx context.Context, job string, f func(context.Context, *schedules.History, *schedules.Run) (string, string, error)) (string, string, error) {
	hist, err := schedules.NewHistory(ctx, p.db, transform.Shanghai)
	if err != nil {
		return "", "", err
	}
	run := schedules.NewRun(job, schedules.TriggerManual, p.now())
	a, b, runErr := f(schedules.WithRun(ctx, run), hist, run)
	outcome := schedules.OutcomeOK
	if runErr != nil {
		outcome = schedules.OutcomeFailed
	}
	if err := hist.Finish(context.WithoutCancel(ctx), run, p.now(), outcome, runErr); err != nil {
		p.log.Error("recording the run", "job", job, "err", err)
	}
	return a, b, runErr
}

// scheduledJob is the job of one schedule entry: a recorded run of the pipeline for its
// period that delivers once it has succeeded (when the config has a deliver: section).
// afterLoad, when not nil, runs once the outputs are written (runRecordedThen).
func (p *pipeline) scheduledJob(e config.Schedule, hist *schedules.History, afterLoad func(context.Context, error)) schedules.Job {
	per := e.Period
	if per == "last-quarter" {
		per = ""
	}
	return schedules.Job{Name: e.Name, When: e.When(), Run: func(ctx context.Context) error {
		run := schedules.RunFrom(ctx)
		if run == nil { // run outside a scheduler: recorded as a run of its own
			_, _, err := p.runManual(ctx, e.Name, func(ctx context.Context, h *schedules.History, r *schedules.Run) (string, string, error) {
				return p.runRecordedThen(ctx, h, r, per, "", deliverScheduled, afterLoad)
			})
			return err
		}
		_, _, err := p.runRecordedThen(ctx, hist, run, per, "", deliverScheduled, afterLoad)
		return err
	}}
}
