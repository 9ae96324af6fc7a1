package parse

import (
	"sort"
	"strings"
	"time"

	"github.com/salesbot/salesbot/domain"
)

// Item is one thing a message reports (DESIGN §6). A field the text does
// not support is left empty (nil for numbers) and is omitted from JSON.
type Item struct {
	Intent       Intent          `json:"intent"`
	Customer     string          `json:"customer,omitempty"`
	Contact      string          `json:"contact,omitempty"`
	Activity     domain.Activity `json:"activity,omitempty"`
	Amount       *float64        `json:"amount,omitempty"`
	Currency     string          `json:"currency,omitempty"`
	Stage        domain.Stage    `json:"stage,omitempty"`
	NextAt       string          `json:"next_at,omitempty"`
	Collection   *float64        `json:"collection,omitempty"`
	Mentions     []string        `json:"mentions,omitempty"`
	AssigneeRole domain.Role     `json:"assignee_role,omitempty"`
	Due          string          `json:"due,omitempty"`
}

// Layouts of next_at and due: a date, or a date and a clock time.
const (
	DateLayout     = "2006-01-02"
	DateTimeLayout = "2006-01-02T15:04"
)

// Parser reads the messages of one tenant. Build it once from the tenant's
// customers and members; it is safe for concurrent use.
type Parser struct {
	customers *customerIndex
	members   []string // longest first, for @-mentions written without a space
}

// NewParser returns a parser that knows the tenant's customers (names and
// aliases) and members (names, for @-mentions).
func NewParser(customers []Customer, members []string) *Parser {
	ms := make([]string, 0, len(members))
	for _, m := range members {
		if m = strings.TrimSpace(m); m != "" {
			ms = append(ms, m)
		}
	}
	sort.SliceStable(ms, func(i, j int) bool { return len(ms[i]) > len(ms[j]) })
	return &Parser{customers: newCustomerIndex(customers), members: ms}
}

// Parse returns the items of one message written at now (whose location is
// the tenant's time zone): one item for an ordinary message, one per line
// for a daily report. It never returns an empty list.
func (p *Parser) Parse(text string, now time.Time) []Item {
	t := strings.TrimSpace(NormalizeText(text))
	if strings.HasPrefix(t, "/") {
		return []Item{p.slash(t, now)}
	}
	if lines, ok := reportLines(t); ok {
		items := make([]Item, 0, len(lines))
		for _, l := range lines {
			items = append(items, p.parseOne(l, now))
		}
		return items
	}
	return []Item{p.parseOne(t, now)}
}

// parseOne reads one message or one line of a report.
func (p *Parser) parseOne(text string, now time.Time) Item {
	mentions, text := p.takeMentions(text)
	m := newMsg(text, now)
	it := Item{Intent: IntentNone, Mentions: mentions}

	if isHelp(m) {
		return Item{Intent: IntentHelp}
	}
	cust, custSpan, known := p.customerOf(m)
	// A date or number inside the customer's name (明日传媒, 58同城) is
	// part of the name, not a next step or an amount.
	m.times, m.amounts = outside(m.times, custSpan), outside(m.amounts, custSpan)
	contact := findContact(m, custSpan)
	activity := activityOf(m)

	switch {
	case len(mentions) == 0 && m.has(roleRequestCues, m.all()):
		// 找个售前 下周二去星河科技做演示, 财务帮忙开票: work asked of a role.
		it.Intent = IntentTask
		it.Customer, it.Contact = cust, contact
		it.AssigneeRole = requestedRole(m)
		if d := m.due(); d != nil {
			it.Due = formatTime(*d)
		}
		return it
	case len(mentions) > 0 && (m.has(taskCues, m.all()) || m.firstFuture() != nil || isQuestion(m)):
		it.Intent = IntentTask
		it.Customer, it.Contact = cust, contact
		it.AssigneeRole = assigneeRole(m)
		if d := m.due(); d != nil {
			it.Due = formatTime(*d)
		}
		return it
	case !known && activity == "" && m.has(progressCues, m.all()) && !isCollection(m):
		return Item{Intent: IntentProgress}
	case isCollection(m):
		it.Intent = IntentCollection
		it.Customer, it.Contact = cust, contact
		if a, ok := collectionAmount(m); ok {
			it.Collection, it.Currency = money(a)
		}
		return it
	}

	stage := stageOf(m)
	amount, hasAmount := dealAmount(m)
	next := m.firstFuture()
	sales := known ||
		cust != "" && (activity != "" || stage != "" || contact != "" || hasAmount || next != nil) ||
		contact != "" && (activity != "" || stage != "" || hasAmount || m.has(talkCues, m.all())) ||
		(activity != "" || stage != "" || hasAmount && m.has(amountCues, m.all())) && m.has(salesWords, m.all()) ||
		m.has(strongStageCues, m.all()) && stage != ""
	if !sales {
		return it
	}
	it.Intent = IntentFollowUp
	it.Customer, it.Contact, it.Activity, it.Stage = cust, contact, activity, stage
	if hasAmount {
		it.Amount, it.Currency = money(amount)
	}
	if next != nil {
		it.NextAt = formatTime(*next)
	}
	return it
}

// outside returns the entities that do not overlap sp.
func outside(es []ent, sp span) []ent {
	if sp.e <= sp.s {
		return es
	}
	out := es[:0:0]
	for _, e := range es {
		if e.e <= sp.s || e.s >= sp.e {
			out = append(out, e)
		}
	}
	return out
}

// talkCues with a customer-side contact make a follow-up: 和张总沟通了一下.
var talkCues = cues("沟通", "聊", "谈", "交流", "对接", "跟进", "介绍", "汇报", "反馈", "确认", "约", "见",
	"discussed", "talked", "spoke", "chatted", "followed up", "met")

