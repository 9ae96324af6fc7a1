package config

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// full is testdata/salesbot.yaml: every platform configured.
const full = "testdata/salesbot.yaml"

// aesKey is a well-formed EncodingAESKey.
const aesKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"

func writeFile(t testing.TB, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "salesbot.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func loadFull(t *testing.T) *Config {
	t.Helper()
	c, err := LoadFrom(full, nil)
	if err != nil {
		t.Fatalf("LoadFrom(%q): %v", full, err)
	}
	return c
}

func ptr[T any](v T) *T { return &v }

func TestDefaultsWithoutFile(t *testing.T) {
	c, err := LoadFrom("", nil)
	if err != nil {
		t.Fatalf("LoadFrom: %v", err)
	}
	if !reflect.DeepEqual(c, Default()) {
		t.Errorf("LoadFrom(\"\", nil) =\n%v\nwant Default() =\n%v", c, Default())
	}
	if !c.ConsoleEnabled() {
		t.Error("ConsoleEnabled() = false with no platform configured")
	}
	if got := c.Location().String(); got != "Asia/Shanghai" {
		t.Errorf("Location() = %s, want Asia/Shanghai", got)
	}
	if got := c.CompanyName(); got != "My Company" {
		t.Errorf("CompanyName() = %q, want My Company", got)
	}
	if got := c.Log.SlogLevel(); got != slog.LevelInfo {
		t.Errorf("Log.SlogLevel() = %v, want INFO", got)
	}
}

func TestLoadFromPrecedence(t *testing.T) {
	path := writeFile(t, "listen: 0.0.0.0:9000\ndatabase:\n  dsn: from-file.db\nlark:\n  mode: websocket\n  base_url:\n")
	c, err := LoadFrom(path, []string{
		"SALESBOT_DATABASE_DSN=from-env.db",
		"SALESBOT_FOLLOWUP_STALE_DAYS=3",
		"SALESBOT_FOLLOWUP_STALE_DAYS=5", // the last one wins
		"SALESBOT_TEST_MYSQL_DSN=not-a-key",
		"HOME=/root",
		"NOEQUALSIGN",
	})
	if err != nil {
		t.Fatalf("LoadFrom: %v", err)
	}
	want := Default()
	want.Listen = "0.0.0.0:9000"      // file over default
	want.Database.DSN = "from-env.db" // env over file
	want.Followup.StaleDays = 5       // env over default
	want.Lark.Mode = "websocket"      // file; the empty base_url keeps its default
	if !reflect.DeepEqual(c, want) {
		t.Errorf("got\n%v\nwant\n%v", c, want)
	}
}

func TestLoadFull(t *testing.T) {
	c := loadFull(t)
	if !c.Lark.Enabled() || !c.WeCom.Enabled() || !c.WeCom.AIBot.Enabled() || !c.DingTalk.Enabled() {
		t.Errorf("platforms enabled: lark %v, wecom %v, aibot %v, dingtalk %v",
			c.Lark.Enabled(), c.WeCom.Enabled(), c.WeCom.AIBot.Enabled(), c.DingTalk.Enabled())
	}
	if c.WeCom.AgentID != 1000002 || c.Company != "演示公司" || c.Console.Enabled == nil || !*c.Console.Enabled {
		t.Errorf("agent_id %d, company %q, console.enabled %v", c.WeCom.AgentID, c.Company, c.Console.Enabled)
	}
	if got := c.Location().String(); got != "Asia/Tokyo" {
		t.Errorf("Location() = %s, want Asia/Tokyo", got)
	}
}

// leafPaths derives each setting's env name and field index from the yaml
// tags independently of the package's own walk.
func leafPaths(t reflect.Type, path string, index []int, out map[string][]int) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		p := strings.Trim(path+"_"+strings.ToUpper(name), "_")
		idx := append(slices.Clone(index), i)
		if f.Type.Kind() == reflect.Struct {
			leafPaths(f.Type, p, idx, out)
		} else {
			out["SALESBOT_"+p] = idx
		}
	}
}

