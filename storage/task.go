package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/salesbot/salesbot/domain"
)

// CreateTask stores a task; status defaults to open.
func (s *Store) CreateTask(ctx context.Context, t domain.Task) (domain.Task, error) {
	if t.TenantID == "" {
		return domain.Task{}, fmt.Errorf("create task: %w", errNoTenant)
	}
	if t.ID == "" {
		t.ID = domain.NewID()
	}
	if t.Status == "" {
		t.Status = domain.TaskOpen
	}
	row := taskFromDomain(t)
	if err := s.db(ctx).Create(&row).Error; err != nil {
		return domain.Task{}, fmt.Errorf("create task: %w", conflict(err, "任务已存在"))
	}
	return row.toDomain(), nil
}

// TaskByID returns one task.
func (s *Store) TaskByID(ctx context.Context, tenant, id string) (domain.Task, error) {
	var row taskRow
	if err := s.db(ctx).Where("tenant_id = ? AND id = ?", tenant, id).First(&row).Error; err != nil {
		return domain.Task{}, fmt.Errorf("task %s: %w", id, notFound(err, "任务不存在"))
	}
	return row.toDomain(), nil
}

// SetTaskStatus changes a task's status from one of the given statuses to
// another (and its assignee when assignee is not empty, which also resets
// the task's notices), and reports whether it did. Moving to done records
// doneAt.
func (s *Store) SetTaskStatus(ctx context.Context, tenant, id string, from []string, to, assignee string, at time.Time) (bool, error) {
	set := map[string]any{"status": to, "updated_at": dbTime(at)}
	if to == domain.TaskDone {
		set["done_at"] = dbTime(at)
	}
	if assignee != "" {
		set["assignee_id"] = assignee
		// A new assignee gets the task's reminders afresh, and an overdue
		// task's escalation names them only after their own working day.
		set["reminded_at"], set["overdue_at"], set["escalated_at"] = nil, nil, nil
	}
	res := s.db(ctx).Model(&taskRow{}).Where("tenant_id = ? AND id = ? AND status IN ?", tenant, id, from).Updates(set)
	if res.Error != nil {
		return false, fmt.Errorf("set task status: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// TaskFilter selects tasks; zero fields do not filter. Limit 0 means no
// limit.
type TaskFilter struct {
	Tenant     string
	Since      time.Time
	AssigneeID string
	CustomerID string
	Status     string
	Limit      int
}

// TaskView is a task with the names it refers to.
type TaskView struct {
	domain.Task
	CreatorName  string
	AssigneeName string
	CustomerName string
}

type taskViewRow struct {
	Row          taskRow `gorm:"embedded"`
	CreatorName  string
	AssigneeName string
	CustomerName string
}

// Tasks lists tasks, oldest first, with creator, assignee and customer
// names.
func (s *Store) Tasks(ctx context.Context, f TaskFilter) ([]TaskView, error) {
	if f.Tenant == "" {
		return nil, fmt.Errorf("tasks: %w", errNoTenant)
	}
	q := s.db(ctx).Table("tasks AS t").
		Select("t.*, cr.name AS creator_name, a.name AS assignee_name, c.name AS customer_name").
		Joins("LEFT JOIN members AS cr ON cr.tenant_id = t.tenant_id AND cr.id = t.creator_id").
		Joins("LEFT JOIN members AS a ON a.tenant_id = t.tenant_id AND a.id = t.assignee_id").
		Joins("LEFT JOIN customers AS c ON c.tenant_id = t.tenant_id AND c.id = t.customer_id").
		Where("t.tenant_id = ?", f.Tenant)
	q = filterCommon(q, "t", f.Since, "", f.CustomerID, f.Limit)
	if f.AssigneeID != "" {
		q = q.Where("t.assignee_id = ?", f.AssigneeID)
	}
	if f.Status != "" {
		q = q.Where("t.status = ?", f.Status)
	}
	var rows []taskViewRow
	if err := q.Order("t.created_at, t.id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("tasks: %w", err)
	}
	out := make([]TaskView, len(rows))
	for i, r := range rows {
		out[i] = TaskView{Task: r.Row.toDomain(), CreatorName: r.CreatorName, AssigneeName: r.AssigneeName, CustomerName: r.CustomerName}
	}
	return out, nil
}
