package parse

import "time"

// lunarYear describes one year of the Chinese lunar calendar: its month
// lengths and leap month packed as in the common 1900–2100 tables (bits
// 15…4: months 1…12, 1 = 30 days; bits 3…0: the leap month or 0; bit 16:
// the leap month has 30 days), and the solar date of its new year.
type lunarYear struct {
	code       uint32
	nyM, nyDay uint8
}

const lunarFirst = 1960

// lunarTable covers the lunar years 1960–2060.
var lunarTable = [...]lunarYear{
	{0x0aea6, 1, 28}, {0x0ab50, 2, 15}, {0x04b60, 2, 5}, {0x0aae4, 1, 25},
	{0x0a570, 2, 13}, {0x05260, 2, 2}, {0x0f263, 1, 21}, {0x0d950, 2, 9},
	{0x05b57, 1, 30}, {0x056a0, 2, 17}, {0x096d0, 2, 6}, {0x04dd5, 1, 27},
	{0x04ad0, 2, 15}, {0x0a4d0, 2, 3}, {0x0d4d4, 1, 23}, {0x0d250, 2, 11},
	{0x0d558, 1, 31}, {0x0b540, 2, 18}, {0x0b6a0, 2, 7}, {0x195a6, 1, 28},
	{0x095b0, 2, 16}, {0x049b0, 2, 5}, {0x0a974, 1, 25}, {0x0a4b0, 2, 13},
	{0x0b27a, 2, 2}, {0x06a50, 2, 20}, {0x06d40, 2, 9}, {0x0af46, 1, 29},
	{0x0ab60, 2, 17}, {0x09570, 2, 6}, {0x04af5, 1, 27}, {0x04970, 2, 15},
	{0x064b0, 2, 4}, {0x074a3, 1, 23}, {0x0ea50, 2, 10}, {0x06b58, 1, 31},
	{0x05ac0, 2, 19}, {0x0ab60, 2, 7}, {0x096d5, 1, 28}, {0x092e0, 2, 16},
	{0x0c960, 2, 5}, {0x0d954, 1, 24}, {0x0d4a0, 2, 12}, {0x0da50, 2, 1},
	{0x07552, 1, 22}, {0x056a0, 2, 9}, {0x0abb7, 1, 29}, {0x025d0, 2, 18},
	{0x092d0, 2, 7}, {0x0cab5, 1, 26}, {0x0a950, 2, 14}, {0x0b4a0, 2, 3},
	{0x0baa4, 1, 23}, {0x0ad50, 2, 10}, {0x055d9, 1, 31}, {0x04ba0, 2, 19},
	{0x0a5b0, 2, 8}, {0x15176, 1, 28}, {0x052b0, 2, 16}, {0x0a930, 2, 5},
	{0x07954, 1, 25}, {0x06aa0, 2, 12}, {0x0ad50, 2, 1}, {0x05b52, 1, 22},
	{0x04b60, 2, 10}, {0x0a6e6, 1, 29}, {0x0a4e0, 2, 17}, {0x0d260, 2, 6},
	{0x0ea65, 1, 26}, {0x0d530, 2, 13}, {0x05aa0, 2, 3}, {0x076a3, 1, 23},
	{0x096d0, 2, 11}, {0x04afb, 1, 31}, {0x04ad0, 2, 19}, {0x0a4d0, 2, 8},
	{0x1d0b6, 1, 28}, {0x0d250, 2, 15}, {0x0d520, 2, 4}, {0x0dd45, 1, 24},
	{0x0b5a0, 2, 12}, {0x056d0, 2, 1}, {0x055b2, 1, 22}, {0x049b0, 2, 10},
	{0x0a577, 1, 30}, {0x0a4b0, 2, 17}, {0x0aa50, 2, 6}, {0x1b255, 1, 26},
	{0x06d20, 2, 14}, {0x0ada0, 2, 2}, {0x14b63, 1, 23}, {0x09370, 2, 11},
	{0x049f8, 2, 1}, {0x04970, 2, 19}, {0x064b0, 2, 8}, {0x168a6, 1, 28},
	{0x0ea50, 2, 15}, {0x06aa0, 2, 4}, {0x1a6c4, 1, 24}, {0x0aae0, 2, 12},
	{0x092e0, 2, 2},
}

