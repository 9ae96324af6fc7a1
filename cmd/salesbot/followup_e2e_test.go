package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/domain"
	"github.com/salesbot/salesbot/storage"
)

// cardOf decodes a message's card.
type e2eCard struct {
	Header struct {
		Title, Subtitle, Status string
	}
	Elements []struct {
		Kind   string
		Text   string
		Fields []struct{ Label, Value string }
	}
	Actions []struct{ ID, Label, Style string }
}

func cardOf(t *testing.T, m apiMessage) e2eCard {
	t.Helper()
	var c e2eCard
	if len(m.Card) == 0 || string(m.Card) == "null" {
		t.Fatalf("message %q has no card (text %q)", m.ID, m.Text)
	}
	if err := json.Unmarshal(m.Card, &c); err != nil {
		t.Fatalf("bad card %s: %v", m.Card, err)
	}
	return c
}

// sayTo posts a message (in the thread of replyTo when set) and waits for
// the bot's answer to it.
func (tm *testMain) sayTo(t *testing.T, chat, member, text, replyTo string) apiMessage {
	t.Helper()
	code, data := tm.do(t, "POST", "/console/api/messages", map[string]string{"chat": chat, "member": member, "text": text, "reply_to": replyTo})
	if code != http.StatusAccepted {
		t.Fatalf("say %q: %d %s", text, code, data)
	}
	var ack struct {
		MessageID string `json:"message_id"`
	}
	json.Unmarshal(data, &ack)
	return tm.waitReply(t, chat, ack.MessageID)
}

// waitReply waits for the bot's answer to a message.
func (tm *testMain) waitReply(t *testing.T, chat, messageID string) apiMessage {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		var msgs []apiMessage
		tm.get(t, "/console/api/messages?chat="+chat+"&after="+messageID+"&wait=5", &msgs)
		for _, m := range msgs {
			if m.From.Bot && m.ReplyTo == messageID {
				return m
			}
		}
	}
	t.Fatalf("no reply to %s within the deadline", messageID)
	return apiMessage{}
}

