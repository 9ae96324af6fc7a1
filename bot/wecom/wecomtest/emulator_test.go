package wecomtest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/salesbot/salesbot/bot/wecom/wecomtest"
)

func call(t *testing.T, method, u, body string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestEmulatorSend: agentid is accepted as a number or a string (the
// silenceper SDK sends a string); a wrong one is 40056; past 30 messages a
// minute to one member WeCom drops the rest silently (errcode 0).
func TestEmulatorSend(t *testing.T) {
	emu := wecomtest.New(t, "ww1", "s1", 1000002)
	tok := call(t, http.MethodGet, emu.URL()+"/cgi-bin/gettoken?corpid=ww1&corpsecret=s1", "")["access_token"].(string)
	send := func(agent, text string) map[string]any {
		return call(t, http.MethodPost, emu.URL()+"/cgi-bin/message/send?access_token="+tok,
			fmt.Sprintf(`{"touser":"zhangsan","msgtype":"text","agentid":%s,"text":{"content":%q}}`, agent, text))
	}
	if ans := send("1000002", "a"); ans["errcode"] != 0.0 {
		t.Errorf("numeric agentid: %v", ans)
	}
	if ans := send(`"1000002"`, "b"); ans["errcode"] != 0.0 {
		t.Errorf("string agentid: %v", ans)
	}
	if ans := send("1000003", "c"); ans["errcode"] != 40056.0 {
		t.Errorf("wrong agentid: %v", ans)
	}
	for i := range 30 {
		send("1000002", fmt.Sprint(i))
	}
	if n, d := len(emu.Messages()), emu.Dropped(); n != 30 || d != 2 {
		t.Errorf("%d delivered, %d dropped; want 30 and 2", n, d)
	}
}
