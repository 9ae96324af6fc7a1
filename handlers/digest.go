package handlers

import (
	"context"
	"fmt"
	"hash/fnv"
	"sort"
	"strings"
	"time"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/domain"
)

// DigestStore is what the morning cards read: the progress figures plus
// yesterday's rollups and the current state that needs a manager's eye.
type DigestStore interface {
	ProgressStore
	DailyStats(ctx context.Context, tenant, from, to string) ([]domain.DailyStat, error)
	StaleDealCounts(ctx context.Context, tenant string, before time.Time) ([]domain.StaleDeals, error)
	OpenCollectionTotals(ctx context.Context, tenant, today string) ([]domain.OpenCollections, error)
	OverdueTasks(ctx context.Context, tenant string, now time.Time) ([]domain.OverdueTask, error)
	Chats(ctx context.Context, tenant, platform string) ([]domain.Chat, error)
}

// JobClaimer records, in job_runs, that one team's card of one day was
// sent, so that it is sent exactly once across replicas.
type JobClaimer interface {
	ClaimJobRun(ctx context.Context, job, tenant, slot, replica string, at time.Time) (bool, error)
	FinishJobRun(ctx context.Context, job, tenant, slot, status, errText string, at time.Time) error
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
}

// Digests builds and sends the morning cards: each team's progress card to
// its group chat at ProgressAt, and each manager's digest to them directly
// at DigestAt, in the team's time zone, on workdays.
type Digests struct {
	Store  DigestStore
	Jobs   JobClaimer
	Out    Sender
	Tenant string
	Cal    *domain.Calendar
	// Loc is the tenant's time zone, for teams that set none (and the days
	// daily_stats are kept in).
	Loc *time.Location
	Now func() time.Time
	// ProgressAt and DigestAt are the team-local "HH:MM" times.
	ProgressAt, DigestAt string
	// StaleDays is how long without a follow-up makes a deal stale.
	StaleDays int
	// Replica names this process in job_runs.
	Replica string
}

// Push kinds: the job names in job_runs.
const (
	JobProgressCard = "progress-card"
	JobDigest       = "digest"
)

// CatchUp is how late a missed morning card is still sent; after that the
// day's card is skipped (a card about yesterday arriving at noon is noise).
const CatchUp = time.Hour

// TeamMorning is one team's morning: its progress card for the team chat
// and its manager's digest.
type TeamMorning struct {
	Team     domain.Team
	Progress *bot.Card // nil when the team shows nobody
	Digest   *bot.Card // nil when the team has no manager or nobody
}

// Morning builds every team's cards (or one team's, by name) for the
// morning of day, from a few tenant-wide queries.
func (d *Digests) Morning(ctx context.Context, day time.Time, teamName string) ([]TeamMorning, error) {
	day = day.In(d.Loc)
	in, err := d.load(ctx, day)
	if err != nil {
		return nil, fmt.Errorf("morning cards: %w", err)
	}
	var out []TeamMorning
	found := false
	for _, t := range in.b.teams {
		if teamName != "" && t.Name != teamName {
			continue
		}
		found = true
		out = append(out, in.morning(t))
	}
	if teamName != "" && !found {
		return nil, domain.Errorf(domain.NotFound, "团队 %s 不存在", teamName)
	}
	return out, nil
}

// morningInput is what a morning's cards are drawn from.
type morningInput struct {
	d         *Digests
	day       time.Time
	yesterday time.Time // the previous workday
	b         *board
	quiet     map[string]domain.DailyStat // member → yesterday
	stale     map[string]domain.StaleDeals
	money     map[string]domain.OpenCollections
	tasks     []domain.OverdueTask
}

