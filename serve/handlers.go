package serve

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/minqing/minqing/dashboards"
	"github.com/minqing/minqing/transform"
)

// viewer is the logged-in user of a request, or nil after answering it (a redirect to the
// login page for pages, 401 for data).
func (s *Server) viewer(w http.ResponseWriter, r *http.Request, page bool) (*User, session) {
	ses, err := s.sessions.check(r)
	if err == nil {
		if u, ok := s.users[ses.User]; ok {
			return &u, ses
		}
	}
	if page {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
	} else {
		http.Error(w, "请先登录", http.StatusUnauthorized)
	}
	return nil, session{}
}

// sameOrigin refuses a form posted from another site (SameSite cookies already keep the
// session out of it; this covers the login form, which has no session yet).
func sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return false
	}
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		u, err := url.Parse(o)
		return err == nil && u.Host == r.Host
	}
	return true
}

// safeNext keeps a post-login redirect on this host: next must parse as a URL with no
// scheme, host or user, whose path starts with exactly one "/", and hold no backslash,
// control character or white space, as given or once percent-decoded (browsers drop tabs
// and line breaks and read a backslash as a slash, so "/<tab>/evil.example" or "/\evil"
// would leave the host). Anything else is "/".
func safeNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	decoded, err := url.PathUnescape(next)
	if err != nil || hasUnsafeRune(next) || hasUnsafeRune(decoded) {
		return "/"
	}
	return next
}

// hasUnsafeRune reports a backslash, a control character or white space (any Unicode
// space, U+3000 included) in s, or bytes that are not UTF-8.
func hasUnsafeRune(s string) bool {
	if !utf8.ValidString(s) {
		return true
	}
	return strings.ContainsFunc(s, func(r rune) bool {
		return r == '\\' || unicode.IsControl(r) || unicode.IsSpace(r)
	})
}

func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

type loginView struct {
	Next    string
	Message string
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	s.renderLogin(w, http.StatusOK, loginView{Next: safeNext(r.URL.Query().Get("next"))})
}

