package bot_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/bot/bottest"
)

// The outbox tests step the sender by hand (SendDue) with the fake clock, so
// every due time is exact and nothing depends on real time.

// enqueue queues a text message to the chat and returns its outbox id.
func (h *harness) enqueue(chat, text string) string {
	h.t.Helper()
	before := len(h.store.Outbox())
	out := bot.Outgoing{Platform: bot.Console, To: bot.Target{ChatID: chat}, Text: text}
	if err := h.kernel.Enqueue(context.Background(), h.store.Tenant(), out); err != nil {
		h.t.Fatal(err)
	}
	rows := h.store.Outbox()
	if len(rows) != before+1 {
		h.t.Fatalf("Enqueue added %d rows", len(rows)-before)
	}
	return rows[len(rows)-1].ID
}

func (h *harness) item(id string) bottest.OutboxRow {
	h.t.Helper()
	r, ok := h.store.OutboxItem(id)
	if !ok {
		h.t.Fatalf("no outbox item %s", id)
	}
	return r
}

func (h *harness) sendDue() { h.kernel.SendDue(context.Background()) }

func sentTexts(a *bottest.FakeAdapter) []string {
	var texts []string
	for _, o := range a.Sent() {
		texts = append(texts, o.Text)
	}
	return texts
}

func TestOutboxRetriesTransientErrorWithBackoff(t *testing.T) {
	h := newHarness(t)
	h.adapter.FailNext(2, bot.Retry("99991400", "server busy", 0))
	id := h.enqueue(chatID, "hello")
	t0 := h.clock.Now()

	h.sendDue()
	r := h.item(id)
	if r.Status != bot.OutboxPending || r.Attempts != 1 || !strings.Contains(r.LastError, "server busy") {
		t.Fatalf("after a failed try: %+v", r)
	}
	// Backoff(0) is between half a second and a second.
	if d := r.NextAt.Sub(t0); d < 500*time.Millisecond || d > time.Second {
		t.Errorf("first retry in %v, want 0.5s–1s", d)
	}
	h.sendDue() // not due yet
	if n := h.adapter.Tries(); n != 1 {
		t.Errorf("%d tries before the retry was due, want 1", n)
	}

	t1 := h.clock.Advance(time.Second)
	h.sendDue()
	r = h.item(id)
	if r.Attempts != 2 {
		t.Fatalf("after the second failed try: %+v", r)
	}
	// Backoff(1) is between one and two seconds.
	if d := r.NextAt.Sub(t1); d < time.Second || d > 2*time.Second {
		t.Errorf("second retry in %v, want 1s–2s", d)
	}

	t2 := h.clock.Advance(2 * time.Second)
	h.sendDue()
	r = h.item(id)
	if r.Status != bot.OutboxSent || r.MessageID == "" || !r.SentAt.Equal(t2) {
		t.Errorf("after the third try: %+v, want sent at %v", r, t2)
	}
	if texts := sentTexts(h.adapter); !slices.Equal(texts, []string{"hello"}) || h.adapter.Tries() != 3 {
		t.Errorf("sent %q in %d tries, want hello in 3", texts, h.adapter.Tries())
	}
	if n := counterValue(t, h.metrics.OutboxRetried.WithLabelValues("console")); n != 2 {
		t.Errorf("retried = %v, want 2", n)
	}
	if n := counterValue(t, h.metrics.OutboxSent.WithLabelValues("console")); n != 1 {
		t.Errorf("sent = %v, want 1", n)
	}
}

func TestOutboxHonoursRetryAfter(t *testing.T) {
	h := newHarness(t)
	h.adapter.FailNext(1, bot.Retry("429", "too many requests", 30*time.Second))
	id := h.enqueue(chatID, "hello")
	t0 := h.clock.Now()

	h.sendDue()
	if r := h.item(id); !r.NextAt.Equal(t0.Add(30 * time.Second)) {
		t.Errorf("retry at %v, want 30s later", r.NextAt.Sub(t0))
	}
	h.clock.Advance(30*time.Second - time.Millisecond)
	h.sendDue()
	if n := h.adapter.Tries(); n != 1 {
		t.Errorf("tried again %v before the platform allowed", time.Millisecond)
	}
	h.clock.Advance(time.Millisecond)
	h.sendDue()
	if r := h.item(id); r.Status != bot.OutboxSent {
		t.Errorf("status %q after RetryAfter, want sent", r.Status)
	}
}

func TestOutboxPermanentErrorDeadLetters(t *testing.T) {
	h := newHarness(t)
	h.adapter.FailNext(1, bot.Permanent("230002", "bot is not in the chat"))
	id := h.enqueue(chatID, "hello")

	h.sendDue()
	r := h.item(id)
	if r.Status != bot.OutboxDead || !strings.Contains(r.LastError, "230002") || r.DeadAt.IsZero() {
		t.Errorf("after a permanent error: %+v, want dead", r)
	}
	h.clock.Advance(time.Hour)
	h.sendDue()
	if n := h.adapter.Tries(); n != 1 {
		t.Errorf("%d tries, want 1", n)
	}
	if n := counterValue(t, h.metrics.OutboxFailed.WithLabelValues("console")); n != 1 {
		t.Errorf("failed = %v, want 1", n)
	}
	if _, ok := h.logs.find("message dead-lettered"); !ok {
		t.Error("dead letter not logged")
	}
}

