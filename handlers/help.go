package handlers

import (
	"context"
	"strings"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/domain"
	"github.com/salesbot/salesbot/domain/parse"
)

// Help answers "帮助", "/帮助" and "help" with what the asker can say, for
// their role, with examples; in English when asked in English.
type Help struct{}

// helpSection is what one kind of user can say.
type helpSection struct {
	roles      []domain.Role // who it is for; empty = everyone
	title      string
	examples   []string
	titleEN    string
	examplesEN []string
}

var helpSections = []helpSection{
	{
		title: "汇报跟进(直接说,像平时聊天一样)",
		examples: []string{
			"今天拜访了星河科技张总,报价50万,下周三再约",
			"和远航物流李经理电话沟通,基本谈妥,预计月底签约",
			"今日汇报:\n1. 星河科技 演示完成\n2. 华辰制造 微信跟进,下周报价",
		},
		titleEN: "Report a follow-up (just say it)",
		examplesEN: []string{
			"Visited Acme today, met Mr. Smith, quoted 500k, meet again next Wednesday",
			"Called Jane Doe at Globex, discount agreed, expect to sign by month end",
		},
		roles: []domain.Role{domain.RoleSales, domain.RoleManager, domain.RolePresales},
	},
	{
		title:      "报回款 / 回款计划",
		examples:   []string{"星河科技回款30万已到账", "/回款 星河科技 30万", "回款计划 星河科技 20万 12月15日"},
		titleEN:    "Report a collection",
		examplesEN: []string{"Acme paid 300k today", "/回款 Acme 300000"},
		roles:      []domain.Role{domain.RoleSales, domain.RoleManager},
	},
	{
		title:      "派任务给售前、财务或同事",
		examples:   []string{"@王工 周五前给星河科技出一版技术方案", "/任务 @李娜 明天开票 星河科技", "找个售前 下周二去星河科技做演示"},
		titleEN:    "Hand a task to presales, finance or a colleague",
		examplesEN: []string{"@Wang prepare the Acme solution by Friday"},
		roles:      []domain.Role{domain.RoleSales, domain.RoleManager, domain.RolePresales},
	},
	{
		title:      "查询",
		examples:   []string{"我的进度", "我今天的跟进", "星河科技的跟进记录", "/进度"},
		titleEN:    "Ask",
		examplesEN: []string{"my progress", "my follow-ups today"},
	},
	{
		title:      "目标与团队(经理)",
		examples:   []string{"/目标 华东一组 本月 签约 300万", "/目标 拆分 华东一组 签约 平均", "团队进度", "团队排名", "华东一组本月进度"},
		titleEN:    "Targets and team (managers)",
		examplesEN: []string{"/目标 华东一组 本月 签约 300万", "team progress", "team ranking"},
		roles:      []domain.Role{domain.RoleManager, domain.RoleAdmin},
	},
	{
		title:      "确认回款(财务)",
		examples:   []string{"在回款卡片上点 确认到账 或 驳回", "在卡片的回复里说:确认 28万(部分到账)"},
		titleEN:    "Confirm collections (finance)",
		examplesEN: []string{"press 确认到账 (confirm) or 驳回 (reject) on the collection card", "reply 确认 28万 to confirm a partial amount"},
		roles:      []domain.Role{domain.RoleFinance, domain.RoleAdmin},
	},
	{
		title:      "处理任务(售前、财务)",
		examples:   []string{"在任务卡片上点 接受 / 完成 / 转交", "我的任务"},
		titleEN:    "Work on tasks (presales, finance)",
		examplesEN: []string{"press 接受 (accept), 完成 (done) or 转交 (hand over) on the task card"},
		roles:      []domain.Role{domain.RolePresales, domain.RoleFinance},
	},
	{
		title:      "管理(管理员)",
		examples:   []string{"在财务群里说 /绑定 财务", "salesbot import org 成员.csv(命令行)"},
		titleEN:    "Administration",
		examplesEN: []string{"say /绑定 财务 in the finance group", "salesbot import org members.csv (command line)"},
		roles:      []domain.Role{domain.RoleAdmin},
	},
}

func (s helpSection) forRole(r domain.Role) bool {
	if len(s.roles) == 0 {
		return true
	}
	for _, x := range s.roles {
		if x == r {
			return true
		}
	}
	return false
}

// Answer replies with the help card.
func (h *Help) Answer(ctx context.Context, m *bot.Message) (bot.Reply, error) {
	return bot.Reply{Card: HelpCard(domain.Role(m.Member.Role), m.Member.Name, parse.IsEnglish(m.Text))}, nil
}

// HelpCard builds the help card for a member of the given role.
func HelpCard(role domain.Role, name string, english bool) *bot.Card {
	card := &bot.Card{Header: bot.Header{Title: "销售助手 · 使用帮助", Status: bot.StatusInfo,
		Subtitle: "你好," + name + "(" + role.Label() + "),你可以这样说:"}}
	if english {
		card.Header = bot.Header{Title: "salesbot · help", Status: bot.StatusInfo,
			Subtitle: "Hi " + name + " (" + string(role) + "), here is what you can say:"}
	}
	var others []string
	for _, s := range helpSections {
		title, examples := s.title, s.examples
		if english {
			title, examples = s.titleEN, s.examplesEN
		}
		if !s.forRole(role) {
			others = append(others, title)
			continue
		}
		var b strings.Builder
		b.WriteString("**" + title + "**\n")
		for _, e := range examples {
			b.WriteString("- " + strings.ReplaceAll(e, "\n", "\n  ") + "\n")
		}
		card.Elements = append(card.Elements, bot.Markdown(strings.TrimRight(b.String(), "\n")))
	}
	note := "每条汇报我都会回一张确认卡片,可以点 撤销 或 修改。说错了没关系。"
	if english {
		note = "Every report gets a confirmation card you can undo or edit. English and Chinese both work."
	}
	if len(others) > 0 {
		if english {
			note += " Other roles can also: " + strings.Join(others, "; ") + "."
		} else {
			note += "其他角色还可以:" + strings.Join(others, ";") + "。"
		}
	}
	card.Elements = append(card.Elements, bot.Divider(), bot.Note(note))
	return card
}

// NotUnderstood answers a message no handler understood: what was not
// understood, and how to say it.
func NotUnderstood(ctx context.Context, m *bot.Message) (bot.Reply, error) {
	if parse.IsEnglish(m.Text) {
		return bot.Reply{Text: "Sorry, I did not understand that. Report a visit like " +
			"\"Visited Acme, quoted 500k, meet again next Wednesday\", or say \"help\" to see what I can do."}, nil
	}
	return bot.Reply{Text: "抱歉,没看懂这句话。汇报跟进可以这样说:" +
		"“今天拜访了星河科技张总,报价50万,下周三再约”;发送“帮助”查看全部用法。"}, nil
}
