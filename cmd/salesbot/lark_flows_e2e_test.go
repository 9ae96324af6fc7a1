package main

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/bot/lark/larktest"
	"github.com/salesbot/salesbot/domain"
)

// bindLark gives a member a Lark identity (an open_id) and puts them into
// the emulator's contact directory, as "salesbot sync lark" or their first
// message would.
func bindLark(t *testing.T, tm *testMain, emu *larktest.Emulator, m apiMember, openID string) {
	t.Helper()
	err := tm.Store.BindMemberIdentity(context.Background(), tm.Tenant.ID,
		domain.Identity{MemberID: m.ID, Platform: string(bot.Lark), UserID: openID, Name: m.Name})
	if err != nil {
		t.Fatal(err)
	}
	emu.AddUser(larktest.User{OpenID: openID, Name: m.Name})
}

// larkMember returns the first member (by name) that ok accepts, read from
// the store: with Lark configured the console is off.
func larkMember(t *testing.T, tm *testMain, ok func(domain.Member) bool) apiMember {
	t.Helper()
	ms, err := tm.Store.Members(context.Background(), tm.Tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if ok(m) {
			return apiMember{ID: m.ID, Name: m.Name, Role: string(m.Role), Team: m.TeamID}
		}
	}
	t.Fatal("no such member")
	return apiMember{}
}

func larkMemberNamed(t *testing.T, tm *testMain, name string) apiMember {
	t.Helper()
	return larkMember(t, tm, func(m domain.Member) bool { return m.Name == name })
}

// larkMessage waits for a message the bot sent that satisfies ok.
func larkMessage(t *testing.T, emu *larktest.Emulator, what string, ok func(larktest.Message) bool) larktest.Message {
	t.Helper()
	var found larktest.Message
	emu.WaitFor(t, 15*time.Second, what, func(ms []larktest.Message) bool {
		for _, m := range ms {
			if ok(m) {
				found = m
				return true
			}
		}
		return false
	})
	return found
}

// directCard matches a card sent to a user's open_id that contains all the
// words.
func directCard(openID string, words ...string) func(larktest.Message) bool {
	return func(m larktest.Message) bool {
		if m.MsgType != "interactive" || m.ReceiveIDType != "open_id" || m.ReceiveID != openID {
			return false
		}
		for _, w := range words {
			if !strings.Contains(m.Content, w) {
				return false
			}
		}
		return true
	}
}

// inThread matches a message the bot posted in the reply thread of a
// message, containing all the words.
func inThread(messageID string, words ...string) func(larktest.Message) bool {
	return func(m larktest.Message) bool {
		if m.ReplyTo != messageID {
			return false
		}
		for _, w := range words {
			if !strings.Contains(m.Content, w) {
				return false
			}
		}
		return true
	}
}

// TestLarkCollectionEndToEnd is the finance confirmation flow of
// TestCollectionConfirmedByFinance through the Lark emulator, in both
// modes: the card reaches each finance member by direct message, a rep's
// press of 确认到账 is refused with a toast saying why, a finance member's
// press confirms it once and the callback answer carries the updated card.
func TestLarkCollectionEndToEnd(t *testing.T) {
	for _, mode := range []string{"webhook", "websocket"} {
		t.Run(mode, func(t *testing.T) { testLarkCollection(t, mode) })
	}
}