func TestEnvKeys(t *testing.T) {
	fields := make(map[string][]int)
	leafPaths(reflect.TypeFor[Config](), "", nil, fields)
	names := EnvKeys()
	if len(names) != len(fields) {
		t.Errorf("EnvKeys() has %d names, the struct has %d settings", len(names), len(fields))
	}
	for _, want := range []string{"SALESBOT_DATABASE_DSN", "SALESBOT_LARK_APP_SECRET", "SALESBOT_WECOM_AIBOT_ENCODING_AES_KEY"} {
		if !slices.Contains(names, want) {
			t.Errorf("EnvKeys() lacks %s", want)
		}
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			idx, ok := fields[name]
			if !ok {
				t.Fatalf("%s matches no yaml path", name)
			}
			want := Default()
			f := reflect.ValueOf(want).Elem().FieldByIndex(idx)
			var value string
			switch f.Kind() {
			case reflect.String:
				value = "set-by-" + name
				f.SetString(value)
			case reflect.Int:
				value = "4242"
				f.SetInt(4242)
			case reflect.Pointer:
				value = "false"
				f.Set(reflect.ValueOf(ptr(false)))
			default:
				t.Fatalf("unexpected kind %s", f.Kind())
			}
			c := Default()
			if err := c.applyEnv([]string{name + "=" + value}); err != nil {
				t.Fatalf("applyEnv: %v", err)
			}
			if !reflect.DeepEqual(c, want) {
				t.Errorf("%s=%s did not set exactly its field:\n%+v", name, value, c.Redacted())
			}
		})
	}
}

