package bottest

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/salesbot/salesbot/bot"
)

var bg = context.Background()

func event(id string) bot.InboxEvent {
	return bot.InboxEvent{ID: bot.NewID(), Tenant: DefaultTenant, Status: bot.EventReceived, ReceivedAt: Epoch,
		Event: bot.Event{ID: id, Kind: bot.KindMessage, Platform: bot.Lark, Text: "hi"}}
}

func item(chat string, at time.Time) bot.OutboxItem {
	return bot.OutboxItem{ID: bot.NewID(), Tenant: DefaultTenant, Status: bot.OutboxPending, NextAt: at, CreatedAt: at,
		Out: bot.Outgoing{Platform: bot.Lark, To: bot.Target{ChatID: chat}, Text: "hello"}}
}

func mustGet(t *testing.T, s *MemStore, ctx context.Context, key string) (any, bool) {
	t.Helper()
	v, ok, err := s.Get(ctx, "t", key)
	if err != nil {
		t.Fatal(err)
	}
	return v, ok
}

func TestInTxCommitsOrRollsBack(t *testing.T) {
	boom := errors.New("boom")
	for _, tc := range []struct {
		name string
		fail error
	}{{"commit", nil}, {"rollback", boom}} {
		t.Run(tc.name, func(t *testing.T) {
			s := NewMemStore()
			err := s.InTx(bg, func(ctx context.Context) error {
				if err := s.Put(ctx, "t", "k", "v"); err != nil {
					return err
				}
				if _, err := s.InsertEvent(ctx, event("ev-1")); err != nil {
					return err
				}
				if err := s.Enqueue(ctx, []bot.OutboxItem{item("c", Epoch)}); err != nil {
					return err
				}
				// The transaction sees its own writes; others do not yet.
				if _, ok := mustGet(t, s, ctx, "k"); !ok {
					t.Error("transaction does not see its write")
				}
				if _, ok := mustGet(t, s, bg, "k"); ok {
					t.Error("uncommitted write visible outside the transaction")
				}
				if len(s.Events()) != 0 {
					t.Error("uncommitted event visible to Events")
				}
				return tc.fail
			})
			if !errors.Is(err, tc.fail) {
				t.Fatalf("InTx = %v, want %v", err, tc.fail)
			}
			n := 1
			if tc.fail != nil {
				n = 0
			}
			if len(s.Table("t")) != n || len(s.Events()) != n || len(s.Outbox()) != n {
				t.Errorf("after InTx: table %v, %d events, %d outbox items; want %d of each",
					s.Table("t"), len(s.Events()), len(s.Outbox()), n)
			}
		})
	}
}

func TestInTxRollsBackOnPanic(t *testing.T) {
	s := NewMemStore()
	func() {
		defer func() {
			if recover() == nil {
				t.Error("panic swallowed")
			}
		}()
		_ = s.InTx(bg, func(ctx context.Context) error {
			_ = s.Put(ctx, "t", "k", "v")
			panic("handler bug")
		})
	}()
	if len(s.Table("t")) != 0 {
		t.Error("write of a panicking transaction kept")
	}
	// The write lock was released.
	if err := s.Put(bg, "t", "k", "after"); err != nil {
		t.Fatal(err)
	}
}

