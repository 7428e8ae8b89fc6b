package deliver

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/minqing/minqing/config"
)

// robotServer is a local group robot: it records each request and answers with the next
// of its replies (the last one repeats).
type robotServer struct {
	mu       sync.Mutex
	requests []robotRequest
	replies  []robotReply
}

type robotRequest struct {
	path        string
	query       url.Values
	contentType string
	body        []byte
}

type robotReply struct {
	status int
	body   string
}

var robotOK = robotReply{200, `{"errcode":0,"errmsg":"ok"}`}

func startRobot(t *testing.T, replies ...robotReply) (*httptest.Server, *robotServer) {
	t.Helper()
	rs := &robotServer{replies: replies}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rs.mu.Lock()
		rs.requests = append(rs.requests, robotRequest{r.URL.Path, r.URL.Query(), r.Header.Get("Content-Type"), body})
		reply := rs.replies[min(len(rs.requests), len(rs.replies))-1]
		rs.mu.Unlock()
		if r.Method != http.MethodPost {
			reply = robotReply{405, "POST only"}
		}
		w.WriteHeader(reply.status)
		io.WriteString(w, reply.body)
	}))
	t.Cleanup(srv.Close)
	return srv, rs
}

func (rs *robotServer) got() []robotRequest {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return append([]robotRequest(nil), rs.requests...)
}

// decodeStrict decodes a robot's JSON body, refusing keys the official format lacks.
func decodeStrict(t *testing.T, body []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("robot body %s: %v", body, err)
	}
}

const robotText = "## 民情周报 2026年第49周\n> 受理 **1,234** 件,办结率 <font color=\"info\">93.5%</font>\n> 即将超期 <font color=\"warning\">12</font> 件,已超期 3 件"

func TestWeComRobot(t *testing.T) {
	srv, rec := startRobot(t, robotOK)
	env := fakeEnv{"WECOM_ROBOT_URL": srv.URL + "/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"}
	o, _, _ := testOptions(env)
	d, err := New(config.Deliver{Webhook: &config.Webhook{Kind: config.WebhookWeCom, URLEnv: "WECOM_ROBOT_URL"}, Attempts: 1}, "", o)
	if err != nil {
		t.Fatal(err)
	}
	rs := d.Deliver(context.Background(), Message{Subject: "民情周报", Body: "plain", Robot: robotText})
	host := strings.TrimPrefix(srv.URL, "http://")
	if len(rs) != 1 || !rs[0].OK || rs[0].Attempts != 1 || rs[0].Target != "企业微信 robot at "+host {
		t.Fatalf("results %+v", rs)
	}
	reqs := rec.got()
	if len(reqs) != 1 {
		t.Fatalf("robot got %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.path != "/cgi-bin/webhook/send" || r.query.Get("key") != "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa" || len(r.query) != 1 {
		t.Errorf("posted to %s?%s", r.path, r.query.Encode())
	}
	if !strings.HasPrefix(r.contentType, "application/json") {
		t.Errorf("Content-Type %q", r.contentType)
	}
	var body struct {
		MsgType  string `json:"msgtype"`
		Markdown struct {
			Content string `json:"content"`
		} `json:"markdown"`
	}
	decodeStrict(t, r.body, &body)
	if body.MsgType != "markdown" || body.Markdown.Content != robotText {
		t.Errorf("body %s, want msgtype markdown with the robot text", r.body)
	}
}

func TestDingTalkRobotSigned(t *testing.T) {
	srv, rec := startRobot(t, robotOK)
	const secret = "SEC0123456789abcdef+/=secret"
	env := fakeEnv{"DINGTALK_URL": srv.URL + "/robot/send?access_token=dt-token-0001", "DINGTALK_SECRET": secret}
	o, _, _ := testOptions(env)
	d, err := New(config.Deliver{Webhook: &config.Webhook{Kind: config.WebhookDingTalk, URLEnv: "DINGTALK_URL", SecretEnv: "DINGTALK_SECRET"}, Attempts: 1}, "", o)
	if err != nil {
		t.Fatal(err)
	}
	rs := d.Deliver(context.Background(), Message{Subject: "民情周报 第49周", Robot: robotText})
	if len(rs) != 1 || !rs[0].OK || !strings.HasPrefix(rs[0].Target, "钉钉 robot at 127.0.0.1:") {
		t.Fatalf("results %+v", rs)
	}
	r := rec.got()[0]
	ts := r.query.Get("timestamp")
	if want := strconv.FormatInt(o.Now().UnixMilli(), 10); ts != want {
		t.Errorf("timestamp %q, want %s (milliseconds of the injected clock)", ts, want)
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "\n" + secret))
	if want := base64.StdEncoding.EncodeToString(mac.Sum(nil)); r.query.Get("sign") != want {
		t.Errorf("sign %q does not verify, want %q", r.query.Get("sign"), want)
	}
	if r.query.Get("access_token") != "dt-token-0001" || r.path != "/robot/send" {
		t.Errorf("posted to %s?%s", r.path, r.query.Encode())
	}
	var body struct {
		MsgType  string `json:"msgtype"`
		Markdown struct {
			Title string `json:"title"`
			Text  string `json:"text"`
		} `json:"markdown"`
	}
	decodeStrict(t, r.body, &body)
	if body.MsgType != "markdown" || body.Markdown.Title != "民情周报 第49周" || body.Markdown.Text != robotText {
		t.Errorf("body %s", r.body)
	}
}

