// Package config loads salesbot's configuration (DESIGN.md §4): a YAML file
// whose every key can be overridden by an environment variable, checked as a
// whole before anything starts, and rendered with its secrets masked so that
// printing or logging it never leaks a credential.
package config

import (
	"log/slog"
	"strings"
	"time"

	// The default time zone is Asia/Shanghai, and minimal container images
	// ship no zoneinfo; embedding it keeps validation independent of the host.
	_ "time/tzdata"
)

// Config is salesbot's whole configuration. The yaml tags are the contract of
// DESIGN.md §4; fields tagged secret:"true" are masked when printed, and the
// field tagged secret:"dsn" has only its password masked.
type Config struct {
	// Listen is the host:port of the HTTP server.
	Listen string `yaml:"listen"`
	// Timezone is the IANA zone used for teams that set none.
	Timezone string `yaml:"timezone"`
	// Company is the tenant's display name; empty shows as "My Company".
	Company string `yaml:"company"`

	Database Database `yaml:"database"` // Database is the storage.
	API      API      `yaml:"api"`      // API is the /api/v1 HTTP API.
	Console  Console  `yaml:"console"`  // Console is the local web chat.
	Lark     Lark     `yaml:"lark"`     // Lark is the Lark (Feishu) app.
	WeCom    WeCom    `yaml:"wecom"`    // WeCom is the WeCom app and AI bot.
	DingTalk DingTalk `yaml:"dingtalk"` // DingTalk is the DingTalk app.
	Schedule Schedule `yaml:"schedule"` // Schedule times the workday pushes.
	Followup Followup `yaml:"followup"` // Followup holds follow-up rules.
	Tasks    Tasks    `yaml:"tasks"`    // Tasks holds task routing and reminders.
	Calendar Calendar `yaml:"calendar"` // Calendar overrides the work calendar.
	Log      Log      `yaml:"log"`      // Log configures the logger.
}

// Database selects the storage driver and its data source.
type Database struct {
	// Driver is sqlite or mysql (which also serves MariaDB and TiDB).
	Driver string `yaml:"driver"`
	// DSN is a SQLite file name, or a go-sql-driver/mysql DSN such as
	// user:pass@tcp(host:3306)/salesbot?charset=utf8mb4&parseTime=true&loc=UTC.
	DSN string `yaml:"dsn" secret:"dsn"`
}

// API configures the /api/v1 HTTP API.
type API struct {
	// Token is the bearer token; empty disables the API.
	Token string `yaml:"token" secret:"true"`
}

// Console configures the local web chat.
type Console struct {
	// Enabled forces the console on or off; nil means on only when no
	// platform is configured. Use Config.ConsoleEnabled to read it.
	Enabled *bool `yaml:"enabled"`
}

// Lark configures the Lark (Feishu) app.
type Lark struct {
	// AppID and AppSecret are the app's credentials; both set enable Lark.
	AppID     string `yaml:"app_id"`
	AppSecret string `yaml:"app_secret" secret:"true"`
	// VerificationToken is the event subscription's verification token.
	VerificationToken string `yaml:"verification_token" secret:"true"`
	// EncryptKey signs and encrypts event callbacks; webhook mode requires it.
	EncryptKey string `yaml:"encrypt_key" secret:"true"`
	// Mode is webhook or websocket.
	Mode string `yaml:"mode"`
	// BaseURL is https://open.feishu.cn, https://open.larksuite.com for
	// Lark international, or a local emulator in tests.
	BaseURL string `yaml:"base_url"`
}

// WeCom configures the WeCom self-built app (DMs, template cards, pushes to
// members) and the AI bot that receives group-chat @messages.
type WeCom struct {
	// CorpID, AgentID and Secret identify the self-built app; CorpID and
	// Secret set enable it.
	CorpID  string `yaml:"corp_id"`
	AgentID int    `yaml:"agent_id"`
	Secret  string `yaml:"secret" secret:"true"`
	// Token and EncodingAESKey sign and encrypt the app's callbacks.
	Token          string `yaml:"token" secret:"true"`
	EncodingAESKey string `yaml:"encoding_aes_key" secret:"true"`
	// BaseURL is https://qyapi.weixin.qq.com, or a local emulator in tests.
	BaseURL string `yaml:"base_url"`
	// AIBot is the bot that receives group-chat @messages.
	AIBot AIBot `yaml:"aibot"`
	// GroupRobots names the group robots (消息推送 webhooks) that carry a
	// team's morning progress card into a group the app and the AI bot
	// cannot post to: "team=webhook URL or key", separated by ";". See
	// Robots.
	GroupRobots string `yaml:"group_robots" secret:"true"`
}

