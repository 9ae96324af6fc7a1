package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/domain"
)

var _ bot.Inbox = (*Store)(nil)

// InsertEvent stores a received event unless (tenant, platform, event id)
// is already there. The duplicate is found by inserting and catching the
// unique-key error: a SELECT first would let two replicas both see "new".
// An empty e.ID gets a new row id; callers that claim the event afterwards
// should set it themselves.
func (s *Store) InsertEvent(ctx context.Context, e bot.InboxEvent) (inserted bool, err error) {
	row, err := inboundFromBot(e, s.now())
	if err != nil {
		return false, fmt.Errorf("insert event: %w", err)
	}
	if err := s.db(ctx).Create(&row).Error; err != nil {
		if isDuplicate(err) {
			return false, nil
		}
		return false, fmt.Errorf("insert event: %w", err)
	}
	return true, nil
}

func inboundFromBot(e bot.InboxEvent, now time.Time) (inboundEventRow, error) {
	if e.Tenant == "" {
		return inboundEventRow{}, errNoTenant
	}
	payload, err := json.Marshal(e.Event)
	if err != nil {
		return inboundEventRow{}, fmt.Errorf("encode event: %w", err)
	}
	row := inboundEventRow{
		ID: e.ID, TenantID: e.Tenant, Platform: string(e.Event.Platform), EventID: e.Event.ID,
		Kind: string(e.Event.Kind), Payload: string(payload), Status: e.Status,
		Attempts: e.Attempts, ReceivedAt: dbTime(e.ReceivedAt),
	}
	if row.ID == "" {
		row.ID = domain.NewID()
	}
	if row.Status == "" {
		row.Status = bot.EventReceived
	}
	if row.ReceivedAt.IsZero() {
		row.ReceivedAt = dbTime(now)
	}
	return row, nil
}

func (r inboundEventRow) toBot() (bot.InboxEvent, error) {
	var ev bot.Event
	if err := json.Unmarshal([]byte(r.Payload), &ev); err != nil {
		return bot.InboxEvent{}, fmt.Errorf("decode event %s: %w", r.ID, err)
	}
	return bot.InboxEvent{
		ID: r.ID, Tenant: r.TenantID, Event: ev, Status: r.Status,
		Attempts: r.Attempts, ReceivedAt: r.ReceivedAt.UTC(),
	}, nil
}

// ClaimEvent leases a received event, or one whose processing lease has
// expired (its worker died), to the caller until now+lease. The claim is
// one conditional UPDATE, so of two workers exactly one gets true.
func (s *Store) ClaimEvent(ctx context.Context, id string, now time.Time, lease time.Duration) (bool, error) {
	res := s.db(ctx).Model(&inboundEventRow{}).
		Where("id = ? AND (status = ? OR (status = ? AND claimed_until < ?))",
			id, bot.EventReceived, bot.EventProcessing, dbTime(now)).
		Updates(map[string]any{
			"status": bot.EventProcessing,
			// The same expression as FinishEvent's condition.
			"claimed_until": dbTime(now.Add(lease)),
			"attempts":      exprAdd("attempts", 1),
		})
	if res.Error != nil {
		return false, fmt.Errorf("claim event: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// FinishEvent records the outcome of processing an event (bot.EventDone or
// bot.EventFailed) and ends its lease, if the lease ending at claimedUntil
// is still the event's (else bot.ErrLeaseLost: another worker claimed it).
func (s *Store) FinishEvent(ctx context.Context, id string, claimedUntil time.Time, status, errText string, at time.Time) error {
	res := s.db(ctx).Model(&inboundEventRow{}).
		Where("id = ? AND status = ? AND claimed_until = ?", id, bot.EventProcessing, dbTime(claimedUntil)).Updates(map[string]any{
		"status":        status,
		"error":         errText,
		"processed_at":  dbTime(at),
		"claimed_until": nil,
	})
	if res.Error != nil {
		return fmt.Errorf("finish event: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		var n int64
		if err := s.db(ctx).Model(&inboundEventRow{}).Where("id = ?", id).Count(&n).Error; err != nil {
			return fmt.Errorf("finish event: %w", err)
		}
		if n == 0 {
			return fmt.Errorf("finish event: %w", domain.Errorf(domain.NotFound, "事件 %s 不存在", id))
		}
		return fmt.Errorf("finish event %s: %w", id, bot.ErrLeaseLost)
	}
	return nil
}

// UnfinishedEvents lists events received before the given time that are
// still received or processing (their worker may have crashed), oldest
// first.
func (s *Store) UnfinishedEvents(ctx context.Context, before time.Time, limit int) ([]bot.InboxEvent, error) {
	var rows []inboundEventRow
	err := s.db(ctx).
		Where("status IN ? AND received_at < ?", []string{bot.EventReceived, bot.EventProcessing}, dbTime(before)).
		Order("received_at, id").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("unfinished events: %w", err)
	}
	out := make([]bot.InboxEvent, 0, len(rows))
	for _, r := range rows {
		e, err := r.toBot()
		if err != nil {
			return nil, fmt.Errorf("unfinished events: %w", err)
		}
		out = append(out, e)
	}
	return out, nil
}
