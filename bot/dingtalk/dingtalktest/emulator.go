// Package dingtalktest is a local DingTalk for tests (PLATFORMS.md §4.3):
// the access-token endpoint, sessionWebhooks (sendBySession), the robot's
// groupMessages/send and oToMessages/batchSend, every message recorded, and
// faults injected by table; connections/open and the Stream WebSocket
// (a SYSTEM ping on connect, pushed CALLBACK frames, acks recorded);
// interactive cards (createAndDeliver, PUT card/instances, presses answered
// with the updated card data); and a Driver that posts signed HTTP-mode
// callbacks or pushes Stream frames.
package dingtalktest

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

	"github.com/salesbot/salesbot/bot/bottest"
)

// Paths the emulator serves.
const (
	PathToken   = "/v1.0/oauth2/accessToken"
	PathGroup   = "/v1.0/robot/groupMessages/send"
	PathOTO     = "/v1.0/robot/oToMessages/batchSend"
	PathSession = "/robot/sendBySession"
)

// Message is one message the robot sent.
type Message struct {
	// Via is "session", "group" or "oto".
	Via string
	// Session is the sessionWebhook's session (Via "session").
	Session string
	// ConversationID is the session's conversation, or openConversationId.
	ConversationID string
	// ReplyTo is the msgId whose sessionWebhook was used.
	ReplyTo string
	UserIDs []string
	// MsgKey is sampleText / sampleMarkdown / …; for session sends, the
	// msgtype (text, markdown).
	MsgKey string
	// Text is the content (text) or the markdown text.
	Text  string
	Title string
	// AtUserIDs are the people @-mentioned (session sends).
	AtUserIDs []string
	RobotCode string
}

// Fault is an injected failure of one path: Status and the new-API error
// body {"code","message"}; for sessionWebhooks a 200 with errcode Code.
// FlowControl, for batchSend, answers 200 listing the users as
// flow-controlled. HangUp, for sendBySession, closes the connection without
// an answer (a network failure).
type Fault struct {
	Status      int
	Code        string
	Message     string
	FlowControl bool
	HangUp      bool
}

// hangUp closes the request's connection without an answer.
func hangUp(w http.ResponseWriter) {
	if c, _, err := http.NewResponseController(w).Hijack(); err == nil {
		_ = c.Close()
	}
}

type sessionInfo struct {
	conversationID, msgID string
	expires               time.Time
}

// Emulator is a local DingTalk.
type Emulator struct {
	srv                    *httptest.Server
	ClientID, ClientSecret string
	RobotCode              string

	mu       sync.Mutex
	tokens   map[string]time.Time
	nTok     int
	sessions map[string]sessionInfo
	msgs     []Message
	faults   map[string][]Fault
	calls    map[string]int
	// flowControl counts the batchSends still to answer with the user
	// flow-controlled (FlowControl).
	flowControl map[string]int

	// Stream mode.
	tickets map[string]time.Time
	nTicket int
	conn    *streamConn
	nConn   int
	acks    map[string]Ack
	nAcks   int

	subs  []string         // the latest connections/open's subscriptions
	cards map[string]*Card // interactive cards by outTrackId (cards.go)

	robots   robotState   // custom group robots (robot.go)
	contacts contactState // the old API's directory (contact.go)
}

// New starts an emulator for one app; it stops with the test.
func New(t testing.TB, clientID, secret string) *Emulator {
	e := &Emulator{ClientID: clientID, ClientSecret: secret, RobotCode: clientID,
		tokens: map[string]time.Time{}, sessions: map[string]sessionInfo{},
		faults: map[string][]Fault{}, calls: map[string]int{}, flowControl: map[string]int{},
		tickets: map[string]time.Time{}, acks: map[string]Ack{},
		cards: map[string]*Card{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+PathToken, e.token)
	mux.HandleFunc("POST "+PathGroup, e.group)
	mux.HandleFunc("POST "+PathOTO, e.oto)
	mux.HandleFunc("POST "+PathSession, e.bySession)
	mux.HandleFunc("POST "+PathOpen, e.openConn)
	mux.HandleFunc("GET "+PathConnect, e.connect)
	mux.HandleFunc("POST "+PathCreateAndDeliver, e.createAndDeliver)
	mux.HandleFunc("PUT "+PathCardInstances, e.updateCard)
	mux.HandleFunc("POST "+PathRobot, e.robotSend)
	mux.HandleFunc("GET "+PathGetToken, e.getToken)
	mux.HandleFunc("POST "+PathListSub, e.listSub)
	mux.HandleFunc("POST "+PathUserList, e.userList)
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	return e
}

// URL is the emulator's base URL, for both base_url and oapi_base_url.
func (e *Emulator) URL() string { return e.srv.URL }

// NewSession opens a sessionWebhook for a message in a conversation, valid
// for ttl (negative: already expired), and returns its URL and expiry (ms).
func (e *Emulator) NewSession(conversationID, msgID string, ttl time.Duration) (webhook string, expiresMS int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	id := fmt.Sprintf("sess_%d", len(e.sessions)+1)
	exp := time.Now().Add(ttl)
	e.sessions[id] = sessionInfo{conversationID: conversationID, msgID: msgID, expires: exp}
	return e.srv.URL + PathSession + "?session=" + id, exp.UnixMilli()
}

// Fail queues faults for the next calls of a path (PathToken, PathGroup,
// PathOTO, PathSession), one per call.
func (e *Emulator) Fail(path string, faults ...Fault) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.faults[path] = append(e.faults[path], faults...)
}

