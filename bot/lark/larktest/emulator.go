// Package larktest is a local Lark Open API emulator and an event driver
// that signs and encrypts callbacks as Lark does, for tests of bot/lark and
// end-to-end tests of the whole bot.
package larktest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	larkws "github.com/larksuite/oapi-sdk-go/v3/ws"

	"github.com/salesbot/salesbot/bot/bottest"
)

// Message is a message the bot sent (or replied, or a card it updated).
type Message struct {
	ID string
	// ChatID is the chat the message is in ("" for a message to a user not
	// yet in a chat).
	ChatID string
	// ReceiveIDType and ReceiveID are the addressee of a new message.
	ReceiveIDType, ReceiveID string
	// ReplyTo is the message answered (reply API).
	ReplyTo       string
	ReplyInThread bool
	MsgType       string
	// Content is the latest content (PATCH replaces it); Versions has all.
	Content  string
	Versions []string
	UUID     string
}

// Card decodes the message's latest content as a card.
func (m Message) Card() map[string]any {
	var c map[string]any
	_ = json.Unmarshal([]byte(m.Content), &c)
	return c
}

// Fault is an injected answer for the next matching request.
type Fault struct {
	// Op is "send" (create and reply), "patch", "token", "user",
	// "contact" (department and directory listings) or "" for any.
	Op     string
	Status int
	Code   int
	Msg    string
	Header map[string]string
	// Delay holds the answer back (for timeouts).
	Delay time.Duration
}

// User is a person in the emulated contact directory.
type User struct {
	OpenID        string   `json:"open_id"`
	Name          string   `json:"name"`
	DepartmentIDs []string `json:"department_ids"`
}

// Emulator is a Lark Open API on loopback. It is safe for concurrent use.
type Emulator struct {
	AppID, AppSecret string
	srv              *httptest.Server

	mu      sync.Mutex
	n       int
	tokens  map[string]bool
	msgs    []*Message
	byID    map[string]*Message
	byUUID  map[string]*Message
	chats   map[string]string // message id → chat
	faults  []Fault
	users   map[string]User
	userIDs []string // in the order added
	depts   []Department
	// contactPageSize caps contact API pages (0: Lark's 50).
	contactPageSize int
	requests        map[string]int
	ws              *wsServer
}

// New starts an emulator for one app; it stops when the test ends. Use a
// distinct app id per test.
func New(t testing.TB, appID, appSecret string) *Emulator {
	e := &Emulator{AppID: appID, AppSecret: appSecret, tokens: map[string]bool{},
		byID: map[string]*Message{}, byUUID: map[string]*Message{}, chats: map[string]string{},
		users: map[string]User{}, requests: map[string]int{}}
	e.ws = &wsServer{e: e, acks: map[string]chan larkws.Response{}}
	mux := http.NewServeMux()
	e.ws.routes(mux)
	mux.HandleFunc("POST /open-apis/auth/v3/tenant_access_token/internal", e.token)
	mux.HandleFunc("POST /open-apis/im/v1/messages", e.create)
	mux.HandleFunc("POST /open-apis/im/v1/messages/{id}/reply", e.reply)
	mux.HandleFunc("PATCH /open-apis/im/v1/messages/{id}", e.patch)
	mux.HandleFunc("GET /open-apis/contact/v3/users/find_by_department", e.usersByDepartment)
	mux.HandleFunc("GET /open-apis/contact/v3/users/{id}", e.user)
	mux.HandleFunc("GET /open-apis/contact/v3/departments/{id}/children", e.departmentChildren)
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	return e
}

// URL is the emulator's base URL, for lark.base_url.
func (e *Emulator) URL() string { return e.srv.URL }

// AddUser puts a person into the contact directory.
func (e *Emulator) AddUser(u User) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.users[u.OpenID]; !ok {
		e.userIDs = append(e.userIDs, u.OpenID)
	}
	e.users[u.OpenID] = u
}

// Inject queues faults; each answers one matching request.
func (e *Emulator) Inject(f ...Fault) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.faults = append(e.faults, f...)
}

// InvalidateTokens makes every token issued so far invalid (99991663), as
// when Lark rotates them early.
func (e *Emulator) InvalidateTokens() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.tokens = map[string]bool{}
}

