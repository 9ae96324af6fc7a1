package parse

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"
)

// testNow is a Thursday morning in the tenant's zone.
var testNow = time.Date(2026, 5, 14, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))

var testCustomers = []Customer{
	{Name: "华润置业", Aliases: []string{"华润"}},
	{Name: "东方航空", Aliases: []string{"东航"}},
	{Name: "北极星软件", Aliases: []string{"北极星"}},
	{Name: "天宇科技"},
	{Name: "光明乳业", Aliases: []string{"光明"}},
	{Name: "长城电子"},
	{Name: "长城汽车"},
	{Name: "Acme Corp", Aliases: []string{"Acme"}},
	{Name: "Globex"},
	{Name: "Initech", Aliases: []string{"IT"}},
}

var testParser = NewParser(testCustomers, []string{"李娜", "王磊", "周杰伦"})

func amt(v float64) *float64 { return &v }

// itemCase is one message and the items it must give.
type itemCase struct {
	name string
	text string
	want []Item
}

func runItemCases(t *testing.T, cases []itemCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := testParser.Parse(tc.text, testNow)
			if d := diffItems(got, tc.want); d != "" {
				t.Errorf("Parse(%q) differs (-got +want):\n%s", tc.text, d)
			}
		})
	}
}

// diffItems lists the fields that differ, one a line.
func diffItems(got, want []Item) string {
	var b strings.Builder
	if len(got) != len(want) {
		fmt.Fprintf(&b, "  %d items, want %d\n", len(got), len(want))
	}
	for i := 0; i < len(got) || i < len(want); i++ {
		g, w := map[string]any{}, map[string]any{}
		if i < len(got) {
			g = fields(got[i])
		}
		if i < len(want) {
			w = fields(want[i])
		}
		keys := map[string]bool{}
		for k := range g {
			keys[k] = true
		}
		for k := range w {
			keys[k] = true
		}
		var names []string
		for k := range keys {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			gj, _ := json.Marshal(g[k])
			wj, _ := json.Marshal(w[k])
			if string(gj) != string(wj) {
				fmt.Fprintf(&b, "  item %d %s: -%s +%s\n", i, k, gj, wj)
			}
		}
	}
	return b.String()
}

func fields(it Item) map[string]any {
	data, _ := json.Marshal(it)
	m := map[string]any{}
	_ = json.Unmarshal(data, &m)
	return m
}

func TestParseIntent(t *testing.T) {
	runItemCases(t, []itemCase{
		{"help word", "帮助", []Item{{Intent: IntentHelp}}},
		{"help question", "这个机器人怎么用?", []Item{{Intent: IntentHelp}}},
		{"english help", "what can you do", []Item{{Intent: IntentHelp}}},
		{"my progress", "我的进度", []Item{{Intent: IntentProgress}}},
		{"team ranking", "团队排名", []Item{{Intent: IntentProgress}}},
		{"how much is left", "还差多少", []Item{{Intent: IntentProgress}}},
		{"a team's month", "销售二组本月进度", []Item{{Intent: IntentProgress}}},
		{"results question", "这个季度业绩如何", []Item{{Intent: IntentProgress}}},
		{"bot mention and progress", "@_user_1 我的进度", []Item{{Intent: IntentProgress}}},
		{"english leaderboard", "show me the leaderboard", []Item{{Intent: IntentProgress}}},
		{"acknowledgement", "好的收到", []Item{{Intent: IntentNone}}},
		{"thanks", "辛苦了", []Item{{Intent: IntentNone}}},
		{"lunch chat", "中午吃什么", []Item{{Intent: IntentNone}}},
		{"internal meeting", "下午三点开周会", []Item{{Intent: IntentNone}}},
		{"help in a sentence", "需要帮助客户解决问题", []Item{{Intent: IntentNone}}},
		{"empty", "", []Item{{Intent: IntentNone}}},
		{"customer not named", "今天跑了三家客户,都是初步接触", []Item{{Intent: IntentFollowUp, Activity: "visit"}}},
	})
}

