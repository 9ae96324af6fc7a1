package storage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/salesbot/salesbot/domain"
	"gorm.io/gorm"
)

// textHash returns the SHA-256 (hex) of a follow-up's text after
// normalisation: runs of white space (including the ideographic space)
// become one space, the ends are trimmed, letters are lower-cased. The same
// report typed twice, or pasted with different spacing, hashes the same.
// Migration 2 backfilled existing rows with this function; changing it
// needs a migration that re-hashes.
func textHash(text string) string {
	norm := strings.ToLower(strings.Join(strings.Fields(text), " "))
	sum := sha256.Sum256([]byte(norm))
	return hex.EncodeToString(sum[:])
}

// CreateFollowUp stores a follow-up; status defaults to active.
func (s *Store) CreateFollowUp(ctx context.Context, f domain.FollowUp) (domain.FollowUp, error) {
	if f.TenantID == "" {
		return domain.FollowUp{}, fmt.Errorf("create follow-up: %w", errNoTenant)
	}
	if f.ID == "" {
		f.ID = domain.NewID()
	}
	if f.Status == "" {
		f.Status = domain.FollowUpActive
	}
	row := followUpFromDomain(f)
	if err := s.db(ctx).Create(&row).Error; err != nil {
		return domain.FollowUp{}, fmt.Errorf("create follow-up: %w", conflict(err, "跟进记录已存在"))
	}
	return row.toDomain(), nil
}

// FollowUpByID returns one follow-up.
func (s *Store) FollowUpByID(ctx context.Context, tenant, id string) (domain.FollowUp, error) {
	var row followUpRow
	if err := s.db(ctx).Where("tenant_id = ? AND id = ?", tenant, id).First(&row).Error; err != nil {
		return domain.FollowUp{}, fmt.Errorf("follow-up %s: %w", id, notFound(err, "跟进记录不存在"))
	}
	return row.toDomain(), nil
}

// FindDuplicateFollowUp returns the member's newest active follow-up with
// the same (normalised) text created at or after since, or NotFound.
func (s *Store) FindDuplicateFollowUp(ctx context.Context, tenant, memberID, text string, since time.Time) (domain.FollowUp, error) {
	var row followUpRow
	err := s.db(ctx).
		Where("tenant_id = ? AND member_id = ? AND text_hash = ? AND created_at >= ? AND status = ?",
			tenant, memberID, textHash(text), dbTime(since), domain.FollowUpActive).
		Order("created_at DESC, id DESC").First(&row).Error
	if err != nil {
		return domain.FollowUp{}, fmt.Errorf("find duplicate follow-up: %w", notFound(err, "没有重复的跟进记录"))
	}
	return row.toDomain(), nil
}

// SetFollowUpStatus changes a follow-up's status from one value to another
// (for example active → undone when a rep presses 撤销), and reports
// whether it did: false when the status was no longer from.
func (s *Store) SetFollowUpStatus(ctx context.Context, tenant, id, from, to string) (bool, error) {
	res := s.db(ctx).Model(&followUpRow{}).
		Where("tenant_id = ? AND id = ? AND status = ?", tenant, id, from).
		Updates(map[string]any{"status": to, "updated_at": dbTime(s.now())})
	if res.Error != nil {
		return false, fmt.Errorf("set follow-up status: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// FollowUpFilter selects follow-ups; zero fields do not filter. Limit 0
// means no limit.
type FollowUpFilter struct {
	Tenant     string
	Since      time.Time
	MemberID   string
	CustomerID string
	// Status keeps only follow-ups with this status (domain.FollowUpActive
	// to leave out undone ones).
	Status string
	// SourceEventID keeps the follow-ups logged from one platform event.
	SourceEventID string
	// Newest lists newest first (with Limit: the latest ones).
	Newest bool
	Limit  int
}

// FollowUpView is a follow-up with the names it refers to, for exports and
// listings.
type FollowUpView = domain.FollowUpView

type followUpViewRow struct {
	Row          followUpRow `gorm:"embedded"`
	MemberName   string
	CustomerName string
	ContactName  string
}

// FollowUps lists follow-ups, oldest first (newest first with f.Newest),
// with member, customer and contact names.
func (s *Store) FollowUps(ctx context.Context, f FollowUpFilter) ([]FollowUpView, error) {
	if f.Tenant == "" {
		return nil, fmt.Errorf("follow-ups: %w", errNoTenant)
	}
	q := s.db(ctx).Table("follow_ups AS f").
		Select("f.*, m.name AS member_name, c.name AS customer_name, ct.name AS contact_name").
		Joins("LEFT JOIN members AS m ON m.tenant_id = f.tenant_id AND m.id = f.member_id").
		Joins("LEFT JOIN customers AS c ON c.tenant_id = f.tenant_id AND c.id = f.customer_id").
		Joins("LEFT JOIN contacts AS ct ON ct.tenant_id = f.tenant_id AND ct.id = f.contact_id").
		Where("f.tenant_id = ?", f.Tenant)
	q = filterCommon(q, "f", f.Since, f.MemberID, f.CustomerID, f.Limit)
	if f.Status != "" {
		q = q.Where("f.status = ?", f.Status)
	}
	if f.SourceEventID != "" {
		q = q.Where("f.source_event_id = ?", f.SourceEventID)
	}
	order := "f.created_at, f.id"
	if f.Newest {
		order = "f.created_at DESC, f.id DESC"
	}
	var rows []followUpViewRow
	if err := q.Order(order).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("follow-ups: %w", err)
	}
	out := make([]FollowUpView, len(rows))
	for i, r := range rows {
		out[i] = FollowUpView{FollowUp: r.Row.toDomain(), MemberName: r.MemberName, CustomerName: r.CustomerName, ContactName: r.ContactName}
	}
	return out, nil
}

// filterCommon applies the filters that follow-ups, collections and tasks
// share to the table alias t.
func filterCommon(q *gorm.DB, t string, since time.Time, memberID, customerID string, limit int) *gorm.DB {
	if !since.IsZero() {
		q = q.Where(t+".created_at >= ?", dbTime(since))
	}
	if memberID != "" {
		q = q.Where(t+".member_id = ?", memberID)
	}
	if customerID != "" {
		q = q.Where(t+".customer_id = ?", customerID)
	}
	if limit > 0 {
		q = q.Limit(limit)
	}
	return q
}
