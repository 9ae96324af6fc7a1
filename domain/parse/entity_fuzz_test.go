package parse

import (
	"math"
	"testing"
	"time"
	"unicode/utf8"
)

// fuzzSeeds are messages of the kinds the entity layer meets.
var fuzzSeeds = []string{
	"今天拜访了客户张总,报价50万,下周三再约", "明天下午三点开会", "三块五", "5元3角", "¥1,200.50",
	"十二万五", "壹万贰仟", "3千万亿日元", "13800138000", "010-12345678", "2026-03-20 14:30",
	"周日, 二月十号", "正月初八", "除夕晚上6点半", "tomorrow 2pm", "Dec 3rd, 2026", "in two weeks",
	"1.5万", "-.5G", "二分之一", "一又十分之一", "百分之", "3/", "2026年", "第", "周", "下下个月", "",
}

// checkEntities verifies what must hold for any input.
func checkEntities(t *testing.T, text string, ents []Entity) {
	t.Helper()
	rs := []rune(text)
	last := 0
	for _, e := range ents {
		if e.Start < last || e.End <= e.Start || e.End > len(rs) {
			t.Fatalf("%q: entity %+v has bad offsets (len %d, previous end %d)", text, e, len(rs), last)
		}
		if string(rs[e.Start:e.End]) != e.Text {
			t.Fatalf("%q: entity text %q is not runes %d:%d %q", text, e.Text, e.Start, e.End, string(rs[e.Start:e.End]))
		}
		if math.IsNaN(e.Value) || math.IsInf(e.Value, 0) {
			t.Fatalf("%q: entity %+v has no finite value", text, e)
		}
		last = e.End
	}
}

func FuzzExtract(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	now := time.Date(2026, 3, 10, 18, 0, 0, 0, time.FixedZone("CST", 8*3600))
	f.Fuzz(func(t *testing.T, text string) {
		if !utf8.ValidString(text) {
			return
		}
		checkEntities(t, text, Extract(text, now))
		if n := NormalizeText(text); utf8.RuneCountInString(n) != utf8.RuneCountInString(text) {
			t.Fatalf("NormalizeText(%q) changed the length in runes", text)
		}
	})
}

func FuzzAmounts(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if !utf8.ValidString(text) {
			return
		}
		ents := Amounts(text)
		checkEntities(t, text, ents)
		for _, e := range ents {
			if e.Dim != DimMoney {
				t.Fatalf("%q: Amounts returned a %s", text, e.Dim)
			}
		}
	})
}

// benchMessages is a realistic mix of sales chat.
var benchMessages = []string{
	"今天拜访了星河科技的张总,聊了ERP升级需求,报价50万,下周三再约一次",
	"和远航物流李经理电话沟通,合同条款基本谈妥,预计月底签约,合同额120万",
	"@王工 麻烦周五前给蓝海医疗出一版技术方案",
	"华辰 王总 电话 需求确认 下周二拜访",
	"收到云帆教育回款30万,已到账",
	"明天下午三点和博远软件刘总视频会议,演示新版本",
	"客户说预算大概1.2w，希望打个8折，3月20日前给答复",
	"本月业绩怎么样",
	"Met Mr. Smith from Acme today, quote $25k, follow up next Monday 10am",
	"今日汇报：1. 拜访鼎盛家居孙经理，报价12.5万元；2. 电话回访青禾食品，两周后再联系",
	"/跟进 博远软件 刘总 拜访 报价20万 下周一回访",
	"好的，收到",
}

func BenchmarkExtract(b *testing.B) {
	now := time.Date(2026, 3, 10, 18, 0, 0, 0, time.FixedZone("CST", 8*3600))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		Extract(benchMessages[i%len(benchMessages)], now)
	}
}

func BenchmarkAmounts(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		Amounts(benchMessages[i%len(benchMessages)])
	}
}
