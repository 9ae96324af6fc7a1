package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/domain"
	"gorm.io/gorm"
)

var _ bot.Outbox = (*Store)(nil)

// Enqueue stores outgoing messages, due at their NextAt (now when zero).
// Items without an id get one; the id is also the delivery's idempotency
// key (Outgoing.Key) unless one is set.
func (s *Store) Enqueue(ctx context.Context, items []bot.OutboxItem) error {
	if len(items) == 0 {
		return nil
	}
	rows := make([]outboxRow, len(items))
	for i, it := range items {
		row, err := outboxFromBot(it, s.now())
		if err != nil {
			return fmt.Errorf("enqueue: %w", err)
		}
		rows[i] = row
	}
	if err := s.db(ctx).Create(&rows).Error; err != nil {
		return fmt.Errorf("enqueue: %w", err)
	}
	return nil
}

func outboxFromBot(it bot.OutboxItem, now time.Time) (outboxRow, error) {
	if it.Tenant == "" {
		return outboxRow{}, errNoTenant
	}
	if it.ID == "" {
		it.ID = domain.NewID()
	}
	if it.Out.Key == "" {
		it.Out.Key = it.ID
	}
	payload, err := json.Marshal(it.Out)
	if err != nil {
		return outboxRow{}, fmt.Errorf("encode message: %w", err)
	}
	row := outboxRow{
		ID: it.ID, TenantID: it.Tenant, Platform: string(it.Out.Platform), Target: it.Out.To.Key(),
		Payload: string(payload), Status: it.Status, Attempts: it.Attempts, NextAt: dbTime(it.NextAt),
		MessageID: it.MessageID, UpdateMessageID: it.Out.UpdateMessageID, SourceEventID: it.SourceEventID,
		LastError: it.LastError, CreatedAt: dbTime(it.CreatedAt),
	}
	if row.Status == "" {
		row.Status = bot.OutboxPending
	}
	if row.NextAt.IsZero() {
		row.NextAt = dbTime(now)
	}
	return row, nil
}

func (r outboxRow) toBot() (bot.OutboxItem, error) {
	var out bot.Outgoing
	if err := json.Unmarshal([]byte(r.Payload), &out); err != nil {
		return bot.OutboxItem{}, fmt.Errorf("decode outbox %s: %w", r.ID, err)
	}
	return bot.OutboxItem{
		ID: r.ID, Tenant: r.TenantID, Out: out, Status: r.Status, Attempts: r.Attempts,
		NextAt: r.NextAt.UTC(), SourceEventID: r.SourceEventID, MessageID: r.MessageID,
		LastError: r.LastError, CreatedAt: r.CreatedAt.UTC(),
	}, nil
}

// dueCondition selects the items a sender may take at now: pending ones
// that are due, and ones whose sender's lease expired (it died mid-send).
const dueCondition = "((status = ? AND next_at <= ?) OR (status = ? AND claimed_until < ?))"

// ClaimDue leases up to limit due items to the caller until now+lease. It
// reads candidate ids, then claims each with
// a conditional UPDATE that repeats the due condition, so concurrent
// senders never take the same item (no SKIP LOCKED, which SQLite and older
// MariaDB lack).
func (s *Store) ClaimDue(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]bot.OutboxItem, error) {
	now = dbTime(now)
	var ids []string
	err := s.db(ctx).Model(&outboxRow{}).
		Where(dueCondition, bot.OutboxPending, now, bot.OutboxSending, now).
		Order("next_at, id").Limit(limit).Pluck("id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("claim due: %w", err)
	}
	claimed := make([]string, 0, len(ids))
	for _, id := range ids {
		ok, err := s.claimOutbox(ctx, id, now, lease)
		if err != nil {
			return nil, fmt.Errorf("claim due: %w", err)
		}
		if ok {
			claimed = append(claimed, id)
		}
	}
	return s.outboxItems(ctx, claimed)
}

func (s *Store) claimOutbox(ctx context.Context, id string, now time.Time, lease time.Duration) (bool, error) {
	res := s.db(ctx).Model(&outboxRow{}).
		Where("id = ?", id).
		Where(dueCondition, bot.OutboxPending, now, bot.OutboxSending, now).
		Updates(map[string]any{
			"status":        bot.OutboxSending,
			"claimed_until": now.Add(lease),
			"updated_at":    now,
		})
	return res.RowsAffected == 1, res.Error
}

// outboxItems loads the given items in due order.
func (s *Store) outboxItems(ctx context.Context, ids []string) ([]bot.OutboxItem, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []outboxRow
	if err := s.db(ctx).Where("id IN ?", ids).Order("next_at, id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load outbox: %w", err)
	}
	items := make([]bot.OutboxItem, 0, len(rows))
	for _, r := range rows {
		it, err := r.toBot()
		if err != nil {
			return nil, err
		}
		items = append(items, it)
	}
	return items, nil
}

