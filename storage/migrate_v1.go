package storage

import (
	"time"

	"gorm.io/gorm"
)

// Migration 1, the initial schema. The structs below are FROZEN: they are
// the tables as v1 created them, independent of the row structs the queries
// use, so that v1 stays the same however the models evolve. Change the
// schema with a new migration, never here.
//
// Conventions: ids are varchar(36) UUIDv7 strings made by the application;
// strings that take part in a unique key are at most 191 characters (764
// bytes in utf8mb4, under the 767-byte column limit of older InnoDB row
// formats; every unique key stays under 3072 bytes); free text is text (or
// mediumtext for JSON payloads, which may carry a chart image); money is a
// BIGINT of minor units; dates without a time of day are varchar(10)
// 'YYYY-MM-DD'; times are datetime(6) in UTC, NULL when not set. Absent
// references are '' rather than NULL, so that they can be compared.

func migrateV1(tx *gorm.DB) error {
	if err := createTables(tx,
		&v1Tenant{}, &v1Team{}, &v1Member{}, &v1MemberIdentity{}, &v1Chat{},
		&v1Customer{}, &v1CustomerAlias{}, &v1Contact{}, &v1Opportunity{},
		&v1FollowUp{}, &v1Collection{}, &v1Task{}, &v1Target{}, &v1DailyStat{},
		&v1InboundEvent{}, &v1Outbox{}, &v1JobRun{}, &v1AuditLog{},
	); err != nil {
		return err
	}
	return createIndexes(tx, v1Indexes)
}

var v1Indexes = []indexSpec{
	{"tenants", "idx_tenants_lark", false, []string{"lark_tenant_key"}},
	{"tenants", "idx_tenants_wecom", false, []string{"wecom_corp_id"}},
	{"tenants", "idx_tenants_dingtalk", false, []string{"dingtalk_corp_id"}},
	{"teams", "uq_teams_name", true, []string{"tenant_id", "name"}},
	{"teams", "idx_teams_parent", false, []string{"tenant_id", "parent_id"}},
	{"members", "idx_members_name", false, []string{"tenant_id", "name"}},
	{"members", "idx_members_team", false, []string{"tenant_id", "team_id"}},
	{"member_identities", "uq_member_identities_user", true, []string{"tenant_id", "platform", "platform_user_id"}},
	{"member_identities", "idx_member_identities_member", false, []string{"tenant_id", "member_id"}},
	{"chats", "uq_chats_platform_chat", true, []string{"tenant_id", "platform", "platform_chat_id"}},
	{"chats", "idx_chats_team", false, []string{"tenant_id", "team_id"}},
	{"customers", "uq_customers_name", true, []string{"tenant_id", "name"}},
	{"customers", "idx_customers_owner", false, []string{"tenant_id", "owner_id"}},
	{"customer_aliases", "uq_customer_aliases_alias", true, []string{"tenant_id", "alias"}},
	{"customer_aliases", "idx_customer_aliases_customer", false, []string{"tenant_id", "customer_id"}},
	{"contacts", "idx_contacts_customer", false, []string{"tenant_id", "customer_id"}},
	{"opportunities", "idx_opportunities_customer", false, []string{"tenant_id", "customer_id"}},
	{"opportunities", "idx_opportunities_owner", false, []string{"tenant_id", "owner_id", "stage"}},
	{"follow_ups", "idx_follow_ups_member_created", false, []string{"tenant_id", "member_id", "created_at"}},
	{"follow_ups", "idx_follow_ups_customer_created", false, []string{"tenant_id", "customer_id", "created_at"}},
	{"follow_ups", "idx_follow_ups_created", false, []string{"tenant_id", "created_at"}},
	{"follow_ups", "idx_follow_ups_source", false, []string{"tenant_id", "source_event_id"}},
	{"collections", "idx_collections_customer", false, []string{"tenant_id", "customer_id"}},
	{"collections", "idx_collections_member_created", false, []string{"tenant_id", "member_id", "created_at"}},
	{"collections", "idx_collections_status", false, []string{"tenant_id", "status", "due_date"}},
	{"collections", "idx_collections_created", false, []string{"tenant_id", "created_at"}},
	{"tasks", "idx_tasks_assignee", false, []string{"tenant_id", "assignee_id", "status"}},
	{"tasks", "idx_tasks_status_due", false, []string{"tenant_id", "status", "due_at"}},
	{"tasks", "idx_tasks_created", false, []string{"tenant_id", "created_at"}},
	{"targets", "uq_targets_key", true, []string{"tenant_id", "scope", "scope_id", "metric", "period", "tier"}},
	{"daily_stats", "uq_daily_stats_member_day", true, []string{"tenant_id", "member_id", "day"}},
	{"daily_stats", "idx_daily_stats_team_day", false, []string{"tenant_id", "team_id", "day"}},
	{"daily_stats", "idx_daily_stats_day", false, []string{"tenant_id", "day"}},
	{"inbound_events", "uq_inbound_events_event", true, []string{"tenant_id", "platform", "event_id"}},
	{"inbound_events", "idx_inbound_events_status", false, []string{"status", "received_at"}},
	{"outbox", "idx_outbox_due", false, []string{"status", "next_at"}},
	{"outbox", "idx_outbox_message", false, []string{"tenant_id", "platform", "message_id"}},
	{"outbox", "idx_outbox_update_message", false, []string{"tenant_id", "platform", "update_message_id"}},
	{"outbox", "idx_outbox_source", false, []string{"tenant_id", "source_event_id"}},
	{"job_runs", "uq_job_runs_slot", true, []string{"job", "tenant_id", "slot"}},
	{"audit_log", "idx_audit_log_entity", false, []string{"tenant_id", "entity", "entity_id"}},
	{"audit_log", "idx_audit_log_created", false, []string{"tenant_id", "created_at"}},
}

