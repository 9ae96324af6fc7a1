package dingtalk

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/salesbot/salesbot/bot"
)

// Interactive cards (互动卡片, PLATFORMS.md §3.4): a card with buttons is
// created and delivered from ONE template the user builds in DingTalk's
// 卡片平台, filled through a fixed set of string variables (cardParams);
// each button sends back its action id as the callback parameter "action".
// The card's outTrackId is its message id for the kernel.
const (
	PathCreateAndDeliver = "/v1.0/card/instances/createAndDeliver"
	PathCardInstances    = "/v1.0/card/instances"
)

// Template variables. A template shows title (coloured by status or
// color), subtitle, body (markdown) and toast (a line only the person who
// pressed a button sees), and buttons 1…6: btnN_text is the label, btnN_id
// the action id the button sends back as {"action": "${btnN_id}"},
// btnN_style primary / default / danger, btnN_show "true" or "false", and
// btnN_confirm the question to confirm before sending ("" for none).
const (
	VarTitle    = "title"
	VarSubtitle = "subtitle"
	VarStatus   = "status"
	VarColor    = "color"
	VarBody     = "body"
	VarToast    = "toast"
	VarButtons  = "btn_count"
)

// buttonVars returns the names of button n's variables (1-based).
func buttonVars(n int) (text, id, style, show, confirm string) {
	p := "btn" + strconv.Itoa(n) + "_"
	return p + "text", p + "id", p + "style", p + "show", p + "confirm"
}

// cardParams fills the template's variables for a card (with the message
// text above its body). Every variable is always set, so that an update by
// key leaves nothing of the previous version behind.
func cardParams(c *bot.Card, text string) map[string]string {
	status := c.Header.Status
	if status == "" {
		status = bot.StatusNeutral
	}
	color := statusColors[status]
	if color == "" {
		color = "#1f2329"
	}
	var b strings.Builder
	if t := strings.TrimSpace(text); t != "" {
		b.WriteString(t + "\n\n")
	}
	writeElements(&b, c)
	p := map[string]string{
		VarTitle: c.Header.Title, VarSubtitle: c.Header.Subtitle, VarStatus: string(status), VarColor: color,
		VarBody: strings.TrimRight(b.String(), "\n"), VarToast: "",
		VarButtons: strconv.Itoa(min(len(c.Actions), bot.MaxActions)),
	}
	for n := 1; n <= bot.MaxActions; n++ {
		tv, iv, sv, show, cv := buttonVars(n)
		p[tv], p[iv], p[sv], p[show], p[cv] = "", "", "", "false", ""
		if n <= len(c.Actions) {
			a := c.Actions[n-1]
			style := a.Style
			if style == "" {
				style = bot.ButtonDefault
			}
			p[tv], p[iv], p[sv], p[show] = a.Label, a.ID, string(style), "true"
			if a.Confirm != nil {
				p[cv] = strings.TrimSpace(a.Confirm.Title + " " + a.Confirm.Text)
			}
		}
	}
	return p
}

// trackID is the outTrackId of the card sent for an outbox key: the key and
// a MAC of it with the app secret, so that a press on a card this bot did
// not send is told apart without a look-up, and the card stays recognised
// after a restart and on every replica.
func (a *Adapter) trackID(key string) string {
	if key == "" {
		key = bot.NewID()
	}
	var b strings.Builder
	for _, r := range key {
		if r < 128 && (r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_') {
			b.WriteRune(r)
		}
	}
	k := b.String()
	return "sb_" + k + "_" + a.trackMAC(k)
}

func (a *Adapter) trackMAC(k string) string {
	m := hmac.New(sha256.New, []byte(a.cfg.ClientSecret))
	m.Write([]byte("salesbot dingtalk card " + k))
	return hex.EncodeToString(m.Sum(nil))[:24]
}

// ownTrackID reports whether id is the outTrackId of a card this bot sent.
func (a *Adapter) ownTrackID(id string) bool {
	rest, ok := strings.CutPrefix(id, "sb_")
	if !ok {
		return false
	}
	i := strings.LastIndexByte(rest, '_')
	if i <= 0 {
		return false
	}
	return hmac.Equal([]byte(rest[i+1:]), []byte(a.trackMAC(rest[:i])))
}

// callbackType is how DingTalk sends the card's presses back.
func (a *Adapter) callbackType() string {
	if a.cfg.Mode == ModeStream {
		return "STREAM"
	}
	return "HTTP"
}

// deliverResult is one space's outcome of createAndDeliver.
type deliverResult struct {
	SpaceType string `json:"spaceType"`
	SpaceID   string `json:"spaceId"`
	Success   bool   `json:"success"`
	CarrierID string `json:"carrierId"`
	ErrorMsg  string `json:"errorMsg"`
}

