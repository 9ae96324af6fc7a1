package wecom

// Sending over the AI bot's long connection (aibotws.go): answers with the
// message's req_id, unprompted messages with aibot_send_msg, a card's new
// version with the press's req_id, and how WeCom's errcodes map to the
// outbox's retry rules.

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/salesbot/salesbot/bot"
)

// aibotWSSend sends out over the long connection: an answer to a message
// with its req_id, anything for an AI bot group (or, without the app, for
// a member) with aibot_send_msg, a card's new version with
// aibot_respond_update_msg. handled is false for what the app sends.
func (a *Adapter) aibotWSSend(ctx context.Context, out bot.Outgoing) (id string, handled bool, err error) {
	if out.UpdateMessageID != "" {
		return a.aibotWSUpdate(ctx, out)
	}
	group := strings.HasPrefix(out.To.ChatID, AIBotChatPrefix)
	var rep aibotReply
	answer := false
	if out.ReplyTo != "" {
		r, ok := a.aibot.get(out.ReplyTo)
		rep, answer = r, ok && r.reqID != ""
	}
	if !answer && !group && a.hasApp() {
		return "", false, nil // a member, reached through the app
	}
	if out.Card == nil && strings.TrimSpace(out.Text) == "" {
		return "", true, bot.Permanent("bad_message", "outgoing message has neither text nor card")
	}
	c := a.ws.current()
	if c == nil {
		return "", true, bot.Retry("aibot_disconnected", errAIBotDown.Error(), 0)
	}
	if !answer {
		chat := firstNonEmpty(out.To.UserID, out.To.ChatID)
		if group {
			chat = strings.TrimPrefix(out.To.ChatID, AIBotChatPrefix)
		}
		id, err := a.aibotPush(ctx, c, chat, out, taskIDFor(out.Key))
		if err != nil {
			return "", true, a.aibotFailed(ctx, err, out)
		}
		return id, true, nil
	}
	id, err = a.aibotRespond(ctx, c, rep, out)
	if err == nil {
		return id, true, nil
	}
	if !replyGone(err) {
		return "", true, a.aibotFailed(ctx, err, out)
	}
	// WeCom no longer takes answers on this req_id: say it unprompted.
	a.log.Info("wecom AI bot req_id refused, sending unprompted", "msgid", out.ReplyTo, "err", err)
	id, err = a.aibotPush(ctx, c, rep.chat, out, taskIDFor(out.Key))
	if err == nil {
		return id, true, nil
	}
	se := aibotClassify(err)
	if se.Permanent && a.hasApp() && rep.user != "" {
		a.log.Info("wecom AI bot cannot post here, answering the member through the app", "chat", rep.chat, "err", err)
		o := out
		o.To, o.ReplyTo = bot.Target{UserID: rep.user}, ""
		id, err := a.Send(ctx, o)
		return id, true, err
	}
	return "", true, a.aibotFailed(ctx, err, out)
}

// errAIBotEmpty is a message that renders to nothing.
var errAIBotEmpty = bot.Permanent("bad_message", "outgoing message renders to nothing")

// replyGone reports whether WeCom refused an answer's req_id (unknown,
// used, expired), so that the answer has to go out unprompted.
func replyGone(err error) bool {
	var ae *aibotAckError
	return errors.As(err, &ae) && (ae.code == codeAIBotBadReqID || ae.code == codeAIBotExpired)
}

// aibotRender renders out for the AI bot: markdown (the text, or a card
// without buttons, or the body of a card too big for a template card) and
// the template card with the buttons.
func aibotRender(out bot.Outgoing, taskID string) (md string, card *TemplateCard) {
	if out.Card == nil {
		return out.Text, nil
	}
	if len(out.Card.Actions) == 0 {
		return cardMarkdown(out.Card, out.Text), nil
	}
	r := renderCard(out.Card, out.Text, taskID)
	if len(r.markdown) > 0 {
		md = cardMarkdown(out.Card, out.Text)
	}
	return md, r.card
}

