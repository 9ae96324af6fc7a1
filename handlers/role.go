package handlers

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/domain"
	"github.com/salesbot/salesbot/domain/parse"
)

// RoleStore is what the admin commands need of the database.
type RoleStore interface {
	MemberByID(ctx context.Context, tenant, id string) (domain.Member, error)
	MembersByName(ctx context.Context, tenant, name string) ([]domain.Member, error)
	UpdateMember(ctx context.Context, m domain.Member) error
	EnsureChat(ctx context.Context, c domain.Chat) (domain.Chat, error)
	AppendAudit(ctx context.Context, a domain.AuditEntry) error
	TeamByName(ctx context.Context, tenant, name string) (domain.Team, error)
}

// Roles handles the admins' commands in chat: "/角色 @张三 财务" changes a
// member's role, "/绑定 财务" makes a group chat the finance chat. Both are
// for admins only and audited.
type Roles struct {
	store RoleStore
	now   func() time.Time
}

// NewRoles returns the admin command handlers.
func NewRoles(store RoleStore, now func() time.Time) *Roles {
	if now == nil {
		now = time.Now
	}
	return &Roles{store: store, now: now}
}

// Routes of the admin commands.
const (
	RouteRoleSet  = "role.set"
	RouteChatBind = "chat.bind"
)

// Route names the admin route of a message, or "".
func (h *Roles) Route(ctx context.Context, m *bot.Message) string {
	cmd, _, ok := parse.SlashCommand(parse.Normalize(m.Text))
	if !ok {
		return ""
	}
	switch cmd {
	case "角色", "role":
		return RouteRoleSet
	case "绑定", "bind":
		return RouteChatBind
	}
	return ""
}

// admin re-reads the member and refuses anyone who may not change roles.
func (h *Roles) admin(ctx context.Context, m *bot.Message, what string) (domain.Member, error) {
	mb, err := h.store.MemberByID(ctx, m.Tenant, m.Member.ID)
	if err != nil {
		return domain.Member{}, err
	}
	if !mb.Active || !mb.Role.Can(domain.PermChangeRoles) {
		return domain.Member{}, domain.Errorf(domain.Forbidden, "只有管理员可以%s(你的角色是%s)。", what, mb.Role.Label())
	}
	return mb, nil
}

// SetRole handles "/角色 @张三 财务".
func (h *Roles) SetRole(ctx context.Context, m *bot.Message) (bot.Reply, error) {
	admin, err := h.admin(ctx, m, "修改角色")
	if err != nil {
		return bot.Reply{}, err
	}
	_, args, _ := parse.SlashCommand(parse.Normalize(m.Text))
	const how = "用法:/角色 @张三 财务(角色:销售、售前、财务、经理、管理员)"
	if len(args) != 2 {
		return bot.Reply{Text: how}, nil
	}
	name := strings.TrimLeft(args[0], "@")
	role, err := domain.ParseRole(args[1])
	if err != nil {
		return bot.Reply{}, domain.Errorf(domain.Invalid, "未知角色“%s”。%s", args[1], how)
	}
	found, err := h.store.MembersByName(ctx, m.Tenant, name)
	if err != nil {
		return bot.Reply{}, fmt.Errorf("set role: %w", err)
	}
	switch len(found) {
	case 0:
		return bot.Reply{Text: fmt.Sprintf("没有找到成员“%s”。%s", name, how)}, nil
	case 1:
	default:
		return bot.Reply{Text: fmt.Sprintf("有 %d 位成员叫 %s,请用 salesbot import org 修改。", len(found), name)}, nil
	}
	target := found[0]
	if target.Role == role {
		return bot.Reply{Text: fmt.Sprintf("%s 已经是%s了。", target.Name, role.Label())}, nil
	}
	before := target.Role
	target.Role = role
	if err := h.store.UpdateMember(ctx, target); err != nil {
		return bot.Reply{}, fmt.Errorf("set role: %w", err)
	}
	err = h.store.AppendAudit(ctx, domain.AuditEntry{TenantID: m.Tenant, ActorID: admin.ID, Action: "member.role",
		Entity: "member", EntityID: target.ID, Before: `{"role":"` + string(before) + `"}`,
		After: `{"role":"` + string(role) + `"}`, SourceEventID: m.ID, At: h.now()})
	if err != nil {
		return bot.Reply{}, fmt.Errorf("set role: %w", err)
	}
	return bot.Reply{Text: fmt.Sprintf("已把 %s 的角色从%s改为%s。", target.Name, before.Label(), role.Label())}, nil
}

