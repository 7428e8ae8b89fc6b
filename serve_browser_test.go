package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/minqing/minqing/internal/browsertest"
)

// screenshotDir is where the browser test leaves its screenshots to be looked at:
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

// browser is one headless chromium whose every request is recorded: anything that is not
// this server (or data:/blob:) fails the test. Host names resolve to nothing, so a page that
// reached out could not draw either.
type browser struct {
	ctx      context.Context
	base     string
	mu       sync.Mutex
	outbound []string
}

func newBrowser(t *testing.T, bin, base string) *browser {
	t.Helper()
	// Not t.TempDir: chromium's helpers may still write into their profile for a moment
	// after the browser is stopped, which would fail the test's own cleanup.
	profile, err := os.MkdirTemp("", "minqing-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true),
		chromedp.WindowSize(1280, 1900), chromedp.UserDataDir(profile),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(func() {
		cancelT()
		cancelB()
		cancelA()
		os.RemoveAll(profile) // best effort, for the reason above
	})
	b := &browser{ctx: ctx, base: base}
	chromedp.ListenTarget(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			u := e.Request.URL
			if !strings.HasPrefix(u, base+"/") && u != base && !strings.HasPrefix(u, "data:") && !strings.HasPrefix(u, "blob:") {
				b.mu.Lock()
				b.outbound = append(b.outbound, u)
				b.mu.Unlock()
			}
		}
	})
	if err := chromedp.Run(ctx, network.Enable()); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return b
}

