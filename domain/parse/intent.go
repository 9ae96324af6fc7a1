package parse

import (
	"strings"
	"unicode/utf8"
)

// helpPhrases ask what the bot can do, in a short message.
var helpPhrases = cues("怎么用", "如何使用", "使用说明", "使用帮助", "使用方法", "有什么功能", "有哪些功能", "能做什么", "会做什么", "能干什么", "支持哪些", "命令列表", "指令列表", "怎么记录", "怎么填", "帮助",
	"what can you do", "how to use", "how do i use", "how does this work", "commands", "help", "usage")

// progressCues ask for results against targets.
var progressCues = cues("进度", "排名", "排行", "业绩", "完成率", "完成情况", "达成率", "达成情况", "还差多少", "差多少", "完成了多少", "战绩", "榜单", "目标完成", "指标", "KPI", "kpi", "销售额多少", "签了多少", "回款多少", "多少了",
	"progress", "ranking", "rankings", "leaderboard", "how am i doing", "how are we doing", "how far", "quota", "attainment", "my numbers", "team numbers", "standings")

// taskCues, with an @-mention, make a message an assignment.
var taskCues = cues("麻烦", "请", "帮忙", "帮我", "帮", "负责", "跟进一下", "跟一下", "准备", "出一版", "出个", "出一份", "做个", "做一份", "安排", "尽快", "搞定", "完成", "处理", "落实", "确认", "记得", "提供", "配合", "支持", "协助", "对接", "联系一下", "看一下", "看下", "整理", "提交", "之前", "务必", "抓紧", "开票", "开发票", "出方案", "写", "发给", "发一下", "催", "跟进",
	"please", "pls", "can you", "could you", "need you", "prepare", "send", "follow up", "take care", "handle", "make sure", "by", "before", "asap", "draft")

// salesWords make an activity or stage cue about a customer even when the
// customer is not named: 拜访了两个客户.
var salesWords = cues("客户", "项目", "商机", "单子", "合同", "甲方", "采购", "招标", "投标", "customer", "client", "prospect", "deal", "account", "contract")

// notDone in a collection clause turns a payment into a plan or a chase:
// 催一下回款, 预计下周回款.
var notDone = cues("催", "提醒", "跟进", "预计", "计划", "准备", "争取", "下周", "明天", "下个月", "下月", "月底前", "还没", "没到", "未到", "尚未", "是否", "有没有", "确认一下", "确认下", "什么时候", "何时", "能否", "希望", "应该",
	"will", "expect*", "chase", "remind", "follow up on", "not yet", "pending", "overdue", "when")

// receivedCues say money came in, also without an amount.
var receivedCues = cues("到账", "到了", "已回款", "回款了", "收到款", "款已收", "已收款", "已付款", "付款了", "打款了", "已打款", "已转账", "转账了", "汇款了", "已到", "wired", "paid", "payment received", "received payment", "received the payment")

// strongCollection cues speak of money received even when the amount is
// written in another clause.
var strongCollection = map[string]bool{"回款": true, "到账": true, "打款": true, "收到": true, "汇款": true, "转账": true, "入账": true, "wired": true, "paid": true, "received": true, "remitted": true}

// isHelp reports whether a whole message asks for help.
func isHelp(m *msg) bool {
	t := strings.ToLower(strings.Trim(m.text, "?!。！？ ~～"))
	if helpWords[t] {
		return true
	}
	if n := utf8.RuneCountInString(t); n > 14 && m.han || n > 40 {
		return false
	}
	return m.has(helpPhrases, m.all()) && !strings.Contains(t, "客户")
}

// isCollection reports whether the message reports money received, and
// not a chase or a forecast of it.
func isCollection(m *msg) bool {
	hits := m.find(collectionCues, m.all())
	if len(hits) == 0 {
		return m.transferred()
	}
	for _, h := range hits {
		c := m.clauseOf(h.s)
		// A chase or a forecast near the cue: 催一下回款, 预计下周回款,
		// 回款还没到 (but 回款20万 剩余尾款下月 is 20万 received).
		near := span{max(c.s, h.s-len(runesBefore(m.text, h.s, 8))), min(c.e, h.e+len(runesAfter(m.text, h.e, 5)))}
		if m.has(notDone, near) {
			continue
		}
		receivedMoney := h.word == "收到" && strings.Contains(m.text[h.e:min(c.e, h.e+30)], "款")
		if h.word == "收到" && !receivedMoney && !m.amountIn(c) {
			continue
		}
		if receivedMoney || m.amountIn(c) || m.has(receivedCues, c) || strongCollection[h.word] && len(m.amounts) > 0 {
			return true
		}
	}
	return m.transferred()
}

// transferVerbs say money was sent when an amount follows right after
// them: 打了20万过来, 转了5万.
var transferVerbs = cues("打了", "转了", "汇了", "付了", "打过来", "转过来", "sent us", "transferred")

// transferred reports whether a transfer verb is followed by an amount.
func (m *msg) transferred() bool {
	for _, h := range m.find(transferVerbs, m.all()) {
		for _, a := range m.amounts {
			if a.s >= h.e && a.s <= h.e+3 && !m.has(notDone, m.clauseOf(h.s)) {
				return true
			}
		}
	}
	return false
}

// amountIn reports whether an amount lies in the span.
func (m *msg) amountIn(in span) bool {
	for _, a := range m.amounts {
		if a.s >= in.s && a.s < in.e {
			return true
		}
	}
	return false
}
