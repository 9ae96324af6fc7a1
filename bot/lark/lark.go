// Package lark is the Lark (Feishu) platform adapter: events arrive at the
// webhook POST /callbacks/lark (signed and encrypted) or over the SDK's long
// connection, and become bot.Events; replies, cards and card updates go out
// through the Open API with the official SDK (github.com/larksuite/oapi-sdk-go/v3).
//
// Dedupe: Lark delivers at least once and re-pushes an unacknowledged event
// for about seven hours, and its docs say duplicates of a message can carry
// new event ids. So a message event's bot.Event.ID is its message_id (which
// every copy shares, and which is as unique as an event id), while a card
// click, which has no message of its own, keeps header.event_id. The kernel's
// inbox then drops every copy after the first.
package lark

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	lark "github.com/larksuite/oapi-sdk-go/v3"
	larkcore "github.com/larksuite/oapi-sdk-go/v3/core"

	"github.com/salesbot/salesbot/bot"
)

// Mode is how events reach the bot.
type Mode string

// Modes.
const (
	// ModeWebhook receives events at POST /callbacks/lark.
	ModeWebhook Mode = "webhook"
	// ModeWebSocket receives events over the SDK's long connection; it needs
	// no public URL.
	ModeWebSocket Mode = "websocket"
)

// Config is what the adapter needs of the Lark app.
type Config struct {
	AppID             string
	AppSecret         string
	VerificationToken string
	// EncryptKey signs and encrypts webhook callbacks.
	EncryptKey string
	Mode       Mode
	// BaseURL is https://open.feishu.cn, https://open.larksuite.com, or an
	// emulator; without a trailing slash.
	BaseURL string
	// HTTPClient calls the Open API; nil is a client with a 10 s timeout.
	HTTPClient *http.Client
}

// timestampWindow is how far a callback's timestamp may be from now.
const timestampWindow = 300 * time.Second

// Adapter is the Lark platform. It is safe for concurrent use.
type Adapter struct {
	cfg    Config
	log    *slog.Logger
	now    func() time.Time
	client *lark.Client
	tokens bot.TokenCache

	namesMu sync.Mutex
	names   map[string]string // open_id → display name

	unknownMu   sync.Mutex
	unknownSeen map[string]bool // event types logged once
}

// New returns a Lark adapter. A nil log discards; a nil now is time.Now.
func New(cfg Config, log *slog.Logger, now func() time.Time) *Adapter {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = lark.FeishuBaseUrl
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.Mode == "" {
		cfg.Mode = ModeWebhook
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	// The SDK's token cache is a package global that it does not clear on
	// 99991663 (it retries with the same stale token), so the adapter keeps
	// its own per-app token and passes it with each request.
	client := lark.NewClient(cfg.AppID, cfg.AppSecret,
		lark.WithOpenBaseUrl(cfg.BaseURL),
		lark.WithHttpClient(hc),
		lark.WithEnableTokenCache(false),
		lark.WithLogLevel(larkcore.LogLevelError),
		lark.WithLogger(sdkLogger{log}),
	)
	a := &Adapter{cfg: cfg, log: log, now: now, client: client,
		names: map[string]string{}, unknownSeen: map[string]bool{}}
	a.tokens.Fetch, a.tokens.Now, a.tokens.Margin = a.fetchToken, now, 3*time.Minute
	return a
}

// Platform returns bot.Lark.
func (a *Adapter) Platform() bot.Platform { return bot.Lark }

// Limits returns Lark's send limits: 50/s per app for create, reply and
// patch, and 5/s per chat shared by all bots in it (PLATFORMS.md §1.6).
func (a *Adapter) Limits() bot.Limits {
	return bot.Limits{
		PerApp:  bot.Rate{N: 50, Per: time.Second},
		PerChat: bot.Rate{N: 5, Per: time.Second},
	}
}

// UpdatesCardInCallback reports false (bot.CallbackCardUpdater): the updated
// card travels in the answer to Lark's card.action.trigger callback when it
// is ready within Lark's 3 s, and the outbox PATCHes it as well, so a press
// answered late (or an answer Lark dropped) never leaves a stale card with
// live buttons.
func (a *Adapter) UpdatesCardInCallback() bool { return false }

// sdkLogger sends the SDK's log lines to slog.
type sdkLogger struct{ log *slog.Logger }

func (l sdkLogger) Debug(ctx context.Context, args ...interface{}) {}
func (l sdkLogger) Info(ctx context.Context, args ...interface{})  {}
func (l sdkLogger) Warn(ctx context.Context, args ...interface{}) {
	l.log.WarnContext(ctx, "lark sdk", "msg", args)
}
func (l sdkLogger) Error(ctx context.Context, args ...interface{}) {
	l.log.ErrorContext(ctx, "lark sdk", "msg", args)
}
