package main

import (
	"context"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/bot/console"
	"github.com/salesbot/salesbot/domain/parse"
	"github.com/salesbot/salesbot/handlers"
	"github.com/salesbot/salesbot/storage"
)

// newRouter registers every handler: one flat list, so what the bot can do
// reads in one place.
func newRouter() *bot.Router {
	r := bot.NewRouter(func(ctx context.Context, m *bot.Message) string {
		return string(parse.Classify(m.Text))
	})
	help := &handlers.Help{}
	r.Handle(string(parse.IntentHelp), help.Answer)
	r.Fallback(handlers.NotUnderstood)
	return r
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
