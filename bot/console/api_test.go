package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/salesbot/salesbot/bot"
)

func TestMembers(t *testing.T) {
	e := newTestEnv(t)
	r := e.do(t, "GET", "/console/api/members", "")
	if r.status != http.StatusOK {
		t.Fatalf("status %d", r.status)
	}
	got := decodeInto[[]map[string]string](t, r)
	want := map[string]string{"id": "m-zhang", "name": "张三", "role": "sales", "team": "华东一组"}
	if len(got) != 4 || !reflect.DeepEqual(got[0], want) {
		t.Errorf("members = %v, want 4 starting with %v", got, want)
	}
}

func TestChats(t *testing.T) {
	e := newTestEnv(t)
	r := e.do(t, "GET", "/console/api/chats", "")
	if r.status != http.StatusOK {
		t.Fatalf("status %d", r.status)
	}
	got := decodeInto[[]map[string]string](t, r)
	want := []map[string]string{
		{"id": "g-east", "name": "华东一组", "team": "华东一组", "kind": "group"},
		{"id": "g-south", "name": "华南组", "team": "华南组", "kind": "group"},
		{"id": "dm:m-zhang", "name": "张三 · 与机器人私聊", "team": "", "kind": "direct"},
		{"id": "dm:m-li", "name": "李四 · 与机器人私聊", "team": "", "kind": "direct"},
		{"id": "dm:m-wang", "name": "王五 · 与机器人私聊", "team": "", "kind": "direct"},
		{"id": "dm:m-zsf", "name": "张三丰 · 与机器人私聊", "team": "", "kind": "direct"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("chats =\n%v\nwant\n%v", got, want)
	}
}

func TestPostMessageDeliversEvent(t *testing.T) {
	e := newTestEnv(t)
	r := e.do(t, "POST", "/console/api/messages", `{"chat":"g-east","member":"m-zhang","text":"  今天拜访了星河科技张总 @李四 @张三丰 看下  "}`)
	if r.status != http.StatusAccepted {
		t.Fatalf("status %d %s", r.status, r.body)
	}
	ack := decodeInto[map[string]string](t, r)
	if ack["event_id"] == "" || ack["message_id"] == "" || ack["event_id"] == ack["message_id"] {
		t.Fatalf("ack = %v, want distinct event and message ids", ack)
	}

	evs := e.sink.recorded()
	if len(evs) != 1 {
		t.Fatalf("delivered %d events, want 1", len(evs))
	}
	want := bot.Event{
		ID:        ack["event_id"],
		Kind:      bot.KindMessage,
		Platform:  bot.Console,
		Chat:      bot.Chat{ID: "g-east", Type: bot.GroupChat, Name: "华东一组"},
		Sender:    bot.User{ID: "m-zhang", Name: "张三"},
		MessageID: ack["message_id"],
		Text:      "今天拜访了星河科技张总 @李四 @张三丰 看下",
		Mentions:  []bot.Mention{{UserID: "m-li", Name: "李四"}, {UserID: "m-zsf", Name: "张三丰"}},
		At:        fixedNow,
	}
	if !reflect.DeepEqual(evs[0], want) {
		t.Errorf("event =\n%+v\nwant\n%+v", evs[0], want)
	}

	msgs, _ := e.list(t, "g-east", "")
	if len(msgs) != 2 {
		t.Fatalf("got %d messages, want the member's and the bot's", len(msgs))
	}
	user, reply := msgs[0], msgs[1]
	if user.ID != ack["message_id"] || user.From.ID != "m-zhang" || user.From.Name != "张三" || user.From.Bot ||
		user.Text != want.Text || string(user.Card) != "null" || user.ReplyTo != "" || !user.At.Equal(fixedNow) {
		t.Errorf("member's message = %+v", user)
	}
	if !reply.From.Bot || reply.From.ID != "bot" || reply.From.Name != "销售助手" || reply.ReplyTo != user.ID || reply.Chat != "g-east" {
		t.Errorf("bot's message = %+v", reply)
	}
	if reply.ID <= user.ID {
		t.Errorf("ids not in order: %s then %s", user.ID, reply.ID)
	}
	card := reply.card(t)
	if card.Header.Title != "已记录跟进" || len(card.Actions) != 2 || card.Actions[0].Confirm == nil {
		t.Errorf("card = %+v", card)
	}
	for _, a := range card.Actions {
		if a.Ref != "" {
			t.Errorf("action %s shows its ref", a.ID)
		}
	}
	// The stored card keeps its references for the server.
	if m, _ := e.a.hist.lookup(reply.ID); m.Card.Actions[0].Ref != secretRef {
		t.Errorf("stored ref = %q", m.Card.Actions[0].Ref)
	}
	// The raw JSON has the contract's shape.
	var raw []map[string]json.RawMessage
	_, r = e.list(t, "g-east", "")
	if err := json.Unmarshal(r.body, &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "chat", "from", "text", "card", "reply_to", "at"} {
		if _, ok := raw[1][k]; !ok {
			t.Errorf("message lacks %q: %s", k, r.body)
		}
	}
	if !strings.Contains(string(raw[1]["card"]), `"actions":[{"id":"followup.undo","label":"撤销","style":"danger","confirm":`) {
		t.Errorf("card JSON = %s", raw[1]["card"])
	}
}

func TestPostMessageRejects(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		status int
	}{
		{"malformed JSON", `{"chat":"g-east",`, http.StatusBadRequest},
		{"not an object", `"hello"`, http.StatusBadRequest},
		{"two values", `{"chat":"g-east","member":"m-zhang","text":"a"}{}`, http.StatusBadRequest},
		{"empty text", `{"chat":"g-east","member":"m-zhang","text":" \n "}`, http.StatusBadRequest},
		{"no chat", `{"member":"m-zhang","text":"hi"}`, http.StatusBadRequest},
		{"no member", `{"chat":"g-east","text":"hi"}`, http.StatusBadRequest},
		{"unknown member", `{"chat":"g-east","member":"m-nobody","text":"hi"}`, http.StatusNotFound},
		{"unknown chat", `{"chat":"g-west","member":"m-zhang","text":"hi"}`, http.StatusNotFound},
		{"dm of unknown member", `{"chat":"dm:m-nobody","member":"m-zhang","text":"hi"}`, http.StatusNotFound},
		{"another member's dm", `{"chat":"dm:m-li","member":"m-zhang","text":"hi"}`, http.StatusForbidden},
		{"body over 1 MiB", `{"chat":"g-east","member":"m-zhang","text":"` + strings.Repeat("长", maxBody/3+1) + `"}`, http.StatusRequestEntityTooLarge},
		{"padding over 1 MiB", `{"chat":"g-east","member":"m-zhang","text":"hi"}` + strings.Repeat(" ", maxBody), http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t)
			r := e.do(t, "POST", "/console/api/messages", tt.body)
			if r.status != tt.status {
				t.Fatalf("status %d %s, want %d", r.status, r.body, tt.status)
			}
			if msg := decodeInto[map[string]string](t, r)["error"]; msg == "" {
				t.Errorf("no error text: %s", r.body)
			}
			if n := len(e.sink.recorded()); n != 0 {
				t.Errorf("delivered %d events for a rejected message", n)
			}
			if msgs, _ := e.list(t, "g-east", ""); len(msgs) != 0 {
				t.Errorf("rejected message stored: %+v", msgs)
			}
		})
	}
}

