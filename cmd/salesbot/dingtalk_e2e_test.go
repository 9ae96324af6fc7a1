package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/salesbot/salesbot/bot/dingtalk/dingtalktest"
	"github.com/salesbot/salesbot/config"
)

// dingtalkMain runs the real Main (demo company) with the DingTalk robot in
// webhook mode pointed at an emulator, and returns the emulator and a
// driver that signs callbacks.
func dingtalkMain(t *testing.T) (*testMain, *dingtalktest.Emulator, *dingtalktest.Driver) {
	t.Helper()
	emu := dingtalktest.New(t, "ding_e2e", "secret-e2e")
	tm := startMainWith(t, "", true, func(m *Main) {
		m.Config.DingTalk = config.DingTalk{ClientID: "ding_e2e", ClientSecret: "secret-e2e", RobotCode: "ding_e2e",
			Mode: "webhook", BaseURL: emu.URL(), OAPIBaseURL: emu.URL()}
	})
	drv := &dingtalktest.Driver{URL: tm.url + "/callbacks/dingtalk", Secret: "secret-e2e", CorpID: "ding_corp_e2e",
		RobotCode: "ding_e2e", Emulator: emu}
	return tm, emu, drv
}

func TestDingTalkFollowUpEndToEnd(t *testing.T) {
	_, emu, drv := dingtalkMain(t)

	m := &dingtalktest.InMessage{ConversationID: "cid_sales", StaffID: "zhangsan", Nick: "张三",
		Text: " 今天拜访了星河科技张总,报价50万", AtBot: true}
	if st, body := drv.Message(t, m); st != http.StatusOK || strings.TrimSpace(string(body)) != "{}" {
		t.Fatalf("message: %d %s", st, body)
	}
	ms := emu.WaitFor(t, 15*time.Second, "the reply", func(ms []dingtalktest.Message) bool { return len(ms) >= 1 })
	reply := ms[0]
	if reply.Via != "session" || reply.ReplyTo != m.MsgID || reply.ConversationID != "cid_sales" {
		t.Fatalf("reply = %+v", reply)
	}
	t.Logf("reply (%s): %s", reply.MsgKey, reply.Text)
	for _, want := range []string{"星河科技", "张总", "50万"} {
		if !strings.Contains(reply.Text, want) {
			t.Errorf("reply does not show %q: %s", want, reply.Text)
		}
	}

	// The same msgId again: nothing new.
	if st, _ := drv.PostRaw(t, drv.Payload(m)); st != http.StatusOK {
		t.Fatalf("re-delivery: %d", st)
	}
	// A forged sign: 401, never answered.
	forged := &dingtalktest.InMessage{ConversationID: "cid_sales", StaffID: "zhangsan", Text: "今天拜访了月光科技李总", AtBot: true}
	if st, _ := drv.Message(t, forged, dingtalktest.Forged()); st != http.StatusUnauthorized {
		t.Fatalf("forged: %d, want 401", st)
	}
	// A later message is answered; by then a duplicate would show.
	help := &dingtalktest.InMessage{ConversationID: "cid_sales", StaffID: "zhangsan", Text: "帮助", AtBot: true}
	drv.Message(t, help)
	emu.WaitFor(t, 15*time.Second, "the answer to 帮助", func(ms []dingtalktest.Message) bool {
		for _, x := range ms {
			if x.ReplyTo == help.MsgID {
				return true
			}
		}
		return false
	})
	time.Sleep(200 * time.Millisecond)
	n := 0
	for _, x := range emu.Messages() {
		if x.ReplyTo == m.MsgID {
			n++
		}
		if x.ReplyTo == forged.MsgID || strings.Contains(x.Text, "月光科技") {
			t.Errorf("the forged message was answered: %+v", x)
		}
	}
	if n != 1 {
		t.Errorf("%d replies to the message, want exactly 1: %+v", n, emu.Messages())
	}
}
