package wecom

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

	"github.com/salesbot/salesbot/bot"
)

// WeCom errcodes the adapter acts on (PLATFORMS.md §2.4).
const (
	codeBusy             = -1
	codeBadSecret        = 40001
	codeBadCorpID        = 40013
	codeTokenInvalid     = 40014
	codeTokenMissing     = 41001
	codeTokenExpired     = 42001
	codeRateLimited      = 45009
	codeConcurrency      = 45033
	codeUntrustedIP      = 60020
	codeNoValidRecipient = 81013
)

// sendAnswer is message/send's (and update_template_card's) answer.
type sendAnswer struct {
	ErrCode      int    `json:"errcode"`
	ErrMsg       string `json:"errmsg"`
	MsgID        string `json:"msgid"`
	ResponseCode string `json:"response_code"`
	InvalidUser  any    `json:"invaliduser"`
}

// Send delivers out to a member (out.To.UserID, or out.To.ChatID, which for
// the app is the member's UserID): text, a card (template_card with buttons,
// or markdown), or with out.UpdateMessageID a new version of a card, through
// update_template_card with the card's latest response code — or, when there
// is none still valid, as a new card.
func (a *Adapter) Send(ctx context.Context, out bot.Outgoing) (string, error) {
	if out.Platform != "" && out.Platform != bot.WeCom {
		return "", bot.Permanent("wrong_platform", fmt.Sprintf("wecom cannot send a %s message", out.Platform))
	}
	// Group robots and app-created group chats have chat ids of their own.
	switch {
	case strings.HasPrefix(out.To.ChatID, RobotChatPrefix):
		return a.sendRobot(ctx, out)
	case strings.HasPrefix(out.To.ChatID, AppChatPrefix):
		return a.sendAppChat(ctx, out)
	}
	// Answers to the AI bot go to the message's response_url (aibot.go) or
	// over its long connection (aibotws.go), which also updates its cards.
	if id, ok, err := a.aibotSend(ctx, out); ok {
		return id, err
	}
	to := firstNonEmpty(out.To.UserID, out.To.ChatID)
	if to == "" {
		return "", bot.Permanent("bad_message", "outgoing message has no recipient")
	}
	if out.UpdateMessageID != "" {
		return a.update(ctx, to, out)
	}
	if out.Card != nil {
		taskID := taskIDFor(out.Key)
		if err := a.sendCard(ctx, to, renderCard(out.Card, out.Text, taskID), taskID); err != nil {
			return "", err
		}
		return taskID, nil
	}
	if strings.TrimSpace(out.Text) == "" {
		return "", bot.Permanent("bad_message", "outgoing message has neither text nor card")
	}
	var id string
	for _, part := range splitBytes(out.Text, maxTextBytes) {
		ans, err := a.call(ctx, "message/send", a.message(to, "text", map[string]string{"content": part}))
		if err != nil {
			return "", a.failed(ctx, err, out)
		}
		if id == "" {
			id = ans.MsgID
		}
	}
	return id, nil
}

// taskIDFor makes a task_id from the outbox key: unique per app, at most 128
// bytes of [0-9A-Za-z_-@]. '_' is dropped too: "_r<n>" marks a card re-sent
// in place of an update (cardID), and room is left for it.
func taskIDFor(key string) string {
	if key == "" {
		key = bot.NewID()
	}
	var b strings.Builder
	for _, r := range key {
		if r < 128 && (r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-' || r == '@') {
			b.WriteRune(r)
		}
	}
	s := b.String()
	if len(s) > 100 {
		s = s[:100]
	}
	return s
}

// sendCard sends the markdown part of a card, then its template card, and
// keeps the card's response code for a later update.
func (a *Adapter) sendCard(ctx context.Context, to string, r rendered, taskID string) error {
	for _, md := range r.markdown {
		if _, err := a.call(ctx, "message/send", a.message(to, "markdown", map[string]string{"content": md})); err != nil {
			return a.failed(ctx, err, bot.Outgoing{To: bot.Target{UserID: to}})
		}
	}
	if r.card == nil {
		return nil
	}
	ans, err := a.call(ctx, "message/send", a.message(to, "template_card", r.card))
	if err != nil {
		return a.failed(ctx, err, bot.Outgoing{To: bot.Target{UserID: to}})
	}
	a.rememberCode(cardID(taskID), ans.ResponseCode)
	return nil
}

