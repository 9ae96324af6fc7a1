package dingtalk_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/bot/bottest"
	"github.com/salesbot/salesbot/bot/dingtalk"
	"github.com/salesbot/salesbot/bot/dingtalk/dingtalktest"
)

func TestSignVector(t *testing.T) {
	// PLATFORMS.md §3.3.
	if got, want := dingtalk.Sign("1577262236757", "this is secret"), "hmPWwU+7lVdm3ZZz0r9tSfx0L4Q26jWOZr9+Gs6EZQM="; got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
}

type rig struct {
	a    *dingtalk.Adapter
	emu  *dingtalktest.Emulator
	drv  *dingtalktest.Driver
	sink *bottest.FakeSink
	logs *streamLog
}

func newRig(t *testing.T, tune ...func(*dingtalk.Config)) *rig {
	t.Helper()
	emu := dingtalktest.New(t, "dingapp", "s3cret")
	cfg := dingtalk.Config{ClientID: "dingapp", ClientSecret: "s3cret", RobotCode: "dingapp",
		Mode: dingtalk.ModeWebhook, BaseURL: emu.URL(), OAPIBaseURL: emu.URL()}
	for _, f := range tune {
		f(&cfg)
	}
	logs := &streamLog{}
	a := dingtalk.New(cfg, slog.New(slog.NewTextHandler(logs, nil)), nil)
	sink := &bottest.FakeSink{}
	mux := http.NewServeMux()
	for p, h := range a.Routes(sink) {
		mux.Handle(p, h)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	drv := &dingtalktest.Driver{URL: srv.URL + dingtalk.CallbackPath, Secret: "s3cret", CorpID: "ding_corp",
		RobotCode: "dingapp", Emulator: emu}
	return &rig{a: a, emu: emu, drv: drv, sink: sink, logs: logs}
}

func TestCallbackGroupMessage(t *testing.T) {
	r := newRig(t)
	m := &dingtalktest.InMessage{StaffID: "staff1", Nick: "王小明", Text: " 今天拜访了星河科技张总 @李四", AtBot: true, AtStaff: []string{"staff2"}}
	status, body := r.drv.Message(t, m)
	if status != http.StatusOK || strings.TrimSpace(string(body)) != "{}" {
		t.Fatalf("callback = %d %s", status, body)
	}
	evs := r.sink.Events()
	if len(evs) != 1 {
		t.Fatalf("events = %+v", evs)
	}
	ev := evs[0]
	if ev.ID != m.MsgID || ev.MessageID != m.MsgID || ev.Platform != bot.DingTalk || ev.Kind != bot.KindMessage ||
		ev.TenantKey != "ding_corp" || ev.Chat.ID != m.ConversationID || ev.Chat.Type != bot.GroupChat ||
		ev.Sender.ID != "staff1" || ev.Sender.Name != "王小明" || ev.Text != "今天拜访了星河科技张总 @李四" {
		t.Errorf("event = %+v", ev)
	}
	if len(ev.Mentions) != 1 || ev.Mentions[0].UserID != "staff2" {
		t.Errorf("mentions = %+v, want only staff2 (the robot stripped)", ev.Mentions)
	}
	// The same msgId again is delivered and deduped by the sink.
	r.drv.PostRaw(t, r.drv.Payload(m))
	if n := len(r.sink.Events()); n != 1 {
		t.Errorf("%d events after a redelivery", n)
	}
}

func TestCallbackDirectMessage(t *testing.T) {
	r := newRig(t)
	m := &dingtalktest.InMessage{Direct: true, StaffID: "staff1", Nick: "王小明", Text: "帮助"}
	if status, _ := r.drv.Message(t, m); status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	evs := r.sink.Events()
	// A direct chat is the person's ("user:" + staffId), not the
	// conversation's: a card press there names only the person.
	if len(evs) != 1 || evs[0].Chat.Type != bot.DirectChat || evs[0].Chat.ID != "user:staff1" || evs[0].Text != "帮助" {
		t.Fatalf("events = %+v", evs)
	}
}

func TestCallbackRefusesBadSign(t *testing.T) {
	r := newRig(t)
	cases := map[string][]dingtalktest.PostOption{
		"forged":   {dingtalktest.Forged()},
		"unsigned": {dingtalktest.Unsigned()},
		"stale":    {dingtalktest.Skew(-61 * time.Minute)},
		"future":   {dingtalktest.Skew(61 * time.Minute)},
	}
	for name, opts := range cases {
		t.Run(name, func(t *testing.T) {
			m := &dingtalktest.InMessage{StaffID: "staff1", Text: "hi", AtBot: true}
			if status, _ := r.drv.Message(t, m, opts...); status != http.StatusUnauthorized {
				t.Errorf("status %d, want 401", status)
			}
		})
	}
	// Garbage with a bad sign is refused as unauthorised, not as malformed.
	if status, _ := r.drv.PostRaw(t, []byte("not json"), dingtalktest.Forged()); status != http.StatusUnauthorized {
		t.Errorf("garbage forged: %d", status)
	}
	// Within the window is fine.
	m := &dingtalktest.InMessage{StaffID: "staff1", Text: "hi", AtBot: true}
	if status, _ := r.drv.Message(t, m, dingtalktest.Skew(-59*time.Minute)); status != http.StatusOK {
		t.Errorf("59 min old: %d", status)
	}
	if n := len(r.sink.Events()); n != 1 {
		t.Errorf("%d events stored, want 1 (only the valid one)", n)
	}
	if status, _ := r.drv.PostRaw(t, []byte("not json")); status != http.StatusBadRequest {
		t.Errorf("garbage signed: %d", status)
	}
}

func TestCallbackUnknownTenantAcked(t *testing.T) {
	r := newRig(t)
	r.sink.SetErr(bot.ErrUnknownTenant)
	if status, _ := r.drv.Message(t, &dingtalktest.InMessage{StaffID: "s", Text: "hi", AtBot: true}); status != http.StatusOK {
		t.Errorf("status %d", status)
	}
	r.sink.SetErr(errors.New("db down"))
	if status, _ := r.drv.Message(t, &dingtalktest.InMessage{StaffID: "s", Text: "hi", AtBot: true}); status != http.StatusServiceUnavailable {
		t.Errorf("status %d, want 503", status)
	}
}

// received posts a message and returns its event.
func (r *rig) received(t *testing.T, m *dingtalktest.InMessage) bot.Event {
	t.Helper()
	if status, body := r.drv.Message(t, m); status != http.StatusOK {
		t.Fatalf("callback %d %s", status, body)
	}
	evs := r.sink.Events()
	return evs[len(evs)-1]
}

func reply(ev bot.Event, text string) bot.Outgoing {
	return bot.Outgoing{Platform: bot.DingTalk, To: bot.Target{ChatID: ev.Chat.ID}, ReplyTo: ev.MessageID, Text: text}
}

func TestSendThroughSessionWebhook(t *testing.T) {
	r := newRig(t)
	ev := r.received(t, &dingtalktest.InMessage{StaffID: "s1", Text: "hi", AtBot: true})
	card := &bot.Card{Header: bot.Header{Title: "已记录跟进", Status: bot.StatusSuccess},
		Elements: []bot.Element{bot.Fields(bot.Field{Label: "客户", Value: "星河科技"})},
		Actions:  []bot.Action{{ID: "followup.undo", Label: "撤销", Ref: "secret-ref"}}}
	out := reply(ev, "")
	out.Card = card
	out.Mentions = []bot.Mention{{UserID: "s1"}}
	if _, err := r.a.Send(context.Background(), out); err != nil {
		t.Fatal(err)
	}
	msgs := r.emu.Messages()
	if len(msgs) != 1 || msgs[0].Via != "session" || msgs[0].ReplyTo != ev.MessageID || msgs[0].MsgKey != "markdown" ||
		!strings.Contains(msgs[0].Text, "星河科技") || msgs[0].Title != "已记录跟进" || len(msgs[0].AtUserIDs) != 1 {
		t.Fatalf("messages = %+v", msgs)
	}
	if strings.Contains(msgs[0].Text, "secret-ref") {
		t.Error("the action ref leaked into the message")
	}
	if r.emu.Calls(dingtalktest.PathToken) != 0 {
		t.Error("a session reply should need no token")
	}
}

func TestSendFallsBackToOpenAPI(t *testing.T) {
	r := newRig(t)
	// An expired session: the group send of the OpenAPI.
	ev := r.received(t, &dingtalktest.InMessage{StaffID: "s1", Text: "hi", AtBot: true, SessionTTL: -time.Minute})
	if _, err := r.a.Send(context.Background(), reply(ev, "好的")); err != nil {
		t.Fatal(err)
	}
	// A direct chat whose session fails at DingTalk: forgotten, one-to-one send.
	dm := r.received(t, &dingtalktest.InMessage{Direct: true, StaffID: "s9", Text: "hi"})
	r.emu.Fail(dingtalktest.PathSession, dingtalktest.Fault{Code: "300001", Message: "session已过期"})
	if _, err := r.a.Send(context.Background(), reply(dm, "私聊")); err != nil {
		t.Fatal(err)
	}
	// A chat never seen: a group send.
	if _, err := r.a.Send(context.Background(), bot.Outgoing{Platform: bot.DingTalk, To: bot.Target{ChatID: "cid_other"}, Text: "早报"}); err != nil {
		t.Fatal(err)
	}
	msgs := r.emu.Messages()
	if len(msgs) != 3 {
		t.Fatalf("messages = %+v", msgs)
	}
	if m := msgs[0]; m.Via != "group" || m.ConversationID != ev.Chat.ID || m.MsgKey != "sampleText" || m.Text != "好的" || m.RobotCode != "dingapp" {
		t.Errorf("group = %+v", m)
	}
	if m := msgs[1]; m.Via != "oto" || len(m.UserIDs) != 1 || m.UserIDs[0] != "s9" || m.Text != "私聊" {
		t.Errorf("oto = %+v", m)
	}
	if m := msgs[2]; m.Via != "group" || m.ConversationID != "cid_other" {
		t.Errorf("unseen = %+v", m)
	}
	if n := r.emu.Calls(dingtalktest.PathToken); n != 1 {
		t.Errorf("%d token fetches, want 1 (cached)", n)
	}
}

func TestSendErrors(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	out := bot.Outgoing{Platform: bot.DingTalk, To: bot.Target{ChatID: "cid_x"}, Text: "x"}
	check := func(name string, err error, permanent bool, code string) {
		t.Helper()
		var se *bot.SendError
		if !errors.As(err, &se) {
			t.Fatalf("%s: err = %v, want a SendError", name, err)
		}
		if se.Permanent != permanent || (code != "" && se.Code != code) {
			t.Errorf("%s: %+v, want permanent=%v code %s", name, se, permanent, code)
		}
	}
	r.emu.Fail(dingtalktest.PathGroup, dingtalktest.Fault{Status: 400, Code: "InvalidParameter", Message: "openConversationId is wrong"})
	_, err := r.a.Send(ctx, out)
	check("4xx", err, true, "InvalidParameter")
	r.emu.Fail(dingtalktest.PathGroup, dingtalktest.Fault{Status: 504, Code: "GatewayTimeout", Message: "timeout"})
	_, err = r.a.Send(ctx, out)
	check("504", err, false, "")
	r.emu.Fail(dingtalktest.PathGroup, dingtalktest.Fault{Status: 500, Code: "ServiceUnavailable"})
	_, err = r.a.Send(ctx, out)
	check("500", err, false, "")
	r.emu.Fail(dingtalktest.PathGroup, dingtalktest.Fault{Status: 403, Code: "130101", Message: "send too fast"})
	_, err = r.a.Send(ctx, out)
	check("130101", err, false, "130101")
	r.emu.Fail(dingtalktest.PathOTO, dingtalktest.Fault{FlowControl: true})
	_, err = r.a.Send(ctx, bot.Outgoing{Platform: bot.DingTalk, To: bot.Target{UserID: "s1"}, Text: "x"})
	check("flow-controlled", err, false, "flowControlled")
	var se *bot.SendError
	errors.As(err, &se)
	if se.RetryAfter <= 0 || se.Scope != "chat" {
		t.Errorf("flow-controlled: %+v, want a chat-scoped backoff", se)
	}
	// A token that expired at DingTalk is fetched anew once.
	r.emu.Expire()
	if _, err := r.a.Send(ctx, out); err != nil {
		t.Fatalf("after token expiry: %v", err)
	}
	// A session throttled by DingTalk is retried, not sent twice.
	ev := r.received(t, &dingtalktest.InMessage{StaffID: "s1", Text: "hi", AtBot: true})
	r.emu.Fail(dingtalktest.PathSession, dingtalktest.Fault{Code: "130101", Message: "send too fast"})
	before := len(r.emu.Messages())
	_, err = r.a.Send(ctx, reply(ev, "y"))
	check("session throttled", err, false, "130101")
	if len(r.emu.Messages()) != before {
		t.Error("a throttled session reply was sent another way")
	}
	if _, err := r.a.Send(ctx, reply(ev, "y")); err != nil {
		t.Fatal(err)
	}
	if msgs := r.emu.Messages(); msgs[len(msgs)-1].Via != "session" {
		t.Errorf("retry went %s, want session", msgs[len(msgs)-1].Via)
	}
}

func TestSessionWebhookForeignHostIgnored(t *testing.T) {
	r := newRig(t)
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("reply sent to a foreign sessionWebhook: %s", r.URL)
	}))
	defer evil.Close()
	body := []byte(`{"conversationId":"cid_f","conversationType":"2","senderStaffId":"s1","msgId":"m_f","msgtype":"text","text":{"content":"hi"},` +
		`"chatbotCorpId":"ding_corp","sessionWebhook":"` + evil.URL + `/robot/sendBySession?session=x","sessionWebhookExpiredTime":` +
		"9999999999999}")
	if status, _ := r.drv.PostRaw(t, body); status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	ev := r.sink.Events()[0]
	if _, err := r.a.Send(context.Background(), reply(ev, "hi")); err != nil {
		t.Fatal(err)
	}
	if msgs := r.emu.Messages(); len(msgs) != 1 || msgs[0].Via != "group" {
		t.Errorf("messages = %+v", msgs)
	}
}

