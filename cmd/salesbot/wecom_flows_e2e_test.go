package main

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/bot/wecom"
	"github.com/salesbot/salesbot/bot/wecom/wecomtest"
	"github.com/salesbot/salesbot/config"
	"github.com/salesbot/salesbot/domain"
)

// bindWeComUser gives a member a WeCom identity (a UserID) and puts them into
// the emulator's contact directory, as "salesbot sync wecom" would.
func bindWeComUser(t *testing.T, tm *testMain, emu *wecomtest.Emulator, m apiMember, userID string) {
	t.Helper()
	err := tm.Store.BindMemberIdentity(context.Background(), tm.Tenant.ID,
		domain.Identity{MemberID: m.ID, Platform: string(bot.WeCom), UserID: userID, Name: m.Name})
	if err != nil {
		t.Fatal(err)
	}
	emu.AddUser(wecomtest.User{UserID: userID, Name: m.Name, Departments: []int{1}})
}

// wecomMessage waits for a message the bot sent that satisfies ok.
func wecomMessage(t *testing.T, emu *wecomtest.Emulator, what string, ok func(wecomtest.Message) bool) wecomtest.Message {
	t.Helper()
	var found wecomtest.Message
	emu.WaitFor(t, 15*time.Second, what, func(ms []wecomtest.Message) bool {
		for _, m := range ms {
			if ok(m) {
				found = m
				return true
			}
		}
		return false
	})
	return found
}

// cardTo matches a template card sent to the user that contains all the
// words.
func cardTo(user string, words ...string) func(wecomtest.Message) bool {
	return func(m wecomtest.Message) bool {
		if m.MsgType != "template_card" || m.ToUser != user {
			return false
		}
		for _, w := range words {
			if !strings.Contains(m.Versions[0], w) {
				return false
			}
		}
		return true
	}
}

// textTo matches a text or markdown message to the user containing all the
// words.
func textTo(user string, words ...string) func(wecomtest.Message) bool {
	return func(m wecomtest.Message) bool {
		if m.ToUser != user || m.MsgType == "template_card" {
			return false
		}
		for _, w := range words {
			if !strings.Contains(m.Content, w) {
				return false
			}
		}
		return true
	}
}

// latest returns the emulator's current copy of the card with the task id.
func latest(emu *wecomtest.Emulator, taskID string) wecomtest.Message {
	for _, m := range emu.Messages() {
		if m.TaskID == taskID {
			return m
		}
	}
	return wecomtest.Message{}
}

