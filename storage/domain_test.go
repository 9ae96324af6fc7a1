package storage_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/salesbot/salesbot/domain"
	"github.com/salesbot/salesbot/storage"
)

const (
	rocket  = "星河科技🚀𠀀"
	smiling = "星河科技😀𠀁" // differs from rocket only in 4-byte characters
)

func TestUnicodeRoundTrip(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		tenant := newTenant(t, s)
		rep := newMember(t, s, tenant, "王小明😊")
		c1, err := s.CreateCustomer(ctx, domain.Customer{TenantID: tenant, Name: rocket, Aliases: []string{"星河🚀"}, OwnerID: rep.ID})
		if err != nil {
			t.Fatal(err)
		}
		// Under a Unicode collation every emoji and every CJK Extension B
		// character compares equal; customer names must not.
		if _, err := s.CreateCustomer(ctx, domain.Customer{TenantID: tenant, Name: smiling, Aliases: []string{"星河😀"}}); err != nil {
			t.Fatalf("second customer differing in emoji: %v", err)
		}
		got, err := s.CustomerByName(ctx, tenant, rocket)
		if err != nil || got.ID != c1.ID || got.Name != rocket || !slices.Equal(got.Aliases, []string{"星河🚀"}) {
			t.Errorf("CustomerByName = %+v, %v", got, err)
		}
		if byAlias, err := s.CustomerByName(ctx, tenant, "星河🚀"); err != nil || byAlias.ID != c1.ID {
			t.Errorf("CustomerByName(alias) = %+v, %v", byAlias, err)
		}

		text := "今天拜访了" + rocket + "的张总 👍,报价50万"
		fu, err := s.CreateFollowUp(ctx, domain.FollowUp{TenantID: tenant, MemberID: rep.ID, CustomerID: c1.ID, Activity: domain.ActivityVisit, Text: text})
		if err != nil {
			t.Fatal(err)
		}
		views, err := s.FollowUps(ctx, storage.FollowUpFilter{Tenant: tenant})
		if err != nil || len(views) != 1 {
			t.Fatalf("FollowUps = %+v, %v", views, err)
		}
		if v := views[0]; v.Text != text || v.CustomerName != rocket || v.MemberName != "王小明😊" || v.ID != fu.ID {
			t.Errorf("follow-up read back as %+v", v)
		}

		before, after := `{"name":"`+rocket+`"}`, `{"name":"`+smiling+`"}`
		if err := s.AppendAudit(ctx, domain.AuditEntry{TenantID: tenant, ActorID: rep.ID, Action: "customer.rename", Entity: "customer", EntityID: c1.ID, Before: before, After: after, At: t0}); err != nil {
			t.Fatal(err)
		}
		audit, err := s.AuditEntries(ctx, tenant, "customer", c1.ID)
		if err != nil || len(audit) != 1 || audit[0].Before != before || audit[0].After != after {
			t.Errorf("audit read back as %+v, %v", audit, err)
		}
	})
}

func TestTimesAreUTC(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		tenant := newTenant(t, s)
		rep := newMember(t, s, tenant, "rep")
		shanghai := time.FixedZone("CST", 8*3600)
		created := time.Date(2026, 11, 3, 17, 45, 12, 123456789, shanghai)
		next := time.Date(2026, 11, 5, 15, 0, 0, 0, shanghai)
		_, err := s.CreateFollowUp(ctx, domain.FollowUp{TenantID: tenant, MemberID: rep.ID, Text: "t", CreatedAt: created, NextAt: next, NextHasTime: true})
		if err != nil {
			t.Fatal(err)
		}
		views, err := s.FollowUps(ctx, storage.FollowUpFilter{Tenant: tenant, Since: created.Add(-time.Second)})
		if err != nil || len(views) != 1 {
			t.Fatalf("FollowUps = %v, %v", views, err)
		}
		v := views[0]
		wantCreated := created.Truncate(time.Microsecond)
		if v.CreatedAt.Location() != time.UTC || !v.CreatedAt.Equal(wantCreated) {
			t.Errorf("CreatedAt = %v, want %v in UTC", v.CreatedAt, wantCreated.UTC())
		}
		if v.NextAt.Location() != time.UTC || !v.NextAt.Equal(next) || !v.NextHasTime {
			t.Errorf("NextAt = %v, want %v in UTC", v.NextAt, next.UTC())
		}
		// "Since" compares instants, not wall clocks.
		if later, _ := s.FollowUps(ctx, storage.FollowUpFilter{Tenant: tenant, Since: created.Add(time.Millisecond)}); len(later) != 0 {
			t.Errorf("Since after the follow-up still returned %d", len(later))
		}
		// Dates keep their calendar day whatever the zone.
		due := time.Date(2026, 11, 30, 0, 0, 0, 0, shanghai)
		c, err := s.CreateCollection(ctx, domain.Collection{TenantID: tenant, MemberID: rep.ID, Amount: domain.Yuan(1000), Currency: "CNY", DueDate: due})
		if err != nil {
			t.Fatal(err)
		}
		back, err := s.CollectionByID(ctx, tenant, c.ID)
		if err != nil || back.DueDate.Format("2006-01-02") != "2026-11-30" || back.Amount != domain.Yuan(1000) {
			t.Errorf("collection read back as %+v, %v", back, err)
		}
	})
}

