package bottest

import (
	"sync"
	"time"
)

// Clock is a fake clock for bot.Options.Now and handlers' injected clocks.
// It stands still until Advance or Set moves it. The zero Clock is not
// usable; call NewClock.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// Epoch is the time a NewClock starts at: a Monday morning in China
// Standard Time, a fixed point so that tests and golden files are stable.
var Epoch = time.Date(2025, 3, 3, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))

// NewClock returns a clock that reads Epoch.
func NewClock() *Clock { return &Clock{now: Epoch} }

// Now returns the clock's time. Pass the method value (c.Now) as a clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d and returns the new time.
func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}
