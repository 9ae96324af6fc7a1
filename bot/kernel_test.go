package bot_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/bot/bottest"
)

// pong registers intent "ping", answering "pong", and returns how often it
// was called.
func pong(h *harness) *atomic.Int32 {
	var calls atomic.Int32
	h.router.Handle("ping", func(ctx context.Context, m *bot.Message) (bot.Reply, error) {
		calls.Add(1)
		return bot.Reply{Text: "pong"}, nil
	})
	return &calls
}

func TestDeliverHandlesMessageAndRepliesInThread(t *testing.T) {
	h := newHarness(t)
	var got *bot.Message
	h.router.Handle("ping", func(ctx context.Context, m *bot.Message) (bot.Reply, error) {
		got = m
		return bot.Reply{Text: "pong"}, nil
	})
	h.run(h.kernel)

	ev := message("ev-1", "ping")
	if res := h.deliver(ev); res != (bot.Result{}) {
		t.Errorf("Deliver = %+v, want the zero Result", res)
	}
	sent := h.adapter.WaitSent(t, 1)
	h.waitEvent("ev-1", bot.EventDone)

	want := bot.Outgoing{Platform: bot.Console, To: bot.Target{ChatID: chatID}, ReplyTo: "om_ev-1", Text: "pong"}
	want.Key = sent[0].Key
	if !sameOutgoing(sent[0], want) {
		t.Errorf("sent %+v, want %+v", sent[0], want)
	}
	if got.Route != "ping" || got.Tenant != bottest.DefaultTenant {
		t.Errorf("handler got route %q tenant %q", got.Route, got.Tenant)
	}
	// An unknown sender is registered as a sales rep with their name.
	if got.Member.Role != bottest.DefaultRole || got.Member.Name != "张三" || got.Member.ID == "" {
		t.Errorf("handler got member %+v, want a new sales rep 张三", got.Member)
	}
	if m, ok := h.store.Member(bot.Console, "ou_zhang"); !ok || m != got.Member {
		t.Errorf("stored member = %+v, %v; want %+v", m, ok, got.Member)
	}
	if n := counterValue(t, h.metrics.EventsReceived.WithLabelValues("console", "message")); n != 1 {
		t.Errorf("events received = %v, want 1", n)
	}
	// Counted after the adapter returns, so possibly not yet.
	bottest.Eventually(t, "outbox sent counted", func() bool {
		return counterValue(t, h.metrics.OutboxSent.WithLabelValues("console")) == 1
	})
}

func sameOutgoing(a, b bot.Outgoing) bool {
	return a.Platform == b.Platform && a.To == b.To && a.ReplyTo == b.ReplyTo && a.Text == b.Text &&
		a.Card == b.Card && a.UpdateMessageID == b.UpdateMessageID && a.Key == b.Key
}

func TestDeliverTwiceHandlesOnce(t *testing.T) {
	h := newHarness(t)
	calls := pong(h)
	h.run(h.kernel)

	ev := message("ev-1", "ping")
	if res := h.deliver(ev); res.Duplicate {
		t.Fatal("first delivery reported as a duplicate")
	}
	h.adapter.WaitSent(t, 1)
	h.waitEvent("ev-1", bot.EventDone)
	if res := h.deliver(ev); !res.Duplicate {
		t.Errorf("second delivery: Duplicate = false")
	}

	if n := calls.Load(); n != 1 {
		t.Errorf("handler called %d times, want 1", n)
	}
	// Nothing was stored for the duplicate, so nothing can handle it later.
	if n := len(h.store.Events()); n != 1 {
		t.Errorf("%d inbox rows, want 1", n)
	}
	if texts := h.outboxTexts(); !slices.Equal(texts, []string{"pong"}) {
		t.Errorf("outbox = %q, want one pong", texts)
	}
	if n := counterValue(t, h.metrics.EventsDeduped.WithLabelValues("console")); n != 1 {
		t.Errorf("events deduped = %v, want 1", n)
	}
	if n := counterValue(t, h.metrics.EventsReceived.WithLabelValues("console", "message")); n != 1 {
		t.Errorf("events received = %v, want 1", n)
	}
}

