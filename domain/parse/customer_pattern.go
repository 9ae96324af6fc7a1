package parse

import (
	"strings"
	"unicode/utf8"
)

// orgSuffixes end a company name: 鼎盛家居, 远景能源, 华润置业. Longest first.
var orgSuffixes = []string{
	"股份有限公司", "有限责任公司", "有限公司", "集团公司", "研究院", "研究所", "事务所", "设计院", "新材料", "半导体",
	"公司", "集团", "科技", "银行", "医院", "学校", "大学", "学院", "物流", "制造", "医疗", "地产", "置业",
	"软件", "电子", "能源", "汽车", "食品", "教育", "重工", "传媒", "网络", "信息", "贸易", "实业", "控股",
	"家居", "电器", "化工", "药业", "医药", "制药", "生物", "建设", "建筑", "电气", "机械", "通信", "证券", "保险",
	"基金", "酒店", "商贸", "服饰", "物业", "环保", "材料", "光电", "农业", "餐饮", "超市", "百货", "纺织",
	"钢铁", "航空", "矿业", "水务", "燃气", "电力", "股份", "技术", "资本", "投资", "文化", "健康", "数码",
	"智能", "云计算", "物联", "发展", "工业", "仪器", "设备", "国际", "中心",
}

// nameStop are characters that end a company name when reading leftwards
// from its suffix: 拜访了|鼎盛家居, 和|远景能源.
const nameStop = "做来回户趟了的和跟与给去到在是把向对为从见访约找帮替话系聊过进拨打发问谢被让叫请向同及或还也都又再就才已将要会可该这那此其每各某个位家们我你他她它吗呢吧啊呀哦嗯,，。、:：;；!！?？ \t\n()（）【】[]《》\"“”'‘’"

// leadingTime are time words a name can't start with: 今天鼎盛家居 → 鼎盛家居.
var leadingTime = []string{"今天", "昨天", "明天", "后天", "前天", "上午", "下午", "中午", "晚上", "早上", "刚才", "刚刚", "今早", "今晚", "本周", "下周", "上周", "周一", "周二", "周三", "周四", "周五", "周六", "周日", "月底", "拜访", "电话", "联系", "新客户", "客户"}

// genericNames are words before a suffix that do not name a company.
var genericNames = map[string]bool{
	"我们": true, "我司": true, "客户": true, "这家": true, "那家": true, "对方": true, "一家": true, "本": true,
	"贵": true, "该": true, "他们": true, "你们": true, "咱们": true, "母": true, "子": true, "分": true, "总": true,
	"有限": true, "股份": true, "上市": true, "合作": true, "竞品": true, "竞争": true, "友商": true, "大": true,
	"这个": true, "那个": true, "某": true, "新": true, "老": true, "各": true, "几家": true, "两家": true,
	"人工": true, "高新": true, "信息": true, "黑": true, "前沿": true, "核心": true, "相关": true, "其他": true,
}

// newCustomer finds a customer name that is not in the tenant's list, by
// pattern: 新客户X / 新线索X, X公司 (and the other company suffixes),
// 拜访X, and X的张总.
func newCustomer(m *msg) (string, span) {
	s := m.text
	// 新客户:鼎盛家居 — the name is what follows, up to punctuation or a contact.
	for _, key := range []string{"新客户", "新线索", "新商机", "潜在客户", "意向客户"} {
		i := strings.Index(s, key)
		if i < 0 {
			continue
		}
		j := i + len(key)
		for j < len(s) && (s[j] == ':' || s[j] == ',' || s[j] == ' ' || s[j] == '-') {
			j++
		}
		for _, pre := range []string{"是", "叫"} {
			if strings.HasPrefix(s[j:], pre) {
				j += len(pre)
			}
		}
		// 华峰化工新客户, 瑞丰是新客户.
		k := i
		for _, pre := range []string{"是", "为", "这个", "这家"} {
			if strings.HasSuffix(s[:k], pre) {
				k -= len(pre)
				break
			}
		}
		if name, st := nameBefore(s, k); name != "" {
			return name, span{st, k}
		}
		if name, e := nameRun(s, j); name != "" {
			return name, span{j, e}
		}
	}
	// X公司: read leftwards from the suffix.
	for _, suf := range orgSuffixes {
		from := 0
		for {
			k := strings.Index(s[from:], suf)
			if k < 0 {
				break
			}
			k += from
			from = k + len(suf)
			// 信息部, 技术中心: a department, not a company.
			if next, _ := utf8.DecodeRuneInString(s[from:]); strings.ContainsRune("部处科室组办", next) {
				continue
			}
			if name, st := nameBefore(s, k); name != "" {
				end := k + len(suf)
				// 有限公司 after 科技 etc. belongs to the name.
				for _, tail := range []string{"股份有限公司", "有限责任公司", "有限公司", "集团", "公司"} {
					if strings.HasPrefix(s[end:], tail) {
						end += len(tail)
						break
					}
				}
				return s[st:end], span{st, end}
			}
		}
	}
	// 拜访X / 去X拜访 / X的张总.
	for _, key := range []string{"拜访了", "拜访", "走访了", "走访", "去了", "约见了", "约见"} {
		i := strings.Index(s, key)
		if i < 0 {
			continue
		}
		j := i + len(key)
		if name, e := nameRun(s, j); name != "" && !genericNames[name] && !isTimeWord(name) {
			return name, span{j, e}
		}
	}
	for i, r := range s {
		if r != '的' {
			continue
		}
		if contactAt(s, i+len("的")) == 0 {
			continue
		}
		if name, st := nameBefore(s, i); name != "" {
			return name, span{st, i}
		}
	}
	return englishNewCustomer(m)
}

