package bot

import "context"

// SendDue sends one batch of due outbox rows now, as the send loop does when
// woken, so outbox tests can step it with an injected clock.
func (k *Kernel) SendDue(ctx context.Context) bool { return k.sendDue(ctx) }
