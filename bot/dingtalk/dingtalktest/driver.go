package dingtalktest

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

	"github.com/salesbot/salesbot/bot/dingtalk"
)

// Driver posts robot messages to the bot's callback URL as DingTalk does in
// HTTP mode: the §3.2 JSON with timestamp and sign headers.
type Driver struct {
	// URL is the bot's callback URL (…/callbacks/dingtalk).
	URL    string
	Secret string
	// CorpID is the company (chatbotCorpId); RobotCode the robot.
	CorpID, RobotCode string
	// ChatbotUserID is the robot's own dingtalkId in atUsers.
	ChatbotUserID string
	// Emulator, when set, opens a sessionWebhook for each message.
	Emulator *Emulator
	// Now is the clock of the signature timestamps; nil is time.Now.
	Now    func() time.Time
	Client *http.Client
}

// InMessage is a text message to the robot. Empty ids are filled in.
type InMessage struct {
	MsgID          string
	ConversationID string
	// Direct makes it a one-to-one chat (conversationType "1").
	Direct  bool
	StaffID string
	Nick    string
	Text    string
	// AtBot lists the robot in atUsers (group messages reach the robot only
	// when it is @-mentioned); AtStaff are other people mentioned.
	AtBot   bool
	AtStaff []string
	// SessionTTL is the sessionWebhook's validity: zero is 90 minutes,
	// negative already expired. NoSession sends none.
	SessionTTL time.Duration
	NoSession  bool
	// MsgType defaults to text.
	MsgType string
}

// PostOption changes how one message is posted.
type PostOption func(*postOpts)

type postOpts struct {
	forge, unsigned bool
	skew            time.Duration
}

// Forged signs with a wrong secret.
func Forged() PostOption { return func(o *postOpts) { o.forge = true } }

// Unsigned posts without the timestamp and sign headers.
func Unsigned() PostOption { return func(o *postOpts) { o.unsigned = true } }

// Skew shifts the timestamp (a stale or future request).
func Skew(d time.Duration) PostOption { return func(o *postOpts) { o.skew = d } }

var seq atomic.Int64

// NewID returns a unique id with a prefix.
func NewID(prefix string) string {
	return fmt.Sprintf("%s%d_%d", prefix, time.Now().UnixNano(), seq.Add(1))
}

// Payload fills in m's ids and returns the JSON DingTalk would post.
func (d *Driver) Payload(m *InMessage) []byte {
	if m.MsgID == "" {
		m.MsgID = NewID("msg")
	}
	if m.ConversationID == "" {
		m.ConversationID = NewID("cid")
	}
	now := time.Now()
	p := dingtalk.Message{
		ConversationID: m.ConversationID, ConversationType: "2", SenderStaffID: m.StaffID, SenderNick: m.Nick,
		SenderCorpID: d.CorpID, ChatbotCorpID: d.CorpID, ChatbotUserID: d.botID(), RobotCode: d.RobotCode,
		MsgID: m.MsgID, CreateAt: now.UnixMilli(), IsInAtList: m.AtBot, MsgType: m.MsgType,
	}
	if m.Direct {
		p.ConversationType = "1"
	} else {
		p.ConversationTitle = "销售群"
	}
	if p.MsgType == "" {
		p.MsgType = "text"
	}
	p.Text.Content = m.Text
	if m.AtBot {
		p.AtUsers = append(p.AtUsers, dingtalk.AtUser{DingtalkID: d.botID()})
	}
	for _, s := range m.AtStaff {
		p.AtUsers = append(p.AtUsers, dingtalk.AtUser{DingtalkID: "$:LWCP_v1:$" + s, StaffID: s})
	}
	if d.Emulator != nil && !m.NoSession {
		ttl := m.SessionTTL
		if ttl == 0 {
			ttl = 90 * time.Minute
		}
		p.SessionWebhook, p.SessionWebhookExpiredTime = d.Emulator.NewSession(m.ConversationID, m.MsgID, ttl)
	}
	b, _ := json.Marshal(p)
	return b
}

func (d *Driver) botID() string {
	if d.ChatbotUserID != "" {
		return d.ChatbotUserID
	}
	return "$:LWCP_v1:$robot"
}

// Message posts m and returns the status and answer.
func (d *Driver) Message(t testing.TB, m *InMessage, opts ...PostOption) (int, []byte) {
	t.Helper()
	return d.PostRaw(t, d.Payload(m), opts...)
}

// PostRaw posts body bytes, signed unless told otherwise. How fast the
// answer comes is not checked: speed is for benchmarks, and a loaded test
// machine is slow.
func (d *Driver) PostRaw(t testing.TB, body []byte, opts ...PostOption) (int, []byte) {
	t.Helper()
	var o postOpts
	for _, f := range opts {
		f(&o)
	}
	now := time.Now
	if d.Now != nil {
		now = d.Now
	}
	req, err := http.NewRequest(http.MethodPost, d.URL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	if !o.unsigned {
		ts := strconv.FormatInt(now().Add(o.skew).UnixMilli(), 10)
		secret := d.Secret
		if o.forge {
			secret = "forged-" + secret
		}
		req.Header.Set("timestamp", ts)
		req.Header.Set("sign", dingtalk.Sign(ts, secret))
	}
	c := d.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("post callback: %v", err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return res.StatusCode, data
}