// isQuestion reports whether a message asks something: to a mentioned
// colleague that is a request (@李娜 泰康的发票开了吗).
func isQuestion(m *msg) bool {
	t := strings.TrimRight(m.text, " ")
	return strings.HasSuffix(t, "?") || strings.HasSuffix(t, "吗") || strings.HasSuffix(t, "没有") || strings.HasSuffix(t, "没") || strings.HasSuffix(t, "呢")
}

// customerOf returns the customer a message is about: a known one (its
// canonical name), else a new name found by pattern.
func (p *Parser) customerOf(m *msg) (name string, at span, known bool) {
	c, ok := p.customers.find(m)
	if ok && c.tier == tierName {
		return c.canonical, span{c.s, c.e}, true
	}
	name, at = newCustomer(m)
	// 华润医药 is a new company even when 华润 is short for 华润置业.
	if ok && (name == "" || at.s > c.s || at.e <= c.e || !hasOrgSuffix(name)) {
		return c.canonical, span{c.s, c.e}, true
	}
	return name, at, false
}

// firstFuture returns the earliest time after the message time: the next
// dated step.
func (m *msg) firstFuture() *ent {
	var best *ent
	for i := range m.times {
		t := &m.times[i]
		if !fineGrain(t.Grain) || !m.isFuture(*t) && !m.laterToday(*t) {
			continue
		}
		if best == nil || t.Time.Before(best.Time) {
			best = t
		}
	}
	return best
}

// laterToday reports whether a time entity is a part of today still ahead
// (下午 at ten in the morning) in a clause that does not report it as done.
//
// A day that lands on today without saying so (月底 on the last day, 周二
// on a Tuesday, 15号 on the 15th) is still ahead, in such a clause too.
func (m *msg) laterToday(t ent) bool {
	if !m.isToday(t) {
		return false
	}
	c := m.clauseOf(t.s)
	if strings.ContainsAny(m.text[c.s:c.e], "了过已") || m.has(doneCues, c) {
		return false
	}
	if t.Grain == GrainDay {
		low := strings.ToLower(t.Text)
		// 今天下午 at ten in the morning is still ahead.
		for _, part := range dayParts {
			if strings.Contains(low, part.word) {
				return m.now.Hour() < part.ends
			}
		}
		return !containsAny(low, "今", "today", "tonight", "this ")
	}
	return t.Grain == GrainHour || t.Grain == GrainMinute && t.Time.After(m.now)
}

// due returns a task's deadline: the time marked by 前/之前/before/by, else
// the first time that is not past.
func (m *msg) due() *ent {
	var first *ent
	for i := range m.times {
		t := &m.times[i]
		if !fineGrain(t.Grain) || !m.isFuture(*t) && !m.isToday(*t) {
			continue
		}
		after := runesAfter(m.text, t.e, 2)
		before := strings.TrimSpace(m.low[max(0, t.s-8):t.s])
		if strings.HasPrefix(after, "前") || strings.HasPrefix(after, "之前") || strings.HasPrefix(after, "以前") ||
			strings.HasSuffix(before, "by") || strings.HasSuffix(before, "before") || strings.HasSuffix(before, "截止") {
			return t
		}
		if first == nil {
			first = t
		}
	}
	return first
}

// dayParts are the parts of a day and the hour each ends at.
var dayParts = []struct {
	word string
	ends int
}{{"上午", 12}, {"早上", 10}, {"中午", 14}, {"下午", 18}, {"傍晚", 19}, {"晚上", 24}, {"今晚", 24}, {"tonight", 24}, {"this afternoon", 18}, {"this evening", 24}, {"this morning", 12}}

// fineGrain reports whether a time names a day or a time of day: 下周 and
// 下个月 are too vague to be a next step's date.
func fineGrain(g Grain) bool { return g == GrainDay || g == GrainHour || g == GrainMinute }

func (m *msg) isToday(t ent) bool {
	y1, m1, d1 := t.Time.Date()
	y0, m0, d0 := m.now.Date()
	return y1 == y0 && m1 == m0 && d1 == d0
}

// formatTime writes a next step or deadline: the date, and the clock time
// only when one was said.
func formatTime(t ent) string {
	if hasClock(t) {
		return t.Time.Format(DateTimeLayout)
	}
	return t.Time.Format(DateLayout)
}

// presalesCues and financeCues pick a task's assignee role.
var (
	presalesCues = cues("方案", "演示", "技术交流", "测试环境", "技术", "部署", "试用", "demo", "poc", "solution", "technical", "test environment", "sandbox", "proposal")
	financeCues  = cues("开票", "发票", "回款确认", "确认回款", "到账", "合同付款", "付款", "回款", "对账", "收款", "款到", "到款", "打款", "invoice", "payment", "billing", "receipt")
)

// roleRequestCues ask a role, not a person, to do something.
var roleRequestCues = cues("找个售前", "找一个售前", "找售前", "请售前", "需要售前", "让售前", "麻烦售前", "售前帮忙", "售前同事帮",
	"找个财务", "找财务", "请财务", "让财务", "麻烦财务", "财务帮忙", "财务帮我", "财务同事帮",
	"need a presales", "need presales", "presales please", "finance please", "need finance")

// requestedRole is the role a role request names.
func requestedRole(m *msg) domain.Role {
	if strings.Contains(m.text, "财务") || strings.Contains(m.low, "finance") {
		return domain.RoleFinance
	}
	return domain.RolePresales
}

func assigneeRole(m *msg) domain.Role {
	switch {
	case m.has(presalesCues, m.all()):
		return domain.RolePresales
	case m.has(financeCues, m.all()):
		return domain.RoleFinance
	}
	return domain.RoleSales
}