// TestWeComCollectionEndToEnd is the finance confirmation through the WeCom
// app: a rep reports 回款 in the app, each finance member gets a
// button_interaction template card with 确认到账/驳回; a rep's click is
// denied (told why in the app), nothing changes; 李娜's click — an
// encrypted, signed template_card_event with TaskId, EventKey and
// ResponseCode — confirms the collection once, audited, and her card is
// updated through update_template_card with that very response code; 陈会计's
// copy is updated with its send's code.
func TestWeComCollectionEndToEnd(t *testing.T) {
	tm, emu, drv := wecomMain(t)
	rep := larkMember(t, tm, func(m domain.Member) bool { return m.Role == domain.RoleSales && m.Active })
	bindWeComUser(t, tm, emu, rep, "rep1")
	lina, chen := larkMemberNamed(t, tm, "李娜"), larkMemberNamed(t, tm, "陈会计")
	bindWeComUser(t, tm, emu, lina, "lina")
	bindWeComUser(t, tm, emu, chen, "chenkj")

	if st, _, _ := drv.Text(t, "rep1", "星河科技回款20万已到账", ""); st != http.StatusOK {
		t.Fatalf("message: %d", st)
	}
	wecomMessage(t, emu, "acknowledgement to the rep", func(m wecomtest.Message) bool {
		return m.ToUser == "rep1" && strings.Contains(m.Content+strings.Join(m.Versions, ""), "等待财务确认")
	})
	askLina := wecomMessage(t, emu, "confirmation card to 李娜", cardTo("lina", "回款待确认", "星河科技"))
	askChen := wecomMessage(t, emu, "confirmation card to 陈会计", cardTo("chenkj", "回款待确认", "星河科技"))
	confirm := cardButtonKey(t, askLina.Card, "确认到账")
	cardButtonKey(t, askLina.Card, "驳回")

	// A rep clicking 确认到账: denied, told why, nothing changes.
	if st, _ := drv.Click(t, "rep1", askLina.TaskID, confirm, emu.ClickCode(askLina.TaskID)); st != http.StatusOK {
		t.Fatalf("rep's click: %d", st)
	}
	if got := tm.collectionStatus(t, "星河科技"); got != domain.CollectionPending {
		t.Fatalf("after the rep's click the collection is %s", got)
	}
	wecomMessage(t, emu, "the rep told why", textTo("rep1", "只有财务"))
	if m := latest(emu, askLina.TaskID); len(m.Versions) != 1 {
		t.Fatalf("the rep's click changed 李娜's card: %v", m.Versions)
	}

	// 李娜 confirms.
	code := emu.ClickCode(askLina.TaskID)
	if st, _ := drv.Click(t, "lina", askLina.TaskID, confirm, code); st != http.StatusOK {
		t.Fatalf("李娜's click: %d", st)
	}
	if got := tm.collectionStatus(t, "星河科技"); got != domain.CollectionConfirmed {
		t.Fatalf("after 李娜's click the collection is %s", got)
	}
	emu.WaitFor(t, 15*time.Second, "李娜's card updated with her click's code", func([]wecomtest.Message) bool {
		m := latest(emu, askLina.TaskID)
		return len(m.UsedCodes) == 1 && m.UsedCodes[0] == code && len(m.Versions) == 2
	})
	if v := latest(emu, askLina.TaskID).Versions[1]; !strings.Contains(v, "回款已确认到账") && !strings.Contains(v, "已确认") {
		t.Errorf("updated card = %s", v)
	}
	wecomMessage(t, emu, "rep told", textTo("rep1", "已由财务 李娜 确认到账"))
	if c := tm.newestCollection(t, "星河科技"); c.ConfirmedByName != lina.Name {
		t.Errorf("confirmed by %q, want %s", c.ConfirmedByName, lina.Name)
	}

	// 陈会计's copy is updated with its send's response code.
	emu.WaitFor(t, 15*time.Second, "陈会计's copy updated", func([]wecomtest.Message) bool {
		return len(latest(emu, askChen.TaskID).UsedCodes) == 1
	})
	// A click on his old copy (its buttons are gone now) changes nothing.
	used := latest(emu, askChen.TaskID).UsedCodes[0]
	if st, _ := drv.Click(t, "chenkj", askChen.TaskID, cardButtonKey(t, askChen.Card, "确认到账"), used); st != http.StatusOK {
		t.Fatalf("陈会计's click: %d", st)
	}
	audits := tm.collectionAudits(t, "星河科技")
	if n := strings.Count(strings.Join(audits, ","), "collection.confirm"); n != 1 {
		t.Errorf("confirm audit rows = %d (%v), want exactly 1", n, audits)
	}
}

