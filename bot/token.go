package bot

import (
	"context"
	"sync"
	"time"
)

// TokenCache holds a platform access token (Lark tenant_access_token, WeCom
// access_token, DingTalk accessToken) until Margin before it expires, or
// until the platform says it is invalid (Evict). The platforms' SDKs keep a
// refused token until its TTL, so adapters keep their own. One fetch runs at
// a time.
type TokenCache struct {
	// Fetch gets a new token and how long it is valid.
	Fetch func(ctx context.Context) (token string, ttl time.Duration, err error)
	// Now is the clock; Margin is how early a token is replaced.
	Now    func() time.Time
	Margin time.Duration

	mu     sync.Mutex
	token  string
	expiry time.Time
}

// Get returns a valid token, fetching one when there is none.
func (c *TokenCache) Get(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token != "" && c.Now().Before(c.expiry) {
		return c.token, nil
	}
	tok, ttl, err := c.Fetch(ctx)
	if err != nil {
		return "", err
	}
	c.token, c.expiry = tok, c.Now().Add(ttl-c.Margin)
	return tok, nil
}

// Evict forgets token, unless another caller already replaced it.
func (c *TokenCache) Evict(token string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token == token {
		c.token = ""
	}
}
