package storage

import (
	"context"
	"errors"
	"fmt"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/domain"
	"gorm.io/gorm"
)

// EnsureTenant returns the deployment's default tenant, creating it with
// the given name and time zone on first start. Replicas starting together
// create it once: the creation also inserts a job_runs row with a fixed
// key, so the second creator hits the unique key, rolls back and reads the
// first one's tenant.
func (s *Store) EnsureTenant(ctx context.Context, name, tz string) (domain.Tenant, error) {
	var t domain.Tenant
	err := s.InTx(ctx, func(ctx context.Context) error {
		var err error
		t, err = s.DefaultTenant(ctx)
		if !domain.IsNotFound(err) {
			return err
		}
		t, err = s.createDefaultTenant(ctx, name, tz)
		return err
	})
	if isDuplicate(err) {
		t, err = s.DefaultTenant(ctx)
	}
	if err != nil {
		return domain.Tenant{}, fmt.Errorf("ensure tenant: %w", err)
	}
	return t, nil
}

func (s *Store) createDefaultTenant(ctx context.Context, name, tz string) (domain.Tenant, error) {
	now := dbTime(s.now())
	marker := jobRunRow{
		ID: domain.NewID(), Job: "tenant.create", TenantID: "", Slot: "default",
		Status: "done", StartedAt: now, FinishedAt: &now,
	}
	if err := s.db(ctx).Create(&marker).Error; err != nil {
		return domain.Tenant{}, err
	}
	return s.CreateTenant(ctx, domain.Tenant{Name: name, Timezone: tz})
}

// CreateTenant adds a tenant. A single-company deployment uses
// EnsureTenant instead; this is for hosted, multi-company deployments.
func (s *Store) CreateTenant(ctx context.Context, t domain.Tenant) (domain.Tenant, error) {
	if t.ID == "" {
		t.ID = domain.NewID()
	}
	row := tenantRow{ID: t.ID, Name: t.Name, Timezone: t.Timezone, CreatedAt: dbTime(t.CreatedAt)}
	if err := s.db(ctx).Create(&row).Error; err != nil {
		return domain.Tenant{}, fmt.Errorf("create tenant: %w", conflict(err, "租户 %s 已存在", t.ID))
	}
	return row.toDomain(), nil
}

// DefaultTenant returns the first tenant created: the company a
// single-company deployment serves.
func (s *Store) DefaultTenant(ctx context.Context) (domain.Tenant, error) {
	var row tenantRow
	err := s.db(ctx).Order("created_at, id").First(&row).Error
	if err != nil {
		return domain.Tenant{}, fmt.Errorf("default tenant: %w", notFound(err, "还没有租户"))
	}
	return row.toDomain(), nil
}

// TenantByID returns a tenant.
func (s *Store) TenantByID(ctx context.Context, id string) (domain.Tenant, error) {
	var row tenantRow
	if err := s.db(ctx).Where("id = ?", id).First(&row).Error; err != nil {
		return domain.Tenant{}, fmt.Errorf("tenant %s: %w", id, notFound(err, "租户不存在"))
	}
	return row.toDomain(), nil
}

// platformKeyColumn is the tenants column that holds a platform's tenant
// key, "" for platforms without one.
func platformKeyColumn(p bot.Platform) string {
	switch p {
	case bot.Lark:
		return "lark_tenant_key"
	case bot.WeCom:
		return "wecom_corp_id"
	case bot.DingTalk:
		return "dingtalk_corp_id"
	}
	return ""
}

// BindPlatformKey records that the platform's tenant key (Lark tenant_key,
// WeCom or DingTalk corp id) belongs to the tenant.
func (s *Store) BindPlatformKey(ctx context.Context, tenant string, p bot.Platform, key string) error {
	col := platformKeyColumn(p)
	if col == "" {
		return fmt.Errorf("bind platform key: %w", domain.Errorf(domain.Invalid, "平台 %s 没有租户标识", p))
	}
	res := s.db(ctx).Model(&tenantRow{}).Where("id = ?", tenant).Update(col, key)
	if res.Error != nil {
		return fmt.Errorf("bind platform key: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("bind platform key: %w", domain.Errorf(domain.NotFound, "租户不存在"))
	}
	return nil
}

var _ bot.Directory = (*Store)(nil)

// TenantFor returns the tenant an event belongs to. Console events belong
// to the default tenant. For Lark, WeCom and DingTalk it is the tenant
// bound to the platform's tenant key; on first contact, when the key is not
// bound and the deployment has exactly one tenant with no key for that
// platform yet, the key is bound to it. An empty key (an adapter whose
// platform does not say) means the single tenant, if there is exactly one.
// Anything else is bot.ErrUnknownTenant.
func (s *Store) TenantFor(ctx context.Context, p bot.Platform, tenantKey string) (string, error) {
	if p == bot.Console {
		t, err := s.DefaultTenant(ctx)
		if domain.IsNotFound(err) {
			return "", fmt.Errorf("tenant for console: %w", bot.ErrUnknownTenant)
		}
		return t.ID, err
	}
	col := platformKeyColumn(p)
	if col == "" {
		return "", fmt.Errorf("tenant for %s: %w", p, bot.ErrUnknownTenant)
	}
	id, err := s.tenantByKey(ctx, col, tenantKey)
	if err == nil || !errors.Is(err, gorm.ErrRecordNotFound) {
		return id, err
	}
	return s.bindFirstContact(ctx, p, col, tenantKey)
}

func (s *Store) tenantByKey(ctx context.Context, col, key string) (string, error) {
	if key == "" {
		return "", gorm.ErrRecordNotFound
	}
	var row tenantRow
	err := s.db(ctx).Where(col+" = ?", key).Order("created_at, id").First(&row).Error
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return "", fmt.Errorf("tenant by key: %w", err)
	}
	return row.ID, err
}

// bindFirstContact binds an unknown platform key to the only tenant, with a
// conditional UPDATE so that two replicas racing on the first event agree.
func (s *Store) bindFirstContact(ctx context.Context, p bot.Platform, col, key string) (string, error) {
	unknown := fmt.Errorf("tenant for %s %q: %w", p, key, bot.ErrUnknownTenant)
	var rows []tenantRow
	if err := s.db(ctx).Order("created_at, id").Limit(2).Find(&rows).Error; err != nil {
		return "", fmt.Errorf("tenant for %s: %w", p, err)
	}
	if len(rows) != 1 {
		return "", unknown
	}
	if key == "" {
		return rows[0].ID, nil
	}
	res := s.db(ctx).Model(&tenantRow{}).Where("id = ? AND "+col+" = ?", rows[0].ID, "").Update(col, key)
	if res.Error != nil {
		return "", fmt.Errorf("bind %s tenant key: %w", p, res.Error)
	}
	if res.RowsAffected == 1 {
		s.log.InfoContext(ctx, "platform tenant bound", "platform", string(p), "tenant", rows[0].ID)
		return rows[0].ID, nil
	}
	// Someone bound a key meanwhile: ours, or another company's.
	id, err := s.tenantByKey(ctx, col, key)
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", unknown
	}
	return id, err
}
