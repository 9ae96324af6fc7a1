package parse

import (
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// span is a half-open byte range of a message.
type span struct{ s, e int }

// ent is an entity of the entity layer with its rune offsets turned into
// byte offsets of the message text.
type ent struct {
	Entity
	s, e int
}

// msg is one message (or one line of a daily report) prepared for the item
// rules: the text with mentions blanked out, an ASCII-lower-cased twin with
// the same byte offsets, its clauses and the entities found in it.
type msg struct {
	now     time.Time
	text    string
	low     string
	han     bool
	clauses []span
	times   []ent
	amounts []ent
}

func newMsg(text string, now time.Time) *msg {
	m := &msg{now: now, text: text, low: asciiLower(text)}
	for _, r := range text {
		if r >= 0x3400 && unicode.Is(unicode.Han, r) {
			m.han = true
			break
		}
	}
	m.clauses = clauses(text)
	var r2b []int
	byteOff := func(runeOff int) int {
		if r2b == nil {
			r2b = make([]int, 0, len(text)+1)
			for i := range text {
				r2b = append(r2b, i)
			}
			r2b = append(r2b, len(text))
		}
		if runeOff < 0 {
			return 0
		}
		if runeOff >= len(r2b) {
			return len(text)
		}
		return r2b[runeOff]
	}
	for _, e := range Extract(text, now) {
		if e.Dim == DimTime {
			m.times = append(m.times, ent{e, byteOff(e.Start), byteOff(e.End)})
		}
	}
	for _, e := range Amounts(text) {
		m.amounts = append(m.amounts, ent{e, byteOff(e.Start), byteOff(e.End)})
	}
	return m
}

// asciiLower lower-cases ASCII letters only, so byte offsets stay valid.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; c >= 'A' && c <= 'Z' {
					b[j] = c + 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// clauses splits a message at sentence and clause punctuation. A full stop
// ends a clause only when a space or the end follows it and it does not
// end an abbreviation such as "Mr.", so "86.5万" and "Mr. Smith" stay whole.
func clauses(s string) []span {
	var out []span
	start := 0
	for i, r := range s {
		cut := false
		switch r {
		case ',', ';', '!', '?', '\n', '，', '。', '；', '！', '？', '…':
			cut = true
		case '.':
			if i+1 == len(s) || s[i+1] == ' ' || s[i+1] == '\n' {
				w := lastWord(s[start:i])
				cut = !abbreviations[strings.ToLower(w)]
			}
		}
		if cut {
			if i > start {
				out = append(out, span{start, i})
			}
			start = i + utf8.RuneLen(r)
		}
	}
	if start < len(s) {
		out = append(out, span{start, len(s)})
	}
	return out
}

var abbreviations = map[string]bool{"mr": true, "ms": true, "mrs": true, "dr": true, "st": true, "no": true, "inc": true, "co": true, "ltd": true, "corp": true, "jr": true, "sr": true, "prof": true}

func lastWord(s string) string {
	i := strings.LastIndexAny(s, " \t")
	return s[i+1:]
}

// clauseWindow bounds how far a clause reaches either side of a position, in
// bytes, so that a long unpunctuated text costs linear time.
const clauseWindow = 150

// clauseOf returns the clause that holds byte offset i, cut to
// clauseWindow bytes either side of it.
func (m *msg) clauseOf(i int) span {
	k := sort.Search(len(m.clauses), func(k int) bool { return m.clauses[k].e > i })
	if k == len(m.clauses) || m.clauses[k].s > i {
		return span{i, i}
	}
	c := m.clauses[k]
	if c.s < i-clauseWindow {
		c.s = i - clauseWindow
		for c.s < i && !isRuneStart(m.text[c.s]) {
			c.s++
		}
	}
	if c.e > i+clauseWindow {
		c.e = i + clauseWindow
		for c.e > i && c.e < len(m.text) && !isRuneStart(m.text[c.e]) {
			c.e--
		}
	}
	return c
}

// isHan reports whether r is a Chinese character.
func isHan(r rune) bool { return r >= 0x3400 && unicode.Is(unicode.Han, r) }

func isASCIIAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// wordBounded reports whether low[i:j] is a whole word: no letter or digit
// continues it on either side.
func wordBounded(low string, i, j int) bool {
	if i > 0 && isASCIIAlnum(low[i-1]) && isASCIIAlnum(low[i]) {
		return false
	}
	if j < len(low) && isASCIIAlnum(low[j]) && isASCIIAlnum(low[j-1]) {
		return false
	}
	// "won't" is not "won".
	if j+1 < len(low) && low[j] == '\'' && low[j+1] >= 'a' && low[j+1] <= 'z' {
		return false
	}
	return true
}

// findWord returns the first index of the ASCII word w in low at word
// boundaries, or -1. A word ending in '*' matches as a prefix.
func findWord(low, w string) int {
	prefix := strings.HasSuffix(w, "*")
	if prefix {
		w = w[:len(w)-1]
	}
	for from := 0; from < len(low); {
		i := strings.Index(low[from:], w)
		if i < 0 {
			return -1
		}
		i += from
		j := i + len(w)
		if prefix {
			for j < len(low) && isASCIIAlnum(low[j]) {
				j++
			}
		}
		if wordBounded(low, i, j) {
			return i
		}
		from = i + 1
	}
	return -1
}

// cue is a word or phrase that signals something. ASCII cues are matched as
// whole words in the lower-cased text; others as substrings.
type cue struct {
	word  string
	ascii bool
}

func cues(words ...string) []cue {
	out := make([]cue, len(words))
	for i, w := range words {
		out[i] = cue{word: w, ascii: isASCIIWord(w)}
	}
	return out
}

func isASCIIWord(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// hit is where a cue was found.
type hit struct {
	s, e int
	word string
}

// find returns every occurrence of the cues in the span, in text order;
// at one position the longest cue wins.
func (m *msg) find(cs []cue, in span) []hit {
	var out []hit
	for _, c := range cs {
		hay := m.text
		if c.ascii {
			hay = m.low
		}
		w := c.word
		prefix := c.ascii && strings.HasSuffix(w, "*")
		if prefix {
			w = w[:len(w)-1]
		}
		for from := in.s; from < in.e; {
			i := strings.Index(hay[from:in.e], w)
			if i < 0 {
				break
			}
			i += from
			j := i + len(w)
			if c.ascii {
				if prefix {
					for j < in.e && isASCIIAlnum(hay[j]) {
						j++
					}
				}
				if !wordBounded(hay, i, j) {
					from = i + 1
					continue
				}
			}
			out = append(out, hit{i, j, c.word})
			from = j
		}
	}
	if len(out) < 2 {
		return out
	}
	// Sort by start, longer first, and drop hits inside an earlier one.
	sort.Slice(out, func(i, j int) bool {
		return out[i].s < out[j].s || out[i].s == out[j].s && out[i].e > out[j].e
	})
	kept := out[:1]
	for _, h := range out[1:] {
		if h.s >= kept[len(kept)-1].e {
			kept = append(kept, h)
		}
	}
	return kept
}

// has reports whether any cue occurs in the span.
func (m *msg) has(cs []cue, in span) bool {
	for _, c := range cs {
		if c.ascii {
			if findWord(m.low[in.s:in.e], c.word) >= 0 {
				return true
			}
		} else if strings.Contains(m.text[in.s:in.e], c.word) {
			return true
		}
	}
	return false
}

func (m *msg) all() span { return span{0, len(m.text)} }

// runesBefore returns up to n runes of text ending at byte i.
func runesBefore(s string, i, n int) string {
	j := i
	for k := 0; k < n && j > 0; k++ {
		_, size := utf8.DecodeLastRuneInString(s[:j])
		j -= size
	}
	return s[j:i]
}

// runesAfter returns up to n runes of text starting at byte i.
func runesAfter(s string, i, n int) string {
	j := i
	for k := 0; k < n && j < len(s); k++ {
		_, size := utf8.DecodeRuneInString(s[j:])
		j += size
	}
	return s[i:j]
}

func containsAny(s string, words ...string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}
