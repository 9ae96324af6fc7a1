package parse

import "time"

var englishMonths = newWordSet([]string{"january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december",
	"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sept", "sep", "oct", "nov", "dec"})
var englishMonthNums = []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 10, 11, 12}

var englishWeekdays = newWordSet([]string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
	"mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun"})
var englishWeekdayNums = []int{1, 2, 3, 4, 5, 6, 7, 1, 2, 2, 3, 4, 4, 4, 5, 6, 7}

var englishDayWords = newWordSet([]string{"today", "tonight", "tomorrow", "tmr", "tmrw", "yesterday", "day after tomorrow", "the day after tomorrow", "the day before yesterday"})
var englishDayOffsets = []int{0, 0, 1, 1, 1, -1, 2, 2, -2}

var englishEnds = newWordSet([]string{"end of the month", "end of month", "month end", "month-end", "eom", "end of the year", "end of year", "year end", "year-end", "eoy",
	"end of next month", "end of the week", "end of week", "eow", "next week", "this week", "last week", "next month", "this month", "last month", "next year", "this year"})

var englishUnits = newWordSet([]string{"days", "day", "weeks", "week", "months", "month", "years", "year", "hours", "hour", "minutes", "minute", "mins", "min", "business days", "working days"})
var englishUnitKinds = []offsetUnit{unitDay, unitDay, unitWeek, unitWeek, unitMonth, unitMonth, unitYear, unitYear, unitHour, unitHour, unitMinute, unitMinute, unitMinute, unitMinute, unitWorkday, unitWorkday}

// englishDateAt reads an English date at i: today, tomorrow, tonight, next
// Monday, this Friday, Friday, Dec 3, December 3rd, 3 Dec, in two weeks,
// 3 days later, end of month.
func (sc *scanner) englishDateAt(i int) (datePart, bool) {
	rs := sc.rs
	now := sc.now
	loc := now.Location()
	t0 := sc.t0
	if i > 0 && isLetter(rs[i-1]) {
		return datePart{}, false
	}
	if e, idx, ok := matchWords(rs, i, englishDayWords); ok {
		d := datePart{t: t0.AddDate(0, 0, englishDayOffsets[idx]), grain: GrainDay, end: e, today: englishDayOffsets[idx] == 0}
		if idx == 1 {
			d.period = periodEvening
		}
		return d, true
	}
	if e, idx, ok := matchWords(rs, i, englishEnds); ok {
		switch {
		case idx <= 4:
			return datePart{t: time.Date(now.Year(), now.Month()+1, 0, 0, 0, 0, 0, loc), grain: GrainDay, end: e}, true
		case idx <= 9:
			return datePart{t: time.Date(now.Year(), 12, 31, 0, 0, 0, 0, loc), grain: GrainDay, end: e}, true
		case idx == 10:
			return datePart{t: time.Date(now.Year(), now.Month()+2, 0, 0, 0, 0, 0, loc), grain: GrainDay, end: e}, true
		case idx <= 13:
			return datePart{t: weekStart(t0).AddDate(0, 0, 4), grain: GrainDay, end: e}, true
		case idx <= 16:
			return datePart{t: weekStart(t0).AddDate(0, 0, 7*(15-idx)), grain: GrainWeek, end: e}, true
		case idx <= 19:
			return datePart{t: time.Date(now.Year(), now.Month()+time.Month(18-idx), 1, 0, 0, 0, 0, loc), grain: GrainMonth, end: e}, true
		default:
			return datePart{t: time.Date(now.Year()+21-idx, 1, 1, 0, 0, 0, 0, loc), grain: GrainYear, end: e}, true
		}
	}
	// next/this/last/coming + weekday, or a bare weekday.
	j, off, prefixed := i, 0, false
	for n, p := range [...]string{"next ", "this ", "last ", "coming ", "this coming ", "on "} {
		if hasPrefixAt(rs, i, p) {
			j, prefixed = i+len(p), n < 5
			off = [...]int{1, 0, -1, 0, 0, 0}[n]
			if n == 3 || n == 4 {
				prefixed = false
			}
		}
	}
	if e, idx, ok := matchWords(rs, j, englishWeekdays); ok {
		wd := englishWeekdayNums[idx]
		if prefixed {
			return datePart{t: weekStart(t0).AddDate(0, 0, 7*off+wd-1), grain: GrainDay, end: e}, true
		}
		k := e
		if k < len(rs) && rs[k] == ',' {
			k++
		}
		k = skipSpace(rs, k)
		if d, ok := sc.englishMonthDay(k, wd); ok {
			return d, true
		}
		return datePart{t: nextWeekday(t0, wd), grain: GrainDay, end: e}, true
	}
	// in N units; N units later / from now / ago.
	if e, ok := wordAt(rs, i, "in"); ok && e < len(rs) && rs[e] == ' ' {
		if d, ok := sc.englishOffset(e+1, 1, true); ok {
			return d, true
		}
	}
	if e, ok := wordAt(rs, i, "after"); ok && e < len(rs) && rs[e] == ' ' {
		if d, ok := sc.englishOffset(e+1, 1, true); ok {
			return d, true
		}
	}
	if d, ok := sc.englishMonthDay(i, 0); ok {
		return d, true
	}
	return datePart{}, false
}

// englishDateAtDigit reads English dates that start with a digit: 3 Dec,
// 3rd of December, 3 days later, 2 weeks from now, 5 days ago.
func (sc *scanner) englishDateAtDigit(i int) (datePart, bool) {
	if d, ok := sc.englishMonthDay(i, 0); ok {
		return d, true
	}
	return sc.englishOffset(i, 1, false)
}

