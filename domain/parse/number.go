package parse

// num is a number read from the text, with what the money and amount rules
// need to know about how it was written.
type num struct {
	val       float64
	end       int
	arabic    bool // has Arabic digits
	chinese   bool // has Chinese numerals
	intDigits int  // Arabic digits before the decimal point, 0 when none
	leadZero  bool // Arabic digits starting with 0 (0755, 007), not "0" or "0.5"
	grouped   bool // thousands separators (1,234)
	decimal   bool
	mag       bool // a magnitude word: 十百千万亿, k w m, thousand …
	bigMag    bool // a magnitude of a thousand or more
	frac      bool // a fraction (二分之一, 一半)
	pct       bool // a percentage (10%, 百分之十)
	neg       bool
	digitStr  bool // Chinese digits read one by one (二零二六, 三一五)
	nChars    int  // numeral characters, to reject lone 大写 digits
	lone      bool // a single Chinese character that is a word more often than a number
}

// cnDigit returns the value of a Chinese digit (including 大写 and 两).
func cnDigit(r rune) (int, bool) {
	switch r {
	case '零', '〇':
		return 0, true
	case '一', '壹', '幺':
		return 1, true
	case '二', '贰', '两', '貮':
		return 2, true
	case '三', '叁', '參', '参':
		return 3, true
	case '四', '肆':
		return 4, true
	case '五', '伍':
		return 5, true
	case '六', '陆':
		return 6, true
	case '七', '柒':
		return 7, true
	case '八', '捌':
		return 8, true
	case '九', '玖':
		return 9, true
	}
	return 0, false
}

// cnFinancial reports whether r is a 大写 numeral, which alone is more often
// part of a word (大陆, 伍, 参加) than a number.
func cnFinancial(r rune) bool {
	switch r {
	case '壹', '贰', '貮', '叁', '參', '参', '肆', '伍', '陆', '柒', '捌', '玖', '拾', '佰', '仟', '幺':
		return true
	}
	return false
}

// cnSmallUnit returns the value of 十 百 千 (and their 大写 forms).
func cnSmallUnit(r rune) float64 {
	switch r {
	case '十', '拾':
		return 10
	case '百', '佰':
		return 100
	case '千', '仟':
		return 1000
	}
	return 0
}

// cnBigUnit returns the value of 万 and 亿.
func cnBigUnit(r rune) float64 {
	switch r {
	case '万':
		return 1e4
	case '亿':
		return 1e8
	}
	return 0
}

func isCNDigit(r rune) bool { _, ok := cnDigit(r); return ok }

// isNumeralRune reports whether r can be part of a Chinese numeral.
func isNumeralRune(r rune) bool {
	return isCNDigit(r) || cnSmallUnit(r) > 0 || cnBigUnit(r) > 0 || r == '廿' || r == '卅' || r == '卌'
}

var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18}

// readArabic reads Arabic digits at i: thousands separators (1,234,567 and
// 1 234 567), a decimal part, or a leading point (.77). It refuses dotted
// versions and dates (2.0.1, 2015.3.3).
func readArabic(rs []rune, i int) (n num, ok bool) {
	j := i
	var mant uint64
	digits, decs := 0, 0
	overflow := false
	var fl float64
	add := func(r rune) {
		d := uint64(r - '0')
		digits++
		if mant > (1<<63)/10 {
			overflow = true
		}
		mant = mant*10 + d
		fl = fl*10 + float64(d)
	}
	if j < len(rs) && rs[j] == '.' {
		if j+1 >= len(rs) || !isDigit(rs[j+1]) {
			return n, false
		}
	} else {
		if j >= len(rs) || !isDigit(rs[j]) {
			return n, false
		}
		first := j
		for j < len(rs) && isDigit(rs[j]) {
			add(rs[j])
			j++
		}
		n.intDigits = j - first
		n.leadZero = rs[first] == '0' && n.intDigits > 1
		// Thousands separators: a comma, or a space between groups of three.
		if n.intDigits <= 3 && !n.leadZero {
			var kind rune
			for j < len(rs) && (rs[j] == ',' || rs[j] == ' ') && (kind == 0 || rs[j] == kind) && threeDigits(rs, j+1) {
				kind = rs[j]
				n.grouped = true
				for k := j + 1; k < j+4; k++ {
					add(rs[k])
				}
				n.intDigits += 3
				j += 4
			}
		}
	}
	if j+1 < len(rs) && rs[j] == '.' && isDigit(rs[j+1]) {
		j++
		for j < len(rs) && isDigit(rs[j]) {
			if decs < 12 {
				add(rs[j])
				decs++
			}
			j++
		}
		n.decimal = true
		if j+1 < len(rs) && (rs[j] == '.') && isDigit(rs[j+1]) {
			return n, false // 2.0.1, 2015.3.3: a version or a date
		}
	}
	n.end = j
	n.arabic = true
	if overflow || digits > 18 {
		n.val = fl / pow10[decs]
	} else {
		n.val = float64(mant) / pow10[decs]
	}
	return n, true
}

