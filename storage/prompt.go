package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/salesbot/salesbot/domain"
)

type promptRow struct {
	ID         string
	TenantID   string
	MemberID   string
	Platform   string
	ChatID     string
	Kind       string
	Ref        string
	MessageID  string
	Payload    string
	ExpiresAt  time.Time
	ResolvedAt *time.Time
	CreatedAt  time.Time
}

func (promptRow) TableName() string { return "prompts" }

func promptFromDomain(p domain.Prompt) promptRow {
	return promptRow{
		ID: p.ID, TenantID: p.TenantID, MemberID: p.MemberID, Platform: p.Platform, ChatID: p.ChatID,
		Kind: p.Kind, Ref: p.Ref, MessageID: p.MessageID, Payload: p.Payload,
		ExpiresAt: dbTime(p.ExpiresAt), ResolvedAt: nullTime(p.ResolvedAt), CreatedAt: dbTime(p.CreatedAt),
	}
}

func (r promptRow) toDomain() domain.Prompt {
	return domain.Prompt{
		ID: r.ID, TenantID: r.TenantID, MemberID: r.MemberID, Platform: r.Platform, ChatID: r.ChatID,
		Kind: r.Kind, Ref: r.Ref, MessageID: r.MessageID, Payload: r.Payload,
		ExpiresAt: r.ExpiresAt.UTC(), ResolvedAt: fromNullTime(r.ResolvedAt), CreatedAt: r.CreatedAt.UTC(),
	}
}

// CreatePrompt stores a question the bot asked a member. A member has at
// most one pending prompt per chat: the earlier ones there are resolved, so
// that the answer goes to the latest question.
func (s *Store) CreatePrompt(ctx context.Context, p domain.Prompt) (domain.Prompt, error) {
	if p.TenantID == "" {
		return domain.Prompt{}, fmt.Errorf("create prompt: %w", errNoTenant)
	}
	if p.ID == "" {
		p.ID = domain.NewID()
	}
	if p.CreatedAt.IsZero() {
		p.CreatedAt = s.now()
	}
	row := promptFromDomain(p)
	err := s.InTx(ctx, func(ctx context.Context) error {
		err := s.db(ctx).Model(&promptRow{}).
			Where("tenant_id = ? AND member_id = ? AND platform = ? AND chat_id = ? AND resolved_at IS NULL",
				p.TenantID, p.MemberID, p.Platform, p.ChatID).
			Update("resolved_at", dbTime(p.CreatedAt)).Error
		if err != nil {
			return err
		}
		return s.db(ctx).Create(&row).Error
	})
	if err != nil {
		return domain.Prompt{}, fmt.Errorf("create prompt: %w", err)
	}
	return row.toDomain(), nil
}

// PromptByID returns one prompt.
func (s *Store) PromptByID(ctx context.Context, tenant, id string) (domain.Prompt, error) {
	var row promptRow
	if err := s.db(ctx).Where("tenant_id = ? AND id = ?", tenant, id).First(&row).Error; err != nil {
		return domain.Prompt{}, fmt.Errorf("prompt %s: %w", id, notFound(err, "这个问题已失效"))
	}
	return row.toDomain(), nil
}

// PendingPrompt returns the member's newest prompt in the chat that is
// neither answered nor expired at now, or NotFound.
func (s *Store) PendingPrompt(ctx context.Context, tenant, memberID, platform, chatID string, now time.Time) (domain.Prompt, error) {
	var row promptRow
	err := s.db(ctx).
		Where("tenant_id = ? AND member_id = ? AND platform = ? AND chat_id = ? AND resolved_at IS NULL AND expires_at > ?",
			tenant, memberID, platform, chatID, dbTime(now)).
		Order("created_at DESC, id DESC").First(&row).Error
	if err != nil {
		return domain.Prompt{}, fmt.Errorf("pending prompt: %w", notFound(err, "没有待回答的问题"))
	}
	return row.toDomain(), nil
}

// ResolvePrompt marks a prompt answered, and reports whether it did: false
// when it was answered already (a conditional update, so two answers
// racing resolve it once).
func (s *Store) ResolvePrompt(ctx context.Context, tenant, id string, at time.Time) (bool, error) {
	res := s.db(ctx).Model(&promptRow{}).
		Where("tenant_id = ? AND id = ? AND resolved_at IS NULL", tenant, id).
		Update("resolved_at", dbTime(at))
	if res.Error != nil {
		return false, fmt.Errorf("resolve prompt: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}