// Bind handles "/绑定 财务" and "/绑定 团队名" in a group chat: collection
// confirmations go to the finance chat instead of to each finance member,
// and a team's morning progress card goes to its team chat. The finance
// chat is for admins to bind; a team chat for admins or that team's manager.
func (h *Roles) Bind(ctx context.Context, m *bot.Message) (bot.Reply, error) {
	_, args, _ := parse.SlashCommand(parse.Normalize(m.Text))
	const how = "用法:在财务群里说 /绑定 财务;在团队群里说 /绑定 团队名(例如 /绑定 华东一组)"
	if len(args) != 1 {
		return bot.Reply{Text: how}, nil
	}
	if m.Chat.Type != bot.GroupChat {
		return bot.Reply{Text: "请在要绑定的群里说(私聊不能绑定)。" + how}, nil
	}
	if args[0] == "财务" || args[0] == "finance" {
		admin, err := h.admin(ctx, m, "绑定财务群")
		if err != nil {
			return bot.Reply{}, err
		}
		return h.bind(ctx, m, admin, domain.Chat{Purpose: domain.PurposeFinance},
			"已绑定为财务群:以后的回款确认卡片会发到这个群里。")
	}
	team, err := h.store.TeamByName(ctx, m.Tenant, args[0])
	if domain.IsNotFound(err) {
		return bot.Reply{Text: fmt.Sprintf("没有叫“%s”的团队。%s", args[0], how)}, nil
	}
	if err != nil {
		return bot.Reply{}, fmt.Errorf("bind team chat: %w", err)
	}
	mb, err := h.store.MemberByID(ctx, m.Tenant, m.Member.ID)
	if err != nil {
		return bot.Reply{}, err
	}
	if !mb.Active || !(mb.Role == domain.RoleAdmin || mb.Role == domain.RoleManager && team.ManagerID == mb.ID) {
		return bot.Reply{}, domain.Errorf(domain.Forbidden, "只有管理员或%s的经理可以绑定团队群。", team.Name)
	}
	return h.bind(ctx, m, mb, domain.Chat{Purpose: domain.PurposeTeam, TeamID: team.ID},
		fmt.Sprintf("已绑定为%s的团队群:每个工作日早上的进度卡片会发到这个群里。", team.Name))
}

// bind records this chat with the purpose (and team) of c, audited.
func (h *Roles) bind(ctx context.Context, m *bot.Message, actor domain.Member, c domain.Chat, done string) (bot.Reply, error) {
	c.TenantID, c.Platform, c.PlatformChatID = m.Tenant, string(m.Platform), m.Chat.ID
	c.Name, c.Kind = m.Chat.Name, domain.ChatGroup
	stored, err := h.store.EnsureChat(ctx, c)
	if err != nil {
		return bot.Reply{}, fmt.Errorf("bind chat: %w", err)
	}
	after := fmt.Sprintf(`{"purpose":%q,"team_id":%q}`, c.Purpose, c.TeamID)
	err = h.store.AppendAudit(ctx, domain.AuditEntry{TenantID: m.Tenant, ActorID: actor.ID, Action: "chat.bind",
		Entity: "chat", EntityID: stored.ID, After: after, SourceEventID: m.ID, At: h.now()})
	if err != nil {
		return bot.Reply{}, fmt.Errorf("bind chat: %w", err)
	}
	return bot.Reply{Text: done}, nil
}
