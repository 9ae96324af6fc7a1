package handlers

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/bot/bottest"
	"github.com/salesbot/salesbot/domain"
	"github.com/salesbot/salesbot/storage"
)

// The follow-up handlers run on a real SQLite store (their store interface
// is wide: customers, contacts, opportunities, rollups, audit, prompts), with
// a fixed clock, and each call in one transaction as the kernel makes it.

var shanghaiLoc = time.FixedZone("CST", 8*3600)

type fuEnv struct {
	t     *testing.T
	st    *storage.Store
	clock *bottest.Clock
	h     *FollowUps
	rep   bot.Member
	other bot.Member
	n     int
}

func newFUEnv(t *testing.T) *fuEnv {
	t.Helper()
	ctx := context.Background()
	st, err := storage.Open(ctx, "sqlite", filepath.Join(t.TempDir(), "h.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	tn, err := st.EnsureTenant(ctx, "测试公司", "Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	e := &fuEnv{t: t, st: st, clock: bottest.NewClock()}
	for _, name := range []string{"王小明", "李娜"} {
		m, err := st.CreateMember(ctx, domain.Member{TenantID: tn.ID, Name: name, Role: domain.RoleSales, TeamID: "team-1", Active: true})
		if err != nil {
			t.Fatal(err)
		}
		bm := bot.Member{ID: m.ID, Name: m.Name, Role: string(m.Role), TeamID: m.TeamID}
		if e.rep.ID == "" {
			e.rep = bm
		} else {
			e.other = bm
		}
	}
	for _, c := range []domain.Customer{
		{Name: "星河科技", Aliases: []string{"星河"}}, {Name: "远航物流", Aliases: []string{"远航"}},
		{Name: "天宇科技"}, {Name: "天宇物流"},
	} {
		c.TenantID = tn.ID
		if _, err := st.CreateCustomer(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	e.h = NewFollowUps(st, shanghaiLoc, e.clock.Now, nil)
	return e
}

func (e *fuEnv) tenant() string {
	tn, _ := e.st.DefaultTenant(context.Background())
	return tn.ID
}

// msg is a message of member in the team chat, at the clock's time.
func (e *fuEnv) msg(member bot.Member, text string) *bot.Message {
	e.n++
	id := "ev-" + string(rune('a'+e.n))
	return &bot.Message{Event: bot.Event{ID: id, Kind: bot.KindMessage, Platform: bot.Console,
		Chat: bot.Chat{ID: "team:1", Type: bot.GroupChat}, Sender: bot.User{ID: member.ID, Name: member.Name},
		MessageID: "om-" + id, Text: text, At: e.clock.Now()}, Tenant: e.tenant(), Member: member}
}

// press is member pressing a button of card (sent as message cardMsg).
func (e *fuEnv) press(member bot.Member, card *bot.Card, actionID, cardMsg string) *bot.Message {
	e.n++
	a, ok := card.FindAction(actionID)
	if !ok {
		e.t.Fatalf("card %q has no action %s", card.Header.Title, actionID)
	}
	return &bot.Message{Event: bot.Event{ID: "press-" + string(rune('a'+e.n)), Kind: bot.KindAction, Platform: bot.Console,
		Chat: bot.Chat{ID: "team:1", Type: bot.GroupChat}, Sender: bot.User{ID: member.ID},
		MessageID: cardMsg, Action: &bot.ActionEvent{ID: actionID, Ref: a.Ref}, At: e.clock.Now()},
		Tenant: e.tenant(), Member: member}
}

// call runs a handler in one transaction, as the kernel does.
func (e *fuEnv) call(h bot.HandlerFunc, m *bot.Message) (bot.Reply, error) {
	var r bot.Reply
	err := e.st.InTx(context.Background(), func(ctx context.Context) error {
		var err error
		r, err = h(ctx, m)
		return err
	})
	return r, err
}

func (e *fuEnv) must(h bot.HandlerFunc, m *bot.Message) bot.Reply {
	e.t.Helper()
	r, err := e.call(h, m)
	if err != nil {
		e.t.Fatalf("%q: %v", m.Text, err)
	}
	return r
}

func (e *fuEnv) stat() domain.DailyStat {
	stats, _ := e.st.DailyStats(context.Background(), e.tenant(), "2025-03-03", "2025-03-03")
	for _, s := range stats {
		if s.MemberID == e.rep.ID {
			return s
		}
	}
	return domain.DailyStat{}
}

func goldenCard(t *testing.T, name string, c *bot.Card) {
	t.Helper()
	if c == nil {
		t.Fatalf("%s: no card", name)
	}
	data, _ := json.MarshalIndent(c.WithoutRefs(), "", "  ")
	golden(t, name, append(data, '\n'))
}

func TestFollowUpLogNewCustomerAndUndo(t *testing.T) {
	e := newFUEnv(t)
	ctx := context.Background()
	r := e.must(e.h.Log, e.msg(e.rep, "今天拜访了新客户北斗导航的李经理,聊了方案,报价30万,下周三下午三点再约"))
	goldenCard(t, "followup_logged.golden.json", r.Card)
	cust, err := e.st.CustomerByName(ctx, e.tenant(), "北斗导航")
	if err != nil {
		t.Fatal(err)
	}
	opps, _ := e.st.Opportunities(ctx, e.tenant(), cust.ID)
	if len(opps) != 1 || opps[0].Stage != domain.StageProposal || opps[0].Amount != domain.Yuan(300000) || opps[0].OwnerID != e.rep.ID {
		t.Errorf("opportunity = %+v", opps)
	}
	if s := e.stat(); s.FollowUps != 1 || s.NewCustomers != 1 {
		t.Errorf("daily stat = %+v", s)
	}

	// Only the author may undo.
	_, err = e.call(e.h.Act, e.press(e.other, r.Card, actUndo, "card-1"))
	if domain.CodeOf(err) != domain.Forbidden {
		t.Errorf("undo by another member = %v, want forbidden", err)
	}
	u := e.must(e.h.Act, e.press(e.rep, r.Card, actUndo, "card-1"))
	if u.Toast != "已撤销" {
		t.Errorf("toast = %q", u.Toast)
	}
	goldenCard(t, "followup_undone.golden.json", u.UpdateCard)
	if _, err := e.st.CustomerByName(ctx, e.tenant(), "北斗导航"); !domain.IsNotFound(err) {
		t.Errorf("created customer after undo: %v", err)
	}
	if s := e.stat(); s.FollowUps != 0 || s.NewCustomers != 0 {
		t.Errorf("daily stat after undo = %+v", s)
	}
	// A second press changes nothing.
	again := e.must(e.h.Act, e.press(e.rep, r.Card, actUndo, "card-1"))
	if again.Toast != "已经撤销过了" {
		t.Errorf("second undo toast = %q", again.Toast)
	}
	if s := e.stat(); s.FollowUps != 0 {
		t.Errorf("daily stat after a second undo = %+v", s)
	}
}

func TestFollowUpUndoRestoresOpportunityAndSigned(t *testing.T) {
	e := newFUEnv(t)
	ctx := context.Background()
	e.must(e.h.Log, e.msg(e.rep, "今天拜访了星河科技张总,报价50万"))
	e.clock.Advance(time.Hour)
	won := e.must(e.h.Log, e.msg(e.rep, "星河科技签约了,合同额60万"))
	cust, _ := e.st.CustomerByName(ctx, e.tenant(), "星河科技")
	opps, _ := e.st.Opportunities(ctx, e.tenant(), cust.ID)
	if len(opps) != 1 || opps[0].Stage != domain.StageWon || opps[0].Amount != domain.Yuan(600000) {
		t.Fatalf("opportunity after won = %+v", opps)
	}
	if s := e.stat(); s.Signed != domain.Yuan(600000) || s.FollowUps != 2 {
		t.Errorf("daily stat = %+v", s)
	}
	e.must(e.h.Act, e.press(e.rep, won.Card, actUndo, "card-2"))
	opps, _ = e.st.Opportunities(ctx, e.tenant(), cust.ID)
	if len(opps) != 1 || opps[0].Stage != domain.StageProposal || opps[0].Amount != domain.Yuan(500000) {
		t.Errorf("opportunity after undo = %+v", opps)
	}
	if s := e.stat(); s.Signed != 0 || s.FollowUps != 1 {
		t.Errorf("daily stat after undo = %+v", s)
	}
	// A stage only moves forward unless won or lost is stated.
	e.clock.Advance(time.Hour)
	e.must(e.h.Log, e.msg(e.rep, "星河科技张总电话沟通,确认需求"))
	opps, _ = e.st.Opportunities(ctx, e.tenant(), cust.ID)
	if opps[0].Stage != domain.StageProposal {
		t.Errorf("stage moved back to %s", opps[0].Stage)
	}
}

func TestFollowUpUndoAfter24Hours(t *testing.T) {
	e := newFUEnv(t)
	r := e.must(e.h.Log, e.msg(e.rep, "今天拜访了星河科技张总"))
	e.clock.Advance(25 * time.Hour)
	_, err := e.call(e.h.Act, e.press(e.rep, r.Card, actUndo, "card-1"))
	if err == nil || !strings.Contains(err.Error(), "24 小时") {
		t.Errorf("late undo = %v", err)
	}
}

func TestFollowUpReportAndEdit(t *testing.T) {
	e := newFUEnv(t)
	ctx := context.Background()
	r := e.must(e.h.Log, e.msg(e.rep, "今日汇报:\n1. 拜访星河科技张总,报价50万\n2. 远航物流李经理电话沟通,谈判中,预计下周五签"))
	goldenCard(t, "followup_report.golden.json", r.Card)

	start := e.must(e.h.Act, e.press(e.rep, r.Card, actEdit, "card-r"))
	if !strings.Contains(start.Text, "金额 40万") || !strings.Contains(start.Text, "第2条") {
		t.Errorf("edit help = %q", start.Text)
	}
	// Not a correction: left to the other routes.
	if route := e.h.Route(ctx, e.msg(e.rep, "客户说下周再聊")); route == "followup.reply" {
		t.Errorf("a remark was read as a correction")
	}
	fix := e.msg(e.rep, "第1条 金额 40万")
	if route := e.h.Route(ctx, fix); route != "followup.reply" {
		t.Fatalf("route of a correction = %q", route)
	}
	done := e.must(e.h.Reply, fix)
	if done.Text != "已修改:金额 50万 → 40万" || len(done.Also) != 1 || done.Also[0].UpdateMessageID != "card-r" {
		t.Fatalf("edit reply = %+v", done)
	}
	goldenCard(t, "followup_edited.golden.json", done.Also[0].Card)
	cust, _ := e.st.CustomerByName(ctx, e.tenant(), "星河科技")
	if opps, _ := e.st.Opportunities(ctx, e.tenant(), cust.ID); len(opps) != 1 || opps[0].Amount != domain.Yuan(400000) {
		t.Errorf("opportunity after edit = %+v", opps)
	}
	// The prompt is used up; a reply in the card's thread still works.
	if route := e.h.Route(ctx, e.msg(e.rep, "第2条 下次 3月10日")); route == "followup.reply" {
		t.Errorf("the edit prompt answered twice")
	}
	thread := e.msg(e.rep, "第2条 下次 3月10日")
	thread.ThreadID, thread.ThreadCard = "card-r", r.Card
	if got := e.must(e.h.Reply, thread); got.Text != "已修改:下一步 3月14日 周五 → 3月10日 周一" {
		t.Errorf("thread edit = %q", got.Text)
	}
	yh, _ := e.st.CustomerByName(ctx, e.tenant(), "远航物流")
	if opps, _ := e.st.Opportunities(ctx, e.tenant(), yh.ID); len(opps) != 1 || opps[0].ExpectedClose.Format(time.DateOnly) != "2025-03-10" {
		t.Errorf("expected close after edit = %+v", opps)
	}
	// Moving a follow-up to another customer moves its opportunity change.
	move := e.msg(e.rep, "第1条 客户 新客户 北斗导航")
	move.ThreadID, move.ThreadCard = "card-r", r.Card
	if got := e.must(e.h.Reply, move); got.Text != "已修改:客户 → 北斗导航(新客户)" {
		t.Errorf("customer edit = %q", got.Text)
	}
	if opps, _ := e.st.Opportunities(ctx, e.tenant(), cust.ID); len(opps) != 0 {
		t.Errorf("the old customer keeps the moved opportunity: %+v", opps)
	}
	if s := e.stat(); s.FollowUps != 2 || s.NewCustomers != 1 {
		t.Errorf("daily stat after the move = %+v", s)
	}

	// Editing an undone record is refused.
	e.must(e.h.Act, e.press(e.rep, r.Card, actUndo, "card-r"))
	again := e.msg(e.rep, "第1条 金额 30万")
	again.ThreadID, again.ThreadCard = "card-r", r.Card
	if _, err := e.call(e.h.Reply, again); err == nil || !strings.Contains(err.Error(), "已经撤销") {
		t.Errorf("edit after undo = %v", err)
	}
	if s := e.stat(); s.FollowUps != 0 || s.NewCustomers != 0 {
		t.Errorf("daily stat after undoing the report = %+v", s)
	}
}

func TestFollowUpDuplicateText(t *testing.T) {
	e := newFUEnv(t)
	e.must(e.h.Log, e.msg(e.rep, "今天拜访了星河科技张总,报价50万"))
	e.clock.Advance(3 * time.Minute)
	r := e.must(e.h.Log, e.msg(e.rep, "今天拜访了星河科技张总,报价50万 "))
	goldenCard(t, "followup_duplicate.golden.json", r.Card)
	if s := e.stat(); s.FollowUps != 1 {
		t.Errorf("a repeat was counted: %+v", s)
	}
	// After ten minutes it is a new follow-up.
	e.clock.Advance(10 * time.Minute)
	if r := e.must(e.h.Log, e.msg(e.rep, "今天拜访了星河科技张总,报价50万")); r.Card.Header.Title != "已记录跟进" {
		t.Errorf("after the window: %q", r.Card.Header.Title)
	}
}

func TestFollowUpAsksForCustomer(t *testing.T) {
	e := newFUEnv(t)
	ctx := context.Background()
	q := e.must(e.h.Log, e.msg(e.rep, "今天拜访了张总,聊得不错"))
	goldenCard(t, "followup_ask.golden.json", q.Card)
	// A report of its own is not an answer.
	if route := e.h.Route(ctx, e.msg(e.rep, "远航物流李经理电话沟通,报价20万")); route == "followup.reply" {
		t.Errorf("a report was read as the answer")
	}
	ans := e.msg(e.rep, "是远航的")
	if route := e.h.Route(ctx, ans); route != "followup.reply" {
		t.Fatalf("route of the answer = %q", route)
	}
	r := e.must(e.h.Reply, ans)
	if r.Card == nil || cardFields(r.Card)[0].Value != "远航物流" {
		t.Errorf("answered card = %+v", r.Card)
	}

	// Several customers match: buttons; the pick logs it; only the rep may pick.
	amb := e.must(e.h.Log, e.msg(e.rep, "拜访了天宇的王总,报价20万"))
	goldenCard(t, "followup_pick.golden.json", amb.Card)
	if _, err := e.call(e.h.Act, e.press(e.other, amb.Card, actPick+".2", "card-q")); domain.CodeOf(err) != domain.Forbidden {
		t.Errorf("pick by another member = %v", err)
	}
	p := e.must(e.h.Act, e.press(e.rep, amb.Card, actPick+".2", "card-q"))
	if p.Card == nil || cardFields(p.Card)[0].Value != "天宇科技" || p.UpdateCard == nil || len(p.UpdateCard.Actions) != 0 {
		t.Errorf("pick reply = %+v", p)
	}
	again := e.must(e.h.Act, e.press(e.rep, amb.Card, actPick+".1", "card-q"))
	if again.Card != nil || !strings.Contains(again.Toast, "已经回答过") {
		t.Errorf("second pick = %+v", again)
	}
}

func TestFollowUpQueries(t *testing.T) {
	e := newFUEnv(t)
	ctx := context.Background()
	e.must(e.h.Log, e.msg(e.rep, "今天拜访了星河科技张总,报价50万,下周三再约"))
	e.clock.Advance(time.Hour)
	e.must(e.h.Log, e.msg(e.rep, "远航物流李经理微信沟通"))
	e.must(e.h.Log, e.msg(e.other, "星河科技王工电话沟通,演示下周二"))
	for text, golden := range map[string]string{
		"我今天的跟进":              "followup_query_today.golden.json",
		"星河科技的跟进记录":           "followup_query_customer.golden.json",
		"my follow-ups today": "followup_query_en.golden.json",
	} {
		m := e.msg(e.rep, text)
		if route := e.h.Route(ctx, m); route != "followup.query" {
			t.Errorf("route of %q = %q", text, route)
		}
		goldenCard(t, golden, e.must(e.h.Query, m).Card)
	}
	for _, text := range []string{"今天电话跟进了星河科技", "微信跟进", "今天天气不错"} {
		if route := e.h.Route(ctx, e.msg(e.rep, text)); route != "" {
			t.Errorf("route of %q = %q, want none", text, route)
		}
	}
}

func TestFollowUpBadInput(t *testing.T) {
	e := newFUEnv(t)
	for _, text := range []string{"", "  \n\t ", "😀😀👍", "Bonjour, je voudrais un rendez-vous"} {
		r := e.must(e.h.Log, e.msg(e.rep, text))
		if r.Text == "" || r.Card != nil {
			t.Errorf("%q answered %+v", text, r)
		}
	}
	if s := e.stat(); s.FollowUps != 0 {
		t.Errorf("bad input logged: %+v", s)
	}
	long := "今天拜访了星河科技张总,报价50万。" + strings.Repeat("聊了很多细节,", 1500)
	if r := e.must(e.h.Log, e.msg(e.rep, long)); r.Card == nil || r.Card.Header.Title != "已记录跟进" {
		t.Errorf("long message answered %+v", r)
	}
}

// cardFields returns the fields of a card's first fields element.
func cardFields(c *bot.Card) []bot.Field {
	for _, e := range c.Elements {
		if e.Kind == bot.ElemFields {
			return e.Fields
		}
	}
	return nil
}

// Correcting an old report after a later one moved the deal on (won) edits
// the record only: no second opportunity appears beside the won one.
func TestFollowUpEditAfterDealMovedOn(t *testing.T) {
	e := newFUEnv(t)
	ctx := context.Background()
	first := e.must(e.h.Log, e.msg(e.rep, "今天拜访了星河科技张总,报价50万"))
	e.clock.Advance(time.Hour)
	e.must(e.h.Log, e.msg(e.rep, "星河科技签约了"))
	fix := e.msg(e.rep, "金额 40万")
	fix.ThreadID, fix.ThreadCard = "card-1", first.Card
	e.must(e.h.Reply, fix)
	cust, _ := e.st.CustomerByName(ctx, e.tenant(), "星河科技")
	opps, _ := e.st.Opportunities(ctx, e.tenant(), cust.ID)
	if len(opps) != 1 || opps[0].Stage != domain.StageWon || opps[0].Amount != domain.Yuan(500000) {
		t.Errorf("opportunities after the late correction = %+v, want the one won deal unchanged", opps)
	}
	fus, _ := e.st.FollowUps(ctx, storage.FollowUpFilter{Tenant: e.tenant()})
	if len(fus) != 2 || fus[0].Amount != domain.Yuan(400000) {
		t.Errorf("the corrected record = %+v", fus)
	}
}

// Targets are in yuan: a deal won in dollars is recorded, not counted as yuan.
func TestFollowUpForeignCurrencyNotCountedAsYuan(t *testing.T) {
	e := newFUEnv(t)
	e.must(e.h.Log, e.msg(e.rep, "星河科技签约了,合同额5万美元"))
	if s := e.stat(); s.Signed != 0 || s.FollowUps != 1 {
		t.Errorf("daily stat = %+v, want the follow-up counted and no yuan signed", s)
	}
	cust, _ := e.st.CustomerByName(context.Background(), e.tenant(), "星河科技")
	opps, _ := e.st.Opportunities(context.Background(), e.tenant(), cust.ID)
	if len(opps) != 1 || opps[0].Currency != "USD" || opps[0].Amount != domain.Yuan(50000) {
		t.Errorf("opportunity = %+v, want 50000 USD", opps)
	}
}
