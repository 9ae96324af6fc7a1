package handlers

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/domain"
	"github.com/salesbot/salesbot/domain/parse"
)

// Act handles the buttons of follow-up cards: 撤销, 修改, and the customer
// choices of a question.
func (h *FollowUps) Act(ctx context.Context, m *bot.Message) (bot.Reply, error) {
	id := m.Action.ID
	switch {
	case id == actUndo:
		return h.undo(ctx, m)
	case id == actEdit:
		return h.startEdit(ctx, m)
	case id == actCancel:
		return h.cancel(ctx, m)
	case strings.HasPrefix(id, actPick+"."):
		return h.pick(ctx, m)
	}
	return bot.Reply{}, domain.Errorf(domain.Invalid, "这个按钮暂不支持")
}

// ownFollowUps loads the follow-ups a card refers to, refusing anyone but
// their author.
func (h *FollowUps) ownFollowUps(ctx context.Context, m *bot.Message, ids []string, verb string) ([]domain.FollowUp, error) {
	if len(ids) == 0 {
		return nil, domain.Errorf(domain.NotFound, "找不到这张卡片的跟进记录")
	}
	fus := make([]domain.FollowUp, 0, len(ids))
	for _, id := range ids {
		fu, err := h.store.FollowUpByID(ctx, m.Tenant, id)
		if err != nil {
			return nil, err
		}
		if fu.MemberID != m.Member.ID {
			return nil, domain.Errorf(domain.Forbidden, "只有记录人本人可以%s这条跟进", verb)
		}
		fus = append(fus, fu)
	}
	return fus, nil
}

// views builds the card items of stored follow-ups.
func (h *FollowUps) views(ctx context.Context, tenant string, fus []domain.FollowUp) ([]itemView, error) {
	out := make([]itemView, 0, len(fus))
	for _, fu := range fus {
		v := itemView{FU: fu}
		if fu.CustomerID != "" {
			c, err := h.store.CustomerByID(ctx, tenant, fu.CustomerID)
			if err != nil && !domain.IsNotFound(err) {
				return nil, err
			}
			v.Customer = c.Name
		}
		if fu.ContactID != "" {
			c, err := h.store.ContactByID(ctx, tenant, fu.ContactID)
			if err != nil && !domain.IsNotFound(err) {
				return nil, err
			}
			v.Contact = c.Name
		}
		if eff, err := h.effectsOf(ctx, tenant, fu.ID); err == nil {
			v.NewCustomer = eff.CustomerCreated
		}
		out = append(out, v)
	}
	return out, nil
}

// undo reverses follow-ups: their status becomes undone (once, however
// often the button is pressed), their opportunity goes back to how it was
// when nothing changed it since, a customer they created goes when nothing
// else refers to it, and the day's rollup is corrected.
func (h *FollowUps) undo(ctx context.Context, m *bot.Message) (bot.Reply, error) {
	fus, err := h.ownFollowUps(ctx, m, splitIDs(m.Action.Ref), "撤销")
	if err != nil {
		return bot.Reply{}, err
	}
	now := h.now()
	for _, fu := range fus {
		if fu.Status == domain.FollowUpActive && now.Sub(fu.CreatedAt) > undoWindow {
			return bot.Reply{}, domain.Errorf(domain.Invalid, "超过 24 小时的跟进不能撤销了,可以点 修改 更正")
		}
	}
	views, err := h.views(ctx, m.Tenant, fus)
	if err != nil {
		return bot.Reply{}, err
	}
	changed := 0
	for _, fu := range fus {
		ok, err := h.store.SetFollowUpStatus(ctx, m.Tenant, fu.ID, domain.FollowUpActive, domain.FollowUpUndone)
		if err != nil {
			return bot.Reply{}, fmt.Errorf("undo follow-up: %w", err)
		}
		if !ok {
			continue
		}
		changed++
		if err := h.reverse(ctx, m, fu); err != nil {
			return bot.Reply{}, fmt.Errorf("undo follow-up: %w", err)
		}
	}
	card := h.undoneCard(views, m.Member.Name)
	if changed == 0 {
		return bot.Reply{Toast: "已经撤销过了", UpdateCard: card}, nil
	}
	h.log.InfoContext(ctx, "follow-up undone", "tenant", m.Tenant, "member", m.Member.ID, "count", changed)
	return bot.Reply{Toast: "已撤销", UpdateCard: card}, nil
}

