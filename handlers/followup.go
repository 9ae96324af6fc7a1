package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/domain"
	"github.com/salesbot/salesbot/domain/parse"
)

// FollowUpStore is what follow-up logging needs of the database. Every call
// made with the handler's ctx joins the kernel's transaction, so a message's
// records, audit rows and replies are written together or not at all.
type FollowUpStore interface {
	Customers(ctx context.Context, tenant string) ([]domain.Customer, error)
	Members(ctx context.Context, tenant string) ([]domain.Member, error)
	CreateCustomer(ctx context.Context, c domain.Customer) (domain.Customer, error)
	CustomerByID(ctx context.Context, tenant, id string) (domain.Customer, error)
	DeleteCustomer(ctx context.Context, tenant, id string) error
	UpsertContact(ctx context.Context, c domain.Contact) (domain.Contact, bool, error)
	ContactByID(ctx context.Context, tenant, id string) (domain.Contact, error)

	OpenOpportunity(ctx context.Context, tenant, customerID, ownerID string) (domain.Opportunity, error)
	OpportunityByID(ctx context.Context, tenant, id string) (domain.Opportunity, error)
	CreateOpportunity(ctx context.Context, o domain.Opportunity) (domain.Opportunity, error)
	SaveOpportunity(ctx context.Context, o domain.Opportunity) error
	DeleteOpportunity(ctx context.Context, tenant, id string) error

	CreateFollowUp(ctx context.Context, f domain.FollowUp) (domain.FollowUp, error)
	FollowUpByID(ctx context.Context, tenant, id string) (domain.FollowUp, error)
	UpdateFollowUp(ctx context.Context, f domain.FollowUp) error
	SetFollowUpStatus(ctx context.Context, tenant, id, from, to string) (bool, error)
	FindDuplicateFollowUp(ctx context.Context, tenant, memberID, text string, since time.Time) (domain.FollowUp, error)
	FollowUpsFromEvent(ctx context.Context, tenant, eventID string) ([]domain.FollowUp, error)
	LatestFollowUps(ctx context.Context, tenant, memberID, customerID string, since time.Time, limit int) ([]domain.FollowUp, error)

	AddDailyStat(ctx context.Context, delta domain.DailyStat) error
	AppendAudit(ctx context.Context, a domain.AuditEntry) error
	AuditEntries(ctx context.Context, tenant, entity, entityID string) ([]domain.AuditEntry, error)

	PromptStore
}

// PromptStore keeps the questions the bot asked and waits for.
type PromptStore interface {
	CreatePrompt(ctx context.Context, p domain.Prompt) (domain.Prompt, error)
	PromptByID(ctx context.Context, tenant, id string) (domain.Prompt, error)
	PendingPrompt(ctx context.Context, tenant, memberID, platform, chatID string, now time.Time) (domain.Prompt, error)
	ResolvePrompt(ctx context.Context, tenant, id string, at time.Time) (bool, error)
}

// Follow-up rules.
const (
	// duplicateWindow: the same text from the same rep within it is a
	// repeat, not a second follow-up.
	duplicateWindow = 10 * time.Minute
	// undoWindow is how long a rep may undo a follow-up.
	undoWindow = 24 * time.Hour
	// promptTTL is how long the bot waits for an answer to its question.
	promptTTL = 30 * time.Minute
	// maxNameRunes bounds customer and contact names read from a message.
	maxNameRunes = 80
	// maxListRows is the most follow-ups a query card lists.
	maxListRows = 10
)

// FollowUps logs the follow-ups reps report in chat, shows what was
// understood on a card with 撤销 and 修改, asks when the customer is unclear,
// and lists follow-ups on request.
type FollowUps struct {
	store FollowUpStore
	loc   *time.Location
	now   func() time.Time
	log   *slog.Logger
}

