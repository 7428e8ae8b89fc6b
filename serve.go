package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"

	"github.com/minqing/minqing/schedules"
	"github.com/minqing/minqing/serve"
	"github.com/minqing/minqing/transform"
)

func init() { extraCommands = append(extraCommands, newServeCmd) }

// newServeCmd is `minqing serve`: the long-running process that owns the store, runs the
// config's schedules and serves the dashboards.
func newServeCmd(c *cli) *cobra.Command {
	var listen string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Own the store, run the schedules and serve the dashboards over HTTP (login required)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return c.withPipeline(cmd, func(p *pipeline) error {
				if listen != "" {
					p.cfg.Serve.Listen = listen
				}
				return runServer(cmd.Context(), p, c.out)
			})
		},
	}
	c.addConfig(cmd)
	cmd.Flags().StringVar(&listen, "listen", "", "host:port to listen on; default the config's serve.listen")
	return cmd
}

// server is a running `minqing serve`: the HTTP handler over the store and the scheduler
// that reloads it.
type server struct {
	http      *serve.Server
	scheduler *schedules.Scheduler
	registry  *prometheus.Registry
	access    io.Closer
	loads     *prometheus.CounterVec
}

// serveSource is what the server reads the store through; tests put a slow reader here.
var serveSource = func(r *transform.Reader) serve.Source { return r }

// newServer builds the server of a pipeline: the session key (created when missing), the
// access log, the metrics and the scheduled loads. A store without figures, or with
// figures made under another config, is loaded first.
func newServer(ctx context.Context, p *pipeline) (*server, error) {
	sc := p.cfg.Serve
	if len(sc.Users) == 0 {
		return nil, serve.ErrNoUsers
	}
	if sc.MemoryLimit != "" {
		// The config checked the value's form; SET takes no placeholder.
		if _, err := p.db.ExecContext(ctx, "SET memory_limit = '"+sc.MemoryLimit+"'"); err != nil {
			return nil, fmt.Errorf("setting serve.memory_limit %q: %w", sc.MemoryLimit, err)
		}
	}
	key, err := loadOrCreateSessionKey(p.cfg.Path(sc.SessionKeyFile))
	if err != nil {
		return nil, err
	}
	r := transform.NewReader(p.db)
	if made, err := r.ConfigHash(ctx); err != nil || made != p.cfgHash {
		p.log.Info("the store's figures are missing or from another config: loading before serving")
		if _, err := p.ingestAndTransform(ctx); err != nil && !errors.Is(err, errSomeFilesFailed) {
			return nil, err
		}
	}
	accessPath := p.cfg.Path(sc.AccessLog)
	if err := os.MkdirAll(filepath.Dir(accessPath), 0o755); err != nil {
		return nil, fmt.Errorf("creating the access log's folder: %w", err)
	}
	access, err := os.OpenFile(accessPath, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening access log %q: %w", accessPath, err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	loads := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "minqing_scheduled_loads_total", Help: "Scheduled loads by outcome (ok, failed).",
	}, []string{"outcome"})
	running := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "minqing_load_running", Help: "1 while a scheduled load (ingest, transform, outputs) runs.",
	})
	reg.MustRegister(loads, running)
	users := make([]serve.User, len(sc.Users))
	for i, u := range sc.Users {
		users[i] = serve.User{Name: u.Name, Role: u.Role, Unit: u.Unit, PasswordHash: u.PasswordHash}
	}
	h, err := serve.New(ctx, serve.Options{
		Source: serveSource(r), Users: users, SessionKey: key, SessionTTL: sc.SessionTTL, AccessLog: access,
		Logger: p.log.With("component", "serve"), Registerer: reg, Gatherer: reg, Weights: p.cfg.Rules.ScoreWeights,
		Alerts: p.cfg.Report.Alerts, WarnDays: p.cfg.Rules.WarnDays, RevokedFile: p.cfg.Path(sc.SessionKeyFile) + ".revoked",
	})
	if err != nil {
		access.Close()
		return nil, err
	}
	// The pages are built once the server listens (runServer): it answers at once.
	h.Invalidate(dataTime(ctx, p))
	s := &server{http: h, registry: reg, access: access, loads: loads}
	s.scheduler, err = schedules.New(ctx, schedules.Options{DB: p.db, Logger: p.log.With("component", "schedules")})
	if err != nil {
		access.Close()
		return nil, err
	}
	for _, e := range p.cfg.Schedules {
		job := p.scheduledJob(e, s.scheduler.History(), func(ctx context.Context, err error) {
			// The transform commits in one transaction: pages read the old figures until
			// then and the new ones after, so the cache is dropped once it is done.
			h.Invalidate(time.Now())
			if werr := h.Warm(ctx); werr != nil {
				p.log.Warn("warming pages after the load", "err", werr)
			}
			outcome := "ok"
			if err != nil {
				outcome = "failed"
			}
			loads.WithLabelValues(outcome).Inc()
			running.Set(0) // the load is over; what follows is delivery
		})
		run := job.Run
		job.Run = func(ctx context.Context) error {
			running.Set(1)
			defer running.Set(0)
			return run(ctx)
		}
		if err := s.scheduler.Add(job); err != nil {
			access.Close()
			return nil, err
		}
	}
	return s, nil
}

