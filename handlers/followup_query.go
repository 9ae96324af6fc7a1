package handlers

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/domain"
	"github.com/salesbot/salesbot/domain/parse"
)

// duplicateReply answers a report sent again within the duplicate window:
// nothing is logged, and the earlier records can be undone.
func (h *FollowUps) duplicateReply(ctx context.Context, m *bot.Message, dup domain.FollowUp) (bot.Reply, error) {
	fus := []domain.FollowUp{dup}
	if dup.SourceEventID != "" {
		same, err := h.store.FollowUpsFromEvent(ctx, m.Tenant, dup.SourceEventID)
		if err != nil {
			return bot.Reply{}, fmt.Errorf("duplicate follow-up: %w", err)
		}
		fus = fus[:0]
		for _, f := range same {
			if f.Status == domain.FollowUpActive && f.MemberID == m.Member.ID {
				fus = append(fus, f)
			}
		}
	}
	views, err := h.views(ctx, m.Tenant, fus)
	if err != nil {
		return bot.Reply{}, fmt.Errorf("duplicate follow-up: %w", err)
	}
	minutes := max(1, int(h.now().Sub(dup.CreatedAt).Round(time.Minute)/time.Minute))
	h.log.InfoContext(ctx, "duplicate follow-up not logged", "tenant", m.Tenant, "member", m.Member.ID, "earlier", dup.ID)
	return bot.Reply{Card: h.duplicateCard(views, minutes)}, nil
}

// followUpQuery is a request to list follow-ups.
type followUpQuery struct {
	mine    bool
	period  string // "today", "week" or ""
	english bool
}

// queryOf recognises a request to list follow-ups: 我今天的跟进, 星河科技的跟进
// 记录, 最近跟进, my follow-ups today.
func queryOf(text string) (followUpQuery, bool) {
	t := strings.ToLower(strings.TrimSpace(parse.Normalize(text)))
	if t == "" || utf8.RuneCountInString(t) > 30 || strings.ContainsAny(t, "\n") {
		return followUpQuery{}, false
	}
	q := followUpQuery{english: parse.IsEnglish(t)}
	if q.english {
		if !strings.Contains(t, "follow-up") && !strings.Contains(t, "follow up") && !strings.Contains(t, "followup") {
			return followUpQuery{}, false
		}
		if !containsAny(t, "my ", "recent", "today", "this week", "list", "show") {
			return followUpQuery{}, false
		}
		q.mine = strings.Contains(t, "my ")
		switch {
		case strings.Contains(t, "today"):
			q.period = "today"
		case strings.Contains(t, "this week"):
			q.period = "week"
		}
		return q, true
	}
	core := strings.TrimRight(t, "??!!。.呢吗啊")
	asked := strings.HasSuffix(core, "的跟进") || strings.HasSuffix(core, "跟进记录") ||
		strings.HasSuffix(core, "跟进列表") || strings.HasSuffix(core, "最近跟进") || strings.HasSuffix(core, "最近的跟进") ||
		(containsAny(core, "查", "看看", "查看", "列出") && strings.Contains(core, "跟进"))
	if !asked || len(parse.Amounts(core)) > 0 {
		return followUpQuery{}, false
	}
	q.mine = strings.Contains(core, "我")
	switch {
	case strings.Contains(core, "今天") || strings.Contains(core, "今日"):
		q.period = "today"
	case containsAny(core, "本周", "这周", "这星期"):
		q.period = "week"
	}
	return q, true
}

func containsAny(s string, subs ...string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}

