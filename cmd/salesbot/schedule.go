package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/domain"
	"github.com/salesbot/salesbot/handlers"
)

// schedule registers the periodic jobs: one flat list, like the routes.
func (m *Main) schedule() error {
	host, _ := os.Hostname()
	m.sched = bot.NewScheduler(m.Store, fmt.Sprintf("%s-%d", host, os.Getpid()), m.Now, m.Log)
	loc := m.Config.Location()
	cal := domain.NewCalendar(nil)
	rem := &handlers.Reminders{Store: m.Store, Out: m.Kernel, Tenant: m.Tenant.ID, Loc: loc,
		StaleDays: m.Config.Followup.StaleDays}

	nextSteps, err := bot.DailyAt(m.Config.Schedule.NextStepReminder, loc, nil)
	if err != nil {
		return err
	}
	nudge, err := bot.DailyAt(m.Config.Schedule.DailyReportReminder, loc, cal.IsWorkday)
	if err != nil {
		return err
	}
	stale, err := bot.WeeklyAt(time.Monday, "09:30", loc, cal.IsWorkday)
	if err != nil {
		return err
	}
	for _, j := range []bot.Job{
		{Name: "next-step-reminders", Slot: nextSteps, Run: rem.NextSteps},
		{Name: "daily-report-nudge", Slot: nudge, Run: rem.DailyNudge},
		{Name: "stale-deals", Slot: stale, Run: func(ctx context.Context, _ string) error {
			return rem.StaleDeals(ctx, m.Now())
		}},
	} {
		j.Tenant = m.Tenant.ID
		m.sched.Add(j)
	}
	return nil
}
