package main

import (
	"context"
	"errors"
	"net/http"

	"github.com/salesbot/salesbot/bot/wecom"
)

// openWeCom binds the WeCom self-built app when its credentials are
// configured: callbacks at GET/POST /callbacks/wecom, sends through the
// app's API. It refuses to start without the callback token and
// EncodingAESKey (no unauthenticated callback path exists).
func (m *Main) openWeCom(ctx context.Context, mux *http.ServeMux) error {
	c := m.Config.WeCom
	if !c.Enabled() {
		return nil
	}
	if c.Token == "" || len(c.EncodingAESKey) != 43 {
		return errors.New("wecom: token and a 43-character encoding_aes_key are required for the app's callbacks")
	}
	a := wecom.New(wecom.Config{
		CorpID:         c.CorpID,
		AgentID:        c.AgentID,
		Secret:         c.Secret,
		Token:          c.Token,
		EncodingAESKey: c.EncodingAESKey,
		BaseURL:        c.BaseURL,
	}, m.Log.With("platform", "wecom"), m.Now)
	m.addAdapter(mux, a)
	m.Log.Info("wecom app enabled", "corp_id", c.CorpID, "agent_id", c.AgentID, "base_url", c.BaseURL)
	return nil
}
