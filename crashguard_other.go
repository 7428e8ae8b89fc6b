//go:build !linux

package main

// crashGuard supervises long commands on Linux only (crashguard.go); elsewhere every
// command runs in a single process.
func crashGuard() (int, bool) { return 0, false }

// noteStage records the stage for the crash guard's message; a no-op without the guard.
func noteStage(string, ...any) {}
