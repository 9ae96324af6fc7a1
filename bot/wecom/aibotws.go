package wecom

// The 智能机器人 (AI bot) in long-connection mode (PLATFORMS.md §2.6): the
// adapter dials WeCom (no public URL, no encryption), authenticates with
// aibot_subscribe {bot_id, secret}, pings every 30 s and reads callbacks.
// There is no Go SDK; the frames follow the official Node SDK
// (WecomTeam/aibot-node-sdk: ws.ts, client.ts, types/api.ts):
//
//   - every frame is JSON {cmd, headers:{req_id}, body}; every command is
//     acked {headers:{req_id}, errcode, errmsg};
//   - aibot_msg_callback carries a message (the webhook mode's body, read
//     by aibotEvent: same chat ids, same dedupe key msgid);
//     aibot_event_callback an event: enter_chat (answered with a welcome),
//     template_card_event (a button press), disconnected_event (a newer
//     connection with the same bot_id replaced this one);
//   - an answer to a message is aibot_respond_msg with the callback's
//     req_id: a finished stream (markdown), a template_card, or both
//     (stream_with_template_card). Unlike webhook mode, button cards show
//     in the group itself;
//   - anything else — progress cards to a team group, notices, answers
//     whose req_id WeCom refuses — is aibot_send_msg {chatid}: the group's
//     chatid, or a member's userid for their single chat with the bot.
//     Messages to members go through the self-built app when there is
//     one (aibotws_send.go), through the AI bot when there is none;
//   - a card's new version after a press is aibot_respond_update_msg with
//     the press's req_id, accepted within 5 s. The outbox sends it (the
//     kernel enqueues it as for the app): when it is too late, the new
//     version goes as a new card.
//
// A press's toast (Result.Toast without a new card: "not allowed", a
// stale button, a failure) goes to the presser alone, in their single chat
// with the bot: it would be noise in the group.
//
// Callbacks are handled one at a time in the order they arrive (a
// member's two quick messages stay in order), off the read loop, which
// keeps reading the acks their answers wait for.
//
// After disconnected_event the adapter does not reconnect until salesbot
// restarts, as the official SDK: WeCom keeps one connection per bot, so two
// processes reconnecting would take it from each other forever. Only one
// replica may run the long connection.
//
// req_ids, the chat of each card and pending presses live in memory only
// (bounded): after a restart an answer goes out with aibot_send_msg.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/salesbot/salesbot/bot"
)

// DefaultAIBotWSURL is WeCom's long-connection endpoint for AI bots.
const DefaultAIBotWSURL = "wss://openws.work.weixin.qq.com"

// The long connection's commands (the Node SDK's WsCmd).
const (
	cmdSubscribe      = "aibot_subscribe"
	cmdPing           = "ping"
	cmdRespond        = "aibot_respond_msg"
	cmdRespondWelcome = "aibot_respond_welcome_msg"
	cmdRespondUpdate  = "aibot_respond_update_msg"
	cmdSendMsg        = "aibot_send_msg"
	cmdMsgCallback    = "aibot_msg_callback"
	cmdEventCallback  = "aibot_event_callback"
)

// Errcodes of the long connection. They come from third-party code, not
// from WeCom's published docs (PLATFORMS.md §2.6: UNCONFIRMED).
const (
	codeAIBotAuth     = 853000 // invalid bot_id or secret
	codeAIBotBadReqID = 846605 // req_id unknown, used, or of the wrong kind
	codeAIBotExpired  = 846608 // the message can no longer be answered
)

const (
	aibotPing         = 30 * time.Second
	aibotMissedPings  = 2 // unanswered pings before the link is dead
	aibotAckTimeout   = 5 * time.Second
	aibotBackoffMin   = time.Second
	aibotBackoffMax   = 30 * time.Second
	aibotDialTimeout  = 10 * time.Second
	aibotWriteTimeout = 10 * time.Second
	aibotReadLimit    = 1 << 20
	// aibotUpdateWindow is how long after a press its card may be updated
	// (WeCom: 5 s), with a margin for the way there.
	aibotUpdateWindow = 4500 * time.Millisecond
	// aibotMaxStream is the most a stream reply carries (20480 bytes).
	aibotMaxStream = 20480
	// aibotCardLink is where a card without buttons leads when clicked:
	// WeCom requires a link on a text_notice card.
	aibotCardLink = "https://work.weixin.qq.com/"
	// aibotPressNotStored tells a presser whose press was not taken.
	aibotPressNotStored = "抱歉,刚才的操作没能完成,请稍后再点一次。"
	aibotWelcome        = "你好,我是销售助手。直接告诉我今天的拜访和进展(例如“今天拜访了星河科技张总,报价50万”),我来记录;发送“帮助”看看我还能做什么。"
)

