package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/salesbot/salesbot/domain"
)

// The reads behind progress cards and digests. Each is one query for the
// whole tenant, bounded by the size of the organisation (members, open
// deals, open collections and tasks) and by the period asked for, never by
// the length of history: figures come from daily_stats over the period's
// days, targets from the period's rows (idx_targets_period), open deals
// from idx_opportunities_open (migration 5).

// TargetsFor lists the tenant's targets of the given periods ("2026-11",
// "2026-Q4", "2026").
func (s *Store) TargetsFor(ctx context.Context, tenant string, periods []string) ([]domain.Target, error) {
	if len(periods) == 0 {
		return nil, nil
	}
	// Only the columns a progress card needs, unordered: a month's targets
	// are a row per member, metric and tier (tens of thousands in a large
	// company), and sorting or filling whole rows would cost more than
	// the cards.
	type row struct {
		Scope, ScopeID, Metric, Period, Tier string
		Value                                int64
	}
	var rows []row
	err := s.db(ctx).Table("targets").Select("scope, scope_id, metric, period, tier, value").
		Where("tenant_id = ? AND period IN ?", tenant, periods).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("targets for %v: %w", periods, err)
	}
	out := make([]domain.Target, len(rows))
	for i, r := range rows {
		out[i] = domain.Target{TenantID: tenant, Scope: domain.Scope(r.Scope), ScopeID: r.ScopeID, Metric: domain.Metric(r.Metric),
			Period: r.Period, Tier: domain.Tier(r.Tier), Value: r.Value}
	}
	return out, nil
}

// MemberTotals sums each member's daily rollups over the days from..to
// (inclusive, YYYY-MM-DD): one DailyStat per member with figures, Day "".
func (s *Store) MemberTotals(ctx context.Context, tenant, from, to string) ([]domain.DailyStat, error) {
	type totalRow struct {
		MemberID     string
		FollowUps    int64 `gorm:"column:followups"`
		NewCustomers int64
		Signed       int64
		Collected    int64
	}
	var rows []totalRow
	table := "daily_stats"
	if s.dialect == DialectMySQL {
		// Left to itself, MySQL/MariaDB reads the unique (tenant, member,
		// day) index to avoid sorting for GROUP BY — every day of
		// history. The period's days are a range of this index instead.
		table = "daily_stats FORCE INDEX (idx_daily_stats_day_totals)"
	}
	err := s.db(ctx).Table(table).
		Select("member_id, SUM(followups) AS followups, SUM(new_customers) AS new_customers, "+
			"SUM(signed) AS signed, SUM(collected) AS collected").
		Where("tenant_id = ? AND day >= ? AND day <= ?", tenant, from, to).
		Group("member_id").Order("member_id").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("member totals %s..%s: %w", from, to, err)
	}
	out := make([]domain.DailyStat, len(rows))
	for i, r := range rows {
		out[i] = domain.DailyStat{TenantID: tenant, MemberID: r.MemberID, FollowUps: int(r.FollowUps),
			NewCustomers: int(r.NewCustomers), Signed: domain.Money(r.Signed), Collected: domain.Money(r.Collected)}
	}
	return out, nil
}

// openStages are the stages of opportunities still being worked.
var openStages = []string{string(domain.StageLead), string(domain.StageQualify),
	string(domain.StageProposal), string(domain.StageNegotiation)}

// StaleDealCounts counts, per owner, the open opportunities whose last
// follow-up (or creation, without one) is before before.
func (s *Store) StaleDealCounts(ctx context.Context, tenant string, before time.Time) ([]domain.StaleDeals, error) {
	type row struct {
		OwnerID string
		N       int
		Oldest  string
	}
	var rows []row
	// Two conditions rather than COALESCE, so each is a plain comparison
	// on the open-deal index's columns.
	err := s.db(ctx).Table("opportunities").
		Select("owner_id, COUNT(*) AS n, MIN(COALESCE(last_followup_at, created_at)) AS oldest").
		Where("tenant_id = ? AND stage IN ?", tenant, openStages).
		Where("(last_followup_at < ? OR (last_followup_at IS NULL AND created_at < ?))", dbTime(before), dbTime(before)).
		Group("owner_id").Order("owner_id").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("stale deal counts: %w", err)
	}
	out := make([]domain.StaleDeals, len(rows))
	for i, r := range rows {
		out[i] = domain.StaleDeals{OwnerID: r.OwnerID, Count: r.N, Oldest: parseDBTime(r.Oldest)}
	}
	return out, nil
}

// parseDBTime reads a datetime that an aggregate returned as text (SQLite
// gives MIN() of a datetime column as a string).
func parseDBTime(s string) time.Time {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999",
		time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// OpenCollectionTotals sums, per member, the collections awaiting finance's
// confirmation and the planned ones due before today (YYYY-MM-DD).
func (s *Store) OpenCollectionTotals(ctx context.Context, tenant, today string) ([]domain.OpenCollections, error) {
	type row struct {
		MemberID string
		Status   string
		N        int
		Amount   int64
	}
	var rows []row
	err := s.db(ctx).Table("collections").
		Select("member_id, status, COUNT(*) AS n, SUM(amount) AS amount").
		Where("tenant_id = ? AND (status = ? OR (status = ? AND due_date <> '' AND due_date < ?))",
			tenant, domain.CollectionPending, domain.CollectionPlanned, today).
		Group("member_id, status").Order("member_id, status").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("open collections: %w", err)
	}
	var out []domain.OpenCollections
	for _, r := range rows {
		if len(out) == 0 || out[len(out)-1].MemberID != r.MemberID {
			out = append(out, domain.OpenCollections{MemberID: r.MemberID})
		}
		o := &out[len(out)-1]
		if r.Status == domain.CollectionPending {
			o.Pending, o.PendingAmount = r.N, domain.Money(r.Amount)
		} else {
			o.Overdue, o.OverdueAmount = r.N, domain.Money(r.Amount)
		}
	}
	return out, nil
}

// OverdueTasks lists the open or accepted tasks due before now, oldest
// deadline first.
func (s *Store) OverdueTasks(ctx context.Context, tenant string, now time.Time) ([]domain.OverdueTask, error) {
	type row struct {
		ID           string
		CreatorID    string
		AssigneeID   string
		AssigneeName string
		Title        string
		DueAt        time.Time
	}
	var rows []row
	err := s.db(ctx).Table("tasks AS t").
		Select("t.id, t.creator_id, t.assignee_id, m.name AS assignee_name, t.title, t.due_at").
		Joins("LEFT JOIN members AS m ON m.tenant_id = t.tenant_id AND m.id = t.assignee_id").
		Where("t.tenant_id = ? AND t.status IN ? AND t.due_at < ?", tenant,
			[]string{domain.TaskOpen, domain.TaskAccepted}, dbTime(now)).
		Order("t.due_at, t.id").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("overdue tasks: %w", err)
	}
	out := make([]domain.OverdueTask, len(rows))
	for i, r := range rows {
		out[i] = domain.OverdueTask{ID: r.ID, CreatorID: r.CreatorID, AssigneeID: r.AssigneeID,
			AssigneeName: r.AssigneeName, Title: r.Title, DueAt: r.DueAt.UTC()}
	}
	return out, nil
}
