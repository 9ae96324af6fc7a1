package bottest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/salesbot/salesbot/bot"
)

// DefaultTenant is the id of the one tenant a MemStore serves.
const DefaultTenant = "tenant-1"

// DefaultRole is the role of members ResolveMember registers on first
// contact (domain.RoleSales).
const DefaultRole = "sales"

// ErrNotFound is returned for a row id the store does not have.
var ErrNotFound = errors.New("bottest: no such row")

// ErrTxDone is returned by a call made with the ctx of a transaction that
// has already committed or rolled back, like sql.ErrTxDone.
var ErrTxDone = errors.New("bottest: transaction has already been committed or rolled back")

var _ bot.Store = (*MemStore)(nil)

// MemStore is an in-memory bot.Store for tests, safe for concurrent use.
//
// Transactions are real: InTx works on a copy of the data that replaces the
// committed data only when fn returns nil, so fn's error (or panic) leaves
// nothing behind. Like SQLite in WAL mode, there is one writer at a time (a
// transaction holds the write lock from start to end; a write outside a
// transaction waits for it, or for its ctx to end) while reads outside a
// transaction see the last committed data without waiting. Calls inside fn
// must use fn's ctx: a write with another ctx waits for the transaction and
// so deadlocks, as it would on SQLite.
//
// The directory has one tenant, DefaultTenant, for the empty tenant key and
// the keys bound with BindTenantKey. Unknown users of that tenant are
// registered on first contact with role DefaultRole and their display name
// (on every platform; storage looks console users up by member id instead).
//
// Handlers' fakes can keep their records in the store's tables (Put, Get,
// Delete), so those records take part in the kernel's transaction.
//
// The inspection methods (Events, Outbox, Table, …) read committed data and
// never block.
type MemStore struct {
	tenant string
	// wlock is the write lock, a channel so that waiting for it honours ctx.
	wlock chan struct{}

	// mu guards everything below, and the data of open transactions (whose
	// ctx may be used from several goroutines).
	mu         sync.Mutex
	st         *state // committed data
	tenantKeys map[platformKey]bool
	fault      func(op string) error
}

// NewMemStore returns an empty store serving DefaultTenant.
func NewMemStore() *MemStore {
	return &MemStore{
		tenant:     DefaultTenant,
		wlock:      make(chan struct{}, 1),
		st:         newState(),
		tenantKeys: map[platformKey]bool{},
	}
}

// Tenant returns the id of the tenant the store serves.
func (s *MemStore) Tenant() string { return s.tenant }

// BindTenantKey makes TenantFor resolve the platform's tenant key (Lark
// tenant_key, corp id) to the store's tenant. The empty key always resolves.
func (s *MemStore) BindTenantKey(p bot.Platform, key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tenantKeys[platformKey{p, key}] = true
}

// AddMember registers a known member behind a platform user id (a finance
// clerk, an admin), so that ResolveMember returns it instead of registering
// a sales rep. An empty m.ID gets a new id.
func (s *MemStore) AddMember(p bot.Platform, userID string, m bot.Member) bot.Member {
	if m.ID == "" {
		m.ID = bot.NewID()
	}
	err := s.write(context.Background(), "AddMember", func(st *state) error {
		st.members[platformKey{p, userID}] = m
		return nil
	})
	if err != nil {
		panic("bottest: AddMember: " + err.Error()) // only an injected fault can fail it
	}
	return m
}

// SetFault makes every store call first ask f, with the method's name
// ("InsertEvent", "ClaimDue", "InTx", …, and "Commit" just before a
// transaction commits); a non-nil answer is returned as the call's error
// and the call does nothing. Pass nil to stop failing.
func (s *MemStore) SetFault(f func(op string) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fault = f
}

// FailOp returns a fault for SetFault that fails the named method with err.
func FailOp(op string, err error) func(string) error {
	return func(o string) error {
		if o == op {
			return err
		}
		return nil
	}
}

// InboxRow is an inbox event as the store keeps it.
type InboxRow struct {
	bot.InboxEvent
	// LeaseUntil is when the current claim of a processing event ends.
	LeaseUntil time.Time
	// Error is the error text FinishEvent recorded.
	Error      string
	FinishedAt time.Time
	seq        int64
}

