package main

import (
	"context"
	"fmt"
	"time"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/config"
	"github.com/salesbot/salesbot/domain"
	"github.com/salesbot/salesbot/handlers"
	"github.com/salesbot/salesbot/storage"
)

// calendar is the China work calendar with the configured overrides.
func (m *Main) calendar() *domain.Calendar { return calendarOf(m.Config, m.Log) }

func calendarOf(cfg *config.Config, log interface{ Warn(string, ...any) }) *domain.Calendar {
	o, err := domain.ParseCalendarOverrides(cfg.Calendar.Days(cfg.Calendar.Holidays), cfg.Calendar.Days(cfg.Calendar.Workdays))
	if err != nil {
		log.Warn("calendar overrides ignored", "err", err)
	}
	return domain.NewCalendar(o)
}

// digests returns the morning cards' builder and sender.
func (m *Main) digests(out handlers.Sender, replica string) *handlers.Digests {
	return newDigests(m.Store, m.Config, m.Tenant.ID, m.tenantLocation(), m.calendar(), m.Now, out, replica)
}

func newDigests(st *storage.Store, cfg *config.Config, tenant string, loc *time.Location, cal *domain.Calendar,
	now func() time.Time, out handlers.Sender, replica string) *handlers.Digests {
	return &handlers.Digests{Store: st, Jobs: st, Out: out, Tenant: tenant, Cal: cal, Loc: loc, Now: now,
		ProgressAt: cfg.Schedule.ProgressCard, DigestAt: cfg.Schedule.Digest, StaleDays: cfg.Followup.StaleDays,
		Replica: replica}
}

// runDigest prints (and with --send queues) the morning cards of a day.
func runDigest(ctx context.Context, env *cliEnv, args []string) error {
	fs, cfgPath := newFlags("digest", env)
	team := fs.String("team", "", "only this team (by name)")
	date := fs.String("date", "", "the morning of this day (YYYY-MM-DD); default today")
	send := fs.Bool("send", false, "also send the cards: queue them in the outbox for the running bot to deliver")
	force := fs.Bool("force", false, "with --send: send even the cards already sent for that day")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, pos[0])
	}
	st, tenant, cfg, err := openForCLI(ctx, env, *cfgPath)
	if err != nil {
		return err
	}
	defer st.Close()
	loc := cfg.Location()
	if l, err := time.LoadLocation(tenant.Timezone); err == nil && tenant.Timezone != "" {
		loc = l
	}
	day := time.Now().In(loc)
	if *date != "" {
		if day, err = time.ParseInLocation(time.DateOnly, *date, loc); err != nil {
			return fmt.Errorf("%w: --date must be YYYY-MM-DD, got %q", errUsage, *date)
		}
		day = day.Add(9 * time.Hour)
	}
	log := newLogger(cfg, env.stderr)
	out := &outboxWriter{st: st, platforms: enabledPlatforms(cfg)}
	d := newDigests(st, cfg, tenant.ID, loc, calendarOf(cfg, log), time.Now, out, "cli")
	mornings, err := d.Morning(ctx, day, *team)
	if err != nil {
		return err
	}
	chats, err := st.Chats(ctx, tenant.ID, "")
	if err != nil {
		return err
	}
	printed := 0
	for _, tm := range mornings {
		for _, c := range []*bot.Card{tm.Progress, tm.Digest} {
			if c == nil {
				continue
			}
			if printed > 0 {
				fmt.Fprintln(env.stdout)
			}
			fmt.Fprint(env.stdout, handlers.CardText(c))
			printed++
		}
		if !*send {
			continue
		}
		var cardOuts, digestOuts []bot.Outgoing
		if tm.Progress != nil {
			for _, c := range chats {
				if c.TeamID == tm.Team.ID && c.Purpose == domain.PurposeTeam {
					cardOuts = append(cardOuts, bot.Outgoing{Platform: bot.Platform(c.Platform), To: bot.Target{ChatID: c.PlatformChatID}, Card: tm.Progress})
				}
			}
		}
		if tm.Digest != nil {
			digestOuts = append(digestOuts, bot.Outgoing{To: bot.Target{MemberID: tm.Team.ManagerID}, Card: tm.Digest})
		}
		// Claimed like the scheduler's own sends, so the morning run does
		// not send the same cards again (and a second --send neither).
		slot := day.In(loc).Format(time.DateOnly) + "/" + tm.Team.ID
		for _, job := range []struct {
			name string
			outs []bot.Outgoing
		}{{handlers.JobProgressCard, cardOuts}, {handlers.JobDigest, digestOuts}} {
			if len(job.outs) == 0 {
				continue
			}
			err := st.InTx(ctx, func(ctx context.Context) error {
				ok, err := st.ClaimJobRun(ctx, job.name, tenant.ID, slot, "cli", time.Now())
				if err != nil {
					return err
				}
				if !ok && !*force {
					fmt.Fprintf(env.stderr, "%s: the %s of %s was already sent (use --force to send it again)\n",
						tm.Team.Name, job.name, day.In(loc).Format(time.DateOnly))
					return nil
				}
				if ok {
					if err := st.FinishJobRun(ctx, job.name, tenant.ID, slot, "done", "", time.Now()); err != nil {
						return err
					}
				}
				return out.Enqueue(ctx, tenant.ID, job.outs...)
			})
			if err != nil {
				return err
			}
		}
	}
	if printed == 0 {
		fmt.Fprintln(env.stdout, "no team has members to report on")
	}
	if *send {
		fmt.Fprintf(env.stderr, "queued %d message(s); a running salesbot serve delivers them\n", out.queued)
	}
	return nil
}

// enabledPlatforms lists the configured platforms, the console last.
func enabledPlatforms(cfg *config.Config) []bot.Platform {
	var ps []bot.Platform
	if cfg.Lark.Enabled() {
		ps = append(ps, bot.Lark)
	}
	if cfg.WeCom.Enabled() {
		ps = append(ps, bot.WeCom)
	}
	if cfg.DingTalk.Enabled() {
		ps = append(ps, bot.DingTalk)
	}
	if cfg.ConsoleEnabled() {
		ps = append(ps, bot.Console)
	}
	return ps
}

// outboxWriter queues messages from a command-line process, addressing
// members the way the kernel does; the serving process delivers them.
type outboxWriter struct {
	st        *storage.Store
	platforms []bot.Platform
	queued    int
}

func (w *outboxWriter) Enqueue(ctx context.Context, tenant string, outs ...bot.Outgoing) error {
	now := time.Now()
	var items []bot.OutboxItem
	for _, out := range outs {
		if out.To.MemberID != "" && out.To.UserID == "" && out.To.ChatID == "" {
			p, uid, err := w.st.ReachMember(ctx, tenant, out.To.MemberID, w.platforms)
			if err != nil {
				continue // cannot be reached on any configured platform
			}
			out.Platform, out.To.UserID = p, uid
		}
		id := bot.NewID()
		out.Key = id
		items = append(items, bot.OutboxItem{ID: id, Tenant: tenant, Out: out, Status: bot.OutboxPending, NextAt: now, CreatedAt: now})
	}
	w.queued += len(items)
	return w.st.Enqueue(ctx, items)
}
