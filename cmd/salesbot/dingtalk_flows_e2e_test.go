package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/bot/dingtalk/dingtalktest"
	"github.com/salesbot/salesbot/config"
	"github.com/salesbot/salesbot/domain"
	"github.com/salesbot/salesbot/storage"
)

// dtClock is the bot's clock in these tests, moved by the test; the
// emulator judges robot signatures and throttling by it too.
type dtClock struct{ ns atomic.Int64 }

var dtZone, _ = time.LoadLocation("Asia/Shanghai")

func (c *dtClock) Now() time.Time  { return time.Unix(0, c.ns.Load()).In(dtZone) }
func (c *dtClock) set(t time.Time) { c.ns.Store(t.UnixNano()) }

// logBuffer collects the bot's log for assertions.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// dtFlows is the demo company on DingTalk (webhook mode) against an
// emulator, with 华东一组's group robot configured as
// "华东一组=<webhook URL>,SECeast"; the emulator knows the robot's secret as
// emuSecret.
type dtFlows struct {
	tm    *testMain
	emu   *dingtalktest.Emulator
	drv   *dingtalktest.Driver
	clock *dtClock
	log   *logBuffer
}

func startDingTalkFlows(t *testing.T, start time.Time, emuSecret string) *dtFlows {
	t.Helper()
	f := &dtFlows{clock: &dtClock{}, log: &logBuffer{}}
	f.clock.set(start)
	f.emu = dingtalktest.New(t, "ding_flows", "secret-flows")
	f.emu.SetRobotClock(f.clock.Now)
	hook := f.emu.AddRobot("tok_east", emuSecret)
	f.tm = startMainWith(t, "", true, func(m *Main) {
		m.Now = f.clock.Now
		m.Log = slog.New(slog.NewTextHandler(f.log, nil))
		m.Config.DingTalk = config.DingTalk{ClientID: "ding_flows", ClientSecret: "secret-flows", RobotCode: "ding_flows",
			Mode: "webhook", BaseURL: f.emu.URL(), OAPIBaseURL: f.emu.URL(), GroupRobots: "华东一组=" + hook + ",SECeast"}
	})
	f.drv = &dingtalktest.Driver{URL: f.tm.url + "/callbacks/dingtalk", Secret: "secret-flows", CorpID: "ding_corp_flows",
		RobotCode: "ding_flows", Emulator: f.emu, Now: f.clock.Now}
	return f
}