func TestParseCustomer(t *testing.T) {
	runItemCases(t, []itemCase{
		{"exact name", "天宇科技的需求确认了", []Item{{Intent: IntentFollowUp, Customer: "天宇科技", Stage: "qualify"}}},
		{"alias to canonical", "东航合同谈妥了", []Item{{Intent: IntentFollowUp, Customer: "东方航空", Stage: "negotiation"}}},
		{"unambiguous prefix", "天宇那边需求确认了", []Item{{Intent: IntentFollowUp, Customer: "天宇科技", Stage: "qualify"}}},
		{"ambiguous prefix is not guessed", "长城那边需求确认了", []Item{{Intent: IntentFollowUp, Stage: "qualify"}}},
		{"full name beats alias of another", "北极星软件和华润都在谈", []Item{{Intent: IntentFollowUp, Customer: "北极星软件"}}},
		{"english name, any case", "called ACME about the renewal", []Item{{Intent: IntentFollowUp, Customer: "Acme Corp", Activity: "call"}}},
		{"short alias only as written", "it was a good call with Globex", []Item{{Intent: IntentFollowUp, Customer: "Globex", Activity: "call"}}},
		{"new customer after 新客户", "新客户:瑞丰电子,王总,微信加上了", []Item{{Intent: IntentFollowUp, Customer: "瑞丰电子", Contact: "王总", Activity: "wechat", Stage: "lead"}}},
		{"new name by company suffix", "今天拜访了鼎新家居的孙经理", []Item{{Intent: IntentFollowUp, Customer: "鼎新家居", Contact: "孙经理", Activity: "visit"}}},
		{"new name with 有限公司", "和远景能源有限公司电话沟通了一下", []Item{{Intent: IntentFollowUp, Customer: "远景能源有限公司", Activity: "call"}}},
		{"new name after 拜访", "拜访了蓝鲸,见了采购", []Item{{Intent: IntentFollowUp, Customer: "蓝鲸", Activity: "visit"}}},
		{"new name before 的张总", "和启明的张总聊了聊,报价30万", []Item{{Intent: IntentFollowUp, Customer: "启明", Contact: "张总", Amount: amt(300000), Currency: "CNY", Stage: "proposal"}}},
		{"our own company is not a customer", "我们公司下午开会", []Item{{Intent: IntentNone}}},
		{"company that shares a known prefix is new", "新客户华润医药,王总,电话聊了", []Item{{Intent: IntentFollowUp, Customer: "华润医药", Contact: "王总", Activity: "call", Stage: "lead"}}},
		{"name before 新客户", "启航物流是新客户,刚加了微信", []Item{{Intent: IntentFollowUp, Customer: "启航物流", Activity: "wechat", Stage: "lead"}}},
		{"description is not a name", "拜访了两家新客户", []Item{{Intent: IntentFollowUp, Activity: "visit", Stage: "lead"}}},
		{"name after 老客户", "拜访了老客户东升集团的钱总", []Item{{Intent: IntentFollowUp, Customer: "东升集团", Contact: "钱总", Activity: "visit"}}},
		{"department is not a company", "东航信息部陈主任电话", []Item{{Intent: IntentFollowUp, Customer: "东方航空", Contact: "陈主任", Activity: "call"}}},
		{"english new customer", "New customer: Umbrella Labs, met their CTO", []Item{{Intent: IntentFollowUp, Customer: "Umbrella Labs", Activity: "meeting", Stage: "lead"}}},
	})
}

