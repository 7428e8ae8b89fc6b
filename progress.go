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