// TestWeComTaskEndToEnd is the task flow through the WeCom app: "@王工 …"
// makes a task; 王工 gets a card and accepts it with its button, which
// updates his card with the click's response code; his 完成 click arrives
// with that already-used code, so the card is re-sent instead of updated;
// the creator hears of both.
func TestWeComTaskEndToEnd(t *testing.T) {
	tm, emu, drv := wecomMain(t)
	rep := larkMember(t, tm, func(m domain.Member) bool { return m.Role == domain.RoleSales && m.Active })
	bindWeComUser(t, tm, emu, rep, "rep1")
	wang := larkMemberNamed(t, tm, "王工")
	bindWeComUser(t, tm, emu, wang, "wanggong")

	if st, _, _ := drv.Text(t, "rep1", "@王工 周五前给星河科技出一版技术方案", ""); st != http.StatusOK {
		t.Fatalf("message: %d", st)
	}
	dm := wecomMessage(t, emu, "task card to 王工", cardTo("wanggong", "技术方案"))
	if st, _ := drv.Click(t, "wanggong", dm.TaskID, cardButtonKey(t, dm.Card, "接受"), emu.ClickCode(dm.TaskID)); st != http.StatusOK {
		t.Fatalf("accept: %d", st)
	}
	wecomMessage(t, emu, "creator told of the acceptance", textTo("rep1", "王工", "接受了任务"))
	emu.WaitFor(t, 15*time.Second, "王工's card updated", func([]wecomtest.Message) bool {
		return len(latest(emu, dm.TaskID).Versions) == 2
	})
	accepted := latest(emu, dm.TaskID)
	// The 完成 click carries the response code the acceptance already used
	// (single use): the task is done, and its card, which cannot be
	// updated with that code, is sent anew.
	used := accepted.UsedCodes[0]
	if st, _ := drv.Click(t, "wanggong", dm.TaskID, cardButtonKey(t, accepted.Card, "完成"), used); st != http.StatusOK {
		t.Fatalf("done: %d", st)
	}
	wecomMessage(t, emu, "creator told of the completion", textTo("rep1", "王工", "完成了任务"))
	wecomMessage(t, emu, "the done card re-sent to 王工", func(m wecomtest.Message) bool {
		return m.ToUser == "wanggong" && m.TaskID != dm.TaskID && strings.Contains(m.Content+strings.Join(m.Versions, ""), "技术方案")
	})
	if m := latest(emu, dm.TaskID); len(m.UsedCodes) != 1 || len(m.Versions) != 2 {
		t.Errorf("the accepted card was updated again with a used code: %+v", m)
	}
	got := tm.reportedTask(t, wang.ID, "技术方案")
	if got == nil || got.Status != domain.TaskDone || got.CreatorName != rep.Name || got.CustomerName != "星河科技" {
		t.Fatalf("stored task = %+v", got)
	}
}

// TestWeComMorningCards: with a group robot configured for 华东一组, the
// morning progress card reaches the team's group through the robot's
// webhook, and the manager's digest reaches the manager through
// message/send — each exactly once.
func TestWeComMorningCards(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	var clock atomic.Int64
	clock.Store(time.Date(2026, 12, 2, 8, 0, 0, 0, loc).UnixNano()) // a Wednesday, a workday
	const key = "robot-key-east"
	tm, emu, drv := wecomMainWith(t, func(m *Main) {
		m.Now = func() time.Time { return time.Unix(0, clock.Load()).In(loc) }
		m.Config.WeCom.GroupRobots = "华东一组=https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=" + key
	})
	emu.AddRobot(key)
	mgr := larkMemberNamed(t, tm, "陈经理")
	bindWeComUser(t, tm, emu, mgr, "chenjl")
	rep := larkMember(t, tm, func(m domain.Member) bool { return m.Role == domain.RoleSales && m.TeamID == mgr.Team })
	bindWeComUser(t, tm, emu, rep, "rep1")

	clock.Store(time.Date(2026, 12, 2, 9, 0, 0, 0, loc).UnixNano())
	ctx := context.Background()
	tm.sched.RunDue(ctx)
	tm.sched.RunDue(ctx)
	robot := wecomMessage(t, emu, "progress card through the robot", func(m wecomtest.Message) bool {
		return m.RobotKey == key && strings.Contains(m.Content, "华东一组")
	})
	if robot.MsgType != "markdown" || !strings.Contains(robot.Content, "时间进度") {
		t.Errorf("robot message = %+v", robot)
	}
	wecomMessage(t, emu, "digest to the manager", func(m wecomtest.Message) bool {
		return m.ToUser == "chenjl" && strings.Contains(m.Content+strings.Join(m.Versions, ""), "晨报")
	})
	// A later look sends nothing again; the answer to a message is a
	// barrier for anything still in the outbox.
	clock.Store(time.Date(2026, 12, 2, 9, 30, 0, 0, loc).UnixNano())
	tm.sched.RunDue(ctx)
	drv.Text(t, "rep1", "帮助", "")
	wecomMessage(t, emu, "the answer to 帮助", func(m wecomtest.Message) bool { return m.ToUser == "rep1" })
	cards, digests := 0, 0
	for _, m := range emu.Messages() {
		switch {
		case m.RobotKey == key && strings.Contains(m.Content, "华东一组"):
			cards++
		case m.ToUser == "chenjl" && strings.Contains(m.Content+strings.Join(m.Versions, ""), "晨报"):
			digests++
		}
	}
	if cards != 1 || digests != 1 {
		t.Errorf("%d progress cards through the robot and %d digests to the manager, want 1 and 1", cards, digests)
	}
}

