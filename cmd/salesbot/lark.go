package main

import (
	"context"
	"net/http"

	"github.com/salesbot/salesbot/bot/lark"
)

// openLark binds the Lark (Feishu) app when its credentials are configured:
// the webhook at POST /callbacks/lark, or the long connection in websocket
// mode. Config validation has already refused webhook mode without an
// encrypt key.
func (m *Main) openLark(ctx context.Context, mux *http.ServeMux) error {
	c := m.Config.Lark
	if !c.Enabled() {
		return nil
	}
	a := lark.New(lark.Config{
		AppID:             c.AppID,
		AppSecret:         c.AppSecret,
		VerificationToken: c.VerificationToken,
		EncryptKey:        c.EncryptKey,
		Mode:              lark.Mode(c.Mode),
		BaseURL:           c.BaseURL,
	}, m.Log.With("platform", "lark"), m.Now)
	m.addAdapter(mux, a)
	m.Log.Info("lark enabled", "mode", c.Mode, "base_url", c.BaseURL)
	return nil
}
