package handlers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/domain"
	"github.com/salesbot/salesbot/domain/parse"
)

// Plan handles "回款计划 星河科技 20万 12月15日": an expected collection,
// which the reminders follow until the rep reports the money arrived.
func (h *Collections) Plan(ctx context.Context, m *bot.Message) (bot.Reply, error) {
	rest := strings.TrimSpace(planCue.ReplaceAllString(strings.TrimSpace(m.Text), ""))
	p, customers, _, err := h.parser(ctx, m.Tenant)
	if err != nil {
		return bot.Reply{}, fmt.Errorf("plan collection: %w", err)
	}
	at := h.msgTime(m)
	const how = "请这样说:“回款计划 星河科技 20万 12月15日”。"
	var name string
	for _, it := range p.Parse(rest, at) {
		if it.Customer != "" {
			name = it.Customer
			break
		}
	}
	if name == "" {
		name = strings.Fields(rest + " ")[0]
	}
	cust, ok := customers[name]
	if !ok {
		return bot.Reply{Text: fmt.Sprintf("没有找到客户“%s”。%s", name, how)}, nil
	}
	amount, ok, bad := positiveAmount(rest, at)
	switch {
	case bad && !ok:
		return bot.Reply{}, domain.Errorf(domain.Invalid, "回款金额必须大于 0。%s", how)
	case !ok:
		return bot.Reply{Text: "计划回款多少?" + how}, nil
	}
	due, ok := firstDate(rest, at)
	if !ok {
		return bot.Reply{Text: "计划哪天回款?" + how}, nil
	}
	today := at.Format(time.DateOnly)
	if due.Format(time.DateOnly) < today {
		return bot.Reply{Text: fmt.Sprintf("计划日期 %s 已经过去了。回款计划要写将来的日期;钱已经到了就说“%s回款%s已到账”。",
			due.Format(time.DateOnly), cust.Name, amount)}, nil
	}
	c, err := h.store.CreateCollection(ctx, domain.Collection{TenantID: m.Tenant, CustomerID: cust.ID, MemberID: m.Member.ID,
		Amount: amount, Currency: "CNY", Status: domain.CollectionPlanned, DueDate: due, SourceEventID: m.ID,
		SourcePlatform: string(m.Platform), SourceChatID: m.Chat.ID, SourceMessageID: m.MessageID, CreatedAt: h.now()})
	if err != nil {
		return bot.Reply{}, fmt.Errorf("plan collection: %w", err)
	}
	if err := h.auditJSON(ctx, m.Tenant, m.Member.ID, "collection.plan", "collection", c.ID, nil, collectionState(c), m.ID); err != nil {
		return bot.Reply{}, fmt.Errorf("plan collection: %w", err)
	}
	v := collectionView{Collection: c, Customer: cust.Name, Rep: m.Member.Name}
	return bot.Reply{Card: &bot.Card{
		Header:   bot.Header{Title: "回款计划已记录", Subtitle: cust.Name + " · " + amount.String(), Status: bot.StatusInfo},
		Elements: []bot.Element{bot.Fields(v.fields()...), bot.Note("到期前 3 天和当天我会提醒你;逾期后每天提醒,逾期 7 天会告诉你的上级。钱到了就说“" + cust.Name + "回款" + amount.String() + "已到账”。")},
	}}, nil
}

// firstDate returns the day of the first date written in text, as
// midnight UTC (dates are stored without a zone).
func firstDate(text string, now time.Time) (time.Time, bool) {
	for _, e := range parse.Extract(text, now) {
		if e.Dim == parse.DimTime {
			y, mo, d := e.Time.Date()
			return time.Date(y, mo, d, 0, 0, 0, 0, time.UTC), true
		}
	}
	return time.Time{}, false
}

// CollectionReminderStore is what the plan reminders need.
type CollectionReminderStore interface {
	bot.Transactor
	PlannedCollectionsDue(ctx context.Context, tenant, through string) ([]domain.Collection, error)
	ClaimCollectionReminder(ctx context.Context, tenant, id, day string) (bool, error)
	ClaimCollectionEscalation(ctx context.Context, tenant, id string, at time.Time) (bool, error)
	Customers(ctx context.Context, tenant string) ([]domain.Customer, error)
	MemberByID(ctx context.Context, tenant, id string) (domain.Member, error)
	ManagerOf(ctx context.Context, tenant, memberID string) (domain.Member, error)
}

