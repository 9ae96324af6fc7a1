package lark

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/larksuite/oapi-sdk-go/v3/event/dispatcher/callback"
	larkim "github.com/larksuite/oapi-sdk-go/v3/service/im/v1"

	"github.com/salesbot/salesbot/bot"
)

// Event types the adapter handles.
const (
	typeMessage    = "im.message.receive_v1"
	typeCardAction = "card.action.trigger"
)

// header is the v2.0 event header.
type header struct {
	EventID    string `json:"event_id"`
	EventType  string `json:"event_type"`
	CreateTime string `json:"create_time"`
	Token      string `json:"token"`
	AppID      string `json:"app_id"`
	TenantKey  string `json:"tenant_key"`
}

// envelope is any callback body once decrypted: a url_verification
// challenge or a v2.0 event.
type envelope struct {
	Type      string          `json:"type"`
	Challenge string          `json:"challenge"`
	Token     string          `json:"token"`
	Schema    string          `json:"schema"`
	Header    header          `json:"header"`
	Event     json.RawMessage `json:"event"`
}

// errIgnored marks an event the bot does not act on (a message from a bot,
// say); it is acknowledged so that Lark does not re-push it.
var errIgnored = errors.New("ignored")

// nonText is a message the bot cannot read (an image, a file, a sticker);
// the adapter answers it politely itself.
type nonText struct {
	messageID, chatID, msgType string
}

func (n *nonText) Error() string { return "non-text message " + n.msgType }

// politeNonText is the answer to a message the bot cannot read.
const politeNonText = "抱歉,我目前只看得懂文字消息。请用文字告诉我,例如:“今天拜访了星河科技张总,报价50万”。发送“帮助”查看可以怎么说。"

// messageEvent normalises an im.message.receive_v1 event. Its ID is the
// message_id (see the package comment).
func (a *Adapter) messageEvent(ctx context.Context, h header, raw json.RawMessage) (bot.Event, error) {
	var d larkim.P2MessageReceiveV1Data
	if err := json.Unmarshal(raw, &d); err != nil {
		return bot.Event{}, fmt.Errorf("message event: %w", err)
	}
	if d.Message == nil || d.Sender == nil || d.Sender.SenderId == nil {
		return bot.Event{}, errors.New("message event: no message or sender")
	}
	if s(d.Sender.SenderType) != "" && s(d.Sender.SenderType) != "user" {
		return bot.Event{}, errIgnored // the bot's own and other apps' messages
	}
	m := d.Message
	ev := bot.Event{
		ID:        s(m.MessageId),
		Kind:      bot.KindMessage,
		Platform:  bot.Lark,
		TenantKey: h.TenantKey,
		Chat:      bot.Chat{ID: s(m.ChatId), Type: bot.GroupChat},
		Sender:    bot.User{ID: s(d.Sender.SenderId.OpenId)},
		MessageID: s(m.MessageId),
		// The card a reply answers is its parent; a reply inside a topic
		// thread whose parent is not set answers the thread's root.
		ThreadID: firstNonEmpty(s(m.ParentId), s(m.RootId)),
		At:       msTime(s(m.CreateTime), a.now()),
	}
	if ev.ID == "" || ev.Chat.ID == "" || ev.Sender.ID == "" {
		return bot.Event{}, errors.New("message event: missing message_id, chat_id or sender open_id")
	}
	if ev.TenantKey == "" {
		ev.TenantKey = s(d.Sender.TenantKey)
	}
	if s(m.ChatType) == "p2p" {
		ev.Chat.Type = bot.DirectChat
	}
	var text string
	switch s(m.MessageType) {
	case "text":
		var c struct {
			Text string `json:"text"`
		}
		if err := json.Unmarshal([]byte(s(m.Content)), &c); err != nil {
			return bot.Event{}, fmt.Errorf("message content: %w", err)
		}
		text = c.Text
	case "post":
		text = postText(s(m.Content))
	default:
		return bot.Event{}, &nonText{messageID: ev.MessageID, chatID: ev.Chat.ID, msgType: s(m.MessageType)}
	}
	ev.Text, ev.Mentions = mapMentions(text, m.Mentions)
	ev.Sender.Name = a.userName(ctx, ev.Sender.ID)
	return ev, nil
}

var mentionKey = regexp.MustCompile(`@_user_\d+|@_all`)

// mapMentions replaces the @_user_N placeholders of a message: the bot's own
// mention is removed, other people become "@Name" and are listed in order.
func mapMentions(text string, ms []*larkim.MentionEvent) (string, []bot.Mention) {
	byKey := map[string]*larkim.MentionEvent{}
	for _, m := range ms {
		if m != nil && m.Key != nil {
			byKey[*m.Key] = m
		}
	}
	var out []bot.Mention
	text = mentionKey.ReplaceAllStringFunc(text, func(k string) string {
		if k == "@_all" {
			return "@所有人"
		}
		m, ok := byKey[k]
		if !ok {
			return k
		}
		if isBot(m) {
			return ""
		}
		var id string
		if m.Id != nil {
			id = s(m.Id.OpenId)
		}
		out = append(out, bot.Mention{UserID: id, Name: s(m.Name)})
		return "@" + s(m.Name)
	})
	return strings.Join(strings.Fields(text), " "), out
}

