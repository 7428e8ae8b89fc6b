package fetch

import (
	"cmp"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Defaults for the zero values of Config.
const (
	DefaultTimeout  = 60 * time.Second
	DefaultMaxBytes = 200 << 20
	DefaultRetries  = 3
)

// Backoff between attempts: 1s, 2s, 4s … capped. Deterministic, so tests can check it; a
// handful of district sources do not need jitter to avoid a thundering herd.
const (
	backoffBase = time.Second
	backoffMax  = time.Minute
)

// Reasons a fetch fails. Result.Err wraps one of them or a transport error; it also wraps
// ErrRetryable when trying again later may succeed.
var (
	// ErrRetryable marks a failure that may go away by itself: 5xx, 429, timeouts,
	// connection errors and truncated bodies. Anything not marked is fatal until someone
	// changes the config, the credentials or the server.
	ErrRetryable = errors.New("retryable")
	// ErrTooLarge: the body exceeds Config.MaxBytes; nothing is archived.
	ErrTooLarge = errors.New("body too large")
	// ErrTruncated: the connection ended before the body did.
	ErrTruncated = errors.New("body truncated")
	// ErrTimeout: an attempt took longer than Config.Timeout, or the network timed out.
	ErrTimeout = errors.New("timed out")
	// ErrHTTPStatus: the server answered with a status other than 200 or 304; see StatusError.
	ErrHTTPStatus = errors.New("unexpected HTTP status")
	// ErrMissingSecret: an environment variable named by the config is unset or empty.
	ErrMissingSecret = errors.New("secret not set")
	// ErrInvalidConfig: the Config, the source name or the Options cannot be used.
	ErrInvalidConfig = errors.New("invalid config")
	// ErrNoFileName: neither Content-Disposition nor the URL path gives a file name, and the
	// loader cannot read a file without one (its date and format come from the name).
	ErrNoFileName = errors.New("no file name in Content-Disposition or URL path")
)

// StatusError is an HTTP response that cannot be used. It matches ErrHTTPStatus, and also
// ErrRetryable when it is a 5xx or 429.
type StatusError struct {
	Code int
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("HTTP %d %s", e.Code, http.StatusText(e.Code))
}

// Is matches ErrHTTPStatus, and ErrRetryable for statuses worth trying again.
func (e *StatusError) Is(target error) bool {
	return target == ErrHTTPStatus ||
		target == ErrRetryable && (e.Code >= 500 || e.Code == http.StatusTooManyRequests)
}

// retryableError marks its cause as retryable without changing its message.
type retryableError struct{ err error }

func (e retryableError) Error() string        { return e.err.Error() }
func (e retryableError) Unwrap() error        { return e.err }
func (e retryableError) Is(target error) bool { return target == ErrRetryable }

func retryable(err error) error { return retryableError{err} }

// Config is one HTTP source as the YAML config gives it. It holds only the names of the
// environment variables that carry secrets, so the config file can be shared and committed.
type Config struct {
	URL         string        `yaml:"url"`
	TokenEnv    string        `yaml:"token_env"`    // name of an env var holding a bearer token
	UsernameEnv string        `yaml:"username_env"` // basic auth, user and password from env vars
	PasswordEnv string        `yaml:"password_env"`
	Timeout     time.Duration `yaml:"timeout"`   // whole request including the body, default 60s
	MaxBytes    int64         `yaml:"max_bytes"` // default 200 MiB
	// Retries after the first try for retryable failures; 0 means the default 3, a negative
	// value means no retries.
	Retries int `yaml:"retries"`
}

// Validate checks the config without reading the environment: the variables it names need
// only be set when Fetch runs. Each problem names its YAML field; all are joined.
func (c Config) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: %s: %s", ErrInvalidConfig, field, fmt.Sprintf(format, args...)))
	}
	if c.URL == "" {
		bad("url", "required")
	} else if u, err := url.Parse(c.URL); err != nil {
		bad("url", "not a URL") // err may quote the URL; keep the message free of it
	} else {
		switch {
		case u.Scheme != "http" && u.Scheme != "https":
			bad("url", "scheme must be http or https, got %q", u.Scheme)
		case u.Host == "":
			bad("url", "no host")
		case u.User != nil:
			bad("url", "must not hold credentials; use token_env or username_env and password_env")
		}
	}
	if c.TokenEnv != "" && (c.UsernameEnv != "" || c.PasswordEnv != "") {
		bad("token_env", "set either token_env or username_env and password_env, not both")
	}
	if (c.UsernameEnv == "") != (c.PasswordEnv == "") {
		if c.UsernameEnv == "" {
			bad("username_env", "required with password_env")
		} else {
			bad("password_env", "required with username_env")
		}
	}
	if c.Timeout < 0 {
		bad("timeout", "must not be negative")
	}
	if c.MaxBytes < 0 {
		bad("max_bytes", "must not be negative")
	}
	return errors.Join(errs...)
}

