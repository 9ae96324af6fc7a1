package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/domain"
	"github.com/salesbot/salesbot/domain/parse"
)

// draft is a report waiting for its customer, kept in the prompt's payload.
type draft struct {
	Source source      `json:"source"`
	Items  []draftItem `json:"items"`
}

// draftItem is one follow-up item whose customer is unclear.
type draftItem struct {
	Item parse.Item `json:"item"`
	// Name is the name written, when there was one (offered as new).
	Name       string   `json:"name,omitempty"`
	Candidates []string `json:"candidates,omitempty"`
}

// askCustomer stores the draft in a prompt and returns the card that asks
// for the first item's customer.
func (h *FollowUps) askCustomer(ctx context.Context, m *bot.Message, src source, items []draftItem, customers []domain.Customer) (*bot.Card, error) {
	payload, err := json.Marshal(draft{Source: src, Items: items})
	if err != nil {
		return nil, err
	}
	now := h.now()
	p, err := h.store.CreatePrompt(ctx, domain.Prompt{TenantID: m.Tenant, MemberID: m.Member.ID,
		Platform: string(m.Platform), ChatID: m.Chat.ID, Kind: domain.PromptCustomer, MessageID: src.MessageID,
		Payload: string(payload), ExpiresAt: now.Add(promptTTL), CreatedAt: now})
	if err != nil {
		return nil, err
	}
	byID := map[string]domain.Customer{}
	for _, c := range customers {
		byID[c.ID] = c
	}
	var cands []domain.Customer
	for _, id := range items[0].Candidates {
		if c, ok := byID[id]; ok {
			cands = append(cands, c)
		}
	}
	return h.questionCard(p.ID, items[0], cands, len(items)), nil
}

// kindUndone is the target of a correction replied to the card of an
// undone follow-up: refused.
const kindUndone = "undone"

// replyTarget is what a message answers: the follow-ups of a card to edit,
// or a pending question about a customer.
type replyTarget struct {
	kind   string         // domain.PromptEdit or domain.PromptCustomer
	prompt *domain.Prompt // nil for a thread reply to a confirmation card
	ids    []string       // edit: the card's follow-ups
	// cardMsg is the platform message of the card being edited.
	cardMsg string
}

// target finds what a message answers, if anything: a reply in the thread
// of a follow-up card, or the member's next message in the chat after the
// bot asked (for an edit, only when it starts with a field word; for a
// customer, only when it is not itself a report).
func (h *FollowUps) target(ctx context.Context, m *bot.Message) (replyTarget, bool, error) {
	text := strings.TrimSpace(m.Text)
	if text == "" {
		return replyTarget{}, false, nil
	}
	_, _, _, isEdit := parseEdit(text)
	if c := m.ThreadCard; c != nil {
		if a, ok := c.FindAction(actEdit); ok && isEdit {
			return replyTarget{kind: domain.PromptEdit, ids: splitIDs(a.Ref), cardMsg: m.ThreadID}, true, nil
		}
		if c.Header.Title == undoneTitle && isEdit {
			return replyTarget{kind: kindUndone}, true, nil
		}
		if a, ok := c.FindAction(actCancel); ok {
			p, err := h.store.PromptByID(ctx, m.Tenant, a.Ref)
			if err == nil && p.MemberID == m.Member.ID && p.Pending(h.now()) {
				return replyTarget{kind: p.Kind, prompt: &p}, true, nil
			}
			if err != nil && !domain.IsNotFound(err) {
				return replyTarget{}, false, err
			}
		}
	}
	p, err := h.store.PendingPrompt(ctx, m.Tenant, m.Member.ID, string(m.Platform), m.Chat.ID, h.now())
	if domain.IsNotFound(err) {
		return replyTarget{}, false, nil
	}
	if err != nil {
		return replyTarget{}, false, err
	}
	switch p.Kind {
	case domain.PromptEdit:
		if isEdit {
			return replyTarget{kind: p.Kind, prompt: &p, ids: splitIDs(p.Ref), cardMsg: p.MessageID}, true, nil
		}
	case domain.PromptCustomer:
		if m.ThreadID != "" && m.ThreadID == p.MessageID {
			return replyTarget{kind: p.Kind, prompt: &p}, true, nil
		}
		td, err := h.tenantData(ctx, m.Tenant)
		if err != nil {
			return replyTarget{}, false, err
		}
		if h.looksLikeAnswer(td, text, m) {
			return replyTarget{kind: p.Kind, prompt: &p}, true, nil
		}
	}
	return replyTarget{}, false, nil
}

