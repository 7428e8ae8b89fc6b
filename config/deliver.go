package config

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
)

// Deliver says where each run's outputs go once it has succeeded: by e-mail, to a group
// robot (企业微信 or 钉钉) and into a shared folder. Any of the three may be left out.
// Secrets (the SMTP login, the robot's URL and signing secret) are never in the file:
// it names the environment variables that hold them.
type Deliver struct {
	Email   *Email   `yaml:"email"`
	Webhook *Webhook `yaml:"webhook"`
	// Folder is a shared folder the workbook and the document are copied into (relative
	// paths are taken from the config's folder).
	Folder string `yaml:"folder"`
	// Attempts is how many times a delivery is tried before it is recorded as failed;
	// default 4 (waits of 2 s, 8 s and 32 s between them).
	Attempts int `yaml:"attempts"`
}

// Email is an SMTP server and the message's addresses.
type Email struct {
	Host string `yaml:"host"`
	Port int    `yaml:"port"` // default 465 for implicit TLS, 587 for STARTTLS, 25 for none
	// TLS is implicit (TLS from the first byte, port 465), starttls, or none (a relay on
	// the same host). Default implicit.
	TLS         string   `yaml:"tls"`
	UsernameEnv string   `yaml:"username_env"` // environment variable holding the login; none: no login
	PasswordEnv string   `yaml:"password_env"`
	From        string   `yaml:"from"`
	To          []string `yaml:"to"`
	Cc          []string `yaml:"cc"`
}

// Webhook is a group robot.
type Webhook struct {
	Kind      string `yaml:"kind"`       // wecom (企业微信) or dingtalk (钉钉)
	URLEnv    string `yaml:"url_env"`    // environment variable holding the robot's URL
	SecretEnv string `yaml:"secret_env"` // dingtalk: the variable holding the signing secret (加签), if set
}

// TLS modes of Email.TLS.
const (
	TLSImplicit = "implicit"
	TLSStartTLS = "starttls"
	TLSNone     = "none"
)

// Webhook kinds.
const (
	WebhookWeCom    = "wecom"
	WebhookDingTalk = "dingtalk"
)

func (d *Deliver) applyDefaults() {
	if d.Attempts == 0 {
		d.Attempts = 4
	}
	if e := d.Email; e != nil {
		if e.TLS == "" {
			e.TLS = TLSImplicit
		}
		if e.Port == 0 {
			e.Port = map[string]int{TLSImplicit: 465, TLSStartTLS: 587, TLSNone: 25}[e.TLS]
		}
	}
}

// Configured reports whether any delivery is set up.
func (d Deliver) Configured() bool { return d.Email != nil || d.Webhook != nil || d.Folder != "" }

func (d Deliver) check() []error {
	var errs []error
	if d.Attempts < 1 || d.Attempts > 10 {
		errs = append(errs, fmt.Errorf("deliver.attempts: %d is not between 1 and 10", d.Attempts))
	}
	if e := d.Email; e != nil {
		if e.Host == "" {
			errs = append(errs, errors.New("deliver.email.host: required"))
		}
		switch e.TLS {
		case TLSImplicit, TLSStartTLS, TLSNone:
		default:
			errs = append(errs, fmt.Errorf("deliver.email.tls: %q is not implicit, starttls or none", e.TLS))
		}
		if e.Port < 1 || e.Port > 65535 {
			errs = append(errs, fmt.Errorf("deliver.email.port: %d is not a port", e.Port))
		}
		if (e.UsernameEnv == "") != (e.PasswordEnv == "") {
			errs = append(errs, errors.New("deliver.email: username_env and password_env go together"))
		}
		for _, v := range []struct{ key, val string }{{"username_env", e.UsernameEnv}, {"password_env", e.PasswordEnv}} {
			if v.val != "" && !envName(v.val) {
				errs = append(errs, fmt.Errorf("deliver.email.%s: %q is not an environment variable's name (the secret itself never goes in the file)", v.key, v.val))
			}
		}
		if _, err := mail.ParseAddress(e.From); err != nil {
			errs = append(errs, fmt.Errorf("deliver.email.from: %q is not an e-mail address", e.From))
		}
		if len(e.To) == 0 {
			errs = append(errs, errors.New("deliver.email.to: at least one address is required"))
		}
		for _, list := range []struct {
			key   string
			addrs []string
		}{{"to", e.To}, {"cc", e.Cc}} {
			for _, a := range list.addrs {
				if _, err := mail.ParseAddress(a); err != nil {
					errs = append(errs, fmt.Errorf("deliver.email.%s: %q is not an e-mail address", list.key, a))
				}
			}
		}
	}
	if w := d.Webhook; w != nil {
		switch w.Kind {
		case WebhookWeCom, WebhookDingTalk:
		default:
			errs = append(errs, fmt.Errorf("deliver.webhook.kind: %q is not wecom (企业微信) or dingtalk (钉钉)", w.Kind))
		}
		if w.URLEnv == "" {
			errs = append(errs, errors.New("deliver.webhook.url_env: required: the environment variable holding the robot's URL"))
		} else if !envName(w.URLEnv) {
			errs = append(errs, fmt.Errorf("deliver.webhook.url_env: %q is not an environment variable's name (the URL itself never goes in the file)", w.URLEnv))
		}
		if w.SecretEnv != "" && !envName(w.SecretEnv) {
			errs = append(errs, fmt.Errorf("deliver.webhook.secret_env: %q is not an environment variable's name", w.SecretEnv))
		}
		if w.SecretEnv != "" && w.Kind == WebhookWeCom {
			errs = append(errs, errors.New("deliver.webhook.secret_env: 企业微信 robots are not signed; only dingtalk takes a secret"))
		}
	}
	return errs
}

// envName reports whether s looks like an environment variable's name.
func envName(s string) bool {
	if s == "" || strings.ContainsAny(s[:1], "0123456789") {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
