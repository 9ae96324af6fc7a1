package storage

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/salesbot/salesbot/domain"
	"gorm.io/gorm"
)

// OrgRow is one person of an organisation import.
type OrgRow struct {
	Name string
	Role domain.Role
	// Team is the team's name, created when missing; "" for none.
	Team string
	// Manager is the manager's name: a member already stored or one of
	// the imported rows; "" for none.
	Manager string
	// Identities are the person's platform accounts (MemberID is ignored).
	Identities []domain.Identity
}

// CustomerRow is one customer of a customer import.
type CustomerRow struct {
	Name    string
	Aliases []string
	// Owner is the owning member's name; "" for none.
	Owner string
}

// ImportResult counts what an import did.
type ImportResult struct {
	Created int
	Updated int
}

// ImportOrg imports members in one transaction: all rows or none. A row
// whose name matches one stored member updates that member (role, team,
// manager); other rows create active members. Teams are created by name on
// the fly; managers are resolved by name among stored and imported members,
// and a manager becomes their team's manager when it has none.
func (s *Store) ImportOrg(ctx context.Context, tenant string, rows []OrgRow) (ImportResult, error) {
	var res ImportResult
	err := s.InTx(ctx, func(ctx context.Context) error {
		res = ImportResult{}
		imp, err := s.newOrgImport(ctx, tenant)
		if err != nil {
			return err
		}
		members := make([]domain.Member, len(rows))
		for i, r := range rows {
			if members[i], err = imp.upsertMember(ctx, i, r, &res); err != nil {
				return err
			}
		}
		for i, r := range rows {
			if err := imp.link(ctx, i, r, members[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return ImportResult{}, fmt.Errorf("import org: %w", err)
	}
	return res, nil
}

// orgImport is the state of one ImportOrg: the tenant's teams and members
// by name, updated as rows are imported.
type orgImport struct {
	s       *Store
	tenant  string
	teams   map[string]domain.Team
	byName  map[string][]domain.Member
	touched map[string]int // member name → the row that imported it
}

func (s *Store) newOrgImport(ctx context.Context, tenant string) (*orgImport, error) {
	imp := &orgImport{s: s, tenant: tenant, teams: map[string]domain.Team{}, byName: map[string][]domain.Member{}, touched: map[string]int{}}
	teams, err := s.Teams(ctx, tenant)
	if err != nil {
		return nil, err
	}
	for _, t := range teams {
		imp.teams[t.Name] = t
	}
	members, err := s.Members(ctx, tenant)
	if err != nil {
		return nil, err
	}
	for _, m := range members {
		imp.byName[m.Name] = append(imp.byName[m.Name], m)
	}
	return imp, nil
}

func rowError(i int, format string, args ...any) error {
	return domain.Errorf(domain.Invalid, "第 %d 行:%s", i+1, fmt.Sprintf(format, args...))
}

func (imp *orgImport) team(ctx context.Context, name string) (domain.Team, error) {
	if t, ok := imp.teams[name]; ok || name == "" {
		return t, nil
	}
	t, err := imp.s.CreateTeam(ctx, domain.Team{TenantID: imp.tenant, Name: name})
	if err != nil {
		return domain.Team{}, err
	}
	imp.teams[name] = t
	return t, nil
}

func (imp *orgImport) upsertMember(ctx context.Context, i int, r OrgRow, res *ImportResult) (domain.Member, error) {
	if prev, dup := imp.touched[r.Name]; dup {
		return domain.Member{}, rowError(i, "成员 %s 与第 %d 行重复", r.Name, prev+1)
	}
	imp.touched[r.Name] = i
	team, err := imp.team(ctx, r.Team)
	if err != nil {
		return domain.Member{}, atRow(i, err)
	}
	existing := imp.byName[r.Name]
	if len(existing) > 1 {
		return domain.Member{}, rowError(i, "有 %d 个名叫 %s 的成员,无法确定更新哪一个", len(existing), r.Name)
	}
	m := domain.Member{TenantID: imp.tenant, Name: r.Name, Role: r.Role, TeamID: team.ID, Active: true}
	if len(existing) == 1 {
		m.ID, m.ManagerID, m.CreatedAt = existing[0].ID, existing[0].ManagerID, existing[0].CreatedAt
		if err := imp.s.UpdateMember(ctx, m); err != nil {
			return domain.Member{}, atRow(i, err)
		}
		res.Updated++
	} else {
		if m, err = imp.s.CreateMember(ctx, m); err != nil {
			return domain.Member{}, atRow(i, err)
		}
		res.Created++
	}
	imp.byName[r.Name] = []domain.Member{m}
	return m, nil
}

// link sets a row's manager, its team's manager and its identities, once
// every row's member exists.
func (imp *orgImport) link(ctx context.Context, i int, r OrgRow, m domain.Member) error {
	if r.Manager != "" {
		mgrs := imp.byName[r.Manager]
		if len(mgrs) != 1 {
			return rowError(i, "找不到唯一的经理 %s", r.Manager)
		}
		m.ManagerID = mgrs[0].ID
		if err := imp.s.UpdateMember(ctx, m); err != nil {
			return err
		}
	}
	if t, ok := imp.teams[r.Team]; ok && m.Role == domain.RoleManager && t.ManagerID == "" {
		if err := imp.s.SetTeamManager(ctx, imp.tenant, t.ID, m.ID); err != nil {
			return err
		}
		t.ManagerID = m.ID
		imp.teams[r.Team] = t
	}
	for _, id := range r.Identities {
		id.MemberID = m.ID
		if err := imp.s.BindMemberIdentity(ctx, imp.tenant, id); err != nil {
			return atRow(i, err)
		}
	}
	return nil
}

// ImportCustomers imports customers in one transaction: all rows or none.
// A row naming a stored customer adds its new aliases and sets its owner;
// other rows create customers. Owners are resolved by member name.
func (s *Store) ImportCustomers(ctx context.Context, tenant string, rows []CustomerRow) (ImportResult, error) {
	var res ImportResult
	err := s.InTx(ctx, func(ctx context.Context) error {
		res = ImportResult{}
		members, err := s.Members(ctx, tenant)
		if err != nil {
			return err
		}
		for i, r := range rows {
			if err := s.importCustomer(ctx, tenant, i, r, members, &res); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return ImportResult{}, fmt.Errorf("import customers: %w", err)
	}
	return res, nil
}

func (s *Store) importCustomer(ctx context.Context, tenant string, i int, r CustomerRow, members []domain.Member, res *ImportResult) error {
	owner := ""
	if r.Owner != "" {
		idx := slices.IndexFunc(members, func(m domain.Member) bool { return m.Name == r.Owner })
		if idx < 0 {
			return rowError(i, "找不到负责人 %s", r.Owner)
		}
		owner = members[idx].ID
	}
	var row customerRow
	err := s.db(ctx).Where("tenant_id = ? AND name = ?", tenant, r.Name).First(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		_, err = s.CreateCustomer(ctx, domain.Customer{TenantID: tenant, Name: r.Name, Aliases: r.Aliases, OwnerID: owner})
		if err != nil {
			return atRow(i, err)
		}
		res.Created++
		return nil
	}
	if err != nil {
		return err
	}
	if owner != "" {
		if err := s.db(ctx).Model(&customerRow{}).Where("id = ?", row.ID).Update("owner_id", owner).Error; err != nil {
			return err
		}
	}
	c, err := s.withAliases(ctx, row)
	if err != nil {
		return err
	}
	var fresh []string
	for _, a := range r.Aliases {
		if !slices.Contains(c.Aliases, a) {
			fresh = append(fresh, a)
		}
	}
	if _, err := s.addAliases(ctx, tenant, row.ID, row.Name, fresh); err != nil {
		return atRow(i, err)
	}
	res.Updated++
	return nil
}

// atRow prefixes a domain error's message with the import row it is about,
// keeping its code; other errors are returned as they are.
func atRow(i int, err error) error {
	var de *domain.Error
	if !errors.As(err, &de) {
		return err
	}
	return &domain.Error{Code: de.Code, Message: fmt.Sprintf("第 %d 行:%s", i+1, de.Message), Err: err}
}
