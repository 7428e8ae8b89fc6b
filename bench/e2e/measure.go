package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Usage is what one child process cost, from the kernel's accounting at wait4: wall time
// measured here, CPU and peak from the child's rusage. On Linux the rusage wait4 returns
// covers the child and every descendant it waited for, and ru_maxrss is the largest peak
// among them: `minqing run` supervises a worker process (crash guard) that does the work,
// so the peak is the worker's, not the small supervisor's.
type Usage struct {
	Wall    time.Duration `json:"wall_ns"`
	User    time.Duration `json:"user_ns"`
	Sys     time.Duration `json:"sys_ns"`
	PeakKiB int64         `json:"peak_kib"` // ru_maxrss (KiB on Linux)
}

// CPU is user plus system time.
func (u Usage) CPU() time.Duration { return u.User + u.Sys }

// child is one command to measure.
type child struct {
	Dir    string
	Name   string
	Args   []string
	Env    []string // replaces the environment when set
	Stdout string   // file for the child's stdout ("" discards it)
	Stderr string   // file for the child's stderr ("" discards it)
}

// measure runs c to its end and returns its usage and when it started (for the log's
// timestamps). A non-zero exit is an error that quotes the end of the child's stderr.
func measure(ctx context.Context, c child) (Usage, time.Time, error) {
	cmd := exec.CommandContext(ctx, c.Name, c.Args...)
	cmd.Dir = c.Dir
	if c.Env != nil {
		cmd.Env = c.Env
	}
	// On Ctrl-C the child is asked to stop (minqing forwards SIGTERM to its worker) and
	// killed only if it does not.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 30 * time.Second
	var files []*os.File
	open := func(path string) (*os.File, error) {
		if path == "" {
			return nil, nil
		}
		f, err := os.Create(path)
		if err != nil {
			return nil, fmt.Errorf("creating %s: %w", path, err)
		}
		files = append(files, f)
		return f, nil
	}
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	out, err := open(c.Stdout)
	if err != nil {
		return Usage{}, time.Time{}, err
	}
	errf, err := open(c.Stderr)
	if err != nil {
		return Usage{}, time.Time{}, err
	}
	if out != nil {
		cmd.Stdout = out
	}
	if errf != nil {
		cmd.Stderr = errf
	}
	start := time.Now()
	runErr := cmd.Run()
	wall := time.Since(start)
	var u Usage
	u.Wall = wall
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			u.User = time.Duration(ru.Utime.Nano())
			u.Sys = time.Duration(ru.Stime.Nano())
			u.PeakKiB = ru.Maxrss
		}
	}
	if runErr != nil {
		return u, start, fmt.Errorf("running %s %s: %w%s", filepath.Base(c.Name), strings.Join(c.Args, " "), runErr, tail(c.Stderr))
	}
	return u, start, nil
}

// tail is the end of a log file, to quote in an error.
func tail(path string) string {
	if path == "" {
		return ""
	}
	b, err := os.ReadFile(path)
	if err != nil || len(b) == 0 {
		return ""
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return fmt.Sprintf("\n--- end of %s ---\n%s", path, bytes.TrimSpace(b))
}
