package handlers

import (
	"context"
	"fmt"
	"strings"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/domain"
)

// Act handles 接受, 完成 and 转交 on a task card. Only the assignee, or a
// manager or admin, may press them (checked against the database at every
// press); each change is conditional on the task's current status, so a
// double click changes it once, and the creator hears of it in the thread
// where they asked.
func (h *Tasks) Act(ctx context.Context, m *bot.Message) (bot.Reply, error) {
	t, actor, err := h.mayAct(ctx, m, m.Action.Ref)
	if err != nil {
		return bot.Reply{}, err
	}
	switch m.Action.ID {
	case actAcceptTask:
		return h.move(ctx, m, actor, t, []string{domain.TaskOpen}, domain.TaskAccepted, "")
	case actDoneTask:
		return h.move(ctx, m, actor, t, []string{domain.TaskOpen, domain.TaskAccepted}, domain.TaskDone, "")
	case actHandoverTask:
		if t.Status != domain.TaskOpen && t.Status != domain.TaskAccepted {
			return h.unchanged(ctx, m, t)
		}
		now := h.now()
		_, err := h.store.CreatePrompt(ctx, domain.Prompt{TenantID: m.Tenant, MemberID: m.Member.ID,
			Platform: string(m.Platform), ChatID: m.Chat.ID, Kind: promptHandover, Ref: t.ID,
			MessageID: m.MessageID, ExpiresAt: now.Add(flowPromptTTL), CreatedAt: now})
		if err != nil {
			return bot.Reply{}, fmt.Errorf("hand over task: %w", err)
		}
		return bot.Reply{Toast: "转交给谁?", Text: m.Member.Name + ",这个任务转交给谁?请 @ 一位同事(30 分钟内回复)。"}, nil
	}
	return bot.Reply{}, domain.Errorf(domain.NotFound, "这个按钮已失效")
}

// mayAct loads the task and refuses anyone but its assignee or a manager.
func (h *Tasks) mayAct(ctx context.Context, m *bot.Message, id string) (domain.Task, domain.Member, error) {
	if id == "" {
		return domain.Task{}, domain.Member{}, domain.Errorf(domain.NotFound, "这张卡片已失效")
	}
	actor, err := h.currentMember(ctx, m)
	if err != nil {
		return domain.Task{}, domain.Member{}, err
	}
	t, err := h.store.TaskByID(ctx, m.Tenant, id)
	if err != nil {
		return domain.Task{}, domain.Member{}, fmt.Errorf("task: %w", err)
	}
	if t.AssigneeID != actor.ID && !actor.Role.Can(domain.PermReassignTask) {
		name := "负责人"
		if a, err := h.store.MemberByID(ctx, m.Tenant, t.AssigneeID); err == nil {
			name = "负责人 " + a.Name
		}
		return domain.Task{}, domain.Member{}, domain.Errorf(domain.Forbidden, "只有%s或经理可以操作这个任务,任务没有变化。", name)
	}
	return t, actor, nil
}

var taskVerbs = map[string]string{domain.TaskAccepted: "接受了", domain.TaskDone: "完成了", domain.TaskOpen: "转交了"}

// move changes a task's status (and assignee, for a handover) from one of
// from to to, once.
func (h *Tasks) move(ctx context.Context, m *bot.Message, actor domain.Member, t domain.Task, from []string, to, assignee string) (bot.Reply, error) {
	now := h.now()
	ok, err := h.store.SetTaskStatus(ctx, m.Tenant, t.ID, from, to, assignee, now)
	if err != nil {
		return bot.Reply{}, fmt.Errorf("task %s: %w", to, err)
	}
	if !ok {
		return h.unchanged(ctx, m, t)
	}
	before := taskState(t)
	t.Status = to
	action := "task." + to
	if assignee != "" {
		t.AssigneeID, action = assignee, "task.reassign"
	}
	if to == domain.TaskDone {
		t.DoneAt = now
	}
	if err := h.auditJSON(ctx, m.Tenant, actor.ID, action, "task", t.ID, before, taskState(t), m.ID); err != nil {
		return bot.Reply{}, fmt.Errorf("task %s: %w", to, err)
	}
	v, err := h.view(ctx, m.Tenant, t)
	if err != nil {
		return bot.Reply{}, err
	}
	card := taskCard(v, h.loc)
	pressed := ""
	reply := bot.Reply{Toast: "已" + strings.TrimSuffix(taskVerbs[to], "了")}
	if m.IsAction() {
		pressed, reply.UpdateCard = m.MessageID, card
	}
	copies, err := h.updateCopies(ctx, m.Tenant, "task", t.ID, pressed, card)
	if err != nil {
		return bot.Reply{}, err
	}
	reply.Also = copies
	tell := fmt.Sprintf("%s %s任务:%s", actor.Name, taskVerbs[to], t.Title)
	if assignee != "" {
		tell = fmt.Sprintf("%s 把任务转交给了 %s:%s", actor.Name, v.Assignee, t.Title)
		reply.Also = append(reply.Also, bot.Outgoing{To: bot.Target{MemberID: assignee}, Card: card})
	}
	if t.CreatorID != actor.ID {
		if out, ok := inThread(t.SourcePlatform, t.SourceChatID, t.SourceMessageID, tell); ok {
			reply.Also = append(reply.Also, out)
		} else if t.CreatorID != "" {
			reply.Also = append(reply.Also, bot.Outgoing{To: bot.Target{MemberID: t.CreatorID}, Text: tell})
		}
	}
	return reply, nil
}

