// Package storage keeps salesbot's records in a SQL database through GORM:
// pure-Go SQLite as the zero-setup default, MySQL, MariaDB or TiDB in
// production (DESIGN.md §8). The same code and the same test suite run on
// every dialect, so the package uses only portable SQL: application-generated
// string ids, no auto-increment ordering, no SKIP LOCKED, no triggers and no
// database-side foreign keys; duplicates are detected by catching the
// unique-key error, and claims are conditional UPDATEs that check the number
// of rows they matched.
//
// Row structs are unexported and mapped to and from domain types by explicit
// converters, so the schema can evolve without touching the domain.
//
// Transactions travel in the context: InTx puts the transaction in the ctx it
// passes to fn, and every Store method called with that ctx joins it.
package storage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Dialect names, as returned by (*Store).Dialect.
const (
	DialectSQLite = "sqlite"
	DialectMySQL  = "mysql"
)

// Store is salesbot's database. It is safe for concurrent use.
type Store struct {
	gdb     *gorm.DB
	dialect string
	log     *slog.Logger
	// now is the clock for timestamps the store sets itself (created_at);
	// tests may replace it.
	now func() time.Time
}

// Open connects to the database of the given driver ("sqlite" or "mysql";
// MariaDB and TiDB use "mysql") and checks that it answers. It does not
// migrate the schema; call Migrate for that.
//
// SQLite: dsn is a file name (its directory is created when missing),
// optionally with go-sqlite query parameters. The file is opened in WAL mode
// with a 5 s busy timeout, and transactions begin IMMEDIATE, so there is one
// writer at a time and a transaction never fails half-way on a lock upgrade.
//
// MySQL: dsn is a go-sql-driver/mysql DSN; charset=utf8mb4, parseTime=true,
// loc=UTC and a dial timeout are enforced whatever it says.
func Open(ctx context.Context, driver, dsn string, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var (
		gdb *gorm.DB
		err error
	)
	switch driver {
	case DialectSQLite:
		gdb, err = openSQLite(ctx, dsn, log)
	case DialectMySQL:
		gdb, err = openMySQL(ctx, dsn, log)
	default:
		return nil, fmt.Errorf("open database: unknown driver %q (want sqlite or mysql)", driver)
	}
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	return &Store{gdb: gdb, dialect: driver, log: log, now: time.Now}, nil
}

// gormConfig is the GORM configuration shared by every dialect.
func gormConfig(log *slog.Logger) *gorm.Config {
	return &gorm.Config{
		Logger: newGormLogger(log),
		// Times are stored in UTC with microsecond precision, the finest
		// that MySQL keeps, so a time reads back equal on every dialect.
		NowFunc: func() time.Time { return dbTime(time.Now()) },
		// Every multi-statement write goes through InTx; a hidden
		// transaction around each single INSERT only costs a round trip
		// (and, on SQLite, an immediate write lock).
		SkipDefaultTransaction:                   true,
		DisableForeignKeyConstraintWhenMigrating: true,
		DisableAutomaticPing:                     true,
	}
}

// Close closes the database connections.
func (s *Store) Close() error {
	sqlDB, err := s.gdb.DB()
	if err != nil {
		return fmt.Errorf("close database: %w", err)
	}
	if err := sqlDB.Close(); err != nil {
		return fmt.Errorf("close database: %w", err)
	}
	return nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.gdb.DB()
	if err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}

// Dialect returns "sqlite" or "mysql" (which covers MariaDB and TiDB).
func (s *Store) Dialect() string { return s.dialect }

// ServerVersion returns the database server's version string, such as
// "10.11.6-MariaDB" or "3.41.2" for SQLite.
func (s *Store) ServerVersion(ctx context.Context) (string, error) {
	q := "SELECT VERSION()"
	if s.dialect == DialectSQLite {
		q = "SELECT sqlite_version()"
	}
	var v string
	if err := s.db(ctx).Raw(q).Scan(&v).Error; err != nil {
		return "", fmt.Errorf("server version: %w", err)
	}
	return v, nil
}

// dbTime returns t as the database keeps it: UTC, microsecond precision.
func dbTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// nullTime maps the zero time to NULL, so that "not set" is NULL in the
// database and not a year-1 date that MySQL may reject.
func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := dbTime(t)
	return &u
}

// fromNullTime maps NULL back to the zero time, and any time to UTC.
func fromNullTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// dateLayout is how dates without a time of day are stored: varchar(10).
const dateLayout = "2006-01-02"

// dateString returns t's calendar date in its own location, or "" for the
// zero time. Dates are stored as text so that no time zone can shift them.
func dateString(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(dateLayout)
}

// parseDate reads a stored date back as midnight UTC of that day.
func parseDate(s string) time.Time {
	t, err := time.ParseInLocation(dateLayout, s, time.UTC)
	if err != nil {
		return time.Time{}
	}
	return t
}

// errNoTenant is returned when a tenant id is missing from a call; every
// query filters by tenant, so an empty one is a programming error.
var errNoTenant = errors.New("tenant id is empty")

// exprAdd is "col = col + n", for counters updated in place so that two
// concurrent writers never lose an increment.
func exprAdd(col string, n any) clause.Expr { return gorm.Expr(col+" + ?", n) }
