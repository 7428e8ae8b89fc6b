//go:build linux

package main

// The crash guard: a long command (run, demo, schedule, serve) runs in a child process
// of minqing itself, so that a crash the process cannot report (a fault on one of
// DuckDB's own threads kills it silently: Go's runtime forwards such a signal to the
// default action, with nothing on stderr) still leaves a message saying what died and
// where. The parent is transparent: the child shares its stdin, stdout and stderr (a
// terminal stays a terminal, so the progress bar still shows), gets SIGINT, SIGTERM,
// SIGHUP and SIGQUIT forwarded, and its exit code becomes the parent's. Only a death by
// a signal the parent did not forward is reported, with the stage the child was in:
// read off the child's log lines when stderr is not a terminal (a log file, a service
// manager, CI: the parent copies every byte on unchanged, to the last one, and notes the
// stage from each line), else from what the child recorded with noteStage in a small
// state file.
//
// MINQING_CRASHGUARD=off runs every command in a single process, as before.

import (
	"bytes"
	"embed"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/term"
)

const (
	// crashGuardEnv marks the child ("child") or turns the guard off ("off").
	crashGuardEnv = "MINQING_CRASHGUARD"
	// crashStateEnv names the file the child records its current stage in.
	crashStateEnv = "MINQING_CRASHGUARD_STATE"
)

// guardedCommands are the commands that run long enough, and do enough in DuckDB, to be
// worth a supervising parent.
var guardedCommands = map[string]bool{"run": true, "demo": true, "schedule": true, "serve": true}

// crashGuard is called first thing in main. In the parent of a guarded command it runs
// the command in a child, waits for it and returns (its exit code, true); main then
// exits with that code. In the child, and for any other command, it returns (0, false)
// and main runs the command itself (a child also starts recording its stage).
func crashGuard() (int, bool) {
	switch os.Getenv(crashGuardEnv) {
	case "off":
		return 0, false
	case "child":
		startStageRecorder(os.Getenv(crashStateEnv))
		return 0, false
	}
	name := guardedCommand(os.Args[1:])
	if name == "" {
		return 0, false
	}
	res, err := superviseChild(guardedRun{Name: name, Args: os.Args[1:], Stdout: os.Stdout, Stderr: os.Stderr})
	if err != nil {
		// The child could not even be started: run in this process, unguarded.
		fmt.Fprintf(os.Stderr, "minqing: crash guard unavailable (%v); running without it\n", err)
		return 0, false
	}
	if res.Forwarded {
		// The child died of a signal it was sent on our behalf (Ctrl-C, a service
		// manager's stop): die of it too, as the single process would have.
		switch res.Signal {
		case syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP:
			signal.Reset(res.Signal)
			syscall.Kill(os.Getpid(), res.Signal)
			time.Sleep(time.Second)
		}
	}
	return res.Code, true
}

// guardedCommand is the guarded command args name (the first argument that is not a
// flag or a flag's value), or "".
func guardedCommand(args []string) string {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return ""
		}
		if strings.HasPrefix(a, "-") {
			// The root's only flag taking a separate value is --log-level.
			if a == "--log-level" {
				i++
			}
			continue
		}
		if guardedCommands[a] {
			return a
		}
		return ""
	}
	return ""
}

// forwardedSignals are passed on to the child; the child decides what they mean.
var forwardedSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT}

// guardedRun is one supervised child.
type guardedRun struct {
	Name           string   // the command, for the message
	Args           []string // the executable's arguments
	Env            []string // added to the environment (tests)
	Stdout, Stderr io.Writer
	// Started, when set, is told the child's process (tests).
	Started func(*os.Process)
}

type guardResult struct {
	Code      int            // the exit code to exit with: the child's, or 128+signal
	Signal    syscall.Signal // the signal the child died of, or 0
	Forwarded bool           // that signal was one the parent forwarded
	Stage     string         // the stage the child was in when it died (empty if it exited)
}

