package lark

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/salesbot/salesbot/bot"
)

// CallbackPath is where Lark posts events and card callbacks.
const CallbackPath = "/callbacks/lark"

// callbackBudget is how long the sink may take with a card click: Lark
// shows an error when the answer takes more than 3 s.
const callbackBudget = 2500 * time.Millisecond

// Routes mounts POST /callbacks/lark in webhook mode (bot.Webhook); in
// long-connection mode there is no callback URL.
func (a *Adapter) Routes(sink bot.Sink) map[string]http.Handler {
	if a.cfg.Mode != ModeWebhook {
		return nil
	}
	return map[string]http.Handler{"POST " + CallbackPath: &webhook{a: a, sink: sink}}
}

type webhook struct {
	a    *Adapter
	sink bot.Sink
}

var (
	unauthorized = bot.Unauthorized
	badRequest   = bot.BadRequest
)

// ServeHTTP checks the signature (before anything is decrypted), decrypts,
// answers URL checks, and hands events to the sink.
func (w *webhook) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	body, ok := bot.ReadCallbackBody(rw, r)
	if !ok {
		return
	}
	answer, err := w.handle(r.Context(), r.Header, body)
	if err != nil {
		bot.RefuseCallback(rw, w.a.log, bot.Lark, err)
		return
	}
	rw.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(rw).Encode(answer)
}

// handle returns the JSON answer to one callback.
func (w *webhook) handle(ctx context.Context, h http.Header, body []byte) (any, error) {
	a := w.a
	signed := false
	if a.cfg.EncryptKey != "" {
		ts, nonce, sig := h.Get("X-Lark-Request-Timestamp"), h.Get("X-Lark-Request-Nonce"), h.Get("X-Lark-Signature")
		if sig != "" || ts != "" || nonce != "" {
			if sig == "" || ts == "" || nonce == "" {
				return nil, unauthorized("incomplete signature headers")
			}
			sec, err := strconv.ParseInt(ts, 10, 64)
			if err != nil {
				return nil, unauthorized("bad timestamp")
			}
			if d := a.now().Sub(time.Unix(sec, 0)); d > timestampWindow || d < -timestampWindow {
				return nil, unauthorized("timestamp outside the 300 s window")
			}
			if !validSignature(sig, ts, nonce, a.cfg.EncryptKey, body) {
				return nil, unauthorized("bad signature")
			}
			signed = true
		}
	}
	// Only a URL check comes unsigned; anything else unsigned that does not
	// even open is refused as unauthenticated, not as malformed.
	unsignedRefusal := a.cfg.EncryptKey != "" && !signed
	plain, encrypted, err := w.open(body)
	if err != nil {
		if unsignedRefusal {
			return nil, unauthorized("unsigned event")
		}
		return nil, err
	}
	var env envelope
	if err := json.Unmarshal(plain, &env); err != nil {
		if unsignedRefusal {
			return nil, unauthorized("unsigned event")
		}
		return nil, badRequest("body is not a JSON event")
	}
	if env.Type == "url_verification" {
		// Lark does not sign URL checks; knowing the verification token
		// (and, encrypted, the encrypt key) is the proof.
		if !a.tokenOK(env.Token) {
			return nil, unauthorized("url_verification with a wrong token")
		}
		return map[string]string{"challenge": env.Challenge}, nil
	}
	if a.cfg.EncryptKey != "" && !signed {
		return nil, unauthorized("unsigned event")
	}
	if a.cfg.EncryptKey != "" && !encrypted {
		return nil, badRequest("event is not encrypted")
	}
	if env.Schema != "2.0" || env.Header.EventType == "" {
		return nil, badRequest("not a v2.0 event")
	}
	if !a.tokenOK(env.Header.Token) {
		return nil, unauthorized("event with a wrong verification token")
	}
	if a.cfg.AppID != "" && env.Header.AppID != "" && env.Header.AppID != a.cfg.AppID {
		return nil, unauthorized("event for another app")
	}
	return a.dispatch(ctx, w.sink, env.Header, env.Event)
}

