package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"
)

// migration is one step of the schema's history. Up must be idempotent:
// MySQL commits every DDL statement at once, so a migration interrupted
// half-way is run again from the start.
type migration struct {
	Version int
	Name    string
	Up      func(tx *gorm.DB) error
}

// migrations is the schema's history, oldest first. Append only: a released
// migration never changes, because databases out there already ran it.
var migrations = []migration{
	{Version: 1, Name: "initial schema", Up: migrateV1},
	{Version: 2, Name: "follow-up text hash", Up: migrateV2},
	{Version: 3, Name: "prompts", Up: migrateV3},
	{Version: 4, Name: "collection and task flows", Up: migrateV4},
	{Version: 5, Name: "progress and digest indexes", Up: migrateV5},
	{Version: 6, Name: "team sources", Up: migrateV6},
}

// latestVersion is the schema version this binary expects.
func latestVersion() int { return migrations[len(migrations)-1].Version }

// schemaMigration is a row of schema_migrations: one applied migration.
type schemaMigration struct {
	Version   int       `gorm:"primaryKey;autoIncrement:false"`
	Name      string    `gorm:"size:191;not null"`
	AppliedAt time.Time `gorm:"not null;precision:6"`
}

func (schemaMigration) TableName() string { return "schema_migrations" }

