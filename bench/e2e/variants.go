package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// pythonEnv is the environment without variables that would point /usr/bin/python3 at
// another installation's modules (pyenv is first on PATH here).
func pythonEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); k == "PYTHONPATH" || k == "PYTHONHOME" {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// configYAML is the config of every minqing run, as the lead's own 1M run used it: the
// export by absolute path, plus the run's day/ folder for the incremental day's file
// (empty until then; a pattern that matches nothing is no error). bigcsv.py heads the
// register's parent column parent_code, hence units_headers.
func configYAML(d dataSet) string {
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) } // JSON strings are YAML
	return fmt.Sprintf(`store: store/minqing.duckdb
units: %s
units_headers: {parent_code: parent}
out: out
sources:
  - name: platform
    kind: cases
    level: district
    paths: [%s, "day/*.csv"]
    encoding: gb18030
`, q(d.Units), q(d.Cases))
}

// minqingFull measures one `minqing run` on a new store in dir.
func minqingFull(ctx context.Context, o options, d dataSet, dir string, i int) (Run, error) {
	// minqing creates the store's file, not its folder.
	for _, sub := range []string{"day", "store"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return Run{}, fmt.Errorf("creating %s: %w", dir, err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "minqing.yaml"), []byte(configYAML(d)), 0o644); err != nil {
		return Run{}, fmt.Errorf("writing the config in %s: %w", dir, err)
	}
	return minqingRun(ctx, o, dir, variantMinqing, i, "run")
}

// minqingRun measures `minqing run` under dir's config; its log goes to dir/NAME.log.
func minqingRun(ctx context.Context, o options, dir, variant string, i int, name string) (Run, error) {
	logPath := filepath.Join(dir, name+".log")
	u, start, err := measure(ctx, child{Dir: dir, Name: o.Minqing,
		Args:   []string{"run", "--config", "minqing.yaml", "--period", o.Period, "--log-level", "debug"},
		Stdout: filepath.Join(dir, name+".out"), Stderr: logPath})
	if err != nil {
		return Run{}, fmt.Errorf("measuring %s %d: %w", variant, i, err)
	}
	r := Run{Variant: variant, Run: i, Usage: u, Dir: dir}
	f, err := os.Open(logPath)
	if err != nil {
		return r, fmt.Errorf("reading minqing's log: %w", err)
	}
	st := ParseLog(f, start)
	f.Close()
	r.Stages = &st
	if fi, err := os.Stat(filepath.Join(dir, "store", "minqing.duckdb")); err == nil {
		r.StoreBytes = fi.Size()
	}
	progress(r)
	return r, nil
}

// minqingStats is the district's headline from `minqing stats` on dir's store.
func minqingStats(ctx context.Context, o options, dir string) (Headline, error) {
	cmd := exec.CommandContext(ctx, o.Minqing, "stats", "--config", "minqing.yaml", "--period", o.Period)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return Headline{}, fmt.Errorf("running minqing stats in %s: %w\n%s", dir, err, bytes.TrimSpace(stderr.Bytes()))
	}
	if err := os.WriteFile(filepath.Join(dir, "stats.json"), out, 0o644); err != nil {
		return Headline{}, fmt.Errorf("keeping the stats: %w", err)
	}
	return minqingHeadline(out, districtCode)
}

// pandasSplitRE reads the script's last line: "baseline: N cases, M listed; compute X s,
// workbook Y s, total Z s".
var pandasSplitRE = regexp.MustCompile(`compute ([0-9.]+) s, workbook ([0-9.]+) s`)

// pandas measures one run of the analyst's script, writing its workbook into dir.
func pandas(ctx context.Context, o options, d dataSet, dir string, i int) (Run, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Run{}, fmt.Errorf("creating %s: %w", dir, err)
	}
	stdout := filepath.Join(dir, "stdout.txt")
	u, _, err := measure(ctx, child{Dir: dir, Name: o.Python, Env: pythonEnv(),
		Args:   []string{filepath.Join(o.Peer, "baseline_pandas.py"), d.Dir, o.Calendar, filepath.Join(dir, "baseline.xlsx"), o.Period},
		Stdout: stdout, Stderr: filepath.Join(dir, "stderr.txt")})
	if err != nil {
		return Run{}, fmt.Errorf("measuring %s %d: %w", variantPandas, i, err)
	}
	r := Run{Variant: variantPandas, Run: i, Usage: u, Dir: dir}
	if b, err := os.ReadFile(stdout); err == nil {
		if m := pandasSplitRE.FindSubmatch(b); m != nil {
			r.PandasCompute, r.PandasWorkbook = seconds(string(m[1])), seconds(string(m[2]))
		}
	}
	progress(r)
	return r, nil
}

func seconds(s string) *time.Duration {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil
	}
	d := time.Duration(f * float64(time.Second))
	return &d
}

// incremental adds one day's export to the last full run's store and measures `run`
// twice more: with that day, then with nothing new.
func incremental(ctx context.Context, o options, d dataSet, dir string, res *Result) error {
	res.StoreSizes = append(res.StoreSizes, storeSize(dir, "the full load"))
	day := filepath.Join(dir, "day", dayFileName)
	st, err := writeDayFile(d.Cases, d.Units, day, o.DayRows, o.Cases)
	if err != nil {
		return fmt.Errorf("writing the incremental day: %w", err)
	}
	res.Day = &st
	fmt.Fprintf(os.Stderr, "day file %s: %d updates (open cases now closed), %d new cases\n", day, st.Updates, st.New)
	r, err := minqingRun(ctx, o, dir, variantDay, 1, "day")
	if err != nil {
		return err
	}
	res.Runs = append(res.Runs, r)
	res.StoreSizes = append(res.StoreSizes, storeSize(dir, "the day"))
	if want := o.Cases + st.New; r.Stages.Cases != want || r.Stages.Quarantined != 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("after the day minqing counted %d cases and %d quarantined rows; expected %d and 0 (the updates are versions of cases it has)",
			r.Stages.Cases, r.Stages.Quarantined, want))
	}
	if r, err = minqingRun(ctx, o, dir, variantNothingNew, 1, "nothing-new"); err != nil {
		return err
	}
	res.Runs = append(res.Runs, r)
	res.StoreSizes = append(res.StoreSizes, storeSize(dir, "nothing new"))
	if r.Stages.Loaded != 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("the run with nothing new loaded %d files (expected 0)", r.Stages.Loaded))
	}
	return nil
}

func storeSize(dir, after string) sizeNote {
	n := sizeNote{After: after}
	if fi, err := os.Stat(filepath.Join(dir, "store", "minqing.duckdb")); err == nil {
		n.Bytes = fi.Size()
	}
	if fi, err := os.Stat(filepath.Join(dir, "store", "minqing.duckdb.wal")); err == nil {
		n.WAL = fi.Size()
	}
	return n
}