func TestDeliverConcurrentDuplicates(t *testing.T) {
	const n = 16
	deliverAll := func(h *harness, ev bot.Event) []bot.Result {
		start := make(chan struct{})
		results := make([]bot.Result, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-start
				res, err := h.kernel.Deliver(context.Background(), ev)
				if err != nil {
					t.Errorf("Deliver: %v", err)
				}
				results[i] = res
			})
		}
		close(start)
		wg.Wait()
		return results
	}
	firsts := func(results []bot.Result) []bot.Result {
		return slices.DeleteFunc(results, func(r bot.Result) bool { return r.Duplicate })
	}

	t.Run("message", func(t *testing.T) {
		h := newHarness(t)
		calls := pong(h)
		results := deliverAll(h, message("ev-1", "ping"))
		if got := firsts(results); len(got) != 1 {
			t.Errorf("%d deliveries not reported as duplicates, want 1", len(got))
		}
		h.run(h.kernel)
		h.adapter.WaitSent(t, 1)
		h.waitEvent("ev-1", bot.EventDone)
		if c := calls.Load(); c != 1 {
			t.Errorf("handler called %d times, want 1", c)
		}
		if c := counterValue(t, h.metrics.EventsDeduped.WithLabelValues("console")); c != n-1 {
			t.Errorf("events deduped = %v, want %d", c, n-1)
		}
	})

	t.Run("action", func(t *testing.T) {
		h := newHarness(t)
		var calls atomic.Int32
		h.router.HandleAction("task", func(ctx context.Context, m *bot.Message) (bot.Reply, error) {
			calls.Add(1)
			return bot.Reply{Toast: "已接受"}, nil
		})
		msgID := h.sendCard(&bot.Card{Header: bot.Header{Title: "新任务"}, Actions: []bot.Action{{ID: "task.accept", Ref: "task-1"}}})
		results := deliverAll(h, press("ev-2", msgID, "task.accept"))
		got := firsts(results)
		if len(got) != 1 || got[0].Toast != "已接受" {
			t.Errorf("results not reported as duplicates: %+v, want one with toast 已接受", got)
		}
		if c := calls.Load(); c != 1 {
			t.Errorf("handler called %d times, want 1", c)
		}
	})
}

func TestDeliverUnknownTenant(t *testing.T) {
	h := newHarness(t)
	ev := message("ev-1", "ping")
	ev.TenantKey = "some-other-company"
	if _, err := h.kernel.Deliver(context.Background(), ev); !errors.Is(err, bot.ErrUnknownTenant) {
		t.Errorf("Deliver = %v, want ErrUnknownTenant", err)
	}
	h.store.BindTenantKey(bot.Console, "some-other-company")
	if _, err := h.kernel.Deliver(context.Background(), ev); err != nil {
		t.Errorf("Deliver after binding the key: %v", err)
	}
}

func TestDeliverStoreDown(t *testing.T) {
	h := newHarness(t)
	down := errors.New("connection refused")
	h.store.SetFault(bottest.FailOp("InsertEvent", down))
	// The adapter answers 503 on an error, so the platform retries: nothing
	// is acknowledged that is not stored.
	if _, err := h.kernel.Deliver(context.Background(), message("ev-1", "ping")); !errors.Is(err, down) {
		t.Errorf("Deliver = %v, want %v", err, down)
	}
	if n := len(h.store.Events()); n != 0 {
		t.Errorf("%d events stored", n)
	}
}

