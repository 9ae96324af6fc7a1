package parse

import "time"

var relYearWords = newWordSet([]string{"今年", "本年", "这一年", "明年", "来年", "次年", "下年", "后年", "大后年", "去年", "上年", "前年", "大前年"})
var relYearOffsets = []int{0, 0, 0, 1, 1, 1, 1, 2, 3, -1, -1, -2, -3}

// yearAt reads a year at i: 2026年, 今年, 明年, 去年, 二零二六年, and the
// two-digit 15年 or 九零年 when a month follows.
func yearAt(rs []rune, i int, now time.Time, _ bool) (int, int, bool) {
	if e, idx, ok := matchWords(rs, i, relYearWords); ok {
		return now.Year() + relYearOffsets[idx], e, true
	}
	j := i
	v, digits := 0, 0
	for j < len(rs) && digits < 5 {
		if isDigit(rs[j]) {
			v = v*10 + int(rs[j]-'0')
		} else if d, ok := cnDigit(rs[j]); ok && !cnFinancial(rs[j]) && rs[j] != '两' {
			v = v*10 + d
		} else {
			break
		}
		digits++
		j++
	}
	if j >= len(rs) || rs[j] != '年' {
		return 0, i, false
	}
	switch digits {
	case 4:
		if v < 1900 || v > 2100 {
			return 0, i, false
		}
		return v, j + 1, true
	case 2:
		if _, ok := monthAt(rs, j+1); !ok {
			return 0, i, false // 15年 is as often fifteen years
		}
		return nearestCentury(v, now.Year()), j + 1, true
	}
	return 0, i, false
}

