package handlers

import (
	"fmt"
	"strings"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/domain"
)

// cardMetric is the metric a team's bars show; the others are summed in
// fields below them.
const cardMetric = domain.MetricSigned

// statusColour maps a pace to the card header's colour.
func statusColour(s domain.PaceStatus) bot.Status {
	switch s {
	case domain.OnTrack:
		return bot.StatusSuccess
	case domain.Slipping:
		return bot.StatusWarning
	case domain.Behind:
		return bot.StatusDanger
	}
	return bot.StatusNeutral
}

// paceRow draws one bar: achievement against the time-progress marker.
func paceRow(label string, m domain.Metric, p domain.Pace) bot.ProgressRow {
	row := bot.ProgressRow{Label: label, Marker: p.Time.Ratio() * 100}
	if p.Status == domain.NoTarget {
		row.Note = m.Format(p.Actual) + " · 未设目标"
		return row
	}
	row.Percent = round1(p.Achievement * 100)
	row.Marker = round1(row.Marker)
	row.Note = fmt.Sprintf("%s / %s · %s", m.Format(p.Actual), m.Format(p.Target), points(p.Pace))
	if p.Status == domain.Behind {
		row.Note += " ⚠"
	}
	return row
}

func round1(f float64) float64 { return float64(int64(f*10+0.5)) / 10 }

// teamCard is the daily progress card of a team and the answer to 团队进度:
// every member's achievement against time progress, best first, who is
// behind, and the team's total.
func teamCard(b *board, team domain.Team) *bot.Card {
	people := b.people(team.ID)
	total := b.teamPace(team.ID, cardMetric)
	card := &bot.Card{Header: bot.Header{
		Title:    fmt.Sprintf("%s · %s%s进度", team.Name, periodWord(b.period), cardMetric.Label()),
		Subtitle: fmt.Sprintf("截至 %s · 时间进度 %s", DateLabel(b.asOf), b.tpLabel()),
		Status:   statusColour(total.Status),
	}}
	if len(people) == 0 {
		card.Elements = append(card.Elements, bot.Markdown("这个团队还没有销售成员。"))
		return card
	}
	card.Elements = append(card.Elements, teamTotalFields(b, team.ID, total))
	rows := b.ranked(people, cardMetric)
	bars := make([]bot.ProgressRow, 0, len(rows)+1)
	var behind []string
	for _, r := range rows {
		bars = append(bars, paceRow(r.Name, cardMetric, r.Pace))
		if r.Status == domain.Behind {
			behind = append(behind, fmt.Sprintf("%s(%s)", r.Name, points(r.Pace.Pace)))
		}
	}
	bars = append(bars, paceRow("团队合计", cardMetric, total))
	card.Elements = append(card.Elements, bot.Progress(bars...))
	switch {
	case len(behind) > 0:
		card.Elements = append(card.Elements, bot.Markdown("**落后于时间进度 10 个点以上**:"+strings.Join(behind, "、")))
	case total.Status != domain.NoTarget:
		card.Elements = append(card.Elements, bot.Markdown("没有人落后时间进度 10 个点以上,继续保持!"))
	}
	card.Elements = append(card.Elements, otherMetricFields(b, team.ID))
	card.Elements = append(card.Elements, bot.Note("条形为"+cardMetric.Label()+"达成率,标记为时间进度。说“我的进度”看个人各项指标。"))
	return card
}

// teamTotalFields sums up a team's main metric, or says it has no target.
func teamTotalFields(b *board, teamID string, total domain.Pace) bot.Element {
	m := cardMetric
	if total.Status == domain.NoTarget {
		return bot.Fields(
			bot.Field{Label: "团队" + m.Label(), Value: m.Format(total.Actual)},
			bot.Field{Label: "团队目标", Value: periodWord(b.period) + "未设" + m.Label() + "目标,无法计算达成率"},
		)
	}
	fs := []bot.Field{
		{Label: "团队" + m.Label(), Value: fmt.Sprintf("%s / %s", m.Format(total.Actual), m.Format(total.Target))},
		{Label: "达成率", Value: fmt.Sprintf("%s(时间进度 %s,%s)", pct(total.Achievement), pct(total.Time.Ratio()), points(total.Pace))},
	}
	if total.Gap > 0 {
		fs = append(fs, bot.Field{Label: "还差", Value: fmt.Sprintf("%s,剩余 %d 个工作日,日均需 %s",
			m.Format(total.Gap), total.Time.Remaining(), m.Format(total.DailyNeed))})
	} else {
		fs = append(fs, bot.Field{Label: "还差", Value: "已达成目标 🎉"})
	}
	if total.HasForecast {
		fs = append(fs, bot.Field{Label: "按当前节奏预计", Value: m.Format(total.Forecast)})
	}
	return bot.Fields(fs...)
}

// otherMetricFields sums the team's other metrics.
func otherMetricFields(b *board, teamID string) bot.Element {
	var fs []bot.Field
	for _, m := range domain.Metrics {
		if m == cardMetric {
			continue
		}
		p := b.teamPace(teamID, m)
		v := m.Format(p.Actual)
		if p.Status != domain.NoTarget {
			v = fmt.Sprintf("%s / %s(%s)", m.Format(p.Actual), m.Format(p.Target), pct(p.Achievement))
		}
		fs = append(fs, bot.Field{Label: m.Label(), Value: v})
	}
	return bot.Fields(fs...)
}

