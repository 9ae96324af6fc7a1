package handlers

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/domain"
	"github.com/salesbot/salesbot/domain/parse"
)

// TargetStore is what setting targets needs.
type TargetStore interface {
	ProgressStore
	SetTarget(ctx context.Context, t domain.Target) (domain.Target, error)
	AppendAudit(ctx context.Context, a domain.AuditEntry) error
}

// Targets sets targets from chat, managers and admins only:
//
//	/目标 华东一组 本月 签约 300万 [冲刺 360万 挑战 450万]
//	/目标 刘洋洋 本季度 回款 150万
//	/目标 公司 2026 签约 1.2亿
//	/目标 拆分 华东一组 签约 平均
//	/目标 拆分 华东一组 签约 按权重 刘洋洋:2 张晓明:1 李思雨:1
//	/目标 拆分 华东一组 签约 刘洋洋 120万 张晓明 100万
type Targets struct {
	Store TargetStore
	Cal   *domain.Calendar
	Loc   *time.Location
	Now   func() time.Time
}

// targetUsage is shown when a command cannot be read.
const targetUsage = "设置目标:/目标 华东一组 本月 签约 300万(可加 冲刺 360万 挑战 450万);" +
	"拆分到成员:/目标 拆分 华东一组 签约 平均 | 按权重 刘洋洋:2 张晓明:1 | 刘洋洋 120万 张晓明 100万。" +
	"指标:签约、回款、新客户、跟进;时间段:本月、下月、本季度、今年、2026-11、2026-Q4。"

// Command handles a /目标 message.
func (h *Targets) Command(ctx context.Context, m *bot.Message) (bot.Reply, error) {
	_, args, _ := parse.SlashCommand(parse.Normalize(m.Text))
	now := h.Now().In(h.Loc)
	b, err := loadBoard(ctx, h.Store, h.Cal, m.Tenant, domain.MonthOf(now), now)
	if err != nil {
		return bot.Reply{}, fmt.Errorf("targets: %w", err)
	}
	asker, ok := b.member[m.Member.ID]
	if !ok || !asker.Role.CanManage() {
		return bot.Reply{}, domain.Errorf(domain.Forbidden, "只有经理和管理员可以设置目标%s。", whoMay(b, m.Member.TeamID))
	}
	if len(args) == 0 {
		return bot.Reply{}, domain.Errorf(domain.Invalid, "%s", targetUsage)
	}
	if args[0] == "拆分" || args[0] == "分解" || args[0] == "split" {
		return h.split(ctx, m, b, asker, args[1:], now)
	}
	return h.set(ctx, m, b, asker, args, now)
}

// whoMay names the people a rep can ask: their team's manager and the
// admins.
func whoMay(b *board, teamID string) string {
	var names []string
	for id := teamID; id != ""; id = b.team[id].ParentID {
		if mgr, ok := b.member[b.team[id].ManagerID]; ok {
			names = append(names, mgr.Name)
			break
		}
	}
	for _, m := range b.members {
		if m.Role == domain.RoleAdmin && m.Active {
			names = append(names, m.Name)
		}
	}
	if len(names) == 0 {
		return ""
	}
	return ",请联系 " + strings.Join(names, "、")
}

// targetCmd is a /目标 command as read.
type targetCmd struct {
	scope   domain.Scope
	scopeID string
	name    string
	period  domain.Period
	metric  domain.Metric
	values  map[domain.Tier]int64
	order   []domain.Tier
	rest    []string // what split reads after the metric
}

