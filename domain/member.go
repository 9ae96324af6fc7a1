package domain

import (
	"fmt"
	"time"
)

// Role is what a member does, and so what they may do in salesbot.
type Role string

// Roles.
const (
	RoleSales    Role = "sales"
	RolePresales Role = "presales"
	RoleFinance  Role = "finance"
	RoleManager  Role = "manager"
	RoleAdmin    Role = "admin"
)

// Roles lists every role, in the order they are shown.
var Roles = []Role{RoleSales, RolePresales, RoleFinance, RoleManager, RoleAdmin}

// ParseRole reads a role from its English name or its Chinese label.
func ParseRole(s string) (Role, error) {
	switch s {
	case "sales", "销售", "rep":
		return RoleSales, nil
	case "presales", "售前":
		return RolePresales, nil
	case "finance", "财务":
		return RoleFinance, nil
	case "manager", "经理", "主管", "销售经理":
		return RoleManager, nil
	case "admin", "管理员":
		return RoleAdmin, nil
	}
	return "", Errorf(Invalid, "未知角色 %q(可用:sales/presales/finance/manager/admin)", s)
}

// Label returns the role's Chinese name.
func (r Role) Label() string {
	switch r {
	case RoleSales:
		return "销售"
	case RolePresales:
		return "售前"
	case RoleFinance:
		return "财务"
	case RoleManager:
		return "经理"
	case RoleAdmin:
		return "管理员"
	}
	return string(r)
}

// CanManage reports whether the role may set targets and see team data.
func (r Role) CanManage() bool { return r == RoleManager || r == RoleAdmin }

// Tenant is one company served by the deployment.
type Tenant struct {
	ID        string
	Name      string
	Timezone  string
	CreatedAt time.Time
}

// Team is a node of the sales organisation tree (company → department →
// team).
type Team struct {
	ID        string
	TenantID  string
	ParentID  string
	Name      string
	ManagerID string
	Timezone  string
}

// Member is a person of the tenant.
type Member struct {
	ID        string
	TenantID  string
	Name      string
	Role      Role
	TeamID    string
	ManagerID string
	Active    bool
	CreatedAt time.Time
}

// Identity links a member to a user of one platform.
type Identity struct {
	MemberID string
	Platform string
	UserID   string
	Name     string
}

// Validate checks a member's required fields.
func (m *Member) Validate() error {
	if m.Name == "" {
		return Errorf(Invalid, "成员姓名不能为空")
	}
	if _, err := ParseRole(string(m.Role)); err != nil {
		return err
	}
	return nil
}

// String returns the member's name and role, for logs and listings.
func (m Member) String() string { return fmt.Sprintf("%s(%s)", m.Name, m.Role.Label()) }

// Chat kinds.
const (
	ChatGroup  = "group"
	ChatDirect = "direct"
)

// Chat purposes: what the bot uses a group chat for.
const (
	PurposeTeam    = "team"    // a sales team's group: progress cards
	PurposeFinance = "finance" // the finance group: collection confirmations
)

// Chat is a platform chat the bot knows, bound to a team or a purpose.
type Chat struct {
	ID             string
	TenantID       string
	Platform       string
	PlatformChatID string
	Name           string
	Kind           string
	TeamID         string
	Purpose        string
}