// A sessionWebhook's URL is a credential: when it fails on the network, the
// reply goes the OpenAPI way and neither the log nor the error quotes it.
func TestSessionWebhookFailureKeepsItsURLOutOfTheLog(t *testing.T) {
	r := newRig(t)
	ev := r.received(t, &dingtalktest.InMessage{StaffID: "s1", Text: "hi", AtBot: true})
	r.emu.Fail(dingtalktest.PathSession, dingtalktest.Fault{HangUp: true})
	if _, err := r.a.Send(context.Background(), reply(ev, "好的")); err != nil {
		t.Fatal(err)
	}
	if msgs := r.emu.Messages(); len(msgs) != 1 || msgs[0].Via != "group" || msgs[0].Text != "好的" {
		t.Errorf("messages = %+v", msgs)
	}
	log := r.logs.String()
	if !strings.Contains(log, "sessionWebhook failed") || !strings.Contains(log, "/robot/sendBySession") {
		t.Errorf("the failure is not logged with the path:\n%s", log)
	}
	if strings.Contains(log, "session=") {
		t.Errorf("the sessionWebhook's query is in the log:\n%s", log)
	}
}

// A direct chat's id names the person, so a reply reaches them one to one
// through the OpenAPI also when no sessionWebhook is in memory: after a
// restart, or from another replica.
func TestDirectChatAnsweredAfterRestart(t *testing.T) {
	r := newRig(t)
	dm := r.received(t, &dingtalktest.InMessage{Direct: true, StaffID: "s9", Text: "我的任务"})
	restarted := dingtalk.New(dingtalk.Config{ClientID: "dingapp", ClientSecret: "s3cret", RobotCode: "dingapp",
		BaseURL: r.emu.URL(), OAPIBaseURL: r.emu.URL()}, nil, nil)
	if _, err := restarted.Send(context.Background(), reply(dm, "你没有待办任务")); err != nil {
		t.Fatal(err)
	}
	if msgs := r.emu.Messages(); len(msgs) != 1 || msgs[0].Via != "oto" || len(msgs[0].UserIDs) != 1 ||
		msgs[0].UserIDs[0] != "s9" || msgs[0].Text != "你没有待办任务" {
		t.Errorf("messages = %+v, want one to s9 through batchSend", msgs)
	}
}

// A picture gets a short answer saying only text is read, once even when
// the callback comes again, and nothing is delivered to the kernel.
func TestNonTextMessageAnsweredOnce(t *testing.T) {
	r := newRig(t)
	m := &dingtalktest.InMessage{StaffID: "staff1", Nick: "王小明", AtBot: true, MsgType: "picture"}
	for range 2 {
		if status, body := r.drv.Message(t, m); status != http.StatusOK {
			t.Fatalf("callback = %d %s", status, body)
		}
	}
	if evs := r.sink.Events(); len(evs) != 0 {
		t.Errorf("a picture became events: %+v", evs)
	}
	ms := r.emu.Messages()
	if len(ms) != 1 || !strings.Contains(ms[0].Text, "只能读懂文字") || ms[0].ReplyTo != m.MsgID {
		t.Errorf("answers = %+v, want one polite answer in the conversation", ms)
	}
}
