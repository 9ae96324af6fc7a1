package domain

import "time"

// The morning digest's view of current state: small aggregates, one row
// per member, read from indexed current-state rows (open deals, open
// collections, open tasks), never from history.

// StaleDeals counts one owner's open opportunities with no follow-up for a
// while.
type StaleDeals struct {
	OwnerID string
	Count   int
	// Oldest is the oldest last contact (or creation) among them.
	Oldest time.Time
}

// OpenCollections sums one member's collections that need attention:
// reported and awaiting finance's confirmation, or planned and overdue.
type OpenCollections struct {
	MemberID      string
	Pending       int
	PendingAmount Money
	Overdue       int
	OverdueAmount Money
}

// OverdueTask is an open task past its deadline, with the names a digest
// shows.
type OverdueTask struct {
	ID           string
	CreatorID    string
	AssigneeID   string
	AssigneeName string
	Title        string
	DueAt        time.Time
}