func TestNestedInTxJoinsOuter(t *testing.T) {
	s := NewMemStore()
	boom := errors.New("boom")
	err := s.InTx(bg, func(ctx context.Context) error {
		if err := s.InTx(ctx, func(ctx context.Context) error { return s.Put(ctx, "t", "inner", 1) }); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) || len(s.Table("t")) != 0 {
		t.Errorf("InTx = %v, table %v; want the inner write rolled back with the outer", err, s.Table("t"))
	}
}

func TestTxContextAfterTx(t *testing.T) {
	s := NewMemStore()
	var leaked context.Context
	_ = s.InTx(bg, func(ctx context.Context) error { leaked = ctx; return nil })
	if err := s.Put(leaked, "t", "k", "v"); !errors.Is(err, ErrTxDone) {
		t.Errorf("Put with a finished transaction's ctx = %v, want ErrTxDone", err)
	}
	if err := s.InTx(leaked, func(context.Context) error { return nil }); !errors.Is(err, ErrTxDone) {
		t.Errorf("InTx with a finished transaction's ctx = %v, want ErrTxDone", err)
	}
}

func TestWriteOutsideTxWaitsForIt(t *testing.T) {
	s := NewMemStore()
	var outside sync.WaitGroup
	err := s.InTx(bg, func(ctx context.Context) error {
		outside.Go(func() {
			// Starts while the transaction holds the write lock, so it
			// lands after the commit and is not lost to it.
			if err := s.Put(bg, "t", "k", "outside"); err != nil {
				t.Error(err)
			}
		})
		return s.Put(ctx, "t", "k", "tx")
	})
	if err != nil {
		t.Fatal(err)
	}
	outside.Wait()
	if v, _ := mustGet(t, s, bg, "k"); v != "outside" {
		t.Errorf("k = %v, want the later write", v)
	}

	// A write waiting for the lock gives up with its ctx.
	_ = s.InTx(bg, func(context.Context) error {
		ctx, cancel := context.WithCancel(bg)
		done := make(chan error)
		go func() { done <- s.Put(ctx, "t", "k", "never") }()
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Put waiting for the lock = %v, want context.Canceled", err)
		}
		return nil
	})
}

func TestFaults(t *testing.T) {
	s := NewMemStore()
	down := errors.New("database is down")
	s.SetFault(FailOp("InsertEvent", down))
	if _, err := s.InsertEvent(bg, event("ev-1")); !errors.Is(err, down) {
		t.Errorf("InsertEvent = %v, want the fault", err)
	}
	if err := s.Put(bg, "t", "k", "v"); err != nil {
		t.Errorf("Put failed with a fault for another method: %v", err)
	}
	s.SetFault(FailOp("Commit", down))
	if err := s.InTx(bg, func(ctx context.Context) error { return s.Put(ctx, "t", "k2", "v") }); !errors.Is(err, down) {
		t.Errorf("InTx = %v, want the commit fault", err)
	}
	if _, ok := mustGet(t, s, bg, "k2"); ok {
		t.Error("write of a failed commit kept")
	}
	s.SetFault(nil)
	if _, err := s.InsertEvent(bg, event("ev-1")); err != nil {
		t.Error(err)
	}
}

func TestDirectory(t *testing.T) {
	s := NewMemStore()
	if tenant, err := s.TenantFor(bg, bot.Console, ""); err != nil || tenant != DefaultTenant {
		t.Errorf("TenantFor(console, \"\") = %q, %v", tenant, err)
	}
	if _, err := s.TenantFor(bg, bot.Lark, "tk_1"); !errors.Is(err, bot.ErrUnknownTenant) {
		t.Errorf("TenantFor(unbound key) = %v, want ErrUnknownTenant", err)
	}
	s.BindTenantKey(bot.Lark, "tk_1")
	if tenant, err := s.TenantFor(bg, bot.Lark, "tk_1"); err != nil || tenant != DefaultTenant {
		t.Errorf("TenantFor(bound key) = %q, %v", tenant, err)
	}
	if _, err := s.TenantFor(bg, bot.WeCom, "tk_1"); !errors.Is(err, bot.ErrUnknownTenant) {
		t.Error("a key bound for Lark resolved for WeCom")
	}

	m, err := s.ResolveMember(bg, DefaultTenant, bot.Lark, bot.User{ID: "ou_1", Name: "李四"})
	if err != nil || m.Role != DefaultRole || m.Name != "李四" || m.ID == "" {
		t.Fatalf("ResolveMember(new user) = %+v, %v; want a sales rep 李四", m, err)
	}
	again, _ := s.ResolveMember(bg, DefaultTenant, bot.Lark, bot.User{ID: "ou_1", Name: "李四(改名)"})
	if again != m {
		t.Errorf("second ResolveMember = %+v, want the registered %+v", again, m)
	}
	if other, _ := s.ResolveMember(bg, DefaultTenant, bot.WeCom, bot.User{ID: "ou_1"}); other.ID == m.ID || other.Name != "ou_1" {
		t.Errorf("same user id on another platform = %+v", other)
	}
	fin := s.AddMember(bot.Lark, "ou_fin", bot.Member{Name: "王会计", Role: "finance"})
	if got, _ := s.ResolveMember(bg, DefaultTenant, bot.Lark, bot.User{ID: "ou_fin", Name: "王"}); got != fin {
		t.Errorf("ResolveMember(known) = %+v, want %+v", got, fin)
	}
	if _, err := s.ResolveMember(bg, "tenant-2", bot.Lark, bot.User{ID: "ou_1"}); !errors.Is(err, bot.ErrUnknownTenant) {
		t.Errorf("ResolveMember(other tenant) = %v", err)
	}
}