func TestParseContact(t *testing.T) {
	runItemCases(t, []itemCase{
		{"surname and 总", "华润刘总电话沟通", []Item{{Intent: IntentFollowUp, Customer: "华润置业", Contact: "刘总", Activity: "call"}}},
		{"总监 read whole", "华润张总监电话沟通", []Item{{Intent: IntentFollowUp, Customer: "华润置业", Contact: "张总监", Activity: "call"}}},
		{"总经理 read whole", "拜访了光明乳业何总经理", []Item{{Intent: IntentFollowUp, Customer: "光明乳业", Contact: "何总经理", Activity: "visit"}}},
		{"department before title", "东航信息部陈主任微信聊了", []Item{{Intent: IntentFollowUp, Customer: "东方航空", Contact: "陈主任", Activity: "wechat"}}},
		{"engineer", "天宇科技王工电话确认了需求", []Item{{Intent: IntentFollowUp, Customer: "天宇科技", Contact: "王工", Activity: "call", Stage: "qualify"}}},
		{"bank president", "拜访了光明乳业的吴会计", []Item{{Intent: IntentFollowUp, Customer: "光明乳业", Contact: "吴会计", Activity: "visit"}}},
		{"teacher", "华润周老师电话", []Item{{Intent: IntentFollowUp, Customer: "华润置业", Contact: "周老师", Activity: "call"}}},
		{"week is not a surname", "华润这周工作量大,确认了需求", []Item{{Intent: IntentFollowUp, Customer: "华润置业", Stage: "qualify"}}},
		{"the other side is not 方总", "东航对方总监电话", []Item{{Intent: IntentFollowUp, Customer: "东方航空", Activity: "call"}}},
		{"total price is not a person", "东航发了报价邮件,总价68万", []Item{{Intent: IntentFollowUp, Customer: "东方航空", Activity: "email", Amount: amt(680000), Currency: "CNY", Stage: "proposal"}}},
		{"full name after 联系人", "新客户瑞丰电子,联系人:王小明,电话聊了", []Item{{Intent: IntentFollowUp, Customer: "瑞丰电子", Contact: "王小明", Activity: "call", Stage: "lead"}}},
		{"mr", "Called Globex, spoke with Ms. Lee", []Item{{Intent: IntentFollowUp, Customer: "Globex", Contact: "Ms. Lee", Activity: "call"}}},
		{"name first in the message", "John Miller from Globex called about the quote", []Item{{Intent: IntentFollowUp, Customer: "Globex", Contact: "John Miller", Activity: "call", Stage: "proposal"}}},
		{"first and last name", "Lunch with Jane Doe from Globex", []Item{{Intent: IntentFollowUp, Customer: "Globex", Contact: "Jane Doe", Activity: "other"}}},
		{"mentioned colleague is not a contact", "@王磊 明天和我一起拜访华润", []Item{{Intent: IntentTask, Customer: "华润置业", Mentions: []string{"王磊"}, AssigneeRole: "sales", Due: "2026-05-15"}}},
	})
}

func TestParseActivity(t *testing.T) {
	runItemCases(t, []itemCase{
		{"a call done, a demo dated next week", "华润王工电话沟通,演示下周二", []Item{{Intent: IntentFollowUp, Customer: "华润置业", Contact: "王工", Activity: "call", NextAt: "2026-05-19"}}},
		{"visit done", "今天拜访了华润", []Item{{Intent: IntentFollowUp, Customer: "华润置业", Activity: "visit"}}},
		{"planned visit alone", "明天拜访华润", []Item{{Intent: IntentFollowUp, Customer: "华润置业", Activity: "visit", NextAt: "2026-05-15"}}},
		{"done call beats planned visit", "东航电话聊了,下周二上门", []Item{{Intent: IntentFollowUp, Customer: "东方航空", Activity: "call", NextAt: "2026-05-19"}}},
		{"demo beats meeting", "和光明开了个线上会,演示了系统", []Item{{Intent: IntentFollowUp, Customer: "光明乳业", Activity: "demo"}}},
		{"visit beats call", "给华润打电话约了时间,下午上门拜访了", []Item{{Intent: IntentFollowUp, Customer: "华润置业", Activity: "visit"}}},
		{"planned demo after a done visit", "拜访了东航,后天做演示", []Item{{Intent: IntentFollowUp, Customer: "东方航空", Activity: "visit", NextAt: "2026-05-16"}}},
		{"email", "给天宇科技发了邮件", []Item{{Intent: IntentFollowUp, Customer: "天宇科技", Activity: "email"}}},
		{"wechat", "光明乳业微信沟通", []Item{{Intent: IntentFollowUp, Customer: "光明乳业", Activity: "wechat"}}},
		{"contact and talk, no channel", "和华润刘总沟通了一下", []Item{{Intent: IntentFollowUp, Customer: "华润置业", Contact: "刘总"}}},
		{"customer came to us", "东航孙总今天来公司参观", []Item{{Intent: IntentFollowUp, Customer: "东方航空", Contact: "孙总", Activity: "visit"}}},
		{"meal is other", "和华润刘总吃了个饭", []Item{{Intent: IntentFollowUp, Customer: "华润置业", Contact: "刘总", Activity: "other"}}},
		{"english past tense", "Visited Acme, demo went well", []Item{{Intent: IntentFollowUp, Customer: "Acme Corp", Activity: "demo"}}},
		{"english planned", "Meeting with Globex next Tuesday", []Item{{Intent: IntentFollowUp, Customer: "Globex", Activity: "meeting", NextAt: "2026-05-19"}}},
	})
}

