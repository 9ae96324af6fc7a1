package wecom

// The 智能机器人 (AI bot) in webhook ("API") mode is how WeCom delivers
// @bot messages from ordinary group chats (PLATFORMS.md §2.6). It is part
// of this adapter rather than an adapter of its own, because the kernel holds
// one adapter per platform and everything it receives is a WeCom member
// talking to the same company:
//
//   - callbacks arrive at GET/POST /callbacks/wecom/aibot, JSON {"encrypt"}
//     signed and encrypted like the app's callbacks with the AI bot's own
//     token and EncodingAESKey and an EMPTY receive id;
//   - events use bot.WeCom and the corp id as tenant key. A group chat's id
//     is "aibot:" + the AI bot's chatid (WeCom userids cannot contain ':', so
//     these never collide with a member's direct chat, whose id is the
//     userid); a single chat with the AI bot is the member's direct chat, id
//     = userid, as for the app;
//   - the answer goes to the message's response_url (single use, valid 1 h)
//     as markdown; a card's buttons cannot be shown there, so the markdown
//     says to act in the app's chat and the app sends the button card to the
//     member directly. When the response_url is gone (used, expired, or
//     refused) the answer goes to the member through the app's message/send.
//
// The response_urls live in memory only (aibotReplies): after a restart, or
// beyond aibotMaxReplies messages, an answer to a group falls back to the
// member or — if even the member is unknown — is dead-lettered.
//
// The long-connection mode (aibotws.go) reads the same message bodies
// through aibotEvent, so a message gets the same chat id and dedupe key
// (msgid) in both modes, and remembers messages in the same aibotReplies.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/salesbot/salesbot/bot"
)

// AIBotCallbackPath is where the AI bot in webhook mode verifies the URL
// (GET) and posts messages (POST).
const AIBotCallbackPath = "/callbacks/wecom/aibot"

// AIBotChatPrefix starts the chat id of a group the AI bot is in.
const AIBotChatPrefix = "aibot:"

const (
	// aibotReplyTTL is how long a response_url is trusted (WeCom: 1 h).
	aibotReplyTTL = 55 * time.Minute
	// aibotKeep is how long a message's sender is remembered for the
	// fallback to a direct message.
	aibotKeep = 24 * time.Hour
	// aibotMaxReplies bounds the map of remembered messages.
	aibotMaxReplies = 10000
	// aibotMaxMarkdown is the most one markdown reply carries; the rest goes
	// to the member through the app.
	aibotMaxMarkdown = 4096
	// aibotActNote tells a group where a card's buttons are: the webhook
	// mode's answers are markdown only, the card goes to the member.
	aibotActNote = "卡片已私信给你,请在应用私聊中操作"
)

// aibotMessage is a decrypted AI bot callback (PLATFORMS.md §2.6).
type aibotMessage struct {
	MsgID    string `json:"msgid"`
	AIBotID  string `json:"aibotid"`
	ChatID   string `json:"chatid"`
	ChatType string `json:"chattype"`
	From     struct {
		UserID string `json:"userid"`
	} `json:"from"`
	ResponseURL string `json:"response_url"`
	MsgType     string `json:"msgtype"`
	Text        struct {
		Content string `json:"content"`
	} `json:"text"`
	// Mixed is text with images; its text items are read.
	Mixed struct {
		Items []struct {
			MsgType string `json:"msgtype"`
			Text    struct {
				Content string `json:"content"`
			} `json:"text"`
		} `json:"msg_item"`
	} `json:"mixed"`
	CreateTime int64 `json:"create_time"`
	// Event is set on event callbacks (msgtype "event"), which arrive over
	// the long connection only (aibotws.go).
	Event *aibotEventBody `json:"event,omitempty"`
}

// text returns what the member wrote: a text message's content, or the
// text items of a mixed one; false for anything else.
func (m *aibotMessage) text() (string, bool) {
	switch m.MsgType {
	case "text":
		return m.Text.Content, true
	case "mixed":
		var parts []string
		for _, it := range m.Mixed.Items {
			if it.MsgType == "text" && strings.TrimSpace(it.Text.Content) != "" {
				parts = append(parts, it.Text.Content)
			}
		}
		return strings.Join(parts, "\n"), len(parts) > 0
	}
	return "", false
}