// AIBot configures the WeCom 智能机器人.
type AIBot struct {
	// Mode is websocket (a long connection, no public URL needed; uses
	// BotID and Secret) or webhook (uses Token and EncodingAESKey).
	Mode string `yaml:"mode"`
	// BotID and Secret authenticate the long connection.
	BotID  string `yaml:"bot_id"`
	Secret string `yaml:"secret" secret:"true"`
	// Token and EncodingAESKey sign and encrypt webhook callbacks.
	Token          string `yaml:"token" secret:"true"`
	EncodingAESKey string `yaml:"encoding_aes_key" secret:"true"`
	// WSURL is wss://openws.work.weixin.qq.com, or a local emulator in tests.
	WSURL string `yaml:"ws_url"`
}

// DingTalk configures the DingTalk app and its robot.
type DingTalk struct {
	// ClientID and ClientSecret are the app's credentials (AppKey and
	// AppSecret); both set enable DingTalk. The secret also signs webhook
	// callbacks.
	ClientID     string `yaml:"client_id"`
	ClientSecret string `yaml:"client_secret" secret:"true"`
	// RobotCode identifies the robot when sending messages.
	RobotCode string `yaml:"robot_code"`
	// Mode is stream (a long connection, no public URL needed) or webhook.
	Mode string `yaml:"mode"`
	// BaseURL (https://api.dingtalk.com) and OAPIBaseURL
	// (https://oapi.dingtalk.com) serve the new and the old API; a local
	// emulator in tests.
	BaseURL     string `yaml:"base_url"`
	OAPIBaseURL string `yaml:"oapi_base_url"`
	// CardTemplateID is the id of the interactive-card template built in
	// DingTalk's 卡片平台 with salesbot's variables (README "DingTalk
	// interactive cards"); set, cards with buttons are interactive cards,
	// empty, they are markdown with the buttons listed as what to say.
	CardTemplateID string `yaml:"card_template_id"`
	// GroupRobots names custom group robots (自定义机器人, signed) that carry
	// a team's morning progress card into a group: "team=webhook
	// URL,SEC…secret", separated by ";". Send-only. See Robots.
	GroupRobots string `yaml:"group_robots" secret:"true"`
}

// Schedule holds the team-local HH:MM times of the pushes, which run on
// workdays only (the China calendar, including 调休 make-up days).
type Schedule struct {
	// ProgressCard posts the daily progress card to each team chat.
	ProgressCard string `yaml:"progress_card"`
	// Digest sends the manager's morning digest.
	Digest string `yaml:"digest"`
	// DailyReportReminder nudges reps who logged nothing today.
	DailyReportReminder string `yaml:"daily_report_reminder"`
	// NextStepReminder tells reps, on the morning of the day, which next
	// steps they planned for it (every day: the rep chose the date).
	NextStepReminder string `yaml:"next_step_reminder"`
	// CollectionReminder reminds reps of planned collections (3 days before,
	// on the due day, then daily) and tells managers of long-overdue ones.
	CollectionReminder string `yaml:"collection_reminder"`
}

// Followup holds follow-up rules.
type Followup struct {
	// StaleDays is how many days without a follow-up make a customer stale.
	StaleDays int `yaml:"stale_days"`
}

// Task routing policies (Tasks.Routing).
const (
	RoutingLeastLoaded = "least_loaded"
	RoutingRoundRobin  = "round_robin"
	RoutingFixed       = "fixed"
)

