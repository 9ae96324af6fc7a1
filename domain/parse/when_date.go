package parse

import "time"

// dateAt reads the date of a time expression at i: the longest of a day
// word, a week day, an offset, a year-month-day, a numeric date, a holiday
// or an English date.
func (sc *scanner) dateAt(i int) (datePart, bool) {
	if i >= len(sc.rs) {
		return datePart{}, false
	}
	best := datePart{end: -1}
	try := func(d datePart, ok bool) {
		if ok && d.end > best.end {
			best = d
		}
	}
	r := sc.rs[i]
	if r >= 0x3400 {
		try(sc.relDayAt(i))
		try(sc.weekAt(i))
		try(sc.ymdAt(i, 0))
		try(sc.holidayAt(i))
		try(sc.offsetAt(i))
	} else if isDigit(r) {
		try(sc.numericDateAt(i))
		try(sc.ymdAt(i, 0))
		try(sc.offsetAt(i))
		try(sc.holidayAt(i))
		try(sc.englishDateAtDigit(i))
	} else if isLetter(r) {
		try(sc.englishDateAt(i))
		try(sc.holidayAt(i))
	}
	return best, best.end > i
}

var relDayWords = newWordSet([]string{
	"今天", "今日", "今儿", "本日", "当天", "当日", "明天", "明日", "明儿", "次日", "翌日", "隔天", "后天", "后日", "大后天", "大后日",
	"大大后天", "昨天", "昨日", "昨儿", "前天", "前日", "大前天", "大大前天",
	"今晚", "今早", "今夜", "今晨", "明晚", "明早", "明晨", "明夜", "昨晚", "昨夜", "昨早", "当晚", "前晚", "后晚",
})
var relDayOffsets = []int{
	0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 3, 3,
	4, -1, -1, -1, -2, -2, -3, -4,
	0, 0, 0, 0, 1, 1, 1, 1, -1, -1, -1, 0, -2, 2,
}
var relDayPeriods = []period{
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0,
	periodEvening, periodAM, periodEvening, periodAM, periodEvening, periodAM, periodAM, periodEvening, periodEvening, periodEvening, periodAM, periodEvening, periodEvening, periodEvening,
}

// relDayAt reads 今天, 明天, 后天, 昨晚 … at i.
func (sc *scanner) relDayAt(i int) (datePart, bool) {
	e, idx, ok := matchWords(sc.rs, i, relDayWords)
	if !ok {
		return datePart{}, false
	}
	off := relDayOffsets[idx]
	return datePart{t: sc.t0.AddDate(0, 0, off), grain: GrainDay, period: relDayPeriods[idx], end: e, today: off == 0}, true
}

// weekPrefixes are the words before 周X that choose the week.
var weekPrefixes = newWordSet([]string{"下下个", "下下", "下个", "下", "上上个", "上上", "上个", "上", "这个", "这一", "这", "本", "今个", "今", "次"})
var weekOffsets = []int{2, 2, 1, 1, -2, -2, -1, -1, 0, 0, 0, 0, 0, 0, 1}

// weekAt reads 下周三, 本周五, 上礼拜天, 周末, 下周 and a bare 周三 at i, and
// a bare weekday followed by a date (周日, 二月十号) as that date.
func (sc *scanner) weekAt(i int) (datePart, bool) {
	rs := sc.rs
	j := i
	off, hasPrefix := 0, false
	if e, idx, ok := matchWords(rs, i, weekPrefixes); ok {
		j, off, hasPrefix = e, weekOffsets[idx], true
	}
	t0 := sc.t0
	wd, e, ok := bareWeekday(rs, j)
	if !ok {
		// 周末, 下周, 本周: a week or a weekend.
		k := j
		switch {
		case hasPrefixAt(rs, k, "星期"), hasPrefixAt(rs, k, "礼拜"):
			k += 2
		case k < len(rs) && rs[k] == '周':
			k++
		default:
			return datePart{}, false
		}
		if k < len(rs) && rs[k] == '末' {
			mon := weekStart(t0).AddDate(0, 0, 7*off)
			return datePart{t: mon.AddDate(0, 0, 5), grain: GrainDay, end: k + 1}, true
		}
		if !hasPrefix || j-i == 1 && (rs[i] == '次' || rs[i] == '今') {
			return datePart{}, false
		}
		if k < len(rs) && (rs[k] == '内' || rs[k] == '年' || rs[k] == '岁') {
			return datePart{}, false
		}
		return datePart{t: weekStart(t0).AddDate(0, 0, 7*off), grain: GrainWeek, end: k}, true
	}
	if !hasPrefix {
		// A bare weekday: a date after it says which one (周日, 二月十号).
		k := e
		for k < len(rs) && (rs[k] == ',' || rs[k] == ' ' || rs[k] == '、') && k-e < 3 {
			k++
		}
		if k > e || (k < len(rs) && rs[k] != '周') {
			if d, ok := sc.ymdAt(k, wd); ok && d.grain == GrainDay {
				return d, true
			}
			if d, ok := sc.numericDateAt(k); ok && d.grain == GrainDay {
				return d, true
			}
		}
		return datePart{t: nextWeekday(t0, wd), grain: GrainDay, end: e}, true
	}
	if rs[i] == '次' {
		return datePart{}, false
	}
	mon := weekStart(t0).AddDate(0, 0, 7*off)
	return datePart{t: mon.AddDate(0, 0, wd-1), grain: GrainDay, end: e}, true
}

