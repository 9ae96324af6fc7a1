package console

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/salesbot/salesbot/bot"
)

// maxBody is the largest request body accepted (DESIGN.md §5: 413 above).
const maxBody = 1 << 20

// maxWait caps a long-poll, well under the usual proxy idle timeouts.
const maxWait = 30 * time.Second

// Routes returns the page at / and the JSON API under /console/, which hands
// members' messages and button presses to sink.
func (a *Adapter) Routes(sink bot.Sink) map[string]http.Handler {
	s := &server{a: a, sink: sink}
	mux := http.NewServeMux()
	mux.Handle("GET /console/api/members", s.handle(s.members))
	mux.Handle("GET /console/api/chats", s.handle(s.chats))
	mux.Handle("GET /console/api/messages", s.handle(s.messages))
	mux.Handle("POST /console/api/messages", s.handle(s.postMessage))
	mux.Handle("POST /console/api/actions", s.handle(s.postAction))
	mux.Handle("GET /console/static/", staticHandler())
	mux.Handle("GET /console/{$}", pageHandler())
	return map[string]http.Handler{
		"GET /{$}":  pageHandler(),
		"/console/": mux,
	}
}

// server serves the console API for one sink.
type server struct {
	a    *Adapter
	sink bot.Sink
}

// apiError is an error with the status and the text the client gets.
type apiError struct {
	status int
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func errorf(status int, format string, args ...any) error {
	return &apiError{status: status, msg: fmt.Sprintf(format, args...)}
}

// handle renders fn's error, the one place API errors become responses:
// an apiError as it says, anything else as a 500 with a reference id that
// is logged with the cause.
func (s *server) handle(fn func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		err := fn(w, r)
		if err == nil {
			return
		}
		var ae *apiError
		if errors.As(err, &ae) {
			writeJSON(w, ae.status, map[string]string{"error": ae.msg})
			return
		}
		ref := bot.NewRef()
		s.a.log.Error("console request failed", "method", r.Method, "path", r.URL.Path, "ref", ref, "err", err)
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "服务器出错了(参考号 " + ref + ")"})
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // the client is gone if this fails; nothing to do
}

// decode reads one JSON value of at most maxBody bytes.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	err := dec.Decode(v)
	if err == nil {
		// Read on, so trailing data and oversized bodies are noticed.
		if err = dec.Decode(&json.RawMessage{}); err == io.EOF {
			return nil
		} else if err == nil {
			err = errors.New("more than one JSON value")
		}
	}
	if tooBig := (*http.MaxBytesError)(nil); errors.As(err, &tooBig) {
		return errorf(http.StatusRequestEntityTooLarge, "请求太大(上限 1 MiB)")
	}
	return errorf(http.StatusBadRequest, "请求不是合法的 JSON:%v", err)
}

// memberJSON and chatJSON are the API's shapes of the directory.
type chatJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Team string `json:"team"`
	// Kind is "group" or "direct", so the page need not parse ids.
	Kind bot.ChatType `json:"kind"`
}

func (s *server) members(w http.ResponseWriter, r *http.Request) error {
	members, err := s.a.dir.Members(r.Context())
	if err != nil {
		return fmt.Errorf("list members: %w", err)
	}
	if members == nil {
		members = []Member{}
	}
	writeJSON(w, http.StatusOK, members)
	return nil
}