// Tasks holds how tasks asked of a role ("找个售前") find their assignee, and
// when their reminders go out.
type Tasks struct {
	// Routing picks the member of the role, in the creator's team first:
	// least_loaded (fewest open tasks), round_robin (the one whose last
	// task is oldest) or fixed (always the team's first member of the role).
	Routing string `yaml:"routing"`
	// RemindBeforeMinutes is how long before its due time a task's assignee
	// is reminded.
	RemindBeforeMinutes int `yaml:"remind_before_minutes"`
}

// Calendar corrects or extends the built-in China work calendar (statutory
// holidays and 调休 make-up workdays from the State Council's notices): a
// company's own days off, or a notice published after this release.
type Calendar struct {
	// Holidays are extra days off, "YYYY-MM-DD" separated by commas.
	Holidays string `yaml:"holidays"`
	// Workdays are extra workdays (make-up days), "YYYY-MM-DD" separated
	// by commas.
	Workdays string `yaml:"workdays"`
}

// Days splits a comma-separated list of days.
func (c Calendar) Days(list string) []string {
	var out []string
	for _, d := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		out = append(out, d)
	}
	return out
}

// Log configures the process logger.
type Log struct {
	// Level is debug, info, warn or error.
	Level string `yaml:"level"`
	// Format is text or json.
	Format string `yaml:"format"`
}

// Default returns the configuration used for every key that neither the file
// nor the environment sets.
func Default() *Config {
	return &Config{
		Listen:   "127.0.0.1:8080",
		Timezone: "Asia/Shanghai",
		Database: Database{Driver: "sqlite", DSN: "salesbot.db"},
		Lark:     Lark{Mode: "webhook", BaseURL: "https://open.feishu.cn"},
		WeCom: WeCom{
			BaseURL: "https://qyapi.weixin.qq.com",
			AIBot:   AIBot{Mode: "websocket", WSURL: "wss://openws.work.weixin.qq.com"},
		},
		DingTalk: DingTalk{
			Mode:        "stream",
			BaseURL:     "https://api.dingtalk.com",
			OAPIBaseURL: "https://oapi.dingtalk.com",
		},
		Schedule: Schedule{ProgressCard: "08:30", Digest: "08:45", DailyReportReminder: "18:00", NextStepReminder: "09:00",
			CollectionReminder: "09:30"},
		Followup: Followup{StaleDays: 14},
		Tasks:    Tasks{Routing: RoutingLeastLoaded, RemindBeforeMinutes: 120},
		Log:      Log{Level: "info", Format: "text"},
	}
}

// Enabled reports whether the Lark app's credentials are set.
func (l Lark) Enabled() bool { return l.AppID != "" && l.AppSecret != "" }

// Enabled reports whether the WeCom self-built app's credentials are set.
func (w WeCom) Enabled() bool { return w.CorpID != "" && w.Secret != "" }

// Enabled reports whether the credentials of the AI bot's mode are set.
func (a AIBot) Enabled() bool {
	if a.Mode == "webhook" {
		return a.Token != "" && a.EncodingAESKey != ""
	}
	return a.BotID != "" && a.Secret != ""
}

// Enabled reports whether the DingTalk app's credentials are set.
func (d DingTalk) Enabled() bool { return d.ClientID != "" && d.ClientSecret != "" }

// ConsoleEnabled reports whether the local web chat should run: as set, or
// when unset only if no chat platform is configured, so a fresh install has
// something to talk to and a production one exposes no extra surface.
func (c *Config) ConsoleEnabled() bool {
	if c.Console.Enabled != nil {
		return *c.Console.Enabled
	}
	return !c.Lark.Enabled() && !c.WeCom.Enabled() && !c.WeCom.AIBot.Enabled() && !c.DingTalk.Enabled()
}

// Location returns the default time zone. It reads the zone database, so
// call it once at start-up; on a config that failed Validate it returns UTC.
func (c *Config) Location() *time.Location {
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// CompanyName returns the tenant's display name, or "My Company" when unset.
func (c *Config) CompanyName() string {
	if c.Company == "" {
		return "My Company"
	}
	return c.Company
}

// SlogLevel returns Level as a slog.Level; an invalid level (which Validate
// rejects) reads as info.
func (l Log) SlogLevel() slog.Level {
	switch l.Level {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}
