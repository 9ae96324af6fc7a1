package parse

import (
	"strings"
	"time"

	"github.com/salesbot/salesbot/domain"
)

// activityNames are the words a /跟进 command's activity argument may be.
var activityNames = map[string]domain.Activity{
	"拜访": domain.ActivityVisit, "上门": domain.ActivityVisit, "visit": domain.ActivityVisit,
	"电话": domain.ActivityCall, "通话": domain.ActivityCall, "call": domain.ActivityCall,
	"微信": domain.ActivityWeChat, "wechat": domain.ActivityWeChat,
	"会议": domain.ActivityMeeting, "开会": domain.ActivityMeeting, "meeting": domain.ActivityMeeting,
	"演示": domain.ActivityDemo, "demo": domain.ActivityDemo,
	"邮件": domain.ActivityEmail, "email": domain.ActivityEmail,
	"其他": domain.ActivityOther, "其它": domain.ActivityOther, "other": domain.ActivityOther,
}

// emptyArg marks an argument left out on purpose.
func emptyArg(a string) bool {
	switch a {
	case "-", "—", "无", "空", "_", "/":
		return true
	}
	return false
}

// slash reads a slash command exactly: each argument is read for its own
// slot, nothing is guessed from free text. /目标 (targets) is not one of
// the item intents of DESIGN §6, so it is "none"; the router can route it by
// its command word (SlashCommand).
func (p *Parser) slash(t string, now time.Time) Item {
	cmd, args, ok := SlashCommand(t)
	if !ok {
		return Item{Intent: IntentNone}
	}
	switch cmd {
	case "帮助", "help", "h", "?":
		return Item{Intent: IntentHelp}
	case "进度", "progress", "排名":
		return Item{Intent: IntentProgress}
	case "跟进", "followup", "follow-up":
		return p.slashFollowUp(args, now)
	case "回款", "collection":
		return p.slashCollection(args)
	case "任务", "task":
		return p.slashTask(args, now)
	}
	return Item{Intent: IntentNone}
}

// slashFollowUp reads /跟进 客户 联系人 活动 金额 日期. The customer comes
// first; each later argument fills the slot its content fits (a date, an
// amount, an activity word), and the argument in the contact's place that
// fits none of them is the contact. "-" leaves a slot empty.
func (p *Parser) slashFollowUp(args []string, now time.Time) Item {
	it := Item{Intent: IntentFollowUp}
	if len(args) == 0 {
		return it
	}
	if !emptyArg(args[0]) {
		it.Customer = p.customers.canonical(args[0])
	}
	var staged []string
	for i, a := range args[1:] {
		if emptyArg(a) {
			continue
		}
		m := newMsg(a, now)
		switch {
		case len(m.times) > 0 && it.NextAt == "":
			t := m.times[0]
			if f := m.firstFuture(); f != nil {
				t = *f
			}
			it.NextAt = formatTime(t)
			staged = append(staged, a)
		case len(m.amounts) > 0 && it.Amount == nil:
			it.Amount, it.Currency = money(m.amounts[0])
			staged = append(staged, a)
		case activityNames[strings.ToLower(a)] != "" && it.Activity == "":
			it.Activity = activityNames[strings.ToLower(a)]
		case i == 0 && it.Contact == "" && looksLikeContact(a):
			it.Contact = a
		default:
			if act := activityOf(m); act != "" && it.Activity == "" {
				it.Activity = act
			}
			staged = append(staged, a)
		}
	}
	if len(staged) > 0 {
		it.Stage = stageOf(newMsg(strings.Join(staged, ","), now))
	}
	return it
}

// slashCollection reads /回款 客户 金额.
func (p *Parser) slashCollection(args []string) Item {
	it := Item{Intent: IntentCollection}
	if len(args) == 0 {
		return it
	}
	if !emptyArg(args[0]) {
		it.Customer = p.customers.canonical(args[0])
	}
	if len(args) > 1 {
		if as := Amounts(strings.Join(args[1:], " ")); len(as) > 0 {
			it.Collection, it.Currency = money(ent{Entity: as[0]})
		}
	}
	return it
}

// slashTask reads /任务 @人 内容 日期: the mentions, then the content (which
// names the customer and the kind of work), then the deadline.
func (p *Parser) slashTask(args []string, now time.Time) Item {
	it := Item{Intent: IntentTask, AssigneeRole: domain.RoleSales}
	var content []string
	for _, a := range args {
		if strings.HasPrefix(a, "@") && len(a) > 1 {
			names, _ := p.takeMentions(a)
			it.Mentions = append(it.Mentions, names...)
			continue
		}
		content = append(content, a)
	}
	if len(content) == 0 {
		return it
	}
	m := newMsg(strings.Join(content, " "), now)
	if c, ok := p.customers.find(m); ok {
		it.Customer = c.canonical
	}
	it.AssigneeRole = assigneeRole(m)
	if d := m.due(); d != nil {
		it.Due = formatTime(*d)
	} else if len(m.times) > 0 {
		it.Due = formatTime(m.times[len(m.times)-1])
	}
	return it
}
