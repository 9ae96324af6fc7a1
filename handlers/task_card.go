package handlers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/domain"
)

// taskView is a task with the names its cards show.
type taskView struct {
	domain.Task
	Creator  string
	Assignee string
	Customer string
}

func taskStatusLabel(s string) string {
	switch s {
	case domain.TaskOpen:
		return "待接受"
	case domain.TaskAccepted:
		return "进行中"
	case domain.TaskDone:
		return "已完成"
	case domain.TaskCancelled:
		return "已取消"
	}
	return s
}

// taskCard shows a task; while it is open it carries 接受 / 完成 / 转交.
func taskCard(v taskView, loc *time.Location) *bot.Card {
	fs := []bot.Field{{Label: "负责人", Value: v.Assignee}, {Label: "发起人", Value: v.Creator},
		{Label: "状态", Value: taskStatusLabel(v.Status)}}
	if v.Customer != "" {
		fs = append(fs, bot.Field{Label: "客户", Value: v.Customer})
	}
	if !v.DueAt.IsZero() {
		fs = append(fs, bot.Field{Label: "截止", Value: v.DueAt.In(loc).Format("2006-01-02 15:04")})
	}
	status := bot.StatusInfo
	switch v.Status {
	case domain.TaskDone:
		status = bot.StatusSuccess
	case domain.TaskCancelled:
		status = bot.StatusNeutral
	}
	card := &bot.Card{
		Header:   bot.Header{Title: "任务 · " + taskStatusLabel(v.Status), Subtitle: v.Title, Status: status},
		Elements: []bot.Element{bot.Fields(fs...)},
	}
	switch v.Status {
	case domain.TaskOpen:
		card.Actions = []bot.Action{
			{ID: actAcceptTask, Label: "接受", Style: bot.ButtonPrimary, Ref: v.ID},
			{ID: actDoneTask, Label: "完成", Ref: v.ID},
			{ID: actHandoverTask, Label: "转交", Ref: v.ID},
		}
	case domain.TaskAccepted:
		card.Actions = []bot.Action{
			{ID: actDoneTask, Label: "完成", Style: bot.ButtonPrimary, Ref: v.ID},
			{ID: actHandoverTask, Label: "转交", Ref: v.ID},
		}
	}
	return card
}

// myTasksCard lists a member's open tasks, overdue ones marked.
func myTasksCard(views []taskView, now time.Time, loc *time.Location) *bot.Card {
	var b strings.Builder
	for i, v := range views {
		if i == 20 {
			fmt.Fprintf(&b, "- ……还有 %d 项\n", len(views)-20)
			break
		}
		due := "无截止时间"
		if !v.DueAt.IsZero() {
			due = v.DueAt.In(loc).Format("1月2日 15:04")
			if v.DueAt.Before(now) {
				due += " **已逾期**"
			}
		}
		cust := ""
		if v.Customer != "" {
			cust = " · " + v.Customer
		}
		fmt.Fprintf(&b, "- [%s] %s%s · %s · 来自 %s\n", taskStatusLabel(v.Status), oneLine(v.Title, 40), cust, due, v.Creator)
	}
	return &bot.Card{
		Header:   bot.Header{Title: "我的任务", Subtitle: fmt.Sprintf("共 %d 项未完成", len(views)), Status: bot.StatusInfo},
		Elements: []bot.Element{bot.Markdown(strings.TrimRight(b.String(), "\n")), bot.Note("在任务卡片上点 接受 / 完成 / 转交。")},
	}
}

// TaskReminderStore is what the task reminders need.
type TaskReminderStore interface {
	bot.Transactor
	OpenTasksDueBefore(ctx context.Context, tenant string, before time.Time) ([]domain.Task, error)
	ClaimTaskNotice(ctx context.Context, tenant, id, stage string, at time.Time) (bool, error)
	MemberByID(ctx context.Context, tenant, id string) (domain.Member, error)
	ManagerOf(ctx context.Context, tenant, memberID string) (domain.Member, error)
}

