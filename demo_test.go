package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/schollz/progressbar/v3"
)

// TestDemoScreen: the demo prints its five lines (the demo folder, config, workbook,
// dashboard, and where its log is) and nothing else; the log lines are in the file named.
func TestDemoScreen(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the pipeline")
	}
	dir := filepath.Join(t.TempDir(), "demo")
	var out, errOut bytes.Buffer
	cmd := newRoot(&out, &errOut)
	cmd.SetArgs([]string{"demo", "--dir", dir})
	if err := cmd.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("demo: %v\n%s", err, errOut.String())
	}
	if errOut.Len() != 0 {
		t.Errorf("demo wrote to the screen besides its result:\n%.1000s", errOut.String())
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	labels := []string{"演示数据：", "配置文件：", "报表：", "看板：", "运行日志："}
	if len(lines) != len(labels) {
		t.Fatalf("demo printed %d lines, want %d:\n%s", len(lines), len(labels), out.String())
	}
	paths := map[string]string{}
	for i, l := range lines {
		p, ok := strings.CutPrefix(l, labels[i])
		if !ok {
			t.Fatalf("line %d %q does not start with %s", i+1, l, labels[i])
		}
		p = strings.TrimSpace(p)
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s names %q: %v", labels[i], p, err)
		}
		paths[labels[i]] = p
	}
	if got := paths["演示数据："]; got != dir {
		t.Errorf("demo folder %q, want %q", got, dir)
	}
	for label, ext := range map[string]string{"配置文件：": ".yaml", "报表：": ".xlsx", "看板：": ".html", "运行日志：": ".log"} {
		if !strings.HasSuffix(paths[label], ext) || !strings.HasPrefix(paths[label], dir) {
			t.Errorf("%s %q is not a %s file in the demo folder", label, paths[label], ext)
		}
	}
	log, err := os.ReadFile(paths["运行日志："])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"generating the demo district", "ingest finished", "transform finished"} {
		if !strings.Contains(string(log), want) {
			t.Errorf("the log does not hold %q:\n%.800s", want, log)
		}
	}
}

// TestDemoProgress: the demo's one bar runs from generating through loading (by files done)
// to the end, saying what it is doing; off a terminal it is silent.
func TestDemoProgress(t *testing.T) {
	var buf bytes.Buffer
	d := &demoProgress{bar: progressbar.NewOptions(demoDone, progressbar.OptionSetWriter(&buf), progressbar.OptionThrottle(0))}
	d.stage(demoGenerated, "读取导出文件")
	d.loading(3, 6, 1200)
	if got := d.bar.State().CurrentNum; got != int64(demoGenerated+(demoLoaded-demoGenerated)/2) {
		t.Errorf("half the files loaded: the bar at %d", got)
	}
	if !strings.Contains(buf.String(), "读取导出文件 3/6（1200 行）") {
		t.Errorf("the bar does not say what it reads:\n%q", buf.String())
	}
	d.loaded()
	if got := d.bar.State().CurrentNum; got != demoLoaded || !strings.Contains(buf.String(), "计算指标，生成报表和看板") {
		t.Errorf("after loading: the bar at %d, %q", got, buf.String())
	}
	d.stage(demoDone, "完成")
	d.finish()

	var screen bytes.Buffer
	quiet := newDemoProgress(&screen)
	quiet.stage(demoGenerated, "x")
	quiet.loading(1, 2, 3)
	quiet.loaded()
	quiet.finish()
	if screen.Len() != 0 {
		t.Errorf("off a terminal the bar wrote %q", screen.String())
	}
}
