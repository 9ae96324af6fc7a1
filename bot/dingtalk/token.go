package dingtalk

import (
	"context"
	"time"
)

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