// reverse undoes what logging a follow-up changed besides its status.
func (h *FollowUps) reverse(ctx context.Context, m *bot.Message, fu domain.FollowUp) error {
	eff, err := h.effectsOf(ctx, m.Tenant, fu.ID)
	if err != nil {
		return err
	}
	if err := h.unapplyOpportunity(ctx, m.Tenant, m.Member.ID, eff, m.ID); err != nil {
		return err
	}
	delta := domain.DailyStat{TenantID: m.Tenant, MemberID: fu.MemberID, Day: eff.Day, FollowUps: -1, Signed: -domain.Money(eff.Signed)}
	if eff.CustomerCreated {
		removed, err := h.removeCreatedCustomer(ctx, m.Tenant, m.Member.ID, fu.CustomerID, m.ID)
		if err != nil {
			return err
		}
		if removed {
			delta.NewCustomers = -1
		}
	}
	if err := h.store.AddDailyStat(ctx, delta); err != nil {
		return err
	}
	return h.audit(ctx, m.Tenant, m.Member.ID, "followup.undo", "follow_up", fu.ID,
		auditRecord{Status: domain.FollowUpActive}, auditRecord{Status: domain.FollowUpUndone}, m.ID)
}

// editHelp says how to change a field.
const editHelp = "要改哪一项?直接回复(在这张卡片下回复,或 30 分钟内在群里直接说):\n" +
	"- 金额 40万\n- 客户 星河科技\n- 下次 下周五\n- 联系人 李经理\n- 阶段 谈判"

// startEdit answers 修改: how to change a field; the member's next
// field-word message in this chat (or any reply to the card) is the change.
func (h *FollowUps) startEdit(ctx context.Context, m *bot.Message) (bot.Reply, error) {
	ids := splitIDs(m.Action.Ref)
	fus, err := h.ownFollowUps(ctx, m, ids, "修改")
	if err != nil {
		return bot.Reply{}, err
	}
	for _, fu := range fus {
		if fu.Status != domain.FollowUpActive {
			return bot.Reply{}, errUndoneEdit
		}
	}
	now := h.now()
	_, err = h.store.CreatePrompt(ctx, domain.Prompt{TenantID: m.Tenant, MemberID: m.Member.ID,
		Platform: string(m.Platform), ChatID: m.Chat.ID, Kind: domain.PromptEdit, Ref: strings.Join(ids, ","),
		MessageID: m.MessageID, ExpiresAt: now.Add(promptTTL), CreatedAt: now})
	if err != nil {
		return bot.Reply{}, fmt.Errorf("start edit: %w", err)
	}
	text := editHelp
	if len(ids) > 1 {
		text += fmt.Sprintf("\n这张卡片有 %d 条跟进,请在前面写上第几条,例如“第2条 金额 40万”。", len(ids))
	}
	return bot.Reply{Text: text, Toast: "请回复要修改的内容"}, nil
}

var errUndoneEdit = domain.Errorf(domain.Conflict, "这条跟进已经撤销,不能再修改。需要的话请重新汇报一次。")

// editFields are the words that start a correction, and the field each
// changes.
var editFields = []struct{ word, field string }{
	{"金额", "amount"}, {"报价", "amount"}, {"客户", "customer"}, {"下一步", "next"}, {"下次", "next"},
	{"联系人", "contact"}, {"阶段", "stage"}, {"活动", "activity"},
}

