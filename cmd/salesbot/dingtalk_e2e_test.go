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
// the given mode (webhook or stream) pointed at an emulator, and returns
// the emulator and a driver that signs callbacks (webhook) or pushes
// Stream frames.
func dingtalkMain(t *testing.T, mode string) (*testMain, *dingtalktest.Emulator, *dingtalktest.Driver) {
	t.Helper()
	return dingtalkMainWith(t, mode, nil)
}

// dingtalkMainWith is dingtalkMain with a chance to adjust the DingTalk
// configuration (a card template, say).
func dingtalkMainWith(t *testing.T, mode string, tune func(*config.DingTalk)) (*testMain, *dingtalktest.Emulator, *dingtalktest.Driver) {
	t.Helper()
	emu := dingtalktest.New(t, "ding_e2e", "secret-e2e")
	tm := startMainWith(t, "", true, func(m *Main) {
		m.Config.DingTalk = config.DingTalk{ClientID: "ding_e2e", ClientSecret: "secret-e2e", RobotCode: "ding_e2e",
			Mode: mode, BaseURL: emu.URL(), OAPIBaseURL: emu.URL()}
		if tune != nil {
			tune(&m.Config.DingTalk)
		}
	})
	drv := &dingtalktest.Driver{URL: tm.url + "/callbacks/dingtalk", Secret: "secret-e2e", CorpID: "ding_corp_e2e",
		RobotCode: "ding_e2e", Emulator: emu}
	if mode == "stream" {
		emu.WaitConnected(t, 1, 15*time.Second)
	}
	return tm, emu, drv
}

func TestDingTalkFollowUpEndToEnd(t *testing.T) {
	for _, mode := range []string{"webhook", "stream"} {
		t.Run(mode, func(t *testing.T) { dingtalkFollowUp(t, mode) })
	}
}

func dingtalkFollowUp(t *testing.T, mode string) {
	_, emu, drv := dingtalkMain(t, mode)
	send := func(m *dingtalktest.InMessage) {
		t.Helper()
		if mode == "stream" {
			if ack := drv.Stream(t, m); ack.Code != 200 {
				t.Fatalf("ack: %+v", ack)
			}
			return
		}
		if st, body := drv.Message(t, m); st != http.StatusOK || strings.TrimSpace(string(body)) != "{}" {
			t.Fatalf("message: %d %s", st, body)
		}
	}

	m := &dingtalktest.InMessage{ConversationID: "cid_sales", StaffID: "zhangsan", Nick: "张三",
		Text: " 今天拜访了星河科技张总,报价50万", AtBot: true}
	send(m)
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
	if mode == "stream" {
		if ack := drv.StreamRaw(t, drv.Payload(m)); ack.Code != 200 {
			t.Fatalf("re-delivery ack: %+v", ack)
		}
	} else if st, _ := drv.PostRaw(t, drv.Payload(m)); st != http.StatusOK {
		t.Fatalf("re-delivery: %d", st)
	}
	forged := &dingtalktest.InMessage{ConversationID: "cid_sales", StaffID: "zhangsan", Text: "今天拜访了月光科技李总", AtBot: true}
	if mode == "webhook" {
		// A forged sign: 401, never answered.
		if st, _ := drv.Message(t, forged, dingtalktest.Forged()); st != http.StatusUnauthorized {
			t.Fatalf("forged: %d, want 401", st)
		}
	} else {
		// No HTTP callback path in stream mode: nothing to forge against.
		if st, _ := drv.Message(t, forged); st == http.StatusOK {
			t.Fatalf("stream mode accepted an HTTP callback")
		}
	}
	// A later message is answered; by then a duplicate would show: the
	// re-delivery was deduplicated before it was acked.
	help := &dingtalktest.InMessage{ConversationID: "cid_sales", StaffID: "zhangsan", Text: "帮助", AtBot: true}
	send(help)
	emu.WaitFor(t, 15*time.Second, "the answer to 帮助", func(ms []dingtalktest.Message) bool {
		for _, x := range ms {
			if x.ReplyTo == help.MsgID {
				return true
			}
		}
		return false
	})
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
