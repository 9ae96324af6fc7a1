package dingtalk

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/salesbot/salesbot/bot"
)

// CallbackPath is where DingTalk posts the robot's messages, and presses on
// the bot's interactive cards, in HTTP mode.
const CallbackPath = "/callbacks/dingtalk"

// Routes mounts POST /callbacks/dingtalk in webhook mode (bot.Webhook).
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

// Message is the robot message payload (PLATFORMS.md §3.2), the body of an
// HTTP-mode callback and the data of a Stream bot frame.
type Message struct {
	ConversationID            string   `json:"conversationId"`
	ConversationType          string   `json:"conversationType"` // "1" single, "2" group
	ConversationTitle         string   `json:"conversationTitle,omitempty"`
	SenderID                  string   `json:"senderId,omitempty"`
	SenderStaffID             string   `json:"senderStaffId"`
	SenderNick                string   `json:"senderNick"`
	SenderCorpID              string   `json:"senderCorpId,omitempty"`
	ChatbotCorpID             string   `json:"chatbotCorpId,omitempty"`
	ChatbotUserID             string   `json:"chatbotUserId,omitempty"`
	RobotCode                 string   `json:"robotCode,omitempty"`
	MsgID                     string   `json:"msgId"`
	CreateAt                  int64    `json:"createAt,omitempty"`
	IsInAtList                bool     `json:"isInAtList,omitempty"`
	AtUsers                   []AtUser `json:"atUsers,omitempty"`
	SessionWebhook            string   `json:"sessionWebhook,omitempty"`
	SessionWebhookExpiredTime int64    `json:"sessionWebhookExpiredTime,omitempty"`
	MsgType                   string   `json:"msgtype"`
	Text                      struct {
		Content string `json:"content"`
	} `json:"text"`
}

// AtUser is one person @-mentioned in a message.
type AtUser struct {
	DingtalkID string `json:"dingtalkId"`
	StaffID    string `json:"staffId,omitempty"`
}

// ServeHTTP checks the signature before it reads anything else, then
// delivers the message and answers {} at once; replies go out through the
// outbox.
func (w *webhook) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	a := w.a
	if why := checkSign(r.Header.Get("timestamp"), r.Header.Get("sign"), a.cfg.ClientSecret, a.now()); why != "" {
		bot.RefuseCallback(rw, a.log, bot.DingTalk, bot.Unauthorized(why))
		return
	}
	body, ok := bot.ReadCallbackBody(rw, r)
	if !ok {
		return
	}
	if isCardCallback(body) {
		// A press on an interactive card: answered with the updated card.
		answer, status, err := a.cardClick(r.Context(), w.sink, body, r.Header.Get("timestamp"))
		if err != nil {
			bot.RefuseCallback(rw, a.log, bot.DingTalk, &bot.CallbackError{Status: status, Reason: err.Error()})
			return
		}
		rw.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = rw.Write(answer)
		return
	}
	var m Message
	if err := json.Unmarshal(body, &m); err != nil {
		bot.RefuseCallback(rw, a.log, bot.DingTalk, bot.BadRequest("body is not JSON"))
		return
	}
	if status, err := a.handle(r.Context(), w.sink, &m); err != nil {
		bot.RefuseCallback(rw, a.log, bot.DingTalk, &bot.CallbackError{Status: status, Reason: err.Error()})
		return
	}
	rw.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = rw.Write([]byte("{}"))
}

// handle normalises and delivers one message; it returns the HTTP status
// to answer with an error.
func (a *Adapter) handle(ctx context.Context, sink bot.Sink, m *Message) (int, error) {
	if m.MsgID == "" || m.ConversationID == "" {
		return http.StatusBadRequest, errors.New("message without msgId or conversationId")
	}
	if m.RobotCode != "" && a.cfg.RobotCode != "" && m.RobotCode != a.cfg.RobotCode {
		return http.StatusUnauthorized, errors.New("message for another robot")
	}
	a.remember(m)
	if m.MsgType != "text" {
		a.answerNonText(ctx, m)
		return 0, nil
	}
	ev := a.event(m)
	ev, pressed := a.textPress(ev)
	res, err := sink.Deliver(ctx, ev)
	if err != nil {
		if errors.Is(err, bot.ErrUnknownTenant) {
			a.log.WarnContext(ctx, "dingtalk message from an unknown corp dropped", "corp_id", ev.TenantKey)
			return 0, nil
		}
		return http.StatusServiceUnavailable, err
	}
	if pressed {
		a.answerTextPress(ctx, ev, res)
	}
	return 0, nil
}