// wsFrame is a frame of the long connection: a command or callback
// {cmd, headers, body}, or an ack {headers, errcode, errmsg}.
type wsFrame struct {
	Cmd     string          `json:"cmd,omitempty"`
	Headers wsHeaders       `json:"headers"`
	Body    json.RawMessage `json:"body,omitempty"`
	ErrCode *int            `json:"errcode,omitempty"`
	ErrMsg  string          `json:"errmsg,omitempty"`
}

type wsHeaders struct {
	ReqID string `json:"req_id"`
}

// wsCommand is a frame the adapter sends.
type wsCommand struct {
	Cmd     string    `json:"cmd"`
	Headers wsHeaders `json:"headers"`
	Body    any       `json:"body,omitempty"`
}

// aibotEventBody is an event callback's event. The docs nest a press's
// fields in template_card_event; the Node SDK's types put them on the event
// itself: both are read.
type aibotEventBody struct {
	EventType         string `json:"eventtype"`
	TemplateCardEvent *struct {
		CardType string `json:"card_type"`
		EventKey string `json:"event_key"`
		TaskID   string `json:"task_id"`
	} `json:"template_card_event,omitempty"`
	EventKey string `json:"event_key"`
	TaskID   string `json:"task_id"`
}

// press returns the pressed button's key and the card's task_id.
func (e *aibotEventBody) press() (key, taskID string) {
	if t := e.TemplateCardEvent; t != nil && t.EventKey != "" {
		return t.EventKey, t.TaskID
	}
	return e.EventKey, e.TaskID
}

// aibotAckError is a command WeCom acked with a non-zero errcode.
type aibotAckError struct {
	cmd  string
	code int
	msg  string
}

func (e *aibotAckError) Error() string {
	return fmt.Sprintf("%s: errcode %d: %s", e.cmd, e.code, e.msg)
}

var (
	errAIBotDown       = errors.New("the AI bot's long connection is down")
	errAIBotAckTimeout = errors.New("no ack from WeCom within the timeout")
	errAIBotDeadLink   = errors.New("pings unanswered: the link is dead")
)

// aibotWSEnabled reports whether the AI bot runs over the long connection.
func (a *Adapter) aibotWSEnabled() bool {
	return a.cfg.AIBotID != "" && a.cfg.AIBotSecret != ""
}

// hasApp reports whether the self-built app is configured; without it
// the AI bot reaches members in their single chats with it.
func (a *Adapter) hasApp() bool { return a.cfg.Secret != "" }

func durationOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// Run holds the AI bot's long connection until ctx ends (bot.Runner),
// reconnecting with a back-off of AIBotBackoffMin doubling to
// AIBotBackoffMax, with jitter; refused credentials wait the longest. When
// the AI bot is not in websocket mode it returns at once.
func (a *Adapter) Run(ctx context.Context, sink bot.Sink) error {
	if !a.aibotWSEnabled() {
		return nil
	}
	minWait, maxWait := durationOr(a.cfg.AIBotBackoffMin, aibotBackoffMin), durationOr(a.cfg.AIBotBackoffMax, aibotBackoffMax)
	var callbacks sync.WaitGroup
	defer callbacks.Wait()
	wait := minWait
	for {
		subscribed, kicked, err := a.aibotSession(ctx, sink, &callbacks)
		if ctx.Err() != nil {
			a.log.Info("wecom AI bot long connection closed")
			return nil
		}
		if kicked {
			a.log.Error("wecom AI bot long connection replaced by a newer connection with the same bot_id; " +
				"not reconnecting until salesbot restarts (is another salesbot running with this bot?)")
			<-ctx.Done()
			return nil
		}
		var ae *aibotAckError
		switch {
		case errors.As(err, &ae) && ae.cmd == cmdSubscribe:
			a.log.Error("wecom AI bot subscription refused: check wecom.aibot.bot_id and wecom.aibot.secret",
				"errcode", ae.code, "errmsg", ae.msg)
			wait = maxWait // the same credentials will not work sooner
		case subscribed:
			wait = minWait // it worked for a while: start over
		}
		d := wait/2 + rand.N(wait/2+1)
		a.log.Warn("wecom AI bot long connection lost, reconnecting", "err", err, "in", d)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(d):
		}
		wait = min(2*wait, maxWait)
	}
}