// OutboxRow is an outbox item as the store keeps it.
type OutboxRow struct {
	bot.OutboxItem
	// LeaseUntil is when the claim of a sending item ends.
	LeaseUntil time.Time
	SentAt     time.Time
	DeadAt     time.Time
	seq        int64
}

type platformKey struct {
	p  bot.Platform
	id string
}

type eventKey struct {
	tenant string
	p      bot.Platform
	id     string
}

// state is one version of the store's data. Rows are values and are
// replaced, never changed in place, so clone need only copy the maps.
type state struct {
	seq      int64
	members  map[platformKey]bot.Member
	events   map[string]InboxRow
	eventIDs map[eventKey]string
	outbox   map[string]OutboxRow
	tables   map[string]map[string]any
}

func newState() *state {
	return &state{
		members:  map[platformKey]bot.Member{},
		events:   map[string]InboxRow{},
		eventIDs: map[eventKey]string{},
		outbox:   map[string]OutboxRow{},
		tables:   map[string]map[string]any{},
	}
}

func (st *state) clone() *state {
	c := &state{
		seq:      st.seq,
		members:  maps.Clone(st.members),
		events:   maps.Clone(st.events),
		eventIDs: maps.Clone(st.eventIDs),
		outbox:   maps.Clone(st.outbox),
		tables:   make(map[string]map[string]any, len(st.tables)),
	}
	for name, t := range st.tables {
		c.tables[name] = maps.Clone(t)
	}
	return c
}

func (st *state) next() int64 {
	st.seq++
	return st.seq
}

// tx is an open transaction, carried by the ctx InTx passes to fn.
type tx struct {
	store *MemStore
	st    *state // guarded by store.mu
	done  bool   // guarded by store.mu
}

type txKey struct{}

func (s *MemStore) txFrom(ctx context.Context) *tx {
	if t, ok := ctx.Value(txKey{}).(*tx); ok && t.store == s {
		return t
	}
	return nil
}

// InTx implements bot.Transactor. A nested InTx joins the outer
// transaction, as storage.Store's does.
func (s *MemStore) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if t := s.txFrom(ctx); t != nil {
		s.mu.Lock()
		done := t.done
		s.mu.Unlock()
		if done {
			return ErrTxDone
		}
		return fn(ctx)
	}
	if err := s.check(ctx, "InTx"); err != nil {
		return err
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.unlock()
	s.mu.Lock()
	t := &tx{store: s, st: s.st.clone()}
	s.mu.Unlock()
	defer func() {
		// Runs on a panic too: the transaction is over either way.
		s.mu.Lock()
		t.done = true
		s.mu.Unlock()
	}()
	if err := fn(context.WithValue(ctx, txKey{}, t)); err != nil {
		return err
	}
	if err := s.check(ctx, "Commit"); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st = t.st
	return nil
}

// check returns the injected fault for op, or ctx's error, as a database
// driver would.
func (s *MemStore) check(ctx context.Context, op string) error {
	s.mu.Lock()
	f := s.fault
	s.mu.Unlock()
	if f != nil {
		if err := f(op); err != nil {
			return err
		}
	}
	return ctx.Err()
}

