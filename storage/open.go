package storage

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	gomysql "github.com/go-sql-driver/mysql"
	"gorm.io/driver/mysql"
	"gorm.io/gorm"
)

// sqlitePragmas are applied to every SQLite connection. WAL lets readers
// run beside the one writer; the busy timeout makes a writer wait for the
// lock instead of failing at once.
var sqlitePragmas = []string{
	"journal_mode(WAL)",
	"busy_timeout(5000)",
	"synchronous(NORMAL)",
	"foreign_keys(0)",
}

// openSQLite opens a SQLite file. Transactions begin IMMEDIATE
// (_txlock=immediate): the write lock is taken at BEGIN, so writers queue on
// the busy timeout instead of failing with SQLITE_BUSY when a read
// transaction tries to upgrade. That keeps a small pool of connections
// usable for concurrent readers. A transaction holds its connection until
// it ends, so every call inside InTx must use the ctx InTx passed to fn; a
// call made with another ctx takes another connection and waits up to the
// busy timeout for the transaction's write lock.
func openSQLite(ctx context.Context, dsn string, log *slog.Logger) (*gorm.DB, error) {
	full, path, err := sqliteDSN(dsn)
	if err != nil {
		return nil, err
	}
	if path != "" {
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return nil, fmt.Errorf("create database directory: %w", err)
		}
	}
	sqlDB, err := sql.Open(sqlite.DriverName, full)
	if err != nil {
		return nil, err
	}
	if path == "" {
		// Each connection to :memory: is a database of its own.
		sqlDB.SetMaxOpenConns(1)
	} else {
		sqlDB.SetMaxOpenConns(8)
		sqlDB.SetMaxIdleConns(8)
	}
	if err := pingWithin(ctx, sqlDB, 10*time.Second); err != nil {
		sqlDB.Close()
		return nil, err
	}
	gdb, err := gorm.Open(sqlite.Dialector{Conn: sqlDB}, gormConfig(log))
	if err != nil {
		sqlDB.Close()
		return nil, err
	}
	return gdb, nil
}

// sqliteDSN adds salesbot's pragmas and transaction mode to a SQLite DSN and
// returns it with the path of the database file ("" for an in-memory
// database).
func sqliteDSN(dsn string) (full, path string, err error) {
	if dsn == "" {
		return "", "", fmt.Errorf("sqlite: empty file name")
	}
	name, query, _ := strings.Cut(dsn, "?")
	q, err := url.ParseQuery(query)
	if err != nil {
		return "", "", fmt.Errorf("sqlite: parse dsn parameters: %w", err)
	}
	for _, p := range sqlitePragmas {
		if !hasPragma(q["_pragma"], p) {
			q.Add("_pragma", p)
		}
	}
	if q.Get("_txlock") == "" {
		q.Set("_txlock", "immediate")
	}
	// go-sqlite ignores _txlock when _time_format is given.
	q.Del("_time_format")
	path = strings.TrimPrefix(name, "file:")
	if path == ":memory:" || q.Get("mode") == "memory" {
		path = ""
	}
	return name + "?" + q.Encode(), path, nil
}

// hasPragma reports whether the DSN already sets the pragma p names.
func hasPragma(given []string, p string) bool {
	name, _, _ := strings.Cut(p, "(")
	for _, g := range given {
		if strings.HasPrefix(strings.ToLower(g), name) {
			return true
		}
	}
	return false
}

// mysqlDialTimeout bounds how long Open waits for an unreachable server.
const mysqlDialTimeout = 5 * time.Second

// openMySQL opens a MySQL, MariaDB or TiDB database.
func openMySQL(ctx context.Context, dsn string, log *slog.Logger) (*gorm.DB, error) {
	cfg, err := mysqlConfig(dsn, log)
	if err != nil {
		return nil, err
	}
	connector, err := gomysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	sqlDB := sql.OpenDB(connector)
	sqlDB.SetMaxOpenConns(25)
	sqlDB.SetMaxIdleConns(10)
	// Below the usual server and proxy idle timeouts, so that a pooled
	// connection is not found dead.
	sqlDB.SetConnMaxLifetime(5 * time.Minute)
	sqlDB.SetConnMaxIdleTime(time.Minute)
	if err := pingWithin(ctx, sqlDB, mysqlDialTimeout+time.Second); err != nil {
		sqlDB.Close()
		return nil, err
	}
	precision := 6
	gdb, err := gorm.Open(mysql.New(mysql.Config{
		Conn:                     sqlDB,
		DSNConfig:                cfg,
		DefaultDatetimePrecision: &precision,
		DefaultStringSize:        191,
	}), gormConfig(log))
	if err != nil {
		sqlDB.Close()
		return nil, err
	}
	return gdb, nil
}

// mysqlConfig parses a MySQL DSN and enforces what salesbot relies on.
func mysqlConfig(dsn string, log *slog.Logger) (*gomysql.Config, error) {
	cfg, err := gomysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("mysql: %w", err)
	}
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	// Chinese names and emoji need 4-byte UTF-8.
	cfg.Params["charset"] = "utf8mb4"
	cfg.Collation = "utf8mb4_unicode_ci"
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	// Conditional UPDATEs check RowsAffected; with found rows an UPDATE that
	// matches but changes nothing still counts, as on SQLite.
	cfg.ClientFoundRows = true
	if cfg.Timeout == 0 || cfg.Timeout > mysqlDialTimeout {
		cfg.Timeout = mysqlDialTimeout
	}
	cfg.Logger = mysqlLogger{log}
	return cfg, nil
}

// pingWithin pings the database, giving up after limit so that an
// unreachable server fails Open promptly.
func pingWithin(ctx context.Context, db *sql.DB, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	return db.PingContext(ctx)
}
