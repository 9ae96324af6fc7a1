package storage_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/domain"
	"github.com/salesbot/salesbot/storage"
)

var t0 = time.Date(2026, 11, 3, 9, 30, 0, 0, time.UTC)

func inboxEvent(tenant, id string) bot.InboxEvent {
	return bot.InboxEvent{
		ID:     domain.NewID(),
		Tenant: tenant,
		Event: bot.Event{
			ID: id, Kind: bot.KindMessage, Platform: bot.Lark,
			Chat: bot.Chat{ID: "oc_1", Type: bot.GroupChat}, Sender: bot.User{ID: "ou_1", Name: "王小明"},
			Text: "拜访星河科技🚀", At: t0,
		},
		ReceivedAt: t0,
	}
}

func TestInboxDedupe(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		tenant := newTenant(t, s)
		e := inboxEvent(tenant, "ev-1")
		if ok, err := s.InsertEvent(ctx, e); err != nil || !ok {
			t.Fatalf("first InsertEvent = %v, %v", ok, err)
		}
		again := inboxEvent(tenant, "ev-1") // same event, new row id
		if ok, err := s.InsertEvent(ctx, again); err != nil || ok {
			t.Fatalf("duplicate InsertEvent = %v, %v; want false, nil", ok, err)
		}
		// Event ids are compared exactly: one differing in case is new.
		if ok, err := s.InsertEvent(ctx, inboxEvent(tenant, "EV-1")); err != nil || !ok {
			t.Fatalf("InsertEvent of EV-1 = %v, %v; want true", ok, err)
		}

		var wg sync.WaitGroup
		results := make(chan bool, 8)
		for range 8 {
			wg.Go(func() {
				ok, err := s.InsertEvent(ctx, inboxEvent(tenant, "ev-race"))
				if err != nil {
					t.Error(err)
				}
				results <- ok
			})
		}
		wg.Wait()
		close(results)
		inserted := 0
		for ok := range results {
			if ok {
				inserted++
			}
		}
		if inserted != 1 {
			t.Errorf("%d of 8 concurrent inserts of one event succeeded, want 1", inserted)
		}
		counts, _ := s.CountRows(ctx, tenant)
		if counts["inbound_events"] != 3 {
			t.Errorf("inbound_events has %d rows, want 3", counts["inbound_events"])
		}
	})
}

func TestClaimEvent(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		tenant := newTenant(t, s)
		e := inboxEvent(tenant, "ev-claim")
		if _, err := s.InsertEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
		lease := 30 * time.Second
		claim := func(now time.Time) bool {
			t.Helper()
			ok, err := s.ClaimEvent(ctx, e.ID, now, lease)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if !claim(t0) {
			t.Fatal("first claim failed")
		}
		if claim(t0.Add(time.Second)) {
			t.Error("second claim within the lease succeeded")
		}
		if !claim(t0.Add(lease + time.Second)) {
			t.Error("claim after the lease expired failed")
		}
		un, err := s.UnfinishedEvents(ctx, t0.Add(time.Hour), 10)
		if err != nil || len(un) != 1 || un[0].ID != e.ID || un[0].Attempts != 2 || un[0].Event.Text != e.Event.Text {
			t.Fatalf("UnfinishedEvents = %+v, %v", un, err)
		}
		if !un[0].ReceivedAt.Equal(t0) || un[0].Event.Sender.Name != "王小明" {
			t.Errorf("event read back as %+v", un[0])
		}
		// The first claim's lease was lost to the second.
		if err := s.FinishEvent(ctx, e.ID, t0.Add(lease), bot.EventDone, "", t0.Add(time.Minute)); !errors.Is(err, bot.ErrLeaseLost) {
			t.Fatalf("FinishEvent under a lost lease = %v, want ErrLeaseLost", err)
		}
		if err := s.FinishEvent(ctx, e.ID, t0.Add(2*lease+time.Second), bot.EventDone, "", t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if claim(t0.Add(time.Hour)) {
			t.Error("a finished event was claimed")
		}
		if un, _ := s.UnfinishedEvents(ctx, t0.Add(time.Hour), 10); len(un) != 0 {
			t.Errorf("finished event still unfinished: %+v", un)
		}
		if err := s.FinishEvent(ctx, "nope", t0, bot.EventDone, "", t0); !domain.IsNotFound(err) {
			t.Errorf("FinishEvent of a missing event = %v, want NotFound", err)
		}
	})
}

