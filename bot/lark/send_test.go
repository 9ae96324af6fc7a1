package lark_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/bot/lark/larktest"
)

func TestSendReplyCreatePatch(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	r.emu.RegisterInbound("om_in_1", "oc_team")
	card := &bot.Card{Header: bot.Header{Title: "跟进已记录", Status: bot.StatusSuccess},
		Actions: []bot.Action{{ID: "followup.undo", Label: "撤销"}}}
	id, err := r.a.Send(ctx, bot.Outgoing{To: bot.Target{ChatID: "oc_team"}, ReplyTo: "om_in_1", Card: card, Key: "k1"})
	if err != nil || id == "" {
		t.Fatalf("reply: %q %v", id, err)
	}
	// The same key again (a retry after a lost answer) posts nothing new.
	id2, err := r.a.Send(ctx, bot.Outgoing{To: bot.Target{ChatID: "oc_team"}, ReplyTo: "om_in_1", Card: card, Key: "k1"})
	if err != nil || id2 != id {
		t.Fatalf("idempotent reply: %q %v", id2, err)
	}
	if _, err := r.a.Send(ctx, bot.Outgoing{To: bot.Target{UserID: "ou_rep"}, Text: "提醒", Key: "k2",
		Mentions: []bot.Mention{{UserID: "ou_li", Name: "李四"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.a.Send(ctx, bot.Outgoing{To: bot.Target{ChatID: "oc_team"}, Text: "早报", Key: "k3"}); err != nil {
		t.Fatal(err)
	}
	card.Header.Title = "跟进已撤销"
	if got, err := r.a.Send(ctx, bot.Outgoing{To: bot.Target{ChatID: "oc_team"}, UpdateMessageID: id, Card: card}); err != nil || got != id {
		t.Fatalf("patch: %q %v", got, err)
	}
	msgs := r.emu.Messages()
	if len(msgs) != 3 {
		t.Fatalf("messages = %+v", msgs)
	}
	if msgs[0].ReplyTo != "om_in_1" || msgs[0].MsgType != "interactive" || msgs[0].UUID != "k1" ||
		len(msgs[0].Versions) != 2 || !strings.Contains(msgs[0].Content, "跟进已撤销") {
		t.Errorf("reply = %+v", msgs[0])
	}
	if msgs[1].ReceiveIDType != "open_id" || msgs[1].ReceiveID != "ou_rep" ||
		!strings.Contains(msgs[1].Content, `\u003cat user_id=\"ou_li\"\u003e李四\u003c/at\u003e 提醒`) {
		t.Errorf("dm = %+v", msgs[1])
	}
	if msgs[2].ReceiveIDType != "chat_id" || msgs[2].ChatID != "oc_team" || msgs[2].MsgType != "text" {
		t.Errorf("chat message = %+v", msgs[2])
	}
}

func TestSendErrors(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	out := bot.Outgoing{To: bot.Target{ChatID: "oc_team"}, Text: "hi"}
	send := func() *bot.SendError {
		t.Helper()
		_, err := r.a.Send(ctx, out)
		if err == nil {
			return nil
		}
		var se *bot.SendError
		if !errors.As(err, &se) {
			t.Fatalf("not a SendError: %v", err)
		}
		return se
	}
	r.emu.Inject(larktest.Fault{Op: "send", Status: 429, Code: 99991400, Msg: "request trigger frequency limit",
		Header: map[string]string{"x-ogw-ratelimit-limit": "50", "x-ogw-ratelimit-reset": "3"}})
	if se := send(); se == nil || se.Permanent || se.Scope != "app" || se.RetryAfter != 3*time.Second {
		t.Errorf("429: %+v", se)
	}
	r.emu.Inject(larktest.Fault{Op: "send", Status: 400, Code: 230020, Msg: "This operation triggers the frequency limit"})
	if se := send(); se == nil || se.Permanent || se.Scope != "chat" || se.RetryAfter <= 0 {
		t.Errorf("230020: %+v", se)
	}
	r.emu.Inject(larktest.Fault{Op: "send", Status: 502})
	if se := send(); se == nil || se.Permanent {
		t.Errorf("502: %+v", se)
	}
	for _, code := range []int{230002, 230013} {
		r.emu.Inject(larktest.Fault{Op: "send", Status: 400, Code: code})
		if se := send(); se == nil || !se.Permanent {
			t.Errorf("%d: %+v", code, se)
		}
	}
	// A timeout is retried later.
	r.emu.Inject(larktest.Fault{Op: "send", Delay: 500 * time.Millisecond})
	tctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	_, err := r.a.Send(tctx, out)
	cancel()
	var se *bot.SendError
	if !errors.As(err, &se) || se.Permanent {
		t.Errorf("timeout: %v", err)
	}
	// A token Lark no longer accepts is evicted and the send succeeds with
	// a fresh one.
	tokens := r.emu.Requests("token")
	r.emu.InvalidateTokens()
	if se := send(); se != nil {
		t.Errorf("after token invalidation: %+v", se)
	}
	if got := r.emu.Requests("token"); got != tokens+1 {
		t.Errorf("token fetches %d → %d, want one more", tokens, got)
	}
	if n := len(r.emu.Messages()); n != 1 {
		t.Errorf("%d messages, want 1", n)
	}
}