// dataTime is when the store's figures were made, as well as the store can tell: the
// newest successful scheduled run, else the store file's last write.
func dataTime(ctx context.Context, p *pipeline) time.Time {
	var last sql.NullString
	err := p.db.QueryRowContext(ctx, `select strftime(max(finished_at), '%Y-%m-%d %H:%M:%S') from schedule_runs where outcome = 'ok'`).Scan(&last)
	if err == nil && last.Valid {
		if t, err := time.ParseInLocation("2006-01-02 15:04:05", last.String, transform.Shanghai); err == nil {
			return t
		}
	}
	if fi, err := os.Stat(p.cfg.Path(p.cfg.Store)); err == nil {
		return fi.ModTime()
	}
	return time.Time{}
}

// Handler serves the dashboards and /metrics from this server's registry.
func (s *server) Handler() http.Handler { return s.http.Handler() }

// runServer serves until ctx ends, then stops the schedules (waiting for a running load)
// and the listener.
func runServer(ctx context.Context, p *pipeline, out io.Writer) error {
	s, err := newServer(ctx, p)
	if err != nil {
		return err
	}
	defer s.access.Close()
	sc := p.cfg.Serve
	ln, err := net.Listen("tcp", sc.Listen)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", sc.Listen, err)
	}
	hs := &http.Server{
		Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 2 * time.Minute, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(p.log.Handler(), slog.LevelWarn),
	}
	if err := s.scheduler.Start(ctx); err != nil {
		ln.Close()
		return err
	}
	scheme := "http"
	if sc.TLSCertFile != "" {
		scheme = "https"
	}
	fmt.Fprintf(out, "serving on %s://%s\n", scheme, ln.Addr())
	p.log.Info("serving", "addr", ln.Addr().String(), "users", len(sc.Users), "schedules", len(p.cfg.Schedules))
	// The pages of the default period are built in the background: until they are, the
	// server answers everything else, and those pages with a page saying they are being
	// prepared.
	warmCtx, stopWarm := context.WithCancel(ctx)
	defer stopWarm()
	warmed, warmDone := s.http.WarmInBackground(warmCtx), make(chan struct{})
	go func() {
		defer close(warmDone)
		if err := <-warmed; err != nil && warmCtx.Err() == nil {
			p.log.Warn("building the pages", "err", err)
		}
	}()
	errc := make(chan error, 1)
	go func() {
		if sc.TLSCertFile != "" {
			errc <- hs.ServeTLS(ln, p.cfg.Path(sc.TLSCertFile), p.cfg.Path(sc.TLSKeyFile))
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	shutErr := hs.Shutdown(stopCtx)
	// The store outlives the server only as long as the pipeline: stop the build and let
	// it end before returning.
	stopWarm()
	select {
	case <-warmDone:
	case <-stopCtx.Done():
	}
	if err := s.scheduler.Stop(stopCtx); err != nil {
		return fmt.Errorf("stopping schedules: %w", err)
	}
	if errors.Is(serveErr, http.ErrServerClosed) {
		serveErr = nil
	}
	return errors.Join(serveErr, shutErr)
}

// loadOrCreateSessionKey reads the key that signs session cookies, creating a random one
// (readable by the owner only) when the file is missing.
func loadOrCreateSessionKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		if len(b) < 32 {
			return nil, fmt.Errorf("session key %q: shorter than 32 bytes", path)
		}
		return b, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("reading session key %q: %w", path, err)
	}
	key := make([]byte, 32)
	rand.Read(key)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("creating session key %q: %w", path, err)
	}
	if err := os.WriteFile(path, key, 0o600); err != nil {
		return nil, fmt.Errorf("creating session key %q: %w", path, err)
	}
	return key, nil
}
