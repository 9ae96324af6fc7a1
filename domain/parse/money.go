package parse

// currencyWord is a way of writing a currency, before or after the amount.
type currencyWord struct {
	s    string
	code string
}

// currencyPrefixes come before an amount: ¥500, $5k, 人民币 30万, 港币两千元.
var currencyPrefixes = [...]currencyWord{
	{"us$", "USD"}, {"hk$", "HKD"}, {"¥", "CNY"}, {"$", "USD"}, {"€", "EUR"}, {"£", "GBP"},
	{"rmb", "CNY"}, {"cny", "CNY"}, {"usd", "USD"}, {"hkd", "HKD"}, {"eur", "EUR"}, {"jpy", "JPY"}, {"gbp", "GBP"},
	{"人民币", "CNY"}, {"港币", "HKD"}, {"港元", "HKD"}, {"美元", "USD"}, {"美金", "USD"}, {"欧元", "EUR"},
	{"日元", "JPY"}, {"英镑", "GBP"}, {"新台币", "TWD"}, {"台币", "TWD"},
}

// currencySuffixes come after an amount, longest first where one is a
// prefix of another.
var currencySuffixes = [...]currencyWord{
	{"元人民币", "CNY"}, {"块钱", "CNY"}, {"人民币", "CNY"}, {"新加坡元", "SGD"}, {"新台币", "TWD"}, {"瑞士法郎", "CHF"},
	{"美元", "USD"}, {"美金", "USD"}, {"港元", "HKD"}, {"港币", "HKD"}, {"欧元", "EUR"}, {"日元", "JPY"},
	{"日币", "JPY"}, {"英镑", "GBP"}, {"澳元", "AUD"}, {"加元", "CAD"}, {"韩元", "KRW"}, {"台币", "TWD"},
	{"卢布", "RUB"}, {"泰铢", "THB"}, {"新币", "SGD"}, {"円", "JPY"}, {"元", "CNY"}, {"圆", "CNY"}, {"块", "CNY"},
	{"rmb", "CNY"}, {"cny", "CNY"}, {"usd", "USD"}, {"hkd", "HKD"}, {"eur", "EUR"}, {"jpy", "JPY"}, {"gbp", "GBP"},
	{"dollars", "USD"}, {"dollar", "USD"}, {"bucks", "USD"}, {"yuan", "CNY"}, {"euros", "EUR"}, {"euro", "EUR"},
}

// moneyAt reads money or a bare number at i. A phone number is consumed and
// yields nothing.
func (sc *scanner) moneyAt(i int) (match, bool) {
	rs := sc.rs
	if e := phoneAt(rs, i); e > i {
		return match{end: e, skip: true}, true
	}
	// A currency before the amount.
	for _, c := range currencyPrefixes {
		e, ok := currencyAt(rs, i, c.s)
		if !ok {
			continue
		}
		k := e
		for k < len(rs) && (rs[k] == ' ' || rs[k] == ':') && k-e < 2 {
			k++
		}
		n, ok := readNumber(rs, k)
		if !ok || n.frac || n.leadZero {
			return match{}, false
		}
		e = n.end
		if e < len(rs) && (rs[e] == '元' || rs[e] == '圆' || rs[e] == '块') {
			e++ // 港币3000元
		}
		end, val, _ := moneyTail(rs, e, n.val, c.code)
		return moneyMatch(end, val, c.code), true
	}
	n, ok := readNumber(rs, i)
	if !ok {
		return match{}, false
	}
	if n.lone || (n.end == i+1 && n.chinese && loneWord(rs, i)) {
		return match{end: n.end, skip: true}, true
	}
	if !n.frac && !n.leadZero {
		k := n.end
		if k < len(rs) && rs[k] == ' ' && k+1 < len(rs) && isLetter(rs[k+1]) {
			k++ // 5 USD, 30 dollars
		}
		for _, c := range currencySuffixes {
			e, ok := currencyAt(rs, k, c.s)
			if !ok || (c.s == "块" && !moneyBlock(rs, e)) {
				continue
			}
			code := c.code
			// 三万元欧元, 9000元日币: the later word names the currency.
			if c.s == "元" || c.s == "圆" {
				for _, c2 := range currencySuffixes[:22] {
					if e2, ok := currencyAt(rs, e, c2.s); ok {
						e, code = e2, c2.code
						break
					}
				}
			}
			end, val, _ := moneyTail(rs, e, n.val, code)
			return moneyMatch(end, val, code), true
		}
	}
	if n.arabic && !n.decimal && !n.grouped && n.intDigits >= 12 {
		return match{end: n.end, skip: true}, true // an id, not a number
	}
	m := match{end: n.end, ent: Entity{Dim: DimNumber, Value: n.val}}
	m.amount = amountOK(rs, i, n)
	return m, true
}

