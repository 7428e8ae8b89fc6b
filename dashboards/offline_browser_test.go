package dashboards

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/minqing/minqing/internal/browsertest"
)

// screenshotDir is where browser tests leave their screenshots to be looked at:
// MINQING_SCREENSHOT_DIR, else a folder of the test's own.
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("MINQING_SCREENSHOT_DIR")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// offlineBrowser is a headless chromium that opens written files: host names resolve to
// nothing, and every request that is not a file (or data:/blob:) is recorded to fail the
// test.
func offlineBrowser(t *testing.T) (context.Context, func() []string) {
	t.Helper()
	bin := browsertest.Chromium(t)
	profile, err := os.MkdirTemp("", "minqing-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND"),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(profile),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() {
		cancelT()
		cancelB()
		cancelA()
		os.RemoveAll(profile) // best effort: chromium's helpers may still be writing
	})
	var mu sync.Mutex
	var outbound []string
	chromedp.ListenTarget(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			u := e.Request.URL
			if !strings.HasPrefix(u, "file://") && !strings.HasPrefix(u, "data:") && !strings.HasPrefix(u, "blob:") {
				mu.Lock()
				outbound = append(outbound, u)
				mu.Unlock()
			}
		}
	})
	if err := chromedp.Run(ctx, network.Enable()); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), outbound...)
	}
}

// heatJS measures the heat map as drawn: the width and height of a cell, the font size of
// the cell labels and the width of the widest label ("100.0") in that font, and whether
// the page itself (not the heat map's own scroller) is wider than the screen.
const heatJS = `(() => {
  const el = document.getElementById("chart-heat");
  const c = echarts.getInstanceByDom(el);
  const o = c.getOption();
  const a = c.convertToPixel({seriesIndex: 0}, [0, 0]);
  const b = c.convertToPixel({seriesIndex: 0}, [1, 0]);
  const d = c.convertToPixel({seriesIndex: 0}, [0, 1]);
  const fs = (o.series[0].label && o.series[0].label.fontSize) || 12;
  const ctx = document.createElement("canvas").getContext("2d");
  ctx.font = fs + "px " + (o.textStyle && o.textStyle.fontFamily || "sans-serif");
  return {cellW: b[0] - a[0], cellH: d[1] - a[1], fontSize: fs, labelW: ctx.measureText("100.0").width,
    pageW: document.documentElement.scrollWidth, viewW: window.innerWidth,
    charts: document.querySelectorAll("[_echarts_instance_]").length};
})()`

type heatMeasure struct {
	CellW, CellH, FontSize, LabelW float64
	PageW, ViewW                   float64
	Charts                         int
}

