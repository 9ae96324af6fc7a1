package lark

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	larkcore "github.com/larksuite/oapi-sdk-go/v3/core"
	larkim "github.com/larksuite/oapi-sdk-go/v3/service/im/v1"

	"github.com/salesbot/salesbot/bot"
)

// Lark error codes the adapter acts on (PLATFORMS.md §1.2, §1.6).
const (
	codeRateLimited       = 99991400 // app quota; HTTP 429 with x-ogw-ratelimit-reset
	codeTokenInvalid      = 99991663
	codeTokenMissing      = 99991661
	codeAccessTokenBad    = 99991671
	codeChatRateLimited   = 230020 // per-chat 5 QPS
	codeBeingSent         = 230049
	codeSystemThrottle    = 11232
	codeChatThrottleV4    = 11233
	codeWrongAppSecret    = 10015
	codeAppUnusable       = 10014
	codeServerBusyGeneric = 1
)

// Send delivers out: a reply in the thread of out.ReplyTo, a new message to
// a chat or a user (open_id), or, with out.UpdateMessageID, a new version of
// a card (PATCH). out.Key is sent as Lark's uuid, so a retried send after a
// lost answer does not post twice. A token the API calls invalid is evicted
// and the call is tried once more with a fresh one.
func (a *Adapter) Send(ctx context.Context, out bot.Outgoing) (string, error) {
	if out.Platform != "" && out.Platform != bot.Lark {
		return "", bot.Permanent("wrong_platform", fmt.Sprintf("lark cannot send a %s message", out.Platform))
	}
	msgType, content, err := render(out)
	if err != nil {
		return "", bot.Permanent("bad_message", err.Error())
	}
	for attempt := 0; ; attempt++ {
		tok, err := a.tokens.Get(ctx)
		if err != nil {
			return "", tokenSendError(err)
		}
		id, ar, err := a.call(ctx, tok, out, msgType, content)
		if err != nil {
			return "", bot.Retry("transport", err.Error(), 0)
		}
		if ar.code == codeTokenInvalid || ar.code == codeAccessTokenBad || ar.code == codeTokenMissing {
			a.tokens.Evict(tok)
			if attempt == 0 {
				continue
			}
		}
		if ar.code == 0 && ar.status < 300 {
			return id, nil
		}
		serr := classify(ar)
		if serr.Permanent {
			a.log.ErrorContext(ctx, "lark send failed permanently", "code", serr.Code, "msg", serr.Message,
				"chat", out.To.ChatID, "user", out.To.UserID, "reply_to", out.ReplyTo, "update", out.UpdateMessageID)
		}
		return "", serr
	}
}

// apiResult is what the Open API answered, for classification.
type apiResult struct {
	status int
	code   int
	msg    string
	header http.Header
}

// call makes the one API request out needs with token.
func (a *Adapter) call(ctx context.Context, tok string, out bot.Outgoing, msgType, content string) (string, apiResult, error) {
	opt := larkcore.WithTenantAccessToken(tok)
	switch {
	case out.UpdateMessageID != "":
		resp, err := a.client.Im.V1.Message.Patch(ctx, larkim.NewPatchMessageReqBuilder().
			MessageId(out.UpdateMessageID).
			Body(larkim.NewPatchMessageReqBodyBuilder().Content(content).Build()).Build(), opt)
		if err != nil {
			return "", apiResult{}, err
		}
		return out.UpdateMessageID, result(resp.ApiResp, resp.CodeError), nil
	case out.ReplyTo != "":
		body := larkim.NewReplyMessageReqBodyBuilder().MsgType(msgType).Content(content).ReplyInThread(false)
		if out.Key != "" {
			body.Uuid(uuid(out.Key))
		}
		resp, err := a.client.Im.V1.Message.Reply(ctx, larkim.NewReplyMessageReqBuilder().
			MessageId(out.ReplyTo).Body(body.Build()).Build(), opt)
		if err != nil {
			return "", apiResult{}, err
		}
		var id string
		if resp.Data != nil && resp.Data.MessageId != nil {
			id = *resp.Data.MessageId
		}
		return id, result(resp.ApiResp, resp.CodeError), nil
	default:
		idType, rid := "chat_id", out.To.ChatID
		if rid == "" {
			idType, rid = "open_id", out.To.UserID
		}
		if rid == "" {
			return "", apiResult{status: 400, code: -1, msg: "outgoing message has neither chat nor user"}, nil
		}
		body := larkim.NewCreateMessageReqBodyBuilder().ReceiveId(rid).MsgType(msgType).Content(content)
		if out.Key != "" {
			body.Uuid(uuid(out.Key))
		}
		resp, err := a.client.Im.V1.Message.Create(ctx, larkim.NewCreateMessageReqBuilder().
			ReceiveIdType(idType).Body(body.Build()).Build(), opt)
		if err != nil {
			return "", apiResult{}, err
		}
		var id string
		if resp.Data != nil && resp.Data.MessageId != nil {
			id = *resp.Data.MessageId
		}
		return id, result(resp.ApiResp, resp.CodeError), nil
	}
}

