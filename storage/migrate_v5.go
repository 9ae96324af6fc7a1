package storage

import "gorm.io/gorm"

// Migration 5 adds the indexes that keep progress cards and digests
// independent of history's length: targets by period (a tenant accumulates
// a year's targets per member every year), open opportunities by stage
// (closed deals accumulate forever; the digest counts only the open ones),
// and a covering index on daily_stats so that summing a period's rollups
// reads the index alone. Indexes only, so it is safe to re-run.

func migrateV5(tx *gorm.DB) error {
	return createIndexes(tx, []indexSpec{
		{"targets", "idx_targets_period", false, []string{"tenant_id", "period"}},
		{"opportunities", "idx_opportunities_open", false, []string{"tenant_id", "stage", "owner_id", "last_followup_at", "created_at"}},
		{"daily_stats", "idx_daily_stats_day_totals", false, []string{"tenant_id", "day", "member_id",
			"followups", "new_customers", "signed", "collected"}},
	})
}
