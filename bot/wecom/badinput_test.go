package wecom_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/bot/wecom"
	"github.com/salesbot/salesbot/bot/wecom/wecomtest"
)

// callbackSetup is an adapter serving callbacks, its sink, the emulator its
// API calls go to, and a driver signing for it.
type callbackSetup struct {
	url string
	s   *sink
	a   *wecom.Adapter
	emu *wecomtest.Emulator
	drv *wecomtest.Driver
}

func callbacks(t *testing.T) *callbackSetup {
	t.Helper()
	emu := wecomtest.New(t, "ww1", "secret1", 1000002)
	cfg := wecom.Config{CorpID: "ww1", AgentID: 1000002, Secret: "secret1", Token: "tok",
		EncodingAESKey: vecAESKey, BaseURL: emu.URL()}
	now := time.Now()
	srv, s, a := server(t, cfg, now.Unix())
	drv := &wecomtest.Driver{URL: srv.URL + wecom.CallbackPath, CorpID: "ww1", AgentID: 1000002, Token: "tok",
		EncodingAESKey: vecAESKey, Now: func() time.Time { return now }}
	return &callbackSetup{url: srv.URL + wecom.CallbackPath, s: s, a: a, emu: emu, drv: drv}
}

// TestBadMsgSignature: a callback signed with the wrong token is refused
// with 401 before anything is decrypted, and no event is delivered — for a
// message, a card click and the URL check alike.
func TestBadMsgSignature(t *testing.T) {
	c := callbacks(t)
	if st, _, _ := c.drv.Text(t, "zhangsan", "今天拜访了星河科技", "", wecomtest.Forged()); st != http.StatusUnauthorized {
		t.Errorf("forged message = %d, want 401", st)
	}
	if st, _ := c.drv.Click(t, "zhangsan", "card1", "collection.confirm", "RC1", wecomtest.Forged()); st != http.StatusUnauthorized {
		t.Errorf("forged click = %d, want 401", st)
	}
	if st, body := c.drv.Verify(t, "echo-1", wecomtest.Forged()); st != http.StatusUnauthorized || strings.Contains(body, "echo-1") {
		t.Errorf("forged URL check = %d %q, want 401 without the echo", st, body)
	}
	if n := len(c.s.got()); n != 0 {
		t.Errorf("%d events delivered from forged callbacks", n)
	}
	if n := len(c.emu.Messages()); n != 0 {
		t.Errorf("forged callbacks were answered: %+v", c.emu.Messages())
	}
}

// TestEchostrThatDoesNotDecrypt: a correctly signed URL check whose echostr
// is not WeCom ciphertext for this app is refused with 400 and not echoed.
func TestEchostrThatDoesNotDecrypt(t *testing.T) {
	c := callbacks(t)
	otherKey := strings.Repeat("A", 42) + "E" // another valid 43-character key
	foreign, err := wecom.Encrypt([]byte("echo-2"), otherKey, "ww1")
	if err != nil {
		t.Fatal(err)
	}
	for name, echo := range map[string]string{
		"not base64":       "%%%not-base64%%%",
		"short ciphertext": "bm90IGVuY3J5cHRlZA==",
		"another key":      foreign,
	} {
		ts, nonce := strconv.FormatInt(time.Now().Unix(), 10), "n1"
		q := url.Values{"msg_signature": {wecom.Signature("tok", ts, nonce, echo)}, "timestamp": {ts},
			"nonce": {nonce}, "echostr": {echo}}
		st, body := get(t, c.url+"?"+q.Encode())
		if st != http.StatusBadRequest || strings.Contains(body, "echo-2") {
			t.Errorf("%s: URL check = %d %q, want 400 without an echo", name, st, body)
		}
	}
}

// TestMessageForAnotherCorp: a message encrypted for another corp id (its
// receive id) does not open for this app: 400, no event.
func TestMessageForAnotherCorp(t *testing.T) {
	c := callbacks(t)
	other := *c.drv
	other.CorpID = "ww_other"
	if st, _, _ := other.Text(t, "zhangsan", "今天拜访了星河科技", ""); st != http.StatusBadRequest {
		t.Errorf("message for another corp = %d, want 400", st)
	}
	// Encrypted for this corp but addressed (ToUserName) to another.
	x := fmt.Sprintf("<xml><ToUserName>ww_other</ToUserName><FromUserName>zhangsan</FromUserName><CreateTime>%d</CreateTime>"+
		"<MsgType>text</MsgType><Content>hi</Content><MsgId>%s</MsgId><AgentID>1000002</AgentID></xml>", time.Now().Unix(), wecomtest.NewMsgID())
	if st, _ := c.drv.Post(t, []byte(x)); st != http.StatusBadRequest {
		t.Errorf("message addressed to another corp = %d, want 400", st)
	}
	if n := len(c.s.got()); n != 0 {
		t.Errorf("%d events delivered", n)
	}
}

