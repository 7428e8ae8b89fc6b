package dashboards

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/minqing/minqing/internal/browsertest"
)

// runChromium runs one headless action against url. Every network name resolves to nothing
// and background services are off, so a page that reached for a host could not draw.
func runChromium(t *testing.T, bin, url string, action ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	args := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir(), `--host-resolver-rules=MAP * ~NOTFOUND`,
		"--virtual-time-budget=5000",
	}
	args = append(append(args, action...), url)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", action, err, stderr.Bytes())
	}
	return stdout.Bytes()
}

func TestBrowserDrawsCharts(t *testing.T) {
	bin := browsertest.Chromium(t)
	in := sampleInput()
	// Names that would run script if they escaped into the page; they mark the document
	// rather than alert, so the dump shows whether they ran.
	in.Townships[1].Unit.Name = `</script><script>document.documentElement.setAttribute("data-pwned","script")</script>`
	in.Townships[2].Unit.Name = `__f__function(){document.documentElement.setAttribute("data-pwned","func")}__f__`
	page, err := Write(t.TempDir(), in)
	if err != nil {
		t.Fatal(err)
	}
	url := "file://" + filepath.ToSlash(page)

	dom := string(runChromium(t, bin, url, "--dump-dom"))
	if n := strings.Count(dom, "_echarts_instance_"); n != 3 {
		t.Errorf("%d charts were initialised, want 3", n)
	}
	for _, id := range []string{"chart-trend", "chart-ranking", "chart-classes"} {
		el := regexp.MustCompile(`(?s)<div[^>]*id="` + id + `"[^>]*>(.*?)</div>\s*</div>`).FindStringSubmatch(dom)
		if el == nil || !strings.Contains(el[1], "<canvas") {
			t.Errorf("chart %s has no canvas", id)
		}
	}
	if !regexp.MustCompile(`id="charts-missing" hidden`).MatchString(dom) {
		t.Error("the page says the chart script did not load")
	}
	// The names are in the dump as text of the inline script; only the attribute counts.
	if regexp.MustCompile(`<html[^>]*data-pwned`).MatchString(dom) {
		t.Error("a unit name ran as script")
	}

	dir := os.Getenv("MINQING_SCREENSHOT_DIR")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, size := range []string{"1280,1600", "390,2300"} {
		shot := filepath.Join(dir, "dashboard-"+strings.Replace(size, ",", "x", 1)+".png")
		runChromium(t, bin, url, "--screenshot="+shot, "--window-size="+size, "--hide-scrollbars")
		b, err := os.ReadFile(shot)
		if err != nil {
			t.Fatalf("reading screenshot: %v", err)
		}
		// A blank page of this size compresses to a few kilobytes; charts and text do not.
		if !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) || len(b) < 40_000 {
			t.Errorf("screenshot %s is %d bytes: not a PNG or nearly empty", shot, len(b))
		}
		t.Logf("screenshot %s: %s (%d bytes)", size, shot, len(b))
	}
}
