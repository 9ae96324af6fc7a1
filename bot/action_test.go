package bot_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/bot/bottest"
)

// followUpCard is the card of a logged follow-up, whose buttons refer to
// follow-up fu-42 on the server.
func followUpCard() *bot.Card {
	return &bot.Card{
		Header: bot.Header{Title: "跟进已记录", Status: bot.StatusSuccess},
		Actions: []bot.Action{
			{ID: "followup.undo", Label: "撤销", Style: bot.ButtonDanger, Ref: "fu-42"},
			{ID: "followup.edit", Label: "修改", Ref: "fu-42"},
		},
	}
}

// undoneCard is the card after 撤销: only 恢复 is left.
func undoneCard() *bot.Card {
	return &bot.Card{
		Header:  bot.Header{Title: "跟进已撤销", Status: bot.StatusNeutral},
		Actions: []bot.Action{{ID: "followup.redo", Label: "恢复", Ref: "fu-42"}},
	}
}

// undoHandler records the messages it gets and answers with undoneCard.
func undoHandler(got *[]bot.Message) bot.HandlerFunc {
	return func(ctx context.Context, m *bot.Message) (bot.Reply, error) {
		*got = append(*got, *m)
		return bot.Reply{Toast: "已撤销", UpdateCard: undoneCard()}, nil
	}
}

func TestActionRefComesFromStoredCard(t *testing.T) {
	h := newHarness(t)
	var got []bot.Message
	h.router.HandleAction("followup", undoHandler(&got))
	msgID := h.sendCard(followUpCard())

	ev := press("ev-1", msgID, "followup.undo")
	ev.Action.Ref = "fu-999" // a forged reference from the client
	res := h.deliver(ev)

	if len(got) != 1 {
		t.Fatalf("handler called %d times, want 1", len(got))
	}
	if ref := got[0].Action.Ref; ref != "fu-42" {
		t.Errorf("handler got ref %q, want fu-42 from the stored card", ref)
	}
	if got[0].Route != "action:followup" {
		t.Errorf("route = %q", got[0].Route)
	}
	if res.Toast != "已撤销" || res.Card == nil || res.Card.Header.Title != "跟进已撤销" || res.Denied || res.Duplicate {
		t.Errorf("Deliver = %+v, want toast 已撤销 and the undone card", res)
	}
	h.waitEvent("ev-1", bot.EventDone)

	// The adapter does not update cards in its callback answer: the update
	// is sent through the outbox.
	h.kernel.SendDue(context.Background())
	sent := h.adapter.Sent()
	if last := sent[len(sent)-1]; last.UpdateMessageID != msgID || last.Card.Header.Title != "跟进已撤销" {
		t.Errorf("last sent %+v, want the undone card updating %s", last, msgID)
	}
}

func TestActionOnUpdatedCard(t *testing.T) {
	for _, inCallback := range []bool{false, true} {
		name := "update sent by outbox"
		if inCallback {
			name = "update applied in callback"
		}
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			h.adapter.SetUpdatesCardInCallback(inCallback)
			var got []bot.Message
			h.router.HandleAction("followup", undoHandler(&got))
			msgID := h.sendCard(followUpCard())
			h.deliver(press("ev-1", msgID, "followup.undo"))
			if inCallback {
				// Recorded as sent, for LatestCard, and not sent again.
				before := len(h.adapter.Sent())
				h.kernel.SendDue(context.Background())
				if after := len(h.adapter.Sent()); after != before {
					t.Errorf("%d messages sent after the press, want none", after-before)
				}
			}

			// The old card's button is gone from the card as stored.
			res := h.deliver(press("ev-2", msgID, "followup.undo"))
			if !strings.Contains(res.Toast, "已失效") || res.Denied {
				t.Errorf("pressing a replaced button: %+v, want a 已失效 toast", res)
			}
			// The new card's button works.
			res = h.deliver(press("ev-3", msgID, "followup.redo"))
			if len(got) != 2 || got[1].Action.Ref != "fu-42" || res.Toast != "已撤销" {
				t.Errorf("pressing 恢复: handler got %d calls, result %+v", len(got), res)
			}
		})
	}
}

func TestActionUnknownButton(t *testing.T) {
	h := newHarness(t)
	var got []bot.Message
	h.router.HandleAction("followup", undoHandler(&got))
	msgID := h.sendCard(followUpCard())
	outbox := len(h.store.Outbox())

	for _, ev := range []bot.Event{
		press("ev-1", msgID, "followup.delete"),      // not on the card
		press("ev-2", "om_unknown", "followup.undo"), // no such card
		press("ev-3", "", "followup.undo"),           // no message at all
	} {
		res := h.deliver(ev)
		if !strings.Contains(res.Toast, "已失效") || res.Denied || res.Card != nil {
			t.Errorf("%s: Deliver = %+v, want a 已失效 toast", ev.ID, res)
		}
		if row := h.waitEvent(ev.ID, bot.EventDone); !strings.Contains(row.Error, "已失效") {
			t.Errorf("%s: event error = %q", ev.ID, row.Error)
		}
	}
	if len(got) != 0 {
		t.Errorf("handler called %d times", len(got))
	}
	// A button press is answered in the callback, not with a message.
	if n := len(h.store.Outbox()); n != outbox {
		t.Errorf("%d messages queued", n-outbox)
	}
}