// Task notice stages (storage.TaskNotice*).
const (
	taskNoticeReminder  = "reminder"
	taskNoticeOverdue   = "overdue"
	taskNoticeEscalated = "escalated"
)

// TaskReminders remind a task's assignee before its due time, tell them
// when it is overdue, and tell their manager once it is a working day
// overdue. It runs every few minutes; each notice is marked on the task in
// the transaction that queues it, so it goes out once per task and stage.
type TaskReminders struct {
	Store  TaskReminderStore
	Out    Sender
	Tenant string
	Loc    *time.Location
	// Before is how long before the due time the reminder goes out.
	Before time.Duration
	// IsWorkday tells workdays (the China calendar) for the escalation.
	IsWorkday func(time.Time) bool
}

// Run sends the notices due at now.
func (r *TaskReminders) Run(ctx context.Context, now time.Time) error {
	tasks, err := r.Store.OpenTasksDueBefore(ctx, r.Tenant, now.Add(r.Before))
	if err != nil {
		return fmt.Errorf("task reminders: %w", err)
	}
	// One task failing does not keep the others from their notices.
	var errs []error
	for _, t := range tasks {
		if t.AssigneeID == "" {
			continue
		}
		err := r.Store.InTx(ctx, func(ctx context.Context) error { return r.notify(ctx, t, now) })
		if err != nil {
			errs = append(errs, fmt.Errorf("task reminder %s: %w", t.ID, err))
		}
	}
	return errors.Join(errs...)
}

func (r *TaskReminders) notify(ctx context.Context, t domain.Task, now time.Time) error {
	due := t.DueAt.In(r.Loc).Format("1月2日 15:04")
	var outs []bot.Outgoing
	claim := func(stage string) (bool, error) { return r.Store.ClaimTaskNotice(ctx, r.Tenant, t.ID, stage, now) }
	if now.Before(t.DueAt) {
		ok, err := claim(taskNoticeReminder)
		if err != nil {
			return err
		}
		if ok {
			outs = append(outs, bot.Outgoing{To: bot.Target{MemberID: t.AssigneeID},
				Text: fmt.Sprintf("任务提醒:“%s”将在 %s 到期。完成后在任务卡片上点 完成。", oneLine(t.Title, 60), due)})
		}
		return r.send(ctx, outs)
	}
	ok, err := claim(taskNoticeOverdue)
	if err != nil {
		return err
	}
	if ok {
		outs = append(outs, bot.Outgoing{To: bot.Target{MemberID: t.AssigneeID},
			Text: fmt.Sprintf("任务逾期:“%s”已于 %s 到期。做完了请在卡片上点 完成;需要别人接手就点 转交。", oneLine(t.Title, 60), due)})
	}
	if !now.Before(r.escalateAt(t.DueAt)) {
		ok, err := claim(taskNoticeEscalated)
		if err != nil {
			return err
		}
		mgr, err := r.Store.ManagerOf(ctx, r.Tenant, t.AssigneeID)
		if err != nil && !domain.IsNotFound(err) {
			return err
		}
		if ok && err == nil {
			a, err := r.Store.MemberByID(ctx, r.Tenant, t.AssigneeID)
			if err != nil {
				return err
			}
			outs = append(outs, bot.Outgoing{To: bot.Target{MemberID: mgr.ID},
				Text: fmt.Sprintf("任务逾期超过 1 个工作日:%s 负责的“%s”已于 %s 到期,还没有完成。", a.Name, oneLine(t.Title, 60), due)})
		}
	}
	return r.send(ctx, outs)
}

// escalateAt is one working day after the due time: the same clock time on
// the next workday after the due day.
func (r *TaskReminders) escalateAt(due time.Time) time.Time {
	d := due.In(r.Loc)
	for i := 0; i < 60; i++ {
		d = d.AddDate(0, 0, 1)
		if r.IsWorkday == nil || r.IsWorkday(d) {
			return d
		}
	}
	return d
}

func (r *TaskReminders) send(ctx context.Context, outs []bot.Outgoing) error {
	if len(outs) == 0 {
		return nil
	}
	return r.Out.Enqueue(ctx, r.Tenant, outs...)
}
