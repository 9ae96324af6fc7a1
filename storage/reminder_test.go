package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/salesbot/salesbot/domain"
	"github.com/salesbot/salesbot/storage"
)

func TestReminderQueries(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		tenant := newTenant(t, s)
		alice := newMember(t, s, tenant, "刘洋")
		bob := newMember(t, s, tenant, "赵婷")
		fin, err := s.CreateMember(ctx, domain.Member{TenantID: tenant, Name: "李娜", Role: domain.RoleFinance, Active: true})
		if err != nil {
			t.Fatal(err)
		}
		cust := func(name string) domain.Customer {
			c, err := s.CreateCustomer(ctx, domain.Customer{TenantID: tenant, Name: name, OwnerID: alice.ID})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		star, harbor := cust("星河科技"), cust("远航物流")
		day := time.Date(2026, 12, 2, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
		at := func(d int, h int) time.Time { return day.AddDate(0, 0, d).Add(time.Duration(h) * time.Hour) }
		fu := func(m domain.Member, c domain.Customer, created, next time.Time) domain.FollowUp {
			f, err := s.CreateFollowUp(ctx, domain.FollowUp{TenantID: tenant, MemberID: m.ID, CustomerID: c.ID,
				Activity: domain.ActivityVisit, Text: "跟进 " + c.Name, NextAt: next, CreatedAt: created})
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
		fu(alice, star, at(-5, 10), at(0, 0))         // superseded by the next one
		due := fu(alice, star, at(-3, 10), at(0, 15)) // the plan for Dec 2, 15:00
		fu(bob, harbor, at(-2, 10), at(1, 0))         // Dec 3: not due
		undone := fu(bob, star, at(-1, 10), at(0, 9))
		if ok, err := s.SetFollowUpStatus(ctx, tenant, undone.ID, domain.FollowUpActive, domain.FollowUpUndone); err != nil || !ok {
			t.Fatalf("undo: %v %v", ok, err)
		}

		steps, err := s.NextSteps(ctx, tenant, day, day.AddDate(0, 0, 1))
		if err != nil {
			t.Fatal(err)
		}
		if len(steps) != 1 || steps[0].ID != due.ID || steps[0].CustomerName != "星河科技" || steps[0].MemberName != "刘洋" {
			t.Fatalf("next steps on Dec 2 = %+v, want only the newest plan of 刘洋 for 星河科技", steps)
		}

		if err := s.AddDailyStat(ctx, domain.DailyStat{TenantID: tenant, MemberID: alice.ID, Day: "2026-12-02", FollowUps: 1}); err != nil {
			t.Fatal(err)
		}
		silent, err := s.SilentReps(ctx, tenant, "2026-12-02")
		if err != nil {
			t.Fatal(err)
		}
		if len(silent) != 1 || silent[0].ID != bob.ID {
			t.Errorf("silent reps = %v, want only 赵婷 (finance %s is not a rep)", silent, fin.Name)
		}

		old := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		for _, o := range []domain.Opportunity{
			{CustomerID: star.ID, OwnerID: alice.ID, Stage: domain.StageProposal, LastFollowUpAt: old},
			{CustomerID: harbor.ID, OwnerID: bob.ID, Stage: domain.StageWon, LastFollowUpAt: old},
			{CustomerID: harbor.ID, OwnerID: alice.ID, Stage: domain.StageQualify, LastFollowUpAt: at(-1, 0)},
		} {
			o.TenantID, o.Name, o.Currency, o.CreatedAt = tenant, "项目", "CNY", old
			if _, err := s.CreateOpportunity(ctx, o); err != nil {
				t.Fatal(err)
			}
		}
		stale, err := s.StaleOpportunities(ctx, tenant, day.AddDate(0, 0, -14))
		if err != nil {
			t.Fatal(err)
		}
		if len(stale) != 1 || stale[0].CustomerName != "星河科技" || stale[0].OwnerName != "刘洋" {
			t.Errorf("stale = %+v, want only the open 星河科技 deal", stale)
		}
	})
}
