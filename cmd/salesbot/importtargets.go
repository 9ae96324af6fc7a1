package main

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/salesbot/salesbot/domain"
	"github.com/salesbot/salesbot/domain/parse"
	"github.com/salesbot/salesbot/storage"
)

// targetRows checks every row of a targets file and converts the good
// ones. Columns (as "export targets" writes them; id and created_at are
// ignored): scope (company|team|member, or 公司/团队/成员), scope_name,
// metric (signed|collected|new_customers|followups, or 签约/回款/新客户/跟进),
// period (2026-11, 2026-Q4, 2026), tier (target|stretch|challenge, or
// 目标/冲刺/挑战; empty = target), value (yuan for money: 3000000 or 300万;
// a count otherwise). Members' targets that add up to more than their
// team's are bad rows; less is a warning.
func targetRows(ctx context.Context, st *storage.Store, tenant string, recs []csvRecord) ([]domain.Target, []rowProblem, []string) {
	var rows []domain.Target
	var bad []rowProblem
	teams, err := st.Teams(ctx, tenant)
	if err != nil {
		return nil, []rowProblem{{1, err.Error()}}, nil
	}
	members, err := st.Members(ctx, tenant)
	if err != nil {
		return nil, []rowProblem{{1, err.Error()}}, nil
	}
	teamByName := map[string]domain.Team{}
	for _, t := range teams {
		teamByName[t.Name] = t
	}
	memberByName := map[string][]domain.Member{}
	for _, m := range members {
		memberByName[m.Name] = append(memberByName[m.Name], m)
	}
	seen := map[string]int{}
	lineOf := map[string]int{}
	for _, r := range recs {
		f := r.fields
		var why []string
		t := domain.Target{TenantID: tenant}
		switch strings.ToLower(f["scope"]) {
		case "company", "公司":
			t.Scope = domain.ScopeCompany
		case "team", "团队":
			t.Scope = domain.ScopeTeam
			if tm, ok := teamByName[f["scope_name"]]; ok {
				t.ScopeID = tm.ID
			} else {
				why = append(why, fmt.Sprintf("team %q is not known (import org first)", f["scope_name"]))
			}
		case "member", "成员":
			t.Scope = domain.ScopeMember
			switch ms := memberByName[f["scope_name"]]; len(ms) {
			case 1:
				t.ScopeID = ms[0].ID
			case 0:
				why = append(why, fmt.Sprintf("member %q is not known (import org first)", f["scope_name"]))
			default:
				why = append(why, fmt.Sprintf("member name %q is ambiguous", f["scope_name"]))
			}
		default:
			why = append(why, fmt.Sprintf("scope %q is not company, team or member", f["scope"]))
		}
		m, ok := domain.ParseMetric(f["metric"])
		if !ok {
			why = append(why, fmt.Sprintf("metric %q is not signed, collected, new_customers or followups", f["metric"]))
		}
		t.Metric = m
		if p, err := domain.ParsePeriod(f["period"]); err != nil {
			why = append(why, fmt.Sprintf("period %q does not parse (want 2026-11, 2026-Q4 or 2026)", f["period"]))
		} else {
			t.Period = p.String()
		}
		t.Tier = domain.TierTarget
		if f["tier"] != "" {
			if t.Tier, ok = domain.ParseTier(f["tier"]); !ok {
				why = append(why, fmt.Sprintf("tier %q is not target, stretch or challenge", f["tier"]))
			}
		}
		if m != "" {
			v, err := csvTargetValue(m, f["value"])
			if err != nil {
				why = append(why, err.Error())
			}
			t.Value = v
		}
		key := fmt.Sprint(t.Scope, t.ScopeID, t.Metric, t.Period, t.Tier)
		if prev, dup := seen[key]; dup && len(why) == 0 {
			why = append(why, fmt.Sprintf("the same target is already on line %d", prev))
		}
		seen[key] = r.line
		if len(why) > 0 {
			bad = append(bad, rowProblem{r.line, strings.Join(why, "; ")})
			continue
		}
		lineOf[key] = r.line
		rows = append(rows, t)
	}
	if len(recs) == 0 {
		bad = append(bad, rowProblem{1, "no rows after the header"})
	}
	if len(bad) > 0 {
		return rows, bad, nil
	}
	probs, warnings := checkTargetSums(ctx, st, tenant, rows, teams, members, lineOf)
	return rows, probs, warnings
}

