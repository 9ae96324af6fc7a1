package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Store is the persistence the kernel needs.
type Store interface {
	Transactor
	Directory
	Inbox
	Outbox
}

// CallbackCardUpdater is implemented by adapters that apply Result.Card in
// their answer to the button press itself (Lark's callback response, the
// console), so the kernel records the update without sending it again.
type CallbackCardUpdater interface {
	UpdatesCardInCallback() bool
}

// Options tune the kernel; zero values get sensible defaults.
type Options struct {
	Log     *slog.Logger
	Now     func() time.Time
	Metrics *Metrics
	// Workers is how many messages are handled at once.
	Workers int
	// Lease is how long a worker owns an event or an outbox row before
	// another replica may take it over.
	Lease time.Duration
	// MaxAttempts is how often a send is tried before it is dead-lettered.
	MaxAttempts int
	// SweepEvery is how often unfinished events and due outbox rows are
	// looked for (besides the immediate wake-ups).
	SweepEvery time.Duration
}

// Kernel receives events from adapters, handles them through the router and
// delivers the replies through the outbox.
type Kernel struct {
	store    Store
	router   *Router
	adapters map[Platform]Adapter
	log      *slog.Logger
	now      func() time.Time
	metrics  *Metrics
	limits   *limiter
	opts     Options

	work chan InboxEvent
	wake chan struct{}
	// inflight tracks handlers running outside Run's workers (actions), so
	// shutdown waits for them.
	inflight sync.WaitGroup
	mu       sync.Mutex
	closed   bool
}

// NewKernel returns a kernel over store that routes with router.
func NewKernel(store Store, router *Router, opts Options) *Kernel {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Metrics == nil {
		opts.Metrics = NewMetrics(nil)
	}
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if opts.Lease <= 0 {
		opts.Lease = time.Minute
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 10
	}
	if opts.SweepEvery <= 0 {
		opts.SweepEvery = 5 * time.Second
	}
	return &Kernel{
		store:    store,
		router:   router,
		adapters: map[Platform]Adapter{},
		log:      opts.Log,
		now:      opts.Now,
		metrics:  opts.Metrics,
		limits:   newLimiter(),
		opts:     opts,
		work:     make(chan InboxEvent, 1024),
		wake:     make(chan struct{}, 1),
	}
}

// AddAdapter registers the adapter that sends to its platform.
func (k *Kernel) AddAdapter(a Adapter) {
	if _, dup := k.adapters[a.Platform()]; dup {
		panic(fmt.Sprintf("bot: adapter %q registered twice", a.Platform()))
	}
	k.adapters[a.Platform()] = a
	k.limits.setLimits(a.Platform(), a.Limits())
}

// Adapters returns the registered adapters.
func (k *Kernel) Adapters() []Adapter {
	out := make([]Adapter, 0, len(k.adapters))
	for _, a := range k.adapters {
		out = append(out, a)
	}
	return out
}

// NewID returns a new time-ordered row id.
func NewID() string { return uuid.Must(uuid.NewV7()).String() }

// Deliver implements Sink: it stores the event in the inbox (a duplicate is
// acknowledged and dropped) and hands it to a worker; a button press is
// handled before Deliver returns.
func (k *Kernel) Deliver(ctx context.Context, ev Event) (Result, error) {
	tenant, err := k.store.TenantFor(ctx, ev.Platform, ev.TenantKey)
	if err != nil {
		return Result{}, err
	}
	if ev.At.IsZero() {
		ev.At = k.now()
	}
	row := InboxEvent{ID: NewID(), Tenant: tenant, Event: ev, Status: EventReceived, ReceivedAt: k.now()}
	inserted, err := k.store.InsertEvent(ctx, row)
	if err != nil {
		return Result{}, fmt.Errorf("store event: %w", err)
	}
	if !inserted {
		k.metrics.EventsDeduped.WithLabelValues(string(ev.Platform)).Inc()
		k.log.DebugContext(ctx, "duplicate event dropped", "platform", ev.Platform, "event_id", ev.ID)
		return Result{Duplicate: true}, nil
	}
	k.metrics.EventsReceived.WithLabelValues(string(ev.Platform), string(ev.Kind)).Inc()
	if ev.Kind == KindAction {
		if !k.enter() {
			return Result{}, ErrShuttingDown
		}
		defer k.inflight.Done()
		// The click is answered now; the stored event guards against a retry.
		return k.process(context.WithoutCancel(ctx), row)
	}
	select {
	case k.work <- row:
	default:
		// Workers are saturated; the sweeper picks the event up from the inbox.
	}
	return Result{}, nil
}