// NewFollowUps returns the follow-up handlers over store, reading dates in
// the tenant's time zone loc, with the clock now.
func NewFollowUps(store FollowUpStore, loc *time.Location, now func() time.Time, log *slog.Logger) *FollowUps {
	if loc == nil {
		loc = time.Local
	}
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &FollowUps{store: store, loc: loc, now: now, log: log}
}

// source is where a follow-up was reported: the message and its text.
type source struct {
	Text      string       `json:"text"`
	Platform  bot.Platform `json:"platform"`
	EventID   string       `json:"event_id"`
	MessageID string       `json:"message_id"`
	ChatID    string       `json:"chat_id"`
	// At is the message time, which dates are read against.
	At time.Time `json:"at"`
}

func sourceOf(m *bot.Message, at time.Time) source {
	return source{Text: strings.TrimSpace(m.Text), Platform: m.Platform, EventID: m.ID,
		MessageID: m.MessageID, ChatID: m.Chat.ID, At: at}
}

// messageTime is the time a message was written, in the tenant's zone, so
// that "明天" in a replayed message reads as it did when it was written.
func (h *FollowUps) messageTime(m *bot.Message) time.Time {
	return writtenAt(m, h.loc, h.now)
}

// tenantData is what parsing a tenant's messages needs.
type tenantData struct {
	customers []domain.Customer
	members   []domain.Member
	parser    *parse.Parser
}

func (h *FollowUps) tenantData(ctx context.Context, tenant string) (*tenantData, error) {
	customers, err := h.store.Customers(ctx, tenant)
	if err != nil {
		return nil, err
	}
	members, err := h.store.Members(ctx, tenant)
	if err != nil {
		return nil, err
	}
	return &tenantData{customers: customers, members: members, parser: newParser(customers, members)}, nil
}

// followUpItems returns the follow-up items of a message.
func followUpItems(items []parse.Item) []parse.Item {
	var out []parse.Item
	for _, it := range items {
		if it.Intent == parse.IntentFollowUp {
			out = append(out, it)
		}
	}
	return out
}

// Reports reports whether the message reports a follow-up once the tenant's
// customers are known (a bare "星河科技 演示完成" names no customer the
// tenant-blind classifier knows).
func (h *FollowUps) Reports(ctx context.Context, m *bot.Message) bool {
	if strings.TrimSpace(m.Text) == "" {
		return false
	}
	td, err := h.tenantData(ctx, m.Tenant)
	if err != nil {
		h.log.WarnContext(ctx, "classify follow-up", "tenant", m.Tenant, "err", err)
		return false
	}
	return len(followUpItems(td.parser.Parse(m.Text, h.messageTime(m)))) > 0
}

// Log handles a rep's report: every follow-up item of the message is
// stored with its customer, contact and opportunity, and answered with one
// confirmation card. A customer the message leaves unclear is asked for.
func (h *FollowUps) Log(ctx context.Context, m *bot.Message) (bot.Reply, error) {
	text := strings.TrimSpace(m.Text)
	if text == "" {
		return bot.Reply{Text: "消息是空的。汇报跟进可以这样说:“今天拜访了星河科技张总,报价50万,下周三再约”。"}, nil
	}
	td, err := h.tenantData(ctx, m.Tenant)
	if err != nil {
		return bot.Reply{}, fmt.Errorf("log follow-up: %w", err)
	}
	at := h.messageTime(m)
	items := followUpItems(td.parser.Parse(text, at))
	if len(items) == 0 {
		return NotUnderstood(ctx, m)
	}
	now := h.now()
	dup, err := h.store.FindDuplicateFollowUp(ctx, m.Tenant, m.Member.ID, text, now.Add(-duplicateWindow))
	switch {
	case err == nil:
		return h.duplicateReply(ctx, m, dup)
	case !domain.IsNotFound(err):
		return bot.Reply{}, fmt.Errorf("log follow-up: %w", err)
	}

	src := sourceOf(m, at)
	var logged []itemView
	var unclear []draftItem
	for _, it := range items {
		res := resolveCustomer(td.customers, it, text)
		if res.kind == customerUnclear {
			unclear = append(unclear, draftItem{Item: it, Name: res.name, Candidates: res.candidateIDs()})
			continue
		}
		v, err := h.logItem(ctx, m.Tenant, m.Member, src, it, res, now)
		if err != nil {
			return bot.Reply{}, fmt.Errorf("log follow-up: %w", err)
		}
		logged = append(logged, v)
	}
	h.log.InfoContext(ctx, "follow-up logged", "tenant", m.Tenant, "member", m.Member.ID,
		"logged", len(logged), "asked", len(unclear))

	var reply bot.Reply
	if len(logged) > 0 {
		reply.Card = h.confirmCard(logged, "")
	}
	if len(unclear) > 0 {
		q, err := h.askCustomer(ctx, m, src, unclear, td.customers)
		if err != nil {
			return bot.Reply{}, fmt.Errorf("log follow-up: %w", err)
		}
		if reply.Card == nil {
			reply.Card = q
		} else {
			reply.Also = append(reply.Also, bot.Outgoing{To: bot.Target{ChatID: m.Chat.ID}, ReplyTo: m.MessageID, Card: q})
		}
	}
	return reply, nil
}