func (b *browser) run(t *testing.T, what string, actions ...chromedp.Action) {
	t.Helper()
	if err := chromedp.Run(b.ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// chartState is what the page's charts hold, read from ECharts itself.
type chartState struct {
	ID     string `json:"id"`
	Inst   bool   `json:"inst"`
	Canvas bool   `json:"canvas"`
	Points int    `json:"points"`
}

const chartsJS = `(() => Array.from(document.querySelectorAll('.chart')).map(el => {
  const c = echarts.getInstanceByDom(el); let n = 0;
  if (c) { (c.getOption().series || []).forEach(s => (s.data || []).forEach(d => {
    let v = (d !== null && typeof d === 'object' && !Array.isArray(d)) ? d.value : d;
    if (Array.isArray(v)) v = v[2];
    if (v !== '-' && v !== null && v !== undefined) n++; })); }
  return {id: el.id, inst: !!c, canvas: !!el.querySelector('canvas'), points: n};
}))()`

// checkPage fails when a chart of the page is missing, has no canvas or draws nothing, or
// when hostile text ran.
func (b *browser) checkPage(t *testing.T, what string, minCharts int) {
	t.Helper()
	var charts []chartState
	var pwned, dataTime string
	b.loaded(t, "")
	b.run(t, what,
		chromedp.Evaluate(chartsJS, &charts),
		chromedp.Evaluate(`String(window.pwned || "")`, &pwned),
		chromedp.Text("#data-time", &dataTime, chromedp.ByQuery),
	)
	if len(charts) < minCharts {
		t.Errorf("%s: %d charts, want at least %d", what, len(charts), minCharts)
	}
	for _, c := range charts {
		if !c.Inst || !c.Canvas || c.Points == 0 {
			t.Errorf("%s: chart %s is empty (instance %v, canvas %v, %d points)", what, c.ID, c.Inst, c.Canvas, c.Points)
		}
	}
	if pwned != "" {
		t.Errorf("%s: hostile text ran as script (%s)", what, pwned)
	}
	if strings.TrimSpace(dataTime) == "" {
		t.Errorf("%s: the page does not say when its data was made", what)
	}
}

// clickFirstBar clicks, as a user would, the middle of the first bar of a chart's series
// and waits for the page it opens.
func (b *browser) clickFirstBar(t *testing.T, chartID string) string {
	t.Helper()
	var before string
	var xy []float64
	b.run(t, "locating the first bar of "+chartID,
		chromedp.Evaluate(`location.pathname`, &before),
		chromedp.Evaluate(fmt.Sprintf(`(() => { const el = document.getElementById(%q); el.scrollIntoView({block: 'center'});
  const c = echarts.getInstanceByDom(el); const d = c.getOption().series[0].data[0];
  const v = (typeof d === 'object') ? d.value : d; const p = c.convertToPixel({xAxisIndex: 0, yAxisIndex: 0}, [v / 2, 0]);
  const r = el.getBoundingClientRect(); return [r.left + p[0], r.top + p[1]]; })()`, chartID), &xy),
	)
	b.run(t, "clicking the first bar of "+chartID, chromedp.MouseClickXY(xy[0], xy[1]))
	return strings.TrimPrefix(b.loaded(t, before), "/u/")
}

// loaded waits until the page at a path other than from has loaded with its scripts run,
// and returns its path. Evaluations fail while a navigation swaps the document; they are
// tried again until the deadline.
func (b *browser) loaded(t *testing.T, from string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var path string
		var ready bool
		err := chromedp.Run(b.ctx,
			chromedp.Evaluate(`location.pathname`, &path),
			chromedp.Evaluate(`document.readyState === "complete" && typeof echarts !== "undefined" && !!document.getElementById("chart-trend")`, &ready))
		if err == nil && ready && path != from {
			return path
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for a page other than %q: at %q, ready %v, %v", from, path, ready, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (b *browser) screenshot(t *testing.T, path string) {
	t.Helper()
	var png []byte
	b.run(t, "screenshot "+path, chromedp.CaptureScreenshot(&png))
	if len(png) < 40_000 {
		t.Errorf("screenshot %s is %d bytes: nearly empty", path, len(png))
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", path)
}

func (b *browser) login(t *testing.T, name, password string) {
	t.Helper()
	b.run(t, "logging in as "+name,
		chromedp.Navigate(b.base+"/"),
		chromedp.WaitVisible("#name", chromedp.ByQuery),
		chromedp.SendKeys("#name", name, chromedp.ByQuery),
		chromedp.SendKeys("#password", password, chromedp.ByQuery),
		chromedp.Click("#submit", chromedp.ByQuery),
	)
	b.loaded(t, "/login")
}

// testServeBrowser logs in as each role in headless chromium, opens the district, a
// township and a village page by clicking through the charts, and saves screenshots.
func testServeBrowser(t *testing.T, f *serveFixture) {
	bin := browsertest.Chromium(t)
	dir := screenshotDir(t)
	units := map[string]string{}
	for _, row := range readUnits(t, f) {
		units[row[0]] = row[2]
	}
	for _, role := range []struct{ user, role string }{{"leader", "leader"}, {"qingshi", "township"}, {"audit", "auditor"}} {
		t.Run(role.role, func(t *testing.T) {
			b := newBrowser(t, bin, f.url)
			b.login(t, role.user, servePasswords[role.role])
			shot := func(name string) { b.screenshot(t, filepath.Join(dir, "serve-"+role.role+"-"+name+".png")) }
			var township string
			if role.role == "township" {
				b.checkPage(t, "the township's home page", 6)
				township = f.township
			} else {
				b.checkPage(t, "the district page", 6)
				shot("district")
				if role.role == "leader" {
					b.run(t, "scrolling to the heat map", chromedp.Evaluate(`document.getElementById("chart-channels").scrollIntoView(); 1`, nil))
					shot("district-lower")
					// Leaders see the 预警 panel with its list of cases, not only auditors.
					var warnRows int
					b.run(t, "scrolling to the 预警 panel", chromedp.Evaluate(`(() => {
  const p = document.getElementById("warnings"); p.scrollIntoView();
  return p.querySelectorAll("tbody tr").length; })()`, &warnRows))
					if warnRows == 0 {
						t.Error("the leader's district page lists no case in its 预警 panel")
					}
					shot("district-warnings")
				}
				township = b.clickFirstBar(t, "chart-ranking")
				if units[township] != "township" {
					t.Fatalf("the district's ranking opened %q, not a township", township)
				}
				b.checkPage(t, "the township page", 6)
			}
			shot("township")
			village := b.clickFirstBar(t, "chart-ranking")
			if units[village] != "village" {
				t.Fatalf("the township's ranking opened %q, not a village", village)
			}
			b.checkPage(t, "the village page", 5)
			shot("village")
			if role.role == "auditor" {
				var rows int
				b.run(t, "the auditor's district page", chromedp.Navigate(f.url+"/u/"+f.district))
				b.loaded(t, "")
				b.run(t, "the auditor's case list",
					chromedp.Evaluate(`document.querySelectorAll("table.cases tbody tr").length`, &rows),
				)
				if rows == 0 {
					t.Error("the auditor sees no case list")
				}
				// The tooltip over the hostile township's bar must show its name as text.
				name, _ := json.Marshal(hostileTownship)
				var index int
				b.run(t, "showing the ranking's tooltip", chromedp.Evaluate(`(() => {
  const c = echarts.getInstanceByDom(document.getElementById("chart-ranking"));
  const i = c.getOption().yAxis[0].data.indexOf(`+string(name)+`);
  c.dispatchAction({type: "showTip", seriesIndex: 0, dataIndex: i}); return i; })()`, &index))
				if index < 0 {
					t.Fatal("the hostile township is not in the ranking")
				}
				var tipShown bool
				var imgs int
				var pwned string
				b.run(t, "reading the tooltip", chromedp.Sleep(500*time.Millisecond),
					chromedp.Evaluate(`Array.from(document.querySelectorAll("#chart-ranking div")).some(d => d.textContent.includes(`+string(name)+`))`, &tipShown),
					chromedp.Evaluate(`document.querySelectorAll("img").length`, &imgs),
					chromedp.Evaluate(`String(window.pwned || "")`, &pwned))
				if !tipShown {
					t.Error("the tooltip does not show the township's name as text")
				}
				if imgs != 0 || pwned != "" {
					t.Errorf("hostile text became markup: %d <img>, pwned %q", imgs, pwned)
				}
				shot("district-tooltip")
				b.run(t, "scrolling to the case list", chromedp.Evaluate(`document.getElementById("overdue").scrollIntoView(); 1`, nil))
				shot("district-cases")
			}
			if role.role == "leader" {
				b.run(t, "phone size", chromedp.EmulateViewport(390, 1600, chromedp.EmulateMobile),
					chromedp.Navigate(f.url+"/u/"+f.district))
				b.checkPage(t, "the district page on a phone", 6)
				shot("district-phone")
			}
			b.mu.Lock()
			defer b.mu.Unlock()
			if len(b.outbound) > 0 {
				t.Errorf("requests left localhost: %v", b.outbound)
			}
		})
	}
}

func readUnits(t *testing.T, f *serveFixture) [][]string {
	t.Helper()
	// The fixture's register: its folder is the access log's.
	return readCSV(t, filepath.Join(filepath.Dir(f.access), "units.csv"))[1:]
}
