package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/salesbot/salesbot/domain"
	"gorm.io/gorm"
)

// The writes behind logging a follow-up from chat, and behind undoing or
// editing one: contacts found by name, the rep's open opportunity, and the
// removal of records a follow-up created when it is undone.

// UpsertContact returns the customer's contact with this name, creating it
// when there is none; created says which.
func (s *Store) UpsertContact(ctx context.Context, c domain.Contact) (domain.Contact, bool, error) {
	if c.TenantID == "" {
		return domain.Contact{}, false, fmt.Errorf("upsert contact: %w", errNoTenant)
	}
	var row contactRow
	err := s.db(ctx).Where("tenant_id = ? AND customer_id = ? AND name = ?", c.TenantID, c.CustomerID, c.Name).
		Order("created_at, id").First(&row).Error
	if err == nil {
		return row.toDomain(), false, nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return domain.Contact{}, false, fmt.Errorf("upsert contact: %w", err)
	}
	created, err := s.CreateContact(ctx, c)
	if err != nil {
		return domain.Contact{}, false, fmt.Errorf("upsert contact: %w", err)
	}
	return created, true, nil
}

// ContactByID returns one contact.
func (s *Store) ContactByID(ctx context.Context, tenant, id string) (domain.Contact, error) {
	var row contactRow
	if err := s.db(ctx).Where("tenant_id = ? AND id = ?", tenant, id).First(&row).Error; err != nil {
		return domain.Contact{}, fmt.Errorf("contact %s: %w", id, notFound(err, "联系人不存在"))
	}
	return row.toDomain(), nil
}

// OpenOpportunity returns the owner's newest opportunity with the customer
// that is neither won nor lost, or NotFound.
func (s *Store) OpenOpportunity(ctx context.Context, tenant, customerID, ownerID string) (domain.Opportunity, error) {
	var row opportunityRow
	err := s.db(ctx).
		Where("tenant_id = ? AND customer_id = ? AND owner_id = ? AND stage NOT IN ?",
			tenant, customerID, ownerID, []string{string(domain.StageWon), string(domain.StageLost)}).
		Order("created_at DESC, id DESC").First(&row).Error
	if err != nil {
		return domain.Opportunity{}, fmt.Errorf("open opportunity: %w", notFound(err, "没有进行中的商机"))
	}
	return row.toDomain(), nil
}

// OpportunityByID returns one opportunity.
func (s *Store) OpportunityByID(ctx context.Context, tenant, id string) (domain.Opportunity, error) {
	var row opportunityRow
	if err := s.db(ctx).Where("tenant_id = ? AND id = ?", tenant, id).First(&row).Error; err != nil {
		return domain.Opportunity{}, fmt.Errorf("opportunity %s: %w", id, notFound(err, "商机不存在"))
	}
	return row.toDomain(), nil
}

