package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/bot/lark"
	"github.com/salesbot/salesbot/storage"
)

// runSync pulls a platform's contact directory into teams and members:
// "salesbot sync lark" makes a team per department (under its parent
// department's team) and a member per person (their name and open_id; new
// people as sales reps). Known identities are updated; nothing is deleted.
func runSync(ctx context.Context, env *cliEnv, args []string) error {
	fs, cfgPath := newFlags("sync", env)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || pos[0] != "lark" {
		return fmt.Errorf("%w: want lark", errUsage)
	}
	st, tenant, cfg, err := openForCLI(ctx, env, *cfgPath)
	if err != nil {
		return err
	}
	defer st.Close()
	c := cfg.Lark
	if !c.Enabled() {
		return errors.New("lark is not configured: set lark.app_id and lark.app_secret")
	}
	a := lark.New(lark.Config{AppID: c.AppID, AppSecret: c.AppSecret, BaseURL: c.BaseURL, Mode: lark.ModeWebSocket},
		newLogger(cfg, env.stderr), nil)
	dir, err := a.Directory(ctx)
	if err != nil {
		return err
	}
	depts := make([]storage.DirectoryDept, len(dir.Departments))
	for i, d := range dir.Departments {
		depts[i] = storage.DirectoryDept{ID: d.ID, ParentID: d.ParentID, Name: d.Name}
	}
	people := make([]storage.DirectoryPerson, len(dir.Users))
	for i, u := range dir.Users {
		people[i] = storage.DirectoryPerson{UserID: u.OpenID, Name: u.Name, DeptIDs: u.DepartmentIDs}
	}
	res, err := st.SyncDirectory(ctx, tenant.ID, string(bot.Lark), depts, people)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "lark: %d departments, %d people; teams %d created, %d updated; members %d created, %d updated; %d unchanged\n",
		len(depts), len(people), res.TeamsCreated, res.TeamsUpdated, res.MembersCreated, res.MembersUpdated, res.Unchanged)
	return nil
}
