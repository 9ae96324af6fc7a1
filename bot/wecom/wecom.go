// Package wecom is the WeCom (企业微信) platform adapter for a self-built app:
// members' messages to the app and template-card clicks arrive at
// GET/POST /callbacks/wecom (signed with SHA-1, AES-256-CBC encrypted XML)
// and become bot.Events; answers go out through message/send (text,
// markdown, template_card button_interaction) and card updates through
// message/update_template_card. Chat ids with a prefix are groups: "robot:"
// a team's group robot webhook (robot.go), "appchat:" a group chat the app
// created (appchat.go), "aibot:" a group of the 智能机器人 (aibot.go). The
// contact API (contact.go) names new senders and feeds "salesbot sync
// wecom".
//
// Crypto uses the helpers of github.com/silenceper/wechat/v2/util
// (Signature, DecryptMsg, EncryptMsg), which pass the official vectors. The
// API calls are plain net/http against Config.BaseURL: the SDK's work
// package redirects hosts and swaps HTTP clients only through package
// globals, does not evict a token WeCom calls invalid, and its robot calls
// can return a nil error on a failing errcode — so the adapter checks every
// errcode itself.
//
// Card message ids: WeCom's click callback names the card by the task_id the
// bot chose, not by a msgid. So a card's message id (what Send returns and
// what a click's bot.Event.MessageID is) is its task_id, taken from the
// outbox key. When a card has to be re-sent instead of updated (no usable
// response code), the new card's task_id is "<original>_r<n>", and clicks on
// it still name the original.
package wecom

import (
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/salesbot/salesbot/bot"
)

// DefaultBaseURL is WeCom's API host.
const DefaultBaseURL = "https://qyapi.weixin.qq.com"

// Config is what the adapter needs of the self-built app.
type Config struct {
	CorpID  string
	AgentID int
	Secret  string
	// Token and EncodingAESKey (43 characters) sign and encrypt callbacks.
	Token          string
	EncodingAESKey string
	// BaseURL is https://qyapi.weixin.qq.com or an emulator, no trailing slash.
	BaseURL string
	// HTTPClient calls the API; nil is a client with a 10 s timeout.
	HTTPClient *http.Client
	// Robots are the teams' group robots (robot.go): a message to chat
	// RobotChatID(team) goes to that team's webhook.
	Robots []Robot
	// AIBotToken and AIBotEncodingAESKey sign and encrypt the 智能机器人's
	// webhook-mode callbacks (aibot.go); both empty: no AI bot routes.
	AIBotToken          string
	AIBotEncodingAESKey string
	// AIBotID and AIBotSecret authenticate the AI bot's long connection
	// (aibotws.go) at AIBotWSURL (DefaultAIBotWSURL when empty); both set:
	// Run holds it. AIBotPing (30 s), AIBotAckTimeout (5 s) and the
	// reconnect back-off AIBotBackoffMin..Max (1 s..30 s) are zero for the
	// defaults; tests shorten them.
	AIBotID         string
	AIBotSecret     string
	AIBotWSURL      string
	AIBotPing       time.Duration
	AIBotAckTimeout time.Duration
	AIBotBackoffMin time.Duration
	AIBotBackoffMax time.Duration
}

// timestampWindow is how far a callback's timestamp may be from now.
const timestampWindow = 300 * time.Second

// responseCodeTTL is how long WeCom accepts a response code (72 h); the
// adapter stops trusting one a little earlier.
const responseCodeTTL = 71 * time.Hour

// Adapter is the WeCom self-built app. It is safe for concurrent use.
type Adapter struct {
	cfg    Config
	log    *slog.Logger
	now    func() time.Time
	hc     *http.Client
	tokens bot.TokenCache

	codesMu sync.Mutex
	codes   map[string]responseCode // card message id (root task_id) → latest code
	reissue map[string]int          // card message id → cards re-sent for it

	aibot aibotReplies // AI bot message id → response_url and sender
	ws    aibotWS      // the AI bot's long connection (aibotws.go)

	robotSends robotWindows // group robots' sends in the last minute
	names      nameCache    // userid → name from the contact API (contact.go)
	polite     politeSeen   // MsgIds of messages answered "text only" (event.go)
}

type responseCode struct {
	code string
	at   time.Time
}

// New returns a WeCom adapter. A nil log discards; a nil now is time.Now.
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
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	a := &Adapter{cfg: cfg, log: log, now: now, hc: hc,
		codes: map[string]responseCode{}, reissue: map[string]int{}}
	a.tokens.Fetch, a.tokens.Now, a.tokens.Margin = a.fetchToken, now, 5*time.Minute
	return a
}

// Platform returns bot.WeCom.
func (a *Adapter) Platform() bot.Platform { return bot.WeCom }

// Limits returns WeCom's send limits (PLATFORMS.md §2.4): a member receives
// at most 30 app messages a minute (more are dropped silently); an API takes
// 10,000 calls a minute per corp.
func (a *Adapter) Limits() bot.Limits {
	return bot.Limits{
		PerApp:  bot.Rate{N: 10000, Per: time.Minute},
		PerChat: bot.Rate{N: 30, Per: time.Minute},
	}
}

// UpdatesCardInCallback reports false (bot.CallbackCardUpdater): the
// callback is answered with an empty 200 and the outbox updates the card
// through update_template_card.
func (a *Adapter) UpdatesCardInCallback() bool { return false }

// rememberCode keeps the latest response code of a card.
func (a *Adapter) rememberCode(cardID, code string) {
	if cardID == "" || code == "" {
		return
	}
	a.codesMu.Lock()
	defer a.codesMu.Unlock()
	a.codes[cardID] = responseCode{code: code, at: a.now()}
}

// takeCode returns and forgets a card's response code (each is single use);
// "" when there is none still valid.
func (a *Adapter) takeCode(cardID string) string {
	a.codesMu.Lock()
	defer a.codesMu.Unlock()
	rc, ok := a.codes[cardID]
	delete(a.codes, cardID)
	if !ok || a.now().Sub(rc.at) > responseCodeTTL {
		return ""
	}
	return rc.code
}

// nextReissue numbers the cards re-sent in place of an update.
func (a *Adapter) nextReissue(cardID string) int {
	a.codesMu.Lock()
	defer a.codesMu.Unlock()
	a.reissue[cardID]++
	return a.reissue[cardID]
}
