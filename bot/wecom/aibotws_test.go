package wecom_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/bot/wecom"
	"github.com/salesbot/salesbot/bot/wecom/wecomtest"
)

const wsWait = 10 * time.Second

// wsSink records delivered events and answers presses with result; the
// first fail deliveries fail, as when the database is busy.
type wsSink struct {
	mu     sync.Mutex
	events []bot.Event
	result func(bot.Event) bot.Result
	fail   int
	failed int
}

func (s *wsSink) Deliver(ctx context.Context, ev bot.Event) (bot.Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failed < s.fail {
		s.failed++
		return bot.Result{}, errors.New("store event: database is locked")
	}
	s.events = append(s.events, ev)
	if s.result != nil && ev.Kind == bot.KindAction {
		return s.result(ev), nil
	}
	return bot.Result{}, nil
}

func (s *wsSink) got() []bot.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]bot.Event(nil), s.events...)
}

// waitEvents waits until n events were delivered.
func (s *wsSink) waitEvents(t *testing.T, n int) []bot.Event {
	t.Helper()
	deadline := time.Now().Add(wsWait)
	for {
		evs := s.got()
		if len(evs) >= n {
			return evs
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %d events; got %+v", n, evs)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// logs records log lines.
type logs struct {
	mu    sync.Mutex
	lines []slog.Record
}

func (l *logs) Enabled(context.Context, slog.Level) bool { return true }
func (l *logs) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, r.Clone())
	return nil
}
func (l *logs) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logs) WithGroup(string) slog.Handler      { return l }

// find returns the first record whose message contains msg.
func (l *logs) find(msg string) (slog.Record, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range l.lines {
		if strings.Contains(r.Message, msg) {
			return r, true
		}
	}
	return slog.Record{}, false
}

func (l *logs) wait(t *testing.T, msg string) slog.Record {
	t.Helper()
	deadline := time.Now().Add(wsWait)
	for {
		if r, ok := l.find(msg); ok {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for the log line %q", msg)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func attr(r slog.Record, key string) slog.Value {
	var v slog.Value
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == key {
			v = a.Value
			return false
		}
		return true
	})
	return v
}

// wsBot is an adapter with the AI bot in long-connection mode against an
// emulator, the self-built app on another, its clock adjustable.
type wsBot struct {
	a     *wecom.Adapter
	ws    *wecomtest.AIBotWS
	app   *wecomtest.Emulator
	sink  *wsSink
	logs  *logs
	clock atomic.Int64
	stop  func() // cancels Run and waits for it to return
}

func (b *wsBot) advance(d time.Duration) { b.clock.Add(int64(d)) }

type wsOption func(*wecom.Config)

func withoutApp() wsOption {
	return func(c *wecom.Config) { c.Secret, c.Token, c.EncodingAESKey, c.AgentID = "", "", "", 0 }
}

func withSecret(s string) wsOption { return func(c *wecom.Config) { c.AIBotSecret = s } }

// newWSBot builds the adapter; start runs it.
func newWSBot(t *testing.T, opts ...wsOption) *wsBot {
	t.Helper()
	b := &wsBot{ws: wecomtest.NewAIBotWS(t, "aib_ws", "aisecret"), app: wecomtest.New(t, "ww1", "secret1", 1000002),
		sink: &wsSink{}, logs: &logs{}}
	b.clock.Store(time.Now().UnixNano())
	cfg := wecom.Config{CorpID: "ww1", AgentID: 1000002, Secret: "secret1", Token: "tok", EncodingAESKey: vecAESKey,
		BaseURL: b.app.URL(), AIBotID: "aib_ws", AIBotSecret: "aisecret", AIBotWSURL: b.ws.URL(),
		AIBotPing: 20 * time.Millisecond, AIBotAckTimeout: 2 * time.Second,
		AIBotBackoffMin: time.Millisecond, AIBotBackoffMax: 40 * time.Millisecond}
	for _, o := range opts {
		o(&cfg)
	}
	b.a = wecom.New(cfg, slog.New(b.logs), func() time.Time { return time.Unix(0, b.clock.Load()) })
	b.stop = func() {}
	return b
}

