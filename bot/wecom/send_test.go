package wecom_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/bot/wecom"
	"github.com/salesbot/salesbot/bot/wecom/wecomtest"
)

func sender(t *testing.T) (*wecom.Adapter, *wecomtest.Emulator) {
	t.Helper()
	emu := wecomtest.New(t, "ww1", "secret1", 1000002)
	a := wecom.New(wecom.Config{CorpID: "ww1", AgentID: 1000002, Secret: "secret1", Token: "tok",
		EncodingAESKey: vecAESKey, BaseURL: emu.URL()}, nil, nil)
	return a, emu
}

func followCard() *bot.Card {
	return &bot.Card{Header: bot.Header{Title: "已记录跟进", Status: bot.StatusSuccess},
		Elements: []bot.Element{bot.Fields(bot.Field{Label: "客户", Value: "星河科技"}, bot.Field{Label: "金额", Value: "50万"}),
			bot.Note("24 小时内可以撤销。")},
		Actions: []bot.Action{{ID: "followup.undo", Label: "撤销", Style: bot.ButtonDanger, Ref: "secret-ref"},
			{ID: "followup.edit", Label: "修改"}}}
}

func sendErr(t *testing.T, err error) *bot.SendError {
	t.Helper()
	var se *bot.SendError
	if !errors.As(err, &se) {
		t.Fatalf("error %v is not a SendError", err)
	}
	return se
}

// TestSendTextAndToken: the token is fetched once, evicted on 42001 and
// refetched; the send still arrives once.
func TestSendTextAndToken(t *testing.T) {
	a, emu := sender(t)
	ctx := context.Background()
	for _, txt := range []string{"一", "二"} {
		if _, err := a.Send(ctx, bot.Outgoing{To: bot.Target{ChatID: "zhangsan"}, Text: txt}); err != nil {
			t.Fatal(err)
		}
	}
	if n := emu.Requests("gettoken"); n != 1 {
		t.Errorf("gettoken calls = %d, want 1 (cached)", n)
	}
	emu.InvalidateTokens()
	if _, err := a.Send(ctx, bot.Outgoing{To: bot.Target{UserID: "zhangsan"}, Text: "三"}); err != nil {
		t.Fatal(err)
	}
	if n := emu.Requests("gettoken"); n != 2 {
		t.Errorf("gettoken calls = %d, want 2 (evicted on 42001)", n)
	}
	ms := emu.Messages()
	if len(ms) != 3 || ms[2].Content != "三" || ms[2].ToUser != "zhangsan" || ms[2].MsgType != "text" {
		t.Fatalf("messages = %+v", ms)
	}
}

// TestSendClassifiesErrors: rate limits, busy and 5xx retry; untrusted IP,
// unknown user and a bad secret are permanent.
func TestSendClassifiesErrors(t *testing.T) {
	cases := []struct {
		fault     wecomtest.Fault
		permanent bool
		scope     string
	}{
		{wecomtest.Fault{Op: "send", ErrCode: 45009, ErrMsg: "api freq out of limit"}, false, "app"},
		{wecomtest.Fault{Op: "send", ErrCode: 45033, ErrMsg: "api concurrent out of limit"}, false, "app"},
		{wecomtest.Fault{Op: "send", ErrCode: -1, ErrMsg: "system busy"}, false, ""},
		{wecomtest.Fault{Op: "send", Status: 502}, false, ""},
		{wecomtest.Fault{Op: "send", ErrCode: 60020, ErrMsg: "not allow to access from your ip"}, true, ""},
		{wecomtest.Fault{Op: "send", ErrCode: 81013, ErrMsg: "user & party & tag all invalid"}, true, ""},
		{wecomtest.Fault{Op: "gettoken", ErrCode: 40001, ErrMsg: "invalid credential"}, true, ""},
	}
	for _, c := range cases {
		a, emu := sender(t)
		emu.Inject(c.fault)
		_, err := a.Send(context.Background(), bot.Outgoing{To: bot.Target{UserID: "zhangsan"}, Text: "hi"})
		se := sendErr(t, err)
		if se.Permanent != c.permanent || se.Scope != c.scope {
			t.Errorf("%+v → %+v", c.fault, se)
		}
		// The next try goes through (the fault was one answer).
		if !c.permanent || c.fault.Op == "gettoken" {
			if _, err := a.Send(context.Background(), bot.Outgoing{To: bot.Target{UserID: "zhangsan"}, Text: "hi"}); err != nil {
				t.Errorf("%+v: retry: %v", c.fault, err)
			}
		}
	}
}

