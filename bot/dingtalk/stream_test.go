package dingtalk_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/bot/bottest"
	"github.com/salesbot/salesbot/bot/dingtalk"
	"github.com/salesbot/salesbot/bot/dingtalk/dingtalktest"
)

// These tests run the Stream SDK, whose logger is a package global: none of
// them may run in parallel.

type streamRig struct {
	a    *dingtalk.Adapter
	emu  *dingtalktest.Emulator
	drv  *dingtalktest.Driver
	sink *bottest.FakeSink
	logs *streamLog
	stop func() error
}

// streamLog is a log destination safe for concurrent writers (the SDK's
// goroutines, the adapter's) that tests read while they write.
type streamLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *streamLog) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *streamLog) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newStreamRig runs the adapter in stream mode against an emulator; stop
// cancels Run and returns its result (an error if it does not return soon).
func newStreamRig(t *testing.T, secret string, tune ...func(*dingtalk.Config)) *streamRig {
	t.Helper()
	emu := dingtalktest.New(t, "dingapp", "s3cret")
	cfg := dingtalk.Config{ClientID: "dingapp", ClientSecret: secret, RobotCode: "dingapp",
		Mode: dingtalk.ModeStream, BaseURL: emu.URL(), OAPIBaseURL: emu.URL(),
		ReconnectMin: 10 * time.Millisecond, ReconnectMax: 50 * time.Millisecond}
	for _, f := range tune {
		f(&cfg)
	}
	logs := &streamLog{}
	a := dingtalk.New(cfg, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})), nil)
	if a.Routes(&bottest.FakeSink{}) != nil {
		t.Fatal("stream mode mounts webhook routes")
	}
	sink := &bottest.FakeSink{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, sink) }()
	var once sync.Once
	var stopErr error
	stop := func() error { // safe to call more than once, and concurrently
		once.Do(func() {
			cancel()
			select {
			case stopErr = <-done:
			case <-time.After(5 * time.Second):
				stopErr = errors.New("Run did not return within 5 s of cancel")
			}
		})
		return stopErr
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	})
	drv := &dingtalktest.Driver{CorpID: "ding_corp", RobotCode: "dingapp", Emulator: emu}
	return &streamRig{a: a, emu: emu, drv: drv, sink: sink, logs: logs, stop: stop}
}

func TestStreamRun(t *testing.T) {
	r := newStreamRig(t, "s3cret")
	r.emu.WaitConnected(t, 1, 10*time.Second)

	// A group message → one event, acked 200 with the frame's messageId.
	m := &dingtalktest.InMessage{StaffID: "staff1", Nick: "王小明", Text: " 今天拜访了星河科技张总", AtBot: true, AtStaff: []string{"staff2"}}
	ack := r.drv.Stream(t, m)
	if ack.Code != 200 || ack.Headers["contentType"] != "application/json" {
		t.Fatalf("ack = %+v", ack)
	}
	subs := strings.Join(r.emu.Subscriptions(), ",")
	for _, want := range []string{"CALLBACK " + dingtalk.TopicBotMessage, "CALLBACK " + dingtalk.TopicCardCallback, "SYSTEM ping"} {
		if !strings.Contains(subs, want) {
			t.Errorf("subscriptions %s lack %s", subs, want)
		}
	}
	if r.emu.PingAcks() != 1 {
		t.Errorf("the SYSTEM ping on connect was not acked with its opaque")
	}
	evs := r.sink.Events()
	if len(evs) != 1 {
		t.Fatalf("events = %+v", evs)
	}
	ev := evs[0]
	if ev.ID != m.MsgID || ev.Platform != bot.DingTalk || ev.TenantKey != "ding_corp" || ev.Chat.ID != m.ConversationID ||
		ev.Chat.Type != bot.GroupChat || ev.Sender.ID != "staff1" || ev.Text != "今天拜访了星河科技张总" ||
		len(ev.Mentions) != 1 || ev.Mentions[0].UserID != "staff2" {
		t.Errorf("event = %+v", ev)
	}
	// The same msgId again: acked, deduped by the sink.
	if ack := r.drv.StreamRaw(t, r.drv.Payload(m)); ack.Code != 200 {
		t.Errorf("redelivery ack = %+v", ack)
	}
	if n := len(r.sink.Events()); n != 1 {
		t.Errorf("%d events, want 1", n)
	}
	// The SDK's own log lines reach slog.
	if !strings.Contains(r.logs.String(), "dingtalk stream sdk") {
		t.Errorf("no SDK log line in slog:\n%s", r.logs)
	}
}

