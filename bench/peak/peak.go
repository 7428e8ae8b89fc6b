// Package peak reads a process's peak resident memory, the honest measure of what a
// benchmark variant needed (Go's heap statistics miss cgo and mapped memory).
package peak

import (
	"os"
	"strconv"
	"strings"
)

// RSS returns this process's peak resident set so far (VmHWM), in KiB; 0 where
// /proc/self/status is not available.
func RSS() int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return n
		}
	}
	return 0
}
