package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/salesbot/salesbot/config"
)

// "我的进度" and "团队排名" in the demo answer with pace against time
// progress; only managers set targets.
func TestProgressAndTargetsInConsole(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, loc)
	tm := startMainWith(t, "", true, func(m *Main) { m.Now = func() time.Time { return now } })
	rep := tm.member(t, "sales")
	var chats []apiChat
	tm.get(t, "/console/api/chats", &chats)
	teamChat := ""
	for _, c := range chats {
		if c.Team == rep.Team {
			teamChat = c.ID
		}
	}

	mine := tm.say(t, teamChat, rep.ID, "我的进度")
	for _, want := range []string{rep.Name + "的进度", "时间进度", `"kind":"progress"`, "签约额"} {
		if !strings.Contains(string(mine.Card), want) {
			t.Errorf("我的进度 card lacks %q: %s", want, mine.Card)
		}
	}
	rank := tm.say(t, teamChat, rep.ID, "团队排名")
	if !strings.Contains(string(rank.Card), "团队排名") || !strings.Contains(string(rank.Card), "1. ") {
		t.Errorf("团队排名 card: %s", rank.Card)
	}

	refused := tm.say(t, teamChat, rep.ID, "/目标 "+rep.Team+" 本月 签约 300万")
	if !strings.Contains(refused.Text, "只有经理和管理员可以设置目标") || !strings.Contains(refused.Text, "请联系") {
		t.Errorf("a rep setting a target got %q", refused.Text)
	}

	var mgr apiMember
	var ms []apiMember
	tm.get(t, "/console/api/members", &ms)
	for _, m := range ms {
		if m.Role == "manager" && m.Team == rep.Team {
			mgr = m
		}
	}
	set := tm.say(t, teamChat, mgr.ID, "/目标 "+rep.Team+" 本月 签约 300万")
	if !strings.Contains(string(set.Card), "目标已设置") || !strings.Contains(string(set.Card), "对不上") {
		t.Errorf("setting the team target (members' parts now differ): %s %s", set.Text, set.Card)
	}
	split := tm.say(t, teamChat, mgr.ID, "/目标 拆分 "+rep.Team+" 签约 平均")
	if !strings.Contains(string(split.Card), "目标已拆分") || !strings.Contains(string(split.Card), "与团队目标一致") {
		t.Errorf("even split: %s %s", split.Text, split.Card)
	}
	over := tm.say(t, teamChat, mgr.ID, "/目标 拆分 "+rep.Team+" 签约 "+rep.Name+" 500万")
	if !strings.Contains(over.Text, "超出团队目标") || !strings.Contains(over.Text, "没有保存") {
		t.Errorf("parts exceeding the team target: %q", over.Text)
	}
	badPeriod := tm.say(t, teamChat, mgr.ID, "/目标 "+rep.Team+" 13月 签约 300万")
	if !strings.Contains(badPeriod.Text, "时间段") {
		t.Errorf("a period that does not parse: %q", badPeriod.Text)
	}
	// A bare number after the metric is the value, not a year.
	count := tm.say(t, teamChat, mgr.ID, "/目标 "+rep.Name+" 跟进 2000")
	if !strings.Contains(string(count.Card), "目标已设置") || !strings.Contains(string(count.Card), "2000") {
		t.Errorf("a count target of 2000 read as a year? %q %s", count.Text, count.Card)
	}
	// A year near now after the metric, with the value after it, is the year.
	year := tm.say(t, teamChat, mgr.ID, "/目标 "+rep.Team+" 签约 2026 3000万")
	if !strings.Contains(string(year.Card), "目标已设置") || !strings.Contains(string(year.Card), "2026") ||
		!strings.Contains(string(year.Card), "3000万") || strings.Contains(string(year.Card), "冲刺") {
		t.Errorf("a year between the metric and the value: %q %s", year.Text, year.Card)
	}
	negative := tm.say(t, teamChat, mgr.ID, "/目标 "+rep.Team+" 本月 签约 -300万")
	if !strings.Contains(negative.Text, "负数") {
		t.Errorf("a negative target: %q", negative.Text)
	}
	absurd := tm.say(t, teamChat, mgr.ID, "/目标 "+rep.Team+" 本月 签约 900000亿")
	if !strings.Contains(absurd.Text, "离谱") {
		t.Errorf("an absurd target: %q", absurd.Text)
	}
	// A team's manager does not speak for the company; the head of the one
	// top-level department does.
	if company := tm.say(t, teamChat, mgr.ID, "/目标 公司 本月 签约 3000万"); !strings.Contains(company.Text, "只有管理员") {
		t.Errorf("a team manager setting the company target got %q %s", company.Text, company.Card)
	}
	for _, m := range ms {
		if m.Name == "孙总" {
			if company := tm.say(t, "dm:"+m.ID, m.ID, "/目标 公司 本月 签约 3000万"); !strings.Contains(string(company.Card), "目标已设置") {
				t.Errorf("the sales department's head setting the company target got %q %s", company.Text, company.Card)
			}
		}
	}
	team := tm.say(t, teamChat, mgr.ID, rep.Team+"本月进度")
	if !strings.Contains(string(team.Card), rep.Team+" · 本月签约额进度") {
		t.Errorf("named team progress: %s", team.Card)
	}
}

