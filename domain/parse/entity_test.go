package parse

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var shanghai = time.FixedZone("CST", 8*3600)

// at returns a reference time in Shanghai.
func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

// tuesdayEvening is the reference time of most cases: Tuesday 10 March
// 2026, 18:00 in Shanghai.
var tuesdayEvening = at("2026-03-10 18:00")

// describe renders entities compactly for readable diffs.
func describe(ents []Entity) string {
	var b strings.Builder
	for i, e := range ents {
		if i > 0 {
			b.WriteString(" ")
		}
		switch e.Dim {
		case DimTime:
			fmt.Fprintf(&b, "time(%s %s %s)", e.Text, e.Time.Format("2006-01-02T15:04"), e.Grain)
		case DimMoney:
			fmt.Fprintf(&b, "money(%s %s %s)", e.Text, fmtNum(e.Value), e.Unit)
		default:
			fmt.Fprintf(&b, "number(%s %s)", e.Text, fmtNum(e.Value))
		}
	}
	return b.String()
}

func fmtNum(v float64) string {
	return fmt.Sprintf("%g", math.Round(v*1e6)/1e6)
}

func TestExtractTimes(t *testing.T) {
	tests := []struct {
		name string
		text string
		now  time.Time
		want string // the first time entity: "2006-01-02T15:04 grain"
	}{
		// Day words.
		{"今天", "今天见", tuesdayEvening, "2026-03-10T00:00 day"},
		{"明天 in traditional characters", "明日見", tuesdayEvening, "2026-03-11T00:00 day"},
		{"大后天", "大后天交付", tuesdayEvening, "2026-03-13T00:00 day"},
		{"前天", "前天拜访的", tuesdayEvening, "2026-03-08T00:00 day"},
		// Weeks run Monday to Sunday.
		{"下周三 on a Tuesday", "下周三再约", tuesdayEvening, "2026-03-18T00:00 day"},
		{"下周三 on a Sunday", "下周三再约", at("2026-03-15 10:00"), "2026-03-18T00:00 day"},
		{"下周一 on a Monday", "下周一", at("2026-03-09 09:00"), "2026-03-16T00:00 day"},
		{"本周五 even when past", "本周五", at("2026-03-14 09:00"), "2026-03-13T00:00 day"},
		{"这周一 is this week's", "这周一", tuesdayEvening, "2026-03-09T00:00 day"},
		{"上礼拜天", "上礼拜天", tuesdayEvening, "2026-03-08T00:00 day"},
		{"bare 周五 ahead", "周五前给方案", tuesdayEvening, "2026-03-13T00:00 day"},
		{"bare 周二 on a Tuesday is next week's", "星期二", tuesdayEvening, "2026-03-17T00:00 day"},
		{"traditional 週日", "週日", tuesdayEvening, "2026-03-15T00:00 day"},
		{"周末", "周末加班", tuesdayEvening, "2026-03-14T00:00 day"},
		{"下周 is its Monday", "下周", tuesdayEvening, "2026-03-16T00:00 week"},
		{"weekday before a date picks the year", "周二, 三月三号", at("2026-03-10 09:00"), "2026-03-03T00:00 day"},
		{"third Monday of a month", "五月第三个星期一", tuesdayEvening, "2026-05-18T00:00 day"},
		{"last Friday of a month", "三月最后一个周五", tuesdayEvening, "2026-03-27T00:00 day"},
		// Month ends and starts.
		{"月底", "月底签约", tuesdayEvening, "2026-03-31T00:00 day"},
		{"下月底", "下月底", tuesdayEvening, "2026-04-30T00:00 day"},
		{"二月底 in a leap year", "2028年2月底", tuesdayEvening, "2028-02-29T00:00 day"},
		{"年底", "年底前", tuesdayEvening, "2026-12-31T00:00 day"},
		{"月初 is the next first", "月初", tuesdayEvening, "2026-04-01T00:00 day"},
		{"下月初", "下月初", tuesdayEvening, "2026-04-01T00:00 day"},
		// Offsets.
		{"N天后", "10天后", tuesdayEvening, "2026-03-20T00:00 day"},
		{"两周后", "两周后答复", tuesdayEvening, "2026-03-24T00:00 day"},
		{"三个月后", "三个月后", tuesdayEvening, "2026-06-10T00:00 day"},
		{"半个月后", "半个月后", tuesdayEvening, "2026-03-25T00:00 day"},
		{"工作日 skip the weekend", "3个工作日后", at("2026-03-13 10:00"), "2026-03-18T00:00 day"},
		{"小时后", "2小时后", tuesdayEvening, "2026-03-10T20:00 minute"},
		{"天前", "3天前", tuesdayEvening, "2026-03-07T00:00 day"},
		// Days of the month.
		{"15号 ahead", "15号签合同", tuesdayEvening, "2026-03-15T00:00 day"},
		{"5号 past is next month's", "5号", tuesdayEvening, "2026-04-05T00:00 day"},
		{"31号 skips short months", "31号", at("2026-04-02 10:00"), "2026-05-31T00:00 day"},
		{"今天 counts for 10号", "10号", tuesdayEvening, "2026-03-10T00:00 day"},
		{"下个月5号", "下个月5号", tuesdayEvening, "2026-04-05T00:00 day"},
		{"上个月 keeps the past", "上个月28号", tuesdayEvening, "2026-02-28T00:00 day"},
		// Month and day.
		{"month-day ahead", "3月20日", tuesdayEvening, "2026-03-20T00:00 day"},
		{"month-day past is next year's", "3月2日", tuesdayEvening, "2027-03-02T00:00 day"},
		{"Chinese month-day with 号", "三月二十号", tuesdayEvening, "2026-03-20T00:00 day"},
		{"slash month-day", "3/20", tuesdayEvening, "2026-03-20T00:00 day"},
		{"zero-padded month-day", "04-01", tuesdayEvening, "2026-04-01T00:00 day"},
		{"dotted month-day", "6·18", tuesdayEvening, "2026-06-18T00:00 day"},
		{"full date", "2026年3月20日", tuesdayEvening, "2026-03-20T00:00 day"},
		{"ISO date", "2025-12-01", tuesdayEvening, "2025-12-01T00:00 day"},
		{"slashed date", "2027/1/5", tuesdayEvening, "2027-01-05T00:00 day"},
		{"eight digits", "20260415", tuesdayEvening, "2026-04-15T00:00 day"},
		{"Chinese digit year", "二零二七年五月一日", tuesdayEvening, "2027-05-01T00:00 day"},
		{"two-digit year", "27年5月1日", tuesdayEvening, "2027-05-01T00:00 day"},
		{"明年", "明年3月", tuesdayEvening, "2027-03-01T00:00 month"},
		{"weekday after a date", "3月20日(周五)", tuesdayEvening, "2026-03-20T00:00 day"},
		{"lunar day in Chinese numerals", "八月十五", tuesdayEvening, "2026-09-25T00:00 day"},
		{"正月初八", "正月初八", tuesdayEvening, "2027-02-13T00:00 day"},
		// Clock times.
		{"三点 at 04:30 means 15:00", "三点", at("2026-03-10 04:30"), "2026-03-10T15:00 hour"},
		{"三点 at 02:00 means 03:00", "三点", at("2026-03-10 02:00"), "2026-03-10T03:00 hour"},
		{"三点 in the evening is tomorrow's", "三点", tuesdayEvening, "2026-03-11T03:00 hour"},
		{"明天下午三点", "明天下午三点开会", tuesdayEvening, "2026-03-11T15:00 hour"},
		{"明天三点 is a working hour", "明天三点", tuesdayEvening, "2026-03-11T15:00 hour"},
		{"明天9点 is the morning", "明天9点", tuesdayEvening, "2026-03-11T09:00 hour"},
		{"今晚8点", "今晚8点电话", tuesdayEvening, "2026-03-10T20:00 hour"},
		{"三点半", "下午三点半", at("2026-03-10 09:00"), "2026-03-10T15:30 minute"},
		{"三点一刻", "上午十点一刻", at("2026-03-10 09:00"), "2026-03-10T10:15 minute"},
		{"十点整 is an hour", "上午十点整", at("2026-03-10 09:00"), "2026-03-10T10:00 hour"},
		{"colon time", "15:30", at("2026-03-10 09:00"), "2026-03-10T15:30 minute"},
		{"three o'clock and five", "下午3点05分", at("2026-03-10 09:00"), "2026-03-10T15:05 minute"},
		{"零五", "下午三点零五", at("2026-03-10 09:00"), "2026-03-10T15:05 minute"},
		{"凌晨", "明天凌晨2点", tuesdayEvening, "2026-03-11T02:00 hour"},
		{"中午12点", "周五中午12点", tuesdayEvening, "2026-03-13T12:00 hour"},
		{"晚上12点 is midnight", "晚上12点", at("2026-03-10 09:00"), "2026-03-11T00:00 hour"},
		{"date then clock", "2026-03-20 14:30", tuesdayEvening, "2026-03-20T14:30 minute"},
		{"一点 needs context", "明天一点", tuesdayEvening, "2026-03-11T13:00 hour"},
		// Holidays.
		{"元旦", "元旦前", tuesdayEvening, "2027-01-01T00:00 day"},
		{"春节", "春节后", tuesdayEvening, "2027-02-06T00:00 day"},
		{"国庆", "国庆节", tuesdayEvening, "2026-10-01T00:00 day"},
		{"五一", "五一前", tuesdayEvening, "2026-05-01T00:00 day"},
		{"劳动节", "勞動節", tuesdayEvening, "2026-05-01T00:00 day"},
		{"中秋", "中秋", tuesdayEvening, "2026-09-25T00:00 day"},
		{"端午", "端午节", tuesdayEvening, "2026-06-19T00:00 day"},
		{"清明", "清明", tuesdayEvening, "2026-04-05T00:00 day"},
		{"除夕", "除夕", tuesdayEvening, "2027-02-05T00:00 day"},
		{"元宵 this year when ahead", "元宵", at("2026-02-20 10:00"), "2026-03-03T00:00 day"},
		{"holiday with a time", "除夕晚上8点", tuesdayEvening, "2027-02-05T20:00 hour"},
		{"holiday with a year", "2025年中秋", tuesdayEvening, "2025-10-06T00:00 day"},
		// English.
		{"tomorrow", "see you tomorrow", tuesdayEvening, "2026-03-11T00:00 day"},
		{"tomorrow 2pm", "call tomorrow 2pm", tuesdayEvening, "2026-03-11T14:00 hour"},
		{"tomorrow at 2:30pm", "tomorrow at 2:30pm", tuesdayEvening, "2026-03-11T14:30 minute"},
		{"tonight 8pm", "tonight 8pm", tuesdayEvening, "2026-03-10T20:00 hour"},
		{"next Monday", "next Monday", tuesdayEvening, "2026-03-16T00:00 day"},
		{"this Friday", "this Friday", tuesdayEvening, "2026-03-13T00:00 day"},
		{"by Friday", "by Friday", tuesdayEvening, "2026-03-13T00:00 day"},
		{"Dec 3", "Dec 3", tuesdayEvening, "2026-12-03T00:00 day"},
		{"December 3rd", "December 3rd", tuesdayEvening, "2026-12-03T00:00 day"},
		{"3 Dec", "on 3 Dec", tuesdayEvening, "2026-12-03T00:00 day"},
		{"Jan 5 is next year's", "Jan 5", tuesdayEvening, "2027-01-05T00:00 day"},
		{"in two weeks", "in two weeks", tuesdayEvening, "2026-03-24T00:00 day"},
		{"in 3 days", "in 3 days", tuesdayEvening, "2026-03-13T00:00 day"},
		{"end of month", "by end of month", tuesdayEvening, "2026-03-31T00:00 day"},
		{"3pm", "3pm", at("2026-03-10 09:00"), "2026-03-10T15:00 hour"},
		{"a time in another zone", "4pm UTC", at("2026-03-10 09:00"), "2026-03-11T00:00 minute"},
		{"noon", "tomorrow noon", tuesdayEvening, "2026-03-11T12:00 hour"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ents := Extract(tt.text, tt.now)
			got := ""
			for _, e := range ents {
				if e.Dim == DimTime {
					got = e.Time.Format("2006-01-02T15:04") + " " + string(e.Grain)
					break
				}
			}
			if got != tt.want {
				t.Errorf("Extract(%q) at %s:\n got time %q\nwant time %q\n all: %s", tt.text, tt.now.Format("Mon 2006-01-02 15:04"), got, tt.want, describe(ents))
			}
		})
	}
}

