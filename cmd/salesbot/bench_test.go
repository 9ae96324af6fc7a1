package main

import (
	"context"
	"database/sql"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/glebarez/go-sqlite"
	gomysql "github.com/go-sql-driver/mysql"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/domain"
	"github.com/salesbot/salesbot/handlers"
	"github.com/salesbot/salesbot/storage"
)

// BenchmarkMorningCards measures what one working morning costs: every
// team's progress card and every manager's digest, built from the database
// (no sends). It seeds a company, measures with 1/10 of the history, adds
// the other 9/10 (older records), and measures again: the two figures must
// stay within ±20%, because the cards read daily_stats over the current
// period and indexed current-state rows only.
//
// The default run is small and on SQLite. The size (2,000 reps in
// 200 teams, 2,000,000 follow-ups over 12 months, 200,000 opportunities,
// 100,000 collections) runs on MySQL/MariaDB when asked for:
//
//	SALESBOT_BENCH_MYSQL_DSN='root@tcp(127.0.0.1:3306)/test' SALESBOT_BENCH_SIZE=full \
//	  go test ./cmd/salesbot -run '^$' -bench MorningCards -benchtime 10x -timeout 60m
//
// It creates (and leaves, for inspection) the database salesbot_bench on
// that server.
func BenchmarkMorningCards(b *testing.B) {
	size := benchSmall
	if os.Getenv("SALESBOT_BENCH_SIZE") == "full" {
		size = benchFull
	}
	ctx := context.Background()
	st, raw, dialect, reopen := openBench(b)
	defer func() { st.Close() }()
	defer raw.Close()
	tenant, err := st.EnsureTenant(ctx, "基准公司", "Asia/Shanghai")
	if err != nil {
		b.Fatal(err)
	}
	loc, _ := time.LoadLocation("Asia/Shanghai")
	morning := time.Date(2026, 11, 26, 8, 30, 0, 0, loc) // a Thursday
	sd := &benchSeeder{b: b, raw: raw, dialect: dialect, tenant: tenant.ID, size: size, today: morning,
		cal: domain.NewCalendar(nil)}

	start := time.Now()
	sd.seedOrg()
	sd.seedHistory(0, size.days/10, true)
	sd.analyze()
	b.Logf("seeded 1/10 of the history in %v: %s", time.Since(start).Round(time.Millisecond), sd.counts(ctx, st))
	d := &handlers.Digests{Store: st, Tenant: tenant.ID, Cal: sd.cal, Loc: loc, StaleDays: 14,
		Now: func() time.Time { return morning }}
	small := measure(b, "history=1/10", d, morning)

	// SQLite: one process, two handles on the file; let the seeder write
	// alone, then read through a fresh store.
	st.Close()
	start = time.Now()
	sd.seedHistory(size.days/10, size.days, false)
	sd.analyze()
	if st, err = reopen(); err != nil {
		b.Fatal(err)
	}
	d.Store = st
	b.Logf("seeded the other 9/10 in %v: %s", time.Since(start).Round(time.Millisecond), sd.counts(ctx, st))
	full := measure(b, "history=full", d, morning)
	b.Logf("morning cards: %v with 1/10 of the history, %v with all of it (ratio %.2f)", small, full,
		float64(full)/float64(small))
	sd.explain(ctx)
}

// measure runs the morning's cards as a sub-benchmark and returns the
// median time of one morning.
func measure(b *testing.B, name string, d *handlers.Digests, morning time.Time) time.Duration {
	var times []time.Duration
	cards := 0
	b.Run(name, func(b *testing.B) {
		times = times[:0]
		for b.Loop() {
			t0 := time.Now()
			ms, err := d.Morning(context.Background(), morning, "")
			if err != nil {
				b.Fatal(err)
			}
			times = append(times, time.Since(t0))
			cards = 0
			for _, m := range ms {
				if m.Progress != nil {
					cards++
				}
				if m.Digest != nil {
					cards++
				}
			}
		}
		b.ReportMetric(float64(cards), "cards/morning")
	})
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	if len(times) == 0 {
		return 0
	}
	med := times[len(times)/2]
	b.Logf("%s: median %v for %d cards (%d runs)", name, med.Round(time.Microsecond), cards, len(times))
	return med
}

type benchSize struct {
	reps, teamSize int
	days           int // calendar days of history
	// per rep: follow-ups per workday on average; opportunities open and
	// closed over the whole history; collections open and confirmed.
	followUpsPerDay     int
	openOpps, closedOpp int
	openCols, doneCols  int
}

