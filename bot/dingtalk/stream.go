package dingtalk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"time"

	"github.com/gorilla/websocket"

	"github.com/salesbot/salesbot/bot"
)

// Stream mode (PLATFORMS.md §3.1): POST connections/open for an endpoint and
// a one-use ticket, then a WebSocket on which DingTalk pushes JSON frames
// and the client acks each one. A small client of our own on
// gorilla/websocket rather than dingtalk-stream-sdk-go: see README
// "DingTalk" (Run must block, report failures and back off on a clock the
// tests control; the SDK's reconnect loop is internal and fixed at 3 s+).
const (
	PathConnectionsOpen = "/v1.0/gateway/connections/open"
	// TopicBotMessage is the topic of robot messages.
	TopicBotMessage = "/v1.0/im/bot/messages/get"
	userAgent       = "salesbot-dingtalk-stream/1"
)

// Frame is one Stream frame from DingTalk.
type Frame struct {
	SpecVersion string            `json:"specVersion,omitempty"`
	Type        string            `json:"type"` // SYSTEM, EVENT, CALLBACK
	Headers     map[string]string `json:"headers"`
	Data        string            `json:"data"`
}

// Ack answers one frame.
type Ack struct {
	Code    int               `json:"code"`
	Headers map[string]string `json:"headers"`
	Message string            `json:"message"`
	Data    string            `json:"data"`
}

var errDisconnect = errors.New("server asked to disconnect")

// Run receives robot messages over the Stream connection until ctx ends,
// reconnecting with back-off (Config.ReconnectMin doubling to
// ReconnectMax, with jitter). In webhook mode it returns at once.
func (a *Adapter) Run(ctx context.Context, sink bot.Sink) error {
	if a.cfg.Mode != ModeStream {
		return nil
	}
	wait := a.cfg.ReconnectMin
	for {
		connected, err := a.streamOnce(ctx, sink)
		if ctx.Err() != nil {
			return nil
		}
		if connected {
			wait = a.cfg.ReconnectMin
		}
		if errors.Is(err, errDisconnect) {
			a.log.Info("dingtalk stream: reconnecting at the server's request")
			continue
		}
		d := wait/2 + rand.N(wait/2+1)
		a.log.Warn("dingtalk stream: connection lost, reconnecting", "err", err, "in", d)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(d):
		}
		wait = min(2*wait, a.cfg.ReconnectMax)
	}
}

