package storage

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/salesbot/salesbot/bot"
	"gorm.io/gorm"
)

var _ bot.Transactor = (*Store)(nil)

// txKey is the context key of the transaction InTx carries.
type txKey struct{}

// txValue is the transaction in a context, with the store it belongs to, so
// that a ctx from one store never leaks its transaction into another.
type txValue struct {
	store *Store
	tx    *gorm.DB
}

// txAttempts is how many times InTx runs a transaction that keeps failing
// on a deadlock, a write conflict or a busy SQLite database.
const txAttempts = 4

// InTx runs fn in one transaction carried by the ctx passed to fn: every
// Store call made with that ctx joins it, and fn's error rolls it back. A
// nested InTx joins the outer transaction. When the database reports a
// deadlock, a lock wait timeout, a write conflict (TiDB) or a locked SQLite
// database, the outermost InTx rolls back and runs fn again, a few times
// with a short random backoff, so fn must not have effects outside the
// database that cannot be repeated.
//
// On SQLite the transaction holds the write lock from its start, so calls
// inside fn must use fn's ctx (see Open).
func (s *Store) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if s.txFrom(ctx) != nil {
		return fn(ctx)
	}
	var err error
	for attempt := 1; ; attempt++ {
		err = s.gdb.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			return fn(context.WithValue(ctx, txKey{}, &txValue{store: s, tx: tx}))
		})
		if err == nil || attempt == txAttempts || !retryable(err) {
			return err
		}
		if werr := waitBackoff(ctx, attempt); werr != nil {
			return err
		}
	}
}

// txFrom returns the transaction of this store carried by ctx, or nil.
func (s *Store) txFrom(ctx context.Context) *gorm.DB {
	if v, ok := ctx.Value(txKey{}).(*txValue); ok && v.store == s {
		return v.tx
	}
	return nil
}

// db returns the handle every query starts from: the transaction in ctx if
// there is one, the pool otherwise.
func (s *Store) db(ctx context.Context) *gorm.DB {
	if tx := s.txFrom(ctx); tx != nil {
		return tx.WithContext(ctx)
	}
	return s.gdb.WithContext(ctx)
}

// waitBackoff sleeps before retry number attempt: a random delay that grows
// with each attempt, so that two colliding transactions do not collide again.
func waitBackoff(ctx context.Context, attempt int) error {
	base := time.Duration(attempt*attempt) * 10 * time.Millisecond
	d := base + rand.N(base)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