func TestExtractNumbersAndMoney(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"万 suffix", "报价50万", "number(50万 500000)"},
		{"decimal 万", "1.5万", "number(1.5万 15000)"},
		{"千万", "3千万", "number(3千万 3e+07)"},
		{"k suffix", "3k", "number(3k 3000)"},
		{"w suffix", "1.2w", "number(1.2w 12000)"},
		{"M suffix", "2.5M", "number(2.5M 2.5e+06)"},
		{"English magnitude", "3 million", "number(3 million 3e+06)"},
		{"thousands separators", "1,234,567", "number(1,234,567 1.234567e+06)"},
		{"space separators", "1 234 567", "number(1 234 567 1.234567e+06)"},
		{"full-width digits", "１２３４５", "number(１２３４５ 12345)"},
		{"Chinese numeral", "三万五千", "number(三万五千 35000)"},
		{"colloquial 万", "十二万五", "number(十二万五 125000)"},
		{"colloquial 一万二", "一万二", "number(一万二 12000)"},
		{"colloquial 两百五", "两百五", "number(两百五 250)"},
		{"zero inside", "一万零五", "number(一万零五 10005)"},
		{"大写", "壹万贰仟叁佰", "number(壹万贰仟叁佰 12300)"},
		{"亿", "三亿五千万", "number(三亿五千万 3.5e+08)"},
		{"negative", "-25", "number(-25 -25)"},
		{"fraction", "三分之一", "number(三分之一 0.333333)"},
		{"half", "两个半", "number(两个半 2.5)"},
		{"percent", "15%", "number(15% 0.15)"},
		{"yuan", "300元", "money(300元 300 CNY)"},
		{"块 with 角", "三块五", "money(三块五 3.5 CNY)"},
		{"元 and 角", "5元3角", "money(5元3角 5.3 CNY)"},
		{"元角分", "12元3角4分", "money(12元3角4分 12.34 CNY)"},
		{"块钱", "二十块钱", "money(二十块钱 20 CNY)"},
		{"yuan sign", "¥1,200", "money(¥1,200 1200 CNY)"},
		{"full-width yuan sign", "￥800", "money(￥800 800 CNY)"},
		{"RMB", "RMB 5000", "money(RMB 5000 5000 CNY)"},
		{"万元", "26万元", "money(26万元 260000 CNY)"},
		{"dollar sign with k", "$5k", "money($5k 5000 USD)"},
		{"美金", "2万美金", "money(2万美金 20000 USD)"},
		{"USD after", "300 USD", "money(300 USD 300 USD)"},
		{"港币 before", "港币3000元", "money(港币3000元 3000 HKD)"},
		{"HKD", "HK$800", "money(HK$800 800 HKD)"},
		{"euro", "€50", "money(€50 50 EUR)"},
		{"日元", "5万日元", "money(5万日元 50000 JPY)"},
		{"円", "3000円", "money(3000円 3000 JPY)"},
		{"英镑", "100英镑", "money(100英镑 100 GBP)"},
		{"pieces are not yuan", "3块屏幕", "number(3 3)"},
		{"a phone number is nothing", "13800138000", ""},
		{"a spaced phone number is nothing", "138 0013 8000", ""},
		{"a landline is nothing", "010-12345678", ""},
		{"a model number is nothing", "ERP2.0", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var nm []Entity
			for _, e := range Extract(tt.text, tuesdayEvening) {
				if e.Dim != DimTime {
					nm = append(nm, e)
				}
			}
			if got := describe(nm); got != tt.want {
				t.Errorf("Extract(%q):\n got %s\nwant %s", tt.text, got, tt.want)
			}
		})
	}
}

