package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/salesbot/salesbot/domain"
	"github.com/salesbot/salesbot/storage"
)

func TestFollowUpLogWrites(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		tenant := newTenant(t, s)
		rep := newMember(t, s, tenant, "王小明")
		cust, err := s.CreateCustomer(ctx, domain.Customer{TenantID: tenant, Name: "北斗导航", Aliases: []string{"北斗"}})
		if err != nil {
			t.Fatal(err)
		}

		// Contacts are found by customer and name.
		c1, created, err := s.UpsertContact(ctx, domain.Contact{TenantID: tenant, CustomerID: cust.ID, Name: "李经理"})
		if err != nil || !created {
			t.Fatalf("first UpsertContact = %+v, %v, %v", c1, created, err)
		}
		c2, created, err := s.UpsertContact(ctx, domain.Contact{TenantID: tenant, CustomerID: cust.ID, Name: "李经理"})
		if err != nil || created || c2.ID != c1.ID {
			t.Errorf("second UpsertContact = %+v, %v, %v; want the first", c2, created, err)
		}

		// The rep's open opportunity; won or lost ones are not open.
		if _, err := s.OpenOpportunity(ctx, tenant, cust.ID, rep.ID); !domain.IsNotFound(err) {
			t.Errorf("OpenOpportunity with none = %v", err)
		}
		opp, err := s.CreateOpportunity(ctx, domain.Opportunity{TenantID: tenant, CustomerID: cust.ID, OwnerID: rep.ID, Stage: domain.StageProposal, CreatedAt: t0})
		if err != nil {
			t.Fatal(err)
		}
		open, err := s.OpenOpportunity(ctx, tenant, cust.ID, rep.ID)
		if err != nil || open.ID != opp.ID {
			t.Errorf("OpenOpportunity = %+v, %v", open, err)
		}
		open.Stage, open.Amount, open.Currency = domain.StageWon, domain.Yuan(400000), "CNY"
		open.ExpectedClose = time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
		open.LastFollowUpAt, open.ClosedAt = t0, t0
		if err := s.SaveOpportunity(ctx, open); err != nil {
			t.Fatal(err)
		}
		got, err := s.OpportunityByID(ctx, tenant, opp.ID)
		if err != nil || got.Stage != domain.StageWon || got.Amount != domain.Yuan(400000) ||
			got.ExpectedClose.Format(time.DateOnly) != "2026-11-30" || !got.LastFollowUpAt.Equal(t0) {
			t.Errorf("saved opportunity = %+v, %v", got, err)
		}
		if _, err := s.OpenOpportunity(ctx, tenant, cust.ID, rep.ID); !domain.IsNotFound(err) {
			t.Errorf("a won opportunity is still open: %v", err)
		}

		// A follow-up refers to the customer and the opportunity: neither
		// can go while it is active.
		fu, err := s.CreateFollowUp(ctx, domain.FollowUp{TenantID: tenant, MemberID: rep.ID, CustomerID: cust.ID,
			ContactID: c1.ID, OpportunityID: opp.ID, Activity: domain.ActivityVisit, Text: "拜访北斗", SourceEventID: "ev-1", CreatedAt: t0})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteOpportunity(ctx, tenant, opp.ID); !domain.IsConflict(err) {
			t.Errorf("DeleteOpportunity in use = %v, want a conflict", err)
		}
		if err := s.DeleteCustomer(ctx, tenant, cust.ID); !domain.IsConflict(err) {
			t.Errorf("DeleteCustomer in use = %v, want a conflict", err)
		}

		// Corrections change an active follow-up only.
		fu.Amount, fu.Currency, fu.Stage = domain.Yuan(300000), "CNY", domain.StageNegotiation
		if err := s.UpdateFollowUp(ctx, fu); err != nil {
			t.Fatal(err)
		}
		if back, _ := s.FollowUpByID(ctx, tenant, fu.ID); back.Amount != domain.Yuan(300000) || back.Stage != domain.StageNegotiation {
			t.Errorf("updated follow-up = %+v", back)
		}
		if fus, err := s.FollowUpsFromEvent(ctx, tenant, "ev-1"); err != nil || len(fus) != 1 || fus[0].ID != fu.ID {
			t.Errorf("FollowUpsFromEvent = %+v, %v", fus, err)
		}
		if fus, err := s.LatestFollowUps(ctx, tenant, rep.ID, "", t0.Add(-time.Hour), 10); err != nil || len(fus) != 1 {
			t.Errorf("LatestFollowUps = %+v, %v", fus, err)
		}
		if ok, err := s.SetFollowUpStatus(ctx, tenant, fu.ID, domain.FollowUpActive, domain.FollowUpUndone); !ok || err != nil {
			t.Fatalf("undo = %v, %v", ok, err)
		}
		if err := s.UpdateFollowUp(ctx, fu); !domain.IsConflict(err) {
			t.Errorf("UpdateFollowUp of an undone follow-up = %v, want a conflict", err)
		}
		if fus, _ := s.LatestFollowUps(ctx, tenant, rep.ID, "", time.Time{}, 10); len(fus) != 0 {
			t.Errorf("LatestFollowUps lists an undone follow-up: %+v", fus)
		}
		if views, _ := s.FollowUps(ctx, storage.FollowUpFilter{Tenant: tenant, Status: domain.FollowUpActive}); len(views) != 0 {
			t.Errorf("FollowUps(active) lists an undone follow-up")
		}

		// Once the follow-up is undone, the opportunity and the customer can go.
		if err := s.DeleteOpportunity(ctx, tenant, opp.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteCustomer(ctx, tenant, cust.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CustomerByName(ctx, tenant, "北斗"); !domain.IsNotFound(err) {
			t.Errorf("alias of a deleted customer still found: %v", err)
		}
		if cs, _ := s.Contacts(ctx, tenant, cust.ID); len(cs) != 0 {
			t.Errorf("contacts of a deleted customer remain: %+v", cs)
		}
		// The name is free again.
		if _, err := s.CreateCustomer(ctx, domain.Customer{TenantID: tenant, Name: "北斗导航", Aliases: []string{"北斗"}}); err != nil {
			t.Errorf("recreate: %v", err)
		}
	})
}

