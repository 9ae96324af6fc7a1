package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/salesbot/salesbot/domain"
)

// openTaskStatuses are the statuses of a task someone still has to do.
var openTaskStatuses = []string{domain.TaskOpen, domain.TaskAccepted}

// OpenTaskLoad counts the open (open or accepted) tasks of each member; a
// member with none is absent from the map.
func (s *Store) OpenTaskLoad(ctx context.Context, tenant string, memberIDs []string) (map[string]int, error) {
	out := map[string]int{}
	if len(memberIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		AssigneeID string
		N          int
	}
	err := s.db(ctx).Model(&taskRow{}).Select("assignee_id, COUNT(*) AS n").
		Where("tenant_id = ? AND assignee_id IN ? AND status IN ?", tenant, memberIDs, openTaskStatuses).
		Group("assignee_id").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("open task load: %w", err)
	}
	for _, r := range rows {
		out[r.AssigneeID] = r.N
	}
	return out, nil
}

// LastAssigned returns when each member was last given a task; a member
// never given one is absent from the map.
func (s *Store) LastAssigned(ctx context.Context, tenant string, memberIDs []string) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	if len(memberIDs) == 0 {
		return out, nil
	}
	var rows []taskRow
	err := s.db(ctx).Select("assignee_id, created_at").
		Where("tenant_id = ? AND assignee_id IN ?", tenant, memberIDs).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("last assigned: %w", err)
	}
	for _, r := range rows {
		if t := r.CreatedAt.UTC(); t.After(out[r.AssigneeID]) {
			out[r.AssigneeID] = t
		}
	}
	return out, nil
}

// OpenTasksDueBefore lists the open tasks due before the time that have not
// been escalated yet, earliest first: what the task reminders look at.
func (s *Store) OpenTasksDueBefore(ctx context.Context, tenant string, before time.Time) ([]domain.Task, error) {
	var rows []taskRow
	err := s.db(ctx).Where("tenant_id = ? AND status IN ? AND due_at IS NOT NULL AND due_at < ? AND escalated_at IS NULL",
		tenant, openTaskStatuses, dbTime(before)).Order("due_at, id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("open tasks due: %w", err)
	}
	return mapSlice(rows, taskRow.toDomain), nil
}

// Task notice stages, each sent once per task.
const (
	TaskNoticeReminder  = "reminder"  // before the due time, to the assignee
	TaskNoticeOverdue   = "overdue"   // at the due time, to the assignee
	TaskNoticeEscalated = "escalated" // a working day later, to the manager
)

var taskNoticeColumns = map[string]string{
	TaskNoticeReminder: "reminded_at", TaskNoticeOverdue: "overdue_at", TaskNoticeEscalated: "escalated_at",
}

// ClaimTaskNotice marks a notice stage of an open task sent, and reports
// whether this caller did it (a conditional UPDATE: once per task and
// stage, across replicas).
func (s *Store) ClaimTaskNotice(ctx context.Context, tenant, id, stage string, at time.Time) (bool, error) {
	col, ok := taskNoticeColumns[stage]
	if !ok {
		return false, fmt.Errorf("claim task notice: unknown stage %q", stage)
	}
	res := s.db(ctx).Model(&taskRow{}).
		Where("tenant_id = ? AND id = ? AND status IN ? AND "+col+" IS NULL", tenant, id, openTaskStatuses).
		Update(col, dbTime(at))
	if res.Error != nil {
		return false, fmt.Errorf("claim task notice: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// ManagerOf returns a member's manager: the one set on the member, else
// the manager of the member's team (unless that is the member), else
// NotFound.
func (s *Store) ManagerOf(ctx context.Context, tenant, memberID string) (domain.Member, error) {
	m, err := s.MemberByID(ctx, tenant, memberID)
	if err != nil {
		return domain.Member{}, err
	}
	id := m.ManagerID
	if id == "" && m.TeamID != "" {
		t, err := s.TeamByID(ctx, tenant, m.TeamID)
		if err != nil && !domain.IsNotFound(err) {
			return domain.Member{}, err
		}
		if t.ManagerID != m.ID {
			id = t.ManagerID
		}
	}
	if id == "" {
		return domain.Member{}, fmt.Errorf("manager of %s: %w", memberID, domain.Errorf(domain.NotFound, "%s 没有上级", m.Name))
	}
	return s.MemberByID(ctx, tenant, id)
}

// OpenTasksOf lists a member's open (open or accepted) tasks, the earliest
// due first and those without a due time last.
func (s *Store) OpenTasksOf(ctx context.Context, tenant, assigneeID string) ([]domain.Task, error) {
	var rows []taskRow
	err := s.db(ctx).Where("tenant_id = ? AND assignee_id = ? AND status IN ?", tenant, assigneeID, openTaskStatuses).
		Order("due_at IS NULL, due_at, created_at, id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("open tasks of %s: %w", assigneeID, err)
	}
	return mapSlice(rows, taskRow.toDomain), nil
}
