package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/bot/wecom"
	"github.com/salesbot/salesbot/domain"
	"github.com/salesbot/salesbot/storage"
)

// wecomGroupActor is the audit log's actor for chats the CLI binds: the
// command line has no member behind it.
const wecomGroupActor = "cli:wecom-group"

// runWeComGroup creates a WeCom group chat for a team through the app
// (appchat/create: the team's manager owns it, its active members with a
// WeCom identity are in it) and binds it as the team's chat, so that the
// morning progress card goes there.
func runWeComGroup(ctx context.Context, env *cliEnv, args []string) error {
	fs, cfgPath := newFlags("wecom-group", env)
	again := fs.Bool("again", false, "create another group chat even if the team already has one the app created")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || strings.TrimSpace(pos[0]) == "" {
		return fmt.Errorf("%w: name one team", errUsage)
	}
	st, tenant, cfg, err := openForCLI(ctx, env, *cfgPath)
	if err != nil {
		return err
	}
	defer st.Close()
	c := cfg.WeCom
	if !c.Enabled() {
		return errors.New("wecom is not configured: set wecom.corp_id, wecom.agent_id and wecom.secret")
	}
	team, err := st.TeamByName(ctx, tenant.ID, pos[0])
	if domain.IsNotFound(err) {
		return fmt.Errorf("no team named %q (import the org or run \"salesbot sync wecom\" first)", pos[0])
	}
	if err != nil {
		return err
	}
	if !*again {
		// A second run would create a second group, and the morning card
		// would go to both.
		chats, err := st.Chats(ctx, tenant.ID, string(bot.WeCom))
		if err != nil {
			return err
		}
		for _, ch := range chats {
			if ch.TeamID == team.ID && ch.Purpose == domain.PurposeTeam && strings.HasPrefix(ch.PlatformChatID, wecom.AppChatPrefix) {
				return fmt.Errorf("team %s already has the WeCom group chat %q (%s); use --again to create another",
					team.Name, ch.Name, strings.TrimPrefix(ch.PlatformChatID, wecom.AppChatPrefix))
			}
		}
	}
	owner, users, err := teamWeComUsers(ctx, st, tenant.ID, team)
	if err != nil {
		return err
	}
	a := wecom.New(wecom.Config{CorpID: c.CorpID, AgentID: c.AgentID, Secret: c.Secret, BaseURL: c.BaseURL},
		newLogger(cfg, env.stderr), nil)
	name := team.Name + "销售群"
	chatID, err := a.CreateAppChat(ctx, name, owner.userID, userIDs(users))
	if err != nil {
		return fmt.Errorf("create the WeCom group chat: %w", err)
	}
	chat, err := st.EnsureChat(ctx, domain.Chat{TenantID: tenant.ID, Platform: string(bot.WeCom),
		PlatformChatID: wecom.AppChatID(chatID), Name: name, Kind: domain.ChatGroup, TeamID: team.ID, Purpose: domain.PurposeTeam})
	if err != nil {
		return fmt.Errorf("the group chat %s was created but not bound: %w", chatID, err)
	}
	after := fmt.Sprintf(`{"purpose":%q,"team_id":%q,"platform_chat_id":%q}`, domain.PurposeTeam, team.ID, chat.PlatformChatID)
	err = st.AppendAudit(ctx, domain.AuditEntry{TenantID: tenant.ID, ActorID: wecomGroupActor, Action: "chat.bind",
		Entity: "chat", EntityID: chat.ID, After: after, At: time.Now()})
	if err != nil {
		return err
	}
	names := make([]string, len(users))
	for i, u := range users {
		names[i] = u.name
	}
	fmt.Fprintf(env.stdout, "created WeCom group chat %q (chatid %s), owner %s, members %s;\nbound as %s's team chat: the morning progress card goes there.\n",
		name, chatID, owner.name, strings.Join(names, ", "), team.Name)
	return nil
}

// wecomUser is a member with their WeCom UserID.
type wecomUser struct{ userID, name string }

// teamWeComUsers returns the team's manager and its other active members
// that have a WeCom identity; the chat needs the manager and at least one
// more.
func teamWeComUsers(ctx context.Context, st *storage.Store, tenant string, team domain.Team) (wecomUser, []wecomUser, error) {
	userOf := func(memberID string) (string, error) {
		ids, err := st.Identities(ctx, tenant, memberID)
		if err != nil {
			return "", err
		}
		for _, id := range ids {
			if id.Platform == string(bot.WeCom) {
				return id.UserID, nil
			}
		}
		return "", nil
	}
	if team.ManagerID == "" {
		return wecomUser{}, nil, fmt.Errorf("team %s has no manager to own the group chat (set one with \"salesbot import org\")", team.Name)
	}
	mgr, err := st.MemberByID(ctx, tenant, team.ManagerID)
	if err != nil {
		return wecomUser{}, nil, err
	}
	mgrID, err := userOf(mgr.ID)
	if err != nil {
		return wecomUser{}, nil, err
	}
	if mgrID == "" || !mgr.Active {
		return wecomUser{}, nil, fmt.Errorf("team %s's manager %s has no WeCom identity (run \"salesbot sync wecom\", or import the org with WeCom user ids)", team.Name, mgr.Name)
	}
	members, err := st.Members(ctx, tenant)
	if err != nil {
		return wecomUser{}, nil, err
	}
	var users []wecomUser
	var missing []string
	for _, m := range members {
		if m.TeamID != team.ID || !m.Active || m.ID == mgr.ID {
			continue
		}
		uid, err := userOf(m.ID)
		if err != nil {
			return wecomUser{}, nil, err
		}
		if uid == "" {
			missing = append(missing, m.Name)
			continue
		}
		users = append(users, wecomUser{userID: uid, name: m.Name})
	}
	if len(users) == 0 {
		msg := fmt.Sprintf("team %s has nobody besides its manager with a WeCom identity; a group chat needs at least two people", team.Name)
		if len(missing) > 0 {
			msg += " (without one: " + strings.Join(missing, ", ") + ")"
		}
		return wecomUser{}, nil, errors.New(msg)
	}
	return wecomUser{userID: mgrID, name: mgr.Name}, users, nil
}

func userIDs(us []wecomUser) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u.userID
	}
	return out
}
