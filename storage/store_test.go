package storage_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"
	"github.com/salesbot/salesbot/domain"
	"github.com/salesbot/salesbot/storage"
)

// The suite runs every test on a fresh SQLite file, and also on MySQL or
// MariaDB when SALESBOT_TEST_MYSQL_DSN is set (for example
// root@tcp(127.0.0.1:3306)/test): each test gets a database of its own,
// created on that server and dropped afterwards. When the variable is set
// and the server cannot be reached, the MySQL leg fails; it is never
// skipped silently.

const mysqlEnv = "SALESBOT_TEST_MYSQL_DSN"

// forEachDB runs fn on a migrated store of each configured dialect.
func forEachDB(t *testing.T, fn func(t *testing.T, s *storage.Store)) {
	t.Helper()
	forEachEmptyDB(t, func(t *testing.T, s *storage.Store) {
		if err := s.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		fn(t, s)
	})
}

// forEachEmptyDB runs fn on a store of each configured dialect whose
// database has no tables yet.
func forEachEmptyDB(t *testing.T, fn func(t *testing.T, s *storage.Store)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		s := openSQLite(t)
		logDialect(t, s)
		fn(t, s)
	})
	if dsn := os.Getenv(mysqlEnv); dsn != "" {
		t.Run("mysql", func(t *testing.T) {
			s := openMySQL(t, dsn)
			logDialect(t, s)
			fn(t, s)
		})
	}
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func openSQLite(t *testing.T) *storage.Store {
	t.Helper()
	// A directory that does not exist yet: Open must create it.
	path := filepath.Join(t.TempDir(), "data", "salesbot.db")
	s, err := storage.Open(context.Background(), "sqlite", path, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// openMySQL creates a database of its own for the test on the server of
// dsn and opens a store on it.
func openMySQL(t *testing.T, dsn string) *storage.Store {
	t.Helper()
	ctx := context.Background()
	cfg, err := gomysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("%s: %v", mysqlEnv, err)
	}
	admin, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := admin.PingContext(pingCtx); err != nil {
		t.Fatalf("%s is set but the server is unreachable: %v", mysqlEnv, err)
	}
	name := "salesbot_test_" + randomHex(6)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name+" CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := admin.ExecContext(context.Background(), "DROP DATABASE "+name); err != nil {
			t.Errorf("drop test database: %v", err)
		}
	})
	cfg.DBName = name
	s, err := storage.Open(ctx, "mysql", cfg.FormatDSN(), testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func logDialect(t *testing.T, s *storage.Store) {
	t.Helper()
	v, err := s.ServerVersion(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("dialect %s, server %s", s.Dialect(), v)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// newTenant makes the default tenant of a migrated store.
func newTenant(t *testing.T, s *storage.Store) string {
	t.Helper()
	tn, err := s.EnsureTenant(context.Background(), "星河销售", "Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return tn.ID
}

func newMember(t *testing.T, s *storage.Store, tenant, name string) domain.Member {
	t.Helper()
	m, err := s.CreateMember(context.Background(), domain.Member{TenantID: tenant, Name: name, Role: domain.RoleSales, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestOpenUnreachableMySQL(t *testing.T) {
	start := time.Now()
	_, err := storage.Open(context.Background(), "mysql", "root@tcp(127.0.0.1:1)/test", slog.New(slog.DiscardHandler))
	if err == nil {
		t.Fatal("Open succeeded on a closed port")
	}
	if !strings.HasPrefix(err.Error(), "open database: ") || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("error = %q, want it to say the database could not be opened and where", err)
	}
	if d := time.Since(start); d > 8*time.Second {
		t.Errorf("Open took %v to fail", d)
	}
	t.Logf("error: %v", err)
}

func TestOpenUnknownDriver(t *testing.T) {
	if _, err := storage.Open(context.Background(), "postgres", "x", nil); err == nil {
		t.Fatal("Open accepted an unknown driver")
	}
}
