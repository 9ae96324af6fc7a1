package parse

import "time"

// period is a part of the day said with a clock time.
type period int

const (
	periodNone    period = iota
	periodAM             // 上午 早上 早晨 清晨 am morning
	periodNoon           // 中午
	periodPM             // 下午 午后 傍晚 晚上 pm afternoon evening
	periodNight          // 夜里 深夜 半夜: late at night
	periodDawn           // 凌晨
	periodEvening        // 晚上 今晚: evening, 12 is midnight
)

// datePart is the date of a time expression.
type datePart struct {
	t      time.Time // midnight in now's location
	grain  Grain
	period period // 今晚, 明早: a day word that names a part of the day
	end    int
	// today reports a date that is today by construction (今天, 今晚),
	// under which a bare clock time keeps its next-occurrence reading.
	today bool
}

// clockPart is the clock time of a time expression.
type clockPart struct {
	hour, min int
	grain     Grain
	ampm      period // am/pm written after the clock
	end       int
	zone      *time.Location
	weak      bool // 一点, 两点 alone: as often "a little" or "two points"
}

// timeAt reads a time expression at i: a date, a part of the day, a clock
// time, or any of them in that order.
func (sc *scanner) timeAt(i int) (match, bool) {
	rs := sc.rs
	j := i
	var zone *time.Location
	if e, ok := wordAtCN(rs, j, "北京时间"); ok {
		zone, j = beijing, e
	}
	d, hasDate := sc.dateAt(j)
	if hasDate {
		j = d.end
		j = skipWeekdayNote(rs, j)
	}
	p := d.period
	k := j
	if hasDate && k < len(rs) && (rs[k] == '的' || rs[k] == ' ' || rs[k] == ',') {
		k++
	}
	if pp, e, ok := periodAt(rs, k); ok {
		p, j = pp, e
		k = j
	} else if hasDate && k < len(rs) && rs[k] == ' ' {
		// handled below: "2018-11-29 18:59", "tomorrow 2pm"
	}
	ck := k
	if ck < len(rs) && rs[ck] == ' ' && (hasDate || p != periodNone) {
		ck++
	}
	if e, ok := wordAt(rs, ck, "at"); ok && e < len(rs) && rs[e] == ' ' {
		ck = e + 1
	}
	c, hasClock := clockAt(rs, ck, hasDate || p != periodNone)
	if hasClock {
		j = c.end
		if c.zone != nil {
			zone = c.zone
		}
		if c.ampm != periodNone {
			p = c.ampm
		}
		// "2pm tomorrow", "3点 明天" are rare; English puts the day after.
		if !hasDate && j+1 < len(rs) && rs[j] == ' ' {
			if d2, ok := sc.dateAt(j + 1); ok && d2.grain == GrainDay && englishStart(rs, j+1) {
				d, hasDate, j = d2, true, d2.end
			}
		}
	}
	if !hasDate && !hasClock {
		return match{}, false
	}
	if hasClock && c.weak && !hasDate && p == periodNone {
		return match{}, false
	}
	now := sc.now
	loc := now.Location()
	if !hasClock {
		return match{end: j, ent: Entity{Dim: DimTime, Time: d.t, Grain: d.grain}}, true
	}
	h := c.hour
	switch p {
	case periodAM, periodDawn:
		if h == 12 {
			h = 0
		}
	case periodNoon:
		if h >= 1 && h <= 5 {
			h += 12
		}
	case periodPM, periodEvening:
		if h < 12 {
			h += 12
		} else if h == 12 && p == periodEvening {
			h = 24
		}
	case periodNight:
		if h >= 6 && h < 12 {
			h += 12
		} else if h == 12 {
			h = 24
		}
	}
	var t time.Time
	if zone != nil {
		base := now.In(zone)
		day := time.Date(base.Year(), base.Month(), base.Day(), 0, 0, 0, 0, zone)
		if hasDate {
			day = time.Date(d.t.Year(), d.t.Month(), d.t.Day(), 0, 0, 0, 0, zone)
		}
		t = day.Add(time.Duration(h)*time.Hour + time.Duration(c.min)*time.Minute).In(loc)
		t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), 0, 0, loc)
		return match{end: j, ent: Entity{Dim: DimTime, Time: t, Grain: GrainMinute}}, true
	}
	switch {
	case p != periodNone || h > 12 || h == 0:
		day := sc.t0
		if hasDate {
			day = d.t
		}
		t = time.Date(day.Year(), day.Month(), day.Day(), h, c.min, 0, 0, loc)
		if !hasDate && t.Before(now.Truncate(time.Minute)) && p != periodNone {
			t = t.AddDate(0, 0, 1) // 早上7点 said at 9:00: tomorrow's
		}
	case !hasDate || d.today:
		// The next occurrence on the 12-hour clock.
		day := sc.t0
		cur := now.Truncate(time.Minute)
		t = time.Date(day.Year(), day.Month(), day.Day(), h%12, c.min, 0, 0, loc)
		for k := 0; k < 3 && t.Before(cur); k++ {
			t = t.Add(12 * time.Hour)
		}
		t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), 0, 0, loc)
	default:
		if h >= 1 && h <= 6 {
			h += 12
		}
		t = time.Date(d.t.Year(), d.t.Month(), d.t.Day(), h, c.min, 0, 0, loc)
	}
	return match{end: j, ent: Entity{Dim: DimTime, Time: t, Grain: c.grain}}, true
}

