package domain

import "time"

// Prompt kinds: what the bot asked a member and waits for.
const (
	// PromptEdit waits for a field correction ("金额 40万") of the
	// follow-ups in Ref after the member pressed 修改.
	PromptEdit = "edit"
	// PromptCustomer waits for the customer of a follow-up that named
	// none; Payload holds the draft.
	PromptCustomer = "customer"
)

// Prompt is a question the bot asked a member in a chat, pending until the
// member answers it or it expires. It lives in the database, so any replica
// can take the answer.
type Prompt struct {
	ID       string
	TenantID string
	MemberID string
	Platform string
	ChatID   string
	Kind     string
	// Ref is what the prompt is about (follow-up ids, comma-separated).
	Ref string
	// MessageID is the platform message the prompt is about: the card
	// whose 修改 was pressed, or the message whose customer is asked.
	MessageID string
	// Payload is the draft the answer completes, as JSON.
	Payload    string
	ExpiresAt  time.Time
	ResolvedAt time.Time
	CreatedAt  time.Time
}

// Pending reports whether the prompt still waits for an answer at now.
func (p Prompt) Pending(now time.Time) bool {
	return p.ResolvedAt.IsZero() && now.Before(p.ExpiresAt)
}