func TestParseAmount(t *testing.T) {
	runItemCases(t, []itemCase{
		{"quote in 万", "华润报价45万", []Item{{Intent: IntentFollowUp, Customer: "华润置业", Amount: amt(450000), Currency: "CNY", Stage: "proposal"}}},
		{"budget", "东航预算大概200万", []Item{{Intent: IntentFollowUp, Customer: "东方航空", Amount: amt(2000000), Currency: "CNY"}}},
		{"changed amount keeps the new value", "天宇科技合同额从80万调到95万", []Item{{Intent: IntentFollowUp, Customer: "天宇科技", Amount: amt(950000), Currency: "CNY"}}},
		{"cut to", "光明乳业砍到60万", []Item{{Intent: IntentFollowUp, Customer: "光明乳业", Amount: amt(600000), Currency: "CNY", Stage: "negotiation"}}},
		{"chinese numerals", "华润单子大概一百二十万", []Item{{Intent: IntentFollowUp, Customer: "华润置业", Amount: amt(1200000), Currency: "CNY"}}},
		{"dollars", "Globex budget is $250,000", []Item{{Intent: IntentFollowUp, Customer: "Globex", Amount: amt(250000), Currency: "USD"}}},
		{"k suffix", "Quoted Acme 90k", []Item{{Intent: IntentFollowUp, Customer: "Acme Corp", Amount: amt(90000), Currency: "CNY", Stage: "proposal"}}},
		{"percent is not an amount", "天宇科技要求打九折", []Item{{Intent: IntentFollowUp, Customer: "天宇科技", Stage: "negotiation"}}},
		{"no amount, none invented", "北极星的单子丢了", []Item{{Intent: IntentFollowUp, Customer: "北极星软件", Stage: "lost"}}},
		{"head count is not an amount", "拜访东航,对方有300个人", []Item{{Intent: IntentFollowUp, Customer: "东方航空", Activity: "visit"}}},
	})
}