// uuid fits the delivery key into Lark's uuid field (at most 50 characters).
func uuid(key string) string {
	if len(key) > 50 {
		return key[:50]
	}
	return key
}

func result(r *larkcore.ApiResp, ce larkcore.CodeError) apiResult {
	ar := apiResult{code: ce.Code, msg: ce.Msg}
	if r != nil {
		ar.status, ar.header = r.StatusCode, r.Header
		if ar.code == 0 && r.StatusCode >= 300 {
			ar.msg = "HTTP " + strconv.Itoa(r.StatusCode)
		}
	}
	return ar
}

// classify turns a failed API answer into a SendError for the outbox.
func classify(ar apiResult) *bot.SendError {
	code := strconv.Itoa(ar.code)
	if ar.code == 0 {
		code = "http_" + strconv.Itoa(ar.status)
	}
	switch {
	case ar.status == http.StatusTooManyRequests || ar.code == codeRateLimited || ar.code == codeSystemThrottle:
		return &bot.SendError{Code: code, Message: ar.msg, RetryAfter: resetAfter(ar.header), Scope: "app"}
	case ar.code == codeChatRateLimited || ar.code == codeChatThrottleV4:
		after := resetAfter(ar.header)
		if after == 0 {
			after = time.Second
		}
		return &bot.SendError{Code: code, Message: ar.msg, RetryAfter: after, Scope: "chat"}
	case ar.code == codeTokenInvalid || ar.code == codeAccessTokenBad || ar.code == codeTokenMissing,
		ar.code == codeBeingSent, ar.code == codeServerBusyGeneric, ar.status >= 500:
		return bot.Retry(code, ar.msg, 0)
	default:
		// 230002 bot not in the chat, 230013 user outside the app's
		// availability, 230025 too long, 230031 card too old, …: sending
		// again cannot help.
		return bot.Permanent(code, ar.msg)
	}
}

// resetAfter reads x-ogw-ratelimit-reset (seconds to wait).
func resetAfter(h http.Header) time.Duration {
	if h == nil {
		return 0
	}
	s := strings.TrimSpace(h.Get("x-ogw-ratelimit-reset"))
	n, err := strconv.ParseFloat(s, 64)
	if err != nil || n <= 0 {
		return 0
	}
	return time.Duration(n * float64(time.Second))
}

// tokenSendError classifies a failure to get a token: a wrong secret or an
// unusable app is a configuration error that retrying cannot fix.
func tokenSendError(err error) *bot.SendError {
	var te *tokenError
	if errors.As(err, &te) && (te.code == codeWrongAppSecret || te.code == codeAppUnusable) {
		return bot.Permanent(strconv.Itoa(te.code), err.Error())
	}
	return bot.Retry("token", err.Error(), 0)
}

// render returns the msg_type and content of out: an interactive card
// (card JSON 2.0) when it has a card, else text with its @-mentions.
func render(out bot.Outgoing) (msgType, content string, err error) {
	if out.Card != nil {
		card := RenderCard(out.Card, out.Text, out.Mentions)
		b, err := json.Marshal(card)
		if err != nil {
			return "", "", fmt.Errorf("render card: %w", err)
		}
		return "interactive", string(b), nil
	}
	if out.UpdateMessageID != "" {
		return "", "", errors.New("a card update without a card")
	}
	if strings.TrimSpace(out.Text) == "" {
		return "", "", errors.New("outgoing message has neither text nor card")
	}
	var sb strings.Builder
	for _, m := range out.Mentions {
		if m.UserID == "" {
			continue
		}
		fmt.Fprintf(&sb, `<at user_id="%s">%s</at> `, escapeAttr(m.UserID), m.Name)
	}
	sb.WriteString(out.Text)
	b, err := json.Marshal(map[string]string{"text": sb.String()})
	if err != nil {
		return "", "", err
	}
	return "text", string(b), nil
}

func escapeAttr(s string) string {
	return strings.NewReplacer(`"`, "", "<", "", ">", "").Replace(s)
}
