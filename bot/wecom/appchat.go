package wecom

// App group chats (应用发送消息到群聊会话, PLATFORMS.md §2.4): a self-built
// app whose visibility is the whole company may create group chats
// (appchat/create) and post to them (appchat/send). Only chats the app
// created, only internal members, and no template_card: a card with buttons
// is posted as markdown naming its buttons and where to press them (the
// buttons themselves reach the people who may press them through
// message/send).
//
// Such a chat's id is "appchat:" + WeCom's chatid. The app never receives
// what members say in it.

import (
	"context"
	"errors"
	"strings"

	"github.com/salesbot/salesbot/bot"
)

// AppChatPrefix starts the chat id of a group chat the app created.
const AppChatPrefix = "appchat:"

// AppChatID is the chat id of the app-created group chat with WeCom's chatid.
func AppChatID(chatID string) string { return AppChatPrefix + chatID }

// maxAppChatMarkdown is the most one appchat markdown message carries.
const maxAppChatMarkdown = 2048

// CreateAppChat creates a group chat owned by owner with the members (at
// least two, owner included or not) and returns WeCom's chatid.
func (a *Adapter) CreateAppChat(ctx context.Context, name, owner string, members []string) (string, error) {
	users := make([]string, 0, len(members)+1)
	seen := map[string]bool{}
	for _, u := range append([]string{owner}, members...) {
		if u != "" && !seen[u] {
			seen[u] = true
			users = append(users, u)
		}
	}
	if len(users) < 2 {
		return "", errors.New("wecom appchat/create: a group chat needs at least two members")
	}
	var ans struct {
		ChatID string `json:"chatid"`
	}
	body := map[string]any{"name": name, "owner": owner, "userlist": users}
	if err := a.api(ctx, "appchat/create", body, &ans); err != nil {
		return "", err
	}
	if ans.ChatID == "" {
		return "", errors.New("wecom appchat/create: answer without chatid")
	}
	return ans.ChatID, nil
}

// sendAppChat posts out to an app-created group chat: text as text, a card
// as markdown (appchat/send has no template_card).
func (a *Adapter) sendAppChat(ctx context.Context, out bot.Outgoing) (string, error) {
	chatID := strings.TrimPrefix(out.To.ChatID, AppChatPrefix)
	msgType, parts := "text", splitBytes(strings.TrimSpace(out.Text), maxTextBytes)
	if out.Card != nil {
		msgType = "markdown"
		parts = splitBytes(groupMarkdown(out.Card, out.Text, "按钮已单独发给能操作的同事"), maxAppChatMarkdown)
	}
	if len(parts) == 0 {
		return "", bot.Permanent("bad_message", "outgoing message has neither text nor card")
	}
	for _, part := range parts {
		body := map[string]any{"chatid": chatID, "msgtype": msgType, msgType: map[string]string{"content": part}}
		if err := a.api(ctx, "appchat/send", body, nil); err != nil {
			return "", a.failed(ctx, err, out)
		}
	}
	// appchat/send answers no message id; the outbox key names the message.
	return firstNonEmpty(out.Key, bot.NewID()), nil
}
