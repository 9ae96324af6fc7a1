package bot

import (
	"context"
	"errors"
	"time"
)

// The kernel's persistence, declared here and implemented by storage.

// Transactor runs fn in one database transaction carried by ctx: every store
// call made with that ctx joins it. fn's error rolls the transaction back.
type Transactor interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
}

// Directory maps platform identities to tenants and members.
type Directory interface {
	// TenantFor returns the tenant id bound to the platform's tenant key, or
	// ErrUnknownTenant.
	TenantFor(ctx context.Context, p Platform, tenantKey string) (string, error)
	// ResolveMember returns the member behind a platform user, registering an
	// unknown user of a known tenant as a sales rep with their display name.
	ResolveMember(ctx context.Context, tenant string, p Platform, u User) (Member, error)
	// ReachMember returns how to message a member directly: the first of
	// the given platforms on which the member has an identity, and their
	// user id there (on the console, the member id itself).
	ReachMember(ctx context.Context, tenant, memberID string, platforms []Platform) (Platform, string, error)
}

// Event statuses in the inbox.
const (
	EventReceived   = "received"
	EventProcessing = "processing"
	EventDone       = "done"
	EventFailed     = "failed"
)

// InboxEvent is an event as stored in the inbox.
type InboxEvent struct {
	ID         string // row id
	Tenant     string
	Event      Event
	Status     string
	Attempts   int
	ReceivedAt time.Time

	claimedUntil time.Time // the kernel's claim, while it processes the event
}

// ErrLeaseLost is FinishEvent's answer when another worker has claimed the
// event since (the caller's lease had run out).
var ErrLeaseLost = errors.New("event lease lost to another worker")

// Inbox is the durable store of received events.
type Inbox interface {
	// InsertEvent stores the event unless (tenant, platform, event id) is
	// already there; inserted is false for a duplicate.
	InsertEvent(ctx context.Context, e InboxEvent) (inserted bool, err error)
	// ClaimEvent marks a received (or abandoned processing) event as being
	// processed until the lease ends; false if another worker has it.
	ClaimEvent(ctx context.Context, id string, now time.Time, lease time.Duration) (bool, error)
	// FinishEvent records the outcome of processing, provided the claim
	// that ended at claimedUntil (now+lease of the successful ClaimEvent)
	// is still the event's: if the lease ran out and another worker claimed
	// the event, it returns ErrLeaseLost and the caller's transaction must
	// roll back, so that the event's effects are stored once.
	FinishEvent(ctx context.Context, id string, claimedUntil time.Time, status, errText string, at time.Time) error
	// UnfinishedEvents lists events received before the given time that
	// were not processed (after a crash), oldest first.
	UnfinishedEvents(ctx context.Context, before time.Time, limit int) ([]InboxEvent, error)
}

// Outbox statuses.
const (
	OutboxPending = "pending"
	OutboxSending = "sending"
	OutboxSent    = "sent"
	OutboxDead    = "dead"
)

// OutboxItem is one stored outgoing message.
type OutboxItem struct {
	ID       string
	Tenant   string
	Out      Outgoing
	Status   string
	Attempts int
	// NextAt is when the item is due (again).
	NextAt time.Time
	// SourceEventID is the inbox row that caused it, if any.
	SourceEventID string
	// MessageID is the platform message id once sent.
	MessageID string
	LastError string
	CreatedAt time.Time
}

// Outbox is the durable queue of outgoing messages.
type Outbox interface {
	Enqueue(ctx context.Context, items []OutboxItem) error
	// ClaimDue leases up to limit due items (pending, or sending with an
	// expired lease) to this sender.
	ClaimDue(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]OutboxItem, error)
	MarkSent(ctx context.Context, id, messageID string, at time.Time) error
	// MarkRetry records a failed attempt (incrementing Attempts) and makes
	// the item due again at next.
	MarkRetry(ctx context.Context, id string, next time.Time, errText string) error
	// Reschedule makes the item due again at next without counting an
	// attempt: it was not tried, because of a local rate limit or a pause
	// the platform asked for.
	Reschedule(ctx context.Context, id string, next time.Time) error
	MarkDead(ctx context.Context, id, errText string, at time.Time) error
	// NewerUpdateSent reports whether an update of the same message that was
	// queued after the update it has already been sent: the older one, being
	// retried, must then not overwrite it.
	NewerUpdateSent(ctx context.Context, it OutboxItem) (bool, error)
	// LatestCard returns the newest card sent to, or set on, the platform
	// message, so a button press finds what the card refers to.
	LatestCard(ctx context.Context, tenant string, p Platform, messageID string) (*Card, error)
}
