package handlers

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/domain"
)

// ReminderStore is what the reminders read.
type ReminderStore interface {
	NextSteps(ctx context.Context, tenant string, from, to time.Time) ([]domain.FollowUpView, error)
	SilentReps(ctx context.Context, tenant, day string) ([]domain.Member, error)
	StaleOpportunities(ctx context.Context, tenant string, before time.Time) ([]domain.OpportunityView, error)
}

// Sender queues messages that answer no event (the kernel).
type Sender interface {
	Enqueue(ctx context.Context, tenant string, outs ...bot.Outgoing) error
}

// Reminders are the scheduled nudges to reps: the morning list of the day's
// planned next steps, the evening nudge to log the day, and the weekly list
// of deals gone quiet. Each is one private message per rep, never an @all.
type Reminders struct {
	Store  ReminderStore
	Out    Sender
	Tenant string
	Loc    *time.Location
	// StaleDays is how long without a follow-up makes a deal stale.
	StaleDays int
}

// maxListed is how many rows a reminder card shows before "and N more".
const maxListed = 10

// NextSteps tells each rep, on the morning of day (the slot, YYYY-MM-DD),
// which next steps they planned for it.
func (r *Reminders) NextSteps(ctx context.Context, day string) error {
	from, err := time.ParseInLocation(time.DateOnly, day, r.Loc)
	if err != nil {
		return fmt.Errorf("next-step reminders: %w", err)
	}
	steps, err := r.Store.NextSteps(ctx, r.Tenant, from, from.AddDate(0, 0, 1))
	if err != nil {
		return fmt.Errorf("next-step reminders: %w", err)
	}
	var outs []bot.Outgoing
	for _, group := range groupBy(steps, func(f domain.FollowUpView) string { return f.MemberID }) {
		outs = append(outs, bot.Outgoing{To: bot.Target{MemberID: group[0].MemberID}, Card: r.nextStepCard(from, group)})
	}
	return r.send(ctx, outs)
}

func (r *Reminders) nextStepCard(day time.Time, steps []domain.FollowUpView) *bot.Card {
	var b strings.Builder
	for i, s := range steps {
		if i == maxListed {
			fmt.Fprintf(&b, "- ……还有 %d 项\n", len(steps)-maxListed)
			break
		}
		when := "今天"
		if s.NextHasTime {
			when = s.NextAt.In(r.Loc).Format("15:04")
		}
		who := s.CustomerName
		if s.ContactName != "" {
			who += " · " + s.ContactName
		}
		fmt.Fprintf(&b, "- **%s** %s:%s\n", when, who, clip(s.Text, 40))
	}
	return &bot.Card{
		Header: bot.Header{Title: "今日跟进计划", Subtitle: DateLabel(day) + " · 共 " + fmt.Sprint(len(steps)) + " 项",
			Status: bot.StatusInfo},
		Elements: []bot.Element{
			bot.Markdown(strings.TrimRight(b.String(), "\n")),
			bot.Note("跟进完直接在群里说一句,例如“拜访了星河科技张总,下周三再约”,我会记录下来。"),
		},
	}
}

// DailyNudge privately reminds each rep who has logged nothing today, at
// the daily report time on workdays (the slot is the local date).
func (r *Reminders) DailyNudge(ctx context.Context, day string) error {
	reps, err := r.Store.SilentReps(ctx, r.Tenant, day)
	if err != nil {
		return fmt.Errorf("daily nudge: %w", err)
	}
	outs := make([]bot.Outgoing, 0, len(reps))
	for _, m := range reps {
		outs = append(outs, bot.Outgoing{To: bot.Target{MemberID: m.ID}, Text: m.Name +
			",今天还没有记录跟进。下班前花一分钟说说今天联系了谁、聊了什么,例如:" +
			"“今天电话联系了远航物流李经理,报价20万,周五再约”。没有跟进也没关系,明天继续加油!"})
	}
	return r.send(ctx, outs)
}

// StaleDeals tells each rep, once a week, which of their open deals have had
// no follow-up for StaleDays (the slot is the ISO week).
func (r *Reminders) StaleDeals(ctx context.Context, now time.Time) error {
	before := now.AddDate(0, 0, -r.StaleDays)
	opps, err := r.Store.StaleOpportunities(ctx, r.Tenant, before)
	if err != nil {
		return fmt.Errorf("stale deals: %w", err)
	}
	var outs []bot.Outgoing
	for _, group := range groupBy(opps, func(o domain.OpportunityView) string { return o.OwnerID }) {
		var b strings.Builder
		for i, o := range group {
			if i == maxListed {
				fmt.Fprintf(&b, "- ……还有 %d 个\n", len(group)-maxListed)
				break
			}
			last := o.LastFollowUpAt
			if last.IsZero() {
				last = o.CreatedAt
			}
			days := int(now.Sub(last).Hours() / 24)
			amount := ""
			if o.Amount != 0 {
				amount = " · " + o.Amount.String()
			}
			fmt.Fprintf(&b, "- **%s** %s%s · %d 天未跟进\n", o.CustomerName, o.Stage.Label(), amount, days)
		}
		outs = append(outs, bot.Outgoing{To: bot.Target{MemberID: group[0].OwnerID}, Card: &bot.Card{
			Header: bot.Header{Title: "这些商机好久没跟进了", Status: bot.StatusWarning,
				Subtitle: fmt.Sprintf("超过 %d 天没有跟进 · 共 %d 个", r.StaleDays, len(group))},
			Elements: []bot.Element{bot.Markdown(strings.TrimRight(b.String(), "\n")),
				bot.Note("联系过客户后在群里说一句,这个商机就会恢复正常。")},
		}})
	}
	return r.send(ctx, outs)
}

func (r *Reminders) send(ctx context.Context, outs []bot.Outgoing) error {
	if len(outs) == 0 {
		return nil
	}
	return r.Out.Enqueue(ctx, r.Tenant, outs...)
}

// groupBy groups xs by key, keeping the order of first appearance.
func groupBy[T any](xs []T, key func(T) string) [][]T {
	idx := map[string]int{}
	var out [][]T
	for _, x := range xs {
		k := key(x)
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], x)
	}
	return out
}

// clip shortens s to n characters with an ellipsis.
func clip(s string, n int) string {
	r := []rune(strings.Join(strings.Fields(s), " "))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n]) + "…"
}

var weekdays = [...]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}

// DateLabel formats a day the way a Chinese card shows it: "12月2日 周三".
func DateLabel(t time.Time) string {
	return fmt.Sprintf("%d月%d日 %s", t.Month(), t.Day(), weekdays[t.Weekday()])
}