func card(title string) *bot.Card {
	return &bot.Card{
		Header:  bot.Header{Title: title, Status: bot.StatusInfo},
		Actions: []bot.Action{{ID: "followup.undo", Label: "撤销", Ref: "fu-1"}},
	}
}

func TestOutbox(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		tenant := newTenant(t, s)
		out := func(text string) bot.Outgoing {
			return bot.Outgoing{Platform: bot.Lark, To: bot.Target{ChatID: "oc_1"}, Text: text, Card: card(text)}
		}
		items := []bot.OutboxItem{
			{ID: domain.NewID(), Tenant: tenant, Out: out("一"), NextAt: t0},
			{ID: domain.NewID(), Tenant: tenant, Out: out("二"), NextAt: t0.Add(time.Second)},
			{ID: domain.NewID(), Tenant: tenant, Out: out("later"), NextAt: t0.Add(time.Hour)},
		}
		if err := s.Enqueue(ctx, items); err != nil {
			t.Fatal(err)
		}
		lease := time.Minute
		now := t0.Add(2 * time.Second)
		got, err := s.ClaimDue(ctx, now, lease, 10)
		if err != nil || len(got) != 2 || got[0].ID != items[0].ID || got[1].ID != items[1].ID {
			t.Fatalf("ClaimDue = %+v, %v; want the two due items in order", got, err)
		}
		if got[0].Out.Key != items[0].ID || got[0].Out.Card.Actions[0].Ref != "fu-1" || got[0].Status != bot.OutboxSending {
			t.Errorf("claimed item = %+v", got[0])
		}
		if again, _ := s.ClaimDue(ctx, now, lease, 10); len(again) != 0 {
			t.Errorf("claimed items were claimed again: %d", len(again))
		}
		// The sender died: after the lease the items are due again.
		if again, _ := s.ClaimDue(ctx, now.Add(lease+time.Second), lease, 10); len(again) != 2 {
			t.Errorf("expired leases: reclaimed %d, want 2", len(again))
		}
		now = now.Add(lease + time.Second)

		if err := s.MarkRetry(ctx, items[0].ID, now.Add(10*time.Second), "rate limited"); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkDead(ctx, items[1].ID, "bad chat", now); err != nil {
			t.Fatal(err)
		}
		if due, _ := s.ClaimDue(ctx, now.Add(5*time.Second), lease, 10); len(due) != 0 {
			t.Errorf("retry due too early: %d items", len(due))
		}
		due, err := s.ClaimDue(ctx, now.Add(10*time.Second), lease, 10)
		if err != nil || len(due) != 1 || due[0].ID != items[0].ID || due[0].Attempts != 1 || due[0].LastError != "rate limited" {
			t.Fatalf("after retry ClaimDue = %+v, %v", due, err)
		}
		if err := s.Reschedule(ctx, items[0].ID, now.Add(20*time.Second)); err != nil {
			t.Fatal(err)
		}
		due, _ = s.ClaimDue(ctx, now.Add(20*time.Second), lease, 10)
		if len(due) != 1 || due[0].Attempts != 1 {
			t.Fatalf("after reschedule ClaimDue = %+v (attempts must not grow)", due)
		}
		if err := s.MarkSent(ctx, items[0].ID, "om_1", now.Add(21*time.Second)); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkSent(ctx, "nope", "x", now); !domain.IsNotFound(err) {
			t.Errorf("MarkSent of a missing item = %v, want NotFound", err)
		}

		// LatestCard: the sent card, then its newest live update.
		c, err := s.LatestCard(ctx, tenant, bot.Lark, "om_1")
		if err != nil || c.Header.Title != "一" {
			t.Fatalf("LatestCard = %+v, %v; want the original card", c, err)
		}
		upd := func(title string, at time.Time) bot.OutboxItem {
			o := out(title)
			o.UpdateMessageID = "om_1"
			return bot.OutboxItem{ID: domain.NewID(), Tenant: tenant, Out: o, NextAt: at, CreatedAt: at}
		}
		u1, u2 := upd("已撤销", now.Add(time.Minute)), upd("dead update", now.Add(2*time.Minute))
		if err := s.Enqueue(ctx, []bot.OutboxItem{u1, u2}); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkDead(ctx, u2.ID, "gone", now); err != nil {
			t.Fatal(err)
		}
		if c, err := s.LatestCard(ctx, tenant, bot.Lark, "om_1"); err != nil || c.Header.Title != "已撤销" {
			t.Errorf("LatestCard = %+v, %v; want the newest live update", c, err)
		}
		// NewerUpdateSent: u1 (pending) has no sent successor until u3 is
		// sent; u3 has none.
		newer := func(it bot.OutboxItem) bool {
			t.Helper()
			ok, err := s.NewerUpdateSent(ctx, it)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		u3 := upd("已确认", now.Add(3*time.Minute))
		if err := s.Enqueue(ctx, []bot.OutboxItem{u3}); err != nil {
			t.Fatal(err)
		}
		if newer(u1) {
			t.Error("NewerUpdateSent(u1) before any newer update was sent")
		}
		if err := s.MarkSent(ctx, u3.ID, "om_1", now.Add(3*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if !newer(u1) || newer(u3) {
			t.Errorf("NewerUpdateSent(u1, u3) = %v, %v; want true, false", newer(u1), newer(u3))
		}
		if other := upd("x", now.Add(time.Minute)); newer(bot.OutboxItem{ID: other.ID, Tenant: "other-tenant", Out: other.Out, CreatedAt: other.CreatedAt}) {
			t.Error("NewerUpdateSent across tenants")
		}
		if _, err := s.LatestCard(ctx, tenant, bot.Lark, "om_unknown"); !domain.IsNotFound(err) {
			t.Errorf("LatestCard of an unknown message = %v, want NotFound", err)
		}
		if _, err := s.LatestCard(ctx, "other-tenant", bot.Lark, "om_1"); !domain.IsNotFound(err) {
			t.Errorf("LatestCard across tenants = %v, want NotFound", err)
		}
	})
}

func TestResolveMember(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		tenant := newTenant(t, s)
		u := bot.User{ID: "ou_abc", Name: "李雷"}
		m1, err := s.ResolveMember(ctx, tenant, bot.Lark, u)
		if err != nil || m1.Name != "李雷" || m1.Role != string(domain.RoleSales) {
			t.Fatalf("ResolveMember = %+v, %v", m1, err)
		}
		m2, err := s.ResolveMember(ctx, tenant, bot.Lark, u)
		if err != nil || m2.ID != m1.ID {
			t.Fatalf("second ResolveMember = %+v, %v; want the same member", m2, err)
		}
		// No display name: the user id stands in.
		anon, err := s.ResolveMember(ctx, tenant, bot.WeCom, bot.User{ID: "zhangsan"})
		if err != nil || anon.Name != "zhangsan" {
			t.Errorf("ResolveMember without a name = %+v, %v", anon, err)
		}

		// Eight first messages at once register one member.
		var wg sync.WaitGroup
		ids := make(chan string, 8)
		for range 8 {
			wg.Go(func() {
				m, err := s.ResolveMember(ctx, tenant, bot.DingTalk, bot.User{ID: "ding-1", Name: "韩梅梅"})
				if err != nil {
					t.Error(err)
					return
				}
				ids <- m.ID
			})
		}
		wg.Wait()
		close(ids)
		seen := map[string]bool{}
		for id := range ids {
			seen[id] = true
		}
		if len(seen) != 1 {
			t.Errorf("concurrent ResolveMember made %d members", len(seen))
		}
		members, _ := s.Members(ctx, tenant)
		if len(members) != 3 {
			t.Errorf("%d members, want 3", len(members))
		}

		// Console: the user id is the member id.
		if m, err := s.ResolveMember(ctx, tenant, bot.Console, bot.User{ID: m1.ID}); err != nil || m.ID != m1.ID {
			t.Errorf("console ResolveMember = %+v, %v", m, err)
		}
		if _, err := s.ResolveMember(ctx, tenant, bot.Console, bot.User{ID: "nobody"}); !domain.IsNotFound(err) {
			t.Errorf("console ResolveMember of an unknown id = %v, want NotFound", err)
		}
	})
}