func TestParseStage(t *testing.T) {
	runItemCases(t, []itemCase{
		{"a discount in Arabic digits is negotiation", "东航的王总说还要再砍10%,我们最多给到9折", []Item{{Intent: IntentFollowUp, Customer: "东方航空", Contact: "王总", Stage: "negotiation"}}},
		{"lead", "华润新线索,对门禁系统有兴趣", []Item{{Intent: IntentFollowUp, Customer: "华润置业", Stage: "lead"}}},
		{"qualify", "东航需求确认", []Item{{Intent: IntentFollowUp, Customer: "东方航空", Stage: "qualify"}}},
		{"proposal from 方案", "给光明讲了方案", []Item{{Intent: IntentFollowUp, Customer: "光明乳业", Stage: "proposal"}}},
		{"negotiation", "天宇科技在议价", []Item{{Intent: IntentFollowUp, Customer: "天宇科技", Stage: "negotiation"}}},
		{"most advanced wins", "华润报价后砍价,最终成交", []Item{{Intent: IntentFollowUp, Customer: "华润置业", Stage: "won"}}},
		{"won", "北极星中标了", []Item{{Intent: IntentFollowUp, Customer: "北极星软件", Stage: "won"}}},
		{"lost", "东航输单了,客户选了竞品", []Item{{Intent: IntentFollowUp, Customer: "东方航空", Stage: "lost"}}},
		{"hedge is not lost", "光明可能丢单", []Item{{Intent: IntentFollowUp, Customer: "光明乳业"}}},
		{"worry is not lost", "担心华润单子丢了", []Item{{Intent: IntentFollowUp, Customer: "华润置业"}}},
		{"forecast is not won", "东航预计下周签约", []Item{{Intent: IntentFollowUp, Customer: "东方航空"}}},
		{"plan to quote is not proposal", "天宇科技准备报价", []Item{{Intent: IntentFollowUp, Customer: "天宇科技"}}},
		{"negated", "华润价格还没谈妥", []Item{{Intent: IntentFollowUp, Customer: "华润置业"}}},
		{"signing a contract later is no stage", "光明乳业 20号 签合同", []Item{{Intent: IntentFollowUp, Customer: "光明乳业", NextAt: "2026-05-20"}}},
		{"english discount", "Acme asked for a discount", []Item{{Intent: IntentFollowUp, Customer: "Acme Corp", Stage: "negotiation"}}},
		{"english won", "Globex signed today", []Item{{Intent: IntentFollowUp, Customer: "Globex", Stage: "won"}}},
		{"question states nothing", "华润丢单了吗?", []Item{{Intent: IntentFollowUp, Customer: "华润置业"}}},
		{"customer's demand is a negotiation", "Globex wants a 15% discount", []Item{{Intent: IntentFollowUp, Customer: "Globex", Stage: "negotiation"}}},
		{"stamped contract is won", "光明的合同已经盖章了", []Item{{Intent: IntentFollowUp, Customer: "光明乳业", Stage: "won"}}},
		{"order placed is won", "天宇科技已经下单了", []Item{{Intent: IntentFollowUp, Customer: "天宇科技", Stage: "won"}}},
		{"english hedge", "We might lose Globex", []Item{{Intent: IntentFollowUp, Customer: "Globex"}}},
	})
}

func TestParseNextAt(t *testing.T) {
	runItemCases(t, []itemCase{
		{"next week's weekday", "华润下周三再约", []Item{{Intent: IntentFollowUp, Customer: "华润置业", NextAt: "2026-05-20"}}},
		{"clock time kept", "东航明天下午三点开会", []Item{{Intent: IntentFollowUp, Customer: "东方航空", Activity: "meeting", NextAt: "2026-05-15T15:00"}}},
		{"afternoon alone keeps the date", "东航明天下午开会", []Item{{Intent: IntentFollowUp, Customer: "东方航空", Activity: "meeting", NextAt: "2026-05-15"}}},
		{"end of month", "光明乳业月底前回复", []Item{{Intent: IntentFollowUp, Customer: "光明乳业", NextAt: "2026-05-31"}}},
		{"weeks later", "天宇科技两周后给答复", []Item{{Intent: IntentFollowUp, Customer: "天宇科技", NextAt: "2026-05-28"}}},
		{"later today, no clock", "今天下午再给华润打个电话", []Item{{Intent: IntentFollowUp, Customer: "华润置业", Activity: "call", NextAt: "2026-05-14"}}},
		{"past day is not next", "昨天拜访了华润", []Item{{Intent: IntentFollowUp, Customer: "华润置业", Activity: "visit"}}},
		{"earliest future wins", "东航下周签约,明天先发合同", []Item{{Intent: IntentFollowUp, Customer: "东方航空", NextAt: "2026-05-15"}}},
		{"a date inside a new customer's name is the name", "拜访新客户明日传媒王总监,下周五再约", []Item{{Intent: IntentFollowUp, Customer: "明日传媒", Contact: "王总监", Activity: "visit", Stage: "lead", NextAt: "2026-05-22"}}},
		{"english tomorrow with time", "Demo for Globex tomorrow 2pm", []Item{{Intent: IntentFollowUp, Customer: "Globex", Activity: "demo", NextAt: "2026-05-15T14:00"}}},
	})
}

