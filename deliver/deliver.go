package deliver

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/minqing/minqing/config"
)

// Message is what one run delivers; the caller composes it from the run's figures.
type Message struct {
	Subject string // e-mail subject; also the 钉钉 markdown title
	// Body is the plain-text summary put in the e-mail.
	Body string
	// Attachments are file paths (the workbook .xlsx, the document .docx), attached to the
	// e-mail and copied into the folder under their base names.
	Attachments []string
	// Robot is the markdown sent to the group robot: headline figures and warning counts.
	// It is cut to the robot's limit with a note when too long.
	Robot string
}

// Result is the outcome of one channel, fit for the run history: Target and Err never
// hold a secret.
type Result struct {
	Channel  string    `json:"channel"` // email, webhook or folder
	Target   string    `json:"target"`  // e.g. "smtp.example.gov.cn:465 → 2 recipients", "企业微信 robot at qyapi.weixin.qq.com", the folder
	Attempts int       `json:"attempts"`
	OK       bool      `json:"ok"`
	Err      string    `json:"err,omitempty"` // the last attempt's error, secrets redacted
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
}

// Channel names of Result.Channel.
const (
	ChannelEmail   = "email"
	ChannelWebhook = "webhook"
	ChannelFolder  = "folder"
)

// Options are a Deliverer's collaborators; the zero value is ready for production.
type Options struct {
	Getenv func(string) string // default os.Getenv
	Logger *slog.Logger        // default: discard
	// Sleep waits between attempts; default a timer that returns ctx.Err() when ctx ends.
	Sleep      func(context.Context, time.Duration) error
	HTTPClient *http.Client // default: 30 s timeout
	// TLSConfig is used for SMTP (tests trust their own CA through it); ServerName
	// defaults to the configured host.
	TLSConfig *tls.Config
	Now       func() time.Time // default time.Now
}

// Deliverer sends Messages over the configured channels. It holds the secrets read at New
// and is safe for concurrent use if Options.Sleep is.
type Deliverer struct {
	attempts int
	email    *emailer
	webhook  *robot
	folder   string
	redact   *redactor
	log      *slog.Logger
	sleep    func(context.Context, time.Duration) error
	now      func() time.Time
}

// New reads the environment variables the config names and prepares each configured
// channel. It fails, naming the variable and never its value, when one is unset or empty
// or the robot's URL is not an http(s) URL. base is the config's folder, against which a
// relative cfg.Folder is taken.
func New(cfg config.Deliver, base string, o Options) (*Deliverer, error) {
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Sleep == nil {
		o.Sleep = sleep
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	d := &Deliverer{
		attempts: cfg.Attempts,
		redact:   &redactor{},
		log:      o.Logger.With("component", "deliver"),
		sleep:    o.Sleep,
		now:      o.Now,
	}
	if d.attempts < 1 {
		d.attempts = 4
	}
	env := func(key, name string) (string, error) {
		v := o.Getenv(name)
		if v == "" {
			return "", fmt.Errorf("reading deliver.%s: environment variable %s is unset or empty", key, name)
		}
		return v, nil
	}
	if cfg.Email != nil {
		e, err := newEmailer(*cfg.Email, o.TLSConfig, env, d.redact)
		if err != nil {
			return nil, err
		}
		d.email = e
	}
	if cfg.Webhook != nil {
		r, err := newRobot(*cfg.Webhook, o.HTTPClient, o.Now, env, d.redact)
		if err != nil {
			return nil, err
		}
		d.webhook = r
	}
	if cfg.Folder != "" {
		d.folder = cfg.Folder
		if !filepath.IsAbs(d.folder) {
			d.folder = filepath.Join(base, d.folder)
		}
	}
	return d, nil
}

// Targets names where each configured channel delivers (channel → target, as Result
// has it): a caller can tell whether a channel was pointed elsewhere since it last
// delivered.
func (d *Deliverer) Targets() map[string]string {
	t := map[string]string{}
	if d.email != nil {
		t[ChannelEmail] = d.email.target
	}
	if d.webhook != nil {
		t[ChannelWebhook] = d.webhook.target
	}
	if d.folder != "" {
		t[ChannelFolder] = d.folder
	}
	return t
}

// Skip returns a Deliverer like d without the channels named in skip.
func (d *Deliverer) Skip(skip map[string]bool) *Deliverer {
	c := *d
	if skip[ChannelEmail] {
		c.email = nil
	}
	if skip[ChannelWebhook] {
		c.webhook = nil
	}
	if skip[ChannelFolder] {
		c.folder = ""
	}
	return &c
}

// Deliver sends m over every configured channel (e-mail, robot, folder, in that order),
// each tried up to the configured attempts, and returns one Result per channel. It
// returns nothing when no channel is configured.
func (d *Deliverer) Deliver(ctx context.Context, m Message) []Result {
	var rs []Result
	if d.email != nil {
		rs = append(rs, d.try(ctx, ChannelEmail, d.email.target, func(ctx context.Context) error { return d.email.send(ctx, m) }))
	}
	if d.webhook != nil {
		rs = append(rs, d.try(ctx, ChannelWebhook, d.webhook.target, func(ctx context.Context) error { return d.webhook.send(ctx, m) }))
	}
	if d.folder != "" {
		rs = append(rs, d.try(ctx, ChannelFolder, d.folder, func(context.Context) error { return copyInto(d.folder, m.Attachments) }))
	}
	return rs
}

// try runs send until it succeeds, fails permanently or has been tried d.attempts times,
// waiting 2 s, 8 s, 32 s … between attempts.
func (d *Deliverer) try(ctx context.Context, channel, target string, send func(context.Context) error) Result {
	r := Result{Channel: channel, Target: target, Started: d.now()}
	wait := 2 * time.Second
	for {
		r.Attempts++
		err := send(ctx)
		if err == nil {
			r.OK = true
			break
		}
		r.Err = d.redact.string(err.Error())
		d.log.Warn("delivery attempt failed", "channel", channel, "target", target, "attempt", r.Attempts, "of", d.attempts, "err", r.Err)
		var p permanent
		if r.Attempts >= d.attempts || errors.As(err, &p) {
			break
		}
		if err := d.sleep(ctx, wait); err != nil {
			r.Err = d.redact.string(fmt.Sprintf("%s (gave up waiting to retry: %v)", r.Err, err))
			break
		}
		wait *= 4
	}
	r.Finished = d.now()
	if r.OK {
		r.Err = ""
		d.log.Info("delivered", "channel", channel, "target", target, "attempts", r.Attempts, "duration", r.Finished.Sub(r.Started))
	} else {
		d.log.Error("delivery failed", "channel", channel, "target", target, "attempts", r.Attempts, "err", r.Err)
	}
	return r
}

// permanent marks an error no retry can mend, such as a missing attachment.
type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

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

// redactor replaces every known secret, and the escaped forms a URL or error may carry,
// with [REDACTED].
type redactor struct{ secrets []string }

func (r *redactor) add(s ...string) {
	for _, v := range s {
		if v != "" {
			r.secrets = append(r.secrets, v, url.QueryEscape(v), url.PathEscape(v))
		}
	}
	// The longest first, so a secret containing another is replaced whole.
	sort.Slice(r.secrets, func(i, j int) bool { return len(r.secrets[i]) > len(r.secrets[j]) })
}

func (r *redactor) string(s string) string {
	for _, v := range r.secrets {
		s = strings.ReplaceAll(s, v, "[REDACTED]")
	}
	return s
}
