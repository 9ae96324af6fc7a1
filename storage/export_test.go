package storage

import "context"

// MigrateTo applies the missing migrations up to version, for upgrade tests.
func (s *Store) MigrateTo(ctx context.Context, version int) error { return s.migrateTo(ctx, version) }

// TextHash exposes the follow-up text hash to tests.
var TextHash = textHash

// SetBackfillBatch makes backfills use small batches and returns a function
// that restores the default.
func SetBackfillBatch(n int) (restore func()) {
	old := backfillBatch
	backfillBatch = n
	return func() { backfillBatch = old }
}

// ExecRaw runs a statement on the store's database, for tests that write
// rows as an older version would have.
func (s *Store) ExecRaw(ctx context.Context, q string, args ...any) error {
	return s.db(ctx).Exec(q, args...).Error
}

// QueryRaw scans the result of a query into dest.
func (s *Store) QueryRaw(ctx context.Context, dest any, q string, args ...any) error {
	return s.db(ctx).Raw(q, args...).Scan(dest).Error
}
