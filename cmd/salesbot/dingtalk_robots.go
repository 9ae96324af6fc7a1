package main

import (
	"github.com/salesbot/salesbot/bot/dingtalk"
	"github.com/salesbot/salesbot/config"
)

// dingtalkRobots hands the parsed dingtalk.group_robots to the adapter.
func dingtalkRobots(rs []config.Robot) []dingtalk.Robot {
	out := make([]dingtalk.Robot, len(rs))
	for i, r := range rs {
		out[i] = dingtalk.Robot{Team: r.Team, AccessToken: r.Key, Secret: r.Secret}
	}
	return out
}