func TestParseCollection(t *testing.T) {
	runItemCases(t, []itemCase{
		{"received", "华润置业回款20万", []Item{{Intent: IntentCollection, Customer: "华润置业", Collection: amt(200000), Currency: "CNY"}}},
		{"arrived", "东航首付款 ¥150,000 已到账", []Item{{Intent: IntentCollection, Customer: "东方航空", Collection: amt(150000), Currency: "CNY"}}},
		{"收到…款", "收到光明乳业尾款八万", []Item{{Intent: IntentCollection, Customer: "光明乳业", Collection: amt(80000), Currency: "CNY"}}},
		{"paid in", "天宇科技打款50万到账户", []Item{{Intent: IntentCollection, Customer: "天宇科技", Collection: amt(500000), Currency: "CNY"}}},
		{"no amount stays null", "北极星的款到账了", []Item{{Intent: IntentCollection, Customer: "北极星软件"}}},
		{"chasing is not a collection", "拜访了华润,催了一下回款", []Item{{Intent: IntentFollowUp, Customer: "华润置业", Activity: "visit"}}},
		{"forecast is not a collection", "东航预计下周回款30万", []Item{{Intent: IntentFollowUp, Customer: "东方航空"}}},
		{"received payment, no amount", "收到东航的预付款", []Item{{Intent: IntentCollection, Customer: "东方航空"}}},
		{"a later balance does not undo a payment", "华润 回款 20万 剩余尾款下月", []Item{{Intent: IntentCollection, Customer: "华润置业", Collection: amt(200000), Currency: "CNY"}}},
		{"payment amount, not the contract", "天宇科技合同100万,今天回款30万", []Item{{Intent: IntentCollection, Customer: "天宇科技", Collection: amt(300000), Currency: "CNY"}}},
		{"transfer verb with amount", "光明打了15万过来", []Item{{Intent: IntentCollection, Customer: "光明乳业", Collection: amt(150000), Currency: "CNY"}}},
		{"english wired", "Acme wired $8,000", []Item{{Intent: IntentCollection, Customer: "Acme Corp", Collection: amt(8000), Currency: "USD"}}},
	})
}

func TestParseTask(t *testing.T) {
	runItemCases(t, []itemCase{
		{"a role asked without a name", "找个售前 下周二去东航做演示", []Item{{Intent: IntentTask, Customer: "东方航空", AssigneeRole: "presales", Due: "2026-05-19"}}},
		{"finance asked without a name", "财务帮忙开票", []Item{{Intent: IntentTask, AssigneeRole: "finance"}}},
		{"presales by friday", "@王磊 麻烦周五前给华润出个方案", []Item{{Intent: IntentTask, Customer: "华润置业", Mentions: []string{"王磊"}, AssigneeRole: "presales", Due: "2026-05-15"}}},
		{"finance with clock", "@李娜 请明天上午十点前给东航开发票", []Item{{Intent: IntentTask, Customer: "东方航空", Mentions: []string{"李娜"}, AssigneeRole: "finance", Due: "2026-05-15T10:00"}}},
		{"two mentions, sales", "@王磊 @李娜 下周一前整理好光明的投标文件", []Item{{Intent: IntentTask, Customer: "光明乳业", Mentions: []string{"王磊", "李娜"}, AssigneeRole: "sales", Due: "2026-05-18"}}},
		{"alias then a verb is not a new company", "@王磊 明天上午去北极星做技术交流", []Item{{Intent: IntentTask, Customer: "北极星软件", Mentions: []string{"王磊"}, AssigneeRole: "presales", Due: "2026-05-15"}}},
		{"lark markup", "@_user_2 帮忙准备天宇科技的测试环境", []Item{{Intent: IntentTask, Customer: "天宇科技", Mentions: []string{"_user_2"}, AssigneeRole: "presales"}}},
		{"member name without a space", "@李娜请确认北极星的到账", []Item{{Intent: IntentTask, Customer: "北极星软件", Mentions: []string{"李娜"}, AssigneeRole: "finance"}}},
		{"unknown name without a space", "@赵六请跟进一下东航", []Item{{Intent: IntentTask, Customer: "东方航空", Mentions: []string{"赵六"}, AssigneeRole: "sales"}}},
		{"question to a colleague", "@李娜 东航的款到了没有?", []Item{{Intent: IntentTask, Customer: "东方航空", Mentions: []string{"李娜"}, AssigneeRole: "finance"}}},
		{"mention inside a report is not a task", "今天和@王磊一起拜访了华润", []Item{{Intent: IntentFollowUp, Customer: "华润置业", Activity: "visit", Mentions: []string{"王磊"}}}},
		{"email address is not a mention", "给华润发了邮件 liu@huarun.com", []Item{{Intent: IntentFollowUp, Customer: "华润置业", Activity: "email"}}},
	})
}

