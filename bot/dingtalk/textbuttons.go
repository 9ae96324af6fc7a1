package dingtalk

import (
	"context"
	"strings"
	"time"

	"github.com/salesbot/salesbot/bot"
)

// Text buttons. Without an interactive-card template (Config.CardTemplateID)
// a card is a markdown message, which cannot carry buttons. So the markdown
// names them ("回复「撤销」…"), and a member who then says a button's label
// in that chat — "撤销", or "@机器人 确认到账" in a group — presses it on the
// newest card with buttons the bot sent there: the adapter turns the message
// into the same button press an interactive card would send, and the
// kernel checks who may press it and what it refers to as for any press.
//
// A markdown card with buttons gets a message id of its own, "md:" + its
// outbox key, so that the press (and the kernel's card look-up) can name
// it; its new versions are sent as new messages (robot messages cannot be
// edited), and the chat's newest card keeps that id.
//
// Limits: the newest card per chat is kept in memory (at most
// maxTextCards chats, for textCardTTL). After a restart, on another
// replica, or a day later, the label is read as an ordinary message.

const (
	// textCardPrefix starts the message id of a markdown card with buttons.
	textCardPrefix = "md:"
	// maxTextCards bounds the chats whose newest card is remembered.
	maxTextCards = 10000
	// textCardTTL is how long a card's buttons can be said.
	textCardTTL = 24 * time.Hour
)

// textCard is the newest markdown card with buttons in a chat.
type textCard struct {
	messageID string
	labels    map[string]string // button label → action id
	at        time.Time
	seq       uint64 // tells one remembering from another
}

// textButtons reports whether cards go out as markdown, their buttons said
// as text.
func (a *Adapter) textButtons() bool { return a.cfg.CardTemplateID == "" }

// outChat is the chat id a message goes to, in the form incoming messages
// name it (see chatID).
func outChat(out bot.Outgoing) string {
	if out.To.ChatID != "" {
		return out.To.ChatID
	}
	if out.To.UserID != "" {
		return userChatPrefix + out.To.UserID
	}
	return ""
}

// textCardID returns the message id of a markdown card with buttons about
// to be sent (its original's id for a new version), or "" for a message
// that is not one.
func (a *Adapter) textCardID(out bot.Outgoing) string {
	switch {
	case !a.textButtons() || out.Card == nil || isRobotChat(out.To.ChatID):
		return ""
	case out.UpdateMessageID != "":
		if strings.HasPrefix(out.UpdateMessageID, textCardPrefix) {
			return out.UpdateMessageID
		}
		return ""
	case len(out.Card.Actions) > 0 && out.Key != "":
		return textCardPrefix + out.Key
	}
	return ""
}

// rememberTextCard records a markdown card about to be sent as the chat's
// newest card with buttons, or, for a new version without buttons, forgets
// it. undo puts back what the chat had, for a send that failed, unless
// another card has been remembered there since.
func (a *Adapter) rememberTextCard(out bot.Outgoing, id string) (undo func()) {
	chat := outChat(out)
	if id == "" || chat == "" {
		return func() {}
	}
	prev, hadPrev := a.textCards.get(chat)
	restore := func() {
		if hadPrev {
			a.textCards.put(chat, prev)
		} else {
			a.textCards.remove(chat)
		}
	}
	if len(out.Card.Actions) == 0 {
		if !hadPrev || prev.messageID != id {
			return func() {}
		}
		a.textCards.remove(chat)
		return func() {
			if _, ok := a.textCards.get(chat); !ok {
				restore()
			}
		}
	}
	c := textCard{messageID: id, labels: map[string]string{}, at: a.now(), seq: a.textCardSeq.Add(1)}
	for _, act := range out.Card.Actions {
		c.labels[act.Label] = act.ID
	}
	a.textCards.put(chat, c)
	return func() {
		if now, ok := a.textCards.get(chat); ok && now.seq == c.seq {
			restore()
		}
	}
}

// textHint is the line under a markdown card that says how to press its
// buttons.
func textHint(out bot.Outgoing) string {
	labels := make([]string, len(out.Card.Actions))
	for i, act := range out.Card.Actions {
		labels[i] = "「" + act.Label + "」"
	}
	say := "回复"
	if !strings.HasPrefix(outChat(out), userChatPrefix) {
		say = "@我 说"
	}
	return "> " + say + strings.Join(labels, "或") + "即可操作这张卡片。"
}

// textPress turns a message that says a button's label into the press of
// that button on the chat's newest card with buttons; ok is false for any
// other message.
func (a *Adapter) textPress(ev bot.Event) (bot.Event, bool) {
	if !a.textButtons() {
		return ev, false
	}
	c, ok := a.textCards.get(ev.Chat.ID)
	if !ok || a.now().Sub(c.at) > textCardTTL {
		return ev, false
	}
	label := strings.TrimRight(strings.TrimSpace(ev.Text), "。.!！ ")
	id, ok := c.labels[label]
	if !ok {
		return ev, false
	}
	ev.Kind = bot.KindAction
	ev.ID = "text:" + ev.ID
	ev.MessageID = c.messageID
	ev.Action = &bot.ActionEvent{ID: id}
	ev.Text = ""
	return ev, true
}

// answerTextPress tells the member what their press did when no new version
// of the card says it (refused, a stale button): the notice an interactive
// card would show as a toast, as a reply in the chat.
func (a *Adapter) answerTextPress(ctx context.Context, ev bot.Event, res bot.Result) {
	if res.Duplicate || res.Card != nil || res.Replied || strings.TrimSpace(res.Toast) == "" {
		return
	}
	out := bot.Outgoing{Platform: bot.DingTalk, To: bot.Target{ChatID: ev.Chat.ID}, Text: res.Toast}
	if _, err := a.Send(ctx, out); err != nil {
		a.log.WarnContext(ctx, "dingtalk notice for a button said as text not sent", "chat", ev.Chat.ID, "err", err)
	}
}
