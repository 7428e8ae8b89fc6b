package serve

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/minqing/minqing/dashboards"
	"github.com/minqing/minqing/transform"
)

// Source is the read API the server needs: *transform.Reader satisfies it.
type Source interface {
	dashboards.Source
	Periods(ctx context.Context, kind string) ([]transform.Period, error)
	Period(ctx context.Context, id string) (transform.Period, error)
}

// Options configure a Server; zero fields take the defaults named.
type Options struct {
	Source Source
	Users  []User
	// SessionKey signs the session cookies; at least 32 bytes.
	SessionKey []byte
	SessionTTL time.Duration // default 8h
	// RevokedFile keeps the sessions ended by a logout, so that they stay ended after a
	// restart while the session key persists; each is dropped once it would have expired
	// anyway. Put it beside the session key (it is written with the server's rights). ""
	// keeps logouts in memory only.
	RevokedFile string
	// AccessLog receives one JSON object per line for every page, CSV, stream and login;
	// nil discards. Writes are serialised.
	AccessLog io.Writer
	Logger    *slog.Logger
	Now       func() time.Time // default time.Now
	// Registerer takes the server's metrics; Gatherer is what /metrics serves. Default: a
	// new registry for both.
	Registerer prometheus.Registerer
	Gatherer   prometheus.Gatherer
	// Weights are the score's weights in force, stated on the pages.
	Weights map[string]float64
	// Alerts are the rates' alert thresholds (config report.alerts), marked on the pages.
	Alerts map[string]float64
	// LoginFailures per user name in LoginWindow (twice as many per client address) before
	// logins are refused until the window moves on; default 5 per minute.
	LoginFailures int
	LoginWindow   time.Duration
	// PageWait is how long a request for a page that Warm is building waits for it before
	// it is answered with a page saying it is being prepared (503, Retry-After, refreshing
	// itself); default 2s.
	PageWait time.Duration
	// WarnDays is the early warning's horizon (config rules.warn_days): every page shows
	// the open cases of its unit overdue or due within this many working days as at today
	// (Now, in Asia/Shanghai), when the source can list them (dashboards.WarningSource).
	// 0 lists those due today; negative is refused.
	WarnDays int
}

// Server serves the dashboards. It is safe for concurrent use.
type Server struct {
	opts     Options
	users    map[string]User
	sessions *sessions
	byAddr   *limiter
	byName   *limiter
	access   *accessLog
	metrics  *metrics
	mux      *http.ServeMux

	mu       sync.Mutex
	version  int // bumped by Invalidate
	dataTime time.Time
	cache    map[cacheKey]dashboards.Input
	// caseEntries counts the cached inputs that hold case lists (maxCachedCases at most).
	caseEntries int
	meta        *storeMeta // units and periods of the current version
	warming     *warming   // the pages Warm is building, nil when it is not running
	// warnCache holds the warning panels of the current version as at today (nil: none).
	warnCache map[warnKey]*dashboards.Warnings
}

// warming is a running Warm: the pages of one period of one data version, without case
// lists. done is closed when it has finished, its pages in the cache or not.
type warming struct {
	version int
	period  string
	done    chan struct{}
}

type cacheKey struct {
	version int
	period  string
	unit    string
	cases   bool
}

// storeMeta is what every request needs to know about the store: read once per version.
type storeMeta struct {
	units   map[string]transform.Unit
	periods []transform.Period // quarters (newest first), years, months
	latest  transform.Period   // the default: transform.DefaultQuarter
}

// maxCached bounds the page cache; it is emptied on Invalidate anyway. maxCachedCases
// bounds the entries holding auditors' case lists, which can be large.
const (
	maxCached      = 2048
	maxCachedCases = 8
)

// ErrNoUsers means the config lists no users, so nobody could log in.
var ErrNoUsers = errors.New("no users: add serve.users to the config (`minqing passwd` makes a password hash)")

