package handlers

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/domain"
)

// progressFake is a working in-memory DigestStore, JobClaimer and Sender.
type progressFake struct {
	teams   []domain.Team
	members []domain.Member
	targets []domain.Target
	stats   []domain.DailyStat
	claims  map[string]bool
	sent    []bot.Outgoing
}

func (f *progressFake) Teams(ctx context.Context, tenant string) ([]domain.Team, error) {
	return f.teams, nil
}
func (f *progressFake) Members(ctx context.Context, tenant string) ([]domain.Member, error) {
	return f.members, nil
}
func (f *progressFake) TargetsFor(ctx context.Context, tenant string, periods []string) ([]domain.Target, error) {
	var out []domain.Target
	for _, t := range f.targets {
		for _, p := range periods {
			if t.Period == p {
				out = append(out, t)
			}
		}
	}
	return out, nil
}
func (f *progressFake) MemberTotals(ctx context.Context, tenant, from, to string) ([]domain.DailyStat, error) {
	sums := map[string]domain.DailyStat{}
	var order []string
	for _, s := range f.stats {
		if s.Day >= from && s.Day <= to {
			if _, ok := sums[s.MemberID]; !ok {
				order = append(order, s.MemberID)
			}
			sums[s.MemberID] = sums[s.MemberID].Add(s)
		}
	}
	var out []domain.DailyStat
	for _, id := range order {
		s := sums[id]
		s.MemberID = id
		out = append(out, s)
	}
	return out, nil
}
func (f *progressFake) DailyStats(ctx context.Context, tenant, from, to string) ([]domain.DailyStat, error) {
	var out []domain.DailyStat
	for _, s := range f.stats {
		if s.Day >= from && s.Day <= to {
			out = append(out, s)
		}
	}
	return out, nil
}
func (f *progressFake) StaleDealCounts(ctx context.Context, tenant string, before time.Time) ([]domain.StaleDeals, error) {
	return []domain.StaleDeals{{OwnerID: "r2", Count: 2, Oldest: before.AddDate(0, 0, -6)}}, nil
}
func (f *progressFake) OpenCollectionTotals(ctx context.Context, tenant, today string) ([]domain.OpenCollections, error) {
	return []domain.OpenCollections{{MemberID: "r1", Pending: 1, PendingAmount: domain.Yuan(200000), Overdue: 1, OverdueAmount: domain.Yuan(50000)}}, nil
}
func (f *progressFake) OverdueTasks(ctx context.Context, tenant string, now time.Time) ([]domain.OverdueTask, error) {
	return []domain.OverdueTask{{ID: "k1", CreatorID: "r1", AssigneeID: "p1", AssigneeName: "王工", Title: "星河科技技术方案", DueAt: now.AddDate(0, 0, -2)}}, nil
}
func (f *progressFake) Chats(ctx context.Context, tenant, platform string) ([]domain.Chat, error) {
	var out []domain.Chat
	for _, t := range f.teams {
		out = append(out, domain.Chat{Platform: "console", PlatformChatID: "team:" + t.ID, TeamID: t.ID, Purpose: domain.PurposeTeam})
	}
	return out, nil
}
func (f *progressFake) ClaimJobRun(ctx context.Context, job, tenant, slot, replica string, at time.Time) (bool, error) {
	if f.claims == nil {
		f.claims = map[string]bool{}
	}
	k := job + "|" + slot
	if f.claims[k] {
		return false, nil
	}
	f.claims[k] = true
	return true, nil
}
func (f *progressFake) FinishJobRun(ctx context.Context, job, tenant, slot, status, errText string, at time.Time) error {
	return nil
}
func (f *progressFake) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	return fn(ctx)
}
func (f *progressFake) Enqueue(ctx context.Context, tenant string, outs ...bot.Outgoing) error {
	f.sent = append(f.sent, outs...)
	return nil
}

// newProgressFake is a team of three reps with month targets, and a team
// without any target.
func newProgressFake() *progressFake {
	f := &progressFake{
		teams: []domain.Team{{ID: "t1", Name: "华东一组", ManagerID: "mg"}, {ID: "t2", Name: "新组", ManagerID: "mg2"}},
		members: []domain.Member{
			{ID: "mg", Name: "陈经理", Role: domain.RoleManager, TeamID: "t1", Active: true},
			{ID: "r1", Name: "刘洋洋", Role: domain.RoleSales, TeamID: "t1", Active: true},
			{ID: "r2", Name: "张晓明", Role: domain.RoleSales, TeamID: "t1", Active: true},
			{ID: "r3", Name: "王浩", Role: domain.RoleSales, TeamID: "t1", Active: true},
			{ID: "mg2", Name: "新经理", Role: domain.RoleManager, TeamID: "t2", Active: true},
			{ID: "r4", Name: "新人", Role: domain.RoleSales, TeamID: "t2", Active: true},
		},
	}
	add := func(scope domain.Scope, id string, v float64) {
		f.targets = append(f.targets, domain.Target{Scope: scope, ScopeID: id, Metric: domain.MetricSigned, Period: "2026-12", Tier: domain.TierTarget, Value: int64(domain.Yuan(v))})
	}
	add(domain.ScopeTeam, "t1", 3000000)
	add(domain.ScopeMember, "r1", 1000000)
	add(domain.ScopeMember, "r2", 1000000)
	add(domain.ScopeMember, "r3", 1000000)
	day := func(d string, id string, signed float64, fus int) {
		f.stats = append(f.stats, domain.DailyStat{MemberID: id, Day: d, Signed: domain.Yuan(signed), FollowUps: fus})
	}
	day("2026-12-01", "r1", 300000, 3)
	day("2026-12-07", "r1", 200000, 2)
	day("2026-12-08", "r2", 250000, 4)
	day("2026-12-09", "r3", 50000, 0)
	day("2026-12-09", "r4", 80000, 1)
	return f
}

