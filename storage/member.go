package storage

import (
	"context"
	"errors"
	"fmt"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/domain"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// CreateMember adds a member; an empty ID gets a new one. Active is stored
// as given.
func (s *Store) CreateMember(ctx context.Context, m domain.Member) (domain.Member, error) {
	if err := m.Validate(); err != nil {
		return domain.Member{}, fmt.Errorf("create member: %w", err)
	}
	if m.TenantID == "" {
		return domain.Member{}, fmt.Errorf("create member: %w", errNoTenant)
	}
	if m.ID == "" {
		m.ID = domain.NewID()
	}
	row := memberFromDomain(m)
	if err := s.db(ctx).Create(&row).Error; err != nil {
		return domain.Member{}, fmt.Errorf("create member: %w", conflict(err, "成员 %s 已存在", m.ID))
	}
	return row.toDomain(), nil
}

// UpdateMember saves a member's name, role, team, manager and active flag.
func (s *Store) UpdateMember(ctx context.Context, m domain.Member) error {
	if err := m.Validate(); err != nil {
		return fmt.Errorf("update member: %w", err)
	}
	res := s.db(ctx).Model(&memberRow{}).Where("tenant_id = ? AND id = ?", m.TenantID, m.ID).Updates(map[string]any{
		"name": m.Name, "role": string(m.Role), "team_id": m.TeamID, "manager_id": m.ManagerID,
		"active": m.Active, "updated_at": dbTime(s.now()),
	})
	if res.Error != nil {
		return fmt.Errorf("update member: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("update member: %w", domain.Errorf(domain.NotFound, "成员不存在"))
	}
	return nil
}

// Members lists the tenant's members by name.
func (s *Store) Members(ctx context.Context, tenant string) ([]domain.Member, error) {
	var rows []memberRow
	if err := s.db(ctx).Where("tenant_id = ?", tenant).Order("name, id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("members: %w", err)
	}
	return mapSlice(rows, memberRow.toDomain), nil
}

// MemberByID returns one member of the tenant.
func (s *Store) MemberByID(ctx context.Context, tenant, id string) (domain.Member, error) {
	var row memberRow
	if err := s.db(ctx).Where("tenant_id = ? AND id = ?", tenant, id).First(&row).Error; err != nil {
		return domain.Member{}, fmt.Errorf("member %s: %w", id, notFound(err, "成员不存在"))
	}
	return row.toDomain(), nil
}

// MembersByName returns the tenant's members with exactly this name (names
// are not unique: two reps may share one).
func (s *Store) MembersByName(ctx context.Context, tenant, name string) ([]domain.Member, error) {
	var rows []memberRow
	if err := s.db(ctx).Where("tenant_id = ? AND name = ?", tenant, name).Order("created_at, id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("members named %q: %w", name, err)
	}
	return mapSlice(rows, memberRow.toDomain), nil
}

// BindMemberIdentity links a platform user to a member. Binding the same
// user to the same member again is a no-op; to another member, a Conflict.
func (s *Store) BindMemberIdentity(ctx context.Context, tenant string, id domain.Identity) error {
	row := identityRow{
		ID: domain.NewID(), TenantID: tenant, MemberID: id.MemberID, Platform: id.Platform,
		PlatformUserID: id.UserID, DisplayName: id.Name,
	}
	err := s.db(ctx).Create(&row).Error
	if !isDuplicate(err) {
		if err != nil {
			return fmt.Errorf("bind identity: %w", err)
		}
		return nil
	}
	var existing identityRow
	if err := s.identityQuery(ctx, tenant, id.Platform, id.UserID).First(&existing).Error; err != nil {
		return fmt.Errorf("bind identity: %w", err)
	}
	if existing.MemberID != id.MemberID {
		return fmt.Errorf("bind identity: %w", conflict(err, "%s 用户 %s 已绑定到其他成员", id.Platform, id.UserID))
	}
	return nil
}

// Identities lists a member's platform identities.
func (s *Store) Identities(ctx context.Context, tenant, memberID string) ([]domain.Identity, error) {
	var rows []identityRow
	err := s.db(ctx).Where("tenant_id = ? AND member_id = ?", tenant, memberID).Order("platform, platform_user_id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("identities: %w", err)
	}
	return mapSlice(rows, identityRow.toDomain), nil
}

func (s *Store) identityQuery(ctx context.Context, tenant, platform, userID string) *gorm.DB {
	return s.db(ctx).Where("tenant_id = ? AND platform = ? AND platform_user_id = ?", tenant, platform, userID)
}

// ResolveMember returns the member behind a platform user. On the console
// the user id is the member id, and an unknown one is NotFound. On the
// other platforms an unknown user of the tenant is registered as a sales
// rep named after their display name (or user id): the identity is
// inserted before the member, in one transaction, so that of two
// concurrent first messages one registers and the other hits the unique
// key, rolls back and reads the winner's member.
func (s *Store) ResolveMember(ctx context.Context, tenant string, p bot.Platform, u bot.User) (bot.Member, error) {
	if p == bot.Console {
		m, err := s.MemberByID(ctx, tenant, u.ID)
		if err != nil {
			return bot.Member{}, fmt.Errorf("resolve member: %w", err)
		}
		return toBotMember(m), nil
	}
	m, err := s.memberByIdentity(ctx, tenant, string(p), u.ID, false)
	if err == nil {
		return toBotMember(m), nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return bot.Member{}, fmt.Errorf("resolve member: %w", err)
	}
	err = s.InTx(ctx, func(ctx context.Context) error {
		m, err = s.registerMember(ctx, tenant, p, u)
		return err
	})
	if isDuplicate(err) {
		// Read with a locking read: inside a caller's transaction a plain
		// read could use a snapshot older than the winner's commit.
		m, err = s.memberByIdentity(ctx, tenant, string(p), u.ID, true)
	}
	if err != nil {
		return bot.Member{}, fmt.Errorf("resolve member: %w", err)
	}
	return toBotMember(m), nil
}

func (s *Store) registerMember(ctx context.Context, tenant string, p bot.Platform, u bot.User) (domain.Member, error) {
	name := u.Name
	if name == "" {
		name = u.ID
	}
	m := domain.Member{ID: domain.NewID(), TenantID: tenant, Name: name, Role: domain.RoleSales, Active: true}
	ident := identityRow{
		ID: domain.NewID(), TenantID: tenant, MemberID: m.ID, Platform: string(p),
		PlatformUserID: u.ID, DisplayName: u.Name,
	}
	if err := s.db(ctx).Create(&ident).Error; err != nil {
		return domain.Member{}, err
	}
	m, err := s.CreateMember(ctx, m)
	if err != nil {
		return domain.Member{}, err
	}
	s.log.InfoContext(ctx, "member registered", "tenant", tenant, "platform", string(p), "member", m.ID)
	return m, nil
}

func (s *Store) memberByIdentity(ctx context.Context, tenant, platform, userID string, locking bool) (domain.Member, error) {
	q := s.db(ctx).Table("members AS m").Select("m.*").
		Joins("JOIN member_identities AS i ON i.tenant_id = m.tenant_id AND i.member_id = m.id").
		Where("i.tenant_id = ? AND i.platform = ? AND i.platform_user_id = ?", tenant, platform, userID)
	if locking {
		q = q.Clauses(clause.Locking{Strength: clause.LockingStrengthShare})
	}
	var rows []memberRow
	if err := q.Limit(1).Find(&rows).Error; err != nil {
		return domain.Member{}, err
	}
	if len(rows) == 0 {
		return domain.Member{}, gorm.ErrRecordNotFound
	}
	return rows[0].toDomain(), nil
}

func toBotMember(m domain.Member) bot.Member {
	return bot.Member{ID: m.ID, Name: m.Name, Role: string(m.Role), TeamID: m.TeamID}
}

// mapSlice converts every element of a slice.
func mapSlice[R, D any](rows []R, f func(R) D) []D {
	out := make([]D, len(rows))
	for i, r := range rows {
		out[i] = f(r)
	}
	return out
}