func TestPostMessageOwnDM(t *testing.T) {
	e := newTestEnv(t)
	id := e.say(t, "dm:m-li", "m-li", "本月进度")
	ev := e.sink.recorded()[0]
	if ev.Chat != (bot.Chat{ID: "dm:m-li", Type: bot.DirectChat, Name: "李四 · 与机器人私聊"}) {
		t.Errorf("chat = %+v", ev.Chat)
	}
	msgs, _ := e.list(t, "dm:m-li", "")
	if len(msgs) != 2 || msgs[0].ID != id || msgs[1].ReplyTo != id {
		t.Errorf("dm = %+v", msgs)
	}
}

func TestPostMessageUndeliverable(t *testing.T) {
	e := newTestEnv(t)
	e.sink.setFail(errors.New("database is down"))
	r := e.do(t, "POST", "/console/api/messages", `{"chat":"g-east","member":"m-zhang","text":"回款10万"}`)
	if r.status != http.StatusServiceUnavailable {
		t.Fatalf("status %d %s, want 503", r.status, r.body)
	}
	if decodeInto[map[string]string](t, r)["error"] == "" {
		t.Errorf("no error text")
	}
	if strings.Contains(string(r.body), "database") {
		t.Errorf("internal error shown to the client: %s", r.body)
	}
	msgs, _ := e.list(t, "g-east", "")
	if len(msgs) != 0 {
		t.Errorf("an unacknowledged message is shown: %+v", msgs)
	}
	ev := e.sink.recorded()[0]
	if _, ok := e.a.hist.lookup(ev.MessageID); ok {
		t.Errorf("an unacknowledged message is stored")
	}

	e.sink.setFail(nil)
	e.say(t, "g-east", "m-zhang", "回款10万")
	if msgs, _ := e.list(t, "g-east", ""); len(msgs) != 2 {
		t.Errorf("after recovery got %d messages, want 2", len(msgs))
	}
}

