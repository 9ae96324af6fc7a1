package larktest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/salesbot/salesbot/bot/lark"
)

// Driver posts events to the bot's callback URL as Lark does: v2.0 schema,
// encrypted with the Encrypt Key and signed with X-Lark-* headers.
type Driver struct {
	// URL is the bot's callback URL (…/callbacks/lark).
	URL                                  string
	AppID, VerificationToken, EncryptKey string
	TenantKey                            string
	// Emulator, when set, learns each inbound message so the bot can reply.
	Emulator *Emulator
	// Now is the clock of the signature timestamps; nil is time.Now.
	Now    func() time.Time
	Client *http.Client
}

// PostOption changes how one event is posted.
type PostOption func(*postOpts)

type postOpts struct {
	forge    bool
	plain    bool
	unsigned bool
	skew     time.Duration
	headers  map[string]string
}

// Forged signs with a wrong key.
func Forged() PostOption { return func(o *postOpts) { o.forge = true } }

// Plain posts the event unencrypted (still signed).
func Plain() PostOption { return func(o *postOpts) { o.plain = true } }

// Unsigned posts without the X-Lark-* headers.
func Unsigned() PostOption { return func(o *postOpts) { o.unsigned = true } }

// Skew shifts the signature timestamp (a stale or future request).
func Skew(d time.Duration) PostOption { return func(o *postOpts) { o.skew = d } }

var seq atomic.Int64

// NewID returns a unique id with a prefix, for events and messages.
func NewID(prefix string) string {
	return fmt.Sprintf("%s%d_%d", prefix, time.Now().UnixNano(), seq.Add(1))
}

