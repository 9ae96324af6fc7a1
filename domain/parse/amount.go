package parse

import (
	"math"
	"strings"
)

// amountCues before an amount say it is the deal's value.
var amountCues = cues("报价", "合同额", "合同金额", "金额", "预算", "单子", "总价", "价格", "报了", "总额", "额度", "规模", "订单", "采购额", "标的", "价", "合同", "项目",
	"deal size", "deal", "quote", "quoted", "budget", "contract", "price", "priced", "pricing", "worth", "value", "valued", "size", "total", "proposal", "order", "offer")

// changeCues between two amounts, or right before one, make it the new
// value: 从20万调到26万, 砍到35万, cut to 900k.
var changeCues = cues("调到", "调整为", "调整到", "调为", "调至", "改为", "改成", "改到", "降到", "降至", "降为", "涨到", "涨至", "提到", "提高到", "提升到", "砍到", "压到", "压至", "变为", "变成", "更新为", "上调到", "下调到", "还价", "还到", "谈到", "让到", "→", "->", "=>",
	"to", "down to", "up to", "reduced to", "raised to", "increased to", "lowered to", "revised to", "cut to", "dropped to", "now")

// collectionCues mark money that was received.
var collectionCues = cues("回款", "到账", "收款", "收到", "打款", "付款", "汇款", "转账", "入账", "首付", "尾款", "预付款", "进度款", "货款", "款项", "结清", "付清", "首款", "笔款", "款到", "到款", "已付",
	"wired", "paid", "payment", "received", "transferred", "remitted", "collected", "deposit")

// dealAmount returns the deal amount of a follow-up: the new value when
// the amount was changed, else the one after a cue (报价, 合同额, deal size),
// else the only amount in the message. Amounts in a collection clause are
// someone's payment, not the deal's value.
func dealAmount(m *msg) (ent, bool) {
	var cands []ent
	for _, a := range m.amounts {
		c := m.clauseOf(a.s)
		if m.has(collectionCues, c) {
			continue
		}
		cands = append(cands, a)
	}
	if len(cands) == 0 {
		return ent{}, false
	}
	// The new value of a change.
	for i := len(cands) - 1; i >= 0; i-- {
		a := cands[i]
		from := m.clauseOf(a.s).s
		if i > 0 && cands[i-1].e > from {
			from = cands[i-1].e
		}
		if from < a.s-24 {
			from = a.s - 24
			for from < a.s && !isRuneStart(m.text[from]) {
				from++
			}
		}
		if hs := m.find(changeCues, span{from, a.s}); len(hs) > 0 {
			last := hs[len(hs)-1]
			if strings.TrimSpace(m.text[last.e:a.s]) == "" || len(m.text[last.e:a.s]) <= 3 {
				return a, true
			}
		}
	}
	// The first amount a cue introduces.
	for _, a := range cands {
		c := m.clauseOf(a.s)
		from := c.s
		if from < a.s-30 {
			from = a.s - 30
			for from < a.s && !isRuneStart(m.text[from]) {
				from++
			}
		}
		if m.has(amountCues, span{from, a.s}) {
			return a, true
		}
	}
	if len(cands) == 1 {
		return cands[0], true
	}
	return ent{}, false
}

// collectionAmount returns the money received: the amount in a clause that
// speaks of a payment, else, for a collection message, its only amount.
func collectionAmount(m *msg) (ent, bool) {
	for _, a := range m.amounts {
		if m.has(collectionCues, m.clauseOf(a.s)) {
			return a, true
		}
	}
	if len(m.amounts) > 0 {
		return m.amounts[0], true
	}
	return ent{}, false
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// money returns an amount's value, rounded to cents, and its currency.
func money(a ent) (*float64, string) {
	v := math.Round(a.Value*100) / 100
	cur := a.Unit
	if cur == "" {
		cur = "CNY"
	}
	return &v, cur
}
