package storage

import (
	"errors"
	"strings"

	gosqlite "github.com/glebarez/go-sqlite"
	gomysql "github.com/go-sql-driver/mysql"
	"github.com/salesbot/salesbot/domain"
	"gorm.io/gorm"
)

// MySQL, MariaDB and TiDB error numbers salesbot reacts to.
const (
	mysqlDuplicateKey    = 1062
	mysqlLockWaitTimeout = 1205
	mysqlDeadlock        = 1213
	tidbWriteConflict    = 9007
	tidbRetryable        = 8022 // "KV error safe to retry"
	tidbSchemaChanged    = 8028 // "information schema is changed"
)

// SQLite primary result codes (the low byte of extended codes).
const (
	sqliteBusy       = 5
	sqliteLocked     = 6
	sqliteConstraint = 19
)

// isDuplicate reports whether err is a unique-key violation.
func isDuplicate(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return true
	}
	var me *gomysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == mysqlDuplicateKey
	}
	var se *gosqlite.Error
	if errors.As(err, &se) {
		// A NOT NULL or CHECK failure is also a constraint error; only a
		// unique or primary key violation is a duplicate.
		return se.Code()&0xff == sqliteConstraint &&
			(strings.Contains(se.Error(), "UNIQUE") || strings.Contains(se.Error(), "PRIMARY KEY"))
	}
	return false
}

// retryable reports whether a transaction that failed with err may succeed
// when run again: a deadlock, a lock wait timeout, a TiDB write conflict, or
// a SQLite database locked by another writer.
func retryable(err error) bool {
	var me *gomysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case mysqlDeadlock, mysqlLockWaitTimeout, tidbWriteConflict, tidbRetryable, tidbSchemaChanged:
			return true
		}
		return false
	}
	var se *gosqlite.Error
	if errors.As(err, &se) {
		code := se.Code() & 0xff
		return code == sqliteBusy || code == sqliteLocked
	}
	return err != nil && strings.Contains(err.Error(), "database is locked")
}

// conflict turns a duplicate-key error into a domain Conflict with the given
// user-facing message, and returns any other error unchanged.
func conflict(err error, format string, args ...any) error {
	if !isDuplicate(err) {
		return err
	}
	e := domain.Errorf(domain.Conflict, format, args...)
	e.Err = err
	return e
}

// notFound turns gorm's record-not-found into a domain NotFound with the
// given user-facing message, and returns any other error unchanged.
func notFound(err error, format string, args ...any) error {
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return err
	}
	e := domain.Errorf(domain.NotFound, format, args...)
	e.Err = err
	return e
}