func TestParseReport(t *testing.T) {
	runItemCases(t, []itemCase{
		{"numbered with dots", "今日汇报\n1. 拜访华润刘总,需求确认\n2. 东航电话,报价60万", []Item{
			{Intent: IntentFollowUp, Customer: "华润置业", Contact: "刘总", Activity: "visit", Stage: "qualify"},
			{Intent: IntentFollowUp, Customer: "东方航空", Activity: "call", Amount: amt(600000), Currency: "CNY", Stage: "proposal"},
		}},
		{"circled numbers and a non-sales line", "日报:\n①光明乳业回款10万\n②整理周报", []Item{
			{Intent: IntentCollection, Customer: "光明乳业", Collection: amt(100000), Currency: "CNY"},
			{Intent: IntentNone},
		}},
		{"numbered lines without a header", "1、拜访了天宇科技\n2、给北极星发了方案", []Item{
			{Intent: IntentFollowUp, Customer: "天宇科技", Activity: "visit"},
			{Intent: IntentFollowUp, Customer: "北极星软件", Stage: "proposal"},
		}},
		{"one line with inline numbers", "今日小结:1.拜访华润 2.东航明天开会", []Item{
			{Intent: IntentFollowUp, Customer: "华润置业", Activity: "visit"},
			{Intent: IntentFollowUp, Customer: "东方航空", Activity: "meeting", NextAt: "2026-05-15"},
		}},
		{"numbering alone is one message", "1.\n2.", []Item{{Intent: IntentNone}}},
		{"amount with decimal point is not numbering", "1.5万的单子华润谈妥了", []Item{
			{Intent: IntentFollowUp, Customer: "华润置业", Amount: amt(15000), Currency: "CNY", Stage: "negotiation"},
		}},
	})
}

func TestParseSlash(t *testing.T) {
	runItemCases(t, []itemCase{
		{"follow-up, all slots", "/跟进 华润 刘总 拜访 报价30万 下周一回访", []Item{{Intent: IntentFollowUp, Customer: "华润置业", Contact: "刘总", Activity: "visit", Amount: amt(300000), Currency: "CNY", Stage: "proposal", NextAt: "2026-05-18"}}},
		{"follow-up, dash skips contact", "/跟进 东方航空 - 电话", []Item{{Intent: IntentFollowUp, Customer: "东方航空", Activity: "call"}}},
		{"follow-up, free text is not a contact", "/跟进 华润 聊了需求 电话", []Item{{Intent: IntentFollowUp, Customer: "华润置业", Activity: "call"}}},
		{"follow-up, unknown customer as written", "/跟进 启明星辰 王总 微信", []Item{{Intent: IntentFollowUp, Customer: "启明星辰", Contact: "王总", Activity: "wechat"}}},
		{"collection", "/回款 光明 12.5万", []Item{{Intent: IntentCollection, Customer: "光明乳业", Collection: amt(125000), Currency: "CNY"}}},
		{"collection without amount", "/回款 光明", []Item{{Intent: IntentCollection, Customer: "光明乳业"}}},
		{"task", "/任务 @李娜 给天宇科技开发票 周五", []Item{{Intent: IntentTask, Customer: "天宇科技", Mentions: []string{"李娜"}, AssigneeRole: "finance", Due: "2026-05-15"}}},
		{"progress", "/进度", []Item{{Intent: IntentProgress}}},
		{"help", "/帮助", []Item{{Intent: IntentHelp}}},
		{"full-width slash", "／帮助", []Item{{Intent: IntentHelp}}},
		{"target is not an item intent", "/目标 本月 100万", []Item{{Intent: IntentNone}}},
		{"unknown command is not guessed", "/拜访 华润", []Item{{Intent: IntentNone}}},
	})
}
