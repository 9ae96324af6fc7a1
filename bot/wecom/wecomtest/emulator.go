// Package wecomtest is a local WeCom emulator for tests: gettoken,
// message/send (with enable_duplicate_check and the per-member 30 a minute),
// message/update_template_card, appchat/create and appchat/send, group
// robots' webhook/send (20 a minute per webhook), and the contact API
// (department/list, user/list, user/get), with real errcodes, recorded
// messages and injected faults; and a Driver that encrypts and signs
// callbacks as WeCom does.
package wecomtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/salesbot/salesbot/bot/bottest"
)

// Message is one message the bot sent, with the versions of a card.
type Message struct {
	MsgID   string
	ToUser  string
	MsgType string
	// Content is text.content or markdown.content.
	Content string
	// Card is the template_card, as JSON objects; the latest version.
	Card map[string]any
	// TaskID is the card's task_id.
	TaskID string
	// Versions holds the card's JSON, one per send or update.
	Versions []string
	AgentID  string
	// UsedCodes are the response codes update_template_card used on it.
	UsedCodes []string
	// ChatID is the appchat's chatid (appchat/send); RobotKey the
	// webhook's key (webhook/send). Both empty for message/send.
	ChatID   string
	RobotKey string
}

// Fault is an injected answer for the next call of Op ("gettoken", "send",
// "update", "appchat.create", "appchat.send", "webhook", "department.list",
// "user.list", "user.get"): an HTTP status (with an empty body), an errcode,
// or — Hang — the call is carried out but its answer never comes (the
// emulator waits until the client gives up), as when a send times out
// after WeCom took it.
type Fault struct {
	Op      string
	Status  int
	ErrCode int
	ErrMsg  string
	Hang    bool
}

// Emulator is a WeCom API on loopback.
type Emulator struct {
	srv     *httptest.Server
	corpID  string
	secret  string
	agentID int

	mu       sync.Mutex
	nextID   int
	tokens   map[string]bool // issued token → still valid
	msgs     []*Message
	codes    map[string]*codeState // response_code → state
	faults   []Fault
	requests map[string]int
	aibot    aibotState // the AI bot's response_urls (aibot.go)

	sent       map[string]sentBody    // message/send JSON → when and its msgid (duplicate check)
	perUser    map[string][]time.Time // touser → deliveries in the last minute
	dropped    int                    // messages over a member's 30 a minute
	suppressed int                    // duplicates dropped by enable_duplicate_check
	chats      map[string]*AppChat    // appchat chatid → chat
	robots     map[string][]time.Time // webhook key → sends in the last minute
	depts      []Department
	users      []User
}

type sentBody struct {
	at    time.Time
	msgID string
}

type codeState struct {
	taskID string
	used   bool
	at     time.Time
}

// New starts an emulator for one app; it stops with the test.
func New(t testing.TB, corpID, secret string, agentID int) *Emulator {
	e := &Emulator{corpID: corpID, secret: secret, agentID: agentID, tokens: map[string]bool{},
		codes: map[string]*codeState{}, requests: map[string]int{}, sent: map[string]sentBody{},
		perUser: map[string][]time.Time{}, chats: map[string]*AppChat{}, robots: map[string][]time.Time{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /cgi-bin/gettoken", e.gettoken)
	mux.HandleFunc("POST /cgi-bin/message/send", e.hangable("send", e.send))
	mux.HandleFunc("POST /cgi-bin/message/update_template_card", e.hangable("update", e.update))
	mux.HandleFunc("POST /cgi-bin/appchat/create", e.hangable("appchat.create", e.appchatCreate))
	mux.HandleFunc("POST /cgi-bin/appchat/send", e.hangable("appchat.send", e.appchatSend))
	mux.HandleFunc("POST /cgi-bin/webhook/send", e.hangable("webhook", e.webhookSend))
	mux.HandleFunc("GET /cgi-bin/department/list", e.hangable("department.list", e.departmentList))
	mux.HandleFunc("GET /cgi-bin/user/list", e.hangable("user.list", e.userList))
	mux.HandleFunc("GET /cgi-bin/user/get", e.hangable("user.get", e.userGet))
	mux.HandleFunc("POST /cgi-bin/aibot/response", e.aibotResponse)
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	return e
}

// URL is the emulator's base URL (wecom.base_url).
func (e *Emulator) URL() string { return e.srv.URL }

// Inject queues faults, answered in order to the calls they name.
func (e *Emulator) Inject(f ...Fault) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.faults = append(e.faults, f...)
}

// InvalidateTokens makes every issued token answer 42001.
func (e *Emulator) InvalidateTokens() {
	e.mu.Lock()
	defer e.mu.Unlock()
	for k := range e.tokens {
		e.tokens[k] = false
	}
}

// Requests counts the calls of op, faults included.
func (e *Emulator) Requests(op string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.requests[op]
}

// Messages returns copies of the messages sent so far.
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

// WaitFor polls the messages until ok holds or the timeout fails the test.
func (e *Emulator) WaitFor(t testing.TB, timeout time.Duration, what string, ok func([]Message) bool) []Message {
	t.Helper()
	return bottest.Await(t, timeout, what, e.Messages, ok)
}

// ClickCode issues the response code WeCom puts in a click callback on the
// card with the task id.
func (e *Emulator) ClickCode(taskID string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.newCode(taskID)
}

func (e *Emulator) newCode(taskID string) string {
	e.nextID++
	c := "RC" + strconv.Itoa(e.nextID)
	e.codes[c] = &codeState{taskID: taskID, at: time.Now()}
	return c
}

// hangable carries out a call of op as usual, unless a Hang fault is queued
// for it: then the answer is thrown away and the emulator waits for the
// client to give up.
func (e *Emulator) hangable(op string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !e.takeHang(op) {
			h(w, r)
			return
		}
		h(httptest.NewRecorder(), r)
		<-r.Context().Done()
	}
}