func (s *server) chats(w http.ResponseWriter, r *http.Request) error {
	groups, err := s.a.dir.Chats(r.Context())
	if err != nil {
		return fmt.Errorf("list chats: %w", err)
	}
	members, err := s.a.dir.Members(r.Context())
	if err != nil {
		return fmt.Errorf("list members: %w", err)
	}
	out := make([]chatJSON, 0, len(groups)+len(members))
	for _, c := range groups {
		out = append(out, chatJSON{ID: c.ID, Name: c.Name, Team: c.Team, Kind: bot.GroupChat})
	}
	for _, m := range members {
		out = append(out, chatJSON{ID: dmPrefix + m.ID, Name: dmName(m), Kind: bot.DirectChat})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func dmName(m Member) string { return m.Name + " · 与机器人私聊" }

// chatRef is a chat resolved for an event: what the event says of it, and
// for a direct chat the one member who may use it.
type chatRef struct {
	bot.Chat
	owner string
}

// resolveChat finds a chat by id in the directory.
func (s *server) resolveChat(r *http.Request, id string, members []Member) (chatRef, error) {
	if memberID, ok := strings.CutPrefix(id, dmPrefix); ok {
		m, ok := findMember(members, memberID)
		if !ok {
			return chatRef{}, errorf(http.StatusNotFound, "没有这个聊天:%s", id)
		}
		return chatRef{Chat: bot.Chat{ID: id, Type: bot.DirectChat, Name: dmName(m)}, owner: m.ID}, nil
	}
	groups, err := s.a.dir.Chats(r.Context())
	if err != nil {
		return chatRef{}, fmt.Errorf("list chats: %w", err)
	}
	for _, c := range groups {
		if c.ID == id {
			return chatRef{Chat: bot.Chat{ID: c.ID, Type: bot.GroupChat, Name: c.Name}}, nil
		}
	}
	return chatRef{}, errorf(http.StatusNotFound, "没有这个聊天:%s", id)
}

// orphanChat describes a chat the directory does not list, from its id.
func orphanChat(id string) chatRef {
	if memberID, ok := strings.CutPrefix(id, dmPrefix); ok {
		return chatRef{Chat: bot.Chat{ID: id, Type: bot.DirectChat}, owner: memberID}
	}
	return chatRef{Chat: bot.Chat{ID: id, Type: bot.GroupChat}}
}

func findMember(members []Member, id string) (Member, bool) {
	for _, m := range members {
		if m.ID == id {
			return m, true
		}
	}
	return Member{}, false
}

// speaker resolves the member of a request.
func (s *server) speaker(r *http.Request, id string) (Member, []Member, error) {
	if id == "" {
		return Member{}, nil, errorf(http.StatusBadRequest, "缺少 member")
	}
	members, err := s.a.dir.Members(r.Context())
	if err != nil {
		return Member{}, nil, fmt.Errorf("list members: %w", err)
	}
	m, ok := findMember(members, id)
	if !ok {
		return Member{}, nil, errorf(http.StatusNotFound, "没有这个成员:%s", id)
	}
	return m, members, nil
}

// mayUse refuses a direct chat to anyone but its member, as on the real
// platforms, where nobody else can write in another's chat with the bot.
func mayUse(c chatRef, m Member) error {
	if c.owner != "" && c.owner != m.ID {
		return errorf(http.StatusForbidden, "这是别人与机器人的私聊,%s 不能在这里操作", m.Name)
	}
	return nil
}

func (s *server) postMessage(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Chat   string `json:"chat"`
		Member string `json:"member"`
		Text   string `json:"text"`
		// ReplyTo, optional, is a message of the chat this one answers
		// in its thread (Event.ThreadID).
		ReplyTo string `json:"reply_to"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	text := strings.TrimSpace(req.Text)
	switch {
	case req.Chat == "":
		return errorf(http.StatusBadRequest, "缺少 chat")
	case text == "":
		return errorf(http.StatusBadRequest, "消息不能为空")
	}
	m, members, err := s.speaker(r, req.Member)
	if err != nil {
		return err
	}
	chat, err := s.resolveChat(r, req.Chat, members)
	if err != nil {
		return err
	}
	if err := mayUse(chat, m); err != nil {
		return err
	}
	if req.ReplyTo != "" {
		if orig, ok := s.a.hist.lookup(req.ReplyTo); !ok || orig.Chat != chat.ID {
			return errorf(http.StatusNotFound, "这个聊天里没有要回复的消息:%s", req.ReplyTo)
		}
	}

	// Stored before delivery so that a reply the sink sends at once finds
	// the message it answers; hidden until the sink has accepted it.
	msg := s.a.hist.add(message{
		Chat:    chat.ID,
		From:    author{ID: m.ID, Name: m.Name},
		Text:    text,
		ReplyTo: req.ReplyTo,
		At:      s.a.now(),
	}, true)
	ev := bot.Event{
		ID:        newID(),
		Kind:      bot.KindMessage,
		Platform:  bot.Console,
		Chat:      chat.Chat,
		Sender:    bot.User{ID: m.ID, Name: m.Name},
		MessageID: msg.ID,
		ThreadID:  req.ReplyTo,
		Text:      text,
		Mentions:  findMentions(text, members),
		At:        msg.At,
	}
	if _, err := s.sink.Deliver(r.Context(), ev); err != nil {
		// Like a platform webhook (DESIGN.md §7): nothing is acknowledged
		// that is not stored, so the message is withdrawn and the page can
		// offer to send it again.
		s.a.hist.remove(msg.ID)
		s.a.log.Warn("console message not delivered", "chat", chat.ID, "member", m.ID, "err", err)
		return errorf(http.StatusServiceUnavailable, "机器人暂时无法接收消息,请稍后再试")
	}
	s.a.hist.publish(msg.ID)
	writeJSON(w, http.StatusAccepted, map[string]string{"event_id": ev.ID, "message_id": msg.ID})
	return nil
}

// messageJSON is a message as the API shows it.
type messageJSON struct {
	ID   string `json:"id"`
	Chat string `json:"chat"`
	From author `json:"from"`
	Text string `json:"text"`
	// Card never carries server-side references (bot.Action.Ref).
	Card    *bot.Card `json:"card"`
	ReplyTo string    `json:"reply_to"`
	At      time.Time `json:"at"`
	Rev     int64     `json:"rev"`
}

func toJSON(m message) messageJSON {
	return messageJSON{
		ID: m.ID, Chat: m.Chat, From: m.From, Text: m.Text,
		Card:    m.Card.WithoutRefs(),
		ReplyTo: m.ReplyTo, At: m.At, Rev: m.Rev,
	}
}

// messages lists a chat's messages, long-polling when asked to. Besides the
// contract's after and wait it takes since_rev, so the page also sees cards
// updated in place; the X-Console-Rev header gives the revision to ask from
// next time.
func (s *server) messages(w http.ResponseWriter, r *http.Request) error {
	qs := r.URL.Query()
	q := query{Chat: qs.Get("chat"), After: qs.Get("after"), SinceRev: -1}
	if q.Chat == "" {
		return errorf(http.StatusBadRequest, "缺少 chat")
	}
	if v := qs.Get("since_rev"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return errorf(http.StatusBadRequest, "since_rev 应是非负整数")
		}
		q.SinceRev = n
	}
	var wait time.Duration
	if v := qs.Get("wait"); v != "" {
		secs, err := strconv.ParseFloat(v, 64)
		if err != nil || secs < 0 {
			return errorf(http.StatusBadRequest, "wait 应是非负的秒数")
		}
		wait = min(time.Duration(secs*float64(time.Second)), maxWait)
	}
	if !s.a.hist.known(q.Chat) {
		members, err := s.a.dir.Members(r.Context())
		if err != nil {
			return fmt.Errorf("list members: %w", err)
		}
		if _, err := s.resolveChat(r, q.Chat, members); err != nil {
			return err
		}
	}

	if wait > 0 {
		// The server's write timeout may be shorter than a long-poll; extend
		// it for this response (an error only means it cannot be, e.g. in tests).
		_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(wait + 10*time.Second))
	}
	msgs, rev := s.a.hist.poll(r.Context(), q, wait)
	out := make([]messageJSON, len(msgs))
	for i, m := range msgs {
		out[i] = toJSON(m)
	}
	w.Header().Set("X-Console-Rev", strconv.FormatInt(rev, 10))
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *server) postAction(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		MessageID string `json:"message_id"`
		Action    string `json:"action"`
		Member    string `json:"member"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	switch {
	case req.MessageID == "":
		return errorf(http.StatusBadRequest, "缺少 message_id")
	case req.Action == "":
		return errorf(http.StatusBadRequest, "缺少 action")
	}
	m, members, err := s.speaker(r, req.Member)
	if err != nil {
		return err
	}
	msg, ok := s.a.hist.lookup(req.MessageID)
	if !ok {
		return errorf(http.StatusNotFound, "没有这条消息:%s", req.MessageID)
	}
	// Only the card as it is now counts: a button from an older version of
	// the card, or one the client made up, does not exist.
	if _, ok := msg.Card.FindAction(req.Action); !ok {
		return errorf(http.StatusNotFound, "no such button")
	}
	chat, err := s.resolveChat(r, msg.Chat, members)
	var ae *apiError
	if errors.As(err, &ae) && ae.status == http.StatusNotFound {
		// The bot wrote to a chat the directory no longer lists; the press
		// still belongs to that chat.
		chat, err = orphanChat(msg.Chat), nil
	}
	if err != nil {
		return err
	}
	if err := mayUse(chat, m); err != nil {
		return err
	}

	res, err := s.sink.Deliver(r.Context(), bot.Event{
		ID:        newID(),
		Kind:      bot.KindAction,
		Platform:  bot.Console,
		Chat:      chat.Chat,
		Sender:    bot.User{ID: m.ID, Name: m.Name},
		MessageID: msg.ID,
		Action:    &bot.ActionEvent{ID: req.Action},
		At:        s.a.now(),
	})
	if err != nil {
		s.a.log.Warn("console action not delivered", "message", msg.ID, "action", req.Action, "member", m.ID, "err", err)
		return errorf(http.StatusServiceUnavailable, "机器人暂时无法处理,请稍后再试")
	}
	if res.Denied {
		reason := res.Toast
		if reason == "" {
			reason = "你没有权限执行这个操作"
		}
		return errorf(http.StatusForbidden, "%s", reason)
	}
	if res.Card != nil {
		card, err := cloneCard(res.Card)
		if err != nil {
			return err
		}
		// The message may have been dropped from a full history meanwhile;
		// the press was handled all the same.
		s.a.hist.update(msg.ID, card, "")
	}
	writeJSON(w, http.StatusOK, map[string]string{"toast": res.Toast})
	return nil
}
