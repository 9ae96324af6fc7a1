package parse

import (
	"strings"

	"github.com/salesbot/salesbot/domain"
)

// stageWord is a cue that states a stage.
type stageWord struct {
	cue
	stage domain.Stage
}

func stageWords() []stageWord {
	var out []stageWord
	add := func(st domain.Stage, words ...string) {
		for _, c := range cues(words...) {
			out = append(out, stageWord{c, st})
		}
	}
	add(domain.StageLead, "新线索", "新客户", "新商机", "新机会", "new lead", "new customer", "new client", "new prospect", "new opportunity")
	add(domain.StageQualify, "需求确认", "确认需求", "确认了需求", "需求已确认", "需求明确", "明确了需求", "需求调研", "qualified", "qualify", "requirements confirmed", "confirmed requirements", "confirmed the requirements", "needs confirmed")
	add(domain.StageProposal, "报价", "方案", "报了价", "proposal", "quote", "quoted", "quotation", "pricing sent", "sent pricing")
	add(domain.StageNegotiation, "谈判", "议价", "砍价", "降价", "谈妥", "折扣", "打折", "砍到", "压价", "还价", "讲价", "让价", "让利", "商务谈",
		"打九折", "打八折", "打七折", "打个折", "九五折", "九折", "八折", "七折", "95折", "9折", "85折", "8折", "7折", "再砍", "要砍", "优惠", "便宜点", "便宜一点", "嫌贵",
		"discount", "% off", "cut the price", "lower the price", "reduce the price", "price down", "negotiat*", "price reduction", "lower price", "pricing discussion", "price discussion", "haggl*", "price cut", "pushback on price", "bargain*")
	add(domain.StageWon, "赢单", "签约了", "已签", "成交", "中标", "标中了", "中了标", "下单了", "已下单", "签了", "盖章了", "已盖章", "盖好章", "签了合同", "合同签了", "合同已签", "签单了", "签下", "拿下了", "拿下", "签约成功", "已签约", "完成签约", "正式签约了",
		"won", "closed won", "signed", "closed the deal", "deal closed", "win the deal")
	add(domain.StageLost, "丢单", "输单", "输了", "单子丢了", "丢了", "没拿下", "黄了", "飞单", "选了竞品", "选择了竞品", "用了竞品", "放弃了", "不做了", "流标", "未中标", "没中标", "没戏了", "凉了",
		"lost", "closed lost", "went with a competitor", "chose a competitor", "picked a competitor")
	return out
}

var (
	stWords = stageWords()
	stCues  = func() []cue {
		out := make([]cue, len(stWords))
		for i, w := range stWords {
			out[i] = w.cue
		}
		return out
	}()
	stByWord = func() map[string]domain.Stage {
		out := make(map[string]domain.Stage, len(stWords))
		for _, w := range stWords {
			out[w.word] = w.stage
		}
		return out
	}()
)

// strongStageCues are stage words that only sales talk uses, so they make a
// message a follow-up even when the customer is not named (丢了 is not one).
var strongStageCues = cues("新线索", "新商机", "需求确认", "确认需求", "谈判", "议价", "砍价", "谈妥", "赢单", "签约了", "已签约", "成交", "中标", "丢单", "输单", "单子丢了", "报价", "合同签了", "签了合同",
	"new lead", "negotiat*", "closed won", "closed lost", "proposal", "quote")

// hedgeCues make what follows them in a clause a fear or a guess, not a
// fact: 可能丢单, 担心被砍价.
var hedgeCues = cues("可能", "担心", "怕", "恐怕", "也许", "或许", "万一", "如果", "要是", "假如", "风险", "担忧", "估计", "似乎", "好像", "不确定", "有望", "希望", "争取", "避免", "防止", "会不会", "是否", "能否", "看能不能",
	"might", "may", "maybe", "risk", "worried", "afraid", "concern*", "could", "if", "hope", "hopefully", "expect*", "likely", "probably", "whether", "aim", "aiming", "unless")

// stagePlanCues make what follows them a plan: 预计月底签约, 准备报价.
var stagePlanCues = cues("预计", "准备", "打算", "计划", "将", "即将", "马上", "等", "待", "需要", "要", "下周", "明天", "后天", "下个月", "下月", "月底", "年底", "争取", "尽快",
	"will", "we'll", "i'll", "they'll", "going to", "gonna", "plan*", "next", "tomorrow", "need", "needs", "want", "wants", "asked for", "ask for", "request*", "pending")

// negations right before a cue deny it: 没谈妥, 未中标.
var negations = []string{"没", "未", "不", "没有", "尚未", "还没", "无法", "not ", "no ", "never ", "didn't ", "haven't "}

// stageOf returns the most advanced stage the message states as a fact.
func stageOf(m *msg) domain.Stage {
	var best domain.Stage
	for _, h := range m.find(stCues, m.all()) {
		st := stByWord[h.word]
		if stageRank(st) <= stageRank(best) {
			continue
		}
		if !m.stated(h) {
			continue
		}
		best = st
	}
	return best
}

// stated reports whether the cue at h is stated as a fact: not denied, not
// hedged and not planned in its clause. A stage word that is the object of
// a customer's request ("asked for a discount") still states where the deal
// is, so requests count as negotiation; a plan to quote does not.
func (m *msg) stated(h hit) bool {
	before := runesBefore(m.text, h.s, 3)
	lowBefore := m.low[h.s-len(before) : h.s]
	for _, n := range negations {
		if strings.HasSuffix(before, n) || strings.HasSuffix(lowBefore, n) {
			return false
		}
	}
	c := m.clauseOf(h.s)
	// A question does not state anything: 丢单了吗?
	if strings.ContainsAny(m.text[h.e:c.e], "吗么") || c.e < len(m.text) && (m.text[c.e] == '?' || strings.HasPrefix(m.text[c.e:], "？")) {
		return false
	}
	pre := span{c.s, h.s}
	st := stByWord[h.word]
	// The customer asking for a discount is a negotiation already.
	demand := st == domain.StageNegotiation && m.has(demandCues, pre)
	if m.has(hedgeCues, pre) && !(demand && !m.has(strongHedgeCues, pre)) {
		return false
	}
	if demand {
		return true
	}
	if m.has(stagePlanCues, pre) || m.futureIn(pre) {
		after := runesAfter(m.text, h.e, 1)
		return after == "了" && st != domain.StageWon
	}
	return true
}

// demandCues before a negotiation word make it the customer's demand:
// 客户要求降价, they want a discount.
var demandCues = cues("要求", "提出", "希望", "想要", "想", "要", "嫌贵", "压", "asked for", "ask for", "asking for", "asks for", "want", "wants", "wanted", "request*", "demand*", "push*", "insist*")

// strongHedgeCues deny even a customer's demand: 可能要求降价.
var strongHedgeCues = cues("可能", "担心", "怕", "恐怕", "也许", "或许", "万一", "如果", "might", "may", "maybe", "risk", "worried", "afraid", "if")

// stageRank orders stages by how advanced they are.
func stageRank(s domain.Stage) int {
	for i, st := range domain.Stages {
		if st == s {
			return i + 1
		}
	}
	return 0
}