func TestTenantFor(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		if _, err := s.TenantFor(ctx, bot.Console, ""); !errors.Is(err, bot.ErrUnknownTenant) {
			t.Errorf("TenantFor with no tenant = %v, want ErrUnknownTenant", err)
		}
		tenant := newTenant(t, s)
		if again := newTenant(t, s); again != tenant {
			t.Fatalf("EnsureTenant made a second tenant %s", again)
		}
		for _, tc := range []struct {
			p    bot.Platform
			key  string
			want error
		}{
			{bot.Console, "", nil},
			{bot.Lark, "tk-1", nil}, // first contact binds
			{bot.Lark, "tk-1", nil},
			{bot.Lark, "tk-2", bot.ErrUnknownTenant}, // another company
			{bot.Lark, "TK-1", bot.ErrUnknownTenant}, // keys compare exactly
			{bot.WeCom, "corp-1", nil},
			{bot.DingTalk, "", nil}, // the adapter cannot tell: the only tenant
			{bot.Platform("slack"), "x", bot.ErrUnknownTenant},
		} {
			got, err := s.TenantFor(ctx, tc.p, tc.key)
			if !errors.Is(err, tc.want) || (tc.want == nil && got != tenant) {
				t.Errorf("TenantFor(%s, %q) = %q, %v; want %s, %v", tc.p, tc.key, got, err, tenant, tc.want)
			}
		}
		// With two tenants nothing is bound by guessing.
		if _, err := s.CreateTenant(ctx, domain.Tenant{Name: "第二家"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.TenantFor(ctx, bot.DingTalk, "ding-corp"); !errors.Is(err, bot.ErrUnknownTenant) {
			t.Errorf("TenantFor with two tenants = %v, want ErrUnknownTenant", err)
		}
		if got, err := s.TenantFor(ctx, bot.Lark, "tk-1"); err != nil || got != tenant {
			t.Errorf("bound key with two tenants = %q, %v", got, err)
		}
	})
}

