// Package parse turns one chat message into what it is about: its intent
// and, for sales messages, the items it reports. It is rule-based,
// deterministic and needs no network.
package parse

import (
	"strings"
	"unicode"
)

// Intent is what a message (or one line of a daily report) is.
type Intent string

// Intents.
const (
	IntentFollowUp   Intent = "followup"
	IntentCollection Intent = "collection"
	IntentTask       Intent = "task"
	IntentProgress   Intent = "progress"
	IntentHelp       Intent = "help"
	IntentNone       Intent = "none"
)

// helpWords are whole messages that ask for help, after normalisation.
var helpWords = map[string]bool{
	"帮助": true, "help": true, "?": true, "怎么用": true, "使用说明": true,
	"菜单": true, "功能": true, "你能做什么": true, "你会什么": true, "h": true,
}

// Classify returns the intent of a whole message. Slash commands are read
// exactly; anything not recognised is IntentNone.
func Classify(text string) Intent {
	t := Normalize(text)
	if cmd, _, ok := SlashCommand(t); ok {
		switch cmd {
		case "帮助", "help":
			return IntentHelp
		case "跟进":
			return IntentFollowUp
		case "回款":
			return IntentCollection
		case "任务":
			return IntentTask
		case "进度":
			return IntentProgress
		}
		return IntentNone
	}
	if helpWords[strings.ToLower(strings.Trim(t, "?!。! "))] || helpWords[strings.ToLower(t)] {
		return IntentHelp
	}
	return IntentNone
}

// SlashCommand splits "/回款 星河科技 30万" into its command and arguments.
func SlashCommand(text string) (cmd string, args []string, ok bool) {
	t := strings.TrimSpace(text)
	if !strings.HasPrefix(t, "/") {
		return "", nil, false
	}
	fields := strings.Fields(t[1:])
	if len(fields) == 0 {
		return "", nil, false
	}
	return strings.ToLower(fields[0]), fields[1:], true
}

// Normalize folds full-width characters to half-width, turns the ideographic
// space into a space and trims. It keeps the text's meaning and script.
func Normalize(text string) string {
	var b strings.Builder
	b.Grow(len(text))
	for _, r := range text {
		switch {
		case r == '\u3000':
			r = ' '
		case r >= '\uff01' && r <= '\uff5e':
			r -= 0xfee0
		}
		b.WriteRune(r)
	}
	return strings.TrimSpace(b.String())
}

// IsEnglish reports whether a message is written in English rather than
// Chinese: it has Latin letters and no Han characters.
func IsEnglish(text string) bool {
	latin := false
	for _, r := range text {
		if unicode.Is(unicode.Han, r) {
			return false
		}
		if r < 128 && unicode.IsLetter(r) {
			latin = true
		}
	}
	return latin
}