type v1Tenant struct {
	ID             keyCol    `gorm:"primaryKey"`
	Name           string    `gorm:"size:191;not null;default:''"`
	Timezone       string    `gorm:"size:64;not null;default:''"`
	LarkTenantKey  keyCol    `gorm:"size:128;not null;default:''"`
	WeComCorpID    keyCol    `gorm:"column:wecom_corp_id;size:128;not null;default:''"`
	DingTalkCorpID keyCol    `gorm:"column:dingtalk_corp_id;size:128;not null;default:''"`
	CreatedAt      time.Time `gorm:"not null;precision:6"`
}

func (v1Tenant) TableName() string { return "tenants" }

type v1Team struct {
	ID        keyCol    `gorm:"primaryKey"`
	TenantID  keyCol    `gorm:"not null"`
	ParentID  keyCol    `gorm:"not null;default:''"`
	Name      keyCol    `gorm:"size:191;not null"`
	ManagerID keyCol    `gorm:"not null;default:''"`
	Timezone  string    `gorm:"size:64;not null;default:''"`
	CreatedAt time.Time `gorm:"not null;precision:6"`
}

func (v1Team) TableName() string { return "teams" }

type v1Member struct {
	ID        keyCol    `gorm:"primaryKey"`
	TenantID  keyCol    `gorm:"not null"`
	Name      string    `gorm:"size:191;not null"`
	Role      string    `gorm:"size:16;not null"`
	TeamID    keyCol    `gorm:"not null;default:''"`
	ManagerID keyCol    `gorm:"not null;default:''"`
	Active    bool      `gorm:"not null;default:true"`
	CreatedAt time.Time `gorm:"not null;precision:6"`
	UpdatedAt time.Time `gorm:"not null;precision:6"`
}

func (v1Member) TableName() string { return "members" }