// parseEdit reads a correction: an optional item number (第2条, 2.), a
// field word, and the new value: "第2条 金额 40万".
func parseEdit(text string) (index int, field, value string, ok bool) {
	t := strings.TrimSpace(parse.Normalize(text))
	if rest, found := strings.CutPrefix(t, "第"); found {
		if n, after, found := strings.Cut(rest, "条"); found {
			if i, err := strconv.Atoi(strings.TrimSpace(n)); err == nil && i > 0 {
				index, t = i, strings.TrimSpace(after)
			}
		}
	} else if i := strings.IndexAny(t, ".、"); i > 0 && i <= 2 {
		if n, err := strconv.Atoi(t[:i]); err == nil && n > 0 {
			_, size := utf8.DecodeRuneInString(t[i:])
			index, t = n, strings.TrimSpace(t[i+size:])
		}
	}
	for _, f := range editFields {
		rest, found := strings.CutPrefix(t, f.word)
		if !found {
			continue
		}
		sep := strings.TrimLeft(rest, " :,")
		// "客户说…" is talk, not a correction: a separator or a digit
		// must follow the word.
		if sep == rest && (rest == "" || rest[0] < '0' || rest[0] > '9') {
			return 0, "", "", false
		}
		if value = strings.TrimSpace(sep); value == "" {
			return 0, "", "", false
		}
		return index, f.field, value, true
	}
	return 0, "", "", false
}

// stageWords maps what reps call a stage to it.
var stageWords = map[string]domain.Stage{
	"线索": domain.StageLead, "新线索": domain.StageLead, "lead": domain.StageLead,
	"需求确认": domain.StageQualify, "确认需求": domain.StageQualify, "qualify": domain.StageQualify,
	"方案": domain.StageProposal, "报价": domain.StageProposal, "方案报价": domain.StageProposal, "proposal": domain.StageProposal,
	"谈判": domain.StageNegotiation, "商务谈判": domain.StageNegotiation, "议价": domain.StageNegotiation, "negotiation": domain.StageNegotiation,
	"赢单": domain.StageWon, "签约": domain.StageWon, "成交": domain.StageWon, "已签约": domain.StageWon, "won": domain.StageWon,
	"丢单": domain.StageLost, "输单": domain.StageLost, "lost": domain.StageLost,
}

var activityWords = map[string]domain.Activity{
	"拜访": domain.ActivityVisit, "电话": domain.ActivityCall, "微信": domain.ActivityWeChat, "会议": domain.ActivityMeeting,
	"演示": domain.ActivityDemo, "邮件": domain.ActivityEmail, "其他": domain.ActivityOther,
}

// edit applies a correction to one follow-up of a card, updates the card
// and says what changed.
func (h *FollowUps) edit(ctx context.Context, m *bot.Message, t replyTarget) (bot.Reply, error) {
	index, field, value, _ := parseEdit(m.Text)
	switch {
	case len(t.ids) == 0:
		return bot.Reply{}, domain.Errorf(domain.NotFound, "找不到要修改的跟进记录")
	case index == 0 && len(t.ids) > 1:
		return bot.Reply{Text: fmt.Sprintf("这张卡片有 %d 条跟进,请写上第几条,例如“第2条 %s”。", len(t.ids), strings.TrimSpace(m.Text))}, nil
	case index > len(t.ids):
		return bot.Reply{Text: fmt.Sprintf("这张卡片只有 %d 条跟进。", len(t.ids))}, nil
	}
	if index == 0 {
		index = 1
	}
	fus, err := h.ownFollowUps(ctx, m, t.ids, "修改")
	if err != nil {
		return bot.Reply{}, err
	}
	fu := fus[index-1]
	if fu.Status != domain.FollowUpActive {
		return bot.Reply{}, errUndoneEdit
	}
	change, err := h.applyEdit(ctx, m, fu, field, value)
	if err != nil {
		return bot.Reply{}, err
	}
	if t.prompt != nil {
		if _, err := h.store.ResolvePrompt(ctx, m.Tenant, t.prompt.ID, h.now()); err != nil {
			return bot.Reply{}, err
		}
	}
	reply := bot.Reply{Text: "已修改:" + change}
	if t.cardMsg != "" {
		for i, id := range t.ids {
			if fus[i], err = h.store.FollowUpByID(ctx, m.Tenant, id); err != nil {
				return bot.Reply{}, err
			}
		}
		views, err := h.views(ctx, m.Tenant, fus)
		if err != nil {
			return bot.Reply{}, err
		}
		reply.Also = []bot.Outgoing{{To: bot.Target{ChatID: m.Chat.ID}, UpdateMessageID: t.cardMsg,
			Card: h.confirmCard(views, "已修改:"+change+"。还可以继续回复修改,24 小时内可以撤销。")}}
	}
	return reply, nil
}

