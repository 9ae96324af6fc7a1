package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/bot/wecom/wecomtest"
	"github.com/salesbot/salesbot/domain"
)

// wecomSyncEnv points "salesbot sync wecom" at an emulator and a new
// database, and returns the database's path.
func wecomSyncEnv(t *testing.T, emu *wecomtest.Emulator) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "sync.db")
	t.Setenv("SALESBOT_DATABASE_DSN", db)
	t.Setenv("SALESBOT_WECOM_CORP_ID", "ww_sync")
	t.Setenv("SALESBOT_WECOM_AGENT_ID", "1000002")
	t.Setenv("SALESBOT_WECOM_SECRET", "secret-sync")
	t.Setenv("SALESBOT_WECOM_TOKEN", "tok")
	t.Setenv("SALESBOT_WECOM_ENCODING_AES_KEY", wecomAESKey)
	t.Setenv("SALESBOT_WECOM_BASE_URL", emu.URL())
	return db
}

// TestSyncWeCom runs "salesbot sync wecom" against the emulator: the
// company's root department is not a team, its sub-departments are (under
// their parents); members are bound by UserID with their names; a second
// run changes nothing; a rename is applied; an expired token is refetched.
func TestSyncWeCom(t *testing.T) {
	emu := wecomtest.New(t, "ww_sync", "secret-sync", 1000002)
	for _, d := range []wecomtest.Department{
		{ID: 1, Name: "星河公司"},
		{ID: 3, ParentID: 2, Name: "华东销售"},
		{ID: 2, ParentID: 1, Name: "销售部"},
		{ID: 4, ParentID: 2, Name: "华北销售"},
		{ID: 5, ParentID: 1, Name: "财务部"},
	} {
		emu.AddDepartment(d)
	}
	for _, u := range []wecomtest.User{
		{UserID: "zhangsan", Name: "张三", Departments: []int{3}},
		{UserID: "wangwu", Name: "王五", Departments: []int{3, 4}},
		{UserID: "lina", Name: "李娜", Departments: []int{5}},
		{UserID: "boss", Name: "总经理", Departments: []int{1}},
		{UserID: "gone", Name: "已离职", Departments: []int{3}, Status: 5},
	} {
		emu.AddUser(u)
	}
	db := wecomSyncEnv(t, emu)
	sync := func() string { return syncRun(t, "wecom") }
	if first := sync(); !strings.Contains(first, "4 departments, 4 people") || !strings.Contains(first, "teams 4 created") ||
		!strings.Contains(first, "members 4 created") {
		t.Errorf("first sync said %q", first)
	}
	st, tenant, team := syncedStore(t, db)
	ctx := context.Background()
	if _, err := st.TeamByName(ctx, tenant.ID, "星河公司"); !domain.IsNotFound(err) {
		t.Errorf("the root department became a team: %v", err)
	}
	if sales := team("销售部"); sales.ParentID != "" || team("华东销售").ParentID != sales.ID || team("华北销售").ParentID != sales.ID {
		t.Error("teams are not nested as the departments are")
	}
	member := func(userID string) domain.Member {
		t.Helper()
		m, err := st.ResolveMember(ctx, tenant.ID, bot.WeCom, bot.User{ID: userID})
		if err != nil {
			t.Fatal(err)
		}
		full, err := st.MemberByID(ctx, tenant.ID, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		return full
	}
	if m := member("wangwu"); m.Name != "王五" || m.Role != domain.RoleSales || m.TeamID != team("华东销售").ID {
		t.Errorf("王五 = %+v", m)
	}
	if m := member("boss"); m.Name != "总经理" || m.TeamID != "" {
		t.Errorf("总经理 = %+v", m)
	}

	if second := sync(); !strings.Contains(second, "teams 0 created, 0 updated; members 0 created, 0 updated") {
		t.Errorf("second sync said %q, want no changes", second)
	}
	emu.AddUser(wecomtest.User{UserID: "zhangsan", Name: "张三丰", Departments: []int{3}})
	emu.InvalidateTokens()
	if third := sync(); !strings.Contains(third, "members 0 created, 1 updated") {
		t.Errorf("third sync said %q", third)
	}
	if m := member("zhangsan"); m.Name != "张三丰" {
		t.Errorf("renamed member = %+v", m)
	}
}

// TestSyncWeComErrors: without the app the command says what to set; an
// app that may not read the contacts says where to grant it.
func TestSyncWeComErrors(t *testing.T) {
	t.Setenv("SALESBOT_DATABASE_DSN", filepath.Join(t.TempDir(), "sync.db"))
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"sync", "wecom"}, nil, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "wecom is not configured") {
		t.Errorf("sync wecom without credentials: %d %q", code, errOut.String())
	}
	emu := wecomtest.New(t, "ww_sync", "secret-sync", 1000002)
	wecomSyncEnv(t, emu)
	emu.Inject(wecomtest.Fault{Op: "department.list", ErrCode: 60011, ErrMsg: "no privilege to access/modify contact/party/agent"})
	errOut.Reset()
	if code := run(context.Background(), []string{"sync", "wecom"}, nil, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "可见范围") {
		t.Errorf("sync wecom without permission: %d %q", code, errOut.String())
	}
}
