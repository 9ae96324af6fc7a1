package dingtalk

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/open-dingtalk/dingtalk-stream-sdk-go/client"
	"github.com/open-dingtalk/dingtalk-stream-sdk-go/handler"
	"github.com/open-dingtalk/dingtalk-stream-sdk-go/logger"
	"github.com/open-dingtalk/dingtalk-stream-sdk-go/payload"

	"github.com/salesbot/salesbot/bot"
)

// Stream mode (PLATFORMS.md §3.1) runs on dingtalk-stream-sdk-go
// v0.9.2-beta.1: it registers (connections/open), holds the WebSocket,
// answers SYSTEM pings and disconnects, and reconnects a dropped connection
// itself (3 s doubling to 60 s, with jitter). Not v0.9.1: with auto-reconnect
// off its read loop just ends when a connection drops, so a reconnect loop
// of ours would have nothing to trigger on, and it has the
// send-on-closed-channel panics of SDK issues #27, #28 and #32. The two
// topics are registered as raw frame handlers, so that Stream and HTTP mode
// parse and answer through the same code (handle, cardClick).
const (
	// PathConnectionsOpen is where the SDK registers for a connection.
	PathConnectionsOpen = "/v1.0/gateway/connections/open"
	// TopicBotMessage is the topic of robot messages.
	TopicBotMessage = payload.BotMessageCallbackTopic
	// TopicCardCallback is the topic of interactive-card button presses.
	TopicCardCallback = payload.CardInstanceCallbackTopic
)

// Run receives robot messages and card presses over the Stream connection
// until ctx ends, then closes it and returns once the frames in hand have
// been delivered. The first connection is retried with a back-off of our
// own (Config.ReconnectMin doubling to ReconnectMax, with jitter), each
// failure logged; once connected, the SDK reconnects. In webhook mode Run
// returns at once.
func (a *Adapter) Run(ctx context.Context, sink bot.Sink) error {
	if a.cfg.Mode != ModeStream {
		return nil
	}
	defer routeSDKLog(a.log)()
	cli := client.NewStreamClient(
		client.WithAppCredential(client.NewAppCredentialConfig(a.cfg.ClientID, a.cfg.ClientSecret)),
		client.WithOpenApiHost(a.cfg.BaseURL),
		client.WithKeepAlive(a.cfg.KeepAlive),
		client.WithAutoReconnect(true),
	)
	var frames inflight
	cli.RegisterCallbackRouter(TopicBotMessage, frames.handler(func(ctx context.Context, df *payload.DataFrame) *payload.DataFrameResponse {
		return a.botFrame(ctx, sink, df)
	}))
	cli.RegisterCallbackRouter(TopicCardCallback, frames.handler(func(ctx context.Context, df *payload.DataFrame) *payload.DataFrameResponse {
		return a.cardFrame(ctx, sink, df)
	}))
	defer func() {
		cli.Close()
		// The SDK runs each frame's handler in a goroutine of its own and
		// does not wait for them on Close: wait here, so that no message is
		// handed to the sink after Run has returned (and the database is
		// closed under it).
		frames.closeAndWait()
	}()

	wait := a.cfg.ReconnectMin
	for {
		err := cli.Start(ctx)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return nil
		}
		d := wait/2 + rand.N(wait/2+1)
		a.log.WarnContext(ctx, "dingtalk stream: cannot connect, retrying", "err", err, "in", d)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(d):
		}
		wait = min(2*wait, a.cfg.ReconnectMax)
	}
	a.log.InfoContext(ctx, "dingtalk stream connected")
	<-ctx.Done()
	return nil
}

// inflight tracks the frame handlers that are running, so that Run can
// wait for them after closing the client.
type inflight struct {
	mu     sync.Mutex
	wg     sync.WaitGroup
	closed bool
}

// handler wraps a frame handler. The context it is given ends when the
// connection drops, but a bot message is never redelivered: it is stored
// regardless, with the values of the SDK's context and none of its
// cancellation. A frame that comes in after Run has begun to stop is
// answered 503 and not delivered.
func (f *inflight) handler(h func(context.Context, *payload.DataFrame) *payload.DataFrameResponse) handler.IFrameHandler {
	return func(ctx context.Context, df *payload.DataFrame) (*payload.DataFrameResponse, error) {
		f.mu.Lock()
		if f.closed {
			f.mu.Unlock()
			return ack(http.StatusServiceUnavailable, "shutting down", ""), nil
		}
		f.wg.Add(1)
		f.mu.Unlock()
		defer f.wg.Done()
		return h(context.WithoutCancel(ctx), df), nil
	}
}