func newDigests(f *progressFake, now time.Time) *Digests {
	return &Digests{Store: f, Jobs: f, Out: f, Tenant: "t", Cal: domain.NewCalendar(nil), Loc: shanghai,
		Now: func() time.Time { return now }, ProgressAt: "08:30", DigestAt: "08:45", StaleDays: 14}
}

func TestMorningCardsGolden(t *testing.T) {
	f := newProgressFake()
	d := newDigests(f, time.Time{})
	ms, err := d.Morning(context.Background(), time.Date(2026, 12, 10, 8, 30, 0, 0, shanghai), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 {
		t.Fatalf("%d teams", len(ms))
	}
	for name, c := range map[string]*bot.Card{
		"progress_team.golden.json": ms[0].Progress, "digest_team.golden.json": ms[0].Digest,
		"progress_no_target.golden.json": ms[1].Progress,
	} {
		data, _ := json.MarshalIndent(c, "", "  ")
		golden(t, name, append(data, '\n'))
	}
	golden(t, "digest_team.golden.txt", []byte(CardText(ms[0].Progress)+"\n"+CardText(ms[0].Digest)))
	// Time progress on Dec 10 covers Dec 1–9: 7 of 23 workdays.
	text := CardText(ms[0].Progress)
	if !strings.Contains(text, "30%(7/23 个工作日)") || !strings.Contains(text, "王浩(落后") {
		t.Errorf("progress card:\n%s", text)
	}
	// A team with no target says so instead of dividing by zero.
	none := CardText(ms[1].Progress)
	if !strings.Contains(none, "未设签约额目标") || strings.Contains(none, "NaN") || strings.Contains(none, "Inf") {
		t.Errorf("no-target card:\n%s", none)
	}
	if !strings.Contains(CardText(ms[0].Digest), "没有记录:刘洋洋、张晓明、王浩") {
		t.Errorf("digest does not list who logged nothing yesterday:\n%s", CardText(ms[0].Digest))
	}
}

func TestMorningSendsOnceOnWorkdaysWithinTheHour(t *testing.T) {
	at := func(s string) time.Time {
		x, _ := time.ParseInLocation("2006-01-02 15:04", s, shanghai)
		return x
	}
	tests := []struct {
		name string
		now  string
		want int // messages: 2 progress cards + 2 digests
	}{
		{"before the time", "2026-12-10 08:20", 0},
		{"after both times", "2026-12-10 08:55", 4},
		{"caught up within the hour", "2026-12-10 09:20", 4},
		{"more than an hour late: skipped", "2026-12-10 09:55", 0},
		{"holiday morning (New Year's Day)", "2027-01-01 08:55", 0},
		{"weekend", "2026-12-12 08:55", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newProgressFake()
			d := newDigests(f, at(tt.now))
			for range 3 {
				if err := d.RunDue(context.Background(), ""); err != nil {
					t.Fatal(err)
				}
			}
			if len(f.sent) != tt.want {
				t.Errorf("%d messages sent, want %d", len(f.sent), tt.want)
			}
		})
	}
}

// A team in a daylight-saving time zone gets its card once a day across
// the changes, whether the wall time is skipped or repeated.
func TestDueDayAcrossDST(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	d := newDigests(newProgressFake(), time.Time{})
	d.Cal = domain.NewCalendar(map[string]bool{"2026-03-08": true, "2026-11-01": true}) // Sundays made workdays
	team := domain.Team{ID: "t1", Timezone: "America/New_York"}
	for _, tt := range []struct{ day, hhmm string }{
		{"2026-03-08", "02:30"}, // does not exist: 02:00 → 03:00
		{"2026-11-01", "01:30"}, // exists twice
		{"2026-03-08", "08:30"},
		{"2026-11-01", "08:30"},
	} {
		start, _ := time.ParseInLocation(time.DateOnly, tt.day, ny)
		slots := map[string]int{}
		for m := time.Duration(0); m < 24*time.Hour; m += time.Minute {
			if s, ok := d.dueDay(tt.hhmm, team, start.Add(m)); ok {
				slots[s]++
			}
		}
		// Each minute inside the window reports the day; the claim makes
		// it one send. What matters: the day is due, and only that day.
		if len(slots) != 1 || slots[tt.day] == 0 {
			t.Errorf("%s at %s: due slots %v, want %s only", tt.day, tt.hhmm, slots, tt.day)
		}
	}
	if o := Offset("t1"); o < -4*time.Minute || o > 4*time.Minute || o != Offset("t1") {
		t.Errorf("Offset = %v", o)
	}
}
