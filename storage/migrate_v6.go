package storage

import (
	"time"

	"gorm.io/gorm"
)

// Migration 6 adds team_sources: which platform department each team was
// synced from, so that "salesbot sync" follows a department through a
// rename and keeps two departments of one name apart, instead of matching
// teams by name. The struct is FROZEN like v1's.

func migrateV6(tx *gorm.DB) error {
	if err := createTables(tx, &v6TeamSource{}); err != nil {
		return err
	}
	return createIndexes(tx, []indexSpec{
		{"team_sources", "uq_team_sources_dept", true, []string{"tenant_id", "platform", "dept_id"}},
	})
}

type v6TeamSource struct {
	ID        keyCol    `gorm:"primaryKey"`
	TenantID  keyCol    `gorm:"not null"`
	Platform  keyCol    `gorm:"size:16;not null"`
	DeptID    keyCol    `gorm:"size:128;not null"`
	TeamID    keyCol    `gorm:"not null"`
	CreatedAt time.Time `gorm:"not null;precision:6"`
}

func (v6TeamSource) TableName() string { return "team_sources" }
