package main

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/bot/wecom/wecomtest"
	"github.com/salesbot/salesbot/config"
	"github.com/salesbot/salesbot/domain"
	"github.com/salesbot/salesbot/storage"
)

// TestWeComAIBotLongConnectionEndToEnd is the "done when" for the
// AI bot: with the app's API and the AI bot's ws_url pointed at emulators,
// a group @message through the long connection logs a follow-up and gets
// the confirmation card in the group; its 撤销 button undoes it and the
// card is updated in place; a team group bound with /绑定 gets the morning
// progress card unprompted.
func TestWeComAIBotLongConnectionEndToEnd(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	var clock atomic.Int64
	clock.Store(time.Date(2026, 12, 2, 8, 0, 0, 0, loc).UnixNano()) // a Wednesday, a workday
	emu := wecomtest.New(t, "ww_e2e", "secret-e2e", 1000002)
	ws := wecomtest.NewAIBotWS(t, "aib_e2e", "aisecret-e2e")
	tm := startMainWith(t, "", true, func(m *Main) {
		m.Now = func() time.Time { return time.Unix(0, clock.Load()).In(loc) }
		m.Config.WeCom = config.WeCom{CorpID: "ww_e2e", AgentID: 1000002, Secret: "secret-e2e", Token: "tok-e2e",
			EncodingAESKey: wecomAESKey, BaseURL: emu.URL(),
			AIBot: config.AIBot{Mode: "websocket", BotID: "aib_e2e", Secret: "aisecret-e2e", WSURL: ws.URL()}}
	})
	ws.WaitSubscribed(t, 1, 15*time.Second)
	ctx := context.Background()

	rep := larkMember(t, tm, func(m domain.Member) bool { return m.Role == domain.RoleSales })
	bindWeCom(t, tm, rep, "zhangsan")
	active := func() int {
		fus, err := tm.Store.FollowUps(ctx, storage.FollowUpFilter{Tenant: tm.Tenant.ID, MemberID: rep.ID, Status: domain.FollowUpActive})
		if err != nil {
			t.Fatal(err)
		}
		return len(fus)
	}
	n0 := active()

	// 1. The report in the group: logged, answered with the card on the
	// message's req_id.
	msgID, reqID := ws.SendGroupText(t, "wrkGroupE2E", "zhangsan", "@销售助手 今天拜访了星河科技张总,报价50万", "")
	answer := aibotAnswer(t, ws, reqID)
	card := answer.Card()
	if card == nil || card["card_type"] != "button_interaction" || !strings.Contains(answer.Raw, "星河科技") {
		t.Fatalf("answer = %s, want the confirmation card", answer.Raw)
	}
	t.Logf("answer in the group: %s", answer.Raw)
	undo := cardButtonKey(t, card, "撤销")
	cardButtonKey(t, card, "修改")
	if n := active(); n != n0+1 {
		t.Fatalf("%d active follow-ups, want %d", n, n0+1)
	}

	// The same msgid again: nothing new. A later message is a barrier.
	ws.SendGroupText(t, "wrkGroupE2E", "zhangsan", "@销售助手 今天拜访了星河科技张总,报价50万", msgID)
	_, helpReq := ws.SendGroupText(t, "wrkGroupE2E", "zhangsan", "@销售助手 帮助", "")
	aibotAnswer(t, ws, helpReq)
	if n := active(); n != n0+1 {
		t.Errorf("%d active follow-ups after the re-delivery, want %d", n, n0+1)
	}
	if ms := emu.Messages(); len(ms) != 0 {
		t.Errorf("the app sent %+v; the AI bot should have answered in the group", ms)
	}

	// 2. 撤销 on the card: undone, the card updated with the press's req_id.
	taskID, _ := card["task_id"].(string)
	pressReq := ws.ClickCard(t, "wrkGroupE2E", "zhangsan", taskID, undo)
	cs := ws.WaitFor(t, 15*time.Second, "the card update", func(cs []wecomtest.AIBotCommand) bool {
		for _, c := range wecomtest.Accepted(cs, "aibot_respond_update_msg") {
			if c.ReqID == pressReq {
				return true
			}
		}
		return false
	})
	upd := wecomtest.Accepted(cs, "aibot_respond_update_msg")[0]
	if !strings.Contains(upd.Raw, "撤销") {
		t.Errorf("updated card does not say it was undone: %s", upd.Raw)
	}
	t.Logf("updated card: %s", upd.Raw)
	if n := active(); n != n0 {
		t.Errorf("%d active follow-ups after 撤销, want %d", n, n0)
	}

	// 3. The manager binds a team group; the morning progress card goes
	// there unprompted.
	mgr := larkMemberNamed(t, tm, "陈经理")
	bindWeCom(t, tm, mgr, "chenjl")
	_, bindReq := ws.SendGroupText(t, "wrkTeamE2E", "chenjl", "@销售助手 /绑定 华东一组", "")
	if got := aibotAnswer(t, ws, bindReq); !strings.Contains(got.Content(), "已绑定为华东一组的团队群") {
		t.Fatalf("binding answered %s", got.Raw)
	}
	clock.Store(time.Date(2026, 12, 2, 9, 0, 0, 0, loc).UnixNano())
	tm.sched.RunDue(ctx)
	tm.sched.RunDue(ctx)
	cs = ws.WaitFor(t, 15*time.Second, "the progress card in the team group", func(cs []wecomtest.AIBotCommand) bool {
		for _, c := range wecomtest.Accepted(cs, "aibot_send_msg") {
			if c.Body["chatid"] == "wrkTeamE2E" && strings.Contains(c.Content(), "华东一组") {
				return true
			}
		}
		return false
	})
	for _, c := range wecomtest.Accepted(cs, "aibot_send_msg") {
		if c.Body["chatid"] == "wrkTeamE2E" {
			t.Logf("progress card: %s", c.Content())
		}
	}
	// The manager's digest reaches the manager through the app.
	emu.WaitFor(t, 15*time.Second, "the digest to the manager", func(ms []wecomtest.Message) bool {
		for _, m := range ms {
			if m.ToUser == "chenjl" && strings.Contains(m.Content, "晨报") {
				return true
			}
		}
		return false
	})
}

// bindWeCom gives a member their WeCom userid.
func bindWeCom(t *testing.T, tm *testMain, m apiMember, userID string) {
	t.Helper()
	err := tm.Store.BindMemberIdentity(context.Background(), tm.Tenant.ID,
		domain.Identity{MemberID: m.ID, Platform: string(bot.WeCom), UserID: userID, Name: m.Name})
	if err != nil {
		t.Fatal(err)
	}
}

// aibotAnswer waits for the accepted aibot_respond_msg on the callback
// reqID.
func aibotAnswer(t *testing.T, ws *wecomtest.AIBotWS, reqID string) wecomtest.AIBotCommand {
	t.Helper()
	var found wecomtest.AIBotCommand
	ws.WaitFor(t, 15*time.Second, "the answer to "+reqID, func(cs []wecomtest.AIBotCommand) bool {
		for _, c := range wecomtest.Accepted(cs, "aibot_respond_msg") {
			if c.ReqID == reqID {
				found = c
				return true
			}
		}
		return false
	})
	return found
}
