package lark

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	larkcore "github.com/larksuite/oapi-sdk-go/v3/core"
	larkevent "github.com/larksuite/oapi-sdk-go/v3/event"
	"github.com/larksuite/oapi-sdk-go/v3/event/dispatcher"
	"github.com/larksuite/oapi-sdk-go/v3/event/dispatcher/callback"
	larkim "github.com/larksuite/oapi-sdk-go/v3/service/im/v1"
	larkws "github.com/larksuite/oapi-sdk-go/v3/ws"

	"github.com/salesbot/salesbot/bot"
)

// Run holds the long connection in websocket mode (bot.Runner): the SDK's
// client connects, reconnects on its own, and returns when ctx ends. In
// webhook mode it returns at once. Events over the long connection are
// neither signed nor encrypted (the connection is authenticated by the app
// secret), and go through the same normalisation as webhook events.
func (a *Adapter) Run(ctx context.Context, sink bot.Sink) error {
	if a.cfg.Mode != ModeWebSocket {
		return nil
	}
	d := dispatcher.NewEventDispatcher("", "").
		OnP2MessageReceiveV1(func(ctx context.Context, ev *larkim.P2MessageReceiveV1) error {
			_, err := a.dispatchRaw(ctx, sink, ev.EventReq)
			return err
		}).
		OnP2CardActionTrigger(func(ctx context.Context, ev *callback.CardActionTriggerEvent) (*callback.CardActionTriggerResponse, error) {
			ans, err := a.dispatchRaw(ctx, sink, ev.EventReq)
			if err != nil {
				return nil, err
			}
			resp, _ := ans.(*callback.CardActionTriggerResponse)
			return resp, nil
		})
	// The SDK reconnects by itself, but gives up for good on some client
	// errors (too many connections during a rolling deploy, a refused
	// handshake): then start a new client after a pause, for as long as
	// salesbot runs, instead of going deaf while looking healthy.
	for attempt := 0; ; attempt++ {
		cli := larkws.NewClient(a.cfg.AppID, a.cfg.AppSecret,
			larkws.WithEventHandler(d),
			larkws.WithDomain(a.cfg.BaseURL),
			larkws.WithLogLevel(larkcore.LogLevelError),
			larkws.WithLogger(sdkLogger{a.log}),
			larkws.WithOnReady(func() { a.log.Info("lark long connection ready") }),
			larkws.WithOnReconnecting(func() { a.log.Warn("lark long connection reconnecting") }),
		)
		err := cli.Start(ctx)
		if ctx.Err() != nil {
			return nil
		}
		wait := bot.Backoff(min(attempt, 6))
		a.log.Error("lark long connection stopped; starting again", "err", err, "retry_in", wait)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
}

// dispatchRaw handles one long-connection event from its raw JSON. An error
// makes the SDK answer 500, so Lark pushes the event again.
func (a *Adapter) dispatchRaw(ctx context.Context, sink bot.Sink, req *larkevent.EventReq) (any, error) {
	if req == nil {
		return nil, errors.New("lark event without its body")
	}
	var env envelope
	if err := json.Unmarshal(req.Body, &env); err != nil {
		return nil, fmt.Errorf("lark event: %w", err)
	}
	if a.cfg.AppID != "" && env.Header.AppID != "" && env.Header.AppID != a.cfg.AppID {
		return nil, errors.New("lark event for another app")
	}
	ans, err := a.dispatch(ctx, sink, env.Header, env.Event)
	if bot.CallbackStatus(err) < 500 {
		// A malformed event will not get better when pushed again.
		a.log.WarnContext(ctx, "lark event dropped", "event_type", env.Header.EventType, "err", err)
		return ack, nil
	}
	return ans, err
}
