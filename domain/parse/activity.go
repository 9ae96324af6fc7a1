package parse

import (
	"strings"

	"github.com/salesbot/salesbot/domain"
)

// activityWord is a cue for an activity; done marks English past forms that
// say by themselves that it happened ("called").
type activityWord struct {
	cue
	activity domain.Activity
	done     bool
}

func activityWords() []activityWord {
	var out []activityWord
	add := func(a domain.Activity, done bool, words ...string) {
		for _, c := range cues(words...) {
			out = append(out, activityWord{c, a, done})
		}
	}
	add(domain.ActivityVisit, false, "拜访", "上门", "登门", "走访", "面谈", "见面", "到访", "来访", "面见", "约见", "面聊", "拜会", "去客户", "去了客户", "跑客户", "跑了", "参观", "去了趟", "去趟", "跑了趟", "跑一趟", "来公司", "见了",
		"visit", "visiting", "on-site", "onsite", "stop by", "drop by", "meet in person")
	add(domain.ActivityVisit, true, "visited", "stopped by", "dropped by", "met in person")
	add(domain.ActivityCall, false, "电话", "打电话", "通话", "致电", "电联", "来电", "通电话", "语音通话",
		"call", "calling", "phone", "ring")
	add(domain.ActivityCall, true, "called", "phoned", "rang", "spoke to", "spoke with", "talked to")
	add(domain.ActivityWeChat, false, "微信", "企微", "企业微信", "wechat", "weixin")
	add(domain.ActivityWeChat, true, "wechatted", "messaged")
	add(domain.ActivityMeeting, false, "开会", "会议", "视频会", "电话会", "视频沟通", "视频通话", "线上会", "碰头", "沟通会", "研讨会", "会谈", "座谈", "例会",
		"技术交流", "交流会", "meeting", "meet", "zoom", "conference", "workshop")
	add(domain.ActivityMeeting, true, "met", "had a meeting", "held a meeting")
	add(domain.ActivityDemo, false, "演示", "产品展示", "展示产品", "demo", "presentation", "poc", "showcase")
	add(domain.ActivityDemo, true, "demoed", "demo'd", "presented", "showcased")
	add(domain.ActivityEmail, false, "邮件", "电邮", "email", "e-mail", "mail")
	add(domain.ActivityEmail, true, "emailed", "e-mailed", "mailed")
	add(domain.ActivityOther, false, "吃饭", "吃了个饭", "吃了顿饭", "饭局", "请客", "喝茶", "喝咖啡", "聚餐", "展会", "送礼",
		"lunch", "dinner", "coffee", "drinks", "trade show", "expo")
	return out
}

var (
	actWords = activityWords()
	actCues  = func() []cue {
		out := make([]cue, len(actWords))
		for i, w := range actWords {
			out[i] = w.cue
		}
		return out
	}()
	actByWord = func() map[string]activityWord {
		out := make(map[string]activityWord, len(actWords))
		for _, w := range actWords {
			out[w.word] = w
		}
		return out
	}()
)

// activityRank orders activities when several were done: demo > visit >
// meeting > call > wechat > email > other.
func activityRank(a domain.Activity) int {
	switch a {
	case domain.ActivityDemo:
		return 7
	case domain.ActivityVisit:
		return 6
	case domain.ActivityMeeting:
		return 5
	case domain.ActivityCall:
		return 4
	case domain.ActivityWeChat:
		return 3
	case domain.ActivityEmail:
		return 2
	case domain.ActivityOther:
		return 1
	}
	return 0
}

// planCues say that what follows them in a clause is planned, not done.
var planCues = cues("再", "准备", "打算", "计划", "要去", "要再", "需要", "安排", "预约", "约了", "约好", "约定", "争取", "想", "将于", "将会", "回头", "改天", "下次", "稍后", "晚点", "之后", "以后", "届时", "预计",
	"will", "we'll", "i'll", "they'll", "going to", "gonna", "plan", "plans", "planning", "planned", "schedule", "scheduled", "need to", "needs to", "need", "needs", "require*", "asked for", "ask for", "let's", "want to", "to be", "should", "upcoming", "later")

