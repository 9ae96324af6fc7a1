package dingtalktest

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/salesbot/salesbot/bot/dingtalk"

	"github.com/salesbot/salesbot/bot/bottest"
)

// Interactive-card paths the emulator serves (PLATFORMS.md §3.4).
const (
	PathCreateAndDeliver = dingtalk.PathCreateAndDeliver
	PathCardInstances    = dingtalk.PathCardInstances
)

// Card is an interactive card as the emulator holds it.
type Card struct {
	OutTrackID   string
	TemplateID   string
	CallbackType string // STREAM or HTTP
	RouteKey     string // callbackRouteKey (HTTP)
	// SpaceType is IM_GROUP or IM_ROBOT; SpaceID the conversation or the
	// user.
	SpaceType, SpaceID string
	RobotCode          string
	AtUserIDs          map[string]string
	// Params is the card's public data; Private each user's own.
	Params  map[string]string
	Private map[string]map[string]string
	// Updates counts PUT card/instances calls; Answers the presses whose
	// answer updated the card.
	Updates, Answers int
}

// Button returns the action id of the visible button with the label.
func (c Card) Button(label string) (string, bool) {
	for n := 1; n <= 6; n++ {
		p := "btn" + strconv.Itoa(n) + "_"
		if c.Params[p+"show"] == "true" && c.Params[p+"text"] == label {
			return c.Params[p+"id"], true
		}
	}
	return "", false
}

// Buttons returns the labels of the visible buttons, in order.
func (c Card) Buttons() []string {
	var out []string
	for n := 1; n <= 6; n++ {
		p := "btn" + strconv.Itoa(n) + "_"
		if c.Params[p+"show"] == "true" {
			out = append(out, c.Params[p+"text"])
		}
	}
	return out
}

// Text is the card's title, subtitle and body, for matching words.
func (c Card) Text() string {
	return c.Params["title"] + "\n" + c.Params["subtitle"] + "\n" + c.Params["body"]
}

func (c *Card) clone() Card {
	cp := *c
	cp.Params = maps.Clone(c.Params)
	cp.AtUserIDs = maps.Clone(c.AtUserIDs)
	cp.Private = map[string]map[string]string{}
	for u, p := range c.Private {
		cp.Private[u] = maps.Clone(p)
	}
	return cp
}

// Cards returns the interactive cards sent so far, in no order.
func (e *Emulator) Cards() []Card {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Card, 0, len(e.cards))
	for _, c := range e.cards {
		out = append(out, c.clone())
	}
	return out
}

// Card returns one card by outTrackId.
func (e *Emulator) Card(outTrackID string) (Card, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, ok := e.cards[outTrackID]
	if !ok {
		return Card{}, false
	}
	return c.clone(), true
}

// WaitCard polls the cards until one satisfies ok, or fails the test.
func (e *Emulator) WaitCard(t testing.TB, timeout time.Duration, what string, ok func(Card) bool) Card {
	t.Helper()
	var found Card
	bottest.Await(t, timeout, "dingtalk emulator: card "+what, e.Cards, func(cs []Card) bool {
		for _, c := range cs {
			if ok(c) {
				found = c
				return true
			}
		}
		return false
	})
	return found
}

type cardData struct {
	CardParamMap map[string]string `json:"cardParamMap"`
}

