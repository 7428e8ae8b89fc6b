package deliver

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/minqing/minqing/config"
)

// robot posts the Message's markdown to a group robot.
//
// 企业微信 群机器人 (https://developer.work.weixin.qq.com/document/path/91770): POST
// {"msgtype":"markdown","markdown":{"content":"…"}} to the robot's URL (…/send?key=…);
// content is at most 4096 bytes of UTF-8; the reply {"errcode":0,"errmsg":"ok"} means sent.
//
// 钉钉 自定义机器人 (https://open.dingtalk.com/document/orgapp/custom-robot-access and
// …/robot-message-type): POST {"msgtype":"markdown","markdown":{"title":"…","text":"…"}}
// to …/robot/send?access_token=…; with 加签, append &timestamp=<ms>&sign=<s> where s is
// urlEncode(base64(HmacSHA256(key=secret, timestamp+"\n"+secret))); the reply
// {"errcode":0} means sent. The text is kept under 20000 bytes.
type robot struct {
	kind   string
	url    *url.URL
	secret string
	client *http.Client
	now    func() time.Time
	target string
}

// Markdown limits in bytes, and the note that replaces what was cut.
const (
	weComLimit    = 4096
	dingTalkLimit = 20000
	cutNote       = "\n\n……(内容过长,已截断;全文见邮件附件)"
)

func newRobot(cfg config.Webhook, client *http.Client, now func() time.Time, env func(key, name string) (string, error), red *redactor) (*robot, error) {
	raw, err := env("webhook.url_env", cfg.URLEnv)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(raw)
	red.add(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		// url.Parse's error quotes the URL, and with it the key: never wrap it.
		return nil, fmt.Errorf("reading deliver.webhook.url_env: the value of %s is not an http(s) URL", cfg.URLEnv)
	}
	red.add(u.String(), u.RawQuery)
	for k, vs := range u.Query() {
		for _, v := range vs {
			red.add(v, k+"="+v)
		}
	}
	r := &robot{kind: cfg.Kind, url: u, client: client, now: now}
	switch cfg.Kind {
	case config.WebhookWeCom:
		r.target = "企业微信 robot at " + u.Host
	case config.WebhookDingTalk:
		r.target = "钉钉 robot at " + u.Host
	default:
		return nil, fmt.Errorf("preparing the robot: kind %q is not wecom or dingtalk", cfg.Kind)
	}
	if cfg.SecretEnv != "" {
		if r.secret, err = env("webhook.secret_env", cfg.SecretEnv); err != nil {
			return nil, err
		}
		red.add(r.secret)
	}
	return r, nil
}

type markdown struct {
	Title   string `json:"title,omitempty"`
	Text    string `json:"text,omitempty"`
	Content string `json:"content,omitempty"`
}

func (r *robot) send(ctx context.Context, m Message) error {
	md := markdown{}
	target := *r.url
	if r.kind == config.WebhookWeCom {
		md.Content = cut(m.Robot, weComLimit)
	} else {
		md.Title, md.Text = m.Subject, cut(m.Robot, dingTalkLimit)
		if md.Title == "" {
			md.Title = "minqing"
		}
		if r.secret != "" {
			ts := strconv.FormatInt(r.now().UnixMilli(), 10)
			extra := "timestamp=" + ts + "&sign=" + url.QueryEscape(sign(ts, r.secret))
			if target.RawQuery != "" {
				extra = "&" + extra
			}
			target.RawQuery += extra
		}
	}
	var body bytes.Buffer
	enc := json.NewEncoder(&body)
	enc.SetEscapeHTML(false) // 企业微信's <font color="warning"> stays readable
	if err := enc.Encode(struct {
		MsgType  string   `json:"msgtype"`
		Markdown markdown `json:"markdown"`
	}{"markdown", md}); err != nil {
		return permanent{fmt.Errorf("encoding the robot message: %w", err)}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target.String(), &body)
	if err != nil {
		return permanent{errors.New("preparing the robot request: the URL is not usable")}
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	resp, err := r.client.Do(req)
	if err != nil {
		// *url.Error quotes the URL with its key; keep only the cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("posting to the %s: %w", r.target, err)
	}
	defer resp.Body.Close()
	reply, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return fmt.Errorf("reading the %s's reply: %w", r.target, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("posting to the %s: HTTP %s: %s", r.target, resp.Status, clip(reply))
	}
	var res struct {
		ErrCode *int   `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
	}
	if err := json.Unmarshal(reply, &res); err != nil || res.ErrCode == nil {
		return fmt.Errorf("posting to the %s: reply is not {\"errcode\":…}: %s", r.target, clip(reply))
	}
	if *res.ErrCode != 0 {
		return fmt.Errorf("posting to the %s: errcode %d: %s", r.target, *res.ErrCode, res.ErrMsg)
	}
	return nil
}

// sign is 钉钉's 加签: base64(HmacSHA256(key=secret, timestamp+"\n"+secret)).
func sign(timestamp, secret string) string {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(timestamp + "\n" + secret))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// cut returns s when it fits in limit bytes, else s cut at the last line break (or, with
// none near, the last whole character) that leaves room for cutNote, followed by it.
func cut(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	n := limit - len(cutNote)
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	if i := strings.LastIndexByte(s[:n], '\n'); i > n/2 {
		n = i
	}
	return s[:n] + cutNote
}

// clip shortens a reply for an error message.
func clip(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		n := 200
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s = s[:n] + "…"
	}
	return s
}
