package handlers

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/salesbot/salesbot/domain"
)

// ProgressStore is what progress cards and answers read: the organisation,
// the period's targets and the members' summed daily rollups.
type ProgressStore interface {
	Teams(ctx context.Context, tenant string) ([]domain.Team, error)
	Members(ctx context.Context, tenant string) ([]domain.Member, error)
	TargetsFor(ctx context.Context, tenant string, periods []string) ([]domain.Target, error)
	MemberTotals(ctx context.Context, tenant, from, to string) ([]domain.DailyStat, error)
}

// board is one period's figures for a whole tenant, read in a few queries,
// from which every team's and member's card is drawn.
type board struct {
	period  domain.Period
	asOf    time.Time // the last day the figures cover
	tp      domain.TimeProgress
	teams   []domain.Team
	team    map[string]domain.Team
	kids    map[string][]string // team id → child team ids
	members []domain.Member
	member  map[string]domain.Member
	actual  map[string]domain.DailyStat // member id → period to date
	targets *domain.TargetSet

	// Memos: a morning's cards ask for the same teams over and over.
	peopleOf map[string][]domain.Member
	paceOf   map[string]domain.Pace // team id + metric
	sibs     map[string][]teamRank  // parent id + metric
	sibsLast []teamRank
}

// loadBoard reads the figures of period up to and including asOf's day.
func loadBoard(ctx context.Context, st ProgressStore, cal *domain.Calendar, tenant string, period domain.Period, asOf time.Time) (*board, error) {
	b := &board{period: period, asOf: asOf, tp: cal.TimeProgressOf(period, asOf),
		team: map[string]domain.Team{}, kids: map[string][]string{}, member: map[string]domain.Member{},
		actual: map[string]domain.DailyStat{}, peopleOf: map[string][]domain.Member{}, paceOf: map[string]domain.Pace{},
		sibs: map[string][]teamRank{}}
	var err error
	if b.teams, err = st.Teams(ctx, tenant); err != nil {
		return nil, err
	}
	for _, t := range b.teams {
		b.team[t.ID] = t
		if t.ParentID != "" {
			b.kids[t.ParentID] = append(b.kids[t.ParentID], t.ID)
		}
	}
	if b.members, err = st.Members(ctx, tenant); err != nil {
		return nil, err
	}
	for _, m := range b.members {
		b.member[m.ID] = m
	}
	periods := []string{period.String()}
	for _, p := range period.Parts() {
		periods = append(periods, p.String())
		for _, pp := range p.Parts() {
			periods = append(periods, pp.String())
		}
	}
	targets, err := st.TargetsFor(ctx, tenant, periods)
	if err != nil {
		return nil, err
	}
	b.targets = domain.NewTargetSet(targets)
	loc := asOf.Location()
	from := period.First(loc).Format(time.DateOnly)
	to := asOf.Format(time.DateOnly)
	if last := period.Last(loc).Format(time.DateOnly); to > last {
		to = last
	}
	if to >= from {
		totals, err := st.MemberTotals(ctx, tenant, from, to)
		if err != nil {
			return nil, err
		}
		for _, s := range totals {
			b.actual[s.MemberID] = s
		}
	}
	return b, nil
}

// subtree returns the team and its descendants.
func (b *board) subtree(teamID string) map[string]bool {
	in := map[string]bool{}
	var walk func(string)
	walk = func(id string) {
		if in[id] {
			return
		}
		in[id] = true
		for _, k := range b.kids[id] {
			walk(k)
		}
	}
	walk(teamID)
	return in
}

// people returns whom a team's card shows: the active sales reps of the
// team and its sub-teams, and anyone there with a target of their own.
func (b *board) people(teamID string) []domain.Member {
	if ps, ok := b.peopleOf[teamID]; ok {
		return ps
	}
	in := b.subtree(teamID)
	var out []domain.Member
	for _, m := range b.members {
		if !m.Active || !in[m.TeamID] {
			continue
		}
		if m.Role == domain.RoleSales || b.hasOwnTarget(m.ID) {
			out = append(out, m)
		}
	}
	b.peopleOf[teamID] = out
	return out
}

func (b *board) hasOwnTarget(memberID string) bool {
	for _, mt := range domain.Metrics {
		if _, ok := b.targets.Value(domain.ScopeMember, memberID, mt, b.period, domain.TierTarget); ok {
			return true
		}
	}
	return false
}

// memberPace is one member's pace on a metric.
func (b *board) memberPace(id string, m domain.Metric) domain.Pace {
	target, _ := b.targets.Value(domain.ScopeMember, id, m, b.period, domain.TierTarget)
	return domain.PaceOf(b.actual[id].Value(m), target, b.tp)
}

