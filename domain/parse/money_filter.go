package parse

// amountOK reports whether the bare number n read at i can be an amount of
// money: it has a magnitude or is at least 1000, and is not a count, a
// duration, a percentage, an ordinal, a code or a phone number.
func amountOK(rs []rune, i int, n num) bool {
	if n.frac || n.pct || n.neg || n.leadZero || n.digitStr {
		return false
	}
	if !n.bigMag && n.val < 1000 {
		return false
	}
	if n.arabic && !n.grouped && !n.decimal && !n.mag && n.intDigits >= 10 {
		return false // an order number or an account
	}
	return !falseFriendBefore(rs, i) && !falseFriendAfter(rs, n.end)
}

// falseFriendBefore reports whether what precedes i makes a number a label:
// 第2期, 编号 12345, 手机: 13800138000, ERP2.0, No.5, #3.
func falseFriendBefore(rs []rune, i int) bool {
	k := i - 1
	for k >= 0 && (rs[k] == ' ' || rs[k] == ':') && i-k <= 2 {
		k--
	}
	if k < 0 {
		return false
	}
	switch rs[k] {
	case '第', '号', '码', '机', '话', '编', '#', '.', '/', '-', '_', '@', '№', '尾', '型', '版', '共', '计':
		return true
	}
	if k+1 == i && (isLetter(rs[k]) || isDigit(rs[k])) {
		return true
	}
	return hasSuffixBefore(rs, i, "no.") || hasSuffixBefore(rs, i, "id")
}

func hasSuffixBefore(rs []rune, i int, s string) bool {
	k := i
	for k > 0 && rs[k-1] == ' ' {
		k--
	}
	n := len(s)
	return k >= n && hasPrefixAt(rs, k-n, s)
}

// falseFriendAfter reports whether the word after a number makes it a count,
// a duration, a time, a date or a measure (5分钟, 3个人, 2号楼, 3次, 10%).
func falseFriendAfter(rs []rune, j int) bool {
	if j < len(rs) && rs[j] == '多' {
		j++ // 3000多人
	}
	if j < len(rs) && (rs[j] == '余' || rs[j] == '来') && j+1 < len(rs) && rs[j+1] != '元' {
		j++
	}
	k := j
	if k < len(rs) && rs[k] == ' ' {
		k++
	}
	if k >= len(rs) {
		return false
	}
	r := rs[k]
	if isLetter(r) {
		return true // 5g, 100mbps, 3x, 2000 users
	}
	if k == j && (r == '.' || r == '-' || r == '/' || r == '_') && k+1 < len(rs) && (isDigit(rs[k+1]) || isLetter(rs[k+1])) {
		return true // part of a code or a range's first half with no unit
	}
	switch r {
	case '%', '‰', '分', '秒', '小', '个', '人', '号', '次', '点', '时', '月', '日', '年', '天', '周', '岁', '楼', '层',
		'期', '家', '台', '套', '件', '位', '名', '户', '辆', '平', '米', '里', '斤', '克', '吨', '张', '本', '条', '份',
		'页', '字', '行', '倍', '级', '度', '折', '成', '集', '篇', '批', '单', '轮', '届', '代', '版', '座', '栋', '所',
		'间', '股', '只', '颗', '支', '箱', '盒', '瓶', '包', '遍', '回', '趟', '场', '节', '课', '门', '章', '题', '项',
		'款', '种', '类', '组', '队', '班', '排', '路', '栏', '格', '手', '码', '帧', '兆', '瓦', '升', '毫',
		'厘', '寸', '尺', '亩', '公', '英', '海', '刻', '钟', '星', '礼', '季', '床', '室', '厅', '卫', '房',
		'部', '辑', '段', '笔', '串', '粒', '头', '匹', '口', '封', '幅', '首', '架', '艘', '棵', '株', '枚', '根', '片',
		'块', '卷', '册', '扇', '把', '双', '对', '副', '桌', '杯', '碗', '顿':
		return true
	}
	return false
}

// phoneAt returns the end of a phone number starting at i, or i when there
// is none: a mobile number (11 digits starting with 1, also as 138 0013
// 8000 or 138-0013-8000), a landline with its area code (010-12345678,
// 0755 8888 6666), a 400/800 service number, +86 numbers, and any digits
// joined by dashes that are long enough to be a number to dial.
func phoneAt(rs []rune, i int) int {
	j := i
	plus := false
	if j < len(rs) && rs[j] == '+' {
		plus = true
		j++
	}
	if j < len(rs) && rs[j] == '(' {
		j++
	}
	if j >= len(rs) || !isDigit(rs[j]) {
		return i
	}
	first := rs[j]
	total, groups, dash := 0, 0, false
	var sep rune
	var firstThree [3]rune
	end := j
	for groups < 5 {
		g := 0
		for j < len(rs) && isDigit(rs[j]) {
			if total < 3 {
				firstThree[total] = rs[j]
			}
			total++
			g++
			j++
		}
		if g == 0 {
			break
		}
		groups++
		end = j
		if j < len(rs) && rs[j] == ')' {
			j++
		}
		if j+1 < len(rs) && (rs[j] == '-' || rs[j] == ' ') && (sep == 0 || rs[j] == sep) && isDigit(rs[j+1]) {
			sep = rs[j]
			if rs[j] == '-' {
				dash = true
			}
			j++
			continue
		}
		break
	}
	if end < len(rs) && (isLetter(rs[end]) || rs[end] == '.' && end+1 < len(rs) && isDigit(rs[end+1])) {
		return i
	}
	ft := string(firstThree[:])
	switch {
	case plus && total >= 10:
	case total == 11 && first == '1' && firstThree[1] >= '3':
	case first == '0' && total >= 10 && total <= 12 && groups <= 3:
	case (ft == "400" || ft == "800") && total == 10:
	case dash && groups >= 2 && total >= 7:
	default:
		// A run of groups that is not a phone: the first group alone is a
		// number; let the number reader have it.
		return i
	}
	return end
}
