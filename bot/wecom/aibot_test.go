package wecom_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/bot/wecom"
	"github.com/salesbot/salesbot/bot/wecom/wecomtest"
)

const aibotAESKey = "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut"

func TestAIBotCryptoEmptyReceiveID(t *testing.T) {
	enc, err := wecom.Encrypt([]byte(`{"msgid":"m1"}`), aibotAESKey, "")
	if err != nil {
		t.Fatal(err)
	}
	plain, err := wecom.Decrypt(enc, aibotAESKey, "")
	if err != nil || string(plain) != `{"msgid":"m1"}` {
		t.Fatalf("round trip = %q, %v", plain, err)
	}
	// A payload made for a corp id is not the AI bot's.
	if _, err := wecom.Decrypt(vecEncJSON, vecAESKey, ""); err == nil {
		t.Error("a payload for a corp id decrypted with the empty receive id")
	}
	if _, err := wecom.Decrypt(enc, vecAESKey, ""); err == nil {
		t.Error("decrypted with another key")
	}
	if _, err := wecom.Decrypt("bm90IGEgY2lwaGVydGV4dA==", aibotAESKey, ""); err == nil {
		t.Error("garbage decrypted")
	}
}

// aibotServer mounts an adapter with the AI bot's webhook mode on, its API
// on an emulator.
func aibotServer(t *testing.T) (*wecom.Adapter, *sink, *wecomtest.Emulator, *wecomtest.AIBotDriver) {
	t.Helper()
	emu := wecomtest.New(t, "ww1", "secret1", 1000002)
	cfg := wecom.Config{CorpID: "ww1", AgentID: 1000002, Secret: "secret1", Token: "tok",
		EncodingAESKey: vecAESKey, BaseURL: emu.URL(), AIBotToken: "aitok", AIBotEncodingAESKey: aibotAESKey}
	srv, s, a := server(t, cfg, time.Now().Unix())
	drv := &wecomtest.AIBotDriver{URL: srv.URL + wecom.AIBotCallbackPath, AIBotID: "aib1", Token: "aitok",
		EncodingAESKey: aibotAESKey, Emulator: emu}
	return a, s, emu, drv
}

func TestAIBotCallbacks(t *testing.T) {
	_, s, emu, drv := aibotServer(t)

	if st, body := drv.Verify(t, "echo-123"); st != http.StatusOK || body != "echo-123" {
		t.Fatalf("verify = %d %q", st, body)
	}
	if st, _ := drv.Verify(t, "echo-123", wecomtest.Forged()); st != http.StatusUnauthorized {
		t.Fatalf("forged verify = %d", st)
	}

	st, _, id := drv.GroupText(t, "wrkG1", "lisi", "@销售助手\u2005今天拜访了星河科技", "")
	if st != http.StatusOK {
		t.Fatalf("group = %d", st)
	}
	st, _, id2 := drv.SingleText(t, "lisi", " 帮助 ", "")
	if st != http.StatusOK {
		t.Fatalf("single = %d", st)
	}
	evs := s.got()
	if len(evs) != 2 {
		t.Fatalf("events = %+v", evs)
	}
	g := evs[0]
	if g.ID != id || g.MessageID != id || g.Platform != bot.WeCom || g.TenantKey != "ww1" ||
		g.Chat != (bot.Chat{ID: "aibot:wrkG1", Type: bot.GroupChat}) || g.Sender.ID != "lisi" || g.Text != "今天拜访了星河科技" {
		t.Errorf("group event = %+v", g)
	}
	d := evs[1]
	if d.ID != id2 || d.Chat != (bot.Chat{ID: "lisi", Type: bot.DirectChat}) || d.Text != "帮助" {
		t.Errorf("single event = %+v", d)
	}

	// Refused: forged, stale, signed with the app's token, encrypted for
	// the corp id, not JSON.
	if st, _, _ := drv.GroupText(t, "wrkG1", "lisi", "x", "", wecomtest.Forged()); st != http.StatusUnauthorized {
		t.Errorf("forged = %d", st)
	}
	stale := *drv
	stale.Now = func() time.Time { return time.Now().Add(-301 * time.Second) }
	if st, _, _ := stale.GroupText(t, "wrkG1", "lisi", "x", ""); st != http.StatusUnauthorized {
		t.Errorf("stale = %d", st)
	}
	appSigned := *drv
	appSigned.Token = "tok"
	if st, _, _ := appSigned.GroupText(t, "wrkG1", "lisi", "x", ""); st != http.StatusUnauthorized {
		t.Errorf("signed with the app token = %d", st)
	}
	appDrv := &wecomtest.Driver{URL: drv.URL, CorpID: "ww1", AgentID: 1000002, Token: "aitok", EncodingAESKey: aibotAESKey}
	if st, _, _ := appDrv.Text(t, "lisi", "x", ""); st != http.StatusUnauthorized {
		t.Errorf("XML envelope = %d", st)
	}
	if st, _ := postSigned(t, drv, "ww1"); st != http.StatusBadRequest {
		t.Errorf("encrypted for a corp id = %d", st)
	}
	if len(s.got()) != 2 {
		t.Errorf("refused callbacks delivered: %+v", s.got()[2:])
	}

	// An image: not delivered, answered politely on its response_url.
	img, _ := json.Marshal(map[string]any{"msgid": "img1", "chattype": "group", "chatid": "wrkG1",
		"from": map[string]string{"userid": "lisi"}, "response_url": emu.AIBotResponseURL(), "msgtype": "image",
		"image": map[string]string{"url": "https://x"}})
	if st, _ := drv.Post(t, img); st != http.StatusOK {
		t.Fatalf("image = %d", st)
	}
	emu.WaitForAIBot(t, 5*time.Second, "the polite answer", func(rs []wecomtest.AIBotResponse) bool {
		return len(rs) == 1 && strings.Contains(rs[0].Content, "文字")
	})
	if len(s.got()) != 2 {
		t.Errorf("image delivered as an event")
	}
	// WeCom's retry of the image is not answered again (its response_url
	// is used: a second answer would reach the member through the app).
	// The retry starts no answer at all; the later message only gives a
	// wrongly started one time to show.
	if st, _ := drv.Post(t, img); st != http.StatusOK {
		t.Fatalf("image again = %d", st)
	}
	drv.SingleText(t, "lisi", "barrier", "")
	if n := len(emu.AIBotResponses()) + len(emu.Messages()); n != 1 {
		t.Errorf("%d answers to the image and its retry, want 1: %+v %+v", n, emu.AIBotResponses(), emu.Messages())
	}
}