func TestUserErrorRepliedInThread(t *testing.T) {
	h := newHarness(t)
	const msg = "金额必须大于零。"
	h.router.Handle("log", func(ctx context.Context, m *bot.Message) (bot.Reply, error) {
		return bot.Reply{Text: "已记录"}, fmt.Errorf("log follow-up: %w", &testError{msg: msg})
	})
	h.run(h.kernel)
	h.deliver(message("ev-1", "log 回款 -5万"))

	sent := h.adapter.WaitSent(t, 1)
	if sent[0].Text != msg || sent[0].ReplyTo != "om_ev-1" || sent[0].To.ChatID != chatID {
		t.Errorf("sent %+v, want %q in reply to om_ev-1", sent[0], msg)
	}
	row := h.waitEvent("ev-1", bot.EventDone)
	if !strings.Contains(row.Error, msg) {
		t.Errorf("event error = %q, want it to say %q", row.Error, msg)
	}
	if texts := h.outboxTexts(); !slices.Equal(texts, []string{msg}) {
		t.Errorf("outbox = %q, want only the error message", texts)
	}
}

var refPattern = regexp.MustCompile(`参考号 ([0-9a-f]{8})`)

func TestInternalErrorApologisesWithReference(t *testing.T) {
	h := newHarness(t)
	h.router.Handle("log", func(ctx context.Context, m *bot.Message) (bot.Reply, error) {
		return bot.Reply{}, errors.New("insert follow_ups: connection reset by peer")
	})
	h.run(h.kernel)
	h.deliver(message("ev-1", "log 拜访了华为"))

	sent := h.adapter.WaitSent(t, 1)
	row := h.waitEvent("ev-1", bot.EventFailed)
	text := sent[0].Text
	match := refPattern.FindStringSubmatch(text)
	if match == nil || !strings.HasPrefix(text, "抱歉") || sent[0].ReplyTo != "om_ev-1" {
		t.Fatalf("sent %+v, want an apology with a reference id in reply to om_ev-1", sent[0])
	}
	if strings.Contains(text, "connection reset") {
		t.Errorf("reply %q shows the internal error to the user", text)
	}
	if !strings.Contains(row.Error, "connection reset") {
		t.Errorf("event error = %q, want the cause", row.Error)
	}
	attrs, ok := h.logs.find("handle event")
	if !ok || attrs["ref"] != match[1] || !strings.Contains(attrs["err"], "connection reset") {
		t.Errorf("logged %v, want ref %s with the cause", attrs, match[1])
	}
}

func TestHandlerPanicIsAnInternalError(t *testing.T) {
	h := newHarness(t)
	h.router.Handle("boom", func(ctx context.Context, m *bot.Message) (bot.Reply, error) {
		var m2 map[string]int
		m2["x"]++ // panics: assignment to entry in nil map
		return bot.Reply{}, nil
	})
	pong(h)
	h.run(h.kernel)
	h.deliver(message("ev-1", "boom"))
	row := h.waitEvent("ev-1", bot.EventFailed)
	if !strings.Contains(row.Error, "panic") {
		t.Errorf("event error = %q, want the panic", row.Error)
	}
	// The kernel lives on.
	h.deliver(message("ev-2", "ping"))
	sent := h.adapter.WaitSent(t, 2)
	texts := []string{sent[0].Text, sent[1].Text}
	slices.Sort(texts)
	if !refPattern.MatchString(texts[1]) || texts[0] != "pong" {
		t.Errorf("sent %q, want an apology and a pong", texts)
	}
}

func TestNoRoute(t *testing.T) {
	h := newHarness(t) // no fallback
	h.run(h.kernel)
	h.deliver(message("ev-1", "随便说说"))
	sent := h.adapter.WaitSent(t, 1)
	if !strings.Contains(sent[0].Text, "帮助") {
		t.Errorf("sent %q, want a pointer to 帮助", sent[0].Text)
	}
	h.waitEvent("ev-1", bot.EventDone)
}

