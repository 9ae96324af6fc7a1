package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/domain"
	"github.com/salesbot/salesbot/storage"
)

// TestCollectionDecisionsAreConditional: of two confirmations (a double
// click, two finance members, a retried callback) exactly one changes the
// collection, and a plan is reminded once per day and escalated once.
func TestCollectionDecisionsAreConditional(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		tenant := newTenant(t, s)
		rep := newMember(t, s, tenant, "王小明")
		cust, err := s.CreateCustomer(ctx, domain.Customer{TenantID: tenant, Name: "星河科技"})
		if err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 12, 2, 2, 0, 0, 0, time.UTC)
		c, err := s.CreateCollection(ctx, domain.Collection{TenantID: tenant, CustomerID: cust.ID, MemberID: rep.ID,
			Amount: domain.Yuan(300000), Currency: "CNY", SourcePlatform: "console", SourceChatID: "team:1",
			SourceMessageID: "msg-1", CreatedAt: now})
		if err != nil {
			t.Fatal(err)
		}
		ok1, err1 := s.ConfirmCollection(ctx, tenant, c.ID, "f1", domain.Yuan(280000), now)
		ok2, err2 := s.ConfirmCollection(ctx, tenant, c.ID, "f2", domain.Yuan(300000), now)
		ok3, err3 := s.RejectCollection(ctx, tenant, c.ID, "f2", "不对", now)
		if err1 != nil || err2 != nil || err3 != nil || !ok1 || ok2 || ok3 {
			t.Fatalf("decisions = %v %v %v (%v %v %v), want only the first", ok1, ok2, ok3, err1, err2, err3)
		}
		got, _ := s.CollectionByID(ctx, tenant, c.ID)
		if got.ConfirmedBy != "f1" || got.ConfirmedAmount != domain.Yuan(280000) || got.SourceMessageID != "msg-1" || got.SourceChatID != "team:1" {
			t.Errorf("after the decisions = %+v", got)
		}

		plan, err := s.CreateCollection(ctx, domain.Collection{TenantID: tenant, CustomerID: cust.ID, MemberID: rep.ID,
			Amount: domain.Yuan(200000), Status: domain.CollectionPlanned, DueDate: time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		due, err := s.PlannedCollectionsDue(ctx, tenant, "2026-12-05")
		if err != nil || len(due) != 1 || due[0].ID != plan.ID {
			t.Fatalf("PlannedCollectionsDue = %v, %v", due, err)
		}
		if due, _ := s.PlannedCollectionsDue(ctx, tenant, "2026-12-04"); len(due) != 0 {
			t.Errorf("a plan due later is listed: %v", due)
		}
		a, _ := s.ClaimCollectionReminder(ctx, tenant, plan.ID, "2026-12-02")
		b, _ := s.ClaimCollectionReminder(ctx, tenant, plan.ID, "2026-12-02")
		c2, _ := s.ClaimCollectionReminder(ctx, tenant, plan.ID, "2026-12-05")
		if !a || b || !c2 {
			t.Errorf("reminder claims = %v %v %v, want once per day", a, b, c2)
		}
		e1, _ := s.ClaimCollectionEscalation(ctx, tenant, plan.ID, now)
		e2, _ := s.ClaimCollectionEscalation(ctx, tenant, plan.ID, now)
		if !e1 || e2 {
			t.Errorf("escalation claims = %v %v, want once", e1, e2)
		}
		p, err := s.PlannedCollection(ctx, tenant, cust.ID, rep.ID)
		if err != nil || p.ID != plan.ID {
			t.Fatalf("PlannedCollection = %v, %v", p, err)
		}
		p.Amount, p.SourceMessageID = domain.Yuan(150000), "msg-2"
		r1, _ := s.ReportPlannedCollection(ctx, p, now)
		r2, _ := s.ReportPlannedCollection(ctx, p, now)
		if !r1 || r2 {
			t.Errorf("reporting a plan = %v %v, want once", r1, r2)
		}
		if _, err := s.PlannedCollection(ctx, tenant, cust.ID, rep.ID); !domain.IsNotFound(err) {
			t.Errorf("a reported plan is still planned: %v", err)
		}
	})
}

