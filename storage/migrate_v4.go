package storage

import (
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Migration 4 serves the collection and task flows:
//
//   - collections and tasks remember the message that reported or asked for
//     them (source_platform, source_chat_id, source_message_id; tasks had
//     only source_event_id), so the rep or creator is answered in that thread;
//   - the scheduled notices mark what they sent, with conditional UPDATEs,
//     so each notice goes out once per record and stage across replicas:
//     collections.reminded_on (the local day of the last plan reminder) and
//     escalated_at (the manager was told), tasks.reminded_at (before the due
//     time), overdue_at (the overdue notice) and escalated_at (the manager).
//
// Every column is added only when missing, so an interrupted run (MySQL
// commits each ALTER by itself) is simply run again.

// v4Column is one column migration 4 adds.
type v4Column struct {
	table, name string
	kind        string // "key" (an id-like string), "text16", "date" or "time"
}

var v4Columns = []v4Column{
	{"collections", "source_platform", "text16"},
	{"collections", "source_chat_id", "key"},
	{"collections", "source_message_id", "key"},
	{"collections", "reminded_on", "date"},
	{"collections", "escalated_at", "time"},
	{"tasks", "source_platform", "text16"},
	{"tasks", "source_chat_id", "key"},
	{"tasks", "source_message_id", "key"},
	{"tasks", "reminded_at", "time"},
	{"tasks", "overdue_at", "time"},
	{"tasks", "escalated_at", "time"},
}

func migrateV4(tx *gorm.DB) error {
	mysql := tx.Dialector.Name() == DialectMySQL
	fresh := !tx.Migrator().HasColumn("tasks", "escalated_at")
	for _, c := range v4Columns {
		if tx.Migrator().HasColumn(c.table, c.name) {
			continue
		}
		stmt := fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s %s", c.table, c.name, v4Type(c.kind, mysql))
		if err := tx.Exec(stmt).Error; err != nil {
			return fmt.Errorf("add %s.%s: %w", c.table, c.name, err)
		}
	}
	if fresh {
		// Records already past due before this upgrade were handled by
		// people without the bot's notices: mark them notified, so the
		// first run after the upgrade does not send months-late overdue
		// notices and manager escalations in one burst.
		now := dbTime(time.Now())
		if err := tx.Exec(`UPDATE tasks SET reminded_at = ?, overdue_at = ?, escalated_at = ?
			WHERE due_at IS NOT NULL AND due_at < ?`, now, now, now, now).Error; err != nil {
			return fmt.Errorf("mark past-due tasks notified: %w", err)
		}
		if err := tx.Exec(`UPDATE collections SET escalated_at = ? WHERE due_date <> '' AND due_date < ?`,
			now, now.Format(dateLayout)).Error; err != nil {
			return fmt.Errorf("mark past-due collections escalated: %w", err)
		}
	}
	return createIndexes(tx, []indexSpec{
		{"tasks", "idx_tasks_creator", false, []string{"tenant_id", "creator_id", "created_at"}},
	})
}

// v4Type is the column type of a kind, as v1's structs made them.
func v4Type(kind string, mysql bool) string {
	switch kind {
	case "key":
		if mysql {
			return "varchar(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT ''"
		}
		return "varchar(128) NOT NULL DEFAULT ''"
	case "text16":
		return "varchar(16) NOT NULL DEFAULT ''"
	case "date":
		return "varchar(10) NOT NULL DEFAULT ''"
	}
	if mysql {
		return "datetime(6) NULL"
	}
	return "datetime NULL"
}