var (
	benchSmall = benchSize{reps: 200, teamSize: 10, days: 365, followUpsPerDay: 1,
		openOpps: 10, closedOpp: 90, openCols: 5, doneCols: 45}
	// 2,000 reps × ~250 workdays × 4 = 2,000,000 follow-ups; 200,000
	// opportunities; 100,000 collections.
	benchFull = benchSize{reps: 2000, teamSize: 10, days: 365, followUpsPerDay: 4,
		openOpps: 10, closedOpp: 90, openCols: 5, doneCols: 45}
)

func openBench(b *testing.B) (*storage.Store, *sql.DB, string, func() (*storage.Store, error)) {
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if dsn := os.Getenv("SALESBOT_BENCH_MYSQL_DSN"); dsn != "" {
		cfg, err := gomysql.ParseDSN(dsn)
		if err != nil {
			b.Fatal(err)
		}
		admin, err := sql.Open("mysql", cfg.FormatDSN())
		if err != nil {
			b.Fatal(err)
		}
		for _, q := range []string{"DROP DATABASE IF EXISTS salesbot_bench",
			"CREATE DATABASE salesbot_bench CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"} {
			if _, err := admin.ExecContext(ctx, q); err != nil {
				b.Fatal(err)
			}
		}
		admin.Close()
		cfg.DBName = "salesbot_bench"
		st, err := storage.Open(ctx, "mysql", cfg.FormatDSN(), log)
		if err != nil {
			b.Fatal(err)
		}
		if err := st.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		cfg.ParseTime, cfg.Loc, cfg.InterpolateParams = true, time.UTC, true
		raw, err := sql.Open("mysql", cfg.FormatDSN())
		if err != nil {
			b.Fatal(err)
		}
		dsn := cfg.FormatDSN()
		return st, raw, storage.DialectMySQL, func() (*storage.Store, error) { return storage.Open(ctx, "mysql", dsn, log) }
	}
	path := filepath.Join(b.TempDir(), "bench.db")
	st, err := storage.Open(ctx, "sqlite", path, log)
	if err != nil {
		b.Fatal(err)
	}
	if err := st.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	raw, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)")
	if err != nil {
		b.Fatal(err)
	}
	raw.SetMaxOpenConns(1)
	return st, raw, "sqlite", func() (*storage.Store, error) { return storage.Open(ctx, "sqlite", path, log) }
}

// benchSeeder writes a consistent company with multi-row INSERTs: the
// daily_stats rows are the sums of the follow-ups, won deals and confirmed
// collections it writes.
type benchSeeder struct {
	b       *testing.B
	raw     *sql.DB
	dialect string
	tenant  string
	size    benchSize
	today   time.Time
	cal     *domain.Calendar
	reps    []domain.Member
	teamIDs []string
	months  map[string]bool // months whose targets are written
	mu      sync.Mutex
	failed  error
}

func hashOf(parts ...any) uint32 {
	h := fnv.New32a()
	fmt.Fprint(h, parts...)
	return h.Sum32()
}

func (s *benchSeeder) seedOrg() {
	now := s.today.UTC()
	var teams, members [][]any
	nTeams := s.size.reps / s.size.teamSize
	for t := range nTeams {
		tid := bot.NewID()
		mgr := bot.NewID()
		s.teamIDs = append(s.teamIDs, tid)
		teams = append(teams, []any{tid, s.tenant, "", fmt.Sprintf("第%03d组", t+1), mgr, "", now})
		members = append(members, []any{mgr, s.tenant, fmt.Sprintf("经理%03d", t+1), "manager", tid, "", true, now, now})
		for r := range s.size.teamSize {
			m := domain.Member{ID: bot.NewID(), Name: fmt.Sprintf("销售%03d-%02d", t+1, r+1), TeamID: tid}
			s.reps = append(s.reps, m)
			members = append(members, []any{m.ID, s.tenant, m.Name, "sales", tid, mgr, true, now, now})
		}
	}
	s.insert("teams", "id, tenant_id, parent_id, name, manager_id, timezone, created_at", teams)
	s.insert("members", "id, tenant_id, name, role, team_id, manager_id, active, created_at, updated_at", members)
	// Current state, the same at any history length: open deals (some
	// stale), open collections (some overdue), open tasks (some overdue).
	var opps, cols, tasks [][]any
	for i, r := range s.reps {
		for j := range s.size.openOpps {
			last := now.AddDate(0, 0, -int(hashOf(r.ID, j)%40))
			stage := []string{"lead", "qualify", "proposal", "negotiation"}[j%4]
			opps = append(opps, []any{bot.NewID(), s.tenant, bot.NewID(), r.ID, "", stage, int64(hashOf(r.ID, j)%100+5) * 1000000,
				"CNY", "", last, nil, last.AddDate(0, -1, 0), last})
		}
		for j := range s.size.openCols {
			status, due := "pending", ""
			if j >= 2 {
				status, due = "planned", s.today.AddDate(0, 0, 10-int(hashOf(r.ID, "c", j)%20)).Format(time.DateOnly)
			}
			cols = append(cols, []any{bot.NewID(), s.tenant, bot.NewID(), "", r.ID, int64(j+1) * 5000000, "CNY", 0, status, due, "", nil, "", "", now, now})
		}
		tasks = append(tasks, []any{bot.NewID(), s.tenant, r.ID, s.reps[(i+1)%len(s.reps)].ID, "sales", "", "准备方案", now.AddDate(0, 0, -2+i%5), "open", nil, "", now, now})
	}
	s.insert("opportunities", "id, tenant_id, customer_id, owner_id, name, stage, amount, currency, expected_close, last_followup_at, closed_at, created_at, updated_at", opps)
	s.insert("collections", "id, tenant_id, customer_id, opportunity_id, member_id, amount, currency, confirmed_amount, status, due_date, confirmed_by, confirmed_at, reject_reason, source_event_id, created_at, updated_at", cols)
	s.insert("tasks", "id, tenant_id, creator_id, assignee_id, assignee_role, customer_id, title, due_at, status, done_at, source_event_id, created_at, updated_at", tasks)
}