// botCard posts a message and returns the bot's card reply.
func botCard(t *testing.T, e *testEnv, chat, member string) apiMessage {
	t.Helper()
	id := e.say(t, chat, member, "今天拜访了星河科技张总")
	msgs, _ := e.list(t, chat, "&after="+id)
	if len(msgs) != 1 || !msgs[0].From.Bot {
		t.Fatalf("no bot reply: %+v", msgs)
	}
	return msgs[0]
}

func action(messageID, act, member string) string {
	b, _ := json.Marshal(map[string]string{"message_id": messageID, "action": act, "member": member})
	return string(b)
}

func TestActionUpdatesCardInPlace(t *testing.T) {
	e := newTestEnv(t)
	reply := botCard(t, e, "g-east", "m-zhang")
	_, r := e.list(t, "g-east", "&since_rev=0")
	revBefore, err := strconv.ParseInt(r.header.Get("X-Console-Rev"), 10, 64)
	if err != nil || revBefore < reply.Rev {
		t.Fatalf("X-Console-Rev = %q, message rev %d", r.header.Get("X-Console-Rev"), reply.Rev)
	}

	r = e.do(t, "POST", "/console/api/actions", action(reply.ID, "followup.undo", "m-li"))
	if r.status != http.StatusOK {
		t.Fatalf("status %d %s", r.status, r.body)
	}
	if got := decodeInto[map[string]string](t, r); got["toast"] != "已撤销" {
		t.Errorf("answer = %v", got)
	}
	evs := e.sink.recorded()
	ev := evs[len(evs)-1]
	want := bot.Event{
		ID:        ev.ID,
		Kind:      bot.KindAction,
		Platform:  bot.Console,
		Chat:      bot.Chat{ID: "g-east", Type: bot.GroupChat, Name: "华东一组"},
		Sender:    bot.User{ID: "m-li", Name: "李四"},
		MessageID: reply.ID,
		Action:    &bot.ActionEvent{ID: "followup.undo"},
		At:        fixedNow,
	}
	if ev.ID == "" || !reflect.DeepEqual(ev, want) {
		t.Errorf("event =\n%+v\nwant\n%+v", ev, want)
	}

	// Only the changed message comes back since the earlier revision, with
	// the same id and the new card.
	changed, r := e.list(t, "g-east", "&since_rev="+strconv.FormatInt(revBefore, 10))
	if len(changed) != 1 || changed[0].ID != reply.ID {
		t.Fatalf("since_rev = %+v, want the updated card only", changed)
	}
	if c := changed[0].card(t); c.Header.Title != "已撤销跟进" || c.Actions[0].ID != "followup.redo" {
		t.Errorf("updated card = %+v", c)
	}
	revAfter, _ := strconv.ParseInt(r.header.Get("X-Console-Rev"), 10, 64)
	if changed[0].Rev <= revBefore || revAfter != changed[0].Rev {
		t.Errorf("revs: before %d, message %d, header %d", revBefore, changed[0].Rev, revAfter)
	}
	// Still two messages: updated, not appended.
	if all, _ := e.list(t, "g-east", ""); len(all) != 2 {
		t.Errorf("got %d messages after the update, want 2", len(all))
	}
	if again, _ := e.list(t, "g-east", "&since_rev="+strconv.FormatInt(revAfter, 10)); len(again) != 0 {
		t.Errorf("nothing changed, yet got %+v", again)
	}

	// The old card's button is gone.
	r = e.do(t, "POST", "/console/api/actions", action(reply.ID, "followup.undo", "m-li"))
	if r.status != http.StatusNotFound || decodeInto[map[string]string](t, r)["error"] != "no such button" {
		t.Errorf("pressing a replaced button: %d %s", r.status, r.body)
	}
}