// Migrate brings the schema up to date: it applies, in order, every
// migration the database has not recorded yet. It refuses a database whose
// schema is newer than this binary.
func (s *Store) Migrate(ctx context.Context) error {
	if err := s.migrateTo(ctx, latestVersion()); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// migrateTo applies the missing migrations up to and including version.
func (s *Store) migrateTo(ctx context.Context, version int) error {
	if err := s.createMigrationsTable(ctx); err != nil {
		return err
	}
	current, err := s.currentVersion(ctx)
	if err != nil {
		return err
	}
	if err := checkNotNewer(current); err != nil {
		return err
	}
	for _, m := range migrations {
		if m.Version <= current || m.Version > version {
			continue
		}
		start := time.Now()
		if err := s.apply(ctx, m); err != nil {
			return fmt.Errorf("v%d %s: %w", m.Version, m.Name, err)
		}
		s.log.InfoContext(ctx, "schema migrated", "version", m.Version, "name", m.Name, "elapsed", time.Since(start))
	}
	return nil
}

// apply runs one migration and records it. On SQLite, DDL is transactional,
// so the migration and its record commit together; on MySQL each DDL
// statement commits by itself, so there is no transaction to speak of and
// the migration's idempotence does the work.
func (s *Store) apply(ctx context.Context, m migration) error {
	run := func(ctx context.Context) error {
		tx := s.db(ctx)
		if s.dialect == DialectMySQL {
			// A new session, or Set's result would accumulate the
			// conditions of every statement Up runs on it.
			tx = tx.Set("gorm:table_options", mysqlTableOptions).Session(&gorm.Session{})
		}
		if err := m.Up(tx); err != nil {
			return err
		}
		rec := schemaMigration{Version: m.Version, Name: m.Name, AppliedAt: dbTime(s.now())}
		if err := s.db(ctx).Create(&rec).Error; err != nil && !isDuplicate(err) {
			// A duplicate means another replica applied it meanwhile.
			return fmt.Errorf("record migration: %w", err)
		}
		return nil
	}
	if s.dialect == DialectMySQL {
		return run(ctx)
	}
	return s.InTx(ctx, run)
}

// mysqlTableOptions are the options of every table on MySQL.
const mysqlTableOptions = "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"

func (s *Store) createMigrationsTable(ctx context.Context) error {
	tx := s.db(ctx)
	if tx.Migrator().HasTable(&schemaMigration{}) {
		return nil
	}
	if s.dialect == DialectMySQL {
		tx = tx.Set("gorm:table_options", mysqlTableOptions).Session(&gorm.Session{})
	}
	if err := tx.Migrator().CreateTable(&schemaMigration{}); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	return nil
}

// currentVersion returns the highest applied migration, 0 for none.
func (s *Store) currentVersion(ctx context.Context) (int, error) {
	var v *int
	err := s.db(ctx).Model(&schemaMigration{}).Select("MAX(version)").Scan(&v).Error
	if err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	if v == nil {
		return 0, nil
	}
	return *v, nil
}

func checkNotNewer(current int) error {
	if current > latestVersion() {
		return fmt.Errorf("database schema v%d is newer than this salesbot (v%d)", current, latestVersion())
	}
	return nil
}

// SchemaVersion returns the database's schema version and the one this
// binary expects; current is 0 for an empty database.
func (s *Store) SchemaVersion(ctx context.Context) (current, latest int, err error) {
	latest = latestVersion()
	if !s.db(ctx).Migrator().HasTable(&schemaMigration{}) {
		return 0, latest, nil
	}
	current, err = s.currentVersion(ctx)
	if err != nil {
		return 0, latest, fmt.Errorf("schema version: %w", err)
	}
	return current, latest, nil
}

// ErrSchemaOutdated is returned (wrapped) by SchemaCurrent when migrations
// are missing.
var ErrSchemaOutdated = errors.New("schema is not up to date")

// SchemaCurrent returns nil when the schema is exactly the one this binary
// expects, for readiness checks.
func (s *Store) SchemaCurrent(ctx context.Context) error {
	current, latest, err := s.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if err := checkNotNewer(current); err != nil {
		return err
	}
	if current < latest {
		return fmt.Errorf("%w: database is at v%d, salesbot needs v%d (run salesbot migrate)", ErrSchemaOutdated, current, latest)
	}
	return nil
}

// indexSpec is an explicitly named index. Indexes are created by name,
// after their table, so that a migration can check each one and skip it
// when an interrupted run already made it.
type indexSpec struct {
	table   string
	name    string
	unique  bool
	columns []string
}

func createIndexes(tx *gorm.DB, specs []indexSpec) error {
	var missing []indexSpec
	for _, ix := range specs {
		if !tx.Migrator().HasIndex(ix.table, ix.name) {
			missing = append(missing, ix)
		}
	}
	for _, stmt := range indexStatements(tx, missing) {
		if err := tx.Exec(stmt).Error; err != nil {
			return fmt.Errorf("create indexes: %w", err)
		}
	}
	return nil
}

// indexStatements returns the DDL that creates the indexes. On MySQL every
// DDL statement is a durable commit of its own, so a table's indexes are
// added by one ALTER TABLE; SQLite gets one CREATE INDEX each.
func indexStatements(tx *gorm.DB, specs []indexSpec) []string {
	q := func(name string) string {
		var b strings.Builder
		tx.Dialector.QuoteTo(&b, name)
		return b.String()
	}
	cols := func(ix indexSpec) string {
		quoted := make([]string, len(ix.columns))
		for i, c := range ix.columns {
			quoted[i] = q(c)
		}
		return strings.Join(quoted, ", ")
	}
	kind := func(ix indexSpec) string {
		if ix.unique {
			return "UNIQUE INDEX"
		}
		return "INDEX"
	}
	var stmts []string
	if tx.Dialector.Name() != DialectMySQL {
		for _, ix := range specs {
			stmts = append(stmts, fmt.Sprintf("CREATE %s %s ON %s (%s)", kind(ix), q(ix.name), q(ix.table), cols(ix)))
		}
		return stmts
	}
	var tables []string
	adds := map[string][]string{}
	for _, ix := range specs {
		if adds[ix.table] == nil {
			tables = append(tables, ix.table)
		}
		adds[ix.table] = append(adds[ix.table], fmt.Sprintf("ADD %s %s (%s)", kind(ix), q(ix.name), cols(ix)))
	}
	for _, t := range tables {
		stmts = append(stmts, fmt.Sprintf("ALTER TABLE %s %s", q(t), strings.Join(adds[t], ", ")))
	}
	return stmts
}

// createTables creates each table that does not exist yet.
func createTables(tx *gorm.DB, rows ...any) error {
	for _, r := range rows {
		if tx.Migrator().HasTable(r) {
			continue
		}
		if err := tx.Migrator().CreateTable(r); err != nil {
			return fmt.Errorf("create table %s: %w", tableName(r), err)
		}
	}
	return nil
}

func tableName(r any) string {
	if t, ok := r.(schema.Tabler); ok {
		return t.TableName()
	}
	return fmt.Sprintf("%T", r)
}

// keyCol is a string column that holds an identifier or a name that must
// be unique (ids, platform ids, customer names and aliases). On MySQL it is
// compared byte for byte (utf8mb4_bin), as on SQLite: under the tables'
// utf8mb4_unicode_ci, "Acme" would equal "ACME", platform ids differing only
// in case would collide, and every emoji or CJK Extension B character (𠀀)
// would compare equal to every other, so "星河🚀" and "星河😀" would be one
// customer. The gorm size tag gives its length (36 by default, an id).
type keyCol string

// GormDBDataType returns the column type for the dialect.
func (keyCol) GormDBDataType(db *gorm.DB, f *schema.Field) string {
	size := f.Size
	if size == 0 {
		size = 36
	}
	if db.Dialector.Name() == DialectMySQL {
		return fmt.Sprintf("varchar(%d) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin", size)
	}
	return fmt.Sprintf("varchar(%d)", size)
}
