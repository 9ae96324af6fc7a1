package wecomtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/salesbot/salesbot/bot/bottest"
)

// Errcodes of the AI bot's long connection, as third-party code reports
// them (PLATFORMS.md §2.6: UNCONFIRMED).
const (
	AIBotWSCodeAuth     = 853000 // invalid bot_id or secret
	AIBotWSCodeBadReqID = 846605 // req_id unknown, used, or of the wrong kind
	AIBotWSCodeExpired  = 846608 // too late to answer (a card update after 5 s)
)

// AIBotCommand is one command the bot sent over the long connection.
type AIBotCommand struct {
	Cmd   string
	ReqID string
	// Body is the command's body as JSON objects; Raw the whole frame.
	Body map[string]any
	Raw  string
	// ErrCode is what the emulator acked (0: accepted).
	ErrCode int
}

// MsgType returns body.msgtype ("" when absent).
func (c AIBotCommand) MsgType() string { s, _ := c.Body["msgtype"].(string); return s }

// Content returns the markdown of a command: markdown.content or
// stream.content.
func (c AIBotCommand) Content() string {
	for _, k := range []string{"markdown", "stream", "text"} {
		if m, ok := c.Body[k].(map[string]any); ok {
			if s, ok := m["content"].(string); ok {
				return s
			}
		}
	}
	return ""
}

// Card returns body.template_card (nil when absent).
func (c AIBotCommand) Card() map[string]any {
	m, _ := c.Body["template_card"].(map[string]any)
	return m
}

// AIBotWS is WeCom's long-connection endpoint for one AI bot on loopback:
// it checks aibot_subscribe, acks pings, pushes callbacks the test asks
// for, and acks and records the bot's commands with WeCom's rules — an
// answer needs a message's req_id, a card update a press's req_id within
// 5 s, a welcome an enter_chat's. A newer connection replaces the older one
// with disconnected_event, as WeCom does.
type AIBotWS struct {
	srv   *httptest.Server
	botID string

	mu          sync.Mutex
	secret      string
	conn        *aibotWSConn // the subscribed connection
	subscribed  int          // successful subscriptions
	refused     int          // refused subscriptions
	commands    []AIBotCommand
	reqs        map[string]*aibotReq // callback req_id → what it may answer
	tasks       map[string]bool      // task_ids of the cards sent
	closes      int                  // close frames received
	ignorePings bool
	faults      map[string][]int // cmd → errcodes to ack next
	next        int
}

type aibotReq struct {
	kind     string // "msg", "enter_chat", "template_card_event", "event"
	at       time.Time
	used     bool
	streamID string // the stream a msg req_id answered with
}

type aibotWSConn struct {
	ws  *websocket.Conn
	wmu sync.Mutex
}

func (c *aibotWSConn) send(v any) error {
	b, _ := json.Marshal(v)
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.ws.WriteMessage(websocket.TextMessage, b)
}

func (c *aibotWSConn) sendRaw(s string) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.ws.WriteMessage(websocket.TextMessage, []byte(s))
}

// NewAIBotWS starts the endpoint for the bot with botID and secret; it
// stops with the test.
func NewAIBotWS(t testing.TB, botID, secret string) *AIBotWS {
	e := &AIBotWS{botID: botID, secret: secret, reqs: map[string]*aibotReq{}, tasks: map[string]bool{},
		faults: map[string][]int{}}
	e.srv = httptest.NewServer(http.HandlerFunc(e.serve))
	t.Cleanup(func() {
		e.Drop()
		e.srv.Close()
	})
	return e
}

// URL is the endpoint's ws:// URL (wecom.aibot.ws_url).
func (e *AIBotWS) URL() string { return "ws" + strings.TrimPrefix(e.srv.URL, "http") }

// SetSecret changes the secret the endpoint accepts.
func (e *AIBotWS) SetSecret(s string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.secret = s
}

// IgnorePings stops (or resumes) acking pings, as a dead link would.
func (e *AIBotWS) IgnorePings(ignore bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.ignorePings = ignore
}

// FailNext makes the next command cmd acked with errcode.
func (e *AIBotWS) FailNext(cmd string, errcode int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.faults[cmd] = append(e.faults[cmd], errcode)
}

// Subscriptions returns how many subscriptions were accepted and refused.
func (e *AIBotWS) Subscriptions() (accepted, refused int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.subscribed, e.refused
}

// CloseFrames returns how many connections the bot closed with a close
// frame (a clean shutdown).
func (e *AIBotWS) CloseFrames() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.closes
}

