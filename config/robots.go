package config

import (
	"fmt"
	"net/url"
	"strings"
)

// Robot is one team's send-only group robot: WeCom's 消息推送 webhook or a
// DingTalk custom robot. Key is the webhook's key (WeCom) or access_token
// (DingTalk); Secret is the DingTalk robot's signing secret (SEC…).
type Robot struct {
	Team   string
	Key    string
	Secret string
}

// Robots parses wecom.group_robots: "team=KEY;team=KEY", where KEY may
// also be the whole webhook URL (https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…).
func (w WeCom) Robots() ([]Robot, error) {
	return parseRobots("wecom.group_robots", w.GroupRobots, "key", false)
}

// Robots parses dingtalk.group_robots: "team=TOKEN,SECRET;…", where TOKEN
// may also be the whole webhook URL
// (https://oapi.dingtalk.com/robot/send?access_token=…) and SECRET is the
// robot's 加签 secret, which salesbot requires.
func (d DingTalk) Robots() ([]Robot, error) {
	return parseRobots("dingtalk.group_robots", d.GroupRobots, "access_token", true)
}

func parseRobots(keyName, s, param string, signed bool) ([]Robot, error) {
	var out []Robot
	seen := map[string]bool{}
	for i, entry := range strings.Split(s, ";") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		team, val, ok := strings.Cut(entry, "=")
		team, val = strings.TrimSpace(team), strings.TrimSpace(val)
		want := "team=webhook"
		if signed {
			want += ",secret"
		}
		if !ok || team == "" || val == "" {
			return nil, invalid(keyName, "entry %d: want %q, separated by \";\"", i+1, want)
		}
		if seen[team] {
			return nil, invalid(keyName, "team %q is named twice", team)
		}
		seen[team] = true
		r := Robot{Team: team}
		if signed {
			hook, secret, _ := strings.Cut(val, ",")
			val, r.Secret = strings.TrimSpace(hook), strings.TrimSpace(secret)
			if r.Secret == "" {
				return nil, invalid(keyName, "team %q: the robot's signing secret (加签, SEC…) is missing: want %q", team, want)
			}
		}
		key, err := webhookKey(val, param)
		if err != nil {
			return nil, invalid(keyName, "team %q: %v", team, err)
		}
		r.Key = key
		out = append(out, r)
	}
	return out, nil
}

// webhookKey returns the query parameter param of a webhook URL, or v
// itself when it is not a URL.
func webhookKey(v, param string) (string, error) {
	if !strings.Contains(v, "://") {
		if strings.ContainsAny(v, "/?&= ") {
			return "", fmt.Errorf("%q is neither a webhook URL nor its %s", v, param)
		}
		return v, nil
	}
	u, err := url.Parse(v)
	if err != nil {
		return "", fmt.Errorf("webhook URL: %v", err)
	}
	k := u.Query().Get(param)
	if k == "" {
		return "", fmt.Errorf("webhook URL has no %s parameter", param)
	}
	return k, nil
}