// readTarget reads scope, period and metric from args; with split, the
// remaining words are kept in rest instead of being read as values.
func readTarget(b *board, args []string, now time.Time, split bool) (targetCmd, error) {
	c := targetCmd{values: map[domain.Tier]int64{}}
	tier := domain.TierTarget
	for i, a := range args {
		if split && c.metric != "" {
			c.rest = args[i:]
			break
		}
		switch {
		case c.scope == "" && (a == "公司" || a == "全公司" || a == "company"):
			c.scope, c.name = domain.ScopeCompany, "公司"
		case c.scope == "" && teamNamed(b, a) != nil:
			t := teamNamed(b, a)
			c.scope, c.scopeID, c.name = domain.ScopeTeam, t.ID, t.Name
		case c.scope == "" && !split && memberNamed(b, a) != nil:
			mm := memberNamed(b, a)
			c.scope, c.scopeID, c.name = domain.ScopeMember, mm.ID, mm.Name
		case c.metric == "" && isMetric(a):
			c.metric, _ = domain.ParseMetric(a)
		case isTier(a):
			tier, _ = domain.ParseTier(a)
		case c.period.IsZero() && isPeriod(a, now) && !(c.metric != "" && isBareNumber(a) && !yearBeforeValue(a, args[i+1:], now)):
			// "2026" before the metric is a year; after it, a value
			// ("/目标 刘洋洋 跟进 2000" is 2000 follow-ups), unless it is
			// a year near now with the value still to come
			// ("/目标 华东一组 签约 2026 300万").
			c.period, _ = domain.ParsePeriodWords(a, now)
		case !split && c.metric != "" && looksLikeValue(a):
			v, err := targetValue(c.metric, a)
			if err != nil {
				return c, err
			}
			if _, dup := c.values[tier]; !dup {
				c.order = append(c.order, tier)
			}
			c.values[tier] = v
			tier = nextTierAfter(tier)
		default:
			if looksLikePeriod(a) {
				return c, domain.Errorf(domain.Invalid, "看不懂时间段“%s”。时间段写 本月、下月、本季度、今年、2026-11、2026-Q4 或 2026。", a)
			}
			return c, domain.Errorf(domain.Invalid, "看不懂“%s”:不是团队、成员、指标、时间段或金额。\n%s", a, targetUsage)
		}
	}
	if c.period.IsZero() {
		c.period = domain.MonthOf(now)
	}
	switch {
	case c.scope == "" && split:
		return c, domain.Errorf(domain.Invalid, "请写明拆分哪个团队的目标,例如:/目标 拆分 华东一组 签约 平均")
	case c.scope == "":
		return c, domain.Errorf(domain.Invalid, "请写明给谁设目标:团队名、成员名或“公司”。\n%s", targetUsage)
	case c.metric == "":
		return c, domain.Errorf(domain.Invalid, "请写明指标:签约、回款、新客户或跟进。")
	case !split && len(c.values) == 0:
		return c, domain.Errorf(domain.Invalid, "请写明目标值,例如 300万(金额)或 40(次数)。")
	}
	return c, nil
}

func nextTierAfter(t domain.Tier) domain.Tier {
	for i, x := range domain.Tiers {
		if x == t && i+1 < len(domain.Tiers) {
			return domain.Tiers[i+1]
		}
	}
	return t
}

func teamNamed(b *board, name string) *domain.Team {
	for _, t := range b.teams {
		if t.Name == name {
			return &t
		}
	}
	return nil
}

func memberNamed(b *board, name string) *domain.Member {
	for _, m := range b.members {
		if m.Name == name && m.Active {
			return &m
		}
	}
	return nil
}

func isMetric(s string) bool { _, ok := domain.ParseMetric(s); return ok }
func isTier(s string) bool   { _, ok := domain.ParseTier(s); return ok }
func isPeriod(s string, now time.Time) bool {
	_, err := domain.ParsePeriodWords(s, now)
	return err == nil
}

// looksLikePeriod tells a mistyped period from other unknown words.
func looksLikePeriod(s string) bool {
	return hasAnyOf(s, "月", "季", "年", "Q", "q", "周") || (len(s) >= 4 && s[0] >= '0' && s[0] <= '9' && strings.Contains(s, "-"))
}

// yearBeforeValue reports whether a bare number after the metric is a year:
// one near now (last year to five years on) followed by a value.
func yearBeforeValue(a string, rest []string, now time.Time) bool {
	y, err := strconv.Atoi(a)
	if err != nil || y < now.Year()-1 || y > now.Year()+5 {
		return false
	}
	return slices.ContainsFunc(rest, looksLikeValue)
}

func isBareNumber(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}

func looksLikeValue(s string) bool {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "-"), "负")
	return s != "" && (s[0] >= '0' && s[0] <= '9' || len(parse.Amounts(s)) > 0)
}

// targetValue reads a target's value: money for amounts (300万, 1.2亿), a
// count otherwise (40, 40次, 3个).
func targetValue(m domain.Metric, s string) (int64, error) {
	neg := strings.HasPrefix(s, "-") || strings.HasPrefix(s, "负")
	if neg {
		return 0, domain.Errorf(domain.Invalid, "目标不能是负数(%s)。", s)
	}
	var v int64
	if m.Money() {
		as := parse.Amounts(s)
		if len(as) == 0 {
			f, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return 0, domain.Errorf(domain.Invalid, "看不懂金额“%s”,例如 300万、1.2亿、500000。", s)
			}
			v = int64(domain.Yuan(f))
		} else {
			v = int64(domain.Yuan(as[0].Value))
		}
	} else {
		t := strings.TrimRight(s, "次个家位人")
		n, err := strconv.ParseInt(t, 10, 64)
		if err != nil {
			as := parse.Amounts(s)
			if len(as) == 0 || as[0].Value != float64(int64(as[0].Value)) {
				return 0, domain.Errorf(domain.Invalid, "看不懂数量“%s”,例如 40 或 40次。", s)
			}
			n = int64(as[0].Value)
		}
		v = n
	}
	if err := domain.ValidateTargetValue(m, v); err != nil {
		return 0, err
	}
	return v, nil
}

