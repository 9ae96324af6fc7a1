package bot

import (
	"time"
)

// Platform names a chat platform.
type Platform string

// The platforms salesbot speaks to.
const (
	Console  Platform = "console"
	Lark     Platform = "lark"
	WeCom    Platform = "wecom"
	DingTalk Platform = "dingtalk"
)

// EventKind says whether an event is a message or a card button press.
type EventKind string

// Event kinds.
const (
	KindMessage EventKind = "message"
	KindAction  EventKind = "action"
)

// ChatType tells group chats from one-to-one chats with the bot.
type ChatType string

// Chat types.
const (
	GroupChat  ChatType = "group"
	DirectChat ChatType = "direct"
)

// Event is one normalised platform event: a message the bot received or a
// button pressed on one of its cards.
type Event struct {
	// ID is the platform's event id, the dedupe key together with the tenant
	// and platform (Lark event_id, WeCom MsgId, DingTalk msgId, console id).
	ID       string    `json:"id"`
	Kind     EventKind `json:"kind"`
	Platform Platform  `json:"platform"`
	// TenantKey identifies the company on the platform (Lark tenant_key, WeCom
	// corp id, DingTalk corp id); empty for the console.
	TenantKey string `json:"tenant_key,omitempty"`
	Chat      Chat   `json:"chat"`
	Sender    User   `json:"sender"`
	// MessageID is the platform id of the message received, or of the card
	// message whose button was pressed.
	MessageID string `json:"message_id,omitempty"`
	// ThreadID is the root message of the thread the message belongs to.
	ThreadID string    `json:"thread_id,omitempty"`
	Text     string    `json:"text,omitempty"`
	Mentions []Mention `json:"mentions,omitempty"`
	// Action is set for KindAction.
	Action *ActionEvent `json:"action,omitempty"`
	At     time.Time    `json:"at"`
}

// Chat is where an event happened.
type Chat struct {
	ID   string   `json:"id"`
	Type ChatType `json:"type"`
	Name string   `json:"name,omitempty"`
}

// User is a person as the platform knows them.
type User struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// Mention is an @-mention of a person in a message, in the order written.
type Mention struct {
	UserID string `json:"user_id,omitempty"`
	Name   string `json:"name"`
}

// ActionEvent is a button press. Only the action id and the message it was
// pressed on come from the client; what the action refers to is looked up on
// the server (see Action.Ref), because card payloads are untrusted.
type ActionEvent struct {
	ID string `json:"id"`
	// Values holds what the user typed into a form on the card, if any.
	Values map[string]string `json:"values,omitempty"`
	// Ref is filled in by the kernel from the stored card, never by adapters.
	Ref string `json:"ref,omitempty"`
}

// Member is the resolved sender of an event: a person of the tenant.
type Member struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Role   string `json:"role"`
	TeamID string `json:"team_id,omitempty"`
}

// Message is what a handler receives: the event with its tenant and the
// member who sent it.
type Message struct {
	Event
	Tenant string
	Member Member
	// Route is the name of the route that matched.
	Route string
	// ThreadCard is the card of the bot message a threaded reply answers
	// (the latest version of the card at Event.ThreadID), filled in by the
	// kernel; nil when the message is not in a thread of a bot card.
	ThreadCard *Card
}

// IsAction reports whether the message is a button press.
func (m *Message) IsAction() bool { return m.Kind == KindAction && m.Action != nil }
