package dingtalk

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/salesbot/salesbot/bot"
)

func textCardFixture(actions ...string) *bot.Card {
	c := &bot.Card{Header: bot.Header{Title: "已记录跟进"}}
	for _, a := range actions {
		c.Actions = append(c.Actions, bot.Action{ID: "followup." + a, Label: a})
	}
	return c
}

// The newest markdown card with buttons of a chat turns its labels into
// presses there, for a day; a new version without buttons ends that; with a
// card template, or for a robot chat, nothing is remembered.
func TestTextPress(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	a := New(Config{ClientID: "c", ClientSecret: "s"}, nil, func() time.Time { return now })
	msg := func(chat, text string) bot.Event {
		return bot.Event{ID: "m1", Kind: bot.KindMessage, Chat: bot.Chat{ID: chat}, Text: text}
	}

	out := bot.Outgoing{To: bot.Target{ChatID: "cid"}, Card: textCardFixture("撤销", "修改"), Key: "k1"}
	id := a.textCardID(out)
	if id != "md:k1" {
		t.Fatalf("textCardID = %q", id)
	}
	a.rememberTextCard(out, id)
	ev, ok := a.textPress(msg("cid", " 撤销。"))
	if !ok || ev.Kind != bot.KindAction || ev.MessageID != "md:k1" || ev.Action.ID != "followup.撤销" || ev.ID != "text:m1" {
		t.Fatalf("press = %+v, %v", ev, ok)
	}
	for _, e := range []bot.Event{msg("cid", "撤销这条"), msg("other", "撤销")} {
		if _, ok := a.textPress(e); ok {
			t.Errorf("%q in %s read as a press", e.Text, e.Chat.ID)
		}
	}
	now = now.Add(textCardTTL + time.Minute)
	if _, ok := a.textPress(msg("cid", "撤销")); ok {
		t.Error("a day-old card's button pressed")
	}

	// A new version without buttons: the label is a message again.
	now = now.Add(time.Minute)
	a.rememberTextCard(out, id)
	upd := bot.Outgoing{To: bot.Target{ChatID: "cid"}, Card: textCardFixture(), UpdateMessageID: "md:k1"}
	if a.textCardID(upd) != "md:k1" {
		t.Fatalf("an update's id = %q", a.textCardID(upd))
	}
	a.rememberTextCard(upd, "md:k1")
	if _, ok := a.textPress(msg("cid", "撤销")); ok {
		t.Error("a button pressed after its card lost its buttons")
	}

	// Direct chats are named by the person, as incoming messages are.
	dm := bot.Outgoing{To: bot.Target{UserID: "lina"}, Card: textCardFixture("确认到账", "驳回"), Key: "k2"}
	a.rememberTextCard(dm, a.textCardID(dm))
	if ev, ok := a.textPress(msg("user:lina", "驳回")); !ok || ev.Action.ID != "followup.驳回" {
		t.Errorf("direct press = %+v, %v", ev, ok)
	}
	if h := textHint(dm); !strings.Contains(h, "回复「确认到账」或「驳回」") || strings.Contains(h, "@我") {
		t.Errorf("direct hint = %q", h)
	}
	if h := textHint(out); !strings.Contains(h, "@我 说「撤销」或「修改」") {
		t.Errorf("group hint = %q", h)
	}

	robot := bot.Outgoing{To: bot.Target{ChatID: RobotChatID("华东一组")}, Card: textCardFixture("撤销"), Key: "k3"}
	if id := a.textCardID(robot); id != "" {
		t.Errorf("a robot chat's card got text buttons: %q", id)
	}
	tpl := New(Config{ClientID: "c", ClientSecret: "s", CardTemplateID: "tpl.schema"}, nil, nil)
	if id := tpl.textCardID(out); id != "" {
		t.Errorf("with a card template: %q", id)
	}
	if _, ok := tpl.textPress(msg("cid", "撤销")); ok {
		t.Error("with a card template a label was read as a press")
	}
}

// The platform shows a card before the send call returns, so a label said
// meanwhile is a press; a card that could not be sent leaves the chat's
// previous card in place.
func TestTextPressWhileTheCardIsBeingSent(t *testing.T) {
	var a *Adapter
	pressedInFlight, fail := false, false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/v1.0/oauth2/accessToken":
			fmt.Fprint(w, `{"accessToken":"at-1","expireIn":7200}`)
		case "/v1.0/robot/groupMessages/send":
			if fail {
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprint(w, `{"code":"invalidParameter","message":"msgParam is wrong"}`)
				return
			}
			_, pressedInFlight = a.textPress(bot.Event{ID: "m1", Kind: bot.KindMessage, Chat: bot.Chat{ID: "cid"}, Text: "撤销"})
			fmt.Fprint(w, `{"processQueryKey":"q1"}`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	a = New(Config{ClientID: "c", ClientSecret: "s", RobotCode: "r", BaseURL: srv.URL, OAPIBaseURL: srv.URL}, nil, nil)

	ctx := context.Background()
	first := bot.Outgoing{Platform: bot.DingTalk, To: bot.Target{ChatID: "cid"}, Card: textCardFixture("撤销"), Key: "k1"}
	if id, err := a.Send(ctx, first); err != nil || id != "md:k1" {
		t.Fatalf("Send = %q, %v", id, err)
	}
	if !pressedInFlight {
		t.Error("a label said while the card was being sent was not a press")
	}

	fail = true
	second := bot.Outgoing{Platform: bot.DingTalk, To: bot.Target{ChatID: "cid"}, Card: textCardFixture("完成"), Key: "k2"}
	if _, err := a.Send(ctx, second); err == nil {
		t.Fatal("Send succeeded against a failing platform")
	}
	if _, ok := a.textPress(bot.Event{ID: "m2", Chat: bot.Chat{ID: "cid"}, Text: "完成"}); ok {
		t.Error("the button of a card that was never sent was pressed")
	}
	if ev, ok := a.textPress(bot.Event{ID: "m3", Chat: bot.Chat{ID: "cid"}, Text: "撤销"}); !ok || ev.MessageID != "md:k1" {
		t.Errorf("after a failed send, the chat's card is %+v, %v; want md:k1 still", ev, ok)
	}
}
