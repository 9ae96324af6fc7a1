// Package console is the local web-chat platform: a page at / where a person
// picks a member of the tenant and talks to the bot in the team group chats or
// in a direct chat, with the same cards and buttons the real platforms show.
//
// It is an adapter like bot/lark or bot/wecom (bot.Adapter and bot.Webhook),
// so everything a rep, manager or finance person can do on WeCom, Lark or
// DingTalk can be tried, demonstrated and tested locally, without accounts or
// a public URL. Its JSON API (DESIGN.md §5) is a contract: the page, scripts
// and black-box tests use it.
package console

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/salesbot/salesbot/bot"
)

// Member is a person of the tenant who can speak in the console.
type Member struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Role is one of sales, presales, finance, manager, admin.
	Role string `json:"role"`
	Team string `json:"team"`
}

// Chat is a group chat, normally one per team.
type Chat struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Team string `json:"team"`
}

// Directory is what the console needs to know of the tenant; cmd wires it to
// storage. It is asked on every request, so the console always shows the
// current members without a restart.
type Directory interface {
	Members(ctx context.Context) ([]Member, error)
	// Chats returns the group chats; direct chats with the bot are implied,
	// one per member.
	Chats(ctx context.Context) ([]Chat, error)
}

// botAuthor is how the bot appears in every chat.
var botAuthor = author{ID: "bot", Name: "销售助手", Bot: true}

// dmPrefix starts the id of a member's direct chat with the bot.
const dmPrefix = "dm:"

// Adapter is the console platform. It keeps the chats' messages in memory:
// the console is a local demo and test platform, and real platforms keep
// their own history, so nothing here needs to survive a restart (the bot's
// own records are in the database either way). It is safe for concurrent use.
type Adapter struct {
	dir  Directory
	log  *slog.Logger
	now  func() time.Time
	hist *history
}

// New returns a console adapter. A nil log discards, a nil now is time.Now.
func New(dir Directory, log *slog.Logger, now func() time.Time) *Adapter {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	return &Adapter{dir: dir, log: log, now: now, hist: newHistory(maxPerChat)}
}

// Platform returns bot.Console.
func (a *Adapter) Platform() bot.Platform { return bot.Console }

// Limits returns no limits: the console is local and never throttles.
func (a *Adapter) Limits() bot.Limits { return bot.Limits{} }

// Send shows the bot's message in its chat, or, when out.UpdateMessageID is
// set, replaces that message's card (and its text, if given) in place. Open
// pages see the change on their next long-poll, which it wakes.
func (a *Adapter) Send(ctx context.Context, out bot.Outgoing) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", bot.Retry("cancelled", err.Error(), 0)
	}
	if out.Platform != "" && out.Platform != bot.Console {
		return "", bot.Permanent("wrong_platform", fmt.Sprintf("console cannot send a %s message", out.Platform))
	}
	card, err := cloneCard(out.Card)
	if err != nil {
		return "", bot.Permanent("bad_card", err.Error())
	}
	if out.UpdateMessageID != "" {
		if !a.hist.update(out.UpdateMessageID, card, out.Text) {
			return "", bot.Permanent("no_such_message", "no bot message "+out.UpdateMessageID+" in the console")
		}
		return out.UpdateMessageID, nil
	}
	chat := out.To.ChatID
	if chat == "" && out.To.UserID != "" {
		chat = dmPrefix + out.To.UserID
	}
	if chat == "" {
		return "", bot.Permanent("no_target", "outgoing message has neither chat nor user")
	}
	if out.Text == "" && card == nil {
		return "", bot.Permanent("empty_message", "outgoing message has neither text nor card")
	}
	m := a.hist.add(message{
		Chat:    chat,
		From:    botAuthor,
		Text:    withMentions(out.Text, out.Mentions),
		Card:    card,
		ReplyTo: out.ReplyTo,
		At:      a.now(),
		key:     out.Key,
	}, false)
	return m.ID, nil
}

// withMentions writes the @-mentions into the text, as the platforms show
// them, unless the text already names them.
func withMentions(text string, mentions []bot.Mention) string {
	var prefix strings.Builder
	for _, m := range mentions {
		if m.Name == "" || strings.Contains(text, "@"+m.Name) {
			continue
		}
		prefix.WriteString("@" + m.Name + " ")
	}
	return prefix.String() + text
}

// cloneCard copies a card deeply, so a caller that reuses its card cannot
// change a message after it was sent (nor race with a page reading it).
func cloneCard(c *bot.Card) (*bot.Card, error) {
	if c == nil {
		return nil, nil
	}
	b, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("clone card: %w", err)
	}
	var cp bot.Card
	if err := json.Unmarshal(b, &cp); err != nil {
		return nil, fmt.Errorf("clone card: %w", err)
	}
	return &cp, nil
}

// UpdatesCardInCallback reports that the console applies a button press's
// updated card when it answers the press, so the kernel need not send the
// update again (bot.CallbackCardUpdater).
func (a *Adapter) UpdatesCardInCallback() bool { return true }
