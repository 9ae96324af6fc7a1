// Package parse turns one chat message into what it is about: its intent
// and, for sales messages, the items it reports (DESIGN §6). It is
// rule-based, deterministic and needs no network.
//
// Two layers. The entity layer (Extract, Amounts) finds times, numbers and
// money. The item layer (Parser.Parse) reads the language around them:
//
//   - intent: help (a short request for it), task (an @-mention with an
//     assignment or a deadline), progress (a question about results with no
//     customer or activity), collection (money received; a chase or a
//     forecast of a payment is not one), followup (a known customer, or a new
//     one, a contact, an activity or a stage with some sales context), else
//     none.
//   - customer: a known name, then an alias, then an unambiguous prefix (星河
//     for 星河科技 when no other customer starts so; ordinary words and place
//     names never count), the canonical name returned; else a new name by
//     pattern: 新客户X, X公司 and other company suffixes, 拜访X, X的张总.
//   - contact: as written: surname + title (张总, 陈行长, 王工; 张总监 whole),
//     a full name after 联系人/对接人, Mr./Ms. Smith, Jane Doe.
//   - activity: the interaction reported as done, else the planned one; a cue
//     is planned when a future date or a plan word (再, 准备, will …) comes
//     before it in its clause and no 了/过 follows it; among several,
//     demo > visit > meeting > call > wechat > email > other.
//   - amount: the new value of a change (从20万调到26万), else the amount a
//     cue introduces (报价, 合同额, 预算, deal size), else the only amount;
//     amounts in a payment clause are collections. Currency CNY unless written.
//   - stage: only when stated as a fact: a cue is dropped when negated (没谈妥),
//     hedged (可能丢单, 担心) or planned (预计月底签约, 准备报价) in its
//     clause; the most advanced one stated wins.
//   - next_at: the earliest time after the message time; the clock time only
//     when one is said. due (tasks): the time marked 前/之前/by, else the first
//     one not past.
//   - daily reports (a 今日汇报/日报 header, or two or more numbered lines)
//     give one item per line, in the message's time.
//   - slash commands are read by slot, never guessed; /目标 is not an item
//     intent of DESIGN §6 and reads as none (route it by SlashCommand).
package parse

import (
	"strings"
	"time"
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

// classifier reads intents for callers that do not know the tenant's
// customers yet (the router): customers only refine the fields, and known
// ones only make a bare mention of a customer a follow-up.
var classifier = NewParser(nil, nil)

// Classify returns the intent of a whole message written now. Slash
// commands are read exactly; anything not recognised is IntentNone. For a
// daily report it is the intent of its first sales line.
func Classify(text string) Intent {
	return ClassifyAt(text, time.Now())
}

// ClassifyAt is Classify for a message written at now.
func ClassifyAt(text string, now time.Time) Intent {
	return classifier.Intent(text, now)
}

// Intent returns the intent of a whole message: its item's, or for a daily
// report the first line's that is not IntentNone.
func (p *Parser) Intent(text string, now time.Time) Intent {
	items := p.Parse(text, now)
	for _, it := range items {
		if it.Intent != IntentNone {
			return it.Intent
		}
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