// salesbot digest prints each team's progress card and digest.
func TestDigestCommand(t *testing.T) {
	dir := t.TempDir()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	tm := startMainWith(t, dir, true, func(m *Main) {
		m.Now = func() time.Time { return time.Date(2026, 12, 20, 10, 0, 0, 0, loc) }
	})
	tm.stop()
	t.Setenv("SALESBOT_DATABASE_DSN", filepath.Join(dir, "salesbot.db"))
	code, out, errOut := cli(t, "digest", "--date", "2026-12-18")
	if code != 0 {
		t.Fatalf("digest: %d %s", code, errOut)
	}
	for _, want := range []string{"【华东一组 · 本月签约额进度】", "【晨报 · 华东一组】", "【晨报 · 华南组】", "▓", "时间进度"} {
		if !strings.Contains(out, want) {
			t.Errorf("digest output lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = cli(t, "digest", "--team", "华南组", "--date", "2026-12-18")
	if code != 0 || strings.Contains(out, "华东一组") || !strings.Contains(out, "华南组") {
		t.Errorf("digest --team 华南组: %d\n%s", code, out)
	}
	if code, _, errOut := cli(t, "digest", "--team", "火星组"); code == 0 || !strings.Contains(errOut, "火星组") {
		t.Errorf("unknown team: %d %s", code, errOut)
	}
	if code, _, _ := cli(t, "digest", "--date", "12/02"); code != 2 {
		t.Errorf("bad --date: exit %d, want 2", code)
	}
	code, _, errOut = cli(t, "digest", "--send", "--date", "2026-12-02")
	if code != 0 || !strings.Contains(errOut, "queued") || strings.Contains(errOut, "queued 0 ") {
		t.Errorf("digest --send: %d %s", code, errOut)
	}
	// The day's cards are claimed: neither a second --send nor the morning
	// run sends them again, unless asked to.
	code, _, errOut = cli(t, "digest", "--send", "--date", "2026-12-02")
	if code != 0 || !strings.Contains(errOut, "already sent") || !strings.Contains(errOut, "queued 0 ") {
		t.Errorf("second digest --send: %d %s", code, errOut)
	}
	code, _, errOut = cli(t, "digest", "--send", "--force", "--date", "2026-12-02")
	if code != 0 || strings.Contains(errOut, "queued 0 ") {
		t.Errorf("digest --send --force: %d %s", code, errOut)
	}
}

// countTeamCards counts the progress cards in the console's team chats.
func countTeamCards(t *testing.T, tms ...*testMain) int {
	t.Helper()
	n := 0
	for _, tm := range tms {
		var chats []apiChat
		tm.get(t, "/console/api/chats", &chats)
		for _, c := range chats {
			if strings.HasPrefix(c.ID, "dm:") {
				continue
			}
			var msgs []apiMessage
			tm.get(t, "/console/api/messages?chat="+c.ID, &msgs)
			for _, m := range msgs {
				if strings.Contains(string(m.Card), "签约额进度") {
					n++
				}
			}
		}
	}
	return n
}

// waitCards polls until n progress cards arrived (or the deadline).
func waitCards(t *testing.T, want int, tms ...*testMain) int {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	got := 0
	for time.Now().Before(deadline) {
		if got = countTeamCards(t, tms...); got >= want {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	return got
}

// The morning cards go out once per team on a workday, and not on a
// holiday.
func TestMorningCardsOnWorkdaysOnly(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	now := time.Date(2026, 12, 2, 8, 50, 0, 0, loc) // Wednesday
	clock := &fixedClock{t: now}
	tm := startMainWith(t, "", true, func(m *Main) { m.Now = clock.Now })
	ctx := context.Background()
	tm.sched.RunDue(ctx)
	tm.sched.RunDue(ctx)
	// Four team chats with people: 销售部 (all reps) and its three teams.
	if got := waitCards(t, 4, tm); got != 4 {
		t.Errorf("%d progress cards on a workday, want 4", got)
	}
	mgr := tm.member(t, "manager")
	var dm []apiMessage
	tm.get(t, "/console/api/messages?chat=dm:"+mgr.ID+"&wait=5", &dm)
	digests := 0
	for _, m := range dm {
		if strings.Contains(string(m.Card), "晨报") {
			digests++
		}
	}
	if digests != 1 {
		t.Errorf("the manager got %d digests, want 1", digests)
	}
	// Later the same morning, nothing more; two hours late, nothing at all.
	clock.set(now.Add(30 * time.Minute))
	tm.sched.RunDue(ctx)
	if got := countTeamCards(t, tm); got != 4 {
		t.Errorf("%d cards after a second look, want still 4", got)
	}

	holiday := startMainWith(t, "", true, func(m *Main) {
		m.Now = func() time.Time { return time.Date(2026, 10, 2, 8, 50, 0, 0, loc) } // 国庆
	})
	before, err := holiday.Store.CountRows(ctx, holiday.Tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	holiday.sched.RunDue(ctx)
	// Each team's card is claimed in job_runs, in the transaction that
	// queues it, before RunDue returns: the table tells now, without
	// waiting for a delivery that should never come.
	after, err := holiday.Store.CountRows(ctx, holiday.Tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after["job_runs"] != before["job_runs"] {
		t.Errorf("on National Day the morning claimed cards: job_runs %d → %d", before["job_runs"], after["job_runs"])
	}
	if got := countTeamCards(t, holiday); got != 0 {
		t.Errorf("%d progress cards on National Day, want 0", got)
	}
}

type fixedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fixedClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fixedClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Two serve processes on one MariaDB database send each scheduled card
// exactly once.
func TestTwoReplicasSendEachCardOnce(t *testing.T) {
	dsn := os.Getenv("SALESBOT_TEST_MYSQL_DSN")
	if dsn == "" {
		t.Skip("SALESBOT_TEST_MYSQL_DSN not set")
	}
	cfg, err := gomysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("salesbot_e2e_%d", time.Now().UnixNano())
	admin, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Exec("DROP DATABASE " + name) })
	cfg.DBName = name
	loc, _ := time.LoadLocation("Asia/Shanghai")
	now := time.Date(2026, 12, 2, 8, 50, 0, 0, loc)
	start := func(demo bool) *testMain {
		c := config.Default()
		c.Listen = "127.0.0.1:0"
		c.Database.Driver, c.Database.DSN = "mysql", cfg.FormatDSN()
		m := NewMain(c, slog.New(slog.NewTextHandler(io.Discard, nil)))
		m.Demo, m.Now = demo, func() time.Time { return now }
		if err := m.Open(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := m.Listen(); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- m.Run(ctx) }()
		tm := &testMain{Main: m, url: "http://" + m.Addr()}
		t.Cleanup(func() { cancel(); <-done; m.Close() })
		return tm
	}
	a := start(true)
	b := start(false)
	var wg sync.WaitGroup
	for _, tm := range []*testMain{a, b, a, b} {
		wg.Go(func() { tm.sched.RunDue(context.Background()) })
	}
	wg.Wait()
	got := waitCards(t, 4, a, b)
	// Every card was queued before RunDue returned: the outbox tells
	// whether a duplicate exists, without waiting for one to arrive.
	var queued int
	if err := admin.QueryRow("SELECT COUNT(*) FROM " + name + ".outbox WHERE payload LIKE '%签约额进度%'").Scan(&queued); err != nil || queued != 4 {
		t.Errorf("%d progress cards queued (%v), want 4 (one per team chat)", queued, err)
	}
	if got = countTeamCards(t, a, b); got != 4 {
		t.Errorf("two replicas delivered %d progress cards, want 4 (one per team chat)", got)
	}
	var n int
	if err := admin.QueryRow("SELECT COUNT(*) FROM " + name + ".job_runs WHERE job = 'progress-card'").Scan(&n); err != nil || n != 4 {
		t.Errorf("job_runs has %d progress-card claims (%v), want 4", n, err)
	}
	var digests int
	admin.QueryRow("SELECT COUNT(*) FROM " + name + ".outbox WHERE payload LIKE '%晨报%'").Scan(&digests)
	if digests != 4 {
		t.Errorf("%d digests queued, want 4 (one per team with a manager)", digests)
	}
	_ = json.Valid
}