func moneyMatch(end int, val float64, code string) match {
	return match{end: end, ent: Entity{Dim: DimMoney, Value: val, Unit: code}, amount: true}
}

// currencyAt matches a currency word at i; ASCII words must end there.
func currencyAt(rs []rune, i int, s string) (int, bool) {
	if s[0] < 0x80 && isLetter(rune(s[0])) {
		return wordAt(rs, i, s)
	}
	if !hasPrefixAt(rs, i, s) {
		return i, false
	}
	return i + len([]rune(s)), true
}

// moneyBlock reports whether 块 ending at e is the colloquial yuan rather
// than the classifier of pieces (3块屏幕): it is followed by nothing, a
// non-Han rune, money words, or the particles of speech.
func moneyBlock(rs []rune, e int) bool {
	if e >= len(rs) || rs[e] < 0x3400 {
		return true
	}
	if isCNDigit(rs[e]) {
		return true
	}
	switch rs[e] {
	case '钱', '毛', '角', '整', '的', '了', '吧', '呢', '啊', '呀', '哦', '嘛', '吗', '左', '上', '多', '一', '每', '都', '就', '也', '还', '给', '买', '卖', '收', '付', '起', '到', '至', '以', '而', '，', '。', '、', '！', '？', '～':
		return true
	}
	return false
}

// moneyTail reads the fractions of a yuan after 元 or 块 at j: 三块五,
// 5元3角, 十块三毛, 一元一角七分, then 钱 and 整.
func moneyTail(rs []rune, j int, val float64, code string) (int, float64, bool) {
	if code == "CNY" {
		jiao := false
		if d, e, ok := fractionDigit(rs, j); ok && e < len(rs) && (rs[e] == '角' || rs[e] == '毛') {
			val += float64(d) / 10
			j, jiao = e+1, true
		}
		if d, e, ok := fractionDigit(rs, j); ok && e < len(rs) && rs[e] == '分' && (e+1 >= len(rs) || rs[e+1] != '钟') {
			val += float64(d) / 100
			j = e + 1
		} else if !jiao && ok && j > 0 && (rs[j-1] == '块' || rs[j-1] == '元') && (e >= len(rs) || !isNumeralRune(rs[e]) && !isDigit(rs[e]) && rs[e] != '点' && rs[e] != '.') {
			val += float64(d) / 10 // 三块五
			j = e
		}
	}
	if j < len(rs) && rs[j] == '钱' {
		j++
	}
	if j < len(rs) && rs[j] == '整' {
		j++
	}
	return j, val, true
}

// fractionDigit reads one digit (Arabic or Chinese) at j.
func fractionDigit(rs []rune, j int) (int, int, bool) {
	if j >= len(rs) {
		return 0, j, false
	}
	if isDigit(rs[j]) {
		if j+1 < len(rs) && isDigit(rs[j+1]) {
			return 0, j, false
		}
		return int(rs[j] - '0'), j + 1, true
	}
	if d, ok := cnDigit(rs[j]); ok {
		return d, j + 1, true
	}
	return 0, j, false
}

// loneWord reports whether the single Chinese numeral at i is part of a
// common word (一起, 一下, 万一, 十分) rather than a number.
func loneWord(rs []rune, i int) bool {
	next := rune(0)
	if i+1 < len(rs) {
		next = rs[i+1]
	}
	prev := rune(0)
	if i > 0 {
		prev = rs[i-1]
	}
	switch rs[i] {
	case '一':
		switch next {
		case '起', '下', '些', '直', '定', '般', '样', '切', '旦', '致', '共', '边', '面', '方', '向', '点', '律', '再', '会', '时', '同', '并', '口', '句', '番', '度', '步', '期':
			return true
		}
		switch prev {
		case '统', '万', '唯', '第', '之', '单', '专', '逐', '一':
			return true
		}
	case '两':
		switch next {
		case '者', '边', '岸', '头':
			return true
		}
	case '十':
		if next == '分' && (i+2 >= len(rs) || !isCNDigit(rs[i+2]) && rs[i+2] != '之') {
			return true // 十分感谢
		}
	case '三', '四', '五', '六', '七', '八', '九':
		if prev == '星' || prev == '礼' {
			return true
		}
	}
	return false
}
