package main

import (
	"strings"
	"testing"
	"time"

	"github.com/salesbot/salesbot/bot/bottest"
	"github.com/salesbot/salesbot/bot/dingtalk/dingtalktest"
	"github.com/salesbot/salesbot/domain"
	"github.com/salesbot/salesbot/storage"
)

// TestDingTalkTextButtonsEndToEnd: without a card template, cards are
// markdown that say how to press their buttons, and saying a label in the
// chat presses it on the newest card there: another member's 撤销 is
// refused with the reason in the chat, the rep's 撤销 undoes the
// follow-up, finance's 确认到账 in their one-to-one chat confirms a
// collection. Both modes.
func TestDingTalkTextButtonsEndToEnd(t *testing.T) {
	bothDingTalkModes(t, testDingTalkTextButtons)
}

func testDingTalkTextButtons(t *testing.T, mode string) {
	tm, emu, drv := dingtalkMain(t, mode)
	d := &dingtalkCards{tm: tm, emu: emu, drv: drv, mode: mode}
	d.rep = larkMember(t, tm, func(m domain.Member) bool { return m.Role == domain.RoleSales && m.Active })
	d.bind(t, d.rep, "rep1")
	other := larkMember(t, tm, func(m domain.Member) bool {
		return m.Role == domain.RoleSales && m.Active && m.ID != d.rep.ID
	})
	d.bind(t, other, "rep2")
	lina := larkMemberNamed(t, tm, "李娜")
	d.bind(t, lina, "lina")

	// A report: the markdown card says how to press its buttons.
	d.say(t, &dingtalktest.InMessage{ConversationID: "cid_sales", StaffID: "rep1", Nick: d.rep.Name, AtBot: true,
		Text: " 今天拜访了星河科技张总,报价50万"})
	card := d.message(t, "cid_sales", "the follow-up card", "星河科技", "@我 说「撤销」")
	if card.MsgKey != "markdown" && card.MsgKey != "sampleMarkdown" {
		t.Errorf("card sent as %s: %+v", card.MsgKey, card)
	}

	// Another rep says 撤销: refused, told why, nothing undone.
	d.say(t, &dingtalktest.InMessage{ConversationID: "cid_sales", StaffID: "rep2", Nick: other.Name, AtBot: true, Text: " 撤销"})
	d.message(t, "cid_sales", "the refusal", "只有记录人本人")
	if n := reported(t, tm, d.rep.ID); n != 1 {
		t.Fatalf("after another rep's 撤销: %d active follow-ups, want 1", n)
	}

	// The rep says 撤销: undone, and the card's new version says so.
	d.say(t, &dingtalktest.InMessage{ConversationID: "cid_sales", StaffID: "rep1", Nick: d.rep.Name, AtBot: true, Text: " 撤销。"})
	d.message(t, "cid_sales", "the undone card", "已撤销")
	bottest.Eventually(t, "the follow-up undone", func() bool { return reported(t, tm, d.rep.ID) == 0 })

	// A collection: 李娜 gets the card one-to-one and confirms by saying so.
	d.say(t, &dingtalktest.InMessage{ConversationID: "cid_sales", StaffID: "rep1", Nick: d.rep.Name, AtBot: true,
		Text: " 星河科技回款30万已到账"})
	ask := waitOto(t, emu, "lina", "回款待确认", "回复「确认到账」")
	if strings.Contains(ask.Text, "@我") {
		t.Errorf("a one-to-one card asks to @ the robot: %s", ask.Text)
	}
	d.say(t, &dingtalktest.InMessage{ConversationID: "cid_lina", Direct: true, StaffID: "lina", Nick: "李娜", Text: "确认到账"})
	bottest.Eventually(t, "the collection confirmed", func() bool {
		return tm.collectionStatus(t, "星河科技") == domain.CollectionConfirmed
	})
	d.message(t, "cid_sales", "rep told", "已由财务 李娜 确认到账")

	// The label of a card with no buttons left is an ordinary message again.
	d.say(t, &dingtalktest.InMessage{ConversationID: "cid_lina", Direct: true, StaffID: "lina", Nick: "李娜", Text: "确认到账"})
	// Answered as a message (which collection?), not as a press.
	d.message(t, "cid_lina", "the answer to 确认到账 as a message", "要确认哪一笔")
	if got := tm.collectionStatus(t, "星河科技"); got != domain.CollectionConfirmed {
		t.Errorf("a second 确认到账 changed the collection to %s", got)
	}
}

// reported counts the member's active follow-ups of the report this test
// makes (the demo company has others about 星河科技).
func reported(t *testing.T, tm *testMain, memberID string) int {
	t.Helper()
	fus, err := tm.Store.FollowUps(t.Context(), storage.FollowUpFilter{Tenant: tm.Tenant.ID, MemberID: memberID, Status: domain.FollowUpActive})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range fus {
		if strings.Contains(f.Text, "报价50万") {
			n++
		}
	}
	return n
}

// waitOto waits for a one-to-one message to the staffId showing the words.
func waitOto(t *testing.T, emu *dingtalktest.Emulator, staffID string, words ...string) dingtalktest.Message {
	t.Helper()
	var found dingtalktest.Message
	emu.WaitFor(t, 15*time.Second, "a one-to-one message to "+staffID, func(ms []dingtalktest.Message) bool {
		for _, m := range ms {
			to := m.ConversationID == "user:"+staffID
			for _, u := range m.UserIDs {
				to = to || u == staffID
			}
			ok := to
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
