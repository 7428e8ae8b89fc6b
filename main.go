// Command minqing turns the case, visit and service exports of villages, communities and
// townships into the figures of quarterly reports: an Excel workbook, an HTML dashboard and
// JSON for other tools. main.go is wiring only: flags → config → logger → store → stages.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // Asia/Shanghai on hosts without zoneinfo

	"github.com/spf13/cobra"

	"github.com/minqing/minqing/config"
	"github.com/minqing/minqing/fixtures"
	"github.com/minqing/minqing/schedules"
	"github.com/minqing/minqing/transform"
)

// version is minqing's version, printed in every workbook's manifest; release builds set
// it with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

func main() {
	if code, guarded := crashGuard(); guarded { // run, demo, schedule, serve: in a child (crashguard.go)
		os.Exit(code)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := newRoot(os.Stdout, os.Stderr).ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "minqing:", err)
		os.Exit(1)
	}
}

// newRoot builds the command tree; out receives results, errOut logs.
func newRoot(out, errOut io.Writer) *cobra.Command {
	var logLevel string
	var log *slog.Logger
	root := &cobra.Command{
		Use:           "minqing",
		Short:         "Figures for quarterly reports from grassroots citizen-service exports",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			var lvl slog.Level
			if err := lvl.UnmarshalText([]byte(logLevel)); err != nil {
				return fmt.Errorf("--log-level %q: not debug, info, warn or error", logLevel)
			}
			log = slog.New(slog.NewTextHandler(errOut, &slog.HandlerOptions{Level: lvl}))
			return nil
		},
	}
	root.PersistentFlags().StringVar(&logLevel, "log-level", "info", "debug, info, warn or error")
	logger := func() *slog.Logger { return log }

	var cfgPath string
	addConfig := func(c *cobra.Command) {
		c.Flags().StringVar(&cfgPath, "config", "minqing.yaml", "the YAML config file")
	}
	withPipeline := func(cmd *cobra.Command, f func(*pipeline) error) error {
		p, err := openPipeline(cmd.Context(), cfgPath, logger())
		if err != nil {
			return err
		}
		defer p.Close()
		p.progress, p.progressDone = terminalProgress(errOut)
		return f(p)
	}

	// demo
	var demoDir, demoSpark string
	var demoSeed uint64
	demo := &cobra.Command{
		Use:   "demo",
		Short: "Generate a synthetic district's exports, run the whole pipeline, print where the outputs are",
		RunE: func(cmd *cobra.Command, _ []string) error {
			abs, err := filepath.Abs(demoDir)
			if err != nil {
				return fmt.Errorf("resolving --dir %q: %w", demoDir, err)
			}
			if err := os.RemoveAll(abs); err != nil {
				return fmt.Errorf("clearing %q: %w", abs, err)
			}
			if err := os.MkdirAll(abs, 0o755); err != nil {
				return fmt.Errorf("creating %q: %w", abs, err)
			}
			// The log goes to a file in the demo folder: the screen keeps the bar and
			// the lines that say where everything is.
			logPath := filepath.Join(abs, demoLogName)
			logFile, err := os.Create(logPath)
			if err != nil {
				return fmt.Errorf("creating the demo's log %q: %w", logPath, err)
			}
			defer logFile.Close()
			log = slog.New(slog.NewTextHandler(logFile, &slog.HandlerOptions{Level: logLevelOf(logLevel)}))
			bar := newDemoProgress(errOut)
			defer bar.finish()
			logger().Info("generating the demo district", "dir", abs, "seed", demoSeed)
			if _, err := fixtures.Generate(abs, fixtures.Options{Seed: demoSeed}); err != nil {
				return fmt.Errorf("generating the demo district in %q: %w (log: %s)", abs, err, logPath)
			}
			cfgPath = filepath.Join(abs, "minqing.yaml")
			if demoSpark != "" {
				if err := useSpark(cfgPath, demoSpark); err != nil {
					return fmt.Errorf("%w (log: %s)", err, logPath)
				}
			}
			bar.stage(demoGenerated, "读取导出文件")
			err = withPipeline(cmd, func(p *pipeline) error {
				p.progress, p.progressDone = bar.loading, bar.loaded
				wb, page, err := p.runOnce(cmd.Context(), "", "")
				if err != nil {
					return err
				}
				bar.stage(demoDone, "完成")
				bar.finish()
				return demoResult(out, abs, cfgPath, wb, page, logPath)
			})
			if err != nil {
				return fmt.Errorf("%w (log: %s)", err, logPath)
			}
			return nil
		},
	}
	demo.Flags().StringVar(&demoDir, "dir", "minqing-demo", "working folder for the demo (replaced)")
	demo.Flags().Uint64Var(&demoSeed, "seed", 1, "seed of the synthetic district")
	demo.Flags().StringVar(&demoSpark, "spark", "", "compute the figures on the Spark cluster at this Spark Connect address (sc://127.0.0.1:15002 from scripts/spark-cluster start)")

	// run
	var period, outDir string
	var deliverFlag bool
	run := &cobra.Command{
		Use:   "run",
		Short: "One pass now: ingest, transform, workbook, dashboard",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withPipeline(cmd, func(p *pipeline) error {
				mode := deliverNone
				if deliverFlag {
					if !p.cfg.Deliver.Configured() {
						return errors.New("--deliver: the config has no deliver: section (email, webhook or folder); see docs/config.md")
					}
					mode = deliverNow
				}
				wb, page, err := p.runManual(cmd.Context(), "run", func(ctx context.Context, h *schedules.History, r *schedules.Run) (string, string, error) {
					return p.runRecorded(ctx, h, r, period, outDir, mode)
				})
				if wb != "" {
					fmt.Fprintf(out, "workbook:  %s\n", wb)
				}
				if page != "" {
					fmt.Fprintf(out, "dashboard: %s\n", page)
				}
				return err
			})
		},
	}
	addConfig(run)
	run.Flags().StringVar(&period, "period", "", "report period (2024Q3, 2024-07, 2024); default the newest quarter that is over in the data")
	run.Flags().StringVar(&outDir, "out", "", "output folder; default the config's out")
	run.Flags().BoolVar(&deliverFlag, "deliver", false, "once the run has succeeded, send the workbook and document as the config's deliver: section says (e-mail, group robot, shared folder)")

	// report
	var unit, asOf, format string
	var allTownships, auditorCopy bool
	report := &cobra.Command{
		Use:   "report",
		Short: "Write the quarterly workbook and report document from the store (the district's, a township's or every township's)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if unit != "" && allTownships {
				return errors.New("--unit and --all-townships: choose one")
			}
			formats, err := reportFormats(format)
			if err != nil {
				return err
			}
			return withPipeline(cmd, func(p *pipeline) error {
				o := reportOptions{Period: period, Out: outDir, AuditorCopy: auditorCopy, AsOf: asOf, Formats: formats}
				if unit != "" {
					u, err := p.unit(cmd.Context(), unit)
					if err != nil {
						return err
					}
					o.Unit = u.Code
				}
				// Recorded in the run history (`minqing runs`) with the files it wrote.
				_, _, err := p.runManual(cmd.Context(), "report", func(ctx context.Context, _ *schedules.History, r *schedules.Run) (string, string, error) {
					var paths []string
					var err error
					if allTownships {
						paths, err = p.writeTownshipReports(ctx, o)
					} else {
						var path string
						if path, err = p.writeReport(ctx, o); err == nil {
							paths = []string{path}
						}
					}
					for _, path := range paths {
						fmt.Fprintln(out, path)
						r.AddOutput(path)
						if doc := documentPath(path); doc != path && writesDocument(p, o) && fileExists(doc) {
							r.AddOutput(doc)
						}
					}
					return "", "", err
				})
				return err
			})
		},
	}
	addConfig(report)
	report.Flags().StringVar(&unit, "unit", "", "a township, by code or name (白沙乡): its own workbook, with only it and its villages")
	report.Flags().BoolVar(&allTownships, "all-townships", false, "write one workbook per township")
	report.Flags().BoolVar(&auditorCopy, "auditor-copy", false, "show citizens unmasked (needs privacy.keep_personal_data; every sheet says so)")
	report.Flags().StringVar(&asOf, "as-of", "", "make the workbook from what was known at this date (2024-10-05): only exports dated on or before it; the store's figures are untouched")
	report.Flags().StringVar(&period, "period", "", "report period (2024Q3, 2024-07, 2024); default the newest quarter that is over in the data")
	report.Flags().StringVar(&outDir, "out", "", "output folder; default the config's out")
	report.Flags().StringVar(&format, "format", "", "what to write: xlsx (the workbook), docx (the report document, GB/T 9704) or xlsx,docx; default the config's report.formats (both)")

	// dashboard
	dashboard := &cobra.Command{
		Use:   "dashboard",
		Short: "Write the HTML dashboard (works offline) from the store",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withPipeline(cmd, func(p *pipeline) error {
				path, err := p.writeDashboard(cmd.Context(), period, outDir)
				if err == nil {
					fmt.Fprintln(out, path)
				}
				return err
			})
		},
	}
	addConfig(dashboard)
	dashboard.Flags().StringVar(&period, "period", "", "period shown; default the newest quarter that is over in the data")
	dashboard.Flags().StringVar(&outDir, "out", "", "output folder; default the config's out")

	// sources
	var sourcesFormat, sourcesPeriod string
	var sourcesMissing bool
	sources := &cobra.Command{
		Use:   "sources",
		Short: "Show per-file accounting: rows read, loaded, quarantined by reason, skipped",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if sourcesFormat != "table" && sourcesFormat != "json" {
				return fmt.Errorf("--format %q: table or json", sourcesFormat)
			}
			if sourcesPeriod != "" && !sourcesMissing {
				return fmt.Errorf("--period %q: only with --missing", sourcesPeriod)
			}
			return withPipeline(cmd, func(p *pipeline) error {
				if err := p.requireLoaded(cmd.Context()); err != nil {
					return err
				}
				if sourcesMissing {
					return p.printMissing(cmd.Context(), out, sourcesPeriod, sourcesFormat)
				}
				accts, err := transform.NewReader(p.db).Accounting(cmd.Context())
				if err != nil {
					return err
				}
				if sourcesFormat == "json" {
					return writeAccountingJSON(out, accts)
				}
				if err := printAccounting(out, accts); err != nil {
					return err
				}
				return printForgotten(cmd.Context(), out, p.db)
			})
		},
	}
	addConfig(sources)
	sources.Flags().StringVar(&sourcesFormat, "format", "table", "table, or json for the per-file accounting as JSON")
	sources.Flags().BoolVar(&sourcesMissing, "missing", false, "list the units of the register that sent nothing for the period (报送情况)")
	sources.Flags().StringVar(&sourcesPeriod, "period", "", "with --missing: the period (2024Q3, 2024-07, 2024); default the newest quarter that is over in the data")

	// schedule
	schedule := &cobra.Command{
		Use:   "schedule",
		Short: "Run the pipeline on the config's cron schedules (Asia/Shanghai) until stopped",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withPipeline(cmd, func(p *pipeline) error {
				if len(p.cfg.Schedules) == 0 {
					return errors.New("the config has no schedules: add e.g. `schedules: [{name: nightly, cron: \"0 2 * * *\"}]`")
				}
				s, err := schedules.New(cmd.Context(), schedules.Options{DB: p.db, Logger: p.log.With("component", "schedules")})
				if err != nil {
					return err
				}
				for _, e := range p.cfg.Schedules {
					e := e
					if err := s.Add(p.scheduledJob(e, s.History(), nil)); err != nil {
						return err
					}
				}
				if err := s.Start(cmd.Context()); err != nil {
					return err
				}
				p.log.Info("schedules running; stop with Ctrl-C", "jobs", len(p.cfg.Schedules))
				<-cmd.Context().Done()
				stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
				defer cancel()
				return s.Stop(stopCtx)
			})
		},
	}
	addConfig(schedule)

	root.AddCommand(demo, run, report, dashboard, sources, schedule)
	c := &cli{out: out, errOut: errOut, logger: logger, cfgPath: &cfgPath, addConfig: addConfig, withPipeline: withPipeline}
	for _, f := range extraCommands {
		root.AddCommand(f(c))
	}
	return root
}