// PostRaw posts body bytes (already the JSON Lark would send, before
// encryption) and returns the status and answer.
func (d *Driver) PostRaw(t testing.TB, payload []byte, opts ...PostOption) (int, []byte) {
	t.Helper()
	if d.URL == "" {
		start := time.Now()
		status, data, err := d.Emulator.Push(payload, 10*time.Second)
		if err != nil {
			t.Fatalf("push event: %v", err)
		}
		if took := time.Since(start); took > 3*time.Second {
			t.Errorf("event answered after %v; Lark re-pushes after 3 s", took)
		}
		if len(data) == 0 {
			data = []byte("{}")
		}
		return status, data
	}
	var o postOpts
	for _, f := range opts {
		f(&o)
	}
	body := payload
	if !o.plain && d.EncryptKey != "" {
		enc, err := lark.Encrypt(payload, d.EncryptKey)
		if err != nil {
			t.Fatal(err)
		}
		body, _ = json.Marshal(map[string]string{"encrypt": enc})
	}
	req, err := http.NewRequest(http.MethodPost, d.URL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	if !o.unsigned {
		now := time.Now
		if d.Now != nil {
			now = d.Now
		}
		ts := strconv.FormatInt(now().Add(o.skew).Unix(), 10)
		nonce := NewID("n")
		key := d.EncryptKey
		if o.forge {
			key += "forged"
		}
		req.Header.Set("X-Lark-Request-Timestamp", ts)
		req.Header.Set("X-Lark-Request-Nonce", nonce)
		req.Header.Set("X-Lark-Signature", lark.Signature(ts, nonce, key, body))
	}
	c := d.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("post event: %v", err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("callback answered after %v; Lark gives up after 3 s", took)
	}
	return resp.StatusCode, data
}

// Post marshals an event and posts it.
func (d *Driver) Post(t testing.TB, event any, opts ...PostOption) (int, []byte) {
	t.Helper()
	b, err := json.Marshal(event)
	if err != nil {
		t.Fatal(err)
	}
	return d.PostRaw(t, b, opts...)
}

// InMessage is a user's message to the bot.
type InMessage struct {
	EventID   string // default: a new id
	MessageID string // default: a new id
	ChatID    string
	ChatType  string // group (default) or p2p
	OpenID    string // the sender
	Text      string // with @_user_N keys for Mentions
	// MsgType and Content, when MsgType is not text, replace Text.
	MsgType, Content string
	ParentID, RootID string
	Mentions         []InMention
	TenantKey        string // default: the driver's
}

// InMention is one @ in a message.
type InMention struct {
	Key, OpenID, Name string
	Bot               bool
}

// BotMention is the @ of the bot itself, as key @_user_1.
func BotMention() InMention {
	return InMention{Key: "@_user_1", OpenID: "ou_bot", Name: "销售助手", Bot: true}
}

// MessageEvent returns an im.message.receive_v1 event (unencrypted JSON) and
// fills in m's defaults.
func (d *Driver) MessageEvent(m *InMessage) map[string]any {
	if m.EventID == "" {
		m.EventID = NewID("ev_")
	}
	if m.MessageID == "" {
		m.MessageID = NewID("om_in_")
	}
	if m.ChatType == "" {
		m.ChatType = "group"
	}
	if m.TenantKey == "" {
		m.TenantKey = d.TenantKey
	}
	msgType, content := m.MsgType, m.Content
	if msgType == "" || msgType == "text" {
		msgType = "text"
		b, _ := json.Marshal(map[string]string{"text": m.Text})
		content = string(b)
	}
	var mentions []any
	for _, mn := range m.Mentions {
		typ := "user"
		if mn.Bot {
			typ = "bot"
		}
		id := map[string]any{"open_id": mn.OpenID, "union_id": "", "user_id": ""}
		if !mn.Bot {
			id["union_id"] = "on_" + mn.OpenID
		}
		mentions = append(mentions, map[string]any{"key": mn.Key, "id": id, "name": mn.Name,
			"tenant_key": m.TenantKey, "mentioned_type": typ})
	}
	now := fmt.Sprint(time.Now().UnixMilli())
	msg := map[string]any{
		"message_id": m.MessageID, "chat_id": m.ChatID, "chat_type": m.ChatType,
		"message_type": msgType, "content": content, "create_time": now, "update_time": now,
		"mentions": mentions,
	}
	if m.RootID != "" {
		msg["root_id"] = m.RootID
	}
	if m.ParentID != "" {
		msg["parent_id"] = m.ParentID
	}
	if d.Emulator != nil {
		d.Emulator.RegisterInbound(m.MessageID, m.ChatID)
	}
	return map[string]any{
		"schema": "2.0",
		"header": d.header(m.EventID, "im.message.receive_v1", now, m.TenantKey),
		"event": map[string]any{
			"sender": map[string]any{
				"sender_id":   map[string]any{"open_id": m.OpenID, "union_id": "on_" + m.OpenID, "user_id": ""},
				"sender_type": "user", "tenant_key": m.TenantKey,
			},
			"message": msg,
		},
	}
}

func (d *Driver) header(eventID, typ, createTime, tenantKey string) map[string]any {
	return map[string]any{"event_id": eventID, "event_type": typ, "create_time": createTime,
		"token": d.VerificationToken, "app_id": d.AppID, "tenant_key": tenantKey}
}

// Message posts a user's message.
func (d *Driver) Message(t testing.TB, m *InMessage, opts ...PostOption) (int, []byte) {
	t.Helper()
	return d.Post(t, d.MessageEvent(m), opts...)
}

// Click is a press of a card button.
type Click struct {
	EventID   string // default: a new id
	MessageID string // the card's message (open_message_id)
	ChatID    string
	OpenID    string // the operator
	Action    string // the action id in the button's value
	// OperatorTenant defaults to the driver's tenant key.
	OperatorTenant string
}

// ClickEvent returns a card.action.trigger callback (unencrypted JSON).
func (d *Driver) ClickEvent(c *Click) map[string]any {
	if c.EventID == "" {
		c.EventID = NewID("ev_")
	}
	if c.OperatorTenant == "" {
		c.OperatorTenant = d.TenantKey
	}
	return map[string]any{
		"schema": "2.0",
		"header": d.header(c.EventID, "card.action.trigger", fmt.Sprint(time.Now().UnixMicro()), d.TenantKey),
		"event": map[string]any{
			"operator": map[string]any{"tenant_key": c.OperatorTenant, "open_id": c.OpenID, "union_id": "on_" + c.OpenID},
			"token":    NewID("c-"),
			"action":   map[string]any{"value": map[string]any{"action": c.Action}, "tag": "button"},
			"host":     "im_message",
			"context":  map[string]any{"open_message_id": c.MessageID, "open_chat_id": c.ChatID},
		},
	}
}

// Answer is the callback response to a click.
type Answer struct {
	Toast *struct {
		Type    string `json:"type"`
		Content string `json:"content"`
	} `json:"toast"`
	Card *struct {
		Type string         `json:"type"`
		Data map[string]any `json:"data"`
	} `json:"card"`
}

// Press posts a click and decodes the answer; it fails the test unless the
// answer is 200.
func (d *Driver) Press(t testing.TB, c *Click, opts ...PostOption) Answer {
	t.Helper()
	status, body := d.Post(t, d.ClickEvent(c), opts...)
	if status != http.StatusOK {
		t.Fatalf("card click: %d %s", status, body)
	}
	var a Answer
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatalf("card click answer %s: %v", body, err)
	}
	return a
}

// Challenge posts a url_verification (encrypted unless Plain) and returns
// the status and answer. Lark does not sign these.
func (d *Driver) Challenge(t testing.TB, challenge string, opts ...PostOption) (int, []byte) {
	t.Helper()
	return d.Post(t, map[string]string{"challenge": challenge, "token": d.VerificationToken, "type": "url_verification"},
		append([]PostOption{Unsigned()}, opts...)...)
}
