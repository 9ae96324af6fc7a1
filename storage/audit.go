package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/salesbot/salesbot/domain"
)

// AppendAudit records a change. The audit log is append-only: the store has
// no method to change or delete an entry.
func (s *Store) AppendAudit(ctx context.Context, a domain.AuditEntry) error {
	if a.TenantID == "" {
		return fmt.Errorf("append audit: %w", errNoTenant)
	}
	if a.ID == "" {
		a.ID = domain.NewID()
	}
	row := auditFromDomain(a)
	if err := s.db(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("append audit: %w", err)
	}
	return nil
}

// AuditEntries lists the audit entries of one record, oldest first.
func (s *Store) AuditEntries(ctx context.Context, tenant, entity, entityID string) ([]domain.AuditEntry, error) {
	var rows []auditRow
	err := s.db(ctx).Where("tenant_id = ? AND entity = ? AND entity_id = ?", tenant, entity, entityID).
		Order("created_at, id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("audit entries: %w", err)
	}
	return mapSlice(rows, auditRow.toDomain), nil
}

// ClaimJobRun claims one run of a scheduled job for a tenant and slot (for
// example "digest", tenant, "2026-11-03T08:45"). Exactly one replica gets
// true: the claim is an insert on the unique (job, tenant, slot) key.
func (s *Store) ClaimJobRun(ctx context.Context, job, tenant, slot, replica string, at time.Time) (bool, error) {
	row := jobRunRow{
		ID: domain.NewID(), Job: job, TenantID: tenant, Slot: slot, Replica: replica,
		Status: "running", StartedAt: dbTime(at),
	}
	err := s.db(ctx).Create(&row).Error
	if isDuplicate(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("claim job run: %w", err)
	}
	return true, nil
}

// FinishJobRun records the outcome of a claimed run: status "done" or
// "failed" with the error text.
func (s *Store) FinishJobRun(ctx context.Context, job, tenant, slot, status, errText string, at time.Time) error {
	res := s.db(ctx).Model(&jobRunRow{}).Where("job = ? AND tenant_id = ? AND slot = ?", job, tenant, slot).
		Updates(map[string]any{"status": status, "error": errText, "finished_at": dbTime(at)})
	if res.Error != nil {
		return fmt.Errorf("finish job run: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("finish job run: %w", domain.Errorf(domain.NotFound, "任务运行记录不存在"))
	}
	return nil
}

// countedTables are the tenant tables CountRows reports.
var countedTables = []string{
	"teams", "members", "member_identities", "chats", "customers", "customer_aliases", "contacts",
	"opportunities", "follow_ups", "collections", "tasks", "targets", "daily_stats",
	"inbound_events", "outbox", "job_runs", "audit_log", "prompts",
}

// CountRows returns the number of the tenant's rows in each table, for a
// quick overview (salesbot status, the demo loader's checks).
func (s *Store) CountRows(ctx context.Context, tenant string) (map[string]int64, error) {
	counts := make(map[string]int64, len(countedTables))
	for _, t := range countedTables {
		var n int64
		if err := s.db(ctx).Table(t).Where("tenant_id = ?", tenant).Count(&n).Error; err != nil {
			return nil, fmt.Errorf("count %s: %w", t, err)
		}
		counts[t] = n
	}
	return counts, nil
}
