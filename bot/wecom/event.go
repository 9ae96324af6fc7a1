package wecom

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/salesbot/salesbot/bot"
)

// inbound is a decrypted callback: a message or an event (PLATFORMS.md §2.3).
type inbound struct {
	ToUserName   string `xml:"ToUserName"`
	FromUserName string `xml:"FromUserName"`
	CreateTime   int64  `xml:"CreateTime"`
	MsgType      string `xml:"MsgType"`
	Content      string `xml:"Content"`
	MsgID        string `xml:"MsgId"`
	AgentID      string `xml:"AgentID"`
	Event        string `xml:"Event"`
	EventKey     string `xml:"EventKey"`
	TaskID       string `xml:"TaskId"`
	CardType     string `xml:"CardType"`
	ResponseCode string `xml:"ResponseCode"`
}

// errIgnored marks a callback the bot does not act on (events nobody
// asked for an answer to: entering the app, subscribing, contact changes);
// it is answered 200 so WeCom does not retry.
var errIgnored = errors.New("ignored")

// unreadable is a member's message the bot cannot read (an image, voice,
// a menu click, a text far beyond WeCom's limit): it is answered 200 and
// the member gets a short polite reply instead of silence.
type unreadable struct {
	// key dedupes the reply (MsgId, or sender and time for events).
	key, user, reply string
}

func (u *unreadable) Error() string { return "unreadable message" }

// Polite replies to what the bot cannot read.
const (
	replyTextOnly = "抱歉,我暂时只能读懂文字消息。请直接用文字告诉我,例如“今天拜访了星河科技张总,报价50万”;发送“帮助”可以看到我能做什么。"
	replyTooLong  = "这条消息太长了,我没能处理。请分成几条较短的消息发送。"
)

// userEvents are events a member causes by pressing something in the
// app (menus, scans, pickers) that the bot has no answer for; other events
// (entering the app, subscribing, contact changes) are ignored silently.
var userEvents = map[string]bool{
	"click": true, "view": false, "scancode_push": true, "scancode_waitmsg": true,
	"pic_sysphoto": true, "pic_photo_or_album": true, "pic_weixin": true, "location_select": true,
}

// event normalises a decrypted callback.
func (a *Adapter) event(m *inbound) (bot.Event, error) {
	if m.ToUserName != "" && m.ToUserName != a.cfg.CorpID {
		return bot.Event{}, fmt.Errorf("callback for corp %q", m.ToUserName)
	}
	if a.cfg.AgentID != 0 && m.AgentID != "" && m.AgentID != strconv.Itoa(a.cfg.AgentID) {
		return bot.Event{}, fmt.Errorf("callback for agent %q", m.AgentID)
	}
	if m.FromUserName == "" {
		return bot.Event{}, errors.New("callback without FromUserName")
	}
	at := a.now()
	if m.CreateTime > 0 {
		at = time.Unix(m.CreateTime, 0)
	}
	ev := bot.Event{
		Platform:  bot.WeCom,
		TenantKey: a.cfg.CorpID,
		// App callbacks are a member's session with the app: a direct
		// chat whose id is the member's UserID.
		Chat:   bot.Chat{ID: m.FromUserName, Type: bot.DirectChat},
		Sender: bot.User{ID: m.FromUserName},
		At:     at,
	}
	switch {
	case m.MsgType == "text":
		if m.MsgID == "" {
			return bot.Event{}, errors.New("text message without MsgId")
		}
		if len(m.Content) > maxContent {
			return bot.Event{}, &unreadable{key: m.MsgID, user: m.FromUserName, reply: replyTooLong}
		}
		ev.ID, ev.Kind, ev.MessageID = m.MsgID, bot.KindMessage, m.MsgID
		ev.Text = strings.TrimSpace(m.Content)
		return ev, nil
	case m.MsgType == "event" && m.Event == "template_card_event":
		if m.TaskID == "" || m.EventKey == "" {
			return bot.Event{}, errors.New("template_card_event without TaskId or EventKey")
		}
		// Events have no MsgId: WeCom's dedupe key is sender + CreateTime;
		// the card and button make it exact.
		ev.ID = "card:" + m.FromUserName + ":" + strconv.FormatInt(m.CreateTime, 10) + ":" + m.TaskID + ":" + m.EventKey
		ev.Kind = bot.KindAction
		ev.MessageID = cardID(m.TaskID)
		ev.Action = &bot.ActionEvent{ID: m.EventKey}
		return ev, nil
	case m.MsgType == "event" && userEvents[m.Event]:
		return bot.Event{}, &unreadable{key: "event:" + m.FromUserName + ":" + strconv.FormatInt(m.CreateTime, 10),
			user: m.FromUserName, reply: replyTextOnly}
	case m.MsgType == "event":
		return bot.Event{}, errIgnored
	default: // image, voice, video, file, location, link
		key := m.MsgID
		if key == "" {
			key = m.MsgType + ":" + m.FromUserName + ":" + strconv.FormatInt(m.CreateTime, 10)
		}
		return bot.Event{}, &unreadable{key: key, user: m.FromUserName, reply: replyTextOnly}
	}
}

// reissueSep separates a card's message id from the number of a card re-sent
// in its place (task_id allows [0-9A-Za-z_-@]).
const reissueSep = "_r"

// cardID is the message id of the card a task_id belongs to.
func cardID(taskID string) string {
	if i := strings.LastIndex(taskID, reissueSep); i > 0 {
		return taskID[:i]
	}
	return taskID
}

// politeSeen remembers which unreadable messages were answered, so that
// WeCom's retries of a callback get one reply. In memory: after a restart
// a retried callback may be answered again, which costs a duplicate polite
// line, not data.
type politeSeen struct {
	mu   sync.Mutex
	seen map[string]time.Time
}

// first reports whether key is new, and remembers it.
func (p *politeSeen) first(key string, now time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.seen == nil || len(p.seen) >= maxNames {
		p.seen = map[string]time.Time{}
	}
	if _, ok := p.seen[key]; ok {
		return false
	}
	p.seen[key] = now
	return true
}

// politeTimeout bounds the polite reply, sent before the callback is
// answered (WeCom waits 5 s).
const politeTimeout = 3 * time.Second

// answerUnreadable tells the member, once, that the bot reads text only. A
// failure is logged, never turned into a refused callback.
func (a *Adapter) answerUnreadable(ctx context.Context, u *unreadable) {
	if !a.polite.first(u.key, a.now()) {
		return
	}
	a.tell(ctx, u.user, u.reply)
}

// tell sends a short text to a member directly, bypassing the outbox (a
// reply to something that was not stored as an event); a failure is only
// logged.
func (a *Adapter) tell(ctx context.Context, user, text string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), politeTimeout)
	defer cancel()
	if _, err := a.call(ctx, "message/send", a.message(user, "text", map[string]string{"content": text})); err != nil {
		a.log.WarnContext(ctx, "wecom direct reply failed", "userid", user, "err", err)
	}
}