func TestEnsureTenantConcurrently(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		var wg sync.WaitGroup
		ids := make([]string, 6)
		for i := range ids {
			wg.Go(func() {
				tn, err := s.EnsureTenant(ctx, fmt.Sprintf("公司%d", i), "Asia/Shanghai")
				if err != nil {
					t.Error(err)
				}
				ids[i] = tn.ID
			})
		}
		wg.Wait()
		for _, id := range ids {
			if id != ids[0] {
				t.Fatalf("EnsureTenant returned different tenants: %v", ids)
			}
		}
	})
}

// The kernel finishes an event under the claimed_until it computed itself
// from a clock reading with nanoseconds, in any location: the store must
// find its own claim again (DATETIME(6) on MySQL, text on SQLite).
func TestFinishEventUnderAClaimWithNanoseconds(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		tenant := newTenant(t, s)
		e := inboxEvent(tenant, "ev-nanos")
		if _, err := s.InsertEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
		shanghai := time.FixedZone("CST", 8*3600)
		now := t0.Add(123456789 * time.Nanosecond).In(shanghai)
		lease := 2*time.Minute + 999*time.Nanosecond
		if ok, err := s.ClaimEvent(ctx, e.ID, now, lease); !ok || err != nil {
			t.Fatalf("ClaimEvent = %v, %v", ok, err)
		}
		if err := s.FinishEvent(ctx, e.ID, now.Add(lease), bot.EventDone, "", now); err != nil {
			t.Fatalf("FinishEvent under its own claim = %v", err)
		}
	})
}
