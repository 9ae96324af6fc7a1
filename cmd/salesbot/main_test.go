package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/salesbot/salesbot/config"
)

// testMain is a running salesbot on a fresh SQLite file with the console.
type testMain struct {
	*Main
	url    string
	dbPath string
	stop   func()
}

// startMain builds and runs the real Main, as "salesbot serve" does, on a
// database in dir (a new temporary one when dir is "").
func startMain(t *testing.T, dir string, demo bool) *testMain {
	t.Helper()
	return startMainWith(t, dir, demo, nil)
}

// startMainWith is startMain with a chance to adjust Main (its clock, say)
// before it opens.
func startMainWith(t *testing.T, dir string, demo bool, tune func(*Main)) *testMain {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	cfg := config.Default()
	cfg.Listen = "127.0.0.1:0"
	cfg.Database.DSN = filepath.Join(dir, "salesbot.db")
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	m := NewMain(cfg, log)
	m.Demo = demo
	if tune != nil {
		tune(m)
	}
	if err := m.Open(context.Background()); err != nil {
		t.Fatalf("open: %v", err)
	}
	if err := m.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	tm := &testMain{Main: m, url: "http://" + m.Addr(), dbPath: cfg.Database.DSN}
	var once bool
	tm.stop = func() {
		if once {
			return
		}
		once = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
		m.Close()
	}
	t.Cleanup(tm.stop)
	return tm
}

type apiMember struct{ ID, Name, Role, Team string }
type apiChat struct{ ID, Name, Team string }
type apiMessage struct {
	ID   string `json:"id"`
	Chat string `json:"chat"`
	From struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		Bot  bool   `json:"bot"`
	} `json:"from"`
	Text    string          `json:"text"`
	Card    json.RawMessage `json:"card"`
	ReplyTo string          `json:"reply_to"`
}

func (tm *testMain) do(t *testing.T, method, path string, body any) (int, []byte) {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		data, _ := json.Marshal(b)
		r = bytes.NewReader(data)
	}
	req, _ := http.NewRequest(method, tm.url+path, r)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

func (tm *testMain) get(t *testing.T, path string, v any) {
	t.Helper()
	code, data := tm.do(t, "GET", path, nil)
	if code != 200 {
		t.Fatalf("GET %s: %d %s", path, code, data)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("GET %s: %v in %s", path, err, data)
	}
}

func (tm *testMain) member(t *testing.T, role string) apiMember {
	t.Helper()
	var ms []apiMember
	tm.get(t, "/console/api/members", &ms)
	for _, m := range ms {
		if m.Role == role {
			return m
		}
	}
	t.Fatalf("no member with role %s among %d", role, len(ms))
	return apiMember{}
}

// say posts a message and waits for the bot's reply to it.
func (tm *testMain) say(t *testing.T, chat, member, text string) apiMessage {
	t.Helper()
	code, data := tm.do(t, "POST", "/console/api/messages", map[string]string{"chat": chat, "member": member, "text": text})
	if code != http.StatusAccepted {
		t.Fatalf("say %q: %d %s", text, code, data)
	}
	var ack struct{ EventID, MessageID string }
	if err := json.Unmarshal(data, &struct {
		EventID   *string `json:"event_id"`
		MessageID *string `json:"message_id"`
	}{&ack.EventID, &ack.MessageID}); err != nil || ack.MessageID == "" {
		t.Fatalf("say: bad ack %s", data)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var msgs []apiMessage
		tm.get(t, "/console/api/messages?chat="+chat+"&after="+ack.MessageID+"&wait=5", &msgs)
		for _, m := range msgs {
			if m.From.Bot && m.ReplyTo == ack.MessageID {
				return m
			}
		}
	}
	t.Fatalf("no reply to %q within the deadline", text)
	return apiMessage{}
}

