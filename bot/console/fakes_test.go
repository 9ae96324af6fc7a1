package console

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/salesbot/salesbot/bot"
)

// secretRef is the server-side reference on the fake bot's buttons. No API
// response may ever contain it: every call made through do checks that.
const secretRef = "SECRET-REF-7f3a9c0d"

// fixedNow is the clock of every test adapter.
var fixedNow = time.Date(2025, 3, 12, 9, 30, 0, 0, time.UTC)

// fakeDirectory is a small tenant: one team of two, finance, and a rep of
// another team whose name starts with another member's name.
type fakeDirectory struct{}

func (fakeDirectory) Members(context.Context) ([]Member, error) {
	return []Member{
		{ID: "m-zhang", Name: "张三", Role: "sales", Team: "华东一组"},
		{ID: "m-li", Name: "李四", Role: "manager", Team: "华东一组"},
		{ID: "m-wang", Name: "王五", Role: "finance", Team: ""},
		{ID: "m-zsf", Name: "张三丰", Role: "sales", Team: "华南组"},
	}, nil
}

func (fakeDirectory) Chats(context.Context) ([]Chat, error) {
	return []Chat{
		{ID: "g-east", Name: "华东一组", Team: "华东一组"},
		{ID: "g-south", Name: "华南组", Team: "华南组"},
	}, nil
}

// fakeSink plays the kernel: it records events, answers a message with a
// card at once (through the adapter, as the outbox would), and answers a
// button press with a toast and a new card, or a refusal for finance.
type fakeSink struct {
	a *Adapter

	mu     sync.Mutex
	events []bot.Event
	fail   error
}

const deniedMember = "m-wang"

func (s *fakeSink) Deliver(ctx context.Context, ev bot.Event) (bot.Result, error) {
	s.mu.Lock()
	s.events = append(s.events, ev)
	fail := s.fail
	s.mu.Unlock()
	if fail != nil {
		return bot.Result{}, fail
	}
	switch ev.Kind {
	case bot.KindMessage:
		_, err := s.a.Send(ctx, bot.Outgoing{
			Platform: bot.Console,
			To:       bot.Target{ChatID: ev.Chat.ID},
			ReplyTo:  ev.MessageID,
			Card:     replyCard(),
		})
		return bot.Result{}, err
	case bot.KindAction:
		if ev.Sender.ID == deniedMember {
			return bot.Result{Denied: true, Toast: "只有记录人或其经理可以撤销"}, nil
		}
		return bot.Result{Toast: "已撤销", Card: undoneCard()}, nil
	}
	return bot.Result{}, nil
}

func (s *fakeSink) recorded() []bot.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]bot.Event(nil), s.events...)
}

func (s *fakeSink) setFail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = err
}

// chartPNG is a small bar chart, for the image element.
var chartPNG = func() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 360, 96))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.RGBA{247, 248, 250, 255}), image.Point{}, draw.Src)
	bar := image.NewUniform(color.RGBA{51, 112, 255, 255})
	for i, h := range []int{30, 52, 41, 66, 58, 80, 72} {
		x := 20 + i*48
		draw.Draw(img, image.Rect(x, 88-h, x+28, 88), bar, image.Point{}, draw.Src)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic(err)
	}
	return buf.Bytes()
}()

