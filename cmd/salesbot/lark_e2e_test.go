package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/salesbot/salesbot/bot/lark/larktest"
	"github.com/salesbot/salesbot/config"
)

// larkMain runs the real Main with the Lark app pointed at an emulator, and
// returns the emulator and an event driver for its callback URL.
// In websocket mode the driver pushes events over the emulator's long
// connection.
func larkMain(t *testing.T, demo bool, mode string) (*testMain, *larktest.Emulator, *larktest.Driver) {
	t.Helper()
	return larkMainWith(t, demo, mode, nil)
}

// larkMainWith is larkMain with a chance to adjust Main (its clock, say)
// before it opens.
func larkMainWith(t *testing.T, demo bool, mode string, tune func(*Main)) (*testMain, *larktest.Emulator, *larktest.Driver) {
	t.Helper()
	appID := larktest.NewID("cli_")
	emu := larktest.New(t, appID, "secret-"+appID)
	emu.AddUser(larktest.User{OpenID: "ou_rep1", Name: "王小明"})
	tm := startMainWith(t, "", demo, func(m *Main) {
		m.Config.Lark = config.Lark{AppID: appID, AppSecret: "secret-" + appID, VerificationToken: "vtok",
			EncryptKey: "ekey-" + appID, Mode: mode, BaseURL: emu.URL()}
		if tune != nil {
			tune(m)
		}
	})
	drv := &larktest.Driver{URL: tm.url + "/callbacks/lark", AppID: appID, VerificationToken: "vtok",
		EncryptKey: "ekey-" + appID, TenantKey: "tk_e2e", Emulator: emu}
	if mode == "websocket" {
		drv.URL = ""
	}
	return tm, emu, drv
}

// replyTo waits for the bot's one reply to a message on the emulator.
func replyTo(t *testing.T, emu *larktest.Emulator, messageID string) larktest.Message {
	t.Helper()
	msgs := emu.WaitFor(t, 15*time.Second, "reply to "+messageID, func(ms []larktest.Message) bool {
		for _, m := range ms {
			if m.ReplyTo == messageID {
				return true
			}
		}
		return false
	})
	for _, m := range msgs {
		if m.ReplyTo == messageID {
			return m
		}
	}
	panic("unreachable")
}

