package main

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/bot/lark/larktest"
	"github.com/salesbot/salesbot/domain"
	"github.com/salesbot/salesbot/storage"
)

// TestSyncLark runs "salesbot sync lark" against the Lark emulator, with
// pages of two so that page tokens are followed: departments become teams
// under their parents, people become members with their open_id; a second
// run changes nothing; a rename in Lark renames the member, and a person
// gone from Lark stays.
func TestSyncLark(t *testing.T) {
	appID := larktest.NewID("cli_sync_")
	emu := larktest.New(t, appID, "secret-"+appID)
	emu.SetContactPageSize(2)
	for _, d := range []larktest.Department{
		{ID: "od-sales", Name: "销售部"},
		{ID: "od-east", ParentID: "od-sales", Name: "华东销售"},
		{ID: "od-north", ParentID: "od-sales", Name: "华北销售"},
		{ID: "od-west", ParentID: "od-sales", Name: "西部销售"},
		{ID: "od-fin", Name: "财务部"},
	} {
		emu.AddDepartment(d)
	}
	for _, u := range []larktest.User{
		{OpenID: "ou_1", Name: "张三", DepartmentIDs: []string{"od-east"}},
		{OpenID: "ou_2", Name: "李四", DepartmentIDs: []string{"od-east"}},
		{OpenID: "ou_3", Name: "王五", DepartmentIDs: []string{"od-east", "od-north"}},
		{OpenID: "ou_4", Name: "赵六", DepartmentIDs: []string{"od-north"}},
		{OpenID: "ou_5", Name: "李娜", DepartmentIDs: []string{"od-fin"}},
		{OpenID: "ou_6", Name: "总经理"},
	} {
		emu.AddUser(u)
	}
	db := filepath.Join(t.TempDir(), "sync.db")
	t.Setenv("SALESBOT_DATABASE_DSN", db)
	t.Setenv("SALESBOT_LARK_APP_ID", appID)
	t.Setenv("SALESBOT_LARK_APP_SECRET", "secret-"+appID)
	t.Setenv("SALESBOT_LARK_MODE", "websocket")
	t.Setenv("SALESBOT_LARK_BASE_URL", emu.URL())
	sync := func() string { return syncRun(t, "lark") }

	first := sync()
	if !strings.Contains(first, "5 departments, 6 people") || !strings.Contains(first, "teams 5 created") ||
		!strings.Contains(first, "members 6 created") {
		t.Errorf("first sync said %q", first)
	}
	st, tenant, team := syncedStore(t, db)
	ctx := context.Background()
	sales := team("销售部")
	for _, n := range []string{"华东销售", "华北销售", "西部销售"} {
		if got := team(n); got.ParentID != sales.ID {
			t.Errorf("%s's parent = %q, want 销售部", n, got.ParentID)
		}
	}
	if team("财务部").ParentID != "" || sales.ParentID != "" {
		t.Error("a top-level department got a parent team")
	}
	member := func(openID string) domain.Member {
		t.Helper()
		m, err := st.ResolveMember(ctx, tenant.ID, "lark", bot.User{ID: openID})
		if err != nil {
			t.Fatal(err)
		}
		full, err := st.MemberByID(ctx, tenant.ID, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		return full
	}
	if m := member("ou_3"); m.Name != "王五" || m.Role != domain.RoleSales || m.TeamID != team("华东销售").ID {
		t.Errorf("王五 = %+v", m)
	}
	if m := member("ou_6"); m.Name != "总经理" || m.TeamID != "" {
		t.Errorf("总经理 = %+v", m)
	}
	if emu.Requests("contact") < 10 {
		t.Errorf("%d contact requests; pages of 2 were not followed", emu.Requests("contact"))
	}

	if second := sync(); !strings.Contains(second, "teams 0 created, 0 updated; members 0 created, 0 updated; 11 unchanged") {
		t.Errorf("second sync said %q, want no changes", second)
	}

	// Renamed in Lark, and 李四 left: the rename is applied, nobody deleted.
	emu.AddUser(larktest.User{OpenID: "ou_1", Name: "张三丰", DepartmentIDs: []string{"od-east"}})
	emu.RemoveUser("ou_2")
	if third := sync(); !strings.Contains(third, "members 0 created, 1 updated") {
		t.Errorf("third sync said %q", third)
	}
	if m := member("ou_1"); m.Name != "张三丰" {
		t.Errorf("renamed member = %+v", m)
	}
	if m := member("ou_2"); m.Name != "李四" || !m.Active {
		t.Errorf("a person gone from Lark became %+v", m)
	}
	ms, _ := st.Members(ctx, tenant.ID)
	if len(ms) != 6 {
		t.Errorf("%d members, want 6", len(ms))
	}
}

// TestSyncLarkNotConfigured: without Lark credentials the command says so.
func TestSyncLarkNotConfigured(t *testing.T) {
	t.Setenv("SALESBOT_DATABASE_DSN", filepath.Join(t.TempDir(), "sync.db"))
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"sync", "lark"}, nil, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "lark is not configured") {
		t.Errorf("sync lark without credentials: %d %q", code, errOut.String())
	}
	errOut.Reset()
	if code := run(context.Background(), []string{"sync", "feishu"}, nil, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "lark") {
		t.Errorf("sync feishu: %d %q, want a usage error naming the platforms", code, errOut.String())
	}
}

// syncRun runs "salesbot sync <platform>" and returns what it printed.
func syncRun(t *testing.T, platform string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"sync", platform}, nil, &out, &errOut); code != 0 {
		t.Fatalf("sync %s: exit %d: %s", platform, code, errOut.String())
	}
	return out.String()
}

// syncedStore opens the database a sync wrote, with its tenant and a
// lookup of teams by name (failing the test when there is none).
func syncedStore(t *testing.T, db string) (*storage.Store, domain.Tenant, func(name string) domain.Team) {
	t.Helper()
	ctx := context.Background()
	st, err := storage.Open(ctx, "sqlite", db, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	tenant, err := st.EnsureTenant(ctx, "我的公司", "")
	if err != nil {
		t.Fatal(err)
	}
	return st, tenant, func(name string) domain.Team {
		t.Helper()
		tm, err := st.TeamByName(ctx, tenant.ID, name)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
}