// fields are what a follow-up says, as the records keep it.
type fields struct {
	Activity    domain.Activity
	Contact     string
	Amount      domain.Money
	HasAmount   bool
	Currency    string
	Stage       domain.Stage
	NextAt      time.Time
	NextHasTime bool
}

// fieldsOf reads an item's fields; next_at is wall-clock time in loc.
func fieldsOf(it parse.Item, loc *time.Location) fields {
	f := fields{Activity: it.Activity, Contact: clipName(it.Contact), Stage: it.Stage, Currency: it.Currency}
	if f.Activity == "" {
		f.Activity = domain.ActivityOther
	}
	if it.Amount != nil && *it.Amount > 0 {
		f.Amount, f.HasAmount = domain.Yuan(*it.Amount), true
		if f.Currency == "" {
			f.Currency = "CNY"
		}
	}
	if t, err := time.ParseInLocation(parse.DateTimeLayout, it.NextAt, loc); err == nil {
		f.NextAt, f.NextHasTime = t, true
	} else if t, err := time.ParseInLocation(parse.DateLayout, it.NextAt, loc); err == nil {
		f.NextAt = t
	}
	return f
}

func fieldsOfFollowUp(fu domain.FollowUp, contact string) fields {
	return fields{Activity: fu.Activity, Contact: contact, Amount: fu.Amount, HasAmount: fu.Amount != 0,
		Currency: fu.Currency, Stage: fu.Stage, NextAt: fu.NextAt, NextHasTime: fu.NextHasTime}
}

// clipName drops names too long to be one (a run-away pattern match in a
// 10,000-character message).
func clipName(name string) string {
	name = strings.TrimSpace(name)
	if utf8.RuneCountInString(name) > maxNameRunes {
		return ""
	}
	return name
}

// itemView is one logged follow-up as a card shows it.
type itemView struct {
	FU          domain.FollowUp
	Customer    string
	NewCustomer bool
	Contact     string
}

