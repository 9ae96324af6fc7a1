package parse

import (
	"strings"
	"unicode/utf8"
)

// Customer is a known customer of the tenant: its canonical name and the
// other names reps use for it.
type Customer struct {
	Name    string
	Aliases []string
}

// How a known customer was named in a message; a lower tier wins.
const (
	tierName = iota
	tierAlias
	tierPrefix
)

// surface is one way a known customer can be written.
type surface struct {
	canonical string
	tier      int
	ambiguous bool // a prefix or alias shared by several customers
}

// customerIndex finds known customers in a message. Keys are the names,
// aliases and unambiguous prefixes, ASCII lower-cased; the first-rune set
// and the length bound keep the scan to a few map lookups per character.
type customerIndex struct {
	surfaces map[string]surface
	first    map[rune]bool
	maxRunes int
}

// prefixStop are prefixes that are ordinary words or place names, never
// read as short for a customer even when only one customer starts so.
var prefixStop = map[string]bool{
	"中国": true, "北京": true, "上海": true, "广州": true, "深圳": true, "天津": true, "重庆": true,
	"杭州": true, "南京": true, "苏州": true, "武汉": true, "成都": true, "西安": true, "长沙": true,
	"今天": true, "明天": true, "客户": true, "公司": true, "我们": true, "中国人": true, "新的": true,
	"东方": true, "国际": true, "华南": true, "华北": true, "华东": true, "华中": true, "西部": true,
	"东部": true, "南方": true, "北方": true, "国家": true, "人民": true, "第一": true, "未来": true,
	"信息": true, "科技": true, "数据": true, "智能": true, "电话": true, "微信": true, "方案": true,
	"合同": true, "项目": true, "报价": true, "一下": true, "下周": true, "本周": true,
}

func newCustomerIndex(customers []Customer) *customerIndex {
	ix := &customerIndex{surfaces: map[string]surface{}, first: map[rune]bool{}}
	add := func(key, canonical string, tier int) {
		key = strings.TrimSpace(asciiLower(key))
		if key == "" {
			return
		}
		old, ok := ix.surfaces[key]
		switch {
		case !ok || tier < old.tier:
			ix.surfaces[key] = surface{canonical: canonical, tier: tier}
		case tier == old.tier && old.canonical != canonical:
			old.ambiguous = true
			ix.surfaces[key] = old
		default:
			return
		}
		r, _ := utf8.DecodeRuneInString(key)
		ix.first[r] = true
		if n := utf8.RuneCountInString(key); n > ix.maxRunes {
			ix.maxRunes = n
		}
	}
	for _, c := range customers {
		name := strings.TrimSpace(c.Name)
		if name == "" {
			continue
		}
		add(name, name, tierName)
		for _, a := range c.Aliases {
			add(a, name, tierAlias)
		}
	}
	for _, c := range customers {
		name := strings.TrimSpace(c.Name)
		if name == "" {
			continue
		}
		for _, w := range append([]string{name}, c.Aliases...) {
			for _, pre := range prefixes(strings.TrimSpace(w)) {
				if !prefixStop[pre] {
					add(pre, name, tierPrefix)
				}
			}
		}
	}
	return ix
}

// prefixes returns the proper prefixes of a name that may stand for it:
// two or more Chinese characters, or a whole-word ASCII prefix of four or
// more letters.
func prefixes(name string) []string {
	var out []string
	if isASCIIWord(name) {
		for n := 4; n < len(name); n++ {
			if isASCIIAlnum(name[n-1]) {
				out = append(out, name[:n])
			}
		}
		return out
	}
	runes := 0
	for i, r := range name {
		if runes >= 2 && i < len(name) {
			out = append(out, name[:i])
		}
		if !isHan(r) && runes < 2 {
			return nil
		}
		runes++
	}
	return out
}

// customerMatch is a known customer found in a message.
type customerMatch struct {
	canonical string
	tier      int
	s, e      int
}

// find returns the best known customer named in the text: by tier (name,
// alias, prefix), then the earliest, then the longest.
func (ix *customerIndex) find(m *msg) (customerMatch, bool) {
	best := customerMatch{tier: 99}
	if len(ix.surfaces) == 0 {
		return best, false
	}
	low := m.low
	for i, r := range low {
		if !ix.first[r] {
			continue
		}
		if i > 0 && r < utf8.RuneSelf && isASCIIAlnum(low[i-1]) {
			continue // not the start of an ASCII word
		}
		j := i
		for n := 1; n <= ix.maxRunes && j < len(low); n++ {
			_, size := utf8.DecodeRuneInString(low[j:])
			j += size
			sf, ok := ix.surfaces[low[i:j]]
			if !ok || sf.ambiguous {
				continue
			}
			if isASCIIWord(low[i:j]) {
				if j < len(low) && isASCIIAlnum(low[j]) {
					continue
				}
				// Short ASCII aliases ("NW") match only as written.
				if j-i <= 3 && m.text[i:j] != strings.ToUpper(m.text[i:j]) {
					continue
				}
			}
			if sf.tier < best.tier || sf.tier == best.tier && i == best.s && j > best.e {
				best = customerMatch{canonical: sf.canonical, tier: sf.tier, s: i, e: j}
			}
		}
	}
	return best, best.tier != 99
}

// canonical returns the canonical name for a customer written in full (a
// slash command's argument), or the text itself when it is not known.
func (ix *customerIndex) canonical(name string) string {
	if sf, ok := ix.surfaces[asciiLower(name)]; ok && !sf.ambiguous {
		return sf.canonical
	}
	return name
}
