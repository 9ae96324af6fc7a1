package parse

import "time"

// readSmallInt reads a small non-negative integer at i: up to four Arabic
// digits, or a Chinese numeral below a hundred (十五, 二十三, 廿九, 两).
func readSmallInt(rs []rune, i int) (v, end int, chinese, ok bool) {
	if i >= len(rs) {
		return 0, i, false, false
	}
	if isDigit(rs[i]) {
		j := i
		for j < len(rs) && isDigit(rs[j]) && j-i < 5 {
			v = v*10 + int(rs[j]-'0')
			j++
		}
		if j-i > 4 {
			return 0, i, false, false
		}
		return v, j, false, true
	}
	j := i
	switch {
	case rs[j] == '十':
		v = 10
		j++
	case rs[j] == '廿' || rs[j] == '卅':
		v = int(tensOf(rs[j]))
		j++
	default:
		d, isD := cnDigit(rs[j])
		if !isD || cnFinancial(rs[j]) {
			return 0, i, false, false
		}
		j++
		if j < len(rs) && rs[j] == '十' && d > 0 {
			v = d * 10
			j++
		} else {
			return d, j, true, true
		}
	}
	if j < len(rs) {
		if d, isD := cnDigit(rs[j]); isD && d > 0 && !cnFinancial(rs[j]) {
			v += d
			j++
		}
	}
	return v, j, true, true
}

// clockAt reads a clock time at i: 三点半, 十点整, 8时35分, 下午3:00 (the
// 下午 read by the caller), 15:15, 3:15pm, 8pm, noon. ctx reports a date or a
// part of the day before it, which makes 一点 and 两点 times for sure.
func clockAt(rs []rune, i int, ctx bool) (clockPart, bool) {
	if i >= len(rs) {
		return clockPart{}, false
	}
	if e, ok := wordAt(rs, i, "noon"); ok {
		return clockPart{hour: 12, grain: GrainHour, end: e}, true
	}
	if e, ok := wordAt(rs, i, "midnight"); ok {
		return clockPart{hour: 24, grain: GrainHour, end: e}, true
	}
	h, j, chinese, ok := readSmallInt(rs, i)
	if !ok || h > 24 {
		return clockPart{}, false
	}
	if !chinese && j-i > 2 {
		return clockPart{}, false
	}
	c := clockPart{hour: h, grain: GrainHour}
	switch {
	case !chinese && j+2 < len(rs) && rs[j] == ':' && isDigit(rs[j+1]) && isDigit(rs[j+2]) && (j+3 >= len(rs) || !isDigit(rs[j+3])):
		c.min = int(rs[j+1]-'0')*10 + int(rs[j+2]-'0')
		if c.min > 59 {
			return clockPart{}, false
		}
		c.grain = GrainMinute
		j += 3
		if j+2 < len(rs) && rs[j] == ':' && isDigit(rs[j+1]) && isDigit(rs[j+2]) {
			j += 3 // seconds
		}
		c.end = j
		c = ampmAfter(rs, c, true)
	case j < len(rs) && (rs[j] == '点' || rs[j] == '时'):
		if rs[j] == '时' && j+1 < len(rs) && (rs[j+1] == '间' || rs[j+1] == '候' || rs[j+1] == '期' || rs[j+1] == '代') {
			return clockPart{}, false
		}
		j++
		c.end = j
		c = minutesAfter(rs, c)
		if chinese && (h == 1 || h == 2) && c.end == j && !ctx {
			c.weak = true
		}
	case !chinese:
		c.end = j
		c = ampmAfter(rs, c, false)
		if c.ampm == periodNone {
			if e, ok := wordAt(rs, skipSpace(rs, j), "o'clock"); ok {
				c.end = e
			} else {
				return clockPart{}, false
			}
		}
	default:
		return clockPart{}, false
	}
	if c.ampm != periodNone && (c.hour > 12 || c.hour == 0) {
		return clockPart{}, false
	}
	c = zoneAfter(rs, c)
	return c, true
}

func skipSpace(rs []rune, j int) int {
	if j < len(rs) && rs[j] == ' ' {
		return j + 1
	}
	return j
}