// Requests returns how many requests of an op ("token", "send", "patch",
// "user", "contact") arrived, faults included.
func (e *Emulator) Requests(op string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.requests[op]
}

// Messages returns copies of the messages sent so far, in order.
func (e *Emulator) Messages() []Message {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Message, len(e.msgs))
	for i, m := range e.msgs {
		out[i] = *m
		out[i].Versions = append([]string(nil), m.Versions...)
	}
	return out
}

// Message returns a copy of one message.
func (e *Emulator) Message(id string) (Message, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	m, ok := e.byID[id]
	if !ok {
		return Message{}, false
	}
	cp := *m
	cp.Versions = append([]string(nil), m.Versions...)
	return cp, true
}

// WaitFor polls until ok holds for the messages sent, or fails the test
// after timeout.
func (e *Emulator) WaitFor(t testing.TB, timeout time.Duration, what string, ok func([]Message) bool) []Message {
	t.Helper()
	return bottest.Await(t, timeout, "lark emulator: "+what, e.Messages, ok)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, map[string]any{"code": code, "msg": msg})
}

// fault takes the next fault for op and answers it; it reports whether it
// did.
func (e *Emulator) fault(w http.ResponseWriter, op string) bool {
	e.mu.Lock()
	e.requests[op]++
	var f *Fault
	for i := range e.faults {
		if e.faults[i].Op == "" || e.faults[i].Op == op {
			cp := e.faults[i]
			f = &cp
			e.faults = append(e.faults[:i], e.faults[i+1:]...)
			break
		}
	}
	e.mu.Unlock()
	if f == nil {
		return false
	}
	if f.Delay > 0 {
		time.Sleep(f.Delay)
	}
	for k, v := range f.Header {
		w.Header().Set(k, v)
	}
	status := f.Status
	if status == 0 {
		status = 400
	}
	if f.Code == 0 && status >= 500 {
		w.WriteHeader(status)
		return true
	}
	msg := f.Msg
	if msg == "" {
		msg = fmt.Sprintf("injected error %d", f.Code)
	}
	fail(w, status, f.Code, msg)
	return true
}

func (e *Emulator) token(w http.ResponseWriter, r *http.Request) {
	if e.fault(w, "token") {
		return
	}
	var req struct {
		AppID     string `json:"app_id"`
		AppSecret string `json:"app_secret"`
	}
	_ = json.NewDecoder(r.Body).Decode(&req)
	if req.AppID != e.AppID || req.AppSecret != e.AppSecret {
		fail(w, 400, 10015, "wrong app secret")
		return
	}
	e.mu.Lock()
	e.n++
	tok := fmt.Sprintf("t-%s-%d", e.AppID, e.n)
	e.tokens[tok] = true
	e.mu.Unlock()
	writeJSON(w, 200, map[string]any{"code": 0, "msg": "ok", "tenant_access_token": tok, "expire": 7200})
}

// authorized checks the bearer token as Lark does.
func (e *Emulator) authorized(w http.ResponseWriter, r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		fail(w, 400, 99991661, "Missing access token for authorization")
		return false
	}
	e.mu.Lock()
	valid := e.tokens[tok]
	e.mu.Unlock()
	if !valid {
		fail(w, 400, 99991663, "Invalid access token for authorization")
		return false
	}
	return true
}

type sendBody struct {
	ReceiveID     string `json:"receive_id"`
	MsgType       string `json:"msg_type"`
	Content       string `json:"content"`
	UUID          string `json:"uuid"`
	ReplyInThread bool   `json:"reply_in_thread"`
}

// maxContent is Lark's limit for cards and rich text (text allows 150 KB).
const maxContent = 30 * 1024

func (e *Emulator) create(w http.ResponseWriter, r *http.Request) {
	e.send(w, r, "")
}

func (e *Emulator) reply(w http.ResponseWriter, r *http.Request) {
	e.send(w, r, r.PathValue("id"))
}

