package bot

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiter enforces each platform's per-app and per-chat send rates, and the
// pauses platforms ask for when they throttle us. It lives in memory: with
// several replicas each keeps its own share, which errs on the safe side
// only if limits are configured per replica; platforms' 429 answers are
// honoured either way.
type limiter struct {
	mu      sync.Mutex
	limits  map[Platform]Limits
	apps    map[Platform]*rate.Limiter
	chats   map[string]*rate.Limiter
	pausedU map[string]time.Time // scope key → paused until
}

func newLimiter() *limiter {
	return &limiter{
		limits:  map[Platform]Limits{},
		apps:    map[Platform]*rate.Limiter{},
		chats:   map[string]*rate.Limiter{},
		pausedU: map[string]time.Time{},
	}
}

func (l *limiter) setLimits(p Platform, lim Limits) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.limits[p] = lim
	if r, ok := newRate(lim.PerApp); ok {
		l.apps[p] = r
	}
}

func newRate(r Rate) (*rate.Limiter, bool) {
	if r.N <= 0 || r.Per <= 0 {
		return nil, false
	}
	return rate.NewLimiter(rate.Every(r.Per/time.Duration(r.N)), r.N), true
}

// reserve returns how long to wait before sending to target on p; zero means
// send now (and the send is counted).
func (l *limiter) reserve(p Platform, target string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	appKey, chatKey := string(p), string(p)+"/"+target
	for _, k := range []string{appKey, chatKey} {
		if until, ok := l.pausedU[k]; ok {
			if now.Before(until) {
				return until.Sub(now)
			}
			delete(l.pausedU, k)
		}
	}
	chat := l.chats[chatKey]
	if chat == nil {
		if r, ok := newRate(l.limits[p].PerChat); ok {
			chat, l.chats[chatKey] = r, r
		}
	}
	var rs []*rate.Reservation
	for _, lim := range []*rate.Limiter{l.apps[p], chat} {
		if lim == nil {
			continue
		}
		r := lim.ReserveN(now, 1)
		if d := r.DelayFrom(now); d > 0 {
			r.CancelAt(now)
			for _, prev := range rs {
				prev.CancelAt(now)
			}
			return d
		}
		rs = append(rs, r)
	}
	return 0
}

// pause stops sends to the scope ("app" or "chat") until the given time.
func (l *limiter) pause(p Platform, scope, target string, until time.Time) {
	key := string(p)
	switch scope {
	case "app":
	case "chat":
		key += "/" + target
	default:
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if until.After(l.pausedU[key]) {
		l.pausedU[key] = until
	}
}