// threeDigits reports whether rs[k:k+3] are digits not followed by another.
func threeDigits(rs []rune, k int) bool {
	if k+3 > len(rs) {
		return false
	}
	for m := k; m < k+3; m++ {
		if !isDigit(rs[m]) {
			return false
		}
	}
	return k+3 == len(rs) || !isDigit(rs[k+3])
}

// readNumber reads a number at i: Arabic, Chinese or mixed (1.5万, 3千万亿,
// 十二万五), with a sign, a magnitude suffix (k w m, thousand, million), a
// fraction (二分之一, 一又十分之一) or a half (一半, 两个半).
func readNumber(rs []rune, i int) (num, bool) {
	j := i
	neg := false
	if j < len(rs) && (rs[j] == '-' || rs[j] == '负') {
		k := j + 1
		if k < len(rs) && rs[k] == ' ' {
			k++
		}
		if k < len(rs) && (isDigit(rs[k]) || rs[k] == '.' || isNumeralRune(rs[k])) {
			neg = true
			j = k
		} else {
			return num{}, false
		}
	}
	n, ok := readNumeral(rs, j)
	if !ok {
		if n2, ok2 := readEnglishNumber(rs, j); ok2 {
			n, ok = n2, true
		}
	}
	if !ok {
		return num{}, false
	}
	if neg {
		n.neg = true
		n.val = -n.val
	}
	return n, true
}