func TestAddDailyStat(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		tenant := newTenant(t, s)
		rep := newMember(t, s, tenant, "rep")
		add := func(d domain.DailyStat) {
			t.Helper()
			d.TenantID, d.MemberID, d.Day = tenant, rep.ID, "2026-11-03"
			if err := s.AddDailyStat(ctx, d); err != nil {
				t.Error(err)
			}
		}
		add(domain.DailyStat{FollowUps: 1, TeamID: "team-1"})
		add(domain.DailyStat{FollowUps: 2, Signed: domain.Yuan(500000)})
		add(domain.DailyStat{}) // a zero delta matches the row and changes nothing
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() { add(domain.DailyStat{Collected: 100, NewCustomers: 1}) })
		}
		wg.Wait()
		stats, err := s.DailyStats(ctx, tenant, "2026-11-01", "2026-11-30")
		if err != nil || len(stats) != 1 {
			t.Fatalf("DailyStats = %+v, %v", stats, err)
		}
		want := domain.DailyStat{TenantID: tenant, MemberID: rep.ID, TeamID: "team-1", Day: "2026-11-03",
			FollowUps: 3, NewCustomers: 8, Signed: domain.Yuan(500000), Collected: 800}
		if stats[0] != want {
			t.Errorf("stat = %+v, want %+v", stats[0], want)
		}
	})
}

func TestDuplicateCustomerIsConflict(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		tenant := newTenant(t, s)
		if _, err := s.CreateCustomer(ctx, domain.Customer{TenantID: tenant, Name: rocket}); err != nil {
			t.Fatal(err)
		}
		_, err := s.CreateCustomer(ctx, domain.Customer{TenantID: tenant, Name: rocket})
		if !domain.IsConflict(err) {
			t.Fatalf("duplicate customer = %v, want Conflict", err)
		}
		// An alias taken by another customer is a conflict too, and the
		// customer is not created half-way.
		_, err = s.CreateCustomer(ctx, domain.Customer{TenantID: tenant, Name: "新客户", Aliases: []string{"X", rocket + "别名"}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.CreateCustomer(ctx, domain.Customer{TenantID: tenant, Name: "另一个", Aliases: []string{"X"}})
		if !domain.IsConflict(err) {
			t.Fatalf("duplicate alias = %v, want Conflict", err)
		}
		if _, err := s.CustomerByName(ctx, tenant, "另一个"); !domain.IsNotFound(err) {
			t.Errorf("customer with a conflicting alias was stored: %v", err)
		}
		if _, err := s.CustomerByName(ctx, tenant, "nobody"); !domain.IsNotFound(err) {
			t.Errorf("CustomerByName(unknown) = %v, want NotFound", err)
		}
	})
}

