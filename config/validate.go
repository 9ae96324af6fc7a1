package config

import (
	"encoding/base64"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Validate checks the whole configuration, so that a mistake stops start-up
// instead of surfacing at the first callback or scheduled push. The error is
// one line naming the first offending key and why, like
//
//	config: database.driver: must be sqlite or mysql, got "postgres"
func (c *Config) Validate() error {
	return first(
		checkListen(c.Listen),
		checkTimezone(c.Timezone),
		checkDatabase(c.Database),
		c.Lark.check(),
		c.WeCom.check(),
		c.WeCom.AIBot.check(),
		c.DingTalk.check(),
		robotsErr(c.WeCom.Robots()),
		robotsErr(c.DingTalk.Robots()),
		checkClock("schedule.progress_card", c.Schedule.ProgressCard),
		checkClock("schedule.digest", c.Schedule.Digest),
		checkClock("schedule.daily_report_reminder", c.Schedule.DailyReportReminder),
		checkClock("schedule.next_step_reminder", c.Schedule.NextStepReminder),
		checkClock("schedule.collection_reminder", c.Schedule.CollectionReminder),
		checkMin("followup.stale_days", c.Followup.StaleDays, 1),
		checkDays("calendar.holidays", c.Calendar.Days(c.Calendar.Holidays)),
		checkDays("calendar.workdays", c.Calendar.Days(c.Calendar.Workdays)),
		checkOneOf("tasks.routing", c.Tasks.Routing, RoutingLeastLoaded, RoutingRoundRobin, RoutingFixed),
		checkMin("tasks.remind_before_minutes", c.Tasks.RemindBeforeMinutes, 1),
		checkOneOf("log.level", c.Log.Level, "debug", "info", "warn", "error"),
		checkOneOf("log.format", c.Log.Format, "text", "json"),
	)
}

// unauthenticated explains the webhook-secret rule of DESIGN.md §4.
const unauthenticated = "(callbacks would be unauthenticated)"

func (l Lark) check() error {
	if err := first(
		checkOneOf("lark.mode", l.Mode, "webhook", "websocket"),
		checkURL("lark.base_url", l.BaseURL, "http", "https"),
		requireAll([]setting{{"lark.app_id", l.AppID}, {"lark.app_secret", l.AppSecret}},
			setting{"lark.verification_token", l.VerificationToken}, setting{"lark.encrypt_key", l.EncryptKey}),
	); err != nil {
		return err
	}
	// The Lark SDK skips signature checks when the encrypt key is empty.
	if l.Enabled() && l.Mode == "webhook" && l.EncryptKey == "" {
		return invalid("lark.encrypt_key", "required when lark.mode is webhook %s", unauthenticated)
	}
	return nil
}

func (w WeCom) check() error {
	agentID := ""
	if w.AgentID != 0 {
		agentID = strconv.Itoa(w.AgentID)
	}
	if err := first(
		checkMin("wecom.agent_id", w.AgentID, 0),
		checkURL("wecom.base_url", w.BaseURL, "http", "https"),
		checkAESKey("wecom.encoding_aes_key", w.EncodingAESKey),
		// The agent id is needed to push any message, so it is a credential too.
		requireAll([]setting{{"wecom.corp_id", w.CorpID}, {"wecom.secret", w.Secret}, {"wecom.agent_id", agentID}},
			setting{"wecom.token", w.Token}, setting{"wecom.encoding_aes_key", w.EncodingAESKey}),
	); err != nil {
		return err
	}
	// The app receives member messages only through its callback URL.
	if w.Enabled() {
		return requireSecrets("when wecom is enabled",
			setting{"wecom.token", w.Token}, setting{"wecom.encoding_aes_key", w.EncodingAESKey})
	}
	return nil
}

func (a AIBot) check() error {
	if err := first(
		checkOneOf("wecom.aibot.mode", a.Mode, "websocket", "webhook"),
		checkURL("wecom.aibot.ws_url", a.WSURL, "ws", "wss"),
		checkAESKey("wecom.aibot.encoding_aes_key", a.EncodingAESKey),
	); err != nil {
		return err
	}
	token, aesKey := setting{"wecom.aibot.token", a.Token}, setting{"wecom.aibot.encoding_aes_key", a.EncodingAESKey}
	if a.Mode == "websocket" {
		return requireAll([]setting{{"wecom.aibot.bot_id", a.BotID}, {"wecom.aibot.secret", a.Secret}}, token, aesKey)
	}
	if a.BotID != "" || a.Secret != "" || a.Token != "" || a.EncodingAESKey != "" {
		return requireSecrets("when wecom.aibot.mode is webhook", token, aesKey)
	}
	return nil
}

func (d DingTalk) check() error {
	if err := first(
		checkOneOf("dingtalk.mode", d.Mode, "stream", "webhook"),
		checkURL("dingtalk.base_url", d.BaseURL, "http", "https"),
		checkURL("dingtalk.oapi_base_url", d.OAPIBaseURL, "http", "https"),
	); err != nil {
		return err
	}
	// The client secret signs webhook callbacks; say so before the generic rule.
	if d.Mode == "webhook" && d.ClientID != "" {
		if err := requireSecrets("when dingtalk.mode is webhook", setting{"dingtalk.client_secret", d.ClientSecret}); err != nil {
			return err
		}
	}
	return requireAll([]setting{{"dingtalk.client_id", d.ClientID}, {"dingtalk.client_secret", d.ClientSecret}},
		setting{"dingtalk.robot_code", d.RobotCode})
}

func robotsErr(_ []Robot, err error) error { return err }

// setting is a key and its value, for rules that relate several keys.
type setting struct{ key, value string }

// requireAll reports the first empty one of need when any of need or also is
// set: a half-configured platform would otherwise be silently disabled.
func requireAll(need []setting, also ...setting) error {
	all := append(slices.Clip(need), also...)
	i := slices.IndexFunc(all, func(s setting) bool { return s.value != "" })
	if i < 0 {
		return nil
	}
	set := all[i].key
	for _, s := range need {
		if s.value == "" {
			return invalid(s.key, "required because %s is set", set)
		}
	}
	return nil
}

// requireSecrets reports the first empty one of secrets, which authenticate
// a platform's callbacks.
func requireSecrets(when string, secrets ...setting) error {
	for _, s := range secrets {
		if s.value == "" {
			return invalid(s.key, "required %s %s", when, unauthenticated)
		}
	}
	return nil
}

func checkListen(s string) error {
	_, port, err := net.SplitHostPort(s)
	if err == nil {
		_, err = strconv.ParseUint(port, 10, 16)
	}
	if err != nil {
		return invalid("listen", "must be host:port, got %q", s)
	}
	return nil
}

func checkTimezone(s string) error {
	if s == "" {
		// time.LoadLocation("") is UTC, which should be said explicitly.
		return invalid("timezone", "must not be empty (use UTC for UTC)")
	}
	if _, err := time.LoadLocation(s); err != nil {
		return invalid("timezone", "unknown time zone %q", s)
	}
	return nil
}

func checkDatabase(d Database) error {
	if err := checkOneOf("database.driver", d.Driver, "sqlite", "mysql"); err != nil {
		return err
	}
	if d.DSN == "" {
		return invalid("database.dsn", "must not be empty")
	}
	if d.Driver == "mysql" {
		// The driver's errors never quote the password.
		if _, err := mysql.ParseDSN(d.DSN); err != nil {
			return invalid("database.dsn", "not a MySQL DSN: %v", err)
		}
	}
	return nil
}

func checkOneOf(key, value string, allowed ...string) error {
	if slices.Contains(allowed, value) {
		return nil
	}
	list := strings.Join(allowed[:len(allowed)-1], ", ") + " or " + allowed[len(allowed)-1]
	return invalid(key, "must be %s, got %q", list, value)
}

func checkURL(key, raw string, schemes ...string) error {
	u, err := url.Parse(raw)
	if err != nil || !slices.Contains(schemes, u.Scheme) || u.Host == "" {
		return invalid(key, "must be an absolute %s URL, got %q", strings.Join(schemes, " or "), raw)
	}
	return nil
}

// checkClock accepts HH:MM from 00:00 to 23:59, two digits each.
func checkClock(key, s string) error {
	if _, err := time.Parse("15:04", s); err != nil || len(s) != len("15:04") {
		return invalid(key, "must be a time of day HH:MM from 00:00 to 23:59, got %q", s)
	}
	return nil
}

func checkMin(key string, n, low int) error {
	if n < low {
		return invalid(key, "must be at least %d, got %d", low, n)
	}
	return nil
}

// checkAESKey accepts an empty key or the 43-character base64 form of a
// 32-byte key that WeCom's admin console shows; a mistyped key would
// otherwise fail only when the first callback cannot be decrypted.
func checkAESKey(key, s string) error {
	if s == "" {
		return nil
	}
	if len(s) != 43 {
		return invalid(key, "must be 43 characters, got %d", len(s))
	}
	if b, err := base64.StdEncoding.DecodeString(s + "="); err != nil || len(b) != 32 {
		return invalid(key, "must be base64 (letters and digits)")
	}
	return nil
}

// invalid returns the error for a bad key.
func invalid(key, format string, args ...any) error {
	return fmt.Errorf("config: %s: %s", key, fmt.Sprintf(format, args...))
}

// first returns the first non-nil error.
func first(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// checkDays checks a list of YYYY-MM-DD days.
func checkDays(key string, days []string) error {
	for _, d := range days {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			return invalid(key, "want YYYY-MM-DD days separated by commas, got %q", d)
		}
	}
	return nil
}
