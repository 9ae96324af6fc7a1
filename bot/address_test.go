package bot_test

import (
	"context"
	"testing"

	"github.com/salesbot/salesbot/bot"
)

// A message for a member (reminders, finance requests) is addressed to a
// platform where the member can be reached; on the console that is their
// direct chat with the bot. Unreachable members are skipped, not fatal.
func TestEnqueueAddressesMembers(t *testing.T) {
	h := newHarness(t)
	k := h.newKernel()
	stop := h.run(k)
	defer stop()
	err := k.Enqueue(context.Background(), h.store.Tenant(),
		bot.Outgoing{To: bot.Target{MemberID: "m-1"}, Text: "今天记得跟进星河科技"},
		bot.Outgoing{Platform: bot.Console, To: bot.Target{ChatID: "oc_sales"}, Text: "群消息"},
	)
	if err != nil {
		t.Fatal(err)
	}
	sent := h.adapter.WaitSent(t, 2)
	byText := map[string]bot.Outgoing{}
	for _, o := range sent {
		byText[o.Text] = o
	}
	dm := byText["今天记得跟进星河科技"]
	if dm.Platform != bot.Console || dm.To.UserID != "m-1" || dm.To.MemberID != "m-1" {
		t.Errorf("member message went to %+v on %s, want the console user m-1", dm.To, dm.Platform)
	}
	if byText["群消息"].To.ChatID != "oc_sales" {
		t.Errorf("chat message went to %+v", byText["群消息"].To)
	}
}
