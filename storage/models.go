package storage

import (
	"time"

	"github.com/salesbot/salesbot/domain"
)

// Row structs: the tables as the queries of this version see them, with
// converters to and from the domain types. The schema itself is made by the
// migrations (migrate_v*.go), never from these structs.

type tenantRow struct {
	ID             string
	Name           string
	Timezone       string
	LarkTenantKey  string
	WeComCorpID    string `gorm:"column:wecom_corp_id"`
	DingTalkCorpID string `gorm:"column:dingtalk_corp_id"`
	CreatedAt      time.Time
}

func (tenantRow) TableName() string { return "tenants" }

func (r tenantRow) toDomain() domain.Tenant {
	return domain.Tenant{ID: r.ID, Name: r.Name, Timezone: r.Timezone, CreatedAt: r.CreatedAt.UTC()}
}

type teamRow struct {
	ID        string
	TenantID  string
	ParentID  string
	Name      string
	ManagerID string
	Timezone  string
	CreatedAt time.Time
}

func (teamRow) TableName() string { return "teams" }

// teamSourceRow links a team to the platform department it was synced from.
type teamSourceRow struct {
	ID        string
	TenantID  string
	Platform  string
	DeptID    string
	TeamID    string
	CreatedAt time.Time
}

func (teamSourceRow) TableName() string { return "team_sources" }

func teamFromDomain(t domain.Team) teamRow {
	return teamRow{ID: t.ID, TenantID: t.TenantID, ParentID: t.ParentID, Name: t.Name, ManagerID: t.ManagerID, Timezone: t.Timezone}
}

func (r teamRow) toDomain() domain.Team {
	return domain.Team{ID: r.ID, TenantID: r.TenantID, ParentID: r.ParentID, Name: r.Name, ManagerID: r.ManagerID, Timezone: r.Timezone}
}

