package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/bot/wecom"
	"github.com/salesbot/salesbot/config"
	"github.com/salesbot/salesbot/storage"
)

func init() { directories["wecom"] = wecomDirectory }

// wecomDirectory reads the departments and members the self-built app can
// see (its 可见范围) through department/list and user/list. People are
// bound by their UserID, the id WeCom's callbacks carry.
func wecomDirectory(ctx context.Context, cfg *config.Config, log *slog.Logger) (bot.Platform, []storage.DirectoryDept, []storage.DirectoryPerson, error) {
	c := cfg.WeCom
	if !c.Enabled() {
		return "", nil, nil, errors.New("wecom is not configured: set wecom.corp_id and wecom.secret")
	}
	a := wecom.New(wecom.Config{CorpID: c.CorpID, AgentID: c.AgentID, Secret: c.Secret, BaseURL: c.BaseURL}, log, nil)
	dir, err := a.Directory(ctx)
	if err != nil {
		return "", nil, nil, wecomContactHint(err)
	}
	// The root department (parent 0) is the company itself, not a team:
	// its children are the top-level teams, as with Lark's root.
	var depts []storage.DirectoryDept
	for _, d := range dir.Departments {
		if d.ParentID == 0 {
			continue
		}
		depts = append(depts, storage.DirectoryDept{ID: strconv.Itoa(d.ID), ParentID: strconv.Itoa(d.ParentID), Name: d.Name})
	}
	people := make([]storage.DirectoryPerson, len(dir.Users))
	for i, u := range dir.Users {
		ids := make([]string, len(u.Departments))
		for j, d := range u.Departments {
			ids[j] = strconv.Itoa(d)
		}
		people[i] = storage.DirectoryPerson{UserID: u.UserID, Name: u.Name, DeptIDs: ids}
	}
	return bot.WeCom, depts, people, nil
}

// wecomContactHint adds what to change in WeCom's admin console to the
// errors a sync meets most.
func wecomContactHint(err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "errcode 60011"), strings.Contains(msg, "errcode 48002"):
		return fmt.Errorf("%w (the app may not read these contacts: in 应用管理 → the app → 可见范围, include the departments to sync)", err)
	case strings.Contains(msg, "errcode 60020"):
		return fmt.Errorf("%w (add this server's public IP to the app's 企业可信IP)", err)
	}
	return err
}
