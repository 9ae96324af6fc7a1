package handlers

import (
	"fmt"
	"strings"
	"time"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/domain"
)

// Card action ids of follow-ups; the router sends every "followup.*" press
// to FollowUps.Act.
const (
	actUndo   = "followup.undo"
	actEdit   = "followup.edit"
	actPick   = "followup.pick" // "followup.pick.N": one per offered customer
	actCancel = "followup.cancel"
)

// undoneTitle heads the card of undone follow-ups; a correction replied to
// it is refused.
const undoneTitle = "已撤销跟进"

var weekdayNames = [...]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}

// dayText writes a date as reps read it: 3月5日 周三, with the time when
// one was said.
func (h *FollowUps) dayText(t time.Time, withTime bool) string {
	t = t.In(h.loc)
	s := fmt.Sprintf("%d月%d日 %s", int(t.Month()), t.Day(), weekdayNames[t.Weekday()])
	if withTime {
		s += " " + t.Format("15:04")
	}
	return s
}

func amountText(m domain.Money, currency string) string {
	if m == 0 {
		return "—"
	}
	s := m.String()
	if currency != "" && currency != "CNY" {
		s += " " + currency
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func (h *FollowUps) itemFields(v itemView) []bot.Field {
	cust := orDash(v.Customer)
	if v.NewCustomer {
		cust += "(新客户)"
	}
	stage := "—"
	if v.FU.Stage != "" {
		stage = v.FU.Stage.Label()
	}
	next := "—"
	if !v.FU.NextAt.IsZero() {
		next = h.dayText(v.FU.NextAt, v.FU.NextHasTime)
	}
	return []bot.Field{
		{Label: "客户", Value: cust},
		{Label: "联系人", Value: orDash(v.Contact)},
		{Label: "活动", Value: v.FU.Activity.Label()},
		{Label: "金额", Value: amountText(v.FU.Amount, v.FU.Currency)},
		{Label: "阶段", Value: stage},
		{Label: "下一步", Value: next},
	}
}

// itemElements lists the items: one fields block, or one per numbered item
// of a daily report.
func (h *FollowUps) itemElements(views []itemView) []bot.Element {
	if len(views) == 1 {
		return []bot.Element{bot.Fields(h.itemFields(views[0])...)}
	}
	var els []bot.Element
	for i, v := range views {
		if i > 0 {
			els = append(els, bot.Divider())
		}
		els = append(els, bot.Markdown(fmt.Sprintf("**%d. %s**", i+1, orDash(v.Customer))), bot.Fields(h.itemFields(v)...))
	}
	return els
}

func followUpIDs(views []itemView) string {
	ids := make([]string, len(views))
	for i, v := range views {
		ids[i] = v.FU.ID
	}
	return strings.Join(ids, ",")
}

// undoAction is the 撤销 button for the follow-ups ref.
func undoAction(ref string, n int) bot.Action {
	text := "这条跟进会被撤销,商机和统计的变化一并撤回。"
	if n > 1 {
		text = fmt.Sprintf("这 %d 条跟进会被撤销,商机和统计的变化一并撤回。", n)
	}
	return bot.Action{ID: actUndo, Label: "撤销", Style: bot.ButtonDanger, Ref: ref,
		Confirm: &bot.Confirm{Title: "撤销跟进?", Text: text}}
}

// confirmCard is the answer to a logged report: exactly what was
// understood, with 撤销 and 修改.
func (h *FollowUps) confirmCard(views []itemView, note string) *bot.Card {
	card := &bot.Card{Header: bot.Header{Title: "已记录跟进", Status: bot.StatusSuccess}}
	if len(views) > 1 {
		card.Header.Subtitle = fmt.Sprintf("共 %d 条", len(views))
	}
	card.Elements = h.itemElements(views)
	if note == "" {
		note = "有误可以点 修改,或直接回复这张卡片,例如“金额 40万”;24 小时内可以撤销。"
	}
	card.Elements = append(card.Elements, bot.Note(note))
	ref := followUpIDs(views)
	card.Actions = []bot.Action{
		undoAction(ref, len(views)),
		{ID: actEdit, Label: "修改", Style: bot.ButtonDefault, Ref: ref},
	}
	return card
}

// undoneCard replaces the card of follow-ups that were undone.
func (h *FollowUps) undoneCard(views []itemView, by string) *bot.Card {
	card := &bot.Card{Header: bot.Header{Title: undoneTitle, Status: bot.StatusNeutral}}
	card.Elements = append(h.itemElements(views), bot.Note(by+" 已撤销,这些记录不再计入统计。"))
	return card
}

// duplicateCard answers a report sent again: nothing new is logged, and the
// earlier records can be undone.
func (h *FollowUps) duplicateCard(views []itemView, minutes int) *bot.Card {
	card := &bot.Card{Header: bot.Header{Title: "看起来是重复发送", Status: bot.StatusWarning}}
	card.Elements = append([]bot.Element{bot.Markdown(fmt.Sprintf("这条和 %d 分钟前的记录一样,看起来是重复发送", minutes))},
		h.itemElements(views)...)
	card.Elements = append(card.Elements, bot.Note("这次没有重复记录。如果前一条是误发,可以点 撤销。"))
	card.Actions = []bot.Action{undoAction(followUpIDs(views), len(views))}
	return card
}

// draftSummary is one line of what an unfinished follow-up says.
func (h *FollowUps) draftSummary(f fields) string {
	parts := []string{f.Activity.Label()}
	if f.Contact != "" {
		parts = append(parts, f.Contact)
	}
	if f.HasAmount {
		parts = append(parts, amountText(f.Amount, f.Currency))
	}
	if f.Stage != "" {
		parts = append(parts, f.Stage.Label())
	}
	if !f.NextAt.IsZero() {
		parts = append(parts, "下一步 "+h.dayText(f.NextAt, f.NextHasTime))
	}
	return strings.Join(parts, " · ")
}

// questionCard asks which customer a follow-up is about, offering the close
// ones (and the written name as a new customer) as buttons.
func (h *FollowUps) questionCard(promptID string, d draftItem, candidates []domain.Customer, total int) *bot.Card {
	title := "这条跟进是哪个客户的?"
	if total > 1 {
		title = fmt.Sprintf("这条跟进是哪个客户的?(还有 %d 条待确认)", total)
	}
	card := &bot.Card{Header: bot.Header{Title: title, Status: bot.StatusWarning}}
	card.Elements = append(card.Elements, bot.Markdown(h.draftSummary(fieldsOf(d.Item, h.loc))))
	if len(candidates) > 0 {
		card.Elements = append(card.Elements, bot.Markdown("可能是下面的客户,点一下即可:"))
	}
	card.Elements = append(card.Elements, bot.Note("也可以直接回复客户名称,新客户请说“新客户 XX”;30 分钟内有效。"))
	n := 0
	for _, c := range candidates {
		if n == 5 || (d.Name != "" && n == 4) {
			break
		}
		n++
		card.Actions = append(card.Actions, bot.Action{ID: fmt.Sprintf("%s.%d", actPick, n), Label: c.Name,
			Style: bot.ButtonPrimary, Ref: promptID + ":" + c.ID})
	}
	if d.Name != "" && len(candidates) > 0 {
		n++
		card.Actions = append(card.Actions, bot.Action{ID: fmt.Sprintf("%s.%d", actPick, n), Label: "新客户 " + d.Name,
			Style: bot.ButtonDefault, Ref: promptID + ":new"})
	}
	card.Actions = append(card.Actions, bot.Action{ID: actCancel, Label: "不记了", Style: bot.ButtonDefault, Ref: promptID})
	return card
}
