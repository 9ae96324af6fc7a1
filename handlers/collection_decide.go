package handlers

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/domain"
)

// maxReasonRunes bounds a rejection reason.
const maxReasonRunes = 200

// Decide handles 确认到账 and 驳回 on a confirmation card. Only finance may
// press them, checked against the member's role in the database at every
// press; the card says which collection through its server-side Ref, never
// through anything the client sent. 驳回 asks for the reason first.
func (h *Collections) Decide(ctx context.Context, m *bot.Message) (bot.Reply, error) {
	id := m.Action.Ref
	if id == "" {
		return bot.Reply{}, domain.Errorf(domain.NotFound, "这张卡片已失效")
	}
	if _, err := h.financeOnly(ctx, m); err != nil {
		return bot.Reply{}, err
	}
	switch m.Action.ID {
	case actConfirmCollection:
		c, err := h.store.CollectionByID(ctx, m.Tenant, id)
		if err != nil {
			return bot.Reply{}, fmt.Errorf("confirm collection: %w", err)
		}
		return h.confirm(ctx, m, c, c.Amount, m.MessageID)
	case actRejectCollection:
		return h.askReason(ctx, m, id)
	}
	return bot.Reply{}, domain.Errorf(domain.NotFound, "这个按钮已失效")
}

// financeOnly refuses anyone whose role, as stored now, is not finance.
func (h *Collections) financeOnly(ctx context.Context, m *bot.Message) (domain.Member, error) {
	mb, err := h.currentMember(ctx, m)
	if err != nil {
		return domain.Member{}, err
	}
	if !mb.Role.Can(domain.PermConfirmCollection) {
		return domain.Member{}, domain.Errorf(domain.Forbidden, "只有财务可以确认或驳回回款(你的角色是%s),回款状态没有变化。", mb.Role.Label())
	}
	return mb, nil
}

// ConfirmText handles "确认 28万" in the thread of a confirmation card: the
// collection is confirmed with the amount that arrived (partial receipts
// are normal).
func (h *Collections) ConfirmText(ctx context.Context, m *bot.Message) (bot.Reply, error) {
	id, ok := cardRef(m.ThreadCard, actConfirmCollection)
	if !ok {
		return bot.Reply{Text: "要确认哪一笔?请在回款确认卡片的回复里说“确认 28万”,或直接点卡片上的 确认到账。"}, nil
	}
	if _, err := h.financeOnly(ctx, m); err != nil {
		return bot.Reply{}, err
	}
	amount, ok, _ := positiveAmount(m.Text, h.msgTime(m))
	if !ok {
		return bot.Reply{}, domain.Errorf(domain.Invalid, "到账金额必须大于 0,例如“确认 28万”。")
	}
	c, err := h.store.CollectionByID(ctx, m.Tenant, id)
	if err != nil {
		return bot.Reply{}, fmt.Errorf("confirm collection: %w", err)
	}
	return h.confirm(ctx, m, c, amount, "")
}

// confirm moves a pending collection to confirmed with the amount, once:
// the update is conditional, so a double click, two finance members or a
// retried callback change it only the first time. pressed is the card
// message the button was pressed on ("" for a typed confirmation).
func (h *Collections) confirm(ctx context.Context, m *bot.Message, c domain.Collection, amount domain.Money, pressed string) (bot.Reply, error) {
	now := h.now()
	ok, err := h.store.ConfirmCollection(ctx, m.Tenant, c.ID, m.Member.ID, amount, now)
	if err != nil {
		return bot.Reply{}, fmt.Errorf("confirm collection: %w", err)
	}
	if !ok {
		return h.alreadyDecided(ctx, m, c.ID)
	}
	before := collectionState(c)
	c.Status, c.ConfirmedAmount, c.ConfirmedBy, c.ConfirmedAt = domain.CollectionConfirmed, amount, m.Member.ID, now
	rep, err := h.store.MemberByID(ctx, m.Tenant, c.MemberID)
	if err != nil && !domain.IsNotFound(err) {
		return bot.Reply{}, fmt.Errorf("confirm collection: %w", err)
	}
	// Confirmed money counts toward the rep's targets on the day finance
	// saw it arrive. Targets are in yuan: other currencies are recorded but
	// not added to the rollups (there is no exchange rate to trust here).
	if c.MemberID != "" && countsInTargets(c.Currency) {
		err := h.store.AddDailyStat(ctx, domain.DailyStat{TenantID: m.Tenant, MemberID: c.MemberID, TeamID: rep.TeamID,
			Day: now.In(h.loc).Format("2006-01-02"), Collected: amount})
		if err != nil {
			return bot.Reply{}, fmt.Errorf("confirm collection: %w", err)
		}
	}
	if err := h.auditJSON(ctx, m.Tenant, m.Member.ID, "collection.confirm", "collection", c.ID, before, collectionState(c), m.ID); err != nil {
		return bot.Reply{}, fmt.Errorf("confirm collection: %w", err)
	}
	v, err := h.view(ctx, m.Tenant, c)
	if err != nil {
		return bot.Reply{}, fmt.Errorf("confirm collection: %w", err)
	}
	partial := ""
	if amount != c.Amount {
		partial = fmt.Sprintf("(上报 %s,实际到账 %s)", c.Amount, amount)
	}
	tell := fmt.Sprintf("✅ %s 的回款 %s 已由财务 %s 确认到账%s。", v.Customer, amount, m.Member.Name, partial)
	reply, err := h.decided(ctx, m, v, pressed, tell)
	if err != nil {
		return bot.Reply{}, fmt.Errorf("confirm collection: %w", err)
	}
	reply.Toast = fmt.Sprintf("已确认到账 %s", amount)
	if pressed == "" {
		reply.Text = fmt.Sprintf("已确认 %s 回款到账 %s%s。", v.Customer, amount, partial)
	}
	h.log.InfoContext(ctx, "collection confirmed", "tenant", m.Tenant, "collection", c.ID, "by", m.Member.ID)
	return reply, nil
}

