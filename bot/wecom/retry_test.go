package wecom_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/bot/wecom"
	"github.com/salesbot/salesbot/bot/wecom/wecomtest"
)

// deliver sends out as the outbox does: again after every retryable
// failure (at most five tries), and returns the failures seen.
func deliver(t *testing.T, a *wecom.Adapter, out bot.Outgoing) []*bot.SendError {
	t.Helper()
	var failures []*bot.SendError
	for range 5 {
		_, err := a.Send(context.Background(), out)
		if err == nil {
			return failures
		}
		se := sendErr(t, err)
		if se.Permanent {
			t.Fatalf("permanent failure: %v", se)
		}
		failures = append(failures, se)
	}
	t.Fatalf("not delivered after 5 tries: %v", failures)
	return nil
}

// TestToken42001ArrivesOnce: a token WeCom calls expired is evicted and
// refetched within the same send, which arrives once.
func TestToken42001ArrivesOnce(t *testing.T) {
	a, emu := sender(t)
	deliver(t, a, bot.Outgoing{To: bot.Target{UserID: "zhangsan"}, Text: "一"})
	emu.Inject(wecomtest.Fault{Op: "send", ErrCode: 42001, ErrMsg: "access_token expired"})
	if f := deliver(t, a, bot.Outgoing{To: bot.Target{UserID: "zhangsan"}, Text: "二"}); len(f) != 0 {
		t.Errorf("42001 surfaced as %v; the adapter should refetch and retry itself", f)
	}
	if n := emu.Requests("gettoken"); n != 2 {
		t.Errorf("gettoken calls = %d, want 2", n)
	}
	if ms := emu.Messages(); len(ms) != 2 || ms[1].Content != "二" {
		t.Errorf("messages = %+v", ms)
	}
}

// TestRateLimited45009ArrivesOnce: 45009 backs the whole app off and the
// retry arrives once.
func TestRateLimited45009ArrivesOnce(t *testing.T) {
	a, emu := sender(t)
	emu.Inject(wecomtest.Fault{Op: "send", ErrCode: 45009, ErrMsg: "api freq out of limit"})
	f := deliver(t, a, bot.Outgoing{To: bot.Target{UserID: "zhangsan"}, Card: followCard(), Key: "card-45009"})
	if len(f) != 1 || f[0].Code != "45009" || f[0].Scope != "app" {
		t.Errorf("failures = %+v, want one 45009 for the app", f)
	}
	if ms := emu.Messages(); len(ms) != 1 || ms[0].TaskID != "card-45009" {
		t.Errorf("messages = %+v", ms)
	}
}

// TestBusyArrivesOnce: -1 (system busy) is retried and arrives once.
func TestBusyArrivesOnce(t *testing.T) {
	a, emu := sender(t)
	emu.Inject(wecomtest.Fault{Op: "send", ErrCode: -1, ErrMsg: "system busy"},
		wecomtest.Fault{Op: "send", ErrCode: -1, ErrMsg: "system busy"})
	f := deliver(t, a, bot.Outgoing{To: bot.Target{UserID: "zhangsan"}, Text: "回款已确认"})
	if len(f) != 2 || f[0].Code != "-1" {
		t.Errorf("failures = %+v, want two -1", f)
	}
	if ms := emu.Messages(); len(ms) != 1 || ms[0].Content != "回款已确认" {
		t.Errorf("messages = %+v", ms)
	}
}

// TestTimeoutArrivesOnce: a send that times out after WeCom took it is
// retried; the retry is the identical JSON with enable_duplicate_check, so
// WeCom drops it and the member sees the message once — text and card
// alike (a card's retry would otherwise be refused for its used task_id).
func TestTimeoutArrivesOnce(t *testing.T) {
	emu := wecomtest.New(t, "ww1", "secret1", 1000002)
	a := wecom.New(wecom.Config{CorpID: "ww1", AgentID: 1000002, Secret: "secret1", BaseURL: emu.URL(),
		HTTPClient: &http.Client{Timeout: 300 * time.Millisecond}}, nil, nil)
	emu.Inject(wecomtest.Fault{Op: "send", Hang: true})
	f := deliver(t, a, bot.Outgoing{To: bot.Target{UserID: "zhangsan"}, Text: "今天的跟进已记录"})
	if len(f) != 1 || f[0].Code != "transport" {
		t.Errorf("failures = %+v, want one timeout", f)
	}
	emu.Inject(wecomtest.Fault{Op: "send", Hang: true})
	deliver(t, a, bot.Outgoing{To: bot.Target{UserID: "zhangsan"}, Card: followCard(), Key: "card-timeout"})
	ms := emu.Messages()
	if len(ms) != 2 || ms[0].Content != "今天的跟进已记录" || ms[1].TaskID != "card-timeout" {
		t.Fatalf("messages = %+v, want each once", ms)
	}
	if n := emu.Suppressed(); n != 2 {
		t.Errorf("duplicates suppressed = %d, want 2", n)
	}
	if !strings.Contains(ms[1].Versions[0], "撤销") {
		t.Errorf("card = %s", ms[1].Versions[0])
	}
}
