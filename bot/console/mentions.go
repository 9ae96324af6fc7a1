package console

import (
	"strings"
	"unicode/utf8"

	"github.com/salesbot/salesbot/bot"
)

// findMentions returns the members @-mentioned in text, in the order written.
//
// Chinese is written without spaces ("@张三跟进一下"), so a mention is not a
// whitespace-delimited token: after each @ (or the full-width ＠ that Chinese
// input methods type) the longest member name that follows wins, so "@张三丰"
// is 张三丰 even when there is also a 张三. An @ right after a letter or digit is
// part of an e-mail address, not a mention.
func findMentions(text string, members []Member) []bot.Mention {
	var out []bot.Mention
	prev := rune(0)
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if (r == '@' || r == '＠') && !isASCIIAlnum(prev) {
			rest := text[i+size:]
			if m, ok := longestNamePrefix(rest, members); ok {
				out = append(out, bot.Mention{UserID: m.ID, Name: m.Name})
				i += size + len(m.Name)
				prev = 0 // "@张三@李四" mentions both
				continue
			}
		}
		prev = r
		i += size
	}
	return out
}

// longestNamePrefix returns the member with the longest name that s starts
// with; the first such member when two share a name.
func longestNamePrefix(s string, members []Member) (Member, bool) {
	var best Member
	found := false
	for _, m := range members {
		if m.Name != "" && strings.HasPrefix(s, m.Name) && len(m.Name) > len(best.Name) {
			best, found = m, true
		}
	}
	return best, found
}

func isASCIIAlnum(r rune) bool {
	return r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
}
