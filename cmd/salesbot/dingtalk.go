package main

import (
	"context"
	"errors"
	"net/http"

	"github.com/salesbot/salesbot/bot/dingtalk"
)

// openDingTalk binds the DingTalk app robot when its credentials are
// configured and dingtalk.mode is webhook: callbacks at POST
// /callbacks/dingtalk (signed with the client secret), replies through
// sessionWebhooks and the OpenAPI. Stream mode is not implemented yet: it
// refuses to start rather than run a bot that hears nothing.
func (m *Main) openDingTalk(ctx context.Context, mux *http.ServeMux) error {
	c := m.Config.DingTalk
	if !c.Enabled() {
		return nil
	}
	if c.Mode != string(dingtalk.ModeWebhook) {
		return errors.New("dingtalk: stream mode is not implemented yet; set dingtalk.mode: webhook")
	}
	if c.ClientSecret == "" {
		// Config validation says so first; no unauthenticated callback path.
		return errors.New("dingtalk: client_secret is required to check webhook callbacks")
	}
	a := dingtalk.New(dingtalk.Config{
		ClientID:     c.ClientID,
		ClientSecret: c.ClientSecret,
		RobotCode:    c.RobotCode,
		Mode:         dingtalk.ModeWebhook,
		BaseURL:      c.BaseURL,
		OAPIBaseURL:  c.OAPIBaseURL,
	}, m.Log.With("platform", "dingtalk"), m.Now)
	m.addAdapter(mux, a)
	m.Log.Info("dingtalk enabled", "mode", c.Mode, "base_url", c.BaseURL, "oapi_base_url", c.OAPIBaseURL)
	return nil
}
