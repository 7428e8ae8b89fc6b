package deliver

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/minqing/minqing/config"
)

// smtpBackend is a test SMTP server's mailbox; with a user set, it offers AUTH PLAIN and
// refuses mail from a session that has not logged in.
type smtpBackend struct {
	user, pass string
	mu         sync.Mutex
	received   []receivedMail
}

type receivedMail struct {
	from   string
	to     []string
	data   []byte
	authed bool
	tls    bool
}

func (b *smtpBackend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &smtpSession{b: b, conn: c}, nil
}

func (b *smtpBackend) mails() []receivedMail {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.received)
}

type smtpSession struct {
	b      *smtpBackend
	conn   *smtp.Conn
	authed bool
	from   string
	to     []string
}

func (s *smtpSession) AuthMechanisms() []string {
	if s.b.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.b.user || pass != s.b.pass {
			return smtp.ErrAuthFailed
		}
		s.authed = true
		return nil
	}), nil
}

func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.b.user != "" && !s.authed {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	_, isTLS := s.conn.TLSConnectionState()
	s.b.received = append(s.b.received, receivedMail{from: s.from, to: s.to, data: data, authed: s.authed, tls: isTLS})
	return nil
}

func (s *smtpSession) Reset()        { s.from, s.to = "", nil }
func (s *smtpSession) Logout() error { return nil }

// startSMTP serves b on 127.0.0.1 with implicit TLS, STARTTLS or no TLS, and returns the
// port.
func startSMTP(t *testing.T, mode string, b *smtpBackend, serverTLS *tls.Config) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	s := smtp.NewServer(b)
	s.Domain = "localhost"
	switch mode {
	case config.TLSImplicit:
		l = tls.NewListener(l, serverTLS)
	case config.TLSStartTLS:
		s.TLSConfig = serverTLS
	case config.TLSNone:
		s.AllowInsecureAuth = true // offers AUTH PLAIN in the clear, which the client must refuse
	}
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	return port
}

// parsedMail is a received message taken apart with net/mail and mime/multipart.
type parsedMail struct {
	subject, from, body string
	files               map[string][]byte
}

func parseMail(t *testing.T, data []byte) parsedMail {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("reading the received message: %v", err)
	}
	var dec mime.WordDecoder
	p := parsedMail{files: map[string][]byte{}}
	if p.subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		t.Fatalf("decoding the subject: %v", err)
	}
	p.from = msg.Header.Get("From")
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/mixed" {
		t.Fatalf("Content-Type %q: want multipart/mixed (%v)", msg.Header.Get("Content-Type"), err)
	}
	var walk func(r *multipart.Reader)
	walk = func(r *multipart.Reader) {
		for {
			part, err := r.NextPart()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatalf("reading a part: %v", err)
			}
			ct, ps, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
			if strings.HasPrefix(ct, "multipart/") {
				walk(multipart.NewReader(part, ps["boundary"]))
				continue
			}
			raw, err := io.ReadAll(part)
			if err != nil {
				t.Fatalf("reading a part: %v", err)
			}
			if part.FileName() == "" {
				if ct != "text/plain" || ps["charset"] != "UTF-8" {
					t.Errorf("body part is %q charset %q, want text/plain UTF-8", ct, ps["charset"])
				}
				p.body += string(raw) // multipart.Reader has undone quoted-printable
				continue
			}
			name, err := dec.DecodeHeader(part.FileName())
			if err != nil {
				t.Fatalf("decoding file name %q: %v", part.FileName(), err)
			}
			if enc := part.Header.Get("Content-Transfer-Encoding"); enc != "base64" {
				t.Fatalf("attachment %s: Content-Transfer-Encoding %q, want base64", name, enc)
			}
			b, err := base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(string(raw)))
			if err != nil {
				t.Fatalf("decoding attachment %s: %v", name, err)
			}
			p.files[name] = b
		}
	}
	walk(multipart.NewReader(msg.Body, params["boundary"]))
	return p
}

