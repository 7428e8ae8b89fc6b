// Package sparktest finds the Spark Connect server the tests that run on Spark use: one
// rule for every such test, as internal/browsertest is for pages.
package sparktest

import (
	"os"
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