// logItem stores one follow-up item: the customer (created when new), the
// contact, the rep's opportunity, the follow-up, the day's rollup and the
// audit rows.
func (h *FollowUps) logItem(ctx context.Context, tenant string, rep bot.Member, src source, it parse.Item, res customerMatch, now time.Time) (itemView, error) {
	f := fieldsOf(it, h.loc)
	cust, created, err := h.ensureCustomer(ctx, tenant, rep.ID, res, src.EventID, now)
	if err != nil {
		return itemView{}, err
	}
	contactID, err := h.ensureContact(ctx, tenant, cust.ID, f.Contact)
	if err != nil {
		return itemView{}, err
	}
	eff, err := h.applyOpportunity(ctx, tenant, rep.ID, cust.ID, f, now, nil, src.EventID)
	if err != nil {
		return itemView{}, err
	}
	eff.Day = now.In(h.loc).Format(time.DateOnly)
	eff.CustomerCreated = created
	fu, err := h.store.CreateFollowUp(ctx, domain.FollowUp{
		TenantID: tenant, MemberID: rep.ID, CustomerID: cust.ID, ContactID: contactID,
		OpportunityID: eff.OpportunityID, Activity: f.Activity, Amount: f.Amount, Currency: f.Currency,
		Stage: f.Stage, NextAt: f.NextAt, NextHasTime: f.NextHasTime, Text: src.Text,
		SourcePlatform: string(src.Platform), SourceEventID: src.EventID, SourceMessageID: src.MessageID,
		CreatedAt: now,
	})
	if err != nil {
		return itemView{}, err
	}
	delta := domain.DailyStat{TenantID: tenant, MemberID: rep.ID, TeamID: rep.TeamID, Day: eff.Day,
		FollowUps: 1, Signed: domain.Money(eff.Signed)}
	if created {
		delta.NewCustomers = 1
	}
	if err := h.store.AddDailyStat(ctx, delta); err != nil {
		return itemView{}, err
	}
	if err := h.audit(ctx, tenant, rep.ID, "followup.log", "follow_up", fu.ID, "", auditRecord{FollowUp: &fu, Effects: &eff}, src.EventID); err != nil {
		return itemView{}, err
	}
	return itemView{FU: fu, Customer: cust.Name, NewCustomer: created, Contact: f.Contact}, nil
}

// ensureCustomer returns the matched customer, creating it when new.
func (h *FollowUps) ensureCustomer(ctx context.Context, tenant, ownerID string, res customerMatch, eventID string, now time.Time) (domain.Customer, bool, error) {
	if res.kind == customerKnown {
		return res.customer, false, nil
	}
	c, err := h.store.CreateCustomer(ctx, domain.Customer{TenantID: tenant, Name: res.name, OwnerID: ownerID, CreatedAt: now})
	if err != nil {
		return domain.Customer{}, false, err
	}
	if err := h.audit(ctx, tenant, ownerID, "customer.create", "customer", c.ID, "", c, eventID); err != nil {
		return domain.Customer{}, false, err
	}
	return c, true, nil
}

func (h *FollowUps) ensureContact(ctx context.Context, tenant, customerID, name string) (string, error) {
	if name == "" {
		return "", nil
	}
	c, _, err := h.store.UpsertContact(ctx, domain.Contact{TenantID: tenant, CustomerID: customerID, Name: name})
	if err != nil {
		return "", err
	}
	return c.ID, nil
}

// auditRecord is the after-state of a follow-up's audit row: the follow-up
// and what logging it changed, which undo and edit reverse.
type auditRecord struct {
	FollowUp *domain.FollowUp `json:"followup,omitempty"`
	Effects  *effects         `json:"effects,omitempty"`
	Status   string           `json:"status,omitempty"`
	Change   string           `json:"change,omitempty"`
}

func (h *FollowUps) audit(ctx context.Context, tenant, actor, action, entity, id string, before, after any, eventID string) error {
	return h.store.AppendAudit(ctx, domain.AuditEntry{TenantID: tenant, ActorID: actor, Action: action,
		Entity: entity, EntityID: id, Before: auditText(before), After: auditText(after), SourceEventID: eventID, At: h.now()})
}

// effectsOf returns what logging (and the latest edit of) a follow-up
// changed, from its audit rows.
func (h *FollowUps) effectsOf(ctx context.Context, tenant, id string) (effects, error) {
	entries, err := h.store.AuditEntries(ctx, tenant, "follow_up", id)
	if err != nil {
		return effects{}, err
	}
	for i := len(entries) - 1; i >= 0; i-- {
		var rec auditRecord
		if json.Unmarshal([]byte(entries[i].After), &rec) == nil && rec.Effects != nil {
			return *rec.Effects, nil
		}
	}
	return effects{}, domain.Errorf(domain.NotFound, "找不到这条跟进的记录过程")
}
