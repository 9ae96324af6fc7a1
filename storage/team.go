package storage

import (
	"context"
	"fmt"

	"github.com/salesbot/salesbot/domain"
)

// CreateTeam adds a team; team names are unique within a tenant.
func (s *Store) CreateTeam(ctx context.Context, t domain.Team) (domain.Team, error) {
	if t.Name == "" {
		return domain.Team{}, fmt.Errorf("create team: %w", domain.Errorf(domain.Invalid, "团队名称不能为空"))
	}
	if t.TenantID == "" {
		return domain.Team{}, fmt.Errorf("create team: %w", errNoTenant)
	}
	if t.ID == "" {
		t.ID = domain.NewID()
	}
	row := teamFromDomain(t)
	if err := s.db(ctx).Create(&row).Error; err != nil {
		return domain.Team{}, fmt.Errorf("create team: %w", conflict(err, "团队 %s 已存在", t.Name))
	}
	return row.toDomain(), nil
}

// SetTeamManager makes the member the team's manager.
func (s *Store) SetTeamManager(ctx context.Context, tenant, teamID, managerID string) error {
	res := s.db(ctx).Model(&teamRow{}).Where("tenant_id = ? AND id = ?", tenant, teamID).Update("manager_id", managerID)
	if res.Error != nil {
		return fmt.Errorf("set team manager: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("set team manager: %w", domain.Errorf(domain.NotFound, "团队不存在"))
	}
	return nil
}

// Teams lists the tenant's teams by name.
func (s *Store) Teams(ctx context.Context, tenant string) ([]domain.Team, error) {
	var rows []teamRow
	if err := s.db(ctx).Where("tenant_id = ?", tenant).Order("name, id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("teams: %w", err)
	}
	return mapSlice(rows, teamRow.toDomain), nil
}

// TeamByName returns the tenant's team with exactly this name.
func (s *Store) TeamByName(ctx context.Context, tenant, name string) (domain.Team, error) {
	var row teamRow
	if err := s.db(ctx).Where("tenant_id = ? AND name = ?", tenant, name).First(&row).Error; err != nil {
		return domain.Team{}, fmt.Errorf("team %q: %w", name, notFound(err, "团队 %s 不存在", name))
	}
	return row.toDomain(), nil
}

// TeamByID returns one team of the tenant.
func (s *Store) TeamByID(ctx context.Context, tenant, id string) (domain.Team, error) {
	var row teamRow
	if err := s.db(ctx).Where("tenant_id = ? AND id = ?", tenant, id).First(&row).Error; err != nil {
		return domain.Team{}, fmt.Errorf("team %s: %w", id, notFound(err, "团队不存在"))
	}
	return row.toDomain(), nil
}

// EnsureChat records a platform chat, or updates the one already recorded
// with the non-empty fields of c, and returns the stored chat.
func (s *Store) EnsureChat(ctx context.Context, c domain.Chat) (domain.Chat, error) {
	if c.TenantID == "" {
		return domain.Chat{}, fmt.Errorf("ensure chat: %w", errNoTenant)
	}
	if c.ID == "" {
		c.ID = domain.NewID()
	}
	row := chatFromDomain(c)
	err := s.db(ctx).Create(&row).Error
	if err == nil {
		return row.toDomain(), nil
	}
	if !isDuplicate(err) {
		return domain.Chat{}, fmt.Errorf("ensure chat: %w", err)
	}
	var existing chatRow
	err = s.db(ctx).Where("tenant_id = ? AND platform = ? AND platform_chat_id = ?", c.TenantID, c.Platform, c.PlatformChatID).
		First(&existing).Error
	if err != nil {
		return domain.Chat{}, fmt.Errorf("ensure chat: %w", err)
	}
	set := map[string]any{}
	for col, v := range map[string]string{"name": c.Name, "kind": c.Kind, "team_id": c.TeamID, "purpose": c.Purpose} {
		if v != "" {
			set[col] = v
		}
	}
	if len(set) > 0 {
		if err := s.db(ctx).Model(&chatRow{}).Where("id = ?", existing.ID).Updates(set).Error; err != nil {
			return domain.Chat{}, fmt.Errorf("ensure chat: %w", err)
		}
	}
	if err := s.db(ctx).Where("id = ?", existing.ID).First(&existing).Error; err != nil {
		return domain.Chat{}, fmt.Errorf("ensure chat: %w", err)
	}
	return existing.toDomain(), nil
}

// UnbindChat takes the purpose (and team) from a chat: nothing is sent to
// it any more for being a team's or finance's chat.
func (s *Store) UnbindChat(ctx context.Context, tenant, id string) error {
	res := s.db(ctx).Model(&chatRow{}).Where("tenant_id = ? AND id = ?", tenant, id).
		Updates(map[string]any{"purpose": "", "team_id": ""})
	if res.Error != nil {
		return fmt.Errorf("unbind chat: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("unbind chat: %w", domain.Errorf(domain.NotFound, "群 %s 不存在", id))
	}
	return nil
}

// Chats lists the tenant's chats on a platform ("" for every platform).
func (s *Store) Chats(ctx context.Context, tenant, platform string) ([]domain.Chat, error) {
	q := s.db(ctx).Where("tenant_id = ?", tenant)
	if platform != "" {
		q = q.Where("platform = ?", platform)
	}
	var rows []chatRow
	if err := q.Order("platform, name, id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("chats: %w", err)
	}
	return mapSlice(rows, chatRow.toDomain), nil
}
