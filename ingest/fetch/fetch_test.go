package fetch

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	exportName = "全区诉求件_20241005.csv"
	body1      = "受理编号,诉求内容\nA1,路灯不亮\n"
	body2      = "受理编号,诉求内容\nA1,路灯不亮\nA2,噪音扰民\n"
	token      = "tok-s3cret-value"
	user       = "usr-s3cret-value"
	password   = "pa55-s3cret-value"
)

// exportPath is the default URL path: the export's Chinese name, percent-encoded as a
// browser would send it.
var exportPath = "/exports/" + url.PathEscape(exportName)

// step is one Fetch call in a case and what it must produce.
type step struct {
	before    func(t *testing.T, archive string) // runs before the call
	status    Status
	attempts  int
	err       error // Result.Err must match it with errors.Is; nil: Err must be nil
	retryable bool
	sleeps    []time.Duration // the waits the injected Sleep saw
	name      string          // base name of Path, when set
	body      string          // content of the archived file, when set
	samePath  bool            // Path equals the previous step's Path
}

func TestFetch(t *testing.T) {
	refused := closedURL(t)
	serve := func(w http.ResponseWriter, etag, lastModified, body string) {
		if etag != "" {
			w.Header().Set("ETag", etag)
		}
		if lastModified != "" {
			w.Header().Set("Last-Modified", lastModified)
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Write([]byte(body))
	}
	noConditionals := func(t *testing.T, r *http.Request) {
		t.Helper()
		if v := r.Header.Get("If-None-Match") + r.Header.Get("If-Modified-Since"); v != "" {
			t.Errorf("request %s sent conditional headers %q, want none", r.URL, v)
		}
	}
	const lastMod = "Sat, 05 Oct 2024 08:00:00 GMT"

	tests := []struct {
		name     string
		source   string // default "jiedao"
		path     string // URL path on the test server; default exportPath
		cfg      Config // URL is filled in unless set
		env      map[string]string
		sleepErr error
		handler  func(t *testing.T, n int, w http.ResponseWriter, r *http.Request) // n counts requests from 1
		steps    []step
	}{
		{
			name: "etag: second run sends If-None-Match and gets 304",
			handler: func(t *testing.T, n int, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					noConditionals(t, r)
					serve(w, `"v1"`, "", body1)
					return
				}
				if got := r.Header.Get("If-None-Match"); got != `"v1"` {
					t.Errorf("If-None-Match = %q, want %q", got, `"v1"`)
				}
				w.WriteHeader(http.StatusNotModified)
			},
			steps: []step{
				{status: StatusFetched, attempts: 1, name: exportName, body: body1},
				{status: StatusNotModified, attempts: 1, samePath: true},
			},
		},
		{
			name: "last-modified: second run sends If-Modified-Since and gets 304",
			handler: func(t *testing.T, n int, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					serve(w, "", lastMod, body1)
					return
				}
				if got := r.Header.Get("If-Modified-Since"); got != lastMod {
					t.Errorf("If-Modified-Since = %q, want %q", got, lastMod)
				}
				w.WriteHeader(http.StatusNotModified)
			},
			steps: []step{
				{status: StatusFetched, attempts: 1, name: exportName, body: body1},
				{status: StatusNotModified, attempts: 1, samePath: true},
			},
		},
		{
			name: "etag changes: new bytes archived, then 304 against the new etag",
			handler: func(t *testing.T, n int, w http.ResponseWriter, r *http.Request) {
				switch inm := r.Header.Get("If-None-Match"); {
				case n == 1:
					serve(w, `"v1"`, "", body1)
				case n == 2 && inm == `"v1"`:
					serve(w, `"v2"`, "", body2)
				case n == 3 && inm == `"v2"`:
					w.WriteHeader(http.StatusNotModified)
				default:
					t.Errorf("request %d: If-None-Match %q", n, inm)
					w.WriteHeader(http.StatusTeapot)
				}
			},
			steps: []step{
				{status: StatusFetched, attempts: 1, body: body1},
				{status: StatusFetched, attempts: 1, body: body2},
				{status: StatusNotModified, attempts: 1, samePath: true},
			},
		},
		{
			name: "same bytes under a new etag: the archived file is reused",
			handler: func(t *testing.T, n int, w http.ResponseWriter, r *http.Request) {
				serve(w, fmt.Sprintf(`"v%d"`, n), "", body1)
			},
			steps: []step{
				{status: StatusFetched, attempts: 1, body: body1},
				{status: StatusFetched, attempts: 1, body: body1, samePath: true},
			},
		},
		{
			name: "no validators: every run downloads, unconditionally",
			handler: func(t *testing.T, n int, w http.ResponseWriter, r *http.Request) {
				noConditionals(t, r)
				serve(w, "", "", body1)
			},
			steps: []step{
				{status: StatusFetched, attempts: 1, body: body1},
				{status: StatusFetched, attempts: 1, body: body1, samePath: true},
			},
		},
		{
			name: "500 twice then 200: fetched on the third attempt after growing waits",
			handler: func(t *testing.T, n int, w http.ResponseWriter, r *http.Request) {
				if n <= 2 {
					http.Error(w, "oops", http.StatusInternalServerError)
					return
				}
				serve(w, `"v1"`, "", body1)
			},
			steps: []step{{status: StatusFetched, attempts: 3, sleeps: []time.Duration{time.Second, 2 * time.Second}, body: body1}},
		},
		{
			name: "429 then 200",
			handler: func(t *testing.T, n int, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					http.Error(w, "slow down", http.StatusTooManyRequests)
					return
				}
				serve(w, "", "", body1)
			},
			steps: []step{{status: StatusFetched, attempts: 2, sleeps: []time.Duration{time.Second}, body: body1}},
		},
		{
			name: "503 always: backoff doubles up to its cap, then the source fails",
			cfg:  Config{Retries: 7},
			handler: func(t *testing.T, n int, w http.ResponseWriter, r *http.Request) {
				http.Error(w, "down", http.StatusServiceUnavailable)
			},
			steps: []step{{status: StatusFailed, attempts: 8, err: ErrHTTPStatus, retryable: true, sleeps: []time.Duration{
				time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 32 * time.Second, time.Minute}}},
		},
		{
			name: "404 is fatal: one attempt",
			handler: func(t *testing.T, n int, w http.ResponseWriter, r *http.Request) {
				http.NotFound(w, r)
			},
			steps: []step{{status: StatusFailed, attempts: 1, err: ErrHTTPStatus}},
		},
		{
			name: "slow response headers beyond the timeout: retried, then failed",
			cfg:  Config{Timeout: 30 * time.Millisecond, Retries: 2},
			handler: func(t *testing.T, n int, w http.ResponseWriter, r *http.Request) {
				stall(r)
			},
			steps: []step{{status: StatusFailed, attempts: 3, err: ErrTimeout, retryable: true, sleeps: []time.Duration{time.Second, 2 * time.Second}}},
		},
		{
			name: "slow body beyond the timeout: the whole request is bounded",
			cfg:  Config{Timeout: 30 * time.Millisecond, Retries: -1},
			handler: func(t *testing.T, n int, w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", "1000")
				w.Write([]byte("受理编号"))
				http.NewResponseController(w).Flush()
				stall(r)
			},
			steps: []step{{status: StatusFailed, attempts: 1, err: ErrTimeout, retryable: true}},
		},
		{
			name: "truncated body (Content-Length larger than the body): retried, then failed",
			cfg:  Config{Retries: 1},
			handler: func(t *testing.T, n int, w http.ResponseWriter, r *http.Request) {
				cut(t, w, body1, len(body1)+100)
			},
			steps: []step{{status: StatusFailed, attempts: 2, err: ErrTruncated, retryable: true, sleeps: []time.Duration{time.Second}}},
		},
		{
			name: "truncated body, then whole",
			handler: func(t *testing.T, n int, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					cut(t, w, body1[:10], len(body1))
					return
				}
				serve(w, "", "", body1)
			},
			steps: []step{{status: StatusFetched, attempts: 2, sleeps: []time.Duration{time.Second}, body: body1}},
		},
		{
			name: "oversized body announced by Content-Length: fatal, nothing archived",
			cfg:  Config{MaxBytes: 16},
			handler: func(t *testing.T, n int, w http.ResponseWriter, r *http.Request) {
				serve(w, `"v1"`, "", body1)
			},
			steps: []step{{status: StatusFailed, attempts: 1, err: ErrTooLarge}},
		},
		{
			name: "oversized chunked body: stopped while streaming, nothing archived",
			cfg:  Config{MaxBytes: 4096},
			handler: func(t *testing.T, n int, w http.ResponseWriter, r *http.Request) {
				rc := http.NewResponseController(w)
				for range 100 {
					w.Write(bytes.Repeat([]byte("x"), 1000))
					rc.Flush()
				}
			},
			steps: []step{{status: StatusFailed, attempts: 1, err: ErrTooLarge}},
		},
		{
			name: "body exactly at the size limit is fetched",
			cfg:  Config{MaxBytes: int64(len(body1))},
			handler: func(t *testing.T, n int, w http.ResponseWriter, r *http.Request) {
				serve(w, "", "", body1)
			},
			steps: []step{{status: StatusFetched, attempts: 1, body: body1}},
		},
		{
			name: "bearer token from the environment reaches the server",
			cfg:  Config{TokenEnv: "MQ_TOKEN"},
			env:  map[string]string{"MQ_TOKEN": token},
			handler: func(t *testing.T, n int, w http.ResponseWriter, r *http.Request) {
				if got := r.Header.Get("Authorization"); got != "Bearer "+token {
					t.Errorf("Authorization = %q", got)
					w.WriteHeader(http.StatusUnauthorized)
					return
				}
				serve(w, "", "", body1)
			},
			steps: []step{{status: StatusFetched, attempts: 1, body: body1}},
		},
		{
			name: "basic auth from the environment reaches the server",
			cfg:  Config{UsernameEnv: "MQ_USER", PasswordEnv: "MQ_PASS"},
			env:  map[string]string{"MQ_USER": user, "MQ_PASS": password},
			handler: func(t *testing.T, n int, w http.ResponseWriter, r *http.Request) {
				if u, p, ok := r.BasicAuth(); !ok || u != user || p != password {
					t.Errorf("basic auth = %q, %q, %v", u, p, ok)
					w.WriteHeader(http.StatusUnauthorized)
					return
				}
				serve(w, "", "", body1)
			},
			steps: []step{{status: StatusFetched, attempts: 1, body: body1}},
		},
		{
			name: "wrong credentials: 401 is fatal and the secret appears nowhere",
			cfg:  Config{TokenEnv: "MQ_TOKEN"},
			env:  map[string]string{"MQ_TOKEN": token},
			handler: func(t *testing.T, n int, w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusUnauthorized)
			},
			steps: []step{{status: StatusFailed, attempts: 1, err: ErrHTTPStatus}},
		},
		{
			name: "token variable unset: failed before any request",
			cfg:  Config{TokenEnv: "MQ_TOKEN"},
			handler: func(t *testing.T, n int, w http.ResponseWriter, r *http.Request) {
				t.Errorf("unexpected request")
			},
			steps: []step{{status: StatusFailed, attempts: 0, err: ErrMissingSecret}},
		},
		{
			name: "Content-Disposition filename* with a UTF-8 Chinese name is kept",
			path: "/download",
			handler: func(t *testing.T, n int, w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Disposition", `attachment; filename="export.csv"; filename*=UTF-8''`+url.PathEscape(exportName))
				serve(w, "", "", body1)
			},
			steps: []step{{status: StatusFetched, attempts: 1, name: exportName, body: body1}},
		},
		{
			name: "redirect: the name comes from the final URL",
			path: "/latest",
			handler: func(t *testing.T, n int, w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/latest" {
					http.Redirect(w, r, exportPath, http.StatusFound)
					return
				}
				serve(w, "", "", body1)
			},
			steps: []step{{status: StatusFetched, attempts: 1, name: exportName, body: body1}},
		},
		{
			name: "no file name in the URL or the headers: fatal, nothing archived",
			path: "/",
			handler: func(t *testing.T, n int, w http.ResponseWriter, r *http.Request) {
				serve(w, "", "", body1)
			},
			steps: []step{{status: StatusFailed, attempts: 1, err: ErrNoFileName}},
		},
		{
			name: "304 with no previous download is fatal",
			handler: func(t *testing.T, n int, w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusNotModified)
			},
			steps: []step{{status: StatusFailed, attempts: 1, err: ErrHTTPStatus}},
		},
		{
			name: "retryable failure after a good fetch keeps the previous state",
			cfg:  Config{Retries: -1},
			handler: func(t *testing.T, n int, w http.ResponseWriter, r *http.Request) {
				switch n {
				case 1:
					serve(w, `"v1"`, "", body1)
				case 2:
					http.Error(w, "oops", http.StatusBadGateway)
				default:
					if got := r.Header.Get("If-None-Match"); got != `"v1"` {
						t.Errorf("If-None-Match = %q after a failure, want %q", got, `"v1"`)
					}
					w.WriteHeader(http.StatusNotModified)
				}
			},
			steps: []step{
				{status: StatusFetched, attempts: 1, body: body1},
				{status: StatusFailed, attempts: 1, err: ErrHTTPStatus, retryable: true, samePath: true},
				{status: StatusNotModified, attempts: 1, samePath: true},
			},
		},
		{
			name: "oversized new export after a good fetch keeps the previous state",
			cfg:  Config{MaxBytes: int64(len(body1))},
			handler: func(t *testing.T, n int, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					serve(w, `"v1"`, "", body1)
					return
				}
				serve(w, `"v2"`, "", body2)
			},
			steps: []step{
				{status: StatusFetched, attempts: 1, body: body1},
				{status: StatusFailed, attempts: 1, err: ErrTooLarge, samePath: true},
			},
		},
		{
			name: "archived file gone: state ignored, fetched again unconditionally",
			handler: func(t *testing.T, n int, w http.ResponseWriter, r *http.Request) {
				noConditionals(t, r)
				serve(w, `"v1"`, "", body1)
			},
			steps: []step{
				{status: StatusFetched, attempts: 1, body: body1},
				{before: func(t *testing.T, archive string) {
					entries, _ := filepath.Glob(filepath.Join(archive, "*", exportName))
					for _, e := range entries {
						if err := os.Remove(e); err != nil {
							t.Fatal(err)
						}
					}
				}, status: StatusFetched, attempts: 1, body: body1, samePath: true},
			},
		},
		{
			name:  "connection refused: retryable",
			cfg:   Config{URL: refused, Retries: 1},
			steps: []step{{status: StatusFailed, attempts: 2, retryable: true, sleeps: []time.Duration{time.Second}}},
		},
		{
			name:   "source name that would escape the state folder: failed before any request",
			source: "../jiedao",
			handler: func(t *testing.T, n int, w http.ResponseWriter, r *http.Request) {
				t.Errorf("unexpected request")
			},
			steps: []step{{status: StatusFailed, attempts: 0, err: ErrInvalidConfig}},
		},
		{
			name:  "invalid config: failed before any request",
			cfg:   Config{URL: "ftp://example.invalid/x.csv"},
			steps: []step{{status: StatusFailed, attempts: 0, err: ErrInvalidConfig}},
		},
		{
			name:     "cancelled while waiting to retry: stops, not retryable",
			sleepErr: context.Canceled,
			handler: func(t *testing.T, n int, w http.ResponseWriter, r *http.Request) {
				http.Error(w, "oops", http.StatusInternalServerError)
			},
			steps: []step{{status: StatusFailed, attempts: 1, err: context.Canceled, sleeps: []time.Duration{time.Second}}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var requests atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.handler == nil {
					t.Errorf("unexpected request %s", r.URL)
					return
				}
				tc.handler(t, int(requests.Add(1)), w, r)
			}))
			defer srv.Close()
			cfg := tc.cfg
			if cfg.URL == "" {
				cfg.URL = srv.URL + cmp.Or(tc.path, exportPath)
			}
			source := cmp.Or(tc.source, "jiedao")
			archive := t.TempDir()
			var logs syncBuffer
			var sleeps []time.Duration
			opts := Options{
				ArchiveDir: archive,
				Client:     srv.Client(),
				Logger:     slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
				Sleep: func(ctx context.Context, d time.Duration) error {
					sleeps = append(sleeps, d)
					return tc.sleepErr
				},
				Getenv: func(k string) string { return tc.env[k] },
			}
			var prev Result
			for i, want := range tc.steps {
				if want.before != nil {
					want.before(t, archive)
				}
				sleeps = nil
				stateBefore, _ := os.ReadFile(statePath(archive, source))
				filesBefore := listFiles(t, archive)

				res := Fetch(context.Background(), source, cfg, opts)

				where := fmt.Sprintf("step %d", i+1)
				t.Logf("%s: %s after %d attempts, err: %v", where, res.Status, res.Attempts, res.Err)
				if res.Source != source {
					t.Errorf("%s: source %q, want %q", where, res.Source, source)
				}
				checkResult(t, where, archive, res, prev, want, sleeps)
				if res.Status == StatusFailed {
					if stateAfter, _ := os.ReadFile(statePath(archive, source)); !bytes.Equal(stateBefore, stateAfter) {
						t.Errorf("%s: failure changed the state:\n%s\nwas\n%s", where, stateAfter, stateBefore)
					}
					if filesAfter := listFiles(t, archive); !slices.Equal(filesBefore, filesAfter) {
						t.Errorf("%s: failure changed the archive: %v, was %v", where, filesAfter, filesBefore)
					}
				}
				for _, f := range listFiles(t, archive) {
					if strings.HasSuffix(f, ".part") || strings.HasSuffix(f, ".tmp") {
						t.Errorf("%s: temporary file left behind: %s", where, f)
					}
				}
				for _, secret := range tc.env {
					if strings.Contains(logs.String(), secret) || res.Err != nil && strings.Contains(res.Err.Error(), secret) {
						t.Errorf("%s: secret %q leaked into the log or the error", where, secret)
					}
				}
				prev = res
			}
			if t.Failed() {
				t.Logf("log:\n%s", logs.String())
			}
		})
	}
}