func TestHandlerRecordsAndRepliesAreAtomic(t *testing.T) {
	const table = "follow_ups"
	// logHandler writes a record, queues a message to the manager and
	// answers; then fails when fail says so.
	logHandler := func(h *harness, fail error) bot.HandlerFunc {
		return func(ctx context.Context, m *bot.Message) (bot.Reply, error) {
			if err := h.store.Put(ctx, table, "fu-1", m.Text); err != nil {
				return bot.Reply{}, err
			}
			err := h.kernel.Enqueue(ctx, m.Tenant, bot.Outgoing{Platform: bot.Console, To: bot.Target{UserID: "ou_boss"}, Text: "张三记录了跟进"})
			if err != nil {
				return bot.Reply{}, err
			}
			return bot.Reply{Text: "已记录"}, fail
		}
	}

	t.Run("committed", func(t *testing.T) {
		h := newHarness(t)
		h.router.Handle("log", logHandler(h, nil))
		h.run(h.kernel)
		h.deliver(message("ev-1", "log 拜访了华为"))
		h.adapter.WaitSent(t, 2)
		h.waitEvent("ev-1", bot.EventDone)
		if got := h.store.Table(table); got["fu-1"] != "log 拜访了华为" {
			t.Errorf("table = %v, want the follow-up", got)
		}
		texts := h.outboxTexts()
		slices.Sort(texts)
		if !slices.Equal(texts, []string{"已记录", "张三记录了跟进"}) {
			t.Errorf("outbox = %q", texts)
		}
	})

	t.Run("handler fails", func(t *testing.T) {
		h := newHarness(t)
		h.router.Handle("log", logHandler(h, errors.New("insert audit row: disk I/O error")))
		h.run(h.kernel)
		h.deliver(message("ev-1", "log 拜访了华为"))
		h.waitEvent("ev-1", bot.EventFailed)
		assertOnlyApology(t, h, table)
	})

	t.Run("commit fails", func(t *testing.T) {
		h := newHarness(t)
		h.router.Handle("log", logHandler(h, nil))
		var failed atomic.Bool
		h.store.SetFault(func(op string) error {
			if op == "Commit" && failed.CompareAndSwap(false, true) {
				return errors.New("commit: database is locked")
			}
			return nil
		})
		h.run(h.kernel)
		h.deliver(message("ev-1", "log 拜访了华为"))
		h.waitEvent("ev-1", bot.EventFailed)
		assertOnlyApology(t, h, table)
	})
}

// assertOnlyApology checks that nothing the handler wrote was kept and the
// apology is the only message.
func assertOnlyApology(t *testing.T, h *harness, table string) {
	t.Helper()
	if got := h.store.Table(table); len(got) != 0 {
		t.Errorf("table = %v, want nothing kept", got)
	}
	texts := h.outboxTexts()
	if len(texts) != 1 || !refPattern.MatchString(texts[0]) {
		t.Fatalf("outbox = %q, want only the apology", texts)
	}
	sent := h.adapter.WaitSent(t, 1)
	if len(sent) != 1 || sent[0].Text != texts[0] {
		t.Errorf("sent %q, want only the apology", bottest.Describe(sent))
	}
}

func TestUnfinishedEventsProcessedOnRestart(t *testing.T) {
	h := newHarness(t)
	calls := pong(h)
	ctx := context.Background()
	now := h.clock.Now()
	insert := func(id string, receivedAgo time.Duration) bot.InboxEvent {
		row := bot.InboxEvent{ID: bot.NewID(), Tenant: h.store.Tenant(), Event: message(id, "ping"),
			Status: bot.EventReceived, ReceivedAt: now.Add(-receivedAgo)}
		if ok, err := h.store.InsertEvent(ctx, row); !ok || err != nil {
			t.Fatalf("InsertEvent(%s) = %v, %v", id, ok, err)
		}
		return row
	}
	// Stored but never handled, as when the process dies right after the
	// webhook acknowledged it.
	insert("ev-received", time.Minute)
	// Claimed by a worker that died: its lease has run out.
	crashed := insert("ev-crashed", 3*time.Minute)
	if ok, err := h.store.ClaimEvent(ctx, crashed.ID, now.Add(-3*time.Minute), time.Minute); !ok || err != nil {
		t.Fatalf("ClaimEvent = %v, %v", ok, err)
	}
	// Finished before the crash: not handled again.
	done := insert("ev-done", 5*time.Minute)
	if ok, err := h.store.ClaimEvent(ctx, done.ID, now.Add(-5*time.Minute), time.Minute); !ok || err != nil {
		t.Fatalf("ClaimEvent = %v, %v", ok, err)
	}
	if err := h.store.FinishEvent(ctx, done.ID, now.Add(-4*time.Minute), bot.EventDone, "", now.Add(-5*time.Minute)); err != nil {
		t.Fatal(err)
	}

	h.run(h.kernel)
	h.waitEvent("ev-received", bot.EventDone)
	h.waitEvent("ev-crashed", bot.EventDone)
	sent := h.adapter.WaitSent(t, 2)
	if n := calls.Load(); n != 2 {
		t.Errorf("handler called %d times, want 2", n)
	}
	var replyTo []string
	for _, o := range sent {
		replyTo = append(replyTo, o.ReplyTo)
	}
	slices.Sort(replyTo)
	if !slices.Equal(replyTo, []string{"om_ev-crashed", "om_ev-received"}) {
		t.Errorf("replies to %q", replyTo)
	}
}