// open returns the body's JSON, decrypted when it is {"encrypt": …}. A
// plain body is only accepted for URL checks when an encrypt key is set
// (the caller enforces that).
func (w *webhook) open(body []byte) (plain []byte, encrypted bool, err error) {
	var enc struct {
		Encrypt *string `json:"encrypt"`
	}
	if err := json.Unmarshal(body, &enc); err != nil {
		return nil, false, badRequest("body is not JSON")
	}
	if enc.Encrypt == nil {
		return body, false, nil
	}
	if w.a.cfg.EncryptKey == "" {
		return nil, false, badRequest("encrypted body but no encrypt key configured")
	}
	plain, err = Decrypt(*enc.Encrypt, w.a.cfg.EncryptKey)
	if err != nil {
		return nil, false, badRequest(err.Error())
	}
	return plain, true, nil
}

// tokenOK compares a verification token in constant time; with none
// configured every token passes (the signature is the proof then).
func (a *Adapter) tokenOK(got string) bool {
	if a.cfg.VerificationToken == "" {
		return true
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(a.cfg.VerificationToken)) == 1
}

// ack is the answer to a handled event.
var ack = map[string]string{"msg": "success"}

// dispatch normalises one event and delivers it. Webhook and long
// connection share it; the answer is JSON for the callback.
func (a *Adapter) dispatch(ctx context.Context, sink bot.Sink, h header, raw json.RawMessage) (any, error) {
	switch h.EventType {
	case typeMessage:
		ev, err := a.messageEvent(ctx, h, raw)
		var nt *nonText
		switch {
		case errors.Is(err, errIgnored):
			return ack, nil
		case errors.As(err, &nt):
			a.answerNonText(ctx, nt)
			return ack, nil
		case err != nil:
			return nil, badRequest(err.Error())
		}
		if _, err := sink.Deliver(ctx, ev); err != nil {
			if errors.Is(err, bot.ErrUnknownTenant) {
				a.log.WarnContext(ctx, "lark event from an unknown tenant dropped", "tenant_key", ev.TenantKey)
				return ack, nil
			}
			return nil, err // 503: Lark re-pushes
		}
		return ack, nil
	case typeCardAction:
		// Lark waits 3 s for the answer, counted from now.
		late := time.NewTimer(callbackBudget)
		defer late.Stop()
		ev, err := a.actionEvent(ctx, h, raw)
		if err != nil {
			return nil, badRequest(err.Error())
		}
		type delivered struct {
			res bot.Result
			err error
		}
		done := make(chan delivered, 1)
		go func() {
			res, err := sink.Deliver(context.WithoutCancel(ctx), ev)
			done <- delivered{res, err}
		}()
		var res bot.Result
		select {
		case d := <-done:
			res, err = d.res, d.err
		case <-late.C:
			// The press is stored and still being handled; the outbox
			// PATCHes the card when it is (UpdatesCardInCallback is false).
			a.log.WarnContext(ctx, "lark card click answered before it was handled", "event_id", ev.ID)
			return actionAnswer(bot.Result{Toast: "已收到,正在处理…"}), nil
		}
		switch {
		case errors.Is(err, bot.ErrUnknownTenant):
			a.log.WarnContext(ctx, "lark card click from an unknown tenant refused", "tenant_key", ev.TenantKey)
			return actionAnswer(bot.Result{Denied: true, Toast: "你不能操作这张卡片。"}), nil
		case err != nil:
			return nil, err
		}
		return actionAnswer(res), nil
	default:
		a.unknownMu.Lock()
		first := !a.unknownSeen[h.EventType]
		a.unknownSeen[h.EventType] = true
		a.unknownMu.Unlock()
		if first {
			a.log.InfoContext(ctx, "lark event type ignored", "event_type", h.EventType)
		}
		return ack, nil
	}
}

// answerNonText replies to a message the bot cannot read, in the
// background so the callback is acknowledged at once. The uuid derived from
// the message id makes Lark drop the answer to a re-delivered copy.
func (a *Adapter) answerNonText(ctx context.Context, nt *nonText) {
	go func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		_, err := a.Send(ctx, bot.Outgoing{Platform: bot.Lark, To: bot.Target{ChatID: nt.chatID},
			ReplyTo: nt.messageID, Text: politeNonText, Key: "nontext-" + nt.messageID})
		if err != nil {
			a.log.WarnContext(ctx, "lark answer to a non-text message failed", "type", nt.msgType, "err", err)
		}
	}()
}
