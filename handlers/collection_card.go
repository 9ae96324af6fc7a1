package handlers

import (
	"fmt"
	"time"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/domain"
)

// collectionView is a collection with the names its cards show.
type collectionView struct {
	domain.Collection
	Customer  string
	Rep       string
	DecidedBy string
}

func (v collectionView) fields() []bot.Field {
	fs := []bot.Field{{Label: "客户", Value: v.Customer}, {Label: "金额", Value: v.Amount.String() + currencySuffix(v.Currency)},
		{Label: "销售", Value: v.Rep}}
	if !v.DueDate.IsZero() {
		fs = append(fs, bot.Field{Label: "计划日期", Value: v.DueDate.Format("2006-01-02")})
	}
	return fs
}

func currencySuffix(c string) string {
	if c == "" || c == "CNY" {
		return ""
	}
	return " " + c
}

// confirmCard asks finance to confirm a reported collection; its buttons
// refer to the collection only through their server-side Ref.
func confirmCard(v collectionView) *bot.Card {
	return &bot.Card{
		Header: bot.Header{Title: "回款待确认", Subtitle: v.Customer + " · " + v.Amount.String(), Status: bot.StatusWarning},
		Elements: []bot.Element{
			bot.Fields(v.fields()...),
			bot.Note("到账金额不同(部分到账)时,在这张卡片的回复里说“确认 28万”。驳回需要写明原因。"),
		},
		Actions: []bot.Action{
			{ID: actConfirmCollection, Label: "确认到账", Style: bot.ButtonPrimary, Ref: v.ID,
				Confirm: &bot.Confirm{Title: "确认到账", Text: fmt.Sprintf("确认 %s 的回款 %s 已到账?", v.Customer, v.Amount)}},
			{ID: actRejectCollection, Label: "驳回", Style: bot.ButtonDanger, Ref: v.ID},
		},
	}
}

// decidedCard shows the decision, and who made it, without buttons.
func decidedCard(v collectionView, loc *time.Location) *bot.Card {
	fs := v.fields()
	card := &bot.Card{Header: bot.Header{Subtitle: v.Customer + " · " + v.Amount.String()}}
	switch v.Status {
	case domain.CollectionConfirmed:
		card.Header.Title, card.Header.Status = "回款已确认到账", bot.StatusSuccess
		fs = append(fs, bot.Field{Label: "到账金额", Value: v.ConfirmedAmount.String()})
	case domain.CollectionRejected:
		card.Header.Title, card.Header.Status = "回款已驳回", bot.StatusDanger
		fs = append(fs, bot.Field{Label: "驳回原因", Value: v.RejectReason})
	default:
		card.Header.Title, card.Header.Status = "回款", bot.StatusNeutral
	}
	if v.DecidedBy != "" {
		fs = append(fs, bot.Field{Label: "处理人", Value: v.DecidedBy},
			bot.Field{Label: "处理时间", Value: v.ConfirmedAt.In(loc).Format("2006-01-02 15:04")})
	}
	card.Elements = []bot.Element{bot.Fields(fs...)}
	return card
}

// reportedCard acknowledges a rep's report in the thread.
func reportedCard(v collectionView, where string) *bot.Card {
	return &bot.Card{
		Header: bot.Header{Title: "回款已登记,等待财务确认", Subtitle: v.Customer + " · " + v.Amount.String(), Status: bot.StatusInfo},
		Elements: []bot.Element{
			bot.Fields(v.fields()...),
			bot.Note(where + "。财务确认后我会在这里告诉你。"),
		},
	}
}