// Connected reports whether a subscribed connection is open.
func (e *AIBotWS) Connected() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.conn != nil
}

// WaitSubscribed waits until n subscriptions have been accepted in all and
// one is open.
func (e *AIBotWS) WaitSubscribed(t testing.TB, n int, timeout time.Duration) {
	t.Helper()
	waitUntil(t, timeout, fmt.Sprintf("subscription %d", n), func() bool {
		ok, _ := e.Subscriptions()
		return ok >= n && e.Connected()
	})
}

// WaitRefused waits until n subscriptions have been refused.
func (e *AIBotWS) WaitRefused(t testing.TB, n int, timeout time.Duration) {
	t.Helper()
	waitUntil(t, timeout, fmt.Sprintf("refused subscription %d", n), func() bool {
		_, bad := e.Subscriptions()
		return bad >= n
	})
}

func waitUntil(t testing.TB, timeout time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Commands returns the commands received so far (pings and subscriptions
// excepted).
func (e *AIBotWS) Commands() []AIBotCommand {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]AIBotCommand(nil), e.commands...)
}

// WaitFor polls the commands until ok holds or the timeout fails the test.
func (e *AIBotWS) WaitFor(t testing.TB, timeout time.Duration, what string, ok func([]AIBotCommand) bool) []AIBotCommand {
	t.Helper()
	return bottest.Await(t, timeout, what, e.Commands, ok)
}

// Accepted returns the accepted commands named cmd.
func Accepted(cs []AIBotCommand, cmd string) []AIBotCommand {
	var out []AIBotCommand
	for _, c := range cs {
		if c.Cmd == cmd && c.ErrCode == 0 {
			out = append(out, c)
		}
	}
	return out
}

// SendGroupText pushes user's text message in the group chatID (as typed,
// e.g. "@销售助手 …"); msgID "" gets a fresh one. It returns the msgid and
// the callback's req_id.
func (e *AIBotWS) SendGroupText(t testing.TB, chatID, user, text, msgID string) (string, string) {
	t.Helper()
	return e.text(t, "group", chatID, user, text, msgID)
}

// SendSingleText pushes user's message in their single chat with the bot.
func (e *AIBotWS) SendSingleText(t testing.TB, user, text, msgID string) (string, string) {
	t.Helper()
	return e.text(t, "single", "", user, text, msgID)
}

func (e *AIBotWS) text(t testing.TB, chatType, chatID, user, text, msgID string) (string, string) {
	t.Helper()
	if msgID == "" {
		msgID = NewAIBotMsgID()
	}
	body := map[string]any{"msgid": msgID, "aibotid": e.botID, "chattype": chatType,
		"from": map[string]string{"userid": user}, "msgtype": "text", "text": map[string]string{"content": text}}
	if chatID != "" {
		body["chatid"] = chatID
	}
	return msgID, e.PushMessage(t, body)
}

// PushMessage pushes an aibot_msg_callback with body as is; it returns the
// req_id.
func (e *AIBotWS) PushMessage(t testing.TB, body map[string]any) string {
	t.Helper()
	return e.push(t, "aibot_msg_callback", "msg", body)
}

// ClickCard pushes a template_card_event: user pressed the button key on
// the card taskID, in the group chatID ("" for the single chat). It
// returns the req_id.
func (e *AIBotWS) ClickCard(t testing.TB, chatID, user, taskID, key string) string {
	t.Helper()
	body := e.event(chatID, user, map[string]any{"eventtype": "template_card_event",
		"template_card_event": map[string]any{"card_type": "button_interaction", "event_key": key, "task_id": taskID}})
	return e.push(t, "aibot_event_callback", "template_card_event", body)
}

// EnterChat pushes enter_chat: user opened their single chat with the bot.
func (e *AIBotWS) EnterChat(t testing.TB, user string) string {
	t.Helper()
	return e.push(t, "aibot_event_callback", "enter_chat", e.event("", user, map[string]any{"eventtype": "enter_chat"}))
}

func (e *AIBotWS) event(chatID, user string, ev map[string]any) map[string]any {
	body := map[string]any{"msgid": NewAIBotMsgID(), "create_time": time.Now().Unix(), "aibotid": e.botID,
		"chattype": "single", "from": map[string]string{"userid": user}, "msgtype": "event", "event": ev}
	if chatID != "" {
		body["chattype"], body["chatid"] = "group", chatID
	}
	return body
}