func TestDingTalkRobotUnsigned(t *testing.T) {
	srv, rec := startRobot(t, robotOK)
	o, _, _ := testOptions(fakeEnv{"DINGTALK_URL": srv.URL + "/robot/send?access_token=dt-token-0001"})
	d, err := New(config.Deliver{Webhook: &config.Webhook{Kind: config.WebhookDingTalk, URLEnv: "DINGTALK_URL"}, Attempts: 1}, "", o)
	if err != nil {
		t.Fatal(err)
	}
	if rs := d.Deliver(context.Background(), Message{Subject: "s", Robot: "x"}); !rs[0].OK {
		t.Fatalf("result %+v", rs[0])
	}
	if q := rec.got()[0].query; len(q) != 1 || q.Get("access_token") != "dt-token-0001" {
		t.Errorf("query %v, want the access token only", q)
	}
}

func TestRobotTextIsCutToTheLimit(t *testing.T) {
	long := strings.Repeat("### 某某街道某某社区 即将超期 12 件\n", 600) // ~27 kB of mostly Chinese
	tests := []struct {
		name  string
		kind  string
		limit int
	}{
		{"企业微信", config.WebhookWeCom, 4096},
		{"钉钉", config.WebhookDingTalk, 20000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, rec := startRobot(t, robotOK)
			o, _, _ := testOptions(fakeEnv{"ROBOT": srv.URL + "/send?key=k"})
			d, err := New(config.Deliver{Webhook: &config.Webhook{Kind: tt.kind, URLEnv: "ROBOT"}, Attempts: 1}, "", o)
			if err != nil {
				t.Fatal(err)
			}
			if rs := d.Deliver(context.Background(), Message{Subject: "s", Robot: long}); !rs[0].OK {
				t.Fatalf("result %+v", rs[0])
			}
			var body struct {
				Markdown map[string]string `json:"markdown"`
			}
			if err := json.Unmarshal(rec.got()[0].body, &body); err != nil {
				t.Fatal(err)
			}
			text := body.Markdown["content"] + body.Markdown["text"]
			if len(text) > tt.limit || len(text) < tt.limit-200 || !utf8.ValidString(text) {
				t.Errorf("%d bytes (valid UTF-8: %v), want at most %d and not much less", len(text), utf8.ValidString(text), tt.limit)
			}
			if !strings.HasSuffix(text, cutNote) || !strings.HasPrefix(long, strings.TrimSuffix(text, cutNote)) {
				t.Errorf("cut text does not end in the note after a prefix of the original: …%q", text[len(text)-120:])
			}
			if !strings.HasSuffix(strings.TrimSuffix(text, cutNote), "件") {
				t.Errorf("cut mid-line: …%q", text[len(text)-120:])
			}
		})
	}
}
