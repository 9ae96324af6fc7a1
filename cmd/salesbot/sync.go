package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/bot/lark"
	"github.com/salesbot/salesbot/config"
	"github.com/salesbot/salesbot/storage"
)

// runSync pulls a platform's contact directory into teams and members:
// "salesbot sync lark|wecom|dingtalk" makes a team per department (under its
// parent department's team) and a member per person (their name and
// platform user id; new people as sales reps). Known identities are
// updated; nothing is deleted.
func runSync(ctx context.Context, env *cliEnv, args []string) error {
	fs, cfgPath := newFlags("sync", env)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(directories))
	for name := range directories {
		names = append(names, name)
	}
	slices.Sort(names)
	var fetch fetchDirectory
	if len(pos) == 1 {
		fetch = directories[pos[0]]
	}
	if fetch == nil {
		return fmt.Errorf("%w: want one of %s", errUsage, strings.Join(names, ", "))
	}
	st, tenant, cfg, err := openForCLI(ctx, env, *cfgPath)
	if err != nil {
		return err
	}
	defer st.Close()
	platform, depts, people, err := fetch(ctx, cfg, newLogger(cfg, env.stderr))
	if err != nil {
		return err
	}
	res, err := st.SyncDirectory(ctx, tenant.ID, string(platform), depts, people)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "%s: %d departments, %d people; teams %d created, %d updated; members %d created, %d updated; %d unchanged\n",
		pos[0], len(depts), len(people), res.TeamsCreated, res.TeamsUpdated, res.MembersCreated, res.MembersUpdated, res.Unchanged)
	return nil
}

// fetchDirectory reads one platform's departments (parents first) and
// people through its adapter.
type fetchDirectory func(ctx context.Context, cfg *config.Config, log *slog.Logger) (bot.Platform, []storage.DirectoryDept, []storage.DirectoryPerson, error)

// directories are the platforms "salesbot sync" knows, by name.
var directories = map[string]fetchDirectory{
	"lark": larkDirectory,
}

func larkDirectory(ctx context.Context, cfg *config.Config, log *slog.Logger) (bot.Platform, []storage.DirectoryDept, []storage.DirectoryPerson, error) {
	c := cfg.Lark
	if !c.Enabled() {
		return "", nil, nil, errors.New("lark is not configured: set lark.app_id and lark.app_secret")
	}
	a := lark.New(lark.Config{AppID: c.AppID, AppSecret: c.AppSecret, BaseURL: c.BaseURL, Mode: lark.ModeWebSocket}, log, nil)
	dir, err := a.Directory(ctx)
	if err != nil {
		return "", nil, nil, err
	}
	depts := make([]storage.DirectoryDept, len(dir.Departments))
	for i, d := range dir.Departments {
		depts[i] = storage.DirectoryDept{ID: d.ID, ParentID: d.ParentID, Name: d.Name}
	}
	people := make([]storage.DirectoryPerson, len(dir.Users))
	for i, u := range dir.Users {
		people[i] = storage.DirectoryPerson{UserID: u.OpenID, Name: u.Name, DeptIDs: u.DepartmentIDs}
	}
	return bot.Lark, depts, people, nil
}
