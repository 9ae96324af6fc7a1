package dingtalk

import (
	"container/list"
	"sync"
	"time"
)

// maxSessions bounds the sessionWebhook memory.
const maxSessions = 10000

// session is what a received message tells us about its conversation: the
// sessionWebhook to answer through until it expires (about 90 minutes), and,
// for a direct chat, the sender's staffId for the OpenAPI fallback.
type session struct {
	webhook string
	expires time.Time
	direct  bool
	staffID string
}

// sessions remembers the latest session per conversation and per message,
// least recently stored first out.
//
// Limits: it is in memory only, per process. After a restart, on another
// replica, or once more than maxSessions keys have come in since, a reply
// goes through the OpenAPI instead — which works for group chats
// (openConversationId is the chat id) and for direct chats, whose chat id
// names the person ("user:" + staffId, see chatID).
type sessions = bounded[session]

func newSessions(max int) *sessions { return newBounded[session](max) }

// bounded is a map of at most max keys, least recently stored first out,
// safe for concurrent use.
type bounded[V any] struct {
	mu    sync.Mutex
	max   int
	order *list.List // of string keys, oldest at the front
	byKey map[string]*list.Element
	vals  map[string]V
}

func newBounded[V any](max int) *bounded[V] {
	return &bounded[V]{max: max, order: list.New(), byKey: map[string]*list.Element{}, vals: map[string]V{}}
}

func (s *bounded[V]) put(key string, v V) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.byKey[key]; ok {
		s.order.MoveToBack(e)
	} else {
		s.byKey[key] = s.order.PushBack(key)
	}
	s.vals[key] = v
	for s.order.Len() > s.max {
		old := s.order.Remove(s.order.Front()).(string)
		delete(s.byKey, old)
		delete(s.vals, old)
	}
}

func (s *bounded[V]) get(key string) (V, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.vals[key]
	return v, ok
}

// remove forgets key.
func (s *bounded[V]) remove(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.byKey[key]; ok {
		s.order.Remove(e)
		delete(s.byKey, key)
		delete(s.vals, key)
	}
}

// dropWebhook forgets a webhook that failed, keeping the rest of the entry.
func dropWebhook(s *sessions, keys ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range keys {
		if v, ok := s.vals[k]; ok {
			v.webhook = ""
			s.vals[k] = v
		}
	}
}
