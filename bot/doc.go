// Package bot is the platform-neutral kernel of salesbot.
//
// Adapters (bot/lark, bot/wecom, bot/dingtalk, bot/console) turn platform
// payloads into Events and render Outgoing messages and Cards for their
// platform. The Kernel stores every event in a durable inbox (deduplicated on
// tenant, platform and event id), resolves the sender to a member, routes the
// message to a handler, and writes the handler's replies to a durable outbox in
// the same transaction as the handler's own records. The outbox sender then
// delivers them with per-app and per-chat rate limits, retries and backoff.
//
// The package knows nothing of the sales domain: handlers receive a Message and
// return a Reply, and user-facing error text is found through the one-method
// interface UserMessager.
package bot