func TestInboxDedupe(t *testing.T) {
	s := NewMemStore()
	first := event("ev-1")
	for _, tc := range []struct {
		name string
		e    func() bot.InboxEvent
		want bool
	}{
		{"first", func() bot.InboxEvent { return first }, true},
		{"same event, new row", func() bot.InboxEvent { return event("ev-1") }, false},
		{"other platform", func() bot.InboxEvent { e := event("ev-1"); e.Event.Platform = bot.WeCom; return e }, true},
		{"other tenant", func() bot.InboxEvent { e := event("ev-1"); e.Tenant = "tenant-2"; return e }, true},
		{"other event", func() bot.InboxEvent { return event("ev-2") }, true},
	} {
		if got, err := s.InsertEvent(bg, tc.e()); got != tc.want || err != nil {
			t.Errorf("%s: InsertEvent = %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
	if _, err := s.InsertEvent(bg, bot.InboxEvent{ID: first.ID, Tenant: DefaultTenant, Event: bot.Event{ID: "ev-9"}}); err == nil {
		t.Error("InsertEvent accepted a duplicate row id")
	}
}

func TestInboxConcurrentInserts(t *testing.T) {
	s := NewMemStore()
	var inserted atomic.Int32
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			ok, err := s.InsertEvent(bg, event("ev-1"))
			if err != nil {
				t.Error(err)
			}
			if ok {
				inserted.Add(1)
			}
		})
	}
	wg.Wait()
	if n := inserted.Load(); n != 1 {
		t.Errorf("%d inserts succeeded, want 1", n)
	}
}