// bind gives the demo member named name a DingTalk staffId, as "salesbot
// sync dingtalk" would.
func (f *dtFlows) bind(t *testing.T, name, staffID string) domain.Member {
	t.Helper()
	ctx := context.Background()
	ms, err := f.tm.Store.Members(ctx, f.tm.Tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Name == name {
			err := f.tm.Store.BindMemberIdentity(ctx, f.tm.Tenant.ID,
				domain.Identity{MemberID: m.ID, Platform: string(bot.DingTalk), UserID: staffID, Name: m.Name})
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
	}
	t.Fatalf("no member named %s", name)
	return domain.Member{}
}

// say posts a group message from staffID that @s the robot and returns the
// bot's reply. The sessionWebhook is valid for long enough to outlast the
// test's clock, so the reply comes back through it, in answer to the
// message.
func (f *dtFlows) say(t *testing.T, staffID, text string, atStaff ...string) dingtalktest.Message {
	t.Helper()
	m := &dingtalktest.InMessage{ConversationID: "cid_east", StaffID: staffID, Nick: staffID, Text: " " + text, AtBot: true,
		AtStaff: atStaff, SessionTTL: 30 * 24 * time.Hour}
	if st, body := f.drv.Message(t, m); st != http.StatusOK {
		t.Fatalf("message %q: %d %s", text, st, body)
	}
	var reply dingtalktest.Message
	f.emu.WaitFor(t, 15*time.Second, "the reply to "+text, func(ms []dingtalktest.Message) bool {
		for _, x := range ms {
			if x.ReplyTo == m.MsgID {
				reply = x
				return true
			}
		}
		return false
	})
	return reply
}

// barrier waits for the answer to 帮助: anything the outbox had due
// before it has been tried by then.
func (f *dtFlows) barrier(t *testing.T) {
	t.Helper()
	f.say(t, "liuyy", "帮助")
}

// morning runs the scheduler past the progress-card and digest times.
func (f *dtFlows) morning(t *testing.T, at time.Time) {
	f.clock.set(at)
	ctx := context.Background()
	f.tm.sched.RunDue(ctx)
	f.tm.sched.RunDue(ctx)
}

// waitMetric polls /metrics until it has the line: the outbox counts a
// send's outcome after recording it, so the clock may move on after this.
func (f *dtFlows) waitMetric(t *testing.T, line string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, metrics := f.tm.do(t, "GET", "/metrics", nil)
		if strings.Contains(string(metrics), line) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics never showed %s; log:\n%s", line, f.log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func isEastCard(m dingtalktest.RobotMessage) bool {
	return m.AccessToken == "tok_east" && m.MsgType == "markdown" && strings.Contains(m.Title, "华东一组") &&
		strings.Contains(m.Text, "时间进度")
}

func isDigestTo(staffID string) func(dingtalktest.Message) bool {
	return func(m dingtalktest.Message) bool {
		return m.Via == "oto" && len(m.UserIDs) == 1 && m.UserIDs[0] == staffID && strings.Contains(m.Text, "晨报")
	}
}

func countOf[T any](xs []T, ok func(T) bool) int {
	n := 0
	for _, x := range xs {
		if ok(x) {
			n++
		}
	}
	return n
}

// The morning progress card of 华东一组 reaches its group through the
// team's signed custom robot, and the manager's digest reaches 陈经理 one
// to one through the app robot (oToMessages/batchSend), each exactly once.
func TestDingTalkMorningCards(t *testing.T) {
	f := startDingTalkFlows(t, time.Date(2026, 12, 2, 8, 0, 0, 0, dtZone), "SECeast") // a Wednesday
	f.bind(t, "陈经理", "chenjl")
	f.bind(t, "刘洋洋", "liuyy")

	f.morning(t, time.Date(2026, 12, 2, 9, 0, 0, 0, dtZone))
	f.emu.WaitRobot(t, 15*time.Second, "华东一组's progress card through its robot", func(ms []dingtalktest.RobotMessage) bool {
		return countOf(ms, isEastCard) > 0
	})
	f.emu.WaitFor(t, 15*time.Second, "the digest to 陈经理", func(ms []dingtalktest.Message) bool {
		return countOf(ms, isDigestTo("chenjl")) > 0
	})

	// Later the same morning nothing goes out again.
	f.morning(t, time.Date(2026, 12, 2, 9, 30, 0, 0, dtZone))
	f.barrier(t)
	if n := countOf(f.emu.RobotMessages(), isEastCard); n != 1 {
		t.Errorf("%d progress cards through the robot, want 1", n)
	}
	if n := countOf(f.emu.Messages(), isDigestTo("chenjl")); n != 1 {
		t.Errorf("%d digests to 陈经理, want 1", n)
	}
	for _, m := range f.emu.Messages() {
		if strings.HasPrefix(m.ConversationID, "robot:") {
			t.Errorf("a robot chat's message went through the app robot: %+v", m)
		}
	}
}

// A robot over DingTalk's 20 a minute is blocked for 10 minutes (130101):
// the card waits out the block in the outbox and then arrives, once.
func TestDingTalkThrottledRobotCardArrivesOnce(t *testing.T) {
	nine := time.Date(2026, 12, 2, 9, 0, 0, 0, dtZone)
	f := startDingTalkFlows(t, nine.Add(-time.Hour), "SECeast")
	f.bind(t, "刘洋洋", "liuyy")
	f.clock.set(nine)
	f.emu.ThrottleRobot("tok_east") // until 09:10
	f.morning(t, nine)
	f.waitMetric(t, `salesbot_outbox_retried_total{platform="dingtalk"} 1`)
	if n := len(f.emu.RobotMessages()); n != 0 {
		t.Fatalf("a throttled robot posted %d messages", n)
	}

	// Two minutes on, the block still holds: nothing is tried.
	f.clock.set(nine.Add(2 * time.Minute))
	f.barrier(t)
	if n := f.emu.Calls(dingtalktest.PathRobot); n != 1 {
		t.Errorf("%d robot calls during the block, want 1", n)
	}

	f.clock.set(nine.Add(11 * time.Minute))
	f.emu.WaitRobot(t, 15*time.Second, "the card after the block", func(ms []dingtalktest.RobotMessage) bool {
		return countOf(ms, isEastCard) > 0
	})
	f.barrier(t)
	if n := countOf(f.emu.RobotMessages(), isEastCard); n != 1 {
		t.Errorf("%d progress cards, want 1", n)
	}
	if n := f.emu.Calls(dingtalktest.PathRobot); n != 2 {
		t.Errorf("%d robot calls, want the throttled one and the delivery", n)
	}
}

// The manager is flow-controlled when the digest goes out (listed in
// batchSend's flowControlledStaffIdList): the outbox waits and the digest
// arrives later, once.
//
// The flow control is the manager's, not that of whichever one-to-one
// message happens to go first; the clock moves on only once the outbox has
// recorded the retry (the metric is counted after it), so the retry is due
// at the new time.
func TestDingTalkFlowControlledDigestArrivesOnce(t *testing.T) {
	nine := time.Date(2026, 12, 2, 9, 0, 0, 0, dtZone)
	f := startDingTalkFlows(t, nine.Add(-time.Hour), "SECeast")
	f.bind(t, "陈经理", "chenjl")
	f.bind(t, "刘洋洋", "liuyy")
	f.emu.FlowControl("chenjl", 1)
	f.morning(t, nine)
	f.waitMetric(t, `salesbot_outbox_retried_total{platform="dingtalk"} 1`)
	if n := countOf(f.emu.Messages(), isDigestTo("chenjl")); n != 0 {
		t.Fatalf("a flow-controlled digest was delivered")
	}
	f.clock.set(nine.Add(2 * time.Minute))
	f.emu.WaitFor(t, 15*time.Second, "the digest after the flow control", func(ms []dingtalktest.Message) bool {
		return countOf(ms, isDigestTo("chenjl")) > 0
	})
	f.barrier(t)
	if n := countOf(f.emu.Messages(), isDigestTo("chenjl")); n != 1 {
		t.Errorf("%d digests to 陈经理, want 1", n)
	}
}

// A robot configured with the wrong 加签 secret: DingTalk answers 310000,
// the card is dead-lettered at once (not retried), and the log says what
// to fix without printing the secret.
func TestDingTalkBadRobotSecretDeadLettered(t *testing.T) {
	nine := time.Date(2026, 12, 2, 9, 0, 0, 0, dtZone)
	f := startDingTalkFlows(t, nine.Add(-time.Hour), "SECtherealone")
	f.morning(t, nine)
	f.waitMetric(t, `salesbot_outbox_failed_total{platform="dingtalk"} 1`)
	log := f.log.String()
	for _, want := range []string{"message dead-lettered", "dingtalk group robot refused the message", "team=华东一组", "errcode=310000", "加签",
		"target=chat:robot:华东一组"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, "SECeast") || strings.Contains(log, "tok_east") {
		t.Errorf("the robot's secret or token is in the log:\n%s", log)
	}
	if n := f.emu.Calls(dingtalktest.PathRobot); n != 1 {
		t.Errorf("%d robot calls, want 1: a bad secret is not retried", n)
	}
	if n := len(f.emu.RobotMessages()); n != 0 {
		t.Errorf("%d robot messages posted", n)
	}
}

// A task asked for in the group reaches the assignee (王工) one to one on
// DingTalk, and so does the reminder before it is due.
func TestDingTalkTaskAssignmentAndReminder(t *testing.T) {
	// The task's date is read from the message's time (real time, as the
	// driver stamps it), so the bot's clock starts there too.
	f := startDingTalkFlows(t, time.Now(), "SECeast")
	rep := f.bind(t, "刘洋洋", "liuyy")
	wang := f.bind(t, "王工", "wanggong")

	asked := f.say(t, "liuyy", "@王工 周五前给星河科技出一版技术方案", "wanggong")
	if !strings.Contains(asked.Text, "王工") || !strings.Contains(asked.Text, "待接受") {
		t.Fatalf("the group was answered %q", asked.Text)
	}
	f.emu.WaitFor(t, 15*time.Second, "the task card to 王工", func(ms []dingtalktest.Message) bool {
		return countOf(ms, func(m dingtalktest.Message) bool {
			return m.Via == "oto" && len(m.UserIDs) == 1 && m.UserIDs[0] == "wanggong" && strings.Contains(m.Text, "技术方案")
		}) > 0
	})

	tasks, err := f.tm.Store.Tasks(context.Background(), storage.TaskFilter{Tenant: f.tm.Tenant.ID, AssigneeID: wang.ID})
	if err != nil {
		t.Fatal(err)
	}
	var task *storage.TaskView
	for i := range tasks {
		if strings.Contains(tasks[i].Title, "技术方案") && tasks[i].CreatorName == rep.Name && tasks[i].SourceMessageID != "" {
			task = &tasks[i]
		}
	}
	if task == nil || task.DueAt.IsZero() {
		t.Fatalf("no stored task with a due time among %+v", tasks)
	}
	// A minute before it is due: the reminder.
	f.clock.set(task.DueAt.Add(-time.Minute))
	f.tm.sched.RunDue(context.Background())
	f.emu.WaitFor(t, 15*time.Second, "the reminder to 王工", func(ms []dingtalktest.Message) bool {
		return countOf(ms, func(m dingtalktest.Message) bool {
			return m.Via == "oto" && len(m.UserIDs) == 1 && m.UserIDs[0] == "wanggong" &&
				strings.Contains(m.Text, "任务提醒") && strings.Contains(m.Text, "技术方案")
		}) > 0
	})
}

// Group robots that cannot work stop start-up with the reason.
func TestDingTalkRobotConfigErrors(t *testing.T) {
	app := config.DingTalk{ClientID: "ding_cfg", ClientSecret: "secret-cfg", Mode: "webhook"}
	withRobots := func(dt config.DingTalk, robots string) config.DingTalk { dt.GroupRobots = robots; return dt }
	tests := []struct {
		name string
		dt   config.DingTalk
		want string
	}{
		{"robots without the app", config.DingTalk{GroupRobots: "华东一组=tok,SECx"}, "needs the DingTalk app"},
		{"a team that does not exist", withRobots(app, "火星一组=tok,SECx"), `no team named "火星一组"`},
		{"no signing secret", withRobots(app, "华东一组=tok"), "加签"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := config.Default()
			cfg.Database.DSN = filepath.Join(t.TempDir(), "salesbot.db")
			cfg.DingTalk = tt.dt
			m := NewMain(cfg, slog.New(slog.DiscardHandler))
			m.Demo = true
			err := m.Open(context.Background())
			m.Close()
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "dingtalk.group_robots") {
				t.Errorf("Open = %v, want an error naming dingtalk.group_robots and %q", err, tt.want)
			}
		})
	}
}