// superviseChild runs minqing as a child (the running executable, /proc/self/exe, so a
// binary replaced on disk meanwhile does not matter) and waits for it. A child that dies
// of a signal nobody forwarded leaves a message on g.Stderr. err is set only when the
// child could not start.
func superviseChild(g guardedRun) (guardResult, error) {
	exe := "/proc/self/exe"
	if _, err := os.Stat(exe); err != nil {
		if exe, err = os.Executable(); err != nil {
			return guardResult{}, err
		}
	}
	state, err := os.CreateTemp("", "minqing-stage-*")
	if err != nil {
		return guardResult{}, err
	}
	statePath := state.Name()
	state.Close()
	defer os.Remove(statePath)
	defer os.Remove(statePath + ".tmp")

	child := exec.Command(exe, g.Args...)
	child.Args[0] = os.Args[0]
	child.Stdin, child.Stdout, child.Stderr = os.Stdin, g.Stdout, g.Stderr
	var logStage *stageWriter
	if f, ok := g.Stderr.(*os.File); !ok || !term.IsTerminal(int(f.Fd())) {
		// exec copies the child's stderr through logStage, and Wait returns only once
		// the pipe is drained: nothing the child wrote is lost, even as it dies. (On a
		// terminal the child keeps the terminal itself, for the progress bar.)
		logStage = &stageWriter{out: g.Stderr, cmd: g.Name}
		child.Stderr = logStage
	}
	child.Env = append(append(os.Environ(), g.Env...), crashGuardEnv+"=child", crashStateEnv+"="+statePath)
	// If the parent dies (SIGKILL), the child is told to stop rather than left running
	// with nobody to report on it. Pdeathsig follows the thread that started the child:
	// keep this goroutine on it until the child has ended.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	child.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}

	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, forwardedSignals...)
	defer signal.Stop(sigs)
	started := time.Now()
	if err := child.Start(); err != nil {
		return guardResult{}, err
	}
	if g.Started != nil {
		g.Started(child.Process)
	}
	var mu sync.Mutex
	forwarded := map[syscall.Signal]bool{}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-sigs:
				mu.Lock()
				forwarded[s.(syscall.Signal)] = true
				mu.Unlock()
				child.Process.Signal(s)
			case <-done:
				return
			}
		}
	}()
	waitErr := child.Wait()
	close(done)
	ws, ok := child.ProcessState.Sys().(syscall.WaitStatus)
	switch {
	case !ok && waitErr != nil:
		return guardResult{Code: 1}, nil
	case !ok:
		return guardResult{}, nil
	case !ws.Signaled():
		return guardResult{Code: ws.ExitStatus()}, nil
	}
	res := guardResult{Code: 128 + int(ws.Signal()), Signal: ws.Signal()}
	mu.Lock()
	res.Forwarded = forwarded[res.Signal]
	mu.Unlock()
	res.Stage = readStage(statePath)
	if logStage != nil {
		if ls := logStage.Stage(); ls != "" {
			res.Stage = ls
		}
	}
	if !res.Forwarded {
		fmt.Fprint(g.Stderr, crashMessage(g.Name, res.Signal, ws.CoreDump(), res.Stage, time.Since(started), time.Now()))
	}
	return res, nil
}