// useSpark points the demo's config at a Spark cluster: engine: {kind: spark, connect}
// with the lake beside the store.
func useSpark(cfgPath, connect string) error {
	b, err := os.ReadFile(cfgPath)
	if err != nil {
		return fmt.Errorf("reading the demo's config: %w", err)
	}
	b = fmt.Appendf(b, "\n# the figures are computed on Spark (minqing demo --spark)\nengine:\n  kind: spark\n  connect: %q\n", connect)
	if _, err := config.Parse(b); err != nil {
		return fmt.Errorf("--spark %q: %w", connect, err)
	}
	if err := os.WriteFile(cfgPath, b, 0o644); err != nil {
		return fmt.Errorf("writing the demo's config: %w", err)
	}
	return nil
}

// demoLogName is the demo's log file, in the demo folder.
const demoLogName = "minqing-demo.log"

// logLevelOf is the level --log-level names (checked before any command runs).
func logLevelOf(s string) slog.Level {
	var lvl slog.Level
	lvl.UnmarshalText([]byte(s))
	return lvl
}

// cli is what a command defined in a file of its own needs from the root: where results
// and logs go, the --config flag and the pipeline opened from it.
type cli struct {
	out, errOut  io.Writer
	logger       func() *slog.Logger
	cfgPath      *string
	addConfig    func(*cobra.Command)
	withPipeline func(*cobra.Command, func(*pipeline) error) error
}