func TestOutboxMaxAttemptsDeadLetters(t *testing.T) {
	h := newHarness(t, func(o *bot.Options, _ *bottest.FakeAdapter) { o.MaxAttempts = 3 })
	h.adapter.FailNext(10, bot.Retry("500", "internal error", 0))
	id := h.enqueue(chatID, "hello")

	for range 10 {
		h.sendDue()
		h.clock.Advance(10 * time.Minute) // the longest backoff
	}
	r := h.item(id)
	if r.Status != bot.OutboxDead || h.adapter.Tries() != 3 || r.Attempts != 3 {
		t.Errorf("%+v after %d tries, want dead after 3", r, h.adapter.Tries())
	}
}

func TestOutboxNoAdapterDeadLetters(t *testing.T) {
	h := newHarness(t)
	out := bot.Outgoing{Platform: bot.WeCom, To: bot.Target{ChatID: chatID}, Text: "hello"}
	if err := h.kernel.Enqueue(context.Background(), h.store.Tenant(), out); err != nil {
		t.Fatal(err)
	}
	h.sendDue()
	if r := h.store.Outbox()[0]; r.Status != bot.OutboxDead || !strings.Contains(r.LastError, "wecom") {
		t.Errorf("%+v, want dead for want of an adapter", r)
	}
}

func TestOutboxChatScopePausesOnlyThatChat(t *testing.T) {
	h := newHarness(t)
	h.adapter.FailNext(1, &bot.SendError{Code: "11232", Message: "chat rate limited", RetryAfter: 30 * time.Second, Scope: "chat"})
	a1 := h.enqueue("oc_a", "a1")
	a2 := h.enqueue("oc_a", "a2")
	b1 := h.enqueue("oc_b", "b1")
	t0 := h.clock.Now()

	h.sendDue()
	if texts := sentTexts(h.adapter); !slices.Equal(texts, []string{"b1"}) {
		t.Errorf("sent %q, want only b1 while oc_a is paused", texts)
	}
	if r := h.item(a1); r.Attempts != 1 || !r.NextAt.Equal(t0.Add(30*time.Second)) {
		t.Errorf("a1: %+v, want one attempt, due in 30s", r)
	}
	// a2 was not tried: waiting for the pause is not an attempt.
	if r := h.item(a2); r.Status != bot.OutboxPending || r.Attempts != 0 || !r.NextAt.Equal(t0.Add(30*time.Second)) {
		t.Errorf("a2: %+v, want pending without attempts, due in 30s", r)
	}
	if h.item(b1).Status != bot.OutboxSent {
		t.Error("b1 not sent")
	}

	h.clock.Advance(30 * time.Second)
	h.sendDue()
	if texts := sentTexts(h.adapter); !slices.Equal(texts, []string{"b1", "a1", "a2"}) {
		t.Errorf("sent %q, want b1 a1 a2", texts)
	}
}

func TestOutboxAppScopePausesWholePlatform(t *testing.T) {
	h := newHarness(t)
	h.adapter.FailNext(1, &bot.SendError{Code: "429", Message: "app rate limited", RetryAfter: 10 * time.Second, Scope: "app"})
	a1 := h.enqueue("oc_a", "a1")
	b1 := h.enqueue("oc_b", "b1")

	h.sendDue()
	if n := len(h.adapter.Sent()); n != 0 {
		t.Errorf("%d sent while the app is paused", n)
	}
	if r := h.item(b1); r.Attempts != 0 {
		t.Errorf("b1: %+v, want no attempts", r)
	}
	h.clock.Advance(10 * time.Second)
	h.sendDue()
	if h.item(a1).Status != bot.OutboxSent || h.item(b1).Status != bot.OutboxSent {
		t.Errorf("sent %q after the pause, want a1 and b1", sentTexts(h.adapter))
	}
}

