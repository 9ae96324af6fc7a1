// Package dingtalk is the DingTalk (钉钉) platform adapter for the app
// robot. In HTTP mode DingTalk posts each message the robot receives (group
// messages that @ it, every direct message) to POST /callbacks/dingtalk,
// signed with the app secret; the adapter turns them into bot.Events.
// Replies go out through the message's sessionWebhook while it is valid and
// otherwise through the OpenAPI robot endpoints, with a small client of our
// own on net/http (see README "DingTalk" for why not the OpenAPI SDK
// module).
//
// In Stream mode (Run) the same messages arrive over DingTalk's Stream
// WebSocket instead, with no public URL, through dingtalk-stream-sdk-go.
//
// With a card template configured, a card with buttons is sent as an
// interactive card (互动卡片, interactive.go) whose presses come back over
// the Stream or to the callback URL and are answered with the updated card;
// without one, cards are rendered as markdown, without their buttons.
package dingtalk

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/salesbot/salesbot/bot"
)

// Mode is how events reach the bot.
type Mode string

// Modes.
const (
	// ModeWebhook receives messages at POST /callbacks/dingtalk.
	ModeWebhook Mode = "webhook"
	// ModeStream receives them over the Stream long connection (Run).
	ModeStream Mode = "stream"
)

// Default base URLs.
const (
	DefaultBaseURL     = "https://api.dingtalk.com"
	DefaultOAPIBaseURL = "https://oapi.dingtalk.com"
)

// Config is what the adapter needs of the DingTalk app.
type Config struct {
	// ClientID and ClientSecret are the app's AppKey and AppSecret; the
	// secret also signs HTTP-mode callbacks.
	ClientID     string
	ClientSecret string
	// RobotCode identifies the robot in OpenAPI sends (usually the AppKey).
	RobotCode string
	Mode      Mode
	// BaseURL serves the new API (token, robot sends); OAPIBaseURL the old
	// one, where sessionWebhooks point. Without trailing slashes.
	BaseURL     string
	OAPIBaseURL string
	// HTTPClient calls DingTalk; nil is a client with a 10 s timeout.
	HTTPClient *http.Client
	// CardTemplateID is the interactive-card template (卡片平台) that cards
	// with buttons are sent with; see cardParams for the variables it
	// must use. Empty: cards are sent as markdown.
	CardTemplateID string
	// Stream mode: ReconnectMin is the first back-off when the first
	// connection fails (default 1 s), doubling up to ReconnectMax (60 s);
	// once connected, the SDK reconnects on its own schedule. KeepAlive is
	// how long the socket may be idle before the client pings (60 s; at
	// least 3 s).
	ReconnectMin, ReconnectMax, KeepAlive time.Duration
	// Robots are the teams' custom group robots (see RobotChatID).
	Robots []Robot
}

// signWindow is how far a callback's timestamp may be from now.
const signWindow = time.Hour

// Adapter is the DingTalk platform. It is safe for concurrent use.
type Adapter struct {
	cfg      Config
	log      *slog.Logger
	now      func() time.Time
	hc       *http.Client
	tokens   bot.TokenCache
	sessions *sessions
	// textCards is each chat's newest markdown card with buttons (see
	// textbuttons.go).
	textCards   *bounded[textCard]
	textCardSeq atomic.Uint64
	// answered is the non-text messages already answered (msgIds).
	answered *bounded[struct{}]
	// oapiHost is the only host a sessionWebhook may point at: the body of
	// a callback is not covered by the signature, so a URL taken from it
	// must not send our replies (or requests) anywhere else.
	oapiHost string
}

// New returns a DingTalk adapter. A nil log discards; a nil now is time.Now.
func New(cfg Config, log *slog.Logger, now func() time.Time) *Adapter {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if cfg.OAPIBaseURL == "" {
		cfg.OAPIBaseURL = DefaultOAPIBaseURL
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	cfg.OAPIBaseURL = strings.TrimRight(cfg.OAPIBaseURL, "/")
	if cfg.Mode == "" {
		cfg.Mode = ModeWebhook
	}
	if cfg.ReconnectMin <= 0 {
		cfg.ReconnectMin = time.Second
	}
	if cfg.ReconnectMax < cfg.ReconnectMin {
		cfg.ReconnectMax = max(60*time.Second, cfg.ReconnectMin)
	}
	if cfg.KeepAlive <= 0 {
		cfg.KeepAlive = 60 * time.Second
	}
	if cfg.RobotCode == "" {
		cfg.RobotCode = cfg.ClientID
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	a := &Adapter{cfg: cfg, log: log, now: now, hc: hc, sessions: newSessions(maxSessions),
		textCards: newBounded[textCard](maxTextCards), answered: newBounded[struct{}](maxSessions)}
	if u, err := url.Parse(cfg.OAPIBaseURL); err == nil {
		a.oapiHost = u.Host
	}
	a.tokens.Fetch, a.tokens.Now, a.tokens.Margin = a.fetchToken, now, 5*time.Minute
	return a
}

// Platform returns bot.DingTalk.
func (a *Adapter) Platform() bot.Platform { return bot.DingTalk }

// Limits returns a conservative per-chat rate: DingTalk documents 20
// messages a minute for group robots (130101 beyond it) and no numbers for
// app robots (PLATFORMS.md §3.4), so the outbox keeps every chat under 20/min.
func (a *Adapter) Limits() bot.Limits {
	return bot.Limits{PerChat: bot.Rate{N: 20, Per: time.Minute}}
}