// TestXMLWithUnexpectedFields: fields the adapter does not know, nested or
// not, are ignored and the message is delivered.
func TestXMLWithUnexpectedFields(t *testing.T) {
	c := callbacks(t)
	id := wecomtest.NewMsgID()
	x := fmt.Sprintf("<xml><ToUserName><![CDATA[ww1]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName>"+
		"<CreateTime>%d</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[今天拜访了星河科技张总]]></Content>"+
		"<MsgId>%s</MsgId><AgentID>1000002</AgentID><NewField>x</NewField><Extra><Nested a=\"1\"><Deeper/></Nested></Extra>"+
		"<SelectedItems><SelectedItem><QuestionKey>q</QuestionKey></SelectedItem></SelectedItems></xml>", time.Now().Unix(), id)
	if st, body := c.drv.Post(t, []byte(x)); st != http.StatusOK {
		t.Fatalf("post = %d %s", st, body)
	}
	evs := c.s.got()
	if len(evs) != 1 || evs[0].ID != id || evs[0].Text != "今天拜访了星河科技张总" || evs[0].Sender.ID != "zhangsan" {
		t.Fatalf("events = %+v", evs)
	}
}

// TestLongContent: a text at WeCom's 2048-byte limit is delivered whole;
// one far beyond anything WeCom sends is answered 200 (so WeCom does not
// retry it) with a polite reply to the member, and not delivered.
func TestLongContent(t *testing.T) {
	c := callbacks(t)
	legal := strings.Repeat("星河科技回款", 113) // 2034 bytes
	if st, _, _ := c.drv.Text(t, "zhangsan", legal, ""); st != http.StatusOK {
		t.Fatalf("2 KB text = %d", st)
	}
	if evs := c.s.got(); len(evs) != 1 || evs[0].Text != legal {
		t.Fatalf("2 KB text delivered as %d events", len(evs))
	}
	huge := strings.Repeat("长", 20<<10/3+1)
	if st, _, _ := c.drv.Text(t, "zhangsan", huge, ""); st != http.StatusOK {
		t.Fatalf("20 KB text = %d, want 200", st)
	}
	if n := len(c.s.got()); n != 1 {
		t.Errorf("the 20 KB text was delivered")
	}
	ms := c.emu.Messages()
	if len(ms) != 1 || ms[0].ToUser != "zhangsan" || !strings.Contains(ms[0].Content, "太长") {
		t.Errorf("polite reply = %+v", ms)
	}
}

// TestNonTextMessages: an image, a voice message or a menu click gets one
// short polite reply, even when WeCom retries the callback; entering the
// app gets none; none of them is delivered as an event.
func TestNonTextMessages(t *testing.T) {
	c := callbacks(t)
	now := time.Now().Unix()
	image := fmt.Sprintf("<xml><ToUserName>ww1</ToUserName><FromUserName>zhangsan</FromUserName><CreateTime>%d</CreateTime>"+
		"<MsgType>image</MsgType><PicUrl>http://example.invalid/p.jpg</PicUrl><MediaId>m1</MediaId><MsgId>%s</MsgId>"+
		"<AgentID>1000002</AgentID></xml>", now, wecomtest.NewMsgID())
	voice := fmt.Sprintf("<xml><ToUserName>ww1</ToUserName><FromUserName>lisi</FromUserName><CreateTime>%d</CreateTime>"+
		"<MsgType>voice</MsgType><MediaId>m2</MediaId><Format>amr</Format><MsgId>%s</MsgId><AgentID>1000002</AgentID></xml>",
		now, wecomtest.NewMsgID())
	click := fmt.Sprintf("<xml><ToUserName>ww1</ToUserName><FromUserName>wangwu</FromUserName><CreateTime>%d</CreateTime>"+
		"<MsgType>event</MsgType><Event>click</Event><EventKey>menu1</EventKey><AgentID>1000002</AgentID></xml>", now)
	enter := fmt.Sprintf("<xml><ToUserName>ww1</ToUserName><FromUserName>zhaoliu</FromUserName><CreateTime>%d</CreateTime>"+
		"<MsgType>event</MsgType><Event>enter_agent</Event><EventKey></EventKey><AgentID>1000002</AgentID></xml>", now)
	for _, x := range []string{image, image, voice, click, enter} { // the image twice: a retry
		if st, body := c.drv.Post(t, []byte(x)); st != http.StatusOK {
			t.Fatalf("post = %d %s", st, body)
		}
	}
	if n := len(c.s.got()); n != 0 {
		t.Errorf("%d events delivered", n)
	}
	got := map[string]int{}
	for _, m := range c.emu.Messages() {
		if m.MsgType != "text" || !strings.Contains(m.Content, "只能读懂文字") {
			t.Errorf("unexpected reply %+v", m)
		}
		got[m.ToUser]++
	}
	if got["zhangsan"] != 1 || got["lisi"] != 1 || got["wangwu"] != 1 || got["zhaoliu"] != 0 {
		t.Errorf("polite replies per member = %v, want one each to zhangsan, lisi, wangwu", got)
	}
}