// press presses a card button and returns the status and the toast or error.
// The console shows a card as soon as the outbox hands it over, a moment
// before the outbox records its message id; a press in that moment finds
// no card and is tried again, as a person would.
func (tm *testMain) press(t *testing.T, messageID, action, member string) (int, string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		code, data := tm.do(t, "POST", "/console/api/actions", map[string]string{"message_id": messageID, "action": action, "member": member})
		var body struct{ Toast, Error string }
		json.Unmarshal(data, &body)
		if code != http.StatusOK {
			return code, body.Error
		}
		if body.Toast != "找不到这条消息的卡片" || time.Now().After(deadline) {
			return code, body.Toast
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// message reads one message of a chat as it is now.
func (tm *testMain) message(t *testing.T, chat, id string) apiMessage {
	t.Helper()
	var msgs []apiMessage
	tm.get(t, "/console/api/messages?chat="+chat, &msgs)
	for _, m := range msgs {
		if m.ID == id {
			return m
		}
	}
	t.Fatalf("message %s not in %s", id, chat)
	return apiMessage{}
}

// export runs "salesbot export followups" on the running database.
func (tm *testMain) export(t *testing.T, extra ...string) []map[string]any {
	t.Helper()
	t.Setenv("SALESBOT_DATABASE_DSN", tm.dbPath)
	var stdout, stderr bytes.Buffer
	args := append([]string{"export", "followups", "--format", "jsonl"}, extra...)
	if code := run(context.Background(), args, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("export: %d %s", code, stderr.String())
	}
	var rows []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		if line == "" {
			continue
		}
		var row map[string]any
		if err := json.Unmarshal([]byte(line), &row); err != nil {
			t.Fatalf("export line %q: %v", line, err)
		}
		rows = append(rows, row)
	}
	return rows
}

func fieldValue(c e2eCard, label string) []string {
	var out []string
	for _, e := range c.Elements {
		for _, f := range e.Fields {
			if f.Label == label {
				out = append(out, f.Value)
			}
		}
	}
	return out
}

func (tm *testMain) today(t *testing.T, memberID string) domain.DailyStat {
	t.Helper()
	day := time.Now().In(tm.tenantLocation()).Format(time.DateOnly)
	stats, err := tm.Store.DailyStats(context.Background(), tm.Tenant.ID, day, day)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range stats {
		if s.MemberID == memberID {
			return s
		}
	}
	return domain.DailyStat{}
}

// teamChatOf returns the console group chat of a member's team.
func (tm *testMain) teamChatOf(t *testing.T, m apiMember) string {
	t.Helper()
	var chats []apiChat
	tm.get(t, "/console/api/chats", &chats)
	for _, c := range chats {
		if c.Team != "" && c.Team == m.Team {
			return c.ID
		}
	}
	t.Fatalf("no team chat for %s", m.Name)
	return ""
}

// TestFollowUpDoneWhen is issue 4's "done when": with the demo company, a
// rep logs a follow-up for a new customer, sees the card, undoes it, logs a
// two-line daily report, fixes an amount with 修改, and the export shows
// exactly the live records.
func TestFollowUpDoneWhen(t *testing.T) {
	tm := startMain(t, "", true)
	ctx := context.Background()
	rep := tm.member(t, "sales")
	chat := tm.teamChatOf(t, rep)
	before := tm.export(t)
	stats0 := tm.today(t, rep.ID)

	// 1. A follow-up for a new customer: the card says what was understood.
	logged := tm.say(t, chat, rep.ID, "今天拜访了新客户北斗导航的李经理,聊了方案,报价30万,下周三再约")
	card := cardOf(t, logged)
	if card.Header.Title != "已记录跟进" || card.Header.Status != "success" {
		t.Fatalf("card header = %+v", card.Header)
	}
	if got := fieldValue(card, "客户"); len(got) != 1 || got[0] != "北斗导航(新客户)" {
		t.Errorf("customer field = %q", got)
	}
	if got := fieldValue(card, "金额"); len(got) != 1 || got[0] != "30万" {
		t.Errorf("amount field = %q", got)
	}
	if got := fieldValue(card, "下一步"); len(got) != 1 || !strings.Contains(got[0], "周三") {
		t.Errorf("next step field = %q", got)
	}
	if len(card.Actions) != 2 || card.Actions[0].ID != "followup.undo" || card.Actions[1].ID != "followup.edit" {
		t.Errorf("actions = %+v", card.Actions)
	}
	if _, err := tm.Store.CustomerByName(ctx, tm.Tenant.ID, "北斗导航"); err != nil {
		t.Errorf("new customer not stored: %v", err)
	}
	if s := tm.today(t, rep.ID); s.FollowUps != stats0.FollowUps+1 || s.NewCustomers != stats0.NewCustomers+1 {
		t.Errorf("daily stats after logging = %+v, was %+v", s, stats0)
	}

	// Another member may not undo it: 403 with the reason.
	var others []apiMember
	tm.get(t, "/console/api/members", &others)
	var other apiMember
	for _, m := range others {
		if m.Role == "sales" && m.ID != rep.ID && m.Team == rep.Team {
			other = m
			break
		}
	}
	if code, msg := tm.press(t, logged.ID, "followup.undo", other.ID); code != http.StatusForbidden || !strings.Contains(msg, "记录人") {
		t.Errorf("undo by another member = %d %q, want 403 with the reason", code, msg)
	}

	// 2. Undo: the card changes in place, the records' effects go.
	if code, toast := tm.press(t, logged.ID, "followup.undo", rep.ID); code != http.StatusOK || toast != "已撤销" {
		t.Fatalf("undo = %d %q", code, toast)
	}
	if c := cardOf(t, tm.message(t, chat, logged.ID)); c.Header.Title != "已撤销跟进" || len(c.Actions) != 0 {
		t.Errorf("card after undo = %+v", c.Header)
	}
	if _, err := tm.Store.CustomerByName(ctx, tm.Tenant.ID, "北斗导航"); !domain.IsNotFound(err) {
		t.Errorf("customer created by the undone follow-up still there: %v", err)
	}
	if s := tm.today(t, rep.ID); s.FollowUps != stats0.FollowUps || s.NewCustomers != stats0.NewCustomers {
		t.Errorf("daily stats after undo = %+v, want %+v", s, stats0)
	}
	// Pressing again: the button is gone.
	if code, _ := tm.press(t, logged.ID, "followup.undo", rep.ID); code != http.StatusNotFound {
		t.Errorf("second undo = %d, want 404 (no such button)", code)
	}

	// 3. A two-line daily report: one card listing both.
	report := tm.say(t, chat, rep.ID, "今日汇报:\n1. 拜访星河科技张总,报价50万\n2. 远航物流李经理电话沟通,预计月底签约")
	rc := cardOf(t, report)
	if rc.Header.Title != "已记录跟进" || rc.Header.Subtitle != "共 2 条" {
		t.Fatalf("report card header = %+v", rc.Header)
	}
	if got := fieldValue(rc, "客户"); len(got) != 2 || got[0] != "星河科技" || got[1] != "远航物流" {
		t.Errorf("report customers = %q", got)
	}

	// 4. 修改: the bot says how; the next message fixes the amount.
	code, toast := tm.press(t, report.ID, "followup.edit", rep.ID)
	if code != http.StatusOK || toast == "" {
		t.Fatalf("edit = %d %q", code, toast)
	}
	fixed := tm.say(t, chat, rep.ID, "第1条 金额 40万")
	if !strings.Contains(fixed.Text, "金额 50万 → 40万") {
		t.Errorf("edit reply = %q", fixed.Text)
	}
	waitFor(t, "the report card to show 40万", func() bool {
		got := fieldValue(cardOf(t, tm.message(t, chat, report.ID)), "金额")
		return len(got) == 2 && got[0] == "40万"
	})
	// A reply in the card's thread works without pressing 修改.
	threaded := tm.sayTo(t, chat, rep.ID, "第2条 联系人 李总", report.ID)
	if !strings.Contains(threaded.Text, "联系人 李经理 → 李总") {
		t.Errorf("thread edit reply = %q", threaded.Text)
	}

	// 5. The export shows exactly the live records.
	after := tm.export(t)
	if len(after) != len(before)+2 {
		t.Fatalf("export has %d rows, want %d (demo) + 2", len(after), len(before))
	}
	var mine []map[string]any
	for _, row := range after {
		if row["member"] == rep.Name && strings.HasPrefix(row["text"].(string), "今日汇报") {
			mine = append(mine, row)
		}
		if row["customer"] == "北斗导航" || strings.Contains(row["text"].(string), "北斗导航") {
			t.Errorf("export shows the undone follow-up: %v", row)
		}
	}
	if len(mine) != 2 || mine[0]["customer"] != "星河科技" || mine[0]["amount"] != 400000.0 || mine[1]["contact"] != "李总" {
		t.Errorf("exported report rows = %v", mine)
	}
	all := tm.export(t, "--all")
	if len(all) != len(after)+1 {
		t.Errorf("export --all has %d rows, want %d", len(all), len(after)+1)
	}
	undone := 0
	for _, row := range all {
		if row["status"] == domain.FollowUpUndone {
			undone++
		}
	}
	if undone != 1 {
		t.Errorf("export --all shows %d undone rows, want 1", undone)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestFollowUpDuplicates(t *testing.T) {
	tm := startMain(t, "", true)
	ctx := context.Background()
	rep := tm.member(t, "sales")
	chat := tm.teamChatOf(t, rep)
	count := func() int {
		fus, err := tm.Store.FollowUps(ctx, storage.FollowUpFilter{Tenant: tm.Tenant.ID, MemberID: rep.ID, Status: domain.FollowUpActive})
		if err != nil {
			t.Fatal(err)
		}
		return len(fus)
	}
	n0 := count()

	// The same platform event twice: one record (the inbox).
	ev := bot.Event{ID: "ev-dup-1", Kind: bot.KindMessage, Platform: bot.Console,
		Chat: bot.Chat{ID: chat, Type: bot.GroupChat}, Sender: bot.User{ID: rep.ID, Name: rep.Name},
		MessageID: "msg-dup-1", Text: "今天拜访了星河科技张总,报价50万", At: time.Now()}
	for i := range 2 {
		res, err := tm.Kernel.Deliver(ctx, ev)
		if err != nil {
			t.Fatal(err)
		}
		if res.Duplicate != (i == 1) {
			t.Errorf("delivery %d: Duplicate = %v", i+1, res.Duplicate)
		}
	}
	waitFor(t, "the follow-up to be logged", func() bool { return count() == n0+1 })

	// The same text again from the rep within ten minutes: not logged again.
	dup := tm.say(t, chat, rep.ID, "今天拜访了星河科技张总,报价50万")
	c := cardOf(t, dup)
	if c.Header.Title != "看起来是重复发送" || len(c.Elements) == 0 || !strings.Contains(c.Elements[0].Text, "分钟前的记录一样,看起来是重复发送") {
		t.Errorf("duplicate card = %+v", c)
	}
	if len(c.Actions) != 1 || c.Actions[0].ID != "followup.undo" {
		t.Errorf("duplicate card actions = %+v", c.Actions)
	}
	if n := count(); n != n0+1 {
		t.Errorf("%d follow-ups after the repeat, want %d", n, n0+1)
	}
	// Its 撤销 undoes the earlier record.
	if code, toast := tm.press(t, dup.ID, "followup.undo", rep.ID); code != http.StatusOK || toast != "已撤销" {
		t.Errorf("undo from the duplicate card = %d %q", code, toast)
	}
	if n := count(); n != n0 {
		t.Errorf("%d follow-ups after undo, want %d", n, n0)
	}
}

func TestFollowUpAskAndQuery(t *testing.T) {
	tm := startMain(t, "", true)
	ctx := context.Background()
	rep := tm.member(t, "sales")
	chat := tm.teamChatOf(t, rep)

	// No customer named: the bot asks, and the answer completes the record.
	// A customer name with SQL and HTML in it is stored as text.
	q := tm.say(t, chat, rep.ID, "今天拜访了张总,聊得不错,下周二再约")
	if c := cardOf(t, q); !strings.HasPrefix(c.Header.Title, "这条跟进是哪个客户的") {
		t.Fatalf("question card = %+v", c.Header)
	}
	evil := `<script>alert(1)</script>'); DROP TABLE customers;--`
	done := tm.say(t, chat, rep.ID, "新客户 "+evil)
	c := cardOf(t, done)
	if c.Header.Title != "已记录跟进" || fieldValue(c, "客户")[0] != evil+"(新客户)" {
		t.Errorf("answered card = %+v %q", c.Header, fieldValue(c, "客户"))
	}
	if got, err := tm.Store.CustomerByName(ctx, tm.Tenant.ID, evil); err != nil || got.Name != evil {
		t.Errorf("customer %q: %+v, %v", evil, got, err)
	}
	if cs, err := tm.Store.Customers(ctx, tm.Tenant.ID); err != nil || len(cs) < 30 {
		t.Errorf("customers after the evil name: %d, %v", len(cs), err)
	}

	// Several customers match a short name: buttons; picking one logs it.
	for _, name := range []string{"天宇科技", "天宇物流"} {
		if _, err := tm.Store.CreateCustomer(ctx, domain.Customer{TenantID: tm.Tenant.ID, Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	amb := tm.say(t, chat, rep.ID, "拜访了天宇的王总,报价20万")
	ac := cardOf(t, amb)
	if !strings.HasPrefix(ac.Header.Title, "这条跟进是哪个客户的") || len(ac.Actions) < 3 {
		t.Fatalf("ambiguous card = %+v", ac)
	}
	if code, toast := tm.press(t, amb.ID, ac.Actions[0].ID, rep.ID); code != http.StatusOK || toast != "已记录" {
		t.Fatalf("pick = %d %q", code, toast)
	}
	picked := tm.waitReply(t, chat, amb.ID)
	if pc := cardOf(t, picked); pc.Header.Title != "已记录跟进" || fieldValue(pc, "客户")[0] != ac.Actions[0].Label {
		t.Errorf("picked card = %+v %q", pc.Header, fieldValue(pc, "客户"))
	}

	// Queries list the rep's records, newest first.
	for _, text := range []string{"我今天的跟进", "最近跟进", "my follow-ups today"} {
		list := tm.say(t, chat, rep.ID, text)
		lc := cardOf(t, list)
		if len(lc.Elements) == 0 || !strings.Contains(lc.Elements[0].Text, "天宇") {
			t.Errorf("%q: list card = %+v", text, lc)
		}
	}
	sx := cardOf(t, tm.say(t, chat, rep.ID, "星河科技的跟进记录"))
	if sx.Header.Title != "星河科技的跟进记录" || len(sx.Elements) == 0 {
		t.Errorf("customer query card = %+v", sx)
	}
}

func TestFollowUpBadInput(t *testing.T) {
	tm := startMain(t, "", true)
	rep := tm.member(t, "sales")
	chat := tm.teamChatOf(t, rep)
	ctx := context.Background()
	count := func() int {
		fus, err := tm.Store.FollowUps(ctx, storage.FollowUpFilter{Tenant: tm.Tenant.ID, MemberID: rep.ID})
		if err != nil {
			t.Fatal(err)
		}
		return len(fus)
	}
	n0 := count()

	if code, body := tm.do(t, "POST", "/console/api/messages", map[string]string{"chat": chat, "member": rep.ID, "text": " \n\t "}); code != http.StatusBadRequest {
		t.Errorf("whitespace message: %d %s", code, body)
	}
	for _, tt := range []struct{ name, text, want string }{
		{"only emoji", "😀😀👍🎉", "没看懂"},
		{"another language", "Bonjour, je voudrais un rendez-vous", "did not understand"},
		{"another script", "こんにちは、よろしくお願いします", "没看懂"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if r := tm.say(t, chat, rep.ID, tt.text); !strings.Contains(r.Text, tt.want) {
				t.Errorf("%q answered %q, want %q", tt.text, r.Text, tt.want)
			}
		})
	}
	long := "今天拜访了星河科技张总,报价50万。" + strings.Repeat("聊了很多细节,", 1500)
	if n := len([]rune(long)); n < 10000 {
		t.Fatalf("long message has %d runes", n)
	}
	r := tm.say(t, chat, rep.ID, long)
	if c := cardOf(t, r); c.Header.Title != "已记录跟进" {
		t.Errorf("10,000-character message answered %+v", c.Header)
	}
	if n := count(); n != n0+1 {
		t.Errorf("%d follow-ups after the long message, want %d", n, n0+1)
	}

	// Editing a record that was undone: a clear refusal, whether the rep
	// pressed 修改 before undoing or replies to the undone card.
	if code, _ := tm.press(t, r.ID, "followup.edit", rep.ID); code != http.StatusOK {
		t.Fatalf("edit: %d", code)
	}
	if code, _ := tm.press(t, r.ID, "followup.undo", rep.ID); code != http.StatusOK {
		t.Fatalf("undo: %d", code)
	}
	if refused := tm.say(t, chat, rep.ID, "金额 40万"); !strings.Contains(refused.Text, "已经撤销") {
		t.Errorf("edit of an undone record answered %q", refused.Text)
	}
	if refused := tm.sayTo(t, chat, rep.ID, "金额 40万", r.ID); !strings.Contains(refused.Text, "已经撤销") {
		t.Errorf("edit replied to the undone card answered %q", refused.Text)
	}
}