func TestActionRejects(t *testing.T) {
	e := newTestEnv(t)
	reply := botCard(t, e, "g-east", "m-zhang")
	dm := botCard(t, e, "dm:m-zhang", "m-zhang")
	userMsg := e.say(t, "g-east", "m-zhang", "hello")
	tests := []struct {
		name   string
		body   string
		status int
		errMsg string
	}{
		{"malformed", `{"message_id":`, http.StatusBadRequest, ""},
		{"no action", action(reply.ID, "", "m-li"), http.StatusBadRequest, ""},
		{"no message", action("", "followup.undo", "m-li"), http.StatusBadRequest, ""},
		{"no member", action(reply.ID, "followup.undo", ""), http.StatusBadRequest, ""},
		{"unknown message", action("0190f0c4-0000-7000-8000-000000000000", "followup.undo", "m-li"), http.StatusNotFound, ""},
		{"unknown member", action(reply.ID, "followup.undo", "m-nobody"), http.StatusNotFound, ""},
		{"made-up button", action(reply.ID, "followup.delete_all", "m-li"), http.StatusNotFound, "no such button"},
		{"message without card", action(userMsg, "followup.undo", "m-li"), http.StatusNotFound, "no such button"},
		{"denied by the bot", action(reply.ID, "followup.undo", deniedMember), http.StatusForbidden, "只有记录人或其经理可以撤销"},
		{"another member's dm", action(dm.ID, "followup.undo", "m-li"), http.StatusForbidden, ""},
		{"body over 1 MiB", action(reply.ID, strings.Repeat("x", maxBody), "m-li"), http.StatusRequestEntityTooLarge, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(t, "POST", "/console/api/actions", tt.body)
			if r.status != tt.status {
				t.Fatalf("status %d %s, want %d", r.status, r.body, tt.status)
			}
			msg := decodeInto[map[string]string](t, r)["error"]
			if msg == "" || tt.errMsg != "" && msg != tt.errMsg {
				t.Errorf("error = %q, want %q", msg, tt.errMsg)
			}
		})
	}
	// A refusal leaves the card as it was.
	if m, _ := e.a.hist.lookup(reply.ID); m.Card.Header.Title != "已记录跟进" {
		t.Errorf("card changed after refusals: %+v", m.Card.Header)
	}
}