// event turns a text message into a bot.Event.
func (a *Adapter) event(m *Message) bot.Event {
	ev := bot.Event{
		ID:        m.MsgID,
		Kind:      bot.KindMessage,
		Platform:  bot.DingTalk,
		TenantKey: m.ChatbotCorpID,
		Chat:      bot.Chat{ID: chatID(m), Type: bot.GroupChat, Name: m.ConversationTitle},
		Sender:    bot.User{ID: m.SenderStaffID, Name: m.SenderNick},
		MessageID: m.MsgID,
		Text:      strings.TrimSpace(m.Text.Content),
	}
	if ev.TenantKey == "" {
		ev.TenantKey = m.SenderCorpID
	}
	if m.ConversationType == "1" {
		ev.Chat.Type = bot.DirectChat
	}
	if m.CreateAt > 0 {
		ev.At = time.UnixMilli(m.CreateAt)
	}
	for _, u := range m.AtUsers {
		// DingTalk strips "@robot" from the text but lists the robot in
		// atUsers; it is not a mention of a person.
		if u.DingtalkID == m.ChatbotUserID || u.StaffID == "" {
			continue
		}
		ev.Mentions = append(ev.Mentions, bot.Mention{UserID: u.StaffID})
	}
	return ev
}

// remember keeps the message's sessionWebhook (when it points at DingTalk's
// OAPI host) for the reply, keyed by conversation and by message.
func (a *Adapter) remember(m *Message) {
	s := session{direct: m.ConversationType == "1", staffID: m.SenderStaffID}
	if m.SessionWebhook != "" && m.SessionWebhookExpiredTime > 0 {
		if u, err := url.Parse(m.SessionWebhook); err == nil && u.Host == a.oapiHost && (u.Scheme == "https" || u.Scheme == "http") {
			s.webhook = m.SessionWebhook
			s.expires = time.UnixMilli(m.SessionWebhookExpiredTime)
		} else {
			a.log.Warn("dingtalk sessionWebhook for a foreign host ignored", "msg_id", m.MsgID)
		}
	}
	a.sessions.put("msg:"+m.MsgID, s)
	a.sessions.put("conv:"+chatID(m), s)
}

// userChatPrefix marks the chat id of a direct chat with the robot:
// "user:" + the person's staffId.
const userChatPrefix = "user:"

// chatID is a message's chat: the conversation of a group, and for a
// direct chat the person, since a direct conversationId does not name the
// user (and a press on a card in a direct chat carries only the user). So
// replies, prompts and card presses of one direct chat meet in one chat id,
// and the OpenAPI can reach it after a restart.
func chatID(m *Message) string {
	if m.ConversationType == "1" && m.SenderStaffID != "" {
		return userChatPrefix + m.SenderStaffID
	}
	return m.ConversationID
}

// replyTextOnly answers a picture, voice message or file.
const replyTextOnly = "抱歉,我暂时只能读懂文字消息。请直接用文字告诉我,例如“今天拜访了星河科技张总,报价50万”;发送“帮助”可以看到我能做什么。"

// answerNonText answers a message salesbot cannot read (a picture, voice,
// a file) once, in its conversation, instead of leaving the sender without
// an answer. It is not stored: there is nothing to record.
func (a *Adapter) answerNonText(ctx context.Context, m *Message) {
	if _, done := a.answered.get(m.MsgID); done {
		return // a redelivery
	}
	a.answered.put(m.MsgID, struct{}{})
	a.log.InfoContext(ctx, "dingtalk non-text message answered", "msgtype", m.MsgType, "msg_id", m.MsgID)
	out := bot.Outgoing{Platform: bot.DingTalk, To: bot.Target{ChatID: chatID(m)}, ReplyTo: m.MsgID, Text: replyTextOnly}
	if _, err := a.Send(ctx, out); err != nil {
		a.log.WarnContext(ctx, "dingtalk answer to a non-text message not sent", "msg_id", m.MsgID, "err", err)
	}
}
