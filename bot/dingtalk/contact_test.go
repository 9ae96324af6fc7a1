package dingtalk_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/salesbot/salesbot/bot/dingtalk"
	"github.com/salesbot/salesbot/bot/dingtalk/dingtalktest"
)

// directoryRig is an emulator with a small company: 销售部 with two teams,
// one of them with a sub-team, and 财务部; pages of two people.
func directoryRig(t *testing.T) (*dingtalk.Adapter, *dingtalktest.Emulator) {
	t.Helper()
	emu := dingtalktest.New(t, "dingdir", "dir-secret")
	emu.SetUserPageSize(2)
	for _, d := range []dingtalktest.Department{
		{ID: 10, ParentID: 1, Name: "销售部"},
		{ID: 11, ParentID: 10, Name: "华东销售"},
		{ID: 12, ParentID: 10, Name: "华北销售"},
		{ID: 111, ParentID: 11, Name: "华东一组"},
		{ID: 20, ParentID: 1, Name: "财务部"},
	} {
		emu.AddDepartment(d)
	}
	for _, u := range []dingtalktest.User{
		{UserID: "boss", Name: "总经理"},
		{UserID: "zhangsan", Name: "张三", DeptIDs: []int64{111}},
		{UserID: "lisi", Name: "李四", DeptIDs: []int64{111}},
		{UserID: "wangwu", Name: "王五", DeptIDs: []int64{111, 12}},
		{UserID: "zhaoliu", Name: "赵六", DeptIDs: []int64{12}},
		{UserID: "lina", Name: "李娜", DeptIDs: []int64{20}},
	} {
		emu.AddUser(u)
	}
	a := dingtalk.New(dingtalk.Config{ClientID: "dingdir", ClientSecret: "dir-secret", BaseURL: emu.URL(), OAPIBaseURL: emu.URL()}, nil, nil)
	return a, emu
}

func TestDirectory(t *testing.T) {
	a, emu := directoryRig(t)
	dir, err := a.Directory(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	wantDepts := []dingtalk.Department{
		{ID: 10, ParentID: 1, Name: "销售部"}, {ID: 20, ParentID: 1, Name: "财务部"},
		{ID: 11, ParentID: 10, Name: "华东销售"}, {ID: 12, ParentID: 10, Name: "华北销售"},
		{ID: 111, ParentID: 11, Name: "华东一组"},
	}
	if !reflect.DeepEqual(dir.Departments, wantDepts) {
		t.Errorf("departments (parents first) = %+v\nwant %+v", dir.Departments, wantDepts)
	}
	got := map[string]dingtalk.User{}
	for _, u := range dir.Users {
		if _, dup := got[u.UserID]; dup {
			t.Errorf("%s listed twice", u.UserID)
		}
		got[u.UserID] = u
	}
	if len(got) != 6 {
		t.Errorf("%d users, want 6: %+v", len(got), dir.Users)
	}
	if u := got["wangwu"]; u.Name != "王五" || !reflect.DeepEqual(u.DeptIDs, []int64{111, 12}) {
		t.Errorf("王五 = %+v", u)
	}
	if u := got["boss"]; !reflect.DeepEqual(u.DeptIDs, []int64{1}) {
		t.Errorf("总经理 = %+v, want in the root only", u)
	}
	// 华东一组 has three people: two pages.
	if n := emu.Calls(dingtalktest.PathUserList); n < 7 {
		t.Errorf("%d user/list calls; pages were not followed", n)
	}
	if n := emu.Calls(dingtalktest.PathGetToken); n != 1 {
		t.Errorf("%d gettoken calls, want one token for the walk", n)
	}
}

// A token refused mid-walk (40014) is replaced once and the call repeated.
func TestDirectoryRefusedTokenReplaced(t *testing.T) {
	a, emu := directoryRig(t)
	emu.Fail(dingtalktest.PathUserList, dingtalktest.Fault{Code: "40014", Message: "不合法的access_token"})
	dir, err := a.Directory(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(dir.Users) != 6 {
		t.Errorf("%d users, want 6", len(dir.Users))
	}
	if n := emu.Calls(dingtalktest.PathGetToken); n != 2 {
		t.Errorf("%d gettoken calls, want 2", n)
	}
}

func TestDirectoryBadSecret(t *testing.T) {
	_, emu := directoryRig(t)
	a := dingtalk.New(dingtalk.Config{ClientID: "dingdir", ClientSecret: "wrong-secret", OAPIBaseURL: emu.URL()}, nil, nil)
	_, err := a.Directory(context.Background())
	if err == nil || !strings.Contains(err.Error(), "40089") {
		t.Fatalf("err = %v, want gettoken's 40089", err)
	}
	if strings.Contains(err.Error(), "wrong-secret") {
		t.Errorf("the secret is in the error: %v", err)
	}
}

// No contact permission: the errcode and message reach the operator.
func TestDirectoryErrcode(t *testing.T) {
	a, emu := directoryRig(t)
	emu.Fail(dingtalktest.PathListSub, dingtalktest.Fault{Code: "60011", Message: "没有调用该接口的权限"})
	_, err := a.Directory(context.Background())
	if err == nil || !strings.Contains(err.Error(), "60011") || !strings.Contains(err.Error(), "没有调用该接口的权限") {
		t.Fatalf("err = %v", err)
	}
}

func TestDirectoryHTTPError(t *testing.T) {
	a, emu := directoryRig(t)
	emu.Fail(dingtalktest.PathUserList, dingtalktest.Fault{Status: 502, Message: "bad gateway"})
	_, err := a.Directory(context.Background())
	if err == nil || !strings.Contains(err.Error(), "HTTP 502") || strings.Contains(err.Error(), "access_token=") {
		t.Fatalf("err = %v", err)
	}
}