// aibotReply is what the adapter remembers of one received message.
type aibotReply struct {
	url    string
	user   string
	at     time.Time
	usedBy string // the outbox key whose markdown took the url; "" unused
	gone   bool   // used or refused: answer through the app
	// Long connection (aibotws.go): the callback's req_id, which answers
	// go out with, the chat (the group's chatid, or the member's userid
	// for a single chat), and whether the sink has the message.
	reqID     string
	chat      string
	delivered bool
}

// aibotReplies maps AI bot message ids to their response_url and sender. It
// is bounded (aibotMaxReplies, oldest dropped first) and in memory only.
type aibotReplies struct {
	mu    sync.Mutex
	m     map[string]*aibotReply
	order []string
}

// put remembers a message; false when it is known already (a re-delivery
// keeps what the first one recorded).
func (r *aibotReplies) put(msgID string, rep *aibotReply, now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = map[string]*aibotReply{}
	}
	if _, ok := r.m[msgID]; ok {
		return false
	}
	// Drop expired and, beyond the bound, the oldest entries.
	for len(r.order) > 0 {
		old := r.m[r.order[0]]
		if old != nil && now.Sub(old.at) < aibotKeep && len(r.order) < aibotMaxReplies {
			break
		}
		delete(r.m, r.order[0])
		r.order = r.order[1:]
	}
	r.m[msgID] = rep
	r.order = append(r.order, msgID)
	return true
}

// get returns a copy of the entry of a message.
func (r *aibotReplies) get(msgID string) (aibotReply, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rep, ok := r.m[msgID]
	if !ok {
		return aibotReply{}, false
	}
	return *rep, true
}

// update changes the entry of a message under the lock.
func (r *aibotReplies) update(msgID string, f func(*aibotReply)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if rep, ok := r.m[msgID]; ok {
		f(rep)
	}
}

// aibotEnabled reports whether the AI bot's webhook mode is configured.
func (a *Adapter) aibotEnabled() bool {
	return a.cfg.AIBotToken != "" && a.cfg.AIBotEncodingAESKey != ""
}

func (w *webhook) aibotRoutes(routes map[string]http.Handler) {
	if !w.a.aibotEnabled() {
		return
	}
	routes["GET "+AIBotCallbackPath] = http.HandlerFunc(w.aibotVerify)
	routes["POST "+AIBotCallbackPath] = http.HandlerFunc(w.aibotReceive)
}

// aibotVerify answers the AI bot's URL check: the decrypted echostr.
func (w *webhook) aibotVerify(rw http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	echo := strings.ReplaceAll(q.Get("echostr"), " ", "+")
	if echo == "" {
		w.refuse(rw, badRequest("no echostr"))
		return
	}
	if err := w.a.checkSignatureWith(w.a.cfg.AIBotToken, q.Get("msg_signature"), q.Get("timestamp"), q.Get("nonce"), echo); err != nil {
		w.refuse(rw, err)
		return
	}
	plain, err := Decrypt(echo, w.a.cfg.AIBotEncodingAESKey, "")
	if err != nil {
		w.refuse(rw, badRequest(err.Error()))
		return
	}
	rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = rw.Write(plain)
}