// mayTarget reports whether the asker may set targets for the scope:
// admins anything; managers the teams they manage (and their sub-teams)
// and the members in them, and the company when they manage a top team.
func mayTarget(b *board, asker domain.Member, scope domain.Scope, scopeID string) error {
	if asker.Role == domain.RoleAdmin {
		return nil
	}
	managed := map[string]bool{}
	var names []string
	for _, t := range b.teams {
		if t.ManagerID == asker.ID {
			names = append(names, t.Name)
			for id := range b.subtree(t.ID) {
				managed[id] = true
			}
		}
	}
	switch scope {
	case domain.ScopeCompany:
		// The head of the one top-level department may set the company's
		// target; with several top-level teams (an imported flat org) no
		// manager speaks for the whole company, so only admins may.
		var roots []domain.Team
		for _, t := range b.teams {
			if t.ParentID == "" {
				roots = append(roots, t)
			}
		}
		if len(roots) == 1 && roots[0].ManagerID == asker.ID {
			return nil
		}
		return domain.Errorf(domain.Forbidden, "只有管理员或全公司唯一上级部门的负责人可以设置公司目标。")
	case domain.ScopeTeam:
		if managed[scopeID] {
			return nil
		}
	case domain.ScopeMember:
		if managed[b.member[scopeID].TeamID] {
			return nil
		}
	}
	if len(names) == 0 {
		return domain.Errorf(domain.Forbidden, "你还没有负责的团队,只能由管理员设置目标。")
	}
	return domain.Errorf(domain.Forbidden, "你只能给自己负责的团队(%s)及其成员设置目标。", strings.Join(names, "、"))
}

// set stores the targets of one scope, metric and period.
func (h *Targets) set(ctx context.Context, m *bot.Message, b *board, asker domain.Member, args []string, now time.Time) (bot.Reply, error) {
	c, err := readTarget(b, args, now, false)
	if err != nil {
		return bot.Reply{}, err
	}
	if err := mayTarget(b, asker, c.scope, c.scopeID); err != nil {
		return bot.Reply{}, err
	}
	if err := checkTierOrder(c); err != nil {
		return bot.Reply{}, err
	}
	var fs []bot.Field
	for _, tier := range c.order {
		t := domain.Target{TenantID: m.Tenant, Scope: c.scope, ScopeID: c.scopeID, Metric: c.metric,
			Period: c.period.String(), Tier: tier, Value: c.values[tier], CreatedBy: asker.ID}
		if err := h.store(ctx, m, t); err != nil {
			return bot.Reply{}, err
		}
		fs = append(fs, bot.Field{Label: tier.Label(), Value: c.metric.Format(c.values[tier])})
	}
	card := &bot.Card{Header: bot.Header{Title: "目标已设置", Status: bot.StatusSuccess,
		Subtitle: fmt.Sprintf("%s · %s · %s", c.name, c.period.Label(), c.metric.Label())},
		Elements: []bot.Element{bot.Fields(fs...)}}
	// Check the decomposition against what is stored now.
	nb, err := loadBoard(ctx, h.Store, h.Cal, m.Tenant, c.period, now)
	if err != nil {
		return bot.Reply{}, fmt.Errorf("targets: %w", err)
	}
	teamID := c.scopeID
	if c.scope == domain.ScopeMember {
		teamID = nb.member[c.scopeID].TeamID
	}
	if c.scope != domain.ScopeCompany && teamID != "" {
		if note := partsNote(nb, teamID, c.metric); note != "" {
			card.Elements = append(card.Elements, bot.Markdown(note))
		}
	}
	return bot.Reply{Card: card}, nil
}

// checkTierOrder refuses a stretch below the target or a challenge below
// the stretch.
func checkTierOrder(c targetCmd) error {
	prev := int64(0)
	for _, tier := range domain.Tiers {
		v, ok := c.values[tier]
		if !ok {
			continue
		}
		if v < prev {
			return domain.Errorf(domain.Invalid, "%s档(%s)不能低于前一档(%s)。", tier.Label(), c.metric.Format(v), c.metric.Format(prev))
		}
		prev = v
	}
	return nil
}