func replyCard() *bot.Card {
	return &bot.Card{
		Header: bot.Header{Title: "已记录跟进", Subtitle: "星河科技 · 张总", Status: bot.StatusSuccess},
		Elements: []bot.Element{
			bot.Markdown("**拜访** 星河科技张总\n- 报价 50 万元\n- 下周三再约"),
			bot.Fields(
				bot.Field{Label: "客户", Value: "星河科技"},
				bot.Field{Label: "阶段", Value: "方案报价"},
				bot.Field{Label: "金额", Value: "¥500,000"},
				bot.Field{Label: "下次跟进", Value: "3月19日(周三)"},
			),
			bot.Progress(bot.ProgressRow{Label: "本月拜访 12/20", Percent: 60, Marker: 45, Note: "领先时间进度"},
				bot.ProgressRow{Label: "本月回款 31万/50万", Percent: 62, Marker: 70, Note: "还差 19 万"}),
			bot.Divider(),
			bot.Note("<script>alert(1)</script> 输入“撤销”也可以撤回这条记录"),
			{Kind: bot.ElemImage, Image: &bot.Image{PNG: chartPNG, Alt: "近 7 周拜访数"}},
		},
		Actions: []bot.Action{
			{ID: "followup.undo", Label: "撤销", Style: bot.ButtonDanger, Ref: secretRef,
				Confirm: &bot.Confirm{Title: "撤销这条跟进?", Text: "撤销后记录会被删除。"}},
			{ID: "followup.edit", Label: "修改", Style: bot.ButtonPrimary, Ref: secretRef + "-edit"},
		},
	}
}

func undoneCard() *bot.Card {
	return &bot.Card{
		Header: bot.Header{Title: "已撤销跟进", Subtitle: "星河科技 · 张总", Status: bot.StatusNeutral},
		Elements: []bot.Element{
			bot.Fields(bot.Field{Label: "客户", Value: "星河科技"}, bot.Field{Label: "操作人", Value: "李四"}),
			bot.Note("这条跟进已撤销,不再计入统计。"),
		},
		Actions: []bot.Action{{ID: "followup.redo", Label: "恢复", Ref: secretRef + "-redo"}},
	}
}

// testEnv is an adapter served by httptest with a fake sink.
type testEnv struct {
	a    *Adapter
	sink *fakeSink
	srv  *httptest.Server
}

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	a := New(fakeDirectory{}, nil, func() time.Time { return fixedNow })
	sink := &fakeSink{a: a}
	mux := http.NewServeMux()
	for pattern, h := range a.Routes(sink) {
		mux.Handle(pattern, h)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &testEnv{a: a, sink: sink, srv: srv}
}

// response is an API answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

// do calls the API and checks what every answer must satisfy: JSON, and no
// server-side references.
func (e *testEnv) do(t *testing.T, method, path, body string) response {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), secretRef) {
		t.Fatalf("%s %s leaks a server-side ref: %s", method, path, b)
	}
	if ct := res.Header.Get("Content-Type"); strings.HasPrefix(path, "/console/api/") && !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s %s: Content-Type %q", method, path, ct)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// decodeInto parses a response body, failing the test on bad JSON.
func decodeInto[T any](t *testing.T, r response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("bad JSON %q: %v", r.body, err)
	}
	return v
}

// apiMessage is a message as a client reads it.
type apiMessage struct {
	ID   string `json:"id"`
	Chat string `json:"chat"`
	From struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		Bot  bool   `json:"bot"`
	} `json:"from"`
	Text    string          `json:"text"`
	Card    json.RawMessage `json:"card"`
	ReplyTo string          `json:"reply_to"`
	At      time.Time       `json:"at"`
	Rev     int64           `json:"rev"`
}

func (m apiMessage) card(t *testing.T) *bot.Card {
	t.Helper()
	var c *bot.Card
	if err := json.Unmarshal(m.Card, &c); err != nil {
		t.Fatalf("bad card %s: %v", m.Card, err)
	}
	return c
}

// say posts a message and returns its id, failing unless it is accepted.
func (e *testEnv) say(t *testing.T, chat, member, text string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"chat": chat, "member": member, "text": text})
	r := e.do(t, "POST", "/console/api/messages", string(body))
	if r.status != http.StatusAccepted {
		t.Fatalf("post message: %d %s", r.status, r.body)
	}
	return decodeInto[map[string]string](t, r)["message_id"]
}

// list reads a chat's messages with the given extra query.
func (e *testEnv) list(t *testing.T, chat, extra string) ([]apiMessage, response) {
	t.Helper()
	r := e.do(t, "GET", "/console/api/messages?chat="+chat+extra, "")
	if r.status != http.StatusOK {
		t.Fatalf("list %s: %d %s", chat, r.status, r.body)
	}
	return decodeInto[[]apiMessage](t, r), r
}
