// Command e2e measures minqing end to end beside the script a capable analyst would write
// without it (pandas + openpyxl, ../shared/bench/baseline_pandas.py), on the same export:
// bigcsv.py's district platform cases (GB18030 CSV) and units register.
//
// Each variant is a separate process measured from outside, so the numbers are what a
// user waits for and what the machine must hold: wall time, CPU time (user+sys) and peak
// RSS from the child's rusage at wait4. The runs are interleaved (minqing, pandas,
// minqing, pandas, …) so that a neighbour's load on a shared machine falls on both sides;
// every minqing run starts from a new store, as the script starts from nothing. minqing's
// time per stage (ingest, transform, workbook, dashboard) is read from its own debug log.
//
// The two must publish the same headline figures for the district (received, closed,
// on_time_rate); the program prints both and says so when they do not, never hiding it.
//
// -incremental then adds one day's export (5,000 rows: open cases now closed, new cases)
// to the last full load's store and times `run` on it, and once more with nothing new.
//
//	go run ./bench/e2e -cases 100000 -runs 3
//	go run ./bench/e2e -cases 1000000 -incremental -json /tmp/e2e-1m.json
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// options are the command's flags, resolved to absolute paths.
type options struct {
	Cases       int    `json:"cases"`
	Runs        int    `json:"runs"`
	Period      string `json:"period"`
	Workdir     string `json:"workdir"`
	Minqing     string `json:"minqing"`
	Peer        string `json:"peer"`
	Calendar    string `json:"calendar"`
	Python      string `json:"python"`
	Incremental bool   `json:"incremental"`
	DayRows     int    `json:"day_rows"`
	KeepStores  bool   `json:"keep_stores"`
	Spark       string `json:"spark,omitempty"`
	JSON        string `json:"-"`
}

// Run is one measured process.
type Run struct {
	Variant string `json:"variant"`
	Run     int    `json:"run"`
	Usage
	Stages *Stages `json:"stages,omitempty"` // minqing's, from its log
	// PandasCompute and PandasWorkbook are the script's own split, from its last line.
	PandasCompute  *time.Duration `json:"pandas_compute_ns,omitempty"`
	PandasWorkbook *time.Duration `json:"pandas_workbook_ns,omitempty"`
	// StoreBytes is the .duckdb file's size after the run (minqing).
	StoreBytes int64  `json:"store_bytes,omitempty"`
	Dir        string `json:"dir"` // the run's config, logs and outputs
}

// Result is everything measured, as -json writes it.
type Result struct {
	Date       time.Time  `json:"date"`
	Machine    string     `json:"machine"`
	Options    options    `json:"options"`
	Source     string     `json:"minqing_source,omitempty"` // the commit the binary was built from, when built here
	Runs       []Run      `json:"runs"`
	Minqing    Headline   `json:"minqing_headline"`
	Pandas     Headline   `json:"pandas_headline"`
	Agree      bool       `json:"headline_agrees"`
	Day        *dayStats  `json:"day,omitempty"`
	StoreSizes []sizeNote `json:"store_sizes,omitempty"`
	Notes      []string   `json:"notes,omitempty"`
}

type sizeNote struct {
	After string `json:"after"`
	Bytes int64  `json:"bytes"`
	WAL   int64  `json:"wal_bytes"`
}

const (
	variantMinqing    = "minqing run (new store)"
	variantPandas     = "pandas + openpyxl"
	variantDay        = "minqing run, one day added"
	variantNothingNew = "minqing run, nothing new"
)