// MarkSent records a delivered item and the platform's id for the message.
func (s *Store) MarkSent(ctx context.Context, id, messageID string, at time.Time) error {
	return s.updateOutbox(ctx, "mark sent", id, map[string]any{
		"status":        bot.OutboxSent,
		"message_id":    messageID,
		"sent_at":       dbTime(at),
		"claimed_until": nil,
		"last_error":    "",
		"updated_at":    dbTime(at),
	})
}

// MarkRetry records a failed attempt (Attempts+1) and makes the item due
// again at next, keeping the error for the dead-letter view.
func (s *Store) MarkRetry(ctx context.Context, id string, next time.Time, errText string) error {
	return s.updateOutbox(ctx, "mark retry", id, map[string]any{
		"status":        bot.OutboxPending,
		"next_at":       dbTime(next),
		"claimed_until": nil,
		"attempts":      exprAdd("attempts", 1),
		"last_error":    errText,
		"updated_at":    dbTime(s.now()),
	})
}

// Reschedule makes the item due again at next without counting an attempt:
// it was not tried (a local rate limit, or a pause the platform asked for).
func (s *Store) Reschedule(ctx context.Context, id string, next time.Time) error {
	return s.updateOutbox(ctx, "reschedule", id, map[string]any{
		"status":        bot.OutboxPending,
		"next_at":       dbTime(next),
		"claimed_until": nil,
		"updated_at":    dbTime(s.now()),
	})
}

// MarkDead records the final failed attempt (Attempts+1) and gives up on
// the item; it stays visible as a dead letter.
func (s *Store) MarkDead(ctx context.Context, id, errText string, at time.Time) error {
	return s.updateOutbox(ctx, "mark dead", id, map[string]any{
		"status":        bot.OutboxDead,
		"claimed_until": nil,
		"attempts":      exprAdd("attempts", 1),
		"last_error":    errText,
		"updated_at":    dbTime(at),
	})
}

func (s *Store) updateOutbox(ctx context.Context, op, id string, set map[string]any) error {
	res := s.db(ctx).Model(&outboxRow{}).Where("id = ?", id).Updates(set)
	if res.Error != nil {
		return fmt.Errorf("%s: %w", op, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("%s: %w", op, domain.Errorf(domain.NotFound, "待发消息 %s 不存在", id))
	}
	return nil
}

// NewerUpdateSent implements bot.Outbox.
func (s *Store) NewerUpdateSent(ctx context.Context, it bot.OutboxItem) (bool, error) {
	var n int64
	created := dbTime(it.CreatedAt)
	err := s.db(ctx).Model(&outboxRow{}).
		Where("tenant_id = ? AND platform = ? AND update_message_id = ? AND status = ? AND (created_at > ? OR (created_at = ? AND id > ?))",
			it.Tenant, string(it.Out.Platform), it.Out.UpdateMessageID, bot.OutboxSent, created, created, it.ID).
		Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("newer update: %w", err)
	}
	return n > 0, nil
}

// LatestCard returns the card a platform message shows now: the card of the
// newest live (not dead) update of that message, or else the card it was
// sent with. It returns a NotFound error when the bot sent no card there.
func (s *Store) LatestCard(ctx context.Context, tenant string, p bot.Platform, messageID string) (*bot.Card, error) {
	var updates []outboxRow
	err := s.db(ctx).
		Where("tenant_id = ? AND platform = ? AND update_message_id = ? AND status <> ?", tenant, string(p), messageID, bot.OutboxDead).
		Order("created_at DESC, id DESC").Find(&updates).Error
	if err != nil {
		return nil, fmt.Errorf("latest card: %w", err)
	}
	for _, r := range updates {
		if card, err := r.card(); err != nil || card != nil {
			return card, err
		}
	}
	var orig outboxRow
	err = s.db(ctx).
		Where("tenant_id = ? AND platform = ? AND message_id = ? AND update_message_id = ?", tenant, string(p), messageID, "").
		Order("created_at DESC, id DESC").First(&orig).Error
	if err == nil {
		var card *bot.Card
		if card, err = orig.card(); err == nil && card != nil {
			return card, nil
		}
	}
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("latest card: %w", err)
	}
	return nil, fmt.Errorf("latest card: %w", domain.Errorf(domain.NotFound, "找不到这条消息的卡片"))
}

// card decodes the card an outbox row carries, nil when it carries none.
func (r outboxRow) card() (*bot.Card, error) {
	var out bot.Outgoing
	if err := json.Unmarshal([]byte(r.Payload), &out); err != nil {
		return nil, fmt.Errorf("decode outbox %s: %w", r.ID, err)
	}
	return out.Card, nil
}