func (e *Emulator) takeHang(op string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i, f := range e.faults {
		if f.Op == op && f.Hang {
			e.faults = append(e.faults[:i:i], e.faults[i+1:]...)
			return true
		}
	}
	return false
}

// Dropped counts messages WeCom would drop silently: over a member's 30 a
// minute.
func (e *Emulator) Dropped() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.dropped
}

// Suppressed counts sends dropped as duplicates (enable_duplicate_check).
func (e *Emulator) Suppressed() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.suppressed
}

func reply(w http.ResponseWriter, v map[string]any) {
	if _, ok := v["errcode"]; !ok {
		v["errcode"], v["errmsg"] = 0, "ok"
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func errAnswer(w http.ResponseWriter, code int, msg string) {
	reply(w, map[string]any{"errcode": code, "errmsg": msg})
}

// fault answers the next fault queued for op; false when there is none.
func (e *Emulator) fault(w http.ResponseWriter, op string) bool {
	e.requests[op]++
	for i, f := range e.faults {
		if f.Op != op {
			continue
		}
		if f.Hang {
			continue // taken by hangable
		}
		e.faults = append(e.faults[:i:i], e.faults[i+1:]...)
		if f.Status != 0 {
			w.WriteHeader(f.Status)
			return true
		}
		errAnswer(w, f.ErrCode, f.ErrMsg)
		return true
	}
	return false
}

func (e *Emulator) gettoken(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.fault(w, "gettoken") {
		return
	}
	q := r.URL.Query()
	if q.Get("corpid") != e.corpID {
		errAnswer(w, 40013, "invalid corpid")
		return
	}
	if q.Get("corpsecret") != e.secret {
		errAnswer(w, 40001, "invalid credential")
		return
	}
	e.nextID++
	tok := "AT" + strconv.Itoa(e.nextID)
	e.tokens[tok] = true
	reply(w, map[string]any{"access_token": tok, "expires_in": 7200})
}

// checkToken answers 41001/40014/42001 for a missing, unknown or
// invalidated token.
func (e *Emulator) checkToken(w http.ResponseWriter, r *http.Request) bool {
	tok := r.URL.Query().Get("access_token")
	valid, ok := e.tokens[tok]
	switch {
	case tok == "":
		errAnswer(w, 41001, "access_token missing")
	case !ok:
		errAnswer(w, 40014, "invalid access_token")
	case !valid:
		errAnswer(w, 42001, "access_token expired")
	default:
		return true
	}
	return false
}

// agentOK accepts agentid as a number or a string (the SDK sends a string).
func (e *Emulator) agentOK(raw json.RawMessage) (string, bool) {
	var n int
	if json.Unmarshal(raw, &n) == nil {
		return strconv.Itoa(n), n == e.agentID
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, s == strconv.Itoa(e.agentID)
	}
	return string(raw), false
}

func (e *Emulator) send(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.fault(w, "send") || !e.checkToken(w, r) {
		return
	}
	var body struct {
		ToUser                 string                    `json:"touser"`
		MsgType                string                    `json:"msgtype"`
		AgentID                json.RawMessage           `json:"agentid"`
		Text                   *struct{ Content string } `json:"text"`
		Markdown               *struct{ Content string } `json:"markdown"`
		TemplateCard           map[string]any            `json:"template_card"`
		EnableDuplicateCheck   int                       `json:"enable_duplicate_check"`
		DuplicateCheckInterval int                       `json:"duplicate_check_interval"`
	}
	raw, err := io.ReadAll(r.Body)
	if err == nil {
		err = json.Unmarshal(raw, &body)
	}
	if err != nil {
		errAnswer(w, 40058, "invalid json: "+err.Error())
		return
	}
	// enable_duplicate_check: the same JSON within the interval (default
	// 1800 s, at most 4 h) is not sent again. WeCom's answer to a
	// suppressed duplicate is not documented; the emulator answers success
	// with the first message's msgid.
	if body.EnableDuplicateCheck == 1 {
		interval := time.Duration(body.DuplicateCheckInterval) * time.Second
		if interval <= 0 || interval > 4*time.Hour {
			interval = 1800 * time.Second
		}
		if prev, ok := e.sent[string(raw)]; ok && time.Since(prev.at) < interval {
			e.suppressed++
			reply(w, map[string]any{"msgid": prev.msgID})
			return
		}
	}
	agent, ok := e.agentOK(body.AgentID)
	if !ok {
		errAnswer(w, 40056, "invalid agentid")
		return
	}
	if body.ToUser == "" {
		errAnswer(w, 81013, "user & party & tag all invalid")
		return
	}
	m := &Message{ToUser: body.ToUser, MsgType: body.MsgType, AgentID: agent}
	ans := map[string]any{}
	switch body.MsgType {
	case "text":
		if body.Text == nil || body.Text.Content == "" {
			errAnswer(w, 44004, "empty content")
			return
		}
		if len(body.Text.Content) > 2048 {
			errAnswer(w, 45002, "content size out of limit")
			return
		}
		m.Content = body.Text.Content
	case "markdown":
		if body.Markdown == nil || body.Markdown.Content == "" {
			errAnswer(w, 44004, "empty content")
			return
		}
		if len(body.Markdown.Content) > 2048 {
			errAnswer(w, 45002, "content size out of limit")
			return
		}
		m.Content = body.Markdown.Content
	case "template_card":
		tc := body.TemplateCard
		task, _ := tc["task_id"].(string)
		buttons, _ := tc["button_list"].([]any)
		if tc["card_type"] != "button_interaction" || task == "" || len(buttons) == 0 || len(buttons) > 6 {
			errAnswer(w, 40058, fmt.Sprintf("invalid template_card: type %v, task_id %q, %d buttons", tc["card_type"], task, len(buttons)))
			return
		}
		for _, old := range e.msgs {
			if old.TaskID == task {
				errAnswer(w, 40058, "task_id already used")
				return
			}
		}
		m.TaskID, m.Card = task, tc
		m.Versions = []string{mustJSON(tc)}
		ans["response_code"] = e.newCode(task)
	default:
		errAnswer(w, 40008, "invalid message type")
		return
	}
	e.nextID++
	m.MsgID = "MSG" + strconv.Itoa(e.nextID)
	e.sent[string(raw)] = sentBody{at: time.Now(), msgID: m.MsgID}
	ans["msgid"] = m.MsgID
	// A member gets at most 30 app messages a minute; WeCom drops the rest
	// silently (errcode 0).
	if !e.allowUser(body.ToUser) {
		e.dropped++
		reply(w, ans)
		return
	}
	e.msgs = append(e.msgs, m)
	reply(w, ans)
}

func (e *Emulator) update(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.fault(w, "update") || !e.checkToken(w, r) {
		return
	}
	var body struct {
		UserIDs      []string        `json:"userids"`
		AgentID      json.RawMessage `json:"agentid"`
		ResponseCode string          `json:"response_code"`
		TemplateCard map[string]any  `json:"template_card"`
		Button       *struct {
			ReplaceName string `json:"replace_name"`
		} `json:"button"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		errAnswer(w, 40058, "invalid json: "+err.Error())
		return
	}
	if _, ok := e.agentOK(body.AgentID); !ok {
		errAnswer(w, 40056, "invalid agentid")
		return
	}
	// The errcode for a used or expired response code is not in the
	// sources PLATFORMS.md cites; the emulator answers 40058 (invalid
	// parameter).
	cs := e.codes[body.ResponseCode]
	if cs == nil || cs.used || time.Since(cs.at) > 72*time.Hour {
		errAnswer(w, 40058, "invalid response_code")
		return
	}
	if body.TemplateCard == nil && (body.Button == nil || body.Button.ReplaceName == "") {
		errAnswer(w, 40058, "template_card or button.replace_name missing")
		return
	}
	cs.used = true
	for _, m := range e.msgs {
		if m.TaskID != cs.taskID {
			continue
		}
		m.UsedCodes = append(m.UsedCodes, body.ResponseCode)
		if body.TemplateCard != nil {
			m.Card = body.TemplateCard
		} else {
			// Every button greyed with the replace name.
			cp := map[string]any{}
			for k, v := range m.Card {
				cp[k] = v
			}
			buttons, _ := cp["button_list"].([]any)
			grey := make([]any, len(buttons))
			for i, b := range buttons {
				bm, _ := b.(map[string]any)
				nb := map[string]any{}
				for k, v := range bm {
					nb[k] = v
				}
				nb["text"], nb["disabled"] = body.Button.ReplaceName, true
				grey[i] = nb
			}
			cp["button_list"] = grey
			cp["replace_name"] = body.Button.ReplaceName
			m.Card = cp
		}
		m.Versions = append(m.Versions, mustJSON(m.Card))
	}
	reply(w, map[string]any{"invaliduser": []string{}})
}

// allowUser counts a delivery to a member, false past 30 in a minute.
func (e *Emulator) allowUser(user string) bool {
	now := time.Now()
	recent := e.perUser[user][:0]
	for _, t := range e.perUser[user] {
		if now.Sub(t) < time.Minute {
			recent = append(recent, t)
		}
	}
	if len(recent) >= 30 {
		e.perUser[user] = recent
		return false
	}
	e.perUser[user] = append(recent, now)
	return true
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