// tap touches the centre of the n-th definition toggle, as a finger does, and returns
// whether its <details> opened and the text it shows.
func tap(ctx context.Context, n int) (bool, string, error) {
	var pt []float64
	err := chromedp.Run(ctx, chromedp.Evaluate(fmt.Sprintf(`(() => {
  const s = document.querySelectorAll("details.def > summary")[%d];
  s.scrollIntoView({block: "center"});
  const r = s.getBoundingClientRect();
  return [r.left + r.width / 2, r.top + r.height / 2];
})()`, n), &pt))
	if err != nil {
		return false, "", err
	}
	p := []*input.TouchPoint{{X: pt[0], Y: pt[1]}}
	if err := chromedp.Run(ctx,
		input.DispatchTouchEvent(input.TouchStart, p),
		input.DispatchTouchEvent(input.TouchEnd, []*input.TouchPoint{}),
	); err != nil {
		return false, "", err
	}
	var got struct {
		Open bool
		Text string
		H    float64
	}
	// The tap's click follows touchend; a busy machine may take a moment.
	for range 30 {
		err = chromedp.Run(ctx, chromedp.Evaluate(fmt.Sprintf(`(() => {
  const d = document.querySelectorAll("details.def")[%d];
  const body = d.querySelector("p, dl");
  return {open: d.open, text: body.innerText, h: body.getBoundingClientRect().height};
})()`, n), &got))
		if err != nil || got.Open {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		return false, "", err
	}
	return got.Open && got.H > 0, got.Text, nil
}

// TestBrowserOffline opens the written dashboard from file:// with no network on a laptop
// (1366 px) and a phone (390 px, touch): the charts draw, nothing is fetched from a host,
// the heat map's cells hold their labels in a legible font, each figure's definition opens
// with a tap, and the period list leads to the other period's page. Screenshots are left
// in MINQING_SCREENSHOT_DIR to be looked at.
func TestBrowserOffline(t *testing.T) {
	dir := writeSite(t)
	shots := screenshotDir(t)
	for _, screen := range []struct {
		name          string
		width, height int64
		phone         bool
	}{
		{"laptop", 1366, 900, false},
		{"phone", 390, 844, true},
	} {
		t.Run(screen.name, func(t *testing.T) {
			ctx, outbound := offlineBrowser(t)
			emulate := chromedp.EmulateViewport(screen.width, screen.height)
			if screen.phone {
				emulate = chromedp.EmulateViewport(screen.width, screen.height, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch)
			}
			page := "file://" + filepath.ToSlash(filepath.Join(dir, "2023Q4", "330199000000.html"))
			var m heatMeasure
			var full []byte
			err := chromedp.Run(ctx, emulate, chromedp.Navigate(page),
				chromedp.WaitVisible("#chart-heat canvas"),
				chromedp.Evaluate(heatJS, &m),
				chromedp.FullScreenshot(&full, 100),
			)
			if err != nil {
				t.Fatal(err)
			}
			writeShot(t, shots, "offline-"+screen.name+".png", full)
			var top []byte
			if err := chromedp.Run(ctx, chromedp.CaptureScreenshot(&top)); err != nil {
				t.Fatal(err)
			}
			writeShot(t, shots, "offline-"+screen.name+"-top.png", top)
			if m.Charts != 6 {
				t.Errorf("%d charts drawn, want 6", m.Charts)
			}
			t.Logf("heat map: cell %.0f×%.0f px, labels %.0f px wide in %.0f px; page %.0f px on a %.0f px screen", m.CellW, m.CellH, m.LabelW, m.FontSize, m.PageW, m.ViewW)
			if m.FontSize < 11 {
				t.Errorf("heat map labels are %.0f px, want at least 11", m.FontSize)
			}
			if m.CellW < m.LabelW+4 || m.CellH < m.FontSize+4 {
				t.Errorf("heat map cells are %.0f×%.0f px, too small for a %.0f px wide label in %.0f px", m.CellW, m.CellH, m.LabelW, m.FontSize)
			}
			if m.PageW > m.ViewW {
				t.Errorf("the page is %.0f px wide on a %.0f px screen", m.PageW, m.ViewW)
			}

			var n int
			if err := chromedp.Run(ctx, chromedp.Evaluate(`document.querySelectorAll("details.def").length`, &n)); err != nil {
				t.Fatal(err)
			}
			if n != len(headlineFigures)+6 {
				t.Errorf("%d definitions on the page, want one per card and chart panel (%d)", n, len(headlineFigures)+6)
			}
			for i := range n {
				open, text, err := tap(ctx, i)
				if err != nil {
					t.Fatal(err)
				}
				if !open || strings.TrimSpace(text) == "" {
					t.Errorf("a tap on definition %d: open %v, text %q", i, open, text)
				}
				if i == 0 && !strings.Contains(text, "期内受理的诉求件数") {
					t.Errorf("the first card's definition reads %q", text)
				}
			}
			var heatShot []byte
			if err := chromedp.Run(ctx, chromedp.ScrollIntoView("#chart-heat"), chromedp.Screenshot("#chart-heat", &heatShot, chromedp.ByQuery)); err != nil {
				t.Fatal(err)
			}
			writeShot(t, shots, "offline-"+screen.name+"-heat.png", heatShot)
			var opened []byte
			if err := chromedp.Run(ctx, chromedp.ScrollIntoView(".cards"), chromedp.Screenshot(".cards", &opened, chromedp.ByQuery)); err != nil {
				t.Fatal(err)
			}
			writeShot(t, shots, "offline-"+screen.name+"-definitions.png", opened)

			// The period list is plain links: following one opens the same unit's page of
			// the other period, from the files alone.
			var path, current string
			err = chromedp.Run(ctx,
				chromedp.Click(`#period-list a[href="../2024Q1/330199000000.html"]`, chromedp.ByQuery),
				chromedp.WaitVisible("#not-over", chromedp.ByQuery),
				chromedp.Evaluate(`location.pathname`, &path),
				chromedp.Text(`#period-list .current`, &current, chromedp.ByQuery),
			)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasSuffix(path, "/2024Q1/330199000000.html") || current != "2024年第一季度（未结束）" {
				t.Errorf("the period link led to %s, marked %q", path, current)
			}
			var notOver []byte
			// scrolled by script, not by a node: the node ids of the page before the link
			// may still be what the browser holds while the new page settles
			var scrolled any
			if err := chromedp.Run(ctx, chromedp.WaitVisible("header", chromedp.ByQuery), chromedp.Evaluate(`window.scrollTo(0, 0)`, &scrolled), chromedp.CaptureScreenshot(&notOver)); err != nil {
				t.Fatal(err)
			}
			writeShot(t, shots, "offline-"+screen.name+"-not-over.png", notOver)
			if o := outbound(); len(o) > 0 {
				t.Errorf("the page reached beyond its files: %v", o)
			}
		})
	}
}

func writeShot(t *testing.T, dir, name string, b []byte) {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("\x89PNG")) && !bytes.HasPrefix(b, []byte("\xff\xd8")) {
		t.Errorf("screenshot %s is not an image", name)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s (%d bytes)", p, len(b))
}
