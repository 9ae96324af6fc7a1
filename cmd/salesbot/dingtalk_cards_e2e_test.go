package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/bot/dingtalk/dingtalktest"
	"github.com/salesbot/salesbot/config"
	"github.com/salesbot/salesbot/domain"
)

// The product flows through DingTalk interactive cards (互动卡片), in both
// modes: in webhook mode presses come to POST /callbacks/dingtalk signed,
// in stream mode as /v1.0/card/instances/callback frames; either way the
// answer updates the card at once, and the outbox PUTs new versions.

const dingtalkTemplate = "tpl_salesbot.schema"

// dingtalkCards is a DingTalk deployment with the card template set, and a
// rep (a demo sales member) bound to the staffId "rep1".
type dingtalkCards struct {
	tm   *testMain
	emu  *dingtalktest.Emulator
	drv  *dingtalktest.Driver
	mode string
	rep  apiMember
}

func newDingTalkCards(t *testing.T, mode string) *dingtalkCards {
	t.Helper()
	tm, emu, drv := dingtalkMainWith(t, mode, func(c *config.DingTalk) { c.CardTemplateID = dingtalkTemplate })
	d := &dingtalkCards{tm: tm, emu: emu, drv: drv, mode: mode}
	d.rep = larkMember(t, tm, func(m domain.Member) bool { return m.Role == domain.RoleSales && m.Active })
	d.bind(t, d.rep, "rep1")
	return d
}

// bind gives a member a DingTalk identity (a staffId), as "salesbot sync
// dingtalk" would.
func (d *dingtalkCards) bind(t *testing.T, m apiMember, staffID string) {
	t.Helper()
	err := d.tm.Store.BindMemberIdentity(context.Background(), d.tm.Tenant.ID,
		domain.Identity{MemberID: m.ID, Platform: string(bot.DingTalk), UserID: staffID, Name: m.Name})
	if err != nil {
		t.Fatal(err)
	}
}

// say sends a message to the robot (a signed callback, or a Stream frame).
func (d *dingtalkCards) say(t *testing.T, m *dingtalktest.InMessage) {
	t.Helper()
	if d.mode == "stream" {
		if ack := d.drv.Stream(t, m); ack.Code != 200 {
			t.Fatalf("ack: %+v", ack)
		}
		return
	}
	if st, body := d.drv.Message(t, m); st != http.StatusOK {
		t.Fatalf("message: %d %s", st, body)
	}
}

// card waits for an interactive card in a space (IM_GROUP conversation or
// IM_ROBOT user) showing all the words.
func (d *dingtalkCards) card(t *testing.T, spaceType, spaceID, what string, words ...string) dingtalktest.Card {
	t.Helper()
	return d.emu.WaitCard(t, 15*time.Second, what, func(c dingtalktest.Card) bool {
		if c.SpaceType != spaceType || c.SpaceID != spaceID {
			return false
		}
		for _, w := range words {
			if !strings.Contains(c.Text(), w) {
				return false
			}
		}
		return true
	})
}

// updated waits until a card shows all the words.
func (d *dingtalkCards) updated(t *testing.T, outTrackID, what string, words ...string) dingtalktest.Card {
	t.Helper()
	return d.emu.WaitCard(t, 15*time.Second, what, func(c dingtalktest.Card) bool {
		if c.OutTrackID != outTrackID {
			return false
		}
		for _, w := range words {
			if !strings.Contains(c.Text(), w) {
				return false
			}
		}
		return true
	})
}

// message waits for a message the robot sent into a conversation,
// containing all the words.
func (d *dingtalkCards) message(t *testing.T, conversationID, what string, words ...string) dingtalktest.Message {
	t.Helper()
	var found dingtalktest.Message
	d.emu.WaitFor(t, 15*time.Second, what, func(ms []dingtalktest.Message) bool {
		for _, m := range ms {
			if m.ConversationID != conversationID {
				continue
			}
			ok := true
			for _, w := range words {
				ok = ok && strings.Contains(m.Text, w)
			}
			if ok {
				found = m
				return true
			}
		}
		return false
	})
	return found
}

