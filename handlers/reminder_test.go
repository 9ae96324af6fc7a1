package handlers

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/domain"
)

// reminderFake is a working in-memory ReminderStore and Sender.
type reminderFake struct {
	steps  []domain.FollowUpView
	silent []domain.Member
	stale  []domain.OpportunityView
	from   time.Time
	sent   []bot.Outgoing
}

func (f *reminderFake) NextSteps(ctx context.Context, tenant string, from, to time.Time) ([]domain.FollowUpView, error) {
	f.from = from
	var out []domain.FollowUpView
	for _, s := range f.steps {
		if !s.NextAt.Before(from) && s.NextAt.Before(to) {
			out = append(out, s)
		}
	}
	return out, nil
}

func (f *reminderFake) SilentReps(ctx context.Context, tenant, day string) ([]domain.Member, error) {
	return f.silent, nil
}

func (f *reminderFake) StaleOpportunities(ctx context.Context, tenant string, before time.Time) ([]domain.OpportunityView, error) {
	var out []domain.OpportunityView
	for _, o := range f.stale {
		if o.LastFollowUpAt.Before(before) {
			out = append(out, o)
		}
	}
	return out, nil
}

func (f *reminderFake) Enqueue(ctx context.Context, tenant string, outs ...bot.Outgoing) error {
	f.sent = append(f.sent, outs...)
	return nil
}

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

func TestNextStepReminders(t *testing.T) {
	day := time.Date(2026, 12, 2, 0, 0, 0, 0, shanghai)
	f := &reminderFake{steps: []domain.FollowUpView{
		{FollowUp: domain.FollowUp{MemberID: "m1", NextAt: day.Add(15 * time.Hour), NextHasTime: true,
			Text: "今天拜访了星河科技张总,报价50万,下周三下午三点再约"}, CustomerName: "星河科技", ContactName: "张总"},
		{FollowUp: domain.FollowUp{MemberID: "m2", NextAt: day, Text: "远航物流电话沟通,周三再打"}, CustomerName: "远航物流"},
		{FollowUp: domain.FollowUp{MemberID: "m1", NextAt: day, Text: "华辰制造微信跟进"}, CustomerName: "华辰制造"},
		{FollowUp: domain.FollowUp{MemberID: "m3", NextAt: day.AddDate(0, 0, 1), Text: "明天的事"}, CustomerName: "云启数据"},
	}}
	r := &Reminders{Store: f, Out: f, Tenant: "t", Loc: shanghai, StaleDays: 14}
	if err := r.NextSteps(context.Background(), "2026-12-02"); err != nil {
		t.Fatal(err)
	}
	if !f.from.Equal(day) {
		t.Errorf("asked for steps from %v, want local midnight %v", f.from, day)
	}
	if len(f.sent) != 2 || f.sent[0].To.MemberID != "m1" || f.sent[1].To.MemberID != "m2" {
		t.Fatalf("sent %+v, want one private card to m1 and one to m2", f.sent)
	}
	data, _ := json.MarshalIndent(f.sent[0].Card, "", "  ")
	golden(t, "reminder_next_steps.golden.json", append(data, '\n'))
	if !strings.Contains(string(data), "15:00") || !strings.Contains(string(data), "12月2日 周三") {
		t.Errorf("card lacks the time or the day:\n%s", data)
	}
	if err := r.NextSteps(context.Background(), "2026-13-45"); err == nil {
		t.Error("a bad slot must be an error")
	}
}

func TestDailyNudgeIsPrivate(t *testing.T) {
	f := &reminderFake{silent: []domain.Member{{ID: "m2", Name: "赵婷"}, {ID: "m5", Name: "钱进"}}}
	r := &Reminders{Store: f, Out: f, Tenant: "t", Loc: shanghai}
	if err := r.DailyNudge(context.Background(), "2026-12-02"); err != nil {
		t.Fatal(err)
	}
	if len(f.sent) != 2 {
		t.Fatalf("sent %d nudges, want 2", len(f.sent))
	}
	for _, o := range f.sent {
		if o.To.MemberID == "" || o.To.ChatID != "" || len(o.Mentions) > 0 {
			t.Errorf("nudge %+v is not a private message", o)
		}
	}
	if !strings.HasPrefix(f.sent[0].Text, "赵婷,今天还没有记录跟进") {
		t.Errorf("nudge text = %q", f.sent[0].Text)
	}
	f.silent, f.sent = nil, nil
	if err := r.DailyNudge(context.Background(), "2026-12-02"); err != nil || len(f.sent) != 0 {
		t.Errorf("with everyone reporting: %v, %d sent", err, len(f.sent))
	}
}

func TestStaleDeals(t *testing.T) {
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, shanghai)
	f := &reminderFake{stale: []domain.OpportunityView{
		{Opportunity: domain.Opportunity{OwnerID: "m1", Stage: domain.StageProposal, Amount: domain.Yuan(500000),
			LastFollowUpAt: now.AddDate(0, 0, -20)}, CustomerName: "星河科技"},
		{Opportunity: domain.Opportunity{OwnerID: "m1", Stage: domain.StageNegotiation,
			LastFollowUpAt: now.AddDate(0, 0, -3)}, CustomerName: "远航物流"},
	}}
	r := &Reminders{Store: f, Out: f, Tenant: "t", Loc: shanghai, StaleDays: 14}
	if err := r.StaleDeals(context.Background(), now); err != nil {
		t.Fatal(err)
	}
	if len(f.sent) != 1 || f.sent[0].To.MemberID != "m1" {
		t.Fatalf("sent %+v", f.sent)
	}
	data, _ := json.MarshalIndent(f.sent[0].Card, "", "  ")
	golden(t, "reminder_stale.golden.json", append(data, '\n'))
	if !strings.Contains(string(data), "20 天未跟进") || strings.Contains(string(data), "远航物流") {
		t.Errorf("stale card:\n%s", data)
	}
}