// decided returns the reply to a decision: the decided card in place of
// the pressed one and of every other copy, and the rep told in the thread
// of their report.
func (h *Collections) decided(ctx context.Context, m *bot.Message, v collectionView, pressed, tell string) (bot.Reply, error) {
	card := decidedCard(v, h.loc)
	reply := bot.Reply{}
	if pressed != "" {
		reply.UpdateCard = card
	}
	copies, err := h.updateCopies(ctx, m.Tenant, "collection", v.ID, pressed, card)
	if err != nil {
		return bot.Reply{}, err
	}
	reply.Also = copies
	if out, ok := inThread(v.SourcePlatform, v.SourceChatID, v.SourceMessageID, tell); ok {
		reply.Also = append(reply.Also, out)
	} else if v.MemberID != "" {
		reply.Also = append(reply.Also, bot.Outgoing{To: bot.Target{MemberID: v.MemberID}, Text: tell})
	}
	return reply, nil
}

// alreadyDecided answers a press (or a typed confirmation) for a
// collection that is no longer pending: nothing changes, the pressed card
// shows the decision.
func (h *Collections) alreadyDecided(ctx context.Context, m *bot.Message, id string) (bot.Reply, error) {
	c, err := h.store.CollectionByID(ctx, m.Tenant, id)
	if err != nil {
		return bot.Reply{}, fmt.Errorf("collection %s: %w", id, err)
	}
	v, err := h.view(ctx, m.Tenant, c)
	if err != nil {
		return bot.Reply{}, err
	}
	what := "已处理"
	switch c.Status {
	case domain.CollectionConfirmed:
		what = "已由 " + v.DecidedBy + " 确认到账"
	case domain.CollectionRejected:
		what = "已由 " + v.DecidedBy + " 驳回"
	case domain.CollectionPlanned:
		what = "还只是回款计划"
	}
	msg := fmt.Sprintf("这笔回款%s,无需重复操作。", what)
	reply := bot.Reply{Toast: msg}
	if m.IsAction() {
		reply.UpdateCard = decidedCard(v, h.loc)
	} else {
		reply.Text = msg
	}
	return reply, nil
}

// askReason answers 驳回: the reason is asked for first, in the card's
// thread; the collection is rejected only once it is given.
func (h *Collections) askReason(ctx context.Context, m *bot.Message, id string) (bot.Reply, error) {
	c, err := h.store.CollectionByID(ctx, m.Tenant, id)
	if err != nil {
		return bot.Reply{}, fmt.Errorf("reject collection: %w", err)
	}
	if c.Status != domain.CollectionPending {
		return h.alreadyDecided(ctx, m, id)
	}
	now := h.now()
	_, err = h.store.CreatePrompt(ctx, domain.Prompt{TenantID: m.Tenant, MemberID: m.Member.ID,
		Platform: string(m.Platform), ChatID: m.Chat.ID, Kind: promptRejectReason, Ref: id,
		MessageID: m.MessageID, ExpiresAt: now.Add(flowPromptTTL), CreatedAt: now})
	if err != nil {
		return bot.Reply{}, fmt.Errorf("reject collection: %w", err)
	}
	return bot.Reply{Toast: "请说明驳回原因",
		Text: fmt.Sprintf("%s,请说明驳回原因(30 分钟内直接回复;给出原因后才会驳回;说“取消”则不驳回):", m.Member.Name)}, nil
}

