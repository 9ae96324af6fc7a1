package wecom_test

import (
	"context"
	"strings"
	"testing"

	"github.com/salesbot/salesbot/bot/wecom"
	"github.com/salesbot/salesbot/bot/wecom/wecomtest"
)

// TestDirectory: departments come parents first whatever order WeCom lists
// them in; a member in two departments is listed once with both; members
// who left are skipped; a token that expires mid-way is refetched.
func TestDirectory(t *testing.T) {
	a, emu := sender(t)
	for _, d := range []wecomtest.Department{
		{ID: 3, ParentID: 2, Name: "华东一组"},
		{ID: 1, ParentID: 0, Name: "星河公司"},
		{ID: 2, ParentID: 1, Name: "销售部"},
		{ID: 4, ParentID: 1, Name: "财务部"},
	} {
		emu.AddDepartment(d)
	}
	emu.AddUser(wecomtest.User{UserID: "zhangsan", Name: "张三", Departments: []int{3}})
	emu.AddUser(wecomtest.User{UserID: "chenjl", Name: "陈经理", Departments: []int{2, 3}})
	emu.AddUser(wecomtest.User{UserID: "lina", Name: "李娜", Departments: []int{4}})
	emu.AddUser(wecomtest.User{UserID: "gone", Name: "离职", Departments: []int{3}, Status: 5})
	ctx := context.Background()
	if _, err := a.Departments(ctx); err != nil {
		t.Fatal(err)
	}
	emu.InvalidateTokens()
	dir, err := a.Directory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, d := range dir.Departments {
		order = append(order, d.Name)
	}
	if got := strings.Join(order, ","); got != "星河公司,销售部,财务部,华东一组" {
		t.Errorf("departments = %s", got)
	}
	users := map[string]wecom.User{}
	for _, u := range dir.Users {
		if _, dup := users[u.UserID]; dup {
			t.Errorf("%s listed twice", u.UserID)
		}
		users[u.UserID] = u
	}
	if len(users) != 3 || users["chenjl"].Name != "陈经理" || len(users["chenjl"].Departments) != 2 || users["lina"].Name != "李娜" {
		t.Errorf("users = %+v", dir.Users)
	}
	if n := emu.Requests("gettoken"); n != 2 {
		t.Errorf("gettoken calls = %d, want 2 (the expired token refetched)", n)
	}
}

// TestDirectoryWithoutPermission: an app whose visibility does not cover
// the contacts gets 60011, which the listing reports.
func TestDirectoryWithoutPermission(t *testing.T) {
	a, emu := sender(t)
	emu.AddDepartment(wecomtest.Department{ID: 1, Name: "星河公司"})
	emu.Inject(wecomtest.Fault{Op: "user.list", ErrCode: 60011, ErrMsg: "no privilege to access/modify contact/party/agent"})
	if _, err := a.Directory(context.Background()); err == nil || !strings.Contains(err.Error(), "60011") {
		t.Fatalf("directory = %v, want the 60011", err)
	}
}