// applyEdit changes one field of a follow-up and replays its effects, and
// returns what changed ("金额 50万 → 40万").
func (h *FollowUps) applyEdit(ctx context.Context, m *bot.Message, fu domain.FollowUp, field, value string) (string, error) {
	contact := ""
	if fu.ContactID != "" {
		c, err := h.store.ContactByID(ctx, m.Tenant, fu.ContactID)
		if err != nil && !domain.IsNotFound(err) {
			return "", err
		}
		contact = c.Name
	}
	f := fieldsOfFollowUp(fu, contact)
	old := fu
	var change string
	newCustomer := customerMatch{}
	switch field {
	case "amount":
		amounts := parse.Amounts(value)
		if len(amounts) == 0 || amounts[0].Value <= 0 {
			return "", domain.Errorf(domain.Invalid, "没看懂金额“%s”,可以这样写:金额 40万", value)
		}
		cur := amounts[0].Unit
		if cur == "" {
			cur = "CNY"
		}
		f.Amount, f.Currency, f.HasAmount = domain.Yuan(amounts[0].Value), cur, true
		change = fmt.Sprintf("金额 %s → %s", amountText(old.Amount, old.Currency), amountText(f.Amount, f.Currency))
	case "next":
		at, withTime, ok := h.firstDate(value, h.messageTime(m))
		if !ok {
			return "", domain.Errorf(domain.Invalid, "没看懂日期“%s”,可以这样写:下次 下周五", value)
		}
		f.NextAt, f.NextHasTime = at, withTime
		was := "—"
		if !old.NextAt.IsZero() {
			was = h.dayText(old.NextAt, old.NextHasTime)
		}
		change = fmt.Sprintf("下一步 %s → %s", was, h.dayText(at, withTime))
	case "contact":
		name := clipName(value)
		if name == "" {
			return "", domain.Errorf(domain.Invalid, "联系人名字太长了")
		}
		f.Contact = name
		change = fmt.Sprintf("联系人 %s → %s", orDash(contact), name)
	case "stage":
		st, ok := stageWords[strings.ToLower(value)]
		if !ok {
			return "", domain.Errorf(domain.Invalid, "没看懂阶段“%s”,可以写:线索、需求确认、方案、谈判、赢单、丢单", value)
		}
		f.Stage = st
		was := "—"
		if old.Stage != "" {
			was = old.Stage.Label()
		}
		change = fmt.Sprintf("阶段 %s → %s", was, st.Label())
	case "activity":
		a, ok := activityWords[value]
		if !ok {
			return "", domain.Errorf(domain.Invalid, "没看懂活动“%s”,可以写:拜访、电话、微信、会议、演示、邮件", value)
		}
		f.Activity = a
		change = fmt.Sprintf("活动 %s → %s", old.Activity.Label(), a.Label())
	case "customer":
		name, isNew := customerAnswer(value)
		if name == "" {
			return "", domain.Errorf(domain.Invalid, "请写上客户名称,例如:客户 星河科技")
		}
		td, err := h.tenantData(ctx, m.Tenant)
		if err != nil {
			return "", err
		}
		newCustomer = matchName(td.customers, name, isNew)
		switch {
		case newCustomer.kind == customerUnclear && len(newCustomer.candidates) == 1:
			newCustomer = customerMatch{kind: customerKnown, customer: newCustomer.candidates[0]}
		case newCustomer.kind == customerUnclear:
			names := make([]string, 0, len(newCustomer.candidates))
			for _, c := range newCustomer.candidates {
				names = append(names, c.Name)
			}
			return "", domain.Errorf(domain.Invalid, "“%s”可能是这几个客户:%s。请写全名;新客户请写“客户 新客户 %s”。", name, strings.Join(names, "、"), name)
		}
		if newCustomer.kind == customerKnown && newCustomer.customer.ID == fu.CustomerID {
			return "", domain.Errorf(domain.Invalid, "客户已经是 %s 了", newCustomer.customer.Name)
		}
	}
	if newCustomer.kind != customerUnclear {
		change = "客户 → " + newCustomer.displayName()
	}
	if err := h.replay(ctx, m, fu, f, newCustomer, change); err != nil {
		return "", err
	}
	return change, nil
}

