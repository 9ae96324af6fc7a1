package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/salesbot/salesbot/domain"
)

// NextSteps lists the active follow-ups whose next step falls in [from,
// to), keeping for each rep and customer only the newest follow-up: a later
// report replaces the plan of an earlier one.
func (s *Store) NextSteps(ctx context.Context, tenant string, from, to time.Time) ([]domain.FollowUpView, error) {
	var rows []followUpViewRow
	err := s.db(ctx).Table("follow_ups AS f").
		Select("f.*, m.name AS member_name, c.name AS customer_name, ct.name AS contact_name").
		Joins("LEFT JOIN members AS m ON m.tenant_id = f.tenant_id AND m.id = f.member_id").
		Joins("LEFT JOIN customers AS c ON c.tenant_id = f.tenant_id AND c.id = f.customer_id").
		Joins("LEFT JOIN contacts AS ct ON ct.tenant_id = f.tenant_id AND ct.id = f.contact_id").
		Where("f.tenant_id = ? AND f.status = ? AND f.next_at >= ? AND f.next_at < ?",
			tenant, domain.FollowUpActive, dbTime(from), dbTime(to)).
		// A newer active follow-up by the same rep for the same customer
		// supersedes this one's plan.
		Where(`NOT EXISTS (SELECT 1 FROM follow_ups AS n WHERE n.tenant_id = f.tenant_id
			AND n.member_id = f.member_id AND n.customer_id = f.customer_id AND n.status = ?
			AND (n.created_at > f.created_at OR (n.created_at = f.created_at AND n.id > f.id)))`, domain.FollowUpActive).
		Order("f.member_id, f.next_at, f.id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("next steps: %w", err)
	}
	out := make([]domain.FollowUpView, len(rows))
	for i, r := range rows {
		out[i] = domain.FollowUpView{FollowUp: r.Row.toDomain(), MemberName: r.MemberName,
			CustomerName: r.CustomerName, ContactName: r.ContactName}
	}
	return out, nil
}

// SilentReps lists the active sales reps who logged no follow-up on day
// ("YYYY-MM-DD", the tenant's local date), by name.
func (s *Store) SilentReps(ctx context.Context, tenant, day string) ([]domain.Member, error) {
	var rows []memberRow
	err := s.db(ctx).Where("tenant_id = ? AND role = ? AND active = ?", tenant, string(domain.RoleSales), true).
		Where(`NOT EXISTS (SELECT 1 FROM daily_stats AS d WHERE d.tenant_id = members.tenant_id
			AND d.member_id = members.id AND d.day = ? AND d.followups > 0)`, day).
		Order("name, id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("silent reps: %w", err)
	}
	return mapSlice(rows, memberRow.toDomain), nil
}

// StaleOpportunities lists the open opportunities (not won or lost) with no
// follow-up since before, oldest first, with customer and owner names.
func (s *Store) StaleOpportunities(ctx context.Context, tenant string, before time.Time) ([]domain.OpportunityView, error) {
	type viewRow struct {
		Row          opportunityRow `gorm:"embedded"`
		CustomerName string
		OwnerName    string
	}
	var rows []viewRow
	err := s.db(ctx).Table("opportunities AS o").
		Select("o.*, c.name AS customer_name, m.name AS owner_name").
		Joins("LEFT JOIN customers AS c ON c.tenant_id = o.tenant_id AND c.id = o.customer_id").
		Joins("LEFT JOIN members AS m ON m.tenant_id = o.tenant_id AND m.id = o.owner_id").
		Where("o.tenant_id = ? AND o.stage NOT IN ?", tenant, []string{string(domain.StageWon), string(domain.StageLost)}).
		Where("COALESCE(o.last_followup_at, o.created_at) < ?", dbTime(before)).
		Order("COALESCE(o.last_followup_at, o.created_at), o.id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("stale opportunities: %w", err)
	}
	out := make([]domain.OpportunityView, len(rows))
	for i, r := range rows {
		out[i] = domain.OpportunityView{Opportunity: r.Row.toDomain(), CustomerName: r.CustomerName, OwnerName: r.OwnerName}
	}
	return out, nil
}