// nameRun reads a name starting at byte j: Chinese characters or an ASCII
// word, up to punctuation, 的, or the start of a contact (鼎盛家居孙经理).
func nameRun(s string, j int) (string, int) {
	k := j
	runes := 0
	for k < len(s) && runes < 16 {
		r, size := utf8.DecodeRuneInString(s[k:])
		if r == '的' || strings.ContainsRune(",，。、:：;；!！?？ \t\n()（）", r) {
			break
		}
		if runes >= 2 && contactAt(s, k) > 0 {
			break
		}
		if !isHan(r) && !isASCIIAlnum(byte(r)) && r != '&' && r != '-' || r >= utf8.RuneSelf && !isHan(r) {
			break
		}
		k += size
		runes++
	}
	name := s[j:k]
	if runes < 2 || contactAt(s, j) > 0 || genericNames[name] || !plausibleName(name) {
		return "", j
	}
	// Strip trailing words that are not part of a name.
	for _, tail := range []string{"采购部", "信息部", "技术部", "财务部", "项目", "那边", "这边", "公司那边"} {
		name = strings.TrimSuffix(name, tail)
	}
	if utf8.RuneCountInString(name) < 2 {
		return "", j
	}
	return name, j + len(name)
}

// nameBefore reads the name that ends at byte k (just before a company
// suffix or 的), leftwards over Chinese characters up to a stop character;
// it returns the name and its start, or "".
func nameBefore(s string, k int) (string, int) {
	st := k
	runes := 0
	for st > 0 && runes < 8 {
		r, size := utf8.DecodeLastRuneInString(s[:st])
		if strings.ContainsRune(nameStop, r) {
			break
		}
		if !isHan(r) && !(r < utf8.RuneSelf && (isASCIIAlnum(byte(r)) || r == '&')) {
			break
		}
		st -= size
		runes++
	}
	for changed := true; changed; {
		changed = false
		for _, w := range leadingTime {
			if strings.HasPrefix(s[st:k], w) && k-st > len(w) {
				st += len(w)
				changed = true
			}
		}
	}
	// A contact or a time word inside the run ends what precedes the name:
	// 东航孙总今天|来公司 has no name, 采购部孙经理 neither.
	for i := st; i < k; {
		if n := contactAt(s, i); n > 0 && i+n <= k {
			st = i + n
			i = st
			continue
		}
		cut := false
		for _, w := range leadingTime {
			if i > st && strings.HasPrefix(s[i:k], w) {
				st = i + len(w)
				i = st
				cut = true
				break
			}
		}
		if !cut {
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size
		}
	}
	name := s[st:k]
	if utf8.RuneCountInString(name) < 2 && !(len(name) >= 2 && isASCIIWord(name)) {
		return "", k
	}
	if genericNames[name] || isTimeWord(name) || !plausibleName(name) {
		return "", k
	}
	// A name that is itself a contact or a sales word is not a company.
	if contactAt(s, st) > 0 {
		return "", k
	}
	return name, st
}

// plausibleName rejects runs that describe customers instead of naming one:
// 一家新客户, 两个客户, 老客户.
func plausibleName(name string) bool {
	if containsAny(name, "了", "客户", "公司那", "我们", "他们", "对方", "一下", "一次") {
		return false
	}
	r, _ := utf8.DecodeRuneInString(name)
	if strings.ContainsRune("一二两三四五六七八九十几多各每某这那该本此其个", r) {
		return false
	}
	return true
}

// hasOrgSuffix reports whether a name ends like a company's.
func hasOrgSuffix(name string) bool {
	for _, suf := range orgSuffixes {
		if strings.HasSuffix(name, suf) {
			return true
		}
	}
	return false
}

func isTimeWord(w string) bool {
	for _, t := range leadingTime {
		if w == t {
			return true
		}
	}
	return false
}

// englishSuffixes end an English company name: "Acme Corp".
var englishSuffixes = []string{"inc", "inc.", "corp", "corp.", "corporation", "ltd", "ltd.", "llc", "co.", "gmbh", "group", "limited", "plc", "technologies", "systems", "labs", "bank"}

// englishNewCustomer reads "new customer Acme" / "new lead: Acme" or a
// capitalised name before a company suffix ("Acme Corp").
func englishNewCustomer(m *msg) (string, span) {
	low := m.low
	for _, key := range []string{"new customer", "new client", "new lead", "new prospect", "new account"} {
		i := strings.Index(low, key)
		if i < 0 {
			continue
		}
		j := i + len(key)
		for j < len(low) && (low[j] == ' ' || low[j] == ':' || low[j] == '-' || low[j] == ',') {
			j++
		}
		words := capitalisedWords(m.text[j:])
		if len(words) == 0 || words[0].s != 0 {
			continue
		}
		end := words[0].e
		for k := 1; k < len(words) && words[k].s == end+1; k++ {
			end = words[k].e
		}
		return m.text[j : j+end], span{j, j + end}
	}
	words := capitalisedWords(m.text)
	for k := 1; k < len(words); k++ {
		w := strings.ToLower(m.text[words[k].s:words[k].e])
		for _, suf := range englishSuffixes {
			if w != strings.TrimSuffix(suf, ".") {
				continue
			}
			a := words[k-1]
			if a.e+1 != words[k].s || notNames[strings.ToLower(m.text[a.s:a.e])] {
				continue
			}
			end := words[k].e
			if end < len(m.text) && m.text[end] == '.' {
				end++
			}
			return m.text[a.s:end], span{a.s, end}
		}
	}
	return "", span{}
}
