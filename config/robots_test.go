package config

import (
	"strings"
	"testing"
)

func TestRobots(t *testing.T) {
	w := WeCom{GroupRobots: " 华东一组=https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx ; 华南组=abc-123;"}
	got, err := w.Robots()
	if err != nil || len(got) != 2 || got[0] != (Robot{Team: "华东一组", Key: "693a91f6-7xxx"}) || got[1] != (Robot{Team: "华南组", Key: "abc-123"}) {
		t.Fatalf("wecom robots = %+v, %v", got, err)
	}
	d := DingTalk{GroupRobots: "华东一组=https://oapi.dingtalk.com/robot/send?access_token=tok1,SECabc"}
	got, err = d.Robots()
	if err != nil || len(got) != 1 || got[0] != (Robot{Team: "华东一组", Key: "tok1", Secret: "SECabc"}) {
		t.Fatalf("dingtalk robots = %+v, %v", got, err)
	}
	for _, bad := range []struct {
		cfg  *Config
		want string
	}{
		{&Config{WeCom: WeCom{GroupRobots: "华东一组"}}, `wecom.group_robots: entry 1`},
		{&Config{WeCom: WeCom{GroupRobots: "a=k1;a=k2"}}, `named twice`},
		{&Config{WeCom: WeCom{GroupRobots: "a=https://qyapi.weixin.qq.com/cgi-bin/webhook/send"}}, `no key parameter`},
		{&Config{DingTalk: DingTalk{GroupRobots: "a=https://oapi.dingtalk.com/robot/send?access_token=t"}}, `signing secret`},
	} {
		c := Default()
		c.WeCom.GroupRobots, c.DingTalk.GroupRobots = bad.cfg.WeCom.GroupRobots, bad.cfg.DingTalk.GroupRobots
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("Validate(%q%q) = %v, want %q", bad.cfg.WeCom.GroupRobots, bad.cfg.DingTalk.GroupRobots, err, bad.want)
		}
	}
	// The keys are secrets: never printed.
	c := Default()
	c.WeCom.GroupRobots = "a=secretkey"
	if strings.Contains(c.String(), "secretkey") {
		t.Error("wecom.group_robots printed unmasked")
	}
}