type memberRow struct {
	ID        string
	TenantID  string
	Name      string
	Role      string
	TeamID    string
	ManagerID string
	Active    bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (memberRow) TableName() string { return "members" }

func memberFromDomain(m domain.Member) memberRow {
	return memberRow{
		ID: m.ID, TenantID: m.TenantID, Name: m.Name, Role: string(m.Role),
		TeamID: m.TeamID, ManagerID: m.ManagerID, Active: m.Active, CreatedAt: dbTime(m.CreatedAt),
	}
}

func (r memberRow) toDomain() domain.Member {
	return domain.Member{
		ID: r.ID, TenantID: r.TenantID, Name: r.Name, Role: domain.Role(r.Role),
		TeamID: r.TeamID, ManagerID: r.ManagerID, Active: r.Active, CreatedAt: r.CreatedAt.UTC(),
	}
}

type identityRow struct {
	ID             string
	TenantID       string
	MemberID       string
	Platform       string
	PlatformUserID string
	DisplayName    string
	CreatedAt      time.Time
}

func (identityRow) TableName() string { return "member_identities" }

func (r identityRow) toDomain() domain.Identity {
	return domain.Identity{MemberID: r.MemberID, Platform: r.Platform, UserID: r.PlatformUserID, Name: r.DisplayName}
}

type chatRow struct {
	ID             string
	TenantID       string
	Platform       string
	PlatformChatID string
	Name           string
	Kind           string
	TeamID         string
	Purpose        string
	CreatedAt      time.Time
}

func (chatRow) TableName() string { return "chats" }

func chatFromDomain(c domain.Chat) chatRow {
	return chatRow{
		ID: c.ID, TenantID: c.TenantID, Platform: c.Platform, PlatformChatID: c.PlatformChatID,
		Name: c.Name, Kind: c.Kind, TeamID: c.TeamID, Purpose: c.Purpose,
	}
}

func (r chatRow) toDomain() domain.Chat {
	return domain.Chat{
		ID: r.ID, TenantID: r.TenantID, Platform: r.Platform, PlatformChatID: r.PlatformChatID,
		Name: r.Name, Kind: r.Kind, TeamID: r.TeamID, Purpose: r.Purpose,
	}
}

type customerRow struct {
	ID        string
	TenantID  string
	Name      string
	OwnerID   string
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (customerRow) TableName() string { return "customers" }

func customerFromDomain(c domain.Customer) customerRow {
	return customerRow{ID: c.ID, TenantID: c.TenantID, Name: c.Name, OwnerID: c.OwnerID, CreatedAt: dbTime(c.CreatedAt)}
}

func (r customerRow) toDomain(aliases []string) domain.Customer {
	return domain.Customer{ID: r.ID, TenantID: r.TenantID, Name: r.Name, Aliases: aliases, OwnerID: r.OwnerID, CreatedAt: r.CreatedAt.UTC()}
}

type aliasRow struct {
	ID         string
	TenantID   string
	CustomerID string
	Alias      string
	CreatedAt  time.Time
}

func (aliasRow) TableName() string { return "customer_aliases" }

type contactRow struct {
	ID         string
	TenantID   string
	CustomerID string
	Name       string
	Title      string
	Phone      string
	CreatedAt  time.Time
}

func (contactRow) TableName() string { return "contacts" }

func contactFromDomain(c domain.Contact) contactRow {
	return contactRow{ID: c.ID, TenantID: c.TenantID, CustomerID: c.CustomerID, Name: c.Name, Title: c.Title, Phone: c.Phone}
}

func (r contactRow) toDomain() domain.Contact {
	return domain.Contact{ID: r.ID, TenantID: r.TenantID, CustomerID: r.CustomerID, Name: r.Name, Title: r.Title, Phone: r.Phone}
}

type opportunityRow struct {
	ID             string
	TenantID       string
	CustomerID     string
	OwnerID        string
	Name           string
	Stage          string
	Amount         int64
	Currency       string
	ExpectedClose  string
	LastFollowUpAt *time.Time `gorm:"column:last_followup_at"`
	ClosedAt       *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

func (opportunityRow) TableName() string { return "opportunities" }

func opportunityFromDomain(o domain.Opportunity) opportunityRow {
	return opportunityRow{
		ID: o.ID, TenantID: o.TenantID, CustomerID: o.CustomerID, OwnerID: o.OwnerID, Name: o.Name,
		Stage: string(o.Stage), Amount: int64(o.Amount), Currency: o.Currency,
		ExpectedClose: dateString(o.ExpectedClose), LastFollowUpAt: nullTime(o.LastFollowUpAt),
		ClosedAt: nullTime(o.ClosedAt), CreatedAt: dbTime(o.CreatedAt), UpdatedAt: dbTime(o.UpdatedAt),
	}
}

func (r opportunityRow) toDomain() domain.Opportunity {
	return domain.Opportunity{
		ID: r.ID, TenantID: r.TenantID, CustomerID: r.CustomerID, OwnerID: r.OwnerID, Name: r.Name,
		Stage: domain.Stage(r.Stage), Amount: domain.Money(r.Amount), Currency: r.Currency,
		ExpectedClose: parseDate(r.ExpectedClose), LastFollowUpAt: fromNullTime(r.LastFollowUpAt),
		ClosedAt: fromNullTime(r.ClosedAt), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
}

type followUpRow struct {
	ID              string
	TenantID        string
	MemberID        string
	CustomerID      string
	ContactID       string
	OpportunityID   string
	Activity        string
	Amount          int64
	Currency        string
	Stage           string
	NextAt          *time.Time
	NextHasTime     bool
	Text            string
	TextHash        string
	SourcePlatform  string
	SourceEventID   string
	SourceMessageID string
	Status          string
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

func (followUpRow) TableName() string { return "follow_ups" }

func followUpFromDomain(f domain.FollowUp) followUpRow {
	return followUpRow{
		ID: f.ID, TenantID: f.TenantID, MemberID: f.MemberID, CustomerID: f.CustomerID,
		ContactID: f.ContactID, OpportunityID: f.OpportunityID, Activity: string(f.Activity),
		Amount: int64(f.Amount), Currency: f.Currency, Stage: string(f.Stage),
		NextAt: nullTime(f.NextAt), NextHasTime: f.NextHasTime, Text: f.Text, TextHash: textHash(f.Text),
		SourcePlatform: f.SourcePlatform, SourceEventID: f.SourceEventID, SourceMessageID: f.SourceMessageID,
		Status: f.Status, CreatedAt: dbTime(f.CreatedAt),
	}
}

func (r followUpRow) toDomain() domain.FollowUp {
	return domain.FollowUp{
		ID: r.ID, TenantID: r.TenantID, MemberID: r.MemberID, CustomerID: r.CustomerID,
		ContactID: r.ContactID, OpportunityID: r.OpportunityID, Activity: domain.Activity(r.Activity),
		Amount: domain.Money(r.Amount), Currency: r.Currency, Stage: domain.Stage(r.Stage),
		NextAt: fromNullTime(r.NextAt), NextHasTime: r.NextHasTime, Text: r.Text,
		SourcePlatform: r.SourcePlatform, SourceEventID: r.SourceEventID, SourceMessageID: r.SourceMessageID,
		Status: r.Status, CreatedAt: r.CreatedAt.UTC(),
	}
}

type collectionRow struct {
	ID              string
	TenantID        string
	CustomerID      string
	OpportunityID   string
	MemberID        string
	Amount          int64
	Currency        string
	ConfirmedAmount int64
	Status          string
	DueDate         string
	ConfirmedBy     string
	ConfirmedAt     *time.Time
	RejectReason    string
	SourceEventID   string
	SourcePlatform  string // migration 4
	SourceChatID    string // migration 4
	SourceMessageID string // migration 4
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

func (collectionRow) TableName() string { return "collections" }

func collectionFromDomain(c domain.Collection) collectionRow {
	return collectionRow{
		ID: c.ID, TenantID: c.TenantID, CustomerID: c.CustomerID, OpportunityID: c.OpportunityID,
		MemberID: c.MemberID, Amount: int64(c.Amount), Currency: c.Currency,
		ConfirmedAmount: int64(c.ConfirmedAmount), Status: c.Status, DueDate: dateString(c.DueDate),
		ConfirmedBy: c.ConfirmedBy, ConfirmedAt: nullTime(c.ConfirmedAt), RejectReason: c.RejectReason,
		SourceEventID: c.SourceEventID, SourcePlatform: c.SourcePlatform, SourceChatID: c.SourceChatID,
		SourceMessageID: c.SourceMessageID, CreatedAt: dbTime(c.CreatedAt),
	}
}

func (r collectionRow) toDomain() domain.Collection {
	return domain.Collection{
		ID: r.ID, TenantID: r.TenantID, CustomerID: r.CustomerID, OpportunityID: r.OpportunityID,
		MemberID: r.MemberID, Amount: domain.Money(r.Amount), Currency: r.Currency,
		ConfirmedAmount: domain.Money(r.ConfirmedAmount), Status: r.Status, DueDate: parseDate(r.DueDate),
		ConfirmedBy: r.ConfirmedBy, ConfirmedAt: fromNullTime(r.ConfirmedAt), RejectReason: r.RejectReason,
		SourceEventID: r.SourceEventID, SourcePlatform: r.SourcePlatform, SourceChatID: r.SourceChatID,
		SourceMessageID: r.SourceMessageID, CreatedAt: r.CreatedAt.UTC(),
	}
}

type taskRow struct {
	ID              string
	TenantID        string
	CreatorID       string
	AssigneeID      string
	AssigneeRole    string
	CustomerID      string
	Title           string
	DueAt           *time.Time
	Status          string
	DoneAt          *time.Time
	SourceEventID   string
	SourcePlatform  string // migration 4
	SourceChatID    string // migration 4
	SourceMessageID string // migration 4
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

func (taskRow) TableName() string { return "tasks" }

func taskFromDomain(t domain.Task) taskRow {
	return taskRow{
		ID: t.ID, TenantID: t.TenantID, CreatorID: t.CreatorID, AssigneeID: t.AssigneeID,
		AssigneeRole: string(t.AssigneeRole), CustomerID: t.CustomerID, Title: t.Title,
		DueAt: nullTime(t.DueAt), Status: t.Status, DoneAt: nullTime(t.DoneAt), SourceEventID: t.SourceEventID,
		SourcePlatform: t.SourcePlatform, SourceChatID: t.SourceChatID, SourceMessageID: t.SourceMessageID,
		CreatedAt: dbTime(t.CreatedAt),
	}
}

func (r taskRow) toDomain() domain.Task {
	return domain.Task{
		ID: r.ID, TenantID: r.TenantID, CreatorID: r.CreatorID, AssigneeID: r.AssigneeID,
		AssigneeRole: domain.Role(r.AssigneeRole), CustomerID: r.CustomerID, Title: r.Title,
		DueAt: fromNullTime(r.DueAt), Status: r.Status, DoneAt: fromNullTime(r.DoneAt), SourceEventID: r.SourceEventID,
		SourcePlatform: r.SourcePlatform, SourceChatID: r.SourceChatID, SourceMessageID: r.SourceMessageID,
		CreatedAt: r.CreatedAt.UTC(),
	}
}

type targetRow struct {
	ID        string
	TenantID  string
	Scope     string
	ScopeID   string
	Metric    string
	Period    string
	Tier      string
	Value     int64
	CreatedBy string
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (targetRow) TableName() string { return "targets" }

func targetFromDomain(t domain.Target) targetRow {
	return targetRow{
		ID: t.ID, TenantID: t.TenantID, Scope: string(t.Scope), ScopeID: t.ScopeID, Metric: string(t.Metric),
		Period: t.Period, Tier: string(t.Tier), Value: t.Value, CreatedBy: t.CreatedBy, CreatedAt: dbTime(t.CreatedAt),
	}
}

func (r targetRow) toDomain() domain.Target {
	return domain.Target{
		ID: r.ID, TenantID: r.TenantID, Scope: domain.Scope(r.Scope), ScopeID: r.ScopeID, Metric: domain.Metric(r.Metric),
		Period: r.Period, Tier: domain.Tier(r.Tier), Value: r.Value, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC(),
	}
}

type dailyStatRow struct {
	ID           string
	TenantID     string
	MemberID     string
	TeamID       string
	Day          string
	FollowUps    int64 `gorm:"column:followups"`
	NewCustomers int64
	Signed       int64
	Collected    int64
	UpdatedAt    time.Time
}

func (dailyStatRow) TableName() string { return "daily_stats" }

func (r dailyStatRow) toDomain() domain.DailyStat {
	return domain.DailyStat{
		TenantID: r.TenantID, MemberID: r.MemberID, TeamID: r.TeamID, Day: r.Day,
		FollowUps: int(r.FollowUps), NewCustomers: int(r.NewCustomers),
		Signed: domain.Money(r.Signed), Collected: domain.Money(r.Collected),
	}
}

type inboundEventRow struct {
	ID           string
	TenantID     string
	Platform     string
	EventID      string
	Kind         string
	Payload      string
	Status       string
	Attempts     int
	ClaimedUntil *time.Time
	ReceivedAt   time.Time
	ProcessedAt  *time.Time
	Error        string
}

func (inboundEventRow) TableName() string { return "inbound_events" }

type outboxRow struct {
	ID              string
	TenantID        string
	Platform        string
	Target          string
	Payload         string
	Status          string
	Attempts        int
	NextAt          time.Time
	ClaimedUntil    *time.Time
	MessageID       string
	UpdateMessageID string
	SourceEventID   string
	LastError       string
	CreatedAt       time.Time
	SentAt          *time.Time
	UpdatedAt       time.Time
}

func (outboxRow) TableName() string { return "outbox" }

type jobRunRow struct {
	ID         string
	Job        string
	TenantID   string
	Slot       string
	Replica    string
	Status     string
	StartedAt  time.Time
	FinishedAt *time.Time
	Error      string
}

func (jobRunRow) TableName() string { return "job_runs" }

type auditRow struct {
	ID            string
	TenantID      string
	ActorID       string
	Action        string
	Entity        string
	EntityID      string
	Before        string
	After         string
	SourceEventID string
	CreatedAt     time.Time
}

func (auditRow) TableName() string { return "audit_log" }

func auditFromDomain(a domain.AuditEntry) auditRow {
	return auditRow{
		ID: a.ID, TenantID: a.TenantID, ActorID: a.ActorID, Action: a.Action, Entity: a.Entity,
		EntityID: a.EntityID, Before: a.Before, After: a.After, SourceEventID: a.SourceEventID, CreatedAt: dbTime(a.At),
	}
}

func (r auditRow) toDomain() domain.AuditEntry {
	return domain.AuditEntry{
		ID: r.ID, TenantID: r.TenantID, ActorID: r.ActorID, Action: r.Action, Entity: r.Entity,
		EntityID: r.EntityID, Before: r.Before, After: r.After, SourceEventID: r.SourceEventID, At: r.CreatedAt.UTC(),
	}
}