func (d *Digests) load(ctx context.Context, day time.Time) (*morningInput, error) {
	asOf := day.AddDate(0, 0, -1) // figures cover up to yesterday
	b, err := loadBoard(ctx, d.Store, d.Cal, d.Tenant, domain.MonthOf(asOf), asOf)
	if err != nil {
		return nil, err
	}
	in := &morningInput{d: d, day: day, yesterday: d.Cal.PrevWorkday(day), b: b,
		quiet: map[string]domain.DailyStat{}, stale: map[string]domain.StaleDeals{}, money: map[string]domain.OpenCollections{}}
	y := in.yesterday.Format(time.DateOnly)
	stats, err := d.Store.DailyStats(ctx, d.Tenant, y, y)
	if err != nil {
		return nil, err
	}
	for _, s := range stats {
		in.quiet[s.MemberID] = s
	}
	staleDays := d.StaleDays
	if staleDays <= 0 {
		staleDays = 14
	}
	stale, err := d.Store.StaleDealCounts(ctx, d.Tenant, day.AddDate(0, 0, -staleDays))
	if err != nil {
		return nil, err
	}
	for _, s := range stale {
		in.stale[s.OwnerID] = s
	}
	money, err := d.Store.OpenCollectionTotals(ctx, d.Tenant, day.Format(time.DateOnly))
	if err != nil {
		return nil, err
	}
	for _, c := range money {
		in.money[c.MemberID] = c
	}
	if in.tasks, err = d.Store.OverdueTasks(ctx, d.Tenant, day); err != nil {
		return nil, err
	}
	return in, nil
}

func (in *morningInput) morning(t domain.Team) TeamMorning {
	tm := TeamMorning{Team: t}
	if len(in.b.people(t.ID)) == 0 {
		return tm
	}
	tm.Progress = teamCard(in.b, t)
	if t.ManagerID != "" {
		tm.Digest = in.digestCard(t)
	}
	return tm
}