// aibotSession dials, subscribes and serves one connection until it ends.
// subscribed says whether WeCom accepted the subscription; kicked that a
// newer connection replaced this one.
func (a *Adapter) aibotSession(ctx context.Context, sink bot.Sink, callbacks *sync.WaitGroup) (subscribed, kicked bool, err error) {
	url := firstNonEmpty(a.cfg.AIBotWSURL, DefaultAIBotWSURL)
	dialer := websocket.Dialer{HandshakeTimeout: aibotDialTimeout, Proxy: http.ProxyFromEnvironment}
	dctx, cancel := context.WithTimeout(ctx, aibotDialTimeout)
	ws, resp, err := dialer.DialContext(dctx, url, nil)
	cancel()
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		return false, false, fmt.Errorf("dial %s: %w", url, err)
	}
	ws.SetReadLimit(aibotReadLimit)
	c := &aibotConn{ws: ws, pending: map[string]chan wsFrame{}, busy: map[string]chan struct{}{}, closed: make(chan struct{})}
	// Callbacks are handled one at a time, in the order they arrive, off
	// the read loop (which must keep reading the acks they wait for).
	queue := make(chan wsFrame, 64)
	callbacks.Go(func() {
		for f := range queue {
			a.aibotCallback(context.WithoutCancel(ctx), c, sink, f)
		}
	})
	go func() {
		a.aibotRead(c, func(f wsFrame) { queue <- f })
		close(queue)
	}()

	_, err = c.command(ctx, cmdSubscribe, newReqID(cmdSubscribe),
		map[string]string{"bot_id": a.cfg.AIBotID, "secret": a.cfg.AIBotSecret}, a.ackTimeout())
	if err != nil {
		c.shutdown()
		return false, false, err
	}
	a.ws.set(c)
	defer a.ws.clear(c)
	a.log.Info("wecom AI bot long connection ready", "url", url)

	ping := time.NewTicker(durationOr(a.cfg.AIBotPing, aibotPing))
	defer ping.Stop()
	for {
		select {
		case <-ctx.Done():
			c.shutdown()
			return true, false, nil
		case <-c.closed:
			return true, c.kicked.Load(), c.readErr
		case <-ping.C:
			if c.missed.Load() >= aibotMissedPings {
				c.shutdown()
				return true, false, errAIBotDeadLink
			}
			c.missed.Add(1)
			if err := c.write(wsCommand{Cmd: cmdPing, Headers: wsHeaders{newReqID(cmdPing)}}); err != nil {
				_ = c.ws.Close() // the read loop ends and says why
			}
		}
	}
}

func (a *Adapter) ackTimeout() time.Duration {
	return durationOr(a.cfg.AIBotAckTimeout, aibotAckTimeout)
}

// newReqID makes a req_id as the Node SDK does: the command, then a unique
// part (ping acks are recognised by the prefix).
func newReqID(cmd string) string { return cmd + "_" + bot.NewID() }

// aibotRead reads frames until the connection ends: acks go to the
// commands waiting for them, callbacks to onCallback, malformed frames to
// the log.
func (a *Adapter) aibotRead(c *aibotConn, onCallback func(wsFrame)) {
	defer close(c.closed)
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			c.readErr = err
			_ = c.ws.Close()
			return
		}
		var f wsFrame
		if err := json.Unmarshal(data, &f); err != nil {
			a.log.Warn("wecom AI bot: malformed frame ignored", "bytes", len(data), "err", err)
			continue
		}
		switch {
		case f.Cmd == cmdEventCallback && eventType(f.Body) == "disconnected_event":
			c.kicked.Store(true)
			c.readErr = errors.New("disconnected_event: a newer connection replaced this one")
			_ = c.write(websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
			_ = c.ws.Close()
			return
		case f.Cmd == cmdMsgCallback || f.Cmd == cmdEventCallback:
			onCallback(f)
		case f.Cmd == "" && strings.HasPrefix(f.Headers.ReqID, cmdPing+"_"):
			if f.ErrCode != nil && *f.ErrCode == 0 {
				c.missed.Store(0)
			}
		default:
			if !c.ack(f) {
				a.log.Warn("wecom AI bot: unexpected frame ignored", "cmd", f.Cmd, "req_id", f.Headers.ReqID)
			}
		}
	}
}

func eventType(body json.RawMessage) string {
	var m struct {
		Event struct {
			EventType string `json:"eventtype"`
		} `json:"event"`
	}
	_ = json.Unmarshal(body, &m)
	return m.Event.EventType
}

