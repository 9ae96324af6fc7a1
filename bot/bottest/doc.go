// Package bottest provides working in-memory fakes for testing code built on
// the bot kernel: MemStore (a bot.Store with real transactions), FakeAdapter
// (a bot.Adapter that records what it sends and fails on request) and Clock
// (an injectable clock that moves only when told).
//
// The fakes are safe for concurrent use, so a test may run a real
// bot.Kernel over them. Waiting helpers (FakeAdapter.WaitSent, Eventually)
// poll with a deadline; tests never sleep.
package bottest