func testLarkCollection(t *testing.T, mode string) {
	tm, emu, drv := larkMain(t, true, mode)
	rep := larkMember(t, tm, func(m domain.Member) bool { return m.Role == domain.RoleSales && m.Active })
	bindLark(t, tm, emu, rep, "ou_rep1")
	lina, chen := larkMemberNamed(t, tm, "李娜"), larkMemberNamed(t, tm, "陈会计")
	bindLark(t, tm, emu, lina, "ou_lina")
	bindLark(t, tm, emu, chen, "ou_chen")

	m := &larktest.InMessage{ChatID: "oc_sales", OpenID: "ou_rep1", Text: "@_user_1 星河科技回款30万已到账",
		Mentions: []larktest.InMention{larktest.BotMention()}}
	if status, body := drv.Message(t, m); status != http.StatusOK {
		t.Fatalf("post event: %d %s", status, body)
	}
	ack := replyTo(t, emu, m.MessageID)
	if !strings.Contains(ack.Content, "等待财务确认") || !strings.Contains(ack.Content, "李娜") {
		t.Fatalf("acknowledgement card = %s", ack.Content)
	}
	askLina := larkMessage(t, emu, "confirmation card to 李娜", directCard("ou_lina", "回款待确认", "星河科技"))
	askChen := larkMessage(t, emu, "confirmation card to 陈会计", directCard("ou_chen", "回款待确认", "星河科技"))
	confirm := buttonAction(t, askLina.Card(), "确认到账")
	buttonAction(t, askLina.Card(), "驳回")
	if !strings.Contains(askLina.Content, `"confirm"`) {
		t.Errorf("确认到账 has no confirm dialog: %s", askLina.Content)
	}

	// A rep pressing 确认到账: refused with the reason, nothing changes.
	ans := drv.Press(t, &larktest.Click{MessageID: askLina.ID, ChatID: askLina.ChatID, OpenID: "ou_rep1", Action: confirm})
	if ans.Toast == nil || ans.Toast.Type != "error" || !strings.Contains(ans.Toast.Content, "只有财务") {
		t.Fatalf("rep pressing 确认到账 answered %+v, want an error toast with the reason", ans.Toast)
	}
	if got := tm.collectionStatus(t, "星河科技"); got != domain.CollectionPending {
		t.Fatalf("after the rep's press the collection is %s", got)
	}

	// 李娜 confirms: the answer carries the decided card.
	ans = drv.Press(t, &larktest.Click{MessageID: askLina.ID, ChatID: askLina.ChatID, OpenID: "ou_lina", Action: confirm})
	if ans.Toast == nil || ans.Toast.Type == "error" || !strings.Contains(ans.Toast.Content, "已确认到账") {
		t.Fatalf("finance pressing 确认到账 answered toast %+v", ans.Toast)
	}
	if ans.Card == nil || ans.Card.Data["schema"] != "2.0" {
		t.Fatalf("finance press answered no card: %+v", ans)
	}
	if c := mustJSON(t, ans.Card.Data); !strings.Contains(c, "回款已确认到账") || !strings.Contains(c, "李娜") {
		t.Errorf("updated card = %s", c)
	}
	if got := tm.collectionStatus(t, "星河科技"); got != domain.CollectionConfirmed {
		t.Fatalf("after finance's press the collection is %s", got)
	}
	// The rep hears of it in the thread of the report.
	larkMessage(t, emu, "rep told in thread", inThread(m.MessageID, "已由财务 李娜 确认到账"))

	// 陈会计's copy is updated too; pressing it changes nothing.
	emu.WaitFor(t, 15*time.Second, "陈会计's copy updated", func([]larktest.Message) bool {
		got, _ := emu.Message(askChen.ID)
		return strings.Contains(got.Content, "回款已确认到账")
	})
	ans = drv.Press(t, &larktest.Click{MessageID: askChen.ID, ChatID: askChen.ChatID, OpenID: "ou_chen",
		Action: buttonActionOr(askChen.Card(), "确认到账", confirm)})
	if ans.Toast != nil && ans.Toast.Type != "error" && strings.Contains(ans.Toast.Content, "已确认到账 ") {
		t.Fatalf("a second press confirmed again: %+v", ans.Toast)
	}
	audits := tm.collectionAudits(t, "星河科技")
	if n := strings.Count(strings.Join(audits, ","), "collection.confirm"); n != 1 {
		t.Errorf("confirm audit rows = %d (%v), want exactly 1", n, audits)
	}
	if c := tm.newestCollection(t, "星河科技"); c.ConfirmedByName != lina.Name {
		t.Errorf("confirmed by %q, want %s", c.ConfirmedByName, lina.Name)
	}
}

