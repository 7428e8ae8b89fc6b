package deliver

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/minqing/minqing/config"
	"github.com/minqing/minqing/internal/mailtest"
)

// The secrets of the fake environment; none may appear in an error, a Result or a log.
const (
	secretUser     = "minqing-robot-login"
	secretPassword = "Pa55-w0rd/with+specials"
	secretKey      = "693a91f6-7aaa-4bc4-97a0-0ec2sifa5key"
	secretToken    = "dt-access-token-9f8e7d"
	secretSign     = "SECsigning-secret-4c3b2a"
)

func secretEnv(robotBase string) fakeEnv {
	return fakeEnv{
		"SMTP_USER":       secretUser,
		"SMTP_PASSWORD":   secretPassword,
		"WECOM_ROBOT_URL": robotBase + "/cgi-bin/webhook/send?key=" + secretKey,
		"DINGTALK_URL":    robotBase + "/robot/send?access_token=" + secretToken,
		"DINGTALK_SECRET": secretSign,
	}
}

// assertNoSecret fails when s holds a secret or its escaped form.
func assertNoSecret(t *testing.T, what, s string) {
	t.Helper()
	for _, secret := range []string{secretUser, secretPassword, "Pa55-w0rd%2Fwith%2Bspecials", secretKey, secretToken, secretSign} {
		if strings.Contains(s, secret) {
			t.Errorf("%s holds %q:\n%s", what, secret, s)
		}
	}
}

func TestRefusedConnectionIsRetriedWithBackoff(t *testing.T) {
	port := closedPort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	tests := []struct {
		name    string
		cfg     config.Deliver
		channel string
	}{
		{"e-mail with login", config.Deliver{Email: &config.Email{Host: "127.0.0.1", Port: port, TLS: config.TLSStartTLS,
			UsernameEnv: "SMTP_USER", PasswordEnv: "SMTP_PASSWORD", From: "minqing@example.gov.cn", To: []string{"zzb@example.gov.cn"}}}, ChannelEmail},
		{"企业微信", config.Deliver{Webhook: &config.Webhook{Kind: config.WebhookWeCom, URLEnv: "WECOM_ROBOT_URL"}}, ChannelWebhook},
		{"钉钉 signed", config.Deliver{Webhook: &config.Webhook{Kind: config.WebhookDingTalk, URLEnv: "DINGTALK_URL", SecretEnv: "DINGTALK_SECRET"}}, ChannelWebhook},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, attempts := range []int{4, 2} {
				tt.cfg.Attempts = attempts
				o, waits, logs := testOptions(secretEnv(base))
				d, err := New(tt.cfg, "", o)
				if err != nil {
					t.Fatal(err)
				}
				rs := d.Deliver(context.Background(), Message{Subject: "s", Body: "b", Robot: "r"})
				if len(rs) != 1 || rs[0].Channel != tt.channel || rs[0].OK || rs[0].Attempts != attempts {
					t.Fatalf("results %+v, want one failed %s result after %d attempts", rs, tt.channel, attempts)
				}
				if !strings.Contains(rs[0].Err, "connection refused") {
					t.Errorf("error %q does not say the connection was refused", rs[0].Err)
				}
				want := []time.Duration{2 * time.Second, 8 * time.Second, 32 * time.Second}[:attempts-1]
				if !slices.Equal(waits.waits, want) {
					t.Errorf("waits %v, want %v", waits.waits, want)
				}
				if n := strings.Count(logs.String(), "delivery attempt failed"); n != attempts {
					t.Errorf("%d attempts logged, want %d", n, attempts)
				}
				assertNoSecret(t, "the error", rs[0].Err)
				assertNoSecret(t, "the target", rs[0].Target)
				assertNoSecret(t, "the log", logs.String())
			}
		})
	}
}