// seedHistory writes the records of the days from..to (calendar days
// before today, from excluded, to included) with their daily_stats, and
// the targets of the months they fall in (with current, this month's).
func (s *benchSeeder) seedHistory(from, to int, current bool) {
	type work struct {
		rep domain.Member
	}
	// Each month's targets once: a month that straddles the phases was
	// given its targets by the first.
	months := map[string]bool{}
	add := func(m string) {
		if !s.months[m] {
			months[m] = true
		}
	}
	for back := from + 1; back <= to; back++ {
		add(s.today.AddDate(0, 0, -back).Format("2006-01"))
	}
	if current {
		add(s.today.Format("2006-01"))
	}
	if s.months == nil {
		s.months = map[string]bool{}
	}
	for m := range months {
		s.months[m] = true
	}
	var wg sync.WaitGroup
	ch := make(chan domain.Member)
	workers := 4
	if s.dialect != storage.DialectMySQL {
		workers = 1
	}
	for range workers {
		wg.Go(func() {
			for r := range ch {
				s.seedRep(r, from, to, months)
			}
		})
	}
	for _, r := range s.reps {
		ch <- r
	}
	close(ch)
	wg.Wait()
	if s.failed != nil {
		s.b.Fatal(s.failed)
	}
	var targets [][]any
	now := s.today.UTC()
	for month := range months {
		for _, metric := range domain.Metrics {
			perRep := map[domain.Metric]int64{domain.MetricSigned: int64(domain.Yuan(800000)), domain.MetricCollected: int64(domain.Yuan(500000)),
				domain.MetricNewCustomers: 3, domain.MetricFollowUps: int64(s.size.followUpsPerDay * 21)}[metric]
			for ti, tier := range domain.Tiers {
				v := perRep * int64(10+ti*2) / 10
				for _, tid := range s.teamIDs {
					targets = append(targets, []any{bot.NewID(), s.tenant, "team", tid, string(metric), month, string(tier), v * int64(s.size.teamSize), "", now, now})
				}
			}
		}
	}
	s.insert("targets", "id, tenant_id, scope, scope_id, metric, period, tier, value, created_by, created_at, updated_at", targets)
	if s.failed != nil {
		s.b.Fatal(s.failed)
	}
}

