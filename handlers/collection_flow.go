package handlers

import (
	"context"
	"regexp"
	"strings"
	"time"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/domain"
	"github.com/salesbot/salesbot/domain/parse"
)

// flowStore is what the collection, task and role handlers share: the
// tenant's people and customers, the audit log, the bot's questions, and
// the messages that show a record's card.
type flowStore interface {
	Customers(ctx context.Context, tenant string) ([]domain.Customer, error)
	Members(ctx context.Context, tenant string) ([]domain.Member, error)
	MemberByID(ctx context.Context, tenant, id string) (domain.Member, error)
	MembersByName(ctx context.Context, tenant, name string) ([]domain.Member, error)
	ManagerOf(ctx context.Context, tenant, memberID string) (domain.Member, error)
	AppendAudit(ctx context.Context, a domain.AuditEntry) error
	// CardMessages returns the sent messages whose card acts on the record.
	CardMessages(ctx context.Context, tenant, entity, id string) ([]bot.OutboxItem, error)

	CreatePrompt(ctx context.Context, p domain.Prompt) (domain.Prompt, error)
	PendingPrompt(ctx context.Context, tenant, memberID, platform, chatID string, now time.Time) (domain.Prompt, error)
	ResolvePrompt(ctx context.Context, tenant, id string, at time.Time) (bool, error)
}

// Prompt kinds of the collection and task flows (domain.Prompt.Kind).
const (
	promptRejectReason = "reject"   // 驳回 pressed: waits for the reason
	promptAmount       = "amount"   // a collection without an amount
	promptHandover     = "handover" // 转交 pressed: waits for whom
)

// flowPromptTTL is how long the bot waits for an answer to its question.
const flowPromptTTL = 30 * time.Minute

// flow is what the collection and task handlers have in common.
type flow struct {
	store flowStore
	loc   *time.Location
	now   func() time.Time
}

// msgTime is when the message was written, in the tenant's zone.
func (f *flow) msgTime(m *bot.Message) time.Time {
	return writtenAt(m, f.loc, f.now)
}

// parser returns a parser that knows the tenant's customers and members,
// and the customers by canonical name.
func (f *flow) parser(ctx context.Context, tenant string) (*parse.Parser, map[string]domain.Customer, []domain.Member, error) {
	customers, err := f.store.Customers(ctx, tenant)
	if err != nil {
		return nil, nil, nil, err
	}
	members, err := f.store.Members(ctx, tenant)
	if err != nil {
		return nil, nil, nil, err
	}
	byName := make(map[string]domain.Customer, len(customers))
	for _, c := range customers {
		byName[c.Name] = c
	}
	return newParser(customers, members), byName, members, nil
}

// auditJSON appends an audit row whose before and after are JSON.
func (f *flow) auditJSON(ctx context.Context, tenant, actor, action, entity, id string, before, after any, eventID string) error {
	return f.store.AppendAudit(ctx, domain.AuditEntry{TenantID: tenant, ActorID: actor, Action: action,
		Entity: entity, EntityID: id, Before: auditText(before), After: auditText(after), SourceEventID: eventID, At: f.now()})
}

// currentMember re-reads the member behind a message from the database, so
// a permission is checked against their role now, not as a card or a
// cached copy says.
func (f *flow) currentMember(ctx context.Context, m *bot.Message) (domain.Member, error) {
	mb, err := f.store.MemberByID(ctx, m.Tenant, m.Member.ID)
	if err != nil {
		return domain.Member{}, err
	}
	if !mb.Active {
		return domain.Member{}, domain.Errorf(domain.Forbidden, "你的账号已停用")
	}
	return mb, nil
}

// updateCopies returns card updates for every sent copy of a record's card
// except the message pressed (which the kernel updates itself).
func (f *flow) updateCopies(ctx context.Context, tenant, entity, id, pressed string, card *bot.Card) ([]bot.Outgoing, error) {
	sent, err := f.store.CardMessages(ctx, tenant, entity, id)
	if err != nil {
		return nil, err
	}
	var outs []bot.Outgoing
	for _, it := range sent {
		if it.MessageID == pressed {
			continue
		}
		outs = append(outs, bot.Outgoing{Platform: it.Out.Platform, To: it.Out.To, UpdateMessageID: it.MessageID, Card: card})
	}
	return outs, nil
}

// inThread returns a text message answering the source message of a
// record in its thread; ok is false when the record has no source message
// (made by an import or the demo).
func inThread(platform, chatID, messageID, text string) (bot.Outgoing, bool) {
	if chatID == "" {
		return bot.Outgoing{}, false
	}
	return bot.Outgoing{Platform: bot.Platform(platform), To: bot.Target{ChatID: chatID}, ReplyTo: messageID, Text: text}, true
}

// positiveAmount reads the first amount of money in text; bad is set when
// the text writes a zero or negative one (-5万, 0元).
func positiveAmount(text string, now time.Time) (amount domain.Money, ok, bad bool) {
	for _, e := range parse.Amounts(text) {
		if e.Value > 0 {
			return domain.Yuan(e.Value), true, false
		}
		bad = true
	}
	for _, e := range parse.Extract(text, now) {
		if (e.Dim == parse.DimNumber || e.Dim == parse.DimMoney) && e.Value <= 0 {
			bad = true
		}
	}
	return 0, false, bad
}

// askedFor returns the member's pending question of the kind in the chat.
func (f *flow) askedFor(ctx context.Context, m *bot.Message, kind string) (domain.Prompt, bool) {
	p, err := f.store.PendingPrompt(ctx, m.Tenant, m.Member.ID, string(m.Platform), m.Chat.ID, f.now())
	if err != nil || p.Kind != kind {
		return domain.Prompt{}, false
	}
	return p, true
}

// cardRef returns the record a thread's card acts on through the action.
func cardRef(c *bot.Card, action string) (string, bool) {
	a, ok := c.FindAction(action)
	if !ok || a.Ref == "" {
		return "", false
	}
	return a.Ref, true
}

var spaces = regexp.MustCompile(`\s+`)

// oneLine folds a text onto one line and shortens it to n characters.
func oneLine(s string, n int) string {
	r := []rune(strings.TrimSpace(spaces.ReplaceAllString(s, " ")))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n]) + "…"
}