func TestFailuresAreRedacted(t *testing.T) {
	// Each reply quotes the robot's URL and secret back, as a careless gateway might.
	echo := func(status int, errcode int, kind string) robotReply {
		quoted := "http://127.0.0.1/cgi-bin/webhook/send?key=" + secretKey
		if kind == config.WebhookDingTalk {
			quoted = "http://127.0.0.1/robot/send?access_token=" + secretToken + ", secret " + secretSign
		}
		return robotReply{status, fmt.Sprintf(`{"errcode":%d,"errmsg":"invalid webhook url %s"}`, errcode, quoted)}
	}
	tests := []struct {
		name    string
		reply   robotReply
		kind    string
		wantErr string
	}{
		{"企业微信 HTTP 500", echo(500, 0, config.WebhookWeCom), config.WebhookWeCom, "HTTP 500"},
		{"企业微信 errcode 93000", echo(200, 93000, config.WebhookWeCom), config.WebhookWeCom, "errcode 93000: invalid webhook url"},
		{"钉钉 HTTP 500", echo(500, 0, config.WebhookDingTalk), config.WebhookDingTalk, "HTTP 500"},
		{"钉钉 errcode 310000", echo(200, 310000, config.WebhookDingTalk), config.WebhookDingTalk, "errcode 310000"},
		{"not JSON", robotReply{200, "<html>gateway error</html>"}, config.WebhookWeCom, "not {\"errcode\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, rec := startRobot(t, tt.reply)
			o, waits, logs := testOptions(secretEnv(srv.URL))
			urlEnv := map[string]string{config.WebhookWeCom: "WECOM_ROBOT_URL", config.WebhookDingTalk: "DINGTALK_URL"}[tt.kind]
			secretEnv := map[string]string{config.WebhookDingTalk: "DINGTALK_SECRET"}[tt.kind]
			d, err := New(config.Deliver{Webhook: &config.Webhook{Kind: tt.kind, URLEnv: urlEnv, SecretEnv: secretEnv}, Attempts: 3}, "", o)
			if err != nil {
				t.Fatal(err)
			}
			rs := d.Deliver(context.Background(), Message{Subject: "s", Robot: "r"})
			if rs[0].OK || rs[0].Attempts != 3 || len(rec.got()) != 3 || len(waits.waits) != 2 {
				t.Fatalf("result %+v after %d requests, want 3 failed attempts", rs[0], len(rec.got()))
			}
			if !strings.Contains(rs[0].Err, tt.wantErr) || !strings.Contains(rs[0].Err, "[REDACTED]") && tt.name != "not JSON" {
				t.Errorf("error %q, want it to hold %q with the secrets redacted", rs[0].Err, tt.wantErr)
			}
			assertNoSecret(t, "the error", rs[0].Err)
			assertNoSecret(t, "the log", logs.String())
		})
	}

	t.Run("SMTP login refused", func(t *testing.T) {
		serverTLS, clientTLS := mailtest.TLS(t)
		b := &mailtest.Backend{User: secretUser, Pass: "another password"}
		port := mailtest.Start(t, config.TLSImplicit, b, serverTLS)
		o, _, logs := testOptions(secretEnv(""))
		o.TLSConfig = clientTLS
		d, err := New(config.Deliver{Email: &config.Email{Host: "127.0.0.1", Port: port, TLS: config.TLSImplicit,
			UsernameEnv: "SMTP_USER", PasswordEnv: "SMTP_PASSWORD", From: "minqing@example.gov.cn", To: []string{"zzb@example.gov.cn"}}, Attempts: 2}, "", o)
		if err != nil {
			t.Fatal(err)
		}
		rs := d.Deliver(context.Background(), Message{Subject: "s", Body: "b"})
		if rs[0].OK || rs[0].Attempts != 2 || !strings.Contains(rs[0].Err, "535") {
			t.Fatalf("result %+v, want 2 attempts refused with 535", rs[0])
		}
		assertNoSecret(t, "the error", rs[0].Err)
		assertNoSecret(t, "the log", logs.String())
	})
}

func TestRetrySucceedsOnTheThirdAttempt(t *testing.T) {
	srv, rec := startRobot(t, robotReply{502, "bad gateway"}, robotReply{200, `{"errcode":45009,"errmsg":"api freq out of limit"}`}, robotOK)
	o, waits, logs := testOptions(secretEnv(srv.URL))
	d, err := New(config.Deliver{Webhook: &config.Webhook{Kind: config.WebhookWeCom, URLEnv: "WECOM_ROBOT_URL"}, Attempts: 4}, "", o)
	if err != nil {
		t.Fatal(err)
	}
	rs := d.Deliver(context.Background(), Message{Robot: "r"})
	if !rs[0].OK || rs[0].Attempts != 3 || rs[0].Err != "" || len(rec.got()) != 3 {
		t.Errorf("result %+v, want OK after 3 attempts", rs[0])
	}
	if want := []time.Duration{2 * time.Second, 8 * time.Second}; !slices.Equal(waits.waits, want) {
		t.Errorf("waits %v, want %v", waits.waits, want)
	}
	if !strings.Contains(logs.String(), "msg=delivered") {
		t.Errorf("success not logged:\n%s", logs)
	}
}