// aibotReceive checks, decrypts and delivers one AI bot message and answers
// an empty 200; the reply goes to the response_url through the outbox.
func (w *webhook) aibotReceive(rw http.ResponseWriter, r *http.Request) {
	body, ok := bot.ReadCallbackBody(rw, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	if err := w.aibotHandle(r.Context(), q.Get("msg_signature"), q.Get("timestamp"), q.Get("nonce"), body); err != nil {
		w.refuse(rw, err)
		return
	}
	rw.WriteHeader(http.StatusOK)
}

func (w *webhook) aibotHandle(ctx context.Context, sig, ts, nonce string, body []byte) error {
	a := w.a
	var env struct {
		Encrypt string `json:"encrypt"`
	}
	if err := json.Unmarshal(body, &env); err != nil || env.Encrypt == "" {
		return unauthorized("body is not an encrypted AI bot callback")
	}
	if err := a.checkSignatureWith(a.cfg.AIBotToken, sig, ts, nonce, env.Encrypt); err != nil {
		return err
	}
	plain, err := Decrypt(env.Encrypt, a.cfg.AIBotEncodingAESKey, "")
	if err != nil {
		return badRequest(err.Error())
	}
	var m aibotMessage
	if err := json.Unmarshal(plain, &m); err != nil {
		return badRequest("decrypted body is not JSON: " + err.Error())
	}
	ev, err := a.aibotEvent(&m)
	if errors.Is(err, errIgnored) {
		a.log.InfoContext(ctx, "wecom AI bot callback ignored", "msgtype", m.MsgType, "chattype", m.ChatType, "msgid", m.MsgID)
		// Answered once: WeCom's retry of the callback is not.
		if m.ResponseURL != "" && m.MsgID != "" && m.MsgType != "event" && a.aibotRemember(&m) {
			go a.aibotPolite(context.WithoutCancel(ctx), m.MsgID, aibotReplyTextOnly)
		}
		return nil
	}
	if err != nil {
		return badRequest(err.Error())
	}
	a.aibotRemember(&m)
	if a.hasApp() {
		// A sender salesbot has never seen is registered under this name.
		ev.Sender.Name = a.userName(ctx, ev.Sender.ID)
	}
	if _, err := w.sink.Deliver(ctx, ev); err != nil {
		if errors.Is(err, bot.ErrUnknownTenant) {
			a.log.WarnContext(ctx, "wecom AI bot event from an unknown tenant dropped", "corp_id", ev.TenantKey)
			return nil
		}
		return err // 503: WeCom retries
	}
	return nil
}

// aibotRemember keeps a message's response_url and sender; false when the
// message is known already (a re-delivery).
func (a *Adapter) aibotRemember(m *aibotMessage) bool {
	return a.aibot.put(m.MsgID, &aibotReply{url: m.ResponseURL, user: m.From.UserID, at: a.now()}, a.now())
}

// Short answers the AI bot gives outside the outbox.
const (
	aibotReplyTextOnly  = "暂时只能读懂文字消息,请用文字告诉我。"
	aibotReplyNotStored = "抱歉,这条消息我暂时没能记下,请稍后再发一次。"
)

// aibotPolite answers a message with a short text: one the bot cannot read
// (image, voice, file…), or one it could not take.
func (a *Adapter) aibotPolite(ctx context.Context, msgID, text string) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := a.Send(ctx, bot.Outgoing{Platform: bot.WeCom, ReplyTo: msgID, Text: text}); err != nil {
		a.log.WarnContext(ctx, "wecom AI bot polite answer failed", "msgid", msgID, "err", err)
	}
}

// leadingMention is the @bot a group message starts with (WeCom separates
// it with a space or U+2005).
var leadingMention = regexp.MustCompile(`^\s*@[^\s\x{2005}]+[\s\x{2005}]*`)

// aibotEvent normalises an AI bot message: text and mixed messages are
// read, others are errIgnored. Both modes use it, so a message has the same
// chat id and dedupe key (msgid) however it arrives.
func (a *Adapter) aibotEvent(m *aibotMessage) (bot.Event, error) {
	text, ok := m.text()
	if !ok {
		return bot.Event{}, errIgnored
	}
	if m.MsgID == "" || m.From.UserID == "" {
		return bot.Event{}, errors.New("AI bot message without msgid or from.userid")
	}
	if len(text) > maxContent {
		return bot.Event{}, fmt.Errorf("text message of %d bytes", len(text))
	}
	at := a.now()
	if m.CreateTime > 0 {
		at = time.Unix(m.CreateTime, 0)
	}
	ev := bot.Event{ID: m.MsgID, Kind: bot.KindMessage, Platform: bot.WeCom, TenantKey: a.cfg.CorpID,
		Sender: bot.User{ID: m.From.UserID}, MessageID: m.MsgID, At: at}
	switch m.ChatType {
	case "group":
		if m.ChatID == "" {
			return bot.Event{}, errors.New("AI bot group message without chatid")
		}
		ev.Chat = bot.Chat{ID: AIBotChatPrefix + m.ChatID, Type: bot.GroupChat}
		text = leadingMention.ReplaceAllString(text, "")
	case "single", "":
		ev.Chat = bot.Chat{ID: m.From.UserID, Type: bot.DirectChat}
	default:
		return bot.Event{}, errIgnored
	}
	ev.Text = strings.TrimSpace(text)
	return ev, nil
}

