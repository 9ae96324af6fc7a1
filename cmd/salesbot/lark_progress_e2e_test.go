package main

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/salesbot/salesbot/bot/lark/larktest"
	"github.com/salesbot/salesbot/domain"
)

// Progress and the morning cards through Lark: a manager binds the team's
// Lark group with "/绑定 华东一组", a rep asks "我的进度" there, and at the
// morning times the team's progress card reaches the group and the
// manager's digest reaches the manager directly — each exactly once.
func TestLarkProgressAndMorningCards(t *testing.T) {
	for _, mode := range []string{"webhook", "websocket"} {
		t.Run(mode, func(t *testing.T) { testLarkProgress(t, mode) })
	}
}

func testLarkProgress(t *testing.T, mode string) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	var clock atomic.Int64
	clock.Store(time.Date(2026, 12, 2, 8, 0, 0, 0, loc).UnixNano()) // a Wednesday, a workday
	tm, emu, drv := larkMainWith(t, true, mode, func(m *Main) {
		m.Now = func() time.Time { return time.Unix(0, clock.Load()).In(loc) }
	})
	drv.Now = tm.Now // signatures are checked against the bot's clock
	mgr := larkMemberNamed(t, tm, "陈经理")
	bindLark(t, tm, emu, mgr, "ou_mgr")
	rep := larkMember(t, tm, func(m domain.Member) bool { return m.Role == domain.RoleSales && m.TeamID == mgr.Team })
	bindLark(t, tm, emu, rep, "ou_rep1")

	// A rep may not bind the team chat; the team's manager may.
	deny := &larktest.InMessage{ChatID: "oc_east", OpenID: "ou_rep1", Text: "/绑定 华东一组"}
	drv.Message(t, deny)
	if got := replyTo(t, emu, deny.MessageID); !strings.Contains(got.Content, "经理") {
		t.Errorf("a rep binding the team chat was answered %s", got.Content)
	}
	bind := &larktest.InMessage{ChatID: "oc_east", OpenID: "ou_mgr", Text: "/绑定 华东一组"}
	drv.Message(t, bind)
	if got := replyTo(t, emu, bind.MessageID); !strings.Contains(got.Content, "已绑定为华东一组的团队群") {
		t.Fatalf("binding answered %s", got.Content)
	}

	ask := &larktest.InMessage{ChatID: "oc_east", OpenID: "ou_rep1", Text: "我的进度"}
	drv.Message(t, ask)
	if got := replyTo(t, emu, ask.MessageID); got.MsgType != "interactive" || !strings.Contains(got.Content, "时间进度") {
		t.Errorf("我的进度 answered %s %s", got.MsgType, got.Content)
	}

	// Past the progress-card and digest times (each spread a few minutes).
	clock.Store(time.Date(2026, 12, 2, 9, 0, 0, 0, loc).UnixNano())
	ctx := context.Background()
	tm.sched.RunDue(ctx)
	tm.sched.RunDue(ctx)
	larkMessage(t, emu, "progress card in the team group", func(m larktest.Message) bool {
		return m.ReceiveIDType == "chat_id" && m.ReceiveID == "oc_east" && m.MsgType == "interactive" &&
			strings.Contains(m.Content, "华东一组")
	})
	larkMessage(t, emu, "digest to the manager", func(m larktest.Message) bool {
		return m.ReceiveIDType == "open_id" && m.ReceiveID == "ou_mgr" && strings.Contains(m.Content, "晨报")
	})
	// A later look sends nothing again; the help answer is a barrier for
	// anything still in the outbox.
	clock.Store(time.Date(2026, 12, 2, 9, 30, 0, 0, loc).UnixNano())
	tm.sched.RunDue(ctx)
	replyTo(t, emu, sayHelp(t, drv, emu))
	cards, digests := 0, 0
	for _, m := range emu.Messages() {
		switch {
		case m.ReceiveID == "oc_east" && m.MsgType == "interactive" && m.ReplyTo == "":
			cards++
		case m.ReceiveID == "ou_mgr" && strings.Contains(m.Content, "晨报"):
			digests++
		}
	}
	if cards != 1 || digests != 1 {
		t.Errorf("%d progress cards in the group and %d digests to the manager, want 1 and 1", cards, digests)
	}
}
