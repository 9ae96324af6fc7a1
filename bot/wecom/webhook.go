package wecom

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/salesbot/salesbot/bot"
)

// CallbackPath is where WeCom verifies the URL (GET) and posts messages and
// events (POST).
const CallbackPath = "/callbacks/wecom"

// clickBudget is how long a card click may take in the sink before the
// callback is answered anyway: WeCom drops the connection after 5 s and
// retries.
const clickBudget = 4 * time.Second

// maxContent is the longest text message the adapter accepts (WeCom caps
// text at 2048 bytes; anything much longer is not from WeCom).
const maxContent = 16 << 10

// Routes mounts GET and POST /callbacks/wecom (bot.Webhook).
func (a *Adapter) Routes(sink bot.Sink) map[string]http.Handler {
	w := &webhook{a: a, sink: sink}
	routes := map[string]http.Handler{
		"GET " + CallbackPath:  http.HandlerFunc(w.verify),
		"POST " + CallbackPath: http.HandlerFunc(w.receive),
	}
	w.aibotRoutes(routes)
	return routes
}

type webhook struct {
	a    *Adapter
	sink bot.Sink
}

var (
	unauthorized = bot.Unauthorized
	badRequest   = bot.BadRequest
)

func (w *webhook) refuse(rw http.ResponseWriter, err error) {
	bot.RefuseCallback(rw, w.a.log, bot.WeCom, err)
}

// checkSignature checks the timestamp window and the msg_signature over
// data, before anything is decrypted.
func (a *Adapter) checkSignature(sig, ts, nonce, data string) error {
	return a.checkSignatureWith(a.cfg.Token, sig, ts, nonce, data)
}

// checkSignatureWith is checkSignature with the token of the callback's
// sender (the app's or the AI bot's).
func (a *Adapter) checkSignatureWith(token, sig, ts, nonce, data string) error {
	if sig == "" || ts == "" || nonce == "" {
		return unauthorized("missing msg_signature, timestamp or nonce")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return unauthorized("bad timestamp")
	}
	if d := a.now().Sub(time.Unix(sec, 0)); d > timestampWindow || d < -timestampWindow {
		return unauthorized("timestamp outside the 300 s window")
	}
	if !validSignature(sig, token, ts, nonce, data) {
		return unauthorized("bad msg_signature")
	}
	return nil
}

// verify answers WeCom's URL check: the decrypted echostr, as is.
func (w *webhook) verify(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	// base64 has no spaces: a '+' that arrived unescaped decoded as one.
	echo := strings.ReplaceAll(q.Get("echostr"), " ", "+")
	if echo == "" {
		w.refuse(rw, badRequest("no echostr"))
		return
	}
	if err := w.a.checkSignature(q.Get("msg_signature"), q.Get("timestamp"), q.Get("nonce"), echo); err != nil {
		w.refuse(rw, err)
		return
	}
	plain, err := Decrypt(echo, w.a.cfg.EncodingAESKey, w.a.cfg.CorpID)
	if err != nil {
		w.refuse(rw, badRequest(err.Error()))
		return
	}
	rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = rw.Write(plain)
}

// envelope is the POST body.
type envelope struct {
	ToUserName string `xml:"ToUserName"`
	AgentID    string `xml:"AgentID"`
	Encrypt    string `xml:"Encrypt"`
}

// receive checks, decrypts and delivers one message or event, answering an
// empty 200: replies go out asynchronously through the outbox.
func (w *webhook) receive(rw http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			http.Error(rw, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		w.refuse(rw, badRequest("read body"))
		return
	}
	if err := w.handle(r.Context(), r.URL.Query().Get("msg_signature"), r.URL.Query().Get("timestamp"),
		r.URL.Query().Get("nonce"), body); err != nil {
		w.refuse(rw, err)
		return
	}
	rw.WriteHeader(http.StatusOK)
}

func (w *webhook) handle(ctx context.Context, sig, ts, nonce string, body []byte) error {
	a := w.a
	var env envelope
	if err := xml.Unmarshal(body, &env); err != nil || env.Encrypt == "" {
		// Unsigned garbage is refused as unauthenticated.
		return unauthorized("body is not an encrypted WeCom callback")
	}
	if err := a.checkSignature(sig, ts, nonce, env.Encrypt); err != nil {
		return err
	}
	plain, err := Decrypt(env.Encrypt, a.cfg.EncodingAESKey, a.cfg.CorpID)
	if err != nil {
		return badRequest(err.Error())
	}
	var m inbound
	if err := xml.Unmarshal(plain, &m); err != nil {
		return badRequest("decrypted body is not XML: " + err.Error())
	}
	ev, err := a.event(&m)
	if errors.Is(err, errIgnored) {
		return nil
	}
	var ur *unreadable
	if errors.As(err, &ur) {
		a.answerUnreadable(ctx, ur)
		return nil
	}
	if err != nil {
		return badRequest(err.Error())
	}
	if ev.Kind == bot.KindAction {
		return w.deliverClick(ctx, ev, m.ResponseCode)
	}
	// A sender salesbot has never seen is registered under this name.
	ev.Sender.Name = a.userName(ctx, ev.Sender.ID)
	if _, err := w.sink.Deliver(ctx, ev); err != nil {
		if errors.Is(err, bot.ErrUnknownTenant) {
			a.log.WarnContext(ctx, "wecom event from an unknown tenant dropped", "corp_id", ev.TenantKey)
			return nil
		}
		return err // 503: WeCom retries
	}
	return nil
}

// deliverClick hands a card click to the sink, waiting at most clickBudget:
// the kernel handles clicks before Deliver returns, and WeCom retries a
// callback it gets no answer to within 5 s.
func (w *webhook) deliverClick(ctx context.Context, ev bot.Event, code string) error {
	// The click's response code lets the outbox update this card.
	w.a.rememberCode(ev.MessageID, code)
	done := make(chan error, 1)
	go func() {
		res, err := w.sink.Deliver(context.WithoutCancel(ctx), ev)
		if err == nil && res.Denied && res.Toast != "" {
			// WeCom shows no toast for a card click: the member who may
			// not press the button is told why in the app's chat.
			w.a.tell(context.WithoutCancel(ctx), ev.Sender.ID, res.Toast)
		}
		done <- err
	}()
	t := time.NewTimer(clickBudget)
	defer t.Stop()
	select {
	case err := <-done:
		if errors.Is(err, bot.ErrUnknownTenant) {
			w.a.log.WarnContext(ctx, "wecom card click from an unknown tenant dropped", "corp_id", ev.TenantKey)
			return nil
		}
		return err
	case <-t.C:
		// Stored and still being handled; the outbox updates the card.
		w.a.log.WarnContext(ctx, "wecom card click answered before it was handled", "event_id", ev.ID)
		return nil
	}
}