func (c Config) withDefaults() Config {
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MaxBytes == 0 {
		c.MaxBytes = DefaultMaxBytes
	}
	switch {
	case c.Retries == 0:
		c.Retries = DefaultRetries
	case c.Retries < 0:
		c.Retries = 0
	}
	return c
}

// Options are shared by every source of a run.
type Options struct {
	// ArchiveDir is where downloads are kept, as <ArchiveDir>/<sha256>/<file name>, with
	// per-source state in <ArchiveDir>/state. Required.
	ArchiveDir string
	Client     *http.Client // default: a client with sane transport timeouts
	Logger     *slog.Logger // default: discard
	// Sleep waits between attempts and returns early with ctx's error; default a real timer.
	Sleep  func(ctx context.Context, d time.Duration) error
	Getenv func(string) string // default os.Getenv
}

// defaultClient bounds connecting and the TLS handshake; Config.Timeout bounds the whole
// request, with no separate limit on the wait for headers because some servers build the
// export before they answer. It is shared so that sources on one server reuse connections.
var defaultClient = &http.Client{Transport: &http.Transport{
	Proxy:                 http.ProxyFromEnvironment,
	DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
	ForceAttemptHTTP2:     true,
	TLSHandshakeTimeout:   10 * time.Second,
	ExpectContinueTimeout: time.Second,
	IdleConnTimeout:       90 * time.Second,
	MaxIdleConns:          16,
}}