// TestOneChannelFailingDoesNotStopTheOthers delivers over all three channels with the
// robot down: the mail and the folder still go, and each has its Result.
func TestOneChannelFailingDoesNotStopTheOthers(t *testing.T) {
	b := &mailtest.Backend{}
	port := mailtest.Start(t, config.TLSNone, b, nil)
	o, _, _ := testOptions(secretEnv(fmt.Sprintf("http://127.0.0.1:%d", closedPort(t))))
	folder := t.TempDir()
	d, err := New(config.Deliver{
		Email:    &config.Email{Host: "127.0.0.1", Port: port, TLS: config.TLSNone, From: "minqing@example.gov.cn", To: []string{"zzb@example.gov.cn"}},
		Webhook:  &config.Webhook{Kind: config.WebhookWeCom, URLEnv: "WECOM_ROBOT_URL"},
		Folder:   folder,
		Attempts: 2,
	}, "", o)
	if err != nil {
		t.Fatal(err)
	}
	paths, _ := attachments(t)
	rs := d.Deliver(context.Background(), Message{Subject: "s", Body: "b", Robot: "r", Attachments: paths})
	var got []string
	for _, r := range rs {
		got = append(got, fmt.Sprintf("%s ok=%v attempts=%d", r.Channel, r.OK, r.Attempts))
		if r.Finished.IsZero() || r.Started.IsZero() {
			t.Errorf("%s: times not recorded: %+v", r.Channel, r)
		}
	}
	want := []string{"email ok=true attempts=1", "webhook ok=false attempts=2", "folder ok=true attempts=1"}
	if !slices.Equal(got, want) {
		t.Errorf("results %v, want %v", got, want)
	}
	if len(b.Mails()) != 1 {
		t.Errorf("mail not delivered")
	}
}

func TestCancelledContextStopsRetrying(t *testing.T) {
	o, waits, _ := testOptions(secretEnv(fmt.Sprintf("http://127.0.0.1:%d", closedPort(t))))
	d, err := New(config.Deliver{Webhook: &config.Webhook{Kind: config.WebhookWeCom, URLEnv: "WECOM_ROBOT_URL"}, Attempts: 4}, "", o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rs := d.Deliver(ctx, Message{Robot: "r"})
	if rs[0].OK || rs[0].Attempts != 1 || len(waits.waits) != 1 || !strings.Contains(rs[0].Err, "context canceled") {
		t.Errorf("result %+v after waits %v, want one attempt and a cancelled wait", rs[0], waits.waits)
	}
}

func TestNewNamesTheMissingVariable(t *testing.T) {
	email := func(user string) *config.Email {
		return &config.Email{Host: "h", Port: 465, TLS: config.TLSImplicit, UsernameEnv: user, PasswordEnv: "SMTP_PASSWORD", From: "a@b.cn", To: []string{"c@d.cn"}}
	}
	tests := []struct {
		name string
		env  fakeEnv
		cfg  config.Deliver
		want string
	}{
		{"username unset", fakeEnv{"SMTP_PASSWORD": secretPassword}, config.Deliver{Email: email("SMTP_USER")}, "SMTP_USER is unset or empty"},
		{"password empty", fakeEnv{"SMTP_USER": secretUser, "SMTP_PASSWORD": ""}, config.Deliver{Email: email("SMTP_USER")}, "SMTP_PASSWORD is unset or empty"},
		{"robot URL unset", fakeEnv{}, config.Deliver{Webhook: &config.Webhook{Kind: config.WebhookWeCom, URLEnv: "WECOM_ROBOT_URL"}}, "WECOM_ROBOT_URL is unset or empty"},
		{"robot URL not a URL", fakeEnv{"WECOM_ROBOT_URL": "qyapi.weixin.qq.com/send?key=" + secretKey}, config.Deliver{Webhook: &config.Webhook{Kind: config.WebhookWeCom, URLEnv: "WECOM_ROBOT_URL"}}, "value of WECOM_ROBOT_URL is not an http(s) URL"},
		{"robot URL unparseable", fakeEnv{"WECOM_ROBOT_URL": "https://q\x7f/send?key=" + secretKey}, config.Deliver{Webhook: &config.Webhook{Kind: config.WebhookWeCom, URLEnv: "WECOM_ROBOT_URL"}}, "value of WECOM_ROBOT_URL is not an http(s) URL"},
		{"signing secret unset", fakeEnv{"DINGTALK_URL": "https://oapi.dingtalk.com/robot/send?access_token=" + secretToken}, config.Deliver{Webhook: &config.Webhook{Kind: config.WebhookDingTalk, URLEnv: "DINGTALK_URL", SecretEnv: "DINGTALK_SECRET"}}, "DINGTALK_SECRET is unset or empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, _, _ := testOptions(tt.env)
			_, err := New(tt.cfg, "", o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to say %q", err, tt.want)
			}
			assertNoSecret(t, "the error", err.Error())
		})
	}
}