// unchanged answers a press that changes nothing (the task moved on
// already): the card shows the task as it is.
func (h *Tasks) unchanged(ctx context.Context, m *bot.Message, t domain.Task) (bot.Reply, error) {
	cur, err := h.store.TaskByID(ctx, m.Tenant, t.ID)
	if err != nil {
		return bot.Reply{}, fmt.Errorf("task: %w", err)
	}
	v, err := h.view(ctx, m.Tenant, cur)
	if err != nil {
		return bot.Reply{}, err
	}
	msg := fmt.Sprintf("任务已是“%s”状态,没有变化。", taskStatusLabel(cur.Status))
	if m.IsAction() {
		return bot.Reply{Toast: msg, UpdateCard: taskCard(v, h.loc)}, nil
	}
	return bot.Reply{Text: msg}, nil
}

// Handover takes the answer to 转交's question: the @-mentioned colleague
// becomes the assignee and gets the card.
func (h *Tasks) Handover(ctx context.Context, m *bot.Message) (bot.Reply, error) {
	pr, ok := h.askedFor(ctx, m, promptHandover)
	if !ok {
		return NotUnderstood(ctx, m)
	}
	t, actor, err := h.mayAct(ctx, m, pr.Ref)
	if err != nil {
		return bot.Reply{}, err
	}
	p, _, members, err := h.parser(ctx, m.Tenant)
	if err != nil {
		return bot.Reply{}, fmt.Errorf("hand over task: %w", err)
	}
	var names []string
	for _, it := range p.Parse(m.Text, h.msgTime(m)) {
		names = append(names, it.Mentions...)
	}
	if len(names) == 0 {
		return bot.Reply{Text: "转交给谁?请 @ 一位同事。"}, nil
	}
	to, reply := mentioned(members, names[0])
	if reply != nil {
		return *reply, nil
	}
	if to.ID == t.AssigneeID {
		return bot.Reply{Text: to.Name + " 已经是这个任务的负责人了。"}, nil
	}
	if _, err := h.store.ResolvePrompt(ctx, m.Tenant, pr.ID, h.now()); err != nil {
		return bot.Reply{}, fmt.Errorf("hand over task: %w", err)
	}
	r, err := h.move(ctx, m, actor, t, []string{domain.TaskOpen, domain.TaskAccepted}, domain.TaskOpen, to.ID)
	if err != nil {
		return bot.Reply{}, err
	}
	r.Text = "已转交给 " + to.Name + "。"
	return r, nil
}

// Mine answers "我的任务" with the member's open tasks.
func (h *Tasks) Mine(ctx context.Context, m *bot.Message) (bot.Reply, error) {
	tasks, err := h.store.OpenTasksOf(ctx, m.Tenant, m.Member.ID)
	if err != nil {
		return bot.Reply{}, fmt.Errorf("my tasks: %w", err)
	}
	if len(tasks) == 0 {
		return bot.Reply{Text: "你现在没有未完成的任务。"}, nil
	}
	var views []taskView
	for _, t := range tasks {
		v, err := h.view(ctx, m.Tenant, t)
		if err != nil {
			return bot.Reply{}, err
		}
		views = append(views, v)
	}
	return bot.Reply{Card: myTasksCard(views, h.now(), h.loc)}, nil
}

// view adds the names a card shows to a task.
func (h *Tasks) view(ctx context.Context, tenant string, t domain.Task) (taskView, error) {
	v := taskView{Task: t}
	for _, x := range []struct {
		id   string
		name *string
	}{{t.CreatorID, &v.Creator}, {t.AssigneeID, &v.Assignee}} {
		if x.id == "" {
			continue
		}
		mb, err := h.store.MemberByID(ctx, tenant, x.id)
		if err != nil && !domain.IsNotFound(err) {
			return v, err
		}
		*x.name = mb.Name
	}
	if t.CustomerID != "" {
		cs, err := h.store.Customers(ctx, tenant)
		if err != nil {
			return v, err
		}
		for _, c := range cs {
			if c.ID == t.CustomerID {
				v.Customer = c.Name
			}
		}
	}
	return v, nil
}
