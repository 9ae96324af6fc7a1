package parse

import (
	"strings"
	"unicode/utf8"
)

// mentionStop are characters that cannot continue a Chinese name written
// after @ without a space: "@李娜请…" is 李娜.
const mentionStop = "一说也都已请麻帮你您负跟准明今后下周本这把给去和在尽马立把记提确出做发看跟催安配协整完处搞落联对的吧呀啊呢哈"

// takeMentions finds the @-mentions of a message in order (Lark's
// "@_user_1" markup and plain "@name"), and returns them with the text in
// which each mention is replaced by one space, so that a mentioned member
// is not read as a customer-side contact.
func (p *Parser) takeMentions(text string) ([]string, string) {
	if !strings.ContainsRune(text, '@') {
		return nil, text
	}
	var names []string
	var b strings.Builder
	b.Grow(len(text))
	i := 0
	for i < len(text) {
		c := text[i]
		if c != '@' || i > 0 && isASCIIAlnum(text[i-1]) && !strings.HasPrefix(text[i+1:], "_user") {
			// An e-mail address, or just a character.
			_, size := utf8.DecodeRuneInString(text[i:])
			b.WriteString(text[i : i+size])
			i += size
			continue
		}
		n := p.mentionLen(text[i+1:])
		if n == 0 {
			b.WriteByte(c)
			i++
			continue
		}
		names = append(names, text[i+1:i+1+n])
		b.WriteByte(' ')
		i += 1 + n
	}
	return names, b.String()
}

// mentionLen returns the byte length of the name that starts s (just after
// an @), or 0.
func (p *Parser) mentionLen(s string) int {
	// Known members first, longest name wins.
	best := 0
	for _, name := range p.members {
		if len(name) > best && strings.HasPrefix(s, name) {
			best = len(name)
		}
	}
	if best > 0 {
		return best
	}
	// ASCII names and platform markup: letters, digits, _ . -
	n := 0
	for n < len(s) && (isASCIIAlnum(s[n]) || s[n] == '_' || s[n] == '-' || s[n] == '.') {
		n++
	}
	for n > 0 && (s[n-1] == '.' || s[n-1] == '-') {
		n--
	}
	if n > 0 {
		return n
	}
	// A Chinese name: up to four characters, cut where a verb or particle
	// starts when no space follows the name.
	runes := 0
	for n < len(s) && runes < 5 {
		r, size := utf8.DecodeRuneInString(s[n:])
		if !isHan(r) {
			break
		}
		if runes >= 2 && strings.ContainsRune(mentionStop, r) {
			break
		}
		n += size
		runes++
	}
	if runes > 4 {
		// Too long to be a name: keep the usual three characters.
		n = len(runesAfter(s, 0, 3))
	}
	return n
}
