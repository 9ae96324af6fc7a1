package handlers

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/domain"
	"github.com/salesbot/salesbot/domain/parse"
)

// CollectionStore is what the collection flow needs of the database. Every
// call made with the handler's ctx joins the kernel's transaction, so the
// record, its audit row and the replies are written together or not at all.
type CollectionStore interface {
	flowStore
	OpenOpportunity(ctx context.Context, tenant, customerID, ownerID string) (domain.Opportunity, error)
	CreateCollection(ctx context.Context, c domain.Collection) (domain.Collection, error)
	CollectionByID(ctx context.Context, tenant, id string) (domain.Collection, error)
	ConfirmCollection(ctx context.Context, tenant, id, by string, amount domain.Money, at time.Time) (bool, error)
	RejectCollection(ctx context.Context, tenant, id, by, reason string, at time.Time) (bool, error)
	PlannedCollection(ctx context.Context, tenant, customerID, memberID string) (domain.Collection, error)
	ReportPlannedCollection(ctx context.Context, c domain.Collection, at time.Time) (bool, error)
	FinanceChat(ctx context.Context, tenant, platform string) (domain.Chat, error)
	AddDailyStat(ctx context.Context, delta domain.DailyStat) error
}

// Collections handles 回款: a rep reports money received, finance confirms
// or rejects it on a card (or "确认 28万" in its thread), and reps plan the
// collections they expect.
type Collections struct {
	flow
	store CollectionStore
	log   *slog.Logger
}

// NewCollections returns the collection handlers over store, reading dates
// in the tenant's zone loc, with the clock now.
func NewCollections(store CollectionStore, loc *time.Location, now func() time.Time, log *slog.Logger) *Collections {
	if loc == nil {
		loc = time.Local
	}
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Collections{flow: flow{store: store, loc: loc, now: now}, store: store, log: log}
}

// Routes of the collection flow, besides the parser's "collection" intent.
const (
	RouteCollectionPlan    = "collection.plan"
	RouteCollectionConfirm = "collection.confirm"
	RouteCollectionReason  = "collection.reason"
	RouteCollectionAmount  = "collection.amount"
)

// Card action ids; the router sends every "collection.*" to Decide.
const (
	actConfirmCollection = "collection.confirm"
	actRejectCollection  = "collection.reject"
)

var (
	planCue    = regexp.MustCompile(`^/?\s*回款计划`)
	confirmCue = regexp.MustCompile(`^(确认|确认到账|到账)\s*(金额)?\s*[:：]?\s*\S`)
	rejectCue  = regexp.MustCompile(`^驳回\s*[:：,，]?\s*`)
)

// Route names the collection route a message takes before the parser's
// intents, or "": a plan, a partial confirmation, the reason for a 驳回, or
// the amount the bot asked for.
func (h *Collections) Route(ctx context.Context, m *bot.Message) string {
	text := strings.TrimSpace(m.Text)
	switch {
	case text == "":
		return ""
	case planCue.MatchString(text):
		return RouteCollectionPlan
	}
	if _, ok := cardRef(m.ThreadCard, actRejectCollection); ok {
		if rejectCue.MatchString(text) {
			return RouteCollectionReason
		}
		if confirmCue.MatchString(text) {
			return RouteCollectionConfirm
		}
	}
	if strings.HasPrefix(text, "/") {
		return ""
	}
	if domain.Role(m.Member.Role) == domain.RoleFinance {
		if _, ok := h.askedFor(ctx, m, promptRejectReason); ok {
			return RouteCollectionReason
		}
		if confirmCue.MatchString(text) {
			return RouteCollectionConfirm
		}
	}
	if _, ok := h.askedFor(ctx, m, promptAmount); ok {
		if _, ok, bad := positiveAmount(text, h.msgTime(m)); ok || bad {
			return RouteCollectionAmount
		}
	}
	return ""
}

// report is a collection a rep reported, before it is stored.
type report struct {
	customer domain.Customer
	amount   domain.Money
	currency string
}