// teamTarget returns the team's target: set for it, or else the sum of its
// sub-teams' targets.
func (b *board) teamTarget(teamID string, m domain.Metric, tier domain.Tier) (int64, bool) {
	if v, ok := b.targets.Value(domain.ScopeTeam, teamID, m, b.period, tier); ok {
		return v, true
	}
	var sum int64
	found := false
	for _, k := range b.kids[teamID] {
		if v, ok := b.teamTarget(k, m, tier); ok {
			sum, found = sum+v, true
		}
	}
	return sum, found
}

// teamActual sums the figures of the people the team's card shows.
func (b *board) teamActual(teamID string, m domain.Metric) int64 {
	var sum int64
	for _, p := range b.people(teamID) {
		sum += b.actual[p.ID].Value(m)
	}
	return sum
}

// teamPace is the team's pace on a metric (NoTarget without a target).
func (b *board) teamPace(teamID string, m domain.Metric) domain.Pace {
	key := teamID + "/" + string(m)
	if p, ok := b.paceOf[key]; ok {
		return p
	}
	target, _ := b.teamTarget(teamID, m, domain.TierTarget)
	p := domain.PaceOf(b.teamActual(teamID, m), target, b.tp)
	b.paceOf[key] = p
	return p
}

// ranked returns the members' paces on m, best achievement first; members
// without a target follow, by their figure.
func (b *board) ranked(people []domain.Member, m domain.Metric) []memberRow {
	rows := make([]memberRow, len(people))
	for i, p := range people {
		rows[i] = memberRow{Member: p, Pace: b.memberPace(p.ID, m)}
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].before(rows[j]) })
	return rows
}

type memberRow struct {
	domain.Member
	domain.Pace
}

func (r memberRow) before(o memberRow) bool {
	a, c := r.Status != domain.NoTarget, o.Status != domain.NoTarget
	if a != c {
		return a
	}
	if r.Achievement != o.Achievement {
		return r.Achievement > o.Achievement
	}
	if r.Actual != o.Actual {
		return r.Actual > o.Actual
	}
	return r.Name < o.Name
}

// siblings returns the teams that share the team's parent and show people
// (the team itself included), ranked by achievement on m.
func (b *board) siblings(teamID string, m domain.Metric) []teamRank {
	parent := b.team[teamID].ParentID
	key := parent + "/" + string(m)
	if r, ok := b.sibs[key]; ok {
		return r
	}
	defer func() { b.sibs[key] = b.sibsLast }()
	var out []teamRank
	for _, t := range b.teams {
		if t.ParentID != parent || len(b.people(t.ID)) == 0 {
			continue
		}
		out = append(out, teamRank{Team: t, Pace: b.teamPace(t.ID, m)})
	}
	sortTeams(out)
	b.sibsLast = out
	return out
}

// leafTeams ranks the teams that have people and no sub-teams.
func (b *board) leafTeams(m domain.Metric) []teamRank {
	var out []teamRank
	for _, t := range b.teams {
		if len(b.kids[t.ID]) > 0 || len(b.people(t.ID)) == 0 {
			continue
		}
		out = append(out, teamRank{Team: t, Pace: b.teamPace(t.ID, m)})
	}
	sortTeams(out)
	return out
}

type teamRank struct {
	domain.Team
	domain.Pace
}

func sortTeams(ts []teamRank) {
	sort.SliceStable(ts, func(i, j int) bool {
		a, c := ts[i].Status != domain.NoTarget, ts[j].Status != domain.NoTarget
		if a != c {
			return a
		}
		if ts[i].Achievement != ts[j].Achievement {
			return ts[i].Achievement > ts[j].Achievement
		}
		if ts[i].Actual != ts[j].Actual {
			return ts[i].Actual > ts[j].Actual
		}
		return ts[i].Name < ts[j].Name
	})
}

// tpLabel describes the time progress: "85%(17/20 个工作日)".
func (b *board) tpLabel() string {
	return fmt.Sprintf("%s(%d/%d 个工作日)", pct(b.tp.Ratio()), b.tp.Elapsed, b.tp.Total)
}

// pct formats a ratio as a whole percentage.
func pct(r float64) string { return fmt.Sprintf("%.0f%%", r*100) }

// points formats a pace in points ahead (+) or behind (−).
func points(p float64) string {
	n := int(p*100 + 0.5)
	if p < 0 {
		n = -int(-p*100 + 0.5)
	}
	switch {
	case n > 0:
		return fmt.Sprintf("领先 %d 个点", n)
	case n < 0:
		return fmt.Sprintf("落后 %d 个点", -n)
	}
	return "持平"
}
