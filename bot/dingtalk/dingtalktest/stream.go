package dingtalktest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/open-dingtalk/dingtalk-stream-sdk-go/payload"

	"github.com/salesbot/salesbot/bot/dingtalk"
)

// Stream paths the emulator serves (PLATFORMS.md §3.1, §4.3).
const (
	PathOpen    = dingtalk.PathConnectionsOpen
	PathConnect = "/connect"
)

// Frame is a frame the emulator pushes, Ack the client's answer: the SDK's
// own wire types.
type (
	Frame = payload.DataFrame
	Ack   = payload.DataFrameResponse
)

// streamConn is one live Stream connection.
type streamConn struct {
	ws *websocket.Conn
	wm chan struct{} // write lock
}

func (c *streamConn) write(v any) error {
	c.wm <- struct{}{}
	defer func() { <-c.wm }()
	return c.ws.WriteJSON(v)
}

// openConn answers connections/open: a one-use ticket valid 90 s.
func (e *Emulator) openConn(w http.ResponseWriter, r *http.Request) {
	if f, ok := e.begin(PathOpen); ok {
		apiFail(w, f.Status, f.Code, f.Message)
		return
	}
	var req struct {
		ClientID      string `json:"clientId"`
		ClientSecret  string `json:"clientSecret"`
		Subscriptions []struct{ Type, Topic string }
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		apiFail(w, 400, "MissingParameter", "body is not JSON")
		return
	}
	if req.ClientID != e.ClientID || req.ClientSecret != e.ClientSecret {
		apiFail(w, 401, "InvalidAuthentication", "clientId or clientSecret is wrong")
		return
	}
	bot := false
	var subs []string
	for _, s := range req.Subscriptions {
		bot = bot || (s.Type == "CALLBACK" && s.Topic == dingtalk.TopicBotMessage)
		subs = append(subs, s.Type+" "+s.Topic)
	}
	if !bot {
		apiFail(w, 400, "InvalidParameter", "no subscription to "+dingtalk.TopicBotMessage)
		return
	}
	e.mu.Lock()
	e.subs = subs
	e.nTicket++
	tk := fmt.Sprintf("tk-%d", e.nTicket)
	e.tickets[tk] = time.Now().Add(90 * time.Second)
	e.mu.Unlock()
	writeJSON(w, 200, map[string]string{"endpoint": "ws" + strings.TrimPrefix(e.srv.URL, "http") + PathConnect, "ticket": tk})
}

var upgrader = websocket.Upgrader{}

// connect upgrades a ticketed request, sends a SYSTEM ping, and records
// every ack the client sends.
func (e *Emulator) connect(w http.ResponseWriter, r *http.Request) {
	tk := r.URL.Query().Get("ticket")
	e.mu.Lock()
	exp, ok := e.tickets[tk]
	delete(e.tickets, tk)
	e.mu.Unlock()
	if !ok || time.Now().After(exp) {
		http.Error(w, "bad ticket", http.StatusUnauthorized)
		return
	}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &streamConn{ws: ws, wm: make(chan struct{}, 1)}
	e.mu.Lock()
	e.conn = c
	e.nConn++
	e.mu.Unlock()
	_ = c.write(Frame{SpecVersion: "1.0", Type: "SYSTEM",
		Headers: map[string]string{"topic": "ping", "messageId": e.frameID(), "contentType": "application/json",
			"time": fmt.Sprint(time.Now().UnixMilli())},
		Data: `{"opaque":"op-1"}`})
	for {
		var a Ack
		if err := ws.ReadJSON(&a); err != nil {
			break
		}
		e.mu.Lock()
		e.acks[a.Headers["messageId"]] = a
		e.nAcks++
		e.mu.Unlock()
	}
	_ = ws.Close()
	e.mu.Lock()
	if e.conn == c {
		e.conn = nil
	}
	e.mu.Unlock()
}

func (e *Emulator) frameID() string { return NewID("frame") }

// StreamConnections is how many Stream connections were accepted so far.
func (e *Emulator) StreamConnections() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.nConn
}

// WaitConnected waits for the n-th Stream connection to be live.
func (e *Emulator) WaitConnected(t testing.TB, n int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		e.mu.Lock()
		ok := e.nConn >= n && e.conn != nil
		e.mu.Unlock()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("dingtalk emulator: Stream connection %d not up within %v", n, timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// PushFrame sends a frame on the live connection and returns its messageId.
func (e *Emulator) PushFrame(t testing.TB, typ, topic, data string) string {
	t.Helper()
	e.mu.Lock()
	c := e.conn
	e.mu.Unlock()
	if c == nil {
		t.Fatal("dingtalk emulator: no Stream connection")
	}
	id := e.frameID()
	f := Frame{SpecVersion: "1.0", Type: typ, Data: data,
		Headers: map[string]string{"topic": topic, "messageId": id, "contentType": "application/json",
			"time": fmt.Sprint(time.Now().UnixMilli())}}
	if err := c.write(f); err != nil {
		t.Fatalf("dingtalk emulator: push: %v", err)
	}
	return id
}

// WaitAck waits for the ack of a frame.
func (e *Emulator) WaitAck(t testing.TB, id string, timeout time.Duration) Ack {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		e.mu.Lock()
		a, ok := e.acks[id]
		e.mu.Unlock()
		if ok {
			return a
		}
		if time.Now().After(deadline) {
			t.Fatalf("dingtalk emulator: no ack for frame %s within %v", id, timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// PingAcks returns the acks whose data echoes the ping's opaque.
func (e *Emulator) PingAcks() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, a := range e.acks {
		if a.Code == 200 && strings.Contains(a.Data, "op-1") {
			n++
		}
	}
	return n
}

// DropStream closes the live connection from the server side, without a
// close frame, as a network failure would.
func (e *Emulator) DropStream() {
	e.mu.Lock()
	c := e.conn
	e.conn = nil
	e.mu.Unlock()
	if c != nil {
		_ = c.ws.UnderlyingConn().Close()
	}
}

// Stream sends m as a bot-message CALLBACK frame on the live Stream
// connection and returns the client's ack.
func (d *Driver) Stream(t testing.TB, m *InMessage) Ack {
	t.Helper()
	return d.StreamRaw(t, d.Payload(m))
}

// StreamRaw sends data as a bot-message frame and returns the ack.
func (d *Driver) StreamRaw(t testing.TB, data []byte) Ack {
	t.Helper()
	id := d.Emulator.PushFrame(t, "CALLBACK", dingtalk.TopicBotMessage, string(data))
	return d.Emulator.WaitAck(t, id, 5*time.Second)
}

// WaitDisconnected waits until no Stream connection is live.
func (e *Emulator) WaitDisconnected(t testing.TB, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		e.mu.Lock()
		live := e.conn != nil
		e.mu.Unlock()
		if !live {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("dingtalk emulator: Stream connection still up after %v", timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Subscriptions are the "TYPE topic" pairs of the latest connections/open.
func (e *Emulator) Subscriptions() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.subs...)
}
