package lark_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/bot/bottest"
	"github.com/salesbot/salesbot/bot/lark"
	"github.com/salesbot/salesbot/bot/lark/larktest"
)

func TestDecryptOfficialVector(t *testing.T) {
	got, err := lark.Decrypt("P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=", "test key")
	if err != nil || string(got) != "hello world" {
		t.Fatalf("Decrypt = %q, %v; want hello world", got, err)
	}
	if _, err := lark.Decrypt("P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=", "other key"); err == nil {
		t.Error("decrypting with the wrong key should fail")
	}
	enc, err := lark.Encrypt([]byte(`{"a":1}`), "k")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := lark.Decrypt(enc, "k"); err != nil || string(got) != `{"a":1}` {
		t.Errorf("round trip = %q, %v", got, err)
	}
}

func TestSignatureVector(t *testing.T) {
	got := lark.Signature("1700000000", "nonce1", "ekey", []byte(`{"encrypt":"abc"}`))
	if want := "2eca4f3ac5376c6dded4e69a1f13ac45d96702061f87c3bdd5d361cc3fabf644"; got != want {
		t.Fatalf("Signature = %s, want %s", got, want)
	}
}

type rig struct {
	emu  *larktest.Emulator
	a    *lark.Adapter
	sink *bottest.FakeSink
	drv  *larktest.Driver
}

func newRig(t *testing.T) *rig {
	t.Helper()
	appID := larktest.NewID("cli_")
	emu := larktest.New(t, appID, "secret-"+appID)
	emu.AddUser(larktest.User{OpenID: "ou_rep", Name: "王小明"})
	emu.AddUser(larktest.User{OpenID: "ou_li", Name: "李四"})
	a := lark.New(lark.Config{AppID: appID, AppSecret: "secret-" + appID, VerificationToken: "vtok",
		EncryptKey: "ekey", Mode: lark.ModeWebhook, BaseURL: emu.URL()}, nil, nil)
	sink := &bottest.FakeSink{Tenants: map[string]bool{"tk1": true}}
	mux := http.NewServeMux()
	for p, h := range a.Routes(sink) {
		mux.Handle(p, h)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	drv := &larktest.Driver{URL: srv.URL + lark.CallbackPath, AppID: appID, VerificationToken: "vtok",
		EncryptKey: "ekey", TenantKey: "tk1", Emulator: emu}
	return &rig{emu: emu, a: a, sink: sink, drv: drv}
}

func TestWebhookMessage(t *testing.T) {
	r := newRig(t)
	m := &larktest.InMessage{ChatID: "oc_team", OpenID: "ou_rep", ParentID: "om_card",
		Text:     "@_user_1 今天拜访了星河科技张总 @_user_2 跟进一下",
		Mentions: []larktest.InMention{larktest.BotMention(), {Key: "@_user_2", OpenID: "ou_li", Name: "李四"}}}
	status, body := r.drv.Message(t, m)
	if status != 200 {
		t.Fatalf("status %d %s", status, body)
	}
	evs := r.sink.Events()
	if len(evs) != 1 {
		t.Fatalf("events = %+v", evs)
	}
	ev := evs[0]
	if ev.ID != m.MessageID || ev.MessageID != m.MessageID || ev.Kind != bot.KindMessage || ev.Platform != bot.Lark {
		t.Errorf("ids: %+v", ev)
	}
	if ev.Text != "今天拜访了星河科技张总 @李四 跟进一下" {
		t.Errorf("text = %q", ev.Text)
	}
	if len(ev.Mentions) != 1 || ev.Mentions[0] != (bot.Mention{UserID: "ou_li", Name: "李四"}) {
		t.Errorf("mentions = %+v", ev.Mentions)
	}
	if ev.Sender != (bot.User{ID: "ou_rep", Name: "王小明"}) || ev.Chat.ID != "oc_team" || ev.Chat.Type != bot.GroupChat ||
		ev.TenantKey != "tk1" || ev.ThreadID != "om_card" {
		t.Errorf("event = %+v", ev)
	}

	// Lark re-delivers with a new event id; the message id dedupes it.
	m.EventID = ""
	if status, _ := r.drv.Message(t, m); status != 200 {
		t.Fatalf("re-delivery status %d", status)
	}
	if n := len(r.sink.Events()); n != 1 {
		t.Errorf("re-delivery produced %d events", n)
	}
}

func TestWebhookRefusesBadRequests(t *testing.T) {
	r := newRig(t)
	ev := r.drv.MessageEvent(&larktest.InMessage{ChatID: "oc_team", OpenID: "ou_rep", Text: "hi"})
	cases := []struct {
		name string
		opts []larktest.PostOption
		want int
	}{
		{"forged signature", []larktest.PostOption{larktest.Forged()}, 401},
		{"stale timestamp", []larktest.PostOption{larktest.Skew(-301 * time.Second)}, 401},
		{"future timestamp", []larktest.PostOption{larktest.Skew(301 * time.Second)}, 401},
		{"missing headers", []larktest.PostOption{larktest.Unsigned()}, 401},
		{"not encrypted", []larktest.PostOption{larktest.Plain()}, 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if status, body := r.drv.Post(t, ev, c.opts...); status != c.want {
				t.Errorf("status %d %s, want %d", status, body, c.want)
			}
		})
	}
	if status, _ := r.drv.PostRaw(t, []byte("not json"), larktest.Plain()); status != 400 {
		t.Errorf("body not JSON: %d", status)
	}
	if status, _ := r.drv.PostRaw(t, []byte(`{"encrypt":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}`), larktest.Plain()); status != 400 {
		t.Errorf("undecryptable body: %d", status)
	}
	wrongToken := *r.drv
	wrongToken.VerificationToken = "nope"
	if status, _ := wrongToken.Message(t, &larktest.InMessage{ChatID: "oc_team", OpenID: "ou_rep", Text: "hi"}); status != 401 {
		t.Errorf("wrong verification token: %d", status)
	}
	if n := len(r.sink.Events()); n != 0 {
		t.Errorf("refused requests stored %d events", n)
	}
}