// seedRep writes one rep's history and targets.
func (s *benchSeeder) seedRep(r domain.Member, from, to int, months map[string]bool) {
	var fus, opps, cols, stats, targets [][]any
	now := s.today.UTC()
	perDay := s.size.followUpsPerDay
	closedEvery := float64(s.size.days) / float64(s.size.closedOpp)
	colEvery := float64(s.size.days) / float64(s.size.doneCols)
	for back := from + 1; back <= to; back++ {
		day := s.today.AddDate(0, 0, -back)
		dayStr := day.Format(time.DateOnly)
		var st domain.DailyStat
		if s.cal.IsWorkday(day) {
			n := perDay - 1 + int(hashOf(r.ID, dayStr)%3) // perDay on average
			for k := range n {
				at := day.Add(time.Duration(9+k) * time.Hour).UTC()
				text := fmt.Sprintf("拜访了客户%d张总,聊了方案,报价%d万", hashOf(r.ID, dayStr, k)%1000, k+10)
				fus = append(fus, []any{bot.NewID(), s.tenant, r.ID, bot.NewID(), "", "", "visit", 0, "CNY", "", nil, false,
					text, "bench", "", "", "active", at, at, fmt.Sprintf("%064x", hashOf(text))})
			}
			st.FollowUps = n
			if hashOf(r.ID, dayStr, "new")%10 == 0 {
				st.NewCustomers = 1
			}
		}
		// Closed deals and confirmed collections, spread over the days.
		if int(float64(back)/closedEvery) != int(float64(back-1)/closedEvery) {
			at := day.Add(15 * time.Hour).UTC()
			stage, amount := "lost", int64(hashOf(r.ID, back)%50+5)*1000000
			if hashOf(r.ID, back, "won")%10 < 4 {
				stage = "won"
				st.Signed += domain.Money(amount)
			}
			opps = append(opps, []any{bot.NewID(), s.tenant, bot.NewID(), r.ID, "", stage, amount, "CNY", "", at, at, at.AddDate(0, -1, 0), at})
		}
		if int(float64(back)/colEvery) != int(float64(back-1)/colEvery) {
			at := day.Add(16 * time.Hour).UTC()
			amount := int64(hashOf(r.ID, back, "col")%30+5) * 1000000
			st.Collected += domain.Money(amount)
			cols = append(cols, []any{bot.NewID(), s.tenant, bot.NewID(), "", r.ID, amount, "CNY", amount, "confirmed", "", "", at, "", "", at, at})
		}
		if st.FollowUps+st.NewCustomers > 0 || st.Signed+st.Collected > 0 {
			stats = append(stats, []any{bot.NewID(), s.tenant, r.ID, r.TeamID, dayStr, st.FollowUps, st.NewCustomers,
				int64(st.Signed), int64(st.Collected), now})
		}
	}
	for month := range months {
		for _, metric := range domain.Metrics {
			v := map[domain.Metric]int64{domain.MetricSigned: int64(domain.Yuan(800000)), domain.MetricCollected: int64(domain.Yuan(500000)),
				domain.MetricNewCustomers: 3, domain.MetricFollowUps: int64(perDay * 21)}[metric]
			for ti, tier := range domain.Tiers {
				targets = append(targets, []any{bot.NewID(), s.tenant, "member", r.ID, string(metric), month, string(tier), v * int64(10+ti*2) / 10, "", now, now})
			}
		}
	}
	s.insert("follow_ups", "id, tenant_id, member_id, customer_id, contact_id, opportunity_id, activity, amount, currency, stage, next_at, next_has_time, text, source_platform, source_event_id, source_message_id, status, created_at, updated_at, text_hash", fus)
	s.insert("opportunities", "id, tenant_id, customer_id, owner_id, name, stage, amount, currency, expected_close, last_followup_at, closed_at, created_at, updated_at", opps)
	s.insert("collections", "id, tenant_id, customer_id, opportunity_id, member_id, amount, currency, confirmed_amount, status, due_date, confirmed_by, confirmed_at, reject_reason, source_event_id, created_at, updated_at", cols)
	s.insert("daily_stats", "id, tenant_id, member_id, team_id, day, followups, new_customers, signed, collected, updated_at", stats)
	s.insert("targets", "id, tenant_id, scope, scope_id, metric, period, tier, value, created_by, created_at, updated_at", targets)
}

// insert writes rows with multi-row INSERTs, in one transaction per call.
func (s *benchSeeder) insert(table, cols string, rows [][]any) {
	if len(rows) == 0 {
		return
	}
	n := len(strings.Split(cols, ","))
	batch := 30000 / n
	ctx := context.Background()
	tx, err := s.raw.BeginTx(ctx, nil)
	if err != nil {
		s.fail(err)
		return
	}
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", n), ",") + ")"
	quoted := strings.ReplaceAll(cols, "text,", "`text`,")
	for i := 0; i < len(rows); i += batch {
		part := rows[i:min(i+batch, len(rows))]
		args := make([]any, 0, len(part)*n)
		for _, r := range part {
			args = append(args, r...)
		}
		q := "INSERT INTO " + table + " (" + quoted + ") VALUES " + strings.TrimSuffix(strings.Repeat(one+",", len(part)), ",")
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			tx.Rollback()
			s.fail(fmt.Errorf("insert %s: %w", table, err))
			return
		}
	}
	if err := tx.Commit(); err != nil {
		s.fail(err)
	}
}