// aibotSend answers an AI bot message. handled is false when out is not an
// answer to one (the app sends it as usual).
func (a *Adapter) aibotSend(ctx context.Context, out bot.Outgoing) (id string, handled bool, err error) {
	if a.aibotWSEnabled() {
		return a.aibotWSSend(ctx, out)
	}
	if out.UpdateMessageID != "" {
		return "", false, nil // only the app's cards are updated
	}
	group := strings.HasPrefix(out.To.ChatID, AIBotChatPrefix)
	if out.ReplyTo == "" && !group {
		return "", false, nil
	}
	rep, ok := a.aibot.get(out.ReplyTo)
	if !ok {
		if !group {
			return "", false, nil // an answer to an app message
		}
		// Webhook mode cannot post to a group unprompted.
		a.log.ErrorContext(ctx, "wecom send failed permanently: no response_url for an AI bot group (message unknown, expired or forgotten after a restart)",
			"chat", out.To.ChatID, "reply_to", out.ReplyTo)
		return "", true, bot.Permanent("aibot_no_response_url", "no response_url for this AI bot group")
	}
	fallback := func() (string, bool, error) {
		o := out
		o.To, o.ReplyTo = bot.Target{UserID: rep.user}, ""
		id, err := a.Send(ctx, o)
		return id, true, err
	}
	md := out.Text
	var taskID string
	var card *TemplateCard
	if out.Card != nil {
		md = groupMarkdown(out.Card, out.Text, aibotActNote)
		if len(out.Card.Actions) > 0 {
			taskID = taskIDFor(out.Key)
			card = renderCard(out.Card, out.Text, taskID).card
		}
	}
	if strings.TrimSpace(md) == "" {
		return "", true, bot.Permanent("bad_message", "outgoing message has neither text nor card")
	}
	parts := splitBytes(md, aibotMaxMarkdown)
	if posted := rep.usedBy != "" && rep.usedBy == out.Key; !posted {
		if rep.gone || a.now().Sub(rep.at) > aibotReplyTTL {
			return fallback()
		}
		if err := a.postResponse(ctx, rep.url, parts[0]); err != nil {
			var se *bot.SendError
			var ru *refusedURL
			if !errors.As(err, &ru) && !(errors.As(err, &se) && se.Permanent) {
				if c := classify(err); !c.Permanent {
					return "", true, c // transport trouble or 5xx: the url may still work
				}
			}
			a.log.InfoContext(ctx, "wecom AI bot response_url refused, answering through the app", "msgid", out.ReplyTo, "err", err)
			a.aibot.update(out.ReplyTo, func(r *aibotReply) { r.gone = true })
			return fallback()
		}
		a.aibot.update(out.ReplyTo, func(r *aibotReply) { r.gone, r.usedBy = true, out.Key })
	}
	// The rest goes to the member through the app, whose markdown is
	// shorter — all of it again when the outbox retries: WeCom's duplicate
	// check drops the parts that arrived the first time.
	for _, p := range splitBytes(strings.Join(parts[1:], "\n"), maxTextBytes) {
		if _, err := a.call(ctx, "message/send", a.message(rep.user, "markdown", map[string]string{"content": p})); err != nil {
			return "", true, a.failed(ctx, err, bot.Outgoing{To: bot.Target{UserID: rep.user}})
		}
	}
	if card == nil {
		return out.ReplyTo, true, nil
	}
	// The buttons go to the member through the app; a click arrives at the
	// app's callback and names this task_id.
	if err := a.sendCard(ctx, rep.user, rendered{card: card}, taskID); err != nil {
		return "", true, err
	}
	return taskID, true, nil
}

// refusedURL is a response_url the adapter will not call.
type refusedURL struct{ url string }

func (e *refusedURL) Error() string { return "response_url not on the WeCom API host: " + e.url }

// postResponse POSTs a markdown reply to a response_url, which must be on
// the API host the adapter talks to (it came from a signed callback, but
// the adapter still posts nowhere else).
func (a *Adapter) postResponse(ctx context.Context, rawURL, md string) error {
	u, err := url.Parse(rawURL)
	base, _ := url.Parse(a.cfg.BaseURL)
	if err != nil {
		return &refusedURL{"(unparsable)"}
	}
	if base == nil || u.Scheme != base.Scheme || u.Host != base.Host {
		return &refusedURL{redactURL(u)} // logged: without its response_code
	}
	payload, _ := json.Marshal(map[string]any{"msgtype": "markdown", "markdown": map[string]string{"content": md}})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(payload))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	var ans sendAnswer
	if err := a.do(req, &ans); err != nil {
		return err
	}
	if ans.ErrCode != 0 {
		// Whatever WeCom says (used, expired), this url is done.
		return bot.Permanent(fmt.Sprint(ans.ErrCode), ans.ErrMsg)
	}
	return nil
}