func (e *AIBotWS) push(t testing.TB, cmd, kind string, body map[string]any) string {
	t.Helper()
	e.mu.Lock()
	c := e.conn
	e.next++
	reqID := fmt.Sprintf("%s_srv%06d", cmd, e.next)
	e.reqs[reqID] = &aibotReq{kind: kind, at: time.Now()}
	e.mu.Unlock()
	if c == nil {
		t.Fatalf("push %s: no subscribed connection", cmd)
	}
	if err := c.send(map[string]any{"cmd": cmd, "headers": map[string]string{"req_id": reqID}, "body": body}); err != nil {
		t.Fatalf("push %s: %v", cmd, err)
	}
	return reqID
}

// SendRaw writes a frame as is to the subscribed connection.
func (e *AIBotWS) SendRaw(t testing.TB, frame string) {
	t.Helper()
	e.mu.Lock()
	c := e.conn
	e.mu.Unlock()
	if c == nil {
		t.Fatal("SendRaw: no subscribed connection")
	}
	if err := c.sendRaw(frame); err != nil {
		t.Fatal(err)
	}
}

// Drop closes the subscribed connection abruptly (no close frame), as a
// network failure would.
func (e *AIBotWS) Drop() {
	e.mu.Lock()
	c := e.conn
	e.conn = nil
	e.mu.Unlock()
	if c != nil {
		_ = c.ws.Close()
	}
}

// Kick sends disconnected_event to the subscribed connection and closes
// it, as WeCom does when another connection subscribes with the same bot.
func (e *AIBotWS) Kick() {
	e.mu.Lock()
	c := e.conn
	e.conn = nil
	e.mu.Unlock()
	if c != nil {
		e.kick(c)
	}
}

func (e *AIBotWS) kick(c *aibotWSConn) {
	e.mu.Lock()
	e.next++
	reqID := fmt.Sprintf("aibot_event_callback_srv%06d", e.next)
	e.mu.Unlock()
	_ = c.send(map[string]any{"cmd": "aibot_event_callback", "headers": map[string]string{"req_id": reqID},
		"body": map[string]any{"msgid": NewAIBotMsgID(), "create_time": time.Now().Unix(), "aibotid": e.botID,
			"msgtype": "event", "event": map[string]any{"eventtype": "disconnected_event"}}})
	c.wmu.Lock()
	_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "replaced"),
		time.Now().Add(time.Second))
	c.wmu.Unlock()
	_ = c.ws.Close()
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

type inFrame struct {
	Cmd     string `json:"cmd"`
	Headers struct {
		ReqID string `json:"req_id"`
	} `json:"headers"`
	Body json.RawMessage `json:"body"`
}

func (e *AIBotWS) serve(w http.ResponseWriter, r *http.Request) {
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &aibotWSConn{ws: ws}
	defer func() {
		e.mu.Lock()
		if e.conn == c {
			e.conn = nil
		}
		e.mu.Unlock()
		_ = ws.Close()
	}()
	subscribed := false
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			if websocket.IsCloseError(err, websocket.CloseNormalClosure) {
				e.mu.Lock()
				e.closes++
				e.mu.Unlock()
			}
			return
		}
		var f inFrame
		if err := json.Unmarshal(data, &f); err != nil || f.Headers.ReqID == "" {
			_ = c.send(ack("", 40058, "invalid frame"))
			continue
		}
		if !subscribed {
			if f.Cmd != "aibot_subscribe" || !e.subscribe(c, f) {
				return
			}
			subscribed = true
			continue
		}
		if f.Cmd == "ping" {
			e.mu.Lock()
			ignore := e.ignorePings
			e.mu.Unlock()
			if !ignore {
				_ = c.send(ack(f.Headers.ReqID, 0, "ok"))
			}
			continue
		}
		code, msg := e.command(f, string(data))
		_ = c.send(ack(f.Headers.ReqID, code, msg))
	}
}

func ack(reqID string, code int, msg string) map[string]any {
	return map[string]any{"headers": map[string]string{"req_id": reqID}, "errcode": code, "errmsg": msg}
}

// subscribe checks the credentials: wrong ones are acked 853000 and the
// connection closed. A connection already subscribed is replaced.
func (e *AIBotWS) subscribe(c *aibotWSConn, f inFrame) bool {
	var b struct {
		BotID  string `json:"bot_id"`
		Secret string `json:"secret"`
	}
	_ = json.Unmarshal(f.Body, &b)
	e.mu.Lock()
	if b.BotID != e.botID || b.Secret != e.secret {
		e.refused++
		e.mu.Unlock()
		_ = c.send(ack(f.Headers.ReqID, AIBotWSCodeAuth, "invalid bot_id or secret"))
		return false
	}
	old := e.conn
	e.conn = c
	e.subscribed++
	e.mu.Unlock()
	if old != nil {
		e.kick(old)
	}
	_ = c.send(ack(f.Headers.ReqID, 0, "ok"))
	return true
}