func (b *wsBot) start(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.a.Run(ctx, b.sink) }()
	var once sync.Once
	b.stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run = %v", err)
				}
			case <-time.After(wsWait):
				t.Error("Run did not return after its context ended")
			}
		})
	}
	t.Cleanup(b.stop)
}

// startedWSBot is a running bot with its connection subscribed.
func startedWSBot(t *testing.T, opts ...wsOption) *wsBot {
	t.Helper()
	b := newWSBot(t, opts...)
	b.start(t)
	b.ws.WaitSubscribed(t, 1, wsWait)
	waitReady(t, b)
	return b
}

// waitReady waits until the adapter has taken the subscription's ack (the
// emulator counts it when it sends the ack).
func waitReady(t *testing.T, b *wsBot) {
	t.Helper()
	deadline := time.Now().Add(wsWait)
	for {
		_, err := b.a.Send(context.Background(), bot.Outgoing{Platform: bot.WeCom,
			To: bot.Target{ChatID: "aibot:wrkReady"}, Text: "ready?"})
		if err == nil {
			return
		}
		if se := wsSendErr(t, err); se.Code != "aibot_disconnected" || time.Now().After(deadline) {
			t.Fatalf("send while waiting for the connection = %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func wsSendErr(t *testing.T, err error) *bot.SendError {
	t.Helper()
	var se *bot.SendError
	if !errors.As(err, &se) {
		t.Fatalf("error %v is not a SendError", err)
	}
	return se
}

func wsFollowCard() *bot.Card {
	return &bot.Card{Header: bot.Header{Title: "已记录跟进", Status: bot.StatusSuccess},
		Elements: []bot.Element{bot.Fields(bot.Field{Label: "客户", Value: "星河科技"}, bot.Field{Label: "金额", Value: "50万"}),
			bot.Note("24 小时内可以撤销。")},
		Actions: []bot.Action{{ID: "followup.undo", Label: "撤销", Style: bot.ButtonDanger, Ref: "secret-ref"},
			{ID: "followup.edit", Label: "修改"}}}
}

func lastCommand(t *testing.T, cs []wecomtest.AIBotCommand, cmd string) wecomtest.AIBotCommand {
	t.Helper()
	acc := wecomtest.Accepted(cs, cmd)
	if len(acc) == 0 {
		t.Fatalf("no accepted %s among %+v", cmd, cs)
	}
	return acc[len(acc)-1]
}

// Messages over the long connection become the same events as in webhook
// mode: group chat ids "aibot:<chatid>" with the @mention stripped, single
// chats the member's direct chat, msgid the event id; mixed messages are
// read for their text; enter_chat gets a welcome.
func TestAIBotWSMessages(t *testing.T) {
	b := startedWSBot(t)
	b.app.AddUser(wecomtest.User{UserID: "lisi", Name: "李四", Departments: []int{1}})
	id, _ := b.ws.SendGroupText(t, "wrkG1", "lisi", "@销售助手\u2005今天拜访了星河科技", "")
	id2, _ := b.ws.SendSingleText(t, "lisi", " 帮助 ", "")
	b.ws.PushMessage(t, map[string]any{"msgid": "mixed1", "aibotid": "aib_ws", "chatid": "wrkG1", "chattype": "group",
		"from": map[string]string{"userid": "wangwu"}, "msgtype": "mixed",
		"mixed": map[string]any{"msg_item": []any{
			map[string]any{"msgtype": "text", "text": map[string]string{"content": "@销售助手 这是今天的拜访照片"}},
			map[string]any{"msgtype": "image", "image": map[string]string{"url": "https://x", "aeskey": "k"}}}}})
	evs := b.sink.waitEvents(t, 3)
	g := evs[0]
	if g.ID != id || g.MessageID != id || g.Platform != bot.WeCom || g.TenantKey != "ww1" || g.Kind != bot.KindMessage ||
		g.Chat != (bot.Chat{ID: "aibot:wrkG1", Type: bot.GroupChat}) || g.Sender != (bot.User{ID: "lisi", Name: "李四"}) ||
		g.Text != "今天拜访了星河科技" {
		t.Errorf("group event = %+v", g)
	}
	if d := evs[1]; d.ID != id2 || d.Chat != (bot.Chat{ID: "lisi", Type: bot.DirectChat}) || d.Text != "帮助" {
		t.Errorf("single event = %+v", d)
	}
	if m := evs[2]; m.ID != "mixed1" || m.Text != "这是今天的拜访照片" || m.Sender.ID != "wangwu" {
		t.Errorf("mixed event = %+v", m)
	}

	reqID := b.ws.EnterChat(t, "lisi")
	cs := b.ws.WaitFor(t, wsWait, "the welcome", func(cs []wecomtest.AIBotCommand) bool {
		return len(wecomtest.Accepted(cs, "aibot_respond_welcome_msg")) == 1
	})
	w := lastCommand(t, cs, "aibot_respond_welcome_msg")
	if w.ReqID != reqID || w.MsgType() != "text" || !strings.Contains(w.Content(), "销售助手") {
		t.Errorf("welcome = %+v", w)
	}
	if n := len(b.sink.got()); n != 3 {
		t.Errorf("enter_chat delivered as an event: %d events", n)
	}

	// An image: not an event; answered politely on its req_id.
	imgReq := b.ws.PushMessage(t, map[string]any{"msgid": "img1", "aibotid": "aib_ws", "chatid": "wrkG1", "chattype": "group",
		"from": map[string]string{"userid": "lisi"}, "msgtype": "image", "image": map[string]string{"url": "https://x", "aeskey": "k"}})
	cs = b.ws.WaitFor(t, wsWait, "the polite answer", func(cs []wecomtest.AIBotCommand) bool {
		return len(wecomtest.Accepted(cs, "aibot_respond_msg")) == 1
	})
	if p := lastCommand(t, cs, "aibot_respond_msg"); p.ReqID != imgReq || !strings.Contains(p.Content(), "文字") {
		t.Errorf("polite answer = %s", p.Raw)
	}
	if n := len(b.sink.got()); n != 3 {
		t.Errorf("the image was delivered as an event: %d events", n)
	}
}

// Wrong credentials: WeCom acks 853000 and closes; the adapter says so in
// the log, waits the longest back-off before trying again, and connects
// once the secret is right.
func TestAIBotWSBadCredentials(t *testing.T) {
	b := newWSBot(t)
	b.ws.SetSecret("rotated")
	if _, err := b.a.Send(context.Background(), bot.Outgoing{To: bot.Target{ChatID: "aibot:wrkG1"}, Text: "x"}); err == nil ||
		wsSendErr(t, err).Permanent {
		t.Fatalf("send before the connection = %v, want a retry", err)
	}
	b.start(t)
	b.ws.WaitRefused(t, 2, wsWait)
	r := b.logs.wait(t, "subscription refused")
	if attr(r, "errcode").Int64() != wecomtest.AIBotWSCodeAuth {
		t.Errorf("refusal logged as %v", r)
	}
	// The retry after a refusal waits half the maximum back-off or more.
	next := b.logs.wait(t, "reconnecting")
	if d := attr(next, "in").Duration(); d < 20*time.Millisecond {
		t.Errorf("retry after refused credentials in %v, want >= 20ms (max back-off 40ms)", d)
	}
	if _, err := b.a.Send(context.Background(), bot.Outgoing{To: bot.Target{ChatID: "aibot:wrkG1"}, Text: "x"}); err == nil ||
		wsSendErr(t, err).Code != "aibot_disconnected" {
		t.Fatalf("send while refused = %v, want aibot_disconnected", err)
	}
	b.ws.SetSecret("aisecret")
	b.ws.WaitSubscribed(t, 1, wsWait)
	waitReady(t, b)
}

// Pings go out on their interval; when WeCom stops acking them the link is
// dead: the adapter drops it and subscribes again.
func TestAIBotWSDeadLink(t *testing.T) {
	b := startedWSBot(t)
	b.ws.IgnorePings(true)
	b.logs.wait(t, "reconnecting")
	b.ws.IgnorePings(false)
	b.ws.WaitSubscribed(t, 2, wsWait)
	if r, _ := b.logs.find("reconnecting"); !strings.Contains(attr(r, "err").String(), "pings unanswered") {
		t.Errorf("reconnect logged as %v", r)
	}
	waitReady(t, b)
	b.ws.SendGroupText(t, "wrkG1", "lisi", "@bot 还在吗", "")
	b.sink.waitEvents(t, 1)
}

// An answer goes out with the message's req_id: text as a finished
// markdown stream, a card with buttons as a button_interaction card whose
// task_id comes from the outbox key — in the group itself.
func TestAIBotWSReplies(t *testing.T) {
	b := startedWSBot(t)
	ctx := context.Background()
	id, reqID := b.ws.SendGroupText(t, "wrkG1", "lisi", "@bot 帮助", "")
	b.sink.waitEvents(t, 1)
	mid, err := b.a.Send(ctx, bot.Outgoing{Platform: bot.WeCom, To: bot.Target{ChatID: "aibot:wrkG1"}, ReplyTo: id,
		Text: "可以这样说:今天拜访了…", Key: "k1"})
	if err != nil || mid != id {
		t.Fatalf("text answer = %q, %v", mid, err)
	}
	r := lastCommand(t, b.ws.Commands(), "aibot_respond_msg")
	stream, _ := r.Body["stream"].(map[string]any)
	if r.ReqID != reqID || r.MsgType() != "stream" || stream["finish"] != true || stream["id"] != "k1" ||
		r.Content() != "可以这样说:今天拜访了…" {
		t.Errorf("text answer = %s", r.Raw)
	}

	id2, reqID2 := b.ws.SendGroupText(t, "wrkG1", "lisi", "@bot 今天拜访了星河科技,报价50万", "")
	b.sink.waitEvents(t, 2)
	mid, err = b.a.Send(ctx, bot.Outgoing{Platform: bot.WeCom, To: bot.Target{ChatID: "aibot:wrkG1"}, ReplyTo: id2,
		Card: wsFollowCard(), Key: "0193-card-key"})
	if err != nil || mid != "0193-card-key" {
		t.Fatalf("card answer = %q, %v", mid, err)
	}
	c := lastCommand(t, b.ws.Commands(), "aibot_respond_msg")
	card := c.Card()
	buttons, _ := card["button_list"].([]any)
	if c.ReqID != reqID2 || c.MsgType() != "template_card" || card["card_type"] != "button_interaction" ||
		card["task_id"] != "0193-card-key" || len(buttons) != 2 || !strings.Contains(c.Raw, "星河科技") {
		t.Fatalf("card answer = %s", c.Raw)
	}
	if b0, _ := buttons[0].(map[string]any); b0["key"] != "followup.undo" || b0["text"] != "撤销" {
		t.Errorf("first button = %v", b0)
	}
	if strings.Contains(c.Raw, "secret-ref") {
		t.Error("an action's ref left the bot")
	}
	// Nothing went through the app.
	if ms := b.app.Messages(); len(ms) != 0 {
		t.Errorf("app messages = %+v", ms)
	}
}

// Unprompted messages (progress cards, notices) go with aibot_send_msg:
// to a group by its chatid, to a member by their userid when there is no
// app; with the app, members are reached through it.
func TestAIBotWSProactiveSend(t *testing.T) {
	b := startedWSBot(t)
	ctx := context.Background()
	progress := &bot.Card{Header: bot.Header{Title: "华东一组 今日进度"},
		Elements: []bot.Element{{Kind: bot.ElemProgress, Progress: []bot.ProgressRow{{Label: "张三", Percent: 40, Marker: 50}}}}}
	if _, err := b.a.Send(ctx, bot.Outgoing{Platform: bot.WeCom, To: bot.Target{ChatID: "aibot:wrkTeam"}, Card: progress, Key: "p1"}); err != nil {
		t.Fatal(err)
	}
	p := lastCommand(t, b.ws.Commands(), "aibot_send_msg")
	if p.Body["chatid"] != "wrkTeam" || p.MsgType() != "markdown" || !strings.Contains(p.Content(), "华东一组 今日进度") ||
		!strings.Contains(p.Content(), "张三") {
		t.Errorf("progress card = %s", p.Raw)
	}
	id, err := b.a.Send(ctx, bot.Outgoing{Platform: bot.WeCom, To: bot.Target{ChatID: "aibot:wrkTeam"}, Card: wsFollowCard(), Key: "c1"})
	if err != nil || id != "c1" {
		t.Fatalf("button card = %q, %v", id, err)
	}
	c := lastCommand(t, b.ws.Commands(), "aibot_send_msg")
	if c.Body["chatid"] != "wrkTeam" || c.MsgType() != "template_card" || c.Card()["task_id"] != "c1" {
		t.Errorf("button card = %s", c.Raw)
	}
	// A card that renders to nothing is refused for good.
	_, err = b.a.Send(ctx, bot.Outgoing{Platform: bot.WeCom, To: bot.Target{ChatID: "aibot:wrkTeam"}, Card: &bot.Card{}})
	if se := wsSendErr(t, err); !se.Permanent || se.Code != "bad_message" {
		t.Errorf("empty card = %+v, want a permanent bad_message", se)
	}
	// A member: through the app.
	if _, err := b.a.Send(ctx, bot.Outgoing{Platform: bot.WeCom, To: bot.Target{UserID: "lisi"}, Text: "晨报"}); err != nil {
		t.Fatal(err)
	}
	if ms := b.app.Messages(); len(ms) != 1 || ms[0].ToUser != "lisi" || ms[0].Content != "晨报" {
		t.Errorf("app messages = %+v", ms)
	}
}

func TestAIBotWSWithoutApp(t *testing.T) {
	b := startedWSBot(t, withoutApp())
	ctx := context.Background()
	if _, err := b.a.Send(ctx, bot.Outgoing{Platform: bot.WeCom, To: bot.Target{UserID: "lisi"}, Text: "晨报"}); err != nil {
		t.Fatal(err)
	}
	m := lastCommand(t, b.ws.Commands(), "aibot_send_msg")
	if m.Body["chatid"] != "lisi" || m.Content() != "晨报" {
		t.Errorf("direct message = %s", m.Raw)
	}
	if n := b.app.Requests("send"); n != 0 {
		t.Errorf("%d app sends without an app", n)
	}
}

// A req_id WeCom refuses (unknown, used, expired): the answer goes to the
// chat unprompted; where even that is refused, the app answers the member.
// After a restart (message unknown) a group answer goes unprompted too.
func TestAIBotWSReplyFallback(t *testing.T) {
	b := startedWSBot(t)
	ctx := context.Background()
	id, _ := b.ws.SendGroupText(t, "wrkG1", "lisi", "@bot 帮助", "")
	b.sink.waitEvents(t, 1)
	b.ws.FailNext("aibot_respond_msg", wecomtest.AIBotWSCodeBadReqID)
	if _, err := b.a.Send(ctx, bot.Outgoing{To: bot.Target{ChatID: "aibot:wrkG1"}, ReplyTo: id, Text: "帮助内容", Key: "k1"}); err != nil {
		t.Fatal(err)
	}
	cs := b.ws.Commands()
	if last := cs[len(cs)-1]; last.Cmd != "aibot_send_msg" || last.ErrCode != 0 || last.Body["chatid"] != "wrkG1" ||
		last.Content() != "帮助内容" {
		t.Errorf("fallback = %s", last.Raw)
	}

	id2, _ := b.ws.SendSingleText(t, "lisi", "帮助", "")
	b.sink.waitEvents(t, 2)
	b.ws.FailNext("aibot_respond_msg", wecomtest.AIBotWSCodeExpired)
	b.ws.FailNext("aibot_send_msg", 40058)
	if _, err := b.a.Send(ctx, bot.Outgoing{To: bot.Target{ChatID: "lisi"}, ReplyTo: id2, Text: "单聊帮助", Key: "k2"}); err != nil {
		t.Fatal(err)
	}
	if ms := b.app.Messages(); len(ms) != 1 || ms[0].ToUser != "lisi" || ms[0].Content != "单聊帮助" {
		t.Errorf("app fallback = %+v", ms)
	}

	if _, err := b.a.Send(ctx, bot.Outgoing{To: bot.Target{ChatID: "aibot:wrkG1"}, ReplyTo: "forgotten-msgid", Text: "重启之后"}); err != nil {
		t.Fatal(err)
	}
	if last := lastCommand(t, b.ws.Commands(), "aibot_send_msg"); last.Content() != "重启之后" || last.Body["chatid"] != "wrkG1" {
		t.Errorf("answer to an unknown message = %s", last.Raw)
	}

	// Errcodes map to the outbox's retry rules.
	b.ws.FailNext("aibot_send_msg", 45009)
	_, err := b.a.Send(ctx, bot.Outgoing{To: bot.Target{ChatID: "aibot:wrkG1"}, Text: "x"})
	if se := wsSendErr(t, err); se.Permanent || se.Scope != "app" {
		t.Errorf("45009 = %+v, want an app-wide retry", se)
	}
	b.ws.FailNext("aibot_send_msg", 40058)
	_, err = b.a.Send(ctx, bot.Outgoing{To: bot.Target{ChatID: "aibot:wrkG1"}, Text: "x"})
	if se := wsSendErr(t, err); !se.Permanent || se.Code != "40058" {
		t.Errorf("40058 = %+v, want permanent", se)
	}
}

// A dropped connection is dialled again; meanwhile sends are retried later.
func TestAIBotWSReconnect(t *testing.T) {
	b := startedWSBot(t)
	b.ws.Drop()
	b.ws.WaitSubscribed(t, 2, wsWait)
	waitReady(t, b)
	id, reqID := b.ws.SendGroupText(t, "wrkG1", "lisi", "@bot 帮助", "")
	b.sink.waitEvents(t, 1)
	if _, err := b.a.Send(context.Background(), bot.Outgoing{To: bot.Target{ChatID: "aibot:wrkG1"}, ReplyTo: id, Text: "在的", Key: "k"}); err != nil {
		t.Fatal(err)
	}
	if r := lastCommand(t, b.ws.Commands(), "aibot_respond_msg"); r.ReqID != reqID {
		t.Errorf("answer on the new connection = %s", r.Raw)
	}
}

// Cancelling Run closes the connection with a close frame and does not
// dial again.
func TestAIBotWSShutdown(t *testing.T) {
	b := startedWSBot(t)
	b.stop()
	deadline := time.Now().Add(wsWait)
	for b.ws.CloseFrames() != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("%d close frames, want 1", b.ws.CloseFrames())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if ok, _ := b.ws.Subscriptions(); ok != 1 {
		t.Errorf("%d subscriptions, want 1", ok)
	}
	if _, err := b.a.Send(context.Background(), bot.Outgoing{To: bot.Target{ChatID: "aibot:wrkG1"}, Text: "x"}); err == nil ||
		wsSendErr(t, err).Code != "aibot_disconnected" {
		t.Errorf("send after shutdown = %v", err)
	}
}

// A second process subscribing with the same bot replaces the first, which
// gets disconnected_event and stays off until it is restarted — two
// processes taking the connection from each other would never settle.
func TestAIBotWSDisconnectedEvent(t *testing.T) {
	b := startedWSBot(t)
	otherLogs := &logs{}
	other := wecom.New(wecom.Config{CorpID: "ww1", AIBotID: "aib_ws", AIBotSecret: "aisecret", AIBotWSURL: b.ws.URL(),
		AIBotPing: time.Hour}, slog.New(otherLogs), nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- other.Run(ctx, &wsSink{}) }()
	b.ws.WaitSubscribed(t, 2, wsWait)
	b.logs.wait(t, "replaced by a newer connection")
	// Run has logged that it waits for its context: no new dial follows.
	if ok, _ := b.ws.Subscriptions(); ok != 2 {
		t.Errorf("%d subscriptions, want 2", ok)
	}
	if _, err := b.a.Send(context.Background(), bot.Outgoing{To: bot.Target{ChatID: "aibot:wrkG1"}, Text: "x"}); err == nil ||
		wsSendErr(t, err).Code != "aibot_disconnected" {
		t.Errorf("send from the replaced process = %v", err)
	}
	// The emulator's own Kick does the same to the other process, whose
	// Run then waits for its context.
	b.ws.Kick()
	otherLogs.wait(t, "replaced by a newer connection")
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v", err)
	}
}

// Malformed frames and callbacks are logged and skipped; the connection
// stays up and later messages arrive.
func TestAIBotWSMalformedFrames(t *testing.T) {
	b := startedWSBot(t)
	for _, f := range []string{
		`not json`,
		`{"cmd":"aibot_msg_callback","headers":{"req_id":"r1"},"body":"a string"}`,
		`{"cmd":"aibot_msg_callback","headers":{"req_id":"r2"},"body":{"msgtype":"text","text":{"content":"no msgid"}}}`,
		`{"cmd":"aibot_event_callback","headers":{"req_id":"r3"},"body":{"msgid":"e1","msgtype":"event"}}`,
		`{"cmd":"aibot_event_callback","headers":{"req_id":"r4"},"body":{"msgid":"e2","msgtype":"event","from":{"userid":"lisi"},"event":{"eventtype":"template_card_event"}}}`,
		`{"headers":{"req_id":"unknown_1"},"errcode":0,"errmsg":"ok"}`,
		`{"cmd":"aibot_something_new","headers":{"req_id":"r5"},"body":{}}`,
	} {
		b.ws.SendRaw(t, f)
	}
	id, _ := b.ws.SendGroupText(t, "wrkG1", "lisi", "@bot 帮助", "")
	evs := b.sink.waitEvents(t, 1)
	if len(evs) != 1 || evs[0].ID != id {
		t.Errorf("events = %+v", evs)
	}
	if ok, _ := b.ws.Subscriptions(); ok != 1 {
		t.Errorf("%d subscriptions: a malformed frame broke the connection", ok)
	}
	for _, msg := range []string{"malformed frame ignored", "malformed callback ignored", "without msgid",
		"without event", "without event_key", "unexpected frame ignored"} {
		if _, ok := b.logs.find(msg); !ok {
			t.Errorf("no log line %q", msg)
		}
	}
}

// A message WeCom pushes twice (same msgid) is delivered once.
func TestAIBotWSDuplicateMsgID(t *testing.T) {
	b := startedWSBot(t)
	id, _ := b.ws.SendGroupText(t, "wrkG1", "lisi", "@bot 今天拜访了星河科技", "")
	b.ws.SendGroupText(t, "wrkG1", "lisi", "@bot 今天拜访了星河科技", id)
	id3, _ := b.ws.SendGroupText(t, "wrkG1", "lisi", "@bot 帮助", "")
	// Callbacks are handled in order: the third arrives after the second.
	evs := b.sink.waitEvents(t, 2)
	if len(evs) != 2 || evs[0].ID != id || evs[1].ID != id3 {
		t.Errorf("events = %+v", evs)
	}
}

// A press on a card in the group: delivered as an action on the card (its
// task_id's root), the card's new version sent with the press's req_id
// within 5 s; later, as a new card. A press that only has a toast (not
// allowed) tells the presser privately.
func TestAIBotWSCardPress(t *testing.T) {
	b := startedWSBot(t)
	ctx := context.Background()
	undone := &bot.Card{Header: bot.Header{Title: "已撤销"}, Elements: []bot.Element{bot.Note("这条跟进已撤销。")}}
	b.sink.result = func(ev bot.Event) bot.Result {
		if ev.Sender.ID == "wangwu" {
			return bot.Result{Denied: true, Toast: "只有记录人可以撤销"}
		}
		return bot.Result{Toast: "已撤销", Card: undone}
	}
	id, _ := b.ws.SendGroupText(t, "wrkG1", "lisi", "@bot 今天拜访了星河科技", "")
	b.sink.waitEvents(t, 1)
	taskID, err := b.a.Send(ctx, bot.Outgoing{To: bot.Target{ChatID: "aibot:wrkG1"}, ReplyTo: id, Card: wsFollowCard(), Key: "card1"})
	if err != nil {
		t.Fatal(err)
	}

	pressReq := b.ws.ClickCard(t, "wrkG1", "lisi", taskID, "followup.undo")
	ev := b.sink.waitEvents(t, 2)[1]
	if ev.Kind != bot.KindAction || ev.MessageID != "card1" || ev.Action == nil || ev.Action.ID != "followup.undo" ||
		ev.Chat != (bot.Chat{ID: "aibot:wrkG1", Type: bot.GroupChat}) || ev.Sender.ID != "lisi" || ev.ID == "" {
		t.Fatalf("press event = %+v", ev)
	}
	// The kernel's outbox sends the new version.
	if id, err := b.a.Send(ctx, bot.Outgoing{To: bot.Target{ChatID: "aibot:wrkG1"}, UpdateMessageID: "card1", Card: undone}); err != nil || id != "card1" {
		t.Fatalf("update = %q, %v", id, err)
	}
	u := lastCommand(t, b.ws.Commands(), "aibot_respond_update_msg")
	if u.ReqID != pressReq || u.Body["response_type"] != "update_template_card" ||
		u.Card()["card_type"] != "text_notice" || !strings.Contains(u.Raw, "已撤销") {
		t.Errorf("update = %s", u.Raw)
	}

	// Too late for the press's req_id: a new card in the group.
	b.ws.ClickCard(t, "wrkG1", "lisi", taskID, "followup.edit")
	b.sink.waitEvents(t, 3)
	b.advance(6 * time.Second)
	edit := wsFollowCard()
	edit.Header.Title = "修改跟进"
	if _, err := b.a.Send(ctx, bot.Outgoing{To: bot.Target{ChatID: "aibot:wrkG1"}, UpdateMessageID: "card1", Card: edit}); err != nil {
		t.Fatal(err)
	}
	n := lastCommand(t, b.ws.Commands(), "aibot_send_msg")
	if n.Body["chatid"] != "wrkG1" || n.Card()["task_id"] != "card1_r1" || !strings.Contains(n.Raw, "修改跟进") {
		t.Errorf("late update = %s", n.Raw)
	}
	// A press on the re-sent card names the original.
	b.ws.ClickCard(t, "wrkG1", "lisi", "card1_r1", "followup.undo")
	if ev := b.sink.waitEvents(t, 4)[3]; ev.MessageID != "card1" {
		t.Errorf("press on the re-sent card = %+v", ev)
	}

	// Someone else presses: the toast goes to them alone.
	b.ws.ClickCard(t, "wrkG1", "wangwu", taskID, "followup.undo")
	cs := b.ws.WaitFor(t, wsWait, "the toast", func(cs []wecomtest.AIBotCommand) bool {
		for _, c := range wecomtest.Accepted(cs, "aibot_send_msg") {
			if c.Body["chatid"] == "wangwu" {
				return true
			}
		}
		return false
	})
	if last := lastCommand(t, cs, "aibot_send_msg"); last.Content() != "只有记录人可以撤销" {
		t.Errorf("toast = %s", last.Raw)
	}
}

// The long connection has no re-delivery: a message the sink fails to
// store (a busy database) is handed to it again; when it still fails, the
// member is told to send it again rather than left without an answer.
func TestAIBotWSDeliverFailure(t *testing.T) {
	b := startedWSBot(t)
	b.sink.mu.Lock()
	b.sink.fail = 2
	b.sink.mu.Unlock()
	id, _ := b.ws.SendGroupText(t, "wrkG1", "lisi", "@bot 今天拜访了星河科技", "")
	if evs := b.sink.waitEvents(t, 1); evs[0].ID != id {
		t.Fatalf("events = %+v", evs)
	}

	b.sink.mu.Lock()
	b.sink.fail, b.sink.failed = 3, 0
	b.sink.mu.Unlock()
	_, reqID := b.ws.SendGroupText(t, "wrkG1", "lisi", "@bot 回款到账了", "")
	cs := b.ws.WaitFor(t, wsWait, "the notice", func(cs []wecomtest.AIBotCommand) bool {
		return len(wecomtest.Accepted(cs, "aibot_respond_msg")) == 1
	})
	if r := lastCommand(t, cs, "aibot_respond_msg"); r.ReqID != reqID || !strings.Contains(r.Content(), "再发一次") {
		t.Errorf("notice = %s", r.Raw)
	}
	if n := len(b.sink.got()); n != 1 {
		t.Errorf("%d events, want 1", n)
	}

	// A press that cannot be stored: the presser is told, privately.
	b.sink.mu.Lock()
	b.sink.fail, b.sink.failed = 3, 0
	b.sink.mu.Unlock()
	b.ws.ClickCard(t, "wrkG1", "wangwu", "card9", "followup.undo")
	cs = b.ws.WaitFor(t, wsWait, "the press notice", func(cs []wecomtest.AIBotCommand) bool {
		for _, c := range wecomtest.Accepted(cs, "aibot_send_msg") {
			if c.Body["chatid"] == "wangwu" {
				return true
			}
		}
		return false
	})
	if last := lastCommand(t, cs, "aibot_send_msg"); !strings.Contains(last.Content(), "再点一次") {
		t.Errorf("press notice = %s", last.Raw)
	}
}
