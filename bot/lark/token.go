package lark

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	larkcore "github.com/larksuite/oapi-sdk-go/v3/core"
)

// tokenCache holds the app's tenant_access_token until three minutes before
// it expires, or until the API says it is invalid (evict).
type tokenCache struct {
	fetch func(ctx context.Context) (token string, ttl time.Duration, err error)
	now   func() time.Time

	mu     sync.Mutex
	token  string
	expiry time.Time
}

// get returns a valid token, fetching one when there is none.
func (c *tokenCache) get(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token != "" && c.now().Before(c.expiry) {
		return c.token, nil
	}
	tok, ttl, err := c.fetch(ctx)
	if err != nil {
		return "", err
	}
	c.token, c.expiry = tok, c.now().Add(ttl-3*time.Minute)
	return tok, nil
}

// evict forgets token, unless another caller already replaced it.
func (c *tokenCache) evict(token string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token == token {
		c.token = ""
	}
}

// tokenError is a failure to get a tenant_access_token.
type tokenError struct {
	code int
	msg  string
}

func (e *tokenError) Error() string {
	return fmt.Sprintf("tenant_access_token: code %d: %s", e.code, e.msg)
}

// fetchToken asks the Open API for a self-built app's tenant_access_token.
func (a *Adapter) fetchToken(ctx context.Context) (string, time.Duration, error) {
	resp, err := a.client.GetTenantAccessTokenBySelfBuiltApp(ctx, &larkcore.SelfBuiltTenantAccessTokenReq{
		AppID: a.cfg.AppID, AppSecret: a.cfg.AppSecret})
	if err != nil {
		return "", 0, fmt.Errorf("tenant_access_token: %w", err)
	}
	if resp.Code != 0 || resp.TenantAccessToken == "" {
		msg := resp.Msg
		if resp.ApiResp != nil && resp.Code == 0 {
			msg = "no token in HTTP " + strconv.Itoa(resp.StatusCode) + " answer"
		}
		return "", 0, &tokenError{code: resp.Code, msg: msg}
	}
	ttl := time.Duration(resp.Expire) * time.Second
	if ttl < 5*time.Minute {
		ttl = 5 * time.Minute
	}
	return resp.TenantAccessToken, ttl, nil
}
