package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/salesbot/salesbot/bot/wecom/wecomtest"
	"github.com/salesbot/salesbot/config"
)

const wecomAIBotAESKey = "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut"

// wecomAIBotMain runs the real Main (demo company) with the WeCom app and
// the AI bot in webhook mode pointed at an emulator.
func wecomAIBotMain(t *testing.T) (*testMain, *wecomtest.Emulator, *wecomtest.AIBotDriver) {
	t.Helper()
	emu := wecomtest.New(t, "ww_e2e", "secret-e2e", 1000002)
	tm := startMainWith(t, "", true, func(m *Main) {
		m.Config.WeCom = config.WeCom{CorpID: "ww_e2e", AgentID: 1000002, Secret: "secret-e2e", Token: "tok-e2e",
			EncodingAESKey: wecomAESKey, BaseURL: emu.URL(),
			AIBot: config.AIBot{Mode: "webhook", Token: "aibot-tok", EncodingAESKey: wecomAIBotAESKey}}
	})
	drv := &wecomtest.AIBotDriver{URL: tm.url + "/callbacks/wecom/aibot", AIBotID: "aib_e2e",
		Token: "aibot-tok", EncodingAESKey: wecomAIBotAESKey, Emulator: emu}
	return tm, emu, drv
}

func TestWeComAIBotGroupFollowUpEndToEnd(t *testing.T) {
	_, emu, drv := wecomAIBotMain(t)

	if st, body := drv.Verify(t, "1616140317555161061"); st != http.StatusOK || body != "1616140317555161061" {
		t.Fatalf("URL verification = %d %q", st, body)
	}
	if st, _ := drv.Verify(t, "x", wecomtest.Forged()); st != http.StatusUnauthorized {
		t.Fatalf("forged URL verification = %d, want 401", st)
	}

	st, _, msgID := drv.GroupText(t, "wrkGroupE2E", "zhangsan", "@销售助手 今天拜访了星河科技张总,报价50万", "")
	if st != http.StatusOK {
		t.Fatalf("group message: %d", st)
	}
	rs := emu.WaitForAIBot(t, 15*time.Second, "the reply on the response_url", func(rs []wecomtest.AIBotResponse) bool { return len(rs) >= 1 })
	md := rs[0]
	if md.MsgType != "markdown" || !strings.Contains(md.Content, "已记录跟进") ||
		!strings.Contains(md.Content, "客户:星河科技") || !strings.Contains(md.Content, "金额:50万") {
		t.Fatalf("reply = %+v, want markdown with the understood fields", md)
	}
	if !strings.Contains(md.Content, "在应用私聊中操作") {
		t.Errorf("reply does not say where the buttons are: %s", md.Content)
	}
	t.Logf("AI bot reply:\n%s", md.Content)
	// The buttons reach the member through the app.
	emu.WaitFor(t, 15*time.Second, "the button card to the member", func(ms []wecomtest.Message) bool {
		for _, m := range ms {
			if m.MsgType == "template_card" && m.ToUser == "zhangsan" {
				return true
			}
		}
		return false
	})

	// The same msgid again (WeCom retries): nothing new.
	if st, _, _ := drv.GroupText(t, "wrkGroupE2E", "zhangsan", "@销售助手 今天拜访了星河科技张总,报价50万", msgID); st != http.StatusOK {
		t.Fatalf("re-delivery: %d", st)
	}
	// Forged: 401, never answered.
	if st, _, _ := drv.GroupText(t, "wrkGroupE2E", "zhangsan", "@销售助手 今天拜访了月光科技李总", "", wecomtest.Forged()); st != http.StatusUnauthorized {
		t.Fatalf("forged: %d, want 401", st)
	}
	// A later message is answered; by then a duplicate would show.
	drv.GroupText(t, "wrkGroupE2E", "zhangsan", "@销售助手 帮助", "")
	emu.WaitForAIBot(t, 15*time.Second, "the answer to 帮助", func(rs []wecomtest.AIBotResponse) bool { return len(rs) >= 2 })
	rs = emu.AIBotResponses()
	n := 0
	for _, r := range rs {
		if strings.Contains(r.Content, "月光科技") {
			t.Errorf("the forged message was answered: %+v", r)
		}
		if strings.Contains(r.Content, "已记录跟进") {
			n++
		}
	}
	if n != 1 || len(rs) != 2 {
		t.Errorf("%d follow-up replies (want 1), %d replies in all (want 2): %+v", n, len(rs), rs)
	}
	cards := 0
	for _, m := range emu.Messages() {
		if m.MsgType == "template_card" {
			cards++
		}
	}
	if cards != 1 {
		t.Errorf("%d button cards through the app, want 1", cards)
	}
}

// A single chat with the AI bot is the member's direct chat; it is answered
// on the response_url too.
func TestWeComAIBotSingleChatEndToEnd(t *testing.T) {
	_, emu, drv := wecomAIBotMain(t)
	if st, _, _ := drv.SingleText(t, "zhangsan", "帮助", ""); st != http.StatusOK {
		t.Fatalf("single message: %d", st)
	}
	rs := emu.WaitForAIBot(t, 15*time.Second, "the answer", func(rs []wecomtest.AIBotResponse) bool { return len(rs) >= 1 })
	if rs[0].Content == "" {
		t.Fatalf("empty answer: %+v", rs[0])
	}
}