type v1MemberIdentity struct {
	ID             keyCol    `gorm:"primaryKey"`
	TenantID       keyCol    `gorm:"not null"`
	MemberID       keyCol    `gorm:"not null"`
	Platform       keyCol    `gorm:"size:16;not null"`
	PlatformUserID keyCol    `gorm:"size:128;not null"`
	DisplayName    string    `gorm:"size:191;not null;default:''"`
	CreatedAt      time.Time `gorm:"not null;precision:6"`
}

func (v1MemberIdentity) TableName() string { return "member_identities" }

type v1Chat struct {
	ID             keyCol    `gorm:"primaryKey"`
	TenantID       keyCol    `gorm:"not null"`
	Platform       keyCol    `gorm:"size:16;not null"`
	PlatformChatID keyCol    `gorm:"size:128;not null"`
	Name           string    `gorm:"size:191;not null;default:''"`
	Kind           string    `gorm:"size:16;not null;default:''"`
	TeamID         keyCol    `gorm:"not null;default:''"`
	Purpose        string    `gorm:"size:16;not null;default:''"`
	CreatedAt      time.Time `gorm:"not null;precision:6"`
}

func (v1Chat) TableName() string { return "chats" }

type v1Customer struct {
	ID        keyCol    `gorm:"primaryKey"`
	TenantID  keyCol    `gorm:"not null"`
	Name      keyCol    `gorm:"size:191;not null"`
	OwnerID   keyCol    `gorm:"not null;default:''"`
	CreatedAt time.Time `gorm:"not null;precision:6"`
	UpdatedAt time.Time `gorm:"not null;precision:6"`
}

func (v1Customer) TableName() string { return "customers" }

type v1CustomerAlias struct {
	ID         keyCol    `gorm:"primaryKey"`
	TenantID   keyCol    `gorm:"not null"`
	CustomerID keyCol    `gorm:"not null"`
	Alias      keyCol    `gorm:"size:191;not null"`
	CreatedAt  time.Time `gorm:"not null;precision:6"`
}

func (v1CustomerAlias) TableName() string { return "customer_aliases" }

type v1Contact struct {
	ID         keyCol    `gorm:"primaryKey"`
	TenantID   keyCol    `gorm:"not null"`
	CustomerID keyCol    `gorm:"not null"`
	Name       string    `gorm:"size:191;not null"`
	Title      string    `gorm:"size:191;not null;default:''"`
	Phone      string    `gorm:"size:64;not null;default:''"`
	CreatedAt  time.Time `gorm:"not null;precision:6"`
}

func (v1Contact) TableName() string { return "contacts" }

type v1Opportunity struct {
	ID             keyCol     `gorm:"primaryKey"`
	TenantID       keyCol     `gorm:"not null"`
	CustomerID     keyCol     `gorm:"not null"`
	OwnerID        keyCol     `gorm:"not null;default:''"`
	Name           string     `gorm:"size:191;not null;default:''"`
	Stage          string     `gorm:"size:16;not null"`
	Amount         int64      `gorm:"not null;default:0"`
	Currency       string     `gorm:"size:8;not null;default:''"`
	ExpectedClose  string     `gorm:"size:10;not null;default:''"`
	LastFollowUpAt *time.Time `gorm:"column:last_followup_at;precision:6"`
	ClosedAt       *time.Time `gorm:"precision:6"`
	CreatedAt      time.Time  `gorm:"not null;precision:6"`
	UpdatedAt      time.Time  `gorm:"not null;precision:6"`
}

func (v1Opportunity) TableName() string { return "opportunities" }

