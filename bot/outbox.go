package bot

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"
)

// sendLoop delivers due outbox rows, woken by new replies or a timer.
func (k *Kernel) sendLoop(ctx context.Context) {
	t := time.NewTicker(k.opts.SweepEvery / 5)
	defer t.Stop()
	for {
		for k.sendDue(ctx) && ctx.Err() == nil {
		}
		select {
		case <-ctx.Done():
			return
		case <-k.wake:
		case <-t.C:
		}
	}
}

// sendTimeout bounds one platform call.
const sendTimeout = 15 * time.Second

// sendDue sends one batch of due rows and reports whether there may be more.
func (k *Kernel) sendDue(ctx context.Context) bool {
	// The lease must outlast the batch: batch × sendTimeout is 150 s, so
	// another replica never takes over a row that is still being sent.
	const batch = 10
	lease := max(k.opts.Lease, 3*time.Minute)
	items, err := k.store.ClaimDue(ctx, k.now(), lease, batch)
	if err != nil {
		if ctx.Err() == nil {
			k.log.ErrorContext(ctx, "claim outbox", "err", err)
		}
		return false
	}
	for i, it := range items {
		if ctx.Err() != nil {
			// Shutting down: hand the rest back now rather than leaving
			// them leased, so the next start (or another replica) sends them
			// without waiting for the lease to run out.
			for _, rest := range items[i:] {
				if err := k.store.Reschedule(context.WithoutCancel(ctx), rest.ID, k.now()); err != nil {
					k.log.Error("hand back outbox row", "id", rest.ID, "err", err)
				}
			}
			return false
		}
		// A send in flight finishes even when shutting down, so it is
		// recorded and not repeated by the next start.
		k.send(context.WithoutCancel(ctx), it)
	}
	return len(items) == batch
}

// send delivers one outbox row, respecting rate limits, and records the
// outcome: sent, retry later, or dead.
func (k *Kernel) send(ctx context.Context, it OutboxItem) {
	p := it.Out.Platform
	a, ok := k.adapters[p]
	if !ok {
		k.dead(ctx, it, "no adapter for platform "+string(p))
		return
	}
	if it.Out.UpdateMessageID != "" {
		newer, err := k.store.NewerUpdateSent(ctx, it)
		if err != nil {
			k.log.ErrorContext(ctx, "check for a newer card update", "id", it.ID, "err", err)
		} else if newer {
			// Not an error: the card already shows something newer.
			k.log.InfoContext(ctx, "card update superseded by a newer one, not sent", "platform", p, "id", it.ID,
				"message_id", it.Out.UpdateMessageID)
			if err := k.store.MarkDead(ctx, it.ID, "superseded by a newer update of the card", k.now()); err != nil {
				k.log.ErrorContext(ctx, "mark outbox superseded", "id", it.ID, "err", err)
			}
			return
		}
	}
	target := it.Out.To.Key()
	if wait := k.limits.reserve(p, target, k.now()); wait > 0 {
		// Not an attempt: MarkRetry would count it towards MaxAttempts.
		if err := k.store.Reschedule(ctx, it.ID, k.now().Add(wait)); err != nil {
			k.log.ErrorContext(ctx, "reschedule outbox", "id", it.ID, "err", err)
		}
		return
	}
	sendCtx, cancel := context.WithTimeout(ctx, sendTimeout)
	msgID, err := a.Send(sendCtx, it.Out)
	cancel()
	if err == nil {
		if err := k.store.MarkSent(ctx, it.ID, msgID, k.now()); err != nil {
			k.log.ErrorContext(ctx, "mark outbox sent", "id", it.ID, "err", err)
		}
		k.metrics.OutboxSent.WithLabelValues(string(p)).Inc()
		return
	}
	var se *SendError
	if !errors.As(err, &se) {
		se = &SendError{Code: "transport", Message: err.Error()}
	}
	if se.Permanent || it.Attempts+1 >= k.opts.MaxAttempts {
		k.dead(ctx, it, se.Error())
		return
	}
	delay := se.RetryAfter
	if delay <= 0 {
		delay = Backoff(it.Attempts)
	}
	if se.Scope != "" {
		k.limits.pause(p, se.Scope, target, k.now().Add(delay))
	}
	k.log.WarnContext(ctx, "send failed, will retry", "platform", p, "id", it.ID,
		"attempt", it.Attempts+1, "retry_in", delay, "err", se.Error())
	if err := k.store.MarkRetry(ctx, it.ID, k.now().Add(delay), se.Error()); err != nil {
		k.log.ErrorContext(ctx, "reschedule outbox", "id", it.ID, "err", err)
	}
	k.metrics.OutboxRetried.WithLabelValues(string(p)).Inc()
}

func (k *Kernel) dead(ctx context.Context, it OutboxItem, reason string) {
	k.log.ErrorContext(ctx, "message dead-lettered", "platform", it.Out.Platform, "id", it.ID,
		"target", it.Out.To.Key(), "attempts", it.Attempts+1, "reason", reason)
	if err := k.store.MarkDead(ctx, it.ID, reason, k.now()); err != nil {
		k.log.ErrorContext(ctx, "mark outbox dead", "id", it.ID, "err", err)
	}
	k.metrics.OutboxFailed.WithLabelValues(string(it.Out.Platform)).Inc()
}

// Backoff returns the delay before retry number attempt+1: exponential from
// one second, capped at ten minutes, with jitter so that many failed sends do
// not retry in step.
func Backoff(attempt int) time.Duration {
	d := time.Second << min(attempt, 10)
	d = min(d, 10*time.Minute)
	return d/2 + rand.N(d/2+1)
}