func (o Options) withDefaults() Options {
	if o.Client == nil {
		o.Client = defaultClient
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Sleep == nil {
		o.Sleep = sleep
	}
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	return o
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Status is what a fetch did.
type Status string

const (
	StatusFetched     Status = "fetched"      // a new body was downloaded and archived
	StatusNotModified Status = "not_modified" // the server answered 304: the last download stands
	StatusFailed      Status = "failed"       // see Result.Err; the previous state is untouched
)

// Result reports one source's fetch.
type Result struct {
	Source string
	URL    string // without any user info
	Status Status
	// Path is the archived file: for fetched, the new download; otherwise the last good
	// download, or "" when there is none.
	Path   string
	SHA256 string // of the file at Path
	// Err says why the fetch failed. It wraps ErrRetryable when a later run may succeed, and
	// one of ErrTooLarge, ErrTruncated, ErrTimeout, ErrHTTPStatus (a *StatusError),
	// ErrMissingSecret, ErrInvalidConfig, ErrNoFileName, a context error or a transport error.
	Err      error
	Attempts int // requests sent, retries included; 0 when none could be
}

// Fetch downloads one source's export into the archive, unless the server says it has not
// changed since the last good download. Retryable failures are retried up to c.Retries
// times, waiting through o.Sleep; a failure leaves the source's previous state and archive
// untouched and is reported in the Result, never returned, so the caller goes on with its
// other sources. Fetches of different sources may run concurrently; one source must not be
// fetched twice at once.
func Fetch(ctx context.Context, source string, c Config, o Options) Result {
	o = o.withDefaults()
	res := Result{Source: source, URL: redact(c.URL)}
	log := o.Logger.With("source", source, "url", res.URL)
	fail := func(err error) Result {
		res.Status = StatusFailed
		res.Err = fmt.Errorf("fetching %q: %w", res.URL, err)
		log.Error("fetch failed", "attempts", res.Attempts, "retryable", errors.Is(err, ErrRetryable), "err", err)
		return res
	}
	if err := c.Validate(); err != nil {
		return fail(err)
	}
	if err := checkSource(source); err != nil {
		return fail(err)
	}
	if o.ArchiveDir == "" {
		return fail(fmt.Errorf("%w: no archive folder", ErrInvalidConfig))
	}
	c = c.withDefaults()
	auth, err := credentials(c, o.Getenv)
	if err != nil {
		return fail(err)
	}
	if err := os.MkdirAll(filepath.Join(o.ArchiveDir, stateDir), 0o700); err != nil {
		return fail(fmt.Errorf("creating archive: %w", err))
	}
	prev := readState(o.ArchiveDir, source, c.URL, log)
	if prev != nil {
		res.Path, res.SHA256 = filepath.Join(o.ArchiveDir, filepath.FromSlash(prev.Path)), prev.SHA256
	}

	var d *download
	for attempt := 1; ; attempt++ {
		res.Attempts = attempt
		d, err = try(ctx, c, o, auth, prev)
		if err == nil {
			break
		}
		if !errors.Is(err, ErrRetryable) || attempt > c.Retries {
			return fail(err)
		}
		wait := backoff(attempt)
		log.Warn("fetch attempt failed", "attempt", attempt, "retry_in", wait, "err", err)
		if serr := o.Sleep(ctx, wait); serr != nil {
			// The caller gave up: report that, not the retryable cause, so it is not retried.
			return fail(fmt.Errorf("retrying abandoned: %w (last attempt: %v)", serr, err))
		}
	}

	if d.notModified {
		res.Status = StatusNotModified
		if d.etag != "" && d.etag != prev.ETag || d.lastModified != "" && d.lastModified != prev.LastModified {
			next := *prev
			next.ETag, next.LastModified = cmp.Or(d.etag, prev.ETag), cmp.Or(d.lastModified, prev.LastModified)
			if err := writeState(o.ArchiveDir, source, next); err != nil {
				// The download still stands; the next run merely sends older validators.
				log.Warn("saving fetch state failed", "err", err)
			}
		}
		log.Info("source not modified", "file", res.Path, "sha256", res.SHA256, "attempts", res.Attempts)
		return res
	}
	defer os.Remove(d.tmp) // a no-op once archived
	rel, err := archive(o.ArchiveDir, d)
	if err != nil {
		return fail(err)
	}
	next := state{URL: c.URL, ETag: d.etag, LastModified: d.lastModified, SHA256: d.sha, Path: rel}
	if err := writeState(o.ArchiveDir, source, next); err != nil {
		return fail(err)
	}
	res.Status = StatusFetched
	res.Path, res.SHA256 = filepath.Join(o.ArchiveDir, filepath.FromSlash(rel)), d.sha
	log.Info("source fetched", "file", res.Path, "sha256", d.sha, "bytes", d.size, "attempts", res.Attempts)
	return res
}

// backoff is the wait after the given failed attempt (1-based).
func backoff(attempt int) time.Duration {
	d := backoffBase
	for i := 1; i < attempt && d < backoffMax; i++ {
		d *= 2
	}
	return min(d, backoffMax)
}

// checkSource keeps a source name from escaping the state folder.
func checkSource(source string) error {
	if source == "" || strings.ContainsAny(source, `/\`) || !filepath.IsLocal(source) {
		return fmt.Errorf("%w: source name %q cannot name a state file", ErrInvalidConfig, source)
	}
	return nil
}

// auth sets a request's credentials; nil when the source needs none.
type auth func(*http.Request)

// credentials reads the secrets now rather than at Validate, so a config can be checked on
// a machine that does not hold them. Errors name the variable, never its value.
func credentials(c Config, getenv func(string) string) (auth, error) {
	need := func(field, name string) (string, error) {
		v := getenv(name)
		if v == "" {
			return "", fmt.Errorf("%w: environment variable %q (%s) is empty or unset", ErrMissingSecret, name, field)
		}
		return v, nil
	}
	switch {
	case c.TokenEnv != "":
		token, err := need("token_env", c.TokenEnv)
		if err != nil {
			return nil, err
		}
		return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }, nil
	case c.UsernameEnv != "":
		user, err := need("username_env", c.UsernameEnv)
		if err != nil {
			return nil, err
		}
		pass, err := need("password_env", c.PasswordEnv)
		if err != nil {
			return nil, err
		}
		return func(r *http.Request) { r.SetBasicAuth(user, pass) }, nil
	}
	return nil, nil
}

// download is the outcome of one good attempt: a 304, or a body in a temporary file.
type download struct {
	notModified  bool
	etag         string
	lastModified string
	tmp          string // temporary file in ArchiveDir holding the body
	name         string // sanitized file name to archive it under
	sha          string
	size         int64
}

// try sends one request. Errors it returns are classified: retryable or not.
func try(ctx context.Context, c Config, o Options, setAuth auth, prev *state) (*download, error) {
	actx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodGet, c.URL, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: url: %v", ErrInvalidConfig, err)
	}
	req.Header.Set("User-Agent", "minqing-fetch")
	if setAuth != nil {
		setAuth(req)
	}
	if prev != nil {
		if prev.ETag != "" {
			req.Header.Set("If-None-Match", prev.ETag)
		}
		if prev.LastModified != "" {
			req.Header.Set("If-Modified-Since", prev.LastModified)
		}
	}
	resp, err := o.Client.Do(req)
	if err != nil {
		return nil, classify(ctx, actx, c.Timeout, err)
	}
	defer resp.Body.Close()

	switch {
	case resp.StatusCode == http.StatusNotModified && prev != nil:
		return &download{notModified: true, etag: resp.Header.Get("ETag"), lastModified: resp.Header.Get("Last-Modified")}, nil
	case resp.StatusCode != http.StatusOK:
		io.CopyN(io.Discard, resp.Body, 4<<10) // a short error page: read it so the connection can be reused
		var err error = &StatusError{Code: resp.StatusCode}
		if errors.Is(err, ErrRetryable) {
			err = retryable(err)
		}
		return nil, err
	case resp.ContentLength > c.MaxBytes:
		return nil, fmt.Errorf("%w: %d bytes announced, limit %d", ErrTooLarge, resp.ContentLength, c.MaxBytes)
	}
	name, err := fileName(resp.Header.Get("Content-Disposition"), resp.Request.URL)
	if err != nil {
		return nil, err
	}
	d := &download{etag: resp.Header.Get("ETag"), lastModified: resp.Header.Get("Last-Modified"), name: name}
	if err := save(ctx, actx, c, o.ArchiveDir, resp, d); err != nil {
		return nil, err
	}
	return d, nil
}

// save streams the body to a temporary file while hashing it, so memory stays bounded
// whatever the export's size. On error nothing is left behind.
func save(ctx, actx context.Context, c Config, dir string, resp *http.Response, d *download) (err error) {
	f, err := os.CreateTemp(dir, ".fetch-*.part")
	if err != nil {
		return fmt.Errorf("creating temporary file: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	h := sha256.New()
	// One byte past the limit tells an oversized body from one exactly at it.
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(resp.Body, c.MaxBytes+1))
	switch {
	case err != nil && errors.Is(err, io.ErrUnexpectedEOF) && ctx.Err() == nil && actx.Err() == nil:
		return retryable(fmt.Errorf("%w: connection closed after %d bytes%s", ErrTruncated, n, ofLength(resp.ContentLength)))
	case err != nil:
		var pe *os.PathError
		if errors.As(err, &pe) { // writing the temporary file, not reading the body
			return fmt.Errorf("writing temporary file: %w", err)
		}
		return classify(ctx, actx, c.Timeout, err)
	case n > c.MaxBytes:
		return fmt.Errorf("%w: more than %d bytes", ErrTooLarge, c.MaxBytes)
	case resp.ContentLength >= 0 && n < resp.ContentLength:
		return retryable(fmt.Errorf("%w: got %d%s", ErrTruncated, n, ofLength(resp.ContentLength)))
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("writing temporary file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing temporary file: %w", err)
	}
	d.tmp, d.sha, d.size = f.Name(), hex.EncodeToString(h.Sum(nil)), n
	return nil
}

func ofLength(n int64) string {
	if n < 0 {
		return ""
	}
	return fmt.Sprintf(" of %d bytes", n)
}

// classify turns a transport error into a retryable or fatal cause, dropping the
// *url.Error layer: the URL is added once, by Fetch.
func classify(ctx, actx context.Context, timeout time.Duration, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return cerr // the caller gave up: not retryable
	}
	if errors.Is(actx.Err(), context.DeadlineExceeded) {
		return retryable(fmt.Errorf("%w after %s", ErrTimeout, timeout))
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return retryable(fmt.Errorf("%w: %w", ErrTimeout, err))
	}
	// A certificate the client rejects stays rejected until someone fixes it.
	var (
		cv  *tls.CertificateVerificationError
		ua  x509.UnknownAuthorityError
		he  x509.HostnameError
		cie x509.CertificateInvalidError
	)
	if errors.As(err, &cv) || errors.As(err, &ua) || errors.As(err, &he) || errors.As(err, &cie) {
		return err
	}
	return retryable(err)
}

// archive moves the download to <dir>/<sha>/<name>. If those bytes were archived under that
// name before, the earlier file is kept and the download dropped.
func archive(dir string, d *download) (string, error) {
	rel := d.sha + "/" + d.name
	dst := filepath.Join(dir, d.sha, d.name)
	if st, err := os.Stat(dst); err == nil && st.Mode().IsRegular() && st.Size() == d.size {
		return rel, nil
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return "", fmt.Errorf("archiving %q: %w", rel, err)
	}
	if err := os.Rename(d.tmp, dst); err != nil {
		return "", fmt.Errorf("archiving %q: %w", rel, err)
	}
	return rel, nil
}

// redact drops user info from a URL for logs and errors; Validate rejects it anyway.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User = nil
	return u.String()
}