func checkResult(t *testing.T, where, archive string, res, prev Result, want step, sleeps []time.Duration) {
	t.Helper()
	if res.Status != want.status || res.Attempts != want.attempts {
		t.Errorf("%s: status %s after %d attempts, want %s after %d (err: %v)", where, res.Status, res.Attempts, want.status, want.attempts, res.Err)
	}
	switch {
	case want.status == StatusFailed && res.Err == nil:
		t.Errorf("%s: failed without an error", where)
	case want.status != StatusFailed && res.Err != nil:
		t.Errorf("%s: unexpected error: %v", where, res.Err)
	case want.err != nil && !errors.Is(res.Err, want.err):
		t.Errorf("%s: error %v, want %v", where, res.Err, want.err)
	}
	if got := errors.Is(res.Err, ErrRetryable); got != want.retryable {
		t.Errorf("%s: retryable = %v, want %v (err: %v)", where, got, want.retryable, res.Err)
	}
	if !reflect.DeepEqual(sleeps, want.sleeps) {
		t.Errorf("%s: slept %v, want %v", where, sleeps, want.sleeps)
	}
	if res.URL == "" {
		t.Errorf("%s: no URL in the result", where)
	}
	if want.samePath && (res.Path != prev.Path || res.SHA256 != prev.SHA256) {
		t.Errorf("%s: path %q (%s), want the previous %q (%s)", where, res.Path, res.SHA256, prev.Path, prev.SHA256)
	}
	if res.Status == StatusFailed && !want.samePath && res.Path != "" {
		t.Errorf("%s: failed with path %q, want none", where, res.Path)
	}
	if res.Path == "" {
		return
	}
	// Every reported file is where the contract says, and its hash is what was reported.
	if want := filepath.Join(archive, res.SHA256, filepath.Base(res.Path)); res.Path != want {
		t.Errorf("%s: path %q, want %q", where, res.Path, want)
	}
	b, err := os.ReadFile(res.Path)
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != res.SHA256 {
		t.Errorf("%s: archived bytes do not hash to %s", where, res.SHA256)
	}
	if want.body != "" && string(b) != want.body {
		t.Errorf("%s: archived %q, want %q", where, b, want.body)
	}
	if want.name != "" && filepath.Base(res.Path) != want.name {
		t.Errorf("%s: archived as %q, want %q", where, filepath.Base(res.Path), want.name)
	}
}

