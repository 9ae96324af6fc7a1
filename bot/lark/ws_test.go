package lark_test

import (
	"context"
	"testing"
	"time"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/bot/bottest"
	"github.com/salesbot/salesbot/bot/lark"
	"github.com/salesbot/salesbot/bot/lark/larktest"
)

// TestLongConnection: events arrive over the SDK's long connection, the
// client reconnects after the connection drops, and Run returns when its
// context ends.
func TestLongConnection(t *testing.T) {
	appID := larktest.NewID("cli_")
	emu := larktest.New(t, appID, "secret-"+appID)
	emu.AddUser(larktest.User{OpenID: "ou_rep", Name: "王小明"})
	a := lark.New(lark.Config{AppID: appID, AppSecret: "secret-" + appID, Mode: lark.ModeWebSocket,
		BaseURL: emu.URL()}, nil, nil)
	if routes := a.Routes(nil); len(routes) != 0 {
		t.Errorf("websocket mode mounts %v", routes)
	}
	sink := &bottest.FakeSink{Result: bot.Result{Toast: "好的"}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, sink) }()
	drv := &larktest.Driver{AppID: appID, TenantKey: "tk1", Emulator: emu}

	m := &larktest.InMessage{ChatID: "oc_team", OpenID: "ou_rep", Text: "@_user_1 你好",
		Mentions: []larktest.InMention{larktest.BotMention()}}
	if status, body := drv.Message(t, m); status != 200 {
		t.Fatalf("push: %d %s", status, body)
	}
	ans := drv.Press(t, &larktest.Click{MessageID: "om_card", ChatID: "oc_team", OpenID: "ou_rep", Action: "task.done"})
	if ans.Toast == nil || ans.Toast.Content != "好的" {
		t.Errorf("click answer = %+v", ans)
	}

	emu.DropConnections()
	deadline := time.Now().Add(10 * time.Second)
	for emu.Requests("ws_endpoint") < 2 || emu.Connections() != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("no reconnection: %d endpoint requests, %d connections", emu.Requests("ws_endpoint"), emu.Connections())
		}
		time.Sleep(20 * time.Millisecond)
	}
	m2 := &larktest.InMessage{ChatID: "oc_team", OpenID: "ou_rep", Text: "再见"}
	if status, _ := drv.Message(t, m2); status != 200 {
		t.Fatalf("push after reconnect: %d", status)
	}
	evs := sink.Events()
	if len(evs) != 3 || evs[0].Text != "你好" || evs[1].Kind != bot.KindAction || evs[2].Text != "再见" {
		t.Errorf("events = %+v", evs)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}
