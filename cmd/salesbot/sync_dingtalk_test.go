package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/bot/dingtalk/dingtalktest"
	"github.com/salesbot/salesbot/config"
	"github.com/salesbot/salesbot/domain"
	"github.com/salesbot/salesbot/storage"
)

// TestSyncDingTalk runs "salesbot sync dingtalk" against the emulator's
// contact API, with pages of two people: departments become teams under
// their parents and people members under their staffId; a second run
// changes nothing. Then the bot starts on that database, with a group robot
// for a synced team, and a synced person who messages the robot is known
// by their staffId: answered under their synced name, nobody new
// registered.
func TestSyncDingTalk(t *testing.T) {
	emu := dingtalktest.New(t, "ding_sync", "secret-sync")
	emu.SetUserPageSize(2)
	for _, d := range []dingtalktest.Department{
		{ID: 10, ParentID: 1, Name: "销售部"},
		{ID: 11, ParentID: 10, Name: "华东一组"},
		{ID: 12, ParentID: 10, Name: "华北一组"},
		{ID: 20, ParentID: 1, Name: "财务部"},
	} {
		emu.AddDepartment(d)
	}
	for _, u := range []dingtalktest.User{
		{UserID: "zhangsan", Name: "张三", DeptIDs: []int64{11}},
		{UserID: "lisi", Name: "李四", DeptIDs: []int64{11}},
		{UserID: "wangwu", Name: "王五", DeptIDs: []int64{11, 12}},
		{UserID: "zhaoliu", Name: "赵六", DeptIDs: []int64{12}},
		{UserID: "lina", Name: "李娜", DeptIDs: []int64{20}},
		{UserID: "boss", Name: "总经理"},
	} {
		emu.AddUser(u)
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "salesbot.db")
	t.Setenv("SALESBOT_DATABASE_DSN", db)
	t.Setenv("SALESBOT_DINGTALK_CLIENT_ID", "ding_sync")
	t.Setenv("SALESBOT_DINGTALK_CLIENT_SECRET", "secret-sync")
	t.Setenv("SALESBOT_DINGTALK_BASE_URL", emu.URL())
	t.Setenv("SALESBOT_DINGTALK_OAPI_BASE_URL", emu.URL())
	sync := func() string {
		t.Helper()
		var out, errOut bytes.Buffer
		if code := run(context.Background(), []string{"sync", "dingtalk"}, nil, &out, &errOut); code != 0 {
			t.Fatalf("sync dingtalk: exit %d: %s", code, errOut.String())
		}
		return out.String()
	}
	first := sync()
	if !strings.Contains(first, "dingtalk: 4 departments, 6 people; teams 4 created") || !strings.Contains(first, "members 6 created") {
		t.Errorf("first sync said %q", first)
	}
	if second := sync(); !strings.Contains(second, "teams 0 created, 0 updated; members 0 created, 0 updated") {
		t.Errorf("second sync said %q, want no changes", second)
	}

	ctx := context.Background()
	st, err := storage.Open(ctx, "sqlite", db, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	tenant, err := st.EnsureTenant(ctx, "我的公司", "")
	if err != nil {
		t.Fatal(err)
	}
	team := func(name string) domain.Team {
		t.Helper()
		tm, err := st.TeamByName(ctx, tenant.ID, name)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	if east, sales := team("华东一组"), team("销售部"); east.ParentID != sales.ID || sales.ParentID != "" {
		t.Errorf("华东一组 = %+v under 销售部 = %+v", east, sales)
	}
	synced, err := st.ResolveMember(ctx, tenant.ID, bot.DingTalk, bot.User{ID: "zhangsan"})
	if err != nil {
		t.Fatal(err)
	}
	if full, err := st.MemberByID(ctx, tenant.ID, synced.ID); err != nil || full.Name != "张三" || full.TeamID != team("华东一组").ID {
		t.Errorf("张三 = %+v, %v", full, err)
	}
	before, err := st.Members(ctx, tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()

	// The bot on the synced database; the robot's team exists now.
	hook := emu.AddRobot("tok_sync", "SECsync")
	tm := startMainWith(t, dir, false, func(m *Main) {
		m.Config.DingTalk = config.DingTalk{ClientID: "ding_sync", ClientSecret: "secret-sync", RobotCode: "ding_sync",
			Mode: "webhook", BaseURL: emu.URL(), OAPIBaseURL: emu.URL(), GroupRobots: "华东一组=" + hook + ",SECsync"}
	})
	drv := &dingtalktest.Driver{URL: tm.url + "/callbacks/dingtalk", Secret: "secret-sync", CorpID: "ding_corp_sync",
		RobotCode: "ding_sync", Emulator: emu}
	m := &dingtalktest.InMessage{ConversationID: "cid_east", StaffID: "zhangsan", Nick: "小张的昵称", Text: " 帮助", AtBot: true}
	if st, body := drv.Message(t, m); st != http.StatusOK {
		t.Fatalf("message: %d %s", st, body)
	}
	ms := emu.WaitFor(t, 15*time.Second, "the answer to 帮助", func(ms []dingtalktest.Message) bool {
		for _, x := range ms {
			if x.ReplyTo == m.MsgID {
				return true
			}
		}
		return false
	})
	for _, x := range ms {
		if x.ReplyTo == m.MsgID && (!strings.Contains(x.Text, "张三") || strings.Contains(x.Text, "小张的昵称")) {
			t.Errorf("help answered under another name: %s", x.Text)
		}
	}
	after, err := tm.Store.Members(ctx, tm.Tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Errorf("%d members after the message, %d before: the synced staffId was not recognised", len(after), len(before))
	}
	again, err := tm.Store.ResolveMember(ctx, tm.Tenant.ID, bot.DingTalk, bot.User{ID: "zhangsan"})
	if err != nil || again.ID != synced.ID {
		t.Errorf("zhangsan resolves to %+v (%v), want the synced member %s", again, err, synced.ID)
	}
}

// TestSyncDingTalkNotConfigured: without the app's credentials the command
// says what to set.
func TestSyncDingTalkNotConfigured(t *testing.T) {
	t.Setenv("SALESBOT_DATABASE_DSN", filepath.Join(t.TempDir(), "sync.db"))
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"sync", "dingtalk"}, nil, &out, &errOut); code != 1 ||
		!strings.Contains(errOut.String(), "dingtalk.client_id") {
		t.Errorf("sync dingtalk without credentials: %d %q", code, errOut.String())
	}
}

// TestSyncDingTalkBadSecret: DingTalk's refusal (gettoken 40089) is the
// one-line reason, and nothing is imported.
func TestSyncDingTalkBadSecret(t *testing.T) {
	emu := dingtalktest.New(t, "ding_sync", "secret-sync")
	emu.AddDepartment(dingtalktest.Department{ID: 10, ParentID: 1, Name: "销售部"})
	t.Setenv("SALESBOT_DATABASE_DSN", filepath.Join(t.TempDir(), "sync.db"))
	t.Setenv("SALESBOT_DINGTALK_CLIENT_ID", "ding_sync")
	t.Setenv("SALESBOT_DINGTALK_CLIENT_SECRET", "not-the-secret")
	t.Setenv("SALESBOT_DINGTALK_OAPI_BASE_URL", emu.URL())
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"sync", "dingtalk"}, nil, &out, &errOut); code != 1 ||
		!strings.Contains(errOut.String(), "40089") || strings.Contains(errOut.String(), "not-the-secret") {
		t.Errorf("sync with a wrong secret: %d %q", code, errOut.String())
	}
	if out.Len() != 0 {
		t.Errorf("printed %q", out.String())
	}
}
