package storage_test

import (
	"context"
	"testing"

	"github.com/salesbot/salesbot/domain"
	"github.com/salesbot/salesbot/storage"
)

// TestSyncDirectory: departments become teams under their parents, people
// become sales reps with their identity; a second run changes nothing; a
// rename and a move update the member, keep their role, and delete nothing.
func TestSyncDirectory(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		tn := syncTenant(t, s, "同步公司")
		// Someone already known by their Lark identity, and a team that
		// exists by name.
		old, err := s.CreateMember(ctx, domain.Member{TenantID: tn.ID, Name: "旧名", Role: domain.RoleFinance, Active: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.BindMemberIdentity(ctx, tn.ID, domain.Identity{MemberID: old.ID, Platform: "lark", UserID: "ou_fin", Name: "旧名"}); err != nil {
			t.Fatal(err)
		}
		east, err := s.CreateTeam(ctx, domain.Team{TenantID: tn.ID, Name: "华东销售"})
		if err != nil {
			t.Fatal(err)
		}
		depts := []storage.DirectoryDept{
			{ID: "od-sales", ParentID: "0", Name: "销售部"},
			{ID: "od-east", ParentID: "od-sales", Name: "华东销售"},
			{ID: "od-fin", ParentID: "0", Name: "财务部"},
		}
		people := []storage.DirectoryPerson{
			{UserID: "ou_a", Name: "张三", DeptIDs: []string{"od-east"}},
			{UserID: "ou_fin", Name: "李娜", DeptIDs: []string{"od-fin"}},
			{UserID: "ou_boss", Name: "老板"},
		}
		res, err := s.SyncDirectory(ctx, tn.ID, "lark", depts, people)
		if err != nil {
			t.Fatal(err)
		}
		want := storage.SyncResult{TeamsCreated: 2, TeamsUpdated: 1, MembersCreated: 2, MembersUpdated: 1}
		if res != want {
			t.Errorf("first sync = %+v, want %+v", res, want)
		}
		sales, err := s.TeamByName(ctx, tn.ID, "销售部")
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := s.TeamByID(ctx, tn.ID, east.ID); got.ParentID != sales.ID {
			t.Errorf("华东销售's parent = %q, want 销售部 %s", got.ParentID, sales.ID)
		}
		zhang := memberOf(t, s, tn.ID, "张三")
		if zhang.Role != domain.RoleSales || zhang.TeamID != east.ID || !zhang.Active {
			t.Errorf("张三 = %+v", zhang)
		}
		fin := memberOf(t, s, tn.ID, "李娜")
		if fin.ID != old.ID || fin.Role != domain.RoleFinance {
			t.Errorf("the known identity became %+v, want member %s renamed, still finance", fin, old.ID)
		}
		ids, _ := s.Identities(ctx, tn.ID, old.ID)
		if len(ids) != 1 || ids[0].Name != "李娜" {
			t.Errorf("identities = %+v", ids)
		}
		if boss := memberOf(t, s, tn.ID, "老板"); boss.TeamID != "" {
			t.Errorf("a person in no department got team %s", boss.TeamID)
		}

		again, err := s.SyncDirectory(ctx, tn.ID, "lark", depts, people)
		if err != nil {
			t.Fatal(err)
		}
		if again.TeamsCreated+again.TeamsUpdated+again.MembersCreated+again.MembersUpdated != 0 {
			t.Errorf("second sync changed things: %+v", again)
		}

		// 张三 leaves the directory, 老板 joins 财务部: nothing deleted.
		res, err = s.SyncDirectory(ctx, tn.ID, "lark", depts, []storage.DirectoryPerson{{UserID: "ou_boss", Name: "老板", DeptIDs: []string{"od-fin"}}})
		if err != nil {
			t.Fatal(err)
		}
		if res.MembersUpdated != 1 || res.MembersCreated != 0 {
			t.Errorf("move = %+v", res)
		}
		finTeam, _ := s.TeamByName(ctx, tn.ID, "财务部")
		if boss := memberOf(t, s, tn.ID, "老板"); boss.TeamID != finTeam.ID {
			t.Errorf("老板's team = %s, want 财务部", boss.TeamID)
		}
		memberOf(t, s, tn.ID, "张三")
		ms, _ := s.Members(ctx, tn.ID)
		if len(ms) != 3 {
			t.Errorf("%d members, want 3", len(ms))
		}
	})
}

