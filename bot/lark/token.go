package lark

import (
	"context"
	"fmt"
	"strconv"
	"time"

	larkcore "github.com/larksuite/oapi-sdk-go/v3/core"
)

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
