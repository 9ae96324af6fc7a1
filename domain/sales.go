package domain

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Money is an amount in minor units (分, cents), so that sums are exact.
type Money int64

// Yuan returns a Money of the given whole units.
func Yuan(units float64) Money { return Money(math.Round(units * 100)) }

// Units returns the amount in whole currency units.
func (m Money) Units() float64 { return float64(m) / 100 }

// String formats the amount the way Chinese sales teams read it:
// 500000 → "50万", 1234.5 → "1,234.50".
func (m Money) String() string {
	u := m.Units()
	switch {
	case u != 0 && int64(m)%100 == 0 && int64(u)%10000 == 0:
		return fmt.Sprintf("%d万", int64(u)/10000)
	case u >= 10000 || u <= -10000:
		s := fmt.Sprintf("%.2f", u/10000)
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
		return s + "万"
	case int64(m)%100 == 0:
		return fmt.Sprintf("%d", int64(u))
	}
	return fmt.Sprintf("%.2f", u)
}

// Customer is a company the team sells to.
type Customer struct {
	ID        string
	TenantID  string
	Name      string
	Aliases   []string
	OwnerID   string
	CreatedAt time.Time
}

// Contact is a person at a customer.
type Contact struct {
	ID         string
	TenantID   string
	CustomerID string
	Name       string
	Title      string
	Phone      string
}

// Stage is where an opportunity stands in the funnel.
type Stage string

// Opportunity stages, in funnel order.
const (
	StageLead        Stage = "lead"
	StageQualify     Stage = "qualify"
	StageProposal    Stage = "proposal"
	StageNegotiation Stage = "negotiation"
	StageWon         Stage = "won"
	StageLost        Stage = "lost"
)

// Stages lists the stages in funnel order.
var Stages = []Stage{StageLead, StageQualify, StageProposal, StageNegotiation, StageWon, StageLost}

// Label returns the stage's Chinese name.
func (s Stage) Label() string {
	switch s {
	case StageLead:
		return "线索"
	case StageQualify:
		return "需求确认"
	case StageProposal:
		return "方案报价"
	case StageNegotiation:
		return "商务谈判"
	case StageWon:
		return "赢单"
	case StageLost:
		return "丢单"
	}
	return string(s)
}

// Closed reports whether the stage ends the opportunity.
func (s Stage) Closed() bool { return s == StageWon || s == StageLost }

