package bot

import (
	"context"
	"strings"
	"testing"
)

// named returns a handler that answers with its name, so a test can tell
// which handler a route found.
func named(name string) HandlerFunc {
	return func(context.Context, *Message) (Reply, error) { return Reply{Text: name}, nil }
}

// routeName routes m and returns the name of the handler found and the
// route recorded on m ("" and false when nothing matched).
func routeName(t *testing.T, r *Router, m *Message) (handler, route string, ok bool) {
	t.Helper()
	h, ok := r.route(context.Background(), m)
	if !ok {
		return "", m.Route, false
	}
	reply, err := h(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	return reply.Text, m.Route, true
}

func TestRouterActions(t *testing.T) {
	r := NewRouter(nil)
	r.HandleAction("followup", named("followup"))
	r.HandleAction("fin", named("fin"))
	r.Fallback(named("fallback"))

	for _, tc := range []struct {
		name, action string
		want         string // handler; "" for none
		route        string
	}{
		{"prefix itself", "followup", "followup", "action:followup"},
		{"dot suffix", "followup.undo", "followup", "action:followup"},
		{"colon suffix", "followup:fu-42", "followup", "action:followup"},
		{"first separator only", "fin.confirm:col-7", "fin", "action:fin"},
		{"longer word is not a prefix match", "followups.undo", "", "action:followups"},
		{"shorter word", "fi.confirm", "", "action:fi"},
		{"unknown", "task.accept", "", "action:task"},
		{"empty", "", "", "action:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := &Message{Event: Event{Kind: KindAction, Action: &ActionEvent{ID: tc.action}}}
			got, route, ok := routeName(t, r, m)
			// A button nobody handles is not a message to guess about: no
			// fallback.
			if got != tc.want || ok != (tc.want != "") || route != tc.route {
				t.Errorf("route(%q) = %q, %v, route %q; want %q, route %q", tc.action, got, ok, route, tc.want, tc.route)
			}
		})
	}
}

func TestRouterIntents(t *testing.T) {
	classify := func(_ context.Context, m *Message) string {
		w, _, _ := strings.Cut(m.Text, " ")
		return w
	}
	r := NewRouter(classify)
	r.Handle("help", named("help"))
	r.Handle("followup", named("followup"))

	msg := func(text string) *Message { return &Message{Event: Event{Kind: KindMessage, Text: text}} }
	if got, route, _ := routeName(t, r, msg("followup 拜访华为")); got != "followup" || route != "followup" {
		t.Errorf("followup routed to %q, route %q", got, route)
	}
	if _, route, ok := routeName(t, r, msg("天气如何")); ok || route != "fallback" {
		t.Errorf("unknown intent without a fallback: ok %v, route %q", ok, route)
	}
	r.Fallback(named("fallback"))
	if got, route, _ := routeName(t, r, msg("天气如何")); got != "fallback" || route != "fallback" {
		t.Errorf("unknown intent routed to %q, route %q", got, route)
	}
	// An action event without its action is a message, as IsAction says.
	if got, _, _ := routeName(t, r, &Message{Event: Event{Kind: KindAction, Text: "help"}}); got != "help" {
		t.Errorf("action without Action routed to %q", got)
	}

	// Without a classifier every message is the fallback's.
	r = NewRouter(nil)
	r.Handle("help", named("help"))
	r.Fallback(named("fallback"))
	if got, _, _ := routeName(t, r, msg("help")); got != "fallback" {
		t.Errorf("routed to %q without a classifier", got)
	}
}

func TestRouterRegistrationPanics(t *testing.T) {
	for _, tc := range []struct {
		name     string
		register func(r *Router)
	}{
		{"intent twice", func(r *Router) { r.Handle("help", named("a")); r.Handle("help", named("b")) }},
		{"action twice", func(r *Router) { r.HandleAction("task", named("a")); r.HandleAction("task", named("b")) }},
		{"action prefix with a dot", func(r *Router) { r.HandleAction("task.accept", named("a")) }},
		{"action prefix with a colon", func(r *Router) { r.HandleAction("task:1", named("a")) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("did not panic")
				}
			}()
			tc.register(NewRouter(nil))
		})
	}
}

func TestRouterSameNameForIntentAndAction(t *testing.T) {
	r := NewRouter(func(context.Context, *Message) string { return "followup" })
	r.Handle("followup", named("intent"))
	r.HandleAction("followup", named("action")) // separate namespaces: no panic
	if got, _, _ := routeName(t, r, &Message{Event: Event{Kind: KindMessage}}); got != "intent" {
		t.Errorf("message routed to %q", got)
	}
	if got, _, _ := routeName(t, r, &Message{Event: Event{Kind: KindAction, Action: &ActionEvent{ID: "followup.undo"}}}); got != "action" {
		t.Errorf("action routed to %q", got)
	}
}