// store saves one target with its audit entry.
func (h *Targets) store(ctx context.Context, m *bot.Message, t domain.Target) error {
	saved, err := h.Store.SetTarget(ctx, t)
	if err != nil {
		return fmt.Errorf("set target: %w", err)
	}
	return h.Store.AppendAudit(ctx, domain.AuditEntry{TenantID: m.Tenant, ActorID: t.CreatedBy, Action: "target.set",
		Entity: "target", EntityID: saved.ID, SourceEventID: m.ID, At: h.Now(),
		After: fmt.Sprintf(`{"scope":%q,"scope_id":%q,"metric":%q,"period":%q,"tier":%q,"value":%d}`,
			t.Scope, t.ScopeID, t.Metric, t.Period, t.Tier, t.Value)})
}

// partsNote compares the team's target with the sum of its members'
// targets, and says by how much they differ.
func partsNote(b *board, teamID string, metric domain.Metric) string {
	team := b.team[teamID]
	total, ok := b.targets.Value(domain.ScopeTeam, teamID, metric, b.period, domain.TierTarget)
	if !ok {
		return ""
	}
	var sum int64
	n := 0
	for _, p := range b.people(teamID) {
		if v, ok := b.targets.Value(domain.ScopeMember, p.ID, metric, b.period, domain.TierTarget); ok {
			sum += v
			n++
		}
	}
	if n == 0 {
		return fmt.Sprintf("%s的%s目标还没有拆分到成员:/目标 拆分 %s %s 平均", team.Name, metric.Label(), team.Name, metric.Label())
	}
	switch d := sum - total; {
	case d > 0:
		return fmt.Sprintf("⚠ 成员目标合计 %s,比团队目标 %s 多 %s,加起来对不上。", metric.Format(sum), metric.Format(total), metric.Format(d))
	case d < 0:
		return fmt.Sprintf("⚠ 成员目标合计 %s,比团队目标 %s 少 %s,加起来对不上。", metric.Format(sum), metric.Format(total), metric.Format(-d))
	}
	return fmt.Sprintf("✓ %d 位成员的目标合计 %s,与团队目标一致。", n, metric.Format(sum))
}

