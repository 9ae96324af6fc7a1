package wecom_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/bot/wecom"
	"github.com/salesbot/salesbot/bot/wecom/wecomtest"
)

const robotKey = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"

func robotSender(t *testing.T, log *slog.Logger) (*wecom.Adapter, *wecomtest.Emulator) {
	t.Helper()
	emu := wecomtest.New(t, "ww1", "secret1", 1000002)
	emu.AddRobot(robotKey)
	a := wecom.New(wecom.Config{CorpID: "ww1", AgentID: 1000002, Secret: "secret1", BaseURL: emu.URL(),
		Robots: []wecom.Robot{{Team: "华东一组", Key: robotKey}, {Team: "华北组", Key: "removed-key"}}}, log, nil)
	return a, emu
}

func progressCard() *bot.Card {
	return &bot.Card{Header: bot.Header{Title: "华东一组 12月进度", Subtitle: "时间进度 10%"},
		Elements: []bot.Element{{Kind: bot.ElemProgress, Progress: []bot.ProgressRow{
			{Label: "张三", Percent: 45, Marker: 10}, {Label: "李四", Percent: 5, Marker: 10, Note: "落后"}}}},
		Actions: []bot.Action{{ID: "progress.detail", Label: "查看明细"}}}
}

// TestRobotSend: a message to a team's robot chat is markdown posted to
// its webhook (no access token needed), buttons named with where to press
// them; the outbox key is its message id.
func TestRobotSend(t *testing.T) {
	a, emu := robotSender(t, nil)
	id, err := a.Send(context.Background(), bot.Outgoing{To: bot.Target{ChatID: wecom.RobotChatID("华东一组")},
		Card: progressCard(), Key: "out-1"})
	if err != nil || id != "out-1" {
		t.Fatalf("send = %q, %v", id, err)
	}
	ms := emu.Messages()
	if len(ms) != 1 || ms[0].RobotKey != robotKey || ms[0].MsgType != "markdown" {
		t.Fatalf("messages = %+v", ms)
	}
	for _, want := range []string{"华东一组 12月进度", "张三", "▓", "落后", "查看明细", "应用消息"} {
		if !strings.Contains(ms[0].Content, want) {
			t.Errorf("markdown lacks %q: %s", want, ms[0].Content)
		}
	}
	if n := emu.Requests("gettoken"); n != 0 {
		t.Errorf("gettoken calls = %d; a webhook needs no token", n)
	}
	// Longer than 4096 bytes: several messages, none over the limit.
	long := &bot.Card{Header: bot.Header{Title: "长卡片"}, Elements: []bot.Element{bot.Markdown(strings.Repeat("一行说明文字\n", 400))}}
	if _, err := a.Send(context.Background(), bot.Outgoing{To: bot.Target{ChatID: wecom.RobotChatID("华东一组")}, Card: long}); err != nil {
		t.Fatal(err)
	}
	ms = emu.Messages()[1:]
	if len(ms) < 2 {
		t.Fatalf("a long card went as %d messages", len(ms))
	}
	for _, m := range ms {
		if len(m.Content) > 4096 {
			t.Errorf("a robot message of %d bytes", len(m.Content))
		}
	}
}

// TestRobotRateLimit: the 21st message in a minute to one webhook is not
// posted; the outbox is asked to wait for this chat only. WeCom's own
// 45009 answer does the same.
func TestRobotRateLimit(t *testing.T) {
	a, emu := robotSender(t, nil)
	out := bot.Outgoing{To: bot.Target{ChatID: wecom.RobotChatID("华东一组")}, Text: "进度"}
	for i := range 20 {
		if _, err := a.Send(context.Background(), out); err != nil {
			t.Fatalf("send %d: %v", i+1, err)
		}
	}
	_, err := a.Send(context.Background(), out)
	se := sendErr(t, err)
	if se.Permanent || se.Scope != "chat" || se.RetryAfter <= 0 {
		t.Errorf("21st send = %+v, want a wait for the chat", se)
	}
	if n := len(emu.Messages()); n != 20 {
		t.Errorf("%d messages posted, want 20", n)
	}

	a, emu = robotSender(t, nil)
	emu.Inject(wecomtest.Fault{Op: "webhook", ErrCode: 45009, ErrMsg: "api freq out of limit"})
	_, err = a.Send(context.Background(), out)
	se = sendErr(t, err)
	if se.Permanent || se.Scope != "chat" || se.Code != "45009" || se.RetryAfter <= 0 {
		t.Errorf("45009 = %+v, want a wait for the chat", se)
	}
	if _, err := a.Send(context.Background(), out); err != nil {
		t.Errorf("retry after 45009: %v", err)
	}
	if n := len(emu.Messages()); n != 1 {
		t.Errorf("%d messages, want 1", n)
	}
}

// TestRobotInvalidKey: a removed robot (93000) or a team without one is a
// permanent failure, logged with the team and never the key.
func TestRobotInvalidKey(t *testing.T) {
	var logs bytes.Buffer
	a, emu := robotSender(t, slog.New(slog.NewTextHandler(&logs, nil)))
	_, err := a.Send(context.Background(), bot.Outgoing{To: bot.Target{ChatID: wecom.RobotChatID("华北组")}, Text: "进度"})
	if se := sendErr(t, err); !se.Permanent || se.Code != "93000" {
		t.Errorf("removed robot = %+v, want permanent 93000", se)
	}
	_, err = a.Send(context.Background(), bot.Outgoing{To: bot.Target{ChatID: wecom.RobotChatID("西部组")}, Text: "进度"})
	if se := sendErr(t, err); !se.Permanent {
		t.Errorf("team without a robot = %+v, want permanent", se)
	}
	if !strings.Contains(logs.String(), "dead-lettered") || !strings.Contains(logs.String(), "华北组") || !strings.Contains(logs.String(), "西部组") {
		t.Errorf("log = %s", logs.String())
	}
	if strings.Contains(logs.String(), "removed-key") {
		t.Errorf("the webhook key was logged: %s", logs.String())
	}
	if n := len(emu.Messages()); n != 0 {
		t.Errorf("%d messages", n)
	}
}