// memberCard answers 我的进度: every metric of the member against time
// progress, with the tiers reached; a second section for the quarter when
// it has targets.
func memberCard(boards []*board, who domain.Member) *bot.Card {
	b := boards[0]
	main := b.memberPace(who.ID, cardMetric)
	card := &bot.Card{Header: bot.Header{
		Title:    who.Name + "的进度",
		Subtitle: fmt.Sprintf("%s · 截至 %s", b.period.Label(), DateLabel(b.asOf)),
		Status:   statusColour(main.Status),
	}}
	for i, b := range boards {
		if i > 0 {
			if !b.hasOwnTarget(who.ID) {
				continue
			}
			card.Elements = append(card.Elements, bot.Divider())
		}
		card.Elements = append(card.Elements, bot.Markdown(fmt.Sprintf("**%s**(%s)· 时间进度 %s",
			periodWord(b.period), b.period.Label(), b.tpLabel())))
		var rows []bot.ProgressRow
		var reached []string
		for _, m := range domain.Metrics {
			p := b.memberPace(who.ID, m)
			row := paceRow(m.Label(), m, p)
			if p.HasForecast && p.Status != domain.NoTarget {
				row.Note += " · 预计 " + m.Format(p.Forecast)
			}
			rows = append(rows, row)
			if tiers := b.targets.TiersReached(domain.ScopeMember, who.ID, m, b.period, p.Actual); len(tiers) > 0 {
				reached = append(reached, m.Label()+"已达"+tiers[len(tiers)-1].Label())
			}
		}
		card.Elements = append(card.Elements, bot.Progress(rows...))
		if len(reached) > 0 {
			card.Elements = append(card.Elements, bot.Markdown("🏅 "+strings.Join(reached, ",")))
		}
		if next := nextTier(b, who.ID); next != "" {
			card.Elements = append(card.Elements, bot.Note(next))
		}
	}
	if !b.hasOwnTarget(who.ID) {
		card.Elements = append(card.Elements, bot.Note("你"+periodWord(b.period)+"还没有个人目标,请经理用“/目标 拆分”分配。"))
	}
	return card
}

// nextTier says how far the member is from the next tier of the main
// metric.
func nextTier(b *board, memberID string) string {
	actual := b.actual[memberID].Value(cardMetric)
	for _, tier := range domain.Tiers {
		v, ok := b.targets.Value(domain.ScopeMember, memberID, cardMetric, b.period, tier)
		if ok && actual < v {
			return fmt.Sprintf("距%s档(%s)还差 %s", tier.Label(), cardMetric.Format(v), cardMetric.Format(v-actual))
		}
	}
	return ""
}

// gapCard answers 还差多少: for each metric, what is left and the daily
// run-rate it needs, for a member or (member "" ) a team.
func gapCard(b *board, title, memberID, teamID string) *bot.Card {
	card := &bot.Card{Header: bot.Header{
		Title:    title + " · " + periodWord(b.period) + "还差多少",
		Subtitle: fmt.Sprintf("%s · 时间进度 %s · 剩余 %d 个工作日", b.period.Label(), b.tpLabel(), b.tp.Remaining()),
		Status:   bot.StatusInfo,
	}}
	var fs []bot.Field
	for _, m := range domain.Metrics {
		var p domain.Pace
		if memberID != "" {
			p = b.memberPace(memberID, m)
		} else {
			p = b.teamPace(teamID, m)
		}
		var v string
		switch {
		case p.Status == domain.NoTarget:
			v = "未设目标(已完成 " + m.Format(p.Actual) + ")"
		case p.Gap == 0:
			v = fmt.Sprintf("已达成 ✓(%s / %s)", m.Format(p.Actual), m.Format(p.Target))
		default:
			v = fmt.Sprintf("还差 %s(%s / %s),日均需 %s", m.Format(p.Gap), m.Format(p.Actual), m.Format(p.Target), m.Format(p.DailyNeed))
		}
		fs = append(fs, bot.Field{Label: m.Label(), Value: v})
	}
	card.Elements = append(card.Elements, bot.Fields(fs...))
	return card
}

// rankingCard answers 团队排名: the teams by achievement of the main metric.
func rankingCard(b *board) *bot.Card {
	ranks := b.leafTeams(cardMetric)
	card := &bot.Card{Header: bot.Header{
		Title:    periodWord(b.period) + "团队排名 · " + cardMetric.Label(),
		Subtitle: fmt.Sprintf("%s · 截至 %s · 时间进度 %s", b.period.Label(), DateLabel(b.asOf), b.tpLabel()),
		Status:   bot.StatusInfo,
	}}
	if len(ranks) == 0 {
		card.Elements = append(card.Elements, bot.Markdown("还没有带销售成员的团队。"))
		return card
	}
	rows := make([]bot.ProgressRow, len(ranks))
	for i, r := range ranks {
		rows[i] = paceRow(fmt.Sprintf("%d. %s", i+1, r.Name), cardMetric, r.Pace)
	}
	card.Elements = append(card.Elements, bot.Progress(rows...))
	card.Elements = append(card.Elements, bot.Note("按"+cardMetric.Label()+"达成率排序;未设目标的团队排在最后。"))
	return card
}

// periodWord names a period relative to its kind: 本月, 本季度, 本年.
func periodWord(p domain.Period) string {
	switch p.Kind {
	case domain.PeriodQuarter:
		return "本季度"
	case domain.PeriodYear:
		return "本年"
	}
	return "本月"
}
