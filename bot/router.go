package bot

import (
	"context"
	"fmt"
	"strings"
)

// HandlerFunc handles one routed message and returns the reply.
type HandlerFunc func(ctx context.Context, m *Message) (Reply, error)

// Reply is what a handler answers. The kernel sends Text and Card in-thread
// to the message; for a button press, Toast and UpdateCard are shown to the
// user who pressed it. Also holds further messages to other chats or people.
type Reply struct {
	Text       string
	Card       *Card
	Toast      string
	UpdateCard *Card
	Also       []Outgoing
}

// Classifier names the route for a message: an intent such as "help" or
// "followup". It is given by the wiring (from domain/parse), so the kernel
// stays ignorant of what messages mean.
type Classifier func(ctx context.Context, m *Message) string

// Router dispatches messages to handlers by intent and button presses by
// action id.
type Router struct {
	classify Classifier
	intents  map[string]HandlerFunc
	actions  map[string]HandlerFunc
	fallback HandlerFunc
}

// NewRouter returns a router that classifies messages with classify.
func NewRouter(classify Classifier) *Router {
	return &Router{
		classify: classify,
		intents:  map[string]HandlerFunc{},
		actions:  map[string]HandlerFunc{},
	}
}

// Handle registers the handler of an intent. Registering an intent twice is
// a programming error and panics at start-up.
func (r *Router) Handle(intent string, h HandlerFunc) {
	if _, dup := r.intents[intent]; dup {
		panic(fmt.Sprintf("bot: intent %q registered twice", intent))
	}
	r.intents[intent] = h
}

// HandleAction registers the handler of the card actions whose id starts
// with prefix followed by "." or ":" or is prefix itself (e.g. "followup"
// serves "followup.undo"). Registering a prefix twice panics.
func (r *Router) HandleAction(prefix string, h HandlerFunc) {
	if strings.ContainsAny(prefix, ".:") {
		// route dispatches on the part before the first separator, so
		// this handler could never be reached.
		panic(fmt.Sprintf("bot: action prefix %q contains '.' or ':'", prefix))
	}
	if _, dup := r.actions[prefix]; dup {
		panic(fmt.Sprintf("bot: action %q registered twice", prefix))
	}
	r.actions[prefix] = h
}

// Fallback sets the handler of messages no route matches: it tells the user
// what was not understood and how to say it.
func (r *Router) Fallback(h HandlerFunc) { r.fallback = h }

// route finds the handler for m and records the route's name on it.
func (r *Router) route(ctx context.Context, m *Message) (HandlerFunc, bool) {
	if m.IsAction() {
		id := m.Action.ID
		if i := strings.IndexAny(id, ".:"); i >= 0 {
			id = id[:i]
		}
		h, ok := r.actions[id]
		m.Route = "action:" + id
		return h, ok
	}
	intent := ""
	if r.classify != nil {
		intent = r.classify(ctx, m)
	}
	if h, ok := r.intents[intent]; ok {
		m.Route = intent
		return h, true
	}
	m.Route = "fallback"
	return r.fallback, r.fallback != nil
}