func TestEnvErrors(t *testing.T) {
	tests := []struct {
		name, env, want string
	}{
		{"int not a number", "SALESBOT_WECOM_AGENT_ID=abc", `config: SALESBOT_WECOM_AGENT_ID: want an integer, got "abc"`},
		{"bool not a bool", "SALESBOT_CONSOLE_ENABLED=maybe", `config: SALESBOT_CONSOLE_ENABLED: want true or false, got "maybe"`},
		{"validated", "SALESBOT_DATABASE_DRIVER=postgres", `config: database.driver: must be sqlite or mysql, got "postgres"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadFrom("", []string{tt.env})
			if err == nil || err.Error() != tt.want {
				t.Errorf("LoadFrom with %s: err = %v, want %s", tt.env, err, tt.want)
			}
		})
	}
	t.Run("empty bool means auto", func(t *testing.T) {
		c, err := LoadFrom(full, []string{"SALESBOT_CONSOLE_ENABLED="})
		if err != nil {
			t.Fatal(err)
		}
		if c.Console.Enabled != nil {
			t.Errorf("console.enabled = %v, want nil", *c.Console.Enabled)
		}
	})
}

func TestFileErrors(t *testing.T) {
	tests := []struct {
		name, yaml, want string // want follows "config: <path> "
	}{
		{"unknown top-level key", "listen: :80\ndatabase: {}\ndatabse:\n  dsn: x\n", `line 3: unknown key "databse"`},
		{"unknown nested key", "lark:\n  app_secrt: x\n", `line 2: unknown key "lark.app_secrt"`},
		{"unknown deep key", "wecom:\n  aibot:\n    bot: x\n", `line 3: unknown key "wecom.aibot.bot"`},
		{"merge keys unsupported", "lark:\n  <<: {mode: webhook}\n", `line 2: unknown key "lark.<<"`},
		{"duplicate key", "listen: :80\nlisten: :81\n", `line 2: duplicate key "listen"`},
		{"int expected", "wecom:\n  agent_id: abc\n", `line 2: wecom.agent_id: want an integer, got "abc"`},
		{"bool expected", "console:\n  enabled: sometimes\n", `line 2: console.enabled: want true or false, got "sometimes"`},
		{"string expected", "listen: [a, b]\n", `line 1: listen: want a string, got a list`},
		{"secret value hidden", "api:\n  token: {a: b}\n", `line 2: api.token: want a string, got a mapping`},
		{"mapping expected", "lark: webhook\n", `line 1: lark: want a mapping, got "webhook"`},
		{"top level not a mapping", "- listen\n", `line 1: top level: want a mapping, got a list`},
		{"syntax error", "listen: [\n", `line 1: did not find expected node content`},
		{"two documents", "listen: :80\n---\nlisten: :81\n", `: more than one YAML document`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, tt.yaml)
			_, err := LoadFrom(path, nil)
			want := "config: " + path + " " + tt.want
			if strings.HasPrefix(tt.want, ":") {
				want = "config: " + path + tt.want
			}
			if err == nil || err.Error() != want {
				t.Errorf("err = %v\nwant %s", err, want)
			}
		})
	}
	t.Run("missing file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "absent.yaml")
		if _, err := LoadFrom(path, nil); err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("err = %v, want one naming %s", err, path)
		}
	})
	t.Run("aliases and empty values", func(t *testing.T) {
		path := writeFile(t, "listen: &l 0.0.0.0:1\nlark:\ndatabase:\n  dsn: *l\n")
		c, err := LoadFrom(path, nil)
		if err != nil || c.Database.DSN != "0.0.0.0:1" || c.Lark.Mode != "webhook" {
			t.Errorf("LoadFrom = %+v, %v", c, err)
		}
	})
	t.Run("empty file", func(t *testing.T) {
		c, err := LoadFrom(writeFile(t, "# nothing\n"), nil)
		if err != nil || !reflect.DeepEqual(c, Default()) {
			t.Errorf("LoadFrom = %v, %v; want defaults", c, err)
		}
	})
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		want   string // the whole error, or "" for valid
	}{
		{"full config", func(*Config) {}, ""},
		{"listen any interface", func(c *Config) { c.Listen = ":8080" }, ""},
		{"listen without port", func(c *Config) { c.Listen = "8080" }, `config: listen: must be host:port, got "8080"`},
		{"listen named port", func(c *Config) { c.Listen = "localhost:http" }, `config: listen: must be host:port, got "localhost:http"`},
		{"unknown timezone", func(c *Config) { c.Timezone = "Mars/Olympus" }, `config: timezone: unknown time zone "Mars/Olympus"`},
		{"empty timezone", func(c *Config) { c.Timezone = "" }, `config: timezone: must not be empty (use UTC for UTC)`},
		{"driver", func(c *Config) { c.Database.Driver = "postgres" }, `config: database.driver: must be sqlite or mysql, got "postgres"`},
		{"empty dsn", func(c *Config) { c.Database.DSN = "" }, `config: database.dsn: must not be empty`},
		{"mysql dsn without slash", func(c *Config) { c.Database.DSN = "u:p@tcp(h:3306)" },
			`config: database.dsn: not a MySQL DSN: invalid DSN: missing the slash separating the database name`},
		{"sqlite dsn", func(c *Config) { c.Database = Database{Driver: "sqlite", DSN: "file:x.db?_pragma=busy_timeout(5000)"} }, ""},
		{"lark mode", func(c *Config) { c.Lark.Mode = "http" }, `config: lark.mode: must be webhook or websocket, got "http"`},
		{"lark base url relative", func(c *Config) { c.Lark.BaseURL = "open.feishu.cn" },
			`config: lark.base_url: must be an absolute http or https URL, got "open.feishu.cn"`},
		{"wecom base url scheme", func(c *Config) { c.WeCom.BaseURL = "ftp://qyapi.weixin.qq.com" },
			`config: wecom.base_url: must be an absolute http or https URL, got "ftp://qyapi.weixin.qq.com"`},
		{"aibot ws url scheme", func(c *Config) { c.WeCom.AIBot.WSURL = "https://openws.work.weixin.qq.com" },
			`config: wecom.aibot.ws_url: must be an absolute ws or wss URL, got "https://openws.work.weixin.qq.com"`},
		{"dingtalk base url", func(c *Config) { c.DingTalk.BaseURL = "" }, `config: dingtalk.base_url: must be an absolute http or https URL, got ""`},
		{"dingtalk oapi base url", func(c *Config) { c.DingTalk.OAPIBaseURL = "https://" },
			`config: dingtalk.oapi_base_url: must be an absolute http or https URL, got "https://"`},
		{"aibot mode", func(c *Config) { c.WeCom.AIBot.Mode = "stream" }, `config: wecom.aibot.mode: must be websocket or webhook, got "stream"`},
		{"dingtalk mode", func(c *Config) { c.DingTalk.Mode = "websocket" }, `config: dingtalk.mode: must be stream or webhook, got "websocket"`},
		{"schedule one digit hour", func(c *Config) { c.Schedule.ProgressCard = "8:30" },
			`config: schedule.progress_card: must be a time of day HH:MM from 00:00 to 23:59, got "8:30"`},
		{"schedule 24:00", func(c *Config) { c.Schedule.Digest = "24:00" },
			`config: schedule.digest: must be a time of day HH:MM from 00:00 to 23:59, got "24:00"`},
		{"schedule empty", func(c *Config) { c.Schedule.DailyReportReminder = "" },
			`config: schedule.daily_report_reminder: must be a time of day HH:MM from 00:00 to 23:59, got ""`},
		{"schedule midnight", func(c *Config) { c.Schedule.Digest = "00:00" }, ""},
		{"stale days", func(c *Config) { c.Followup.StaleDays = 0 }, `config: followup.stale_days: must be at least 1, got 0`},
		{"log level", func(c *Config) { c.Log.Level = "verbose" }, `config: log.level: must be debug, info, warn or error, got "verbose"`},
		{"log format", func(c *Config) { c.Log.Format = "xml" }, `config: log.format: must be text or json, got "xml"`},
		{"wecom aes key length", func(c *Config) { c.WeCom.EncodingAESKey = aesKey[:42] }, `config: wecom.encoding_aes_key: must be 43 characters, got 42`},
		{"aibot aes key alphabet", func(c *Config) { c.WeCom.AIBot.EncodingAESKey = aesKey[:42] + "!" },
			`config: wecom.aibot.encoding_aes_key: must be base64 (letters and digits)`},
		{"negative agent id", func(c *Config) { c.WeCom.AgentID = -1 }, `config: wecom.agent_id: must be at least 0, got -1`},
		// A platform with some of its credentials is an error, not silently off.
		{"lark app id only", func(c *Config) { c.Lark = Default().Lark; c.Lark.AppID = "cli" },
			`config: lark.app_secret: required because lark.app_id is set`},
		{"lark encrypt key only", func(c *Config) { c.Lark = Default().Lark; c.Lark.EncryptKey = "k" },
			`config: lark.app_id: required because lark.encrypt_key is set`},
		{"wecom without agent id", func(c *Config) { c.WeCom.AgentID = 0 }, `config: wecom.agent_id: required because wecom.corp_id is set`},
		{"wecom secret missing", func(c *Config) { c.WeCom.Secret = "" }, `config: wecom.secret: required because wecom.corp_id is set`},
		{"aibot secret missing", func(c *Config) { c.WeCom.AIBot.Secret = "" }, `config: wecom.aibot.secret: required because wecom.aibot.bot_id is set`},
		{"aibot webhook keys in websocket mode", func(c *Config) { c.WeCom.AIBot = AIBot{Mode: "websocket", WSURL: "wss://x", Token: "t"} },
			`config: wecom.aibot.bot_id: required because wecom.aibot.token is set`},
		{"dingtalk client id missing", func(c *Config) { c.DingTalk.ClientID = "" },
			`config: dingtalk.client_id: required because dingtalk.client_secret is set`},
		{"dingtalk robot code only", func(c *Config) { c.DingTalk = Default().DingTalk; c.DingTalk.RobotCode = "r" },
			`config: dingtalk.client_id: required because dingtalk.robot_code is set`},
		{"no platforms", func(c *Config) { *c = *Default() }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := loadFull(t)
			tt.change(c)
			err := c.Validate()
			if got := fmt.Sprint(err); tt.want == "" && err != nil || tt.want != "" && got != tt.want {
				t.Errorf("Validate() = %v\nwant %s", err, tt.want)
			}
		})
	}
}

// TestWebhookRequiresSecret checks DESIGN.md §4: no callback path exists
// without its signing or encryption secret.
func TestWebhookRequiresSecret(t *testing.T) {
	const why = "(callbacks would be unauthenticated)"
	tests := []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"lark webhook without encrypt key", func(c *Config) { c.Lark.EncryptKey = "" },
			"config: lark.encrypt_key: required when lark.mode is webhook " + why},
		{"lark websocket without encrypt key", func(c *Config) { c.Lark.EncryptKey = ""; c.Lark.Mode = "websocket" }, ""},
		{"wecom app without token", func(c *Config) { c.WeCom.Token = "" },
			"config: wecom.token: required when wecom is enabled " + why},
		{"wecom app without aes key", func(c *Config) { c.WeCom.EncodingAESKey = "" },
			"config: wecom.encoding_aes_key: required when wecom is enabled " + why},
		{"aibot webhook without token", func(c *Config) { c.WeCom.AIBot.Mode = "webhook" },
			"config: wecom.aibot.token: required when wecom.aibot.mode is webhook " + why},
		{"aibot webhook without aes key", func(c *Config) { c.WeCom.AIBot.Mode = "webhook"; c.WeCom.AIBot.Token = "t" },
			"config: wecom.aibot.encoding_aes_key: required when wecom.aibot.mode is webhook " + why},
		{"aibot webhook complete", func(c *Config) {
			c.WeCom.AIBot = AIBot{Mode: "webhook", Token: "t", EncodingAESKey: aesKey, WSURL: "wss://x"}
		}, ""},
		{"dingtalk webhook without client secret", func(c *Config) { c.DingTalk.Mode = "webhook"; c.DingTalk.ClientSecret = "" },
			"config: dingtalk.client_secret: required when dingtalk.mode is webhook " + why},
		{"dingtalk webhook complete", func(c *Config) { c.DingTalk.Mode = "webhook" }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := loadFull(t)
			tt.change(c)
			err := c.Validate()
			if got := fmt.Sprint(err); tt.want == "" && err != nil || tt.want != "" && got != tt.want {
				t.Errorf("Validate() = %v\nwant %s", err, tt.want)
			}
		})
	}
}

func TestConsoleEnabled(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		want   bool
	}{
		{"auto without platforms", func(*Config) {}, true},
		{"auto with lark", func(c *Config) { c.Lark.AppID, c.Lark.AppSecret = "a", "s" }, false},
		{"auto with wecom app", func(c *Config) { c.WeCom.CorpID, c.WeCom.Secret = "c", "s" }, false},
		{"auto with aibot websocket", func(c *Config) { c.WeCom.AIBot.BotID, c.WeCom.AIBot.Secret = "b", "s" }, false},
		{"auto with aibot webhook", func(c *Config) {
			c.WeCom.AIBot.Mode, c.WeCom.AIBot.Token, c.WeCom.AIBot.EncodingAESKey = "webhook", "t", aesKey
		}, false},
		{"auto with dingtalk", func(c *Config) { c.DingTalk.ClientID, c.DingTalk.ClientSecret = "i", "s" }, false},
		{"auto with half a platform", func(c *Config) { c.Lark.AppID = "a" }, true},
		{"forced on with lark", func(c *Config) { c.Lark.AppID, c.Lark.AppSecret = "a", "s"; c.Console.Enabled = ptr(true) }, true},
		{"forced off without platforms", func(c *Config) { c.Console.Enabled = ptr(false) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.change(c)
			if got := c.ConsoleEnabled(); got != tt.want {
				t.Errorf("ConsoleEnabled() = %v, want %v", got, tt.want)
			}
		})
	}
}

// secrets returns the values of all secret fields of c, and the DSN password.
func secrets(t *testing.T, c *Config) []string {
	t.Helper()
	var vals []string
	for _, k := range keys {
		if k.secret == "true" {
			if v := reflect.ValueOf(c).Elem().FieldByIndex(k.index).String(); v != "" {
				vals = append(vals, v)
			}
		}
	}
	return append(vals, "db-password-1")
}

func TestMasking(t *testing.T) {
	c := loadFull(t)
	c.WeCom.AIBot.Token = "aibot-token-1" // set every secret, whatever the mode
	c.WeCom.AIBot.EncodingAESKey = "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut"
	secretValues := secrets(t, c)
	if n := len(secretValues); n != 12 {
		t.Fatalf("found %d secrets, want 12; is every secret set in %s?", n, full)
	}

	var text, jsonText bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).Info("config loaded", "config", c, "value", *c, "lark", c.Lark, "wecom", c.WeCom)
	slog.New(slog.NewJSONHandler(&jsonText, nil)).Info("config loaded", "config", c, "dingtalk", c.DingTalk, "database", c.Database)
	outputs := map[string]string{
		"String()":               c.String(),
		"Redacted().String()":    c.Redacted().String(),
		"%+v of Redacted()":      fmt.Sprintf("%+v", c.Redacted()),
		"%+v of *Redacted()":     fmt.Sprintf("%+v", *c.Redacted()),
		"%v of the config":       fmt.Sprintf("%v", c),
		"%s of the config value": fmt.Sprintf("%s", *c),
		"%+v of the sections":    fmt.Sprintf("%+v %+v %+v %+v %+v", c.API, c.Lark, c.WeCom, c.DingTalk, c.Database),
		"slog text":              text.String(),
		"slog json":              jsonText.String(),
		"%#v of *Redacted()":     fmt.Sprintf("%#v", *c.Redacted()),
	}
	for name, out := range outputs {
		for _, s := range secretValues {
			if strings.Contains(out, s) {
				t.Errorf("%s leaks %q:\n%s", name, s, out)
			}
		}
		for _, shown := range []string{"cli_a1", "salesbot:******@tcp(127.0.0.1:3306)/salesbot"} {
			if !strings.Contains(out, shown) {
				t.Errorf("%s lacks %q:\n%s", name, shown, out)
			}
		}
	}

	r := c.Redacted()
	if r.Lark.AppSecret != "******" || r.API.Token != "******" || r.WeCom.AIBot.EncodingAESKey != "******" {
		t.Errorf("Redacted() secrets = %q, %q, %q; want ******", r.Lark.AppSecret, r.API.Token, r.WeCom.AIBot.EncodingAESKey)
	}
	if c.Lark.AppSecret != "lark-app-secret-1" {
		t.Errorf("Redacted() changed the original: lark.app_secret = %q", c.Lark.AppSecret)
	}
	*r.Console.Enabled = false
	if !*c.Console.Enabled {
		t.Error("Redacted() shares console.enabled with the original")
	}
	if r := Default().Redacted(); r.API.Token != "" {
		t.Errorf("an unset secret reads %q after Redacted(), want empty", r.API.Token)
	}
}

func TestMaskDSN(t *testing.T) {
	tests := []struct{ name, dsn, want string }{
		{"mysql", "u:pw@tcp(h:3306)/db?parseTime=true", "u:******@tcp(h:3306)/db?parseTime=true"},
		{"password with @ : and /", "u:p@s:s/w@tcp(h:3306)/db", "u:******@tcp(h:3306)/db"},
		{"no password", "u@tcp(h:3306)/db", "u@tcp(h:3306)/db"},
		{"empty password", "u:@tcp(h)/db", "u:******@tcp(h)/db"},
		{"no credentials", "tcp(h:3306)/db", "tcp(h:3306)/db"},
		{"sqlite file", "salesbot.db", "salesbot.db"},
		{"sqlite path", "file:/var/lib/salesbot/salesbot.db?_pragma=foreign_keys(1)", "file:/var/lib/salesbot/salesbot.db?_pragma=foreign_keys(1)"},
		{"url form", "postgres://u:pw@h/db", "postgres:******@h/db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := maskDSN(tt.dsn); got != tt.want {
				t.Errorf("maskDSN(%q) = %q, want %q", tt.dsn, got, tt.want)
			}
		})
	}
}

func TestSlogLevel(t *testing.T) {
	for level, want := range map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError} {
		if got := (Log{Level: level}).SlogLevel(); got != want {
			t.Errorf("Log{Level: %q}.SlogLevel() = %v, want %v", level, got, want)
		}
	}
}

func FuzzLoadFrom(f *testing.F) {
	seed, err := os.ReadFile(full)
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{string(seed), "", "listen: :80", "a: &a [*a]", "lark: &l {mode: *l}", "wecom: {aibot: {mode: webhook}}\n---\n", "console: {enabled: yes}"} {
		f.Add([]byte(s))
	}
	// One file per process: fuzz inputs run one at a time, and a fresh
	// t.TempDir per input would dominate the run time.
	path := filepath.Join(f.TempDir(), "salesbot.yaml")
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := LoadFrom(path, nil)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Errorf("LoadFrom returned a config that fails Validate: %v", err)
		}
		_ = c.String()
	})
}
