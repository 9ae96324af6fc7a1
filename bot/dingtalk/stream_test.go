package dingtalk_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/bot/dingtalk"
	"github.com/salesbot/salesbot/bot/dingtalk/dingtalktest"
)

type streamRig struct {
	a    *dingtalk.Adapter
	emu  *dingtalktest.Emulator
	drv  *dingtalktest.Driver
	sink *fakeSink
	stop func() error
}

// newStreamRig runs the adapter in stream mode against an emulator; stop
// cancels Run and returns its result (failing if it does not return soon).
func newStreamRig(t *testing.T, secret string) *streamRig {
	t.Helper()
	emu := dingtalktest.New(t, "dingapp", "s3cret")
	a := dingtalk.New(dingtalk.Config{ClientID: "dingapp", ClientSecret: secret, RobotCode: "dingapp",
		Mode: dingtalk.ModeStream, BaseURL: emu.URL(), OAPIBaseURL: emu.URL(),
		ReconnectMin: 10 * time.Millisecond, ReconnectMax: 50 * time.Millisecond}, nil, nil)
	if a.Routes(&fakeSink{}) != nil {
		t.Fatal("stream mode mounts webhook routes")
	}
	sink := &fakeSink{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, sink) }()
	stopped := false
	stop := func() error {
		cancel()
		if stopped {
			return nil
		}
		stopped = true
		select {
		case err := <-done:
			return err
		case <-time.After(3 * time.Second):
			t.Fatal("Run did not return after cancel")
			return nil
		}
	}
	t.Cleanup(func() { _ = stop() })
	drv := &dingtalktest.Driver{CorpID: "ding_corp", RobotCode: "dingapp", Emulator: emu}
	return &streamRig{a: a, emu: emu, drv: drv, sink: sink, stop: stop}
}

func TestStreamRun(t *testing.T) {
	r := newStreamRig(t, "s3cret")
	r.emu.WaitConnected(t, 1, 5*time.Second)

	// A group message → one event, acked 200.
	m := &dingtalktest.InMessage{StaffID: "staff1", Nick: "王小明", Text: " 今天拜访了星河科技张总", AtBot: true, AtStaff: []string{"staff2"}}
	ack := r.drv.Stream(t, m)
	if ack.Code != 200 || ack.Headers["contentType"] != "application/json" {
		t.Fatalf("ack = %+v", ack)
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
	// Unknown topic: acked 404, ignored. Malformed data: acked, ignored.
	id := r.emu.PushFrame(t, "CALLBACK", "/v1.0/something/else", `{}`)
	if ack := r.emu.WaitAck(t, id, 5*time.Second); ack.Code != 404 {
		t.Errorf("unknown topic ack = %+v", ack)
	}
	if ack := r.drv.StreamRaw(t, []byte(`{"msgId":`)); ack.Code != 200 {
		t.Errorf("malformed ack = %+v", ack)
	}
	if n := len(r.sink.Events()); n != 1 {
		t.Errorf("%d events, want 1", n)
	}

	// The server drops the socket: the client registers again and goes on.
	r.emu.DropStream()
	r.emu.WaitConnected(t, 2, 5*time.Second)
	d := &dingtalktest.InMessage{Direct: true, StaffID: "staff1", Text: "帮助"}
	if ack := r.drv.Stream(t, d); ack.Code != 200 {
		t.Fatalf("ack after reconnect = %+v", ack)
	}
	if evs := r.sink.Events(); len(evs) != 2 || evs[1].Chat.Type != bot.DirectChat {
		t.Fatalf("events after reconnect = %+v", evs)
	}
	// A SYSTEM disconnect: the client reconnects at once.
	r.emu.PushFrame(t, "SYSTEM", "disconnect", `{"reason":"server restart"}`)
	r.emu.WaitConnected(t, 3, 5*time.Second)

	// Clean stop.
	if err := r.stop(); err != nil {
		t.Fatalf("Run = %v", err)
	}
	time.Sleep(100 * time.Millisecond)
	if n := r.emu.StreamConnections(); n != 3 {
		t.Errorf("%d connections after stop, want 3 (no reconnect once stopped)", n)
	}
}

func TestStreamSinkFailureAcks500(t *testing.T) {
	r := newStreamRig(t, "s3cret")
	r.emu.WaitConnected(t, 1, 5*time.Second)
	r.sink.mu.Lock()
	r.sink.err = errors.New("database down")
	r.sink.mu.Unlock()
	if ack := r.drv.Stream(t, &dingtalktest.InMessage{StaffID: "s", Text: "hi", AtBot: true}); ack.Code != 500 {
		t.Errorf("ack = %+v, want 500", ack)
	}
}

func TestStreamRetriesOpen(t *testing.T) {
	// A wrong secret: connections/open refuses; Run keeps retrying with
	// back-off until stopped, and never connects.
	r := newStreamRig(t, "wrong")
	time.Sleep(300 * time.Millisecond)
	if n := r.emu.Calls(dingtalktest.PathOpen); n < 2 {
		t.Errorf("connections/open called %d times, want retries", n)
	}
	if n := r.emu.StreamConnections(); n != 0 {
		t.Errorf("%d connections with a wrong secret", n)
	}
	if err := r.stop(); err != nil {
		t.Errorf("Run = %v", err)
	}
}

func TestStreamModeRunOnlyInStream(t *testing.T) {
	a := dingtalk.New(dingtalk.Config{ClientID: "x", ClientSecret: "y", Mode: dingtalk.ModeWebhook}, nil, nil)
	if err := a.Run(context.Background(), &fakeSink{}); err != nil {
		t.Fatal(err)
	}
}