// New checks the options and returns a server. Township users must name a township of the
// register; a store without figures is an error wrapping transform.ErrNoFigures.
func New(ctx context.Context, o Options) (*Server, error) {
	if o.Source == nil {
		return nil, errors.New("serve: no source")
	}
	if len(o.Users) == 0 {
		return nil, ErrNoUsers
	}
	if len(o.SessionKey) < 32 {
		return nil, errors.New("serve: the session key is shorter than 32 bytes")
	}
	if o.SessionTTL == 0 {
		o.SessionTTL = 8 * time.Hour
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Registerer == nil || o.Gatherer == nil {
		reg := prometheus.NewRegistry()
		o.Registerer, o.Gatherer = reg, reg
	}
	if o.LoginFailures == 0 {
		o.LoginFailures = 5
	}
	if o.LoginWindow == 0 {
		o.LoginWindow = time.Minute
	}
	if o.WarnDays < 0 {
		return nil, fmt.Errorf("serve: the warning horizon %d is negative", o.WarnDays)
	}
	if o.PageWait == 0 {
		o.PageWait = 2 * time.Second
	}
	s := &Server{
		opts:     o,
		users:    map[string]User{},
		sessions: &sessions{key: o.SessionKey, ttl: o.SessionTTL, now: o.Now, file: o.RevokedFile, revoked: map[string]int64{}},
		byAddr:   &limiter{max: 2 * o.LoginFailures, window: o.LoginWindow, now: o.Now, seen: map[string][]time.Time{}},
		byName:   &limiter{max: o.LoginFailures, window: o.LoginWindow, now: o.Now, seen: map[string][]time.Time{}},
		access:   &accessLog{w: o.AccessLog, now: o.Now},
		cache:    map[cacheKey]dashboards.Input{},
	}
	if err := s.sessions.load(); err != nil {
		return nil, err
	}
	var err error
	if s.metrics, err = newMetrics(o.Registerer, s); err != nil {
		return nil, err
	}
	meta, err := s.loadMeta(ctx)
	if err != nil {
		return nil, err
	}
	for i, u := range o.Users {
		if u.Role == RoleTownship {
			if t, ok := meta.units[u.Unit]; !ok || t.Level != transform.LevelTownship {
				return nil, fmt.Errorf("serve.users[%d].unit: %q is not a township of the units register", i, u.Unit)
			}
		}
		s.users[u.Name] = u
	}
	s.meta = meta
	s.routes()
	return s, nil
}

// Invalidate drops every cached page and records when the figures now in the store were
// made; call it after a load has committed. Requests already running finish with what they
// read.
func (s *Server) Invalidate(dataTime time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.version++
	s.cache = map[cacheKey]dashboards.Input{}
	s.caseEntries = 0
	s.warnCache = nil
	s.meta = nil
	s.dataTime = dataTime
}

// Warm builds the pages of the default period for every unit (without case lists) into
// the cache, so the pages leaders open first after a load are served from memory even
// while the next load keeps the store busy. It reads them all at once (dashboards.BuildAll:
// a few set-based queries from a store's reader). While it runs, a request for one of
// these pages waits for it up to Options.PageWait, then is told the page is being
// prepared. A Warm running across an Invalidate stores nothing stale (entries carry the
// version).
func (s *Server) Warm(ctx context.Context) error {
	w, meta, err := s.startWarm(ctx)
	if err != nil {
		return err
	}
	return s.runWarm(ctx, w, meta)
}

// WarmInBackground starts Warm and returns at once, with a channel that receives Warm's
// result. Pages Warm will build answer "being prepared" from the moment it returns, not
// built a second time by requests that arrive meanwhile.
func (s *Server) WarmInBackground(ctx context.Context) <-chan error {
	res := make(chan error, 1)
	w, meta, err := s.startWarm(ctx)
	if err != nil {
		res <- err
		return res
	}
	go func() { res <- s.runWarm(ctx, w, meta) }()
	return res
}

// startWarm records that the default period's pages of the current version are being
// built.
func (s *Server) startWarm(ctx context.Context) (*warming, *storeMeta, error) {
	meta, version, err := s.current(ctx)
	if err != nil {
		return nil, nil, err
	}
	w := &warming{version: version, period: meta.latest.ID, done: make(chan struct{})}
	s.mu.Lock()
	s.warming = w
	s.mu.Unlock()
	return w, meta, nil
}

func (s *Server) runWarm(ctx context.Context, w *warming, meta *storeMeta) error {
	defer func() {
		s.mu.Lock()
		if s.warming == w {
			s.warming = nil
		}
		s.mu.Unlock()
		close(w.done)
	}()
	start := time.Now()
	pages, err := dashboards.BuildAll(ctx, s.opts.Source, meta.latest, dashboards.BuildOptions{Weights: s.opts.Weights, Alerts: s.opts.Alerts})
	if err != nil {
		return fmt.Errorf("building the pages of %s: %w", meta.latest.ID, err)
	}
	for _, in := range pages {
		s.store(cacheKey{version: w.version, period: meta.latest.ID, unit: in.Headline.Unit.Code}, in)
	}
	s.opts.Logger.Info("pages built", "period", meta.latest.ID, "pages", len(pages), "duration", time.Since(start).Round(time.Millisecond))
	return nil
}

// DataTime is when the figures served were made (zero: unknown).
func (s *Server) DataTime() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dataTime
}

// Handler is the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.mux }

func (s *Server) routes() {
	m := http.NewServeMux()
	handle := func(pattern, route string, h http.HandlerFunc) {
		m.Handle(pattern, s.metrics.instrument(route, securityHeaders(h)))
	}
	handle("GET /login", "login", s.loginPage)
	handle("POST /login", "login", s.login)
	handle("POST /logout", "logout", s.logout)
	handle("GET /{$}", "home", s.home)
	handle("GET /u/{code}", "page", s.page)
	handle("GET /u/{code}/csv/{chart}", "csv", s.csv)
	handle("GET /u/{code}/figures.arrow", "arrow", s.figuresArrow)
	handle("GET /u/{code}/cases.arrow", "arrow", s.casesArrow)
	handle("GET /healthz", "healthz", s.healthz)
	handle("GET /", "not_found", s.notFound)
	m.Handle("GET /metrics", s.metrics.instrument("metrics", promhttp.HandlerFor(s.opts.Gatherer, promhttp.HandlerOpts{})))
	m.Handle("GET /static/", s.metrics.instrument("static", staticHandler()))
	s.mux = m
}