// FlowControl makes the next n batchSends that include the user list them
// in flowControlledStaffIdList (and not deliver to them), whatever else is
// sent before.
func (e *Emulator) FlowControl(userID string, n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.flowControl[userID] += n
}

// flowControlled takes the users of a batchSend that FlowControl holds back.
func (e *Emulator) flowControlled(users []string) (held, rest []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, u := range users {
		if e.flowControl[u] > 0 {
			e.flowControl[u]--
			held = append(held, u)
		} else {
			rest = append(rest, u)
		}
	}
	return held, rest
}

// Calls returns how often a path was called.
func (e *Emulator) Calls(path string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.calls[path]
}

// Messages returns the messages sent so far.
func (e *Emulator) Messages() []Message {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Message(nil), e.msgs...)
}

// WaitFor polls the messages until ok, or fails the test after timeout.
func (e *Emulator) WaitFor(t testing.TB, timeout time.Duration, what string, ok func([]Message) bool) []Message {
	t.Helper()
	return bottest.Await(t, timeout, "dingtalk emulator: "+what, e.Messages, ok)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func apiFail(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]string{"code": code, "message": msg, "requestid": "req-emu"})
}

// begin counts the call and takes the next fault of the path, if any.
func (e *Emulator) begin(path string) (Fault, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.calls[path]++
	q := e.faults[path]
	if len(q) == 0 {
		return Fault{}, false
	}
	e.faults[path] = q[1:]
	return q[0], true
}

func (e *Emulator) token(w http.ResponseWriter, r *http.Request) {
	if f, ok := e.begin(PathToken); ok {
		apiFail(w, f.Status, f.Code, f.Message)
		return
	}
	var req struct{ AppKey, AppSecret string }
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		apiFail(w, 400, "MissingParameter", "body is not JSON")
		return
	}
	if req.AppKey != e.ClientID || req.AppSecret != e.ClientSecret {
		apiFail(w, 400, "InvalidAuthentication", "appKey or appSecret is wrong")
		return
	}
	e.mu.Lock()
	e.nTok++
	tok := fmt.Sprintf("at-%d", e.nTok)
	e.tokens[tok] = time.Now().Add(2 * time.Hour)
	e.mu.Unlock()
	writeJSON(w, 200, map[string]any{"accessToken": tok, "expireIn": 7200})
}

// authed checks x-acs-dingtalk-access-token.
func (e *Emulator) authed(w http.ResponseWriter, r *http.Request) bool {
	tok := r.Header.Get("x-acs-dingtalk-access-token")
	e.mu.Lock()
	exp, ok := e.tokens[tok]
	e.mu.Unlock()
	if !ok || time.Now().After(exp) {
		apiFail(w, 400, "InvalidAuthentication", "不合法的access_token")
		return false
	}
	return true
}

// Expire invalidates every issued token, as if they had timed out.
func (e *Emulator) Expire() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.tokens = map[string]time.Time{}
}

type robotReq struct {
	RobotCode          string   `json:"robotCode"`
	OpenConversationID string   `json:"openConversationId"`
	UserIDs            []string `json:"userIds"`
	MsgKey             string   `json:"msgKey"`
	MsgParam           string   `json:"msgParam"`
}

