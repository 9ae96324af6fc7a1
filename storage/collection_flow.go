package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/salesbot/salesbot/domain"
)

// FinanceChat returns the tenant's group chat bound for finance ("/绑定 财务")
// on a platform, or NotFound when there is none.
func (s *Store) FinanceChat(ctx context.Context, tenant, platform string) (domain.Chat, error) {
	var row chatRow
	err := s.db(ctx).Where("tenant_id = ? AND platform = ? AND purpose = ?", tenant, platform, domain.PurposeFinance).
		Order("created_at DESC, id DESC").First(&row).Error
	if err != nil {
		return domain.Chat{}, fmt.Errorf("finance chat: %w", notFound(err, "没有绑定财务群"))
	}
	return row.toDomain(), nil
}

// PlannedCollection returns the rep's oldest planned (expected, not yet
// reported) collection from the customer, or NotFound.
func (s *Store) PlannedCollection(ctx context.Context, tenant, customerID, memberID string) (domain.Collection, error) {
	var row collectionRow
	err := s.db(ctx).Where("tenant_id = ? AND customer_id = ? AND member_id = ? AND status = ?",
		tenant, customerID, memberID, domain.CollectionPlanned).Order("due_date, created_at, id").First(&row).Error
	if err != nil {
		return domain.Collection{}, fmt.Errorf("planned collection: %w", notFound(err, "没有回款计划"))
	}
	return row.toDomain(), nil
}

// ReportPlannedCollection turns a planned collection into a reported one,
// pending finance's confirmation, with the amount, opportunity and source
// of c (whose ID names the plan). It reports false when the plan was no
// longer planned (reported meanwhile).
func (s *Store) ReportPlannedCollection(ctx context.Context, c domain.Collection, at time.Time) (bool, error) {
	res := s.db(ctx).Model(&collectionRow{}).
		Where("tenant_id = ? AND id = ? AND status = ?", c.TenantID, c.ID, domain.CollectionPlanned).
		Updates(map[string]any{
			"status": domain.CollectionPending, "amount": int64(c.Amount), "currency": c.Currency,
			"opportunity_id": c.OpportunityID, "source_event_id": c.SourceEventID,
			"source_platform": c.SourcePlatform, "source_chat_id": c.SourceChatID,
			"source_message_id": c.SourceMessageID, "updated_at": dbTime(at),
		})
	if res.Error != nil {
		return false, fmt.Errorf("report planned collection: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// PlannedCollectionsDue lists the planned collections due on or before the
// day (YYYY-MM-DD), earliest first: what the plan reminders look at.
func (s *Store) PlannedCollectionsDue(ctx context.Context, tenant, through string) ([]domain.Collection, error) {
	var rows []collectionRow
	err := s.db(ctx).Where("tenant_id = ? AND status = ? AND due_date <> '' AND due_date <= ?",
		tenant, domain.CollectionPlanned, through).Order("due_date, id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("planned collections due: %w", err)
	}
	return mapSlice(rows, collectionRow.toDomain), nil
}

// ClaimCollectionReminder marks a planned collection reminded on the local
// day, and reports whether this caller did it: a conditional UPDATE, so of
// two replicas (or two runs) on the same day exactly one sends the reminder.
func (s *Store) ClaimCollectionReminder(ctx context.Context, tenant, id, day string) (bool, error) {
	res := s.db(ctx).Model(&collectionRow{}).
		Where("tenant_id = ? AND id = ? AND status = ? AND reminded_on <> ?", tenant, id, domain.CollectionPlanned, day).
		Update("reminded_on", day)
	if res.Error != nil {
		return false, fmt.Errorf("claim collection reminder: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// ClaimCollectionEscalation marks an overdue collection as escalated to
// the rep's manager, once: it reports false when it already was.
func (s *Store) ClaimCollectionEscalation(ctx context.Context, tenant, id string, at time.Time) (bool, error) {
	res := s.db(ctx).Model(&collectionRow{}).
		Where("tenant_id = ? AND id = ? AND escalated_at IS NULL", tenant, id).
		Update("escalated_at", dbTime(at))
	if res.Error != nil {
		return false, fmt.Errorf("claim collection escalation: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}