func (e *Emulator) send(w http.ResponseWriter, r *http.Request, replyTo string) {
	if !e.authorized(w, r) || e.fault(w, "send") {
		return
	}
	var b sendBody
	data, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(data, &b); err != nil || b.MsgType == "" || b.Content == "" {
		fail(w, 400, 230001, "invalid request body")
		return
	}
	if b.MsgType == "interactive" && len(b.Content) > maxContent {
		fail(w, 400, 230025, "message content too long")
		return
	}
	if !json.Valid([]byte(b.Content)) {
		fail(w, 400, 230001, "content is not JSON")
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if b.UUID != "" {
		if m, ok := e.byUUID[b.UUID]; ok {
			writeJSON(w, 200, e.answer(m))
			return
		}
	}
	m := &Message{MsgType: b.MsgType, Content: b.Content, Versions: []string{b.Content}, UUID: b.UUID,
		ReplyTo: replyTo, ReplyInThread: b.ReplyInThread}
	if replyTo != "" {
		chat, ok := e.chats[replyTo]
		if !ok {
			// A message the emulator did not send: an inbound one, whose
			// chat the driver registered, or unknown.
			fail(w, 400, 230011, "the message to reply to was not found")
			return
		}
		m.ChatID = chat
	} else {
		m.ReceiveIDType, m.ReceiveID = r.URL.Query().Get("receive_id_type"), b.ReceiveID
		switch m.ReceiveIDType {
		case "chat_id":
			m.ChatID = b.ReceiveID
		case "open_id", "user_id", "union_id", "email":
			m.ChatID = "oc_p2p_" + b.ReceiveID
		default:
			fail(w, 400, 99992402, "field validation failed: receive_id_type")
			return
		}
	}
	e.n++
	m.ID = fmt.Sprintf("om_bot_%d", e.n)
	e.msgs = append(e.msgs, m)
	e.byID[m.ID] = m
	e.chats[m.ID] = m.ChatID
	if m.UUID != "" {
		e.byUUID[m.UUID] = m
	}
	writeJSON(w, 200, e.answer(m))
}

// answer is the send/reply response, shaped as Lark's.
func (e *Emulator) answer(m *Message) map[string]any {
	now := fmt.Sprint(time.Now().UnixMilli())
	data := map[string]any{
		"message_id": m.ID, "chat_id": m.ChatID, "msg_type": m.MsgType,
		"create_time": now, "update_time": now, "deleted": false, "updated": false,
		"sender": map[string]any{"id": "cli_" + e.AppID, "id_type": "app_id", "sender_type": "app"},
		"body":   map[string]any{"content": m.Content},
	}
	if m.ReplyTo != "" {
		data["root_id"], data["parent_id"] = m.ReplyTo, m.ReplyTo
	}
	return map[string]any{"code": 0, "msg": "success", "data": data}
}

// RegisterInbound tells the emulator about a user's message (sent by the
// event driver), so the bot can reply to it.
func (e *Emulator) RegisterInbound(messageID, chatID string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.chats[messageID] = chatID
}

func (e *Emulator) patch(w http.ResponseWriter, r *http.Request) {
	if !e.authorized(w, r) || e.fault(w, "patch") {
		return
	}
	var b struct {
		Content string `json:"content"`
	}
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil || !json.Valid([]byte(b.Content)) {
		fail(w, 400, 230001, "invalid request body")
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	m, ok := e.byID[r.PathValue("id")]
	if !ok {
		fail(w, 400, 230011, "message not found")
		return
	}
	if m.MsgType != "interactive" {
		fail(w, 400, 230001, "only cards can be updated")
		return
	}
	m.Content = b.Content
	m.Versions = append(m.Versions, b.Content)
	writeJSON(w, 200, map[string]any{"code": 0, "msg": "success", "data": map[string]any{}})
}

func (e *Emulator) user(w http.ResponseWriter, r *http.Request) {
	if !e.authorized(w, r) || e.fault(w, "user") {
		return
	}
	e.mu.Lock()
	u, ok := e.users[r.PathValue("id")]
	e.mu.Unlock()
	if !ok {
		fail(w, 400, 41050, "no user authority error")
		return
	}
	writeJSON(w, 200, map[string]any{"code": 0, "msg": "success", "data": map[string]any{"user": u}})
}