// stall holds a response until the client gives up, so a slow server costs the test only
// the client's own short timeout.
func stall(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(10 * time.Second): // a safety net; never reached when the client times out
	}
}

// cut sends a response that claims claim bytes but holds only body, then drops the
// connection, as a server that dies mid-download does.
func cut(t *testing.T, w http.ResponseWriter, body string, claim int) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		t.Errorf("hijacking: %v", err)
		return
	}
	defer conn.Close()
	fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: %d\r\n\r\n%s", claim, body)
	buf.Flush()
}

// closedURL is an address on loopback where nothing listens.
func closedURL(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr + exportPath
}

// listFiles lists every file under dir, relative and sorted.
func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name  string
		cfg   Config
		field string // the field the error must name; "" for a valid config
	}{
		{name: "minimal", cfg: Config{URL: "https://gov.example/exports/x.csv"}},
		{name: "bearer token", cfg: Config{URL: "http://10.0.0.1/x.csv", TokenEnv: "MQ_TOKEN"}},
		{name: "basic auth", cfg: Config{URL: "http://10.0.0.1/x.csv", UsernameEnv: "U", PasswordEnv: "P"}},
		{name: "env vars need not be set to validate", cfg: Config{URL: "http://h/x.csv", TokenEnv: "MQ_SURELY_UNSET_VARIABLE"}},
		{name: "negative retries means none", cfg: Config{URL: "http://h/x.csv", Retries: -1}},
		{name: "no url", cfg: Config{}, field: "url"},
		{name: "ftp url", cfg: Config{URL: "ftp://h/x.csv"}, field: "url"},
		{name: "relative url", cfg: Config{URL: "/exports/x.csv"}, field: "url"},
		{name: "unparsable url", cfg: Config{URL: "http://h/%zz"}, field: "url"},
		{name: "credentials in the url", cfg: Config{URL: "https://u:" + password + "@h/x.csv"}, field: "url"},
		{name: "token and basic auth", cfg: Config{URL: "http://h/x.csv", TokenEnv: "T", UsernameEnv: "U", PasswordEnv: "P"}, field: "token_env"},
		{name: "password without user", cfg: Config{URL: "http://h/x.csv", PasswordEnv: "P"}, field: "username_env"},
		{name: "user without password", cfg: Config{URL: "http://h/x.csv", UsernameEnv: "U"}, field: "password_env"},
		{name: "negative timeout", cfg: Config{URL: "http://h/x.csv", Timeout: -time.Second}, field: "timeout"},
		{name: "negative max_bytes", cfg: Config{URL: "http://h/x.csv", MaxBytes: -1}, field: "max_bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tc.field+":") {
				t.Fatalf("Validate = %v, want an ErrInvalidConfig naming %s", err, tc.field)
			}
			if strings.Contains(err.Error(), password) {
				t.Errorf("error quotes the password: %v", err)
			}
		})
	}
}