// deliverCard creates an interactive card and delivers it to the group
// (openSpaceId dtv1.card//IM_GROUP.<conversationId>) or to one person's
// chat with the robot (dtv1.card//IM_ROBOT.<userId>). Its message id is the
// outTrackId.
func (a *Adapter) deliverCard(ctx context.Context, out bot.Outgoing) (string, error) {
	id := a.trackID(out.Key)
	req := map[string]any{
		"cardTemplateId": a.cfg.CardTemplateID,
		"outTrackId":     id,
		"callbackType":   a.callbackType(),
		"cardData":       map[string]any{"cardParamMap": cardParams(out.Card, out.Text)},
		"userIdType":     1,
	}
	if a.cfg.Mode != ModeStream {
		// HTTP callbacks go to the URL registered for this route key.
		req["callbackRouteKey"] = a.cfg.RobotCode
	}
	if user := a.directUser(out); user != "" {
		req["openSpaceId"] = "dtv1.card//IM_ROBOT." + user
		req["imRobotOpenSpaceModel"] = map[string]any{"supportForward": false}
		req["imRobotOpenDeliverModel"] = map[string]any{"spaceType": "IM_ROBOT", "robotCode": a.cfg.RobotCode}
	} else if out.To.ChatID != "" {
		deliver := map[string]any{"robotCode": a.cfg.RobotCode}
		if at := atUserIDs(out.Mentions); len(at) > 0 {
			deliver["atUserIds"] = at
		}
		req["openSpaceId"] = "dtv1.card//IM_GROUP." + out.To.ChatID
		req["imGroupOpenSpaceModel"] = map[string]any{"supportForward": true}
		req["imGroupOpenDeliverModel"] = deliver
	} else {
		return "", Permanent("NoTarget", "outgoing card without a chat or user")
	}
	var resp struct {
		Success bool `json:"success"`
		Result  struct {
			OutTrackID     string          `json:"outTrackId"`
			DeliverResults []deliverResult `json:"deliverResults"`
		} `json:"result"`
	}
	if err := a.authed(ctx, PathCreateAndDeliver, req, &resp); err != nil {
		return "", err
	}
	for _, r := range resp.Result.DeliverResults {
		if !r.Success {
			return "", Permanent("DeliverFailed", fmt.Sprintf("card not delivered to %s %s: %s", r.SpaceType, r.SpaceID, r.ErrorMsg))
		}
	}
	return id, nil
}

// directUser is the person a message goes to directly, or "" for a group.
func (a *Adapter) directUser(out bot.Outgoing) string {
	if out.To.UserID != "" {
		return out.To.UserID
	}
	if u, ok := strings.CutPrefix(out.To.ChatID, userChatPrefix); ok {
		return u
	}
	if s, ok := a.sessions.get("conv:" + out.To.ChatID); ok && s.direct {
		return s.staffID
	}
	return ""
}

// atUserIDs maps the people to @ to their names, as createAndDeliver takes
// them.
func atUserIDs(ms []bot.Mention) map[string]string {
	at := map[string]string{}
	for _, m := range ms {
		if m.UserID != "" {
			at[m.UserID] = m.Name
		}
	}
	return at
}

// updateCard replaces the data of an interactive card the bot sent (PUT
// /v1.0/card/instances, by key).
func (a *Adapter) updateCard(ctx context.Context, out bot.Outgoing) (string, error) {
	if out.Card == nil {
		return "", Permanent("NoCard", "a card update without a card")
	}
	req := map[string]any{
		"outTrackId":        out.UpdateMessageID,
		"cardData":          map[string]any{"cardParamMap": cardParams(out.Card, out.Text)},
		"cardUpdateOptions": map[string]any{"updateCardDataByKey": true},
		"userIdType":        1,
	}
	var resp struct {
		Success bool `json:"success"`
	}
	if err := a.authedDo(ctx, http.MethodPut, PathCardInstances, req, &resp); err != nil {
		return "", err
	}
	return out.UpdateMessageID, nil
}

// CardCallback is a press on an interactive card's button, as DingTalk
// sends it (the data of a /v1.0/card/instances/callback frame, or the body
// of an HTTP callback). Content is a JSON string holding
// {"cardPrivateData":{"actionIds":[…],"params":{…}}}.
type CardCallback struct {
	OutTrackID string `json:"outTrackId"`
	CorpID     string `json:"corpId"`
	UserID     string `json:"userId"`
	UserIDType int    `json:"userIdType,omitempty"`
	SpaceType  string `json:"spaceType"`
	SpaceID    string `json:"spaceId"`
	Type       string `json:"type,omitempty"`
	Extension  string `json:"extension,omitempty"`
	Content    string `json:"content"`
}

// CardAction is the decoded Content of a CardCallback.
type CardAction struct {
	CardPrivateData struct {
		ActionIDs []string       `json:"actionIds"`
		Params    map[string]any `json:"params"`
	} `json:"cardPrivateData"`
}