// TestUnknownSenderName: a message's sender is named from user/get, looked
// up once; when the contact API refuses or does not answer in time the
// callback is still accepted, with no name (the kernel then uses the
// userid).
func TestUnknownSenderName(t *testing.T) {
	c := callbacks(t)
	c.emu.AddUser(wecomtest.User{UserID: "zhangsan", Name: "张三", Departments: []int{1}})
	for range 2 {
		if st, _, _ := c.drv.Text(t, "zhangsan", "你好", ""); st != http.StatusOK {
			t.Fatalf("post = %d", st)
		}
	}
	c.emu.Inject(wecomtest.Fault{Op: "user.get", ErrCode: 60011, ErrMsg: "no privilege to access/modify contact/party/agent"})
	if st, _, _ := c.drv.Text(t, "lisi", "你好", ""); st != http.StatusOK {
		t.Fatalf("post with the contact API refusing = %d", st)
	}
	c.emu.Inject(wecomtest.Fault{Op: "user.get", Hang: true})
	if st, _, _ := c.drv.Text(t, "wangwu", "你好", ""); st != http.StatusOK {
		t.Fatalf("post with the contact API hanging = %d", st)
	}
	evs := c.s.got()
	if len(evs) != 4 || evs[0].Sender.Name != "张三" || evs[1].Sender.Name != "张三" || evs[2].Sender.Name != "" || evs[3].Sender.Name != "" {
		t.Fatalf("senders = %+v", evs)
	}
	if n := c.emu.Requests("user.get"); n != 3 {
		t.Errorf("user/get calls = %d, want 3 (张三 cached)", n)
	}
	// A failed look-up is not repeated on the member's next message.
	c.drv.Text(t, "lisi", "再问一次", "")
	if n := c.emu.Requests("user.get"); n != 3 {
		t.Errorf("user/get calls = %d after lisi's second message, want 3", n)
	}
}

// TestClickWithUsedResponseCode: a click whose response code was already
// used (a card updated once with it) cannot update the card again: WeCom
// refuses the code and the new version goes out as a new card.
func TestClickWithUsedResponseCode(t *testing.T) {
	c := callbacks(t)
	ctx := context.Background()
	id, err := c.a.Send(ctx, bot.Outgoing{To: bot.Target{UserID: "lina"}, Card: followCard(), Key: "card-used"})
	if err != nil {
		t.Fatal(err)
	}
	code := c.emu.ClickCode(id)
	done := &bot.Card{Header: bot.Header{Title: "回款已确认到账"}, Elements: []bot.Element{bot.Note("已确认")}}
	update := func() string {
		t.Helper()
		got, err := c.a.Send(ctx, bot.Outgoing{To: bot.Target{UserID: "lina"}, UpdateMessageID: id, Card: done, Key: bot.NewID()})
		if err != nil {
			t.Fatalf("update: %v", err)
		}
		return got
	}
	if st, _ := c.drv.Click(t, "lina", id, "followup.undo", code); st != http.StatusOK {
		t.Fatalf("click = %d", st)
	}
	update()
	// The same code again, as a second click carrying it.
	c.drv.Now = func() time.Time { return time.Now().Add(time.Second) }
	if st, _ := c.drv.Click(t, "lina", id, "followup.undo", code); st != http.StatusOK {
		t.Fatalf("second click = %d", st)
	}
	if got := update(); got != id {
		t.Errorf("re-sent card answers message id %q, want %q", got, id)
	}
	ms := c.emu.Messages()
	if len(ms) != 2 || ms[0].TaskID != id || len(ms[0].UsedCodes) != 1 || ms[0].UsedCodes[0] != code ||
		ms[1].MsgType != "markdown" || !strings.Contains(ms[1].Content, "回款已确认到账") {
		t.Fatalf("messages = %+v", ms)
	}
	if n := c.emu.Requests("update"); n != 2 {
		t.Errorf("update_template_card calls = %d, want 2 (the second refused)", n)
	}
}