func bothDingTalkModes(t *testing.T, f func(t *testing.T, mode string)) {
	for _, mode := range []string{"webhook", "stream"} {
		t.Run(mode, func(t *testing.T) { f(t, mode) })
	}
}

// TestDingTalkFollowUpCardEndToEnd: a rep's report is logged and answered
// with an interactive card in the group; another member's 撤销 is refused
// with the reason; the rep's 撤销 undoes it and the card changes at once.
func TestDingTalkFollowUpCardEndToEnd(t *testing.T) {
	bothDingTalkModes(t, testDingTalkFollowUpCard)
}

func testDingTalkFollowUpCard(t *testing.T, mode string) {
	d := newDingTalkCards(t, mode)
	ctx := context.Background()
	m := &dingtalktest.InMessage{ConversationID: "cid_sales", StaffID: "rep1", Nick: d.rep.Name, AtBot: true,
		Text: " 今天拜访了新客户北斗导航的李经理,聊了方案,报价30万,下周三再约"}
	d.say(t, m)
	logged := d.card(t, "IM_GROUP", "cid_sales", "the follow-up card", "已记录跟进", "北斗导航")
	if logged.TemplateID != dingtalkTemplate || logged.Params["status"] != "success" {
		t.Errorf("card = %+v", logged)
	}
	if got := logged.Buttons(); len(got) != 2 || got[0] != "撤销" || got[1] != "修改" {
		t.Fatalf("buttons = %v", got)
	}
	wantCallback := map[string]string{"webhook": "HTTP", "stream": "STREAM"}[mode]
	if logged.CallbackType != wantCallback {
		t.Errorf("callbackType = %s, want %s", logged.CallbackType, wantCallback)
	}
	if _, err := d.tm.Store.CustomerByName(ctx, d.tm.Tenant.ID, "北斗导航"); err != nil {
		t.Fatalf("new customer not stored: %v", err)
	}

	// Another member may not undo it: the reason, to them only.
	other := larkMember(t, d.tm, func(x domain.Member) bool {
		return x.Role == domain.RoleSales && x.Active && x.ID != d.rep.ID
	})
	d.bind(t, other, "rep2")
	ans := d.drv.Press(t, logged.OutTrackID, "rep2", "撤销")
	if ans.CardData != nil || !strings.Contains(ans.Toast(), "记录人") {
		t.Errorf("another member's 撤销 answered %+v (toast %q)", ans.CardData, ans.Toast())
	}
	if _, err := d.tm.Store.CustomerByName(ctx, d.tm.Tenant.ID, "北斗导航"); err != nil {
		t.Fatalf("another member's press undid the follow-up: %v", err)
	}

	// 修改: the bot says how; the rep's next message fixes the amount and
	// the card is PUT with it.
	if ans := d.drv.Press(t, logged.OutTrackID, "rep1", "修改"); ans.Toast() == "" {
		t.Errorf("修改 answered no toast")
	}
	fix := &dingtalktest.InMessage{ConversationID: "cid_sales", StaffID: "rep1", Nick: d.rep.Name, AtBot: true, Text: " 金额 40万"}
	d.say(t, fix)
	d.message(t, "cid_sales", "the edit confirmed", "30万 → 40万")
	d.updated(t, logged.OutTrackID, "the card showing 40万", "40万")

	// The rep's 撤销: the answer carries the new card, which DingTalk shows
	// at once; the records' effects go.
	ans = d.drv.Press(t, logged.OutTrackID, "rep1", "撤销")
	if ans.Toast() != "已撤销" || ans.CardData == nil || ans.CardData.CardParamMap["title"] != "已撤销跟进" ||
		ans.CardData.CardParamMap["btn1_show"] != "false" {
		t.Fatalf("撤销 answered %+v (toast %q)", ans.CardData, ans.Toast())
	}
	if c, _ := d.emu.Card(logged.OutTrackID); c.Params["title"] != "已撤销跟进" || len(c.Buttons()) != 0 {
		t.Errorf("card after 撤销 = %q %v", c.Params["title"], c.Buttons())
	}
	if _, err := d.tm.Store.CustomerByName(ctx, d.tm.Tenant.ID, "北斗导航"); !domain.IsNotFound(err) {
		t.Errorf("customer of the undone follow-up still there: %v", err)
	}
	// The outbox PUTs the same version too (after the 修改 one), so a lost
	// answer leaves no live buttons.
	d.emu.WaitCard(t, 15*time.Second, "the card PUT after 撤销", func(c dingtalktest.Card) bool {
		return c.OutTrackID == logged.OutTrackID && c.Updates >= 2 && c.Params["title"] == "已撤销跟进"
	})
}

