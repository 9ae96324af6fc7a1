package console

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/salesbot/salesbot/bot"
)

// maxPerChat bounds each chat's history, so a long demo cannot grow memory
// without limit; a page shows far fewer messages than this anyway.
const maxPerChat = 500

// author is who wrote a message.
type author struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Bot  bool   `json:"bot"`
}

// message is one chat message as the console stores it. Its card keeps the
// server-side references; they are removed only when the card is shown.
type message struct {
	ID      string
	Chat    string
	From    author
	Text    string
	Card    *bot.Card
	ReplyTo string
	At      time.Time
	// Rev is the adapter's revision at which the message was created or
	// last changed.
	Rev int64

	// pending is set while the sink has not yet accepted a member's
	// message: readers do not see it, so nobody sees a message that is
	// then withdrawn because it could not be delivered.
	pending bool
	// key is the outbox's delivery key, so a retried send is not shown twice.
	key string
}

// history holds the messages of every chat, in order of their ids.
type history struct {
	limit int

	mu      sync.Mutex
	rev     int64
	chats   map[string][]*message
	byID    map[string]*message
	byKey   map[string]string // delivery key → message id
	changed chan struct{}     // closed and replaced on every change, to wake long-polls

	// onWait, when set (by tests), is called each time a long-poll starts
	// waiting, so tests can act at that moment instead of sleeping.
	onWait func()
}

func newHistory(limit int) *history {
	return &history{
		limit:   limit,
		chats:   make(map[string][]*message),
		byID:    make(map[string]*message),
		byKey:   make(map[string]string),
		changed: make(chan struct{}),
	}
}

// newID returns a UUIDv7: unique across restarts, and ordered by time so that
// "after" still works for a page that kept ids from before a restart. The
// uuid package keeps them increasing within the process.
func newID() string {
	// NewV7 fails only when crypto/rand does, which Go treats as fatal.
	return uuid.Must(uuid.NewV7()).String()
}

// notify wakes every long-poll; the caller holds mu.
func (h *history) notify() {
	close(h.changed)
	h.changed = make(chan struct{})
}

// add stores m with a new id and returns the stored copy. A pending message
// stays hidden until publish.
func (h *history) add(m message, pending bool) message {
	h.mu.Lock()
	defer h.mu.Unlock()
	if m.key != "" {
		if id, ok := h.byKey[m.key]; ok {
			if old, ok := h.byID[id]; ok {
				return *old
			}
		}
	}
	// The id is made under the lock so that each chat's slice stays sorted.
	m.ID = newID()
	m.pending = pending
	if !pending {
		h.rev++
		m.Rev = h.rev
	}
	stored := &m
	h.byID[m.ID] = stored
	if m.key != "" {
		h.byKey[m.key] = m.ID
	}
	list := append(h.chats[m.Chat], stored)
	if over := len(list) - h.limit; over > 0 {
		for _, old := range list[:over] {
			h.forget(old)
		}
		list = slices.Clone(list[over:])
	}
	h.chats[m.Chat] = list
	if !pending {
		h.notify()
	}
	return m
}

// forget drops a message from the indexes; the caller holds mu.
func (h *history) forget(m *message) {
	delete(h.byID, m.ID)
	if m.key != "" {
		delete(h.byKey, m.key)
	}
}

// publish shows a pending message to readers.
func (h *history) publish(id string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	m, ok := h.byID[id]
	if !ok || !m.pending {
		return
	}
	m.pending = false
	h.rev++
	m.Rev = h.rev
	h.notify()
}

// remove withdraws a pending message that could not be delivered.
func (h *history) remove(id string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	m, ok := h.byID[id]
	if !ok || !m.pending {
		return
	}
	h.forget(m)
	h.chats[m.Chat] = slices.DeleteFunc(h.chats[m.Chat], func(x *message) bool { return x == m })
}

// update replaces the card (and the text, when not empty) of a bot message.
// It reports false when there is no such bot message.
func (h *history) update(id string, card *bot.Card, text string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	m, ok := h.byID[id]
	if !ok || !m.From.Bot {
		return false
	}
	// Cards are replaced, never changed, so copies handed out earlier by
	// find and lookup stay intact.
	m.Card = card
	if text != "" {
		m.Text = text
	}
	h.rev++
	m.Rev = h.rev
	h.notify()
	return true
}

// lookup returns a copy of a visible message.
func (h *history) lookup(id string) (message, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	m, ok := h.byID[id]
	if !ok || m.pending {
		return message{}, false
	}
	return *m, true
}

// known reports whether the chat has any history (the bot may write to a
// chat the directory does not list).
func (h *history) known(chat string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	_, ok := h.chats[chat]
	return ok
}

// query selects a chat's messages.
type query struct {
	Chat string
	// After, when set, keeps messages with a later id.
	After string
	// SinceRev, when not negative, keeps messages created or changed after
	// that revision.
	SinceRev int64
}

// find returns the messages matching q, the current revision, and a channel
// closed at the next change.
func (h *history) find(q query) ([]message, int64, <-chan struct{}) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []message
	for _, m := range h.chats[q.Chat] {
		switch {
		case m.pending:
		case q.After != "" && m.ID <= q.After:
		case q.SinceRev >= 0 && m.Rev <= q.SinceRev:
		default:
			out = append(out, *m)
		}
	}
	return out, h.rev, h.changed
}

// poll is find that waits up to wait for at least one message, returning
// early when ctx ends.
func (h *history) poll(ctx context.Context, q query, wait time.Duration) ([]message, int64) {
	msgs, rev, changed := h.find(q)
	if len(msgs) > 0 || wait <= 0 {
		return msgs, rev
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		if h.onWait != nil {
			h.onWait()
		}
		select {
		case <-changed:
		case <-timer.C:
			msgs, rev, _ = h.find(q)
			return msgs, rev
		case <-ctx.Done():
			msgs, rev, _ = h.find(q)
			return msgs, rev
		}
		msgs, rev, changed = h.find(q)
		if len(msgs) > 0 {
			return msgs, rev
		}
	}
}