func TestEventDeliveredBeforeCrashIsHandledByNextKernel(t *testing.T) {
	h := newHarness(t)
	calls := pong(h)
	// The first kernel stores the event but is never run: it "crashed".
	h.deliver(message("ev-1", "ping"))

	h.clock.Advance(time.Minute)
	h.run(h.newKernel())
	h.waitEvent("ev-1", bot.EventDone)
	h.adapter.WaitSent(t, 1)
	if n := calls.Load(); n != 1 {
		t.Errorf("handler called %d times, want 1", n)
	}
}

// blockingHandler returns a handler that says when it starts and then waits
// for release.
func blockingHandler(reply bot.Reply) (h bot.HandlerFunc, started <-chan struct{}, release chan<- struct{}) {
	s, r := make(chan struct{}), make(chan struct{})
	return func(ctx context.Context, m *bot.Message) (bot.Reply, error) {
		close(s)
		<-r
		return reply, nil
	}, s, r
}

// assertStillRunning checks that Run has not returned. It cannot wait for
// something to happen, only make sure for a moment that it does not: were
// Run not waiting for the handler, it would return within microseconds of
// its ctx being cancelled.
func assertStillRunning(t *testing.T, runDone <-chan struct{}) {
	t.Helper()
	select {
	case <-runDone:
		t.Fatal("Run returned while a handler was still running")
	case <-time.After(50 * time.Millisecond):
	}
}

func TestRunWaitsForInFlightMessage(t *testing.T) {
	h := newHarness(t)
	handler, started, release := blockingHandler(bot.Reply{Text: "pong"})
	h.router.Handle("slow", handler)
	stop := h.run(h.kernel)
	h.deliver(message("ev-1", "slow"))
	<-started

	stopped := make(chan struct{})
	go func() { stop(); close(stopped) }()
	assertStillRunning(t, stopped)
	close(release)
	<-stopped

	// Run returned only after the handler's transaction committed.
	if row, _ := h.store.Event(bot.Console, "ev-1"); row.Status != bot.EventDone {
		t.Errorf("event status %q after Run returned, want done", row.Status)
	}
	if texts := h.outboxTexts(); !slices.Equal(texts, []string{"pong"}) {
		t.Errorf("outbox = %q, want the reply", texts)
	}
}

func TestRunWaitsForInFlightAction(t *testing.T) {
	h := newHarness(t)
	handler, started, release := blockingHandler(bot.Reply{Toast: "已确认"})
	h.router.HandleAction("collection", handler)
	msgID := h.sendCard(&bot.Card{Header: bot.Header{Title: "回款待确认"},
		Actions: []bot.Action{{ID: "collection.confirm", Ref: "col-7"}}})
	stop := h.run(h.kernel)

	result := make(chan bot.Result, 1)
	go func() {
		res, err := h.kernel.Deliver(context.Background(), press("ev-1", msgID, "collection.confirm"))
		if err != nil {
			t.Errorf("Deliver: %v", err)
		}
		result <- res
	}()
	<-started
	stopped := make(chan struct{})
	go func() { stop(); close(stopped) }()
	assertStillRunning(t, stopped)
	close(release)
	<-stopped
	if row, _ := h.store.Event(bot.Console, "ev-1"); row.Status != bot.EventDone {
		t.Errorf("event status %q after Run returned, want done", row.Status)
	}
	if res := <-result; res.Toast != "已确认" {
		t.Errorf("Deliver = %+v, want toast 已确认", res)
	}
}

