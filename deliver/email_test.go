package deliver

import (
	"bytes"
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/minqing/minqing/config"
	"github.com/minqing/minqing/internal/mailtest"
)

func TestEmailArrivesWithAttachments(t *testing.T) {
	serverTLS, clientTLS := mailtest.TLS(t)
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
			b := &mailtest.Backend{}
			env := fakeEnv{}
			cfg := config.Email{Host: "127.0.0.1", TLS: tt.mode, From: "minqing@example.gov.cn",
				To: []string{"zzb@example.gov.cn", "xfb@example.gov.cn"}, Cc: []string{"ld@example.gov.cn"}}
			if tt.login {
				b.User, b.Pass = "minqing-robot", "s3cret-Pa55"
				env["SMTP_USER"], env["SMTP_PASSWORD"] = b.User, b.Pass
				cfg.UsernameEnv, cfg.PasswordEnv = "SMTP_USER", "SMTP_PASSWORD"
			}
			cfg.Port = mailtest.Start(t, tt.mode, b, serverTLS)
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
			got := b.Mails()
			if len(got) != 1 {
				t.Fatalf("server received %d messages, want 1", len(got))
			}
			r := got[0]
			if r.Authed != tt.login || r.TLS != (tt.mode != config.TLSNone) {
				t.Errorf("logged in %v, over TLS %v; want %v, %v", r.Authed, r.TLS, tt.login, tt.mode != config.TLSNone)
			}
			if r.From != cfg.From || !slices.Equal(r.To, []string{"zzb@example.gov.cn", "xfb@example.gov.cn", "ld@example.gov.cn"}) {
				t.Errorf("envelope from %q to %v", r.From, r.To)
			}
			p := mailtest.Parse(t, r.Data)
			if p.Subject != m.Subject {
				t.Errorf("subject %q, want %q", p.Subject, m.Subject)
			}
			if !strings.Contains(p.Body, "办结率 93.5%") || !strings.Contains(p.Body, "已超期 3 件") {
				t.Errorf("body %q lacks the summary", p.Body)
			}
			if len(p.Files) != len(files) {
				t.Errorf("attachments %v, want %d", keys(p.Files), len(files))
			}
			for name, want := range files {
				if !bytes.Equal(p.Files[name], want) {
					t.Errorf("attachment %q: got %d bytes, want %d (attachments: %v)", name, len(p.Files[name]), len(want), keys(p.Files))
				}
			}
		})
	}
}

// TestEmailSTARTTLSIsMandatory checks that starttls never falls back to plain text when
// the server offers no STARTTLS.
func TestEmailSTARTTLSIsMandatory(t *testing.T) {
	_, clientTLS := mailtest.TLS(t)
	b := &mailtest.Backend{}
	cfg := config.Email{Host: "127.0.0.1", TLS: config.TLSStartTLS, From: "minqing@example.gov.cn", To: []string{"zzb@example.gov.cn"}}
	cfg.Port = mailtest.Start(t, config.TLSNone, b, nil)
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
	if n := len(b.Mails()); n != 0 {
		t.Errorf("server received %d messages in plain text", n)
	}
}

// TestEmailNoLoginInTheClear checks that with tls none a login is refused rather than
// sending the password in plain text, even when the server offers AUTH PLAIN.
func TestEmailNoLoginInTheClear(t *testing.T) {
	b := &mailtest.Backend{User: secretUser, Pass: secretPassword}
	cfg := config.Email{Host: "127.0.0.1", TLS: config.TLSNone, UsernameEnv: "SMTP_USER", PasswordEnv: "SMTP_PASSWORD",
		From: "minqing@example.gov.cn", To: []string{"zzb@example.gov.cn"}}
	cfg.Port = mailtest.Start(t, config.TLSNone, b, nil)
	o, _, _ := testOptions(secretEnv(""))
	d, err := New(config.Deliver{Email: &cfg, Attempts: 1}, "", o)
	if err != nil {
		t.Fatal(err)
	}
	rs := d.Deliver(context.Background(), Message{Subject: "s", Body: "b"})
	if rs[0].OK || len(b.Mails()) != 0 || !strings.Contains(rs[0].Err, "authentication mechanism") {
		t.Errorf("result %+v: want a refusal to log in without TLS", rs[0])
	}
	assertNoSecret(t, "the error", rs[0].Err)
}

// TestEmailMissingAttachment checks that a missing file fails at once, not silently
// leaving the mail shorter and not retried.
func TestEmailMissingAttachment(t *testing.T) {
	b := &mailtest.Backend{}
	cfg := config.Email{Host: "127.0.0.1", TLS: config.TLSNone, From: "minqing@example.gov.cn", To: []string{"zzb@example.gov.cn"}}
	cfg.Port = mailtest.Start(t, config.TLSNone, b, nil)
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
	if n := len(b.Mails()); n != 0 {
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
