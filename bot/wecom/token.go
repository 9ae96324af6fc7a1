package wecom

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// apiError is an answer with a non-zero errcode (or a failed HTTP status).
type apiError struct {
	Status  int
	ErrCode int
	ErrMsg  string
}

func (e *apiError) Error() string {
	if e.ErrCode == 0 {
		return fmt.Sprintf("wecom: HTTP %d", e.Status)
	}
	return fmt.Sprintf("wecom: errcode %d: %s", e.ErrCode, e.ErrMsg)
}

// fetchToken calls gettoken.
func (a *Adapter) fetchToken(ctx context.Context) (string, time.Duration, error) {
	u := a.cfg.BaseURL + "/cgi-bin/gettoken?corpid=" + url.QueryEscape(a.cfg.CorpID) +
		"&corpsecret=" + url.QueryEscape(a.cfg.Secret)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", 0, err
	}
	var ans struct {
		ErrCode     int    `json:"errcode"`
		ErrMsg      string `json:"errmsg"`
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := a.do(req, &ans); err != nil {
		return "", 0, fmt.Errorf("gettoken: %w", err)
	}
	if ans.ErrCode != 0 || ans.AccessToken == "" {
		return "", 0, fmt.Errorf("gettoken: %w", &apiError{Status: 200, ErrCode: ans.ErrCode, ErrMsg: ans.ErrMsg})
	}
	ttl := time.Duration(ans.ExpiresIn) * time.Second
	if ttl < 10*time.Minute {
		ttl = 10 * time.Minute
	}
	return ans.AccessToken, ttl, nil
}

// do sends req and decodes the JSON answer into v; a non-2xx status is an
// *apiError carrying it. A failure in transit names the URL without its
// secrets (redactURL).
func (a *Adapter) do(req *http.Request, v any) error {
	resp, err := a.hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			ue.URL = redactURL(req.URL)
		}
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return &apiError{Status: resp.StatusCode}
	}
	if err := json.NewDecoder(http.MaxBytesReader(nil, resp.Body, 1<<20)).Decode(v); err != nil {
		return fmt.Errorf("decode answer: %w", err)
	}
	return nil
}

// secretParams are the query parameters that carry credentials: the app's
// secret (gettoken), the access token (every API call), a group robot's
// key (webhook/send) and an AI bot answer's single-use code
// (response_url).
var secretParams = []string{"corpsecret", "access_token", "key", "response_code"}

// redactURL is u as errors and logs may show it: the values of
// secretParams replaced. Go's HTTP client names the whole URL in a
// transport error, which the outbox stores and logs.
func redactURL(u *url.URL) string {
	q := u.Query()
	for _, p := range secretParams {
		if q.Has(p) {
			q.Set(p, "REDACTED")
		}
	}
	r := *u
	r.RawQuery = q.Encode()
	return r.Redacted()
}
