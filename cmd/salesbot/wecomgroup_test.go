package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/bot/wecom"
	"github.com/salesbot/salesbot/bot/wecom/wecomtest"
	"github.com/salesbot/salesbot/domain"
	"github.com/salesbot/salesbot/storage"
)

// wecomGroupOrg makes a team 华东一组 with a manager and reps; withIDs
// names who has a WeCom identity.
func wecomGroupOrg(t *testing.T, db string, withIDs map[string]string) (*storage.Store, domain.Tenant) {
	t.Helper()
	ctx := context.Background()
	st, err := storage.Open(ctx, "sqlite", db, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	tenant, err := st.EnsureTenant(ctx, "我的公司", "")
	if err != nil {
		t.Fatal(err)
	}
	team, err := st.CreateTeam(ctx, domain.Team{TenantID: tenant.ID, Name: "华东一组"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct {
		name string
		role domain.Role
	}{{"陈经理", domain.RoleManager}, {"张三", domain.RoleSales}, {"李四", domain.RoleSales}, {"王五", domain.RoleSales}} {
		m, err := st.CreateMember(ctx, domain.Member{TenantID: tenant.ID, Name: p.name, Role: p.role, TeamID: team.ID, Active: true})
		if err != nil {
			t.Fatal(err)
		}
		if p.role == domain.RoleManager {
			if err := st.SetTeamManager(ctx, tenant.ID, team.ID, m.ID); err != nil {
				t.Fatal(err)
			}
		}
		if uid := withIDs[p.name]; uid != "" {
			if err := st.BindMemberIdentity(ctx, tenant.ID, domain.Identity{MemberID: m.ID, Platform: string(bot.WeCom), UserID: uid, Name: p.name}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return st, tenant
}

// TestWeComGroup: "salesbot wecom-group 华东一组" creates the app group
// chat with the manager as owner and the members who have a WeCom
// identity, binds it as the team's chat (audited) and says what it did.
func TestWeComGroup(t *testing.T) {
	emu := wecomtest.New(t, "ww_sync", "secret-sync", 1000002)
	db := wecomSyncEnv(t, emu)
	st, tenant := wecomGroupOrg(t, db, map[string]string{"陈经理": "chenjl", "张三": "zhangsan", "李四": "lisi"})
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"wecom-group", "华东一组"}, nil, &out, &errOut); code != 0 {
		t.Fatalf("wecom-group: exit %d: %s", code, errOut.String())
	}
	chats := emu.AppChats()
	if len(chats) != 1 || chats[0].Owner != "chenjl" || strings.Join(chats[0].Users, ",") != "chenjl,lisi,zhangsan" &&
		strings.Join(chats[0].Users, ",") != "chenjl,zhangsan,lisi" {
		t.Fatalf("app chats = %+v", chats)
	}
	for _, want := range []string{chats[0].ChatID, "陈经理", "张三", "李四", "华东一组"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q: %s", want, out.String())
		}
	}
	ctx := context.Background()
	bound, err := st.Chats(ctx, tenant.ID, string(bot.WeCom))
	if err != nil {
		t.Fatal(err)
	}
	team, _ := st.TeamByName(ctx, tenant.ID, "华东一组")
	if len(bound) != 1 || bound[0].PlatformChatID != wecom.AppChatID(chats[0].ChatID) || bound[0].Purpose != domain.PurposeTeam ||
		bound[0].TeamID != team.ID || bound[0].Kind != domain.ChatGroup {
		t.Fatalf("bound chats = %+v", bound)
	}
	audits, err := st.AuditEntries(ctx, tenant.ID, "chat", bound[0].ID)
	if err != nil || len(audits) != 1 || audits[0].Action != "chat.bind" || audits[0].ActorID != wecomGroupActor {
		t.Errorf("audit = %+v, %v", audits, err)
	}

	// A second run refuses instead of making a second group; --again makes one.
	out.Reset()
	errOut.Reset()
	if code := run(context.Background(), []string{"wecom-group", "华东一组"}, nil, &out, &errOut); code != 1 ||
		!strings.Contains(errOut.String(), "already has") || !strings.Contains(errOut.String(), "--again") {
		t.Errorf("second wecom-group: exit %d: %s", code, errOut.String())
	}
	if n := len(emu.AppChats()); n != 1 {
		t.Errorf("%d app chats after the refused run, want 1", n)
	}
	if code := run(context.Background(), []string{"wecom-group", "--again", "华东一组"}, nil, &out, &errOut); code != 0 || len(emu.AppChats()) != 2 {
		t.Errorf("wecom-group --again: exit %d, %d app chats: %s", code, len(emu.AppChats()), errOut.String())
	}
}

// TestWeComGroupErrors: an unknown team, a team whose manager has no WeCom
// identity and a team with nobody else to invite each fail with a reason,
// and no chat is created.
func TestWeComGroupErrors(t *testing.T) {
	emu := wecomtest.New(t, "ww_sync", "secret-sync", 1000002)
	db := wecomSyncEnv(t, emu)
	wecomGroupOrg(t, db, map[string]string{"陈经理": "chenjl"})
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"wecom-group"}, 2, "name one team"},
		{[]string{"wecom-group", "西部组"}, 1, "no team named"},
		{[]string{"wecom-group", "华东一组"}, 1, "at least two people"},
	} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), c.args, nil, &out, &errOut); code != c.code || !strings.Contains(errOut.String(), c.want) {
			t.Errorf("%v: exit %d %q, want %d with %q", c.args, code, errOut.String(), c.code, c.want)
		}
	}
	if n := len(emu.AppChats()); n != 0 {
		t.Errorf("%d chats created", n)
	}

	emu2 := wecomtest.New(t, "ww_sync", "secret-sync", 1000002)
	db2 := wecomSyncEnv(t, emu2)
	wecomGroupOrg(t, db2, map[string]string{"张三": "zhangsan", "李四": "lisi"})
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"wecom-group", "华东一组"}, nil, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "no WeCom identity") {
		t.Errorf("manager without identity: exit %d %q", code, errOut.String())
	}
}
