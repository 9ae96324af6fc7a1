package dingtalk_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/bot/dingtalk"
	"github.com/salesbot/salesbot/bot/dingtalk/dingtalktest"
)

// clock is a settable clock shared by the adapter and the emulator.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type robotRig struct {
	a     *dingtalk.Adapter
	emu   *dingtalktest.Emulator
	clock *clock
	log   *streamLog
}

// newRobotRig runs an adapter whose team 华东一组 has a custom robot; the
// emulator knows the robot with emuSecret (the adapter signs with
// "SECeast").
func newRobotRig(t *testing.T, emuSecret string) *robotRig {
	t.Helper()
	c := &clock{t: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)}
	emu := dingtalktest.New(t, "dingapp", "s3cret")
	emu.SetRobotClock(c.Now)
	emu.AddRobot("tok_east", emuSecret)
	buf := &streamLog{}
	a := dingtalk.New(dingtalk.Config{ClientID: "dingapp", ClientSecret: "s3cret", BaseURL: emu.URL(), OAPIBaseURL: emu.URL(),
		Robots: []dingtalk.Robot{{Team: "华东一组", AccessToken: "tok_east", Secret: "SECeast"}}},
		slog.New(slog.NewTextHandler(buf, nil)), c.Now)
	return &robotRig{a: a, emu: emu, clock: c, log: buf}
}

func (r *robotRig) send(text string) error {
	_, err := r.a.Send(context.Background(), bot.Outgoing{Platform: bot.DingTalk,
		To: bot.Target{ChatID: dingtalk.RobotChatID("华东一组")}, Text: text})
	return err
}

func sendError(t *testing.T, err error) *bot.SendError {
	t.Helper()
	var se *bot.SendError
	if !errors.As(err, &se) {
		t.Fatalf("error %v is not a *bot.SendError", err)
	}
	return se
}

func TestRobotSendsCardAsSignedMarkdown(t *testing.T) {
	r := newRobotRig(t, "SECeast")
	card := &bot.Card{Header: bot.Header{Title: "华东一组 12月进度", Status: bot.StatusWarning},
		Elements: []bot.Element{{Kind: bot.ElemProgress, Progress: []bot.ProgressRow{{Label: "刘洋洋", Percent: 40, Marker: 10}}}}}
	id, err := r.a.Send(context.Background(), bot.Outgoing{Platform: bot.DingTalk,
		To: bot.Target{ChatID: dingtalk.RobotChatID("华东一组")}, Card: card, Mentions: []bot.Mention{{UserID: "liuyy"}}})
	if err != nil || id != "" {
		t.Fatalf("Send = %q, %v", id, err)
	}
	if err := r.send("早上好"); err != nil {
		t.Fatal(err)
	}
	ms := r.emu.RobotMessages()
	if len(ms) != 2 {
		t.Fatalf("robot messages: %+v", ms)
	}
	md := ms[0]
	if md.AccessToken != "tok_east" || md.MsgType != "markdown" || md.Title != "华东一组 12月进度" ||
		!strings.Contains(md.Text, "刘洋洋 ▓▓▓▓░░░░░░ 40%") || len(md.AtUserIDs) != 1 || md.AtUserIDs[0] != "liuyy" {
		t.Errorf("card = %+v", md)
	}
	if ms[1].MsgType != "text" || ms[1].Text != "早上好" {
		t.Errorf("text = %+v", ms[1])
	}
	// Nothing went through the app robot.
	if n := len(r.emu.Messages()); n != 0 {
		t.Errorf("%d app robot messages", n)
	}
}

// The query carries timestamp and the URL-encoded sign of PLATFORMS.md
// §3.3's vector.
func TestRobotSignVector(t *testing.T) {
	queries := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		queries <- r.URL.RawQuery
		w.Write([]byte(`{"errcode":0,"errmsg":"ok"}`))
	}))
	defer srv.Close()
	a := dingtalk.New(dingtalk.Config{OAPIBaseURL: srv.URL,
		Robots: []dingtalk.Robot{{Team: "t", AccessToken: "tok", Secret: "this is secret"}}},
		nil, func() time.Time { return time.UnixMilli(1577262236757) })
	if _, err := a.Send(context.Background(), bot.Outgoing{To: bot.Target{ChatID: dingtalk.RobotChatID("t")}, Text: "x"}); err != nil {
		t.Fatal(err)
	}
	q := <-queries
	for _, want := range []string{"access_token=tok", "timestamp=1577262236757", "sign=hmPWwU%2B7lVdm3ZZz0r9tSfx0L4Q26jWOZr9%2BGs6EZQM%3D"} {
		if !strings.Contains(q, want) {
			t.Errorf("query %q lacks %q", q, want)
		}
	}
}

