package storage

import (
	"fmt"

	"gorm.io/gorm"
)

// Migration 2 adds follow_ups.text_hash, the SHA-256 of a follow-up's
// normalised text, so that "the same text from the same rep within ten
// minutes" is found through an index instead of by comparing text columns,
// and fills it in for the rows written before.

// backfillBatch is how many rows the backfill reads and updates at a time,
// so that a large table is never loaded whole.
var backfillBatch = 500

func migrateV2(tx *gorm.DB) error {
	if !tx.Migrator().HasColumn("follow_ups", "text_hash") {
		err := tx.Exec("ALTER TABLE follow_ups ADD COLUMN text_hash varchar(64) NOT NULL DEFAULT ''").Error
		if err != nil {
			return fmt.Errorf("add text_hash: %w", err)
		}
	}
	if err := backfillTextHash(tx); err != nil {
		return err
	}
	return createIndexes(tx, []indexSpec{
		{"follow_ups", "idx_follow_ups_text_hash", false, []string{"tenant_id", "member_id", "text_hash", "created_at"}},
	})
}

// backfillTextHash sets text_hash on every follow-up that has none, in
// batches in id order (keyset pagination, so each batch is an index range
// and a re-run resumes where an interrupted one stopped).
func backfillTextHash(tx *gorm.DB) error {
	type row struct {
		ID   string
		Text string
	}
	after := ""
	for {
		var rows []row
		err := tx.Table("follow_ups").Select("id", "text").
			Where("id > ? AND text_hash = ?", after, "").
			Order("id").Limit(backfillBatch).Scan(&rows).Error
		if err != nil {
			return fmt.Errorf("backfill text_hash: %w", err)
		}
		for _, r := range rows {
			err := tx.Table("follow_ups").Where("id = ?", r.ID).Update("text_hash", textHash(r.Text)).Error
			if err != nil {
				return fmt.Errorf("backfill text_hash of %s: %w", r.ID, err)
			}
		}
		if len(rows) < backfillBatch {
			return nil
		}
		after = rows[len(rows)-1].ID
	}
}
