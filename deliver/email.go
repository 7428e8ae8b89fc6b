package deliver

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	mail "github.com/wneessen/go-mail"

	"github.com/minqing/minqing/config"
)

// emailer sends the Message as a UTF-8 plain-text mail with the attachments.
type emailer struct {
	cfg    config.Email
	opts   []mail.Option
	addr   string // host:port
	target string
}

func newEmailer(cfg config.Email, tlsConf *tls.Config, env func(key, name string) (string, error), red *redactor) (*emailer, error) {
	opts := []mail.Option{mail.WithPort(cfg.Port), mail.WithTimeout(30 * time.Second)}
	switch cfg.TLS {
	case config.TLSImplicit, "":
		opts = append(opts, mail.WithSSL())
	case config.TLSStartTLS:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	case config.TLSNone:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	default:
		return nil, fmt.Errorf("preparing e-mail: tls %q is not implicit, starttls or none", cfg.TLS)
	}
	if cfg.TLS != config.TLSNone {
		c := &tls.Config{MinVersion: tls.VersionTLS12}
		if tlsConf != nil {
			c = tlsConf.Clone()
		}
		if c.ServerName == "" {
			c.ServerName = cfg.Host
		}
		opts = append(opts, mail.WithTLSConfig(c))
	}
	if cfg.UsernameEnv != "" {
		user, err := env("email.username_env", cfg.UsernameEnv)
		if err != nil {
			return nil, err
		}
		pass, err := env("email.password_env", cfg.PasswordEnv)
		if err != nil {
			return nil, err
		}
		red.add(user, pass)
		// Auto-discovery picks the strongest mechanism the server offers, and PLAIN or LOGIN
		// only over TLS: with tls none the password is never sent in the clear.
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover), mail.WithUsername(user), mail.WithPassword(pass))
	}
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
	return &emailer{
		cfg:    cfg,
		opts:   opts,
		addr:   addr,
		target: recipients(addr, len(cfg.To)+len(cfg.Cc)),
	}, nil
}

// officeTypes are the attachments' MIME types, so mail clients offer to open them in the
// right program (go-mail's default is application/octet-stream).
var officeTypes = map[string]mail.ContentType{
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}

// send builds the message afresh and sends it over a new connection. go-mail writes an
// attachment's name as an RFC 2047 encoded word (filename="=?UTF-8?q?...?="), which
// Outlook, Foxmail, Thunderbird and the webmail of the government mail systems decode,
// so Chinese file names survive.
func (e *emailer) send(ctx context.Context, m Message) error {
	msg := mail.NewMsg()
	if err := msg.From(e.cfg.From); err != nil {
		return permanent{fmt.Errorf("setting from %q: %w", e.cfg.From, err)}
	}
	if err := msg.To(e.cfg.To...); err != nil {
		return permanent{fmt.Errorf("setting to: %w", err)}
	}
	if len(e.cfg.Cc) > 0 {
		if err := msg.Cc(e.cfg.Cc...); err != nil {
			return permanent{fmt.Errorf("setting cc: %w", err)}
		}
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	msg.SetBodyString(mail.TypeTextPlain, m.Body)
	for _, path := range m.Attachments {
		// go-mail skips a file it cannot stat without a word; open each one here so a
		// missing attachment is an error, not a silently shorter mail.
		f, err := os.Open(path)
		if err != nil {
			return permanent{fmt.Errorf("attaching %q: %w", path, err)}
		}
		defer f.Close()
		var opts []mail.FileOption
		if t, ok := officeTypes[filepath.Ext(path)]; ok {
			opts = append(opts, mail.WithFileContentType(t))
		}
		msg.AttachReadSeeker(filepath.Base(path), f, opts...)
	}
	c, err := mail.NewClient(e.cfg.Host, e.opts...)
	if err != nil {
		return fmt.Errorf("preparing the SMTP client for %s: %w", e.cfg.Host, err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("sending mail via %s: %w", e.addr, err)
	}
	return nil
}

// recipients says where a mail goes without naming anyone: the server and how many.
func recipients(addr string, n int) string {
	if n == 1 {
		return addr + " → 1 recipient"
	}
	return fmt.Sprintf("%s → %d recipients", addr, n)
}
