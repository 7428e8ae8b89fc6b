package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/minqing/minqing/config"
	"github.com/minqing/minqing/dashboards"
	"github.com/minqing/minqing/ingest"
	"github.com/minqing/minqing/internal/terms"
	"github.com/minqing/minqing/privacy"
	"github.com/minqing/minqing/reports"
	"github.com/minqing/minqing/store"
	"github.com/minqing/minqing/transform"
)

// errSomeFilesFailed means some export files could not be read while the rest loaded:
// the figures are made from what loaded, and the command still exits non-zero.
var errSomeFilesFailed = errors.New("export files could not be read")

// pipeline holds what every command needs: the config, the open store and a logger.
type pipeline struct {
	cfg     *config.Config
	cfgHash string // config.FiguresHash of the config file
	db      *sql.DB
	log     *slog.Logger
	// progress shows loading on a terminal (nil otherwise: the per-file log lines are
	// the progress); progressDone ends the bar.
	progress     func(done, total, rows int)
	progressDone func()
	// now is the clock (time.Now; tests may set another): it dates recorded report runs.
	now func() time.Time
	// transformed is what the last transform of this pipeline did (full, incremental or
	// unchanged), for the log and the tests.
	transformed transform.Summary
	// outputsUpToDate is set when the last runOnce found its outputs already written
	// from the same data, and left them (a scheduled run then does not deliver them again).
	outputsUpToDate bool
}

func openPipeline(ctx context.Context, cfgPath string, log *slog.Logger) (*pipeline, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		return nil, err
	}
	tmp := ""
	if cfg.TempDir != "" {
		tmp = cfg.Path(cfg.TempDir)
	}
	db, err := store.OpenWith(ctx, cfg.Path(cfg.Store), store.Settings{MemoryLimit: cfg.MemoryLimit, TempDir: tmp})
	if err != nil {
		return nil, err
	}
	if err := ingest.EnsureSchema(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	b, err := os.ReadFile(cfg.File)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("hashing config: %w", err)
	}
	hash, err := config.FiguresHash(b)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &pipeline{cfg: cfg, db: db, log: log, cfgHash: hash, now: time.Now}, nil
}

func (p *pipeline) Close() error { return p.db.Close() }

// ingestAndTransform loads new export files and rebuilds the marts. A file that fails is
// reported and the rest still load; the error then says how many failed.
func (p *pipeline) ingestAndTransform(ctx context.Context) ([]ingest.FileResult, error) {
	// The registers first: an error in one stops the run before any export is read,
	// naming the register's file, row and column.
	if _, _, err := transform.ReadRegisters(p.transformOptions()); err != nil {
		return nil, err
	}
	key, err := privacy.LoadOrCreateKey(p.cfg.Path(p.cfg.HashKeyFile))
	if err != nil {
		return nil, err
	}
	keyer, err := privacy.NewKeyer(key)
	if err != nil {
		return nil, err
	}
	noteStage("loading exports")
	results, err := ingest.Run(ctx, p.db, ingest.Options{
		Sources: p.cfg.Sources, BaseDir: p.cfg.Dir, Keyer: keyer, Logger: p.log.With("component", "ingest"),
		KeepPersonalData: p.cfg.Privacy.KeepPersonalData, Progress: p.progress, ArchiveDir: p.cfg.Path(p.cfg.Archive),
	})
	if p.progressDone != nil {
		p.progressDone()
	}
	if err != nil {
		return results, err
	}
	var failed []error
	loaded, unchanged := 0, 0
	for _, r := range results {
		switch r.Status {
		case ingest.StatusFailed:
			failed = append(failed, r.Err)
		case ingest.StatusLoaded:
			loaded++
		case ingest.StatusUnchanged:
			unchanged++
		}
	}
	p.log.Info("ingest finished", "loaded", loaded, "unchanged", unchanged, "failed", len(failed))
	noteStage("transforming the loaded rows (all models run in one transaction)")
	sum, err := transform.Run(ctx, p.db, p.transformOptions())
	if err != nil {
		return results, err
	}
	p.transformed = sum
	noteStage("writing outputs (the new figures were committed)")
	p.log.Info("transform finished", "mode", sum.Mode, "files_new", sum.FilesNew, "files_gone", sum.FilesGone,
		"cases_touched", sum.CasesTouched, "cases", sum.Cases, "quarantined", sum.Quarantined, "periods", sum.Periods,
		"duration", sum.Duration.Round(1e6))
	if len(failed) > 0 {
		return results, fmt.Errorf("%w: %d of %d (the others were loaded): %w", errSomeFilesFailed, len(failed), len(results), errors.Join(failed...))
	}
	return results, nil
}