// securityHeaders keep pages to this host: no script, style, font or frame from anywhere
// else, and nothing cached on shared machines.
func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

func staticHandler() http.Handler {
	fs := http.StripPrefix("/static/", http.FileServerFS(dashboards.Static()))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "public, max-age=86400")
		fs.ServeHTTP(w, r)
	})
}

//go:embed login.html.tmpl error.html.tmpl
var templates embed.FS

var loginTemplate = template.Must(template.ParseFS(templates, "login.html.tmpl"))

// loadMeta reads the units and periods of the store's current figures.
func (s *Server) loadMeta(ctx context.Context) (*storeMeta, error) {
	src := s.opts.Source
	units, err := src.Units(ctx)
	if err != nil {
		return nil, err
	}
	m := &storeMeta{units: map[string]transform.Unit{}}
	for _, u := range units {
		m.units[u.Code] = u
	}
	var district string
	if len(units) > 0 && units[0].Level == transform.LevelDistrict {
		district = units[0].Code
	}
	quarters, err := src.Periods(ctx, "quarter")
	if err != nil {
		return nil, err
	}
	if len(quarters) == 0 || district == "" {
		return nil, fmt.Errorf("serving: %w: run a load first", transform.ErrNoFigures)
	}
	m.latest = quarters[len(quarters)-1]
	// The pages offer the periods in which a case counts (transform.HasCases), as every
	// command does: a period without any is refused, not shown as zeros with ▼100%.
	counted := func(kind string) ([]transform.Period, error) {
		series, err := src.Series(ctx, district, kind)
		if err != nil {
			return nil, err
		}
		var out []transform.Period
		for i := len(series) - 1; i >= 0; i-- {
			if transform.HasCases(transform.UnitFigures{Values: series[i].Values}) {
				out = append(out, series[i].Period)
			}
		}
		return out, nil
	}
	withCases, err := counted("quarter")
	if err != nil {
		return nil, err
	}
	m.periods = append(m.periods, withCases...)
	// The default period is the command line's (transform.DefaultQuarter): the newest
	// quarter over in the data with cases received, else the newest with cases. A source
	// that cannot tell the data's last day has every quarter over.
	series, err := src.Series(ctx, district, "quarter")
	if err != nil {
		return nil, err
	}
	through := time.Date(9999, 12, 31, 0, 0, 0, 0, transform.Shanghai)
	if dt, ok := src.(interface {
		DataThrough(context.Context) (time.Time, error)
	}); ok {
		if through, err = dt.DataThrough(ctx); err != nil {
			return nil, err
		}
	}
	if q, ok := transform.DefaultQuarter(series, through); ok {
		m.latest = q
	}
	for _, kind := range []string{"year", "month"} {
		ps, err := counted(kind)
		if err != nil {
			return nil, err
		}
		m.periods = append(m.periods, ps...)
	}
	return m, nil
}

// current returns the store's units and periods and the version they belong to.
func (s *Server) current(ctx context.Context) (*storeMeta, int, error) {
	s.mu.Lock()
	meta, version := s.meta, s.version
	s.mu.Unlock()
	if meta != nil {
		return meta, version, nil
	}
	meta, err := s.loadMeta(ctx)
	if err != nil {
		return nil, version, err
	}
	s.mu.Lock()
	if s.version == version {
		s.meta = meta
	}
	s.mu.Unlock()
	return meta, version, nil
}

// canSee says whether u may see unit code: leaders and auditors every unit of the
// register, township users their township and the units under it.
func canSee(u User, units map[string]transform.Unit, code string) bool {
	unit, ok := units[code]
	if !ok {
		return false
	}
	if u.Role == RoleLeader || u.Role == RoleAuditor {
		return true
	}
	if u.Role != RoleTownship {
		return false
	}
	for seen := 0; seen < 16; seen++ { // the tree is shallow; a cycle must not loop
		if unit.Code == u.Unit {
			return true
		}
		if unit, ok = units[unit.Parent]; !ok {
			return false
		}
	}
	return false
}

// home is the unit a user's pages start from.
func home(u User, meta *storeMeta) string {
	if u.Role == RoleTownship {
		return u.Unit
	}
	for _, unit := range meta.units {
		if unit.Level == transform.LevelDistrict {
			return unit.Code
		}
	}
	return ""
}

func unitHref(code, period string) string {
	return "/u/" + url.PathEscape(code) + "?period=" + url.QueryEscape(period)
}