func TestRunReturnsWhenIdle(t *testing.T) {
	h := newHarness(t)
	stop := h.run(h.kernel)
	stop() // fails the test if Run does not return
}

func TestThreadReplyCarriesTheCardItAnswers(t *testing.T) {
	h := newHarness(t)
	got := make(chan *bot.Message, 3)
	h.router.Handle("fix", func(ctx context.Context, m *bot.Message) (bot.Reply, error) {
		got <- m
		return bot.Reply{Text: "ok"}, nil
	})
	h.run(h.kernel)
	card := &bot.Card{Header: bot.Header{Title: "已记录跟进"},
		Actions: []bot.Action{{ID: "followup.edit", Label: "修改", Ref: "fu-1"}}}
	cardMsg := h.sendCard(card)

	reply := message("ev-thread", "fix 金额 40万")
	reply.ThreadID = cardMsg
	h.deliver(reply)
	m := <-got
	a, ok := m.ThreadCard.FindAction("followup.edit")
	if !ok || a.Ref != "fu-1" || m.ThreadCard.Header.Title != "已记录跟进" {
		t.Errorf("ThreadCard = %+v, want the stored card with its refs", m.ThreadCard)
	}

	// A thread whose root is no bot card, and a message in no thread, carry none.
	other := message("ev-other", "fix 金额 40万")
	other.ThreadID = "om_not_a_card"
	h.deliver(other)
	if m := <-got; m.ThreadCard != nil {
		t.Errorf("thread of a message without a card: ThreadCard = %+v", m.ThreadCard)
	}
	h.deliver(message("ev-plain", "fix 金额 40万"))
	if m := <-got; m.ThreadCard != nil {
		t.Errorf("message in no thread: ThreadCard = %+v", m.ThreadCard)
	}
}

// stealingStore is a MemStore on which another worker claims the next
// finished event just before this one finishes it, as when a handler ran
// past its lease.
type stealingStore struct {
	*bottest.MemStore
	steal atomic.Bool
}

func (s *stealingStore) FinishEvent(ctx context.Context, id string, claimedUntil time.Time, status, errText string, at time.Time) error {
	if s.steal.CompareAndSwap(true, false) {
		if ok, err := s.ClaimEvent(ctx, id, claimedUntil.Add(time.Second), time.Minute); !ok || err != nil {
			return fmt.Errorf("steal: %v, %v", ok, err)
		}
	}
	return s.MemStore.FinishEvent(ctx, id, claimedUntil, status, errText, at)
}

func TestLeaseLostRollsBackTheHandlersEffects(t *testing.T) {
	h := newHarness(t)
	calls := pong(h)
	store := &stealingStore{MemStore: h.store}
	store.steal.Store(true)
	k := bot.NewKernel(store, h.router, h.opts)
	k.AddAdapter(h.adapter)
	h.run(k)
	if _, err := k.Deliver(context.Background(), message("ev-1", "ping")); err != nil {
		t.Fatal(err)
	}
	bottest.Eventually(t, "the lost lease to be logged", func() bool {
		_, ok := h.logs.find("event handled by another worker after this one's lease ran out; its effects were rolled back")
		return ok
	})
	if texts := h.outboxTexts(); len(texts) != 0 {
		t.Fatalf("outbox = %q: the effects of a worker that lost its lease were kept", texts)
	}
	// Once the lease has run out, the event is handled again, once.
	h.clock.Advance(2 * time.Minute)
	h.waitEvent("ev-1", bot.EventDone)
	sent := h.adapter.WaitSent(t, 1)
	if n := calls.Load(); n != 2 || len(sent) != 1 || sent[0].Text != "pong" {
		t.Errorf("handler called %d times, sent %q; want 2 calls and one pong", n, bottest.Describe(sent))
	}
}
