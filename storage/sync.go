package storage

import (
	"context"
	"errors"
	"fmt"

	"github.com/salesbot/salesbot/domain"
	"gorm.io/gorm"
)

// DirectoryDept is a department of a platform's contact directory.
type DirectoryDept struct {
	// ID and ParentID are the platform's department ids; a ParentID that is
	// not among the synced departments (the root) means a top-level team.
	ID, ParentID, Name string
}

// DirectoryPerson is a person of a platform's contact directory.
type DirectoryPerson struct {
	// UserID is the platform user id (Lark: open_id).
	UserID, Name string
	// DeptIDs are the person's departments; the first synced one is their
	// team.
	DeptIDs []string
}

// SyncResult counts what a directory sync changed.
type SyncResult struct {
	TeamsCreated, TeamsUpdated     int
	MembersCreated, MembersUpdated int
	Unchanged                      int
}

// SyncDirectory brings teams and members in line with a platform's contact
// directory, in one transaction: each department is the team of its name
// (created when missing) under its parent department's team; each person
// is the member bound to their platform identity, whose name and team are
// updated, or a new sales rep with that identity. Nothing is deleted, and
// roles, managers and teams of people in no synced department are left as
// they are. Running it again with the same directory changes nothing.
func (s *Store) SyncDirectory(ctx context.Context, tenant, platform string, depts []DirectoryDept, people []DirectoryPerson) (SyncResult, error) {
	var res SyncResult
	if tenant == "" {
		return res, fmt.Errorf("sync directory: %w", errNoTenant)
	}
	err := s.InTx(ctx, func(ctx context.Context) error {
		res = SyncResult{}
		teams, err := s.syncTeams(ctx, tenant, depts, &res)
		if err != nil {
			return err
		}
		for _, p := range people {
			if err := s.syncPerson(ctx, tenant, platform, p, teams, &res); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return SyncResult{}, fmt.Errorf("sync directory: %w", err)
	}
	return res, nil
}

// syncTeams ensures a team per department and returns department id →
// team.
func (s *Store) syncTeams(ctx context.Context, tenant string, depts []DirectoryDept, res *SyncResult) (map[string]domain.Team, error) {
	teams := map[string]domain.Team{}
	created := map[string]bool{}
	for _, d := range depts {
		if d.ID == "" || d.Name == "" {
			continue
		}
		t, err := s.TeamByName(ctx, tenant, d.Name)
		if domain.IsNotFound(err) {
			t, err = s.CreateTeam(ctx, domain.Team{TenantID: tenant, Name: d.Name})
			created[d.ID] = true
			res.TeamsCreated++
		}
		if err != nil {
			return nil, err
		}
		teams[d.ID] = t
	}
	// Departments are matched to teams by name: two departments with one
	// name share a team, whose parent would then flip between runs, so
	// such a team keeps the parent it has.
	names := map[string]int{}
	for _, d := range depts {
		names[d.Name]++
	}
	all, err := s.Teams(ctx, tenant)
	if err != nil {
		return nil, err
	}
	parentOf := make(map[string]string, len(all))
	for _, t := range all {
		parentOf[t.ID] = t.ParentID
	}
	for _, d := range depts {
		t, ok := teams[d.ID]
		if !ok {
			continue
		}
		parent, ok := teams[d.ParentID]
		if !ok || parent.ID == t.ID || t.ParentID == parent.ID || names[d.Name] > 1 || names[teamName(depts, d.ParentID)] > 1 ||
			wouldLoop(parentOf, t.ID, parent.ID) {
			if !created[d.ID] {
				res.Unchanged++
			}
			continue
		}
		if err := s.db(ctx).Model(&teamRow{}).Where("tenant_id = ? AND id = ?", tenant, t.ID).
			Update("parent_id", parent.ID).Error; err != nil {
			return nil, fmt.Errorf("team %s parent: %w", t.Name, err)
		}
		t.ParentID = parent.ID
		parentOf[t.ID] = parent.ID
		teams[d.ID] = t
		if !created[d.ID] {
			res.TeamsUpdated++
		}
	}
	return teams, nil
}

// teamName is the name of the department with the id, or "".
func teamName(depts []DirectoryDept, id string) string {
	for _, d := range depts {
		if d.ID == id {
			return d.Name
		}
	}
	return ""
}

// wouldLoop reports whether making parent the parent of team would close a
// loop in the team tree (parent is team itself or below it).
func wouldLoop(parentOf map[string]string, team, parent string) bool {
	for id, steps := parent, 0; id != "" && steps <= len(parentOf); id, steps = parentOf[id], steps+1 {
		if id == team {
			return true
		}
	}
	return false
}

func (s *Store) syncPerson(ctx context.Context, tenant, platform string, p DirectoryPerson, teams map[string]domain.Team, res *SyncResult) error {
	if p.UserID == "" {
		return nil
	}
	teamID := ""
	for _, d := range p.DeptIDs {
		if t, ok := teams[d]; ok {
			teamID = t.ID
			break
		}
	}
	name := p.Name
	if name == "" {
		name = p.UserID
	}
	m, err := s.memberByIdentity(ctx, tenant, platform, p.UserID, false)
	if errors.Is(err, gorm.ErrRecordNotFound) {
		m = domain.Member{ID: domain.NewID(), TenantID: tenant, Name: name, Role: domain.RoleSales, TeamID: teamID, Active: true}
		if _, err := s.CreateMember(ctx, m); err != nil {
			return err
		}
		if err := s.BindMemberIdentity(ctx, tenant, domain.Identity{MemberID: m.ID, Platform: platform, UserID: p.UserID, Name: p.Name}); err != nil {
			return err
		}
		res.MembersCreated++
		return nil
	}
	if err != nil {
		return fmt.Errorf("member of %s %s: %w", platform, p.UserID, err)
	}
	changed := false
	if p.Name != "" && m.Name != p.Name {
		m.Name, changed = p.Name, true
	}
	if teamID != "" && m.TeamID != teamID {
		m.TeamID, changed = teamID, true
	}
	if changed {
		if err := s.UpdateMember(ctx, m); err != nil {
			return err
		}
	}
	if p.Name != "" {
		upd := s.db(ctx).Model(&identityRow{}).
			Where("tenant_id = ? AND platform = ? AND platform_user_id = ? AND display_name <> ?", tenant, platform, p.UserID, p.Name).
			Update("display_name", p.Name)
		if upd.Error != nil {
			return fmt.Errorf("identity name: %w", upd.Error)
		}
		if upd.RowsAffected > 0 {
			changed = true
		}
	}
	if changed {
		res.MembersUpdated++
	} else {
		res.Unchanged++
	}
	return nil
}