// aibotRespond answers a message with its callback's req_id: markdown as a
// finished stream (its id the outbox key, so a retry refreshes the same
// message), a card, or both.
func (a *Adapter) aibotRespond(ctx context.Context, c *aibotConn, rep aibotReply, out bot.Outgoing) (string, error) {
	taskID := taskIDFor(out.Key)
	md, card := aibotRender(out, taskID)
	parts := splitBytes(md, aibotMaxStream)
	if len(parts) == 0 && card == nil {
		return "", errAIBotEmpty
	}
	stream := func() map[string]any {
		return map[string]any{"id": firstNonEmpty(out.Key, taskID), "finish": true, "content": parts[0]}
	}
	var body map[string]any
	switch {
	case card != nil && len(parts) == 0:
		body = map[string]any{"msgtype": "template_card", "template_card": card}
	case card != nil:
		body = map[string]any{"msgtype": "stream_with_template_card", "stream": stream(), "template_card": card}
	default:
		body = map[string]any{"msgtype": "stream", "stream": stream()}
	}
	if _, err := c.command(ctx, cmdRespond, rep.reqID, body, a.ackTimeout()); err != nil {
		return "", err
	}
	for _, p := range parts[min(1, len(parts)):] {
		if _, err := a.aibotPushMarkdown(ctx, c, rep.chat, p); err != nil {
			return "", err
		}
	}
	if card == nil {
		return out.ReplyTo, nil
	}
	a.ws.noteCard(cardID(taskID), rep.chat)
	return taskID, nil
}

// aibotPush sends out unprompted to chat (a group's chatid or a member's
// userid): markdown, then the template card with the buttons.
func (a *Adapter) aibotPush(ctx context.Context, c *aibotConn, chat string, out bot.Outgoing, taskID string) (string, error) {
	md, card := aibotRender(out, taskID)
	if strings.TrimSpace(md) == "" && card == nil {
		return "", errAIBotEmpty
	}
	var id string
	for _, p := range splitBytes(md, aibotMaxMarkdown) {
		reqID, err := a.aibotPushMarkdown(ctx, c, chat, p)
		if err != nil {
			return "", err
		}
		id = firstNonEmpty(id, reqID)
	}
	if card == nil {
		return id, nil
	}
	body := map[string]any{"chatid": chat, "msgtype": "template_card", "template_card": card}
	if _, err := c.command(ctx, cmdSendMsg, newReqID(cmdSendMsg), body, a.ackTimeout()); err != nil {
		return "", err
	}
	a.ws.noteCard(cardID(taskID), chat)
	return taskID, nil
}

func (a *Adapter) aibotPushMarkdown(ctx context.Context, c *aibotConn, chat, md string) (string, error) {
	reqID := newReqID(cmdSendMsg)
	body := map[string]any{"chatid": chat, "msgtype": "markdown", "markdown": map[string]string{"content": md}}
	_, err := c.command(ctx, cmdSendMsg, reqID, body, a.ackTimeout())
	return reqID, err
}

// aibotWSUpdate sends a card's new version: with the req_id of the press
// on it while WeCom still takes one (5 s), else as a new card in the same
// chat (its task_id "<card>_r<n>", as the app re-sends cards). handled is
// false for the app's cards.
func (a *Adapter) aibotWSUpdate(ctx context.Context, out bot.Outgoing) (string, bool, error) {
	root := out.UpdateMessageID
	known, ok := a.ws.card(root)
	group := strings.HasPrefix(out.To.ChatID, AIBotChatPrefix)
	if !ok && !group && a.hasApp() {
		return "", false, nil
	}
	if out.Card == nil {
		return "", true, bot.Permanent("bad_message", "a card update without a card")
	}
	chat := known.chat
	if chat == "" {
		chat = firstNonEmpty(strings.TrimPrefix(out.To.ChatID, AIBotChatPrefix), out.To.UserID)
	}
	c := a.ws.current()
	if c == nil {
		return "", true, bot.Retry("aibot_disconnected", errAIBotDown.Error(), 0)
	}
	if p := a.ws.takePress(root); p.reqID != "" && a.now().Sub(p.at) < aibotUpdateWindow {
		body := map[string]any{"response_type": "update_template_card",
			"template_card": aibotUpdateCard(out.Card, out.Text, p.taskID)}
		_, err := c.command(ctx, cmdRespondUpdate, p.reqID, body, a.ackTimeout())
		if err == nil {
			return root, true, nil
		}
		var ae *aibotAckError
		if !errors.As(err, &ae) {
			// Unknown whether it arrived; a retry re-sends it as a card.
			return "", true, a.aibotFailed(ctx, err, out)
		}
		a.log.Info("wecom AI bot card update refused, sending a new card", "card", root, "err", err)
	}
	o := out
	o.UpdateMessageID = ""
	if _, err := a.aibotPush(ctx, c, chat, o, root+reissueSep+strconv.Itoa(a.nextReissue(root))); err != nil {
		return "", true, a.aibotFailed(ctx, err, out)
	}
	return root, true, nil
}