func (s *benchSeeder) forceTotals() string {
	if s.dialect == storage.DialectMySQL {
		return " FORCE INDEX (idx_daily_stats_day_totals)"
	}
	return ""
}

// fail records the first seeding error; seeding runs on several
// goroutines, where b.Fatal may not be called.
func (s *benchSeeder) fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failed == nil {
		s.failed = err
	}
}

// analyze refreshes the optimizer's statistics after a bulk load, as
// InnoDB does by itself once a tenth of a table has changed.
func (s *benchSeeder) analyze() {
	if s.dialect != storage.DialectMySQL {
		return
	}
	for _, t := range []string{"targets", "daily_stats", "opportunities", "collections", "tasks", "members", "teams"} {
		if _, err := s.raw.Exec("ANALYZE TABLE " + t); err != nil {
			s.b.Fatal(err)
		}
	}
}

func (s *benchSeeder) counts(ctx context.Context, st *storage.Store) string {
	c, err := st.CountRows(ctx, s.tenant)
	if err != nil {
		return err.Error()
	}
	var parts []string
	for _, t := range []string{"members", "teams", "follow_ups", "opportunities", "collections", "tasks", "daily_stats", "targets"} {
		parts = append(parts, fmt.Sprintf("%s=%d", t, c[t]))
	}
	return strings.Join(parts, " ")
}

// explain logs the plans of the morning's queries (the statements of
// storage/progress.go and DailyStats, with this morning's values).
func (s *benchSeeder) explain(ctx context.Context) {
	today := s.today.Format(time.DateOnly)
	staleBefore := s.today.AddDate(0, 0, -14).UTC()
	queries := []struct {
		name, q string
		args    []any
	}{
		{"TargetsFor", "SELECT * FROM targets WHERE tenant_id = ? AND period IN (?, ?, ?)", []any{s.tenant, "2026-11", "2026-Q4", "2026"}},
		{"MemberTotals", "SELECT member_id, SUM(followups), SUM(new_customers), SUM(signed), SUM(collected) FROM daily_stats" + s.forceTotals() + " WHERE tenant_id = ? AND day >= ? AND day <= ? GROUP BY member_id ORDER BY member_id",
			[]any{s.tenant, "2026-11-01", "2026-11-25"}},
		{"DailyStats (yesterday)", "SELECT * FROM daily_stats WHERE tenant_id = ? AND day >= ? AND day <= ? ORDER BY day, member_id", []any{s.tenant, "2026-11-25", "2026-11-25"}},
		{"StaleDealCounts", "SELECT owner_id, COUNT(*), MIN(COALESCE(last_followup_at, created_at)) FROM opportunities WHERE tenant_id = ? AND stage IN (?, ?, ?, ?) AND (last_followup_at < ? OR (last_followup_at IS NULL AND created_at < ?)) GROUP BY owner_id ORDER BY owner_id",
			[]any{s.tenant, "lead", "qualify", "proposal", "negotiation", staleBefore, staleBefore}},
		{"OpenCollectionTotals", "SELECT member_id, status, COUNT(*), SUM(amount) FROM collections WHERE tenant_id = ? AND (status = ? OR (status = ? AND due_date <> '' AND due_date < ?)) GROUP BY member_id, status ORDER BY member_id, status",
			[]any{s.tenant, "pending", "planned", today}},
		{"OverdueTasks", "SELECT t.id, t.creator_id, t.assignee_id, m.name, t.title, t.due_at FROM tasks AS t LEFT JOIN members AS m ON m.tenant_id = t.tenant_id AND m.id = t.assignee_id WHERE t.tenant_id = ? AND t.status IN (?, ?) AND t.due_at < ? ORDER BY t.due_at, t.id",
			[]any{s.tenant, "open", "accepted", s.today.UTC()}},
	}
	prefix := "EXPLAIN "
	if s.dialect != storage.DialectMySQL {
		prefix = "EXPLAIN QUERY PLAN "
	}
	for _, q := range queries {
		rows, err := s.raw.QueryContext(ctx, prefix+q.q, q.args...)
		if err != nil {
			s.b.Logf("explain %s: %v", q.name, err)
			continue
		}
		cols, _ := rows.Columns()
		var lines []string
		for rows.Next() {
			vals := make([]sql.NullString, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				s.b.Logf("explain %s: %v", q.name, err)
				break
			}
			var cells []string
			for i, v := range vals {
				if v.Valid && v.String != "" {
					cells = append(cells, cols[i]+"="+v.String)
				}
			}
			lines = append(lines, strings.Join(cells, " "))
		}
		rows.Close()
		s.b.Logf("plan of %s:\n    %s", q.name, strings.Join(lines, "\n    "))
	}
}
