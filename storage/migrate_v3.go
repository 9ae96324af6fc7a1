package storage

import (
	"time"

	"gorm.io/gorm"
)

// Migration 3 adds prompts: the questions the bot asked a member and waits
// for (which field to change after 修改, which customer a follow-up is
// about), kept in the database so that any replica takes the answer. The
// struct is FROZEN like v1's.

func migrateV3(tx *gorm.DB) error {
	if err := createTables(tx, &v3Prompt{}); err != nil {
		return err
	}
	return createIndexes(tx, []indexSpec{
		{"prompts", "idx_prompts_pending", false, []string{"tenant_id", "member_id", "chat_id", "created_at"}},
	})
}

type v3Prompt struct {
	ID         keyCol     `gorm:"primaryKey"`
	TenantID   keyCol     `gorm:"not null"`
	MemberID   keyCol     `gorm:"not null"`
	Platform   keyCol     `gorm:"size:16;not null;default:''"`
	ChatID     keyCol     `gorm:"size:128;not null"`
	Kind       string     `gorm:"size:16;not null"`
	Ref        string     `gorm:"type:text;not null"`
	MessageID  keyCol     `gorm:"size:128;not null;default:''"`
	Payload    string     `gorm:"type:mediumtext;not null"`
	ExpiresAt  time.Time  `gorm:"not null;precision:6"`
	ResolvedAt *time.Time `gorm:"precision:6"`
	CreatedAt  time.Time  `gorm:"not null;precision:6"`
}

func (v3Prompt) TableName() string { return "prompts" }
