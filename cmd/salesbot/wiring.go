package main

import (
	"context"
	"time"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/bot/console"
	"github.com/salesbot/salesbot/domain/parse"
	"github.com/salesbot/salesbot/handlers"
	"github.com/salesbot/salesbot/storage"
)

// newRouter registers every handler: one flat list, so what the bot can do
// reads in one place.
func newRouter(m *Main) *bot.Router {
	followUps := handlers.NewFollowUps(m.Store, m.tenantLocation(), m.Now, m.Log)
	collections := handlers.NewCollections(m.Store, m.tenantLocation(), m.Now, m.Log)
	tasks := handlers.NewTasks(m.Store, m.tenantLocation(), m.Now, m.Log)
	tasks.Routing = m.Config.Tasks.Routing
	roles := handlers.NewRoles(m.Store, m.Now)
	r := bot.NewRouter(func(ctx context.Context, msg *bot.Message) string {
		// Admin commands, collection plans, finance's answers on a
		// collection card, "我的任务", tasks asked of a role and the
		// answers to the bot's collection and task questions: narrow cues
		// the parser would read as something else.
		for _, route := range []func(context.Context, *bot.Message) string{roles.Route, collections.Route, tasks.Route} {
			if name := route(ctx, msg); name != "" {
				return name
			}
		}
		// Answers to the bot's questions and follow-up queries first: the
		// parser would read "客户 星河科技" or "我今天的跟进" as reports.
		if route := followUps.Route(ctx, msg); route != "" {
			return route
		}
		// /目标 is not an item intent of the parser: route it by its word.
		if cmd, _, ok := parse.SlashCommand(msg.Text); ok && (cmd == "目标" || cmd == "target") {
			return "target"
		}
		// The message's own time, so that "明天" in a replayed message
		// reads as it did when it was written.
		at := msg.At
		if at.IsZero() {
			at = time.Now()
		}
		intent := parse.ClassifyAt(msg.Text, at)
		if intent == parse.IntentNone && followUps.Reports(ctx, msg) {
			// A known customer the tenant-blind classifier cannot know.
			intent = parse.IntentFollowUp
		}
		return string(intent)
	})
	help := &handlers.Help{}
	r.Handle(string(parse.IntentHelp), help.Answer)
	r.Handle(string(parse.IntentFollowUp), followUps.Log)
	r.Handle("followup.reply", followUps.Reply)
	r.Handle("followup.query", followUps.Query)
	r.HandleAction("followup", followUps.Act)
	progress := &handlers.Progress{Store: m.Store, Cal: m.calendar(), Loc: m.tenantLocation(), Now: m.Now}
	r.Handle(string(parse.IntentProgress), progress.Answer)
	targets := &handlers.Targets{Store: m.Store, Cal: m.calendar(), Loc: m.tenantLocation(), Now: m.Now}
	r.Handle("target", targets.Command)
	r.Handle(string(parse.IntentCollection), collections.Report)
	r.Handle(handlers.RouteCollectionPlan, collections.Plan)
	r.Handle(handlers.RouteCollectionConfirm, collections.ConfirmText)
	r.Handle(handlers.RouteCollectionReason, collections.Reason)
	r.Handle(handlers.RouteCollectionAmount, collections.Amount)
	r.HandleAction("collection", collections.Decide)
	r.Handle(string(parse.IntentTask), tasks.Create)
	r.Handle(handlers.RouteTaskMine, tasks.Mine)
	r.Handle(handlers.RouteTaskHandover, tasks.Handover)
	r.HandleAction("task", tasks.Act)
	r.Handle(handlers.RouteRoleSet, roles.SetRole)
	r.Handle(handlers.RouteChatBind, roles.Bind)
	r.Fallback(handlers.NotUnderstood)
	return r
}

// tenantLocation is the tenant's time zone, else the configured default.
func (m *Main) tenantLocation() *time.Location {
	if loc, err := time.LoadLocation(m.Tenant.Timezone); err == nil && m.Tenant.Timezone != "" {
		return loc
	}
	return m.Config.Location()
}

// consoleDirectory shows the tenant's members and team chats to the console.
type consoleDirectory struct {
	store  *storage.Store
	tenant string
}

func (d *consoleDirectory) Members(ctx context.Context) ([]console.Member, error) {
	members, err := d.store.Members(ctx, d.tenant)
	if err != nil {
		return nil, err
	}
	teams, err := d.teamNames(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]console.Member, 0, len(members))
	for _, m := range members {
		if !m.Active {
			continue
		}
		out = append(out, console.Member{ID: m.ID, Name: m.Name, Role: string(m.Role), Team: teams[m.TeamID]})
	}
	return out, nil
}

func (d *consoleDirectory) Chats(ctx context.Context) ([]console.Chat, error) {
	chats, err := d.store.Chats(ctx, d.tenant, string(bot.Console))
	if err != nil {
		return nil, err
	}
	teams, err := d.teamNames(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]console.Chat, 0, len(chats))
	for _, c := range chats {
		out = append(out, console.Chat{ID: c.PlatformChatID, Name: c.Name, Team: teams[c.TeamID]})
	}
	return out, nil
}

func (d *consoleDirectory) teamNames(ctx context.Context) (map[string]string, error) {
	teams, err := d.store.Teams(ctx, d.tenant)
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(teams))
	for _, t := range teams {
		names[t.ID] = t.Name
	}
	return names, nil
}