func TestImportOrgAllOrNothing(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		tenant := newTenant(t, s)
		bad := []storage.OrgRow{
			{Name: "张经理", Role: domain.RoleManager, Team: "华东一组"},
			{Name: "王小明", Role: domain.RoleSales, Team: "华东一组", Manager: "张经理"},
			{Name: "李雷", Role: domain.RoleSales, Team: "华南组", Manager: "不存在的人"},
		}
		_, err := s.ImportOrg(ctx, tenant, bad)
		if domain.CodeOf(err) != domain.Invalid {
			t.Fatalf("ImportOrg with an unknown manager = %v, want Invalid", err)
		}
		counts, _ := s.CountRows(ctx, tenant)
		if counts["members"] != 0 || counts["teams"] != 0 {
			t.Fatalf("a failed import left rows behind: %v", counts)
		}

		good := append(bad[:2:2],
			storage.OrgRow{Name: "李雷", Role: domain.RoleSales, Team: "华南组", Manager: "张经理",
				Identities: []domain.Identity{{Platform: "lark", UserID: "ou_lilei", Name: "李雷"}}})
		res, err := s.ImportOrg(ctx, tenant, good)
		if err != nil || res.Created != 3 {
			t.Fatalf("ImportOrg = %+v, %v", res, err)
		}
		east, err := s.TeamByName(ctx, tenant, "华东一组")
		if err != nil {
			t.Fatal(err)
		}
		mgr, _ := s.MembersByName(ctx, tenant, "张经理")
		lilei, _ := s.MembersByName(ctx, tenant, "李雷")
		if len(mgr) != 1 || len(lilei) != 1 || east.ManagerID != mgr[0].ID || lilei[0].ManagerID != mgr[0].ID {
			t.Fatalf("managers not resolved: team %+v, manager %+v, 李雷 %+v", east, mgr, lilei)
		}
		if ids, _ := s.Identities(ctx, tenant, lilei[0].ID); len(ids) != 1 || ids[0].UserID != "ou_lilei" {
			t.Errorf("identities of 李雷 = %+v", ids)
		}
		// Importing again updates instead of duplicating.
		res, err = s.ImportOrg(ctx, tenant, good)
		if err != nil || res.Updated != 3 || res.Created != 0 {
			t.Errorf("second ImportOrg = %+v, %v", res, err)
		}
		if teams, _ := s.Teams(ctx, tenant); len(teams) != 2 {
			t.Errorf("%d teams after two imports, want 2", len(teams))
		}
	})
}

func TestImportCustomers(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		tenant := newTenant(t, s)
		rep := newMember(t, s, tenant, "王小明")
		rows := []storage.CustomerRow{
			{Name: rocket, Aliases: []string{"星河"}, Owner: "王小明"},
			{Name: "Acme", Owner: "没有这个人"},
		}
		if _, err := s.ImportCustomers(ctx, tenant, rows); domain.CodeOf(err) != domain.Invalid {
			t.Fatalf("ImportCustomers with an unknown owner = %v, want Invalid", err)
		}
		if cs, _ := s.Customers(ctx, tenant); len(cs) != 0 {
			t.Fatalf("a failed import left %d customers", len(cs))
		}
		rows[1].Owner = ""
		if _, err := s.ImportCustomers(ctx, tenant, rows); err != nil {
			t.Fatal(err)
		}
		rows[0].Aliases = append(rows[0].Aliases, "星河科技")
		if res, err := s.ImportCustomers(ctx, tenant, rows); err != nil || res.Updated != 2 {
			t.Fatalf("second ImportCustomers = %+v, %v", res, err)
		}
		c, err := s.CustomerByName(ctx, tenant, "星河科技")
		if err != nil || c.OwnerID != rep.ID || len(c.Aliases) != 2 {
			t.Errorf("customer after import = %+v, %v", c, err)
		}
	})
}