// englishOffset reads "N units" at i; with in, nothing may follow, without
// it "later", "from now" or "ago" must.
func (sc *scanner) englishOffset(i, sign int, in bool) (datePart, bool) {
	rs := sc.rs
	var v float64
	j := i
	if e, ok := wordAt(rs, j, "a"); ok {
		v, j = 1, e
	} else if e, ok := wordAt(rs, j, "an"); ok {
		v, j = 1, e
	} else if e, ok := wordAt(rs, j, "half a"); ok {
		v, j = 0.5, e
	} else if n, ok := readNumber(rs, j); ok && n.val > 0 && !n.neg && !n.pct {
		v, j = n.val, n.end
	} else {
		return datePart{}, false
	}
	if j >= len(rs) || rs[j] != ' ' {
		return datePart{}, false
	}
	e, idx, ok := matchWords(rs, j+1, englishUnits)
	if !ok {
		return datePart{}, false
	}
	if !in {
		k := skipSpace(rs, e)
		if e2, ok := wordAt(rs, k, "later"); ok {
			e = e2
		} else if e2, ok := wordAt(rs, k, "from now"); ok {
			e = e2
		} else if e2, ok := wordAt(rs, k, "ago"); ok {
			e, sign = e2, -1
		} else {
			return datePart{}, false
		}
	}
	return sc.offsetDate(v, englishUnitKinds[idx], sign, e)
}

// offsetDate adds v units to now (dates from today).
func (sc *scanner) offsetDate(v float64, unit offsetUnit, sign, end int) (datePart, bool) {
	t0 := sc.t0
	n := int(v)
	switch unit {
	case unitDay:
		return datePart{t: t0.AddDate(0, 0, sign*n), grain: GrainDay, end: end}, n == int(v+0.999)
	case unitWorkday:
		return datePart{t: addWorkdays(t0, sign*n), grain: GrainDay, end: end}, true
	case unitWeek:
		return datePart{t: t0.AddDate(0, 0, sign*int(v*7)), grain: GrainDay, end: end}, true
	case unitMonth:
		t := t0.AddDate(0, sign*n, 0)
		if v != float64(n) {
			t = t.AddDate(0, 0, sign*15)
		}
		return datePart{t: t, grain: GrainDay, end: end}, true
	case unitYear:
		return datePart{t: t0.AddDate(sign*n, 0, 0), grain: GrainDay, end: end}, true
	}
	d := time.Duration(v * float64(time.Hour))
	if unit == unitMinute {
		d = time.Duration(v * float64(time.Minute))
	}
	t := sc.now.Add(time.Duration(sign) * d)
	t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), 0, 0, sc.now.Location())
	return datePart{t: t, grain: GrainMinute, end: end}, true
}

// englishMonthDay reads Dec 3, December 3rd, 3 Dec, 3rd of December, each
// with an optional year. wd, when not 0, is a weekday written before it.
func (sc *scanner) englishMonthDay(i, wd int) (datePart, bool) {
	rs := sc.rs
	now := sc.now
	loc := now.Location()
	var m, d, end int
	if e, idx, ok := matchWords(rs, i, englishMonths); ok {
		m = englishMonthNums[idx]
		k := e
		if k < len(rs) && rs[k] == '.' {
			k++
		}
		k = skipSpace(rs, k)
		v, de := digitRun(rs, k)
		if de == k || de-k > 2 || v < 1 || v > 31 {
			return datePart{}, false
		}
		d, end = v, ordinalSuffix(rs, de)
	} else if i < len(rs) && isDigit(rs[i]) {
		v, de := digitRun(rs, i)
		if de-i > 2 || v < 1 || v > 31 {
			return datePart{}, false
		}
		k := skipSpace(rs, ordinalSuffix(rs, de))
		if e, ok := wordAt(rs, k, "of"); ok {
			k = skipSpace(rs, e)
		}
		e, idx, ok := matchWords(rs, k, englishMonths)
		if !ok || k == de {
			return datePart{}, false
		}
		m, d, end = englishMonthNums[idx], v, e
	} else {
		return datePart{}, false
	}
	// An optional year: ", 2026" or " 2026".
	k := end
	if k < len(rs) && rs[k] == ',' {
		k++
	}
	k = skipSpace(rs, k)
	if y, ye := digitRun(rs, k); ye-k == 4 && y >= 1900 && y <= 2100 {
		if !validYMD(y, m, d) {
			return datePart{}, false
		}
		return datePart{t: time.Date(y, time.Month(m), d, 0, 0, 0, 0, loc), grain: GrainDay, end: ye}, true
	}
	t0 := sc.t0
	if wd != 0 {
		for dy := 0; dy <= 6; dy++ {
			for _, s := range [...]int{dy, -dy} {
				if validYMD(now.Year()+s, m, d) {
					t := time.Date(now.Year()+s, time.Month(m), d, 0, 0, 0, 0, loc)
					if isoWeekday(t) == wd {
						return datePart{t: t, grain: GrainDay, end: end}, true
					}
				}
			}
		}
	}
	for dy := 0; dy <= 8; dy++ {
		if validYMD(now.Year()+dy, m, d) {
			t := time.Date(now.Year()+dy, time.Month(m), d, 0, 0, 0, 0, loc)
			if !t.Before(t0) {
				return datePart{t: t, grain: GrainDay, end: end}, true
			}
		}
	}
	return datePart{}, false
}

// ordinalSuffix skips st, nd, rd, th after a day number.
func ordinalSuffix(rs []rune, j int) int {
	for _, s := range [...]string{"st", "nd", "rd", "th"} {
		if e, ok := wordAt(rs, j, s); ok {
			return e
		}
	}
	return j
}