// digestCard is the manager's morning digest of one team.
func (in *morningInput) digestCard(t domain.Team) *bot.Card {
	b := in.b
	m := cardMetric
	total := b.teamPace(t.ID, m)
	people := b.people(t.ID)
	card := &bot.Card{Header: bot.Header{
		Title:    "晨报 · " + t.Name,
		Subtitle: fmt.Sprintf("%s · 数据截至 %s · 时间进度 %s", DateLabel(in.day), DateLabel(b.asOf), b.tpLabel()),
		Status:   statusColour(total.Status),
	}}
	fs := teamTotalFields(b, t.ID, total).Fields
	if sib := b.siblings(t.ID, m); len(sib) > 1 {
		for i, s := range sib {
			if s.ID == t.ID {
				fs = append(fs, bot.Field{Label: "团队排名", Value: fmt.Sprintf("第 %d / %d(按%s达成率)", i+1, len(sib), m.Label())})
			}
		}
	}
	card.Elements = append(card.Elements, bot.Fields(fs...), otherMetricFields(b, t.ID))

	var behind []string
	for _, r := range b.ranked(people, m) {
		if r.Status == domain.Behind {
			behind = append(behind, fmt.Sprintf("%s %s(%s)", r.Name, pct(r.Achievement), points(r.Pace.Pace)))
		}
	}
	if len(behind) > 0 {
		card.Elements = append(card.Elements, bot.Markdown("**落后于时间进度**:"+strings.Join(behind, "、")))
	}

	// Yesterday's follow-ups, and who logged nothing.
	var logged, silent []string
	sum := 0
	byCount := append([]domain.Member(nil), people...)
	sort.SliceStable(byCount, func(i, j int) bool { return in.quiet[byCount[i].ID].FollowUps > in.quiet[byCount[j].ID].FollowUps })
	for _, p := range byCount {
		if n := in.quiet[p.ID].FollowUps; n > 0 {
			logged = append(logged, fmt.Sprintf("%s %d", p.Name, n))
			sum += n
		} else if p.Role == domain.RoleSales {
			silent = append(silent, p.Name)
		}
	}
	var y strings.Builder
	fmt.Fprintf(&y, "**%s的跟进**:共 %d 条", DateLabel(in.yesterday), sum)
	if len(logged) > 0 {
		y.WriteString(" — " + strings.Join(logged, " · "))
	}
	if len(silent) > 0 {
		y.WriteString("\n**没有记录**:" + strings.Join(silent, "、"))
	} else {
		y.WriteString("\n人人都有记录 👍")
	}
	card.Elements = append(card.Elements, bot.Divider(), bot.Markdown(y.String()))

	// Attention: stale deals, collections, overdue tasks.
	var att []string
	var staleRows []string
	staleN := 0
	for _, p := range people {
		if s, ok := in.stale[p.ID]; ok {
			days := int(in.day.Sub(s.Oldest).Hours() / 24)
			staleRows = append(staleRows, fmt.Sprintf("%s %d 个(最久 %d 天)", p.Name, s.Count, days))
			staleN += s.Count
		}
	}
	staleDays := in.d.StaleDays
	if staleDays <= 0 {
		staleDays = 14
	}
	if staleN > 0 {
		att = append(att, fmt.Sprintf("- **超过 %d 天未跟进的商机** %d 个:%s", staleDays, staleN, strings.Join(staleRows, "、")))
	}
	var pendN, overN int
	var pendAmt, overAmt domain.Money
	var overWho []string
	for _, p := range people {
		c := in.money[p.ID]
		pendN, pendAmt = pendN+c.Pending, pendAmt+c.PendingAmount
		overN, overAmt = overN+c.Overdue, overAmt+c.OverdueAmount
		if c.Overdue > 0 {
			overWho = append(overWho, p.Name)
		}
	}
	if pendN > 0 {
		att = append(att, fmt.Sprintf("- **回款待财务确认** %d 笔,共 %s", pendN, pendAmt))
	}
	if overN > 0 {
		att = append(att, fmt.Sprintf("- **计划回款已逾期** %d 笔,共 %s(%s)", overN, overAmt, strings.Join(overWho, "、")))
	}
	mine := map[string]bool{}
	for _, p := range people {
		mine[p.ID] = true
	}
	if t.ManagerID != "" {
		mine[t.ManagerID] = true
	}
	var taskRows []string
	for _, k := range in.tasks {
		if !mine[k.CreatorID] && !mine[k.AssigneeID] {
			continue
		}
		if len(taskRows) == maxListed {
			taskRows = append(taskRows, "……")
			break
		}
		days := int(in.day.Sub(k.DueAt).Hours()/24) + 1
		who := k.AssigneeName
		if who == "" {
			who = "未指派"
		}
		taskRows = append(taskRows, fmt.Sprintf("%s(%s,逾期 %d 天)", clip(k.Title, 24), who, days))
	}
	if len(taskRows) > 0 {
		att = append(att, "- **逾期任务**:"+strings.Join(taskRows, ";"))
	}
	if len(att) == 0 {
		att = append(att, "没有需要处理的逾期事项。")
	}
	card.Elements = append(card.Elements, bot.Divider(), bot.Markdown(strings.Join(att, "\n")),
		bot.Note("每个工作日早上发送。团队群里的进度卡片显示每位成员的达成率。"))
	return card
}

// Offset spreads the teams' sends over a few minutes around the hour
// (platforms throttle sends on the hour): −4 … +4 minutes, the same for a
// team every day.
func Offset(teamID string) time.Duration {
	h := fnv.New32a()
	h.Write([]byte(teamID))
	return time.Duration(int(h.Sum32()%9)-4) * time.Minute
}

// dueDay returns the team-local date whose send of hhmm (plus the team's
// offset) is due at now: due at or before now and less than CatchUp ago,
// on a workday. Computed on instants, so a DST change neither skips nor
// doubles a day's send (a wall time that does not exist, or exists twice,
// is one instant).
func (d *Digests) dueDay(hhmm string, team domain.Team, now time.Time) (string, bool) {
	at, err := time.Parse("15:04", hhmm)
	if err != nil {
		return "", false
	}
	loc := d.teamLoc(team)
	local := now.In(loc)
	for _, back := range []int{0, -1} {
		day := time.Date(local.Year(), local.Month(), local.Day()+back, 0, 0, 0, 0, loc)
		due := time.Date(day.Year(), day.Month(), day.Day(), at.Hour(), at.Minute(), 0, 0, loc).Add(Offset(team.ID))
		if !now.Before(due) && now.Sub(due) < CatchUp && d.Cal.IsWorkday(day) {
			return day.Format(time.DateOnly), true
		}
	}
	return "", false
}

