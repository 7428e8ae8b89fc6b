// Command serve measures `minqing serve` from a second process on loopback: the latency of
// the district page and of a township page with many cases in the store, while a
// scheduled load (ingest, transform of every case, workbook, dashboard) runs.
//
//	go build -o /tmp/minqing . && go run ./bench/serve -minqing /tmp/minqing -cases 10000000
//
// It generates the fixture district into -dir, adds -cases synthetic cases (copies of the
// fixture's district export rows under new case numbers, so the figures stay plausible) as
// extra export files, starts `minqing serve` (which loads them before listening), logs in
// as a leader and a township user, measures once with no load running, then waits for the
// every-minute schedule to start a load and measures again until it ends or the bounds
// (-duration, -requests) are reached. Results are printed as Markdown.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/minqing/minqing/fixtures"
)

const (
	district = "330199000000"
	township = "330199001000"
	password = "bench-password"
)

func main() {
	bin := flag.String("minqing", "", "the minqing binary (go build -o /tmp/minqing .)")
	dir := flag.String("dir", filepath.Join(os.TempDir(), "minqing-bench-serve"), "working folder (replaced unless -reuse)")
	cases := flag.Int("cases", 1_000_000, "synthetic cases to add to the fixture district")
	reuse := flag.Bool("reuse", false, "reuse the folder and store of an earlier run (no generation)")
	duration := flag.Duration("duration", 60*time.Second, "longest time of one measurement")
	requests := flag.Int("requests", 3000, "most requests of one measurement")
	workers := flag.Int("c", 4, "concurrent clients")
	addr := flag.String("addr", "127.0.0.1:18090", "where the server listens (loopback)")
	memLimit := flag.String("memory-limit", "6GB", "serve.memory_limit: the store's memory cap (the machine is shared)")
	flag.Parse()
	if *bin == "" {
		log.Fatal("-minqing: give the minqing binary")
	}
	cfg := filepath.Join(*dir, "minqing.yaml")
	if !*reuse {
		start := time.Now()
		if err := generate(*dir, *cases); err != nil {
			log.Fatal(err)
		}
		log.Printf("generated %d extra cases in %s", *cases, time.Since(start).Round(time.Second))
	}
	if err := configure(cfg, *addr, *memLimit); err != nil {
		log.Fatal(err)
	}

	start := time.Now()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, *bin, "serve", "--config", cfg, "--log-level", "warn")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		log.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	defer func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "serving on ") {
		log.Fatalf("minqing serve did not start: %q %v", line, err)
	}
	go io.Copy(io.Discard, out)
	base := strings.TrimSpace(strings.TrimPrefix(line, "serving on "))
	loaded := time.Since(start)
	log.Printf("serving on %s after %s (store loaded)", base, loaded.Round(time.Second))

	leader, err := login(base, "leader")
	if err != nil {
		log.Fatal(err)
	}
	tw, err := login(base, "township")
	if err != nil {
		log.Fatal(err)
	}
	targets := []target{
		{"district page (leader)", leader, base + "/u/" + district},
		{"township page (township user)", tw, base + "/u/" + township},
	}
	// Cold: the first request of each page after a load builds its figures.
	var cold []string
	for _, t := range targets {
		d, err := t.get()
		if err != nil {
			log.Fatal(err)
		}
		cold = append(cold, fmt.Sprintf("%s %.1f ms", t.name, ms(d)))
	}
	idle := measure("no load", targets, *workers, *duration/4, *requests/3, func() bool { return true })
	periods, err := periodsOf(targets[0])
	if err != nil {
		log.Fatal(err)
	}
	// Uncached: each URL once, every period of the district and of each township, so
	// every request builds its page from the store.
	var coldTargets []target
	for _, p := range periods {
		coldTargets = append(coldTargets, target{"district page, uncached", leader, base + "/u/" + district + "?period=" + p})
		for t := 1; t <= 6; t++ {
			coldTargets = append(coldTargets, target{"township page, uncached", leader, fmt.Sprintf("%s/u/330199%03d000?period=%s", base, t, p)})
		}
	}
	log.Printf("waiting for the scheduled load to start")
	for !loadRunning(base) {
		time.Sleep(200 * time.Millisecond)
	}
	loadStart := time.Now()
	during := measure("load running", targets, *workers, *duration, *requests, func() bool { return loadRunning(base) })
	uncached := measureOnce("load running", coldTargets, *workers, func() bool { return loadRunning(base) })
	stillRunning := loadRunning(base)

	fmt.Printf("\n%d cases in the store (fixture district + %d synthetic); store loaded in %s; %s, %d CPUs\n\n",
		countCases(cfg), *cases, loaded.Round(time.Second), runtime.GOOS+"/"+runtime.GOARCH, runtime.NumCPU())
	fmt.Printf("first request after the load (cold): %s\n\n", strings.Join(cold, "; "))
	fmt.Println("| while | page | requests | p50 | p95 | p99 | max | errors |")
	fmt.Println("|---|---|---:|---:|---:|---:|---:|---:|")
	for _, r := range [][]result{idle, during, uncached} {
		for _, x := range r {
			fmt.Println(x.row())
		}
	}
	fmt.Printf("\nload still running at the end of the measurements: %v (measured during %s of it)\n", stillRunning, time.Since(loadStart).Round(time.Second))
}

