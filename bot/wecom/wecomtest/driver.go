package wecomtest

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/salesbot/salesbot/bot/wecom"
)

// Driver posts callbacks to the bot as WeCom does: XML encrypted for the
// corp id and signed with the token.
type Driver struct {
	// URL is the bot's callback URL (…/callbacks/wecom).
	URL            string
	CorpID         string
	AgentID        int
	Token          string
	EncodingAESKey string
	// Now is the callbacks' clock; nil is time.Now.
	Now func() time.Time
}

// Option changes one callback.
type Option func(*call)

type call struct{ forge bool }

// Forged signs the callback with a wrong token.
func Forged() Option { return func(c *call) { c.forge = true } }

var seq atomic.Int64

// NewMsgID returns a fresh 64-bit-looking MsgId.
func NewMsgID() string {
	return strconv.FormatInt(4561255354251345929+seq.Add(1), 10)
}

func (d *Driver) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// Text sends a member's text message; msgID "" gets a fresh one. It returns
// the status, the body and the MsgId used.
func (d *Driver) Text(t testing.TB, user, content, msgID string, opts ...Option) (int, string, string) {
	t.Helper()
	if msgID == "" {
		msgID = NewMsgID()
	}
	x := fmt.Sprintf("<xml><ToUserName><![CDATA[%s]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName>"+
		"<CreateTime>%d</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[%s]]></Content>"+
		"<MsgId>%s</MsgId><AgentID>%d</AgentID></xml>", d.CorpID, user, d.now().Unix(), content, msgID, d.AgentID)
	st, body := d.Post(t, []byte(x), opts...)
	return st, body, msgID
}

// Click sends a template_card_event: user pressed the button key on the
// card with taskID; code is the response code WeCom issued for the click.
func (d *Driver) Click(t testing.TB, user, taskID, key, code string, opts ...Option) (int, string) {
	t.Helper()
	x := fmt.Sprintf("<xml><ToUserName><![CDATA[%s]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName>"+
		"<CreateTime>%d</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[template_card_event]]></Event>"+
		"<EventKey><![CDATA[%s]]></EventKey><TaskId><![CDATA[%s]]></TaskId><CardType><![CDATA[button_interaction]]></CardType>"+
		"<ResponseCode><![CDATA[%s]]></ResponseCode><AgentID>%d</AgentID></xml>",
		d.CorpID, user, d.now().Unix(), key, taskID, code, d.AgentID)
	return d.Post(t, []byte(x), opts...)
}

// Post encrypts and signs plain XML and posts it; it returns the status and
// the body of the answer.
func (d *Driver) Post(t testing.TB, plain []byte, opts ...Option) (int, string) {
	t.Helper()
	var c call
	for _, o := range opts {
		o(&c)
	}
	enc, err := wecom.Encrypt(plain, d.EncodingAESKey, d.CorpID)
	if err != nil {
		t.Fatal(err)
	}
	ts, nonce := strconv.FormatInt(d.now().Unix(), 10), strconv.FormatInt(seq.Add(1), 10)
	token := d.Token
	if c.forge {
		token += "-forged"
	}
	sig := wecom.Signature(token, ts, nonce, enc)
	var env strings.Builder
	env.WriteString("<xml><ToUserName><![CDATA[" + d.CorpID + "]]></ToUserName><AgentID><![CDATA[" +
		strconv.Itoa(d.AgentID) + "]]></AgentID><Encrypt><![CDATA[")
	env.WriteString(enc) // base64: nothing to escape
	env.WriteString("]]></Encrypt></xml>")
	u := d.URL + "?msg_signature=" + sig + "&timestamp=" + ts + "&nonce=" + nonce
	return do(t, http.MethodPost, u, env.String())
}

// Verify performs the URL check with echo as the plaintext; it returns the
// status and the body of the answer.
func (d *Driver) Verify(t testing.TB, echo string, opts ...Option) (int, string) {
	t.Helper()
	var c call
	for _, o := range opts {
		o(&c)
	}
	enc, err := wecom.Encrypt([]byte(echo), d.EncodingAESKey, d.CorpID)
	if err != nil {
		t.Fatal(err)
	}
	ts, nonce := strconv.FormatInt(d.now().Unix(), 10), strconv.FormatInt(seq.Add(1), 10)
	token := d.Token
	if c.forge {
		token += "-forged"
	}
	q := url.Values{"msg_signature": {wecom.Signature(token, ts, nonce, enc)}, "timestamp": {ts},
		"nonce": {nonce}, "echostr": {enc}}
	return do(t, http.MethodGet, d.URL+"?"+q.Encode(), "")
}

func do(t testing.TB, method, u, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s callback: %v", method, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