// TestDingTalkCollectionCardEndToEnd: a rep reports 回款; each finance
// member gets an interactive card in their chat with the robot; a rep's
// 确认到账 is refused, a finance member's confirms the collection, the
// card updates at once and the other finance member's copy is PUT.
func TestDingTalkCollectionCardEndToEnd(t *testing.T) {
	bothDingTalkModes(t, testDingTalkCollectionCard)
}

func testDingTalkCollectionCard(t *testing.T, mode string) {
	d := newDingTalkCards(t, mode)
	lina, chen := larkMemberNamed(t, d.tm, "李娜"), larkMemberNamed(t, d.tm, "陈会计")
	d.bind(t, lina, "lina")
	d.bind(t, chen, "chen")

	m := &dingtalktest.InMessage{ConversationID: "cid_sales", StaffID: "rep1", Nick: d.rep.Name, AtBot: true,
		Text: " 星河科技回款30万已到账"}
	d.say(t, m)
	ack := d.message(t, "cid_sales", "the acknowledgement", "等待财务确认", "李娜")
	if ack.Via != "session" || ack.ReplyTo != m.MsgID {
		t.Errorf("acknowledgement = %+v", ack)
	}
	askLina := d.card(t, "IM_ROBOT", "lina", "confirmation card to 李娜", "回款待确认", "星河科技")
	askChen := d.card(t, "IM_ROBOT", "chen", "confirmation card to 陈会计", "回款待确认", "星河科技")
	if _, ok := askLina.Button("驳回"); !ok {
		t.Errorf("no 驳回 on %v", askLina.Buttons())
	}
	if askLina.Params["btn1_text"] != "确认到账" || askLina.Params["btn1_confirm"] == "" {
		t.Errorf("确认到账 without its confirm question: %v", askLina.Params)
	}

	if mode == "webhook" {
		// A forged press is refused before anything happens.
		action, _ := askLina.Button("确认到账")
		p := d.drv.PressRaw(t, false, d.drv.Callback(askLina, "lina", action), dingtalktest.Forged())
		if p.Status != http.StatusUnauthorized {
			t.Fatalf("forged press: %d, want 401", p.Status)
		}
		if got := d.tm.collectionStatus(t, "星河科技"); got != domain.CollectionPending {
			t.Fatalf("after a forged press the collection is %s", got)
		}
	}

	// A rep pressing 确认到账: refused with the reason, nothing changes.
	ans := d.drv.Press(t, askLina.OutTrackID, "rep1", "确认到账")
	if ans.CardData != nil || !strings.Contains(ans.Toast(), "只有财务") {
		t.Fatalf("rep pressing 确认到账 answered %+v (toast %q)", ans.CardData, ans.Toast())
	}
	if got := d.tm.collectionStatus(t, "星河科技"); got != domain.CollectionPending {
		t.Fatalf("after the rep's press the collection is %s", got)
	}

	// 李娜 confirms: stored, and the answer carries the decided card.
	ans = d.drv.Press(t, askLina.OutTrackID, "lina", "确认到账")
	if !strings.Contains(ans.Toast(), "已确认到账") || ans.CardData == nil {
		t.Fatalf("finance pressing 确认到账 answered %+v (toast %q)", ans.CardData, ans.Toast())
	}
	if got := d.tm.collectionStatus(t, "星河科技"); got != domain.CollectionConfirmed {
		t.Fatalf("after finance's press the collection is %s", got)
	}
	if c, _ := d.emu.Card(askLina.OutTrackID); !strings.Contains(c.Text(), "回款已确认到账") || !strings.Contains(c.Text(), "李娜") ||
		len(c.Buttons()) != 0 {
		t.Errorf("李娜's card after the press = %s %v", c.Text(), c.Buttons())
	}
	// The rep hears of it in the group; 陈会计's copy is PUT.
	d.message(t, "cid_sales", "rep told", "已由财务 李娜 确认到账")
	chenCard := d.updated(t, askChen.OutTrackID, "陈会计's copy updated", "回款已确认到账")
	if chenCard.Updates < 1 || len(chenCard.Buttons()) != 0 {
		t.Errorf("陈会计's copy = %+v", chenCard)
	}
	if c := d.tm.newestCollection(t, "星河科技"); c.ConfirmedByName != lina.Name {
		t.Errorf("confirmed by %q, want %s", c.ConfirmedByName, lina.Name)
	}
	if n := strings.Count(strings.Join(d.tm.collectionAudits(t, "星河科技"), ","), "collection.confirm"); n != 1 {
		t.Errorf("confirm audit rows = %d, want 1", n)
	}
}