// transformOptions are the options every transform under this config runs with.
func (p *pipeline) transformOptions() transform.Options {
	o := transform.Options{
		UnitsFile: p.cfg.Path(p.cfg.Units), CatalogueFile: p.cfg.Path(p.cfg.Catalogue), Rules: p.cfg.Rules,
		UnitsHeaders: p.cfg.UnitsHeaders, CatalogueHeaders: p.cfg.CatalogueHeaders,
		Logger: p.log.With("component", "transform"), ConfigHash: p.cfgHash, LabelOverrides: p.cfg.LabelOverrides(),
		TopicSeparators: p.cfg.TopicSeparators(),
		OnModel:         func(name string) { noteStage("transforming: building model %s", filepath.Base(name)) },
	}
	if p.cfg.Engine.Kind == config.EngineSpark {
		o.Spark = &transform.SparkEngine{Connect: p.cfg.Engine.Connect, Lake: p.cfg.Path(p.cfg.Engine.Lake)}
	}
	return o
}

// latestQuarter is the default period of run, report, dashboard, stats and serve
// (transform.DefaultQuarter): the newest quarter that is over in the data and in which
// cases were received. When no quarter with cases is over yet, it is the newest quarter
// with cases, which is not over, and every output says so (transform.NotOverNote).
func latestQuarter(ctx context.Context, r *transform.Reader) (transform.Period, error) {
	units, err := r.Units(ctx)
	if err != nil {
		return transform.Period{}, err
	}
	var quarters []transform.PeriodFigures
	if len(units) > 0 {
		if quarters, err = r.Series(ctx, units[0].Code, "quarter"); err != nil {
			return transform.Period{}, err
		}
	}
	if len(units) == 0 || len(quarters) == 0 {
		if _, n, err := r.Quarantine(ctx, transform.QuarantineFilter{Limit: 1}); err == nil && n > 0 {
			return transform.Period{}, fmt.Errorf("no rows loaded: all %d data rows read were quarantined; `minqing quarantine` lists each with the field and value that failed (and `minqing check` shows it before loading)", n)
		}
		return transform.Period{}, errors.New("no data yet: run `minqing run` after placing exports where the config's sources point")
	}
	through, err := r.DataThrough(ctx)
	if err != nil {
		return transform.Period{}, err
	}
	if q, ok := transform.DefaultQuarter(quarters, through); ok {
		return q, nil
	}
	return quarters[len(quarters)-1].Period, nil
}

// errNoCases means a period asked for has no case in it at all (outside the data, or a
// month within it in which nothing was received, closed or due): it is refused, with the
// days the data covers, rather than reported as zeros.
var errNoCases = errors.New("has no cases")

// period is the period periodID names ("" or "latest": latestQuarter), refused with
// errNoCases when no case counts in it.
func (p *pipeline) period(ctx context.Context, r *transform.Reader, id string) (transform.Period, error) {
	if id == "" || id == "latest" {
		q, err := latestQuarter(ctx, r)
		if err != nil {
			return q, err
		}
		// No quarter with cases is over yet: say which one is reported, and that it is not.
		if through, err := r.DataThrough(ctx); err == nil && !q.Complete(through) {
			p.log.Warn("no quarter with cases is over in the data: the default period is the newest, not over",
				"period", q.ID, "data_through", through.Format("2006-01-02"))
		}
		return q, nil
	}
	if _, err := transform.ParsePeriod(id); err != nil {
		return transform.Period{}, err
	}
	per, err := r.Period(ctx, id)
	if errors.Is(err, transform.ErrUnknownPeriod) {
		return transform.Period{}, p.noCases(ctx, r, id)
	}
	return per, err
}