// Report handles "星河科技回款30万已到账" and "/回款 星河科技 30万": a pending
// collection, acknowledged in the thread, and a card with 确认到账 / 驳回 to
// finance. Without an amount the bot asks for it.
func (h *Collections) Report(ctx context.Context, m *bot.Message) (bot.Reply, error) {
	p, customers, _, err := h.parser(ctx, m.Tenant)
	if err != nil {
		return bot.Reply{}, fmt.Errorf("report collection: %w", err)
	}
	text := strings.TrimSpace(m.Text)
	var it parse.Item
	for _, x := range p.Parse(text, h.msgTime(m)) {
		if x.Intent == parse.IntentCollection {
			it = x
			break
		}
	}
	cust, ok := customers[it.Customer]
	switch {
	case it.Customer == "":
		return bot.Reply{Text: "是哪个客户的回款?请这样说:“/回款 星河科技 30万”。"}, nil
	case !ok:
		return bot.Reply{Text: fmt.Sprintf("没有找到客户“%s”。请用客户的全称或简称再说一次,例如“/回款 星河科技 30万”。", it.Customer)}, nil
	}
	if it.Collection == nil || *it.Collection <= 0 {
		if _, _, bad := positiveAmount(text, h.msgTime(m)); bad || it.Collection != nil {
			return bot.Reply{}, domain.Errorf(domain.Invalid, "回款金额必须大于 0,请核对后再说一次。")
		}
		return h.askAmount(ctx, m, cust)
	}
	currency := it.Currency
	if currency == "" {
		currency = "CNY"
	}
	return h.record(ctx, m, report{customer: cust, amount: domain.Yuan(*it.Collection), currency: currency})
}

// askAmount asks the rep how much arrived, and remembers which customer.
func (h *Collections) askAmount(ctx context.Context, m *bot.Message, cust domain.Customer) (bot.Reply, error) {
	now := h.now()
	_, err := h.store.CreatePrompt(ctx, domain.Prompt{TenantID: m.Tenant, MemberID: m.Member.ID,
		Platform: string(m.Platform), ChatID: m.Chat.ID, Kind: promptAmount, Ref: cust.ID,
		MessageID: m.MessageID, ExpiresAt: now.Add(flowPromptTTL), CreatedAt: now})
	if err != nil {
		return bot.Reply{}, fmt.Errorf("report collection: %w", err)
	}
	return bot.Reply{Text: fmt.Sprintf("%s 这笔回款是多少?直接回复金额,例如“30万”。", cust.Name)}, nil
}

// Amount takes the amount the bot asked for.
func (h *Collections) Amount(ctx context.Context, m *bot.Message) (bot.Reply, error) {
	pr, ok := h.askedFor(ctx, m, promptAmount)
	if !ok {
		return NotUnderstood(ctx, m)
	}
	amount, ok, _ := positiveAmount(m.Text, h.msgTime(m))
	if !ok {
		return bot.Reply{}, domain.Errorf(domain.Invalid, "回款金额必须大于 0,请再回复一次金额,例如“30万”。")
	}
	if _, err := h.store.ResolvePrompt(ctx, m.Tenant, pr.ID, h.now()); err != nil {
		return bot.Reply{}, fmt.Errorf("collection amount: %w", err)
	}
	cust, err := h.customerByID(ctx, m.Tenant, pr.Ref)
	if err != nil {
		return bot.Reply{}, fmt.Errorf("collection amount: %w", err)
	}
	return h.record(ctx, m, report{customer: cust, amount: amount, currency: "CNY"})
}

func (h *Collections) customerByID(ctx context.Context, tenant, id string) (domain.Customer, error) {
	cs, err := h.store.Customers(ctx, tenant)
	if err != nil {
		return domain.Customer{}, err
	}
	for _, c := range cs {
		if c.ID == id {
			return c, nil
		}
	}
	return domain.Customer{}, domain.Errorf(domain.NotFound, "客户已不存在")
}

