package wecom_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/bot/wecom"
	"github.com/salesbot/salesbot/bot/wecom/wecomtest"
)

// The official vectors (PLATFORMS.md §2.2).
const (
	vecToken   = "QDG6eK"
	vecAESKey  = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
	vecCorpID  = "wx5823bf96d3bd56c7"
	vecEncMsg  = "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="
	vecEncJSON = "CZWs4CWRpI4VolQlvn4dlEC1alN2MUEY2VklGehgBVLBrlVF7SyT+SV+Toj43l4ayJ9UMGKphktKKmP7B2j/P1ey67XB8PBgS7Wr5/8+w/yWriZv3Vmoo/MH3/1HsIWZrPQ3N2mJrelStIfI2Y8kLKXA7EhfZgZX4o+ffdkZDM76SEl79Ib9mw7TGjZ9Aw/x/A2VjNbV1E8BtEbRxYYcQippYNw7hr8sFfa3nW1xLdxokt8QkRX83vK3DFP2F6TQFPL2Tu98UwhcUpPvdJBuu1/yiOQIScppV3eOuLWEsko="
)

// sink records delivered events.
type sink struct {
	mu     sync.Mutex
	events []bot.Event
	err    error
}

func (s *sink) Deliver(ctx context.Context, ev bot.Event) (bot.Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return bot.Result{}, s.err
	}
	s.events = append(s.events, ev)
	return bot.Result{}, nil
}

func (s *sink) got() []bot.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]bot.Event(nil), s.events...)
}

