//go:build linux

package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/minqing/minqing/fixtures"
)

// guardChild is the child's side of the crash guard tests: the test binary, started
// by superviseChild with MINQING_GUARD_TEST set, behaves as minqing's main would.
// It returns only when the test is not a child.
func guardChild(t *testing.T) {
	mode := os.Getenv("MINQING_GUARD_TEST")
	if mode == "" {
		return
	}
	if code, ok := crashGuard(); ok { // in a child: only starts the stage recorder
		os.Exit(code)
	}
	switch mode {
	case "segv":
		// A log line, then the death a fault on one of DuckDB's threads gives: Go's
		// runtime puts the default action back and re-raises, the kernel kills the
		// process, nothing is printed.
		fmt.Fprintln(os.Stderr, `time=2026-01-01T00:00:00Z level=DEBUG msg="model built" component=transform model=sql/15_unit_matches.sql duration=1s`)
		dieOfDefaultSIGSEGV()
	case "exit3":
		fmt.Fprintln(os.Stdout, "to stdout")
		fmt.Fprintln(os.Stderr, "to stderr")
		os.Exit(3)
	case "args":
		cmd := newRoot(os.Stdout, os.Stderr)
		cmd.SetArgs(strings.Fields(os.Getenv("MINQING_GUARD_ARGS")))
		if err := cmd.ExecuteContext(context.Background()); err != nil {
			fmt.Fprintln(os.Stderr, "minqing:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(99)
}

// dieOfDefaultSIGSEGV sets SIGSEGV's action to the default behind Go's back and raises
// it, as runtime.raisebadsignal does for a fault on a thread Go did not create.
func dieOfDefaultSIGSEGV() {
	syscall.Setrlimit(syscall.RLIMIT_CORE, &syscall.Rlimit{}) // no core file in the package folder
	// struct sigaction, all zero: SIG_DFL, no flags, empty mask.
	var act [4]uint64
	syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(syscall.SIGSEGV), uintptr(unsafe.Pointer(&act[0])), 0, 8, 0, 0)
	syscall.Kill(os.Getpid(), syscall.SIGSEGV)
	time.Sleep(10 * time.Second)
	os.Exit(98)
}

// lockedBuffer collects a child's output, copied by exec's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
	// onWrite, when set, sees everything written so far after each write.
	onWrite func(all []byte)
}

func (w *lockedBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.b.Write(p)
	if w.onWrite != nil {
		w.onWrite(w.b.Bytes())
	}
	return len(p), nil
}

func (w *lockedBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// TestCrashGuardSIGSEGV: a child that dies of SIGSEGV with nothing printed (the way the
// one-million-case run died in 20_stg_cases) leaves a message naming the signal and the
// model being built, and the exit code a shell gives such a death (139); what the child
// wrote before is passed on unchanged.
func TestCrashGuardSIGSEGV(t *testing.T) {
	guardChild(t)
	var out lockedBuffer
	res, err := superviseChild(guardedRun{
		Name: "run", Args: []string{"-test.run", "^TestCrashGuardSIGSEGV$"},
		Env: []string{"MINQING_GUARD_TEST=segv"}, Stdout: &out, Stderr: &out,
	})
	if err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if res.Signal != syscall.SIGSEGV || res.Code != 139 || res.Forwarded {
		t.Fatalf("result %+v, want SIGSEGV, code 139, not forwarded\n%s", res, got)
	}
	for _, want := range []string{
		`msg="model built" component=transform model=sql/15_unit_matches.sql duration=1s` + "\n",
		"minqing: the run died (signal SIGSEGV: segmentation fault",
		"while transforming: building model 20_stg_cases.sql (after 15_unit_matches.sql)",
		"the store keeps its last complete figures; run again",
		`level=ERROR msg="minqing died" command=run signal=SIGSEGV`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}

// TestCrashGuardTransparent: a child that exits normally passes its exit code, stdout
// and stderr through, with no message.
func TestCrashGuardTransparent(t *testing.T) {
	guardChild(t)
	var stdout, stderr lockedBuffer
	res, err := superviseChild(guardedRun{
		Name: "run", Args: []string{"-test.run", "^TestCrashGuardTransparent$"},
		Env: []string{"MINQING_GUARD_TEST=exit3"}, Stdout: &stdout, Stderr: &stderr,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Code != 3 || res.Signal != 0 {
		t.Errorf("result %+v, want exit code 3", res)
	}
	if stdout.String() != "to stdout\n" || stderr.String() != "to stderr\n" {
		t.Errorf("stdout %q, stderr %q: want them passed through unchanged", stdout.String(), stderr.String())
	}
}

func TestGuardedCommand(t *testing.T) {
	for args, want := range map[string]string{
		"run --config x.yaml":             "run",
		"--log-level debug run":           "run",
		"--log-level=warn serve":          "serve",
		"demo --dir d":                    "demo",
		"schedule":                        "schedule",
		"stats --period 2024Q3":           "",
		"help run":                        "",
		"":                                "",
		"--log-level run stats":           "",
		"report --config run.yaml --unit": "",
	} {
		if got := guardedCommand(strings.Fields(args)); got != want {
			t.Errorf("guardedCommand(%q) = %q, want %q", args, got, want)
		}
	}
}

// TestCrashGuardKilledMidTransform kills a real `minqing run` under the guard while the
// transform builds its models (SIGKILL: a signal the parent did not send, no cleanup),
// after a first, complete run over part of the exports. The guard says what died and
// where; the store still holds the first run's figures, whole; the next run converges
// to the figures of an uninterrupted run over all the exports.
func TestCrashGuardKilledMidTransform(t *testing.T) {
	guardChild(t)
	cleanCfg, truth := district(t) // the uninterrupted run, for comparison

	dir := t.TempDir()
	if _, err := fixtures.Generate(dir, fixtures.Options{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "minqing.yaml")
	// A first complete run without the villages' ledgers: the figures the store holds
	// when the second run is killed.
	ledgers, held := filepath.Join(dir, "exports", "ledgers"), filepath.Join(dir, "ledgers.held")
	if err := os.Rename(ledgers, held); err != nil {
		t.Fatal(err)
	}
	minqing(t, "run", "--config", cfg)
	var quarters []string
	before := map[string][]byte{}
	for _, q := range truth.Periods {
		if strings.Contains(q, "Q") {
			quarters = append(quarters, q)
			_, before[q] = stats(t, cfg, q)
		}
	}
	if err := os.Rename(held, ledgers); err != nil {
		t.Fatal(err)
	}

	var proc *os.Process
	var killed bool
	var stderr lockedBuffer
	stderr.onWrite = func(all []byte) {
		// 15_unit_matches built: the transform is building 20_stg_cases.
		if !killed && proc != nil && bytes.Contains(all, []byte("model=sql/15_unit_matches.sql")) {
			killed = true
			proc.Kill()
		}
	}
	var stdout lockedBuffer
	res, err := superviseChild(guardedRun{
		Name: "run", Args: []string{"-test.run", "^TestCrashGuardKilledMidTransform$"},
		Env:    []string{"MINQING_GUARD_TEST=args", "MINQING_GUARD_ARGS=run --config " + cfg + " --log-level debug"},
		Stdout: &stdout, Stderr: &stderr,
		Started: func(p *os.Process) { stderr.mu.Lock(); proc = p; stderr.mu.Unlock() },
	})
	if err != nil {
		t.Fatal(err)
	}
	got := stderr.String()
	if res.Signal != syscall.SIGKILL || res.Code != 137 {
		t.Fatalf("result %+v, want death by SIGKILL (137)\n%s", res, got)
	}
	if strings.Contains(got, `msg="transform finished"`) {
		t.Fatalf("the kill landed after the transform had finished:\n%s", got)
	}
	for _, want := range []string{
		"minqing: the run died (signal SIGKILL: killed) while transforming: building model ",
		"the store keeps its last complete figures; run again",
		`level=ERROR msg="minqing died" command=run signal=SIGKILL`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("stderr lacks %q:\n%s", want, got)
		}
	}
	t.Logf("stage when killed: %s", res.Stage)

	// The store keeps the first run's figures, exactly.
	for _, q := range quarters {
		if _, after := stats(t, cfg, q); !bytes.Equal(after, before[q]) {
			t.Errorf("%s: figures after the killed run differ from the last complete run's", q)
		}
	}
	// The next run converges.
	minqing(t, "run", "--config", cfg)
	for _, q := range quarters {
		_, want := stats(t, cleanCfg, q)
		if _, got := stats(t, cfg, q); !bytes.Equal(got, want) {
			t.Errorf("%s: figures after the killed run and a rerun differ from an uninterrupted run", q)
		}
	}
}

// TestStageFromLog: the stage the guard names is read off the child's log lines.
func TestStageFromLog(t *testing.T) {
	for line, want := range map[string]string{
		`time=x level=INFO msg="file read" component=ingest source=platform file=cases.csv status=loaded rows=3`: "loading exports (last file read: cases.csv)",
		`time=x level=INFO msg="ingest finished" loaded=1 unchanged=0 failed=0`:                                  "transforming the loaded rows (all models run in one transaction)",
		`time=x level=DEBUG msg="model built" component=transform model=sql/15_unit_matches.sql duration=1s`:     "transforming: building model 20_stg_cases.sql (after 15_unit_matches.sql)",
		`time=x level=DEBUG msg="model built" component=transform model=sql/70_quarantine.sql duration=1s`:       "transforming: running the data tests and committing (after 70_quarantine.sql)",
		`time=x level=INFO msg="transform finished" cases=1`:                                                     "writing the workbook and the dashboard (the new figures were committed)",
		`time=x level=INFO msg="something else"`:                                                                 "",
		`not a log line`:                                                                                         "",
	} {
		if got := stageFromLog("run", []byte(line)); got != want {
			t.Errorf("stageFromLog(%q) = %q, want %q", line, got, want)
		}
	}
}
