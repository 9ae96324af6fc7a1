package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/handlers"
)

// schedule registers the periodic jobs: one flat list, like the routes.
func (m *Main) schedule() error {
	host, _ := os.Hostname()
	replica := fmt.Sprintf("%s-%d", host, os.Getpid())
	m.sched = bot.NewScheduler(m.Store, replica, m.Now, m.Log)
	// The tenant's zone, as the handlers use it: "today" of a reminder is
	// the same day the rollups were written under.
	loc := m.tenantLocation()
	cal := m.calendar()
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
	collectionReminders := &handlers.CollectionReminders{Store: m.Store, Out: m.Kernel, Tenant: m.Tenant.ID, Loc: loc, Now: m.Now}
	collectionSlot, err := bot.DailyAt(m.Config.Schedule.CollectionReminder, loc, nil)
	if err != nil {
		return err
	}
	taskReminders := &handlers.TaskReminders{Store: m.Store, Out: m.Kernel, Tenant: m.Tenant.ID, Loc: loc,
		Before: time.Duration(m.Config.Tasks.RemindBeforeMinutes) * time.Minute, IsWorkday: cal.IsWorkday}
	for _, j := range []bot.Job{
		{Name: "next-step-reminders", Slot: nextSteps, Run: rem.NextSteps},
		{Name: "daily-report-nudge", Slot: nudge, Run: rem.DailyNudge},
		{Name: "stale-deals", Slot: stale, Run: func(ctx context.Context, _ string) error {
			return rem.StaleDeals(ctx, m.Now())
		}},
		// Each team's progress card and its manager's digest, in the
		// team's time zone: the job looks every minute, and each team's
		// card of the day is claimed in job_runs on its own.
		{Name: "morning-cards", Slot: bot.Every(time.Minute), Run: m.digests(m.Kernel, replica).RunDue, Unclaimed: true},
		// Planned collections: 3 days before, on the due day, then daily;
		// the manager after 7 days overdue. Each record is marked as it
		// is reminded, so a notice goes out once per record and day.
		{Name: "collection-reminders", Slot: collectionSlot, Run: collectionReminders.Run},
		// Tasks: before the due time, when overdue, and to the manager a
		// working day later; each task and stage is marked once.
		{Name: "task-reminders", Slot: bot.Every(5 * time.Minute), Unclaimed: true, Run: func(ctx context.Context, _ string) error {
			return taskReminders.Run(ctx, m.Now())
		}},
	} {
		j.Tenant = m.Tenant.ID
		m.sched.Add(j)
	}
	return nil
}