func TestURLVerification(t *testing.T) {
	r := newRig(t)
	for _, plain := range []bool{false, true} {
		var opts []larktest.PostOption
		if plain {
			opts = append(opts, larktest.Plain())
		}
		status, body := r.drv.Challenge(t, "abc123", opts...)
		if status != 200 || !strings.Contains(string(body), `"challenge":"abc123"`) {
			t.Errorf("plain=%v: %d %s", plain, status, body)
		}
	}
	bad := *r.drv
	bad.VerificationToken = "nope"
	if status, _ := bad.Challenge(t, "x"); status != 401 {
		t.Errorf("challenge with a wrong token: %d", status)
	}
}

func TestUnknownEventAndNonText(t *testing.T) {
	r := newRig(t)
	ev := map[string]any{"schema": "2.0", "header": map[string]any{"event_id": "e1", "event_type": "im.chat.updated_v1",
		"token": "vtok", "app_id": r.drv.AppID, "tenant_key": "tk1"}, "event": map[string]any{}}
	if status, _ := r.drv.Post(t, ev); status != 200 {
		t.Errorf("unknown event: %d", status)
	}
	m := &larktest.InMessage{ChatID: "oc_team", OpenID: "ou_rep", MsgType: "image", Content: `{"image_key":"img_1"}`}
	if status, _ := r.drv.Message(t, m); status != 200 {
		t.Errorf("image: %d", status)
	}
	msgs := r.emu.WaitFor(t, 5*time.Second, "polite answer", func(ms []larktest.Message) bool { return len(ms) == 1 })
	if msgs[0].ReplyTo != m.MessageID || !strings.Contains(msgs[0].Content, "文字") {
		t.Errorf("answer = %+v", msgs[0])
	}
	if n := len(r.sink.Events()); n != 0 {
		t.Errorf("%d events delivered", n)
	}
}

func TestCardClick(t *testing.T) {
	r := newRig(t)
	r.sink.SetResult(bot.Result{Toast: "已撤销", Card: &bot.Card{Header: bot.Header{Title: "跟进已撤销", Status: bot.StatusNeutral}}})
	ans := r.drv.Press(t, &larktest.Click{MessageID: "om_card", ChatID: "oc_team", OpenID: "ou_rep", Action: "followup.undo"})
	if ans.Toast == nil || ans.Toast.Content != "已撤销" || ans.Toast.Type != "success" {
		t.Errorf("toast = %+v", ans.Toast)
	}
	if ans.Card == nil || ans.Card.Type != "raw" || ans.Card.Data["schema"] != "2.0" {
		t.Fatalf("card = %+v", ans.Card)
	}
	ev := r.sink.Events()[0]
	if ev.Kind != bot.KindAction || ev.Action.ID != "followup.undo" || ev.MessageID != "om_card" ||
		ev.Sender.ID != "ou_rep" || ev.Sender.Name != "王小明" || ev.Chat.ID != "oc_team" {
		t.Errorf("event = %+v", ev)
	}

	// A user of another tenant is refused with a toast.
	ans = r.drv.Press(t, &larktest.Click{MessageID: "om_card", ChatID: "oc_team", OpenID: "ou_x", Action: "followup.undo",
		OperatorTenant: "tk_other"})
	if ans.Toast == nil || ans.Toast.Type != "error" || ans.Card != nil {
		t.Errorf("other tenant answer = %+v", ans)
	}
}

func TestConcurrentDuplicates(t *testing.T) {
	r := newRig(t)
	m := &larktest.InMessage{ChatID: "oc_team", OpenID: "ou_rep", Text: "hi"}
	ev := r.drv.MessageEvent(m)
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() {
			if status, _ := r.drv.Post(t, ev); status != 200 {
				t.Errorf("status %d", status)
			}
		})
	}
	wg.Wait()
	if n := len(r.sink.Events()); n != 1 {
		t.Errorf("%d events", n)
	}
}

func TestRenderCard(t *testing.T) {
	c := &bot.Card{
		Header: bot.Header{Title: "跟进已记录", Subtitle: "王小明", Status: bot.StatusSuccess},
		Elements: []bot.Element{
			bot.Fields(bot.Field{Label: "客户", Value: "星河科技"}, bot.Field{Label: "金额", Value: "50万"}),
			bot.Progress(bot.ProgressRow{Label: "王小明", Percent: 45, Marker: 60}),
			bot.Divider(),
			bot.Note("可以回复本消息修改"),
		},
		Actions: []bot.Action{
			{ID: "followup.undo", Label: "撤销", Style: bot.ButtonDanger, Ref: "secret-ref",
				Confirm: &bot.Confirm{Title: "撤销?", Text: "撤销这条跟进"}},
		},
	}
	b, _ := json.Marshal(lark.RenderCard(c, "", nil))
	s := string(b)
	for _, want := range []string{`"schema":"2.0"`, `"template":"green"`, `"update_multi":true`, `**客户**:星河科技`,
		`▓▓▓▓▓░░░░░`, `"tag":"hr"`, `"text_size":"notation"`, `"behaviors":[{"type":"callback","value":{"action":"followup.undo"}}]`,
		`"type":"danger"`, `"confirm":{"text":{"content":"撤销这条跟进"`} {
		if !strings.Contains(s, want) {
			t.Errorf("card lacks %s:\n%s", want, s)
		}
	}
	if strings.Contains(s, "secret-ref") {
		t.Error("the card carries the server-side ref")
	}
}