// update replaces a card. A response code is single use: a failure that
// may be retried puts it back; one WeCom refused (used, expired) falls back
// to sending the new version as a new card.
func (a *Adapter) update(ctx context.Context, to string, out bot.Outgoing) (string, error) {
	if out.Card == nil {
		return "", bot.Permanent("bad_message", "a card update without a card")
	}
	root := out.UpdateMessageID
	if code := a.takeCode(root); code != "" && len(out.Card.Actions) <= bot.MaxActions {
		r := renderCard(out.Card, out.Text, root)
		var body map[string]any
		switch {
		case len(out.Card.Actions) == 0:
			// A card whose buttons are gone (undone, confirmed): grey
			// the pressed card's buttons with the new title, WeCom's own
			// way of closing a card (a template card needs buttons).
			body = map[string]any{"userids": []string{to}, "agentid": a.cfg.AgentID, "response_code": code,
				"button": map[string]string{"replace_name": replaceName(out.Card)}}
		case r.card != nil && len(r.markdown) == 0:
			body = map[string]any{"userids": []string{to}, "agentid": a.cfg.AgentID,
				"response_code": code, "template_card": r.card}
		}
		if body != nil {
			_, err := a.call(ctx, "message/update_template_card", body)
			if err == nil {
				return root, nil
			}
			se := classify(err)
			if !se.Permanent {
				a.rememberCode(root, code) // not used: WeCom did not take it
				return "", se
			}
			if hopeless(err) {
				return "", a.failed(ctx, err, out)
			}
			a.log.InfoContext(ctx, "wecom card update refused, sending a new card", "card", root, "err", err)
		}
	}
	taskID := root + reissueSep + strconv.Itoa(a.nextReissue(root))
	r := renderCard(out.Card, out.Text, taskID)
	if r.card == nil {
		// A card without buttons: its new version is a message of its own.
		r = rendered{markdown: r.markdown}
	}
	if err := a.sendCard(ctx, to, r, taskID); err != nil {
		return "", err
	}
	return root, nil
}

// replaceName is the label of a closed card's greyed buttons: its title.
func replaceName(c *bot.Card) string {
	name := firstNonEmpty(c.Header.Title, "已处理")
	if r := []rune(name); len(r) > 20 {
		name = string(r[:20])
	}
	return name
}

// duplicateCheckInterval is how long WeCom suppresses a message/send whose
// JSON is identical to one sent before (enable_duplicate_check). A send that
// timed out after WeCom took it is retried by the outbox within seconds
// (15 s timeout, then a back-off of a second or two): the retry is the
// identical JSON, so WeCom drops it instead of showing the message twice.
// The window is short on purpose: the very same text to the same member
// within it (a second "帮助", the same mistake said again) is shown once,
// and a member must not wait long for an answer that is suppressed. A
// retry after a crash (the outbox lease is 3 minutes) is not covered.
// Cards are never identical: each has its own task_id.
const duplicateCheckInterval = 60

// message is a message/send body.
func (a *Adapter) message(to, msgType string, content any) map[string]any {
	return map[string]any{"touser": to, "msgtype": msgType, "agentid": a.cfg.AgentID, msgType: content,
		"enable_duplicate_check": 1, "duplicate_check_interval": duplicateCheckInterval}
}

// call POSTs body to /cgi-bin/<api> and returns the send answer (see
// request).
func (a *Adapter) call(ctx context.Context, api string, body any) (sendAnswer, error) {
	var ans sendAnswer
	err := a.request(ctx, http.MethodPost, api, nil, body, &ans)
	return ans, err
}

// api POSTs body to /cgi-bin/<api> and decodes the answer into out (nil:
// errcode only).
func (a *Adapter) api(ctx context.Context, api string, body, out any) error {
	return a.request(ctx, http.MethodPost, api, nil, body, out)
}

