package storage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

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
// directory, in one transaction: each department is a team (see syncTeams)
// under its parent department's team; each person
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
		teams, err := s.syncTeams(ctx, tenant, platform, depts, &res)
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
// team. A department is found by the team it was synced from before
// (team_sources), whose name follows a rename; else it adopts the team of
// its name that no other department of the platform has; else a team is
// created. Two departments of one name (销售一组 under 华东区 and under
// 华南区) become two teams, "销售一组" and "销售一组(华南区)", as team names
// are unique and are what people type in chat (and what group_robots
// names): so a team keeps its name for as long as it fits its department,
// whichever order the departments come in and whichever are added.
func (s *Store) syncTeams(ctx context.Context, tenant, platform string, depts []DirectoryDept, res *SyncResult) (map[string]domain.Team, error) {
	var sources []teamSourceRow
	if err := s.db(ctx).Where("tenant_id = ? AND platform = ?", tenant, platform).Find(&sources).Error; err != nil {
		return nil, fmt.Errorf("team sources: %w", err)
	}
	all, err := s.Teams(ctx, tenant)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]domain.Team, len(all))
	byName := make(map[string]string, len(all)) // name → team id
	for _, t := range all {
		byID[t.ID], byName[t.Name] = t, t.ID
	}
	source := map[string]teamSourceRow{} // dept id → its row
	mapped := map[string]bool{}          // team ids some department has
	for _, r := range sources {
		if _, ok := byID[r.TeamID]; ok {
			source[r.DeptID], mapped[r.TeamID] = r, true
		}
	}
	// names are the names a department's team may have, in order of
	// preference: its own, else told apart by its parent's name, else by
	// its id.
	names := func(d DirectoryDept) []string {
		out := []string{d.Name}
		if p := teamName(depts, d.ParentID); p != "" && p != d.Name {
			out = append(out, d.Name+"("+p+")")
		}
		return append(out, d.Name+"("+d.ID+")")
	}

	teams := map[string]domain.Team{}
	created, updated := map[string]bool{}, map[string]bool{}
	for _, d := range depts {
		if d.ID == "" || d.Name == "" {
			continue
		}
		candidates := names(d)
		if r, ok := source[d.ID]; ok {
			t := byID[r.TeamID]
			// A team keeps a name that fits its department, whatever
			// the order of the departments or the ones added since, as
			// names are what people type; a renamed department renames
			// it to the first free name that fits (or leaves it, when
			// none is free).
			if !slices.Contains(candidates, t.Name) {
				for _, name := range candidates {
					if _, taken := byName[name]; taken {
						continue
					}
					if err := s.db(ctx).Model(&teamRow{}).Where("tenant_id = ? AND id = ?", tenant, t.ID).
						Update("name", name).Error; err != nil {
						return nil, fmt.Errorf("rename team %s: %w", t.Name, err)
					}
					delete(byName, t.Name)
					t.Name, byName[name] = name, t.ID
					byID[t.ID], updated[t.ID] = t, true
					break
				}
			}
			teams[d.ID] = t
			continue
		}
		// Adopt the team of the first fitting name that no other
		// department of the platform has, or create one under the first
		// free name.
		var t domain.Team
		found := false
		for _, name := range candidates {
			id, taken := byName[name]
			if taken && mapped[id] {
				continue
			}
			if taken {
				t = byID[id]
			} else {
				if t, err = s.CreateTeam(ctx, domain.Team{TenantID: tenant, Name: name}); err != nil {
					return nil, err
				}
				byID[t.ID], byName[t.Name], created[d.ID] = t, t.ID, true
				res.TeamsCreated++
			}
			found = true
			break
		}
		if !found {
			return nil, fmt.Errorf("department %s (%s): every team name it could have belongs to another department", d.Name, d.ID)
		}
		row := teamSourceRow{ID: domain.NewID(), TenantID: tenant, Platform: platform, DeptID: d.ID, TeamID: t.ID, CreatedAt: dbTime(time.Now())}
		if err := s.db(ctx).Where("tenant_id = ? AND platform = ? AND dept_id = ?", tenant, platform, d.ID).
			Delete(&teamSourceRow{}).Error; err != nil {
			return nil, fmt.Errorf("team source: %w", err)
		}
		if err := s.db(ctx).Create(&row).Error; err != nil {
			return nil, fmt.Errorf("team source: %w", err)
		}
		mapped[t.ID], teams[d.ID] = true, t
	}

	parentOf := make(map[string]string, len(byID))
	for _, t := range byID {
		parentOf[t.ID] = t.ParentID
	}
	for _, d := range depts {
		t, ok := teams[d.ID]
		if !ok {
			continue
		}
		parent, ok := teams[d.ParentID]
		if ok && parent.ID != t.ID && t.ParentID != parent.ID && !wouldLoop(parentOf, t.ID, parent.ID) {
			if err := s.db(ctx).Model(&teamRow{}).Where("tenant_id = ? AND id = ?", tenant, t.ID).
				Update("parent_id", parent.ID).Error; err != nil {
				return nil, fmt.Errorf("team %s parent: %w", t.Name, err)
			}
			t.ParentID = parent.ID
			parentOf[t.ID] = parent.ID
			teams[d.ID] = t
			updated[t.ID] = true
		}
	}
	for _, d := range depts {
		t, ok := teams[d.ID]
		switch {
		case !ok || created[d.ID]:
		case updated[t.ID]:
			res.TeamsUpdated++
		default:
			res.Unchanged++
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
