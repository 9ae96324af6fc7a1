package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/salesbot/salesbot/bot/wecom/wecomtest"
	"github.com/salesbot/salesbot/config"
)

const wecomAESKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"

// wecomMain runs the real Main (demo company) with the WeCom app pointed at
// an emulator, and returns the emulator and a callback driver.
func wecomMain(t *testing.T) (*testMain, *wecomtest.Emulator, *wecomtest.Driver) {
	t.Helper()
	return wecomMainWith(t, nil)
}

// wecomMainWith is wecomMain with a chance to adjust Main (its clock, the
// WeCom config) before it opens; the driver signs with Main's clock.
func wecomMainWith(t *testing.T, tune func(*Main)) (*testMain, *wecomtest.Emulator, *wecomtest.Driver) {
	t.Helper()
	emu := wecomtest.New(t, "ww_e2e", "secret-e2e", 1000002)
	tm := startMainWith(t, "", true, func(m *Main) {
		m.Config.WeCom = config.WeCom{CorpID: "ww_e2e", AgentID: 1000002, Secret: "secret-e2e", Token: "tok-e2e",
			EncodingAESKey: wecomAESKey, BaseURL: emu.URL()}
		if tune != nil {
			tune(m)
		}
	})
	drv := &wecomtest.Driver{URL: tm.url + "/callbacks/wecom", CorpID: "ww_e2e", AgentID: 1000002,
		Token: "tok-e2e", EncodingAESKey: wecomAESKey, Now: tm.Now}
	return tm, emu, drv
}

// cardButtonKey finds the key of the card's button with the label.
func cardButtonKey(t *testing.T, card map[string]any, label string) string {
	t.Helper()
	bs, _ := card["button_list"].([]any)
	for _, b := range bs {
		if bm, _ := b.(map[string]any); bm != nil && bm["text"] == label {
			k, _ := bm["key"].(string)
			return k
		}
	}
	t.Fatalf("no %q button on card %v", label, card)
	return ""
}

func TestWeComFollowUpEndToEnd(t *testing.T) {
	_, emu, drv := wecomMain(t)

	if st, body := drv.Verify(t, "1616140317555161061"); st != http.StatusOK || body != "1616140317555161061" {
		t.Fatalf("URL verification = %d %q", st, body)
	}

	st, _, msgID := drv.Text(t, "zhangsan", "今天拜访了星河科技张总,报价50万", "")
	if st != http.StatusOK {
		t.Fatalf("message: %d", st)
	}
	ms := emu.WaitFor(t, 15*time.Second, "the follow-up card", func(ms []wecomtest.Message) bool {
		for _, m := range ms {
			if m.MsgType == "template_card" {
				return true
			}
		}
		return false
	})
	var card wecomtest.Message
	for _, m := range ms {
		if m.MsgType == "template_card" {
			card = m
		}
	}
	if card.ToUser != "zhangsan" || !strings.Contains(card.Versions[0], "星河科技") {
		t.Fatalf("card = %+v", card)
	}
	undo := cardButtonKey(t, card.Card, "撤销")
	cardButtonKey(t, card.Card, "修改")

	// The same message again (WeCom retries): nothing new.
	if st, _, _ := drv.Text(t, "zhangsan", "今天拜访了星河科技张总,报价50万", msgID); st != http.StatusOK {
		t.Fatalf("re-delivery: %d", st)
	}
	// A forged callback: 401, never answered.
	if st, _, _ := drv.Text(t, "zhangsan", "今天拜访了月光科技李总", "", wecomtest.Forged()); st != http.StatusUnauthorized {
		t.Fatalf("forged: %d, want 401", st)
	}
	// A later message is answered; by then a duplicate would show.
	drv.Text(t, "zhangsan", "帮助", "")
	emu.WaitFor(t, 15*time.Second, "the answer to 帮助", func(ms []wecomtest.Message) bool { return len(ms) >= 2 })
	n := 0
	for _, m := range emu.Messages() {
		if strings.Contains(mustJSON(t, m), "月光科技") {
			t.Errorf("the forged message was answered: %+v", m)
		}
		if m.MsgType == "template_card" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d cards sent, want exactly 1: %+v", n, emu.Messages())
	}

	// 撤销 on the card: the outbox updates it with the click's code.
	if st, _ := drv.Click(t, "zhangsan", card.TaskID, undo, emu.ClickCode(card.TaskID)); st != http.StatusOK {
		t.Fatalf("click: %d", st)
	}
	emu.WaitFor(t, 15*time.Second, "the card update", func(ms []wecomtest.Message) bool {
		for _, m := range ms {
			if m.TaskID == card.TaskID && len(m.Versions) == 2 {
				return true
			}
		}
		return false
	})
	for _, m := range emu.Messages() {
		if m.TaskID == card.TaskID {
			if last := m.Versions[len(m.Versions)-1]; !strings.Contains(last, "撤销") {
				t.Errorf("updated card does not say it was undone: %s", last)
			}
			var v map[string]any
			_ = json.Unmarshal([]byte(m.Versions[1]), &v)
			t.Logf("updated card: %s", m.Versions[1])
		}
	}
}