func TestAmounts(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"万 is an amount", "报价50万", "money(50万 500000 )"},
		{"k is an amount", "预算3k左右", "money(3k 3000 )"},
		{"八千 is an amount", "八千", "money(八千 8000 )"},
		{"a thousand or more", "报价12000", "money(12000 12000 )"},
		{"currency kept", "收到首付款12.5万元", "money(12.5万元 125000 CNY)"},
		{"small money is money", "三块五", "money(三块五 3.5 CNY)"},
		{"small bare numbers are not", "给3个", ""},
		{"5分钟 is not money", "5分钟后回电", ""},
		{"3个人 is not money", "来了3000个人", ""},
		{"2号楼 is not money", "2号楼", ""},
		{"第二期 is not money", "第二期", ""},
		{"3次 is not money", "跟进了3次", ""},
		{"10% is not money", "折扣10%", ""},
		{"百分之十 is not money", "百分之十", ""},
		{"phone number is not money", "电话13912345678", ""},
		{"landline is not money", "座机0755-88886666", ""},
		{"3点 is not money", "明天3点", ""},
		{"3月20日 is not money", "3月20日签约", ""},
		{"a year is not money", "2026年规划", ""},
		{"model number is not money", "ERP2000版本", ""},
		{"X5 is not money", "X5000", ""},
		{"order number is not money", "订单号12345678", ""},
		{"units are not money", "1500台服务器", ""},
		{"two amounts", "从20万调到26万", "money(20万 200000 ) money(26万 260000 )"},
		{"dates and amounts", "下周三签约,合同额120万", "money(120万 1.2e+06 )"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := describe(Amounts(tt.text)); got != tt.want {
				t.Errorf("Amounts(%q):\n got %s\nwant %s", tt.text, got, tt.want)
			}
		})
	}
}