// noCases is errNoCases for period id, with the days the data covers.
func (p *pipeline) noCases(ctx context.Context, r *transform.Reader, id string) error {
	c, err := r.Coverage(ctx)
	if err != nil {
		return err
	}
	return fmt.Errorf("%s %w: the data covers %s", id, errNoCases, c)
}

func (p *pipeline) outDir(flag string) string {
	if flag != "" {
		return flag
	}
	return p.cfg.Path(p.cfg.Out)
}

// settings lists the counting rules in force, for the workbook's definitions sheet.
func settings(r transform.Rules) [][2]string {
	keys := make([]string, 0, len(r.ScoreWeights))
	for k := range r.ScoreWeights {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var w []string
	for _, k := range keys {
		w = append(w, k+"="+strconv.FormatFloat(r.ScoreWeights[k], 'g', -1, 64))
	}
	return [][2]string{
		{"部分解决计入解决率的权重", strconv.FormatFloat(r.PartialResolutionWeight, 'g', -1, 64)},
		{"计为满意的评价", strings.Join(r.SatisfiedLabels, "、")},
		{"上报件批复后办结时限（工作日）", strconv.Itoa(r.EscalatedReplyDays)},
		{"综合得分权重", strings.Join(w, ", ")},
		{"即办件办结时限（受理后工作日，0为当日）", strconv.Itoa(r.ImmediateDays)},
		{"建议件办结时限（受理后工作日，0为当日）", strconv.Itoa(r.ReferredDays)},
		{"响应率时限（小时）", strconv.Itoa(r.ResponseHours)},
		{"季末集中办结提示：最后一个工作日办结件数下限", strconv.Itoa(r.QuarterEndMinCases)},
		{"季末集中办结提示：相对本季度日均办结数的倍数", strconv.FormatFloat(r.QuarterEndFactor, 'g', -1, 64)},
		{"导出中断提示：落后于来源最新导出的天数", strconv.Itoa(r.ExportGapDays)},
		{"等待过久提示：等待补正材料或上级批复超过的工作日数", strconv.Itoa(r.LongWaitDays)},
	}
}

// errNothingLoaded means no load has completed on the store: it holds no figures.
var errNothingLoaded = errors.New("nothing is loaded yet")

// nothingLoaded is errNothingLoaded said plainly, with the command that loads the store.
func (p *pipeline) nothingLoaded() error {
	return fmt.Errorf("%w: the store %s has no figures; run `minqing run --config %s` first", errNothingLoaded, p.cfg.Path(p.cfg.Store), p.cfg.File)
}

// requireLoaded returns nothingLoaded when no load has completed on the store, before a
// command reads tables that only a load makes.
func (p *pipeline) requireLoaded(ctx context.Context) error {
	_, err := transform.NewReader(p.db).ConfigHash(ctx)
	if errors.Is(err, transform.ErrNoFigures) {
		return p.nothingLoaded()
	}
	return err
}

// figures reads the period (the default one when periodID is empty) and every unit's
// figures for it, the district first. A period in which no case counts is refused
// (errNoCases).
func (p *pipeline) figures(ctx context.Context, periodID string) (*transform.Reader, transform.Period, []transform.UnitFigures, error) {
	r := transform.NewReader(p.db)
	// Figures made under another config (other rules, register or catalogue) are not
	// the ones this config describes: never publish them under its name.
	made, err := r.ConfigHash(ctx)
	if errors.Is(err, transform.ErrNoFigures) {
		return nil, transform.Period{}, nil, p.nothingLoaded()
	}
	if err != nil {
		return nil, transform.Period{}, nil, err
	}
	if made != p.cfgHash {
		return nil, transform.Period{}, nil, fmt.Errorf("the store's figures were made under another config than %s (changed since, or another config file): run `minqing run --config %s` first", p.cfg.File, p.cfg.File)
	}
	per, err := p.period(ctx, r, periodID)
	if err != nil {
		return nil, transform.Period{}, nil, err
	}
	figs, err := r.Figures(ctx, per)
	if err != nil {
		return nil, transform.Period{}, nil, err
	}
	if len(figs) == 0 || !transform.HasCases(figs[0]) {
		return nil, transform.Period{}, nil, p.noCases(ctx, r, per.ID)
	}
	return r, per, figs, nil
}

// reportOptions choose what one workbook covers.
type reportOptions struct {
	Period      string // "" = latestQuarter
	Out         string // "" = the config's out
	Unit        string // "" = the district; else a township's code
	AuditorCopy bool   // citizens unmasked (needs privacy.keep_personal_data)
	// AsOf ("2006-01-02"; "" = everything loaded) makes the report from what was known at
	// that date: only the export files dated on or before it (see knownAt). The store's
	// current figures are not touched.
	AsOf string
	// Formats are what to write, xlsx and/or docx; nil = the config's report.formats.
	Formats []string
	// asOf is the parsed AsOf of a pipeline that knownAt built; it names the workbook.
	asOf time.Time
}

// writeReport writes the quarterly workbook for a period and a scope (the district or one
// township and its villages) and returns its path.
func (p *pipeline) writeReport(ctx context.Context, o reportOptions) (string, error) {
	if o.AsOf != "" {
		asOf, err := parseAsOf(o.AsOf)
		if err != nil {
			return "", err
		}
		known, err := p.knownAt(ctx, asOf)
		if err != nil {
			return "", err
		}
		defer known.Close()
		o.AsOf, o.asOf = "", asOf
		if o.Out == "" {
			o.Out = p.outDir("")
		}
		path, err := known.writeReport(ctx, o)
		if err != nil {
			return "", err
		}
		// The run is recorded in the store the command opened, not in the scratch one.
		if err := p.recordRun(ctx, known, o, path); err != nil {
			return "", err
		}
		return path, nil
	}
	r, per, figs, err := p.figures(ctx, o.Period)
	if err != nil {
		return "", err
	}
	district := figs[0].Unit
	scope := district
	var units []transform.UnitFigures
	if o.Unit != "" {
		found := false
		for _, f := range figs {
			if f.Unit.Code == o.Unit {
				scope, found = f.Unit, true
			}
		}
		if !found || scope.Level != transform.LevelTownship {
			return "", fmt.Errorf("--unit %q: not a township of the register (see `minqing stats` for codes)", o.Unit)
		}
		for _, f := range figs {
			if f.Unit.Code == scope.Code || f.Unit.Parent == scope.Code {
				units = append(units, f)
			}
		}
	} else {
		units = figs
	}
	through, err := r.DataThrough(ctx)
	if err != nil {
		return "", err
	}
	cases, err := r.ProblemCases(ctx, per, scope.Code, o.AuditorCopy)
	if err != nil {
		return "", err
	}
	// 数据来源 and 清单 list the files that hold the scope's rows: a township's, not the
	// district's every file.
	accts, err := r.Accounting(ctx)
	if scope.Code != district.Code {
		accts, err = r.AccountingOf(ctx, scope.Code)
	}
	if err != nil {
		return "", err
	}
	// 问题数据: the quarantined rows of the scope, as many as the sheet lists, and the count.
	quarantine := transform.QuarantineFilter{Limit: reports.ProblemRows}
	if scope.Code != district.Code {
		quarantine.Unit = scope.Code
	}
	problems, problemCount, err := r.Quarantine(ctx, quarantine)
	if err != nil {
		return "", err
	}
	months, err := r.Series(ctx, scope.Code, "month")
	if err != nil {
		return "", err
	}
	var trend []transform.PeriodFigures
	for _, m := range months {
		if m.Period.Start.Year() == per.End.Year() && !m.Period.Start.After(per.End) {
			trend = append(trend, m)
		}
	}
	var breakdowns [6][]transform.BreakdownRow
	for i, dim := range []string{"category", "channel", "topic", "proxy", "topic_l1", "department"} {
		if breakdowns[i], err = r.Breakdown(ctx, per, scope.Code, dim); err != nil {
			return "", err
		}
	}
	// where the channel and topic sheets' 未填写 cases come from, for their notes
	notFilled := map[string]transform.NotFilled{}
	for dim, name := range map[string]string{"channel": terms.Channel, "topic": terms.Topic} {
		if notFilled[name], err = r.NotFilled(ctx, per, scope.Code, dim); err != nil {
			return "", err
		}
	}
	var lists []transform.Explanation
	for _, id := range []string{"on_time_rate", "due_on_time_rate"} {
		e, err := r.Explain(ctx, per, scope.Code, id)
		if err != nil {
			return "", err
		}
		lists = append(lists, e)
	}
	waiting, err := r.WaitingCases(ctx, per, scope.Code)
	if err != nil {
		return "", err
	}
	allFlags, err := r.AuditFlags(ctx, &per)
	if err != nil {
		return "", err
	}
	inScope := map[string]bool{}
	for _, u := range units {
		inScope[u.Unit.Code] = true
	}
	var flags []transform.AuditFlag
	for _, f := range allFlags {
		if inScope[f.UnitCode] {
			flags = append(flags, f)
		}
	}
	submissions, err := r.Submissions(ctx, per)
	if err != nil {
		return "", err
	}
	// 上期名次: the figures of the period before, which the workbook ranks by the same rule.
	prevPer, err := reports.PreviousPeriod(per)
	if err != nil {
		return "", err
	}
	var prevFigs []transform.UnitFigures
	if _, err := r.Period(ctx, prevPer.ID); err == nil {
		if prevFigs, err = r.Figures(ctx, prevPer); err != nil {
			return "", err
		}
		if len(prevFigs) == 0 || !transform.HasCases(prevFigs[0]) {
			prevFigs = nil
		}
	} else if !errors.Is(err, transform.ErrUnknownPeriod) {
		return "", err
	}
	// 本年累计: the figures of January to the period's end, a period of their own.
	var ytdFigs []transform.UnitFigures
	ytdPer, hasYTD := reports.YearToDatePeriod(per)
	switch {
	case hasYTD && ytdPer.ID == per.ID:
		ytdFigs = figs
	case hasYTD:
		if ytdFigs, err = r.Figures(ctx, ytdPer); err != nil {
			return "", err
		}
	}
	// 督办成效: what came of the supervision notices issued in the period.
	notices, err := r.NoticeEffects(ctx, per, scope.Code, p.cfg.Rules.NoticeDays)
	if err != nil {
		return "", err
	}
	if len(notices) == 0 {
		notices = nil
	}
	honourRoll := 3
	if p.cfg.Report.HonourRoll != nil {
		honourRoll = *p.cfg.Report.HonourRoll
	}
	manifest := p.manifest(per, accts)
	manifest.AsOf = o.asOf
	if manifest.Forgotten, err = forgottenManifest(ctx, p.db); err != nil {
		return "", err
	}
	dir := p.outDir(o.Out)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("creating %q: %w", dir, err)
	}
	name := district.Name
	if scope.Code != district.Code {
		name += scope.Name
	}
	suffix := ""
	if o.AuditorCopy {
		suffix = "（审计用，含个人信息）"
	}
	if !o.asOf.IsZero() {
		suffix += "（截至" + o.asOf.Format("2006-01-02") + "所知）"
	}
	path := filepath.Join(dir, fmt.Sprintf("%s_%s_民情工作统计报表%s.xlsx", name, per.Label(), suffix))
	header, err := tableHeader(p.cfg.Report, scope, per, p.now().In(per.Cutoff.Location()))
	if err != nil {
		return "", err
	}
	in := reports.Input{
		District: district, Scope: scope, Period: per, DataThrough: through, Defs: transform.FigureDefs(), Units: units,
		Months: trend, Classes: breakdowns[0], Channels: breakdowns[1], Topics: breakdowns[2], Proxy: breakdowns[3],
		NotFilled:   notFilled,
		TopicLevel1: breakdowns[4], Departments: breakdowns[5],
		CaseLists: lists, Waiting: waiting, Flags: flags, Submissions: submissions,
		Cases: cases, Accounting: accts, Problems: problems, ProblemCount: problemCount,
		Settings: settings(p.cfg.Rules), Weights: p.cfg.Rules.ScoreWeights,
		Manifest: manifest, AuditorCopy: o.AuditorCopy, Header: header,
		Previous: prevFigs, PreviousPeriod: prevPer, HonourRoll: honourRoll, Alerts: p.cfg.Report.Alerts,
		YearToDate: ytdFigs, YearToDatePeriod: ytdPer, Notices: notices,
	}
	// The document states the workbook's figures in words: both from the one Input.
	formats := o.Formats
	if len(formats) == 0 {
		formats = p.cfg.Report.Formats
	}
	if slices.Contains(formats, "docx") {
		doc := documentPath(path)
		if err := reports.WriteDocument(doc, in); err != nil {
			return "", err
		}
		p.log.Info("report document written", "period", per.ID, "unit", scope.Code, "path", doc)
		if !slices.Contains(formats, "xlsx") {
			path = doc
		}
	}
	if slices.Contains(formats, "xlsx") {
		if err := reports.Write(path, in); err != nil {
			return "", err
		}
		p.log.Info("workbook written", "period", per.ID, "unit", scope.Code, "path", path)
	}
	if o.asOf.IsZero() {
		if err := p.recordRun(ctx, p, o, path); err != nil {
			return "", err
		}
	}
	return path, nil
}

