package bot

import (
	"testing"
	"time"
)

// The limiter is given the time explicitly, so these tests state exactly
// what reserve answers at each instant; nothing waits.

var t0 = time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

// expectReserve checks the waits reserve answers for a sequence of sends.
func expectReserve(t *testing.T, l *limiter, p Platform, steps []reserveStep) {
	t.Helper()
	for i, s := range steps {
		if got := l.reserve(p, s.target, at(s.at)); got != s.wait {
			t.Errorf("step %d: reserve(%s) at +%v = %v, want %v", i+1, s.target, s.at, got, s.wait)
		}
	}
}

type reserveStep struct {
	at     time.Duration
	target string
	wait   time.Duration
}

func TestLimiterPerChat(t *testing.T) {
	l := newLimiter()
	l.setLimits(Lark, Limits{PerChat: Rate{N: 2, Per: time.Second}})
	expectReserve(t, l, Lark, []reserveStep{
		// A burst of two, then one every half second.
		{0, "chat:a", 0},
		{0, "chat:a", 0},
		{0, "chat:a", 500 * time.Millisecond},
		// A refused send takes no token: asking again gives the same wait.
		{0, "chat:a", 500 * time.Millisecond},
		{200 * time.Millisecond, "chat:a", 300 * time.Millisecond},
		// Other chats have their own budget.
		{0, "chat:b", 0},
		{0, "user:u1", 0},
		{500 * time.Millisecond, "chat:a", 0},
		{500 * time.Millisecond, "chat:a", 500 * time.Millisecond},
		{time.Second, "chat:a", 0},
	})
}

func TestLimiterSpreadsABurstOverTime(t *testing.T) {
	// Ten messages to one chat limited to 5 a second, each sent as soon as
	// reserve allows: the last leaves one second after the first.
	l := newLimiter()
	l.setLimits(WeCom, Limits{PerChat: Rate{N: 5, Per: time.Second}})
	now := t0
	var sentAt []time.Duration
	for len(sentAt) < 10 {
		if wait := l.reserve(WeCom, "chat:a", now); wait > 0 {
			now = now.Add(wait)
			continue
		}
		sentAt = append(sentAt, now.Sub(t0))
	}
	want := []time.Duration{0, 0, 0, 0, 0, 200, 400, 600, 800, 1000}
	for i := range want {
		if sentAt[i] != want[i]*time.Millisecond {
			t.Fatalf("sent at %v, want %v ms", sentAt, want)
		}
	}
}

func TestLimiterPerApp(t *testing.T) {
	l := newLimiter()
	l.setLimits(DingTalk, Limits{PerApp: Rate{N: 1, Per: 100 * time.Millisecond}})
	expectReserve(t, l, DingTalk, []reserveStep{
		{0, "chat:a", 0},
		{0, "chat:b", 100 * time.Millisecond},
		{50 * time.Millisecond, "chat:c", 50 * time.Millisecond},
		{100 * time.Millisecond, "chat:b", 0},
	})
}

func TestLimiterGivesBackAppTokenWhenChatWaits(t *testing.T) {
	l := newLimiter()
	l.setLimits(Lark, Limits{
		PerApp:  Rate{N: 2, Per: time.Second},
		PerChat: Rate{N: 1, Per: time.Second},
	})
	expectReserve(t, l, Lark, []reserveStep{
		{0, "chat:a", 0},
		// chat:a must wait; the app token it would have used is not spent…
		{0, "chat:a", time.Second},
		{0, "chat:a", time.Second},
		// …so chat:b still gets the app's second token.
		{0, "chat:b", 0},
		{0, "chat:c", 500 * time.Millisecond},
	})
}

func TestLimiterPause(t *testing.T) {
	l := newLimiter()
	l.setLimits(Lark, Limits{})
	l.pause(Lark, "chat", "chat:a", at(10*time.Second))
	l.pause(Lark, "chat", "chat:a", at(5*time.Second)) // does not shorten the pause
	l.pause(Lark, "", "chat:b", at(time.Hour))         // a message's own error pauses nothing
	expectReserve(t, l, Lark, []reserveStep{
		{0, "chat:a", 10 * time.Second},
		{0, "chat:b", 0},
		{4 * time.Second, "chat:a", 6 * time.Second},
		{10 * time.Second, "chat:a", 0},
	})
	if l.reserve(WeCom, "chat:a", t0) != 0 {
		t.Error("a pause on Lark held up WeCom")
	}

	l.pause(Lark, "app", "chat:a", at(20*time.Second))
	expectReserve(t, l, Lark, []reserveStep{
		{10 * time.Second, "chat:a", 10 * time.Second},
		{10 * time.Second, "chat:z", 10 * time.Second},
		{20 * time.Second, "chat:z", 0},
	})
}

func TestLimiterWithoutLimits(t *testing.T) {
	l := newLimiter()
	for range 1000 {
		if wait := l.reserve(Console, "chat:a", t0); wait != 0 {
			t.Fatalf("reserve without limits = %v", wait)
		}
	}
}