func memberOf(t *testing.T, s *storage.Store, tenant, name string) domain.Member {
	t.Helper()
	ms, err := s.MembersByName(context.Background(), tenant, name)
	if err != nil || len(ms) != 1 {
		t.Fatalf("members named %s: %+v %v", name, ms, err)
	}
	return ms[0]
}

// Two departments with one name become two teams, the second named with its
// parent,
// a department named like an ancestor does not close a loop in the team
// tree, and a second run changes nothing.
func TestSyncDirectoryAmbiguousNames(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		tn := syncTenant(t, s, "同名公司")
		depts := []storage.DirectoryDept{
			{ID: "od-e", ParentID: "0", Name: "华东区"},
			{ID: "od-s", ParentID: "0", Name: "华南区"},
			{ID: "od-e1", ParentID: "od-e", Name: "销售一组"},
			{ID: "od-s1", ParentID: "od-s", Name: "销售一组"},
			{ID: "od-x", ParentID: "od-e1", Name: "华东区"}, // a sub-department named like its grandparent
		}
		if _, err := s.SyncDirectory(ctx, tn.ID, "lark", depts, nil); err != nil {
			t.Fatal(err)
		}
		again, err := s.SyncDirectory(ctx, tn.ID, "lark", depts, nil)
		if err != nil {
			t.Fatal(err)
		}
		if again.TeamsCreated != 0 || again.TeamsUpdated != 0 {
			t.Errorf("second sync = %+v, want nothing changed", again)
		}
		teams, _ := s.Teams(ctx, tn.ID)
		parent := map[string]string{}
		for _, tm := range teams {
			parent[tm.ID] = tm.ParentID
		}
		for _, tm := range teams {
			seen := map[string]bool{}
			for id := tm.ID; id != ""; id = parent[id] {
				if seen[id] {
					t.Fatalf("the team tree has a loop through %s", tm.Name)
				}
				seen[id] = true
			}
		}
		byName := map[string]domain.Team{}
		for _, tm := range teams {
			byName[tm.Name] = tm
		}
		e1, s1 := byName["销售一组"], byName["销售一组(华南区)"]
		if e1.ID == "" || s1.ID == "" || e1.ParentID != byName["华东区"].ID || s1.ParentID != byName["华南区"].ID {
			t.Errorf("the two 销售一组 are not two teams under their regions: %+v", byName)
		}
	})
}

// A renamed department renames its team (members, targets and chats stay
// with it); another platform's department of the same name shares the team.
func TestSyncDirectoryFollowsRenames(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		tn := syncTenant(t, s, "改名公司")
		people := []storage.DirectoryPerson{{UserID: "u1", Name: "张三", DeptIDs: []string{"d-east"}}}
		depts := []storage.DirectoryDept{{ID: "d-sales", ParentID: "1", Name: "销售部"}, {ID: "d-east", ParentID: "d-sales", Name: "华东组"}}
		if _, err := s.SyncDirectory(ctx, tn.ID, "dingtalk", depts, people); err != nil {
			t.Fatal(err)
		}
		before, err := s.TeamByName(ctx, tn.ID, "华东组")
		if err != nil {
			t.Fatal(err)
		}
		depts[1].Name = "华东一组"
		res, err := s.SyncDirectory(ctx, tn.ID, "dingtalk", depts, people)
		if err != nil {
			t.Fatal(err)
		}
		if res.TeamsCreated != 0 || res.TeamsUpdated != 1 {
			t.Errorf("rename sync = %+v, want one team updated, none created", res)
		}
		after, err := s.TeamByName(ctx, tn.ID, "华东一组")
		if err != nil || after.ID != before.ID || after.ParentID != before.ParentID {
			t.Fatalf("renamed team = %+v, %v; want team %s renamed", after, err, before.ID)
		}
		if _, err := s.TeamByName(ctx, tn.ID, "华东组"); !domain.IsNotFound(err) {
			t.Errorf("the old name is still a team: %v", err)
		}
		if m := memberOf(t, s, tn.ID, "张三"); m.TeamID != before.ID {
			t.Errorf("张三 moved to team %s", m.TeamID)
		}
		// WeCom's department of that name is the same team.
		res, err = s.SyncDirectory(ctx, tn.ID, "wecom", []storage.DirectoryDept{{ID: "2", ParentID: "1", Name: "华东一组"}},
			[]storage.DirectoryPerson{{UserID: "lisi", Name: "李四", DeptIDs: []string{"2"}}})
		if err != nil {
			t.Fatal(err)
		}
		if res.TeamsCreated != 0 || memberOf(t, s, tn.ID, "李四").TeamID != before.ID {
			t.Errorf("wecom sync = %+v; 李四 not in 华东一组", res)
		}
	})
}

