package storage

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"gorm.io/gorm/logger"
)

// slowQuery is the duration from which a statement is logged as a warning.
const slowQuery = 500 * time.Millisecond

// gormLogger sends GORM's messages to slog instead of stdout. Failed
// statements are logged at debug level only: their errors are returned to
// the caller, who decides whether they matter (a duplicate key often does
// not), and logging them here as well would log each error twice.
type gormLogger struct {
	log   *slog.Logger
	level logger.LogLevel
}

func newGormLogger(log *slog.Logger) logger.Interface {
	return &gormLogger{log: log, level: logger.Warn}
}

func (l *gormLogger) LogMode(level logger.LogLevel) logger.Interface {
	cp := *l
	cp.level = level
	return &cp
}

func (l *gormLogger) Info(ctx context.Context, msg string, args ...any) {
	if l.level >= logger.Info {
		l.log.InfoContext(ctx, "gorm: "+fmt.Sprintf(msg, args...))
	}
}

func (l *gormLogger) Warn(ctx context.Context, msg string, args ...any) {
	if l.level >= logger.Warn {
		l.log.WarnContext(ctx, "gorm: "+fmt.Sprintf(msg, args...))
	}
}

func (l *gormLogger) Error(ctx context.Context, msg string, args ...any) {
	if l.level >= logger.Error {
		l.log.ErrorContext(ctx, "gorm: "+fmt.Sprintf(msg, args...))
	}
}

func (l *gormLogger) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	if l.level <= logger.Silent {
		return
	}
	elapsed := time.Since(begin)
	switch {
	case elapsed >= slowQuery && l.level >= logger.Warn:
		sql, rows := fc()
		l.log.WarnContext(ctx, "slow query", "elapsed", elapsed, "rows", rows, "sql", truncate(sql, 500))
	case err != nil && l.log.Enabled(ctx, slog.LevelDebug):
		sql, _ := fc()
		l.log.DebugContext(ctx, "query failed", "err", err, "sql", truncate(sql, 500))
	}
}

// truncate shortens s to at most n bytes, so that a statement carrying a
// large payload does not flood the log.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// mysqlLogger routes go-sql-driver/mysql's own messages (dropped
// connections and the like) to slog instead of stderr.
type mysqlLogger struct{ log *slog.Logger }

func (l mysqlLogger) Print(v ...any) {
	l.log.Warn("mysql driver: " + fmt.Sprint(v...))
}
