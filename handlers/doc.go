// Package handlers holds salesbot's use cases, one file per capability. Each
// handler is a method that takes a bot.Message and returns a bot.Reply; each
// declares the small store interface it needs, which storage implements.
package handlers
