package parse

import (
	"strings"
	"unicode/utf8"
)

// surnames are the common Chinese family names, without the ones that are
// too often an ordinary word before a title (和, 时, 全, 应 …).
const surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕季裴霍涂苗谷盛曲翁冉骆蓝游辛靳管柴蒙鲍华喻祁蒲房滕屈饶牟艾尤阳穆农司卓古吉缪简芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂佟臧闵苟邬边卞姬仇栾隋刁沙荣巫寇桑郎甄丛仲虞敖巩佘池迟邝"

var compoundSurnames = []string{"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "司徒", "夏侯"}

// titles, longest first, so 张总经理 is read whole and 张总监 is not 张总.
var titles = []string{
	"副总经理", "董事长", "总经理", "副总裁", "总工程师", "副院长", "副行长", "副主任", "副局长", "副校长",
	"副总监", "副经理", "秘书长", "所长", "店长", "组长", "站长", "总助",
	"总监", "经理", "主任", "行长", "主管", "老师", "会计", "部长", "处长", "科长", "局长", "院长",
	"校长", "厂长", "书记", "总裁", "副总", "总工", "老板", "教授", "博士", "律师", "医生", "秘书",
	"助理", "董", "总", "工",
}

// titleNotAfter lists, for the one-character titles, the characters that
// make them part of a word instead: 总价, 工作.
var titleNotAfter = map[string]string{
	"总": "价额计共体结部包算数量之是要也还会有",
	"工": "作程期具厂资单艺业商位地人种序",
	"董": "事",
}

// contactAt reads a Chinese contact (surname + title) starting at byte i,
// returning its byte length or 0.
func contactAt(s string, i int) int {
	r, size := utf8.DecodeRuneInString(s[i:])
	n := 0
	for _, cs := range compoundSurnames {
		if strings.HasPrefix(s[i:], cs) {
			n = len(cs)
			break
		}
	}
	if n == 0 {
		if !strings.ContainsRune(surnames, r) {
			return 0
		}
		n = size
		// 下周工作 and 对方总监 are not people.
		if i > 0 {
			prev, _ := utf8.DecodeLastRuneInString(s[:i])
			switch {
			case r == '周' && strings.ContainsRune("下上本这每该当一两二三四五六七八九十几个", prev):
				return 0
			case r == '方' && strings.ContainsRune("对双各甲乙买卖三多校院资", prev):
				return 0
			case r == '高' && strings.ContainsRune("提最较很更", prev):
				return 0
			case r == '文' && strings.ContainsRune("中英公", prev):
				return 0
			}
		}
	}
	rest := s[i+n:]
	for _, t := range titles {
		if !strings.HasPrefix(rest, t) {
			continue
		}
		if bad, ok := titleNotAfter[t]; ok {
			next, _ := utf8.DecodeRuneInString(rest[len(t):])
			if strings.ContainsRune(bad, next) {
				return 0
			}
		}
		return n + len(t)
	}
	return 0
}

// findContact returns the customer-side person as written: a surname and
// title (张总, 陈行长), a full name after 联系人/对接人, or an English name
// (Mr. Smith, Jane Doe). Text inside the skip span (the customer's name)
// is not searched.
func findContact(m *msg, skip span) string {
	s := m.text
	// A full name after 联系人/对接人 is the most explicit.
	for _, key := range []string{"联系人", "对接人", "负责人", "决策人"} {
		if i := strings.Index(s, key); i >= 0 {
			j := i + len(key)
			for j < len(s) && (s[j] == ':' || s[j] == ' ') {
				j++
			}
			for _, pre := range []string{"是", "为", " "} {
				if strings.HasPrefix(s[j:], pre) {
					j += len(pre)
				}
			}
			if n := contactAt(s, j); n > 0 {
				return s[j : j+n]
			}
			if name := chineseName(s[j:]); name != "" {
				return name
			}
		}
	}
	if m.han {
		for i, r := range s {
			if i >= skip.s && i < skip.e {
				continue
			}
			if r < 0x4e00 {
				continue
			}
			if n := contactAt(s, i); n > 0 {
				return s[i : i+n]
			}
		}
	}
	return englishContact(m, skip)
}

// looksLikeContact reports whether a whole slash-command argument names a
// person: 刘总, 王小明, Mr. Smith.
func looksLikeContact(a string) bool {
	if n := contactAt(a, 0); n == len(a) {
		return true
	}
	if name := chineseName(a); name == a {
		return true
	}
	if isASCIIWord(a) {
		for i := 0; i < len(a); i++ {
			if c := a[i]; !isASCIIAlnum(c) && c != '.' && c != ' ' && c != '-' && c != '\'' {
				return false
			}
		}
		return len(a) > 1 && a[0] >= 'A' && a[0] <= 'Z'
	}
	return false
}

// chineseName reads a full Chinese name (surname and one or two given
// characters) at the start of s.
func chineseName(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if !strings.ContainsRune(surnames, r) {
		return ""
	}
	n, runes := size, 1
	for n < len(s) && runes < 3 {
		r, size := utf8.DecodeRuneInString(s[n:])
		if !isHan(r) || runes == 2 && strings.ContainsRune("电手微邮说的是负在和先女男总经", r) {
			break
		}
		n += size
		runes++
	}
	if runes < 2 {
		return ""
	}
	return s[:n]
}

// honorifics start an English contact: "Mr. Smith".
var honorifics = []string{"mr. ", "ms. ", "mrs. ", "dr. ", "mr ", "ms ", "mrs ", "dr ", "miss ", "prof. "}

// notNames are capitalised words that do not start or end a person's name.
var notNames = map[string]bool{
	"called": true, "call": true, "met": true, "meet": true, "visited": true, "visit": true, "sent": true,
	"emailed": true, "email": true, "demo": true, "lunch": true, "dinner": true, "meeting": true,
	"follow": true, "followed": true, "next": true, "new": true, "the": true, "with": true, "and": true,
	"quote": true, "deal": true, "signed": true, "lost": true, "won": true, "we": true, "they": true,
	"i": true, "mr": true, "ms": true, "mrs": true, "dr": true, "ceo": true, "cfo": true, "cto": true,
	"coo": true, "vp": true, "it": true, "hr": true, "poc": true, "erp": true, "crm": true, "today": true,
	"tomorrow": true, "yesterday": true, "monday": true, "tuesday": true, "wednesday": true,
	"thursday": true, "friday": true, "saturday": true, "sunday": true, "january": true, "february": true,
	"march": true, "april": true, "may": true, "june": true, "july": true, "august": true,
	"september": true, "october": true, "november": true, "december": true, "jan": true, "feb": true,
	"mar": true, "apr": true, "jun": true, "jul": true, "aug": true, "sep": true, "sept": true,
	"oct": true, "nov": true, "dec": true, "inc": true, "corp": true, "ltd": true, "llc": true,
	"group": true, "co": true, "company": true, "bank": true, "team": true, "please": true, "need": true,
	"had": true, "have": true, "has": true, "got": true, "received": true, "wired": true, "paid": true,
	"payment": true, "discussed": true, "spoke": true, "talked": true, "presented": true, "pitched": true,
	"negotiated": true, "closed": true, "proposal": true, "contract": true, "budget": true, "hi": true,
	"hello": true, "thanks": true, "ok": true, "pm": true, "am": true, "q1": true, "q2": true, "q3": true,
	"q4": true, "rmb": true, "usd": true, "cny": true, "wechat": true, "zoom": true, "teams": true,
}

// englishContact finds "Mr. Smith" or a capitalised first and last name.
func englishContact(m *msg, skip span) string {
	low := m.low
	for _, h := range honorifics {
		i := strings.Index(low, h)
		if i < 0 || i > 0 && isASCIIAlnum(low[i-1]) {
			continue
		}
		j := i + len(h)
		k := j
		for k < len(m.text) && (isASCIIAlnum(m.text[k]) || m.text[k] == '-' || m.text[k] == '\'') {
			k++
		}
		if k > j && m.text[j] >= 'A' && m.text[j] <= 'Z' {
			return m.text[i:k]
		}
	}
	// Two capitalised words in a row that are neither the customer nor
	// ordinary words: "Jane Doe".
	words := capitalisedWords(m.text)
	for i := 0; i+1 < len(words); i++ {
		a, b := words[i], words[i+1]
		if a.e+1 != b.s || m.text[a.e] != ' ' {
			continue
		}
		if a.s < skip.e && a.e > skip.s || b.s < skip.e && b.e > skip.s {
			continue
		}
		wa, wb := m.text[a.s:a.e], m.text[b.s:b.e]
		if notNames[strings.ToLower(wa)] || notNames[strings.ToLower(wb)] || len(wa) < 2 || len(wb) < 2 {
			continue
		}
		if isUpperWord(wa) || isUpperWord(wb) {
			continue
		}
		return wa + " " + wb
	}
	return ""
}

// capitalisedWords returns the spans of ASCII words that start with a capital.
func capitalisedWords(s string) []span {
	var out []span
	for i := 0; i < len(s); {
		if !isASCIIAlnum(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && (isASCIIAlnum(s[j]) || s[j] == '\'' || s[j] == '-') {
			j++
		}
		if s[i] >= 'A' && s[i] <= 'Z' {
			out = append(out, span{i, j})
		}
		i = j
	}
	return out
}

func isUpperWord(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] >= 'a' && w[i] <= 'z' {
			return false
		}
	}
	return true
}
