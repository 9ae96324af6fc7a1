package dingtalk_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/bot/dingtalk"
	"github.com/salesbot/salesbot/bot/dingtalk/dingtalktest"
)

const templateID = "tpl-salesbot.schema"

func withTemplate(c *dingtalk.Config) { c.CardTemplateID = templateID }

// undoCard is a follow-up card with its buttons, as handlers build it.
func undoCard() *bot.Card {
	return &bot.Card{Header: bot.Header{Title: "已记录跟进", Subtitle: "王小明", Status: bot.StatusSuccess},
		Elements: []bot.Element{bot.Fields(bot.Field{Label: "客户", Value: "星河科技"}), bot.Note("说错了可以撤销")},
		Actions: []bot.Action{{ID: "followup.undo", Label: "撤销", Style: bot.ButtonDanger, Ref: "fu-secret-ref"},
			{ID: "followup.edit", Label: "修改", Ref: "fu-secret-ref"}}}
}

func TestInteractiveCardDeliveredAndUpdated(t *testing.T) {
	r := newRig(t, withTemplate)
	ctx := context.Background()
	ev := r.received(t, &dingtalktest.InMessage{StaffID: "s1", Nick: "王小明", Text: "今天拜访了星河科技", AtBot: true})
	out := reply(ev, "记好了")
	out.Card, out.Key = undoCard(), "0192f1e2-aaaa-7bbb-8ccc-0123456789ab"
	out.Mentions = []bot.Mention{{UserID: "s1", Name: "王小明"}}
	id, err := r.a.Send(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	c, ok := r.emu.Card(id)
	if !ok {
		t.Fatalf("no card %q at the emulator; messages %+v", id, r.emu.Messages())
	}
	if !strings.Contains(id, "0192f1e2aaaa7bbb8ccc0123456789ab") {
		t.Errorf("outTrackId %q is not derived from the outbox key", id)
	}
	if c.TemplateID != templateID || c.CallbackType != "HTTP" || c.RouteKey != "dingapp" || c.SpaceType != "IM_GROUP" ||
		c.SpaceID != ev.Chat.ID || c.RobotCode != "dingapp" || c.AtUserIDs["s1"] != "王小明" {
		t.Errorf("card = %+v", c)
	}
	p := c.Params
	if p["title"] != "已记录跟进" || p["subtitle"] != "王小明" || p["status"] != "success" || p["color"] == "" ||
		!strings.HasPrefix(p["body"], "记好了") || !strings.Contains(p["body"], "**客户**:星河科技") || p["btn_count"] != "2" {
		t.Errorf("params = %v", p)
	}
	if got := c.Buttons(); len(got) != 2 || got[0] != "撤销" || got[1] != "修改" {
		t.Errorf("buttons = %v", got)
	}
	if p["btn1_id"] != "followup.undo" || p["btn1_style"] != "danger" || p["btn2_style"] != "default" ||
		p["btn3_show"] != "false" || p["btn6_text"] != "" {
		t.Errorf("button params = %v", p)
	}
	if strings.Contains(mustJSON(t, p), "fu-secret-ref") {
		t.Error("the action ref leaked into the card")
	}
	if len(r.emu.Messages()) != 0 {
		t.Errorf("an interactive card also went out as a message: %+v", r.emu.Messages())
	}

	// A new version replaces the card's data by key: buttons gone.
	upd := bot.Outgoing{Platform: bot.DingTalk, To: bot.Target{ChatID: ev.Chat.ID}, UpdateMessageID: id,
		Card: &bot.Card{Header: bot.Header{Title: "已撤销跟进", Status: bot.StatusWarning}}}
	if got, err := r.a.Send(ctx, upd); err != nil || got != id {
		t.Fatalf("update = %q, %v", got, err)
	}
	c, _ = r.emu.Card(id)
	if c.Updates != 1 || c.Params["title"] != "已撤销跟进" || c.Params["status"] != "warning" || len(c.Buttons()) != 0 ||
		strings.Contains(c.Params["body"], "星河科技") {
		t.Errorf("card after update = %+v", c)
	}
}

func TestInteractiveCardToAPerson(t *testing.T) {
	r := newRig(t, withTemplate)
	ctx := context.Background()
	// To a member directly, and into a direct chat: the robot's chat with
	// the person.
	dm := r.received(t, &dingtalktest.InMessage{Direct: true, StaffID: "s7", Text: "我的任务"})
	for _, to := range []bot.Target{{UserID: "fin1"}, {ChatID: dm.Chat.ID}} {
		id, err := r.a.Send(ctx, bot.Outgoing{Platform: bot.DingTalk, To: to, Card: undoCard()})
		if err != nil {
			t.Fatal(err)
		}
		c, _ := r.emu.Card(id)
		want := firstNonEmpty(to.UserID, "s7")
		if c.SpaceType != "IM_ROBOT" || c.SpaceID != want {
			t.Errorf("card to %+v went to %s.%s", to, c.SpaceType, c.SpaceID)
		}
	}
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

func TestCardsWithoutButtonsOrTemplateAreMarkdown(t *testing.T) {
	ctx := context.Background()
	// A template, but a card without buttons: markdown.
	r := newRig(t, withTemplate)
	ev := r.received(t, &dingtalktest.InMessage{StaffID: "s1", Text: "进度", AtBot: true})
	out := reply(ev, "")
	out.Card = &bot.Card{Header: bot.Header{Title: "本月进度"}, Elements: []bot.Element{bot.Markdown("达成 60%")}}
	if _, err := r.a.Send(ctx, out); err != nil {
		t.Fatal(err)
	}
	if msgs := r.emu.Messages(); len(msgs) != 1 || msgs[0].MsgKey != "markdown" || len(r.emu.Cards()) != 0 {
		t.Errorf("card without buttons: messages %+v, cards %d", msgs, len(r.emu.Cards()))
	}
	// No template: a card with buttons is markdown without them. Their
	// labels are not listed as what to reply: replying 撤销 is not
	// understood.
	r = newRig(t)
	ev = r.received(t, &dingtalktest.InMessage{StaffID: "s1", Text: "今天拜访了星河科技", AtBot: true})
	out = reply(ev, "")
	out.Card = undoCard()
	if _, err := r.a.Send(ctx, out); err != nil {
		t.Fatal(err)
	}
	msgs := r.emu.Messages()
	if len(msgs) != 1 || msgs[0].MsgKey != "markdown" || !strings.Contains(msgs[0].Text, "星河科技") ||
		strings.Contains(msgs[0].Text, "「撤销」") || strings.Contains(msgs[0].Text, "回复文字") || len(r.emu.Cards()) != 0 {
		t.Errorf("no template: messages %+v, cards %d", msgs, len(r.emu.Cards()))
	}
}

// sentCard sends the undo card into a group chat and returns it as the
// emulator holds it.
func sentCard(t *testing.T, a *dingtalk.Adapter, emu *dingtalktest.Emulator, chat string) dingtalktest.Card {
	t.Helper()
	id, err := a.Send(context.Background(), bot.Outgoing{Platform: bot.DingTalk, To: bot.Target{ChatID: chat}, Card: undoCard()})
	if err != nil {
		t.Fatal(err)
	}
	c, ok := emu.Card(id)
	if !ok {
		t.Fatalf("card %s not at the emulator", id)
	}
	return c
}

func TestCardPressHTTP(t *testing.T) {
	r := newRig(t, withTemplate)
	c := sentCard(t, r.a, r.emu, "cid_sales")
	r.sink.SetResult(bot.Result{Toast: "已撤销", Card: &bot.Card{Header: bot.Header{Title: "已撤销跟进", Status: bot.StatusWarning}}})
	ans := r.drv.Press(t, c.OutTrackID, "s1", "撤销")

	evs := r.sink.Events()
	if len(evs) != 1 {
		t.Fatalf("events = %+v", evs)
	}
	ev := evs[0]
	if ev.Kind != bot.KindAction || ev.Action == nil || ev.Action.ID != "followup.undo" || ev.Action.Ref != "" ||
		ev.MessageID != c.OutTrackID || ev.Sender.ID != "s1" || ev.TenantKey != "ding_corp" ||
		ev.Chat.ID != "cid_sales" || ev.Chat.Type != bot.GroupChat || ev.ID == "" {
		t.Errorf("event = %+v", ev)
	}
	// The answer updates the card at once, by key, and shows the toast to
	// the one who pressed.
	if ans.CardData == nil || ans.CardData.CardParamMap["title"] != "已撤销跟进" || ans.CardData.CardParamMap["btn1_show"] != "false" ||
		ans.CardUpdateOptions == nil || !ans.CardUpdateOptions.UpdateCardDataByKey || ans.Toast() != "已撤销" {
		t.Errorf("answer = %s", mustJSON(t, ans))
	}
	got, _ := r.emu.Card(c.OutTrackID)
	if got.Params["title"] != "已撤销跟进" || len(got.Buttons()) != 0 || got.Private["s1"]["toast"] != "已撤销" {
		t.Errorf("card after the press = %+v", got)
	}
	// The same delivery twice (a retried callback, same timestamp): one
	// event; the same button pressed again later: another.
	at := time.Now()
	r.drv.Now = func() time.Time { return at }
	cb := r.drv.Callback(c, "s1", "followup.edit")
	for range 2 {
		if p := r.drv.PressRaw(t, false, cb); p.Status != http.StatusOK {
			t.Errorf("press: %+v", p)
		}
	}
	if n := len(r.sink.Events()); n != 2 {
		t.Errorf("%d events, want 2 (撤销, 修改 once)", n)
	}
	at = at.Add(time.Second)
	r.drv.PressRaw(t, false, cb)
	if n := len(r.sink.Events()); n != 3 {
		t.Errorf("%d events, want 3 (修改 pressed again)", n)
	}
}

func TestCardPressDeniedShowsToastOnly(t *testing.T) {
	r := newRig(t, withTemplate)
	c := sentCard(t, r.a, r.emu, "cid_fin")
	r.sink.SetResult(bot.Result{Denied: true, Toast: "只有财务可以确认到账"})
	ans := r.drv.Press(t, c.OutTrackID, "rep1", "撤销")
	if ans.CardData != nil || ans.Toast() != "只有财务可以确认到账" || !ans.CardUpdateOptions.UpdatePrivateDataByKey {
		t.Errorf("answer = %s", mustJSON(t, ans))
	}
	if got, _ := r.emu.Card(c.OutTrackID); len(got.Buttons()) != 2 || got.Private["rep1"]["toast"] == "" {
		t.Errorf("card after a denied press = %+v", got)
	}
}

func TestCardPressInDirectChat(t *testing.T) {
	r := newRig(t, withTemplate)
	id, err := r.a.Send(context.Background(), bot.Outgoing{Platform: bot.DingTalk, To: bot.Target{UserID: "fin1"}, Card: undoCard()})
	if err != nil {
		t.Fatal(err)
	}
	r.drv.Press(t, id, "fin1", "撤销")
	ev := r.sink.Events()[0]
	if ev.Chat.ID != "user:fin1" || ev.Chat.Type != bot.DirectChat {
		t.Errorf("chat of a press in the robot's chat = %+v", ev.Chat)
	}
}

func TestCardPressHTTPSignChecked(t *testing.T) {
	r := newRig(t, withTemplate)
	c := sentCard(t, r.a, r.emu, "cid_sales")
	cb := r.drv.Callback(c, "s1", "followup.undo")
	for name, opt := range map[string]dingtalktest.PostOption{
		"forged": dingtalktest.Forged(), "unsigned": dingtalktest.Unsigned(), "stale": dingtalktest.Skew(-2 * time.Hour)} {
		if p := r.drv.PressRaw(t, false, cb, opt); p.Status != http.StatusUnauthorized {
			t.Errorf("%s press: %d, want 401", name, p.Status)
		}
	}
	if n := len(r.sink.Events()); n != 0 {
		t.Errorf("%d events from unsigned presses", n)
	}
}

func TestCardPressUnknownCardRefused(t *testing.T) {
	r := newRig(t, withTemplate)
	c := sentCard(t, r.a, r.emu, "cid_sales")
	for name, id := range map[string]string{
		"never sent":   "card-of-another-app",
		"forged mac":   c.OutTrackID[:len(c.OutTrackID)-4] + "0000",
		"ours renamed": strings.Replace(c.OutTrackID, "sb_", "sb_x", 1),
	} {
		cb := r.drv.Callback(c, "s1", "followup.undo")
		cb.OutTrackID = id
		if p := r.drv.PressRaw(t, false, cb); p.Status != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", name, p.Status)
		}
	}
	if n := len(r.sink.Events()); n != 0 {
		t.Errorf("%d events stored for unknown cards", n)
	}
	if !strings.Contains(r.logs.String(), "press on a card this bot did not send") {
		t.Errorf("refusal not logged:\n%s", r.logs)
	}
}

func TestCardPressMalformed(t *testing.T) {
	r := newRig(t, withTemplate)
	c := sentCard(t, r.a, r.emu, "cid_sales")
	for name, mutate := range map[string]func(*dingtalk.CardCallback){
		"content not JSON": func(cb *dingtalk.CardCallback) { cb.Content = "{" },
		"no action":        func(cb *dingtalk.CardCallback) { cb.Content = `{"cardPrivateData":{"actionIds":["b"],"params":{}}}` },
		"no user":          func(cb *dingtalk.CardCallback) { cb.UserID = "" },
		"no space":         func(cb *dingtalk.CardCallback) { cb.SpaceID, cb.SpaceType = "", "" },
	} {
		cb := r.drv.Callback(c, "s1", "followup.undo")
		mutate(&cb)
		if p := r.drv.PressRaw(t, false, cb); p.Status != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", name, p.Status)
		}
	}
	// content as a JSON object rather than a string is read as well.
	body := []byte(`{"outTrackId":"` + c.OutTrackID + `","corpId":"ding_corp","userId":"s1","spaceType":"IM_GROUP",` +
		`"spaceId":"cid_sales","content":{"cardPrivateData":{"actionIds":["b"],"params":{"action":"followup.undo"}}}}`)
	if st, data := r.drv.PostRaw(t, body); st != http.StatusOK || !strings.HasPrefix(string(data), `{"response":`) {
		t.Errorf("object content: %d %s", st, data)
	}
	if n := len(r.sink.Events()); n != 1 {
		t.Errorf("%d events, want 1", n)
	}
}