func TestRobotBadSecretIsPermanent(t *testing.T) {
	r := newRobotRig(t, "SECsomethingelse")
	se := sendError(t, r.send("早上好"))
	if !se.Permanent || se.Code != "310000" || !strings.Contains(se.Message, "加签") {
		t.Errorf("error = %+v, want permanent 310000 naming the 加签 secret", se)
	}
	if log := r.log.String(); !strings.Contains(log, "dead-lettered") || !strings.Contains(log, "errcode=310000") ||
		!strings.Contains(log, "team=华东一组") {
		t.Errorf("log = %s", log)
	}
	if strings.Contains(r.log.String(), "SECeast") || strings.Contains(se.Error(), "SECeast") {
		t.Error("the secret was logged")
	}
	if n := len(r.emu.RobotMessages()); n != 0 {
		t.Errorf("%d messages posted", n)
	}
}

func TestRobotStaleTimestampIsRefused(t *testing.T) {
	r := newRobotRig(t, "SECeast")
	// The bot's clock is 2 h behind DingTalk's.
	r.emu.SetRobotClock(func() time.Time { return r.clock.Now().Add(2 * time.Hour) })
	se := sendError(t, r.send("早上好"))
	if !se.Permanent || se.Code != "310000" {
		t.Errorf("error = %+v, want permanent 310000", se)
	}
}

func TestRobotUnknownTokenIsPermanent(t *testing.T) {
	r := newRobotRig(t, "SECeast")
	a := dingtalk.New(dingtalk.Config{OAPIBaseURL: r.emu.URL(),
		Robots: []dingtalk.Robot{{Team: "华东一组", AccessToken: "tok_gone", Secret: "SECeast"}}}, nil, r.clock.Now)
	_, err := a.Send(context.Background(), bot.Outgoing{To: bot.Target{ChatID: dingtalk.RobotChatID("华东一组")}, Text: "x"})
	if se := sendError(t, err); !se.Permanent || se.Code != "300001" {
		t.Errorf("error = %+v, want permanent 300001", se)
	}
}

func TestRobotOfUnknownTeamIsPermanent(t *testing.T) {
	r := newRobotRig(t, "SECeast")
	_, err := r.a.Send(context.Background(), bot.Outgoing{To: bot.Target{ChatID: dingtalk.RobotChatID("华北一组")}, Text: "x"})
	if se := sendError(t, err); !se.Permanent || !strings.Contains(se.Message, "dingtalk.group_robots") {
		t.Errorf("error = %+v", se)
	}
	if r.emu.Calls(dingtalktest.PathRobot) != 0 {
		t.Error("a robot was called")
	}
}

// More than 20 messages in a minute: 130101 for 10 minutes, which the
// adapter tells the outbox to wait out for this chat.
func TestRobotThrottled(t *testing.T) {
	r := newRobotRig(t, "SECeast")
	if lim := r.a.Limits().PerChat; lim.N != 20 || lim.Per != time.Minute {
		t.Errorf("per-chat limit = %+v, want 20/min", lim)
	}
	for i := range 20 {
		if err := r.send("第几条"); err != nil {
			t.Fatalf("message %d: %v", i+1, err)
		}
		r.clock.add(time.Second)
	}
	se := sendError(t, r.send("第 21 条"))
	if se.Permanent || se.Code != "130101" || se.RetryAfter != 10*time.Minute || se.Scope != "chat" {
		t.Fatalf("21st message: %+v, want 130101 retried in 10 min for the chat", se)
	}
	// Still blocked a minute later, though the minute's window has moved.
	r.clock.add(time.Minute)
	if se := sendError(t, r.send("再试")); se.Code != "130101" {
		t.Fatalf("a minute later: %+v", se)
	}
	r.clock.add(10 * time.Minute)
	if err := r.send("十分钟后"); err != nil {
		t.Fatalf("after the block: %v", err)
	}
	if n := len(r.emu.RobotMessages()); n != 21 {
		t.Errorf("%d messages posted, want 21", n)
	}
}

func TestRobotServerErrorsAreRetried(t *testing.T) {
	r := newRobotRig(t, "SECeast")
	r.emu.Fail(dingtalktest.PathRobot, dingtalktest.Fault{Status: 502, Message: "bad gateway"},
		dingtalktest.Fault{Code: "-1", Message: "系统繁忙"})
	for _, what := range []string{"502", "errcode -1"} {
		if se := sendError(t, r.send("x")); se.Permanent {
			t.Errorf("%s: %+v is permanent", what, se)
		}
	}
	if err := r.send("x"); err != nil {
		t.Fatal(err)
	}
}

// The webhook URL carries the robot's access_token: a transport error must
// not quote it.
func TestRobotTransportErrorHidesToken(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	a := dingtalk.New(dingtalk.Config{OAPIBaseURL: srv.URL,
		Robots: []dingtalk.Robot{{Team: "t", AccessToken: "tok_private", Secret: "SECx"}}}, nil, nil)
	_, err := a.Send(context.Background(), bot.Outgoing{To: bot.Target{ChatID: dingtalk.RobotChatID("t")}, Text: "x"})
	se := sendError(t, err)
	if se.Permanent || strings.Contains(se.Error(), "tok_private") || strings.Contains(se.Error(), "sign=") {
		t.Errorf("error = %v", se)
	}
}