// aibotNoticeCard is a text_notice template card: a card's new version
// when its buttons are gone (WeCom needs a template card to replace one).
type aibotNoticeCard struct {
	CardType              string          `json:"card_type"`
	Source                *cardSource     `json:"source,omitempty"`
	MainTitle             cardTitle       `json:"main_title"`
	SubTitleText          string          `json:"sub_title_text,omitempty"`
	HorizontalContentList []cardKV        `json:"horizontal_content_list,omitempty"`
	CardAction            aibotCardAction `json:"card_action"`
	TaskID                string          `json:"task_id,omitempty"`
}

type aibotCardAction struct {
	Type int    `json:"type"`
	URL  string `json:"url,omitempty"`
}

// aibotUpdateCard renders a card's new version as one template card: with
// buttons a button_interaction card, without them a text_notice card; the
// body is cut to what a template card shows.
func aibotUpdateCard(c *bot.Card, text, taskID string) any {
	n := &aibotNoticeCard{CardType: "text_notice", Source: statusSource(c.Header.Status),
		MainTitle:  cardTitle{Title: firstNonEmpty(c.Header.Title, "salesbot"), Desc: c.Header.Subtitle},
		CardAction: aibotCardAction{Type: 1, URL: aibotCardLink}, TaskID: taskID}
	var sub []string
	if strings.TrimSpace(text) != "" {
		sub = append(sub, strings.TrimSpace(text))
	}
	for _, e := range c.Elements {
		switch e.Kind {
		case bot.ElemFields:
			for _, f := range e.Fields {
				if len(n.HorizontalContentList) < maxHorizontal {
					n.HorizontalContentList = append(n.HorizontalContentList, cardKV{KeyName: f.Label, Value: f.Value})
				}
			}
		case bot.ElemMarkdown, bot.ElemNote:
			if t := plain(e.Text); t != "" {
				sub = append(sub, t)
			}
		case bot.ElemProgress:
			for _, r := range e.Progress {
				sub = append(sub, fmt.Sprintf("%s %.0f%%", r.Label, r.Percent))
			}
		}
	}
	n.SubTitleText = cutRunes(strings.Join(sub, "\n"), maxSubTitleRunes)
	if len(c.Actions) == 0 {
		return n
	}
	tc := *renderCard(c, text, taskID).card
	tc.SubTitleText, tc.HorizontalContentList = n.SubTitleText, n.HorizontalContentList
	return &tc
}

func cutRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// aibotClassify turns a failed command into a SendError: a dead or silent
// connection, busy and rate limits are retried, other errcodes are not.
func aibotClassify(err error) *bot.SendError {
	var ae *aibotAckError
	var se *bot.SendError
	switch {
	case errors.As(err, &se):
		return se
	case errors.As(err, &ae):
		code := strconv.Itoa(ae.code)
		switch ae.code {
		case codeBusy:
			return bot.Retry(code, ae.msg, 0)
		case codeRateLimited, codeConcurrency:
			return &bot.SendError{Code: code, Message: ae.msg, Scope: "app"}
		}
		return bot.Permanent(code, ae.msg)
	case errors.Is(err, errAIBotDown):
		return bot.Retry("aibot_disconnected", err.Error(), 0)
	case errors.Is(err, errAIBotAckTimeout):
		return bot.Retry("aibot_ack_timeout", err.Error(), 0)
	}
	return bot.Retry("aibot_transport", err.Error(), 0)
}

// aibotFailed classifies err for the outbox and logs permanent failures.
func (a *Adapter) aibotFailed(ctx context.Context, err error, out bot.Outgoing) *bot.SendError {
	se := aibotClassify(err)
	if se.Permanent {
		a.log.ErrorContext(ctx, "wecom AI bot send failed permanently", "code", se.Code, "msg", se.Message,
			"chat", firstNonEmpty(out.To.ChatID, out.To.UserID), "update", out.UpdateMessageID)
	}
	return se
}