type v1FollowUp struct {
	ID              keyCol     `gorm:"primaryKey"`
	TenantID        keyCol     `gorm:"not null"`
	MemberID        keyCol     `gorm:"not null"`
	CustomerID      keyCol     `gorm:"not null;default:''"`
	ContactID       keyCol     `gorm:"not null;default:''"`
	OpportunityID   keyCol     `gorm:"not null;default:''"`
	Activity        string     `gorm:"size:16;not null;default:''"`
	Amount          int64      `gorm:"not null;default:0"`
	Currency        string     `gorm:"size:8;not null;default:''"`
	Stage           string     `gorm:"size:16;not null;default:''"`
	NextAt          *time.Time `gorm:"precision:6"`
	NextHasTime     bool       `gorm:"not null;default:false"`
	Text            string     `gorm:"type:text;not null"`
	SourcePlatform  string     `gorm:"size:16;not null;default:''"`
	SourceEventID   keyCol     `gorm:"size:128;not null;default:''"`
	SourceMessageID keyCol     `gorm:"size:128;not null;default:''"`
	Status          string     `gorm:"size:16;not null"`
	CreatedAt       time.Time  `gorm:"not null;precision:6"`
	UpdatedAt       time.Time  `gorm:"not null;precision:6"`
}

func (v1FollowUp) TableName() string { return "follow_ups" }

type v1Collection struct {
	ID              keyCol     `gorm:"primaryKey"`
	TenantID        keyCol     `gorm:"not null"`
	CustomerID      keyCol     `gorm:"not null"`
	OpportunityID   keyCol     `gorm:"not null;default:''"`
	MemberID        keyCol     `gorm:"not null;default:''"`
	Amount          int64      `gorm:"not null;default:0"`
	Currency        string     `gorm:"size:8;not null;default:''"`
	ConfirmedAmount int64      `gorm:"not null;default:0"`
	Status          string     `gorm:"size:16;not null"`
	DueDate         string     `gorm:"size:10;not null;default:''"`
	ConfirmedBy     keyCol     `gorm:"not null;default:''"`
	ConfirmedAt     *time.Time `gorm:"precision:6"`
	RejectReason    string     `gorm:"type:text;not null"`
	SourceEventID   keyCol     `gorm:"size:128;not null;default:''"`
	CreatedAt       time.Time  `gorm:"not null;precision:6"`
	UpdatedAt       time.Time  `gorm:"not null;precision:6"`
}

func (v1Collection) TableName() string { return "collections" }

type v1Task struct {
	ID            keyCol     `gorm:"primaryKey"`
	TenantID      keyCol     `gorm:"not null"`
	CreatorID     keyCol     `gorm:"not null;default:''"`
	AssigneeID    keyCol     `gorm:"not null;default:''"`
	AssigneeRole  string     `gorm:"size:16;not null;default:''"`
	CustomerID    keyCol     `gorm:"not null;default:''"`
	Title         string     `gorm:"type:text;not null"`
	DueAt         *time.Time `gorm:"precision:6"`
	Status        string     `gorm:"size:16;not null"`
	DoneAt        *time.Time `gorm:"precision:6"`
	SourceEventID keyCol     `gorm:"size:128;not null;default:''"`
	CreatedAt     time.Time  `gorm:"not null;precision:6"`
	UpdatedAt     time.Time  `gorm:"not null;precision:6"`
}

func (v1Task) TableName() string { return "tasks" }

type v1Target struct {
	ID        keyCol    `gorm:"primaryKey"`
	TenantID  keyCol    `gorm:"not null"`
	Scope     string    `gorm:"size:16;not null"`
	ScopeID   keyCol    `gorm:"not null;default:''"`
	Metric    string    `gorm:"size:32;not null"`
	Period    string    `gorm:"size:16;not null"`
	Tier      string    `gorm:"size:16;not null"`
	Value     int64     `gorm:"not null;default:0"`
	CreatedBy keyCol    `gorm:"not null;default:''"`
	CreatedAt time.Time `gorm:"not null;precision:6"`
	UpdatedAt time.Time `gorm:"not null;precision:6"`
}

func (v1Target) TableName() string { return "targets" }