// futureWords are dates in the future, also when the entity layer missed them.
var futureWords = cues("明天", "明早", "明晚", "后天", "下周", "下星期", "下礼拜", "下个月", "下月", "下午再", "月底", "年底", "下半年",
	"tomorrow", "next", "tonight")

// doneCues before an activity say it happened.
var doneCues = cues("已", "已经", "刚", "刚刚", "刚才", "昨天", "前天", "上周", "今天上午", "今早",
	"yesterday", "today", "this morning", "just", "earlier", "last week")

// activityOf returns the activity the message reports: the highest-ranked
// done one, else the highest-ranked planned one.
func activityOf(m *msg) domain.Activity {
	var done, planned domain.Activity
	for _, h := range m.find(actCues, m.all()) {
		w := actByWord[h.word]
		if m.isPlanned(h, w.done) {
			if activityRank(w.activity) > activityRank(planned) {
				planned = w.activity
			}
		} else if activityRank(w.activity) > activityRank(done) {
			done = w.activity
		}
	}
	if done != "" {
		return done
	}
	return planned
}

// isPlanned reports whether the cue at h is about the future: it is in a
// clause with a future date or a plan word before it (anywhere in the
// clause for English), and no 了/过 right after it says it happened.
func (m *msg) isPlanned(h hit, done bool) bool {
	if done {
		return false
	}
	c := m.clauseOf(h.s)
	if m.han {
		after := runesAfter(m.text, h.e, 4)
		if i := strings.IndexAny(after, "了过完"); i >= 0 && !strings.HasPrefix(after[i:], "过去") && !strings.HasPrefix(after[i:], "过来") {
			return false
		}
		before := span{c.s, h.s}
		if m.has(doneCues, before) {
			return false
		}
		// 演示下周二, 演示定在周五: a future day right after the activity.
		if m.startsWithin(h.e, h.e+len(runesAfter(m.text, h.e, 3)), c) {
			return true
		}
		return m.futureIn(before) || m.has(planCues, before) || m.has(futureWords, before)
	}
	if m.has(doneCues, c) {
		return false
	}
	return m.futureIn(c) || m.has(planCues, c) || m.has(futureWords, c)
}

// startsWithin reports whether a future time entity of clause c starts
// between byte offsets from and to.
func (m *msg) startsWithin(from, to int, c span) bool {
	for _, t := range m.times {
		if t.s >= from && t.s <= to && t.e <= c.e && m.isFuture(t) {
			return true
		}
	}
	return false
}

// futureIn reports whether a time entity in the span lies in the future:
// a later day, or later today at a stated clock time.
func (m *msg) futureIn(in span) bool {
	for _, t := range m.times {
		if t.s >= in.s && t.e <= in.e && m.isFuture(t) {
			return true
		}
	}
	return false
}

// isFuture reports whether a time entity is after the message time: a later
// day, or later today at a stated clock time.
func (m *msg) isFuture(t ent) bool {
	y1, m1, d1 := t.Time.Date()
	y0, m0, d0 := m.now.Date()
	day, today := y1*10000+int(m1)*100+d1, y0*10000+int(m0)*100+d0
	if day != today {
		return day > today
	}
	return hasClock(t) && t.Time.After(m.now)
}

// hasClock reports whether a time entity states a clock time (三点, 10am,
// 9:30) rather than only a day or a part of it (下午).
func hasClock(t ent) bool {
	if t.Grain != GrainMinute && t.Grain != GrainHour {
		return false
	}
	return containsAny(strings.ToLower(t.Text), "点", "时", ":", "am", "pm", "o'clock", "半", "刻", "noon", "中午12", "分")
}