// TestSendCardAndUpdate: a card with actions is a button_interaction
// template card (key = action id, task_id from the outbox key, no refs);
// an update uses the click's response code once, then falls back to a new
// card.
func TestSendCardAndUpdate(t *testing.T) {
	a, emu := sender(t)
	ctx := context.Background()
	id, err := a.Send(ctx, bot.Outgoing{To: bot.Target{ChatID: "zhangsan"}, Card: followCard(), Key: "0190a1b2-c3d4"})
	if err != nil {
		t.Fatal(err)
	}
	if id != "0190a1b2-c3d4" {
		t.Errorf("card message id = %q, want the task id", id)
	}
	ms := emu.Messages()
	if len(ms) != 1 || ms[0].MsgType != "template_card" || ms[0].TaskID != id {
		t.Fatalf("messages = %+v", ms)
	}
	v := ms[0].Versions[0]
	for _, want := range []string{`"card_type":"button_interaction"`, `"key":"followup.undo"`, `"text":"撤销"`, `"keyname":"客户"`, "星河科技", "24 小时内可以撤销"} {
		if !strings.Contains(v, want) {
			t.Errorf("card lacks %s: %s", want, v)
		}
	}
	if strings.Contains(v, "secret-ref") {
		t.Errorf("card leaks the ref: %s", v)
	}

	// The send's response code updates the card once (a card without
	// buttons greys them with its title)…
	done := &bot.Card{Header: bot.Header{Title: "已撤销跟进"}, Elements: []bot.Element{bot.Note("已撤销")}}
	upd := func() {
		t.Helper()
		got, err := a.Send(ctx, bot.Outgoing{To: bot.Target{ChatID: "zhangsan"}, UpdateMessageID: id, Card: done, Key: "k2"})
		if err != nil || got != id {
			t.Fatalf("update = %q, %v", got, err)
		}
	}
	upd()
	if ms := emu.Messages(); len(ms) != 1 || len(ms[0].Versions) != 2 || !strings.Contains(ms[0].Versions[1], "已撤销跟进") {
		t.Fatalf("after update: %+v", ms)
	}
	// …and with no code left, the new version goes as a new message.
	upd()
	if ms := emu.Messages(); len(ms) != 2 || !strings.Contains(ms[1].Content, "已撤销跟进") {
		t.Fatalf("after the second update: %+v", ms)
	}

	// A card without actions is markdown; seven fields degrade to markdown
	// followed by the short card.
	big := followCard()
	for i := 0; i < 6; i++ {
		big.Elements[0].Fields = append(big.Elements[0].Fields, bot.Field{Label: "f", Value: "v"})
	}
	if _, err := a.Send(ctx, bot.Outgoing{To: bot.Target{UserID: "lisi"}, Card: big, Key: "k3"}); err != nil {
		t.Fatal(err)
	}
	ms = emu.Messages()
	if n := len(ms); n != 4 || ms[2].MsgType != "markdown" || !strings.Contains(ms[2].Content, "金额:50万") || ms[3].MsgType != "template_card" {
		t.Fatalf("degraded card: %+v", ms[2:])
	}
}

// TestUpdateWithUsedCode: a response code WeCom refuses makes the update a
// new card; a rate-limited update keeps the code for the retry.
func TestUpdateWithUsedCode(t *testing.T) {
	a, emu := sender(t)
	ctx := context.Background()
	id, err := a.Send(ctx, bot.Outgoing{To: bot.Target{UserID: "zhangsan"}, Card: followCard(), Key: "card-a"})
	if err != nil {
		t.Fatal(err)
	}
	emu.Inject(wecomtest.Fault{Op: "update", ErrCode: 45009, ErrMsg: "freq"})
	out := bot.Outgoing{To: bot.Target{UserID: "zhangsan"}, UpdateMessageID: id, Card: followCard(), Key: "u1"}
	if _, err := a.Send(ctx, out); err == nil || sendErr(t, err).Permanent {
		t.Fatalf("rate-limited update: %v", err)
	}
	if _, err := a.Send(ctx, out); err != nil {
		t.Fatal(err)
	}
	if ms := emu.Messages(); len(ms) != 1 || len(ms[0].Versions) != 2 {
		t.Fatalf("update after the retry: %+v", ms)
	}
	// WeCom refuses the next code (used, expired): a new card instead.
	a, emu = sender(t)
	if id, err = a.Send(ctx, bot.Outgoing{To: bot.Target{UserID: "zhangsan"}, Card: followCard(), Key: "card-a"}); err != nil {
		t.Fatal(err)
	}
	emu.Inject(wecomtest.Fault{Op: "update", ErrCode: 40058, ErrMsg: "invalid response_code"})
	out.UpdateMessageID = id
	if got, err := a.Send(ctx, out); err != nil || got != id {
		t.Fatalf("fallback = %q, %v", got, err)
	}
	ms := emu.Messages()
	if len(ms) != 2 || ms[1].TaskID != "card-a_r1" {
		t.Fatalf("fallback card: %+v", ms)
	}
}
