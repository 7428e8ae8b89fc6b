package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tealeg/xlsx/v3"

	"github.com/minqing/minqing/config"
	"github.com/minqing/minqing/internal/cnfmt"
	"github.com/minqing/minqing/internal/mailtest"
	"github.com/minqing/minqing/schedules"
	"github.com/minqing/minqing/transform"
)

// robot is a group robot (企业微信) on 127.0.0.1 that keeps what it is sent.
type robot struct {
	mu       sync.Mutex
	messages []string // the markdown contents
}

func (r *robot) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	var m struct {
		MsgType  string `json:"msgtype"`
		Markdown struct {
			Content string `json:"content"`
		} `json:"markdown"`
	}
	if req.URL.Query().Get("key") != robotKey || json.NewDecoder(req.Body).Decode(&m) != nil || m.MsgType != "markdown" {
		io.WriteString(w, `{"errcode":93000,"errmsg":"invalid webhook url"}`)
		return
	}
	r.mu.Lock()
	r.messages = append(r.messages, m.Markdown.Content)
	r.mu.Unlock()
	io.WriteString(w, `{"errcode":0,"errmsg":"ok"}`)
}

func (r *robot) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.messages...)
}

// robotKey is the robot URL's secret: it must never be printed, logged or recorded.
const robotKey = "f00dfeed-secret-robot-key-6d1c"

