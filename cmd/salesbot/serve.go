package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/bot/console"
	"github.com/salesbot/salesbot/config"
	"github.com/salesbot/salesbot/domain"
	"github.com/salesbot/salesbot/storage"
)

// shutdownGrace is how long in-flight requests and handlers get to finish
// on shutdown; orchestrators usually kill after 30 s.
const shutdownGrace = 25 * time.Second

// Main is the whole running program, built from a configuration. The
// end-to-end tests build the same Main.
type Main struct {
	Config   *config.Config
	Log      *slog.Logger
	Store    *storage.Store
	Tenant   domain.Tenant
	Kernel   *bot.Kernel
	Console  *console.Adapter
	Registry *prometheus.Registry
	// Now is the clock; tests may replace it before Open.
	Now func() time.Time
	// Demo loads the demo company on Open (once).
	Demo bool

	handler  http.Handler
	listener net.Listener
	runners  []bot.Runner
	sched    *bot.Scheduler
}

// NewMain returns a Main for the configuration.
func NewMain(cfg *config.Config, log *slog.Logger) *Main {
	return &Main{Config: cfg, Log: log, Now: time.Now}
}

// Open connects to the database, brings the schema up to date, creates the
// tenant on first start, and wires the kernel, handlers and platforms.
func (m *Main) Open(ctx context.Context) error {
	st, err := storage.Open(ctx, m.Config.Database.Driver, m.Config.Database.DSN, m.Log)
	if err != nil {
		return err
	}
	m.Store = st
	if err := st.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	name := m.Config.Company
	if name == "" {
		name = "我的公司"
	}
	if m.Tenant, err = st.EnsureTenant(ctx, name, m.Config.Timezone); err != nil {
		return fmt.Errorf("tenant: %w", err)
	}
	if m.Demo {
		// Before the console binds team chats, so the demo's teams get theirs.
		if err := m.loadDemo(ctx); err != nil {
			return err
		}
	}

	m.Registry = prometheus.NewRegistry()
	m.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.Kernel = bot.NewKernel(st, newRouter(m), bot.Options{
		Log: m.Log, Now: m.Now, Metrics: bot.NewMetrics(m.Registry),
	})

	if err := m.schedule(); err != nil {
		return err
	}

	mux := http.NewServeMux()
	m.routeOps(mux)
	m.routeAPI(mux)
	if m.Config.ConsoleEnabled() {
		if err := m.openConsole(ctx, mux); err != nil {
			return err
		}
	}
	if err := m.openLark(ctx, mux); err != nil {
		return err
	}
	if err := m.openWeCom(ctx, mux); err != nil {
		return err
	}
	if err := m.openDingTalk(ctx, mux); err != nil {
		return err
	}
	m.handler = limitBody(mux, maxBody)
	return nil
}

// openConsole binds the local console platform: one group chat per team.
func (m *Main) openConsole(ctx context.Context, mux *http.ServeMux) error {
	teams, err := m.Store.Teams(ctx, m.Tenant.ID)
	if err != nil {
		return fmt.Errorf("console: %w", err)
	}
	for _, t := range teams {
		_, err := m.Store.EnsureChat(ctx, domain.Chat{TenantID: m.Tenant.ID, Platform: string(bot.Console),
			PlatformChatID: "team:" + t.ID, Name: t.Name + "群", Kind: domain.ChatGroup, TeamID: t.ID, Purpose: domain.PurposeTeam})
		if err != nil {
			return fmt.Errorf("console chat for %s: %w", t.Name, err)
		}
	}
	m.Console = console.New(&consoleDirectory{store: m.Store, tenant: m.Tenant.ID}, m.Log, m.Now)
	m.addAdapter(mux, m.Console)
	return nil
}

// addAdapter registers a platform adapter: the kernel sends through it, its
// webhook routes are mounted, and Run starts its long connection if it has
// one.
func (m *Main) addAdapter(mux *http.ServeMux, a bot.Adapter) {
	m.Kernel.AddAdapter(a)
	if w, ok := a.(bot.Webhook); ok {
		for pattern, h := range w.Routes(m.Kernel) {
			mux.Handle(pattern, h)
		}
	}
	if r, ok := a.(bot.Runner); ok {
		m.runners = append(m.runners, r)
	}
}

// Handler returns the HTTP handler of everything salesbot serves.
func (m *Main) Handler() http.Handler { return m.handler }