// tableHeader is the statutory header of a workbook's statistical tables from the
// config's report section: 填报单位 defaults to the scope unit's name, and 报出日期
// follows the report_date rule from the period's cutoff and today.
func tableHeader(r config.Report, scope transform.Unit, per transform.Period, today time.Time) (reports.TableHeader, error) {
	date, err := r.ReportDateFor(per.Cutoff, today)
	if err != nil {
		return reports.TableHeader{}, fmt.Errorf("dating report %s: %w", per.ID, err)
	}
	filing := r.FilingUnit
	if filing == "" {
		filing = scope.Name
	}
	return reports.TableHeader{
		TableNo: r.TableNo, MadeBy: r.MadeBy, ApprovedBy: r.ApprovedBy, ApprovalNo: r.ApprovalNo,
		FilingUnit: filing, Head: r.Head, Preparer: r.Preparer, ReportDate: date,
	}, nil
}

// writeTownshipReports writes one workbook per township.
func (p *pipeline) writeTownshipReports(ctx context.Context, o reportOptions) ([]string, error) {
	if err := p.requireLoaded(ctx); err != nil {
		return nil, err
	}
	units, err := transform.NewReader(p.db).Units(ctx)
	if err != nil {
		return nil, err
	}
	var paths []string
	for _, u := range units {
		if u.Level != transform.LevelTownship {
			continue
		}
		o.Unit = u.Code
		path, err := p.writeReport(ctx, o)
		if err != nil {
			return paths, err
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// manifest states what a workbook was made from: the inputs with their hashes, the
// config's hash, the cutoff and the minqing version.
func (p *pipeline) manifest(per transform.Period, accts []transform.SourceAccount) reports.Manifest {
	m := reports.Manifest{Version: version, ConfigHash: p.cfgHash, Cutoff: per.Cutoff}
	for _, a := range accts {
		m.Files = append(m.Files, reports.ManifestFile{Source: a.Source, Path: a.File, SHA256: a.SHA256, Rows: a.Read, Snapshot: a.Snapshot})
	}
	return m
}

// writeDashboard writes the HTML dashboard as files that work offline, every quarter and
// year with cases and the period asked for, and returns the path of index.html (the
// district's page of that period).
func (p *pipeline) writeDashboard(ctx context.Context, periodID, out string) (string, error) {
	r, per, _, err := p.figures(ctx, periodID)
	if err != nil {
		return "", err
	}
	// One page per unit and period, built as `minqing serve` builds them (without the
	// auditors' case list: these files go to anyone they are shared with), each period
	// from a few set-based reads.
	path, err := dashboards.WriteOffline(ctx, filepath.Join(p.outDir(out), "dashboard"), r,
		dashboards.OfflineOptions{Build: dashboards.BuildOptions{Weights: p.cfg.Rules.ScoreWeights, Alerts: p.cfg.Report.Alerts}, Default: per})
	if err != nil {
		return "", err
	}
	p.log.Info("dashboard written", "period", per.ID, "path", path)
	return path, nil
}

// runOnce is one full pass: ingest, transform, the workbook and the dashboard.
func (p *pipeline) runOnce(ctx context.Context, periodID, out string) (workbook, page string, err error) {
	p.outputsUpToDate = false
	_, ingestErr := p.ingestAndTransform(ctx)
	if ingestErr != nil && !errors.Is(ingestErr, errSomeFilesFailed) {
		return "", "", ingestErr
	}
	stamp, state := filepath.Join(p.outDir(out), ".minqing-outputs.json"), ""
	if ingestErr == nil {
		state = p.outputsState(ctx, periodID)
	}
	if p.transformed.Mode == "unchanged" && state != "" {
		var last outputsStamp
		if b, err := os.ReadFile(stamp); err == nil && json.Unmarshal(b, &last) == nil && last.State == state &&
			fileExists(last.Workbook) && fileExists(last.Page) {
			p.log.Info("outputs up to date: nothing new since they were written", "workbook", last.Workbook, "dashboard", last.Page)
			p.outputsUpToDate = true
			return last.Workbook, last.Page, nil
		}
	}
	os.Remove(stamp) // written again only once both outputs are
	if workbook, err = p.writeReport(ctx, reportOptions{Period: periodID, Out: out}); err != nil {
		return "", "", err
	}
	if page, err = p.writeDashboard(ctx, periodID, out); err != nil {
		return workbook, "", err
	}
	if state != "" {
		if b, err := json.Marshal(outputsStamp{State: state, Workbook: workbook, Page: page}); err == nil {
			if err := os.WriteFile(stamp, b, 0o644); err != nil {
				p.log.Warn("recording the outputs' state", "path", stamp, "err", err)
			}
		}
	}
	return workbook, page, ingestErr
}

// outputsStamp records what the outputs of a run were made from, so that a run with
// nothing new since leaves them as they are (a scheduled run every hour costs nothing).
type outputsStamp struct {
	State    string `json:"state"` // outputsState when they were written
	Workbook string `json:"workbook"`
	Page     string `json:"dashboard"`
}

// outputsState identifies what a run's outputs are made from: the transformed files and
// reference data, the config and the period asked for; "" when it cannot be told.
func (p *pipeline) outputsState(ctx context.Context, periodID string) string {
	var state sql.NullString
	err := p.db.QueryRowContext(ctx, `select md5(concat_ws('|', (select string_agg(reference_hash || config_hash, ',') from transform_meta),
		(select string_agg(file_id || signature, ',' order by file_id) from transform_files), ?, ?, ?))`,
		p.cfgHash, periodID, programID()).Scan(&state)
	if err != nil {
		return ""
	}
	return state.String
}

// programID tells this build of minqing from another (its executable's size and time), so
// that a new version writes its outputs again.
func programID() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	fi, err := os.Stat(exe)
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%d-%d", fi.Size(), fi.ModTime().UnixNano())
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