func TestPrompts(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		tenant := newTenant(t, s)
		rep := newMember(t, s, tenant, "王小明")
		p1, err := s.CreatePrompt(ctx, domain.Prompt{TenantID: tenant, MemberID: rep.ID, Platform: "console", ChatID: "team:1",
			Kind: domain.PromptEdit, Ref: "a,b", MessageID: "m1", ExpiresAt: t0.Add(30 * time.Minute), CreatedAt: t0})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.PendingPrompt(ctx, tenant, rep.ID, "console", "team:1", t0.Add(time.Minute))
		if err != nil || got.ID != p1.ID || got.Ref != "a,b" || got.MessageID != "m1" || !got.ExpiresAt.Equal(t0.Add(30*time.Minute)) {
			t.Errorf("PendingPrompt = %+v, %v", got, err)
		}
		// Expired, another chat, another member: none.
		for _, q := range []struct {
			member, chat string
			at           time.Time
		}{
			{rep.ID, "team:1", t0.Add(31 * time.Minute)}, {rep.ID, "team:2", t0}, {"someone", "team:1", t0},
		} {
			if _, err := s.PendingPrompt(ctx, tenant, q.member, "console", q.chat, q.at); !domain.IsNotFound(err) {
				t.Errorf("PendingPrompt(%+v) = %v, want not found", q, err)
			}
		}
		// A newer question replaces the older one in the same chat.
		p2, err := s.CreatePrompt(ctx, domain.Prompt{TenantID: tenant, MemberID: rep.ID, Platform: "console", ChatID: "team:1",
			Kind: domain.PromptCustomer, Payload: `{"items":[]}`, ExpiresAt: t0.Add(40 * time.Minute), CreatedAt: t0.Add(time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := s.PendingPrompt(ctx, tenant, rep.ID, "console", "team:1", t0.Add(2*time.Minute)); got.ID != p2.ID || got.Payload != `{"items":[]}` {
			t.Errorf("pending after a second question = %+v", got)
		}
		if old, _ := s.PromptByID(ctx, tenant, p1.ID); old.ResolvedAt.IsZero() {
			t.Errorf("the older question was not resolved")
		}
		// Resolved once.
		if ok, err := s.ResolvePrompt(ctx, tenant, p2.ID, t0.Add(3*time.Minute)); !ok || err != nil {
			t.Errorf("ResolvePrompt = %v, %v", ok, err)
		}
		if ok, err := s.ResolvePrompt(ctx, tenant, p2.ID, t0.Add(4*time.Minute)); ok || err != nil {
			t.Errorf("second ResolvePrompt = %v, %v; want false", ok, err)
		}
		if _, err := s.PendingPrompt(ctx, tenant, rep.ID, "console", "team:1", t0.Add(5*time.Minute)); !domain.IsNotFound(err) {
			t.Errorf("a resolved prompt is pending: %v", err)
		}
	})
}