// postSigned posts a message encrypted for receiveID but signed correctly.
func postSigned(t *testing.T, drv *wecomtest.AIBotDriver, receiveID string) (int, string) {
	t.Helper()
	enc, err := wecom.Encrypt([]byte(`{"msgid":"c1","msgtype":"text","chattype":"single","from":{"userid":"u"},"text":{"content":"x"}}`),
		aibotAESKey, receiveID)
	if err != nil {
		t.Fatal(err)
	}
	ts, nonce := time.Now().Unix(), "n1"
	q := "?msg_signature=" + wecom.Signature(drv.Token, itoa(ts), nonce, enc) + "&timestamp=" + itoa(ts) + "&nonce=" + nonce
	body, _ := json.Marshal(map[string]string{"encrypt": enc})
	resp, err := http.Post(drv.URL+q, "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, ""
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestAIBotReplies(t *testing.T) {
	a, _, emu, drv := aibotServer(t)
	ctx := context.Background()
	_, _, id := drv.GroupText(t, "wrkG1", "lisi", "@bot 今天拜访了星河科技", "")

	// The card: markdown on the response_url, the buttons to the member.
	// The first card send fails (-1): the outbox retries the item, and the
	// used response_url is not posted again.
	card := bot.Outgoing{Platform: bot.WeCom, To: bot.Target{ChatID: "aibot:wrkG1"}, ReplyTo: id, Card: followCard(), Key: "k1"}
	emu.Inject(wecomtest.Fault{Op: "send", ErrCode: -1, ErrMsg: "busy"})
	if _, err := a.Send(ctx, card); err == nil || sendErr(t, err).Permanent {
		t.Fatalf("card send with -1 = %v, want a retry", err)
	}
	mid, err := a.Send(ctx, card)
	if err != nil {
		t.Fatal(err)
	}
	rs := emu.AIBotResponses()
	if len(rs) != 1 || rs[0].MsgType != "markdown" || !strings.Contains(rs[0].Content, "客户:星河科技") ||
		!strings.Contains(rs[0].Content, "在应用私聊中操作") || !strings.Contains(rs[0].Content, "撤销 / 修改") {
		t.Fatalf("response_url replies = %+v", rs)
	}
	ms := emu.Messages()
	if len(ms) != 1 || ms[0].MsgType != "template_card" || ms[0].ToUser != "lisi" || ms[0].TaskID != mid {
		t.Fatalf("app messages = %+v (message id %q)", ms, mid)
	}
	// A second answer: the response_url is used; it goes to the member.
	if _, err := a.Send(ctx, bot.Outgoing{Platform: bot.WeCom, To: bot.Target{ChatID: "aibot:wrkG1"}, ReplyTo: id,
		Text: "还有一件事", Key: "k2"}); err != nil {
		t.Fatal(err)
	}
	ms = emu.Messages()
	if last := ms[len(ms)-1]; last.MsgType != "text" || last.ToUser != "lisi" || last.Content != "还有一件事" {
		t.Errorf("fallback = %+v", last)
	}

	// A response_url WeCom refuses: the answer goes to the member.
	_, _, id2 := drv.GroupText(t, "wrkG1", "lisi", "@bot 帮助", "")
	emu.Inject(wecomtest.Fault{Op: "aibot_response", ErrCode: wecomtest.AIBotCodeUsed, ErrMsg: "expired"})
	if _, err := a.Send(ctx, bot.Outgoing{Platform: bot.WeCom, To: bot.Target{ChatID: "aibot:wrkG1"}, ReplyTo: id2,
		Text: "帮助内容", Key: "k3"}); err != nil {
		t.Fatal(err)
	}
	ms = emu.Messages()
	if last := ms[len(ms)-1]; last.Content != "帮助内容" || last.ToUser != "lisi" {
		t.Errorf("fallback after a refused url = %+v", last)
	}
	// A 5xx is retried (the url may still work).
	_, _, id3 := drv.GroupText(t, "wrkG1", "lisi", "@bot 帮助", "")
	emu.Inject(wecomtest.Fault{Op: "aibot_response", Status: http.StatusBadGateway})
	_, err = a.Send(ctx, bot.Outgoing{Platform: bot.WeCom, To: bot.Target{ChatID: "aibot:wrkG1"}, ReplyTo: id3, Text: "x", Key: "k4"})
	if se := sendErr(t, err); se.Permanent {
		t.Errorf("5xx on the response_url = %+v, want a retry", se)
	}
	if _, err := a.Send(ctx, bot.Outgoing{Platform: bot.WeCom, To: bot.Target{ChatID: "aibot:wrkG1"}, ReplyTo: id3, Text: "x", Key: "k4"}); err != nil {
		t.Fatal(err)
	}
	if n := len(emu.AIBotResponses()); n != 2 {
		t.Errorf("%d response_url replies, want 2", n)
	}

	// A group the bot has no message of: webhook mode cannot post there.
	_, err = a.Send(ctx, bot.Outgoing{Platform: bot.WeCom, To: bot.Target{ChatID: "aibot:wrkOther"}, Text: "digest"})
	if se := sendErr(t, err); !se.Permanent {
		t.Errorf("unprompted group send = %+v, want permanent", se)
	}
	// App direct messages are untouched.
	if _, err := a.Send(ctx, bot.Outgoing{Platform: bot.WeCom, To: bot.Target{ChatID: "lisi"}, ReplyTo: "4561255354251345930", Text: "hi"}); err != nil {
		t.Fatal(err)
	}
}

func TestAIBotRefusesForeignResponseURL(t *testing.T) {
	a, _, emu, drv := aibotServer(t)
	m, _ := json.Marshal(map[string]any{"msgid": "f1", "chattype": "single", "from": map[string]string{"userid": "lisi"},
		"response_url": "http://169.254.169.254/latest", "msgtype": "text", "text": map[string]string{"content": "hi"}})
	if st, _ := drv.Post(t, m); st != http.StatusOK {
		t.Fatalf("post = %d", st)
	}
	if _, err := a.Send(context.Background(), bot.Outgoing{Platform: bot.WeCom, To: bot.Target{ChatID: "lisi"}, ReplyTo: "f1", Text: "hello"}); err != nil {
		t.Fatal(err)
	}
	ms := emu.Messages()
	if len(ms) != 1 || ms[0].ToUser != "lisi" || ms[0].Content != "hello" {
		t.Errorf("messages = %+v", ms)
	}
}

// TestAIBotLongAnswer: an answer longer than a response_url takes goes
// there in part; the rest reaches the member through the app, whose
// markdown carries at most 2048 bytes, in as many messages as it needs —
// nothing lost, nothing refused.
func TestAIBotLongAnswer(t *testing.T) {
	a, _, emu, drv := aibotServer(t)
	_, _, id := drv.GroupText(t, "wrkG1", "lisi", "@bot 本月所有跟进", "")
	var lines []string
	for i := range 160 {
		lines = append(lines, "第"+strconv.Itoa(i)+"条:星河科技张总,报价50万")
	}
	long := strings.Join(lines, "\n") // about 6.5 KB
	// The app's first part fails (-1): the outbox's retry does not post
	// the response_url again, and sends the rest.
	emu.Inject(wecomtest.Fault{Op: "send", ErrCode: -1, ErrMsg: "system busy"})
	out := bot.Outgoing{Platform: bot.WeCom, To: bot.Target{ChatID: "aibot:wrkG1"}, ReplyTo: id, Text: long, Key: "long1"}
	if f := deliver(t, a, out); len(f) != 1 || f[0].Code != "-1" {
		t.Errorf("failures = %+v, want one -1", f)
	}
	rs := emu.AIBotResponses()
	if len(rs) != 1 || len(rs[0].Content) > 4096 {
		t.Fatalf("response_url replies = %d", len(rs))
	}
	got := []string{rs[0].Content}
	for _, m := range emu.Messages() {
		if m.ToUser != "lisi" || m.MsgType != "markdown" {
			t.Errorf("unexpected app message %+v", m)
		}
		got = append(got, m.Content)
	}
	if strings.Join(got, "\n") != long {
		t.Errorf("the answer arrived as %d parts that do not make it up", len(got))
	}
}