// nearestCentury returns the year ending in yy nearest to ref.
func nearestCentury(yy, ref int) int {
	best := 0
	for c := ref/100*100 - 100; c <= ref/100*100+100; c += 100 {
		y := c + yy
		if best == 0 || abs(y-ref) < abs(best-ref) {
			best = y
		}
	}
	return best
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// monthRef is a month as written.
type monthRef struct {
	m     int  // 1–12 when absolute
	rel   int  // months from now's when relative
	isRel bool // 下个月, 本月
	lunar bool // 正月, 腊月, 冬月
	cn    bool // written in Chinese numerals (三月, 十二月)
	end   int
}

var relMonthWords = newWordSet([]string{"下下个月", "下个月", "下月", "上个月", "上月", "本月", "这个月", "这月", "当月", "今个月", "次月", "上上个月"})
var relMonthOffsets = []int{2, 1, 1, -1, -1, 0, 0, 0, 0, 0, 1, -2}

// monthAt reads a month at i: 3月, 三月份, 十二月, 正月, 腊月, 下个月, 本月.
func monthAt(rs []rune, i int) (monthRef, bool) {
	if e, idx, ok := matchWords(rs, i, relMonthWords); ok {
		if e < len(rs) && rs[e] == '份' {
			e++
		}
		return monthRef{rel: relMonthOffsets[idx], isRel: true, end: e}, true
	}
	if hasPrefixAt(rs, i, "大年") && hasPrefixAt(rs, i+2, "初") {
		return monthRef{m: 1, lunar: true, cn: true, end: i + 2}, true // 大年初三
	}
	if i+1 < len(rs) && rs[i+1] == '月' {
		switch rs[i] {
		case '正':
			return monthRef{m: 1, lunar: true, cn: true, end: i + 2}, true
		case '腊':
			return monthRef{m: 12, lunar: true, cn: true, end: i + 2}, true
		case '冬':
			return monthRef{m: 11, lunar: true, cn: true, end: i + 2}, true
		}
	}
	v, e, cn, ok := readSmallInt(rs, i)
	if !ok || v < 1 || v > 12 || e >= len(rs) || rs[e] != '月' || (!cn && e-i > 2) {
		return monthRef{}, false
	}
	e++
	if e < len(rs) && rs[e] == '份' {
		e++
	}
	return monthRef{m: v, cn: cn, end: e}, true
}

// dayWordAfterNumber reports whether the 号 or 日 ending at e is a day of the
// month, not 2号楼, 3号线, 5日元.
func dayWordOK(rs []rune, e int) bool {
	if e >= len(rs) {
		return true
	}
	switch rs[e] {
	case '楼', '线', '门', '厅', '馆', '机', '位', '房', '床', '店', '仓', '库', '院', '窗', '口', '桌', '车', '地', '球', '元', '币', '码', '选', '字', '人', '件', '台', '坑', '柜':
		return false
	}
	return true
}

// ymdAt reads a date written with 年/月/日 at i: 2026年3月20日, 三月二十号,
// 下个月5号, 15号, 月底, 年底, 十月第一个星期一, 2025年第一天, 八月十五 (lunar).
// wd, when not 0, is a weekday written before the date.
func (sc *scanner) ymdAt(i int, wd int) (datePart, bool) {
	rs := sc.rs
	now := sc.now
	loc := now.Location()
	t0 := sc.t0
	j := i
	lunar := false
	if hasPrefixAt(rs, j, "农历") || hasPrefixAt(rs, j, "阴历") {
		lunar, j = true, j+2
	}
	y, ye, hasY := yearAt(rs, j, now, false)
	if hasY {
		j = ye
		if hasPrefixAt(rs, j, "农历") || hasPrefixAt(rs, j, "阴历") {
			lunar, j = true, j+2
		}
	}
	mr, hasM := monthAt(rs, j)
	if !hasM {
		if lunar && !hasY {
			return datePart{}, false
		}
		return sc.yearOrDayAt(i, j, y, hasY)
	}
	j = mr.end
	lunar = lunar || mr.lunar
	// The day.
	k := j
	d, dayEnd, dayKind := 0, j, dayNone
	if k < len(rs) && rs[k] == '的' && hasPrefixAt(rs, k+1, "第") {
		k++
	}
	switch {
	case k < len(rs) && (rs[k] == '第' || hasPrefixAt(rs, k, "最后一个") || hasPrefixAt(rs, k, "最后1个")):
		if n, w, e, ok := nthWeekday(rs, k); ok {
			d, dayEnd, dayKind = n*10+w, e, dayNth
		}
	case k < len(rs) && rs[k] == '初':
		if v, e, _, ok := readSmallInt(rs, k+1); ok && v >= 1 && v <= 10 && !(e < len(rs) && (rs[e] == '号' || rs[e] == '日')) {
			d, dayEnd, dayKind, lunar = v, e, dayNum, true
		} else {
			d, dayEnd, dayKind = 1, k+1, dayNum
		}
	case k < len(rs) && (rs[k] == '底' || rs[k] == '末'):
		dayEnd, dayKind = k+1, dayLast
	case k < len(rs) && rs[k] == '中' && !(k+1 < len(rs) && (rs[k+1] == '国' || rs[k+1] == '心')):
		d, dayEnd, dayKind = 15, k+1, dayNum
		if dayEnd < len(rs) && rs[dayEnd] == '旬' {
			dayEnd++
		}
	default:
		v, e, cn, ok := readSmallInt(rs, k)
		if !ok || v < 1 || v > 31 || (!cn && e-k > 2) {
			break
		}
		if e < len(rs) && (rs[e] == '日' || rs[e] == '号') && dayWordOK(rs, e+1) {
			d, dayEnd, dayKind = v, e+1, dayNum
		} else if e < len(rs) && (isNumeralRune(rs[e]) || isDigit(rs[e]) || rs[e] == '点' && cn || rs[e] == '.' || rs[e] == '个' || rs[e] == '天' || rs[e] == '%') {
			break
		} else if cn {
			// Wholly Chinese numerals without 号/日 are said of lunar days.
			d, dayEnd, dayKind = v, e, dayNum
			if mr.cn || !mr.isRel {
				lunar = true
			}
		} else {
			d, dayEnd, dayKind = v, e, dayNum
		}
	}
	if dayKind == dayNone {
		// A month alone.
		var t time.Time
		switch {
		case hasY:
			t = time.Date(y, time.Month(mr.m), 1, 0, 0, 0, 0, loc)
		case mr.isRel:
			t = time.Date(now.Year(), now.Month()+time.Month(mr.rel), 1, 0, 0, 0, 0, loc)
		default:
			t = time.Date(now.Year(), time.Month(mr.m), 1, 0, 0, 0, 0, loc)
			if mr.m < int(now.Month()) {
				t = t.AddDate(1, 0, 0)
			}
		}
		if lunar && !mr.isRel {
			if lt, ok := sc.lunarDate(y, hasY, mr.m, 1); ok {
				t = lt
			}
		}
		return datePart{t: t, grain: GrainMonth, end: j}, true
	}
	if wd == 0 {
		if w, _, ok := bareWeekday(rs, skipParen(rs, dayEnd)); ok {
			wd = w
		}
	}
	var t time.Time
	switch {
	case lunar && !mr.isRel:
		if dayKind != dayNum {
			return datePart{}, false
		}
		lt, ok := sc.lunarDate(y, hasY, mr.m, d)
		if !ok {
			return datePart{}, false
		}
		t = lt
	case mr.isRel || hasY:
		base := time.Date(now.Year(), now.Month()+time.Month(mr.rel), 1, 0, 0, 0, 0, loc)
		if hasY {
			if mr.isRel {
				return datePart{}, false
			}
			base = time.Date(y, time.Month(mr.m), 1, 0, 0, 0, 0, loc)
		}
		var ok bool
		t, ok = dayInMonth(base, dayKind, d)
		if !ok {
			return datePart{}, false
		}
	default:
		// A month and day without a year: the next one not yet past, or
		// the nearest year in which it falls on the weekday written.
		found := false
		if wd != 0 {
			for dy := 0; dy <= 6 && !found; dy++ {
				for _, s := range [...]int{dy, -dy} {
					base := time.Date(now.Year()+s, time.Month(mr.m), 1, 0, 0, 0, 0, loc)
					if c, ok := dayInMonth(base, dayKind, d); ok && isoWeekday(c) == wd {
						t, found = c, true
						break
					}
				}
			}
		}
		for dy := 0; dy <= 8 && !found; dy++ { // 2月29日 may be years away
			base := time.Date(now.Year()+dy, time.Month(mr.m), 1, 0, 0, 0, 0, loc)
			if c, ok := dayInMonth(base, dayKind, d); ok && !c.Before(t0) {
				t, found = c, true
			}
		}
		if !found {
			return datePart{}, false
		}
	}
	return datePart{t: t, grain: GrainDay, end: dayEnd}, true
}

type dayKind uint8

const (
	dayNone dayKind = iota
	dayNum
	dayLast
	dayNth // d = n*10 + weekday; n = 9 for the last one
)

// dayInMonth returns the day of kind k in the month starting at base.
func dayInMonth(base time.Time, k dayKind, d int) (time.Time, bool) {
	switch k {
	case dayLast:
		return base.AddDate(0, 1, -1), true
	case dayNth:
		n, wd := d/10, d%10
		if n == 9 {
			last := base.AddDate(0, 1, -1)
			return last.AddDate(0, 0, -((isoWeekday(last) - wd + 7) % 7)), true
		}
		first := base.AddDate(0, 0, (wd-isoWeekday(base)+7)%7)
		t := first.AddDate(0, 0, 7*(n-1))
		return t, t.Month() == base.Month()
	}
	if d < 1 || d > daysIn(base.Year(), base.Month()) {
		return time.Time{}, false
	}
	return base.AddDate(0, 0, d-1), true
}

// nthWeekday reads 第一个星期一, 第2个周二, 最后一个周五 at i.
func nthWeekday(rs []rune, i int) (n, wd, end int, ok bool) {
	k := i
	if hasPrefixAt(rs, k, "最后一个") || hasPrefixAt(rs, k, "最后1个") {
		n, k = 9, k+4
	} else {
		v, e, _, ok := readSmallInt(rs, k+1)
		if !ok || v < 1 || v > 5 || e >= len(rs) || rs[e] != '个' {
			return 0, 0, i, false
		}
		n, k = v, e+1
	}
	w, e, ok := bareWeekday(rs, k)
	if !ok {
		return 0, 0, i, false
	}
	return n, w, e, true
}

func skipParen(rs []rune, j int) int {
	if j < len(rs) && (rs[j] == '(' || rs[j] == ' ') {
		return j + 1
	}
	return j
}

// lunarDate resolves a lunar month and day: in lunar year y when given, or
// the next one not yet past.
func (sc *scanner) lunarDate(y int, hasY bool, m, d int) (time.Time, bool) {
	loc := sc.now.Location()
	if hasY {
		return lunarToSolar(y, m, d, loc)
	}
	t0 := sc.t0
	for ly := sc.now.Year() - 1; ly <= sc.now.Year()+1; ly++ {
		if t, ok := lunarToSolar(ly, m, d, loc); ok && !t.Before(t0) {
			return t, true
		}
	}
	return time.Time{}, false
}

// yearOrDayAt reads what has no month: 年底, 2026年第一天, 2026年, 月底,
// 月初, 15号. i is where the expression starts and j where the year (if
// any) ends.
func (sc *scanner) yearOrDayAt(i, j, y int, hasY bool) (datePart, bool) {
	rs := sc.rs
	now := sc.now
	loc := now.Location()
	t0 := sc.t0
	if hasY {
		if j+1 < len(rs) && rs[j] == '年' && (rs[j+1] == '底' || rs[j+1] == '末' || rs[j+1] == '初') {
			j++ // 今年年底
		}
		switch {
		case j < len(rs) && (rs[j] == '底' || rs[j] == '末'):
			return datePart{t: time.Date(y, 12, 31, 0, 0, 0, 0, loc), grain: GrainDay, end: j + 1}, true
		case j < len(rs) && rs[j] == '初':
			return datePart{t: time.Date(y, 1, 1, 0, 0, 0, 0, loc), grain: GrainDay, end: j + 1}, true
		case j < len(rs) && rs[j] == '第':
			if v, e, _, ok := readSmallInt(rs, j+1); ok && e < len(rs) && rs[e] == '天' && v >= 1 && v <= 366 {
				return datePart{t: time.Date(y, 1, v, 0, 0, 0, 0, loc), grain: GrainDay, end: e + 1}, true
			}
		}
		return datePart{t: time.Date(y, 1, 1, 0, 0, 0, 0, loc), grain: GrainYear, end: j}, true
	}
	switch {
	case hasPrefixAt(rs, i, "月底"), hasPrefixAt(rs, i, "月末"):
		return datePart{t: time.Date(now.Year(), now.Month()+1, 0, 0, 0, 0, 0, loc), grain: GrainDay, end: i + 2}, true
	case hasPrefixAt(rs, i, "月初"), hasPrefixAt(rs, i, "月中"):
		d := 1
		if rs[i+1] == '中' {
			d = 15
		}
		t := time.Date(now.Year(), now.Month(), d, 0, 0, 0, 0, loc)
		if t.Before(t0) {
			t = t.AddDate(0, 1, 0)
		}
		return datePart{t: t, grain: GrainDay, end: i + 2}, true
	case hasPrefixAt(rs, i, "年底"), hasPrefixAt(rs, i, "年末"):
		return datePart{t: time.Date(now.Year(), 12, 31, 0, 0, 0, 0, loc), grain: GrainDay, end: i + 2}, true
	}
	// 15号, 30日: the next such day not yet past.
	v, e, cn, ok := readSmallInt(rs, i)
	if !ok || v < 1 || v > 31 || (!cn && e-i > 2) || e >= len(rs) || (rs[e] != '号' && rs[e] != '日') || !dayWordOK(rs, e+1) {
		return datePart{}, false
	}
	if i > 0 && (rs[i-1] == '第' || rs[i-1] == '每') {
		return datePart{}, false
	}
	for k := 0; k < 12; k++ {
		base := time.Date(now.Year(), now.Month()+time.Month(k), 1, 0, 0, 0, 0, loc)
		if v <= daysIn(base.Year(), base.Month()) {
			t := base.AddDate(0, 0, v-1)
			if !t.Before(t0) {
				return datePart{t: t, grain: GrainDay, end: e + 1}, true
			}
		}
	}
	return datePart{}, false
}

// numericDateAt reads dates in digits at i: 2026-03-20, 2026/3/20,
// 1994.01-19, 2022 11 23, 20240307, 3/20, 3/20/2026, 09-01, 6·30.
func (sc *scanner) numericDateAt(i int) (datePart, bool) {
	rs := sc.rs
	now := sc.now
	loc := now.Location()
	a, ae := digitRun(rs, i)
	la := ae - i
	day := func(t time.Time, e int) (datePart, bool) {
		if e < len(rs) && (rs[e] == '日' || rs[e] == '号') {
			e++
		}
		return datePart{t: t, grain: GrainDay, end: e}, true
	}
	switch {
	case la == 4 && ae < len(rs) && (rs[ae] == '-' || rs[ae] == '/' || rs[ae] == '.' || rs[ae] == ' '):
		sep1 := rs[ae]
		m, me := digitRun(rs, ae+1)
		if me-ae-1 < 1 || me-ae-1 > 2 || me >= len(rs) {
			return datePart{}, false
		}
		sep2 := rs[me]
		if !(sep2 == '-' || sep2 == '/' || sep2 == '.' || sep2 == ' ') || (sep1 == ' ') != (sep2 == ' ') {
			return datePart{}, false
		}
		d, de := digitRun(rs, me+1)
		if de-me-1 < 1 || de-me-1 > 2 || !validYMD(a, m, d) || a < 1900 || a > 2100 {
			return datePart{}, false
		}
		if de < len(rs) && (rs[de] == '.' || rs[de] == '-' || rs[de] == '/') && de+1 < len(rs) && isDigit(rs[de+1]) {
			return datePart{}, false
		}
		return day(time.Date(a, time.Month(m), d, 0, 0, 0, 0, loc), de)
	case la == 8:
		y, m, d := a/10000, a/100%100, a%100
		if y < 1900 || y > 2100 || !validYMD(y, m, d) {
			return datePart{}, false
		}
		return day(time.Date(y, time.Month(m), d, 0, 0, 0, 0, loc), ae)
	case (la == 1 || la == 2) && ae+1 < len(rs) && isDigit(rs[ae+1]):
		sep := rs[ae]
		b, be := digitRun(rs, ae+1)
		lb := be - ae - 1
		if lb > 2 {
			return datePart{}, false
		}
		switch sep {
		case '/':
			if be+1 < len(rs) && rs[be] == '/' && isDigit(rs[be+1]) {
				y, ye := digitRun(rs, be+1)
				switch ye - be - 1 {
				case 2:
					y = nearestCentury(y, now.Year())
				case 4:
				default:
					return datePart{}, false
				}
				if !validYMD(y, a, b) {
					return datePart{}, false
				}
				return day(time.Date(y, time.Month(a), b, 0, 0, 0, 0, loc), ye)
			}
		case '-':
			if la != 2 || lb != 2 || be < len(rs) && rs[be] == '-' {
				return datePart{}, false
			}
		case '·':
		default:
			return datePart{}, false
		}
		if be < len(rs) && (rs[be] == '/' || rs[be] == '.' || isLetter(rs[be]) || rs[be] == '%') {
			return datePart{}, false
		}
		if !validYMD(2000, a, b) {
			return datePart{}, false
		}
		t0 := sc.t0
		for dy := 0; dy <= 8; dy++ {
			if validYMD(now.Year()+dy, a, b) {
				t := time.Date(now.Year()+dy, time.Month(a), b, 0, 0, 0, 0, loc)
				if !t.Before(t0) {
					return day(t, be)
				}
			}
		}
	}
	return datePart{}, false
}

// digitRun reads up to nine Arabic digits at i.
func digitRun(rs []rune, i int) (int, int) {
	v, j := 0, i
	for j < len(rs) && isDigit(rs[j]) && j-i < 9 {
		v = v*10 + int(rs[j]-'0')
		j++
	}
	if j < len(rs) && isDigit(rs[j]) {
		return 0, i
	}
	return v, j
}