// createAndDeliver creates a card and delivers it to one space.
func (e *Emulator) createAndDeliver(w http.ResponseWriter, r *http.Request) {
	if f, ok := e.begin(PathCreateAndDeliver); ok {
		apiFail(w, f.Status, f.Code, f.Message)
		return
	}
	if !e.authed(w, r) {
		return
	}
	var req struct {
		CardTemplateID          string   `json:"cardTemplateId"`
		OutTrackID              string   `json:"outTrackId"`
		CallbackType            string   `json:"callbackType"`
		CallbackRouteKey        string   `json:"callbackRouteKey"`
		CardData                cardData `json:"cardData"`
		OpenSpaceID             string   `json:"openSpaceId"`
		UserIDType              int      `json:"userIdType"`
		ImGroupOpenDeliverModel *struct {
			RobotCode string            `json:"robotCode"`
			AtUserIDs map[string]string `json:"atUserIds"`
		} `json:"imGroupOpenDeliverModel"`
		ImRobotOpenDeliverModel *struct {
			SpaceType string `json:"spaceType"`
			RobotCode string `json:"robotCode"`
		} `json:"imRobotOpenDeliverModel"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		apiFail(w, 400, "InvalidParameter", "body is not JSON")
		return
	}
	c := &Card{OutTrackID: req.OutTrackID, TemplateID: req.CardTemplateID, CallbackType: req.CallbackType,
		RouteKey: req.CallbackRouteKey, Params: req.CardData.CardParamMap, Private: map[string]map[string]string{}}
	space, ok := strings.CutPrefix(req.OpenSpaceID, "dtv1.card//")
	if ok {
		c.SpaceType, c.SpaceID, ok = strings.Cut(space, ".")
	}
	var bad string
	switch {
	case req.CardTemplateID == "" || req.OutTrackID == "":
		bad = "cardTemplateId and outTrackId are required"
	case req.CallbackType != "STREAM" && req.CallbackType != "HTTP":
		bad = "callbackType must be STREAM or HTTP"
	case req.CallbackType == "HTTP" && req.CallbackRouteKey == "":
		bad = "an HTTP callback needs a callbackRouteKey"
	case !ok || c.SpaceID == "":
		bad = "bad openSpaceId " + req.OpenSpaceID
	case c.SpaceType == "IM_GROUP" && req.ImGroupOpenDeliverModel != nil:
		c.RobotCode, c.AtUserIDs = req.ImGroupOpenDeliverModel.RobotCode, req.ImGroupOpenDeliverModel.AtUserIDs
	case c.SpaceType == "IM_ROBOT" && req.ImRobotOpenDeliverModel != nil && req.ImRobotOpenDeliverModel.SpaceType == "IM_ROBOT":
		c.RobotCode = req.ImRobotOpenDeliverModel.RobotCode
	default:
		bad = "no deliver model for space " + c.SpaceType
	}
	if bad == "" && c.RobotCode != e.RobotCode {
		bad = "robotCode " + c.RobotCode + " is not this robot"
	}
	if bad == "" && req.UserIDType != 1 {
		bad = "userIdType must be 1 (userid)"
	}
	if bad != "" {
		apiFail(w, 400, "InvalidParameter", bad)
		return
	}
	for k, v := range c.Params {
		if v == "" {
			continue
		}
		if strings.Contains(v, "${") {
			apiFail(w, 400, "InvalidParameter", "unexpanded variable in "+k)
			return
		}
	}
	e.mu.Lock()
	if _, dup := e.cards[c.OutTrackID]; dup {
		e.mu.Unlock()
		apiFail(w, 400, "param.outTrackIdExists", "outTrackId already used")
		return
	}
	e.cards[c.OutTrackID] = c
	n := len(e.cards)
	e.mu.Unlock()
	writeJSON(w, 200, map[string]any{"success": true, "result": map[string]any{
		"outTrackId": c.OutTrackID,
		"deliverResults": []map[string]any{{"spaceType": c.SpaceType, "spaceId": c.SpaceID, "success": true,
			"carrierId": fmt.Sprintf("carrier-%d", n)}},
	}})
}

// updateCard answers PUT /v1.0/card/instances.
func (e *Emulator) updateCard(w http.ResponseWriter, r *http.Request) {
	if f, ok := e.begin(PathCardInstances); ok {
		apiFail(w, f.Status, f.Code, f.Message)
		return
	}
	if !e.authed(w, r) {
		return
	}
	var req struct {
		OutTrackID        string   `json:"outTrackId"`
		CardData          cardData `json:"cardData"`
		CardUpdateOptions struct {
			UpdateCardDataByKey bool `json:"updateCardDataByKey"`
		} `json:"cardUpdateOptions"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		apiFail(w, 400, "InvalidParameter", "body is not JSON")
		return
	}
	e.mu.Lock()
	c, ok := e.cards[req.OutTrackID]
	if ok {
		c.Params = merge(c.Params, req.CardData.CardParamMap, req.CardUpdateOptions.UpdateCardDataByKey)
		c.Updates++
	}
	e.mu.Unlock()
	if !ok {
		apiFail(w, 400, "param.cardNotExist", "no card with outTrackId "+req.OutTrackID)
		return
	}
	writeJSON(w, 200, map[string]any{"success": true, "result": true})
}

func merge(old, in map[string]string, byKey bool) map[string]string {
	if !byKey {
		return maps.Clone(in)
	}
	out := maps.Clone(old)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, in)
	return out
}