// isCardCallback tells a card press from a robot message by its shape: an
// outTrackId and no msgId.
func isCardCallback(body []byte) bool {
	var probe struct {
		OutTrackID string `json:"outTrackId"`
		MsgID      string `json:"msgId"`
	}
	return json.Unmarshal(body, &probe) == nil && probe.OutTrackID != "" && probe.MsgID == ""
}

// errUnknownCard refuses a press on a card this bot did not send.
var errUnknownCard = errors.New("press on a card this bot did not send")

// cardClick normalises a card press, hands it to the sink and returns the
// answer that updates the card at once; on failure, the HTTP status to
// answer with. A press on a card this bot did not send is refused before
// anything is stored. delivery names this delivery of the press (the
// Stream frame's messageId, the HTTP callback's timestamp), which a retry
// repeats.
func (a *Adapter) cardClick(ctx context.Context, sink bot.Sink, body []byte, delivery string) ([]byte, int, error) {
	ev, err := a.cardEvent(body, delivery)
	if errors.Is(err, errUnknownCard) {
		return nil, http.StatusForbidden, err
	}
	if err != nil {
		return nil, http.StatusBadRequest, err
	}
	res, err := sink.Deliver(ctx, ev)
	if errors.Is(err, bot.ErrUnknownTenant) {
		a.log.WarnContext(ctx, "dingtalk card press from an unknown corp dropped", "corp_id", ev.TenantKey)
		return cardAnswer(bot.Result{}), 0, nil
	}
	if err != nil {
		return nil, http.StatusServiceUnavailable, err
	}
	return cardAnswer(res), 0, nil
}

// cardEvent turns a card press into a bot.Event. Only the action id comes
// from the card; the kernel looks up what it refers to.
func (a *Adapter) cardEvent(body []byte, delivery string) (bot.Event, error) {
	var cb struct {
		CardCallback
		// Content is a JSON string in the documented payload; take an
		// object as well.
		Content json.RawMessage `json:"content"`
	}
	if err := json.Unmarshal(body, &cb); err != nil {
		return bot.Event{}, fmt.Errorf("card callback is not JSON: %w", err)
	}
	if !a.ownTrackID(cb.OutTrackID) {
		return bot.Event{}, fmt.Errorf("%w (outTrackId %q)", errUnknownCard, cb.OutTrackID)
	}
	content := []byte(cb.Content)
	var s string
	if json.Unmarshal(content, &s) == nil {
		content = []byte(s)
	}
	var act CardAction
	if err := json.Unmarshal(content, &act); err != nil {
		return bot.Event{}, fmt.Errorf("card callback content: %w", err)
	}
	id, _ := act.CardPrivateData.Params["action"].(string)
	if id == "" || cb.UserID == "" {
		return bot.Event{}, errors.New("card callback without userId or an action parameter")
	}
	chat := bot.Chat{ID: cb.SpaceID, Type: bot.GroupChat}
	if strings.EqualFold(cb.SpaceType, "IM_ROBOT") || strings.EqualFold(cb.SpaceType, "IM_SINGLE") {
		// The person's chat with the robot, as for their messages.
		chat = bot.Chat{ID: userChatPrefix + cb.UserID, Type: bot.DirectChat}
	}
	if chat.ID == "" {
		return bot.Event{}, errors.New("card callback without spaceId")
	}
	return bot.Event{
		// A press carries no id of its own; its delivery tells a retry
		// from a new press of the same button (after a cancelled 驳回,
		// say). A press handled twice changes nothing the second time:
		// handlers change state conditionally.
		ID:        "card:" + cb.OutTrackID + ":" + cb.UserID + ":" + id + ":" + delivery,
		Kind:      bot.KindAction,
		Platform:  bot.DingTalk,
		TenantKey: cb.CorpID,
		Chat:      chat,
		Sender:    bot.User{ID: cb.UserID},
		MessageID: cb.OutTrackID,
		Action:    &bot.ActionEvent{ID: id},
		At:        a.now(),
	}, nil
}

// cardAnswer is the answer to a press: {"response": {...}} with the updated
// card's data (updated by key, for everyone) and the toast as private data
// of the person who pressed.
func cardAnswer(res bot.Result) []byte {
	resp := map[string]any{}
	opts := map[string]bool{}
	if res.Card != nil {
		resp["cardData"] = map[string]any{"cardParamMap": cardParams(res.Card, "")}
		opts["updateCardDataByKey"] = true
	}
	if res.Toast != "" {
		resp["userPrivateData"] = map[string]any{"cardParamMap": map[string]string{VarToast: res.Toast}}
		opts["updatePrivateDataByKey"] = true
	}
	if len(opts) > 0 {
		resp["cardUpdateOptions"] = opts
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(map[string]any{"response": resp})
	return bytes.TrimRight(b.Bytes(), "\n")
}