// ErrShuttingDown is returned by Deliver for a button press that arrives
// after Run has stopped; the platform retries it against another replica or
// after the restart.
var ErrShuttingDown = errors.New("shutting down")

// enter registers in-flight work unless the kernel has stopped.
func (k *Kernel) enter() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.closed {
		return false
	}
	k.inflight.Add(1)
	return true
}

// Run runs the workers, the outbox sender and the inbox sweeper until ctx is
// cancelled, then waits for the work in progress to finish.
func (k *Kernel) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for range k.opts.Workers {
		wg.Go(func() { k.worker(ctx) })
	}
	wg.Go(func() { k.sweep(ctx) })
	wg.Go(func() { k.sendLoop(ctx) })
	wg.Wait()
	k.mu.Lock()
	k.closed = true
	k.mu.Unlock()
	k.inflight.Wait()
	return nil
}

func (k *Kernel) worker(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case row := <-k.work:
			if _, err := k.process(context.WithoutCancel(ctx), row); err != nil {
				k.log.ErrorContext(ctx, "process event", "event", row.ID, "err", err)
			}
		}
	}
}

// sweep processes events left unfinished (by a crash, or when the workers
// were saturated), first at start-up and then periodically.
func (k *Kernel) sweep(ctx context.Context) {
	t := time.NewTicker(k.opts.SweepEvery)
	defer t.Stop()
	for {
		events, err := k.store.UnfinishedEvents(ctx, k.now().Add(-k.opts.SweepEvery), 100)
		if err != nil && ctx.Err() == nil {
			k.log.ErrorContext(ctx, "list unfinished events", "err", err)
		}
		for _, e := range events {
			if ctx.Err() != nil {
				return
			}
			if _, err := k.process(context.WithoutCancel(ctx), e); err != nil {
				k.log.ErrorContext(ctx, "process unfinished event", "event", e.ID, "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// process handles one stored event: claim it, resolve the member, route,
// and store the handler's records, replies and the event's completion in one
// transaction.
func (k *Kernel) process(ctx context.Context, row InboxEvent) (Result, error) {
	claimedAt := k.now()
	claimed, err := k.store.ClaimEvent(ctx, row.ID, claimedAt, k.opts.Lease)
	if err != nil {
		return Result{}, fmt.Errorf("claim event: %w", err)
	}
	if !claimed {
		return Result{Duplicate: true}, nil
	}
	row.claimedUntil = claimedAt.Add(k.opts.Lease)
	start := time.Now()
	ev := row.Event
	member, err := k.store.ResolveMember(ctx, row.Tenant, ev.Platform, ev.Sender)
	if err != nil {
		return k.fail(ctx, row, &Message{Event: ev, Tenant: row.Tenant, Route: "resolve"}, err, start)
	}
	m := &Message{Event: ev, Tenant: row.Tenant, Member: member}
	if m.IsAction() {
		if err := k.attachRef(ctx, m); err != nil {
			return k.fail(ctx, row, m, err, start)
		}
	} else {
		k.attachThreadCard(ctx, m)
	}
	h, ok := k.router.route(ctx, m)
	if !ok {
		return k.fail(ctx, row, m, errNoRoute, start)
	}
	var res Result
	err = k.store.InTx(ctx, func(ctx context.Context) error {
		reply, err := callHandler(ctx, h, m)
		if err != nil {
			return err
		}
		res = Result{Toast: reply.Toast, Card: reply.UpdateCard, Replied: reply.Text != "" || reply.Card != nil}
		if err := k.store.Enqueue(ctx, k.outgoing(ctx, row, m, reply)); err != nil {
			return fmt.Errorf("enqueue replies: %w", err)
		}
		return k.store.FinishEvent(ctx, row.ID, row.claimedUntil, EventDone, "", k.now())
	})
	if errors.Is(err, ErrLeaseLost) {
		k.log.WarnContext(ctx, "event handled by another worker after this one's lease ran out; its effects were rolled back",
			"event_id", ev.ID, "route", m.Route)
		return Result{Duplicate: true}, nil
	}
	if err != nil {
		return k.fail(ctx, row, m, err, start)
	}
	k.metrics.HandlerLatency.WithLabelValues(m.Route, "ok").Observe(time.Since(start).Seconds())
	k.kick()
	return res, nil
}

// callHandler runs h, turning a panic into an internal error: one bad
// message gets an apology and is marked failed, instead of crashing the
// process now and, being unfinished, again at every restart.
func callHandler(ctx context.Context, h HandlerFunc, m *Message) (r Reply, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("handler panicked: %v\n%s", p, debug.Stack())
		}
	}()
	return h(ctx, m)
}

var errStaleButton = &userError{"这个按钮已失效,请在最新的卡片上操作。"}

var errNoRoute = &userError{"这个操作暂不支持。发送“帮助”查看可以怎么说。"}

type userError struct{ msg string }

func (e *userError) Error() string       { return e.msg }
func (e *userError) UserMessage() string { return e.msg }

// attachRef finds the pressed button on the card as stored, so that what the
// action refers to never comes from the client.
func (k *Kernel) attachRef(ctx context.Context, m *Message) error {
	if m.MessageID == "" {
		// Not looked up: in a store, an empty message id matches every
		// row that has none (every message not updating another).
		return errStaleButton
	}
	card, err := k.latestCard(ctx, m)
	if err != nil {
		return fmt.Errorf("load card: %w", err)
	}
	a, ok := card.FindAction(m.Action.ID)
	if !ok {
		return errStaleButton
	}
	m.Action.Ref = a.Ref
	return nil
}

// cardWait is how long a button press waits for the card it was pressed on
// to be recorded: a platform shows a card as soon as it has it, and the
// outbox records the message id only when the send call returns, so a
// quick press can arrive in between.
const cardWait = 2 * time.Second

// latestCard looks up the card of the pressed message, waiting up to
// cardWait for a card that is not recorded yet.
func (k *Kernel) latestCard(ctx context.Context, m *Message) (*Card, error) {
	deadline := time.Now().Add(cardWait)
	for {
		card, err := k.store.LatestCard(ctx, m.Tenant, m.Platform, m.MessageID)
		if (err == nil && card != nil) || time.Now().After(deadline) {
			return card, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// attachThreadCard tells the handler which card a threaded reply answers.
// A thread whose root is not a bot card (or a card the store no longer
// has) is an ordinary message, so a failed look-up only goes to the log.
func (k *Kernel) attachThreadCard(ctx context.Context, m *Message) {
	if m.ThreadID == "" {
		return
	}
	card, err := k.store.LatestCard(ctx, m.Tenant, m.Platform, m.ThreadID)
	if err != nil {
		k.log.DebugContext(ctx, "thread card not found", "thread", m.ThreadID, "err", err)
		return
	}
	m.ThreadCard = card
}

// fail answers a handler error: the user sees a domain error's message, or an
// apology with a reference id that is logged with the cause.
func (k *Kernel) fail(ctx context.Context, row InboxEvent, m *Message, herr error, start time.Time) (Result, error) {
	text, ref := UserText(herr)
	status, outcome := EventDone, "rejected"
	if ref != "" {
		status, outcome = EventFailed, "error"
		k.log.ErrorContext(ctx, "handle event", "ref", ref, "route", m.Route, "platform", m.Platform,
			"event_id", m.ID, "tenant", m.Tenant, "err", herr)
	}
	k.metrics.HandlerLatency.WithLabelValues(m.Route, outcome).Observe(time.Since(start).Seconds())
	res := Result{Toast: text, Denied: IsForbidden(herr)}
	err := k.store.InTx(ctx, func(ctx context.Context) error {
		if !m.IsAction() {
			if err := k.store.Enqueue(ctx, k.outgoing(ctx, row, m, Reply{Text: text})); err != nil {
				return err
			}
		}
		return k.store.FinishEvent(ctx, row.ID, row.claimedUntil, status, errText(herr), k.now())
	})
	if errors.Is(err, ErrLeaseLost) {
		return Result{Duplicate: true}, nil
	}
	if err != nil {
		return res, fmt.Errorf("record failure: %w", errors.Join(err, herr))
	}
	k.kick()
	return res, nil
}

func errText(err error) string {
	s := err.Error()
	if len(s) > 1000 {
		// Cut on a rune boundary: MySQL rejects invalid UTF-8.
		s = strings.ToValidUTF8(s[:1000], "")
	}
	return s
}

// outgoing turns a handler's reply into outbox items: the answer in-thread,
// the card update for a button press, and the extra messages.
func (k *Kernel) outgoing(ctx context.Context, row InboxEvent, m *Message, r Reply) []OutboxItem {
	now := k.now()
	var items []OutboxItem
	add := func(out Outgoing, status string) {
		if !k.address(ctx, row.Tenant, &out, m.Platform) {
			return
		}
		if out.Platform == "" {
			out.Platform = m.Platform
		}
		id := NewID()
		out.Key = id
		items = append(items, OutboxItem{ID: id, Tenant: row.Tenant, Out: out, Status: status,
			NextAt: now, SourceEventID: row.ID, CreatedAt: now})
	}
	if r.Text != "" || r.Card != nil {
		add(Outgoing{To: Target{ChatID: m.Chat.ID}, ReplyTo: m.MessageID, Text: r.Text, Card: r.Card}, OutboxPending)
	}
	if m.IsAction() && r.UpdateCard != nil {
		status := OutboxPending
		if u, ok := k.adapters[m.Platform].(CallbackCardUpdater); ok && u.UpdatesCardInCallback() {
			status = OutboxSent // applied by the adapter's answer; kept for LatestCard
		}
		add(Outgoing{To: Target{ChatID: m.Chat.ID}, UpdateMessageID: m.MessageID, Card: r.UpdateCard}, status)
	}
	for _, o := range r.Also {
		add(o, OutboxPending)
	}
	return items
}

// Enqueue stores messages that are not answers to an event (scheduled cards,
// reminders) for delivery.
func (k *Kernel) Enqueue(ctx context.Context, tenant string, outs ...Outgoing) error {
	now := k.now()
	items := make([]OutboxItem, 0, len(outs))
	for _, out := range outs {
		if !k.address(ctx, tenant, &out, "") {
			continue
		}
		id := NewID()
		out.Key = id
		items = append(items, OutboxItem{ID: id, Tenant: tenant, Out: out, Status: OutboxPending, NextAt: now, CreatedAt: now})
	}
	if err := k.store.Enqueue(ctx, items); err != nil {
		return fmt.Errorf("enqueue: %w", err)
	}
	k.kick()
	return nil
}

// platformOrder lists the registered platforms, prefer first, the console
// last (a person on a real platform should be reached there).
func (k *Kernel) platformOrder(prefer Platform) []Platform {
	var out []Platform
	if _, ok := k.adapters[prefer]; ok && prefer != "" {
		out = append(out, prefer)
	}
	for _, p := range []Platform{Lark, WeCom, DingTalk, Console} {
		if _, ok := k.adapters[p]; ok && p != prefer {
			out = append(out, p)
		}
	}
	return out
}

// address turns a message for a member (Target.MemberID) into a direct
// message on a platform where the member can be reached. It reports false,
// and logs why, when the member cannot be reached anywhere.
func (k *Kernel) address(ctx context.Context, tenant string, out *Outgoing, prefer Platform) bool {
	if out.To.MemberID == "" || out.To.UserID != "" || out.To.ChatID != "" {
		return true
	}
	p, uid, err := k.store.ReachMember(ctx, tenant, out.To.MemberID, k.platformOrder(prefer))
	if err != nil {
		k.log.WarnContext(ctx, "member cannot be reached; message dropped", "member", out.To.MemberID, "err", err)
		return false
	}
	out.Platform, out.To.UserID = p, uid
	return true
}

func (k *Kernel) kick() {
	select {
	case k.wake <- struct{}{}:
	default:
	}
}