// apiGet GETs /cgi-bin/<api> with the query and decodes the answer into out.
func (a *Adapter) apiGet(ctx context.Context, api string, query url.Values, out any) error {
	return a.request(ctx, http.MethodGet, api, query, nil, out)
}

// request calls /cgi-bin/<api> with the access token. A token WeCom calls
// invalid or expired is evicted and the call tried once more. Every
// answer's errcode is checked: a non-zero one is an *apiError.
func (a *Adapter) request(ctx context.Context, method, api string, query url.Values, body, out any) error {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return fmt.Errorf("encode %s: %w", api, err)
		}
	}
	for attempt := 0; ; attempt++ {
		tok, err := a.tokens.Get(ctx)
		if err != nil {
			return err
		}
		q := url.Values{}
		for k, v := range query {
			q[k] = v
		}
		q.Set("access_token", tok)
		var rd io.Reader
		if payload != nil {
			rd = bytes.NewReader(payload)
		}
		req, err := http.NewRequestWithContext(ctx, method, a.cfg.BaseURL+"/cgi-bin/"+api+"?"+q.Encode(), rd)
		if err != nil {
			return err
		}
		if payload != nil {
			req.Header.Set("Content-Type", "application/json; charset=utf-8")
		}
		var raw json.RawMessage
		if err := a.do(req, &raw); err != nil {
			return err
		}
		var head struct {
			ErrCode int    `json:"errcode"`
			ErrMsg  string `json:"errmsg"`
		}
		if err := json.Unmarshal(raw, &head); err != nil {
			return fmt.Errorf("%s: decode answer: %w", api, err)
		}
		switch head.ErrCode {
		case 0:
			if out == nil {
				return nil
			}
			if err := json.Unmarshal(raw, out); err != nil {
				return fmt.Errorf("%s: decode answer: %w", api, err)
			}
			return nil
		case codeTokenInvalid, codeTokenExpired, codeTokenMissing:
			a.tokens.Evict(tok)
			if attempt == 0 {
				continue
			}
		}
		return &apiError{Status: http.StatusOK, ErrCode: head.ErrCode, ErrMsg: head.ErrMsg}
	}
}

// hopeless reports whether a refused update would fail as a new card too.
func hopeless(err error) bool {
	var ae *apiError
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.ErrCode {
	case codeUntrustedIP, codeNoValidRecipient, codeBadSecret, codeBadCorpID:
		return true
	}
	return false
}

// failed classifies err for the outbox and logs permanent failures.
func (a *Adapter) failed(ctx context.Context, err error, out bot.Outgoing) *bot.SendError {
	se := classify(err)
	if se.Permanent {
		a.log.ErrorContext(ctx, "wecom send failed permanently", "code", se.Code, "msg", se.Message,
			"user", firstNonEmpty(out.To.UserID, out.To.ChatID), "update", out.UpdateMessageID)
	}
	return se
}

// classify turns a failed call into a SendError: rate limits, busy, token
// trouble, 5xx and transport failures are retried; the rest (untrusted IP,
// no valid recipient, bad secret, content refused, …) cannot be fixed by
// sending again.
func classify(err error) *bot.SendError {
	var ae *apiError
	if !errors.As(err, &ae) {
		return bot.Retry("transport", err.Error(), 0)
	}
	if ae.ErrCode == 0 {
		code := "http_" + strconv.Itoa(ae.Status)
		if ae.Status >= 500 || ae.Status == http.StatusTooManyRequests {
			return bot.Retry(code, err.Error(), 0)
		}
		return bot.Permanent(code, err.Error())
	}
	code := strconv.Itoa(ae.ErrCode)
	switch ae.ErrCode {
	case codeRateLimited, codeConcurrency:
		// Blocked for the rest of the window: back off (the outbox's
		// exponential backoff) for the whole app.
		return &bot.SendError{Code: code, Message: ae.ErrMsg, Scope: "app"}
	case codeBusy, codeTokenInvalid, codeTokenExpired, codeTokenMissing:
		return bot.Retry(code, ae.ErrMsg, 0)
	default:
		return bot.Permanent(code, ae.ErrMsg)
	}
}