// Query answers a request to list follow-ups with a compact card: the
// newest first, at most ten.
func (h *FollowUps) Query(ctx context.Context, m *bot.Message) (bot.Reply, error) {
	q, ok := queryOf(m.Text)
	if !ok {
		return NotUnderstood(ctx, m)
	}
	td, err := h.tenantData(ctx, m.Tenant)
	if err != nil {
		return bot.Reply{}, fmt.Errorf("query follow-ups: %w", err)
	}
	cust, named := namedCustomer(td.customers, m.Text)
	memberID := m.Member.ID
	if named && !q.mine {
		memberID = ""
	}
	now := h.now().In(h.loc)
	var since time.Time
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, h.loc)
	switch q.period {
	case "today":
		since = day
	case "week":
		since = day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
	}
	fus, err := h.store.LatestFollowUps(ctx, m.Tenant, memberID, cust.ID, since, maxListRows)
	if err != nil {
		return bot.Reply{}, fmt.Errorf("query follow-ups: %w", err)
	}
	return bot.Reply{Card: h.listCard(td, listTitle(q, cust, named), fus, memberID == "")}, nil
}

func listTitle(q followUpQuery, cust domain.Customer, named bool) string {
	if q.english {
		switch {
		case named:
			return "Follow-ups of " + cust.Name
		case q.period == "today":
			return "My follow-ups today"
		case q.period == "week":
			return "My follow-ups this week"
		}
		return "My recent follow-ups"
	}
	switch {
	case named && q.mine:
		return "我在" + cust.Name + "的跟进"
	case named:
		return cust.Name + "的跟进记录"
	case q.period == "today":
		return "我今天的跟进"
	case q.period == "week":
		return "我本周的跟进"
	}
	return "我最近的跟进"
}

// namedCustomer finds the known customer a query names (the longest name
// or alias in the text).
func namedCustomer(customers []domain.Customer, text string) (domain.Customer, bool) {
	var best domain.Customer
	bestLen := 0
	l := strings.ToLower(text)
	for _, c := range customers {
		for _, n := range append([]string{c.Name}, c.Aliases...) {
			if n != "" && len(n) > bestLen && strings.Contains(l, strings.ToLower(n)) {
				best, bestLen = c, len(n)
			}
		}
	}
	return best, bestLen > 0
}

// listCard lists follow-ups, one line each: time, customer, activity,
// amount, next step (and who, when listing everyone's).
func (h *FollowUps) listCard(td *tenantData, title string, fus []domain.FollowUp, withMember bool) *bot.Card {
	card := &bot.Card{Header: bot.Header{Title: title, Status: bot.StatusInfo}}
	if len(fus) == 0 {
		card.Elements = []bot.Element{bot.Markdown("还没有跟进记录。汇报一次拜访试试:“今天拜访了星河科技张总,报价50万”。")}
		return card
	}
	customers := map[string]string{}
	for _, c := range td.customers {
		customers[c.ID] = c.Name
	}
	members := map[string]string{}
	for _, mb := range td.members {
		members[mb.ID] = mb.Name
	}
	var b strings.Builder
	for _, fu := range fus {
		at := fu.CreatedAt.In(h.loc)
		parts := []string{fmt.Sprintf("%d月%d日 %s", int(at.Month()), at.Day(), at.Format("15:04"))}
		if withMember {
			parts = append(parts, orDash(members[fu.MemberID]))
		}
		parts = append(parts, orDash(customers[fu.CustomerID]), fu.Activity.Label())
		if fu.Amount != 0 {
			parts = append(parts, amountText(fu.Amount, fu.Currency))
		}
		if !fu.NextAt.IsZero() {
			parts = append(parts, "下一步 "+h.dayText(fu.NextAt, fu.NextHasTime))
		}
		b.WriteString("- " + strings.Join(parts, " · ") + "\n")
	}
	card.Header.Subtitle = fmt.Sprintf("最新 %d 条", len(fus))
	card.Elements = []bot.Element{bot.Markdown(strings.TrimRight(b.String(), "\n"))}
	if len(fus) == maxListRows {
		card.Elements = append(card.Elements, bot.Note(fmt.Sprintf("只显示最新的 %d 条;全部记录可以用 salesbot export followups 导出。", maxListRows)))
	}
	return card
}