// replay stores a corrected follow-up: its opportunity is changed as if
// the correction had been reported in the first place, a new customer moves
// it (and its effects) to that customer, and the rollup follows.
func (h *FollowUps) replay(ctx context.Context, m *bot.Message, fu domain.FollowUp, f fields, nc customerMatch, change string) error {
	eff, err := h.effectsOf(ctx, m.Tenant, fu.ID)
	if err != nil {
		return err
	}
	old := fu
	delta := domain.DailyStat{TenantID: m.Tenant, MemberID: fu.MemberID, Day: eff.Day}
	var newEff effects
	moved := nc.kind != customerUnclear
	if moved {
		cust, created, err := h.ensureCustomer(ctx, m.Tenant, fu.MemberID, nc, m.ID, h.now())
		if err != nil {
			return err
		}
		if newEff, err = h.applyOpportunity(ctx, m.Tenant, fu.MemberID, cust.ID, f, fu.CreatedAt, nil, m.ID); err != nil {
			return err
		}
		newEff.CustomerCreated = created
		fu.CustomerID = cust.ID
		if created {
			delta.NewCustomers++
		}
	} else if newEff, err = h.applyOpportunity(ctx, m.Tenant, fu.MemberID, fu.CustomerID, f, fu.CreatedAt, &eff, m.ID); err != nil {
		return err
	} else {
		newEff.CustomerCreated = eff.CustomerCreated
	}
	newEff.Day = eff.Day
	if fu.ContactID, err = h.ensureContact(ctx, m.Tenant, fu.CustomerID, f.Contact); err != nil {
		return err
	}
	fu.OpportunityID = newEff.OpportunityID
	fu.Activity, fu.Amount, fu.Currency, fu.Stage = f.Activity, f.Amount, f.Currency, f.Stage
	fu.NextAt, fu.NextHasTime = f.NextAt, f.NextHasTime
	if err := h.store.UpdateFollowUp(ctx, fu); err != nil {
		return err
	}
	if moved {
		if err := h.unapplyOpportunity(ctx, m.Tenant, m.Member.ID, eff, m.ID); err != nil {
			return err
		}
		if eff.CustomerCreated {
			removed, err := h.removeCreatedCustomer(ctx, m.Tenant, m.Member.ID, old.CustomerID, m.ID)
			if err != nil {
				return err
			}
			if removed {
				delta.NewCustomers--
			}
		}
	}
	delta.Signed = domain.Money(newEff.Signed - eff.Signed)
	if delta.Signed != 0 || delta.NewCustomers != 0 {
		if err := h.store.AddDailyStat(ctx, delta); err != nil {
			return err
		}
	}
	return h.audit(ctx, m.Tenant, m.Member.ID, "followup.edit", "follow_up", fu.ID,
		auditRecord{FollowUp: &old, Effects: &eff}, auditRecord{FollowUp: &fu, Effects: &newEff, Change: change}, m.ID)
}

// firstDate reads the first day (or time of day) in a value.
func (h *FollowUps) firstDate(value string, now time.Time) (time.Time, bool, bool) {
	for _, e := range parse.Extract(value, now.In(h.loc)) {
		if e.Dim != parse.DimTime {
			continue
		}
		switch e.Grain {
		case parse.GrainDay:
			y, mo, d := e.Time.Date()
			return time.Date(y, mo, d, 0, 0, 0, 0, h.loc), false, true
		case parse.GrainHour, parse.GrainMinute:
			return e.Time.In(h.loc), true, true
		}
	}
	return time.Time{}, false, false
}