func (d *Digests) teamLoc(t domain.Team) *time.Location {
	if t.Timezone != "" {
		if loc, err := time.LoadLocation(t.Timezone); err == nil {
			return loc
		}
	}
	return d.Loc
}

// RunDue sends the progress cards and digests that are due now and not yet
// sent by any replica. It is the body of a job that runs every minute.
func (d *Digests) RunDue(ctx context.Context, _ string) error {
	now := d.Now()
	teams, err := d.Store.Teams(ctx, d.Tenant)
	if err != nil {
		return fmt.Errorf("morning cards: %w", err)
	}
	type due struct {
		job  string
		team domain.Team
		day  string
	}
	var dues []due
	for _, t := range teams {
		if day, ok := d.dueDay(d.ProgressAt, t, now); ok {
			dues = append(dues, due{JobProgressCard, t, day})
		}
		if day, ok := d.dueDay(d.DigestAt, t, now); ok {
			dues = append(dues, due{JobDigest, t, day})
		}
	}
	if len(dues) == 0 {
		return nil
	}
	chats, err := d.Store.Chats(ctx, d.Tenant, "")
	if err != nil {
		return fmt.Errorf("morning cards: %w", err)
	}
	mornings := map[string]*morningInput{}
	var errs []string
	for _, x := range dues {
		in := mornings[x.day]
		if in == nil {
			day, _ := time.ParseInLocation(time.DateOnly, x.day, d.Loc)
			if in, err = d.load(ctx, day); err != nil {
				return fmt.Errorf("morning cards: %w", err)
			}
			mornings[x.day] = in
		}
		if err := d.send(ctx, in, x.job, x.team, x.day, chats); err != nil {
			errs = append(errs, err.Error())
		}
	}
	// Wake the outbox sender now that the rows are committed.
	_ = d.Out.Enqueue(ctx, d.Tenant)
	if len(errs) > 0 {
		return fmt.Errorf("morning cards: %s", strings.Join(errs, "; "))
	}
	return nil
}

// send claims one team's card of the day and queues it, in one transaction:
// a failure leaves no claim behind, so the next minute tries again.
func (d *Digests) send(ctx context.Context, in *morningInput, job string, t domain.Team, day string, chats []domain.Chat) error {
	tm := in.morning(t)
	var outs []bot.Outgoing
	switch job {
	case JobProgressCard:
		if tm.Progress == nil {
			return nil
		}
		for _, c := range chats {
			if c.TeamID == t.ID && c.Purpose == domain.PurposeTeam {
				outs = append(outs, bot.Outgoing{Platform: bot.Platform(c.Platform), To: bot.Target{ChatID: c.PlatformChatID}, Card: tm.Progress})
			}
		}
	case JobDigest:
		if tm.Digest == nil {
			return nil
		}
		outs = append(outs, bot.Outgoing{To: bot.Target{MemberID: t.ManagerID}, Card: tm.Digest})
	}
	if len(outs) == 0 {
		return nil
	}
	slot := day + "/" + t.ID
	return d.Jobs.InTx(ctx, func(ctx context.Context) error {
		ok, err := d.Jobs.ClaimJobRun(ctx, job, d.Tenant, slot, d.Replica, d.Now())
		if err != nil || !ok {
			return err
		}
		if err := d.Out.Enqueue(ctx, d.Tenant, outs...); err != nil {
			return fmt.Errorf("%s %s: %w", job, t.Name, err)
		}
		return d.Jobs.FinishJobRun(ctx, job, d.Tenant, slot, "done", "", d.Now())
	})
}
