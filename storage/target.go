package storage

import (
	"context"
	"errors"
	"fmt"

	"github.com/salesbot/salesbot/domain"
	"gorm.io/gorm"
)

// upsert is the portable "insert or update" on a unique key: run update;
// when it matched no row, run insert; when the insert hits the unique key
// because a concurrent writer inserted first, run update again. Unlike
// ON DUPLICATE KEY UPDATE / ON CONFLICT it reads the same on every dialect,
// and it never inserts a row just to find it exists.
func upsert(update func() (int64, error), insert func() error) error {
	n, err := update()
	if err != nil || n > 0 {
		return err
	}
	err = insert()
	if !isDuplicate(err) {
		return err
	}
	n, err = update()
	if err == nil && n == 0 {
		return errors.New("row deleted during upsert")
	}
	return err
}

// SetTarget sets a target's value, creating the target or replacing the
// value of the one with the same tenant, scope, scope id, metric, period and
// tier, and returns the stored target.
func (s *Store) SetTarget(ctx context.Context, t domain.Target) (domain.Target, error) {
	if t.TenantID == "" {
		return domain.Target{}, fmt.Errorf("set target: %w", errNoTenant)
	}
	if t.ID == "" {
		t.ID = domain.NewID()
	}
	if t.Tier == "" {
		t.Tier = domain.TierTarget
	}
	row := targetFromDomain(t)
	key := func() *gorm.DB {
		return s.db(ctx).Model(&targetRow{}).Where(
			"tenant_id = ? AND scope = ? AND scope_id = ? AND metric = ? AND period = ? AND tier = ?",
			row.TenantID, row.Scope, row.ScopeID, row.Metric, row.Period, row.Tier)
	}
	err := upsert(func() (int64, error) {
		res := key().Updates(map[string]any{"value": row.Value, "created_by": row.CreatedBy, "updated_at": dbTime(s.now())})
		return res.RowsAffected, res.Error
	}, func() error {
		return s.db(ctx).Create(&row).Error
	})
	if err != nil {
		return domain.Target{}, fmt.Errorf("set target: %w", err)
	}
	var stored targetRow
	if err := key().First(&stored).Error; err != nil {
		return domain.Target{}, fmt.Errorf("set target: %w", err)
	}
	return stored.toDomain(), nil
}

// Targets lists the tenant's targets by period, scope, metric and tier.
func (s *Store) Targets(ctx context.Context, tenant string) ([]domain.Target, error) {
	var rows []targetRow
	err := s.db(ctx).Where("tenant_id = ?", tenant).Order("period, scope, scope_id, metric, tier").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("targets: %w", err)
	}
	return mapSlice(rows, targetRow.toDomain), nil
}

// AddDailyStat adds the counts of delta to its member's row for its day,
// creating the row on the day's first write. The counters are incremented
// in place (x = x + ?), so concurrent writers never lose an update. A
// non-empty TeamID replaces the row's team (members change teams).
func (s *Store) AddDailyStat(ctx context.Context, delta domain.DailyStat) error {
	if delta.TenantID == "" {
		return fmt.Errorf("add daily stat: %w", errNoTenant)
	}
	if delta.MemberID == "" || len(delta.Day) != len(dateLayout) {
		return fmt.Errorf("add daily stat: %w", domain.Errorf(domain.Invalid, "统计需要成员和日期(YYYY-MM-DD)"))
	}
	now := dbTime(s.now())
	err := upsert(func() (int64, error) {
		set := map[string]any{
			"followups":     exprAdd("followups", delta.FollowUps),
			"new_customers": exprAdd("new_customers", delta.NewCustomers),
			"signed":        exprAdd("signed", int64(delta.Signed)),
			"collected":     exprAdd("collected", int64(delta.Collected)),
			"updated_at":    now,
		}
		if delta.TeamID != "" {
			set["team_id"] = delta.TeamID
		}
		res := s.db(ctx).Model(&dailyStatRow{}).
			Where("tenant_id = ? AND member_id = ? AND day = ?", delta.TenantID, delta.MemberID, delta.Day).Updates(set)
		return res.RowsAffected, res.Error
	}, func() error {
		row := dailyStatRow{
			ID: domain.NewID(), TenantID: delta.TenantID, MemberID: delta.MemberID, TeamID: delta.TeamID, Day: delta.Day,
			FollowUps: int64(delta.FollowUps), NewCustomers: int64(delta.NewCustomers),
			Signed: int64(delta.Signed), Collected: int64(delta.Collected), UpdatedAt: now,
		}
		return s.db(ctx).Create(&row).Error
	})
	if err != nil {
		return fmt.Errorf("add daily stat: %w", err)
	}
	return nil
}

// DailyStats lists the tenant's per-member rollups for the days from..to
// (inclusive, YYYY-MM-DD), by day and member.
func (s *Store) DailyStats(ctx context.Context, tenant, from, to string) ([]domain.DailyStat, error) {
	var rows []dailyStatRow
	err := s.db(ctx).Where("tenant_id = ? AND day >= ? AND day <= ?", tenant, from, to).
		Order("day, member_id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("daily stats: %w", err)
	}
	return mapSlice(rows, dailyStatRow.toDomain), nil
}
