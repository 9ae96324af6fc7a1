package wecomtest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// AppChat is a group chat the app created (appchat/create).
type AppChat struct {
	ChatID string
	Name   string
	Owner  string
	Users  []string
}

// AppChats returns the group chats the app created.
func (e *Emulator) AppChats() []AppChat {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]AppChat, 0, len(e.chats))
	for _, c := range e.chats {
		cp := *c
		cp.Users = append([]string(nil), c.Users...)
		out = append(out, cp)
	}
	return out
}

// The appchat errcodes below are WeCom's names for these failures as its
// global error list gives them (86xxx); which one a given bad request gets
// is not documented per call, so the emulator picks the closest.
const (
	codeChatNotFound  = 86001 // chatid does not exist
	codeChatExists    = 86215 // chatid already exists
	codeBadChatMember = 86216 // a member userid is invalid
	codeBadChatParams = 86220 // e.g. fewer than 2 members
)

func (e *Emulator) appchatCreate(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.fault(w, "appchat.create") || !e.checkToken(w, r) {
		return
	}
	var body struct {
		Name     string   `json:"name"`
		Owner    string   `json:"owner"`
		UserList []string `json:"userlist"`
		ChatID   string   `json:"chatid"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		errAnswer(w, 40058, "invalid json: "+err.Error())
		return
	}
	if len(body.UserList) < 2 || len(body.UserList) > 2000 {
		errAnswer(w, codeBadChatParams, "userlist needs 2 to 2000 members")
		return
	}
	for _, u := range append([]string{body.Owner}, body.UserList...) {
		if u != "" && !e.knownUser(u) {
			errAnswer(w, codeBadChatMember, "invalid chat member "+u)
			return
		}
	}
	id := body.ChatID
	if id == "" {
		e.nextID++
		id = "wrchat" + strconv.Itoa(e.nextID)
	}
	if e.chats[id] != nil {
		errAnswer(w, codeChatExists, "chatid exists")
		return
	}
	e.chats[id] = &AppChat{ChatID: id, Name: body.Name, Owner: body.Owner, Users: body.UserList}
	reply(w, map[string]any{"chatid": id})
}

// knownUser reports whether the userid is in the contact directory; with
// no directory set up, every userid is.
func (e *Emulator) knownUser(u string) bool {
	if len(e.users) == 0 {
		return true
	}
	for _, x := range e.users {
		if x.UserID == u {
			return true
		}
	}
	return false
}

func (e *Emulator) appchatSend(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.fault(w, "appchat.send") || !e.checkToken(w, r) {
		return
	}
	var body struct {
		ChatID   string                    `json:"chatid"`
		MsgType  string                    `json:"msgtype"`
		Text     *struct{ Content string } `json:"text"`
		Markdown *struct{ Content string } `json:"markdown"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		errAnswer(w, 40058, "invalid json: "+err.Error())
		return
	}
	if e.chats[body.ChatID] == nil {
		errAnswer(w, codeChatNotFound, "chatid not found")
		return
	}
	m := &Message{ChatID: body.ChatID, MsgType: body.MsgType}
	switch {
	case body.MsgType == "text" && body.Text != nil:
		m.Content = body.Text.Content
	case body.MsgType == "markdown" && body.Markdown != nil:
		m.Content = body.Markdown.Content
	default:
		// appchat/send has no template_card.
		errAnswer(w, 40008, "invalid message type")
		return
	}
	if m.Content == "" {
		errAnswer(w, 44004, "empty content")
		return
	}
	if len(m.Content) > 2048 {
		errAnswer(w, 45002, "content size out of limit")
		return
	}
	e.nextID++
	m.MsgID = "MSG" + strconv.Itoa(e.nextID)
	e.msgs = append(e.msgs, m)
	reply(w, map[string]any{})
}

// robotLimit is a webhook's limit: 20 messages a minute.
const robotLimit = 20

// AddRobot makes a group robot's webhook key valid.
func (e *Emulator) AddRobot(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.robots[key] == nil {
		e.robots[key] = []time.Time{}
	}
}

// webhookSend is a group robot's webhook/send?key=: no access token; an
// unknown key answers 93000, the 21st message in a minute 45009.
func (e *Emulator) webhookSend(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.fault(w, "webhook") {
		return
	}
	key := r.URL.Query().Get("key")
	sends, ok := e.robots[key]
	if !ok {
		errAnswer(w, 93000, "invalid webhook url, hint: [key]")
		return
	}
	var body struct {
		MsgType  string                    `json:"msgtype"`
		Text     *struct{ Content string } `json:"text"`
		Markdown *struct{ Content string } `json:"markdown"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		errAnswer(w, 40058, "invalid json: "+err.Error())
		return
	}
	now := time.Now()
	recent := sends[:0]
	for _, t := range sends {
		if now.Sub(t) < time.Minute {
			recent = append(recent, t)
		}
	}
	if len(recent) >= robotLimit {
		e.robots[key] = recent
		errAnswer(w, 45009, "api freq out of limit")
		return
	}
	m := &Message{RobotKey: key, MsgType: body.MsgType}
	limit := 2048
	switch {
	case body.MsgType == "text" && body.Text != nil:
		m.Content = body.Text.Content
	case body.MsgType == "markdown" && body.Markdown != nil:
		m.Content, limit = body.Markdown.Content, 4096
	default:
		errAnswer(w, 40008, "invalid message type")
		return
	}
	if m.Content == "" {
		errAnswer(w, 44004, "empty content")
		return
	}
	if len(m.Content) > limit {
		errAnswer(w, 45002, "content size out of limit")
		return
	}
	e.robots[key] = append(recent, now)
	e.nextID++
	m.MsgID = "MSG" + strconv.Itoa(e.nextID)
	e.msgs = append(e.msgs, m)
	reply(w, map[string]any{})
}
