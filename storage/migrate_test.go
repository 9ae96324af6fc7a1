package storage_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/salesbot/salesbot/domain"
	"github.com/salesbot/salesbot/storage"
)

func TestMigrateFromEmpty(t *testing.T) {
	forEachEmptyDB(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		cur, latest, err := s.SchemaVersion(ctx)
		if err != nil || cur != 0 || latest < 2 {
			t.Fatalf("SchemaVersion = %d, %d, %v; want 0, ≥2, nil", cur, latest, err)
		}
		if err := s.SchemaCurrent(ctx); !errors.Is(err, storage.ErrSchemaOutdated) {
			t.Errorf("SchemaCurrent on an empty database = %v, want ErrSchemaOutdated", err)
		}
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.SchemaCurrent(ctx); err != nil {
			t.Errorf("SchemaCurrent after Migrate = %v", err)
		}
		// A second Migrate finds nothing to do.
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("second Migrate: %v", err)
		}
		cur2, _, _ := s.SchemaVersion(ctx)
		if cur2 != latest {
			t.Errorf("version after two Migrates = %d, want %d", cur2, latest)
		}
		// The schema works: the tables are there for a tenant's data.
		tenant := newTenant(t, s)
		counts, err := s.CountRows(ctx, tenant)
		if err != nil {
			t.Fatal(err)
		}
		if len(counts) < 15 {
			t.Errorf("CountRows covers %d tables", len(counts))
		}
	})
}

func TestUpgradeFromV1(t *testing.T) {
	defer storage.SetBackfillBatch(3)()
	forEachEmptyDB(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		if err := s.MigrateTo(ctx, 1); err != nil {
			t.Fatal(err)
		}
		if cur, _, _ := s.SchemaVersion(ctx); cur != 1 {
			t.Fatalf("version after MigrateTo(1) = %d", cur)
		}
		// Rows as salesbot v1 wrote them, with plain SQL: v1 had no
		// text_hash column.
		texts := []string{"拜访星河科技🚀 张总,聊了方案", "  拜访星河科技🚀   张总,聊了方案 ", "电话 Acme", "", "a", "b", "c"}
		created := time.Date(2026, 3, 2, 1, 30, 0, 0, time.UTC)
		execV1(t, s, "INSERT INTO tenants (id, name, timezone, lark_tenant_key, wecom_corp_id, dingtalk_corp_id, created_at) VALUES (?, ?, ?, '', '', '', ?)",
			"t1", "星河", "Asia/Shanghai", created)
		execV1(t, s, "INSERT INTO members (id, tenant_id, name, role, team_id, manager_id, active, created_at, updated_at) VALUES (?, ?, ?, ?, '', '', ?, ?, ?)",
			"m1", "t1", "王小明", "sales", true, created, created)
		for i, text := range texts {
			execV1(t, s, "INSERT INTO follow_ups (id, tenant_id, member_id, customer_id, contact_id, opportunity_id, activity, amount, currency, stage, next_at, next_has_time, `text`, source_platform, source_event_id, source_message_id, status, created_at, updated_at) "+
				"VALUES (?, 't1', 'm1', '', '', '', 'visit', ?, 'CNY', '', NULL, ?, ?, 'console', '', '', 'active', ?, ?)",
				fmt.Sprintf("f%d", i), 500000*100, false, text, created.Add(time.Duration(i)*time.Minute), created)
		}

		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.SchemaCurrent(ctx); err != nil {
			t.Fatal(err)
		}

		views, err := s.FollowUps(ctx, storage.FollowUpFilter{Tenant: "t1"})
		if err != nil {
			t.Fatal(err)
		}
		if len(views) != len(texts) {
			t.Fatalf("%d follow-ups after upgrade, want %d", len(views), len(texts))
		}
		for i, v := range views {
			if v.Text != texts[i] || v.MemberName != "王小明" || v.Amount != 500000*100 || !v.CreatedAt.Equal(created.Add(time.Duration(i)*time.Minute)) {
				t.Errorf("follow-up %d after upgrade = %+v", i, v)
			}
		}
		for i, text := range texts {
			var got string
			queryV1(t, s, &got, "SELECT text_hash FROM follow_ups WHERE id = ?", fmt.Sprintf("f%d", i))
			if got != storage.TextHash(text) {
				t.Errorf("text_hash of f%d = %q, want %q", i, got, storage.TextHash(text))
			}
		}
		// Migration 3 made the prompts table: it works on the upgraded database.
		if _, err := s.CreatePrompt(ctx, domain.Prompt{TenantID: "t1", MemberID: "m1", Platform: "console", ChatID: "c",
			Kind: domain.PromptEdit, Ref: "f0", ExpiresAt: created.Add(time.Hour), CreatedAt: created}); err != nil {
			t.Errorf("prompt after upgrade: %v", err)
		}
		if p, err := s.PendingPrompt(ctx, "t1", "m1", "console", "c", created); err != nil || p.Ref != "f0" {
			t.Errorf("pending prompt after upgrade = %+v, %v", p, err)
		}
		// The backfilled hash finds the same text typed with other spacing.
		dup, err := s.FindDuplicateFollowUp(ctx, "t1", "m1", "拜访星河科技🚀 张总,聊了方案", created.Add(-time.Hour))
		if err != nil || dup.ID != "f1" {
			t.Errorf("FindDuplicateFollowUp = %q, %v; want the newer of f0/f1", dup.ID, err)
		}
	})
}

func TestSchemaNewerThanBinary(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		_, latest, _ := s.SchemaVersion(ctx)
		execV1(t, s, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", latest+1, "from the future", time.Now().UTC())
		want := fmt.Sprintf("database schema v%d is newer than this salesbot (v%d)", latest+1, latest)
		if err := s.Migrate(ctx); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Migrate = %v, want %q", err, want)
		}
		if err := s.SchemaCurrent(ctx); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("SchemaCurrent = %v, want %q", err, want)
		}
	})
}

func TestInTxRollbackAndJoin(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		tenant := newTenant(t, s)
		boom := errors.New("boom")
		err := s.InTx(ctx, func(ctx context.Context) error {
			if _, err := s.CreateCustomer(ctx, domain.Customer{TenantID: tenant, Name: "回滚客户"}); err != nil {
				return err
			}
			// A nested InTx joins: its writes commit or roll back with
			// the outer transaction.
			if err := s.InTx(ctx, func(ctx context.Context) error {
				_, err := s.CreateCustomer(ctx, domain.Customer{TenantID: tenant, Name: "内层客户"})
				return err
			}); err != nil {
				return err
			}
			if _, err := s.CustomerByName(ctx, tenant, "内层客户"); err != nil {
				t.Errorf("inner write not visible in the outer transaction: %v", err)
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx = %v, want fn's error", err)
		}
		cs, err := s.Customers(ctx, tenant)
		if err != nil || len(cs) != 0 {
			t.Errorf("after rollback: %d customers, %v", len(cs), err)
		}
	})
}

// execV1 runs raw SQL the way an older salesbot would have; identifiers are
// quoted with backticks, which both MySQL and SQLite accept.
func execV1(t *testing.T, s *storage.Store, q string, args ...any) {
	t.Helper()
	if err := s.ExecRaw(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func queryV1(t *testing.T, s *storage.Store, dest any, q string, args ...any) {
	t.Helper()
	if err := s.QueryRaw(context.Background(), dest, q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}