// offsetUnits are the units of 3天后, 两周后, 三个月后, 2小时后.
var offsetUnits = newWordSet([]string{
	"天", "日", "个工作日", "工作日", "周", "个周", "星期", "个星期", "礼拜", "个礼拜", "个月", "月", "年", "个年头",
	"小时", "个小时", "个钟头", "钟头", "个钟", "分钟", "个半月", "个半小时",
})

type offsetUnit uint8

const (
	unitDay offsetUnit = iota
	unitWorkday
	unitWeek
	unitMonth
	unitYear
	unitHour
	unitMinute
	unitMonthAndHalf
	unitHourAndHalf
)

var offsetUnitKinds = []offsetUnit{
	unitDay, unitDay, unitWorkday, unitWorkday, unitWeek, unitWeek, unitWeek, unitWeek, unitWeek, unitWeek, unitMonth, unitMonth, unitYear, unitYear,
	unitHour, unitHour, unitHour, unitHour, unitHour, unitMinute, unitMonthAndHalf, unitHourAndHalf,
}

var offsetAfter = newWordSet([]string{"以后", "之后", "过后", "后", "以前", "之前", "前", "以内", "之内", "内"})

// offsetAt reads 3天后, 两周后, 半个月后, 三个月以后, 2小时后, 10天前 at i.
func (sc *scanner) offsetAt(i int) (datePart, bool) {
	rs := sc.rs
	j := i
	if hasPrefixAt(rs, j, "再过") {
		j += 2
	} else if j < len(rs) && rs[j] == '过' {
		j++
	}
	var v float64
	if j < len(rs) && rs[j] == '半' {
		v, j = 0.5, j+1
	} else {
		n, ok := readNumeral(rs, j)
		if !ok || n.frac || n.neg || n.val <= 0 || n.val > 10000 || n.pct {
			return datePart{}, false
		}
		v, j = n.val, n.end
	}
	e, idx, ok := matchWords(rs, j, offsetUnits)
	if !ok {
		return datePart{}, false
	}
	unit := offsetUnitKinds[idx]
	if string(offsetUnits.words[idx]) == "月" && v != float64(int(v)) {
		return datePart{}, false
	}
	e2, aidx, ok := matchWords(rs, e, offsetAfter)
	if !ok {
		return datePart{}, false
	}
	sign := 1
	if aidx >= 4 && aidx <= 6 {
		sign = -1
	}
	if string(offsetUnits.words[idx]) == "月" && sign < 0 {
		return datePart{}, false // 3月前 is "before March"
	}
	t0 := sc.t0
	n := int(v)
	half := v != float64(n)
	var t time.Time
	g := GrainDay
	switch unit {
	case unitDay:
		if half {
			return datePart{}, false
		}
		t = t0.AddDate(0, 0, sign*n)
	case unitWorkday:
		t = addWorkdays(t0, sign*n)
	case unitWeek:
		t = t0.AddDate(0, 0, sign*int(v*7))
	case unitMonth, unitMonthAndHalf:
		if unit == unitMonthAndHalf {
			v += 0.5
			n = int(v)
			half = true
		}
		t = t0.AddDate(0, sign*n, 0)
		if half {
			t = t.AddDate(0, 0, sign*15)
		}
	case unitYear:
		t = t0.AddDate(sign*n, 0, 0)
		if half {
			t = t.AddDate(0, sign*6, 0)
		}
	case unitHour, unitHourAndHalf, unitMinute:
		if unit == unitHourAndHalf {
			v += 0.5
		}
		d := time.Duration(v * float64(time.Hour))
		if unit == unitMinute {
			d = time.Duration(v * float64(time.Minute))
		}
		t = sc.now.Add(time.Duration(sign) * d).Truncate(time.Minute)
		t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), 0, 0, sc.now.Location())
		g = GrainMinute
	}
	return datePart{t: t, grain: g, end: e2}, true
}

// addWorkdays adds n working days (Monday to Friday) to t.
func addWorkdays(t time.Time, n int) time.Time {
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	for n > 0 {
		t = t.AddDate(0, 0, step)
		if wd := isoWeekday(t); wd <= 5 {
			n--
		}
	}
	return t
}
