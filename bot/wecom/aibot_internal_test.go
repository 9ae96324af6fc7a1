package wecom

import (
	"strconv"
	"testing"
	"time"
)

// The response_url map is bounded and forgets old messages.
func TestAIBotRepliesBounded(t *testing.T) {
	var r aibotReplies
	t0 := time.Unix(1_800_000_000, 0)
	for i := 0; i < aibotMaxReplies+10; i++ {
		r.put(strconv.Itoa(i), &aibotReply{url: "u", user: "x", at: t0}, t0)
	}
	if len(r.m) != aibotMaxReplies || len(r.order) != aibotMaxReplies {
		t.Fatalf("size = %d/%d, want %d", len(r.m), len(r.order), aibotMaxReplies)
	}
	if _, ok := r.get("0"); ok {
		t.Error("the oldest entry survived the bound")
	}
	later := t0.Add(aibotKeep + time.Minute)
	r.put("new", &aibotReply{url: "u", user: "x", at: later}, later)
	if len(r.m) != 1 {
		t.Errorf("expired entries kept: %d", len(r.m))
	}
}

// The long connection's memory of cards is bounded too, and a press's
// req_id updates its card once.
func TestAIBotWSCardsBounded(t *testing.T) {
	var w aibotWS
	for i := 0; i < aibotMaxReplies+10; i++ {
		w.noteCard(strconv.Itoa(i), "chat")
	}
	if len(w.cards) != aibotMaxReplies || len(w.order) != aibotMaxReplies {
		t.Fatalf("size = %d/%d, want %d", len(w.cards), len(w.order), aibotMaxReplies)
	}
	if _, ok := w.card("0"); ok {
		t.Error("the oldest card survived the bound")
	}
	w.notePress("new", "wrkG1", aibotClick{reqID: "r1", user: "lisi", taskID: "new"})
	if p := w.takePress("new"); p.reqID != "r1" {
		t.Errorf("press = %+v", p)
	}
	if p := w.takePress("new"); p.reqID != "" {
		t.Errorf("a press's req_id was taken twice: %+v", p)
	}
	if c, _ := w.card("new"); c.chat != "wrkG1" {
		t.Errorf("card = %+v", c)
	}
}

// A press in the docs' nested form (event.template_card_event) and in the
// Node SDK's flat form (event.event_key) is read alike.
func TestAIBotPressForms(t *testing.T) {
	nested := aibotEventBody{EventType: "template_card_event"}
	nested.TemplateCardEvent = &struct {
		CardType string `json:"card_type"`
		EventKey string `json:"event_key"`
		TaskID   string `json:"task_id"`
	}{EventKey: "k", TaskID: "t"}
	flat := aibotEventBody{EventType: "template_card_event", EventKey: "k", TaskID: "t"}
	for _, e := range []aibotEventBody{nested, flat} {
		if k, id := e.press(); k != "k" || id != "t" {
			t.Errorf("press(%+v) = %q, %q", e, k, id)
		}
	}
}