// TestDingTalkCollectionRejectEndToEnd: 驳回 on the card in a finance
// member's chat with the robot asks for the reason there; taking it back
// and pressing again works; the reason typed in that chat rejects the
// collection, the rep is told, and the card is PUT.
func TestDingTalkCollectionRejectEndToEnd(t *testing.T) {
	bothDingTalkModes(t, testDingTalkCollectionReject)
}

func testDingTalkCollectionReject(t *testing.T, mode string) {
	d := newDingTalkCards(t, mode)
	chen := larkMemberNamed(t, d.tm, "陈会计")
	d.bind(t, chen, "chen")
	d.say(t, &dingtalktest.InMessage{ConversationID: "cid_sales", StaffID: "rep1", Nick: d.rep.Name, AtBot: true,
		Text: " 星河科技回款25万已到账"})
	ask := d.card(t, "IM_ROBOT", "chen", "confirmation card to 陈会计", "回款待确认", "25万")

	// 驳回 asks for the reason; 陈会计 takes it back, and presses again.
	if ans := d.drv.Press(t, ask.OutTrackID, "chen", "驳回"); !strings.Contains(ans.Toast(), "原因") {
		t.Fatalf("驳回 answered toast %q", ans.Toast())
	}
	say := func(text string) *dingtalktest.InMessage {
		m := &dingtalktest.InMessage{Direct: true, StaffID: "chen", Nick: chen.Name, Text: text}
		d.say(t, m)
		return m
	}
	oops := say("点错了")
	d.emu.WaitFor(t, 15*time.Second, "the 驳回 taken back", func(ms []dingtalktest.Message) bool {
		for _, m := range ms {
			if m.ReplyTo == oops.MsgID && strings.Contains(m.Text, "不驳回") {
				return true
			}
		}
		return false
	})
	if got := d.tm.collectionStatus(t, "星河科技"); got != domain.CollectionPending {
		t.Fatalf("a cancelled 驳回 applied: %s", got)
	}
	if ans := d.drv.Press(t, ask.OutTrackID, "chen", "驳回"); !strings.Contains(ans.Toast(), "原因") {
		t.Fatalf("second 驳回 answered toast %q", ans.Toast())
	}
	why := say("银行流水里没有这笔")
	d.emu.WaitFor(t, 15*time.Second, "the rejection confirmed to 陈会计", func(ms []dingtalktest.Message) bool {
		for _, m := range ms {
			if m.ReplyTo == why.MsgID && strings.Contains(m.Text, "已驳回") {
				return true
			}
		}
		return false
	})
	if got := d.tm.collectionStatus(t, "星河科技"); got != domain.CollectionRejected {
		t.Fatalf("after the reason the collection is %s", got)
	}
	d.message(t, "cid_sales", "rep told of the rejection", "驳回:银行流水里没有这笔")
	d.updated(t, ask.OutTrackID, "the card PUT as rejected", "回款已驳回")
}