// looksLikeAnswer reports whether a message is a short answer naming a
// customer rather than a report of its own (which has an activity, a
// contact, an amount, a stage or a next step).
func (h *FollowUps) looksLikeAnswer(td *tenantData, text string, m *bot.Message) bool {
	if utf8.RuneCountInString(text) > maxNameRunes+10 || strings.ContainsAny(text, "\n") {
		return false
	}
	items := td.parser.Parse(text, h.messageTime(m))
	if len(items) != 1 {
		return false
	}
	it := items[0]
	if it.Intent != parse.IntentFollowUp && it.Intent != parse.IntentNone {
		return false
	}
	return (it.Activity == "" || it.Activity == domain.ActivityOther) && it.Contact == "" &&
		it.Amount == nil && (it.Stage == "" || it.Stage == domain.StageLead) && it.NextAt == ""
}

func splitIDs(ref string) []string {
	var ids []string
	for _, id := range strings.Split(ref, ",") {
		if id = strings.TrimSpace(id); id != "" {
			ids = append(ids, id)
		}
	}
	return ids
}

// Route names the follow-up route a message takes before it is classified
// by the parser: "followup.reply" for an answer to the bot (a field to
// change, the customer of a draft), "followup.query" for a request to list
// follow-ups, "" otherwise.
func (h *FollowUps) Route(ctx context.Context, m *bot.Message) string {
	if m.IsAction() {
		return ""
	}
	_, ok, err := h.target(ctx, m)
	if err != nil {
		h.log.WarnContext(ctx, "route follow-up reply", "tenant", m.Tenant, "err", err)
	}
	if ok {
		return "followup.reply"
	}
	if _, ok := queryOf(m.Text); ok {
		return "followup.query"
	}
	return ""
}

// Reply handles an answer to the bot: a field correction of a follow-up
// card, or the customer of a draft.
func (h *FollowUps) Reply(ctx context.Context, m *bot.Message) (bot.Reply, error) {
	t, ok, err := h.target(ctx, m)
	if err != nil {
		return bot.Reply{}, fmt.Errorf("follow-up reply: %w", err)
	}
	if !ok {
		return h.Log(ctx, m)
	}
	switch t.kind {
	case domain.PromptEdit:
		return h.edit(ctx, m, t)
	case kindUndone:
		return bot.Reply{}, errUndoneEdit
	}
	return h.answerCustomer(ctx, m, t.prompt)
}

// customerAnswer reads a customer name from an answer: "星河科技",
// "是星河科技的", "新客户 北斗导航".
func customerAnswer(text string) (name string, isNew bool) {
	t := strings.TrimSpace(parse.Normalize(text))
	for _, p := range []string{"客户是", "客户:", "客户", "是"} {
		t = strings.TrimSpace(strings.TrimPrefix(t, p))
	}
	if rest, ok := strings.CutPrefix(t, "新客户"); ok {
		t, isNew = rest, true
	}
	t = strings.Trim(t, " :,.。,!!??")
	t = strings.TrimSuffix(t, "的")
	return clipName(t), isNew
}

// answerCustomer completes a draft with the customer a member named.
func (h *FollowUps) answerCustomer(ctx context.Context, m *bot.Message, p *domain.Prompt) (bot.Reply, error) {
	name, isNew := customerAnswer(m.Text)
	if name == "" {
		return bot.Reply{Text: "没看出是哪个客户,请直接回复客户名称,例如“星河科技”,新客户请说“新客户 XX”。"}, nil
	}
	td, err := h.tenantData(ctx, m.Tenant)
	if err != nil {
		return bot.Reply{}, fmt.Errorf("answer customer: %w", err)
	}
	match := matchName(td.customers, name, isNew)
	if match.kind == customerUnclear {
		if len(match.candidates) == 1 && !isNew {
			match = customerMatch{kind: customerKnown, customer: match.candidates[0]}
		} else {
			// Ask again, offering the close ones.
			d, err := decodeDraft(p.Payload)
			if err != nil {
				return bot.Reply{}, err
			}
			if _, err := h.store.ResolvePrompt(ctx, m.Tenant, p.ID, h.now()); err != nil {
				return bot.Reply{}, err
			}
			d.Items[0].Name, d.Items[0].Candidates = name, match.candidateIDs()
			q, err := h.askCustomer(ctx, m, d.Source, d.Items, td.customers)
			if err != nil {
				return bot.Reply{}, err
			}
			return bot.Reply{Card: q}, nil
		}
	}
	return h.complete(ctx, m, p, match)
}

