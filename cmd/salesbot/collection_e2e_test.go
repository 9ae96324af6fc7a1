package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"

	"strings"
	"testing"
	"time"

	"github.com/salesbot/salesbot/domain"
	"github.com/salesbot/salesbot/storage"
)

// flowCard is the part of a console card the flow tests read.
type flowCard struct {
	Header struct {
		Title    string `json:"title"`
		Subtitle string `json:"subtitle"`
	} `json:"header"`
	Actions []struct {
		ID    string `json:"id"`
		Label string `json:"label"`
	} `json:"actions"`
}

func flowCardOf(t *testing.T, m apiMessage) flowCard {
	t.Helper()
	var c flowCard
	if len(m.Card) == 0 || string(m.Card) == "null" {
		return c
	}
	if err := json.Unmarshal(m.Card, &c); err != nil {
		t.Fatalf("card %s: %v", m.Card, err)
	}
	return c
}

// actionID returns the id of the card's button with the label.
func actionID(t *testing.T, m apiMessage, label string) string {
	t.Helper()
	for _, a := range flowCardOf(t, m).Actions {
		if a.Label == label {
			return a.ID
		}
	}
	t.Fatalf("card %s has no %s button", m.Card, label)
	return ""
}

// waitMessage polls a chat until a message satisfies ok.
func (tm *testMain) waitMessage(t *testing.T, chat, what string, ok func(apiMessage) bool) apiMessage {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var msgs []apiMessage
		tm.get(t, "/console/api/messages?chat="+chat, &msgs)
		for i := len(msgs) - 1; i >= 0; i-- {
			if ok(msgs[i]) {
				return msgs[i]
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s: no such message in %s", what, chat)
	return apiMessage{}
}

// press presses a button as a member and returns the status and body.
func (tm *testMain) pressButton(t *testing.T, messageID, action, member string) (int, string) {
	t.Helper()
	code, body := tm.do(t, "POST", "/console/api/actions", map[string]string{"message_id": messageID, "action": action, "member": member})
	return code, string(body)
}

func (tm *testMain) memberNamed(t *testing.T, name string) apiMember {
	t.Helper()
	var ms []apiMember
	tm.get(t, "/console/api/members", &ms)
	for _, m := range ms {
		if m.Name == name {
			return m
		}
	}
	t.Fatalf("no member %s", name)
	return apiMember{}
}

// teamChat returns the console group chat of a member's team.
func (tm *testMain) teamChat(t *testing.T, m apiMember) string {
	t.Helper()
	var chats []apiChat
	tm.get(t, "/console/api/chats", &chats)
	for _, c := range chats {
		if c.Team == m.Team && c.Team != "" {
			return c.ID
		}
	}
	t.Fatalf("no team chat for %+v", m)
	return ""
}

// TestCollectionConfirmedByFinance is issue 6's "done when" for
// collections, through the console with the demo company: a rep reports a
// collection, a rep pressing 确认到账 is refused, finance confirms it,
// pressing again changes nothing, and the export shows it confirmed by that
// finance member.
func TestCollectionConfirmedByFinance(t *testing.T) {
	tm := startMain(t, "", true)
	rep := tm.member(t, "sales")
	chat := tm.teamChat(t, rep)
	fin := tm.memberNamed(t, "李娜")

	ack := tm.say(t, chat, rep.ID, "星河科技回款30万已到账")
	if c := flowCardOf(t, ack); !strings.Contains(c.Header.Title, "等待财务确认") || !strings.Contains(string(ack.Card), "财务群") {
		t.Fatalf("acknowledgement card = %s", ack.Card)
	}
	ask := tm.waitMessage(t, "finance", "confirmation card", func(m apiMessage) bool {
		return m.From.Bot && strings.Contains(string(m.Card), "回款待确认") && strings.Contains(string(m.Card), "星河科技")
	})
	confirm := actionID(t, ask, "确认到账")
	actionID(t, ask, "驳回")

	// A rep pressing 确认到账: refused with the reason, nothing changes.
	code, body := tm.pressButton(t, ask.ID, confirm, rep.ID)
	if code != http.StatusForbidden || !strings.Contains(body, "只有财务") {
		t.Fatalf("rep pressing 确认到账 = %d %s, want 403 with the reason", code, body)
	}
	if got := tm.collectionStatus(t, "星河科技"); got != domain.CollectionPending {
		t.Fatalf("after the rep's press the collection is %s", got)
	}

	code, body = tm.pressButton(t, ask.ID, confirm, fin.ID)
	if code != http.StatusOK || !strings.Contains(body, "已确认到账") {
		t.Fatalf("finance pressing 确认到账 = %d %s", code, body)
	}
	// The card shows the decision and who made it; the rep hears of it
	// in the thread of the report.
	tm.waitMessage(t, "finance", "decided card", func(m apiMessage) bool {
		return m.ID == ask.ID && strings.Contains(string(m.Card), "回款已确认到账") && strings.Contains(string(m.Card), fin.Name)
	})
	tm.waitMessage(t, chat, "rep told in thread", func(m apiMessage) bool {
		return m.From.Bot && m.ReplyTo == ack.ReplyTo && strings.Contains(m.Text, "已由财务 "+fin.Name+" 确认到账")
	})

	// Pressing again (the other finance member, on the same message)
	// changes nothing.
	other := tm.memberNamed(t, "陈会计")
	code, body = tm.pressButton(t, ask.ID, confirm, other.ID)
	if code == http.StatusOK && strings.Contains(body, "已确认到账 ") {
		t.Fatalf("a second press confirmed again: %s", body)
	}
	audits := tm.collectionAudits(t, "星河科技")
	if n := strings.Count(strings.Join(audits, ","), "collection.confirm"); n != 1 {
		t.Errorf("confirm audit rows = %d (%v), want exactly 1", n, audits)
	}

	// The export shows it confirmed, by that finance member.
	var out, errOut bytes.Buffer
	t.Setenv("SALESBOT_DATABASE_DSN", tm.dbPath)
	if code := run(context.Background(), []string{"export", "collections", "--format", "jsonl"}, nil, &out, &errOut); code != 0 {
		t.Fatalf("export: %d %s", code, errOut.String())
	}
	found := false
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var row map[string]any
		if err := json.Unmarshal([]byte(line), &row); err != nil {
			t.Fatalf("export line %q: %v", line, err)
		}
		if row["customer"] == "星河科技" && row["member"] == rep.Name && row["status"] == "confirmed" {
			found = true
			if row["confirmed_by"] != fin.Name || row["confirmed_at"] == nil || row["confirmed_amount"] == nil {
				t.Errorf("exported collection = %v", row)
			}
		}
	}
	if !found {
		t.Errorf("export has no confirmed 星河科技 collection by %s:\n%s", rep.Name, out.String())
	}
}

// newestCollection returns the newest collection from the customer
// reported in chat (not the demo's).
func (tm *testMain) newestCollection(t *testing.T, customer string) storage.CollectionView {
	t.Helper()
	cs, err := tm.Store.Collections(context.Background(), storage.CollectionFilter{Tenant: tm.Tenant.ID})
	if err != nil {
		t.Fatal(err)
	}
	for i := len(cs) - 1; i >= 0; i-- {
		if cs[i].CustomerName == customer && cs[i].SourceMessageID != "" {
			return cs[i]
		}
	}
	t.Fatalf("no collection from %s reported in chat", customer)
	return storage.CollectionView{}
}

func (tm *testMain) collectionStatus(t *testing.T, customer string) string {
	t.Helper()
	return tm.newestCollection(t, customer).Status
}

func (tm *testMain) collectionAudits(t *testing.T, customer string) []string {
	t.Helper()
	entries, err := tm.Store.AuditEntries(context.Background(), tm.Tenant.ID, "collection", tm.newestCollection(t, customer).ID)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action)
	}
	return actions
}

