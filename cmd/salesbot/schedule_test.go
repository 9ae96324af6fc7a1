package main

import (
	"context"
	"strings"
	"testing"
	"time"
)

// The evening nudge and the morning next-step reminders reach reps in their
// direct chat with the bot, once per slot however often the scheduler looks.
func TestScheduledReminders(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	now := time.Date(2026, 12, 2, 18, 5, 0, 0, loc) // a Wednesday, a workday
	tm := startMainWith(t, "", true, func(m *Main) { m.Now = func() time.Time { return now } })
	ctx := context.Background()

	// Main's own scheduler looks at start-up too; however many looks, each
	// slot runs once.
	tm.sched.RunDue(ctx)
	tm.sched.RunDue(ctx)
	rep := tm.member(t, "sales")
	deadline := time.Now().Add(10 * time.Second)
	var texts []string
	for time.Now().Before(deadline) {
		var msgs []apiMessage
		tm.get(t, "/console/api/messages?chat=dm:"+rep.ID+"&wait=2", &msgs)
		texts = texts[:0]
		for _, m := range msgs {
			texts = append(texts, m.Text+string(m.Card))
		}
		if len(texts) > 0 && strings.Contains(strings.Join(texts, "\n"), "今天还没有记录跟进") {
			break
		}
	}
	all := strings.Join(texts, "\n")
	if n := strings.Count(all, rep.Name+",今天还没有记录跟进"); n != 1 {
		t.Errorf("%s got %d private nudges, want 1; their chat with the bot has:\n%s", rep.Name, n, all)
	}
	// Nobody is nudged in a group chat.
	var chats []apiChat
	tm.get(t, "/console/api/chats", &chats)
	for _, c := range chats {
		if strings.HasPrefix(c.ID, "dm:") {
			continue
		}
		var msgs []apiMessage
		tm.get(t, "/console/api/messages?chat="+c.ID, &msgs)
		for _, m := range msgs {
			if strings.Contains(m.Text, "还没有记录跟进") {
				t.Errorf("a nudge went to the group %s", c.Name)
			}
		}
	}
}