// CardReply is the answer to a press, decoded: {"response":{"cardData",
// "userPrivateData","cardUpdateOptions"}}.
type CardReply struct {
	CardData *struct {
		CardParamMap map[string]string `json:"cardParamMap"`
	} `json:"cardData"`
	UserPrivateData *struct {
		CardParamMap map[string]string `json:"cardParamMap"`
	} `json:"userPrivateData"`
	CardUpdateOptions *struct {
		UpdateCardDataByKey    bool `json:"updateCardDataByKey"`
		UpdatePrivateDataByKey bool `json:"updatePrivateDataByKey"`
	} `json:"cardUpdateOptions"`
}

// Toast is the private toast the answer shows the person who pressed.
func (r CardReply) Toast() string {
	if r.UserPrivateData == nil {
		return ""
	}
	return r.UserPrivateData.CardParamMap["toast"]
}

// apply updates a card with a press's answer, as DingTalk does.
func (e *Emulator) apply(outTrackID, userID string, r CardReply) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, ok := e.cards[outTrackID]
	if !ok {
		return
	}
	byKey := r.CardUpdateOptions != nil && r.CardUpdateOptions.UpdateCardDataByKey
	if r.CardData != nil {
		c.Params = merge(c.Params, r.CardData.CardParamMap, byKey)
		c.Answers++
	}
	if r.UserPrivateData != nil {
		c.Private[userID] = merge(c.Private[userID], r.UserPrivateData.CardParamMap, true)
	}
}

// Pressed is the outcome of a press: the HTTP status (on the Stream, the
// ack's code) and message, and the decoded answer.
type Pressed struct {
	Status  int
	Message string
	Reply   CardReply
}

// Press presses the button with the label on a card as a user, the way the
// card asked for (its callbackType): a CALLBACK frame on the Stream, or a
// signed POST to the callback URL. It fails the test unless the press is
// answered 200, and returns the answer, applied to the card.
func (d *Driver) Press(t testing.TB, outTrackID, userID, label string) CardReply {
	t.Helper()
	c, ok := d.Emulator.Card(outTrackID)
	if !ok {
		t.Fatalf("dingtalk emulator: no card %s", outTrackID)
	}
	action, ok := c.Button(label)
	if !ok {
		t.Fatalf("dingtalk emulator: card %s has no button %q (buttons %v)", outTrackID, label, c.Buttons())
	}
	p := d.PressRaw(t, c.CallbackType == "STREAM", d.Callback(c, userID, action))
	if p.Status != http.StatusOK {
		t.Fatalf("press of %q on %s: %d %s", label, outTrackID, p.Status, p.Message)
	}
	return p.Reply
}

// Callback is the callback DingTalk sends when a user presses a button
// whose callback parameter "action" is action.
func (d *Driver) Callback(c Card, userID, action string) dingtalk.CardCallback {
	var content dingtalk.CardAction
	content.CardPrivateData.ActionIDs = []string{"button"}
	content.CardPrivateData.Params = map[string]any{"action": action}
	b, _ := json.Marshal(content)
	return dingtalk.CardCallback{OutTrackID: c.OutTrackID, CorpID: d.CorpID, UserID: userID, UserIDType: 1,
		SpaceType: c.SpaceType, SpaceID: c.SpaceID, Type: "actionCallback", Content: string(b)}
}

// PressRaw sends a press callback over the Stream (stream) or posts it,
// signed unless opts say otherwise, and applies a 200 answer to the card.
func (d *Driver) PressRaw(t testing.TB, stream bool, cb dingtalk.CardCallback, opts ...PostOption) Pressed {
	t.Helper()
	body, _ := json.Marshal(cb)
	var p Pressed
	var data []byte
	if stream {
		id := d.Emulator.PushFrame(t, "CALLBACK", dingtalk.TopicCardCallback, string(body))
		ack := d.Emulator.WaitAck(t, id, 10*time.Second)
		p.Status, p.Message, data = ack.Code, ack.Message, []byte(ack.Data)
	} else {
		p.Status, data = d.PostRaw(t, body, opts...)
		p.Message = strings.TrimSpace(string(data))
	}
	if p.Status != http.StatusOK || len(data) == 0 {
		return p
	}
	var ans struct {
		Response CardReply `json:"response"`
	}
	if err := json.Unmarshal(data, &ans); err != nil {
		t.Fatalf("press answer is not {\"response\":…}: %v: %s", err, data)
	}
	p.Reply = ans.Response
	d.Emulator.apply(cb.OutTrackID, cb.UserID, p.Reply)
	return p
}
