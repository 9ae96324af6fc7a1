package parse

import (
	"strings"
	"testing"
	"time"

	"github.com/salesbot/salesbot/domain"
)

// parseBenchMessages is a realistic mix: follow-ups, collections, tasks,
// queries, chit-chat, a report, slash commands, English.
var parseBenchMessages = []string{
	"今天下午拜访了华润置业的刘总,谈了物业系统,对方预算大概80万,下周三再约",
	"东航王经理电话沟通,方案还要再改改,下周一前发过去",
	"北极星软件 可能丢单,对方在看竞品",
	"天宇科技合同已签,总金额150万元",
	"光明乳业回款50万到账了",
	"@王磊 请周三前给天宇科技准备POC测试环境",
	"我的进度",
	"好的收到",
	"Met with Acme's Jane Doe, pricing discussion, they want 15% off, budget $200k",
	"Globex wired $12,000 today",
	"新客户:瑞丰电子,采购部孙经理,电话聊了聊,下周四上门",
	"和远景能源的李总约了周四下午两点开会",
	"华润 谈判中 价格从100万降到85万",
	"今日汇报\n1. 拜访华润刘总,需求确认\n2. 东航电话,报价60万\n3. 整理投标文件",
	"/跟进 华润 刘总 拜访 报价30万 下周一回访",
	"/回款 光明 12.5万",
	"谢谢",
	"明早9点给北极星做产品演示",
	"收到东方航空货款30万",
	"团队排名",
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		testParser.Parse(parseBenchMessages[i%len(parseBenchMessages)], testNow)
	}
}

// FuzzParse checks that any text gives well-formed items: known enum
// values, parseable dates, and numbers only where they belong.
func FuzzParse(f *testing.F) {
	for _, s := range parseBenchMessages {
		f.Add(s)
	}
	for _, s := range []string{"", "@", "@@", "/", "/跟进", "/任务 @", "1.", "今日汇报\n", "①", "新客户:", "的张总", "¥", "从到", "\xff\xfe", "拜访了"} {
		f.Add(s)
	}
	intents := map[Intent]bool{IntentFollowUp: true, IntentCollection: true, IntentTask: true, IntentProgress: true, IntentHelp: true, IntentNone: true}
	activities := map[domain.Activity]bool{"": true, domain.ActivityVisit: true, domain.ActivityCall: true, domain.ActivityWeChat: true, domain.ActivityMeeting: true, domain.ActivityDemo: true, domain.ActivityEmail: true, domain.ActivityOther: true}
	stages := map[domain.Stage]bool{"": true}
	for _, s := range domain.Stages {
		stages[s] = true
	}
	roles := map[domain.Role]bool{"": true, domain.RoleSales: true, domain.RolePresales: true, domain.RoleFinance: true}
	okTime := func(s string) bool {
		if s == "" {
			return true
		}
		_, err1 := time.Parse(DateLayout, s)
		_, err2 := time.Parse(DateTimeLayout, s)
		return err1 == nil || err2 == nil
	}
	f.Fuzz(func(t *testing.T, s string) {
		items := testParser.Parse(s, testNow)
		if len(items) == 0 {
			t.Fatalf("Parse(%q) gave no items", s)
		}
		for _, it := range items {
			switch {
			case !intents[it.Intent]:
				t.Errorf("Parse(%q): intent %q", s, it.Intent)
			case !activities[it.Activity]:
				t.Errorf("Parse(%q): activity %q", s, it.Activity)
			case !stages[it.Stage]:
				t.Errorf("Parse(%q): stage %q", s, it.Stage)
			case !roles[it.AssigneeRole]:
				t.Errorf("Parse(%q): assignee_role %q", s, it.AssigneeRole)
			case !okTime(it.NextAt) || !okTime(it.Due):
				t.Errorf("Parse(%q): next_at %q due %q", s, it.NextAt, it.Due)
			case it.Amount != nil && it.Currency == "", it.Collection != nil && it.Currency == "":
				t.Errorf("Parse(%q): amount without currency", s)
			case it.Intent != IntentTask && (it.AssigneeRole != "" || it.Due != ""):
				t.Errorf("Parse(%q): task fields on a %s", s, it.Intent)
			}
			for _, m := range it.Mentions {
				if m == "" || strings.HasPrefix(m, "@") {
					t.Errorf("Parse(%q): mention %q", s, m)
				}
			}
		}
	})
}