var optionRE = regexp.MustCompile(`<option value="([0-9Q-]+)"`)

// periodsOf reads the period selector of a page.
func periodsOf(t target) ([]string, error) {
	req, _ := http.NewRequest("GET", t.url, nil)
	req.Header.Set("Cookie", t.c.cookie)
	resp, err := t.c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out []string
	for _, m := range optionRE.FindAllSubmatch(b, -1) {
		out = append(out, string(m[1]))
	}
	if len(out) == 0 {
		return nil, errors.New("the page has no period selector")
	}
	return out, nil
}

// measureOnce requests each target once from workers clients, grouping latencies by
// target name, while ok() holds.
func measureOnce(while string, targets []target, workers int, ok func() bool) []result {
	byName := map[string]*result{}
	var order []string
	for _, t := range targets {
		if byName[t.name] == nil {
			byName[t.name] = &result{while: while, name: t.name}
			order = append(order, t.name)
		}
	}
	var mu sync.Mutex
	next := 0
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				if next >= len(targets) || next%20 == 0 && !ok() {
					mu.Unlock()
					return
				}
				t := targets[next]
				next++
				mu.Unlock()
				d, err := t.get()
				mu.Lock()
				if err != nil {
					byName[t.name].errors++
				} else {
					byName[t.name].lat = append(byName[t.name].lat, d)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	var out []result
	for _, n := range order {
		out = append(out, *byName[n])
	}
	return out
}

// generate writes the fixture district and the synthetic cases into dir.
func generate(dir string, n int) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if _, err := fixtures.Generate(dir, fixtures.Options{Seed: 1}); err != nil {
		return err
	}
	files, _ := filepath.Glob(filepath.Join(dir, "exports", "district", "*.csv"))
	var header []string
	var rows [][]string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff"))))
		r.FieldsPerRecord = -1
		all, err := r.ReadAll()
		if err != nil {
			return fmt.Errorf("reading %s: %w", f, err)
		}
		header = all[0]
		for _, row := range all[1:] {
			if len(row) == len(header) && row[0] != "" {
				rows = append(rows, row)
			}
		}
	}
	if len(rows) == 0 {
		return errors.New("the fixture's district exports have no rows with a case number")
	}
	// A million rows a file: a file is the unit ingest loads and skips when unchanged.
	const perFile = 1_000_000
	for f := 0; f*perFile < n; f++ {
		path := filepath.Join(dir, "exports", "district", fmt.Sprintf("bench_%03d.csv", f))
		fh, err := os.Create(path)
		if err != nil {
			return err
		}
		w := bufio.NewWriterSize(fh, 1<<20)
		w.WriteString("\ufeff")
		cw := csv.NewWriter(w)
		cw.Write(header)
		for i := f * perFile; i < min(n, (f+1)*perFile); i++ {
			row := append([]string(nil), rows[i%len(rows)]...)
			row[0] = fmt.Sprintf("BN%09d", i)
			cw.Write(row)
		}
		cw.Flush()
		if err := errors.Join(cw.Error(), w.Flush(), fh.Close()); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
	}
	return nil
}