// TestDingTalkTaskCardEndToEnd: "@王工 …" makes a task card in the group
// and one in 王工's chat with the robot; only 王工 may press 接受 and 完成;
// the creator is told of each in the group, and the group's card follows.
func TestDingTalkTaskCardEndToEnd(t *testing.T) {
	bothDingTalkModes(t, testDingTalkTaskCard)
}

func testDingTalkTaskCard(t *testing.T, mode string) {
	d := newDingTalkCards(t, mode)
	wang := larkMemberNamed(t, d.tm, "王工")
	d.bind(t, wang, "wang")

	d.say(t, &dingtalktest.InMessage{ConversationID: "cid_sales", StaffID: "rep1", Nick: d.rep.Name, AtBot: true,
		AtStaff: []string{"wang"}, Text: " @王工 周五前给星河科技出一版技术方案"})
	asked := d.card(t, "IM_GROUP", "cid_sales", "the task card in the group", "待接受", "王工")
	dm := d.card(t, "IM_ROBOT", "wang", "the task card to 王工", "技术方案")

	// The creator may not press 接受: the reason names the assignee.
	ans := d.drv.Press(t, asked.OutTrackID, "rep1", "接受")
	if ans.CardData != nil || !strings.Contains(ans.Toast(), "王工") {
		t.Errorf("the creator pressing 接受 answered %+v (toast %q)", ans.CardData, ans.Toast())
	}
	ans = d.drv.Press(t, dm.OutTrackID, "wang", "接受")
	if ans.CardData == nil {
		t.Fatalf("王工 pressing 接受 answered no card (toast %q)", ans.Toast())
	}
	d.message(t, "cid_sales", "creator told of the acceptance", "王工 接受了任务")
	inGroup := d.updated(t, asked.OutTrackID, "the group's card updated", "进行中")
	ans = d.drv.Press(t, inGroup.OutTrackID, "wang", "完成")
	if ans.CardData == nil {
		t.Fatalf("王工 pressing 完成 answered no card (toast %q)", ans.Toast())
	}
	d.message(t, "cid_sales", "creator told of the completion", "王工 完成了任务")

	got := d.tm.reportedTask(t, wang.ID, "技术方案")
	if got == nil || got.Status != domain.TaskDone || got.CreatorName != d.rep.Name || got.CustomerName != "星河科技" {
		t.Fatalf("stored task = %+v", got)
	}
}

// TestDingTalkPressOnForeignCard: a press on a card the bot never sent is
// refused (webhook: 403) or acked and ignored (stream), and nothing is
// stored for it.
func TestDingTalkPressOnForeignCard(t *testing.T) {
	bothDingTalkModes(t, func(t *testing.T, mode string) {
		d := newDingTalkCards(t, mode)
		before := d.tm.inboundEvents(t)
		cb := d.drv.Callback(dingtalktest.Card{OutTrackID: "card-of-another-app", SpaceType: "IM_GROUP", SpaceID: "cid_sales"},
			"rep1", "collection.confirm")
		p := d.drv.PressRaw(t, mode == "stream", cb)
		want := map[string]int{"webhook": http.StatusForbidden, "stream": http.StatusOK}[mode]
		if p.Status != want || p.Reply.CardData != nil {
			t.Errorf("press on a foreign card: %+v, want status %d and no card", p, want)
		}
		if after := d.tm.inboundEvents(t); after != before {
			t.Errorf("%d inbound events stored for it", after-before)
		}
	})
}

// inboundEvents counts the stored inbound events.
func (tm *testMain) inboundEvents(t *testing.T) int64 {
	t.Helper()
	counts, err := tm.Store.CountRows(context.Background(), tm.Tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	return counts["inbound_events"]
}