type v1DailyStat struct {
	ID           keyCol    `gorm:"primaryKey"`
	TenantID     keyCol    `gorm:"not null"`
	MemberID     keyCol    `gorm:"not null"`
	TeamID       keyCol    `gorm:"not null;default:''"`
	Day          string    `gorm:"size:10;not null"`
	FollowUps    int64     `gorm:"column:followups;not null;default:0"`
	NewCustomers int64     `gorm:"not null;default:0"`
	Signed       int64     `gorm:"not null;default:0"`
	Collected    int64     `gorm:"not null;default:0"`
	UpdatedAt    time.Time `gorm:"not null;precision:6"`
}

func (v1DailyStat) TableName() string { return "daily_stats" }

type v1InboundEvent struct {
	ID           keyCol     `gorm:"primaryKey"`
	TenantID     keyCol     `gorm:"not null"`
	Platform     keyCol     `gorm:"size:16;not null"`
	EventID      keyCol     `gorm:"size:128;not null"`
	Kind         string     `gorm:"size:16;not null;default:''"`
	Payload      string     `gorm:"type:mediumtext;not null"`
	Status       string     `gorm:"size:16;not null"`
	Attempts     int        `gorm:"not null;default:0"`
	ClaimedUntil *time.Time `gorm:"precision:6"`
	ReceivedAt   time.Time  `gorm:"not null;precision:6"`
	ProcessedAt  *time.Time `gorm:"precision:6"`
	Error        string     `gorm:"type:text;not null"`
}

func (v1InboundEvent) TableName() string { return "inbound_events" }

type v1Outbox struct {
	ID              keyCol     `gorm:"primaryKey"`
	TenantID        keyCol     `gorm:"not null"`
	Platform        keyCol     `gorm:"size:16;not null"`
	Target          keyCol     `gorm:"size:191;not null;default:''"`
	Payload         string     `gorm:"type:mediumtext;not null"`
	Status          string     `gorm:"size:16;not null"`
	Attempts        int        `gorm:"not null;default:0"`
	NextAt          time.Time  `gorm:"not null;precision:6"`
	ClaimedUntil    *time.Time `gorm:"precision:6"`
	MessageID       keyCol     `gorm:"size:128;not null;default:''"`
	UpdateMessageID keyCol     `gorm:"size:128;not null;default:''"`
	SourceEventID   keyCol     `gorm:"size:128;not null;default:''"`
	LastError       string     `gorm:"type:text;not null"`
	CreatedAt       time.Time  `gorm:"not null;precision:6"`
	SentAt          *time.Time `gorm:"precision:6"`
	UpdatedAt       time.Time  `gorm:"not null;precision:6"`
}

func (v1Outbox) TableName() string { return "outbox" }

type v1JobRun struct {
	ID         keyCol     `gorm:"primaryKey"`
	Job        keyCol     `gorm:"size:64;not null"`
	TenantID   keyCol     `gorm:"not null"`
	Slot       keyCol     `gorm:"size:64;not null"`
	Replica    string     `gorm:"size:191;not null;default:''"`
	Status     string     `gorm:"size:16;not null"`
	StartedAt  time.Time  `gorm:"not null;precision:6"`
	FinishedAt *time.Time `gorm:"precision:6"`
	Error      string     `gorm:"type:text;not null"`
}

func (v1JobRun) TableName() string { return "job_runs" }

type v1AuditLog struct {
	ID            keyCol    `gorm:"primaryKey"`
	TenantID      keyCol    `gorm:"not null"`
	ActorID       keyCol    `gorm:"not null;default:''"`
	Action        string    `gorm:"size:64;not null"`
	Entity        string    `gorm:"size:64;not null;default:''"`
	EntityID      keyCol    `gorm:"size:64;not null;default:''"`
	Before        string    `gorm:"type:mediumtext;not null"`
	After         string    `gorm:"type:mediumtext;not null"`
	SourceEventID keyCol    `gorm:"size:128;not null;default:''"`
	CreatedAt     time.Time `gorm:"not null;precision:6"`
}

func (v1AuditLog) TableName() string { return "audit_log" }
