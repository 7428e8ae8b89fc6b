package deliver

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// fakeEnv is a process environment that tests can fill without touching the real one.
type fakeEnv map[string]string

func (e fakeEnv) get(k string) string { return e[k] }

// sleeps records the backoff waits instead of waiting.
type sleeps struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waits = append(s.waits, d)
	return ctx.Err()
}

// syncBuffer is a bytes.Buffer safe for the logger and the test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// testOptions are Options with a fake environment, recorded sleeps, a fixed clock and a
// logger writing to a buffer.
func testOptions(env fakeEnv) (Options, *sleeps, *syncBuffer) {
	s := &sleeps{}
	logs := &syncBuffer{}
	return Options{
		Getenv: env.get,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Sleep:  s.sleep,
		Now:    func() time.Time { return time.Date(2026, 12, 4, 9, 30, 0, 0, time.UTC) },
	}, s, logs
}

// closedPort returns a port on 127.0.0.1 that nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

// attachments writes a workbook and a document with Chinese names and returns their
// paths and contents.
func attachments(t *testing.T) ([]string, map[string][]byte) {
	t.Helper()
	dir := t.TempDir()
	files := map[string][]byte{
		"民情周报 2026-12-04.xlsx": append([]byte("PK\x03\x04 workbook "), bytes.Repeat([]byte{0, 1, 2, 255}, 5000)...),
		"督办通知.docx":            append([]byte("PK\x03\x04 document "), bytes.Repeat([]byte("办结率 93.5%\n"), 300)...),
	}
	var paths []string
	for _, name := range []string{"民情周报 2026-12-04.xlsx", "督办通知.docx"} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, files[name], 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths, files
}