// server mounts the adapter's routes with the clock at sec. Without a
// BaseURL the adapter's API calls (the sender's name, polite replies) go to
// an emulator of the corp.
func server(t *testing.T, cfg wecom.Config, sec int64) (*httptest.Server, *sink, *wecom.Adapter) {
	t.Helper()
	if cfg.BaseURL == "" {
		cfg.BaseURL = wecomtest.New(t, cfg.CorpID, cfg.Secret, cfg.AgentID).URL()
	}
	a := wecom.New(cfg, nil, func() time.Time { return time.Unix(sec, 0) })
	s := &sink{}
	mux := http.NewServeMux()
	for p, h := range a.Routes(s) {
		mux.Handle(p, h)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, s, a
}

func vecConfig() wecom.Config {
	return wecom.Config{CorpID: vecCorpID, AgentID: 218, Secret: "s", Token: vecToken, EncodingAESKey: vecAESKey}
}

func get(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp.StatusCode, b.String()
}

func post(t *testing.T, u, body string) int {
	t.Helper()
	resp, err := http.Post(u, "text/xml", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestOfficialVectorVerifyURL: the GET vector answers the plain echostr.
func TestOfficialVectorVerifyURL(t *testing.T) {
	srv, _, _ := server(t, vecConfig(), 1409659589)
	q := url.Values{"msg_signature": {"5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"}, "timestamp": {"1409659589"},
		"nonce": {"263014780"}, "echostr": {"P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="}}
	status, body := get(t, srv.URL+wecom.CallbackPath+"?"+q.Encode())
	if status != 200 || body != "1616140317555161061" {
		t.Fatalf("verify = %d %q, want 200 %q", status, body, "1616140317555161061")
	}
	// An unescaped '+' (decoded as a space) still verifies.
	raw := srv.URL + wecom.CallbackPath + "?msg_signature=5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3&timestamp=1409659589&nonce=263014780&echostr=" +
		"P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ%3D%3D"
	if status, body := get(t, raw); status != 200 || body != "1616140317555161061" {
		t.Fatalf("verify with a raw '+' = %d %q", status, body)
	}
	q.Set("msg_signature", "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd4")
	if status, _ := get(t, srv.URL+wecom.CallbackPath+"?"+q.Encode()); status != 401 {
		t.Fatalf("forged verify = %d, want 401", status)
	}
}

// TestOfficialVectorMessage: the POST vector becomes a text event.
func TestOfficialVectorMessage(t *testing.T) {
	srv, s, _ := server(t, vecConfig(), 1409659813)
	body := "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><AgentID><![CDATA[218]]></AgentID><Encrypt><![CDATA[" + vecEncMsg + "]]></Encrypt></xml>"
	u := srv.URL + wecom.CallbackPath + "?msg_signature=477715d11cdb4164915debcba66cb864d751f3e6&timestamp=1409659813&nonce=1372623149"
	if st := post(t, u, body); st != 200 {
		t.Fatalf("post = %d", st)
	}
	evs := s.got()
	if len(evs) != 1 {
		t.Fatalf("%d events", len(evs))
	}
	ev := evs[0]
	if ev.ID != "4561255354251345929" || ev.MessageID != ev.ID || ev.Kind != bot.KindMessage || ev.Sender.ID != "mycreate" ||
		ev.Chat.ID != "mycreate" || ev.Chat.Type != bot.DirectChat || ev.Text != "hello" || ev.TenantKey != vecCorpID ||
		ev.Platform != bot.WeCom || ev.At.Unix() != 1409659813 {
		t.Fatalf("event = %+v", ev)
	}
	// Forged, stale, for another corp: refused, nothing delivered.
	forged := strings.Replace(u, "477715d11", "477715d12", 1)
	if st := post(t, forged, body); st != 401 {
		t.Errorf("forged = %d, want 401", st)
	}
	stale, _, _ := server(t, vecConfig(), 1409659813+301)
	if st := post(t, stale.URL+wecom.CallbackPath+"?msg_signature=477715d11cdb4164915debcba66cb864d751f3e6&timestamp=1409659813&nonce=1372623149", body); st != 401 {
		t.Errorf("stale = %d, want 401", st)
	}
	other := vecConfig()
	other.CorpID = "ww_other"
	osrv, os, _ := server(t, other, 1409659813)
	if st := post(t, osrv.URL+wecom.CallbackPath+"?msg_signature=477715d11cdb4164915debcba66cb864d751f3e6&timestamp=1409659813&nonce=1372623149", body); st != 400 {
		t.Errorf("other corp = %d, want 400", st)
	}
	if st := post(t, u, "not xml"); st != 401 {
		t.Errorf("garbage = %d, want 401", st)
	}
	if len(s.got()) != 1 || len(os.got()) != 0 {
		t.Errorf("events after refusals: %d, %d", len(s.got()), len(os.got()))
	}
}

// TestOfficialVectorJSON: the JSON-format vector decrypts with the corp id.
func TestOfficialVectorJSON(t *testing.T) {
	if sig := wecom.Signature(vecToken, "1409659813", "1372623149", vecEncJSON); sig != "0623cbc5a8cbee5bcc137c70de99575366fc2af3" {
		t.Fatalf("signature %s", sig)
	}
	plain, err := wecom.Decrypt(vecEncJSON, vecAESKey, vecCorpID)
	if err != nil || !strings.Contains(string(plain), `"Content":"hello"`) {
		t.Fatalf("decrypt = %q, %v", plain, err)
	}
	if _, err := wecom.Decrypt(vecEncJSON, vecAESKey, "ww_other"); err == nil {
		t.Fatal("decrypted for another corp id")
	}
}

// TestCardClick: a template_card_event becomes an action on the card's
// message id; a sink failure answers 503 so WeCom retries.
func TestCardClick(t *testing.T) {
	cfg := wecom.Config{CorpID: "ww1", AgentID: 1000002, Secret: "s", Token: "tok", EncodingAESKey: vecAESKey}
	now := time.Now()
	srv, s, _ := server(t, cfg, now.Unix())
	drv := &wecomtest.Driver{URL: srv.URL + wecom.CallbackPath, CorpID: "ww1", AgentID: 1000002, Token: "tok",
		EncodingAESKey: vecAESKey, Now: func() time.Time { return now }}
	if st, body := drv.Verify(t, "echo-123"); st != 200 || body != "echo-123" {
		t.Fatalf("verify = %d %q", st, body)
	}
	if st, _ := drv.Verify(t, "echo-123", wecomtest.Forged()); st != 401 {
		t.Fatalf("forged verify = %d", st)
	}
	if st, _ := drv.Click(t, "zhangsan", "card1_r2", "followup.undo", "RC1"); st != 200 {
		t.Fatalf("click = %d", st)
	}
	evs := s.got()
	if len(evs) != 1 || evs[0].Kind != bot.KindAction || evs[0].MessageID != "card1" || evs[0].Action.ID != "followup.undo" ||
		evs[0].Sender.ID != "zhangsan" {
		t.Fatalf("events = %+v", evs)
	}
	if st, _, _ := drv.Text(t, "zhangsan", "hi", "", wecomtest.Forged()); st != 401 {
		t.Fatalf("forged text = %d", st)
	}
	s.err = context.DeadlineExceeded
	if st, _, _ := drv.Text(t, "zhangsan", "hi", ""); st != 503 {
		t.Fatalf("text with the store down = %d, want 503", st)
	}
	if len(s.got()) != 1 {
		t.Fatal("refused callbacks were delivered")
	}
}