// split divides a team's target among its members.
func (h *Targets) split(ctx context.Context, m *bot.Message, b *board, asker domain.Member, args []string, now time.Time) (bot.Reply, error) {
	c, err := readTarget(b, args, now, true)
	if err != nil {
		return bot.Reply{}, err
	}
	if c.scope != domain.ScopeTeam {
		return bot.Reply{}, domain.Errorf(domain.Invalid, "只能拆分团队的目标,例如:/目标 拆分 华东一组 签约 平均")
	}
	if err := mayTarget(b, asker, c.scope, c.scopeID); err != nil {
		return bot.Reply{}, err
	}
	pb, err := loadBoard(ctx, h.Store, h.Cal, m.Tenant, c.period, now)
	if err != nil {
		return bot.Reply{}, fmt.Errorf("split targets: %w", err)
	}
	people := pb.people(c.scopeID)
	if len(people) == 0 {
		return bot.Reply{}, domain.Errorf(domain.Invalid, "%s 没有销售成员,无法拆分。", c.name)
	}
	if len(c.rest) == 0 {
		return bot.Reply{}, domain.Errorf(domain.Invalid, "请写明怎么拆:平均、按权重(刘洋洋:2 张晓明:1)或逐个写金额(刘洋洋 120万 张晓明 100万)。")
	}
	unit := domain.SplitUnit(c.metric)
	mode := c.rest[0]
	var who []domain.Member
	parts := map[domain.Tier][]int64{}
	switch {
	case mode == "平均" || mode == "均分" || mode == "平均分" || mode == "even" || mode == "evenly":
		who = people
		for _, tier := range domain.Tiers {
			if total, ok := pb.targets.Value(domain.ScopeTeam, c.scopeID, c.metric, c.period, tier); ok {
				parts[tier] = domain.SplitEvenly(total, len(who), unit)
			}
		}
	case mode == "按权重" || mode == "权重" || mode == "weights" || mode == "weighted":
		var weights []float64
		who, weights, err = readPairs(pb, c.scopeID, c.rest[1:], func(s string) (float64, error) {
			f, err := strconv.ParseFloat(s, 64)
			if err != nil || f < 0 {
				return 0, domain.Errorf(domain.Invalid, "权重“%s”不是非负数字。", s)
			}
			return f, nil
		})
		if err != nil {
			return bot.Reply{}, err
		}
		for _, tier := range domain.Tiers {
			if total, ok := pb.targets.Value(domain.ScopeTeam, c.scopeID, c.metric, c.period, tier); ok {
				if parts[tier], err = domain.SplitByWeights(total, weights, unit); err != nil {
					return bot.Reply{}, err
				}
			}
		}
	default:
		var values []int64
		who, values, err = readPairs(pb, c.scopeID, c.rest, func(s string) (int64, error) { return targetValue(c.metric, s) })
		if err != nil {
			return bot.Reply{}, err
		}
		parts[domain.TierTarget] = values
	}
	total, hasTotal := pb.targets.Value(domain.ScopeTeam, c.scopeID, c.metric, c.period, domain.TierTarget)
	if len(parts[domain.TierTarget]) == 0 && !hasTotal {
		return bot.Reply{}, domain.Errorf(domain.Invalid, "%s %s还没有%s目标,先设团队目标:/目标 %s %s %s 300万",
			c.name, c.period.Label(), c.metric.Label(), c.name, c.period.Label(), c.metric.Label())
	}
	if hasTotal {
		// The members not listed keep their targets and count too.
		listed := map[string]bool{}
		for _, w := range who {
			listed[w.ID] = true
		}
		after := parts[domain.TierTarget]
		for _, p := range people {
			if v, ok := pb.targets.Value(domain.ScopeMember, p.ID, c.metric, c.period, domain.TierTarget); ok && !listed[p.ID] {
				after = append(after, v)
			}
		}
		if d := domain.PartsDiff(total, after); d > 0 {
			return bot.Reply{}, domain.Errorf(domain.Invalid, "成员目标合计 %s,超出团队目标 %s 共 %s,没有保存。请调低成员目标,或先提高团队目标。",
				c.metric.Format(total+d), c.metric.Format(total), c.metric.Format(d))
		}
	}
	var rows []bot.Field
	for _, tier := range domain.Tiers {
		for i, w := range who {
			if i >= len(parts[tier]) {
				break
			}
			t := domain.Target{TenantID: m.Tenant, Scope: domain.ScopeMember, ScopeID: w.ID, Metric: c.metric,
				Period: c.period.String(), Tier: tier, Value: parts[tier][i], CreatedBy: asker.ID}
			if err := h.store(ctx, m, t); err != nil {
				return bot.Reply{}, err
			}
			if tier == domain.TierTarget {
				rows = append(rows, bot.Field{Label: w.Name, Value: c.metric.Format(parts[tier][i])})
			}
		}
	}
	card := &bot.Card{Header: bot.Header{Title: "目标已拆分", Status: bot.StatusSuccess,
		Subtitle: fmt.Sprintf("%s · %s · %s", c.name, c.period.Label(), c.metric.Label())},
		Elements: []bot.Element{bot.Fields(rows...)}}
	nb, err := loadBoard(ctx, h.Store, h.Cal, m.Tenant, c.period, now)
	if err != nil {
		return bot.Reply{}, fmt.Errorf("split targets: %w", err)
	}
	if note := partsNote(nb, c.scopeID, c.metric); note != "" {
		card.Elements = append(card.Elements, bot.Markdown(note))
	}
	return bot.Reply{Card: card}, nil
}

// readPairs reads "name value" or "name:value" pairs naming members of the
// team.
func readPairs[V any](b *board, teamID string, words []string, value func(string) (V, error)) ([]domain.Member, []V, error) {
	var flat []string
	for _, w := range words {
		for _, sep := range []string{":", "=", ":"} {
			if n, v, ok := strings.Cut(w, sep); ok {
				flat = append(flat, n, v)
				w = ""
				break
			}
		}
		if w != "" {
			flat = append(flat, w)
		}
	}
	if len(flat) == 0 || len(flat)%2 != 0 {
		return nil, nil, domain.Errorf(domain.Invalid, "成员和数值要成对写,例如 刘洋洋 120万 张晓明 100万(或 刘洋洋:2 张晓明:1)。")
	}
	in := b.subtree(teamID)
	seen := map[string]bool{}
	var who []domain.Member
	var vals []V
	for i := 0; i < len(flat); i += 2 {
		mm := memberNamed(b, flat[i])
		if mm == nil || !in[mm.TeamID] {
			return nil, nil, domain.Errorf(domain.Invalid, "“%s”不是%s的成员。", flat[i], b.team[teamID].Name)
		}
		if seen[mm.ID] {
			return nil, nil, domain.Errorf(domain.Invalid, "%s 写了两次。", mm.Name)
		}
		seen[mm.ID] = true
		v, err := value(flat[i+1])
		if err != nil {
			return nil, nil, err
		}
		who, vals = append(who, *mm), append(vals, v)
	}
	return who, vals, nil
}