// complete logs the first item of a prompt's draft with the chosen
// customer, and asks about the next one if there is one.
func (h *FollowUps) complete(ctx context.Context, m *bot.Message, p *domain.Prompt, match customerMatch) (bot.Reply, error) {
	ok, err := h.store.ResolvePrompt(ctx, m.Tenant, p.ID, h.now())
	if err != nil {
		return bot.Reply{}, fmt.Errorf("complete follow-up: %w", err)
	}
	if !ok {
		return bot.Reply{Text: "这个问题已经回答过了。", Toast: "已经回答过了"}, nil
	}
	d, err := decodeDraft(p.Payload)
	if err != nil {
		return bot.Reply{}, err
	}
	if match.kind == customerNew && match.name == "" {
		match.name = d.Items[0].Name
	}
	v, err := h.logItem(ctx, m.Tenant, m.Member, d.Source, d.Items[0].Item, match, h.now())
	if err != nil {
		return bot.Reply{}, fmt.Errorf("complete follow-up: %w", err)
	}
	reply := bot.Reply{Card: h.confirmCard([]itemView{v}, ""), Toast: "已记录"}
	if rest := d.Items[1:]; len(rest) > 0 {
		td, err := h.tenantData(ctx, m.Tenant)
		if err != nil {
			return bot.Reply{}, err
		}
		q, err := h.askCustomer(ctx, m, d.Source, rest, td.customers)
		if err != nil {
			return bot.Reply{}, err
		}
		reply.Also = append(reply.Also, bot.Outgoing{To: bot.Target{ChatID: m.Chat.ID}, ReplyTo: m.MessageID, Card: q})
	}
	return reply, nil
}

func decodeDraft(payload string) (draft, error) {
	var d draft
	if err := json.Unmarshal([]byte(payload), &d); err != nil || len(d.Items) == 0 {
		return draft{}, fmt.Errorf("decode draft: %w", domain.Errorf(domain.Invalid, "这个问题的内容已经失效,请重新发送汇报"))
	}
	return d, nil
}

// prompted loads the prompt a button refers to and checks that the member
// who pressed it is the one asked.
func (h *FollowUps) prompted(ctx context.Context, m *bot.Message, id string) (domain.Prompt, error) {
	p, err := h.store.PromptByID(ctx, m.Tenant, id)
	if err != nil {
		return domain.Prompt{}, err
	}
	if p.MemberID != m.Member.ID {
		return domain.Prompt{}, domain.Errorf(domain.Forbidden, "这是问汇报人的问题,只有汇报人本人可以回答")
	}
	return p, nil
}

// pick handles a customer button of the question card.
func (h *FollowUps) pick(ctx context.Context, m *bot.Message) (bot.Reply, error) {
	promptID, choice, _ := strings.Cut(m.Action.Ref, ":")
	p, err := h.prompted(ctx, m, promptID)
	if err != nil {
		return bot.Reply{}, err
	}
	if !p.Pending(h.now()) {
		return bot.Reply{Toast: "这个问题已经回答过或已过期", UpdateCard: closedQuestion("这个问题已经结束")}, nil
	}
	match := customerMatch{kind: customerNew}
	label := "新客户"
	if choice != "new" {
		c, err := h.store.CustomerByID(ctx, m.Tenant, choice)
		if err != nil {
			return bot.Reply{}, err
		}
		match, label = customerMatch{kind: customerKnown, customer: c}, c.Name
	}
	reply, err := h.complete(ctx, m, &p, match)
	if err != nil {
		return bot.Reply{}, err
	}
	reply.UpdateCard = closedQuestion("已选择:" + label)
	return reply, nil
}

// cancel drops a draft whose customer was asked.
func (h *FollowUps) cancel(ctx context.Context, m *bot.Message) (bot.Reply, error) {
	p, err := h.prompted(ctx, m, m.Action.Ref)
	if err != nil {
		return bot.Reply{}, err
	}
	if _, err := h.store.ResolvePrompt(ctx, m.Tenant, p.ID, h.now()); err != nil {
		return bot.Reply{}, err
	}
	if err := h.audit(ctx, m.Tenant, m.Member.ID, "followup.draft_cancel", "prompt", p.ID, nil, nil, m.ID); err != nil {
		return bot.Reply{}, err
	}
	return bot.Reply{Toast: "已取消", UpdateCard: closedQuestion("已取消,这条没有记录")}, nil
}

func closedQuestion(text string) *bot.Card {
	return &bot.Card{Header: bot.Header{Title: "这条跟进是哪个客户的?", Status: bot.StatusNeutral},
		Elements: []bot.Element{bot.Note(text)}}
}