// crashMessage is what the parent says when the child died by sig: one line for a
// person, one slog-style line for whoever reads the log.
func crashMessage(cmdName string, sig syscall.Signal, core bool, stage string, after time.Duration, now time.Time) string {
	if stage == "" {
		stage = "starting"
	}
	name := signalName(sig)
	coreNote := ""
	if core {
		coreNote = " (core dumped)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "minqing: the %s died (signal %s: %s%s) while %s, after %s; ", cmdName, name, sig, coreNote, stage, after.Round(time.Second))
	b.WriteString("nothing of its unfinished step was kept: the store keeps its last complete figures; run again")
	if sig == syscall.SIGKILL {
		b.WriteString(" (SIGKILL that nobody sent by hand is usually the kernel's out-of-memory killer: see `dmesg`; serve.memory_limit caps the store's memory)")
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "time=%s level=ERROR msg=\"minqing died\" command=%s signal=%s core_dumped=%t stage=%q after=%s\n",
		now.Format(time.RFC3339Nano), cmdName, name, core, stage, after.Round(time.Millisecond))
	return b.String()
}

func signalName(sig syscall.Signal) string {
	names := map[syscall.Signal]string{
		syscall.SIGSEGV: "SIGSEGV", syscall.SIGBUS: "SIGBUS", syscall.SIGILL: "SIGILL", syscall.SIGFPE: "SIGFPE",
		syscall.SIGABRT: "SIGABRT", syscall.SIGKILL: "SIGKILL", syscall.SIGTERM: "SIGTERM", syscall.SIGINT: "SIGINT",
		syscall.SIGQUIT: "SIGQUIT", syscall.SIGHUP: "SIGHUP", syscall.SIGPIPE: "SIGPIPE", syscall.SIGTRAP: "SIGTRAP",
		syscall.SIGSYS: "SIGSYS", syscall.SIGXCPU: "SIGXCPU", syscall.SIGXFSZ: "SIGXFSZ",
	}
	if n, ok := names[sig]; ok {
		return n
	}
	return fmt.Sprintf("signal %d", int(sig))
}

func readStage(statePath string) string {
	b, err := os.ReadFile(statePath)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// ---- stages: what the child was doing ----

//go:embed transform/sql/*.sql
var guardModelFS embed.FS

// guardModels are the transform's models in the order transform.Run builds them.
var guardModels = func() []string {
	entries, _ := fs.ReadDir(guardModelFS, "transform/sql")
	var names []string
	for _, e := range entries {
		names = append(names, "sql/"+e.Name())
	}
	sort.Strings(names)
	return names
}()

var stageFile struct {
	sync.Mutex
	path string
	last string
}

// noteStage records what the process is doing now, for the crash guard's message. It
// does nothing outside a guarded child. Code that wants finer stages than the log lines
// give may call it directly.
func noteStage(format string, args ...any) {
	stageFile.Lock()
	defer stageFile.Unlock()
	if stageFile.path == "" {
		return
	}
	s := fmt.Sprintf(format, args...)
	if s == stageFile.last {
		return
	}
	stageFile.last = s
	// Write then rename: the parent never reads half a line.
	tmp := stageFile.path + ".tmp"
	if os.WriteFile(tmp, []byte(s+"\n"), 0o600) == nil {
		os.Rename(tmp, stageFile.path)
	}
}

// startStageRecorder makes this (child) process record its stage in statePath.
func startStageRecorder(statePath string) {
	if statePath == "" {
		return
	}
	stageFile.Lock()
	stageFile.path = statePath
	stageFile.Unlock()
	noteStage("running `%s`", guardedCommand(os.Args[1:]))
}

// stageWriter passes the child's stderr through unchanged and keeps the stage its log
// lines tell.
type stageWriter struct {
	out     io.Writer
	cmd     string
	mu      sync.Mutex
	partial []byte
	stage   string
}

func (w *stageWriter) Write(p []byte) (int, error) {
	n, err := w.out.Write(p)
	w.mu.Lock()
	defer w.mu.Unlock()
	data := p
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			if len(w.partial) < 64<<10 {
				w.partial = append(w.partial, data...)
			}
			break
		}
		line := data[:i]
		if len(w.partial) > 0 {
			line = append(w.partial, line...)
			w.partial = w.partial[:0]
		}
		if s := stageFromLog(w.cmd, line); s != "" {
			w.stage = s
		}
		data = data[i+1:]
	}
	return n, err
}

func (w *stageWriter) Stage() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stage
}

var (
	logMsgRE   = regexp.MustCompile(`\bmsg=("(?:[^"\\]|\\.)*"|\S+)`)
	logFileRE  = regexp.MustCompile(`\bfile=("(?:[^"\\]|\\.)*"|\S+)`)
	logModelRE = regexp.MustCompile(`\bmodel=(\S+)`)
)

// stageFromLog is the stage a log line of the child tells, or "".
func stageFromLog(cmd string, line []byte) string {
	m := logMsgRE.FindSubmatch(line)
	if m == nil {
		return ""
	}
	msg := strings.Trim(string(m[1]), `"`)
	switch msg {
	case "file read":
		f := ""
		if fm := logFileRE.FindSubmatch(line); fm != nil {
			f = strings.Trim(string(fm[1]), `"`)
		}
		return fmt.Sprintf("loading exports (last file read: %s)", f)
	case "ingest finished":
		return "transforming the loaded rows (all models run in one transaction)"
	case "model built":
		mm := logModelRE.FindSubmatch(line)
		if mm == nil {
			return ""
		}
		built := string(mm[1])
		if next := nextModel(built); next != "" {
			return "transforming: building model " + next + " (after " + path.Base(built) + ")"
		}
		return "transforming: running the data tests and committing (after " + path.Base(built) + ")"
	case "transform finished":
		return "writing the workbook and the dashboard (the new figures were committed)"
	case "workbook written":
		return "writing the dashboard (figures and workbook were written)"
	case "dashboard written":
		if cmd == "serve" || cmd == "schedule" {
			return "idle between loads (the last load was complete)"
		}
		return "finishing (figures, workbook and dashboard were written)"
	case "serving":
		return "serving (between loads)"
	}
	return ""
}

// nextModel is the model transform.Run builds after built (the debug log names a model
// once it is built), or "" after the last one.
func nextModel(built string) string {
	for i, n := range guardModels {
		if n == built && i+1 < len(guardModels) {
			return path.Base(guardModels[i+1])
		}
	}
	return ""
}
