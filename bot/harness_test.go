package bot_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/bot/bottest"
)

// harness is a kernel over the in-memory fakes, with a fixed clock and a
// console adapter.
type harness struct {
	t       *testing.T
	store   *bottest.MemStore
	adapter *bottest.FakeAdapter
	clock   *bottest.Clock
	metrics *bot.Metrics
	logs    *logRecorder
	router  *bot.Router
	opts    bot.Options
	kernel  *bot.Kernel
}

// chatID is the group chat test events come from.
const chatID = "oc_sales"

// newHarness returns a harness whose router classifies a message by its
// first word. Register routes before run.
func newHarness(t *testing.T, tune ...func(*bot.Options, *bottest.FakeAdapter)) *harness {
	t.Helper()
	h := &harness{
		t:       t,
		store:   bottest.NewMemStore(),
		adapter: bottest.NewFakeAdapter(bot.Console),
		clock:   bottest.NewClock(),
		metrics: bot.NewMetrics(nil),
		logs:    &logRecorder{},
		router:  bot.NewRouter(firstWord),
	}
	h.opts = bot.Options{
		Log:     slog.New(h.logs),
		Now:     h.clock.Now,
		Metrics: h.metrics,
		Workers: 2,
		// Short, so the real-time tickers of the sweeper (every 20 ms) and
		// the sender (every 4 ms) notice what the fake clock made due.
		SweepEvery: 20 * time.Millisecond,
	}
	for _, f := range tune {
		f(&h.opts, h.adapter)
	}
	h.kernel = h.newKernel()
	return h
}

// newKernel returns another kernel over the harness's store, router and
// adapter, as after a restart.
func (h *harness) newKernel() *bot.Kernel {
	k := bot.NewKernel(h.store, h.router, h.opts)
	k.AddAdapter(h.adapter)
	return k
}

func firstWord(_ context.Context, m *bot.Message) string {
	w, _, _ := strings.Cut(m.Text, " ")
	return w
}

// run runs the kernel until the test ends or stop is called; stop cancels
// Run and waits for it to return.
func (h *harness) run(k *bot.Kernel) (stop func()) {
	h.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- k.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					h.t.Errorf("Run: %v", err)
				}
			case <-time.After(bottest.WaitTimeout):
				h.t.Errorf("Run did not return %v after its ctx was cancelled", bottest.WaitTimeout)
			}
		})
	}
	h.t.Cleanup(stop)
	return stop
}

// message returns a group-chat message event with the given event id.
func message(id, text string) bot.Event {
	return bot.Event{
		ID:        id,
		Kind:      bot.KindMessage,
		Platform:  bot.Console,
		Chat:      bot.Chat{ID: chatID, Type: bot.GroupChat, Name: "销售群"},
		Sender:    bot.User{ID: "ou_zhang", Name: "张三"},
		MessageID: "om_" + id,
		Text:      text,
	}
}

// press returns a button press on the card message messageID.
func press(id, messageID, actionID string) bot.Event {
	return bot.Event{
		ID:        id,
		Kind:      bot.KindAction,
		Platform:  bot.Console,
		Chat:      bot.Chat{ID: chatID, Type: bot.GroupChat},
		Sender:    bot.User{ID: "ou_zhang", Name: "张三"},
		MessageID: messageID,
		Action:    &bot.ActionEvent{ID: actionID},
	}
}

func (h *harness) deliver(ev bot.Event) bot.Result {
	h.t.Helper()
	res, err := h.kernel.Deliver(context.Background(), ev)
	if err != nil {
		h.t.Fatalf("Deliver(%s): %v", ev.ID, err)
	}
	return res
}

// waitEvent waits until the event has the status and returns its row.
func (h *harness) waitEvent(eventID, status string) bottest.InboxRow {
	h.t.Helper()
	var row bottest.InboxRow
	bottest.Eventually(h.t, fmt.Sprintf("event %s to be %s", eventID, status), func() bool {
		var ok bool
		row, ok = h.store.Event(bot.Console, eventID)
		return ok && row.Status == status
	})
	return row
}

// sendCard sends a card to the chat through the outbox, as a handler's
// reply would be, and returns the platform message id it got.
func (h *harness) sendCard(card *bot.Card) string {
	h.t.Helper()
	ctx := context.Background()
	err := h.kernel.Enqueue(ctx, h.store.Tenant(), bot.Outgoing{Platform: bot.Console, To: bot.Target{ChatID: chatID}, Card: card})
	if err != nil {
		h.t.Fatal(err)
	}
	h.kernel.SendDue(ctx)
	for _, r := range h.store.Outbox() {
		if r.Out.Card != nil && r.Out.Card.Header.Title == card.Header.Title &&
			r.Out.UpdateMessageID == "" && r.Status == bot.OutboxSent {
			return r.MessageID
		}
	}
	h.t.Fatalf("card %q not sent", card.Header.Title)
	return ""
}

// outboxTexts returns the text of every outbox row, in order.
func (h *harness) outboxTexts() []string {
	var texts []string
	for _, r := range h.store.Outbox() {
		texts = append(texts, r.Out.Text)
	}
	return texts
}

// counterValue reads a counter, as prometheus/testutil.ToFloat64 does.
func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

// logRecorder is a slog.Handler that keeps the records logged.
type logRecorder struct {
	mu      sync.Mutex
	records []slog.Record
}

func (l *logRecorder) Enabled(context.Context, slog.Level) bool { return true }

func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.records = append(l.records, r.Clone())
	return nil
}

func (l *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logRecorder) WithGroup(string) slog.Handler      { return l }

// find returns the attributes of the first record with the message.
func (l *logRecorder) find(msg string) (map[string]string, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range l.records {
		if r.Message != msg {
			continue
		}
		attrs := map[string]string{}
		r.Attrs(func(a slog.Attr) bool {
			attrs[a.Key] = a.Value.String()
			return true
		})
		return attrs, true
	}
	return nil, false
}

// testError is a handler error: one for users when msg is set (like
// domain.Error), forbidden when forbidden is.
type testError struct {
	msg       string
	forbidden bool
}

func (e *testError) Error() string       { return "test error: " + e.msg }
func (e *testError) UserMessage() string { return e.msg }
func (e *testError) Forbidden() bool     { return e.forbidden }