// TestTaskRoutingAndNotices covers the queries behind task routing and the
// once-per-stage notices.
func TestTaskRoutingAndNotices(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		tenant := newTenant(t, s)
		a := newMember(t, s, tenant, "王工")
		b := newMember(t, s, tenant, "赵工")
		now := time.Date(2026, 12, 2, 2, 0, 0, 0, time.UTC)
		mk := func(assignee string, due time.Time, status string) domain.Task {
			task, err := s.CreateTask(ctx, domain.Task{TenantID: tenant, CreatorID: a.ID, AssigneeID: assignee,
				Title: "方案", DueAt: due, Status: status, SourceChatID: "team:1", SourceMessageID: "m", CreatedAt: now})
			if err != nil {
				t.Fatal(err)
			}
			return task
		}
		t1 := mk(a.ID, now.Add(time.Hour), domain.TaskOpen)
		mk(a.ID, now.Add(48*time.Hour), domain.TaskAccepted)
		mk(b.ID, time.Time{}, domain.TaskDone)
		load, err := s.OpenTaskLoad(ctx, tenant, []string{a.ID, b.ID})
		if err != nil || load[a.ID] != 2 || load[b.ID] != 0 {
			t.Errorf("OpenTaskLoad = %v, %v", load, err)
		}
		last, err := s.LastAssigned(ctx, tenant, []string{a.ID, b.ID})
		if err != nil || !last[a.ID].Equal(now) || !last[b.ID].Equal(now) {
			t.Errorf("LastAssigned = %v, %v", last, err)
		}
		due, err := s.OpenTasksDueBefore(ctx, tenant, now.Add(2*time.Hour))
		if err != nil || len(due) != 1 || due[0].ID != t1.ID || due[0].SourceMessageID != "m" {
			t.Fatalf("OpenTasksDueBefore = %v, %v", due, err)
		}
		for _, stage := range []string{storage.TaskNoticeReminder, storage.TaskNoticeOverdue, storage.TaskNoticeEscalated} {
			x, _ := s.ClaimTaskNotice(ctx, tenant, t1.ID, stage, now)
			y, _ := s.ClaimTaskNotice(ctx, tenant, t1.ID, stage, now)
			if !x || y {
				t.Errorf("%s claims = %v %v, want once", stage, x, y)
			}
		}
		if due, _ := s.OpenTasksDueBefore(ctx, tenant, now.Add(2*time.Hour)); len(due) != 0 {
			t.Errorf("an escalated task is still listed: %v", due)
		}
		mine, err := s.OpenTasksOf(ctx, tenant, a.ID)
		if err != nil || len(mine) != 2 || mine[0].ID != t1.ID {
			t.Errorf("OpenTasksOf = %v, %v", mine, err)
		}
		// Handing the task over gives the new assignee its notices afresh.
		if ok, err := s.SetTaskStatus(ctx, tenant, t1.ID, []string{domain.TaskOpen, domain.TaskAccepted}, domain.TaskOpen, b.ID, now); err != nil || !ok {
			t.Fatalf("hand over = %v, %v", ok, err)
		}
		if ok, _ := s.ClaimTaskNotice(ctx, tenant, t1.ID, storage.TaskNoticeOverdue, now); !ok {
			t.Error("the new assignee's overdue notice is still marked sent")
		}
		if _, err := s.ManagerOf(ctx, tenant, a.ID); !domain.IsNotFound(err) {
			t.Errorf("ManagerOf a member without one = %v", err)
		}
	})
}

// TestCardMessages finds the sent cards that act on a record through its
// audit trail.
func TestCardMessages(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		tenant := newTenant(t, s)
		now := time.Now()
		ev := bot.InboxEvent{ID: "in-1", Tenant: tenant, Event: bot.Event{ID: "ev-1", Kind: bot.KindMessage, Platform: bot.Console}, Status: bot.EventReceived, ReceivedAt: now}
		if _, err := s.InsertEvent(ctx, ev); err != nil {
			t.Fatal(err)
		}
		card := &bot.Card{Actions: []bot.Action{{ID: "collection.confirm", Ref: "c1"}}}
		other := &bot.Card{Actions: []bot.Action{{ID: "collection.confirm", Ref: "c2"}}}
		items := []bot.OutboxItem{
			{ID: "o1", Tenant: tenant, Out: bot.Outgoing{Platform: bot.Console, To: bot.Target{ChatID: "finance"}, Card: card}, SourceEventID: "in-1", CreatedAt: now},
			{ID: "o2", Tenant: tenant, Out: bot.Outgoing{Platform: bot.Console, To: bot.Target{UserID: "f1"}, Card: other}, SourceEventID: "in-1", CreatedAt: now},
			{ID: "o3", Tenant: tenant, Out: bot.Outgoing{Platform: bot.Console, To: bot.Target{ChatID: "team"}, Text: "ok"}, SourceEventID: "in-1", CreatedAt: now},
		}
		if err := s.Enqueue(ctx, items); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"o1", "o2", "o3"} {
			if err := s.MarkSent(ctx, id, "msg-"+id, now); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.AppendAudit(ctx, domain.AuditEntry{TenantID: tenant, Action: "collection.report", Entity: "collection", EntityID: "c1", SourceEventID: "ev-1", At: now}); err != nil {
			t.Fatal(err)
		}
		got, err := s.CardMessages(ctx, tenant, "collection", "c1")
		if err != nil || len(got) != 1 || got[0].MessageID != "msg-o1" || got[0].Out.To.ChatID != "finance" {
			t.Fatalf("CardMessages = %+v, %v", got, err)
		}
		if got, _ := s.CardMessages(ctx, tenant, "collection", "c9"); len(got) != 0 {
			t.Errorf("a record without audit rows has cards: %v", got)
		}
	})
}

