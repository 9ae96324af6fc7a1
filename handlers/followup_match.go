package handlers

import (
	"strings"
	"unicode/utf8"

	"github.com/salesbot/salesbot/domain"
	"github.com/salesbot/salesbot/domain/parse"
)

// How the customer of a follow-up was found.
type matchKind int

const (
	// customerUnclear: none named, or several close; ask the rep.
	customerUnclear matchKind = iota
	customerKnown
	customerNew
)

// customerMatch is the customer a follow-up is about.
type customerMatch struct {
	kind     matchKind
	customer domain.Customer // customerKnown
	// name is the new customer's name (customerNew), or the name written
	// when it is unclear (offered as a new customer).
	name       string
	candidates []domain.Customer // customerUnclear
}

// displayName is the matched customer's name, marked when new.
func (c customerMatch) displayName() string {
	if c.kind == customerKnown {
		return c.customer.Name
	}
	return c.name + "(新客户)"
}

func (c customerMatch) candidateIDs() []string {
	ids := make([]string, len(c.candidates))
	for i, x := range c.candidates {
		ids[i] = x.ID
	}
	return ids
}

// resolveCustomer finds the customer an item names. A known name, alias or
// short name of exactly one customer is that customer; a new customer only
// when the text says so (新客户…) or no existing one is close; anything
// else is asked.
func resolveCustomer(customers []domain.Customer, it parse.Item, text string) customerMatch {
	name := clipName(it.Customer)
	if name == "" || bogusName(name, it.Contact) {
		return customerMatch{kind: customerUnclear}
	}
	return matchName(customers, name, saysNew(text))
}

// saysNew reports whether a message says its customer is a new one.
func saysNew(text string) bool {
	l := strings.ToLower(text)
	return strings.Contains(l, "新客户") || strings.Contains(l, "new customer") || strings.Contains(l, "new client")
}

// bogusName catches customer names that are a clause's debris rather than a
// company: "了张总" from "拜访了张总".
func bogusName(name, contact string) bool {
	r, _ := utf8.DecodeRuneInString(name)
	if strings.ContainsRune("了的和跟与在去到给把被是", r) {
		return true
	}
	return contact != "" && name == contact
}

// matchName resolves a customer name the rep wrote.
func matchName(customers []domain.Customer, name string, forceNew bool) customerMatch {
	name = strings.TrimSpace(name)
	for _, c := range customers {
		if strings.EqualFold(c.Name, name) {
			return customerMatch{kind: customerKnown, customer: c}
		}
	}
	for _, c := range customers {
		for _, a := range c.Aliases {
			if strings.EqualFold(a, name) {
				return customerMatch{kind: customerKnown, customer: c}
			}
		}
	}
	if forceNew {
		return customerMatch{kind: customerNew, name: name}
	}
	// A short name: the customers whose name or alias contains it.
	var containing []domain.Customer
	for _, c := range customers {
		if containsFold(c.Name, name) || anyAlias(c, func(a string) bool { return containsFold(a, name) }) {
			containing = append(containing, c)
		}
	}
	if len(containing) == 1 && utf8.RuneCountInString(name) >= 2 {
		return customerMatch{kind: customerKnown, customer: containing[0]}
	}
	if len(containing) > 1 {
		return customerMatch{kind: customerUnclear, name: name, candidates: containing}
	}
	// A longer or different name close to an existing one: ask.
	var close []domain.Customer
	for _, c := range customers {
		if near(c.Name, name) || anyAlias(c, func(a string) bool { return near(a, name) }) {
			close = append(close, c)
		}
	}
	if len(close) > 0 {
		return customerMatch{kind: customerUnclear, name: name, candidates: close}
	}
	return customerMatch{kind: customerNew, name: name}
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

func anyAlias(c domain.Customer, f func(string) bool) bool {
	for _, a := range c.Aliases {
		if f(a) {
			return true
		}
	}
	return false
}

// genericPrefixes are shared beginnings of unrelated company names.
var genericPrefixes = map[string]bool{
	"中国": true, "北京": true, "上海": true, "广州": true, "深圳": true, "杭州": true, "南京": true,
	"天津": true, "重庆": true, "成都": true, "武汉": true, "苏州": true, "西安": true, "华东": true,
	"华南": true, "华北": true, "东方": true, "国际": true, "科技": true, "信息": true,
}

// near reports whether two names are close: one contains the other (of two
// characters or more), or they start with the same two characters that are
// not a place or an ordinary word.
func near(known, written string) bool {
	k, w := []rune(strings.ToLower(known)), []rune(strings.ToLower(written))
	if len(k) >= 2 && strings.Contains(string(w), string(k)) {
		return true
	}
	if len(k) < 2 || len(w) < 2 || k[0] != w[0] || k[1] != w[1] {
		return false
	}
	return !genericPrefixes[string(k[:2])]
}
