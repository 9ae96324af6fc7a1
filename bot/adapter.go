package bot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Target is where an outgoing message goes: a chat, or one person directly.
type Target struct {
	ChatID string `json:"chat_id,omitempty"`
	// UserID is a platform user id, for direct messages.
	UserID string `json:"user_id,omitempty"`
	// MemberID addresses a member directly wherever they can be reached;
	// the kernel turns it into a platform and UserID when it enqueues.
	MemberID string `json:"member_id,omitempty"`
}

// Key returns the target as one string, the unit of per-chat rate limits.
func (t Target) Key() string {
	if t.ChatID != "" {
		return "chat:" + t.ChatID
	}
	return "user:" + t.UserID
}

// Outgoing is one message for an adapter to deliver: a new message (in reply
// to ReplyTo when set) or, when UpdateMessageID is set, a new version of a
// card the bot sent before.
type Outgoing struct {
	Platform Platform `json:"platform"`
	To       Target   `json:"to"`
	// ReplyTo is the platform message id to answer in-thread.
	ReplyTo string `json:"reply_to,omitempty"`
	// Mentions are people to @ in the message (platform user ids).
	Mentions []Mention `json:"mentions,omitempty"`
	Text     string    `json:"text,omitempty"`
	Card     *Card     `json:"card,omitempty"`
	// UpdateMessageID, when set, replaces the card of that message.
	UpdateMessageID string `json:"update_message_id,omitempty"`
	// Key is a unique key for the delivery, passed to platforms that accept
	// one for idempotent sends (Lark's uuid); the outbox row id.
	Key string `json:"key,omitempty"`
}

// Rate is a number of sends per period.
type Rate struct {
	N   int
	Per time.Duration
}

// Limits are a platform's send-rate limits; a zero Rate means no limit.
type Limits struct {
	PerApp  Rate
	PerChat Rate
}

// Adapter delivers outgoing messages to one platform. It is the only part of
// salesbot that knows the platform's API.
type Adapter interface {
	Platform() Platform
	Limits() Limits
	// Send delivers the message and returns the platform's message id. It
	// returns a *SendError to say whether and when to retry.
	Send(ctx context.Context, out Outgoing) (messageID string, err error)
}

// Runner is an adapter that holds a long connection (Lark WebSocket,
// DingTalk Stream, WeCom AI bot): Run delivers events to the sink until ctx
// is cancelled, reconnecting as needed.
type Runner interface {
	Run(ctx context.Context, sink Sink) error
}

// Webhook is an adapter that receives events over HTTP: Routes returns its
// handlers by path pattern (as for http.ServeMux).
type Webhook interface {
	Routes(sink Sink) map[string]http.Handler
}

// Sink receives normalised events from adapters. The kernel is the sink.
type Sink interface {
	// Deliver stores the event durably and acknowledges it. Messages are
	// handled asynchronously; actions are handled before Deliver returns,
	// because platforms expect the updated card in the callback's answer.
	Deliver(ctx context.Context, ev Event) (Result, error)
}

// Result is what Deliver tells the adapter.
type Result struct {
	// Duplicate is set when the event was seen before; nothing was done.
	Duplicate bool
	// Denied is set when the member may not do what the action asked; Toast
	// then says why.
	Denied bool
	// Toast is a short notice to show the user who pressed a button.
	Toast string
	// Card is the updated card for the message whose button was pressed.
	Card *Card
	// Replied is set when the handler also answered in the chat (修改 asks
	// what to change): an adapter that shows Toast as a message of its own
	// need not, as the answer says it.
	Replied bool
}

// ErrUnknownTenant is returned by Deliver for events from a tenant this
// deployment does not serve.
var ErrUnknownTenant = errors.New("unknown tenant")

// SendError is an adapter's failure to deliver, classified for the outbox.
type SendError struct {
	// Code and Message are the platform's error code and text, for logs.
	Code    string
	Message string
	// Permanent errors are not retried: the message is dead-lettered.
	Permanent bool
	// RetryAfter, when positive, is how long the platform asked us to wait.
	RetryAfter time.Duration
	// Scope is what a rate limit applies to: "app", "chat" or "" (this
	// message only).
	Scope string
}

func (e *SendError) Error() string {
	kind := "temporary"
	if e.Permanent {
		kind = "permanent"
	}
	return fmt.Sprintf("send: %s error %s: %s", kind, e.Code, e.Message)
}

// Permanent returns a SendError that is not retried.
func Permanent(code, msg string) *SendError {
	return &SendError{Code: code, Message: msg, Permanent: true}
}

// Retry returns a SendError that is retried after the given delay (or the
// outbox's backoff when after is zero).
func Retry(code, msg string, after time.Duration) *SendError {
	return &SendError{Code: code, Message: msg, RetryAfter: after}
}