func TestExtractOffsetsAndText(t *testing.T) {
	text := "今天拜访星河科技，报价５０万，下周三再约"
	ents := Extract(text, tuesdayEvening)
	want := "time(今天 2026-03-10T00:00 day) number(５０万 500000) time(下周三 2026-03-18T00:00 day)"
	if got := describe(ents); got != want {
		t.Fatalf("Extract(%q):\n got %s\nwant %s", text, got, want)
	}
	rs := []rune(text)
	for _, e := range ents {
		if string(rs[e.Start:e.End]) != e.Text {
			t.Errorf("entity %q has offsets %d:%d, which hold %q", e.Text, e.Start, e.End, string(rs[e.Start:e.End]))
		}
	}
}

func TestNormalizeText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"full-width digits and letters", "ＡＢＣ１２３", "ABC123"},
		{"full-width punctuation", "，：；（）！？", ",:;()!?"},
		{"ideographic space", "明天\u3000见", "明天 见"},
		{"traditional dates", "下週三點號", "下周三点号"},
		{"traditional numbers", "兩萬億個", "两万亿个"},
		{"traditional sales words", "這張單價錢與會額", "这张单价钱与会额"},
		{"surnames", "劉總陳經理", "刘总陈经理"},
		{"financial three stays", "參", "參"},
		{"simplified unchanged", "今天拜访客户", "今天拜访客户"},
		{"ASCII unchanged", "Call Bob at 3pm", "Call Bob at 3pm"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := NormalizeText(tt.in)
			if got != tt.want {
				t.Errorf("NormalizeText(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if utf8.RuneCountInString(got) != utf8.RuneCountInString(tt.in) {
				t.Errorf("NormalizeText(%q) changed the length in runes", tt.in)
			}
		})
	}
}

func TestLunarTable(t *testing.T) {
	tests := []struct {
		name       string
		ly, lm, ld int
		want       string
	}{
		{"spring festival 2026", 2026, 1, 1, "2026-02-17"},
		{"mid-autumn 2021", 2021, 8, 15, "2021-09-21"},
		{"after a leap month", 2023, 8, 15, "2023-09-29"},
		{"dragon boat 2025", 2025, 5, 5, "2025-05-31"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := lunarToSolar(tt.ly, tt.lm, tt.ld, time.UTC)
			if !ok || got.Format("2006-01-02") != tt.want {
				t.Errorf("lunarToSolar(%d, %d, %d) = %s, %v; want %s", tt.ly, tt.lm, tt.ld, got.Format("2006-01-02"), ok, tt.want)
			}
		})
	}
}
