// Package browsertest finds the headless browser that the tests of pages people look at
// drive: one rule for every such test.
package browsertest

import (
	"os"
	"os/exec"
	"testing"
)

// Chromium returns the path of a headless Chromium. Without one the test is skipped on a
// developer's machine (and under -short), but CI (CI=true) must have it: a page that was
// never drawn is not tested.
func Chromium(t testing.TB) string {
	t.Helper()
	ci := os.Getenv("CI") == "true"
	if testing.Short() && !ci {
		t.Skip("browser test skipped under -short")
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if ci {
		t.Fatal("CI=true but no chromium on PATH (apt-get install chromium; .ci/run installs it)")
	}
	t.Skip("chromium not installed (apt-get install chromium); the browser test is required in CI")
	return ""
}