// lunarToSolar returns the solar date of lunar (not leap) month lm, day ld
// of lunar year ly, in loc.
func lunarToSolar(ly, lm, ld int, loc *time.Location) (time.Time, bool) {
	if ly < lunarFirst || ly >= lunarFirst+len(lunarTable) || lm < 1 || lm > 12 || ld < 1 || ld > 30 {
		return time.Time{}, false
	}
	y := lunarTable[ly-lunarFirst]
	leap := int(y.code & 0xf)
	monthLen := func(m int) int {
		if y.code>>(16-uint(m))&1 == 1 {
			return 30
		}
		return 29
	}
	if ld > monthLen(lm) {
		return time.Time{}, false
	}
	days := 0
	for m := 1; m < lm; m++ {
		days += monthLen(m)
	}
	if leap != 0 && lm > leap {
		if y.code>>16 != 0 {
			days += 30
		} else {
			days += 29
		}
	}
	days += ld - 1
	return time.Date(ly, time.Month(y.nyM), int(y.nyDay)+days, 0, 0, 0, 0, loc), true
}

// lunarYearEnd returns the last day of lunar year ly (除夕).
func lunarYearEnd(ly int, loc *time.Location) (time.Time, bool) {
	t, ok := lunarToSolar(ly+1, 1, 1, loc)
	if !ok {
		return t, false
	}
	return t.AddDate(0, 0, -1), true
}

// qingming returns the date of 清明 in year y (April 4, 5 or 6), by the
// usual formula for the solar term.
func qingming(y int, loc *time.Location) time.Time {
	c := 4.81
	if y < 2000 {
		c = 5.59
	}
	yy := y % 100
	d := int(float64(yy)*0.2422+c) - (yy-1)/4
	if yy == 0 {
		d = int(c)
	}
	return time.Date(y, 4, d, 0, 0, 0, 0, loc)
}

// holidayKind says how a holiday's date is found.
type holidayKind uint8

const (
	solarDay holidayKind = iota
	lunarDay
	lunarEve // 除夕: the last day of the lunar year
	qingmingDay
)

type holiday struct {
	kind holidayKind
	m, d int
}

// holidays are the days Chinese teams name, by every name they are said by.
var holidays = map[string]holiday{
	"元旦": {solarDay, 1, 1}, "元旦节": {solarDay, 1, 1}, "阳历新年": {solarDay, 1, 1}, "new year's day": {solarDay, 1, 1},
	"情人节": {solarDay, 2, 14}, "圣瓦伦丁节": {solarDay, 2, 14}, "valentine's day": {solarDay, 2, 14},
	"妇女节": {solarDay, 3, 8}, "三八妇女节": {solarDay, 3, 8}, "三八节": {solarDay, 3, 8}, "国际妇女节": {solarDay, 3, 8},
	"植树节":    {solarDay, 3, 12},
	"消费者权益日": {solarDay, 3, 15}, "国际消费者权益日": {solarDay, 3, 15}, "三一五": {solarDay, 3, 15},
	"愚人节": {solarDay, 4, 1},
	"劳动节": {solarDay, 5, 1}, "五一": {solarDay, 5, 1}, "五一节": {solarDay, 5, 1}, "五一劳动节": {solarDay, 5, 1},
	"国际劳动节": {solarDay, 5, 1}, "五一国际劳动节": {solarDay, 5, 1}, "labor day": {solarDay, 5, 1},
	"青年节": {solarDay, 5, 4}, "五四青年节": {solarDay, 5, 4},
	"儿童节": {solarDay, 6, 1}, "六一": {solarDay, 6, 1}, "六一儿童节": {solarDay, 6, 1}, "国际儿童节": {solarDay, 6, 1},
	"建党节": {solarDay, 7, 1},
	"建军节": {solarDay, 8, 1}, "八一建军节": {solarDay, 8, 1},
	"教师节": {solarDay, 9, 10},
	"国庆":  {solarDay, 10, 1}, "国庆节": {solarDay, 10, 1}, "十一国庆": {solarDay, 10, 1},
	"万圣节": {solarDay, 10, 31}, "halloween": {solarDay, 10, 31},
	"光棍节": {solarDay, 11, 11}, "双十一": {solarDay, 11, 11}, "双11": {solarDay, 11, 11},
	"双十二": {solarDay, 12, 12}, "双12": {solarDay, 12, 12},
	"平安夜": {solarDay, 12, 24}, "christmas eve": {solarDay, 12, 24},
	"圣诞": {solarDay, 12, 25}, "圣诞节": {solarDay, 12, 25}, "christmas": {solarDay, 12, 25}, "xmas": {solarDay, 12, 25},
	"春节": {lunarDay, 1, 1}, "农历新年": {lunarDay, 1, 1}, "新春": {lunarDay, 1, 1}, "大年初一": {lunarDay, 1, 1},
	"正月正时": {lunarDay, 1, 1}, "正月朔日": {lunarDay, 1, 1}, "春节假期": {lunarDay, 1, 1}, "chinese new year": {lunarDay, 1, 1},
	"元宵": {lunarDay, 1, 15}, "元宵节": {lunarDay, 1, 15}, "上元节": {lunarDay, 1, 15},
	"龙抬头": {lunarDay, 2, 2},
	"端午":  {lunarDay, 5, 5}, "端午节": {lunarDay, 5, 5}, "端阳节": {lunarDay, 5, 5},
	"七夕": {lunarDay, 7, 7}, "七夕节": {lunarDay, 7, 7},
	"中元节": {lunarDay, 7, 15},
	"中秋":  {lunarDay, 8, 15}, "中秋节": {lunarDay, 8, 15},
	"重阳": {lunarDay, 9, 9}, "重阳节": {lunarDay, 9, 9},
	"腊八": {lunarDay, 12, 8}, "腊八节": {lunarDay, 12, 8},
	"小年": {lunarDay, 12, 23},
	"除夕": {lunarEve, 0, 0}, "大年三十": {lunarEve, 0, 0}, "年三十": {lunarEve, 0, 0}, "大年夜": {lunarEve, 0, 0},
	"清明": {qingmingDay, 0, 0}, "清明节": {qingmingDay, 0, 0},
}