func TestServeDemoAnswersHelp(t *testing.T) {
	tm := startMain(t, "", true)
	rep := tm.member(t, "sales")
	var chats []apiChat
	tm.get(t, "/console/api/chats", &chats)
	if len(chats) < 3 {
		t.Fatalf("want the demo's team chats, got %v", chats)
	}
	teamChat := chats[0].ID

	reply := tm.say(t, teamChat, rep.ID, "帮助")
	var card struct {
		Header   struct{ Title, Subtitle string }
		Elements []struct{ Kind, Text string }
	}
	if err := json.Unmarshal(reply.Card, &card); err != nil {
		t.Fatalf("help reply has no card: %s", reply.Card)
	}
	if !strings.Contains(card.Header.Title, "帮助") || !strings.Contains(card.Header.Subtitle, rep.Name) {
		t.Errorf("help card header = %+v", card.Header)
	}
	if !strings.Contains(string(reply.Card), "拜访了星河科技") {
		t.Errorf("help for a rep should show how to report a visit: %s", reply.Card)
	}

	en := tm.say(t, "dm:"+rep.ID, rep.ID, "help")
	if !strings.Contains(string(en.Card), "here is what you can say") {
		t.Errorf("help asked in English answered in: %s", en.Card)
	}

	fin := tm.member(t, "finance")
	finHelp := tm.say(t, "dm:"+fin.ID, fin.ID, "/帮助")
	if !strings.Contains(string(finHelp.Card), "确认到账") {
		t.Errorf("finance help should explain confirming collections: %s", finHelp.Card)
	}

	unknown := tm.say(t, teamChat, rep.ID, "今天天气不错")
	if !strings.Contains(unknown.Text, "没看懂") || !strings.Contains(unknown.Text, "帮助") {
		t.Errorf("a message not understood should say so and how to get help: %q", unknown.Text)
	}
}

func TestDemoLoadsOnce(t *testing.T) {
	dir := t.TempDir()
	first := startMain(t, dir, true)
	counts1, err := first.Store.CountRows(context.Background(), first.Tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	first.stop()
	second := startMain(t, dir, true)
	counts2, err := second.Store.CountRows(context.Background(), second.Tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	for table, n := range counts1 {
		if counts2[table] != n && table != "inbound_events" && table != "outbox" && table != "chats" && table != "job_runs" {
			t.Errorf("%s: %d rows after the second start, %d after the first", table, counts2[table], n)
		}
	}
	want := map[string]int64{"members": 20, "customers": 30, "follow_ups": 200, "teams": 3}
	for table, min := range want {
		if counts1[table] < min {
			t.Errorf("demo has %d %s, want at least %d", counts1[table], table, min)
		}
	}
}

func TestConsoleAPIBadInput(t *testing.T) {
	tm := startMain(t, "", true)
	rep := tm.member(t, "sales")
	var chats []apiChat
	tm.get(t, "/console/api/chats", &chats)
	big := fmt.Sprintf(`{"chat":%q,"member":%q,"text":%q}`, chats[0].ID, rep.ID, strings.Repeat("很", 1<<20))
	tests := []struct {
		name, path, body string
		want             int
	}{
		{"malformed JSON", "/console/api/messages", `{"chat":`, 400},
		{"unknown member", "/console/api/messages", fmt.Sprintf(`{"chat":%q,"member":"nobody","text":"hi"}`, chats[0].ID), 404},
		{"unknown chat", "/console/api/messages", fmt.Sprintf(`{"chat":"nowhere","member":%q,"text":"hi"}`, rep.ID), 404},
		{"oversized body", "/console/api/messages", big, 413},
		{"unknown message for action", "/console/api/actions", fmt.Sprintf(`{"message_id":"nope","action":"x","member":%q}`, rep.ID), 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := tm.do(t, "POST", tt.path, tt.body)
			if code != tt.want {
				t.Errorf("status %d (%s), want %d", code, body, tt.want)
			}
		})
	}
}

func TestOperationalEndpoints(t *testing.T) {
	tm := startMain(t, "", false)
	if code, _ := tm.do(t, "GET", "/livez", nil); code != 200 {
		t.Errorf("livez = %d", code)
	}
	if code, body := tm.do(t, "GET", "/readyz", nil); code != 200 {
		t.Errorf("readyz = %d %s", code, body)
	}
	code, metrics := tm.do(t, "GET", "/metrics", nil)
	if code != 200 || !strings.Contains(string(metrics), "go_goroutines") {
		t.Errorf("metrics = %d", code)
	}
	// The database going away makes the bot unready.
	tm.Store.Close()
	if code, body := tm.do(t, "GET", "/readyz", nil); code != http.StatusServiceUnavailable {
		t.Errorf("readyz with the database closed = %d %s, want 503", code, body)
	}
}

func TestCLIErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("database:\n  driver: postgres\n"), 0o600)
	unknown := filepath.Join(dir, "unknown.yaml")
	os.WriteFile(unknown, []byte("databse:\n  dsn: x\n"), 0o600)
	t.Setenv("SALESBOT_DATABASE_DSN", filepath.Join(dir, "cli.db"))
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		code     int
		inStderr string
	}{
		{"bad driver", []string{"migrate", "--config", bad}, nil, 1, "database.driver"},
		{"unknown key", []string{"migrate", "--config", unknown}, nil, 1, "databse"},
		{"missing file", []string{"migrate", "--config", filepath.Join(dir, "nope.yaml")}, nil, 1, "nope.yaml"},
		{"unreachable database", []string{"migrate"}, map[string]string{
			"SALESBOT_DATABASE_DRIVER": "mysql", "SALESBOT_DATABASE_DSN": "root@tcp(127.0.0.1:1)/x"}, 1, "connection refused"},
		{"unknown command", []string{"frobnicate"}, nil, 2, "unknown command"},
		{"bad export", []string{"export", "widgets"}, nil, 2, "unknown export"},
		{"bad format", []string{"export", "followups", "--format", "xml"}, nil, 2, "--format"},
		{"webhook without secret", []string{"migrate"}, map[string]string{
			"SALESBOT_LARK_APP_ID": "cli_x", "SALESBOT_LARK_APP_SECRET": "s"}, 1, "lark.encrypt_key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, strings.NewReader(""), &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr: %s", code, tt.code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.inStderr) {
				t.Errorf("stderr %q does not mention %q", stderr.String(), tt.inStderr)
			}
		})
	}
}