func TestListingsAndTargets(t *testing.T) {
	forEachDB(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		tenant := newTenant(t, s)
		rep := newMember(t, s, tenant, "王小明")
		fin := newMember(t, s, tenant, "财务小刘")
		cust, _ := s.CreateCustomer(ctx, domain.Customer{TenantID: tenant, Name: rocket})
		ct, err := s.CreateContact(ctx, domain.Contact{TenantID: tenant, CustomerID: cust.ID, Name: "张总", Title: "CIO"})
		if err != nil {
			t.Fatal(err)
		}
		opp, err := s.CreateOpportunity(ctx, domain.Opportunity{TenantID: tenant, CustomerID: cust.ID, OwnerID: rep.ID, Name: "一期", Amount: domain.Yuan(500000), Currency: "CNY", ExpectedClose: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		if opps, _ := s.Opportunities(ctx, tenant, cust.ID); len(opps) != 1 || opps[0].Stage != domain.StageLead || !opps[0].ExpectedClose.Equal(opp.ExpectedClose) {
			t.Errorf("Opportunities = %+v", opps)
		}
		if _, err := s.CreateFollowUp(ctx, domain.FollowUp{TenantID: tenant, MemberID: rep.ID, CustomerID: cust.ID, ContactID: ct.ID, OpportunityID: opp.ID, Text: "x"}); err != nil {
			t.Fatal(err)
		}
		fus, _ := s.FollowUps(ctx, storage.FollowUpFilter{Tenant: tenant, CustomerID: cust.ID, MemberID: rep.ID, Limit: 10})
		if len(fus) != 1 || fus[0].ContactName != "张总" || fus[0].Status != domain.FollowUpActive {
			t.Errorf("FollowUps = %+v", fus)
		}
		col, _ := s.CreateCollection(ctx, domain.Collection{TenantID: tenant, CustomerID: cust.ID, MemberID: rep.ID, Amount: domain.Yuan(100000), Currency: "CNY"})
		if ok, err := s.ConfirmCollection(ctx, tenant, col.ID, fin.ID, domain.Yuan(100000), t0); err != nil || !ok {
			t.Fatalf("ConfirmCollection = %v, %v", ok, err)
		}
		if ok, _ := s.RejectCollection(ctx, tenant, col.ID, fin.ID, "late", t0); ok {
			t.Error("a confirmed collection was rejected")
		}
		cols, _ := s.Collections(ctx, storage.CollectionFilter{Tenant: tenant, Status: domain.CollectionConfirmed})
		if len(cols) != 1 || cols[0].ConfirmedByName != "财务小刘" || cols[0].CustomerName != rocket || !cols[0].ConfirmedAt.Equal(t0) {
			t.Errorf("Collections = %+v", cols)
		}
		task, _ := s.CreateTask(ctx, domain.Task{TenantID: tenant, CreatorID: rep.ID, AssigneeID: fin.ID, AssigneeRole: domain.RoleFinance, CustomerID: cust.ID, Title: "开票", DueAt: t0})
		if ok, _ := s.SetTaskStatus(ctx, tenant, task.ID, []string{domain.TaskOpen, domain.TaskAccepted}, domain.TaskDone, "", t0); !ok {
			t.Error("SetTaskStatus did not complete the task")
		}
		tasks, _ := s.Tasks(ctx, storage.TaskFilter{Tenant: tenant, AssigneeID: fin.ID})
		if len(tasks) != 1 || tasks[0].Status != domain.TaskDone || tasks[0].CreatorName != "王小明" || !tasks[0].DoneAt.Equal(t0) {
			t.Errorf("Tasks = %+v", tasks)
		}

		tg := domain.Target{TenantID: tenant, Scope: domain.ScopeMember, ScopeID: rep.ID, Metric: domain.MetricSigned, Period: "2026-11", Value: 100}
		first, err := s.SetTarget(ctx, tg)
		if err != nil {
			t.Fatal(err)
		}
		tg.Value = 200
		second, err := s.SetTarget(ctx, tg)
		if err != nil || second.ID != first.ID || second.Value != 200 || second.Tier != domain.TierTarget {
			t.Errorf("SetTarget upsert = %+v, %v (first %+v)", second, err, first)
		}
		if targets, _ := s.Targets(ctx, tenant); len(targets) != 1 {
			t.Errorf("%d targets, want 1", len(targets))
		}

		chat, err := s.EnsureChat(ctx, domain.Chat{TenantID: tenant, Platform: "lark", PlatformChatID: "oc_1", Name: "华东群", Kind: domain.ChatGroup})
		if err != nil {
			t.Fatal(err)
		}
		again, err := s.EnsureChat(ctx, domain.Chat{TenantID: tenant, Platform: "lark", PlatformChatID: "oc_1", Purpose: domain.PurposeTeam})
		if err != nil || again.ID != chat.ID || again.Name != "华东群" || again.Purpose != domain.PurposeTeam {
			t.Errorf("EnsureChat again = %+v, %v", again, err)
		}
		if chats, _ := s.Chats(ctx, tenant, "lark"); len(chats) != 1 {
			t.Errorf("Chats = %+v", chats)
		}
		if ok, _ := s.ClaimJobRun(ctx, "digest", tenant, "2026-11-03", "r1", t0); !ok {
			t.Error("first ClaimJobRun failed")
		}
		if ok, _ := s.ClaimJobRun(ctx, "digest", tenant, "2026-11-03", "r2", t0); ok {
			t.Error("second ClaimJobRun of one slot succeeded")
		}
		if err := s.FinishJobRun(ctx, "digest", tenant, "2026-11-03", "done", "", t0); err != nil {
			t.Error(err)
		}
	})
}