// SaveOpportunity writes an existing opportunity's stage, amount, currency,
// expected close, last follow-up and close time.
func (s *Store) SaveOpportunity(ctx context.Context, o domain.Opportunity) error {
	row := opportunityFromDomain(o)
	res := s.db(ctx).Model(&opportunityRow{}).Where("tenant_id = ? AND id = ?", o.TenantID, o.ID).
		Updates(map[string]any{
			"stage": row.Stage, "amount": row.Amount, "currency": row.Currency,
			"expected_close": row.ExpectedClose, "last_followup_at": row.LastFollowUpAt,
			"closed_at": row.ClosedAt, "updated_at": dbTime(s.now()),
		})
	if res.Error != nil {
		return fmt.Errorf("save opportunity: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("save opportunity: %w", domain.Errorf(domain.NotFound, "商机不存在"))
	}
	return nil
}

// DeleteOpportunity removes an opportunity that no active follow-up,
// collection or task refers to; otherwise it is a Conflict.
func (s *Store) DeleteOpportunity(ctx context.Context, tenant, id string) error {
	for _, ref := range []struct{ table, where string }{
		{"follow_ups", "tenant_id = ? AND opportunity_id = ? AND status = 'active'"},
		{"collections", "tenant_id = ? AND opportunity_id = ?"},
	} {
		var n int64
		if err := s.db(ctx).Table(ref.table).Where(ref.where, tenant, id).Count(&n).Error; err != nil {
			return fmt.Errorf("delete opportunity: %w", err)
		}
		if n > 0 {
			return fmt.Errorf("delete opportunity: %w", domain.Errorf(domain.Conflict, "商机还有其他记录引用"))
		}
	}
	if err := s.db(ctx).Where("tenant_id = ? AND id = ?", tenant, id).Delete(&opportunityRow{}).Error; err != nil {
		return fmt.Errorf("delete opportunity: %w", err)
	}
	return nil
}

// DeleteCustomer removes a customer with its aliases and contacts, when
// nothing else refers to it: no active follow-up, opportunity, collection
// or task. Otherwise it is a Conflict and nothing is removed. Undone
// follow-ups keep their customer id (and their text).
func (s *Store) DeleteCustomer(ctx context.Context, tenant, id string) error {
	for _, ref := range []struct{ table, where string }{
		{"follow_ups", "tenant_id = ? AND customer_id = ? AND status = 'active'"},
		{"opportunities", "tenant_id = ? AND customer_id = ?"},
		{"collections", "tenant_id = ? AND customer_id = ?"},
		{"tasks", "tenant_id = ? AND customer_id = ?"},
	} {
		var n int64
		if err := s.db(ctx).Table(ref.table).Where(ref.where, tenant, id).Count(&n).Error; err != nil {
			return fmt.Errorf("delete customer: %w", err)
		}
		if n > 0 {
			return fmt.Errorf("delete customer: %w", domain.Errorf(domain.Conflict, "客户还有其他记录引用(%s)", ref.table))
		}
	}
	err := s.InTx(ctx, func(ctx context.Context) error {
		for _, model := range []any{&aliasRow{}, &contactRow{}} {
			if err := s.db(ctx).Where("tenant_id = ? AND customer_id = ?", tenant, id).Delete(model).Error; err != nil {
				return err
			}
		}
		res := s.db(ctx).Where("tenant_id = ? AND id = ?", tenant, id).Delete(&customerRow{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return domain.Errorf(domain.NotFound, "客户不存在")
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete customer: %w", err)
	}
	return nil
}

// UpdateFollowUp writes the fields a rep may correct (customer, contact,
// opportunity, activity, amount, currency, stage, next step) of an active
// follow-up. A follow-up that is no longer active is a Conflict.
func (s *Store) UpdateFollowUp(ctx context.Context, f domain.FollowUp) error {
	row := followUpFromDomain(f)
	res := s.db(ctx).Model(&followUpRow{}).
		Where("tenant_id = ? AND id = ? AND status = ?", f.TenantID, f.ID, domain.FollowUpActive).
		Updates(map[string]any{
			"customer_id": row.CustomerID, "contact_id": row.ContactID, "opportunity_id": row.OpportunityID,
			"activity": row.Activity, "amount": row.Amount, "currency": row.Currency, "stage": row.Stage,
			"next_at": row.NextAt, "next_has_time": row.NextHasTime, "updated_at": dbTime(s.now()),
		})
	if res.Error != nil {
		return fmt.Errorf("update follow-up: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("update follow-up: %w", domain.Errorf(domain.Conflict, "这条跟进已经撤销,不能再修改"))
	}
	return nil
}

// LatestFollowUps lists active follow-ups, newest first: the member's
// (memberID not empty), the customer's (customerID not empty), created at
// or after since, at most limit (0: no limit).
func (s *Store) LatestFollowUps(ctx context.Context, tenant, memberID, customerID string, since time.Time, limit int) ([]domain.FollowUp, error) {
	if tenant == "" {
		return nil, fmt.Errorf("latest follow-ups: %w", errNoTenant)
	}
	q := s.db(ctx).Table("follow_ups AS f").Where("f.tenant_id = ? AND f.status = ?", tenant, domain.FollowUpActive)
	q = filterCommon(q, "f", since, memberID, customerID, limit)
	var rows []followUpRow
	if err := q.Order("f.created_at DESC, f.id DESC").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("latest follow-ups: %w", err)
	}
	return mapSlice(rows, followUpRow.toDomain), nil
}

// FollowUpsFromEvent lists the follow-ups logged from one platform event
// (a daily report gives several), in the order they were logged.
func (s *Store) FollowUpsFromEvent(ctx context.Context, tenant, eventID string) ([]domain.FollowUp, error) {
	var rows []followUpRow
	err := s.db(ctx).Where("tenant_id = ? AND source_event_id = ?", tenant, eventID).
		Order("created_at, id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("follow-ups from event: %w", err)
	}
	return mapSlice(rows, followUpRow.toDomain), nil
}