// cancelsReject reports whether finance's answer to "why reject?" takes
// the 驳回 back instead of giving a reason.
func cancelsReject(text string) bool {
	switch strings.Trim(text, " ,,。.!!") {
	case "取消", "不驳回", "算了", "点错了", "按错了", "不用了", "撤回", "cancel":
		return true
	}
	return false
}

// Reason takes the reason for a 驳回: a reply in the card's thread
// ("驳回 金额不符"), or the finance member's next message in that chat
// within 30 minutes of pressing 驳回 ("取消" there takes the 驳回 back). A
// reason-less 驳回 changes nothing.
func (h *Collections) Reason(ctx context.Context, m *bot.Message) (bot.Reply, error) {
	if _, err := h.financeOnly(ctx, m); err != nil {
		return bot.Reply{}, err
	}
	reason := strings.TrimSpace(rejectCue.ReplaceAllString(strings.TrimSpace(m.Text), ""))
	reason = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(reason, "原因"), ":"))
	id, fromThread := cardRef(m.ThreadCard, actRejectCollection)
	pr, asked := h.askedFor(ctx, m, promptRejectReason)
	if !fromThread {
		if !asked {
			return NotUnderstood(ctx, m)
		}
		id = pr.Ref
	}
	if asked && !fromThread && cancelsReject(reason) {
		if _, err := h.store.ResolvePrompt(ctx, m.Tenant, pr.ID, h.now()); err != nil {
			return bot.Reply{}, fmt.Errorf("cancel reject: %w", err)
		}
		return bot.Reply{Text: "好的,不驳回。这笔回款仍在等待确认。"}, nil
	}
	if reason == "" {
		return bot.Reply{}, domain.Errorf(domain.Invalid, "驳回需要写明原因,例如“驳回 金额与银行流水不符”。这笔回款仍在等待确认。")
	}
	if utf8.RuneCountInString(reason) > maxReasonRunes {
		reason = string([]rune(reason)[:maxReasonRunes])
	}
	if asked && pr.Ref == id {
		if _, err := h.store.ResolvePrompt(ctx, m.Tenant, pr.ID, h.now()); err != nil {
			return bot.Reply{}, fmt.Errorf("reject collection: %w", err)
		}
	}
	c, err := h.store.CollectionByID(ctx, m.Tenant, id)
	if err != nil {
		return bot.Reply{}, fmt.Errorf("reject collection: %w", err)
	}
	now := h.now()
	ok, err := h.store.RejectCollection(ctx, m.Tenant, id, m.Member.ID, reason, now)
	if err != nil {
		return bot.Reply{}, fmt.Errorf("reject collection: %w", err)
	}
	if !ok {
		return h.alreadyDecided(ctx, m, id)
	}
	before := collectionState(c)
	c.Status, c.RejectReason, c.ConfirmedBy, c.ConfirmedAt = domain.CollectionRejected, reason, m.Member.ID, now
	if err := h.auditJSON(ctx, m.Tenant, m.Member.ID, "collection.reject", "collection", c.ID, before, collectionState(c), m.ID); err != nil {
		return bot.Reply{}, fmt.Errorf("reject collection: %w", err)
	}
	v, err := h.view(ctx, m.Tenant, c)
	if err != nil {
		return bot.Reply{}, fmt.Errorf("reject collection: %w", err)
	}
	tell := fmt.Sprintf("❌ %s 的回款 %s 被财务 %s 驳回:%s。核实后可以重新上报。", v.Customer, c.Amount, m.Member.Name, reason)
	reply, err := h.decided(ctx, m, v, "", tell)
	if err != nil {
		return bot.Reply{}, fmt.Errorf("reject collection: %w", err)
	}
	reply.Text = fmt.Sprintf("已驳回 %s 的回款 %s。", v.Customer, c.Amount)
	return reply, nil
}

// view adds the names a card shows to a collection.
func (h *Collections) view(ctx context.Context, tenant string, c domain.Collection) (collectionView, error) {
	v := collectionView{Collection: c}
	cust, err := h.customerByID(ctx, tenant, c.CustomerID)
	if err != nil && !domain.IsNotFound(err) {
		return v, err
	}
	v.Customer = cust.Name
	for _, x := range []struct {
		id   string
		name *string
	}{{c.MemberID, &v.Rep}, {c.ConfirmedBy, &v.DecidedBy}} {
		if x.id == "" {
			continue
		}
		mb, err := h.store.MemberByID(ctx, tenant, x.id)
		if err != nil && !domain.IsNotFound(err) {
			return v, err
		}
		*x.name = mb.Name
	}
	return v, nil
}
