package bot

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// JobStore records scheduled runs so that, across replicas, each slot of a
// job runs exactly once (job_runs has a unique (job, tenant, slot) key).
type JobStore interface {
	ClaimJobRun(ctx context.Context, job, tenant, slot, replica string, at time.Time) (bool, error)
	FinishJobRun(ctx context.Context, job, tenant, slot, status, errText string, at time.Time) error
}

// Job is a named periodic task of one tenant.
type Job struct {
	Name   string
	Tenant string
	// Slot names the run that is due at now, or "" when none is. A daily
	// job returns the local date once its time has come, so a replica that
	// starts late still runs today's slot, and never yesterday's.
	Slot func(now time.Time) string
	Run  func(ctx context.Context, slot string) error
	// Unclaimed jobs are frequent triggers (every minute, every five) that
	// claim the records they act on themselves; their slots are not
	// recorded in job_runs, which would otherwise grow by a row a minute.
	// Each replica runs them once per slot.
	Unclaimed bool
}

// Scheduler runs jobs when their slots come due.
type Scheduler struct {
	store   JobStore
	jobs    []Job
	now     func() time.Time
	log     *slog.Logger
	replica string

	// mu serialises RunDue: the ticker of Run and a direct call (an
	// operator's or a test's "run what is due now") never run a job twice
	// at once, and lastRun is only touched under it.
	mu sync.Mutex
	// lastRun is the last slot run of each unclaimed job, by index.
	lastRun map[int]string
}

// NewScheduler returns a scheduler; replica names this process in job_runs.
func NewScheduler(store JobStore, replica string, now func() time.Time, log *slog.Logger) *Scheduler {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Scheduler{store: store, now: now, log: log, replica: replica, lastRun: map[int]string{}}
}

// Add registers a job. Two jobs with the same name and tenant are a
// programming error.
func (s *Scheduler) Add(j Job) {
	for _, x := range s.jobs {
		if x.Name == j.Name && x.Tenant == j.Tenant {
			panic(fmt.Sprintf("bot: job %q added twice", j.Name))
		}
	}
	s.jobs = append(s.jobs, j)
}

// Run checks the jobs every interval until ctx is cancelled.
func (s *Scheduler) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		s.RunDue(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RunDue runs every job whose slot is due and not yet claimed, and returns
// how many it ran.
func (s *Scheduler) RunDue(ctx context.Context) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	ran := 0
	for i, j := range s.jobs {
		if ctx.Err() != nil {
			break
		}
		slot := j.Slot(s.now())
		if slot == "" {
			continue
		}
		if j.Unclaimed {
			if s.lastRun[i] == slot {
				continue
			}
			s.lastRun[i] = slot
			ran++
			if err := j.Run(context.WithoutCancel(ctx), slot); err != nil {
				s.log.ErrorContext(ctx, "scheduled job failed", "job", j.Name, "tenant", j.Tenant, "slot", slot, "err", err)
			}
			continue
		}
		ok, err := s.store.ClaimJobRun(ctx, j.Name, j.Tenant, slot, s.replica, s.now())
		if err != nil {
			s.log.ErrorContext(ctx, "claim job", "job", j.Name, "slot", slot, "err", err)
			continue
		}
		if !ok {
			continue // ran already, here or on another replica
		}
		ran++
		status, errText := "done", ""
		if err := j.Run(context.WithoutCancel(ctx), slot); err != nil {
			// Not retried: a reminder sent twice is worse than one missed,
			// and the failure is visible in job_runs and the log.
			status, errText = "failed", err.Error()
			s.log.ErrorContext(ctx, "scheduled job failed", "job", j.Name, "tenant", j.Tenant, "slot", slot, "err", err)
		} else {
			s.log.InfoContext(ctx, "scheduled job ran", "job", j.Name, "tenant", j.Tenant, "slot", slot)
		}
		if err := s.store.FinishJobRun(ctx, j.Name, j.Tenant, slot, status, errText, s.now()); err != nil {
			s.log.ErrorContext(ctx, "finish job", "job", j.Name, "slot", slot, "err", err)
		}
	}
	return ran
}

// CatchUp is how late a daily or weekly slot may still run.
const CatchUp = time.Hour

// DailyAt returns a Slot function for a job that runs once a day at the
// local clock time hhmm ("18:00") in loc, on the days when runOn (nil = every
// day) is true. The slot is the local date.
func DailyAt(hhmm string, loc *time.Location, runOn func(day time.Time) bool) (func(time.Time) string, error) {
	at, err := time.Parse("15:04", hhmm)
	if err != nil {
		return nil, fmt.Errorf("daily job time %q: want HH:MM", hhmm)
	}
	minutes := at.Hour()*60 + at.Minute()
	return func(now time.Time) string {
		local := now.In(loc)
		late := local.Hour()*60 + local.Minute() - minutes
		// A slot missed while the bot was down is caught up within the
		// hour, not later: an 18:00 nudge at 23:30 helps nobody.
		if late < 0 || late > int(CatchUp/time.Minute) {
			return ""
		}
		if runOn != nil && !runOn(local) {
			return ""
		}
		return local.Format(time.DateOnly)
	}, nil
}

// WeeklyAt returns a Slot function for a job that runs once a week, at hhmm
// in loc on the first day from weekday on that runOn allows (caught up
// within CatchUp). The slot is the ISO week ("2026-W48").
func WeeklyAt(weekday time.Weekday, hhmm string, loc *time.Location, runOn func(day time.Time) bool) (func(time.Time) string, error) {
	daily, err := DailyAt(hhmm, loc, runOn)
	if err != nil {
		return nil, err
	}
	return func(now time.Time) string {
		local := now.In(loc)
		if isoDay(local.Weekday()) < isoDay(weekday) || daily(now) == "" {
			return ""
		}
		// The first day of the week at or after weekday that runOn allows
		// (a Monday holiday moves the run to Tuesday).
		for back := 1; back <= isoDay(local.Weekday())-isoDay(weekday); back++ {
			if d := local.AddDate(0, 0, -back); runOn == nil || runOn(d) {
				return "" // an earlier day of this week ran (or runs) it
			}
		}
		y, w := local.ISOWeek()
		return fmt.Sprintf("%d-W%02d", y, w)
	}, nil
}

// isoDay numbers weekdays Monday = 1 … Sunday = 7.
func isoDay(d time.Weekday) int {
	if d == time.Sunday {
		return 7
	}
	return int(d)
}

// Every returns a Slot function for a job that runs once per interval
// (aligned to the clock: every 5 minutes means :00, :05, …). The slot is the
// interval's start in UTC ("2026-12-02T10:05"). Jobs that act on records due
// "soon" use it, and mark each record they handled, so a record is acted on
// once even though the job runs many times.
func Every(interval time.Duration) func(time.Time) string {
	return func(now time.Time) string {
		return now.UTC().Truncate(interval).Format("2006-01-02T15:04")
	}
}