// Team names are what people type in chat and what group_robots names, so
// they do not change unless a department is renamed: a new department of an
// existing name, or departments listed in another order, leave them alone.
func TestSyncDirectoryKeepsNamesWhenDepartmentsComeAndReorder(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		tn := syncTenant(t, s, "稳定公司")
		depts := []storage.DirectoryDept{
			{ID: "od-e", ParentID: "0", Name: "华东区"},
			{ID: "od-s", ParentID: "0", Name: "华南区"},
			{ID: "od-e1", ParentID: "od-e", Name: "销售一组"},
			{ID: "od-s1", ParentID: "od-s", Name: "销售一组"},
		}
		if _, err := s.SyncDirectory(ctx, tn.ID, "lark", depts, nil); err != nil {
			t.Fatal(err)
		}
		names := func() map[string]string { // team id → name
			teams, err := s.Teams(ctx, tn.ID)
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]string{}
			for _, tm := range teams {
				out[tm.ID] = tm.Name
			}
			return out
		}
		before := names()
		// The two groups listed the other way round.
		swapped := []storage.DirectoryDept{depts[0], depts[1], depts[3], depts[2]}
		res, err := s.SyncDirectory(ctx, tn.ID, "lark", swapped, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.TeamsUpdated != 0 || res.TeamsCreated != 0 {
			t.Errorf("reordered sync = %+v, want nothing changed", res)
		}
		// A third 销售一组, under a new region listed first.
		grown := append([]storage.DirectoryDept{{ID: "od-n", ParentID: "0", Name: "华北区"}, {ID: "od-n1", ParentID: "od-n", Name: "销售一组"}}, depts...)
		res, err = s.SyncDirectory(ctx, tn.ID, "lark", grown, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.TeamsUpdated != 0 || res.TeamsCreated != 2 {
			t.Errorf("grown sync = %+v, want two teams created, none updated", res)
		}
		after := names()
		for id, name := range before {
			if after[id] != name {
				t.Errorf("team %s renamed to %s", name, after[id])
			}
		}
		if _, err := s.TeamByName(ctx, tn.ID, "销售一组(华北区)"); err != nil {
			t.Errorf("the new 销售一组 is not 销售一组(华北区): %v (teams %v)", err, after)
		}
	})
}

// A department renamed to the name of another team does not take it: its
// team is told apart by the parent's name.
func TestSyncDirectoryRenameOntoATakenName(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		tn := syncTenant(t, s, "撞名公司")
		if _, err := s.CreateTeam(ctx, domain.Team{TenantID: tn.ID, Name: "大客户组"}); err != nil {
			t.Fatal(err)
		}
		depts := []storage.DirectoryDept{{ID: "d-s", ParentID: "1", Name: "华南区"}, {ID: "d-1", ParentID: "d-s", Name: "渠道组"}}
		if _, err := s.SyncDirectory(ctx, tn.ID, "dingtalk", depts, nil); err != nil {
			t.Fatal(err)
		}
		before, err := s.TeamByName(ctx, tn.ID, "渠道组")
		if err != nil {
			t.Fatal(err)
		}
		depts[1].Name = "大客户组"
		if _, err := s.SyncDirectory(ctx, tn.ID, "dingtalk", depts, nil); err != nil {
			t.Fatal(err)
		}
		after, err := s.TeamByName(ctx, tn.ID, "大客户组(华南区)")
		if err != nil || after.ID != before.ID {
			t.Errorf("renamed team = %+v, %v; want team %s as 大客户组(华南区)", after, err, before.ID)
		}
	})
}

// syncTenant makes a tenant of its own for one sync test (the MariaDB
// database is shared by the run).
func syncTenant(t *testing.T, s *storage.Store, name string) domain.Tenant {
	t.Helper()
	tn, err := s.EnsureTenant(context.Background(), name, "Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return tn
}