// Opportunity is a deal a rep is working on with a customer.
type Opportunity struct {
	ID             string
	TenantID       string
	CustomerID     string
	OwnerID        string
	Name           string
	Stage          Stage
	Amount         Money
	Currency       string
	ExpectedClose  time.Time
	LastFollowUpAt time.Time
	ClosedAt       time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Activity is the kind of interaction a follow-up reports.
type Activity string

// Activities.
const (
	ActivityVisit   Activity = "visit"
	ActivityCall    Activity = "call"
	ActivityWeChat  Activity = "wechat"
	ActivityMeeting Activity = "meeting"
	ActivityDemo    Activity = "demo"
	ActivityEmail   Activity = "email"
	ActivityOther   Activity = "other"
)

// Label returns the activity's Chinese name.
func (a Activity) Label() string {
	switch a {
	case ActivityVisit:
		return "拜访"
	case ActivityCall:
		return "电话"
	case ActivityWeChat:
		return "微信"
	case ActivityMeeting:
		return "会议"
	case ActivityDemo:
		return "演示"
	case ActivityEmail:
		return "邮件"
	}
	return "其他"
}

// Follow-up statuses.
const (
	FollowUpActive = "active"
	FollowUpUndone = "undone"
)

// FollowUp is one reported interaction with a customer.
type FollowUp struct {
	ID              string
	TenantID        string
	MemberID        string
	CustomerID      string
	ContactID       string
	OpportunityID   string
	Activity        Activity
	Amount          Money
	Currency        string
	Stage           Stage
	NextAt          time.Time
	NextHasTime     bool
	Text            string
	SourcePlatform  string
	SourceEventID   string
	SourceMessageID string
	Status          string
	CreatedAt       time.Time
}

// FollowUpView is a follow-up with the names it refers to, for listings,
// reminders and exports.
type FollowUpView struct {
	FollowUp
	MemberName   string
	CustomerName string
	ContactName  string
}

// OpportunityView is an opportunity with its customer's and owner's names.
type OpportunityView struct {
	Opportunity
	CustomerName string
	OwnerName    string
}

// Collection statuses.
const (
	CollectionPlanned   = "planned"
	CollectionPending   = "pending"
	CollectionConfirmed = "confirmed"
	CollectionRejected  = "rejected"
)

// Collection is money received from a customer (回款), or expected.
type Collection struct {
	ID              string
	TenantID        string
	CustomerID      string
	OpportunityID   string
	MemberID        string
	Amount          Money
	Currency        string
	ConfirmedAmount Money
	Status          string
	DueDate         time.Time
	ConfirmedBy     string
	ConfirmedAt     time.Time
	RejectReason    string
	SourceEventID   string
	// SourcePlatform, SourceChatID and SourceMessageID are the message that
	// reported it, so the rep is answered in that thread.
	SourcePlatform  string
	SourceChatID    string
	SourceMessageID string
	CreatedAt       time.Time
}

// Task statuses.
const (
	TaskOpen      = "open"
	TaskAccepted  = "accepted"
	TaskDone      = "done"
	TaskCancelled = "cancelled"
)

// Task is work handed from one member to another.
type Task struct {
	ID           string
	TenantID     string
	CreatorID    string
	AssigneeID   string
	AssigneeRole Role
	CustomerID   string
	Title        string
	DueAt        time.Time
	Status       string
	DoneAt       time.Time
	// SourceEventID, SourcePlatform, SourceChatID and SourceMessageID are
	// the message that asked for it, so the creator is answered in that
	// thread.
	SourceEventID   string
	SourcePlatform  string
	SourceChatID    string
	SourceMessageID string
	CreatedAt       time.Time
}

// Metric is what a target measures.
type Metric string

// Metrics.
const (
	MetricSigned       Metric = "signed"
	MetricCollected    Metric = "collected"
	MetricNewCustomers Metric = "new_customers"
	MetricFollowUps    Metric = "followups"
)

// Label returns the metric's Chinese name.
func (m Metric) Label() string {
	switch m {
	case MetricSigned:
		return "签约额"
	case MetricCollected:
		return "回款额"
	case MetricNewCustomers:
		return "新客户"
	case MetricFollowUps:
		return "跟进次数"
	}
	return string(m)
}

// Money reports whether the metric is an amount of money.
func (m Metric) Money() bool { return m == MetricSigned || m == MetricCollected }

// Tier is a target level.
type Tier string

// Tiers.
const (
	TierTarget    Tier = "target"    // 目标
	TierStretch   Tier = "stretch"   // 冲刺
	TierChallenge Tier = "challenge" // 挑战
)

// Scope is what a target is set for.
type Scope string

// Scopes.
const (
	ScopeCompany Scope = "company"
	ScopeTeam    Scope = "team"
	ScopeMember  Scope = "member"
)

// Target is a goal for a period. Value is in minor units for money metrics
// and a count otherwise.
type Target struct {
	ID        string
	TenantID  string
	Scope     Scope
	ScopeID   string
	Metric    Metric
	Period    string // "2026-11", "2026-Q4" or "2026"
	Tier      Tier
	Value     int64
	CreatedBy string
	CreatedAt time.Time
}

// DailyStat is one member's rollup for one day, maintained on write so that
// progress cards and digests cost O(members), not O(history).
type DailyStat struct {
	TenantID     string
	MemberID     string
	TeamID       string
	Day          string // YYYY-MM-DD in the tenant's timezone
	FollowUps    int
	NewCustomers int
	Signed       Money
	Collected    Money
}

// AuditEntry is one append-only record of a change.
type AuditEntry struct {
	ID            string
	TenantID      string
	ActorID       string
	Action        string
	Entity        string
	EntityID      string
	Before        string
	After         string
	SourceEventID string
	At            time.Time
}
