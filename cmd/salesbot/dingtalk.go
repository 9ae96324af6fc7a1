package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/bot/dingtalk"
)

// openDingTalk binds the DingTalk app robot when its credentials are
// configured. dingtalk.mode webhook: callbacks at POST /callbacks/dingtalk
// (signed with the client secret). dingtalk.mode stream: the Stream
// WebSocket (no public URL), run with the other long connections. Replies
// go through sessionWebhooks and the OpenAPI in both modes; with
// dingtalk.card_template_id, cards with buttons are interactive cards whose
// presses come back the way messages do.
func (m *Main) openDingTalk(ctx context.Context, mux *http.ServeMux) error {
	c := m.Config.DingTalk
	robots, err := c.Robots()
	if err != nil {
		return err
	}
	if !c.Enabled() {
		if len(robots) > 0 {
			// The robots only post; every other message, the managers'
			// digests among them, needs the app.
			return errors.New("dingtalk.group_robots needs the DingTalk app: set dingtalk.client_id and dingtalk.client_secret")
		}
		return nil
	}
	mode := dingtalk.Mode(c.Mode)
	switch mode {
	case dingtalk.ModeWebhook, dingtalk.ModeStream:
	default:
		return fmt.Errorf("dingtalk: mode %q is neither stream nor webhook", c.Mode)
	}
	if c.ClientSecret == "" {
		// Config validation says so first; no unauthenticated callback
		// path, and Stream mode registers with the secret.
		return errors.New("dingtalk: client_secret is required")
	}
	a := dingtalk.New(dingtalk.Config{
		ClientID:     c.ClientID,
		ClientSecret: c.ClientSecret,
		RobotCode:    c.RobotCode,
		Mode:         mode,
		BaseURL:      c.BaseURL,
		OAPIBaseURL:  c.OAPIBaseURL,
		Robots:       dingtalkRobots(robots),
		// Cards with buttons are interactive cards from this template;
		// without one, markdown.
		CardTemplateID: c.CardTemplateID,
	}, m.Log.With("platform", "dingtalk"), m.Now)
	m.addAdapter(mux, a)
	if err := m.bindRobots(ctx, bot.DingTalk, "dingtalk.group_robots", robots, dingtalk.RobotChatID); err != nil {
		return err
	}
	m.Log.Info("dingtalk enabled", "mode", c.Mode, "base_url", c.BaseURL, "oapi_base_url", c.OAPIBaseURL,
		"interactive_cards", c.CardTemplateID != "")
	return nil
}