// readNumeral reads Arabic digits and Chinese numerals at i, with their
// magnitudes, decimals, fractions and halves.
func readNumeral(rs []rune, i int) (num, bool) {
	if i >= len(rs) {
		return num{}, false
	}
	r0 := rs[i]
	// 百分之十, 千分之五: percentages and permilles.
	if (r0 == '百' || r0 == '千') && hasPrefixAt(rs, i+1, "分之") {
		if m, ok := readNumeral(rs, i+3); ok && !m.frac {
			d := 100.0
			if r0 == '千' {
				d = 1000
			}
			m.val /= d
			m.pct, m.frac, m.chinese = true, true, true
			return m, true
		}
		return num{}, false
	}
	// 半个 (half of one).
	if r0 == '半' {
		if i+1 < len(rs) && rs[i+1] == '个' {
			return num{val: 0.5, end: i + 2, frac: true, chinese: true, nChars: 1}, true
		}
		return num{}, false
	}
	if !(isDigit(r0) || r0 == '.' || isCNDigit(r0) || r0 == '十' || r0 == '拾' || r0 == '廿' || r0 == '卅' || r0 == '卌') {
		return num{}, false
	}
	var n num
	var total, section, pend float64
	hasPend, prevUnit, zeroSeen, pendAfterZero, any := false, false, false, false, false
	var lastUnit, lastBig float64
	j := i
loop:
	for j < len(rs) {
		r := rs[j]
		switch {
		case isDigit(r) || (r == '.' && j == i):
			if hasPend && !prevUnit {
				break loop
			}
			a, ok := readArabic(rs, j)
			if !ok {
				if j == i {
					return num{}, false
				}
				break loop
			}
			if n.arabic && !prevUnit {
				break loop
			}
			n.arabic, n.intDigits, n.leadZero, n.grouped = true, a.intDigits, a.leadZero, a.grouped
			n.decimal = n.decimal || a.decimal
			pend, hasPend, pendAfterZero = a.val, true, zeroSeen
			prevUnit, any = false, true
			j = a.end
			// A magnitude letter right after the digits: 3k, 1.2w, 3M.
			if mul, e := letterMagnitude(rs, j, a.decimal); mul > 0 {
				pend *= mul
				n.mag, n.bigMag = true, true
				j = e
				break loop
			}
		case isCNDigit(r):
			d, _ := cnDigit(r)
			n.chinese = true
			n.nChars++
			any = true
			if d == 0 {
				if hasPend && !prevUnit {
					pend *= 10 // 二零二六: digits read one by one
					n.digitStr = true
				} else {
					zeroSeen = true
				}
				j++
				continue
			}
			if hasPend && !prevUnit {
				if n.arabic {
					break loop
				}
				pend = pend*10 + float64(d)
				n.digitStr = true
			} else {
				pend, hasPend, pendAfterZero = float64(d), true, zeroSeen
			}
			prevUnit = false
			j++
		case r == '廿' || r == '卅' || r == '卌':
			if hasPend && !prevUnit {
				break loop
			}
			section += tensOf(r)
			n.chinese, n.mag, any = true, true, true
			n.nChars++
			hasPend, prevUnit, lastUnit, zeroSeen = false, true, 10, false
			j++
		case cnSmallUnit(r) > 0:
			u := cnSmallUnit(r)
			if n.digitStr {
				break loop
			}
			m := 1.0
			if hasPend {
				m = pend
			} else if u != 10 && !zeroSeen && section == 0 && total == 0 {
				break loop // 百 and 千 do not start a number
			}
			section += m * u
			n.chinese, n.mag, any = true, true, true
			n.bigMag = n.bigMag || u >= 1000
			n.nChars++
			pend, hasPend, prevUnit, lastUnit, zeroSeen = 0, false, true, u, false
			j++
		case r == '个' && hasPend && !prevUnit && j+1 < len(rs) && cnBigUnit(rs[j+1]) > 0,
			r == ' ' && n.arabic && hasPend && !prevUnit && j+1 < len(rs) && cnBigUnit(rs[j+1]) > 0:
			j++ // 两个亿, 177.1 亿
		case cnBigUnit(r) > 0:
			u := cnBigUnit(r)
			v := section + pend
			if v == 0 && total == 0 {
				break loop
			}
			if n.digitStr && !n.arabic {
				break loop
			}
			if lastBig > u {
				total += v * u
			} else {
				total = (total + v) * u
			}
			if u > lastBig {
				lastBig = u
			}
			n.chinese, n.mag, n.bigMag, any = true, true, true, true
			n.nChars++
			section, pend, hasPend, prevUnit, lastUnit, zeroSeen = 0, 0, false, true, u, false
			j++
		case r == '点' && !n.decimal && !n.arabic && lastBig == 0 && j+1 < len(rs) && (isCNDigit(rs[j+1]) || isDigit(rs[j+1])):
			// 一点一, 零点77, 三点五万: a decimal part, digit by digit.
			intPart := total + section + pend
			k := j + 1
			var frac, scale float64 = 0, 1
			for k < len(rs) {
				if d, ok := cnDigit(rs[k]); ok && rs[k] != '两' {
					scale /= 10
					frac += float64(d) * scale
				} else if isDigit(rs[k]) {
					scale /= 10
					frac += float64(rs[k]-'0') * scale
				} else {
					break
				}
				k++
			}
			if k < len(rs) && cnSmallUnit(rs[k]) == 10 {
				break loop // 三点二十 is a clock time, not 3.2
			}
			total, section, pend, hasPend = 0, 0, intPart+frac, true
			n.decimal, prevUnit, pendAfterZero = true, false, true
			j = k
		default:
			break loop
		}
	}
	if !any {
		return num{}, false
	}
	val := total + section
	if hasPend {
		if prevUnitBeforePend(lastUnit, pendAfterZero, n.decimal) && pend < 10 && pend == float64(int(pend)) && !n.digitStr {
			val += pend * lastUnit / 10 // 十二万五, 两百五, 一万二
		} else {
			val += pend
		}
	}
	n.val, n.end = val, j
	// A magnitude word after digits: 3 million, 1.5 thousand.
	if n.arabic && !n.chinese && !n.mag {
		if mul, e := wordMagnitude(rs, n.end); mul > 0 {
			n.val *= mul
			n.mag, n.bigMag = true, true
			n.end = e
		}
	}
	n = numeralTail(rs, n)
	if n.chinese && !n.arabic && n.nChars == 1 && cnFinancial(rs[i]) {
		return num{}, false
	}
	return n, true
}

func prevUnitBeforePend(lastUnit float64, afterZero, decimal bool) bool {
	return lastUnit >= 100 && !afterZero && !decimal
}

// numeralTail reads what may follow a numeral: a fraction (二分之一, 二份一,
// 一又十分之一), a half (两个半, 一半), a pair (一双, 五对) or a percent sign.
func numeralTail(rs []rune, n num) num {
	j := n.end
	if j >= len(rs) {
		return n
	}
	switch rs[j] {
	case '%', '‰':
		n.pct, n.frac = true, true
		if rs[j] == '%' {
			n.val /= 100
		} else {
			n.val /= 1000
		}
		n.end = j + 1
		return n
	case '分', '份':
		// N分之M, N份之M, and the Cantonese N份M.
		k := j + 1
		if k < len(rs) && rs[k] == '之' {
			k++
		} else if rs[j] != '份' {
			return n
		}
		if n.val == 0 {
			return n
		}
		if m, ok := readNumeral(rs, k); ok && !m.frac && !m.mag {
			n.val = m.val / n.val
			n.frac, n.end = true, m.end
		}
		return n
	case '又':
		if m, ok := readNumeral(rs, j+1); ok && !m.frac && j+1 < len(rs) {
			k := m.end
			if k < len(rs) && (rs[k] == '分' || rs[k] == '份') {
				k++
				if k < len(rs) && rs[k] == '之' {
					k++
				}
				if f, ok := readNumeral(rs, k); ok && !f.frac && m.val != 0 {
					n.val += f.val / m.val
					n.frac, n.end = true, f.end
				}
			}
		}
		return n
	case '半':
		if n.val == 1 && n.chinese && !n.mag && n.end-1 >= 0 {
			n.val, n.frac, n.end = 0.5, true, j+1 // 一半
		}
		return n
	case '个':
		if j+1 < len(rs) && rs[j+1] == '半' && !n.frac {
			n.val += 0.5 // 两个半
			n.frac, n.end = true, j+2
		}
		return n
	case '双', '对':
		if !n.frac && !n.decimal && (j+1 >= len(rs) || !isCNDigit(rs[j+1])) {
			n.val *= 2
			n.end = j + 1
		}
		return n
	}
	return n
}

