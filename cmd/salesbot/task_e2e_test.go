package main

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/salesbot/salesbot/domain"
	"github.com/salesbot/salesbot/storage"
)

// TestTaskAssignedAcceptedDone is issue 6's "done when" for tasks, through
// the console with the demo company: a task @-assigned to a presales member
// reaches them, is accepted and completed, and the creator sees it.
func TestTaskAssignedAcceptedDone(t *testing.T) {
	tm := startMain(t, "", true)
	rep := tm.member(t, "sales")
	chat := tm.teamChat(t, rep)
	wang := tm.memberNamed(t, "王工")

	asked := tm.say(t, chat, rep.ID, "@王工 周五前给星河科技出一版技术方案")
	if c := flowCardOf(t, asked); !strings.Contains(c.Header.Title, "待接受") || !strings.Contains(string(asked.Card), "王工") {
		t.Fatalf("task card in the chat = %s %q", asked.Card, asked.Text)
	}
	// It reaches 王工 directly.
	dm := tm.waitMessage(t, "dm:"+wang.ID, "task card in 王工's DM", func(m apiMessage) bool {
		return m.From.Bot && strings.Contains(string(m.Card), "技术方案")
	})
	// Someone else may not press its buttons.
	if code, body := tm.pressButton(t, asked.ID, actionID(t, asked, "接受"), rep.ID); code != http.StatusForbidden || !strings.Contains(body, "王工") {
		t.Errorf("the creator pressing 接受 = %d %s, want 403 naming the assignee", code, body)
	}
	if code, body := tm.pressButton(t, dm.ID, actionID(t, dm, "接受"), wang.ID); code != http.StatusOK {
		t.Fatalf("王工 pressing 接受 = %d %s", code, body)
	}
	tm.waitMessage(t, chat, "creator told of the acceptance", func(m apiMessage) bool {
		return m.From.Bot && m.ReplyTo == asked.ReplyTo && strings.Contains(m.Text, "王工 接受了任务")
	})
	// The copy in the chat was updated too.
	inChat := tm.waitMessage(t, chat, "chat card updated", func(m apiMessage) bool {
		return m.ID == asked.ID && strings.Contains(string(m.Card), "进行中")
	})
	if code, body := tm.pressButton(t, inChat.ID, actionID(t, inChat, "完成"), wang.ID); code != http.StatusOK {
		t.Fatalf("王工 pressing 完成 = %d %s", code, body)
	}
	tm.waitMessage(t, chat, "creator told of the completion", func(m apiMessage) bool {
		return m.From.Bot && m.ReplyTo == asked.ReplyTo && strings.Contains(m.Text, "王工 完成了任务")
	})
	got := tm.reportedTask(t, wang.ID, "技术方案")
	if got == nil || got.Status != domain.TaskDone || got.CreatorName != rep.Name || got.CustomerName != "星河科技" ||
		got.AssigneeRole != domain.RolePresales || got.DueAt.IsZero() || got.DoneAt.IsZero() {
		t.Fatalf("stored task = %+v", got)
	}
	// "我的任务" no longer lists it.
	mine := tm.say(t, "dm:"+wang.ID, wang.ID, "我的任务")
	if strings.Contains(string(mine.Card)+mine.Text, "周五前给星河科技") {
		t.Errorf("我的任务 still lists the done task: %s %s", mine.Card, mine.Text)
	}
}

// TestTaskBadInput: a mention of someone outside the tenant, a due date in
// the past, and a task with nobody to give it to are asked about, and no
// task is made; a task asked of a role goes to a member of that role.
func TestTaskBadInput(t *testing.T) {
	tm := startMain(t, "", true)
	rep := tm.member(t, "sales")
	chat := tm.teamChat(t, rep)
	before := tm.taskCount(t)
	for text, want := range map[string]string{
		"@外人 周五前给星河科技出方案":    "不是公司的成员",
		"/任务 @王工 星河科技 方案 昨天": "已经过去了",
		"这个周五前给星河科技出方案":      "",
	} {
		r := tm.say(t, chat, rep.ID, text)
		if want != "" && !strings.Contains(r.Text, want) {
			t.Errorf("%q answered %q %s, want %q", text, r.Text, r.Card, want)
		}
	}
	if n := tm.taskCount(t); n != before {
		t.Errorf("%d tasks made from bad input", n-before)
	}
	r := tm.say(t, chat, rep.ID, "找个售前 下周二去星河科技做演示")
	if !strings.Contains(string(r.Card), "待接受") || !(strings.Contains(string(r.Card), "王工") || strings.Contains(string(r.Card), "赵工")) {
		t.Errorf("a task asked of presales = %s %q", r.Card, r.Text)
	}
	mine := tm.say(t, "dm:"+rep.ID, rep.ID, "我的任务")
	if mine.Text == "" && len(mine.Card) == 0 {
		t.Error("我的任务 answered nothing")
	}
}

func (tm *testMain) taskCount(t *testing.T) int {
	t.Helper()
	tasks, err := tm.Store.Tasks(context.Background(), storage.TaskFilter{Tenant: tm.Tenant.ID})
	if err != nil {
		t.Fatal(err)
	}
	return len(tasks)
}

// TestRoleChangeByAdminOnly: "/角色 @赵工 财务" is refused to a rep and
// applied, and audited, for an admin.
func TestRoleChangeByAdminOnly(t *testing.T) {
	tm := startMain(t, "", true)
	rep := tm.member(t, "sales")
	admin := tm.member(t, "admin")
	zhao := tm.memberNamed(t, "赵工")
	if r := tm.say(t, "dm:"+rep.ID, rep.ID, "/角色 @赵工 财务"); !strings.Contains(r.Text, "只有管理员") {
		t.Errorf("a rep changing a role got %q", r.Text)
	}
	if r := tm.say(t, "dm:"+admin.ID, admin.ID, "/角色 @赵工 财务"); !strings.Contains(r.Text, "改为财务") {
		t.Fatalf("the admin changing a role got %q", r.Text)
	}
	if got := tm.memberNamed(t, "赵工"); got.Role != "finance" {
		t.Errorf("赵工 is %s after the change", got.Role)
	}
	entries, err := tm.Store.AuditEntries(context.Background(), tm.Tenant.ID, "member", zhao.ID)
	if err != nil || len(entries) != 1 || entries[0].ActorID != admin.ID || !strings.Contains(entries[0].After, "finance") {
		t.Errorf("role change audit = %+v, %v", entries, err)
	}
}

// reportedTask returns the member's task made from a chat message whose
// title has the word, or nil.
func (tm *testMain) reportedTask(t *testing.T, assigneeID, word string) *storage.TaskView {
	t.Helper()
	tasks, err := tm.Store.Tasks(context.Background(), storage.TaskFilter{Tenant: tm.Tenant.ID, AssigneeID: assigneeID})
	if err != nil {
		t.Fatal(err)
	}
	var got *storage.TaskView
	for i := range tasks {
		if strings.Contains(tasks[i].Title, word) && tasks[i].SourceMessageID != "" {
			got = &tasks[i]
		}
	}
	return got
}