// closeAndWait refuses new frames and waits for the running ones.
func (f *inflight) closeAndWait() {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	f.wg.Wait()
}

// ack builds a frame's answer; the SDK adds the messageId.
func ack(code int, msg, data string) *payload.DataFrameResponse {
	r := payload.NewDataFrameResponse(code)
	r.Message, r.Data = msg, data
	r.SetHeader(payload.DataFrameHeaderKContentType, payload.DataFrameContentTypeKJson)
	return r
}

// botFrame handles a robot message frame. Bot messages are never
// redelivered, so anything but a failure to store is acked 200.
func (a *Adapter) botFrame(ctx context.Context, sink bot.Sink, df *payload.DataFrame) *payload.DataFrameResponse {
	var m Message
	if err := json.Unmarshal([]byte(df.Data), &m); err != nil {
		a.log.WarnContext(ctx, "dingtalk stream: malformed bot message ignored", "message_id", df.GetMessageId(), "err", err)
		return ack(http.StatusOK, "ignored: data is not a JSON message", "")
	}
	status, err := a.handle(ctx, sink, &m)
	return a.frameAnswer(ctx, "bot message", m.MsgID, status, err, "")
}

// cardFrame handles a card button press; the ack carries the updated card.
func (a *Adapter) cardFrame(ctx context.Context, sink bot.Sink, df *payload.DataFrame) *payload.DataFrameResponse {
	answer, status, err := a.cardClick(ctx, sink, []byte(df.Data), df.GetMessageId())
	return a.frameAnswer(ctx, "card press", df.GetMessageId(), status, err, string(answer))
}

// frameAnswer turns handle's outcome into an ack: 500 when the event could
// not be stored (DingTalk may retry), 200 otherwise.
func (a *Adapter) frameAnswer(ctx context.Context, what, id string, status int, err error, data string) *payload.DataFrameResponse {
	switch {
	case err == nil:
		return ack(http.StatusOK, "OK", data)
	case status >= 500:
		a.log.ErrorContext(ctx, "dingtalk stream: "+what+" not delivered", "id", id, "err", err)
		return ack(http.StatusInternalServerError, err.Error(), "")
	}
	a.log.WarnContext(ctx, "dingtalk stream: "+what+" refused", "id", id, "err", err)
	return ack(http.StatusOK, "ignored: "+err.Error(), "")
}

// The SDK logs through one package-level logger that it reads without
// synchronisation, so it is set once, before the first client exists, to
// sdkLogger, which forwards to the logger of the latest Run still running
// (one per process in practice; in tests, the current test's). Lines that
// come while no Run is running are dropped.
var (
	sdkLogOnce sync.Once
	sdkLogMu   sync.Mutex
	sdkLogs    []*slog.Logger // of the running Runs, oldest first
)

// routeSDKLog sends the SDK's lines to l until the returned func is called.
func routeSDKLog(l *slog.Logger) (unroute func()) {
	sdkLogOnce.Do(func() { logger.SetLogger(sdkLogger{}) })
	sdkLogMu.Lock()
	defer sdkLogMu.Unlock()
	sdkLogs = append(sdkLogs, l)
	return func() {
		sdkLogMu.Lock()
		defer sdkLogMu.Unlock()
		if i := slices.Index(sdkLogs, l); i >= 0 {
			sdkLogs = slices.Delete(sdkLogs, i, i+1)
		}
	}
}

func currentSDKLog() *slog.Logger {
	sdkLogMu.Lock()
	defer sdkLogMu.Unlock()
	if len(sdkLogs) == 0 {
		return nil
	}
	return sdkLogs[len(sdkLogs)-1]
}

// sdkLogger sends the SDK's log lines to slog. Its debug lines dump whole
// frames (message text, credentials in connections/open), so they are
// dropped.
type sdkLogger struct{}

func (sdkLogger) log(level slog.Level, format string, args []any) {
	if l := currentSDKLog(); l != nil {
		l.Log(context.Background(), level, "dingtalk stream sdk", "line", fmt.Sprintf(format, args...))
	}
}

func (sdkLogger) Debugf(format string, args ...any)     {}
func (l sdkLogger) Infof(format string, args ...any)    { l.log(slog.LevelInfo, format, args) }
func (l sdkLogger) Warningf(format string, args ...any) { l.log(slog.LevelWarn, format, args) }
func (l sdkLogger) Errorf(format string, args ...any)   { l.log(slog.LevelError, format, args) }

// Fatalf logs at error level: the SDK never calls it, and a library must
// not end the process.
func (l sdkLogger) Fatalf(format string, args ...any) { l.log(slog.LevelError, format, args) }