func main() {
	var o options
	flag.IntVar(&o.Cases, "cases", 1_000_000, "cases in the export (bigcsv.py N_CASES)")
	flag.IntVar(&o.Runs, "runs", 3, "runs of each side, interleaved")
	flag.StringVar(&o.Period, "period", "2024Q3", "the period both compute")
	flag.StringVar(&o.Workdir, "workdir", "", "where the export, stores and logs go (default a new temp dir); an export already there for the same -cases is reused")
	flag.StringVar(&o.Minqing, "minqing", "", "the minqing binary (default: go build from the repository root, once)")
	flag.StringVar(&o.Peer, "peer", "", "the peer's folder, with bigcsv.py and baseline_pandas.py (default ../shared/bench from the repository root)")
	flag.StringVar(&o.Calendar, "calendar", "", "the working-day calendar for the pandas script (default ../shared/data/cn-calendar.csv from the repository root)")
	flag.StringVar(&o.Python, "python", "/usr/bin/python3", "the Python with Debian's python3-pandas and python3-openpyxl")
	flag.BoolVar(&o.Incremental, "incremental", false, "also time a run with one day's export added to the last full store, and one with nothing new")
	flag.IntVar(&o.DayRows, "day-rows", 5000, "rows of the incremental day's export")
	flag.BoolVar(&o.KeepStores, "keep-stores", false, "keep every run's store (by default only the last full run's is kept)")
	flag.StringVar(&o.JSON, "json", "", "write the raw measurements to this file")
	flag.StringVar(&o.Spark, "spark", "", "also time `minqing run` with engine: spark on the Spark Connect server at this address (sc://127.0.0.1:15002 from scripts/spark-cluster start), and compare its stats with the DuckDB run's")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := run(ctx, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	printResult(os.Stdout, res)
	if o.JSON != "" {
		b, err := json.MarshalIndent(res, "", "  ")
		if err == nil {
			err = os.WriteFile(o.JSON, append(b, '\n'), 0o644)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "e2e: writing %s: %v\n", o.JSON, err)
			os.Exit(1)
		}
	}
}