var beijing = time.FixedZone("CST", 8*3600)

func today(now time.Time) time.Time {
	return time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
}

func englishStart(rs []rune, i int) bool { return i < len(rs) && isLetter(rs[i]) }

// wordAtCN matches s at i.
func wordAtCN(rs []rune, i int, s string) (int, bool) {
	if !hasPrefixAt(rs, i, s) {
		return i, false
	}
	return i + len([]rune(s)), true
}

// wordSet is a list of words prepared for matching at a rune offset.
type wordSet struct {
	words [][]rune
	ascii []bool
}

func newWordSet(words []string) wordSet {
	ws := wordSet{words: make([][]rune, len(words)), ascii: make([]bool, len(words))}
	for n, w := range words {
		ws.words[n] = []rune(w)
		ws.ascii[n] = w[0] < 0x80
	}
	return ws
}

// matchWords returns the end of the longest word of set at i, and its index.
func matchWords(rs []rune, i int, set wordSet) (int, int, bool) {
	if i >= len(rs) {
		return i, -1, false
	}
	best, idx := -1, -1
	r0 := rs[i]
next:
	for n, w := range set.words {
		if w[0] != r0 || i+len(w) > len(rs) {
			continue
		}
		for k := 1; k < len(w); k++ {
			if rs[i+k] != w[k] {
				continue next
			}
		}
		e := i + len(w)
		if set.ascii[n] && e < len(rs) && isLetter(rs[e]) {
			continue
		}
		if e > best {
			best, idx = e, n
		}
	}
	return best, idx, idx >= 0
}

var periodWords = newWordSet([]string{
	"凌晨", "早上", "早晨", "清晨", "上午", "早间", "中午", "午间", "下午", "午后", "傍晚", "黄昏", "晚上", "晚间",
	"夜晚", "夜间", "夜里", "半夜", "深夜", "午夜",
	"morning", "in the morning", "afternoon", "in the afternoon", "evening", "in the evening", "tonight", "night", "at night",
})
var periodKinds = []period{
	periodDawn, periodAM, periodAM, periodAM, periodAM, periodAM, periodNoon, periodNoon, periodPM, periodPM, periodPM, periodPM, periodEvening, periodEvening,
	periodEvening, periodNight, periodNight, periodNight, periodNight, periodNight,
	periodAM, periodAM, periodPM, periodPM, periodEvening, periodEvening, periodEvening, periodEvening, periodEvening,
}

// periodAt reads a part of the day at i.
func periodAt(rs []rune, i int) (period, int, bool) {
	e, idx, ok := matchWords(rs, i, periodWords)
	if !ok {
		return periodNone, i, false
	}
	return periodKinds[idx], e, true
}

// skipWeekdayNote skips a weekday written after a date, as in 3月20日(周五)
// or 3月20日 星期五; dateAt has already read it as a constraint.
func skipWeekdayNote(rs []rune, j int) int {
	k := j
	open := false
	if k < len(rs) && (rs[k] == '(' || rs[k] == '（') {
		open = true
		k++
	} else if k < len(rs) && rs[k] == ' ' {
		k++
	}
	if _, e, ok := bareWeekday(rs, k); ok {
		if open {
			if e < len(rs) && (rs[e] == ')' || rs[e] == '）') {
				return e + 1
			}
			return j
		}
		return e
	}
	return j
}

// bareWeekday reads 周三, 星期三, 礼拜天 at i and returns the ISO weekday.
func bareWeekday(rs []rune, i int) (int, int, bool) {
	k := i
	switch {
	case hasPrefixAt(rs, k, "星期"), hasPrefixAt(rs, k, "礼拜"):
		k += 2
	case k < len(rs) && rs[k] == '周':
		k++
	default:
		return 0, i, false
	}
	if k >= len(rs) {
		return 0, i, false
	}
	switch rs[k] {
	case '一', '1':
		return 1, k + 1, true
	case '二', '2':
		return 2, k + 1, true
	case '三', '3':
		return 3, k + 1, true
	case '四', '4':
		return 4, k + 1, true
	case '五', '5':
		return 5, k + 1, true
	case '六', '6':
		return 6, k + 1, true
	case '日', '天', '七', '7':
		return 7, k + 1, true
	}
	return 0, i, false
}

func isoWeekday(t time.Time) int {
	w := int(t.Weekday())
	if w == 0 {
		return 7
	}
	return w
}

// weekStart returns the Monday of t's week.
func weekStart(t time.Time) time.Time {
	return t.AddDate(0, 0, 1-isoWeekday(t))
}

// nextWeekday returns the first day after t that is weekday wd.
func nextWeekday(t time.Time, wd int) time.Time {
	n := (wd - isoWeekday(t) + 7) % 7
	if n == 0 {
		n = 7
	}
	return t.AddDate(0, 0, n)
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func validYMD(y, m, d int) bool {
	return y >= 1 && m >= 1 && m <= 12 && d >= 1 && d <= daysIn(y, time.Month(m))
}
