package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// variantSpark is `minqing run` on a new store with engine: spark (-spark URL): the
// models from case versions to figures run on the cluster, the rest in the process.
const variantSpark = "minqing run on Spark (new store)"

// sparkYAML is the engine section that sends a run's models to the cluster at url, with
// the lake beside the store.
func sparkYAML(url string) string {
	return fmt.Sprintf("engine:\n  kind: spark\n  connect: %q\n", url)
}

// minqingSpark measures one `minqing run` on a new store in dir with the models on the
// Spark cluster at o.Spark. The process's rusage leaves the cluster out, so the summed
// resident memory of the cluster's JVMs (master, workers, Connect server) is sampled
// beside it, and its peak noted.
func minqingSpark(ctx context.Context, o options, d dataSet, dir string, i int, res *Result) (Run, error) {
	for _, sub := range []string{"day", "store"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return Run{}, fmt.Errorf("creating %s: %w", dir, err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "minqing.yaml"), []byte(configYAML(d)+sparkYAML(o.Spark)), 0o644); err != nil {
		return Run{}, fmt.Errorf("writing the config in %s: %w", dir, err)
	}
	before := clusterRSS()
	stop := sampleCluster()
	r, err := minqingRun(ctx, o, dir, variantSpark, i, "run")
	peak := stop()
	if err != nil {
		return r, err
	}
	res.Notes = append(res.Notes, fmt.Sprintf("%s %d: the cluster's JVMs held %s before the run and %s at its peak (the process's own peak RSS is in the table)",
		variantSpark, i, mib(before), mib(peak)))
	return r, nil
}

// sameStats says whether two runs' `minqing stats` (minqingStats keeps it as stats.json
// in the run's folder) are byte for byte the same.
func sameStats(a, b string) (bool, error) {
	x, err := os.ReadFile(filepath.Join(a, "stats.json"))
	if err != nil {
		return false, err
	}
	y, err := os.ReadFile(filepath.Join(b, "stats.json"))
	if err != nil {
		return false, err
	}
	return bytes.Equal(x, y), nil
}

// sampleCluster samples clusterRSS every half second until the returned function is
// called, which gives the largest sample.
func sampleCluster() func() int64 {
	var mu sync.Mutex
	var peak int64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			if n := clusterRSS(); n > 0 {
				mu.Lock()
				peak = max(peak, n)
				mu.Unlock()
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() int64 {
		close(done)
		wg.Wait()
		return peak
	}
}

// clusterRSS is the summed VmRSS, in KiB, of the processes whose command line names
// org.apache.spark (scripts/spark-cluster's master, workers, executors and Connect
// server).
func clusterRSS() int64 {
	procs, _ := filepath.Glob("/proc/[0-9]*")
	var sum int64
	for _, p := range procs {
		cmd, err := os.ReadFile(filepath.Join(p, "cmdline"))
		if err != nil || !bytes.Contains(cmd, []byte("org.apache.spark")) {
			continue
		}
		st, err := os.ReadFile(filepath.Join(p, "status"))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(st), "\n") {
			if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				kib, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
				sum += kib
			}
		}
	}
	return sum
}