func TestStreamUnknownTopicAckedIgnored(t *testing.T) {
	r := newStreamRig(t, "s3cret")
	r.emu.WaitConnected(t, 1, 10*time.Second)
	id := r.emu.PushFrame(t, "CALLBACK", "/v1.0/something/else", `{"msgId":"m1","conversationId":"c1"}`)
	if ack := r.emu.WaitAck(t, id, 5*time.Second); ack.Code != 404 {
		t.Errorf("unknown topic ack = %+v, want 404", ack)
	}
	id = r.emu.PushFrame(t, "EVENT", "chat_update_title", `{}`)
	if ack := r.emu.WaitAck(t, id, 5*time.Second); ack.Code != 404 {
		t.Errorf("unsubscribed event ack = %+v, want 404", ack)
	}
	if n := len(r.sink.Events()); n != 0 {
		t.Errorf("%d events from unknown topics", n)
	}
}

func TestStreamMalformedDataAckedIgnored(t *testing.T) {
	r := newStreamRig(t, "s3cret")
	r.emu.WaitConnected(t, 1, 10*time.Second)
	for name, data := range map[string]string{
		"not JSON":      `{"msgId":`,
		"no ids":        `{"msgtype":"text","text":{"content":"hi"}}`,
		"wrong types":   `{"msgId":42,"conversationId":["c"]}`,
		"other robot":   `{"msgId":"m9","conversationId":"c9","robotCode":"someone_else","msgtype":"text","text":{"content":"hi"}}`,
		"card not JSON": `{"outTrackId":`,
	} {
		topic := dingtalk.TopicBotMessage
		if strings.HasPrefix(name, "card") {
			topic = dingtalk.TopicCardCallback
		}
		id := r.emu.PushFrame(t, "CALLBACK", topic, data)
		if ack := r.emu.WaitAck(t, id, 5*time.Second); ack.Code != 200 || ack.Data != "" {
			t.Errorf("%s: ack = %+v, want 200 without data (ignored)", name, ack)
		}
	}
	if n := len(r.sink.Events()); n != 0 {
		t.Errorf("%d events from malformed frames", n)
	}
	if !strings.Contains(r.logs.String(), "malformed bot message ignored") {
		t.Errorf("malformed data not logged:\n%s", r.logs)
	}
}

func TestStreamReconnects(t *testing.T) {
	r := newStreamRig(t, "s3cret")
	r.emu.WaitConnected(t, 1, 10*time.Second)

	// The server drops the socket: the SDK registers again (after its
	// back-off of about 3 s) and goes on.
	r.emu.DropStream()
	r.emu.WaitConnected(t, 2, 15*time.Second)
	d := &dingtalktest.InMessage{Direct: true, StaffID: "staff1", Text: "帮助"}
	if ack := r.drv.Stream(t, d); ack.Code != 200 {
		t.Fatalf("ack after reconnect = %+v", ack)
	}
	if evs := r.sink.Events(); len(evs) != 1 || evs[0].Chat.Type != bot.DirectChat {
		t.Fatalf("events after reconnect = %+v", evs)
	}
	// A SYSTEM disconnect: acked, then the client registers again.
	r.emu.PushFrame(t, "SYSTEM", "disconnect", `{"reason":"server restart"}`)
	r.emu.WaitConnected(t, 3, 15*time.Second)
	if err := r.stop(); err != nil {
		t.Fatalf("Run = %v", err)
	}
}