// configure adds the users and an every-minute schedule to the fixture's config (once).
func configure(cfg, addr, memLimit string) error {
	b, err := os.ReadFile(cfg)
	if err != nil {
		return err
	}
	if bytes.Contains(b, []byte("\nserve:")) {
		return nil
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		return err
	}
	extra := fmt.Sprintf(`serve:
  listen: %q
  memory_limit: %q
  users:
    - {name: leader, role: leader, password_hash: %q}
    - {name: township, role: township, unit: %q, password_hash: %q}
schedules:
  - {name: bench, cron: "* * * * *"}
`, addr, memLimit, h, township, h)
	if bytes.Contains(b, []byte("\nschedules:")) {
		return errors.New("the fixture config has schedules already")
	}
	return os.WriteFile(cfg, append(b, extra...), 0o644)
}

// countCases counts the rows of the exports, as a check of what the store was given.
func countCases(cfg string) int {
	files, _ := filepath.Glob(filepath.Join(filepath.Dir(cfg), "exports", "district", "bench_*.csv"))
	n := 0
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			continue
		}
		s := bufio.NewScanner(fh)
		s.Buffer(make([]byte, 1<<20), 1<<20)
		for s.Scan() {
			n++
		}
		fh.Close()
		n-- // header
	}
	return n + 6325 // the fixture district's own counted cases (its truth)
}

type client struct {
	http   *http.Client
	cookie string
}

func login(base, name string) (*client, error) {
	c := &client{http: &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	resp, err := c.http.PostForm(base+"/login", url.Values{"name": {name}, "password": {password}})
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	for _, ck := range resp.Cookies() {
		if ck.Name == "minqing_session" {
			c.cookie = ck.Name + "=" + ck.Value
			return c, nil
		}
	}
	return nil, fmt.Errorf("login %s: %s", name, resp.Status)
}

type target struct {
	name string
	c    *client
	url  string
}

func (t target) get() (time.Duration, error) {
	req, _ := http.NewRequest("GET", t.url, nil)
	req.Header.Set("Cookie", t.c.cookie)
	start := time.Now()
	resp, err := t.c.http.Do(req)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	if err == nil && resp.StatusCode != 200 {
		err = fmt.Errorf("GET %s: %s", t.url, resp.Status)
	}
	return d, err
}

var loadGauge = regexp.MustCompile(`(?m)^minqing_load_running (\S+)$`)

func loadRunning(base string) bool {
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	m := loadGauge.FindSubmatch(b)
	return m != nil && string(m[1]) == "1"
}

type result struct {
	while  string
	name   string
	lat    []time.Duration
	errors int
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func (r result) row() string {
	sort.Slice(r.lat, func(i, j int) bool { return r.lat[i] < r.lat[j] })
	q := func(p float64) string {
		if len(r.lat) == 0 {
			return "—"
		}
		return strconv.FormatFloat(ms(r.lat[min(len(r.lat)-1, int(p*float64(len(r.lat))))]), 'f', 1, 64) + " ms"
	}
	return fmt.Sprintf("| %s | %s | %d | %s | %s | %s | %s | %d |", r.while, r.name, len(r.lat), q(0.50), q(0.95), q(0.99), q(1), r.errors)
}

// measure sends requests to the targets in turn from workers clients, until the duration
// or the request count is reached or ok() turns false.
func measure(while string, targets []target, workers int, d time.Duration, n int, ok func() bool) []result {
	res := make([]result, len(targets))
	for i, t := range targets {
		res[i] = result{while: while, name: t.name}
	}
	var mu sync.Mutex
	var sent int
	deadline := time.Now().Add(d)
	stop := make(chan struct{})
	go func() {
		for time.Now().Before(deadline) {
			if !ok() {
				break
			}
			time.Sleep(500 * time.Millisecond)
		}
		close(stop)
	}()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; ; i += workers {
				select {
				case <-stop:
					return
				default:
				}
				mu.Lock()
				if sent >= n {
					mu.Unlock()
					return
				}
				sent++
				mu.Unlock()
				k := i % len(targets)
				dur, err := targets[k].get()
				mu.Lock()
				if err != nil {
					res[k].errors++
				} else {
					res[k].lat = append(res[k].lat, dur)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return res
}