// A group robot taken out of the configuration is no longer a team chat at
// the next start: its team's card is not sent to a webhook that is gone.
func TestDingTalkRemovedRobotUnbound(t *testing.T) {
	emu := dingtalktest.New(t, "ding_rm", "secret-rm")
	dir := t.TempDir()
	start := func(robots string) *testMain {
		return startMainWith(t, dir, true, func(m *Main) {
			m.Config.DingTalk = config.DingTalk{ClientID: "ding_rm", ClientSecret: "secret-rm", RobotCode: "ding_rm",
				Mode: "webhook", BaseURL: emu.URL(), OAPIBaseURL: emu.URL(), GroupRobots: robots}
		})
	}
	robotChats := func(tm *testMain) map[string]string {
		t.Helper()
		chats, err := tm.Store.Chats(t.Context(), tm.Tenant.ID, "dingtalk")
		if err != nil {
			t.Fatal(err)
		}
		purpose := map[string]string{}
		for _, c := range chats {
			purpose[c.PlatformChatID] = c.Purpose
		}
		return purpose
	}
	tm := start("华东一组=tok1,SECone;华南组=tok2,SECtwo")
	if got := robotChats(tm); got["robot:华东一组"] != "team" || got["robot:华南组"] != "team" {
		t.Fatalf("robot chats = %v", got)
	}
	tm.stop()
	tm = start("华东一组=tok1,SECone")
	if got := robotChats(tm); got["robot:华东一组"] != "team" || got["robot:华南组"] != "" {
		t.Errorf("after removing 华南组's robot: %v", got)
	}
}