// TestCollectionBadInput: amounts that are not positive, and a reason-less
// 驳回, change nothing.
func TestCollectionBadInput(t *testing.T) {
	tm := startMain(t, "", true)
	rep := tm.member(t, "sales")
	chat := tm.teamChat(t, rep)
	for _, text := range []string{"/回款 星河科技 0", "星河科技回款-5万已到账"} {
		r := tm.say(t, chat, rep.ID, text)
		if !strings.Contains(r.Text, "大于 0") {
			t.Errorf("%q answered %q, want a refusal of the amount", text, r.Text)
		}
	}
	r := tm.say(t, chat, rep.ID, "/回款 星河科技")
	if !strings.Contains(r.Text, "多少") {
		t.Errorf("a collection without an amount answered %q, want the question", r.Text)
	}
	r = tm.say(t, chat, rep.ID, "25万")
	if !strings.Contains(string(r.Card), "等待财务确认") || !strings.Contains(string(r.Card), "25万") {
		t.Errorf("the amount answered %s %q", r.Card, r.Text)
	}

	fin := tm.memberNamed(t, "陈会计")
	ask := tm.waitMessage(t, "finance", "confirmation card", func(m apiMessage) bool {
		return m.From.Bot && strings.Contains(string(m.Card), "回款待确认") && strings.Contains(string(m.Card), "25万")
	})
	code, body := tm.pressButton(t, ask.ID, actionID(t, ask, "驳回"), fin.ID)
	if code != http.StatusOK || !strings.Contains(body, "原因") {
		t.Fatalf("驳回 = %d %s", code, body)
	}
	if got := tm.collectionStatus(t, "星河科技"); got != domain.CollectionPending {
		t.Fatalf("驳回 without a reason applied: %s", got)
	}
	// Taking the 驳回 back leaves the collection pending.
	if r := tm.say(t, "finance", fin.ID, "点错了"); !strings.Contains(r.Text, "不驳回") {
		t.Errorf("cancelling the 驳回 answered %q", r.Text)
	}
	if got := tm.collectionStatus(t, "星河科技"); got != domain.CollectionPending {
		t.Fatalf("a cancelled 驳回 applied: %s", got)
	}
	code, body = tm.pressButton(t, ask.ID, actionID(t, ask, "驳回"), fin.ID)
	if code != http.StatusOK || !strings.Contains(body, "原因") {
		t.Fatalf("second 驳回 = %d %s", code, body)
	}
	why := tm.say(t, "finance", fin.ID, "银行流水里没有这笔")
	if !strings.Contains(why.Text, "已驳回") {
		t.Fatalf("the reason answered %q", why.Text)
	}
	if got := tm.collectionStatus(t, "星河科技"); got != domain.CollectionRejected {
		t.Errorf("after the reason the collection is %s", got)
	}
	tm.waitMessage(t, chat, "rep told of the rejection", func(m apiMessage) bool {
		return m.From.Bot && strings.Contains(m.Text, "驳回:银行流水里没有这笔")
	})
	// The card was updated in place; a late press finds it decided.
	tm.waitMessage(t, "finance", "rejected card", func(m apiMessage) bool {
		return m.ID == ask.ID && strings.Contains(string(m.Card), "回款已驳回")
	})
}
