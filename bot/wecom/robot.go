package wecom

// Group robots (消息推送, formerly 群机器人) are send-only webhooks a team
// adds to its own WeCom group: POST {BaseURL}/cgi-bin/webhook/send?key=KEY,
// no access token, at most 20 messages a minute per webhook
// (PLATFORMS.md §2.4). salesbot uses them for what a team group should see
// without anyone asking — the morning progress card — in groups that
// neither the app (it only posts to groups it created, appchat.go) nor the
// AI bot (webhook mode only answers) can post to unprompted.
//
// A robot's chat id is "robot:" + the team's name; the key stays in the
// adapter's configuration and never reaches the database or the logs.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/salesbot/salesbot/bot"
)

// RobotChatPrefix starts the chat id of a team's group robot.
const RobotChatPrefix = "robot:"

// RobotChatID is the chat id of the team's group robot.
func RobotChatID(team string) string { return RobotChatPrefix + team }

// Robot is a team's group robot: the key of its webhook URL.
type Robot struct {
	Team string
	Key  string
}

const (
	// maxRobotMarkdown is the most one robot markdown message carries.
	maxRobotMarkdown = 4096
	// robotRate is WeCom's limit per webhook: 20 messages a minute.
	robotRate   = 20
	robotWindow = time.Minute
	// codeBadWebhookKey is webhook/send's answer for an unknown or removed
	// robot (invalid webhook url).
	codeBadWebhookKey = 93000
)

// robotWindows counts each webhook's sends in the last minute. The kernel's
// per-chat limit is one rate for every chat of a platform (30 a minute, a
// member's limit); a webhook allows 20, so the adapter keeps its own count
// and asks the outbox to wait when a webhook's minute is full.
type robotWindows struct {
	mu    sync.Mutex
	sends map[string][]time.Time // key → send times in the window
}

// reserve counts a send at now, or returns how long to wait for one.
func (w *robotWindows) reserve(key string, now time.Time) time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.sends == nil {
		w.sends = map[string][]time.Time{}
	}
	recent := w.sends[key][:0]
	for _, t := range w.sends[key] {
		if now.Sub(t) < robotWindow {
			recent = append(recent, t)
		}
	}
	if len(recent) >= robotRate {
		w.sends[key] = recent
		return recent[0].Add(robotWindow).Sub(now)
	}
	w.sends[key] = append(recent, now)
	return 0
}

// robotKey returns the webhook key of the team's robot.
func (a *Adapter) robotKey(team string) (string, bool) {
	for _, r := range a.cfg.Robots {
		if r.Team == team {
			return r.Key, true
		}
	}
	return "", false
}

// sendRobot posts out to a team's group robot as markdown: a card with
// buttons says where to act, since a robot's message cannot carry them.
func (a *Adapter) sendRobot(ctx context.Context, out bot.Outgoing) (string, error) {
	team := strings.TrimPrefix(out.To.ChatID, RobotChatPrefix)
	key, ok := a.robotKey(team)
	if !ok {
		a.log.ErrorContext(ctx, "wecom send failed permanently: no group robot configured for the team (wecom.group_robots)", "team", team)
		return "", bot.Permanent("no_robot", "no group robot for team "+team)
	}
	if out.UpdateMessageID != "" {
		// A robot's message cannot be changed: the new version is posted.
		out.UpdateMessageID = ""
	}
	md := groupMarkdown(out.Card, out.Text, "请在企业微信「应用消息」里找到对应卡片操作")
	if strings.TrimSpace(md) == "" {
		return "", bot.Permanent("bad_message", "outgoing message has neither text nor card")
	}
	for _, part := range splitBytes(md, maxRobotMarkdown) {
		if wait := a.robotSends.reserve(key, a.now()); wait > 0 {
			return "", &bot.SendError{Code: "robot_rate", Message: "20 messages a minute per group robot",
				RetryAfter: wait, Scope: "chat"}
		}
		if err := a.postRobot(ctx, key, map[string]any{"msgtype": "markdown", "markdown": map[string]string{"content": part}}); err != nil {
			se := robotFailure(err)
			if se.Permanent {
				a.log.ErrorContext(ctx, "wecom group robot send failed permanently; message dead-lettered",
					"team", team, "code", se.Code, "msg", se.Message)
			}
			return "", se
		}
	}
	// A robot's answer has no message id; the outbox key names the message.
	return firstNonEmpty(out.Key, bot.NewID()), nil
}

// postRobot POSTs one message to a webhook and checks its errcode.
func (a *Adapter) postRobot(ctx context.Context, key string, msg any) error {
	payload, err := json.Marshal(msg)
	if err != nil {
		return fmt.Errorf("encode robot message: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost,
		a.cfg.BaseURL+"/cgi-bin/webhook/send?key="+url.QueryEscape(key), bytes.NewReader(payload))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	var ans struct {
		ErrCode int    `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
	}
	if err := a.do(req, &ans); err != nil {
		return err
	}
	if ans.ErrCode != 0 {
		return &apiError{Status: http.StatusOK, ErrCode: ans.ErrCode, ErrMsg: ans.ErrMsg}
	}
	return nil
}

// robotFailure classifies a failed webhook send: 45009 (this webhook's 20 a
// minute) waits out the minute for this chat only; busy, 5xx and transport
// failures are retried; an invalid key (93000) and everything else cannot
// be fixed by sending again.
func robotFailure(err error) *bot.SendError {
	se := classify(err)
	if se.Code == strconv.Itoa(codeRateLimited) {
		return &bot.SendError{Code: se.Code, Message: se.Message, RetryAfter: robotWindow, Scope: "chat"}
	}
	if se.Code == strconv.Itoa(codeConcurrency) {
		se.Scope = "chat"
	}
	return se
}

// groupMarkdown renders a message for a chat that cannot show buttons: the
// card as markdown, its buttons named with where to press them.
func groupMarkdown(c *bot.Card, text, where string) string {
	if c == nil {
		return strings.TrimSpace(text)
	}
	cp := *c
	cp.Actions = nil
	md := cardMarkdown(&cp, text)
	if len(c.Actions) > 0 {
		labels := make([]string, 0, len(c.Actions))
		for _, act := range c.Actions {
			labels = append(labels, act.Label)
		}
		md += fmt.Sprintf("\n\n<font color=\"comment\">操作:%s(%s)</font>", strings.Join(labels, " / "), where)
	}
	return md
}
