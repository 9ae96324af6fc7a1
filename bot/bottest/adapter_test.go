package bottest

import (
	"context"
	"errors"
	"testing"

	"github.com/salesbot/salesbot/bot"
)

func TestFakeAdapter(t *testing.T) {
	a := NewFakeAdapter(bot.Lark)
	a.FailNext(2, bot.Retry("429", "slow down", 0))
	a.FailNext(1, bot.Permanent("403", "no"))

	var se *bot.SendError
	for _, want := range []string{"429", "429", "403"} {
		if _, err := a.Send(bg, bot.Outgoing{Text: "x"}); !errors.As(err, &se) || se.Code != want {
			t.Errorf("Send = %v, want code %s", err, want)
		}
	}
	id, err := a.Send(bg, bot.Outgoing{Text: "first"})
	if err != nil || id != "lark-msg-1" {
		t.Errorf("Send = %q, %v", id, err)
	}
	if id, _ := a.Send(bg, bot.Outgoing{UpdateMessageID: "lark-msg-1"}); id != "lark-msg-1" {
		t.Errorf("update answered id %q, want the updated message's", id)
	}
	if sent := a.WaitSent(t, 2); len(sent) != 2 || sent[0].Text != "first" || a.Tries() != 5 {
		t.Errorf("sent %v in %d tries", sent, a.Tries())
	}

	ctx, cancel := context.WithCancel(bg)
	cancel()
	if _, err := a.Send(ctx, bot.Outgoing{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Send with a cancelled ctx = %v", err)
	}
}

func TestFakeAdapterWaitSent(t *testing.T) {
	a := NewFakeAdapter(bot.Console)
	go func() {
		for range 3 {
			_, _ = a.Send(bg, bot.Outgoing{Text: "hi"})
		}
	}()
	if sent := a.WaitSent(t, 3); len(sent) != 3 {
		t.Errorf("WaitSent returned %d messages", len(sent))
	}
}