func (s *Server) renderLogin(w http.ResponseWriter, status int, v loginView) {
	var b bytes.Buffer
	if err := loginTemplate.Execute(&b, v); err != nil {
		s.opts.Logger.Error("rendering login page", "err", err)
		http.Error(w, "内部错误", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		http.Error(w, "跨站请求被拒绝", http.StatusForbidden)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "表单无效", http.StatusBadRequest)
		return
	}
	name, password := r.PostForm.Get("name"), r.PostForm.Get("password")
	next := safeNext(r.PostForm.Get("next"))
	addrKey, nameKey := clientAddr(r), "user\x00"+name
	if wait := max(s.byAddr.wait(addrKey), s.byName.wait(nameKey)); wait > 0 {
		s.metrics.logins.WithLabelValues("limited").Inc()
		s.access.record(accessEntry{Event: "login_limited", User: s.knownName(name), Remote: clientAddr(r), Status: http.StatusTooManyRequests})
		w.Header().Set("Retry-After", fmt.Sprint(int(wait.Seconds())+1))
		s.renderLogin(w, http.StatusTooManyRequests, loginView{Next: next, Message: "尝试次数过多，请稍后再试。"})
		return
	}
	u, ok := authenticate(s.users, name, password)
	if !ok {
		s.byAddr.fail(addrKey)
		s.byName.fail(nameKey)
		s.metrics.logins.WithLabelValues("failed").Inc()
		s.access.record(accessEntry{Event: "login_failed", User: s.knownName(name), Remote: clientAddr(r), Status: http.StatusUnauthorized})
		s.renderLogin(w, http.StatusUnauthorized, loginView{Next: next, Message: "用户名或密码不正确。"})
		return
	}
	s.metrics.logins.WithLabelValues("ok").Inc()
	s.access.record(accessEntry{Event: "login", User: u.Name, Role: u.Role, Remote: clientAddr(r), Status: http.StatusSeeOther})
	http.SetCookie(w, s.sessions.issue(u.Name))
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// knownName is the name tried at a login when it is a user's: a mistyped password in the
// name field must not end up in the log.
func (s *Server) knownName(name string) string {
	if _, ok := s.users[name]; ok {
		return name
	}
	return ""
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	u, ses := s.viewer(w, r, true)
	if u == nil {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	if err := r.ParseForm(); err != nil || !sameOrigin(r) || r.PostForm.Get("csrf") != s.sessions.csrf(ses) {
		http.Error(w, "跨站请求被拒绝", http.StatusForbidden)
		return
	}
	if err := s.sessions.revoke(ses); err != nil {
		// Refused from now on all the same; only a restart would forget it.
		s.opts.Logger.Error("persisting a logout", "user", u.Name, "err", err)
	}
	s.access.record(accessEntry{Event: "logout", User: u.Name, Role: u.Role, Remote: clientAddr(r), Status: http.StatusSeeOther})
	http.SetCookie(w, cleared())
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	u, _ := s.viewer(w, r, true)
	if u == nil {
		return
	}
	meta, _, err := s.current(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, unitHref(home(*u, meta), meta.latest.ID), http.StatusSeeOther)
}

// request is a checked request for one unit and period.
type request struct {
	user    User
	ses     session
	meta    *storeMeta
	version int
	unit    transform.Unit
	period  transform.Period
}

// scoped checks the session, the unit against the user's scope and the period; it answers
// the request itself (login, 403, 404) and returns nil when any check fails. A unit
// outside the scope and a unit not in the register get the same 403, so the answer does
// not tell a township user which codes exist.
func (s *Server) scoped(w http.ResponseWriter, r *http.Request, page bool, what string) *request {
	u, ses := s.viewer(w, r, page)
	if u == nil {
		return nil
	}
	meta, version, err := s.current(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return nil
	}
	code := r.PathValue("code")
	if _, known := meta.units[code]; !known && unknownUnitShown(*u, code) {
		s.answer(w, page, u, meta, problemNoUnit(code, backHome(u, meta, r.URL.Query().Get("period"))))
		return nil
	}
	if !canSee(*u, meta.units, code) {
		s.access.record(accessEntry{Event: "denied", User: u.Name, Role: u.Role, Unit: code, What: what, Path: r.URL.Path, Remote: clientAddr(r), Status: http.StatusForbidden})
		s.metrics.denied.Inc()
		s.answer(w, page, u, meta, problemNotAllowed(*u, meta, backHome(u, meta, "")))
		return nil
	}
	per := meta.latest
	if id := r.URL.Query().Get("period"); id != "" {
		found := false
		for _, p := range meta.periods {
			if p.ID == id {
				per, found = p, true
				break
			}
		}
		if !found {
			back := dashboards.Link{Label: "返回" + meta.units[code].Name + "最新统计期", Href: unitHref(code, meta.latest.ID)}
			s.answer(w, page, u, meta, problemNoPeriod(id, meta.latest, back))
			return nil
		}
	}
	return &request{user: *u, ses: ses, meta: meta, version: version, unit: meta.units[code], period: per}
}

// errPreparing means Warm is building the page and did not finish within PageWait.
var errPreparing = errors.New("the page is being prepared")

// input returns the page's figures, built once per data version, period, unit and case
// visibility. A page Warm is building is waited for (Options.PageWait at most, then
// errPreparing); any other is built here.
func (s *Server) input(ctx context.Context, q *request) (dashboards.Input, error) {
	cases := q.user.Role == RoleAuditor
	key := cacheKey{version: q.version, period: q.period.ID, unit: q.unit.Code, cases: cases}
	var timeout <-chan time.Time
	for {
		s.mu.Lock()
		in, ok := s.cache[key]
		w := s.warming
		s.mu.Unlock()
		if ok {
			s.metrics.cache.WithLabelValues("hit").Inc()
			return in, nil
		}
		if w == nil || cases || w.version != key.version || w.period != key.period {
			break
		}
		if timeout == nil {
			t := time.NewTimer(s.opts.PageWait)
			defer t.Stop()
			timeout = t.C
		}
		select {
		case <-w.done: // built (or failed, or outdated): look again
		case <-timeout:
			s.metrics.cache.WithLabelValues("preparing").Inc()
			return dashboards.Input{}, errPreparing
		case <-ctx.Done():
			return dashboards.Input{}, ctx.Err()
		}
	}
	s.metrics.cache.WithLabelValues("miss").Inc()
	// A page shows the first cases of the list; the CSV and Arrow downloads read it all
	// (fullCases).
	in, err := dashboards.Build(ctx, s.opts.Source, q.period, q.unit.Code, dashboards.BuildOptions{Weights: s.opts.Weights, Alerts: s.opts.Alerts, Cases: cases, CaseLimit: dashboards.MaxCaseRows})
	if err != nil {
		return dashboards.Input{}, err
	}
	s.store(key, in)
	return in, nil
}

// store caches a page's figures if they are of the current version.
func (s *Server) store(key cacheKey, in dashboards.Input) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.version != key.version {
		return
	}
	if _, ok := s.cache[key]; ok {
		s.cache[key] = in
		return
	}
	if len(s.cache) >= maxCached {
		clear(s.cache)
		s.caseEntries = 0
	}
	// Auditors' inputs hold case lists: the first MaxCaseRows from a source that can limit
	// them (transform.Reader), whole lists from one that cannot, which may be large: only
	// a few are kept.
	if key.cases {
		if s.caseEntries >= maxCachedCases {
			for k := range s.cache {
				if k.cases {
					delete(s.cache, k)
				}
			}
			s.caseEntries = 0
		}
		s.caseEntries++
	}
	s.cache[key] = in
}

func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	q := s.scoped(w, r, true, "page")
	if q == nil {
		return
	}
	in, err := s.input(r.Context(), q)
	if errors.Is(err, errPreparing) {
		s.preparing(w, q)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	det := *in.Detail
	in.Detail = &det
	det.Nav = s.nav(q)
	if det.Warnings, err = s.warnings(r.Context(), q); err != nil {
		s.fail(w, r, err)
		return
	}
	var b bytes.Buffer
	if err := dashboards.Page(&b, in, "/static/"); err != nil {
		s.fail(w, r, err)
		return
	}
	s.access.record(accessEntry{Event: "view", User: q.user.Name, Role: q.user.Role, Unit: q.unit.Code, Period: q.period.ID, What: "page", Path: r.URL.Path, Remote: clientAddr(r), Status: http.StatusOK})
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(b.Bytes())
}

// nav is the page's links, every one inside the user's scope.
func (s *Server) nav(q *request) *dashboards.Nav {
	period := q.period.ID
	code := q.unit.Code
	n := &dashboards.Nav{
		UnitHref: func(c string) string {
			if !canSee(q.user, q.meta.units, c) {
				return ""
			}
			return unitHref(c, period)
		},
		CSVHref: func(chart string) string {
			return "/u/" + url.PathEscape(code) + "/csv/" + url.PathEscape(chart) + "?period=" + url.QueryEscape(period)
		},
		Downloads: []dashboards.Link{{Label: "指标数据（Arrow）", Href: "/u/" + url.PathEscape(code) + "/figures.arrow?period=" + url.QueryEscape(period)}},
		DataTime:  s.DataTime(),
		User:      q.user.Name, Role: q.user.Role,
		LogoutAction: "/logout",
		CSRF:         s.sessions.csrf(q.ses),
	}
	if q.user.Role == RoleAuditor {
		n.Downloads = append(n.Downloads, dashboards.Link{Label: "问题诉求（Arrow）", Href: "/u/" + url.PathEscape(code) + "/cases.arrow?period=" + url.QueryEscape(period)})
	}
	for _, p := range q.meta.periods {
		n.Periods = append(n.Periods, dashboards.PeriodChoice{ID: p.ID, Label: p.Label(), Selected: p.ID == period})
	}
	return n
}

func (s *Server) csv(w http.ResponseWriter, r *http.Request) {
	chart := r.PathValue("chart")
	q := s.scoped(w, r, false, "csv:"+chart)
	if q == nil {
		return
	}
	if chart == "cases" && q.user.Role != RoleAuditor {
		s.access.record(accessEntry{Event: "denied", User: q.user.Name, Role: q.user.Role, Unit: q.unit.Code, What: "csv:cases", Path: r.URL.Path, Remote: clientAddr(r), Status: http.StatusForbidden})
		s.metrics.denied.Inc()
		http.Error(w, problemCasesAuditorsOnly, http.StatusForbidden)
		return
	}
	in, err := s.input(r.Context(), q)
	if errors.Is(err, errPreparing) {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
		http.Error(w, "数据正在准备中，请稍后再试", http.StatusServiceUnavailable)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if chart == "cases" {
		if in, err = s.fullCases(r.Context(), q, in); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	var b bytes.Buffer
	if err := dashboards.WriteCSV(&b, in, chart); err != nil {
		if errors.Is(err, dashboards.ErrNoSuchChart) {
			http.Error(w, "没有该图表："+chart, http.StatusNotFound)
			return
		}
		s.fail(w, r, err)
		return
	}
	s.access.record(accessEntry{Event: "view", User: q.user.Name, Role: q.user.Role, Unit: q.unit.Code, Period: q.period.ID, What: "csv:" + chart, Path: r.URL.Path, Remote: clientAddr(r), Status: http.StatusOK})
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s-%s.csv"`, q.unit.Code, q.period.ID, chart))
	w.Write(b.Bytes())
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "application/json")
	if _, _, err := s.current(ctx); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, "{\"status\":\"unavailable\"}\n")
		return
	}
	dt := ""
	if t := s.DataTime(); !t.IsZero() {
		dt = t.In(transform.Shanghai).Format(time.RFC3339)
	}
	fmt.Fprintf(w, "{\"status\":\"ok\",\"data_time\":%q}\n", dt)
}

