package wecomtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/salesbot/salesbot/bot/wecom"

	"github.com/salesbot/salesbot/bot/bottest"
)

// AIBotResponse is one reply the bot posted to an AI bot response_url.
type AIBotResponse struct {
	Code    string
	MsgType string
	// Content is markdown.content (or text.content).
	Content string
	Body    string
}

type aibotState struct {
	next      int
	codes     map[string]time.Time // issued response_code → when
	used      map[string]bool
	responses []AIBotResponse
}

// AIBotResponseURL issues a response_url, as WeCom puts in each AI bot
// message: single use, valid 1 h.
func (e *Emulator) AIBotResponseURL() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.aibot.codes == nil {
		e.aibot.codes, e.aibot.used = map[string]time.Time{}, map[string]bool{}
	}
	e.aibot.next++
	code := "AIRC" + strconv.Itoa(e.aibot.next)
	e.aibot.codes[code] = time.Now()
	return e.srv.URL + "/cgi-bin/aibot/response?response_code=" + code
}

// AIBotResponses returns the replies accepted on response_urls so far.
func (e *Emulator) AIBotResponses() []AIBotResponse {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]AIBotResponse(nil), e.aibot.responses...)
}

// WaitForAIBot polls the response_url replies until ok holds or the timeout
// fails the test.
func (e *Emulator) WaitForAIBot(t testing.TB, timeout time.Duration, what string, ok func([]AIBotResponse) bool) []AIBotResponse {
	t.Helper()
	return bottest.Await(t, timeout, what, e.AIBotResponses, ok)
}

// Errcodes the emulator answers on a response_url it will not take. WeCom's
// own codes for a used or expired response_code are not documented in
// PLATFORMS.md; the adapter treats any errcode as "this url is gone".
const (
	AIBotCodeInvalid = 40001 // unknown response_code
	AIBotCodeUsed    = 40002 // already used, or older than 1 h
)

func (e *Emulator) aibotResponse(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.fault(w, "aibot_response") {
		return
	}
	code := r.URL.Query().Get("response_code")
	at, ok := e.aibot.codes[code]
	if !ok {
		errAnswer(w, AIBotCodeInvalid, "invalid response_code")
		return
	}
	if e.aibot.used[code] || time.Since(at) > time.Hour {
		errAnswer(w, AIBotCodeUsed, "response_code used or expired")
		return
	}
	body, _ := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	var m struct {
		MsgType  string `json:"msgtype"`
		Markdown struct {
			Content string `json:"content"`
		} `json:"markdown"`
		Text struct {
			Content string `json:"content"`
		} `json:"text"`
	}
	if err := json.Unmarshal(body, &m); err != nil || m.MsgType == "" {
		errAnswer(w, 40008, "invalid message type")
		return
	}
	content := m.Markdown.Content
	if m.MsgType == "text" {
		content = m.Text.Content
	}
	if content == "" {
		errAnswer(w, 44004, "empty content")
		return
	}
	e.aibot.used[code] = true
	e.aibot.responses = append(e.aibot.responses, AIBotResponse{Code: code, MsgType: m.MsgType, Content: content, Body: string(body)})
	reply(w, map[string]any{})
}

// AIBotDriver posts AI bot callbacks as WeCom does in webhook mode: JSON
// {"encrypt"} encrypted with an empty receive id, signed with the bot's
// token.
type AIBotDriver struct {
	// URL is the bot's callback URL (…/callbacks/wecom/aibot).
	URL            string
	AIBotID        string
	Token          string
	EncodingAESKey string
	// Emulator issues the messages' response_urls.
	Emulator *Emulator
	// Now is the callbacks' clock; nil is time.Now.
	Now func() time.Time
}

func (d *AIBotDriver) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// NewAIBotMsgID returns a fresh AI bot msgid.
func NewAIBotMsgID() string { return fmt.Sprintf("aibotmsg%016x", seq.Add(1)) }

// GroupText sends user's message in the group chatID (content as typed,
// e.g. "@销售助手 …"); msgID "" gets a fresh one. It returns the status, the
// body of the answer and the msgid used.
func (d *AIBotDriver) GroupText(t testing.TB, chatID, user, content, msgID string, opts ...Option) (int, string, string) {
	t.Helper()
	return d.text(t, "group", chatID, user, content, msgID, opts...)
}

// SingleText sends user's message in their single chat with the bot.
func (d *AIBotDriver) SingleText(t testing.TB, user, content, msgID string, opts ...Option) (int, string, string) {
	t.Helper()
	return d.text(t, "single", "", user, content, msgID, opts...)
}

func (d *AIBotDriver) text(t testing.TB, chatType, chatID, user, content, msgID string, opts ...Option) (int, string, string) {
	t.Helper()
	if msgID == "" {
		msgID = NewAIBotMsgID()
	}
	m := map[string]any{"msgid": msgID, "aibotid": d.AIBotID, "chattype": chatType,
		"from": map[string]string{"userid": user}, "response_url": d.Emulator.AIBotResponseURL(),
		"msgtype": "text", "text": map[string]string{"content": content}}
	if chatID != "" {
		m["chatid"] = chatID
	}
	b, _ := json.Marshal(m)
	st, body := d.Post(t, b, opts...)
	return st, body, msgID
}

// Post encrypts and signs a plain JSON message and posts it.
func (d *AIBotDriver) Post(t testing.TB, plain []byte, opts ...Option) (int, string) {
	t.Helper()
	var c call
	for _, o := range opts {
		o(&c)
	}
	enc, err := wecom.Encrypt(plain, d.EncodingAESKey, "")
	if err != nil {
		t.Fatal(err)
	}
	ts, nonce := strconv.FormatInt(d.now().Unix(), 10), strconv.FormatInt(seq.Add(1), 10)
	token := d.Token
	if c.forge {
		token += "-forged"
	}
	body, _ := json.Marshal(map[string]string{"encrypt": enc})
	q := url.Values{"msg_signature": {wecom.Signature(token, ts, nonce, enc)}, "timestamp": {ts}, "nonce": {nonce}}
	return do(t, http.MethodPost, d.URL+"?"+q.Encode(), string(body))
}

// Verify performs the URL check with echo as the plaintext.
func (d *AIBotDriver) Verify(t testing.TB, echo string, opts ...Option) (int, string) {
	t.Helper()
	var c call
	for _, o := range opts {
		o(&c)
	}
	enc, err := wecom.Encrypt([]byte(echo), d.EncodingAESKey, "")
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