// CollectionReminders follow planned collections: the rep is reminded 3
// days before and on the due day, then every day while it is overdue;
// after 7 days overdue the rep's manager is told (once).
type CollectionReminders struct {
	Store  CollectionReminderStore
	Out    Sender
	Tenant string
	Loc    *time.Location
	Now    func() time.Time
}

// Collection reminder rules.
const (
	planRemindDaysBefore = 3
	planEscalateDays     = 7
)

// Run sends the day's reminders (the slot is the local date). Each record
// is marked as it is reminded, in the transaction that queues the message,
// so a reminder goes out once per record and day even when the job runs
// again or on two replicas.
func (r *CollectionReminders) Run(ctx context.Context, day string) error {
	today, err := time.ParseInLocation(time.DateOnly, day, time.UTC)
	if err != nil {
		return fmt.Errorf("collection reminders: %w", err)
	}
	due, err := r.Store.PlannedCollectionsDue(ctx, r.Tenant, today.AddDate(0, 0, planRemindDaysBefore).Format(time.DateOnly))
	if err != nil {
		return fmt.Errorf("collection reminders: %w", err)
	}
	customers, err := r.Store.Customers(ctx, r.Tenant)
	if err != nil {
		return fmt.Errorf("collection reminders: %w", err)
	}
	names := map[string]string{}
	for _, c := range customers {
		names[c.ID] = c.Name
	}
	// One record failing does not keep the others from their reminders.
	var errs []error
	for _, c := range due {
		days := int(c.DueDate.Sub(today).Hours() / 24) // > 0: days left; < 0: days overdue
		if days > 0 && days != planRemindDaysBefore || c.MemberID == "" {
			continue
		}
		err := r.Store.InTx(ctx, func(ctx context.Context) error { return r.remind(ctx, c, names[c.CustomerID], day, days) })
		if err != nil {
			errs = append(errs, fmt.Errorf("collection reminder %s: %w", c.ID, err))
		}
	}
	return errors.Join(errs...)
}

func (r *CollectionReminders) remind(ctx context.Context, c domain.Collection, customer, day string, days int) error {
	ok, err := r.Store.ClaimCollectionReminder(ctx, r.Tenant, c.ID, day)
	if err != nil || !ok {
		return err
	}
	var when string
	switch {
	case days > 0:
		when = fmt.Sprintf("还有 %d 天到期(%s)", days, c.DueDate.Format("1月2日"))
	case days == 0:
		when = "今天到期"
	default:
		when = fmt.Sprintf("已逾期 %d 天(%s 到期)", -days, c.DueDate.Format("1月2日"))
	}
	outs := []bot.Outgoing{{To: bot.Target{MemberID: c.MemberID}, Text: fmt.Sprintf(
		"回款提醒:%s 计划回款 %s,%s。到账后说“%s回款%s已到账”,我会请财务确认。", customer, c.Amount, when, customer, c.Amount)}}
	if -days >= planEscalateDays {
		escalate, err := r.Store.ClaimCollectionEscalation(ctx, r.Tenant, c.ID, r.now())
		if err != nil {
			return err
		}
		mgr, err := r.Store.ManagerOf(ctx, r.Tenant, c.MemberID)
		if err != nil && !domain.IsNotFound(err) {
			return err
		}
		if escalate && err == nil {
			rep, err := r.Store.MemberByID(ctx, r.Tenant, c.MemberID)
			if err != nil {
				return err
			}
			outs = append(outs, bot.Outgoing{To: bot.Target{MemberID: mgr.ID}, Text: fmt.Sprintf(
				"回款逾期:%s 负责的 %s 回款 %s 已逾期 %d 天(%s 到期),请跟进。", rep.Name, customer, c.Amount, -days, c.DueDate.Format("1月2日"))})
		}
	}
	return r.Out.Enqueue(ctx, r.Tenant, outs...)
}

func (r *CollectionReminders) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}