// aibotConn is one subscribed (or subscribing) connection.
type aibotConn struct {
	ws      *websocket.Conn
	wmu     sync.Mutex // one writer at a time
	mu      sync.Mutex
	pending map[string]chan wsFrame  // req_id → the command waiting for its ack
	busy    map[string]chan struct{} // req_id → closed when its command is done
	missed  atomic.Int32             // pings not acked
	kicked  atomic.Bool
	closed  chan struct{} // closed when the read loop ends
	readErr error         // why it ended; read after closed
}

// write sends one frame: a wsCommand, or raw bytes of a control frame.
func (c *aibotConn) write(v any) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	deadline := time.Now().Add(aibotWriteTimeout)
	if b, ok := v.([]byte); ok {
		return c.ws.WriteControl(websocket.CloseMessage, b, deadline)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_ = c.ws.SetWriteDeadline(deadline)
	return c.ws.WriteMessage(websocket.TextMessage, b)
}

// command sends cmd and waits for its ack. Acks name only the req_id, and
// answers reuse their callback's, so one command per req_id is in flight at
// a time.
func (c *aibotConn) command(ctx context.Context, cmd, reqID string, body any, timeout time.Duration) (wsFrame, error) {
	ch, err := c.acquire(ctx, reqID)
	if err != nil {
		return wsFrame{}, err
	}
	defer c.release(reqID)
	if err := c.write(wsCommand{Cmd: cmd, Headers: wsHeaders{reqID}, Body: body}); err != nil {
		return wsFrame{}, fmt.Errorf("%s: %w: %v", cmd, errAIBotDown, err)
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	acked := func(f wsFrame) (wsFrame, error) {
		if f.ErrCode != nil && *f.ErrCode != 0 {
			return f, &aibotAckError{cmd: cmd, code: *f.ErrCode, msg: f.ErrMsg}
		}
		return f, nil
	}
	select {
	case f := <-ch:
		return acked(f)
	case <-c.closed:
		select {
		case f := <-ch: // the ack came just before the connection closed
			return acked(f)
		default:
		}
		return wsFrame{}, fmt.Errorf("%s: %w", cmd, errAIBotDown)
	case <-t.C:
		return wsFrame{}, fmt.Errorf("%s: %w", cmd, errAIBotAckTimeout)
	case <-ctx.Done():
		return wsFrame{}, ctx.Err()
	}
}

func (c *aibotConn) acquire(ctx context.Context, reqID string) (chan wsFrame, error) {
	for {
		c.mu.Lock()
		done, busy := c.busy[reqID]
		if !busy {
			ch := make(chan wsFrame, 1)
			c.busy[reqID], c.pending[reqID] = make(chan struct{}), ch
			c.mu.Unlock()
			return ch, nil
		}
		c.mu.Unlock()
		select {
		case <-done:
		case <-c.closed:
			return nil, errAIBotDown
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (c *aibotConn) release(reqID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	close(c.busy[reqID])
	delete(c.busy, reqID)
	delete(c.pending, reqID)
}

// ack hands an ack to the command waiting for it; false when none is.
func (c *aibotConn) ack(f wsFrame) bool {
	c.mu.Lock()
	ch := c.pending[f.Headers.ReqID]
	c.mu.Unlock()
	if ch == nil {
		return false
	}
	select {
	case ch <- f:
	default: // a second ack for the same command
	}
	return true
}

// shutdown closes the connection cleanly: a close frame, a moment for
// WeCom to answer it, then the socket.
func (c *aibotConn) shutdown() {
	_ = c.write(websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
	select {
	case <-c.closed:
	case <-time.After(time.Second):
	}
	_ = c.ws.Close()
	<-c.closed
}

// aibotCallback handles one message or event callback.
func (a *Adapter) aibotCallback(ctx context.Context, c *aibotConn, sink bot.Sink, f wsFrame) {
	var m aibotMessage
	if err := json.Unmarshal(f.Body, &m); err != nil || f.Headers.ReqID == "" {
		a.log.Warn("wecom AI bot: malformed callback ignored", "cmd", f.Cmd, "req_id", f.Headers.ReqID, "err", err)
		return
	}
	if f.Cmd == cmdEventCallback {
		a.aibotOnEvent(ctx, c, sink, f.Headers.ReqID, &m)
		return
	}
	a.aibotOnMessage(ctx, sink, f.Headers.ReqID, &m)
}

// aibotOnMessage delivers a message once per msgid and remembers its
// req_id for the answer.
func (a *Adapter) aibotOnMessage(ctx context.Context, sink bot.Sink, reqID string, m *aibotMessage) {
	if m.MsgID == "" || m.From.UserID == "" {
		a.log.Warn("wecom AI bot: message without msgid or from.userid ignored", "req_id", reqID)
		return
	}
	chat := m.From.UserID
	if m.ChatType == "group" {
		chat = m.ChatID
	}
	now := a.now()
	if !a.aibot.put(m.MsgID, &aibotReply{url: m.ResponseURL, user: m.From.UserID, at: now, reqID: reqID, chat: chat}, now) {
		if rep, _ := a.aibot.get(m.MsgID); rep.delivered {
			a.log.Debug("wecom AI bot: duplicate message dropped", "msgid", m.MsgID)
			return
		}
		a.aibot.update(m.MsgID, func(r *aibotReply) { r.reqID, r.at = reqID, now })
	}
	ev, err := a.aibotEvent(m)
	if errors.Is(err, errIgnored) {
		a.log.Info("wecom AI bot message ignored", "msgtype", m.MsgType, "chattype", m.ChatType, "msgid", m.MsgID)
		a.aibot.update(m.MsgID, func(r *aibotReply) { r.delivered = true })
		if m.ChatType == "group" || m.ChatType == "single" {
			a.aibotPolite(ctx, m.MsgID, aibotReplyTextOnly)
		}
		return
	}
	if err != nil {
		a.log.Warn("wecom AI bot message refused", "msgid", m.MsgID, "err", err)
		return
	}
	if a.hasApp() {
		// A sender salesbot has never seen is registered under this name.
		ev.Sender.Name = a.userName(ctx, ev.Sender.ID)
	}
	if _, err := a.aibotDeliver(ctx, sink, ev); err != nil {
		if errors.Is(err, bot.ErrUnknownTenant) {
			a.log.Warn("wecom AI bot event from an unknown tenant dropped", "corp_id", ev.TenantKey)
			return
		}
		// Not stored: the member is asked to send it again (a re-push of
		// the same msgid is delivered, as it is not marked delivered).
		a.log.Error("wecom AI bot message not delivered; the member is asked to send it again", "msgid", m.MsgID, "err", err)
		a.aibotPolite(ctx, m.MsgID, aibotReplyNotStored)
		return
	}
	a.aibot.update(m.MsgID, func(r *aibotReply) { r.delivered = true })
}

// aibotDeliverTries is how many times a callback is handed to the sink.
// The long connection has no re-delivery (in webhook mode a failed
// Deliver answers 503 and WeCom retries), so a passing failure — a busy
// database — must not lose the message.
const aibotDeliverTries = 3

// aibotDeliver hands ev to the sink, again after a failure, pausing
// AIBotBackoffMin and then twice as long.
func (a *Adapter) aibotDeliver(ctx context.Context, sink bot.Sink, ev bot.Event) (bot.Result, error) {
	pause := durationOr(a.cfg.AIBotBackoffMin, aibotBackoffMin)
	for try := 1; ; try++ {
		res, err := sink.Deliver(ctx, ev)
		if err == nil || errors.Is(err, bot.ErrUnknownTenant) || try == aibotDeliverTries {
			return res, err
		}
		a.log.Warn("wecom AI bot event not stored, trying again", "event_id", ev.ID, "err", err, "in", pause)
		time.Sleep(pause)
		pause *= 2
	}
}

// aibotOnEvent answers enter_chat with a welcome and delivers presses.
func (a *Adapter) aibotOnEvent(ctx context.Context, c *aibotConn, sink bot.Sink, reqID string, m *aibotMessage) {
	if m.Event == nil {
		a.log.Warn("wecom AI bot: event callback without event ignored", "req_id", reqID)
		return
	}
	switch m.Event.EventType {
	case "enter_chat":
		body := map[string]any{"msgtype": "text", "text": map[string]string{"content": aibotWelcome}}
		if _, err := c.command(ctx, cmdRespondWelcome, reqID, body, a.ackTimeout()); err != nil {
			a.log.Warn("wecom AI bot welcome not sent", "user", m.From.UserID, "err", err)
		}
	case "template_card_event":
		a.aibotPress(ctx, sink, reqID, m)
	default:
		a.log.Debug("wecom AI bot event ignored", "eventtype", m.Event.EventType)
	}
}

// aibotPress delivers a button press. The kernel handles it before Deliver
// returns and enqueues the card's new version, which the outbox sends with
// this press's req_id (aibotWSUpdate).
func (a *Adapter) aibotPress(ctx context.Context, sink bot.Sink, reqID string, m *aibotMessage) {
	key, taskID := m.Event.press()
	user := m.From.UserID
	if key == "" || taskID == "" || user == "" {
		a.log.Warn("wecom AI bot: card press without event_key, task_id or userid ignored", "req_id", reqID)
		return
	}
	at := a.now()
	if m.CreateTime > 0 {
		at = time.Unix(m.CreateTime, 0)
	}
	ev := bot.Event{ID: m.MsgID, Kind: bot.KindAction, Platform: bot.WeCom, TenantKey: a.cfg.CorpID,
		Chat: bot.Chat{ID: user, Type: bot.DirectChat}, Sender: bot.User{ID: user},
		MessageID: cardID(taskID), Action: &bot.ActionEvent{ID: key}, At: at}
	if ev.ID == "" {
		ev.ID = "aibot-press:" + reqID
	}
	chat := user
	if m.ChatType == "group" {
		if m.ChatID == "" {
			a.log.Warn("wecom AI bot: group card press without chatid ignored", "req_id", reqID)
			return
		}
		chat = m.ChatID
		ev.Chat = bot.Chat{ID: AIBotChatPrefix + m.ChatID, Type: bot.GroupChat}
	}
	a.ws.notePress(ev.MessageID, chat, aibotClick{reqID: reqID, user: user, taskID: taskID, at: a.now()})
	res, err := a.aibotDeliver(ctx, sink, ev)
	if err != nil {
		if errors.Is(err, bot.ErrUnknownTenant) {
			a.log.Warn("wecom AI bot card press from an unknown tenant dropped", "corp_id", ev.TenantKey)
			return
		}
		a.log.Error("wecom AI bot card press not delivered", "event_id", ev.ID, "err", err)
		res = bot.Result{Toast: aibotPressNotStored}
	}
	if res.Duplicate || res.Card != nil || res.Replied || strings.TrimSpace(res.Toast) == "" {
		return
	}
	// Without a new card the toast is the answer: for the presser only.
	c := a.ws.current()
	if c == nil {
		return
	}
	if _, err := a.aibotPushMarkdown(ctx, c, user, res.Toast); err != nil {
		a.log.Warn("wecom AI bot toast not sent", "user", user, "err", err)
	}
}

// aibotWS is the long connection's state: the current connection, and the
// chat and latest unanswered press of each card the AI bot sent (bounded
// by aibotMaxReplies, oldest dropped first).
type aibotWS struct {
	mu    sync.Mutex
	conn  *aibotConn
	cards map[string]*aibotCard
	order []string
}

type aibotCard struct {
	chat  string // the group's chatid, or the member's userid
	press aibotClick
}

// aibotClick is a press on a card, whose req_id can update it for 5 s.
type aibotClick struct {
	reqID  string
	user   string
	taskID string
	at     time.Time
}

func (w *aibotWS) current() *aibotConn {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.conn
}

func (w *aibotWS) set(c *aibotConn) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.conn = c
}

func (w *aibotWS) clear(c *aibotConn) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.conn == c {
		w.conn = nil
	}
}

// entry returns a card's entry, making it if needed; w.mu is held.
func (w *aibotWS) entry(id string) *aibotCard {
	if w.cards == nil {
		w.cards = map[string]*aibotCard{}
	}
	if c, ok := w.cards[id]; ok {
		return c
	}
	for len(w.order) >= aibotMaxReplies {
		delete(w.cards, w.order[0])
		w.order = w.order[1:]
	}
	c := &aibotCard{}
	w.cards[id] = c
	w.order = append(w.order, id)
	return c
}

func (w *aibotWS) noteCard(id, chat string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.entry(id).chat = chat
}

func (w *aibotWS) notePress(id, chat string, p aibotClick) {
	w.mu.Lock()
	defer w.mu.Unlock()
	e := w.entry(id)
	e.chat, e.press = chat, p
}

func (w *aibotWS) card(id string) (aibotCard, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	c, ok := w.cards[id]
	if !ok {
		return aibotCard{}, false
	}
	return *c, true
}

// takePress returns and forgets a card's latest press (its req_id takes one
// update).
func (w *aibotWS) takePress(id string) aibotClick {
	w.mu.Lock()
	defer w.mu.Unlock()
	c, ok := w.cards[id]
	if !ok {
		return aibotClick{}
	}
	p := c.press
	c.press = aibotClick{}
	return p
}