// holidayFirst indexes the holiday names by their first rune, longest first.
var holidayFirst = func() map[rune][]string {
	m := map[rune][]string{}
	for name := range holidays {
		r := []rune(name)[0]
		m[r] = append(m[r], name)
	}
	for r, names := range m {
		for a := 1; a < len(names); a++ {
			for b := a; b > 0 && (len(names[b]) > len(names[b-1]) || len(names[b]) == len(names[b-1]) && names[b] < names[b-1]); b-- {
				names[b], names[b-1] = names[b-1], names[b]
			}
		}
		m[r] = names
	}
	return m
}()

// holidayIn returns the date of h in (solar or lunar) year y.
func holidayIn(h holiday, y int, loc *time.Location) (time.Time, bool) {
	switch h.kind {
	case solarDay:
		return time.Date(y, time.Month(h.m), h.d, 0, 0, 0, 0, loc), true
	case lunarDay:
		return lunarToSolar(y, h.m, h.d, loc)
	case lunarEve:
		return lunarYearEnd(y-1, loc) // the eve in solar year y (usually)
	default:
		return qingming(y, loc), true
	}
}

// holidayAt reads a holiday at i, with an optional year before it (今年中秋,
// 2026年春节).
func (sc *scanner) holidayAt(i int) (datePart, bool) {
	rs := sc.rs
	j := i
	y, yEnd, hasYear := yearAt(rs, i, sc.now, true)
	if hasYear {
		j = yEnd
		if j < len(rs) && rs[j] == '的' {
			j++
		}
	}
	if j >= len(rs) {
		return datePart{}, false
	}
	for _, name := range holidayFirst[rs[j]] {
		e, ok := wordAtCN(rs, j, name)
		if !ok || (name[0] < 0x80 && e < len(rs) && isLetter(rs[e])) {
			continue
		}
		if name == "五一" || name == "六一" || name == "三一五" || name == "双11" {
			if e < len(rs) && (isNumeralRune(rs[e]) || isDigit(rs[e])) {
				continue
			}
		}
		h := holidays[name]
		loc := sc.now.Location()
		t0 := sc.t0
		var t time.Time
		if hasYear {
			t, ok = holidayIn(h, y, loc)
		} else {
			ok = false
			for yy := sc.now.Year() - 1; yy <= sc.now.Year()+1; yy++ {
				if c, ok2 := holidayIn(h, yy, loc); ok2 && !c.Before(t0) {
					t, ok = c, true
					break
				}
			}
		}
		if !ok {
			continue
		}
		if e < len(rs) && rs[e] == '节' && name[len(name)-3:] != "节" {
			e++
		}
		return datePart{t: t, grain: GrainDay, end: e}, true
	}
	return datePart{}, false
}
