package larktest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	larkws "github.com/larksuite/oapi-sdk-go/v3/ws"
)

// wsServer is the emulator's long-connection side: the endpoint handshake
// and WebSocket connections speaking the SDK's protobuf frames.
type wsServer struct {
	e *Emulator

	mu      sync.Mutex
	conns   []*wsConn
	acks    map[string]chan larkws.Response
	nextID  int
	refused int // endpoint requests to refuse with "system busy"
}

type wsConn struct {
	c       *websocket.Conn
	writeMu sync.Mutex
	closed  chan struct{}
}

func (c *wsConn) write(f *larkws.Frame) error {
	b, err := f.Marshal()
	if err != nil {
		return err
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	return c.c.WriteMessage(websocket.BinaryMessage, b)
}

func (s *wsServer) routes(mux *http.ServeMux) {
	mux.HandleFunc("POST "+larkws.GenEndpointUri, s.endpoint)
	mux.HandleFunc("GET /ws", s.connect)
}

// endpoint answers the client's bootstrap request with the socket URL and
// a client config that reconnects fast (tests).
func (s *wsServer) endpoint(w http.ResponseWriter, r *http.Request) {
	var req struct{ AppID, AppSecret string }
	_ = json.NewDecoder(r.Body).Decode(&req)
	s.e.mu.Lock()
	s.e.requests["ws_endpoint"]++
	s.e.mu.Unlock()
	if req.AppID != s.e.AppID || req.AppSecret != s.e.AppSecret {
		writeJSON(w, 200, map[string]any{"code": 514, "msg": "auth failed"})
		return
	}
	s.mu.Lock()
	busy := s.refused > 0
	if busy {
		s.refused--
	}
	s.nextID++
	id := s.nextID
	s.mu.Unlock()
	if busy {
		writeJSON(w, 200, map[string]any{"code": 1, "msg": "system busy"})
		return
	}
	u := "ws" + strings.TrimPrefix(s.e.srv.URL, "http") + fmt.Sprintf("/ws?device_id=dev%d&service_id=%d", id, id)
	writeJSON(w, 200, map[string]any{"code": 0, "msg": "ok", "data": map[string]any{
		"URL": u,
		"ClientConfig": map[string]any{"ReconnectCount": -1, "ReconnectInterval": 1, "ReconnectNonce": 1,
			"PingInterval": 120},
	}})
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

func (s *wsServer) connect(w http.ResponseWriter, r *http.Request) {
	c, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	conn := &wsConn{c: c, closed: make(chan struct{})}
	s.mu.Lock()
	s.conns = append(s.conns, conn)
	s.mu.Unlock()
	defer func() {
		close(conn.closed)
		c.Close()
		s.mu.Lock()
		for i, x := range s.conns {
			if x == conn {
				s.conns = append(s.conns[:i], s.conns[i+1:]...)
				break
			}
		}
		s.mu.Unlock()
	}()
	for {
		_, data, err := c.ReadMessage()
		if err != nil {
			return
		}
		var f larkws.Frame
		if f.Unmarshal(data) != nil {
			continue
		}
		hs := larkws.Headers(f.Headers)
		switch {
		case f.Method == int32(larkws.FrameTypeControl) && hs.GetString(larkws.HeaderType) == string(larkws.MessageTypePing):
			pong := larkws.Frame{Service: f.Service, Method: int32(larkws.FrameTypeControl),
				Headers: []larkws.Header{{Key: larkws.HeaderType, Value: string(larkws.MessageTypePong)}}}
			_ = conn.write(&pong)
		case f.Method == int32(larkws.FrameTypeData):
			var resp larkws.Response
			_ = json.Unmarshal(f.Payload, &resp)
			s.mu.Lock()
			ch := s.acks[hs.GetString(larkws.HeaderMessageID)]
			s.mu.Unlock()
			if ch != nil {
				ch <- resp
			}
		}
	}
}

// Connections returns how many long connections are open.
func (e *Emulator) Connections() int {
	e.ws.mu.Lock()
	defer e.ws.mu.Unlock()
	return len(e.ws.conns)
}

// DropConnections closes every open long connection, as a network failure
// would; the SDK client reconnects.
func (e *Emulator) DropConnections() {
	e.ws.mu.Lock()
	conns := append([]*wsConn(nil), e.ws.conns...)
	e.ws.mu.Unlock()
	for _, c := range conns {
		_ = c.c.Close()
	}
}

// Push sends an event (v2.0 JSON, unencrypted) over a long connection and
// waits for the client's answer: the status code and the handler's JSON
// answer. It waits up to timeout for a connection to be open.
func (e *Emulator) Push(payload []byte, timeout time.Duration) (int, []byte, error) {
	deadline := time.Now().Add(timeout)
	var conn *wsConn
	for {
		e.ws.mu.Lock()
		if n := len(e.ws.conns); n > 0 {
			conn = e.ws.conns[n-1]
		}
		e.ws.mu.Unlock()
		if conn != nil {
			break
		}
		if time.Now().After(deadline) {
			return 0, nil, errors.New("no long connection open")
		}
		time.Sleep(10 * time.Millisecond)
	}
	id := NewID("ws_msg_")
	ch := make(chan larkws.Response, 1)
	e.ws.mu.Lock()
	e.ws.acks[id] = ch
	e.ws.mu.Unlock()
	defer func() {
		e.ws.mu.Lock()
		delete(e.ws.acks, id)
		e.ws.mu.Unlock()
	}()
	f := larkws.Frame{SeqID: 1, LogID: 1, Service: 1, Method: int32(larkws.FrameTypeData), Payload: payload,
		Headers: []larkws.Header{
			{Key: larkws.HeaderType, Value: string(larkws.MessageTypeEvent)},
			{Key: larkws.HeaderMessageID, Value: id},
			{Key: larkws.HeaderSum, Value: "1"},
			{Key: larkws.HeaderSeq, Value: "0"},
			{Key: larkws.HeaderTraceID, Value: id},
		}}
	if err := conn.write(&f); err != nil {
		return 0, nil, err
	}
	select {
	case resp := <-ch:
		return resp.StatusCode, resp.Data, nil
	case <-conn.closed:
		return 0, nil, errors.New("connection closed before the answer")
	case <-time.After(time.Until(deadline) + 3*time.Second):
		return 0, nil, errors.New("no answer within 3 s")
	}
}
