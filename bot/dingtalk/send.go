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
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/salesbot/salesbot/bot"
)

// Permanent is bot.Permanent, for brevity.
var Permanent = bot.Permanent

// throttledCode is DingTalk's "send too fast" error (130101).
const throttledCode = 130101

// throttleWait is how long a throttled chat pauses before the next try: a
// group robot over 20/min is throttled for 10 minutes, but app robots are
// not documented, so the first retry comes after a minute and later ones
// follow the outbox's backoff.
const throttleWait = time.Minute

// maxMsgParam is groupMessages/send's limit on msgParam (15,000 bytes).
const maxMsgParam = 15000

// Send delivers a reply or message (bot.Adapter). A card with buttons goes
// out as an interactive card when a template is configured (deliverCard),
// and a new version of such a card updates it in place (updateCard).
// Anything else goes through the sessionWebhook of the conversation while it
// is valid, otherwise through the OpenAPI; a new version of a markdown card
// is sent as a new message: robot messages cannot be edited.
func (a *Adapter) Send(ctx context.Context, out bot.Outgoing) (string, error) {
	if isRobotChat(out.To.ChatID) {
		return a.sendRobot(ctx, out)
	}
	switch {
	case out.UpdateMessageID != "" && a.ownTrackID(out.UpdateMessageID):
		return a.updateCard(ctx, out)
	case out.UpdateMessageID == "" && a.cfg.CardTemplateID != "" && out.Card != nil && len(out.Card.Actions) > 0:
		return a.deliverCard(ctx, out)
	}
	if id := a.textCardID(out); id != "" {
		// Remembered before it is sent: the chat shows the card (and a
		// member may say a label) before the send call returns.
		undo := a.rememberTextCard(out, id)
		sent, err := a.sendMessage(ctx, out)
		if err != nil {
			undo()
			return sent, err
		}
		return id, nil
	}
	return a.sendMessage(ctx, out)
}

// sendMessage sends text or a markdown card through the sessionWebhook or
// the OpenAPI.
func (a *Adapter) sendMessage(ctx context.Context, out bot.Outgoing) (string, error) {
	key, param := render(out)
	if a.textCardID(out) != "" && len(out.Card.Actions) > 0 {
		param["text"] += "\n\n" + textHint(out)
	}
	keys := a.sessionKeys(out)
	var s session
	var found bool
	for _, k := range keys {
		if s, found = a.sessions.get(k); found {
			break
		}
	}
	if found && s.webhook != "" && a.now().Add(5*time.Second).Before(s.expires) {
		err := a.sendBySession(ctx, s.webhook, out, key, param)
		if err == nil {
			return "", nil
		}
		var se *bot.SendError
		if errors.As(err, &se) && se.Code == strconv.Itoa(throttledCode) {
			return "", err
		}
		// The session is no good any more: forget it and go the OpenAPI way
		// now.
		a.log.WarnContext(ctx, "dingtalk sessionWebhook failed, using the OpenAPI", "err", err)
		dropWebhook(a.sessions, keys...)
	}
	switch {
	case out.To.UserID != "":
		return a.sendToUser(ctx, out.To.UserID, key, param)
	case strings.HasPrefix(out.To.ChatID, userChatPrefix):
		return a.sendToUser(ctx, strings.TrimPrefix(out.To.ChatID, userChatPrefix), key, param)
	case found && s.direct:
		if s.staffID == "" {
			return "", Permanent("NoUser", "direct conversation without a sender staffId")
		}
		return a.sendToUser(ctx, s.staffID, key, param)
	case out.To.ChatID != "":
		if !found {
			// A conversation we have not seen since the start could be a
			// direct one; try it as a group, DingTalk refuses it otherwise.
			a.log.DebugContext(ctx, "dingtalk conversation not in memory, sending as a group", "chat", out.To.ChatID)
		}
		return a.sendToGroup(ctx, out.To.ChatID, key, param)
	}
	return "", Permanent("NoTarget", "outgoing message without a chat or user")
}

func (a *Adapter) sessionKeys(out bot.Outgoing) []string {
	var keys []string
	if out.ReplyTo != "" {
		keys = append(keys, "msg:"+out.ReplyTo)
	}
	if out.To.ChatID != "" {
		keys = append(keys, "conv:"+out.To.ChatID)
	}
	return keys
}