func (s *MemStore) lock(ctx context.Context) error {
	select {
	case s.wlock <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *MemStore) unlock() { <-s.wlock }

// read runs fn on the data ctx sees: its transaction's, or the committed.
func (s *MemStore) read(ctx context.Context, op string, fn func(st *state) error) error {
	if err := s.check(ctx, op); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.txFrom(ctx); t != nil {
		if t.done {
			return ErrTxDone
		}
		return fn(t.st)
	}
	return fn(s.st)
}

// write runs fn on ctx's transaction, or as a transaction of its own: fn
// changes a copy that is committed only when fn returns nil.
func (s *MemStore) write(ctx context.Context, op string, fn func(st *state) error) error {
	if err := s.check(ctx, op); err != nil {
		return err
	}
	if s.txFrom(ctx) != nil {
		return s.read(ctx, op, fn)
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st.clone()
	if err := fn(st); err != nil {
		return err
	}
	s.st = st
	return nil
}

// TenantFor implements bot.Directory.
func (s *MemStore) TenantFor(ctx context.Context, p bot.Platform, tenantKey string) (string, error) {
	if err := s.check(ctx, "TenantFor"); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if tenantKey == "" || s.tenantKeys[platformKey{p, tenantKey}] {
		return s.tenant, nil
	}
	return "", bot.ErrUnknownTenant
}

// ResolveMember implements bot.Directory: an unknown user is registered as
// a member with role DefaultRole and the user's display name (their id when
// the platform gave no name).
func (s *MemStore) ResolveMember(ctx context.Context, tenant string, p bot.Platform, u bot.User) (bot.Member, error) {
	if tenant != s.tenant {
		return bot.Member{}, fmt.Errorf("resolve member of tenant %q: %w", tenant, bot.ErrUnknownTenant)
	}
	var m bot.Member
	err := s.write(ctx, "ResolveMember", func(st *state) error {
		key := platformKey{p, u.ID}
		var ok bool
		if m, ok = st.members[key]; ok {
			return nil
		}
		m = bot.Member{ID: bot.NewID(), Name: cmp.Or(u.Name, u.ID), Role: DefaultRole}
		st.members[key] = m
		return nil
	})
	return m, err
}

// ReachMember implements bot.Directory: the first of the platforms on which
// the member has been seen, and the console (where user id = member id).
func (s *MemStore) ReachMember(ctx context.Context, tenant, memberID string, platforms []bot.Platform) (bot.Platform, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range platforms {
		if p == bot.Console {
			return p, memberID, nil
		}
		for k, m := range s.st.members {
			if k.p == p && m.ID == memberID {
				return p, k.id, nil
			}
		}
	}
	return "", "", fmt.Errorf("reach member %s: no identity on %v", memberID, platforms)
}

// InsertEvent implements bot.Inbox. As in storage, an empty row id gets a
// new one and an empty status is taken as received; the tenant is required.
func (s *MemStore) InsertEvent(ctx context.Context, e bot.InboxEvent) (bool, error) {
	if e.Tenant == "" {
		return false, errors.New("insert event: no tenant")
	}
	if e.ID == "" {
		e.ID = bot.NewID()
	}
	inserted := false
	err := s.write(ctx, "InsertEvent", func(st *state) error {
		key := eventKey{e.Tenant, e.Event.Platform, e.Event.ID}
		if _, dup := st.eventIDs[key]; dup {
			return nil
		}
		if _, dup := st.events[e.ID]; dup {
			return fmt.Errorf("insert event: row id %q exists", e.ID)
		}
		if e.Status == "" {
			e.Status = bot.EventReceived
		}
		e.Event = cloneEvent(e.Event)
		st.events[e.ID] = InboxRow{InboxEvent: e, seq: st.next()}
		st.eventIDs[key] = e.ID
		inserted = true
		return nil
	})
	return inserted, err
}

// ClaimEvent implements bot.Inbox: a received event, or a processing one
// whose lease ended before now, is leased until now+lease and its Attempts
// counted.
func (s *MemStore) ClaimEvent(ctx context.Context, id string, now time.Time, lease time.Duration) (bool, error) {
	claimed := false
	err := s.write(ctx, "ClaimEvent", func(st *state) error {
		r, ok := st.events[id]
		if !ok {
			return fmt.Errorf("claim event %q: %w", id, ErrNotFound)
		}
		switch {
		case r.Status == bot.EventReceived:
		case r.Status == bot.EventProcessing && now.After(r.LeaseUntil):
		default:
			return nil
		}
		r.Status, r.LeaseUntil = bot.EventProcessing, now.Add(lease)
		r.Attempts++
		st.events[id] = r
		claimed = true
		return nil
	})
	return claimed, err
}

// FinishEvent implements bot.Inbox.
func (s *MemStore) FinishEvent(ctx context.Context, id string, claimedUntil time.Time, status, errText string, at time.Time) error {
	return s.write(ctx, "FinishEvent", func(st *state) error {
		r, ok := st.events[id]
		if !ok {
			return fmt.Errorf("finish event %q: %w", id, ErrNotFound)
		}
		if r.Status != bot.EventProcessing || !r.LeaseUntil.Equal(claimedUntil) {
			return fmt.Errorf("finish event %q: %w", id, bot.ErrLeaseLost)
		}
		r.Status, r.Error, r.FinishedAt, r.LeaseUntil = status, errText, at, time.Time{}
		st.events[id] = r
		return nil
	})
}

// UnfinishedEvents implements bot.Inbox: received and processing events
// received before the given time, oldest first, at most limit (all when
// limit is not positive).
func (s *MemStore) UnfinishedEvents(ctx context.Context, before time.Time, limit int) ([]bot.InboxEvent, error) {
	var out []bot.InboxEvent
	err := s.read(ctx, "UnfinishedEvents", func(st *state) error {
		var rows []InboxRow
		for _, r := range st.events {
			if (r.Status == bot.EventReceived || r.Status == bot.EventProcessing) && r.ReceivedAt.Before(before) {
				rows = append(rows, r)
			}
		}
		slices.SortFunc(rows, func(a, b InboxRow) int {
			return cmp.Or(a.ReceivedAt.Compare(b.ReceivedAt), cmp.Compare(a.seq, b.seq))
		})
		if limit > 0 && len(rows) > limit {
			rows = rows[:limit]
		}
		for _, r := range rows {
			e := r.InboxEvent
			e.Event = cloneEvent(e.Event)
			out = append(out, e)
		}
		return nil
	})
	return out, err
}

// Enqueue implements bot.Outbox, all or nothing. As in storage, an empty id
// gets a new one, an empty Out.Key the id, and an empty status is taken as
// pending; the tenant is required and ids must be new.
func (s *MemStore) Enqueue(ctx context.Context, items []bot.OutboxItem) error {
	items = slices.Clone(items)
	for i := range items {
		if items[i].ID == "" {
			items[i].ID = bot.NewID()
		}
		if items[i].Out.Key == "" {
			items[i].Out.Key = items[i].ID
		}
	}
	return s.write(ctx, "Enqueue", func(st *state) error {
		seen := map[string]bool{}
		for _, it := range items {
			if it.Tenant == "" {
				return errors.New("enqueue: item without tenant")
			}
			if _, dup := st.outbox[it.ID]; dup || seen[it.ID] {
				return fmt.Errorf("enqueue: item id %q exists", it.ID)
			}
			seen[it.ID] = true
		}
		for _, it := range items {
			if it.Status == "" {
				it.Status = bot.OutboxPending
			}
			it.Out = cloneOutgoing(it.Out)
			st.outbox[it.ID] = OutboxRow{OutboxItem: it, seq: st.next()}
		}
		return nil
	})
}

// ClaimDue implements bot.Outbox: pending items due by now, and sending
// items whose lease ended before now, in order of due time and then of
// enqueueing.
func (s *MemStore) ClaimDue(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]bot.OutboxItem, error) {
	var out []bot.OutboxItem
	err := s.write(ctx, "ClaimDue", func(st *state) error {
		var due []OutboxRow
		for _, r := range st.outbox {
			if (r.Status == bot.OutboxPending && !r.NextAt.After(now)) ||
				(r.Status == bot.OutboxSending && now.After(r.LeaseUntil)) {
				due = append(due, r)
			}
		}
		slices.SortFunc(due, func(a, b OutboxRow) int {
			return cmp.Or(a.NextAt.Compare(b.NextAt), cmp.Compare(a.seq, b.seq))
		})
		if limit > 0 && len(due) > limit {
			due = due[:limit]
		}
		for _, r := range due {
			r.Status, r.LeaseUntil = bot.OutboxSending, now.Add(lease)
			st.outbox[r.ID] = r
			it := r.OutboxItem
			it.Out = cloneOutgoing(it.Out)
			out = append(out, it)
		}
		return nil
	})
	return out, err
}

// updateItem replaces the item with id by what change makes of it.
func (s *MemStore) updateItem(ctx context.Context, op, id string, change func(r *OutboxRow)) error {
	return s.write(ctx, op, func(st *state) error {
		r, ok := st.outbox[id]
		if !ok {
			return fmt.Errorf("%s %q: %w", op, id, ErrNotFound)
		}
		change(&r)
		r.LeaseUntil = time.Time{}
		st.outbox[id] = r
		return nil
	})
}

// MarkSent implements bot.Outbox.
func (s *MemStore) MarkSent(ctx context.Context, id, messageID string, at time.Time) error {
	return s.updateItem(ctx, "MarkSent", id, func(r *OutboxRow) {
		r.Status, r.MessageID, r.SentAt = bot.OutboxSent, messageID, at
	})
}

// MarkRetry implements bot.Outbox: the item is pending again from next, and
// one more failed attempt is counted.
func (s *MemStore) MarkRetry(ctx context.Context, id string, next time.Time, errText string) error {
	return s.updateItem(ctx, "MarkRetry", id, func(r *OutboxRow) {
		r.Status, r.NextAt, r.LastError = bot.OutboxPending, next, errText
		r.Attempts++
	})
}

// Reschedule implements bot.Outbox: the item is pending again from next,
// and Attempts is left alone.
func (s *MemStore) Reschedule(ctx context.Context, id string, next time.Time) error {
	return s.updateItem(ctx, "Reschedule", id, func(r *OutboxRow) {
		r.Status, r.NextAt = bot.OutboxPending, next
	})
}

// MarkDead implements bot.Outbox: it records the final failed attempt (so
// Attempts grows by one, as in storage) and gives up on the item.
func (s *MemStore) MarkDead(ctx context.Context, id, errText string, at time.Time) error {
	return s.updateItem(ctx, "MarkDead", id, func(r *OutboxRow) {
		r.Status, r.LastError, r.DeadAt = bot.OutboxDead, errText, at
		r.Attempts++
	})
}

// NewerUpdateSent implements bot.Outbox.
func (s *MemStore) NewerUpdateSent(ctx context.Context, it bot.OutboxItem) (bool, error) {
	newer := false
	err := s.read(ctx, "NewerUpdateSent", func(st *state) error {
		mine, ok := st.outbox[it.ID]
		if !ok {
			return fmt.Errorf("newer update %q: %w", it.ID, ErrNotFound)
		}
		for _, r := range st.outbox {
			if r.Tenant == it.Tenant && r.Out.Platform == it.Out.Platform && r.Status == bot.OutboxSent &&
				r.Out.UpdateMessageID == it.Out.UpdateMessageID && r.seq > mine.seq {
				newer = true
			}
		}
		return nil
	})
	return newer, err
}

// LatestCard implements bot.Outbox: the card the platform message shows, or
// will once the outbox catches up. That is the card of the newest update of
// the message (UpdateMessageID) that is not dead, whether sent yet or not,
// as an update counts from the moment its handler's transaction commits;
// failing one, the card the message was sent with (the sent item whose
// MessageID it is). A message without a card gives nil and no error (storage
// answers a NotFound domain error instead; the kernel tells the user either
// way).
func (s *MemStore) LatestCard(ctx context.Context, tenant string, p bot.Platform, messageID string) (*bot.Card, error) {
	var card *bot.Card
	err := s.read(ctx, "LatestCard", func(st *state) error {
		if messageID == "" {
			return nil
		}
		var best *OutboxRow
		for _, r := range st.outbox {
			if r.Tenant != tenant || r.Out.Platform != p || r.Out.Card == nil {
				continue
			}
			update := r.Out.UpdateMessageID == messageID && r.Status != bot.OutboxDead
			sentAs := r.Out.UpdateMessageID == "" && r.Status == bot.OutboxSent && r.MessageID == messageID
			if !update && !sentAs {
				continue
			}
			// An update beats the original; among equals the newest wins.
			if best == nil || cmp.Or(cmp.Compare(rank(r), rank(*best)),
				r.CreatedAt.Compare(best.CreatedAt), cmp.Compare(r.seq, best.seq)) > 0 {
				best = &r
			}
		}
		if best != nil {
			card = cloneCard(best.Out.Card)
		}
		return nil
	})
	return card, err
}

// rank orders the cards of a message: updates above the original.
func rank(r OutboxRow) int {
	if r.Out.UpdateMessageID != "" {
		return 1
	}
	return 0
}

// Put stores value under key in the named table, within ctx's transaction
// if it has one. Store values, not pointers: a rollback restores the table,
// not what a pointer points to.
func (s *MemStore) Put(ctx context.Context, table, key string, value any) error {
	return s.write(ctx, "Put", func(st *state) error {
		if st.tables[table] == nil {
			st.tables[table] = map[string]any{}
		}
		st.tables[table][key] = value
		return nil
	})
}

// Get returns the value under key in the named table, as ctx's transaction
// sees it.
func (s *MemStore) Get(ctx context.Context, table, key string) (value any, ok bool, err error) {
	err = s.read(ctx, "Get", func(st *state) error {
		value, ok = st.tables[table][key]
		return nil
	})
	return value, ok, err
}

// Delete removes key from the named table.
func (s *MemStore) Delete(ctx context.Context, table, key string) error {
	return s.write(ctx, "Delete", func(st *state) error {
		delete(st.tables[table], key)
		return nil
	})
}

// committed returns the committed data, for the inspection methods.
func (s *MemStore) committed() *state {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st // never changed in place once committed
}

// Table returns a copy of the committed rows of the named table.
func (s *MemStore) Table(table string) map[string]any {
	return maps.Clone(s.committed().tables[table])
}

// Member returns the member registered for the platform user.
func (s *MemStore) Member(p bot.Platform, userID string) (bot.Member, bool) {
	m, ok := s.committed().members[platformKey{p, userID}]
	return m, ok
}

// Events returns the committed inbox in the order of insertion.
func (s *MemStore) Events() []InboxRow {
	rows := slices.Collect(maps.Values(s.committed().events))
	slices.SortFunc(rows, func(a, b InboxRow) int { return cmp.Compare(a.seq, b.seq) })
	return rows
}

// Event returns the committed inbox row of the store tenant's event with
// the platform's event id.
func (s *MemStore) Event(p bot.Platform, eventID string) (InboxRow, bool) {
	st := s.committed()
	id, ok := st.eventIDs[eventKey{s.tenant, p, eventID}]
	if !ok {
		return InboxRow{}, false
	}
	return st.events[id], true
}

// Outbox returns the committed outbox in the order of enqueueing.
func (s *MemStore) Outbox() []OutboxRow {
	rows := slices.Collect(maps.Values(s.committed().outbox))
	slices.SortFunc(rows, func(a, b OutboxRow) int { return cmp.Compare(a.seq, b.seq) })
	return rows
}

// OutboxItem returns the committed outbox row with the given id.
func (s *MemStore) OutboxItem(id string) (OutboxRow, bool) {
	r, ok := s.committed().outbox[id]
	return r, ok
}

// cloneEvent copies what an event shares through pointers, slices and maps,
// so the store's rows never alias the caller's.
func cloneEvent(e bot.Event) bot.Event {
	e.Mentions = slices.Clone(e.Mentions)
	if e.Action != nil {
		a := *e.Action
		a.Values = maps.Clone(a.Values)
		e.Action = &a
	}
	return e
}

func cloneOutgoing(o bot.Outgoing) bot.Outgoing {
	o.Mentions = slices.Clone(o.Mentions)
	o.Card = cloneCard(o.Card)
	return o
}

func cloneCard(c *bot.Card) *bot.Card {
	if c == nil {
		return nil
	}
	cp := *c
	cp.Elements = slices.Clone(c.Elements)
	for i, e := range cp.Elements {
		e.Fields = slices.Clone(e.Fields)
		e.Progress = slices.Clone(e.Progress)
		if e.Image != nil {
			img := *e.Image
			img.PNG = slices.Clone(img.PNG)
			e.Image = &img
		}
		cp.Elements[i] = e
	}
	cp.Actions = slices.Clone(c.Actions)
	for i, a := range cp.Actions {
		if a.Confirm != nil {
			conf := *a.Confirm
			a.Confirm = &conf
		}
		cp.Actions[i] = a
	}
	return &cp
}
