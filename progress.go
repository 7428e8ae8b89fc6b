package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// terminalProgress returns a progress display for loading when w is a terminal (files
// done of all, rows read, rows a second), and nils otherwise: a log file or CI gets the
// per-file log lines instead.
func terminalProgress(w io.Writer) (func(done, total, rows int), func()) {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil, nil
	}
	var bar *progressbar.ProgressBar
	start := time.Now()
	update := func(done, total, rows int) {
		if bar == nil {
			bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription("读取导出文件"),
				progressbar.OptionShowCount(), progressbar.OptionSetWidth(30), progressbar.OptionClearOnFinish())
		}
		rate := float64(rows) / max(time.Since(start).Seconds(), 1e-3)
		bar.Describe(fmt.Sprintf("读取导出文件 %d 行 (%.0f 行/秒)", rows, rate))
		bar.Set(done)
	}
	finish := func() {
		if bar != nil {
			bar.Finish()
		}
	}
	return update, finish
}

// demoStages are the shares of the demo's one bar: generating the district, loading its
// exports (by files done), then transform, workbook and dashboard together.
const (
	demoGenerated = 10
	demoLoaded    = 45 // the transform and the outputs take about as long as loading
	demoDone      = 100
)

// demoProgress is the demo's one bar on a terminal, from generating the district to the
// dashboard; on anything else every method does nothing (the demo's log is in a file, and
// its result lines say where everything is).
type demoProgress struct {
	bar *progressbar.ProgressBar
}

func newDemoProgress(w io.Writer) *demoProgress {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return &demoProgress{}
	}
	return &demoProgress{bar: progressbar.NewOptions(demoDone, progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription("生成示例区县数据"), progressbar.OptionSetWidth(30),
		progressbar.OptionSetPredictTime(false), progressbar.OptionClearOnFinish())}
}

// stage moves the bar to at (of demoDone) with a description.
func (d *demoProgress) stage(at int, what string) {
	if d.bar == nil {
		return
	}
	d.bar.Describe(what)
	d.bar.Set(at)
}

// loading is the pipeline's progress callback while exports load.
func (d *demoProgress) loading(done, total, rows int) {
	if total == 0 {
		return
	}
	d.stage(demoGenerated+(demoLoaded-demoGenerated)*done/total, fmt.Sprintf("读取导出文件 %d/%d（%d 行）", done, total, rows))
}

// loaded is called once loading ends: the transform and the outputs follow.
func (d *demoProgress) loaded() { d.stage(demoLoaded, "计算指标，生成报表和看板") }

// finish ends the bar and clears it, so that the result lines stand alone.
func (d *demoProgress) finish() {
	if d.bar != nil {
		d.bar.Finish()
	}
}

// demoResult prints the demo's result: where the district, its config, the workbook, the
// dashboard and the log are.
func demoResult(w io.Writer, dir, cfg, workbook, dashboard, log string) error {
	_, err := fmt.Fprintf(w, "演示数据：%s\n配置文件：%s\n报表：    %s\n看板：    %s\n运行日志：%s\n", dir, cfg, workbook, dashboard, log)
	return err
}
