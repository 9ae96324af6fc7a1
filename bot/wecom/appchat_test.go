package wecom_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/bot/wecom"
	"github.com/salesbot/salesbot/bot/wecom/wecomtest"
)

// TestAppChat: the app creates a group chat (owner and members, at least
// two) and posts to it: text as text, a card as markdown naming its buttons,
// since appchat/send has no template_card.
func TestAppChat(t *testing.T) {
	a, emu := sender(t)
	for _, u := range []string{"chenjl", "zhangsan", "lisi"} {
		emu.AddUser(wecomtest.User{UserID: u, Name: u, Departments: []int{1}})
	}
	ctx := context.Background()
	chatID, err := a.CreateAppChat(ctx, "华东一组", "chenjl", []string{"zhangsan", "lisi", "chenjl"})
	if err != nil {
		t.Fatal(err)
	}
	chats := emu.AppChats()
	if len(chats) != 1 || chats[0].ChatID != chatID || chats[0].Owner != "chenjl" || len(chats[0].Users) != 3 {
		t.Fatalf("chats = %+v", chats)
	}
	to := bot.Target{ChatID: wecom.AppChatID(chatID)}
	if _, err := a.Send(ctx, bot.Outgoing{To: to, Text: "早上好"}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Send(ctx, bot.Outgoing{To: to, Card: followCard(), Key: "k1"}); err != nil {
		t.Fatal(err)
	}
	ms := emu.Messages()
	if len(ms) != 2 || ms[0].ChatID != chatID || ms[0].MsgType != "text" || ms[0].Content != "早上好" ||
		ms[1].MsgType != "markdown" || !strings.Contains(ms[1].Content, "星河科技") || !strings.Contains(ms[1].Content, "撤销 / 修改") {
		t.Fatalf("messages = %+v", ms)
	}

	// Fewer than two people, or someone WeCom does not know: refused.
	if _, err := a.CreateAppChat(ctx, "x", "chenjl", []string{"chenjl"}); err == nil {
		t.Error("a chat of one was created")
	}
	_, err = a.CreateAppChat(ctx, "x", "chenjl", []string{"nobody"})
	if err == nil || !strings.Contains(err.Error(), "86216") {
		t.Errorf("unknown member: %v", err)
	}
	// A chat the app did not create: permanent.
	_, err = a.Send(ctx, bot.Outgoing{To: bot.Target{ChatID: wecom.AppChatID("wrother")}, Text: "hi"})
	var se *bot.SendError
	if !errors.As(err, &se) || !se.Permanent || se.Code != "86001" {
		t.Errorf("unknown chat: %v", err)
	}
}
