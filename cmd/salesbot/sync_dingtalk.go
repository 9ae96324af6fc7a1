package main

import (
	"context"
	"errors"
	"log/slog"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/bot/dingtalk"
	"github.com/salesbot/salesbot/config"
	"github.com/salesbot/salesbot/storage"
)

func init() { directories["dingtalk"] = dingtalkDirectory }

// dingtalkDirectory reads DingTalk's departments and people through the
// app's contact permission; a person's platform user id is their staffId
// (userid), which robot messages carry as senderStaffId.
func dingtalkDirectory(ctx context.Context, cfg *config.Config, log *slog.Logger) (bot.Platform, []storage.DirectoryDept, []storage.DirectoryPerson, error) {
	c := cfg.DingTalk
	if !c.Enabled() {
		return "", nil, nil, errors.New("dingtalk is not configured: set dingtalk.client_id and dingtalk.client_secret")
	}
	a := dingtalk.New(dingtalk.Config{ClientID: c.ClientID, ClientSecret: c.ClientSecret, RobotCode: c.RobotCode,
		Mode: dingtalk.ModeStream, BaseURL: c.BaseURL, OAPIBaseURL: c.OAPIBaseURL}, log, nil)
	dir, err := a.Directory(ctx)
	if err != nil {
		return "", nil, nil, err
	}
	depts := make([]storage.DirectoryDept, len(dir.Departments))
	for i, d := range dir.Departments {
		depts[i] = storage.DirectoryDept{ID: dingtalk.DeptID(d.ID), ParentID: dingtalk.DeptID(d.ParentID), Name: d.Name}
	}
	people := make([]storage.DirectoryPerson, len(dir.Users))
	for i, u := range dir.Users {
		ids := make([]string, len(u.DeptIDs))
		for j, d := range u.DeptIDs {
			ids[j] = dingtalk.DeptID(d)
		}
		people[i] = storage.DirectoryPerson{UserID: u.UserID, Name: u.Name, DeptIDs: ids}
	}
	return bot.DingTalk, depts, people, nil
}