// record stores a reported collection (fulfilling the rep's plan for the
// customer when there is one), audits it, and asks finance to confirm.
func (h *Collections) record(ctx context.Context, m *bot.Message, r report) (bot.Reply, error) {
	now := h.now()
	c := domain.Collection{TenantID: m.Tenant, CustomerID: r.customer.ID, MemberID: m.Member.ID,
		Amount: r.amount, Currency: r.currency, Status: domain.CollectionPending, SourceEventID: m.ID,
		SourcePlatform: string(m.Platform), SourceChatID: m.Chat.ID, SourceMessageID: m.MessageID, CreatedAt: now}
	opp, err := h.store.OpenOpportunity(ctx, m.Tenant, r.customer.ID, m.Member.ID)
	switch {
	case err == nil:
		c.OpportunityID = opp.ID
	case !domain.IsNotFound(err):
		return bot.Reply{}, fmt.Errorf("report collection: %w", err)
	}
	action, before := "collection.report", any(nil)
	plan, err := h.store.PlannedCollection(ctx, m.Tenant, r.customer.ID, m.Member.ID)
	switch {
	case err == nil:
		c.ID, c.DueDate, c.CreatedAt = plan.ID, plan.DueDate, plan.CreatedAt
		ok, err := h.store.ReportPlannedCollection(ctx, c, now)
		if err != nil {
			return bot.Reply{}, fmt.Errorf("report collection: %w", err)
		}
		if !ok {
			return bot.Reply{}, domain.Errorf(domain.Conflict, "这笔回款计划刚被更新,请再说一次。")
		}
		action, before = "collection.report_planned", collectionState(plan)
	case domain.IsNotFound(err):
		if c, err = h.store.CreateCollection(ctx, c); err != nil {
			return bot.Reply{}, fmt.Errorf("report collection: %w", err)
		}
	default:
		return bot.Reply{}, fmt.Errorf("report collection: %w", err)
	}
	if err := h.auditJSON(ctx, m.Tenant, m.Member.ID, action, "collection", c.ID, before, collectionState(c), m.ID); err != nil {
		return bot.Reply{}, fmt.Errorf("report collection: %w", err)
	}
	v := collectionView{Collection: c, Customer: r.customer.Name, Rep: m.Member.Name}
	asks, where, err := h.askFinance(ctx, m, v)
	if err != nil {
		return bot.Reply{}, fmt.Errorf("report collection: %w", err)
	}
	h.log.InfoContext(ctx, "collection reported", "tenant", m.Tenant, "member", m.Member.ID, "collection", c.ID, "finance", len(asks))
	return bot.Reply{Card: reportedCard(v, where), Also: asks}, nil
}

// askFinance returns the confirmation cards: to the finance group chat of
// the platform when one is bound, else to each finance member directly.
func (h *Collections) askFinance(ctx context.Context, m *bot.Message, v collectionView) ([]bot.Outgoing, string, error) {
	card := confirmCard(v)
	chat, err := h.store.FinanceChat(ctx, m.Tenant, string(m.Platform))
	if err == nil {
		return []bot.Outgoing{{To: bot.Target{ChatID: chat.PlatformChatID}, Card: card}}, "已发到" + chatLabel(chat), nil
	}
	if !domain.IsNotFound(err) {
		return nil, "", err
	}
	members, err := h.store.Members(ctx, m.Tenant)
	if err != nil {
		return nil, "", err
	}
	var outs []bot.Outgoing
	var names []string
	for _, mb := range members {
		if mb.Role == domain.RoleFinance && mb.Active {
			outs = append(outs, bot.Outgoing{To: bot.Target{MemberID: mb.ID}, Card: card})
			names = append(names, mb.Name)
		}
	}
	if len(outs) == 0 {
		return nil, "还没有财务成员,请管理员用“/角色 @某人 财务”设置", nil
	}
	return outs, "已私信财务 " + strings.Join(names, "、"), nil
}

func chatLabel(c domain.Chat) string {
	if c.Name != "" {
		return c.Name
	}
	return "财务群"
}

// collectionState is a collection as its audit rows record it.
func collectionState(c domain.Collection) map[string]any {
	s := map[string]any{"status": c.Status, "amount": int64(c.Amount), "currency": c.Currency,
		"customer_id": c.CustomerID, "member_id": c.MemberID}
	if c.Status == domain.CollectionConfirmed {
		s["confirmed_amount"] = int64(c.ConfirmedAmount)
	}
	if c.ConfirmedBy != "" {
		s["decided_by"] = c.ConfirmedBy
		s["decided_at"] = c.ConfirmedAt.UTC().Format(time.RFC3339)
	}
	if c.RejectReason != "" {
		s["reject_reason"] = c.RejectReason
	}
	if !c.DueDate.IsZero() {
		s["due_date"] = c.DueDate.Format(time.DateOnly)
	}
	return s
}
