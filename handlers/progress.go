package handlers

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/domain"
	"github.com/salesbot/salesbot/domain/parse"
)

// Progress answers questions about results against targets: 我的进度,
// 团队进度, 团队排名, 本季度目标还差多少, 华东一组本月进度 (managers), /进度.
type Progress struct {
	Store ProgressStore
	Cal   *domain.Calendar
	// Loc is the tenant's time zone: the day figures are read for.
	Loc *time.Location
	Now func() time.Time
}

// Answer replies to a progress question with a card.
func (h *Progress) Answer(ctx context.Context, m *bot.Message) (bot.Reply, error) {
	text := parse.Normalize(m.Text)
	if cmd, args, ok := parse.SlashCommand(text); ok {
		text = strings.Join(args, " ")
		if cmd == "排名" {
			text += " 排名"
		}
	}
	now := h.Now().In(h.Loc)
	period := periodAsked(text, now)
	b, err := loadBoard(ctx, h.Store, h.Cal, m.Tenant, period, now)
	if err != nil {
		return bot.Reply{}, fmt.Errorf("progress: %w", err)
	}
	asker, ok := b.member[m.Member.ID]
	if !ok {
		asker = domain.Member{ID: m.Member.ID, Name: m.Member.Name, Role: domain.Role(m.Member.Role), TeamID: m.Member.TeamID, Active: true}
	}
	lower := strings.ToLower(text)
	gap := hasAnyOf(lower, "还差", "差多少", "缺口", "gap", "how far")

	if hasAnyOf(lower, "排名", "排行", "榜", "ranking", "leaderboard", "standings") {
		return bot.Reply{Card: rankingCard(b)}, nil
	}
	if team, ok := b.namedTeam(text); ok {
		if !asker.Role.CanManage() && !b.subtree(team.ID)[asker.TeamID] && team.ID != asker.TeamID {
			return bot.Reply{}, domain.Errorf(domain.Forbidden, "只有经理和管理员可以查看其他团队的进度。说“团队进度”看你所在团队。")
		}
		if gap {
			return bot.Reply{Card: gapCard(b, team.Name, "", team.ID)}, nil
		}
		return bot.Reply{Card: teamCard(b, team)}, nil
	}
	if other, ok := b.namedMember(text, asker.ID); ok {
		if !asker.Role.CanManage() {
			return bot.Reply{}, domain.Errorf(domain.Forbidden, "只有经理和管理员可以查看同事的进度。说“我的进度”看你自己的。")
		}
		asker = other
	}
	teamAsked := hasAnyOf(lower, "团队", "本组", "我们组", "全组", "小组", "team")
	team, hasTeam := b.team[asker.TeamID]
	// A manager's own progress is their team's.
	if !teamAsked && asker.Role.CanManage() && !b.hasOwnTarget(asker.ID) {
		teamAsked = true
	}
	if teamAsked {
		if !hasTeam {
			return bot.Reply{Card: rankingCard(b)}, nil
		}
		if gap {
			return bot.Reply{Card: gapCard(b, team.Name, "", team.ID)}, nil
		}
		return bot.Reply{Card: teamCard(b, team)}, nil
	}
	if gap {
		return bot.Reply{Card: gapCard(b, asker.Name, asker.ID, "")}, nil
	}
	boards := []*board{b}
	if period.Kind == domain.PeriodMonth {
		q, err := loadBoard(ctx, h.Store, h.Cal, m.Tenant, domain.QuarterOf(now), now)
		if err != nil {
			return bot.Reply{}, fmt.Errorf("progress: %w", err)
		}
		boards = append(boards, q)
	}
	return bot.Reply{Card: memberCard(boards, asker)}, nil
}

// periodAsked reads the period a question is about: the quarter for
// 季度, the year for 今年/全年, last month for 上月; this month otherwise.
func periodAsked(text string, now time.Time) domain.Period {
	switch {
	case hasAnyOf(text, "上季度", "上个季度", "last quarter"):
		return domain.QuarterOf(now).Prev()
	case hasAnyOf(text, "季度", "本季", "quarter"):
		return domain.QuarterOf(now)
	case hasAnyOf(text, "今年", "全年", "本年", "年度", "this year"):
		return domain.YearOf(now)
	case hasAnyOf(text, "上月", "上个月", "last month"):
		return domain.MonthOf(now).Prev()
	}
	return domain.MonthOf(now)
}

// hasAnyOf reports whether s contains any of subs.
func hasAnyOf(s string, subs ...string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}

// namedTeam finds the team whose name the text contains (the longest).
func (b *board) namedTeam(text string) (domain.Team, bool) {
	var best domain.Team
	for _, t := range b.teams {
		if t.Name != "" && strings.Contains(text, t.Name) && len(t.Name) > len(best.Name) {
			best = t
		}
	}
	return best, best.ID != ""
}

// namedMember finds another member whose name the text contains.
func (b *board) namedMember(text, self string) (domain.Member, bool) {
	ms := append([]domain.Member(nil), b.members...)
	sort.SliceStable(ms, func(i, j int) bool { return len(ms[i].Name) > len(ms[j].Name) })
	for _, m := range ms {
		if m.ID != self && m.Active && len([]rune(m.Name)) >= 2 && strings.Contains(text, m.Name) {
			return m, true
		}
	}
	return domain.Member{}, false
}
