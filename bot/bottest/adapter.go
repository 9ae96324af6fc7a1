package bottest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/salesbot/salesbot/bot"
)

var (
	_ bot.Adapter             = (*FakeAdapter)(nil)
	_ bot.CallbackCardUpdater = (*FakeAdapter)(nil)
)

// FakeAdapter is a bot.Adapter that delivers to memory: it records every
// message it sends, answers with made-up platform message ids, and fails
// the next sends when told to. It is safe for concurrent use.
type FakeAdapter struct {
	platform bot.Platform

	mu              sync.Mutex
	limits          bot.Limits
	callbackUpdates bool
	sent            []bot.Outgoing
	tries           int
	failures        []error
	ids             int
	// changed is closed and replaced whenever Send is called, to wake
	// WaitSent.
	changed chan struct{}
}

// NewFakeAdapter returns an adapter for the platform with no rate limits.
func NewFakeAdapter(p bot.Platform) *FakeAdapter {
	return &FakeAdapter{platform: p, changed: make(chan struct{})}
}

// Platform implements bot.Adapter.
func (a *FakeAdapter) Platform() bot.Platform { return a.platform }

// Limits implements bot.Adapter.
func (a *FakeAdapter) Limits() bot.Limits {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.limits
}

// SetLimits sets the rate limits the adapter reports. Call it before
// bot.Kernel.AddAdapter, which reads them once.
func (a *FakeAdapter) SetLimits(l bot.Limits) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.limits = l
}

// SetUpdatesCardInCallback makes the adapter claim that it applies card
// updates in its answer to a button press (as Lark and the console do), so
// the kernel records them as sent instead of sending them. Call it before
// delivering events.
func (a *FakeAdapter) SetUpdatesCardInCallback(v bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.callbackUpdates = v
}

// UpdatesCardInCallback implements bot.CallbackCardUpdater; false unless
// SetUpdatesCardInCallback said otherwise.
func (a *FakeAdapter) UpdatesCardInCallback() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.callbackUpdates
}

// FailNext makes the next n calls of Send fail with err, after any failures
// queued before. The failed messages are not recorded as sent.
func (a *FakeAdapter) FailNext(n int, err *bot.SendError) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for range n {
		a.failures = append(a.failures, err)
	}
}

// Send implements bot.Adapter. A new message gets the id "<platform>-msg-N";
// an update keeps the id of the message it updates.
func (a *FakeAdapter) Send(ctx context.Context, out bot.Outgoing) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.tries++
	close(a.changed)
	a.changed = make(chan struct{})
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if len(a.failures) > 0 {
		err := a.failures[0]
		a.failures = a.failures[1:]
		return "", err
	}
	a.sent = append(a.sent, out)
	if out.UpdateMessageID != "" {
		return out.UpdateMessageID, nil
	}
	a.ids++
	return fmt.Sprintf("%s-msg-%d", a.platform, a.ids), nil
}

// Sent returns the messages sent so far, in order.
func (a *FakeAdapter) Sent() []bot.Outgoing {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.sent)
}

// Tries returns how often Send was called, failures included.
func (a *FakeAdapter) Tries() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.tries
}

// WaitSent waits until at least n messages have been sent and returns all
// sent so far, failing the test if that takes longer than WaitTimeout.
func (a *FakeAdapter) WaitSent(t testing.TB, n int) []bot.Outgoing {
	t.Helper()
	deadline := time.NewTimer(WaitTimeout)
	defer deadline.Stop()
	for {
		a.mu.Lock()
		sent, changed := slices.Clone(a.sent), a.changed
		a.mu.Unlock()
		if len(sent) >= n {
			return sent
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("timed out after %v waiting for %d sent messages; %d sent:\n%s",
				WaitTimeout, n, len(sent), Describe(sent))
		}
	}
}

// Describe lists messages one a line, for test failure reports.
func Describe(outs []bot.Outgoing) string {
	var b strings.Builder
	for i, o := range outs {
		fmt.Fprintf(&b, "%d. to %s", i+1, o.To.Key())
		if o.ReplyTo != "" {
			fmt.Fprintf(&b, " in reply to %s", o.ReplyTo)
		}
		if o.UpdateMessageID != "" {
			fmt.Fprintf(&b, " updating %s", o.UpdateMessageID)
		}
		if o.Text != "" {
			fmt.Fprintf(&b, ": %q", o.Text)
		}
		if o.Card != nil {
			fmt.Fprintf(&b, " [card %q]", o.Card.Header.Title)
		}
		b.WriteByte('\n')
	}
	return b.String()
}
