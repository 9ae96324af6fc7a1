package wecom

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
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

// errIgnored marks a callback the bot does not act on (other events, media
// messages in this version); it is answered 200 so WeCom does not retry.
var errIgnored = errors.New("ignored")

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
			return bot.Event{}, fmt.Errorf("text message of %d bytes", len(m.Content))
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
	default:
		return bot.Event{}, errIgnored
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