func TestInboxClaims(t *testing.T) {
	s := NewMemStore()
	e := event("ev-1")
	if _, err := s.InsertEvent(bg, e); err != nil {
		t.Fatal(err)
	}
	claim := func(at time.Duration) bool {
		t.Helper()
		ok, err := s.ClaimEvent(bg, e.ID, Epoch.Add(at), time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !claim(0) {
		t.Fatal("could not claim a received event")
	}
	if claim(59 * time.Second) {
		t.Error("claimed an event whose lease runs")
	}
	if claim(time.Minute) {
		t.Error("claimed an event at the very end of its lease")
	}
	if !claim(time.Minute + time.Second) {
		t.Error("could not claim an event whose lease ended")
	}
	if r, _ := s.Event(bot.Lark, "ev-1"); r.Attempts != 2 || r.Status != bot.EventProcessing || !r.LeaseUntil.Equal(Epoch.Add(2*time.Minute+time.Second)) {
		t.Errorf("after two claims: %+v", r)
	}
	// The first claim's lease was lost to the second: finishing under it
	// fails, so its worker's transaction rolls back.
	if err := s.FinishEvent(bg, e.ID, Epoch.Add(time.Minute), bot.EventFailed, "boom", Epoch); !errors.Is(err, bot.ErrLeaseLost) {
		t.Fatalf("FinishEvent under a lost lease = %v, want ErrLeaseLost", err)
	}
	if err := s.FinishEvent(bg, e.ID, Epoch.Add(2*time.Minute+time.Second), bot.EventFailed, "boom", Epoch); err != nil {
		t.Fatal(err)
	}
	if claim(time.Hour) {
		t.Error("claimed a finished event")
	}
	if r, _ := s.Event(bot.Lark, "ev-1"); r.Status != bot.EventFailed || r.Error != "boom" {
		t.Errorf("after FinishEvent: %+v", r)
	}
	if _, err := s.ClaimEvent(bg, "nope", Epoch, time.Minute); !errors.Is(err, ErrNotFound) {
		t.Errorf("ClaimEvent(unknown) = %v", err)
	}
	if err := s.FinishEvent(bg, "nope", Epoch, bot.EventDone, "", Epoch); !errors.Is(err, ErrNotFound) {
		t.Errorf("FinishEvent(unknown) = %v", err)
	}
}

func TestUnfinishedEvents(t *testing.T) {
	s := NewMemStore()
	add := func(id string, received time.Duration, status string) {
		e := event(id)
		e.ReceivedAt = Epoch.Add(received)
		if _, err := s.InsertEvent(bg, e); err != nil {
			t.Fatal(err)
		}
		switch status {
		case bot.EventProcessing:
			_, _ = s.ClaimEvent(bg, e.ID, Epoch, time.Minute)
		case bot.EventDone:
			_, _ = s.ClaimEvent(bg, e.ID, Epoch, time.Minute)
			_ = s.FinishEvent(bg, e.ID, Epoch.Add(time.Minute), bot.EventDone, "", Epoch)
		}
	}
	add("late", 3*time.Second, bot.EventReceived)
	add("first", time.Second, bot.EventReceived)
	add("done", 0, bot.EventDone)
	add("claimed", 2*time.Second, bot.EventProcessing)
	add("too-new", time.Minute, bot.EventReceived)

	got, err := s.UnfinishedEvents(bg, Epoch.Add(time.Minute), 0)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range got {
		ids = append(ids, e.Event.ID)
	}
	if want := []string{"first", "claimed", "late"}; !slices.Equal(ids, want) {
		t.Errorf("UnfinishedEvents = %q, want %q", ids, want)
	}
	got, _ = s.UnfinishedEvents(bg, Epoch.Add(time.Minute), 1)
	if len(got) != 1 || got[0].Event.ID != "first" {
		t.Errorf("UnfinishedEvents(limit 1) = %+v", got)
	}
}

func TestStoredEventsDoNotAlias(t *testing.T) {
	s := NewMemStore()
	e := event("ev-1")
	e.Event.Kind = bot.KindAction
	e.Event.Action = &bot.ActionEvent{ID: "task.accept", Values: map[string]string{"note": "ok"}}
	if _, err := s.InsertEvent(bg, e); err != nil {
		t.Fatal(err)
	}
	e.Event.Action.Ref = "forged"
	e.Event.Action.Values["note"] = "changed"
	r, _ := s.Event(bot.Lark, "ev-1")
	if r.Event.Action.Ref != "" || r.Event.Action.Values["note"] != "ok" {
		t.Errorf("stored action changed with the caller's: %+v", r.Event.Action)
	}
}

func TestOutboxClaimsAndOutcomes(t *testing.T) {
	s := NewMemStore()
	later, sooner, third := item("c1", Epoch.Add(time.Second)), item("c2", Epoch), item("c3", Epoch)
	if err := s.Enqueue(bg, []bot.OutboxItem{later, sooner, third}); err != nil {
		t.Fatal(err)
	}
	if err := s.Enqueue(bg, []bot.OutboxItem{item("c", Epoch), sooner}); err == nil {
		t.Error("Enqueue accepted a duplicate id")
	}
	if n := len(s.Outbox()); n != 3 {
		t.Fatalf("%d items after a failed Enqueue, want 3 (all or nothing)", n)
	}

	claim := func(at time.Duration, limit int) []string {
		t.Helper()
		items, err := s.ClaimDue(bg, Epoch.Add(at), time.Minute, limit)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, it := range items {
			ids = append(ids, it.ID)
		}
		return ids
	}
	if got := claim(0, 1); !slices.Equal(got, []string{sooner.ID}) {
		t.Errorf("first claim = %v, want the first due", got)
	}
	if got := claim(time.Second, 10); !slices.Equal(got, []string{third.ID, later.ID}) {
		t.Errorf("second claim = %v, want third then later", got)
	}
	if got := claim(time.Second, 10); len(got) != 0 {
		t.Errorf("claimed %v again while leased", got)
	}
	// sooner's lease (from 0) ends at 1m: after that it is taken over.
	if got := claim(time.Minute, 10); len(got) != 0 {
		t.Errorf("claimed %v at the very end of the lease", got)
	}
	if got := claim(time.Minute+time.Second, 10); !slices.Equal(got, []string{sooner.ID}) {
		t.Errorf("claim after the lease = %v, want sooner", got)
	}

	if err := s.MarkRetry(bg, sooner.ID, Epoch.Add(2*time.Minute), "500"); err != nil {
		t.Fatal(err)
	}
	if err := s.Reschedule(bg, third.ID, Epoch.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkDead(bg, later.ID, "403", Epoch); err != nil {
		t.Fatal(err)
	}
	r1, _ := s.OutboxItem(sooner.ID)
	r2, _ := s.OutboxItem(third.ID)
	r3, _ := s.OutboxItem(later.ID)
	if r1.Status != bot.OutboxPending || r1.Attempts != 1 || r1.LastError != "500" {
		t.Errorf("after MarkRetry: %+v", r1)
	}
	if r2.Status != bot.OutboxPending || r2.Attempts != 0 || !r2.NextAt.Equal(Epoch.Add(2*time.Minute)) {
		t.Errorf("after Reschedule: %+v, want no attempt counted", r2)
	}
	if r3.Status != bot.OutboxDead || r3.LastError != "403" || r3.Attempts != 1 {
		t.Errorf("after MarkDead: %+v", r3)
	}
	if got := claim(2*time.Minute, 10); !slices.Equal(got, []string{sooner.ID, third.ID}) {
		t.Errorf("claim after retry = %v", got)
	}
	if err := s.MarkSent(bg, sooner.ID, "om_1", Epoch.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if r, _ := s.OutboxItem(sooner.ID); r.Status != bot.OutboxSent || r.MessageID != "om_1" {
		t.Errorf("after MarkSent: %+v", r)
	}
	for name, err := range map[string]error{
		"MarkSent":   s.MarkSent(bg, "nope", "", Epoch),
		"MarkRetry":  s.MarkRetry(bg, "nope", Epoch, ""),
		"Reschedule": s.Reschedule(bg, "nope", Epoch),
		"MarkDead":   s.MarkDead(bg, "nope", "", Epoch),
	} {
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("%s(unknown) = %v", name, err)
		}
	}
}

func TestLatestCard(t *testing.T) {
	s := NewMemStore()
	card := func(title string) *bot.Card {
		return &bot.Card{Header: bot.Header{Title: title}, Actions: []bot.Action{{ID: "a", Ref: title}}}
	}
	latest := func(tenant string, p bot.Platform, msg string) string {
		t.Helper()
		c, err := s.LatestCard(bg, tenant, p, msg)
		if err != nil {
			t.Fatal(err)
		}
		if c == nil {
			return ""
		}
		return c.Header.Title
	}

	orig := item("c", Epoch)
	orig.Out.Card = card("original")
	_ = s.Enqueue(bg, []bot.OutboxItem{orig})
	if got := latest(DefaultTenant, bot.Lark, "om_1"); got != "" {
		t.Errorf("card found before it was sent: %q", got)
	}
	if got := latest(DefaultTenant, bot.Lark, ""); got != "" {
		t.Errorf("card found for no message: %q", got)
	}
	_ = s.MarkSent(bg, orig.ID, "om_1", Epoch)
	if got := latest(DefaultTenant, bot.Lark, "om_1"); got != "original" {
		t.Errorf("LatestCard = %q, want original", got)
	}
	if got := latest("tenant-2", bot.Lark, "om_1"); got != "" {
		t.Errorf("another tenant sees %q", got)
	}
	if got := latest(DefaultTenant, bot.WeCom, "om_1"); got != "" {
		t.Errorf("another platform sees %q", got)
	}

	// An update counts once committed, sent or not.
	upd := item("c", Epoch.Add(time.Second))
	upd.Out.Card, upd.Out.UpdateMessageID = card("updated"), "om_1"
	_ = s.Enqueue(bg, []bot.OutboxItem{upd})
	if got := latest(DefaultTenant, bot.Lark, "om_1"); got != "updated" {
		t.Errorf("LatestCard = %q, want updated", got)
	}
	// A text message in reply to the card is not a card.
	reply := item("c", Epoch.Add(2*time.Second))
	reply.Out.ReplyTo = "om_1"
	_ = s.Enqueue(bg, []bot.OutboxItem{reply})
	if got := latest(DefaultTenant, bot.Lark, "om_1"); got != "updated" {
		t.Errorf("LatestCard = %q after a reply, want updated", got)
	}

	// A dead update never reached the platform: the card shown is older.
	dead := item("c", Epoch.Add(3*time.Second))
	dead.Out.Card, dead.Out.UpdateMessageID = card("never shown"), "om_1"
	_ = s.Enqueue(bg, []bot.OutboxItem{dead})
	_ = s.MarkDead(bg, dead.ID, "403", Epoch)
	if got := latest(DefaultTenant, bot.Lark, "om_1"); got != "updated" {
		t.Errorf("LatestCard = %q after a dead update, want updated", got)
	}

	c, _ := s.LatestCard(bg, DefaultTenant, bot.Lark, "om_1")
	c.Actions[0].Ref = "forged"
	if c2, _ := s.LatestCard(bg, DefaultTenant, bot.Lark, "om_1"); c2.Actions[0].Ref != "updated" {
		t.Error("changing a returned card changed the stored one")
	}
}

func TestDefaultsAsInStorage(t *testing.T) {
	s := NewMemStore()
	e := event("ev-1")
	e.ID, e.Status = "", ""
	if ok, err := s.InsertEvent(bg, e); !ok || err != nil {
		t.Fatalf("InsertEvent without a row id = %v, %v", ok, err)
	}
	if r, _ := s.Event(bot.Lark, "ev-1"); r.ID == "" || r.Status != bot.EventReceived {
		t.Errorf("stored %+v, want a row id and status received", r)
	}
	it := item("c", Epoch)
	it.ID, it.Status = "", ""
	if err := s.Enqueue(bg, []bot.OutboxItem{it}); err != nil {
		t.Fatal(err)
	}
	if r := s.Outbox()[0]; r.ID == "" || r.Out.Key != r.ID || r.Status != bot.OutboxPending {
		t.Errorf("stored %+v, want an id, the id as key and status pending", r)
	}
	e = event("ev-2")
	e.Tenant = ""
	if _, err := s.InsertEvent(bg, e); err == nil {
		t.Error("InsertEvent without a tenant succeeded")
	}
	it = item("c", Epoch)
	it.Tenant = ""
	if err := s.Enqueue(bg, []bot.OutboxItem{it}); err == nil {
		t.Error("Enqueue without a tenant succeeded")
	}
}