// extraCommands are the commands defined in files of their own (each file appends its
// constructor in an init function), so that main.go stays wiring only.
var extraCommands []func(*cli) *cobra.Command

func printAccounting(w io.Writer, accts []transform.SourceAccount) error {
	fmt.Fprintf(w, "%-24s %-9s %7s %7s %7s %7s  %s\n", "SOURCE", "KIND", "READ", "LOADED", "QUAR", "SKIP", "FILE")
	for _, a := range accts {
		detail := ""
		for _, r := range transform.Reasons([]transform.SourceAccount{a}) {
			detail += fmt.Sprintf(" %s=%d", r, a.QuarantinedBy[r])
		}
		for i, d := range a.Defaults {
			if i == 0 {
				detail += " defaults:"
			}
			detail += fmt.Sprintf(" %s=%s (%d rows)", d.Field, d.Value, d.Rows)
		}
		if _, err := fmt.Fprintf(w, "%-24s %-9s %7d %7d %7d %7d  %s%s\n", a.Source, a.Kind, a.Read, a.Loaded, a.Quarantined, a.Skipped, a.File, detail); err != nil {
			return err
		}
	}
	return nil
}

// reportFormats reads --format: formats separated by commas, each one of
// config.ReportFormats; "" is nil (the config's report.formats).
func reportFormats(flag string) ([]string, error) {
	if flag == "" {
		return nil, nil
	}
	var formats []string
	for _, f := range strings.Split(flag, ",") {
		f = strings.ToLower(strings.TrimSpace(f))
		if !slices.Contains(config.ReportFormats, f) {
			return nil, fmt.Errorf("--format %q: %q is not a format; use xlsx, docx or xlsx,docx", flag, f)
		}
		if !slices.Contains(formats, f) {
			formats = append(formats, f)
		}
	}
	return formats, nil
}
