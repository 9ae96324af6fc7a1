package wecom_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/bot/wecom"
	"github.com/salesbot/salesbot/bot/wecom/wecomtest"
)

// TestTransportErrorsKeepSecrets: when a call fails in transit, Go's error
// names the request URL — and WeCom puts secrets in its query: corpsecret
// for gettoken, access_token for every API call, a group robot's key for
// webhook/send. The outbox stores and logs a failed send's message, so
// none of them may appear in it, nor in the adapter's own log.
func TestTransportErrorsKeepSecrets(t *testing.T) {
	const corpSecret = "corp-secret-never-logged"
	var logBuf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	check := func(what string, err error, secrets ...string) {
		t.Helper()
		if err == nil {
			t.Fatalf("%s: no error", what)
		}
		for _, s := range secrets {
			if strings.Contains(err.Error(), s) {
				t.Errorf("%s: the error shows a secret: %v", what, err)
			}
			if strings.Contains(logBuf.String(), s) {
				t.Errorf("%s: the log shows a secret: %s", what, logBuf.String())
			}
		}
	}

	// gettoken against an API that is down: corpsecret in the URL.
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	a := wecom.New(wecom.Config{CorpID: "ww1", AgentID: 1000002, Secret: corpSecret, BaseURL: down.URL,
		Robots: []wecom.Robot{{Team: "华东一组", Key: robotKey}}}, log, nil)
	_, err := a.Send(context.Background(), bot.Outgoing{To: bot.Target{UserID: "zhangsan"}, Text: "晨报"})
	check("gettoken", err, corpSecret)
	if se := sendErr(t, err); se.Permanent || se.Code != "transport" {
		t.Errorf("gettoken in transit = %+v, want a transport retry", se)
	}
	_, err = a.Send(context.Background(), bot.Outgoing{To: bot.Target{ChatID: wecom.RobotChatID("华东一组")}, Text: "进度"})
	check("webhook/send", err, robotKey)

	// message/send that times out after the token was fetched: the
	// access token in the URL; a sender's name look-up that times out is
	// logged.
	emu := wecomtest.New(t, "ww1", corpSecret, 1000002)
	b := wecom.New(wecom.Config{CorpID: "ww1", AgentID: 1000002, Secret: corpSecret, BaseURL: emu.URL(),
		HTTPClient: &http.Client{Timeout: 300 * time.Millisecond}}, log, nil)
	if _, err := b.Send(context.Background(), bot.Outgoing{To: bot.Target{UserID: "zhangsan"}, Text: "一"}); err != nil {
		t.Fatal(err)
	}
	emu.Inject(wecomtest.Fault{Op: "send", Hang: true})
	_, err = b.Send(context.Background(), bot.Outgoing{To: bot.Target{UserID: "zhangsan"}, Text: "二"})
	check("message/send", err, "AT1", corpSecret)
	emu.Inject(wecomtest.Fault{Op: "user.get", Hang: true})
	_, err = b.User(context.Background(), "lisi")
	check("user/get", err, "AT1")
	if !strings.Contains(err.Error(), "user/get") {
		t.Errorf("the error no longer says which call failed: %v", err)
	}
}