func TestEmailArrivesWithAttachments(t *testing.T) {
	serverTLS, clientTLS := testTLS(t)
	tests := []struct {
		name  string
		mode  string
		login bool
	}{
		{"implicit TLS with login", config.TLSImplicit, true},
		{"STARTTLS with login", config.TLSStartTLS, true},
		{"no TLS, no login", config.TLSNone, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &smtpBackend{}
			env := fakeEnv{}
			cfg := config.Email{Host: "127.0.0.1", TLS: tt.mode, From: "minqing@example.gov.cn",
				To: []string{"zzb@example.gov.cn", "xfb@example.gov.cn"}, Cc: []string{"ld@example.gov.cn"}}
			if tt.login {
				b.user, b.pass = "minqing-robot", "s3cret-Pa55"
				env["SMTP_USER"], env["SMTP_PASSWORD"] = b.user, b.pass
				cfg.UsernameEnv, cfg.PasswordEnv = "SMTP_USER", "SMTP_PASSWORD"
			}
			cfg.Port = startSMTP(t, tt.mode, b, serverTLS)
			o, waits, _ := testOptions(env)
			o.TLSConfig = clientTLS
			d, err := New(config.Deliver{Email: &cfg, Attempts: 2}, t.TempDir(), o)
			if err != nil {
				t.Fatal(err)
			}
			paths, files := attachments(t)
			m := Message{
				Subject:     "民情周报 2026年第49周",
				Body:        "本周受理诉求 1,234 件,办结率 93.5%;即将超期 12 件,已超期 3 件。\n详见附件。",
				Attachments: paths,
			}
			rs := d.Deliver(context.Background(), m)
			if len(rs) != 1 || !rs[0].OK || rs[0].Attempts != 1 || rs[0].Channel != ChannelEmail {
				t.Fatalf("results %+v, want one OK e-mail result after 1 attempt", rs)
			}
			if want := "127.0.0.1:" + strconv.Itoa(cfg.Port) + " → 3 recipients"; rs[0].Target != want {
				t.Errorf("target %q, want %q", rs[0].Target, want)
			}
			if len(waits.waits) != 0 {
				t.Errorf("waited %v, want no waits", waits.waits)
			}
			got := b.mails()
			if len(got) != 1 {
				t.Fatalf("server received %d messages, want 1", len(got))
			}
			r := got[0]
			if r.authed != tt.login || r.tls != (tt.mode != config.TLSNone) {
				t.Errorf("logged in %v, over TLS %v; want %v, %v", r.authed, r.tls, tt.login, tt.mode != config.TLSNone)
			}
			if r.from != cfg.From || !slices.Equal(r.to, []string{"zzb@example.gov.cn", "xfb@example.gov.cn", "ld@example.gov.cn"}) {
				t.Errorf("envelope from %q to %v", r.from, r.to)
			}
			p := parseMail(t, r.data)
			if p.subject != m.Subject {
				t.Errorf("subject %q, want %q", p.subject, m.Subject)
			}
			if !strings.Contains(p.body, "办结率 93.5%") || !strings.Contains(p.body, "已超期 3 件") {
				t.Errorf("body %q lacks the summary", p.body)
			}
			if len(p.files) != len(files) {
				t.Errorf("attachments %v, want %d", keys(p.files), len(files))
			}
			for name, want := range files {
				if !bytes.Equal(p.files[name], want) {
					t.Errorf("attachment %q: got %d bytes, want %d (attachments: %v)", name, len(p.files[name]), len(want), keys(p.files))
				}
			}
		})
	}
}

// TestEmailSTARTTLSIsMandatory checks that starttls never falls back to plain text when
// the server offers no STARTTLS.
func TestEmailSTARTTLSIsMandatory(t *testing.T) {
	_, clientTLS := testTLS(t)
	b := &smtpBackend{}
	cfg := config.Email{Host: "127.0.0.1", TLS: config.TLSStartTLS, From: "minqing@example.gov.cn", To: []string{"zzb@example.gov.cn"}}
	cfg.Port = startSMTP(t, config.TLSNone, b, nil)
	o, _, _ := testOptions(fakeEnv{})
	o.TLSConfig = clientTLS
	d, err := New(config.Deliver{Email: &cfg, Attempts: 1}, "", o)
	if err != nil {
		t.Fatal(err)
	}
	rs := d.Deliver(context.Background(), Message{Subject: "s", Body: "b"})
	if rs[0].OK || !strings.Contains(rs[0].Err, "STARTTLS") {
		t.Errorf("result %+v, want a failure about STARTTLS", rs[0])
	}
	if n := len(b.mails()); n != 0 {
		t.Errorf("server received %d messages in plain text", n)
	}
}

// TestEmailNoLoginInTheClear checks that with tls none a login is refused rather than
// sending the password in plain text, even when the server offers AUTH PLAIN.
func TestEmailNoLoginInTheClear(t *testing.T) {
	b := &smtpBackend{user: secretUser, pass: secretPassword}
	cfg := config.Email{Host: "127.0.0.1", TLS: config.TLSNone, UsernameEnv: "SMTP_USER", PasswordEnv: "SMTP_PASSWORD",
		From: "minqing@example.gov.cn", To: []string{"zzb@example.gov.cn"}}
	cfg.Port = startSMTP(t, config.TLSNone, b, nil)
	o, _, _ := testOptions(secretEnv(""))
	d, err := New(config.Deliver{Email: &cfg, Attempts: 1}, "", o)
	if err != nil {
		t.Fatal(err)
	}
	rs := d.Deliver(context.Background(), Message{Subject: "s", Body: "b"})
	if rs[0].OK || len(b.mails()) != 0 || !strings.Contains(rs[0].Err, "authentication mechanism") {
		t.Errorf("result %+v: want a refusal to log in without TLS", rs[0])
	}
	assertNoSecret(t, "the error", rs[0].Err)
}

// TestEmailMissingAttachment checks that a missing file fails at once, not silently
// leaving the mail shorter and not retried.
func TestEmailMissingAttachment(t *testing.T) {
	b := &smtpBackend{}
	cfg := config.Email{Host: "127.0.0.1", TLS: config.TLSNone, From: "minqing@example.gov.cn", To: []string{"zzb@example.gov.cn"}}
	cfg.Port = startSMTP(t, config.TLSNone, b, nil)
	o, waits, _ := testOptions(fakeEnv{})
	d, err := New(config.Deliver{Email: &cfg, Attempts: 4}, "", o)
	if err != nil {
		t.Fatal(err)
	}
	missing := t.TempDir() + "/没有的.xlsx"
	rs := d.Deliver(context.Background(), Message{Subject: "s", Body: "b", Attachments: []string{missing}})
	if rs[0].OK || rs[0].Attempts != 1 || !strings.Contains(rs[0].Err, "没有的.xlsx") || len(waits.waits) != 0 {
		t.Errorf("result %+v after waits %v, want one failed attempt naming the file", rs[0], waits.waits)
	}
	if n := len(b.mails()); n != 0 {
		t.Errorf("server received %d messages", n)
	}
}

func keys(m map[string][]byte) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
