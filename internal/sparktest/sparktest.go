// Package sparktest finds the Spark Connect server the tests that run on Spark use: one
// rule for every such test, as internal/browsertest is for pages.
package sparktest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// URL returns the Spark Connect address in MINQING_SPARK_CONNECT
// (sc://127.0.0.1:15002 for the cluster of scripts/spark-cluster). Without one the test is
// skipped on a developer's machine, but CI (CI=true) must have it: .ci/run starts the
// cluster, and a Spark test that never ran is not tested.
func URL(t testing.TB) string {
	t.Helper()
	if url := os.Getenv("MINQING_SPARK_CONNECT"); url != "" {
		return url
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("CI=true but MINQING_SPARK_CONNECT is not set (.ci/run starts scripts/spark-cluster and sets it)")
	}
	t.Skip("no Spark cluster: scripts/spark-cluster start, then MINQING_SPARK_CONNECT=sc://127.0.0.1:15002; the Spark tests are required in CI")
	return ""
}

// InCI says whether the tests run in CI, where a test's missing prerequisite is a
// failure rather than a skip.
func InCI() bool { return os.Getenv("CI") == "true" }

// Script returns the path of scripts/spark-cluster, found from the test's folder up to
// the module's root, once the cluster it runs answers "status". A test that cannot use
// it is skipped on a developer's machine (the cluster may be another one) and fails in CI.
//
// The test holds the cluster's fault lock from then until it ends (after KillWorker has
// started the worker again): go test runs packages side by side, and two tests killing
// workers at once would leave a build with none, or start the cluster twice at once.
func Script(t testing.TB) string {
	t.Helper()
	lockFaults(t)
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		up := filepath.Dir(dir)
		if up == dir {
			t.Fatal("no go.mod above the test's folder: cannot find scripts/spark-cluster")
		}
		dir = up
	}
	script := filepath.Join(dir, "scripts", "spark-cluster")
	if out, err := exec.Command(script, "status").CombinedOutput(); err != nil {
		if InCI() {
			t.Fatalf("CI=true but the cluster is not one scripts/spark-cluster runs:\n%s", out)
		}
		t.Skipf("the cluster is not one scripts/spark-cluster runs, so no worker to kill:\n%s", out)
	}
	return script
}

// lockFaults takes an exclusive lock on a file every test process on the machine shares,
// waiting for it, and releases it when the test ends.
func lockFaults(t testing.TB) {
	t.Helper()
	path := filepath.Join(os.TempDir(), "minqing-spark-faults.lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		t.Fatalf("opening the Spark fault lock %s: %v", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		t.Fatalf("locking %s: %v", path, err)
	}
	t.Cleanup(func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	})
}

// KillWorker kills worker n (1 or 2) of the scripts/spark-cluster cluster with -9, and
// starts it again when the test ends, for whatever runs next.
func KillWorker(t testing.TB, script string, n int) string {
	t.Helper()
	t.Cleanup(func() {
		out, err := exec.Command(script, "start").CombinedOutput()
		if err != nil {
			t.Errorf("restarting the cluster: %v\n%s", err, out)
		}
	})
	out, err := exec.Command(script, "kill-worker", strconv.Itoa(n)).CombinedOutput()
	if err != nil {
		t.Fatalf("kill-worker %d: %v\n%s", n, err, out)
	}
	return strings.TrimSpace(string(out))
}