// A local rate-limit wait must not count as an attempt, or a busy chat would
// dead-letter messages that were never tried.
func TestOutboxLocalRateLimitSpreadsSendsWithoutBurningAttempts(t *testing.T) {
	h := newHarness(t, func(o *bot.Options, a *bottest.FakeAdapter) {
		o.MaxAttempts = 2
		a.SetLimits(bot.Limits{PerChat: bot.Rate{N: 1, Per: time.Second}})
	})
	ids := []string{h.enqueue(chatID, "m1"), h.enqueue(chatID, "m2"), h.enqueue(chatID, "m3"), h.enqueue(chatID, "m4")}
	other := h.enqueue("oc_other", "other")
	t0 := h.clock.Now()

	failed := false
	for i := 0; len(h.adapter.Sent()) < 5 && i < 20; i++ {
		h.sendDue()
		if !failed && len(h.adapter.Sent()) == 4 {
			// m4 has waited three times; one failure must not kill it.
			h.adapter.FailNext(1, bot.Retry("500", "internal error", time.Second))
			failed = true
		}
		h.clock.Advance(time.Second)
	}

	if texts := sentTexts(h.adapter); !slices.Equal(texts, []string{"m1", "other", "m2", "m3", "m4"}) {
		t.Fatalf("sent %q", texts)
	}
	// One send to the chat a second; the other chat is not held up.
	for i, id := range ids {
		r := h.item(id)
		want := t0.Add(time.Duration(i) * time.Second)
		if i == 3 {
			want = want.Add(time.Second) // its first try failed
		}
		if r.Status != bot.OutboxSent || !r.SentAt.Equal(want) {
			t.Errorf("m%d: %s at %v, want sent at %v", i+1, r.Status, r.SentAt.Sub(t0), want.Sub(t0))
		}
		if wantAttempts := min(i/3, 1); r.Attempts != wantAttempts {
			t.Errorf("m%d: %d attempts, want %d", i+1, r.Attempts, wantAttempts)
		}
	}
	if r := h.item(other); !r.SentAt.Equal(t0) {
		t.Errorf("other chat sent at %v, want at once", r.SentAt.Sub(t0))
	}
}

func TestOutboxSentByRunningKernel(t *testing.T) {
	h := newHarness(t)
	h.adapter.FailNext(1, bot.Retry("429", "slow down", time.Minute))
	h.run(h.kernel)
	if err := h.kernel.Enqueue(context.Background(), h.store.Tenant(),
		bot.Outgoing{Platform: bot.Console, To: bot.Target{UserID: "ou_boss"}, Text: "日报"}); err != nil {
		t.Fatal(err)
	}
	// Advance the clock only once the retry is scheduled: the kernel reads
	// it to compute the due time.
	bottest.Eventually(t, "the first try to be recorded", func() bool {
		rows := h.store.Outbox()
		return len(rows) == 1 && rows[0].Attempts == 1 && rows[0].Status == bot.OutboxPending
	})
	h.clock.Advance(time.Minute)
	sent := h.adapter.WaitSent(t, 1)
	if sent[0].To.UserID != "ou_boss" || sent[0].Key == "" {
		t.Errorf("sent %+v", sent[0])
	}
}

func TestBackoff(t *testing.T) {
	for attempt := range 14 {
		base := min(time.Second<<min(attempt, 10), 10*time.Minute)
		for range 50 {
			if d := bot.Backoff(attempt); d < base/2 || d > base {
				t.Fatalf("Backoff(%d) = %v, want %v–%v", attempt, d, base/2, base)
			}
		}
	}
}

// An update that failed and is retried after a newer update of the same card
// went out is dropped: the card keeps showing the newer state.
func TestOutboxRetriedUpdateDoesNotOverwriteNewer(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	msgID := h.sendCard(&bot.Card{Header: bot.Header{Title: "回款待确认"}})
	update := func(title string) string {
		t.Helper()
		out := bot.Outgoing{Platform: bot.Console, To: bot.Target{ChatID: chatID}, UpdateMessageID: msgID,
			Card: &bot.Card{Header: bot.Header{Title: title}}}
		if err := h.kernel.Enqueue(ctx, h.store.Tenant(), out); err != nil {
			t.Fatal(err)
		}
		rows := h.store.Outbox()
		return rows[len(rows)-1].ID
	}
	h.adapter.FailNext(1, bot.Retry("500", "internal error", 0))
	older := update("已确认")
	h.sendDue()
	if r := h.item(older); r.Status != bot.OutboxPending || r.Attempts != 1 {
		t.Fatalf("older update after a failed try: %+v", r)
	}
	newer := update("已驳回")
	h.sendDue()
	if r := h.item(newer); r.Status != bot.OutboxSent {
		t.Fatalf("newer update: %+v", r)
	}
	h.clock.Advance(time.Minute)
	h.sendDue()
	r := h.item(older)
	if r.Status != bot.OutboxDead || !strings.Contains(r.LastError, "superseded") {
		t.Errorf("older update retried after the newer one went out: %+v", r)
	}
	var titles []string
	for _, o := range h.adapter.Sent() {
		titles = append(titles, o.Card.Header.Title)
	}
	if !slices.Equal(titles, []string{"回款待确认", "已驳回"}) {
		t.Errorf("sent %q, want the card and only the newer update", titles)
	}
	if card, err := h.store.LatestCard(ctx, h.store.Tenant(), bot.Console, msgID); err != nil || card.Header.Title != "已驳回" {
		t.Errorf("LatestCard = %+v, %v", card, err)
	}
}