// csvTargetValue reads a value in currency units (or a count) and checks it.
func csvTargetValue(m domain.Metric, s string) (int64, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "-") {
		return 0, fmt.Errorf("value %q is negative", s)
	}
	var v int64
	f, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", ""), 64)
	switch {
	case err == nil && m.Money():
		v = int64(domain.Yuan(f))
	case err == nil:
		if f != float64(int64(f)) {
			return 0, fmt.Errorf("value %q is not a whole number", s)
		}
		v = int64(f)
	default:
		as := parse.Amounts(s)
		if len(as) == 0 || !m.Money() {
			return 0, fmt.Errorf("value %q is not a number", s)
		}
		v = int64(domain.Yuan(as[0].Value))
	}
	if err := domain.ValidateTargetValue(m, v); err != nil {
		return 0, fmt.Errorf("value %q: %s", s, userMessage(err))
	}
	return v, nil
}

func userMessage(err error) string {
	if e, ok := err.(*domain.Error); ok {
		return e.Message
	}
	return err.Error()
}

// checkTargetSums compares, after the import, each team's target with the
// sum of its members' targets of the same metric, period and tier: more
// than the team's is a bad row (on the last member row), less a warning.
func checkTargetSums(ctx context.Context, st *storage.Store, tenant string, rows []domain.Target,
	teams []domain.Team, members []domain.Member, lineOf map[string]int) ([]rowProblem, []string) {
	periods := map[string]bool{}
	var list []string
	for _, r := range rows {
		if !periods[r.Period] {
			periods[r.Period] = true
			list = append(list, r.Period)
		}
	}
	stored, err := st.TargetsFor(ctx, tenant, list)
	if err != nil {
		return []rowProblem{{1, err.Error()}}, nil
	}
	type k struct {
		scope  domain.Scope
		id     string
		metric domain.Metric
		period string
		tier   domain.Tier
	}
	after := map[k]int64{}
	for _, t := range append(stored, rows...) {
		after[k{t.Scope, t.ScopeID, t.Metric, t.Period, t.Tier}] = t.Value
	}
	teamOf := map[string]string{}
	names := map[string]string{}
	for _, m := range members {
		teamOf[m.ID] = m.TeamID
		names[m.ID] = m.Name
	}
	teamName := map[string]string{}
	for _, t := range teams {
		teamName[t.ID] = t.Name
	}
	type group struct {
		sum     int64
		n       int
		touched bool
		line    int
	}
	groups := map[k]*group{}
	for key, v := range after {
		if key.scope != domain.ScopeMember || teamOf[key.id] == "" {
			continue
		}
		gk := k{domain.ScopeTeam, teamOf[key.id], key.metric, key.period, key.tier}
		g := groups[gk]
		if g == nil {
			g = &group{}
			groups[gk] = g
		}
		g.sum += v
		g.n++
		if line, ok := lineOf[fmt.Sprint(key.scope, key.id, key.metric, key.period, key.tier)]; ok {
			g.touched = true
			g.line = max(g.line, line)
		}
	}
	var bad []rowProblem
	var warnings []string
	keys := make([]k, 0, len(groups))
	for gk := range groups {
		keys = append(keys, gk)
	}
	sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
	for _, gk := range keys {
		g := groups[gk]
		total, ok := after[gk]
		teamLine := lineOf[fmt.Sprint(gk.scope, gk.id, gk.metric, gk.period, gk.tier)]
		if !ok || (!g.touched && teamLine == 0) {
			continue
		}
		what := fmt.Sprintf("%s %s %s %s", teamName[gk.id], gk.period, gk.metric, gk.tier)
		switch d := g.sum - total; {
		case d > 0:
			line := max(g.line, teamLine)
			bad = append(bad, rowProblem{line, fmt.Sprintf("%s: the members' targets add up to %s, more than the team's %s by %s",
				what, gk.metric.Format(g.sum), gk.metric.Format(total), gk.metric.Format(d))})
		case d < 0:
			warnings = append(warnings, fmt.Sprintf("%s: the members' targets add up to %s, less than the team's %s by %s",
				what, gk.metric.Format(g.sum), gk.metric.Format(total), gk.metric.Format(-d)))
		}
	}
	return bad, warnings
}