func TestActionUndeliverable(t *testing.T) {
	e := newTestEnv(t)
	reply := botCard(t, e, "g-east", "m-zhang")
	e.sink.setFail(errors.New("database is down"))
	r := e.do(t, "POST", "/console/api/actions", action(reply.ID, "followup.undo", "m-li"))
	if r.status != http.StatusServiceUnavailable || decodeInto[map[string]string](t, r)["error"] == "" {
		t.Errorf("status %d %s, want 503 with an error", r.status, r.body)
	}
}

func TestListMessagesRejects(t *testing.T) {
	e := newTestEnv(t)
	tests := []struct {
		name, query string
		status      int
	}{
		{"no chat", "", http.StatusBadRequest},
		{"unknown chat", "?chat=g-west", http.StatusNotFound},
		{"dm of unknown member", "?chat=dm:m-nobody", http.StatusNotFound},
		{"bad wait", "?chat=g-east&wait=soon", http.StatusBadRequest},
		{"negative wait", "?chat=g-east&wait=-1", http.StatusBadRequest},
		{"bad since_rev", "?chat=g-east&since_rev=x", http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(t, "GET", "/console/api/messages"+tt.query, "")
			if r.status != tt.status || decodeInto[map[string]string](t, r)["error"] == "" {
				t.Errorf("status %d %s, want %d with an error", r.status, r.body, tt.status)
			}
		})
	}
}

func TestListMessagesAfter(t *testing.T) {
	e := newTestEnv(t)
	first := e.say(t, "g-east", "m-zhang", "一")
	second := e.say(t, "g-east", "m-li", "二")
	msgs, _ := e.list(t, "g-east", "")
	if len(msgs) != 4 {
		t.Fatalf("got %d messages, want 4", len(msgs))
	}
	if !slices.IsSortedFunc(msgs, func(a, b apiMessage) int { return strings.Compare(a.ID, b.ID) }) {
		t.Errorf("messages not in id order")
	}
	after, _ := e.list(t, "g-east", "&after="+first)
	if len(after) != 3 || after[1].ID != second {
		t.Errorf("after first = %+v", after)
	}
	// An id from before a restart (or evicted) still works: ids are ordered.
	old, _ := e.list(t, "g-east", "&after=00000000-0000-7000-8000-000000000000")
	if len(old) != 4 {
		t.Errorf("after an old id got %d, want 4", len(old))
	}
	// The other chat is untouched.
	if south, _ := e.list(t, "g-south", ""); len(south) != 0 {
		t.Errorf("g-south = %+v", south)
	}
}

// startPoll lists the chat in the background; the returned channel gets the
// answer. waiting is closed once the poll waits for news.
func (e *testEnv) startPoll(t *testing.T, query string) (answer <-chan []apiMessage, waiting <-chan struct{}) {
	t.Helper()
	w := make(chan struct{})
	var once sync.Once
	e.a.hist.onWait = func() { once.Do(func() { close(w) }) }
	out := make(chan []apiMessage, 1)
	go func() {
		res, err := e.srv.Client().Get(e.srv.URL + "/console/api/messages?" + query)
		if err != nil {
			t.Errorf("poll: %v", err)
			out <- nil
			return
		}
		defer res.Body.Close()
		var msgs []apiMessage
		if err := json.NewDecoder(res.Body).Decode(&msgs); err != nil {
			t.Errorf("poll: %v", err)
		}
		out <- msgs
	}()
	return out, w
}