// The official vectors (PLATFORMS.md §2.2).
const (
	vecCorpID = "wx5823bf96d3bd56c7"
	vecToken  = "QDG6eK"
	vecEncMsg = "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="
)

// vectorMain runs Main configured as the official vectors' app, with the
// clock at the vectors' time.
func vectorMain(t *testing.T, clock *atomic.Int64) (*testMain, *wecomtest.Emulator) {
	t.Helper()
	emu := wecomtest.New(t, vecCorpID, "vec-secret", 218)
	tm := startMainWith(t, "", false, func(m *Main) {
		m.Now = func() time.Time { return time.Unix(clock.Load(), 0) }
		m.Config.WeCom = config.WeCom{CorpID: vecCorpID, AgentID: 218, Secret: "vec-secret", Token: vecToken,
			EncodingAESKey: wecomAESKey, BaseURL: emu.URL()}
	})
	return tm, emu
}

func (tm *testMain) rows(t *testing.T, table string) int64 {
	t.Helper()
	n, err := tm.Store.CountRows(context.Background(), tm.Tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	return n[table]
}

// TestWeComOfficialVectorsThroughServer: the official URL-check and message
// vectors, signed and encrypted by WeCom's own sample parameters, are
// accepted by the real server (the message stored once and answered); the
// same message with a forged signature is refused with 401 and nothing is
// stored.
func TestWeComOfficialVectorsThroughServer(t *testing.T) {
	var clock atomic.Int64
	clock.Store(1409659589)
	tm, emu := vectorMain(t, &clock)
	q := url.Values{"msg_signature": {"5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"}, "timestamp": {"1409659589"},
		"nonce": {"263014780"}, "echostr": {"P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="}}
	if st, body := tm.do(t, http.MethodGet, "/callbacks/wecom?"+q.Encode(), nil); st != http.StatusOK || string(body) != "1616140317555161061" {
		t.Fatalf("URL check = %d %q", st, body)
	}

	clock.Store(1409659813)
	body := "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><AgentID><![CDATA[218]]></AgentID><Encrypt><![CDATA[" + vecEncMsg + "]]></Encrypt></xml>"
	forged := "/callbacks/wecom?msg_signature=477715d11cdb4164915debcba66cb864d751f3e7&timestamp=1409659813&nonce=1372623149"
	if st, _ := tm.do(t, http.MethodPost, forged, body); st != http.StatusUnauthorized {
		t.Fatalf("forged = %d, want 401", st)
	}
	if n := tm.rows(t, "inbound_events"); n != 0 {
		t.Fatalf("%d events stored from the forged callback", n)
	}
	signed := "/callbacks/wecom?msg_signature=477715d11cdb4164915debcba66cb864d751f3e6&timestamp=1409659813&nonce=1372623149"
	for range 2 { // the second: WeCom's retry
		if st, resp := tm.do(t, http.MethodPost, signed, body); st != http.StatusOK {
			t.Fatalf("official vector = %d %s", st, resp)
		}
	}
	if n := tm.rows(t, "inbound_events"); n != 1 {
		t.Errorf("%d events stored, want 1", n)
	}
	// "hello" from mycreate is answered in the app.
	wecomMessage(t, emu, "the answer to mycreate", func(m wecomtest.Message) bool { return m.ToUser == "mycreate" })
}

// TestWeComBadSignatureStoresNothing: forged callbacks — a message and a
// card click — are refused with 401 by the real server and leave no trace
// in the database; nobody is answered.
func TestWeComBadSignatureStoresNothing(t *testing.T) {
	tm, emu, drv := wecomMain(t)
	before := tm.rows(t, "inbound_events")
	members := tm.rows(t, "members")
	if st, _, _ := drv.Text(t, "stranger", "今天拜访了星河科技", "", wecomtest.Forged()); st != http.StatusUnauthorized {
		t.Errorf("forged message = %d", st)
	}
	if st, _ := drv.Click(t, "stranger", "some-card", "collection.confirm", "RC1", wecomtest.Forged()); st != http.StatusUnauthorized {
		t.Errorf("forged click = %d", st)
	}
	if n := tm.rows(t, "inbound_events"); n != before {
		t.Errorf("inbound events %d → %d", before, n)
	}
	if n := tm.rows(t, "members"); n != members {
		t.Errorf("members %d → %d: a forged sender was registered", members, n)
	}
	if n := len(emu.Messages()); n != 0 {
		t.Errorf("%d messages sent", n)
	}
}

// TestWeComDuplicateMsgID: WeCom delivering the same MsgId again stores
// one event and answers once.
func TestWeComDuplicateMsgID(t *testing.T) {
	tm, emu, drv := wecomMain(t)
	events := tm.rows(t, "inbound_events")
	_, _, id := drv.Text(t, "zhangsan", "我的进度", "")
	wecomMessage(t, emu, "the answer to 我的进度", func(m wecomtest.Message) bool { return m.ToUser == "zhangsan" })
	outbox := tm.rows(t, "outbox")
	for range 2 {
		if st, _, _ := drv.Text(t, "zhangsan", "我的进度", id); st != http.StatusOK {
			t.Fatalf("re-delivery = %d", st)
		}
	}
	// A different message afterwards is a barrier for a duplicate answer.
	drv.Text(t, "zhangsan", "帮助", "")
	emu.WaitFor(t, 15*time.Second, "the answer to 帮助", func([]wecomtest.Message) bool { return tm.rows(t, "outbox") > outbox })
	if n := tm.rows(t, "inbound_events"); n != events+2 {
		t.Errorf("inbound events %d → %d, want two more (我的进度 once, 帮助)", events, n)
	}
	if n := tm.rows(t, "outbox"); n != outbox+1 {
		t.Errorf("outbox rows %d → %d, want only the answer to 帮助", outbox, n)
	}
}

// TestWeComHugeBody: a callback body over 1 MiB is refused by the server
// with 413 before the adapter reads it; nothing is stored.
func TestWeComHugeBody(t *testing.T) {
	tm, _, drv := wecomMain(t)
	before := tm.rows(t, "inbound_events")
	huge := "<xml><ToUserName>ww_e2e</ToUserName><Encrypt>" + strings.Repeat("A", 1<<20+1) + "</Encrypt></xml>"
	if st, _ := tm.do(t, http.MethodPost, "/callbacks/wecom?msg_signature=x&timestamp=1&nonce=1", huge); st != http.StatusRequestEntityTooLarge {
		t.Errorf("1 MiB body = %d, want 413", st)
	}
	// A long but legal message goes through.
	if st, _, _ := drv.Text(t, "zhangsan", strings.Repeat("今天拜访了星河科技张总,", 60), ""); st != http.StatusOK {
		t.Errorf("2 KB message = %d", st)
	}
	if n := tm.rows(t, "inbound_events"); n != before+1 {
		t.Errorf("inbound events %d → %d, want one more", before, n)
	}
}

// TestWeComUnknownSenderNamed: a WeCom user salesbot has never seen is
// registered under their name from the contact API.
func TestWeComUnknownSenderNamed(t *testing.T) {
	tm, emu, drv := wecomMain(t)
	emu.AddUser(wecomtest.User{UserID: "newrep", Name: "新同事", Departments: []int{1}})
	drv.Text(t, "newrep", "帮助", "")
	wecomMessage(t, emu, "the answer to the new rep", func(m wecomtest.Message) bool { return m.ToUser == "newrep" })
	ms, err := tm.Store.MembersByName(context.Background(), tm.Tenant.ID, "新同事")
	if err != nil || len(ms) != 1 || ms[0].Role != domain.RoleSales {
		t.Fatalf("members named 新同事 = %+v, %v", ms, err)
	}
	// Without a name from WeCom (not in the directory), the userid.
	drv.Text(t, "ghost", "帮助一下", "")
	wecomMessage(t, emu, "the answer to ghost", func(m wecomtest.Message) bool { return m.ToUser == "ghost" })
	if ms, err := tm.Store.MembersByName(context.Background(), tm.Tenant.ID, "ghost"); err != nil || len(ms) != 1 {
		t.Fatalf("members named ghost = %+v, %v", ms, err)
	}
}

// TestWeComAppChatProgress: after "salesbot wecom-group", the team's
// morning progress card goes to the app's group chat through appchat/send
// as markdown.
func TestWeComAppChatProgress(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	var clock atomic.Int64
	clock.Store(time.Date(2026, 12, 2, 8, 0, 0, 0, loc).UnixNano())
	tm, emu, _ := wecomMainWith(t, func(m *Main) {
		m.Now = func() time.Time { return time.Unix(0, clock.Load()).In(loc) }
	})
	mgr := larkMemberNamed(t, tm, "陈经理")
	bindWeComUser(t, tm, emu, mgr, "chenjl")
	ctx := context.Background()
	team, err := tm.Store.TeamByID(ctx, tm.Tenant.ID, mgr.Team)
	if err != nil {
		t.Fatal(err)
	}
	ms, _ := tm.Store.Members(ctx, tm.Tenant.ID)
	n := 0
	for _, m := range ms {
		if m.TeamID == team.ID && m.ID != mgr.ID && m.Active {
			n++
			bindWeComUser(t, tm, emu, apiMember{ID: m.ID, Name: m.Name}, "u"+m.ID[len(m.ID)-6:])
		}
	}
	if n == 0 {
		t.Fatal("the manager's team has no members")
	}
	owner, users, err := teamWeComUsers(ctx, tm.Store, tm.Tenant.ID, team)
	if err != nil {
		t.Fatal(err)
	}
	a := wecom.New(wecom.Config{CorpID: "ww_e2e", AgentID: 1000002, Secret: "secret-e2e", BaseURL: emu.URL()}, nil, nil)
	chatID, err := a.CreateAppChat(ctx, team.Name+"销售群", owner.userID, userIDs(users))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tm.Store.EnsureChat(ctx, domain.Chat{TenantID: tm.Tenant.ID, Platform: string(bot.WeCom),
		PlatformChatID: wecom.AppChatID(chatID), Name: team.Name, Kind: domain.ChatGroup, TeamID: team.ID, Purpose: domain.PurposeTeam}); err != nil {
		t.Fatal(err)
	}
	clock.Store(time.Date(2026, 12, 2, 9, 0, 0, 0, loc).UnixNano())
	tm.sched.RunDue(ctx)
	tm.sched.RunDue(ctx)
	got := wecomMessage(t, emu, "progress card in the app chat", func(m wecomtest.Message) bool {
		return m.ChatID == chatID && strings.Contains(m.Content, team.Name)
	})
	if got.MsgType != "markdown" || !strings.Contains(got.Content, "时间进度") {
		t.Errorf("app chat message = %+v", got)
	}
}