// buttonAction finds the action id of the card's button with the label.
func buttonAction(t *testing.T, card map[string]any, label string) string {
	t.Helper()
	var found string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if x["tag"] == "button" {
				if txt, _ := x["text"].(map[string]any); txt != nil && txt["content"] == label {
					bs, _ := x["behaviors"].([]any)
					for _, b := range bs {
						if bm, _ := b.(map[string]any); bm != nil {
							if val, _ := bm["value"].(map[string]any); val != nil {
								found, _ = val["action"].(string)
							}
						}
					}
				}
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(card)
	if found == "" {
		t.Fatalf("no %q button on card %v", label, card)
	}
	return found
}

func TestLarkFollowUpEndToEnd(t *testing.T) {
	for _, mode := range []string{"webhook", "websocket"} {
		t.Run(mode, func(t *testing.T) { testLarkFollowUp(t, mode) })
	}
}

func testLarkFollowUp(t *testing.T, mode string) {
	_, emu, drv := larkMain(t, false, mode)

	m := &larktest.InMessage{ChatID: "oc_sales", OpenID: "ou_rep1", Text: "@_user_1 今天拜访了星河科技张总,报价50万",
		Mentions: []larktest.InMention{larktest.BotMention()}}
	if status, body := drv.Message(t, m); status != http.StatusOK {
		t.Fatalf("post event: %d %s", status, body)
	}
	reply := replyTo(t, emu, m.MessageID)
	if reply.MsgType != "interactive" || reply.ChatID != "oc_sales" {
		t.Fatalf("reply = %+v", reply)
	}
	card := reply.Card()
	if card["schema"] != "2.0" || !strings.Contains(reply.Content, "星河科技") {
		t.Fatalf("reply card = %s", reply.Content)
	}

	// Lark re-delivers (a new event id, the same message): nothing new.
	m.EventID = ""
	if status, _ := drv.Message(t, m); status != http.StatusOK {
		t.Fatalf("re-delivery: %d", status)
	}
	// A forged event is refused and changes nothing.
	forged := &larktest.InMessage{ChatID: "oc_sales", OpenID: "ou_rep1", Text: "今天拜访了月光科技李总"}
	if mode == "webhook" {
		if status, _ := drv.Message(t, forged, larktest.Forged()); status != http.StatusUnauthorized {
			t.Fatalf("forged: %d, want 401", status)
		}
	}
	// A later message is answered; by then a duplicate answer would show.
	help := &larktest.InMessage{ChatID: "oc_sales", OpenID: "ou_rep1", Text: "帮助"}
	drv.Message(t, help)
	replyTo(t, emu, help.MessageID)
	n := 0
	for _, msg := range emu.Messages() {
		if msg.ReplyTo == m.MessageID {
			n++
		}
		if msg.ReplyTo == forged.MessageID {
			t.Errorf("the forged event was answered: %+v", msg)
		}
	}
	if n != 1 {
		t.Errorf("%d replies to the message, want exactly 1", n)
	}

	// A reply to the card in its thread corrects it.
	fix := &larktest.InMessage{ChatID: "oc_sales", OpenID: "ou_rep1", Text: "金额 40万", ParentID: reply.ID, RootID: m.MessageID}
	drv.Message(t, fix)
	if fixed := replyTo(t, emu, fix.MessageID); !strings.Contains(fixed.Content, "40万") {
		t.Errorf("threaded correction answered with %s", fixed.Content)
	}

	// The correction also PATCHes the card (the outbox sends it after the
	// threaded answer): wait for it, so it is not mistaken below for a
	// PATCH caused by the click.
	deadline := time.Now().Add(10 * time.Second)
	for {
		if got, _ := emu.Message(reply.ID); len(got.Versions) >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the corrected card was never PATCHed")
		}
		time.Sleep(10 * time.Millisecond)
	}

	// 撤销 on the card: the callback answers with the updated card.
	undo := buttonAction(t, card, "撤销")
	before, _ := emu.Message(reply.ID)
	ans := drv.Press(t, &larktest.Click{MessageID: reply.ID, ChatID: "oc_sales", OpenID: "ou_rep1", Action: undo})
	if ans.Card == nil || ans.Card.Type != "raw" || ans.Card.Data["schema"] != "2.0" {
		t.Fatalf("click answer has no card: %+v", ans)
	}
	if ans.Toast == nil || ans.Toast.Content == "" {
		t.Errorf("click answer has no toast: %+v", ans)
	}
	if !strings.Contains(mustJSON(t, ans.Card.Data), "撤销") {
		t.Errorf("updated card does not say it was undone: %v", ans.Card.Data)
	}
	// The outbox also PATCHes the card, once, so an answer Lark dropped or
	// one given late never leaves a stale card with live buttons.
	deadline = time.Now().Add(10 * time.Second)
	for {
		got, _ := emu.Message(reply.ID)
		if len(got.Versions) == len(before.Versions)+1 {
			if !strings.Contains(got.Content, "撤销") {
				t.Errorf("the PATCHed card does not say it was undone: %s", got.Content)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("card versions on the emulator %d → %d, want one PATCH", len(before.Versions), len(got.Versions))
		}
		time.Sleep(10 * time.Millisecond)
	}
	replyTo(t, emu, sayHelp(t, drv, emu))
	if got, _ := emu.Message(reply.ID); len(got.Versions) != len(before.Versions)+1 {
		t.Errorf("card versions on the emulator %d → %d, want exactly one PATCH", len(before.Versions), len(got.Versions))
	}
}

// sayHelp posts 帮助 and returns its message id, a barrier for the outbox.
func sayHelp(t *testing.T, drv *larktest.Driver, emu *larktest.Emulator) string {
	t.Helper()
	m := &larktest.InMessage{ChatID: "oc_sales", OpenID: "ou_rep1", Text: "帮助"}
	drv.Message(t, m)
	return m.MessageID
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestLarkSendFailures: the emulator answers 429, 5xx and an invalid token
// before accepting; the reply card still arrives, once.
func TestLarkSendFailures(t *testing.T) {
	_, emu, drv := larkMain(t, false, "webhook")
	emu.InvalidateTokens() // nothing issued yet: harmless
	emu.Inject(
		larktest.Fault{Op: "send", Status: 429, Code: 99991400, Msg: "request trigger frequency limit",
			Header: map[string]string{"x-ogw-ratelimit-reset": "1"}},
		larktest.Fault{Op: "send", Status: 502},
	)
	m := &larktest.InMessage{ChatID: "oc_sales", OpenID: "ou_rep1", Text: "今天拜访了星河科技张总,报价50万"}
	// Tokens issued for the name look-up become invalid before the send.
	drv.Message(t, m)
	emu.InvalidateTokens()
	replyTo(t, emu, m.MessageID)
	n := 0
	for _, msg := range emu.Messages() {
		if msg.ReplyTo == m.MessageID {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d replies, want 1", n)
	}
	if emu.Requests("send") < 3 {
		t.Errorf("send attempts = %d, want the faults and a success", emu.Requests("send"))
	}
}
