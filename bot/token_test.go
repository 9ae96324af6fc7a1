package bot

import (
	"context"
	"testing"
	"time"
)

func TestTokenCache(t *testing.T) {
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	fetches := 0
	c := &TokenCache{Now: func() time.Time { return now }, Margin: 5 * time.Minute,
		Fetch: func(context.Context) (string, time.Duration, error) {
			fetches++
			return "t" + string(rune('0'+fetches)), 2 * time.Hour, nil
		}}
	ctx := context.Background()
	a, _ := c.Get(ctx)
	b, _ := c.Get(ctx)
	if a != "t1" || b != "t1" || fetches != 1 {
		t.Fatalf("tokens %q %q after %d fetches, want one fetch", a, b, fetches)
	}
	now = now.Add(time.Hour + 56*time.Minute) // inside the margin
	if tok, _ := c.Get(ctx); tok != "t2" {
		t.Errorf("token near expiry = %q, want a fresh one", tok)
	}
	c.Evict("t1") // stale: another caller replaced it already
	if tok, _ := c.Get(ctx); tok != "t2" {
		t.Errorf("evicting an old token dropped the current one")
	}
	c.Evict("t2")
	if tok, _ := c.Get(ctx); tok != "t3" {
		t.Errorf("after eviction got %q, want a new token", tok)
	}
}