// TestUpgradeFromV3 upgrades a database with collections and tasks written
// by v3 (no source or notice columns) and reads them back.
func TestUpgradeFromV3(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		if err := s.MigrateTo(ctx, 3); err != nil {
			t.Fatal(err)
		}
		created := time.Date(2026, 3, 2, 1, 30, 0, 0, time.UTC)
		execV1(t, s, "INSERT INTO tenants (id, name, timezone, lark_tenant_key, wecom_corp_id, dingtalk_corp_id, created_at) VALUES ('t1', 'x', 'Asia/Shanghai', '', '', '', ?)", created)
		execV1(t, s, "INSERT INTO collections (id, tenant_id, customer_id, opportunity_id, member_id, amount, currency, confirmed_amount, status, due_date, confirmed_by, confirmed_at, reject_reason, source_event_id, created_at, updated_at) "+
			"VALUES ('k1', 't1', 'c1', '', 'm1', 100, 'CNY', 0, 'planned', '2026-03-09', '', NULL, '', '', ?, ?)", created, created)
		execV1(t, s, "INSERT INTO tasks (id, tenant_id, creator_id, assignee_id, assignee_role, customer_id, title, due_at, status, done_at, source_event_id, created_at, updated_at) "+
			"VALUES ('x1', 't1', 'm1', 'm2', 'presales', '', '方案', ?, 'open', NULL, 'ev', ?, ?)", created.Add(time.Hour), created, created)
		future := time.Now().UTC().AddDate(1, 0, 0)
		execV1(t, s, "INSERT INTO tasks (id, tenant_id, creator_id, assignee_id, assignee_role, customer_id, title, due_at, status, done_at, source_event_id, created_at, updated_at) "+
			"VALUES ('x2', 't1', 'm1', 'm2', 'presales', '', '演示', ?, 'open', NULL, 'ev2', ?, ?)", future, created, created)
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		// Idempotent: running v4 again changes nothing.
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.ClaimCollectionReminder(ctx, "t1", "k1", "2026-03-06"); err != nil || !ok {
			t.Errorf("reminder claim on an upgraded row = %v, %v", ok, err)
		}
		// A task already past due at the upgrade counts as notified: no
		// burst of months-late notices after upgrading.
		if ok, err := s.ClaimTaskNotice(ctx, "t1", "x1", storage.TaskNoticeOverdue, created); err != nil || ok {
			t.Errorf("overdue notice claimable on a task past due before the upgrade = %v, %v", ok, err)
		}
		ok, err := s.ClaimTaskNotice(ctx, "t1", "x2", storage.TaskNoticeOverdue, created)
		if err != nil || !ok {
			t.Errorf("notice claim on an upgraded row = %v, %v", ok, err)
		}
		task, err := s.TaskByID(ctx, "t1", "x1")
		if err != nil || task.SourceEventID != "ev" || task.SourceChatID != "" || task.Title != "方案" {
			t.Errorf("upgraded task = %+v, %v", task, err)
		}
		k, err := s.CollectionByID(ctx, "t1", "k1")
		if err != nil || k.Status != domain.CollectionPlanned || k.DueDate.Format(time.DateOnly) != "2026-03-09" {
			t.Errorf("upgraded collection = %+v, %v", k, err)
		}
	})
}