// buttonActionOr is buttonAction on a card that may no longer have the
// button (already updated): then def.
func buttonActionOr(card map[string]any, label, def string) string {
	found := def
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if txt, _ := x["text"].(map[string]any); x["tag"] == "button" && txt != nil && txt["content"] == label {
				bs, _ := x["behaviors"].([]any)
				for _, b := range bs {
					if bm, _ := b.(map[string]any); bm != nil {
						if val, _ := bm["value"].(map[string]any); val != nil {
							if a, _ := val["action"].(string); a != "" {
								found = a
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
	return found
}

// TestLarkTaskEndToEnd is TestTaskAssignedAcceptedDone through the Lark
// emulator, in both modes: "@王工 …" with a Lark mention makes a task card
// in the thread and a direct message to 王工; only 王工 may press 接受 and
// 完成; the creator is told of each in the thread.
func TestLarkTaskEndToEnd(t *testing.T) {
	for _, mode := range []string{"webhook", "websocket"} {
		t.Run(mode, func(t *testing.T) { testLarkTask(t, mode) })
	}
}

func testLarkTask(t *testing.T, mode string) {
	tm, emu, drv := larkMain(t, true, mode)
	rep := larkMember(t, tm, func(m domain.Member) bool { return m.Role == domain.RoleSales && m.Active })
	bindLark(t, tm, emu, rep, "ou_rep1")
	wang := larkMemberNamed(t, tm, "王工")
	bindLark(t, tm, emu, wang, "ou_wang")

	m := &larktest.InMessage{ChatID: "oc_sales", OpenID: "ou_rep1", Text: "@_user_1 @_user_2 周五前给星河科技出一版技术方案",
		Mentions: []larktest.InMention{larktest.BotMention(), {Key: "@_user_2", OpenID: "ou_wang", Name: "王工"}}}
	if status, body := drv.Message(t, m); status != http.StatusOK {
		t.Fatalf("post event: %d %s", status, body)
	}
	asked := replyTo(t, emu, m.MessageID)
	if asked.MsgType != "interactive" || !strings.Contains(asked.Content, "待接受") || !strings.Contains(asked.Content, "王工") {
		t.Fatalf("task card in the chat = %s", asked.Content)
	}
	dm := larkMessage(t, emu, "task card in 王工's DM", directCard("ou_wang", "技术方案"))

	// The creator may not press 接受: the toast names the assignee.
	ans := drv.Press(t, &larktest.Click{MessageID: asked.ID, ChatID: "oc_sales", OpenID: "ou_rep1",
		Action: buttonAction(t, asked.Card(), "接受")})
	if ans.Toast == nil || ans.Toast.Type != "error" || !strings.Contains(ans.Toast.Content, "王工") {
		t.Errorf("the creator pressing 接受 answered %+v, want an error toast naming 王工", ans.Toast)
	}
	ans = drv.Press(t, &larktest.Click{MessageID: dm.ID, ChatID: dm.ChatID, OpenID: "ou_wang",
		Action: buttonAction(t, dm.Card(), "接受")})
	if ans.Toast == nil || ans.Toast.Type == "error" || ans.Card == nil {
		t.Fatalf("王工 pressing 接受 answered %+v", ans)
	}
	larkMessage(t, emu, "creator told of the acceptance", inThread(m.MessageID, "王工", "接受了任务"))
	// The copy in the chat is updated (PATCHed) too.
	var inChat larktest.Message
	emu.WaitFor(t, 15*time.Second, "chat card updated", func([]larktest.Message) bool {
		inChat, _ = emu.Message(asked.ID)
		return strings.Contains(inChat.Content, "进行中")
	})
	ans = drv.Press(t, &larktest.Click{MessageID: asked.ID, ChatID: "oc_sales", OpenID: "ou_wang",
		Action: buttonAction(t, inChat.Card(), "完成")})
	if ans.Toast == nil || ans.Toast.Type == "error" {
		t.Fatalf("王工 pressing 完成 answered %+v", ans.Toast)
	}
	larkMessage(t, emu, "creator told of the completion", inThread(m.MessageID, "王工", "完成了任务"))

	got := tm.reportedTask(t, wang.ID, "技术方案")
	if got == nil || got.Status != domain.TaskDone || got.CreatorName != rep.Name || got.CustomerName != "星河科技" {
		t.Fatalf("stored task = %+v", got)
	}
}

// TestLarkScheduledReminder: the evening nudge of TestScheduledReminders
// reaches a rep with a Lark identity as a Lark direct message to their
// open_id, once.
func TestLarkScheduledReminder(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	// Start before the 18:00 slot, bind the rep, then move the clock past it.
	var clock atomic.Int64
	clock.Store(time.Date(2026, 12, 2, 17, 0, 0, 0, loc).UnixNano()) // a Wednesday, a workday
	tm, emu, drv := larkMainWith(t, true, "webhook", func(m *Main) {
		m.Now = func() time.Time { return time.Unix(0, clock.Load()).In(loc) }
	})
	rep := larkMember(t, tm, func(m domain.Member) bool { return m.Role == domain.RoleSales && m.Active })
	bindLark(t, tm, emu, rep, "ou_rep1")
	clock.Store(time.Date(2026, 12, 2, 18, 5, 0, 0, loc).UnixNano())
	ctx := context.Background()
	tm.sched.RunDue(ctx)
	tm.sched.RunDue(ctx)

	nudge := larkMessage(t, emu, "nudge to the rep", func(m larktest.Message) bool {
		return m.ReceiveIDType == "open_id" && m.ReceiveID == "ou_rep1" && strings.Contains(m.Content, "今天还没有记录跟进")
	})
	if !strings.Contains(nudge.Content, rep.Name) {
		t.Errorf("nudge = %s", nudge.Content)
	}
	// A later look runs nothing again; and nobody is nudged in a group. The
	// help answer is a barrier for anything still in the outbox.
	tm.sched.RunDue(ctx)
	drv.Now = tm.Now
	replyTo(t, emu, sayHelp(t, drv, emu))
	n := 0
	for _, m := range emu.Messages() {
		if !strings.Contains(m.Content, "还没有记录跟进") {
			continue
		}
		if m.ReceiveIDType != "open_id" {
			t.Errorf("a nudge went to %s %s", m.ReceiveIDType, m.ReceiveID)
		}
		if m.ReceiveID == "ou_rep1" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d nudges to the rep on Lark, want 1", n)
	}
}
