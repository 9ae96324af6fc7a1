package dingtalk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/salesbot/salesbot/bot"
)

// Robot is a custom group robot (自定义机器人) with 加签: a send-only webhook
// that posts into one group. salesbot uses it for a team's morning progress
// card in a group the app robot is not in.
type Robot struct {
	// Team is the name of the team whose group the robot posts into.
	Team string
	// AccessToken is the webhook's access_token; Secret is its signing
	// secret (SEC…).
	AccessToken string
	Secret      string
}

// RobotChatPrefix marks the chat ids of group robots: "robot:" + team name.
const RobotChatPrefix = "robot:"

// RobotChatID is the chat id under which a team's group robot is a team
// chat; Send posts messages for it through the robot's webhook.
func RobotChatID(team string) string { return RobotChatPrefix + team }

func isRobotChat(chatID string) bool { return strings.HasPrefix(chatID, RobotChatPrefix) }

// robotSendPath is the custom robots' webhook on the old API host.
const robotSendPath = "/robot/send"

// robotThrottleWait is how long a throttled robot waits: DingTalk blocks a
// custom robot for 10 minutes once it sends more than 20 messages in a
// minute (PLATFORMS.md §3.4), so trying earlier only meets 130101 again.
const robotThrottleWait = 10 * time.Minute

// robotHints say what to fix for the errcodes an operator can cause.
var robotHints = map[int]string{
	// 310000 is every failed security check: sign, keyword, IP range.
	310000: "check the robot's 加签 secret in dingtalk.group_robots, that the server clock is right, and that the robot has no keyword or IP-range setting that refuses salesbot's messages",
	300001: "the robot's access_token in dingtalk.group_robots is wrong, or the robot was removed from the group",
}

func (a *Adapter) robot(team string) (Robot, bool) {
	for _, r := range a.cfg.Robots {
		if r.Team == team {
			return r, true
		}
	}
	return Robot{}, false
}

// sendRobot posts a message for a robot chat through the team's custom
// robot: a card as markdown, text as text. Robot messages have no id and
// cannot be edited, so an update is a new message.
func (a *Adapter) sendRobot(ctx context.Context, out bot.Outgoing) (string, error) {
	team := strings.TrimPrefix(out.To.ChatID, RobotChatPrefix)
	r, ok := a.robot(team)
	if !ok {
		a.log.ErrorContext(ctx, "dingtalk group robot not configured; message dead-lettered", "team", team)
		return "", Permanent("NoRobot", "no group robot for team "+team+" in dingtalk.group_robots")
	}
	var resp struct {
		ErrCode int    `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
	}
	if err := a.postRobot(ctx, r, robotBody(out), &resp); err != nil {
		return "", err
	}
	code := strconv.Itoa(resp.ErrCode)
	switch resp.ErrCode {
	case 0:
		return "", nil
	case throttledCode:
		return "", &bot.SendError{Code: code, Message: resp.ErrMsg, RetryAfter: robotThrottleWait, Scope: "chat"}
	case -1: // 系统繁忙
		return "", bot.Retry(code, resp.ErrMsg, 0)
	}
	hint := robotHints[resp.ErrCode]
	a.log.ErrorContext(ctx, "dingtalk group robot refused the message; it is dead-lettered",
		"team", team, "errcode", resp.ErrCode, "errmsg", resp.ErrMsg, "hint", hint)
	msg := resp.ErrMsg
	if hint != "" {
		msg += " (" + hint + ")"
	}
	return "", Permanent(code, msg)
}

// robotBody is the webhook's JSON for a message: markdown for a card, text
// otherwise, with the people to @ by staffId.
func robotBody(out bot.Outgoing) map[string]any {
	var body map[string]any
	if out.Card != nil {
		title := out.Card.Header.Title
		if title == "" {
			title = "salesbot"
		}
		body = map[string]any{"msgtype": "markdown",
			"markdown": map[string]string{"title": title, "text": cardMarkdown(out.Card, out.Text)}}
	} else {
		body = map[string]any{"msgtype": "text", "text": map[string]string{"content": out.Text}}
	}
	var ids []string
	for _, m := range out.Mentions {
		if m.UserID != "" {
			ids = append(ids, m.UserID)
		}
	}
	if len(ids) > 0 {
		body["at"] = map[string]any{"atUserIds": ids}
	}
	return body
}

// robotURL is the signed webhook URL: sign is base64 HMAC-SHA256 of
// timestamp + "\n" + secret, URL-encoded as a query value.
func robotURL(base string, r Robot, timestampMS int64) string {
	ts := strconv.FormatInt(timestampMS, 10)
	q := url.Values{"access_token": {r.AccessToken}, "timestamp": {ts}, "sign": {Sign(ts, r.Secret)}}
	return base + robotSendPath + "?" + q.Encode()
}

// postRobot POSTs to the robot's webhook. The URL carries the access_token,
// so no error it returns may quote it.
func (a *Adapter) postRobot(ctx context.Context, r Robot, body, resp any) error {
	data, err := json.Marshal(body)
	if err != nil {
		return Permanent("Encode", err.Error())
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, robotURL(a.cfg.OAPIBaseURL, r, a.now().UnixMilli()), bytes.NewReader(data))
	if err != nil {
		return Permanent("Request", "bad robot webhook URL")
	}
	hr.Header.Set("Content-Type", "application/json; charset=utf-8")
	res, err := a.hc.Do(hr)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return bot.Retry("transport", "robot webhook: "+err.Error(), 0)
	}
	defer res.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return bot.Retry("transport", "robot webhook: "+err.Error(), 0)
	}
	if res.StatusCode/100 != 2 {
		msg := fmt.Sprintf("robot webhook: HTTP %d", res.StatusCode)
		if res.StatusCode >= 500 || res.StatusCode == http.StatusTooManyRequests {
			return bot.Retry(strconv.Itoa(res.StatusCode), msg, 0)
		}
		a.log.ErrorContext(ctx, "dingtalk group robot refused the message; it is dead-lettered", "team", r.Team, "status", res.StatusCode)
		return Permanent(strconv.Itoa(res.StatusCode), msg)
	}
	if err := json.Unmarshal(answer, resp); err != nil {
		return bot.Retry("decode", "robot webhook answer is not JSON: "+err.Error(), 0)
	}
	return nil
}