func TestActionForbidden(t *testing.T) {
	h := newHarness(t)
	const msg = "只有财务可以确认到账。"
	h.router.HandleAction("collection", func(ctx context.Context, m *bot.Message) (bot.Reply, error) {
		return bot.Reply{}, &testError{msg: msg, forbidden: true}
	})
	msgID := h.sendCard(&bot.Card{Header: bot.Header{Title: "回款待确认"},
		Actions: []bot.Action{{ID: "collection.confirm", Ref: "col-7"}}})
	outbox := len(h.store.Outbox())

	res := h.deliver(press("ev-1", msgID, "collection.confirm"))
	if !res.Denied || res.Toast != msg || res.Card != nil {
		t.Errorf("Deliver = %+v, want denied with %q", res, msg)
	}
	h.waitEvent("ev-1", bot.EventDone)
	if n := len(h.store.Outbox()); n != outbox {
		t.Errorf("%d messages queued", n-outbox)
	}
}

func TestActionInternalError(t *testing.T) {
	h := newHarness(t)
	h.router.HandleAction("collection", func(ctx context.Context, m *bot.Message) (bot.Reply, error) {
		return bot.Reply{Toast: "已确认"}, errors.New("update collections: deadlock")
	})
	msgID := h.sendCard(&bot.Card{Header: bot.Header{Title: "回款待确认"},
		Actions: []bot.Action{{ID: "collection.confirm", Ref: "col-7"}}})

	res := h.deliver(press("ev-1", msgID, "collection.confirm"))
	if !refPattern.MatchString(res.Toast) || res.Denied || res.Card != nil {
		t.Errorf("Deliver = %+v, want an apology with a reference id", res)
	}
	h.waitEvent("ev-1", bot.EventFailed)
}

func TestActionNoHandler(t *testing.T) {
	h := newHarness(t)
	msgID := h.sendCard(&bot.Card{Header: bot.Header{Title: "任务"},
		Actions: []bot.Action{{ID: "task.accept", Ref: "task-1"}}})
	res := h.deliver(press("ev-1", msgID, "task.accept"))
	if !strings.Contains(res.Toast, "暂不支持") {
		t.Errorf("Deliver = %+v, want 暂不支持", res)
	}
}

// cardLookups is a store that fails the test when a card is looked up for
// no message: in storage, the empty id matches every message's row.
type cardLookups struct {
	*bottest.MemStore
	t *testing.T
}

func (s cardLookups) LatestCard(ctx context.Context, tenant string, p bot.Platform, messageID string) (*bot.Card, error) {
	if messageID == "" {
		s.t.Error("LatestCard called without a message id")
	}
	return s.MemStore.LatestCard(ctx, tenant, p, messageID)
}

func TestActionWithoutMessageIDIsNotLookedUp(t *testing.T) {
	h := newHarness(t)
	h.router.HandleAction("collection", func(ctx context.Context, m *bot.Message) (bot.Reply, error) {
		t.Errorf("handler called with ref %q", m.Action.Ref)
		return bot.Reply{}, nil
	})
	h.sendCard(&bot.Card{Header: bot.Header{Title: "回款待确认"}, Actions: []bot.Action{{ID: "collection.confirm", Ref: "col-7"}}})
	k := bot.NewKernel(cardLookups{h.store, t}, h.router, h.opts)
	res, err := k.Deliver(context.Background(), press("ev-1", "", "collection.confirm"))
	if err != nil || !strings.Contains(res.Toast, "已失效") {
		t.Errorf("Deliver = %+v, %v; want a 已失效 toast", res, err)
	}
}

// Result.Replied says whether the press was also answered in the chat, so
// an adapter that shows toasts as messages does not say it twice.
func TestActionResultSaysWhetherTheHandlerReplied(t *testing.T) {
	h := newHarness(t)
	h.router.HandleAction("followup", func(ctx context.Context, m *bot.Message) (bot.Reply, error) {
		if m.Action.ID == "followup.edit" {
			return bot.Reply{Text: "请回复要修改的内容,例如“金额 40万”。", Toast: "请回复要修改的内容"}, nil
		}
		return bot.Reply{Toast: "已撤销"}, nil
	})
	card := followUpCard()
	card.Actions = append(card.Actions, bot.Action{ID: "followup.edit", Label: "修改", Ref: "fu-42"})
	msgID := h.sendCard(card)
	if res := h.deliver(press("ev-edit", msgID, "followup.edit")); !res.Replied || res.Toast == "" {
		t.Errorf("修改 = %+v, want Replied with its toast", res)
	}
	if res := h.deliver(press("ev-undo", msgID, "followup.undo")); res.Replied || res.Toast != "已撤销" {
		t.Errorf("撤销 = %+v, want the toast alone", res)
	}
}