// minutesAfter reads what follows 点 or 时: 半, 一刻, 整, 钟, 零五, 二十, 35分.
func minutesAfter(rs []rune, c clockPart) clockPart {
	j := c.end
	if j >= len(rs) {
		return c
	}
	switch rs[j] {
	case '半':
		c.min, c.grain, c.end = 30, GrainMinute, j+1
		return c
	case '整':
		c.end = j + 1
		return c
	case '钟':
		c.end = j + 1
		return c
	case '多':
		c.end = j + 1
		if j+1 < len(rs) && rs[j+1] == '钟' {
			c.end = j + 2
		}
		return c
	case '许':
		c.end = j + 1
		return c
	}
	// N刻
	if j+1 < len(rs) && rs[j+1] == '刻' {
		switch rs[j] {
		case '一', '1':
			c.min = 15
		case '两', '二', '2':
			c.min = 30
		case '三', '3':
			c.min = 45
		default:
			return c
		}
		c.grain, c.end = GrainMinute, j+2
		return c
	}
	k := j
	zero := false
	if rs[k] == '零' || rs[k] == '〇' {
		zero = true
		k++
	}
	m, e, chinese, ok := readSmallInt(rs, k)
	if !ok || m > 59 || (!chinese && e-k > 2) {
		return c
	}
	hasFen := e < len(rs) && rs[e] == '分'
	if hasFen && e+1 < len(rs) && rs[e+1] == '钟' {
		return c // 三点5分钟: a duration after a time
	}
	if chinese && !zero && m < 10 && !hasFen {
		return c // 三点五 is not 3:05
	}
	if zero && m >= 10 {
		return c
	}
	if e < len(rs) && (rs[e] == '万' || rs[e] == '亿' || rs[e] == '千' || rs[e] == '百' || rs[e] == '元' || rs[e] == '%') {
		return c
	}
	c.min, c.grain, c.end = m, GrainMinute, e
	if hasFen {
		c.end++
		if s, e2, _, ok := readSmallInt(rs, c.end); ok && s < 60 && e2 < len(rs) && rs[e2] == '秒' {
			c.end = e2 + 1
		}
	}
	if c.end < len(rs) && (rs[c.end] == '许' || rs[c.end] == '多') {
		c.end++
	}
	return c
}

// ampmAfter reads am/pm after a clock time: 3pm, 3 pm, 3:05p, 10 a.m.
func ampmAfter(rs []rune, c clockPart, colon bool) clockPart {
	j := c.end
	k := j
	if k < len(rs) && rs[k] == ' ' {
		k++
	}
	for _, w := range [...]struct {
		s string
		p period
	}{{"a.m.", periodAM}, {"p.m.", periodPM}, {"am", periodAM}, {"pm", periodPM}} {
		if e, ok := wordAt(rs, k, w.s); ok || (hasPrefixAt(rs, k, w.s) && w.s[len(w.s)-1] == '.') {
			if !ok {
				e = k + len(w.s)
			}
			c.ampm, c.end = w.p, e
			return c
		}
	}
	if colon && k == j {
		if e, ok := wordAt(rs, j, "a"); ok {
			c.ampm, c.end = periodAM, e
		} else if e, ok := wordAt(rs, j, "p"); ok {
			c.ampm, c.end = periodPM, e
		}
	}
	return c
}

// zones are the abbreviations of time zones people write after a time.
var zones = [...]struct {
	s   string
	off int // minutes east of UTC
}{
	{"utc", 0}, {"gmt", 0}, {"cet", 60}, {"cest", 120}, {"eet", 120}, {"bst", 60}, {"est", -300}, {"edt", -240},
	{"pst", -480}, {"pdt", -420}, {"mst", -420}, {"jst", 540}, {"kst", 540}, {"sgt", 480}, {"hkt", 480}, {"bjt", 480},
	{"aest", 600},
}

// zoneAfter reads a time zone after a clock time (4pm CET).
func zoneAfter(rs []rune, c clockPart) clockPart {
	k := skipSpace(rs, c.end)
	for _, z := range zones {
		if e, ok := wordAt(rs, k, z.s); ok {
			c.zone = time.FixedZone(z.s, z.off*60)
			c.end = e
			return c
		}
	}
	return c
}