func run(ctx context.Context, o options) (*Result, error) {
	if o.Cases <= 0 || o.Runs <= 0 || o.DayRows <= 0 {
		return nil, errors.New("-cases, -runs and -day-rows must be positive")
	}
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	if err := resolve(&o, root); err != nil {
		return nil, err
	}
	res := &Result{Date: time.Now(), Machine: machine(), Options: o}
	if note := compareCalendars(o.Calendar, filepath.Join(root, "transform", "calendar", "cn-calendar.csv")); note != "" {
		res.Notes = append(res.Notes, note)
		fmt.Fprintln(os.Stderr, "note:", note)
	}
	if o.Minqing == "" {
		res.Source = source(root)
		if o.Minqing, err = buildMinqing(ctx, root, o.Workdir); err != nil {
			return nil, err
		}
		res.Options.Minqing = o.Minqing
	}
	data, err := export(ctx, o)
	if err != nil {
		return nil, err
	}
	runsDir := filepath.Join(o.Workdir, fmt.Sprintf("runs-%d", o.Cases))
	if err := os.RemoveAll(runsDir); err != nil {
		return nil, fmt.Errorf("clearing %s: %w", runsDir, err)
	}

	var lastMinqing string
	for i := 1; i <= o.Runs; i++ {
		dir := filepath.Join(runsDir, fmt.Sprintf("minqing-%d", i))
		r, err := minqingFull(ctx, o, data, dir, i)
		if err != nil {
			return nil, err
		}
		res.Runs = append(res.Runs, r)
		if i == 1 {
			if res.Minqing, err = minqingStats(ctx, o, dir); err != nil {
				return nil, err
			}
		}
		if lastMinqing != "" && !o.KeepStores {
			if err := os.RemoveAll(filepath.Join(lastMinqing, "store")); err != nil {
				return nil, fmt.Errorf("removing the store of %s: %w", lastMinqing, err)
			}
		}
		lastMinqing = dir

		if o.Spark != "" {
			sdir := filepath.Join(runsDir, fmt.Sprintf("minqing-spark-%d", i))
			r, err := minqingSpark(ctx, o, data, sdir, i, res)
			if err != nil {
				return nil, err
			}
			res.Runs = append(res.Runs, r)
			if i == 1 {
				if _, err := minqingStats(ctx, o, sdir); err != nil {
					return nil, err
				}
				same, err := sameStats(dir, sdir)
				if err != nil {
					return nil, fmt.Errorf("comparing the stats of the two engines: %w", err)
				}
				verdict := "byte for byte the same"
				if !same {
					verdict = "DIFFERENT"
					fmt.Fprintln(os.Stderr, "e2e: the stats of the Spark run differ from the DuckDB run's")
				}
				res.Notes = append(res.Notes, fmt.Sprintf("`minqing stats --period %s` on the Spark run's store and on the DuckDB run's: %s", o.Period, verdict))
			}
			if !o.KeepStores {
				if err := os.RemoveAll(filepath.Join(sdir, "store")); err != nil {
					return nil, fmt.Errorf("removing the store of %s: %w", sdir, err)
				}
			}
		}

		dir = filepath.Join(runsDir, fmt.Sprintf("pandas-%d", i))
		if r, err = pandas(ctx, o, data, dir, i); err != nil {
			return nil, err
		}
		res.Runs = append(res.Runs, r)
		if i == 1 {
			if res.Pandas, err = pandasHeadline(filepath.Join(dir, "baseline.xlsx"), districtCode); err != nil {
				return nil, err
			}
		}
	}
	res.Agree = true
	for _, f := range compare(res.Minqing, res.Pandas) {
		res.Agree = res.Agree && f.Agree
	}
	if o.Incremental {
		if err := incremental(ctx, o, data, lastMinqing, res); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// repoRoot is the nearest folder at or above the working directory whose go.mod is
// minqing's: the binary is built there and the peer's default is beside it.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("finding the repository root: %w", err)
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.HasPrefix(b, []byte("module github.com/minqing/minqing\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("finding the repository root: no go.mod of github.com/minqing/minqing at or above the working directory; run it from the repository (go run ./bench/e2e)")
		}
		dir = parent
	}
}

// resolve fills the defaults and checks every input is there, naming what is missing.
func resolve(o *options, root string) error {
	if o.Peer == "" {
		o.Peer = filepath.Join(root, "..", "shared", "bench")
	}
	if o.Calendar == "" {
		o.Calendar = filepath.Join(root, "..", "shared", "data", "cn-calendar.csv")
	}
	var err error
	for _, p := range []*string{&o.Peer, &o.Calendar} {
		if *p, err = filepath.Abs(*p); err != nil {
			return fmt.Errorf("resolving %s: %w", *p, err)
		}
	}
	for _, f := range []struct{ path, what string }{
		{filepath.Join(o.Peer, "bigcsv.py"), "the peer's export generator (-peer DIR)"},
		{filepath.Join(o.Peer, "baseline_pandas.py"), "the peer's pandas script (-peer DIR)"},
		{o.Calendar, "the working-day calendar (-calendar FILE)"},
		{o.Python, "the Python that runs the peer (-python; Debian's /usr/bin/python3)"},
	} {
		if _, err := os.Stat(f.path); err != nil {
			return fmt.Errorf("%s: %s is missing: %w", f.what, f.path, err)
		}
	}
	if out, err := exec.Command(o.Python, "-c", "import pandas, openpyxl").CombinedOutput(); err != nil {
		return fmt.Errorf("checking %s has pandas and openpyxl (apt-get install -y python3-pandas python3-openpyxl): %w\n%s", o.Python, err, bytes.TrimSpace(out))
	}
	if o.Minqing != "" {
		if o.Minqing, err = filepath.Abs(o.Minqing); err != nil {
			return fmt.Errorf("resolving -minqing: %w", err)
		}
		if _, err := os.Stat(o.Minqing); err != nil {
			return fmt.Errorf("the minqing binary (-minqing): %s is missing: %w", o.Minqing, err)
		}
	}
	if o.Workdir == "" {
		if o.Workdir, err = os.MkdirTemp("", "minqing-e2e-"); err != nil {
			return fmt.Errorf("creating a work folder: %w", err)
		}
	} else if o.Workdir, err = filepath.Abs(o.Workdir); err != nil {
		return fmt.Errorf("resolving -workdir: %w", err)
	}
	if err := os.MkdirAll(o.Workdir, 0o755); err != nil {
		return fmt.Errorf("creating the work folder: %w", err)
	}
	fmt.Fprintf(os.Stderr, "work folder: %s\n", o.Workdir)
	return nil
}

// compareCalendars says when the pandas script's calendar is not the one minqing embeds:
// different working days would make the on-time figures differ for a reason that is no
// counting rule.
func compareCalendars(peer, repo string) string {
	a, errA := os.ReadFile(peer)
	b, errB := os.ReadFile(repo)
	switch {
	case errA != nil || errB != nil:
		return fmt.Sprintf("could not compare the calendars %s and %s", peer, repo)
	case !bytes.Equal(a, b):
		return fmt.Sprintf("the pandas script's calendar %s differs from the one minqing embeds (%s): on-time figures may differ for that reason", peer, repo)
	}
	return ""
}

// buildMinqing builds the binary once per invocation (Go's cache makes a rebuild cheap).
func buildMinqing(ctx context.Context, root, workdir string) (string, error) {
	bin := filepath.Join(workdir, "minqing")
	fmt.Fprintln(os.Stderr, "building minqing (the first cgo build of DuckDB takes about a minute) …")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("building minqing in %s (run scripts/assets first if dashboards/static is missing): %w", root, err)
	}
	return bin, nil
}