// letterMagnitude reads a magnitude letter right after digits at j: k (a
// thousand), w (万), m (a million), and g (a billion, only after a decimal:
// 5G is a network, not a number).
func letterMagnitude(rs []rune, j int, decimal bool) (float64, int) {
	if j >= len(rs) {
		return 0, j
	}
	var mul float64
	switch rs[j] {
	case 'k':
		mul = 1e3
	case 'w':
		mul = 1e4
	case 'm':
		mul = 1e6
	case 'g':
		if !decimal {
			return 0, j
		}
		mul = 1e9
	default:
		return 0, j
	}
	if j+1 < len(rs) && isLetter(rs[j+1]) {
		return 0, j // 5km, 3min, 10mb
	}
	return mul, j + 1
}

// wordMagnitude reads " thousand", " million" or " billion" at j.
func wordMagnitude(rs []rune, j int) (float64, int) {
	k := j
	if k < len(rs) && rs[k] == ' ' {
		k++
	}
	for _, w := range [...]struct {
		s string
		v float64
	}{{"thousand", 1e3}, {"million", 1e6}, {"billion", 1e9}, {"mn", 1e6}, {"bn", 1e9}} {
		if e, ok := wordAt(rs, k, w.s); ok {
			return w.v, e
		}
	}
	return 0, j
}

// hasPrefixAt reports whether rs[i:] starts with s.
func hasPrefixAt(rs []rune, i int, s string) bool {
	for _, r := range s {
		if i >= len(rs) || rs[i] != r {
			return false
		}
		i++
	}
	return true
}

// wordAt matches the ASCII word s at i, not followed by a letter.
func wordAt(rs []rune, i int, s string) (int, bool) {
	if !hasPrefixAt(rs, i, s) {
		return i, false
	}
	e := i + len(s)
	if e < len(rs) && isLetter(rs[e]) {
		return i, false
	}
	return e, true
}

var englishSmall = [...]string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
	"eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"}
var englishTens = [...]string{"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"}

// readEnglishNumber reads an English number word at i (one … ninety-nine,
// with hundred/thousand/million).
func readEnglishNumber(rs []rune, i int) (num, bool) {
	if i >= len(rs) || !isLetter(rs[i]) || (i > 0 && isLetter(rs[i-1])) {
		return num{}, false
	}
	v, e, ok := englishBelow100(rs, i)
	if !ok {
		return num{}, false
	}
	n := num{val: float64(v), end: e}
	if mul, e2 := wordMagnitude(rs, e); mul > 0 {
		n.val *= mul
		n.mag, n.bigMag, n.end = true, true, e2
	} else if k := e; k < len(rs) && rs[k] == ' ' {
		if e2, ok := wordAt(rs, k+1, "hundred"); ok {
			n.val *= 100
			n.mag, n.end = true, e2
		}
	}
	return n, true
}

func englishBelow100(rs []rune, i int) (int, int, bool) {
	for t := 9; t >= 2; t-- {
		if e, ok := wordAt(rs, i, englishTens[t]); ok {
			v := t * 10
			if e+1 < len(rs) && (rs[e] == '-' || rs[e] == ' ') {
				for u := 1; u <= 9; u++ {
					if e2, ok := wordAt(rs, e+1, englishSmall[u]); ok {
						return v + u, e2, true
					}
				}
			}
			return v, e, true
		}
	}
	for u := len(englishSmall) - 1; u >= 0; u-- {
		if e, ok := wordAt(rs, i, englishSmall[u]); ok {
			return u, e, true
		}
	}
	return 0, i, false
}

// tensOf returns the value of 廿 (20), 卅 (30) and 卌 (40).
func tensOf(r rune) float64 {
	switch r {
	case '廿':
		return 20
	case '卅':
		return 30
	case '卌':
		return 40
	}
	return 0
}