// openConnection registers and returns the WebSocket URL with its ticket.
func (a *Adapter) openConnection(ctx context.Context) (string, error) {
	body, _ := json.Marshal(map[string]any{
		"clientId":     a.cfg.ClientID,
		"clientSecret": a.cfg.ClientSecret,
		"subscriptions": []map[string]string{
			{"type": "SYSTEM", "topic": "ping"},
			{"type": "SYSTEM", "topic": "disconnect"},
			{"type": "CALLBACK", "topic": TopicBotMessage},
		},
		"ua":      userAgent,
		"localIp": "",
		"extras":  nil,
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.cfg.BaseURL+PathConnectionsOpen, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	res, err := a.hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("connections/open: %w", err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if res.StatusCode != http.StatusOK {
		var e struct{ Code, Message string }
		_ = json.Unmarshal(data, &e)
		return "", fmt.Errorf("connections/open: HTTP %d code=%s message=%s", res.StatusCode, e.Code, e.Message)
	}
	var out struct{ Endpoint, Ticket string }
	if err := json.Unmarshal(data, &out); err != nil || out.Endpoint == "" || out.Ticket == "" {
		return "", fmt.Errorf("connections/open: no endpoint or ticket in %q", data)
	}
	u, err := url.Parse(out.Endpoint)
	if err != nil || (u.Scheme != "wss" && u.Scheme != "ws") {
		return "", fmt.Errorf("connections/open: bad endpoint %q", out.Endpoint)
	}
	q := u.Query()
	q.Set("ticket", out.Ticket)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// streamOnce runs one connection; connected says whether it got as far as
// an open socket.
func (a *Adapter) streamOnce(ctx context.Context, sink bot.Sink) (connected bool, err error) {
	wsURL, err := a.openConnection(ctx)
	if err != nil {
		return false, err
	}
	d := websocket.Dialer{HandshakeTimeout: 10 * time.Second, Proxy: http.ProxyFromEnvironment}
	conn, res, err := d.DialContext(ctx, wsURL, nil)
	if err != nil {
		if res != nil {
			return false, fmt.Errorf("stream dial: %w (HTTP %d)", err, res.StatusCode)
		}
		return false, fmt.Errorf("stream dial: %w", err)
	}
	defer conn.Close()
	a.log.Info("dingtalk stream connected")

	idle := a.cfg.KeepAlive
	done := make(chan struct{})
	defer close(done)
	go func() {
		t := time.NewTicker(idle)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				_ = conn.WriteControl(websocket.CloseMessage,
					websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye"), time.Now().Add(time.Second))
				_ = conn.Close()
				return
			case <-done:
				return
			case <-t.C:
				_ = conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(5*time.Second))
			}
		}
	}()
	// Anything from the server (frames, pongs) proves the link alive.
	extend := func() { _ = conn.SetReadDeadline(time.Now().Add(2*idle + 5*time.Second)) }
	extend()
	conn.SetPongHandler(func(string) error { extend(); return nil })
	conn.SetReadLimit(4 << 20)
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			return true, fmt.Errorf("stream read: %w", err)
		}
		extend()
		var f Frame
		if err := json.Unmarshal(data, &f); err != nil {
			a.log.Warn("dingtalk stream: frame is not JSON, ignored", "err", err)
			continue
		}
		ack, stop := a.frame(ctx, sink, &f)
		if ack != nil {
			out, _ := json.Marshal(ack)
			_ = conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if err := conn.WriteMessage(websocket.TextMessage, out); err != nil {
				return true, fmt.Errorf("stream ack: %w", err)
			}
		}
		if stop != nil {
			return true, stop
		}
	}
}

// frame handles one frame and returns its ack (nil: none) and, for a
// disconnect, errDisconnect.
func (a *Adapter) frame(ctx context.Context, sink bot.Sink, f *Frame) (*Ack, error) {
	id := f.Headers["messageId"]
	ack := func(code int, msg, data string) *Ack {
		return &Ack{Code: code, Headers: map[string]string{"messageId": id, "contentType": "application/json"}, Message: msg, Data: data}
	}
	topic := f.Headers["topic"]
	switch {
	case f.Type == "SYSTEM" && topic == "ping":
		return ack(200, "OK", f.Data), nil
	case f.Type == "SYSTEM" && topic == "disconnect":
		a.log.Info("dingtalk stream: disconnect", "data", f.Data)
		return nil, errDisconnect
	case f.Type == "CALLBACK" && topic == TopicBotMessage:
		var m Message
		if err := json.Unmarshal([]byte(f.Data), &m); err != nil {
			// Bot messages are never redelivered: ack, log, move on.
			a.log.Warn("dingtalk stream: malformed bot message ignored", "message_id", id, "err", err)
			return ack(200, "ignored: data is not a JSON message", ""), nil
		}
		if status, err := a.handle(ctx, sink, &m); err != nil {
			if status >= 500 {
				a.log.Error("dingtalk stream: bot message not delivered", "msg_id", m.MsgID, "err", err)
				return ack(500, err.Error(), ""), nil
			}
			a.log.Warn("dingtalk stream: bot message refused", "msg_id", m.MsgID, "err", err)
			return ack(200, "ignored: "+err.Error(), ""), nil
		}
		return ack(200, "OK", ""), nil
	default:
		a.log.Warn("dingtalk stream: frame with an unknown topic ignored", "type", f.Type, "topic", topic)
		return ack(404, "unknown topic", ""), nil
	}
}