// source names the commit a binary built from root comes from, and says when the working
// tree had changes (others may be editing it while a benchmark runs). "" when git cannot tell.
func source(root string) string {
	head, err := exec.Command("git", "-C", root, "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return ""
	}
	s := "commit " + string(bytes.TrimSpace(head))
	if st, err := exec.Command("git", "-C", root, "status", "--porcelain", "--untracked-files=no").Output(); err == nil {
		if n := bytes.Count(st, []byte("\n")); n > 0 {
			s += fmt.Sprintf(" with %d changed files in the working tree", n)
		}
	}
	return s
}

// dataSet is the generated export.
type dataSet struct {
	Dir, Cases, Units string
}

// export writes bigcsv.py's export into WORKDIR/data-N once; a folder with its completion
// mark is reused (one million cases take a while to write).
func export(ctx context.Context, o options) (dataSet, error) {
	dir := filepath.Join(o.Workdir, fmt.Sprintf("data-%d", o.Cases))
	d := dataSet{Dir: dir, Cases: filepath.Join(dir, "cases.csv"), Units: filepath.Join(dir, "units.csv")}
	mark := filepath.Join(dir, ".complete")
	if _, err := os.Stat(mark); err == nil {
		fmt.Fprintf(os.Stderr, "reusing the export in %s\n", dir)
		return d, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return d, fmt.Errorf("creating %s: %w", dir, err)
	}
	fmt.Fprintf(os.Stderr, "writing %d cases with bigcsv.py into %s …\n", o.Cases, dir)
	cmd := exec.CommandContext(ctx, o.Python, filepath.Join(o.Peer, "bigcsv.py"), dir, strconv.Itoa(o.Cases))
	cmd.Env = pythonEnv()
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return d, fmt.Errorf("writing the export with bigcsv.py: %w", err)
	}
	if err := os.WriteFile(mark, nil, 0o644); err != nil {
		return d, fmt.Errorf("marking the export complete: %w", err)
	}
	return d, nil
}

func progress(r Run) {
	fmt.Fprintf(os.Stderr, "[%s %d] wall %s, CPU %s, peak %s\n", r.Variant, r.Run, secs(r.Wall), secs(r.CPU()), mib(r.PeakKiB))
}

// machine names the platform, CPUs and memory the numbers were taken on.
func machine() string {
	mem := ""
	if f, err := os.Open("/proc/meminfo"); err == nil {
		b, _ := io.ReadAll(io.LimitReader(f, 4096))
		f.Close()
		for _, line := range strings.Split(string(b), "\n") {
			if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				kib, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
				mem = fmt.Sprintf(", %.0f GiB RAM", float64(kib)/(1<<20))
			}
		}
	}
	return fmt.Sprintf("%s/%s, %d CPUs%s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), mem)
}