// isBot reports whether a mention is of a bot (ours: the app only receives
// group messages that @ it). Lark marks them mentioned_type "bot"; older
// payloads leave a bot's user_id and union_id empty.
func isBot(m *larkim.MentionEvent) bool {
	if t := s(m.MentionedType); t != "" {
		return t == "bot"
	}
	return m.Id == nil || (s(m.Id.UserId) == "" && s(m.Id.UnionId) == "" && s(m.Id.OpenId) == "")
}

// postText flattens a rich-text (post) message to its text, keeping the
// @_user_N keys of its at tags so mentions map as in text messages.
func postText(content string) string {
	var p struct {
		Title   string `json:"title"`
		Content [][]struct {
			Tag    string `json:"tag"`
			Text   string `json:"text"`
			UserID string `json:"user_id"`
		} `json:"content"`
	}
	if json.Unmarshal([]byte(content), &p) != nil {
		return ""
	}
	var lines []string
	if p.Title != "" {
		lines = append(lines, p.Title)
	}
	for _, para := range p.Content {
		var sb strings.Builder
		for _, el := range para {
			switch el.Tag {
			case "text", "a":
				sb.WriteString(el.Text)
			case "at":
				sb.WriteString(el.UserID)
			}
		}
		lines = append(lines, sb.String())
	}
	return strings.Join(lines, "\n")
}

// actionEvent normalises a card.action.trigger callback. Only the action id
// is taken from the button's value; the kernel looks up what it refers to.
func (a *Adapter) actionEvent(ctx context.Context, h header, raw json.RawMessage) (bot.Event, error) {
	var d callback.CardActionTriggerRequest
	if err := json.Unmarshal(raw, &d); err != nil {
		return bot.Event{}, fmt.Errorf("card action: %w", err)
	}
	if d.Operator == nil || d.Action == nil || d.Context == nil {
		return bot.Event{}, errors.New("card action: no operator, action or context")
	}
	id, _ := d.Action.Value["action"].(string)
	if id == "" {
		return bot.Event{}, errors.New("card action: no action id in the button's value")
	}
	ev := bot.Event{
		ID:        h.EventID,
		Kind:      bot.KindAction,
		Platform:  bot.Lark,
		TenantKey: h.TenantKey,
		Chat:      bot.Chat{ID: d.Context.OpenChatID},
		Sender:    bot.User{ID: d.Operator.OpenID},
		MessageID: d.Context.OpenMessageID,
		Action:    &bot.ActionEvent{ID: id},
		At:        usTime(h.CreateTime, a.now()),
	}
	if d.Operator.TenantKey != nil && *d.Operator.TenantKey != "" {
		if ev.TenantKey != "" && *d.Operator.TenantKey != ev.TenantKey {
			// A user of another tenant pressing a shared card.
			ev.TenantKey = *d.Operator.TenantKey
		} else if ev.TenantKey == "" {
			ev.TenantKey = *d.Operator.TenantKey
		}
	}
	if ev.ID == "" || ev.Sender.ID == "" || ev.MessageID == "" {
		return bot.Event{}, errors.New("card action: missing event_id, operator or open_message_id")
	}
	if len(d.Action.FormValue) > 0 {
		ev.Action.Values = map[string]string{}
		for k, v := range d.Action.FormValue {
			ev.Action.Values[k] = fmt.Sprint(v)
		}
	}
	ev.Sender.Name = a.userName(ctx, ev.Sender.ID)
	return ev, nil
}

// actionAnswer is the callback response: a toast and the updated card (card
// JSON 2.0, as sent), in the SDK's CardActionTriggerResponse shape.
func actionAnswer(res bot.Result) *callback.CardActionTriggerResponse {
	ans := &callback.CardActionTriggerResponse{}
	if res.Toast != "" {
		typ := "success"
		if res.Denied {
			typ = "error"
		}
		ans.Toast = &callback.Toast{Type: typ, Content: res.Toast}
	}
	if res.Card != nil {
		ans.Card = &callback.Card{Type: "raw", Data: RenderCard(res.Card, "", nil)}
	}
	return ans
}

func s(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func firstNonEmpty(v ...string) string {
	for _, x := range v {
		if x != "" {
			return x
		}
	}
	return ""
}

// msTime parses a millisecond timestamp, or returns def.
func msTime(v string, def time.Time) time.Time {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return def
	}
	return time.UnixMilli(n)
}

// usTime parses the card callback's create_time, which is in microseconds
// (milliseconds are accepted too).
func usTime(v string, def time.Time) time.Time {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return def
	}
	if n > 1e14 {
		return time.UnixMicro(n)
	}
	return time.UnixMilli(n)
}