// fail answers an unexpected error without its text (which may name files or SQL) and
// logs it.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, transform.ErrNoFigures) {
		http.Error(w, "暂无数据：尚未完成首次导入", http.StatusServiceUnavailable)
		return
	}
	if errors.Is(err, context.Canceled) {
		return
	}
	s.opts.Logger.Error("serving request", "path", r.URL.Path, "err", err)
	http.Error(w, "内部错误", http.StatusInternalServerError)
}

// fullCases returns in with its whole case list, read afresh: pages keep only the first
// cases, and whole lists of a large district are too big to cache.
func (s *Server) fullCases(ctx context.Context, q *request, in dashboards.Input) (dashboards.Input, error) {
	cases, err := s.opts.Source.ProblemCases(ctx, q.period, q.unit.Code, false)
	if err != nil {
		return in, err
	}
	det := *in.Detail
	det.Cases, det.CasesTotal = cases, len(cases)
	in.Detail = &det
	return in, nil
}

// retryAfter is the seconds a client is told to wait for a page being prepared.
const retryAfter = 3

// preparing answers a request for a page Warm is still building: the page's header and a
// notice, 503 with Retry-After, reloading itself.
func (s *Server) preparing(w http.ResponseWriter, q *request) {
	p := dashboards.Preparing{Scope: q.unit, Period: q.period, Refresh: retryAfter, Nav: s.nav(q)}
	for u, seen := q.unit, 0; u.Parent != "" && seen < 16; seen++ {
		parent, ok := q.meta.units[u.Parent]
		if !ok {
			break
		}
		p.Path = append([]transform.Unit{parent}, p.Path...)
		u = parent
	}
	p.District = q.unit
	if len(p.Path) > 0 {
		p.District = p.Path[0]
	}
	var b bytes.Buffer
	if err := dashboards.WritePreparing(&b, p); err != nil {
		s.opts.Logger.Error("rendering a page being prepared", "err", err)
		http.Error(w, "数据正在准备中，请稍后再试", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
	w.WriteHeader(http.StatusServiceUnavailable)
	w.Write(b.Bytes())
}