// Listen opens the listening socket, so the address is known (and taken)
// before Run.
func (m *Main) Listen() error {
	ln, err := net.Listen("tcp", m.Config.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	m.listener = ln
	return nil
}

// Addr returns the address Main listens on.
func (m *Main) Addr() string { return m.listener.Addr().String() }

// Run serves HTTP and runs the kernel until ctx is cancelled, then shuts
// down gracefully within shutdownGrace.
func (m *Main) Run(ctx context.Context) error {
	if m.listener == nil {
		if err := m.Listen(); err != nil {
			return err
		}
	}
	srv := &http.Server{
		Handler:           m.handler,
		ReadHeaderTimeout: 10 * time.Second,
		// Long polls in the console wait up to 30 s.
		WriteTimeout: 60 * time.Second,
		IdleTimeout:  2 * time.Minute,
		ErrorLog:     slog.NewLogLogger(m.Log.Handler(), slog.LevelWarn),
	}
	// Requests get a base context that ends when shutdown starts, so the
	// console's long polls (up to 30 s) return at once instead of holding
	// shutdown for its whole grace period.
	baseCtx, cancelBase := context.WithCancel(context.Background())
	defer cancelBase()
	srv.BaseContext = func(net.Listener) context.Context { return baseCtx }
	srv.RegisterOnShutdown(cancelBase)

	kctx, stopKernel := context.WithCancel(context.WithoutCancel(ctx))
	defer stopKernel()
	kernelDone := make(chan error, 1)
	go func() { kernelDone <- m.Kernel.Run(kctx) }()
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(m.listener) }()
	// Long connections (Lark WebSocket, DingTalk Stream, WeCom AI bot)
	// reconnect on their own and stop when rctx ends; so does the scheduler.
	rctx, stopRunners := context.WithCancel(ctx)
	defer stopRunners()
	var runners sync.WaitGroup
	for _, r := range m.runners {
		runners.Go(func() {
			if err := r.Run(rctx, m.Kernel); err != nil && rctx.Err() == nil {
				m.Log.Error("long connection stopped", "err", err)
			}
		})
	}
	runners.Go(func() { m.sched.Run(rctx, 30*time.Second) })

	select {
	case err := <-serveErr:
		stopRunners()
		stopKernel()
		<-kernelDone
		runners.Wait()
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	m.Log.Info("shutting down", "grace", shutdownGrace)
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	stopRunners()
	// HTTP and the kernel wind down together: requests still in flight
	// are answered, handlers and sends in progress finish, and nothing new
	// starts.
	httpDone := make(chan struct{})
	go func() {
		defer close(httpDone)
		if err := srv.Shutdown(sctx); err != nil {
			m.Log.Warn("http shutdown", "err", err)
			_ = srv.Close()
		}
	}()
	stopKernel()
	allDone := make(chan struct{})
	go func() {
		<-kernelDone
		<-httpDone
		runners.Wait()
		close(allDone)
	}()
	select {
	case <-allDone:
		return nil
	case <-sctx.Done():
		return errors.New("shutdown: work in progress did not finish within the grace period")
	}
}

// Close releases the database.
func (m *Main) Close() error {
	if m.Store != nil {
		return m.Store.Close()
	}
	return nil
}

// loadConfig reads the configuration file (if any) and the environment.
func loadConfig(path string) (*config.Config, error) {
	return config.Load(path)
}

// newLogger returns the process logger as configured.
func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Log.Level))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func runServe(ctx context.Context, env *cliEnv, args []string) error {
	fs, cfgPath := newFlags("serve", env)
	demo := fs.Bool("demo", false, "load a fictional company (once) so every card shows real-looking data")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	log := newLogger(cfg, env.stderr)
	log.Info("starting salesbot", "version", version, "config", cfg)
	m := NewMain(cfg, log)
	defer m.Close()
	m.Demo = *demo
	if err := m.Open(ctx); err != nil {
		return err
	}
	if err := m.Listen(); err != nil {
		return err
	}
	if m.Console != nil {
		log.Info("console ready", "url", "http://"+m.Addr()+"/")
		fmt.Fprintf(env.stderr, "\n  salesbot console: http://%s/\n\n", m.Addr())
	}
	return m.Run(ctx)
}

func runMigrate(ctx context.Context, env *cliEnv, args []string) error {
	fs, cfgPath := newFlags("migrate", env)
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	st, err := storage.Open(ctx, cfg.Database.Driver, cfg.Database.DSN, newLogger(cfg, env.stderr))
	if err != nil {
		return err
	}
	defer st.Close()
	before, latest, err := st.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if err := st.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	fmt.Fprintf(env.stdout, "schema at version %d (was %d)\n", latest, before)
	return nil
}

// bindRobots makes each configured group robot a team chat of platform, so
// that the team's morning progress card also goes to it: the chat's id is
// chatID(team), which the adapter resolves to the robot's webhook. A robot
// naming a team that does not exist stops start-up (a typo would otherwise
// silently send nothing). A robot chat bound before whose robot is no
// longer configured is unbound, so no card is sent to a webhook that is gone.
func (m *Main) bindRobots(ctx context.Context, platform bot.Platform, key string, robots []config.Robot, chatID func(team string) string) error {
	want := map[string]bool{}
	for _, r := range robots {
		want[chatID(r.Team)] = true
	}
	chats, err := m.Store.Chats(ctx, m.Tenant.ID, string(platform))
	if err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	for _, c := range chats {
		if strings.HasPrefix(c.PlatformChatID, chatID("")) && c.Purpose != "" && !want[c.PlatformChatID] {
			if err := m.Store.UnbindChat(ctx, m.Tenant.ID, c.ID); err != nil {
				return fmt.Errorf("%s: %w", key, err)
			}
			m.Log.Info("group robot no longer configured; its chat is unbound", "platform", platform, "chat", c.Name)
		}
	}
	for _, r := range robots {
		t, err := m.Store.TeamByName(ctx, m.Tenant.ID, r.Team)
		if domain.IsNotFound(err) {
			return fmt.Errorf("%s: no team named %q (import the org first, or fix the name)", key, r.Team)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		_, err = m.Store.EnsureChat(ctx, domain.Chat{TenantID: m.Tenant.ID, Platform: string(platform),
			PlatformChatID: chatID(t.Name), Name: t.Name + "群机器人", Kind: domain.ChatGroup, TeamID: t.ID, Purpose: domain.PurposeTeam})
		if err != nil {
			return fmt.Errorf("%s: team %s: %w", key, t.Name, err)
		}
	}
	return nil
}