func TestMigrateCommand(t *testing.T) {
	t.Setenv("SALESBOT_DATABASE_DSN", filepath.Join(t.TempDir(), "m.db"))
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"migrate"}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("migrate: %d %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "schema at version") {
		t.Errorf("migrate printed %q", stdout.String())
	}
	stdout.Reset()
	if code := run(context.Background(), []string{"migrate"}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("second migrate: %d %s", code, stderr.String())
	}
}

func TestVersion(t *testing.T) {
	var stdout bytes.Buffer
	if code := run(context.Background(), []string{"version"}, nil, &stdout, io.Discard); code != 0 {
		t.Fatal("version failed")
	}
	if !strings.Contains(stdout.String(), "salesbot") || !strings.Contains(stdout.String(), "go1.") {
		t.Errorf("version printed %q", stdout.String())
	}
}

// An open console page long-polls for up to 30 s; shutting down must not
// wait for it, and must end cleanly well inside the grace period.
func TestShutdownWithOpenLongPoll(t *testing.T) {
	tm := startMain(t, "", true)
	var chats []apiChat
	tm.get(t, "/console/api/chats", &chats)
	polled := make(chan int, 1)
	go func() {
		resp, err := http.Get(tm.url + "/console/api/messages?chat=" + chats[0].ID + "&wait=30")
		if err != nil {
			polled <- 0
			return
		}
		resp.Body.Close()
		polled <- resp.StatusCode
	}()
	// Another request after the poll was sent, so the poll is most likely
	// waiting in the server when shutdown starts.
	tm.get(t, "/console/api/members", &[]apiMember{})
	tm.stop() // fails the test if Run returns an error
	<-polled
}
