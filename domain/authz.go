package domain

// Permission is something a member may or may not do.
type Permission string

// Permissions, in the order README's authorisation table lists them.
const (
	PermLogFollowUp       Permission = "log follow-up"
	PermUndoOwn           Permission = "undo own"
	PermConfirmCollection Permission = "confirm collection"
	PermSetTargets        Permission = "set targets"
	PermOtherTeams        Permission = "see another team's progress"
	PermReassignTask      Permission = "reassign a task"
	PermChangeRoles       Permission = "change roles"
)

// Permissions lists every permission, in table order.
var Permissions = []Permission{
	PermLogFollowUp, PermUndoOwn, PermConfirmCollection, PermSetTargets,
	PermOtherTeams, PermReassignTask, PermChangeRoles,
}

// grants is the authorisation table (README.md "Who may do what"). Reassign
// a task means any task: an assignee may always hand over their own.
var grants = map[Permission][]Role{
	PermLogFollowUp:       {RoleSales, RolePresales, RoleManager, RoleAdmin},
	PermUndoOwn:           {RoleSales, RolePresales, RoleFinance, RoleManager, RoleAdmin},
	PermConfirmCollection: {RoleFinance},
	PermSetTargets:        {RoleManager, RoleAdmin},
	PermOtherTeams:        {RoleManager, RoleAdmin},
	PermReassignTask:      {RoleManager, RoleAdmin},
	PermChangeRoles:       {RoleAdmin},
}

// Can reports whether a member of the role has the permission.
func (r Role) Can(p Permission) bool {
	for _, x := range grants[p] {
		if x == r {
			return true
		}
	}
	return false
}
