package ingest

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minqing/minqing/ingest/fetch"
)

// TestHTTPSources: a good export loads, a failing, an oversized and a truncated one are
// reported without stopping it, and a second run fetches nothing unchanged.
func TestHTTPSources(t *testing.T) {
	body := "诉求编号,承办单位,受理时间,办理类别\nA1,西街村,2024-07-01,即办件\nA2,西街村,2024-07-02,即办件\n"
	var full, conditional atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/good", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer s3cret" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		if r.Header.Get("If-None-Match") == `"v1"` {
			conditional.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		full.Add(1)
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Content-Disposition", `attachment; filename*=UTF-8''%E5%85%A8%E5%8C%BA%E8%AF%89%E6%B1%82%E4%BB%B6_20241005.csv`)
		w.Write([]byte(body))
	})
	mux.HandleFunc("/broken.csv", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusInternalServerError)
	})
	mux.HandleFunc("/huge.csv", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(strings.Repeat("x", 4096)))
	})
	mux.HandleFunc("/cut.csv", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		w.WriteHeader(http.StatusOK)
		w.Write([]byte(body[:20]))
		if hj, ok := w.(http.Hijacker); ok {
			conn, _, _ := hj.Hijack()
			conn.(*net.TCPConn).Close()
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	t.Setenv("MINQING_TEST_TOKEN", "s3cret")

	dir := t.TempDir()
	db := openTestStore(t)
	var waits atomic.Int32
	opts := Options{
		Sources: []SourceConfig{
			{Name: "good", Kind: KindCases, Level: LevelDistrict, Encoding: "auto", HTTP: &fetch.Config{URL: srv.URL + "/good", TokenEnv: "MINQING_TEST_TOKEN"}},
			{Name: "broken", Kind: KindCases, Level: LevelDistrict, Encoding: "auto", HTTP: &fetch.Config{URL: srv.URL + "/broken.csv", Retries: 2}},
			{Name: "huge", Kind: KindCases, Level: LevelDistrict, Encoding: "auto", HTTP: &fetch.Config{URL: srv.URL + "/huge.csv", MaxBytes: 1024}},
			{Name: "cut", Kind: KindCases, Level: LevelDistrict, Encoding: "auto", HTTP: &fetch.Config{URL: srv.URL + "/cut.csv", Retries: 1, Timeout: 5 * time.Second}},
		},
		BaseDir: dir, Keyer: testKeyer(t),
		FetchSleep: func(ctx context.Context, d time.Duration) error { waits.Add(1); return nil },
	}
	byStatus := func(res []FileResult) map[string]FileResult {
		m := map[string]FileResult{}
		for _, r := range res {
			m[r.Source] = r
		}
		return m
	}
	res, err := Run(context.Background(), db, opts)
	if err != nil {
		t.Fatal(err)
	}
	got := byStatus(res)
	if r := got["good"]; r.Status != StatusLoaded || r.Data != 2 || !strings.HasPrefix(r.Path, "archive/") || !strings.HasSuffix(r.Path, "全区诉求件_20241005.csv") {
		t.Errorf("good: %+v", r)
	}
	for _, name := range []string{"broken", "huge", "cut"} {
		if r := got[name]; r.Status != StatusFailed || r.Err == nil || !strings.Contains(r.Err.Error(), name) {
			t.Errorf("%s: %+v", name, r)
		}
	}
	if strings.Contains(got["good"].Path+got["broken"].Err.Error(), "s3cret") {
		t.Error("a secret in a result")
	}
	if waits.Load() < 3 {
		t.Errorf("%d backoff waits, want retries for the 500s and the cut body", waits.Load())
	}
	var snap string
	db.QueryRow(`select strftime(snapshot_date, '%Y-%m-%d') from ingest_files where source = 'good'`).Scan(&snap)
	if snap != "2024-10-05" {
		t.Errorf("export date %q, want it from the served file name", snap)
	}

	res, err = Run(context.Background(), db, opts)
	if err != nil {
		t.Fatal(err)
	}
	if r := byStatus(res)["good"]; r.Status != StatusUnchanged {
		t.Errorf("second run: good %+v, want unchanged", r)
	}
	if full.Load() != 1 || conditional.Load() != 1 {
		t.Errorf("server saw %d full and %d conditional requests, want 1 and 1", full.Load(), conditional.Load())
	}
}
