package bottest

import (
	"context"
	"sync"

	"github.com/salesbot/salesbot/bot"
)

// FakeSink is an in-memory kernel for adapter tests: it records the events
// delivered, dedupes them on their id (a repeat is answered Duplicate) and
// answers a button press with a fixed result. Set the fields before the
// adapter runs, or use the setters while it does.
type FakeSink struct {
	// Result answers every action (a card press).
	Result bot.Result
	// Err, when set, fails every delivery.
	Err error
	// Tenants are the tenant keys served; nil serves every one, others get
	// bot.ErrUnknownTenant.
	Tenants map[string]bool
	// Hold, when set, runs first in every delivery (outside the lock), so a
	// test can hold a delivery in flight.
	Hold func(ctx context.Context)

	mu     sync.Mutex
	seen   map[string]bool
	events []bot.Event
}

// SetResult sets the answer to actions.
func (s *FakeSink) SetResult(r bot.Result) { s.mu.Lock(); s.Result = r; s.mu.Unlock() }

// SetErr makes deliveries fail with err (nil: succeed).
func (s *FakeSink) SetErr(err error) { s.mu.Lock(); s.Err = err; s.mu.Unlock() }

// SetHold sets Hold.
func (s *FakeSink) SetHold(h func(ctx context.Context)) { s.mu.Lock(); s.Hold = h; s.mu.Unlock() }

// Deliver implements bot.Sink.
func (s *FakeSink) Deliver(ctx context.Context, ev bot.Event) (bot.Result, error) {
	s.mu.Lock()
	hold := s.Hold
	s.mu.Unlock()
	if hold != nil {
		hold(ctx)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Err != nil {
		return bot.Result{}, s.Err
	}
	if s.Tenants != nil && !s.Tenants[ev.TenantKey] {
		return bot.Result{}, bot.ErrUnknownTenant
	}
	if s.seen == nil {
		s.seen = map[string]bool{}
	}
	if s.seen[ev.ID] {
		return bot.Result{Duplicate: true}, nil
	}
	s.seen[ev.ID] = true
	s.events = append(s.events, ev)
	if ev.Kind == bot.KindAction {
		return s.Result, nil
	}
	return bot.Result{}, nil
}

// Events returns the events delivered so far (duplicates left out).
func (s *FakeSink) Events() []bot.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]bot.Event(nil), s.events...)
}