// sendBySession posts to a sessionWebhook (no token needed).
func (a *Adapter) sendBySession(ctx context.Context, webhook string, out bot.Outgoing, key string, param map[string]string) error {
	var body map[string]any
	switch key {
	case "sampleText":
		body = map[string]any{"msgtype": "text", "text": map[string]string{"content": param["content"]}}
	default:
		body = map[string]any{"msgtype": "markdown", "markdown": map[string]string{"title": param["title"], "text": param["text"]}}
	}
	if len(out.Mentions) > 0 {
		var ids []string
		for _, m := range out.Mentions {
			if m.UserID != "" {
				ids = append(ids, m.UserID)
			}
		}
		body["at"] = map[string]any{"atUserIds": ids}
	}
	var resp struct {
		ErrCode int    `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
	}
	if err := a.call(ctx, webhook, "", body, &resp); err != nil {
		return err
	}
	switch resp.ErrCode {
	case 0:
		return nil
	case throttledCode:
		return &bot.SendError{Code: strconv.Itoa(throttledCode), Message: resp.ErrMsg, RetryAfter: throttleWait, Scope: "chat"}
	}
	return &bot.SendError{Code: strconv.Itoa(resp.ErrCode), Message: resp.ErrMsg}
}

// sendToGroup posts /v1.0/robot/groupMessages/send.
func (a *Adapter) sendToGroup(ctx context.Context, chatID, key string, param map[string]string) (string, error) {
	p, err := json.Marshal(param)
	if err != nil {
		return "", Permanent("Render", err.Error())
	}
	if len(p) > maxMsgParam {
		return "", Permanent("TooLarge", fmt.Sprintf("msgParam is %d bytes, more than %d", len(p), maxMsgParam))
	}
	req := map[string]string{"robotCode": a.cfg.RobotCode, "openConversationId": chatID, "msgKey": key, "msgParam": string(p)}
	var resp struct {
		ProcessQueryKey string `json:"processQueryKey"`
	}
	if err := a.authed(ctx, "/v1.0/robot/groupMessages/send", req, &resp); err != nil {
		return "", err
	}
	return resp.ProcessQueryKey, nil
}

// sendToUser posts /v1.0/robot/oToMessages/batchSend for one user.
func (a *Adapter) sendToUser(ctx context.Context, userID, key string, param map[string]string) (string, error) {
	p, err := json.Marshal(param)
	if err != nil {
		return "", Permanent("Render", err.Error())
	}
	req := map[string]any{"robotCode": a.cfg.RobotCode, "userIds": []string{userID}, "msgKey": key, "msgParam": string(p)}
	var resp struct {
		ProcessQueryKey           string   `json:"processQueryKey"`
		InvalidStaffIDList        []string `json:"invalidStaffIdList"`
		FlowControlledStaffIDList []string `json:"flowControlledStaffIdList"`
	}
	if err := a.authed(ctx, "/v1.0/robot/oToMessages/batchSend", req, &resp); err != nil {
		return "", err
	}
	if slices.Contains(resp.FlowControlledStaffIDList, userID) {
		return "", &bot.SendError{Code: "flowControlled", Message: "user " + userID + " is flow-controlled",
			RetryAfter: throttleWait, Scope: "chat"}
	}
	if slices.Contains(resp.InvalidStaffIDList, userID) {
		return "", Permanent("invalidStaffId", "user "+userID+" cannot be reached by the robot")
	}
	return resp.ProcessQueryKey, nil
}

// authed POSTs to a new-API endpoint with the access token (authedDo).
func (a *Adapter) authed(ctx context.Context, path string, req, resp any) error {
	return a.authedDo(ctx, http.MethodPost, path, req, resp)
}

// authedDo calls a new-API endpoint with the access token, fetching a new
// token once when DingTalk refuses the cached one.
func (a *Adapter) authedDo(ctx context.Context, method, path string, req, resp any) error {
	for try := 0; ; try++ {
		tok, err := a.tokens.Get(ctx)
		if err != nil {
			return err
		}
		err = a.do(ctx, method, a.cfg.BaseURL+path, tok, req, resp)
		var ae *apiError
		if try == 0 && errors.As(err, &ae) && ae.authFailure() {
			a.tokens.Evict(tok)
			continue
		}
		return err
	}
}

// apiError is a non-2xx answer of the new API: {"code","message","requestid"}.
type apiError struct {
	status    int
	code      string
	message   string
	requestID string
}

// authFailure reports whether the token was refused.
func (e *apiError) authFailure() bool {
	// DingTalk answers a stale or unknown token with 400 InvalidAuthentication
	// (PLATFORMS.md §3.4).
	return e.status == http.StatusUnauthorized || e.code == "InvalidAuthentication"
}

// sendError classifies the answer for the outbox: throttling and server
// errors are retried, other 4xx are permanent.
func (e *apiError) sendError() *bot.SendError {
	msg := fmt.Sprintf("HTTP %d: %s (requestid %s)", e.status, e.message, e.requestID)
	code := e.code
	if code == "" {
		code = strconv.Itoa(e.status)
	}
	switch {
	case e.status == http.StatusTooManyRequests || e.code == strconv.Itoa(throttledCode) || e.code == "Throttling":
		return &bot.SendError{Code: code, Message: msg, RetryAfter: throttleWait, Scope: "app"}
	case e.status >= 500:
		return bot.Retry(code, msg, 0)
	case e.authFailure():
		return bot.Retry(code, msg, 0) // a fresh token may do next time
	}
	return bot.Permanent(code, msg)
}

// call POSTs JSON and decodes the JSON answer (do).
func (a *Adapter) call(ctx context.Context, url, token string, req, resp any) error {
	return a.do(ctx, http.MethodPost, url, token, req, resp)
}

// do sends JSON and decodes the JSON answer; errors come back as
// *bot.SendError.
func (a *Adapter) do(ctx context.Context, method, rawURL, token string, req, resp any) error {
	body, err := json.Marshal(req)
	if err != nil {
		return Permanent("Encode", err.Error())
	}
	hr, err := http.NewRequestWithContext(ctx, method, rawURL, bytes.NewReader(body))
	if err != nil {
		return Permanent("Request", "bad URL")
	}
	hr.Header.Set("Content-Type", "application/json; charset=utf-8")
	if token != "" {
		hr.Header.Set("x-acs-dingtalk-access-token", token)
	}
	// A sessionWebhook's query is a credential (anyone holding it can post
	// into the chat), so errors name the path only.
	where := hr.URL.Path
	res, err := a.hc.Do(hr)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return bot.Retry("transport", where+": "+err.Error(), 0)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return bot.Retry("transport", where+": "+err.Error(), 0)
	}
	if res.StatusCode/100 != 2 {
		ae := &apiError{status: res.StatusCode}
		var e struct {
			Code      string `json:"code"`
			Message   string `json:"message"`
			RequestID string `json:"requestid"`
		}
		if json.Unmarshal(data, &e) == nil {
			ae.code, ae.message, ae.requestID = e.Code, e.Message, e.RequestID
		}
		if ae.message == "" {
			ae.message = string(bytes.TrimSpace(data[:min(len(data), 200)]))
		}
		se := ae.sendError()
		if se.Permanent {
			a.log.ErrorContext(ctx, "dingtalk API error", "status", res.StatusCode, "code", ae.code, "message", ae.message, "requestid", ae.requestID)
		}
		return &wrapped{se: se, ae: ae}
	}
	if resp != nil && len(data) > 0 {
		if err := json.Unmarshal(data, resp); err != nil {
			return bot.Retry("decode", "answer is not JSON: "+err.Error(), 0)
		}
	}
	return nil
}

// wrapped is a SendError that also unwraps to the apiError behind it.
type wrapped struct {
	se *bot.SendError
	ae *apiError
}

func (w *wrapped) Error() string { return w.se.Error() }

func (w *wrapped) As(target any) bool {
	switch t := target.(type) {
	case **bot.SendError:
		*t = w.se
		return true
	case **apiError:
		*t = w.ae
		return true
	}
	return false
}

func (e *apiError) Error() string { return e.code + ": " + e.message }