// minqingLogged runs the command line with debug logs and returns its error and all it
// printed, logs included.
func minqingLogged(args ...string) (string, error) {
	var out bytes.Buffer
	cmd := newRoot(&out, &out)
	cmd.SetArgs(append([]string{"--log-level", "debug"}, args...))
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

// TestSuperviseDeliverAndRuns follows a quarter's 督办 through the command line: notices
// issued as at a day, their effects in the next report, the report delivered by e-mail,
// group robot and shared folder (and a refused mail server retried and recorded), and
// all of it in `minqing runs` with no secret anywhere.
func TestSuperviseDeliverAndRuns(t *testing.T) {
	cfg, _ := district(t)
	dir := filepath.Dir(cfg)

	// 督办单 as at 2024-12-20: one per township with cases, numbered from 1.
	printed := string(minqing(t, "supervise", "--config", cfg, "--as-of", "2024-12-20"))
	lines := regexp.MustCompile(`(?m)^(督办〔2024〕(\d+)号)  (\S+)  超期(\d+)件 临期(\d+)件`).FindAllStringSubmatch(printed, -1)
	if len(lines) < 2 {
		t.Fatalf("supervise printed %d notices:\n%s", len(lines), printed)
	}
	var notices []string
	for i, l := range lines {
		if l[2] != strconv.Itoa(i+1) {
			t.Errorf("notice %d is numbered %s", i+1, l[1])
		}
		notices = append(notices, l[1])
		for _, ext := range []string{".docx", ".xlsx"} {
			p := filepath.Join(dir, "out", "督办单", l[1]+"_"+l[3]+"_督办单"+ext)
			if fi, err := os.Stat(p); err != nil || fi.Size() == 0 {
				t.Errorf("notice %s: %s not written (%v)", l[1], p, err)
			}
		}
	}

	// The next report's 督办成效 lists each notice with as many cases as it listed.
	wbPath := strings.TrimSpace(string(minqing(t, "report", "--config", cfg, "--period", "2024Q4")))
	wb, err := xlsx.OpenFile(wbPath)
	if err != nil {
		t.Fatal(err)
	}
	sh, ok := wb.Sheet["督办成效"]
	if !ok {
		t.Fatal("the 2024Q4 workbook has no sheet 督办成效")
	}
	listed := map[string]string{}
	sh.ForEachRow(func(r *xlsx.Row) error {
		if c := r.GetCell(0).Value; strings.HasPrefix(c, "督办〔") {
			if _, seen := listed[c]; !seen {
				listed[c] = r.GetCell(4).Value
			}
		}
		return nil
	})
	for _, l := range lines {
		n, _ := strconv.Atoi(l[4])
		m, _ := strconv.Atoi(l[5])
		if listed[l[1]] != strconv.Itoa(n+m) {
			t.Errorf("督办成效 lists %s with %q cases, the notice %d", l[1], listed[l[1]], n+m)
		}
	}

	// Delivery: a mail server, a group robot and a shared folder, all local.
	mail := &mailtest.Backend{}
	mailPort := mailtest.Start(t, config.TLSNone, mail, nil)
	bot := &robot{}
	botServer := httptest.NewServer(bot)
	defer botServer.Close()
	t.Setenv("TEST_ROBOT_URL", botServer.URL+"/cgi-bin/webhook/send?key="+robotKey)
	share := t.TempDir()
	base, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	withDeliver := func(port int) {
		t.Helper()
		section := "\ndeliver:\n" +
			"  email: {host: 127.0.0.1, port: " + strconv.Itoa(port) + ", tls: none, from: minqing@example.gov.cn, to: [zzb@example.gov.cn]}\n" +
			"  webhook: {kind: wecom, url_env: TEST_ROBOT_URL}\n" +
			"  folder: " + share + "\n" +
			"  attempts: 2\n"
		if err := os.WriteFile(cfg, append(append([]byte(nil), base...), section...), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	withDeliver(mailPort)
	out, err := minqingLogged("run", "--config", cfg, "--deliver")
	if err != nil {
		t.Fatalf("run --deliver: %v\n%s", err, out)
	}
	workbook := regexp.MustCompile(`(?m)^workbook:\s+(.+)$`).FindStringSubmatch(out)
	if workbook == nil {
		t.Fatalf("run printed no workbook:\n%s", out)
	}
	files := []string{workbook[1], documentPath(workbook[1])}
	s, _ := stats(t, cfg, "2024Q4")
	var received, overdue float64
	for _, u := range s.Units {
		if u.Level == "district" {
			received, overdue = *u.Figures["received"], *u.Figures["overdue_open"]
		}
	}
	wantHeadline := "受理量" + cnfmt.Count(int64(received)) + "件"
	wantOverdue := "超期未办结" + cnfmt.Count(int64(overdue)) + "件"

	mails := mail.Mails()
	if len(mails) != 1 {
		t.Fatalf("%d mails arrived, want 1", len(mails))
	}
	got := mailtest.Parse(t, mails[0].Data)
	if !strings.Contains(got.Subject, "2024年第四季度") || !strings.Contains(got.Body, wantHeadline) || !strings.Contains(got.Body, wantOverdue) ||
		!strings.Contains(got.Body, "预警（截至") {
		t.Errorf("mail %q lacks the headline figures (%s, %s) or the warnings:\n%s", got.Subject, wantHeadline, wantOverdue, got.Body)
	}
	for _, f := range files {
		want, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Files[filepath.Base(f)], want) {
			t.Errorf("attachment %s: %d bytes, the file %d", filepath.Base(f), len(got.Files[filepath.Base(f)]), len(want))
		}
		if copied, err := os.ReadFile(filepath.Join(share, filepath.Base(f))); err != nil || !bytes.Equal(copied, want) {
			t.Errorf("shared folder: %s not copied as written (%v)", filepath.Base(f), err)
		}
	}
	robotSaid := bot.all()
	if len(robotSaid) != 1 || !strings.Contains(robotSaid[0], wantHeadline) || !strings.Contains(robotSaid[0], "预警（截至") {
		t.Errorf("the robot was sent %q, want one message with %s and the warnings", robotSaid, wantHeadline)
	}

	// A mail server that refuses the connection: tried twice, recorded, the run failed;
	// the robot and the folder still had the report.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().(*net.TCPAddr).Port
	l.Close()
	withDeliver(closed)
	refusedOut, refused := minqingLogged("run", "--config", cfg, "--deliver")
	if refused == nil || !strings.Contains(refused.Error(), "email") || !strings.Contains(refused.Error(), "2 attempts") {
		t.Fatalf("run --deliver with the mail server down: %v, want a failed e-mail after 2 attempts", refused)
	}
	if n := len(bot.all()); n != 2 {
		t.Errorf("the robot has %d messages after the second run, want 2", n)
	}

	// The run history: newest first.
	var runs []runJSON
	if err := json.Unmarshal(minqing(t, "runs", "--config", cfg, "--format", "json"), &runs); err != nil {
		t.Fatal(err)
	}
	byJob := map[string][]runJSON{}
	for _, r := range runs {
		byJob[r.Job] = append(byJob[r.Job], r)
	}
	if rep := byJob["report"]; len(rep) != 1 || rep[0].Outcome != "ok" || len(rep[0].Outputs) != 2 || rep[0].Outputs[0] != wbPath {
		t.Errorf("runs lists the report as %+v, want one ok run with the workbook and the document", rep)
	}
	if len(byJob["run"]) != 3 || len(byJob["supervise"]) != 1 {
		t.Fatalf("runs lists %d runs of run and %d of supervise, want 3 (the first the fixture's) and 1: %+v", len(byJob["run"]), len(byJob["supervise"]), runs)
	}
	failed, delivered := byJob["run"][0], byJob["run"][1]
	if delivered.Outcome != "ok" || delivered.Trigger != "manual" || len(delivered.Outputs) < 3 || len(delivered.Deliveries) != 3 {
		t.Errorf("the delivered run: %+v", delivered)
	}
	for _, d := range delivered.Deliveries {
		if !d.OK || d.Attempts != 1 {
			t.Errorf("the delivered run's %s delivery: %+v", d.Channel, d)
		}
	}
	if failed.Outcome != "failed" {
		t.Errorf("the run whose mail was refused: outcome %s", failed.Outcome)
	}
	for _, d := range failed.Deliveries {
		if (d.Channel == "email") == d.OK || d.Channel == "email" && (d.Attempts != 2 || d.Error == "") {
			t.Errorf("the refused run's %s delivery: %+v", d.Channel, d)
		}
	}
	if sup := byJob["supervise"][0]; strings.Join(sup.Notices, ",") != strings.Join(notices, ",") || len(sup.Outputs) != 2*len(notices) {
		t.Errorf("the supervise run lists notices %v and %d outputs, want %v and %d", sup.Notices, len(sup.Outputs), notices, 2*len(notices))
	}
	table := string(minqing(t, "runs", "--config", cfg))
	for _, want := range []string{"督办单：" + notices[0], "送达：email", "失败：", "手动"} {
		if !strings.Contains(table, want) {
			t.Errorf("runs does not say %q:\n%s", want, table)
		}
	}

	// A scheduled run missed while no scheduler ran (the 3rd working day after 2024Q4,
	// 2025-01-06) is caught up once at start, and delivers: the mail goes to the new mail
	// server; the robot and the folder, which have had these very outputs, are not sent
	// them again. A second start does not run it again.
	mail2 := &mailtest.Backend{}
	withDeliver(mailtest.Start(t, config.TLSNone, mail2, nil))
	now := time.Date(2025, 1, 10, 10, 0, 0, 0, transform.Shanghai)
	entry := config.Schedule{Name: "quarterly", On: "quarter_end+3wd", At: "08:00", Period: "last-quarter"}
	for start := range 2 {
		p, err := openPipeline(context.Background(), cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		if start == 0 {
			if _, err := p.db.Exec(`insert into schedule_runs (job, started_at, finished_at, outcome, trigger)
				values ('quarterly', '2024-12-01 08:00:00', '2024-12-01 08:01:00', 'ok', 'schedule')`); err != nil {
				t.Fatal(err)
			}
		}
		s, err := schedules.New(context.Background(), schedules.Options{DB: p.db, Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Add(p.scheduledJob(entry, s.History(), nil)); err != nil {
			t.Fatal(err)
		}
		if err := s.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := s.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
		p.Close()
	}
	if n := len(mail2.Mails()); n != 1 {
		t.Errorf("the caught-up run sent %d mails to the new server, want 1", n)
	}
	if n := len(bot.all()); n != 2 {
		t.Errorf("the robot has %d messages after the caught-up run, want still 2", n)
	}
	runs = nil
	if err := json.Unmarshal(minqing(t, "runs", "--config", cfg, "--format", "json"), &runs); err != nil {
		t.Fatal(err)
	}
	var caught []runJSON
	for _, r := range runs {
		if r.Job == "quarterly" && r.Trigger == "catch-up" {
			caught = append(caught, r)
		}
	}
	if len(caught) != 1 || caught[0].Outcome != "ok" || len(caught[0].Deliveries) != 1 || caught[0].Deliveries[0].Channel != "email" {
		t.Errorf("caught-up runs: %+v, want one, ok, that delivered by e-mail only", caught)
	}

	// No secret anywhere: not in what the commands printed or logged, not in the history.
	history, _ := json.Marshal(runs)
	for what, text := range map[string]string{"run --deliver": out, "the refused run": refusedOut + refused.Error(),
		"runs --format json": string(history), "runs": table} {
		if strings.Contains(text, robotKey) || strings.Contains(text, "key=") {
			t.Errorf("%s shows the robot's key", what)
		}
	}
}
