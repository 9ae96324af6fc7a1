package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/salesbot/salesbot/domain"
	"github.com/salesbot/salesbot/storage"
)

func TestProgressReads(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		tenant := newTenant(t, s)
		a, b := newMember(t, s, tenant, "刘洋洋"), newMember(t, s, tenant, "张晓明")
		for _, d := range []domain.DailyStat{
			{TenantID: tenant, MemberID: a.ID, Day: "2026-11-30", FollowUps: 9},
			{TenantID: tenant, MemberID: a.ID, Day: "2026-12-01", FollowUps: 2, Signed: domain.Yuan(100)},
			{TenantID: tenant, MemberID: a.ID, Day: "2026-12-02", FollowUps: 1, Collected: domain.Yuan(50)},
			{TenantID: tenant, MemberID: b.ID, Day: "2026-12-02", NewCustomers: 1},
		} {
			if err := s.AddDailyStat(ctx, d); err != nil {
				t.Fatal(err)
			}
		}
		tot, err := s.MemberTotals(ctx, tenant, "2026-12-01", "2026-12-31")
		if err != nil || len(tot) != 2 {
			t.Fatalf("MemberTotals = %+v, %v", tot, err)
		}
		for _, x := range tot {
			if x.MemberID == a.ID && (x.FollowUps != 3 || x.Signed != domain.Yuan(100) || x.Collected != domain.Yuan(50)) {
				t.Errorf("totals of %s = %+v", a.Name, x)
			}
		}
		for _, p := range []string{"2026-12", "2026-Q4", "2025-12"} {
			if _, err := s.SetTarget(ctx, domain.Target{TenantID: tenant, Scope: domain.ScopeMember, ScopeID: a.ID,
				Metric: domain.MetricSigned, Period: p, Value: 100}); err != nil {
				t.Fatal(err)
			}
		}
		ts, err := s.TargetsFor(ctx, tenant, []string{"2026-12", "2026-Q4"})
		if err != nil || len(ts) != 2 {
			t.Errorf("TargetsFor = %d targets, %v; want 2", len(ts), err)
		}
		res, err := s.ImportTargets(ctx, tenant, []domain.Target{
			{Scope: domain.ScopeMember, ScopeID: a.ID, Metric: domain.MetricSigned, Period: "2026-12", Value: 200},
			{Scope: domain.ScopeMember, ScopeID: b.ID, Metric: domain.MetricSigned, Period: "2026-12", Value: 300},
		})
		if err != nil || res.Created != 1 || res.Updated != 1 {
			t.Errorf("ImportTargets = %+v, %v", res, err)
		}

		now := time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC)
		cust, err := s.CreateCustomer(ctx, domain.Customer{TenantID: tenant, Name: "星河科技"})
		if err != nil {
			t.Fatal(err)
		}
		for i, o := range []domain.Opportunity{
			{Stage: domain.StageProposal, LastFollowUpAt: now.AddDate(0, 0, -30)},
			{Stage: domain.StageLead, CreatedAt: now.AddDate(0, 0, -20)}, // never followed up
			{Stage: domain.StageNegotiation, LastFollowUpAt: now.AddDate(0, 0, -1)},
			{Stage: domain.StageWon, LastFollowUpAt: now.AddDate(0, 0, -90)}, // closed: not stale
		} {
			o.TenantID, o.CustomerID, o.OwnerID = tenant, cust.ID, a.ID
			if o.CreatedAt.IsZero() {
				o.CreatedAt = now.AddDate(0, 0, -100+i)
			}
			if _, err := s.CreateOpportunity(ctx, o); err != nil {
				t.Fatal(err)
			}
		}
		stale, err := s.StaleDealCounts(ctx, tenant, now.AddDate(0, 0, -14))
		if err != nil || len(stale) != 1 || stale[0].Count != 2 || !stale[0].Oldest.Equal(now.AddDate(0, 0, -30)) {
			t.Errorf("StaleDealCounts = %+v, %v", stale, err)
		}
		for _, c := range []domain.Collection{
			{Status: domain.CollectionPending, Amount: domain.Yuan(10)},
			{Status: domain.CollectionPlanned, Amount: domain.Yuan(20), DueDate: now.AddDate(0, 0, -3)},
			{Status: domain.CollectionPlanned, Amount: domain.Yuan(40), DueDate: now.AddDate(0, 0, 3)},
			{Status: domain.CollectionConfirmed, Amount: domain.Yuan(80)},
		} {
			c.TenantID, c.CustomerID, c.MemberID, c.CreatedAt = tenant, cust.ID, a.ID, now
			if _, err := s.CreateCollection(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		open, err := s.OpenCollectionTotals(ctx, tenant, "2026-12-02")
		if err != nil || len(open) != 1 || open[0].Pending != 1 || open[0].Overdue != 1 || open[0].OverdueAmount != domain.Yuan(20) {
			t.Errorf("OpenCollectionTotals = %+v, %v", open, err)
		}
		for _, k := range []domain.Task{
			{Status: domain.TaskOpen, DueAt: now.Add(-time.Hour), Title: "逾期"},
			{Status: domain.TaskDone, DueAt: now.Add(-time.Hour), Title: "已完成"},
			{Status: domain.TaskAccepted, DueAt: now.Add(time.Hour), Title: "未到期"},
		} {
			k.TenantID, k.CreatorID, k.AssigneeID, k.CreatedAt = tenant, a.ID, b.ID, now.AddDate(0, 0, -1)
			if _, err := s.CreateTask(ctx, k); err != nil {
				t.Fatal(err)
			}
		}
		tasks, err := s.OverdueTasks(ctx, tenant, now)
		if err != nil || len(tasks) != 1 || tasks[0].Title != "逾期" || tasks[0].AssigneeName != "张晓明" {
			t.Errorf("OverdueTasks = %+v, %v", tasks, err)
		}
	})
}

// Migration 5 only adds indexes: a database at v4 with data upgrades in
// place, and running it again changes nothing.
func TestUpgradeToV5(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		if err := s.MigrateTo(ctx, 4); err != nil {
			t.Fatal(err)
		}
		tenant := newTenant(t, s)
		m := newMember(t, s, tenant, "刘洋洋")
		if err := s.AddDailyStat(ctx, domain.DailyStat{TenantID: tenant, MemberID: m.ID, Day: "2026-12-01", FollowUps: 2}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetTarget(ctx, domain.Target{TenantID: tenant, Scope: domain.ScopeMember, ScopeID: m.ID,
			Metric: domain.MetricFollowUps, Period: "2026-12", Value: 40}); err != nil {
			t.Fatal(err)
		}
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.SchemaCurrent(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.ExecRaw(ctx, "DELETE FROM schema_migrations WHERE version = 5"); err != nil {
			t.Fatal(err)
		}
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("migration 5 run again: %v", err)
		}
		tot, err := s.MemberTotals(ctx, tenant, "2026-12-01", "2026-12-31")
		ts, err2 := s.TargetsFor(ctx, tenant, []string{"2026-12"})
		if err != nil || err2 != nil || len(tot) != 1 || tot[0].FollowUps != 2 || len(ts) != 1 {
			t.Errorf("after upgrade: totals %+v (%v), targets %+v (%v)", tot, err, ts, err2)
		}
	})
}
