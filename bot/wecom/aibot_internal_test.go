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