func TestCardPressStream(t *testing.T) {
	r := newStreamRig(t, "s3cret", withTemplate)
	r.emu.WaitConnected(t, 1, 10*time.Second)
	c := sentCard(t, r.a, r.emu, "cid_sales")
	if c.CallbackType != "STREAM" || c.RouteKey != "" {
		t.Errorf("card in stream mode = %+v", c)
	}
	r.sink.SetResult(bot.Result{Toast: "已撤销", Card: &bot.Card{Header: bot.Header{Title: "已撤销跟进"}}})
	ans := r.drv.Press(t, c.OutTrackID, "s1", "撤销")
	if ans.CardData == nil || ans.CardData.CardParamMap["title"] != "已撤销跟进" || ans.Toast() != "已撤销" {
		t.Errorf("answer = %s", mustJSON(t, ans))
	}
	if evs := r.sink.Events(); len(evs) != 1 || evs[0].Action.ID != "followup.undo" || evs[0].MessageID != c.OutTrackID {
		t.Errorf("events = %+v", evs)
	}
	// A press on a card this bot did not send: acked, ignored, logged.
	cb := r.drv.Callback(c, "s1", "followup.undo")
	cb.OutTrackID = "card-of-another-app"
	if p := r.drv.PressRaw(t, true, cb); p.Status != http.StatusOK || !strings.HasPrefix(p.Message, "ignored") || p.Reply.CardData != nil {
		t.Errorf("unknown card over the Stream: %+v", p)
	}
	if n := len(r.sink.Events()); n != 1 {
		t.Errorf("%d events, want 1", n)
	}
	if !strings.Contains(r.logs.String(), "press on a card this bot did not send") {
		t.Errorf("refusal not logged:\n%s", r.logs)
	}
}

func TestCardAnswerSinkFailure(t *testing.T) {
	r := newRig(t, withTemplate)
	c := sentCard(t, r.a, r.emu, "cid_sales")
	r.sink.SetErr(bot.ErrShuttingDown)
	if p := r.drv.PressRaw(t, false, r.drv.Callback(c, "s1", "followup.undo")); p.Status != http.StatusServiceUnavailable {
		t.Errorf("press while the kernel stops: %d, want 503", p.Status)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