// TestFetchConcurrentSources fetches several sources at once into one archive, as a run
// does: each gets its own result, the failures do not touch the others, and two sources
// serving the same bytes share one archived file.
func TestFetchConcurrentSources(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/a/"), strings.HasPrefix(r.URL.Path, "/b/"):
			w.Write([]byte(body1))
		case strings.HasPrefix(r.URL.Path, "/c/"):
			w.Write([]byte(body2))
		case strings.HasPrefix(r.URL.Path, "/busy/"):
			http.Error(w, "busy", http.StatusServiceUnavailable)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	want := map[string]Status{"a": StatusFetched, "b": StatusFetched, "c": StatusFetched, "busy": StatusFailed, "gone": StatusFailed}
	archive := t.TempDir()
	opts := Options{ArchiveDir: archive, Client: srv.Client(), Sleep: func(context.Context, time.Duration) error { return nil }}
	results := make(map[string]Result)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for source := range want {
		wg.Go(func() {
			res := Fetch(context.Background(), source, Config{URL: srv.URL + "/" + source + exportPath}, opts)
			mu.Lock()
			results[source] = res
			mu.Unlock()
		})
	}
	wg.Wait()
	for source, status := range want {
		if res := results[source]; res.Status != status {
			t.Errorf("%s: %s (%v), want %s", source, res.Status, res.Err, status)
		}
	}
	if results["a"].Path != results["b"].Path || results["a"].Path == results["c"].Path {
		t.Errorf("paths a %q, b %q, c %q: want a = b ≠ c", results["a"].Path, results["b"].Path, results["c"].Path)
	}
	if got := results["busy"].Attempts; got != DefaultRetries+1 {
		t.Errorf("busy: %d attempts, want %d", got, DefaultRetries+1)
	}
	states, _ := filepath.Glob(filepath.Join(archive, "state", "*.json"))
	if len(states) != 3 {
		t.Errorf("state files %v, want a, b and c", states)
	}
}