// The SDK has one global logger; its lines go to the logger of the latest
// Run still running, not to one that has stopped.
func TestStreamSDKLogFollowsRunningAdapter(t *testing.T) {
	first := newStreamRig(t, "s3cret")
	first.emu.WaitConnected(t, 1, 10*time.Second)
	second := newStreamRig(t, "s3cret")
	second.emu.WaitConnected(t, 1, 10*time.Second)
	if err := second.stop(); err != nil {
		t.Fatalf("Run = %v", err)
	}

	// The first adapter's connection drops and the SDK connects again with
	// the first emulator's second ticket: it says so in the first adapter's
	// log, and only there.
	first.emu.DropStream()
	first.emu.WaitConnected(t, 2, 15*time.Second)
	const line = "connect success, sessionId=[tk-2]"
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(first.logs.String(), line) {
		if time.Now().After(deadline) {
			t.Fatalf("the SDK's line about the new connection is not in the running adapter's log:\n%s\nstopped adapter's log:\n%s",
				first.logs, second.logs)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if strings.Contains(second.logs.String(), line) {
		t.Errorf("the running adapter's SDK line went to the stopped one's log:\n%s", second.logs)
	}
}

// stays fails the test if cond turns false within d: for what must not
// happen (a reconnect after stop), there is nothing to wait on.
func stays(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if !cond() {
			t.Fatalf("%s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// reconnectWindow is longer than the SDK's first reconnect back-off (3 s
// plus up to 20% jitter).
const reconnectWindow = 4 * time.Second

func TestStreamCleanShutdown(t *testing.T) {
	r := newStreamRig(t, "s3cret")
	r.emu.WaitConnected(t, 1, 10*time.Second)
	// Drop the socket so that the SDK is waiting to reconnect, then stop:
	// Close cancels the pending reconnect.
	r.emu.DropStream()
	if err := r.stop(); err != nil {
		t.Fatalf("Run = %v", err)
	}
	opens := r.emu.Calls(dingtalktest.PathOpen)
	stays(t, reconnectWindow, "the client registered again after Run returned", func() bool {
		return r.emu.Calls(dingtalktest.PathOpen) == opens && r.emu.StreamConnections() == 1
	})
}

func TestStreamCleanShutdownWhileConnected(t *testing.T) {
	r := newStreamRig(t, "s3cret")
	r.emu.WaitConnected(t, 1, 10*time.Second)
	if err := r.stop(); err != nil {
		t.Fatalf("Run = %v", err)
	}
	r.emu.WaitDisconnected(t, 5*time.Second)
	stays(t, reconnectWindow, "the client reconnected after Run returned", func() bool {
		return r.emu.Calls(dingtalktest.PathOpen) == 1 && r.emu.StreamConnections() == 1
	})
}

// A message still being stored when Run is stopped is stored in full, with
// a context the closing socket does not cancel, and Run returns only after
// it: the SDK does not wait for its handlers, and the database closes once
// Run has returned.
func TestStreamStopWaitsForMessageInFlight(t *testing.T) {
	r := newStreamRig(t, "s3cret")
	r.emu.WaitConnected(t, 1, 10*time.Second)
	entered, release := make(chan struct{}), make(chan struct{})
	var releaseOnce sync.Once
	defer releaseOnce.Do(func() { close(release) }) // on failure too
	cancelled := make(chan bool, 1)
	r.sink.SetHold(func(ctx context.Context) {
		close(entered)
		select {
		case <-ctx.Done():
			cancelled <- true
		case <-release:
			cancelled <- false
		}
	})
	r.emu.PushFrame(t, "CALLBACK", dingtalk.TopicBotMessage, string(r.drv.Payload(&dingtalktest.InMessage{StaffID: "s1", Text: "今天拜访了星河科技", AtBot: true})))
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the message never reached the sink")
	}

	done := make(chan error, 1)
	go func() { done <- r.stop() }()
	r.emu.WaitDisconnected(t, 5*time.Second)
	// Nothing to wait on for what must not happen: Run returning early.
	stays(t, time.Second, "Run returned while a message was being delivered", func() bool {
		select {
		case <-done:
			return false
		default:
			return true
		}
	})
	releaseOnce.Do(func() { close(release) })
	if <-cancelled {
		t.Error("the message's context ended with the connection")
	}
	if err := <-done; err != nil {
		t.Fatalf("Run = %v", err)
	}
	if evs := r.sink.Events(); len(evs) != 1 || evs[0].Text != "今天拜访了星河科技" {
		t.Errorf("events = %+v", evs)
	}
}

func TestStreamSinkFailureAcks500(t *testing.T) {
	r := newStreamRig(t, "s3cret")
	r.emu.WaitConnected(t, 1, 10*time.Second)
	r.sink.SetErr(errors.New("database down"))
	if ack := r.drv.Stream(t, &dingtalktest.InMessage{StaffID: "s", Text: "hi", AtBot: true}); ack.Code != 500 {
		t.Errorf("ack = %+v, want 500", ack)
	}
}

func TestStreamRetriesFirstConnect(t *testing.T) {
	// A wrong secret: connections/open refuses; Run keeps retrying with
	// its own (here short) back-off, logging each failure, until stopped.
	r := newStreamRig(t, "wrong")
	deadline := time.Now().Add(10 * time.Second)
	for r.emu.Calls(dingtalktest.PathOpen) < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("connections/open called %d times, want retries", r.emu.Calls(dingtalktest.PathOpen))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := r.stop(); err != nil {
		t.Errorf("Run = %v", err)
	}
	if n := r.emu.StreamConnections(); n != 0 {
		t.Errorf("%d connections with a wrong secret", n)
	}
	if n := strings.Count(r.logs.String(), "cannot connect, retrying"); n < 2 {
		t.Errorf("%d connect failures logged, want one per try:\n%s", n, r.logs)
	}
}

func TestStreamModeRunOnlyInStream(t *testing.T) {
	a := dingtalk.New(dingtalk.Config{ClientID: "x", ClientSecret: "y", Mode: dingtalk.ModeWebhook}, nil, nil)
	if err := a.Run(context.Background(), &bottest.FakeSink{}); err != nil {
		t.Fatal(err)
	}
}
