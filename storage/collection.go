package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/salesbot/salesbot/domain"
)

// CreateCollection stores a collection (回款); status defaults to pending.
func (s *Store) CreateCollection(ctx context.Context, c domain.Collection) (domain.Collection, error) {
	if c.TenantID == "" {
		return domain.Collection{}, fmt.Errorf("create collection: %w", errNoTenant)
	}
	if c.ID == "" {
		c.ID = domain.NewID()
	}
	if c.Status == "" {
		c.Status = domain.CollectionPending
	}
	row := collectionFromDomain(c)
	if err := s.db(ctx).Create(&row).Error; err != nil {
		return domain.Collection{}, fmt.Errorf("create collection: %w", conflict(err, "回款记录已存在"))
	}
	return row.toDomain(), nil
}

// CollectionByID returns one collection.
func (s *Store) CollectionByID(ctx context.Context, tenant, id string) (domain.Collection, error) {
	var row collectionRow
	if err := s.db(ctx).Where("tenant_id = ? AND id = ?", tenant, id).First(&row).Error; err != nil {
		return domain.Collection{}, fmt.Errorf("collection %s: %w", id, notFound(err, "回款记录不存在"))
	}
	return row.toDomain(), nil
}

// ConfirmCollection moves a pending collection to confirmed with the amount
// finance saw arrive, and reports whether it did: false when it was no
// longer pending (someone else pressed the button first).
func (s *Store) ConfirmCollection(ctx context.Context, tenant, id, by string, amount domain.Money, at time.Time) (bool, error) {
	return s.decideCollection(ctx, "confirm collection", tenant, id, map[string]any{
		"status": domain.CollectionConfirmed, "confirmed_amount": int64(amount),
		"confirmed_by": by, "confirmed_at": dbTime(at), "updated_at": dbTime(at),
	})
}

// RejectCollection moves a pending collection to rejected with the reason,
// and reports whether it did.
func (s *Store) RejectCollection(ctx context.Context, tenant, id, by, reason string, at time.Time) (bool, error) {
	return s.decideCollection(ctx, "reject collection", tenant, id, map[string]any{
		"status": domain.CollectionRejected, "reject_reason": reason,
		"confirmed_by": by, "confirmed_at": dbTime(at), "updated_at": dbTime(at),
	})
}

func (s *Store) decideCollection(ctx context.Context, op, tenant, id string, set map[string]any) (bool, error) {
	res := s.db(ctx).Model(&collectionRow{}).
		Where("tenant_id = ? AND id = ? AND status = ?", tenant, id, domain.CollectionPending).Updates(set)
	if res.Error != nil {
		return false, fmt.Errorf("%s: %w", op, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// CollectionFilter selects collections; zero fields do not filter. Limit 0
// means no limit.
type CollectionFilter struct {
	Tenant     string
	Since      time.Time
	MemberID   string
	CustomerID string
	Status     string
	Limit      int
}

// CollectionView is a collection with the names it refers to.
type CollectionView struct {
	domain.Collection
	MemberName      string
	CustomerName    string
	ConfirmedByName string
}

type collectionViewRow struct {
	Row             collectionRow `gorm:"embedded"`
	MemberName      string
	CustomerName    string
	ConfirmedByName string
}

// Collections lists collections, oldest first, with member, customer and
// confirming member names.
func (s *Store) Collections(ctx context.Context, f CollectionFilter) ([]CollectionView, error) {
	if f.Tenant == "" {
		return nil, fmt.Errorf("collections: %w", errNoTenant)
	}
	q := s.db(ctx).Table("collections AS k").
		Select("k.*, m.name AS member_name, c.name AS customer_name, b.name AS confirmed_by_name").
		Joins("LEFT JOIN members AS m ON m.tenant_id = k.tenant_id AND m.id = k.member_id").
		Joins("LEFT JOIN customers AS c ON c.tenant_id = k.tenant_id AND c.id = k.customer_id").
		Joins("LEFT JOIN members AS b ON b.tenant_id = k.tenant_id AND b.id = k.confirmed_by").
		Where("k.tenant_id = ?", f.Tenant)
	q = filterCommon(q, "k", f.Since, f.MemberID, f.CustomerID, f.Limit)
	if f.Status != "" {
		q = q.Where("k.status = ?", f.Status)
	}
	var rows []collectionViewRow
	if err := q.Order("k.created_at, k.id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("collections: %w", err)
	}
	out := make([]CollectionView, len(rows))
	for i, r := range rows {
		out[i] = CollectionView{Collection: r.Row.toDomain(), MemberName: r.MemberName, CustomerName: r.CustomerName, ConfirmedByName: r.ConfirmedByName}
	}
	return out, nil
}
