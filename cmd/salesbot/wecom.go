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
	aibotHook := c.AIBot.Mode == "webhook" && c.AIBot.Enabled()
	if !c.Enabled() {
		if aibotHook {
			// The corp id is the tenant key of the AI bot's events, and
			// the app carries button cards and the answers whose
			// response_url is gone.
			return errors.New("wecom: the AI bot in webhook mode needs the self-built app (wecom.corp_id, wecom.secret)")
		}
		return nil
	}
	if c.Token == "" || len(c.EncodingAESKey) != 43 {
		return errors.New("wecom: token and a 43-character encoding_aes_key are required for the app's callbacks")
	}
	cfg := wecom.Config{
		CorpID:         c.CorpID,
		AgentID:        c.AgentID,
		Secret:         c.Secret,
		Token:          c.Token,
		EncodingAESKey: c.EncodingAESKey,
		BaseURL:        c.BaseURL,
	}
	if aibotHook {
		// The AI bot's webhook callbacks (/callbacks/wecom/aibot) are
		// served by the same adapter: its events are bot.WeCom, its
		// groups' chat ids start with "aibot:".
		cfg.AIBotToken, cfg.AIBotEncodingAESKey = c.AIBot.Token, c.AIBot.EncodingAESKey
	}
	a := wecom.New(cfg, m.Log.With("platform", "wecom"), m.Now)
	m.addAdapter(mux, a)
	m.Log.Info("wecom app enabled", "corp_id", c.CorpID, "agent_id", c.AgentID, "base_url", c.BaseURL,
		"aibot_webhook", aibotHook)
	return nil
}