// command checks and records one of the bot's commands and returns the
// ack's errcode and errmsg.
func (e *AIBotWS) command(f inFrame, raw string) (int, string) {
	var body map[string]any
	_ = json.Unmarshal(f.Body, &body)
	e.mu.Lock()
	defer e.mu.Unlock()
	code, msg := e.check(f, body)
	e.commands = append(e.commands, AIBotCommand{Cmd: f.Cmd, ReqID: f.Headers.ReqID, Body: body, Raw: raw, ErrCode: code})
	return code, msg
}

func (e *AIBotWS) check(f inFrame, body map[string]any) (int, string) {
	if fs := e.faults[f.Cmd]; len(fs) > 0 {
		e.faults[f.Cmd] = fs[1:]
		return fs[0], "injected"
	}
	req := e.reqs[f.Headers.ReqID]
	switch f.Cmd {
	case "aibot_respond_msg":
		if req == nil || req.kind != "msg" {
			return AIBotWSCodeBadReqID, "invalid req_id"
		}
		// One answer per message; a finished stream may be sent again
		// with the same id (a retry refreshes it).
		stream, _ := body["stream"].(map[string]any)
		sid, _ := stream["id"].(string)
		if req.used && (sid == "" || sid != req.streamID) {
			return AIBotWSCodeBadReqID, "req_id already answered"
		}
		if code, msg := e.checkCard(body, false); code != 0 {
			return code, msg
		}
		switch body["msgtype"] {
		case "stream", "stream_with_template_card":
			if c, _ := stream["content"].(string); c == "" || len(c) > 20480 {
				return 40058, "invalid stream content"
			}
		case "template_card":
		default:
			return 40008, "invalid msgtype"
		}
		req.used, req.streamID = true, sid
	case "aibot_respond_welcome_msg":
		if req == nil || req.kind != "enter_chat" || req.used {
			return AIBotWSCodeBadReqID, "invalid req_id"
		}
		if time.Since(req.at) > 5*time.Second {
			return AIBotWSCodeExpired, "too late"
		}
		req.used = true
	case "aibot_respond_update_msg":
		if req == nil || req.kind != "template_card_event" || req.used {
			return AIBotWSCodeBadReqID, "invalid req_id"
		}
		if time.Since(req.at) > 5*time.Second {
			return AIBotWSCodeExpired, "too late"
		}
		if body["response_type"] != "update_template_card" {
			return 40058, "response_type must be update_template_card"
		}
		if code, msg := e.checkCard(body, true); code != 0 {
			return code, msg
		}
		req.used = true
	case "aibot_send_msg":
		if s, _ := body["chatid"].(string); s == "" {
			return 40058, "chatid missing"
		}
		switch body["msgtype"] {
		case "markdown":
			md, _ := body["markdown"].(map[string]any)
			if c, _ := md["content"].(string); c == "" {
				return 44004, "empty content"
			}
		case "template_card":
			if code, msg := e.checkCard(body, false); code != 0 {
				return code, msg
			}
		default:
			return 40008, "invalid msgtype"
		}
	default:
		return 40008, "unknown cmd"
	}
	return 0, "ok"
}

// checkCard checks body.template_card, if any: its type's required fields,
// and task_ids unique for the bot (updates excepted).
func (e *AIBotWS) checkCard(body map[string]any, update bool) (int, string) {
	tc, ok := body["template_card"].(map[string]any)
	if !ok {
		if update || body["msgtype"] == "template_card" || body["msgtype"] == "stream_with_template_card" {
			return 40058, "template_card missing"
		}
		return 0, ""
	}
	task, _ := tc["task_id"].(string)
	title, _ := tc["main_title"].(map[string]any)
	switch tc["card_type"] {
	case "button_interaction":
		buttons, _ := tc["button_list"].([]any)
		if title["title"] == nil || len(buttons) == 0 || len(buttons) > 6 || (!update && task == "") {
			return 40058, "invalid button_interaction card"
		}
	case "text_notice":
		action, _ := tc["card_action"].(map[string]any)
		if t, _ := action["type"].(float64); t != 1 && t != 2 {
			return 40058, "text_notice needs card_action"
		}
	default:
		return 40058, fmt.Sprintf("card_type %v not supported here", tc["card_type"])
	}
	if !update && task != "" {
		if e.tasks[task] {
			return 40058, "task_id already used"
		}
		e.tasks[task] = true
	}
	return 0, ""
}