// within fails the test unless ch yields before the deadline.
func within[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

func TestLongPollWakesOnNewMessage(t *testing.T) {
	e := newTestEnv(t)
	answer, waiting := e.startPoll(t, "chat=dm:m-zhang&wait=30")
	within(t, waiting, "the poll to wait")
	id, err := e.a.Send(context.Background(), bot.Outgoing{To: bot.Target{UserID: "m-zhang"}, Text: "早上好,今天有 3 个待跟进客户"})
	if err != nil {
		t.Fatal(err)
	}
	msgs := within(t, answer, "the poll to answer")
	if len(msgs) != 1 || msgs[0].ID != id || msgs[0].Chat != "dm:m-zhang" || !msgs[0].From.Bot {
		t.Errorf("poll answered %+v", msgs)
	}
}

func TestLongPollIgnoresOtherChats(t *testing.T) {
	e := newTestEnv(t)
	first := e.say(t, "g-east", "m-zhang", "一")
	last, _, _ := e.a.hist.find(query{Chat: "g-east", SinceRev: -1})
	answer, waiting := e.startPoll(t, "chat=g-east&after="+last[len(last)-1].ID+"&wait=30")
	within(t, waiting, "the poll to wait")
	e.say(t, "g-south", "m-zsf", "别的群") // wakes the poll, which waits on
	e.say(t, "g-east", "m-li", "二")
	msgs := within(t, answer, "the poll to answer")
	if len(msgs) == 0 || msgs[0].Text != "二" || msgs[0].ID <= first {
		t.Errorf("poll answered %+v", msgs)
	}
}

func TestLongPollSeesCardUpdate(t *testing.T) {
	e := newTestEnv(t)
	reply := botCard(t, e, "g-east", "m-zhang")
	_, r := e.list(t, "g-east", "&since_rev=0")
	answer, waiting := e.startPoll(t, "chat=g-east&since_rev="+r.header.Get("X-Console-Rev")+"&wait=30")
	within(t, waiting, "the poll to wait")
	id, err := e.a.Send(context.Background(), bot.Outgoing{UpdateMessageID: reply.ID, Card: undoneCard(), Text: "已处理"})
	if err != nil || id != reply.ID {
		t.Fatalf("update = %q, %v", id, err)
	}
	msgs := within(t, answer, "the poll to answer")
	if len(msgs) != 1 || msgs[0].ID != reply.ID || msgs[0].Text != "已处理" || msgs[0].card(t).Header.Title != "已撤销跟进" {
		t.Errorf("poll answered %+v", msgs)
	}
}

func TestLongPollTimesOut(t *testing.T) {
	e := newTestEnv(t)
	start := time.Now()
	msgs, r := e.list(t, "g-east", "&wait=0.05")
	if len(msgs) != 0 || string(r.body) != "[]\n" {
		t.Errorf("empty chat answered %s", r.body)
	}
	if time.Since(start) < 50*time.Millisecond {
		t.Errorf("answered before the wait was over")
	}
}

func TestLongPollEndsWithRequest(t *testing.T) {
	e := newTestEnv(t)
	h := e.a.Routes(e.sink)["/console/"]
	ctx, cancel := context.WithCancel(context.Background())
	req := httptest.NewRequestWithContext(ctx, "GET", "/console/api/messages?chat=g-east&wait=30", nil)
	rec := httptest.NewRecorder()
	waiting := make(chan struct{})
	e.a.hist.onWait = func() { close(waiting) }
	done := make(chan struct{})
	go func() {
		h.ServeHTTP(rec, req)
		close(done)
	}()
	within(t, waiting, "the poll to wait")
	cancel()
	within(t, done, "the handler to return")
}

func TestSend(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()

	id, err := e.a.Send(ctx, bot.Outgoing{Platform: bot.Console, To: bot.Target{UserID: "m-wang"}, Text: "有 2 笔回款待确认",
		Mentions: []bot.Mention{{UserID: "m-wang", Name: "王五"}}})
	if err != nil {
		t.Fatal(err)
	}
	msgs, _ := e.list(t, "dm:m-wang", "")
	if len(msgs) != 1 || msgs[0].ID != id || msgs[0].Text != "@王五 有 2 笔回款待确认" || !msgs[0].At.Equal(fixedNow) {
		t.Errorf("dm = %+v", msgs)
	}

	// A retried delivery (same outbox key) is shown once.
	out := bot.Outgoing{To: bot.Target{ChatID: "g-south"}, Card: replyCard(), Key: "outbox-1"}
	id1, err1 := e.a.Send(ctx, out)
	id2, err2 := e.a.Send(ctx, out)
	if err1 != nil || err2 != nil || id1 != id2 {
		t.Errorf("resend = %q %v, %q %v", id1, err1, id2, err2)
	}
	// The bot may write to a chat the directory does not list.
	if _, err := e.a.Send(ctx, bot.Outgoing{To: bot.Target{ChatID: "g-archived"}, Text: "周报"}); err != nil {
		t.Errorf("send to an unlisted chat: %v", err)
	}
	if msgs, _ := e.list(t, "g-archived", ""); len(msgs) != 1 {
		t.Errorf("unlisted chat = %+v", msgs)
	}

	// A card changed by its sender after Send does not change the message.
	card := replyCard()
	cid, _ := e.a.Send(ctx, bot.Outgoing{To: bot.Target{ChatID: "g-east"}, Card: card})
	card.Header.Title = "changed"
	if m, _ := e.a.hist.lookup(cid); m.Card.Header.Title != "已记录跟进" {
		t.Errorf("stored card follows the caller's changes")
	}

	userMsg := e.say(t, "g-east", "m-zhang", "hi")
	permanent := []struct {
		name string
		out  bot.Outgoing
	}{
		{"update of an unknown message", bot.Outgoing{UpdateMessageID: "nope", Card: undoneCard()}},
		{"update of a member's message", bot.Outgoing{UpdateMessageID: userMsg, Card: undoneCard()}},
		{"no target", bot.Outgoing{Text: "hi"}},
		{"nothing to say", bot.Outgoing{To: bot.Target{ChatID: "g-east"}}},
		{"another platform", bot.Outgoing{Platform: bot.Lark, To: bot.Target{ChatID: "g-east"}, Text: "hi"}},
	}
	for _, tt := range permanent {
		_, err := e.a.Send(ctx, tt.out)
		var se *bot.SendError
		if !errors.As(err, &se) || !se.Permanent {
			t.Errorf("%s: err = %v, want a permanent *bot.SendError", tt.name, err)
		}
	}
}

func TestHistoryIsBounded(t *testing.T) {
	e := newTestEnv(t)
	var ids []string
	for i := range maxPerChat + 10 {
		id, err := e.a.Send(context.Background(), bot.Outgoing{To: bot.Target{ChatID: "g-east"}, Text: fmt.Sprint(i)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	msgs, _ := e.list(t, "g-east", "")
	if len(msgs) != maxPerChat || msgs[0].ID != ids[10] || msgs[len(msgs)-1].ID != ids[len(ids)-1] {
		t.Errorf("kept %d messages from %s", len(msgs), msgs[0].Text)
	}
	if _, err := e.a.Send(context.Background(), bot.Outgoing{UpdateMessageID: ids[0], Text: "x"}); err == nil {
		t.Errorf("updated a dropped message")
	}
}

func TestConcurrentUse(t *testing.T) {
	e := newTestEnv(t)
	reply := botCard(t, e, "g-east", "m-zhang")
	const workers, each = 8, 10
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			chat := []string{"g-east", "g-south"}[w%2]
			for i := range each {
				e.say(t, chat, "m-li", fmt.Sprintf("w%d-%d", w, i))
				e.do(t, "POST", "/console/api/actions", action(reply.ID, "followup.edit", "m-li"))
				e.list(t, chat, "&since_rev=0")
			}
		})
		wg.Go(func() {
			for range each {
				e.a.Send(context.Background(), bot.Outgoing{UpdateMessageID: reply.ID, Card: replyCard()})
			}
		})
	}
	wg.Wait()
	// Each message and its reply, plus the first exchange in g-east.
	east, _ := e.list(t, "g-east", "")
	south, _ := e.list(t, "g-south", "")
	if got, want := len(east)+len(south), 2*workers*each+2; got != want {
		t.Errorf("stored %d messages, want %d", got, want)
	}
	seen := map[string]bool{}
	for _, m := range append(east, south...) {
		if seen[m.ID] {
			t.Errorf("duplicate id %s", m.ID)
		}
		seen[m.ID] = true
	}
	for _, list := range [][]apiMessage{east, south} {
		if !slices.IsSortedFunc(list, func(a, b apiMessage) int { return strings.Compare(a.ID, b.ID) }) {
			t.Errorf("messages not in id order")
		}
	}
}

func TestPage(t *testing.T) {
	e := newTestEnv(t)
	for _, path := range []string{"/", "/console/"} {
		r := e.do(t, "GET", path, "")
		if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") ||
			!strings.Contains(string(r.body), "销售助手") || r.header.Get("Content-Security-Policy") == "" {
			t.Errorf("GET %s: %d %s", path, r.status, r.header)
		}
	}
	for _, path := range []string{"/console/static/console.js", "/console/static/console.css"} {
		if r := e.do(t, "GET", path, ""); r.status != http.StatusOK || len(r.body) < 1000 {
			t.Errorf("GET %s: %d", path, r.status)
		}
	}
	if r := e.do(t, "GET", "/nothing-here", ""); r.status != http.StatusNotFound {
		t.Errorf("the console claims every path: %d", r.status)
	}
}

func TestLongPollOutlivesWriteTimeout(t *testing.T) {
	e := newTestEnv(t)
	srv := httptest.NewUnstartedServer(e.srv.Config.Handler)
	srv.Config.WriteTimeout = 20 * time.Millisecond
	srv.Start()
	defer srv.Close()
	res, err := srv.Client().Get(srv.URL + "/console/api/messages?chat=g-east&wait=0.1")
	if err != nil {
		t.Fatalf("long-poll cut off by the server's write timeout: %v", err)
	}
	defer res.Body.Close()
	var msgs []apiMessage
	if err := json.NewDecoder(res.Body).Decode(&msgs); err != nil || res.StatusCode != http.StatusOK {
		t.Errorf("status %d, %v", res.StatusCode, err)
	}
}

func TestPostMessageReplyTo(t *testing.T) {
	e := newTestEnv(t)
	first := e.say(t, "g-east", "m-zhang", "今天拜访了星河科技张总")
	msgs, _ := e.list(t, "g-east", "")
	card := msgs[1].ID // the bot's card answering it

	body, _ := json.Marshal(map[string]string{"chat": "g-east", "member": "m-zhang", "text": "金额 40万", "reply_to": card})
	r := e.do(t, "POST", "/console/api/messages", string(body))
	if r.status != http.StatusAccepted {
		t.Fatalf("reply: %d %s", r.status, r.body)
	}
	id := decodeInto[map[string]string](t, r)["message_id"]
	evs := e.sink.recorded()
	if ev := evs[len(evs)-1]; ev.ThreadID != card || ev.MessageID != id {
		t.Errorf("event thread = %q (message %q), want the card %q", ev.ThreadID, ev.MessageID, card)
	}
	msgs, _ = e.list(t, "g-east", "&after="+first)
	var got apiMessage
	for _, m := range msgs {
		if m.ID == id {
			got = m
		}
	}
	if got.ReplyTo != card {
		t.Errorf("stored reply_to = %q, want %q", got.ReplyTo, card)
	}

	// An unknown message, or one of another chat, is 404 and nothing is delivered.
	other := e.say(t, "dm:m-zhang", "m-zhang", "帮助")
	n := len(e.sink.recorded())
	for _, replyTo := range []string{"no-such-message", other} {
		body, _ := json.Marshal(map[string]string{"chat": "g-east", "member": "m-zhang", "text": "金额 40万", "reply_to": replyTo})
		if r := e.do(t, "POST", "/console/api/messages", string(body)); r.status != http.StatusNotFound {
			t.Errorf("reply_to %q: %d %s, want 404", replyTo, r.status, r.body)
		}
	}
	if len(e.sink.recorded()) != n {
		t.Errorf("a rejected reply was delivered")
	}
}