func (e *Emulator) robotMessage(via string, req robotReq) (Message, string) {
	m := Message{Via: via, ConversationID: req.OpenConversationID, UserIDs: req.UserIDs, MsgKey: req.MsgKey, RobotCode: req.RobotCode}
	var p map[string]string
	if err := json.Unmarshal([]byte(req.MsgParam), &p); err != nil {
		return m, "msgParam is not a JSON object"
	}
	switch req.MsgKey {
	case "sampleText":
		m.Text = p["content"]
	case "sampleMarkdown", "sampleActionCard":
		m.Title, m.Text = p["title"], p["text"]
	default:
		return m, "unknown msgKey " + req.MsgKey
	}
	if req.RobotCode != e.RobotCode {
		return m, "robotCode " + req.RobotCode + " is not this robot"
	}
	return m, ""
}

func (e *Emulator) group(w http.ResponseWriter, r *http.Request) {
	if f, ok := e.begin(PathGroup); ok {
		apiFail(w, f.Status, f.Code, f.Message)
		return
	}
	if !e.authed(w, r) {
		return
	}
	var req robotReq
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.OpenConversationID == "" {
		apiFail(w, 400, "MissingParameter", "openConversationId is required")
		return
	}
	if len(req.MsgParam) > 15000 {
		apiFail(w, 400, "param.lengthExceeded", "msgParam is too long")
		return
	}
	m, bad := e.robotMessage("group", req)
	if bad != "" {
		apiFail(w, 400, "InvalidParameter", bad)
		return
	}
	e.record(m)
	writeJSON(w, 200, map[string]string{"processQueryKey": "pqk-group"})
}

func (e *Emulator) oto(w http.ResponseWriter, r *http.Request) {
	f, faulty := e.begin(PathOTO)
	if faulty && !f.FlowControl {
		apiFail(w, f.Status, f.Code, f.Message)
		return
	}
	if !e.authed(w, r) {
		return
	}
	var req robotReq
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || len(req.UserIDs) == 0 || len(req.UserIDs) > 20 {
		apiFail(w, 400, "InvalidParameter", "userIds must hold 1 to 20 users")
		return
	}
	m, bad := e.robotMessage("oto", req)
	if bad != "" {
		apiFail(w, 400, "InvalidParameter", bad)
		return
	}
	if faulty {
		writeJSON(w, 200, map[string]any{"processQueryKey": "pqk-oto", "flowControlledStaffIdList": req.UserIDs})
		return
	}
	held, rest := e.flowControlled(req.UserIDs)
	if len(rest) > 0 {
		m.UserIDs = rest
		e.record(m)
	}
	if held == nil {
		held = []string{}
	}
	writeJSON(w, 200, map[string]any{"processQueryKey": "pqk-oto", "invalidStaffIdList": []string{}, "flowControlledStaffIdList": held})
}

func (e *Emulator) bySession(w http.ResponseWriter, r *http.Request) {
	errcode := func(code int, msg string) {
		writeJSON(w, 200, map[string]any{"errcode": code, "errmsg": msg})
	}
	if f, ok := e.begin(PathSession); ok {
		if f.HangUp {
			hangUp(w)
			return
		}
		if f.Status != 0 && f.Status != 200 {
			http.Error(w, f.Message, f.Status)
			return
		}
		var code int
		fmt.Sscan(f.Code, &code)
		errcode(code, f.Message)
		return
	}
	e.mu.Lock()
	s, ok := e.sessions[r.URL.Query().Get("session")]
	e.mu.Unlock()
	switch {
	case !ok:
		errcode(300001, "session不存在")
		return
	case time.Now().After(s.expires):
		// The real error code for an expired session is not documented.
		errcode(300001, "session已过期")
		return
	}
	body, _ := io.ReadAll(r.Body)
	var req struct {
		MsgType  string            `json:"msgtype"`
		Text     map[string]string `json:"text"`
		Markdown map[string]string `json:"markdown"`
		At       struct {
			AtUserIDs []string `json:"atUserIds"`
		} `json:"at"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		errcode(400102, "body is not JSON")
		return
	}
	m := Message{Via: "session", Session: r.URL.Query().Get("session"), ConversationID: s.conversationID,
		ReplyTo: s.msgID, MsgKey: req.MsgType, AtUserIDs: req.At.AtUserIDs}
	switch req.MsgType {
	case "text":
		m.Text = req.Text["content"]
	case "markdown":
		m.Title, m.Text = req.Markdown["title"], req.Markdown["text"]
	default:
		errcode(400105, "不支持的消息类型 "+req.MsgType)
		return
	}
	if strings.TrimSpace(m.Text) == "" {
		errcode(400102, "content is empty")
		return
	}
	e.record(m)
	errcode(0, "ok")
}

func (e *Emulator) record(m Message) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.msgs = append(e.msgs, m)
}
