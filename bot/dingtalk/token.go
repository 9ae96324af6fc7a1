package dingtalk

import (
	"context"
	"sync"
	"time"
)

// tokenCache holds the app's access token and refreshes it five minutes
// before it expires (DingTalk's tokens last 7200 s). One fetch at a time.
type tokenCache struct {
	mu      sync.Mutex
	token   string
	expires time.Time
	fetch   func(ctx context.Context) (token string, ttl time.Duration, err error)
	now     func() time.Time
}

const tokenMargin = 5 * time.Minute

func (c *tokenCache) get(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token != "" && c.now().Before(c.expires.Add(-tokenMargin)) {
		return c.token, nil
	}
	tok, ttl, err := c.fetch(ctx)
	if err != nil {
		return "", err
	}
	c.token, c.expires = tok, c.now().Add(ttl)
	return tok, nil
}

// invalidate drops the token if it is still the one that was refused.
func (c *tokenCache) invalidate(tok string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token == tok {
		c.token = ""
	}
}

// fetchToken asks POST /v1.0/oauth2/accessToken for a new token.
func (a *Adapter) fetchToken(ctx context.Context) (string, time.Duration, error) {
	var resp struct {
		AccessToken string `json:"accessToken"`
		ExpireIn    int64  `json:"expireIn"`
	}
	req := map[string]string{"appKey": a.cfg.ClientID, "appSecret": a.cfg.ClientSecret}
	if err := a.call(ctx, a.cfg.BaseURL+"/v1.0/oauth2/accessToken", "", req, &resp); err != nil {
		return "", 0, err
	}
	if resp.AccessToken == "" {
		return "", 0, Permanent("NoToken", "accessToken missing in the answer")
	}
	ttl := time.Duration(resp.ExpireIn) * time.Second
	if ttl <= 0 {
		ttl = 2 * time.Hour
	}
	return resp.AccessToken, ttl, nil
}
