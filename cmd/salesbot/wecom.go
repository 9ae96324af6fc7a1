package main

import (
	"context"
	"errors"
	"net/http"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/bot/wecom"
	"github.com/salesbot/salesbot/config"
)

// openWeCom binds the WeCom self-built app when its credentials are
// configured: callbacks at GET/POST /callbacks/wecom, sends through the
// app's API. It refuses to start without the callback token and
// EncodingAESKey (no unauthenticated callback path exists).
func (m *Main) openWeCom(ctx context.Context, mux *http.ServeMux) error {
	c := m.Config.WeCom
	robots, err := c.Robots()
	if err != nil {
		return err
	}
	aibotHook := c.AIBot.Mode == "webhook" && c.AIBot.Enabled()
	aibotWS := c.AIBot.Mode != "webhook" && c.AIBot.Enabled()
	if !c.Enabled() && len(robots) > 0 {
		// The robots only post; every other message, the managers'
		// digests among them, needs the app.
		return errors.New("wecom.group_robots needs the self-built app: set wecom.corp_id and wecom.secret")
	}
	if !c.Enabled() {
		if aibotHook || aibotWS {
			// The corp id is the tenant key of the AI bot's events, and
			// the app reaches members directly: button cards in webhook
			// mode, digests, answers the AI bot can no longer give.
			return errors.New("wecom: the AI bot needs the self-built app (wecom.corp_id, wecom.secret)")
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
		Robots:         wecomRobots(robots),
	}
	if aibotHook {
		// The AI bot's webhook callbacks (/callbacks/wecom/aibot) are
		// served by the same adapter: its events are bot.WeCom, its
		// groups' chat ids start with "aibot:".
		cfg.AIBotToken, cfg.AIBotEncodingAESKey = c.AIBot.Token, c.AIBot.EncodingAESKey
	}
	if aibotWS {
		// The adapter holds the AI bot's long connection (its Run).
		cfg.AIBotID, cfg.AIBotSecret, cfg.AIBotWSURL = c.AIBot.BotID, c.AIBot.Secret, c.AIBot.WSURL
	}
	a := wecom.New(cfg, m.Log.With("platform", "wecom"), m.Now)
	m.addAdapter(mux, a)
	if err := m.bindRobots(ctx, bot.WeCom, "wecom.group_robots", robots, wecom.RobotChatID); err != nil {
		return err
	}
	m.Log.Info("wecom app enabled", "corp_id", c.CorpID, "agent_id", c.AgentID, "base_url", c.BaseURL,
		"aibot_webhook", aibotHook, "aibot_websocket", aibotWS)
	return nil
}

// wecomRobots turns the configured group robots into the adapter's.
func wecomRobots(rs []config.Robot) []wecom.Robot {
	out := make([]wecom.Robot, len(rs))
	for i, r := range rs {
		out[i] = wecom.Robot{Team: r.Team, Key: r.Key}
	}
	return out
}
