package wecom

// The contact API (通讯录) as the self-built app sees it: departments
// (department/list), the people of a department (user/list) and one person
// (user/get), within the app's visibility (可见范围). Since 2022-06-20 apps
// created after that date no longer get avatar, gender, mobile, e-mail or
// address from these calls; userid, name and departments are still
// answered for members inside the app's visibility, which is all salesbot
// reads. An app outside the visibility gets 60011 (no privilege); the
// 通讯录同步 secret is not used.

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Department is a department as the contact API describes it.
type Department struct {
	ID       int    `json:"id"`
	ParentID int    `json:"parentid"`
	Name     string `json:"name"`
}

// User is a member as the contact API describes them.
type User struct {
	UserID string `json:"userid"`
	Name   string `json:"name"`
	// Departments are the ids of the departments the member is in.
	Departments []int `json:"department"`
	// Status: 1 active, 2 disabled, 4 not yet activated, 5 left.
	Status int `json:"status"`
}

// Departments lists every department the app can see (department/list).
func (a *Adapter) Departments(ctx context.Context) ([]Department, error) {
	var ans struct {
		Department []Department `json:"department"`
	}
	if err := a.apiGet(ctx, "department/list", nil, &ans); err != nil {
		return nil, err
	}
	return ans.Department, nil
}

// DepartmentUsers lists the members directly in a department (user/list).
func (a *Adapter) DepartmentUsers(ctx context.Context, departmentID int) ([]User, error) {
	var ans struct {
		UserList []User `json:"userlist"`
	}
	q := url.Values{"department_id": {strconv.Itoa(departmentID)}}
	if err := a.apiGet(ctx, "user/list", q, &ans); err != nil {
		return nil, err
	}
	return ans.UserList, nil
}

// User looks up one member (user/get).
func (a *Adapter) User(ctx context.Context, userID string) (User, error) {
	var u User
	if err := a.apiGet(ctx, "user/get", url.Values{"userid": {userID}}, &u); err != nil {
		return User{}, err
	}
	return u, nil
}

// Directory is the company's departments and members as the app sees them.
type Directory struct {
	// Departments are listed parents first.
	Departments []Department
	// Users are each listed once, with every department they are in.
	Users []User
}

// Directory lists the departments, parents first, and the members of each;
// members who left (status 5) are skipped.
func (a *Adapter) Directory(ctx context.Context) (Directory, error) {
	depts, err := a.Departments(ctx)
	if err != nil {
		return Directory{}, err
	}
	dir := Directory{Departments: parentsFirst(depts)}
	byID := map[string]int{}
	for _, d := range dir.Departments {
		users, err := a.DepartmentUsers(ctx, d.ID)
		if err != nil {
			return Directory{}, err
		}
		for _, u := range users {
			if u.UserID == "" || u.Status == 5 {
				continue
			}
			if len(u.Departments) == 0 {
				u.Departments = []int{d.ID}
			}
			if i, ok := byID[u.UserID]; ok {
				for _, id := range u.Departments {
					if !slices.Contains(dir.Users[i].Departments, id) {
						dir.Users[i].Departments = append(dir.Users[i].Departments, id)
					}
				}
				continue
			}
			byID[u.UserID] = len(dir.Users)
			dir.Users = append(dir.Users, u)
		}
	}
	return dir, nil
}

// parentsFirst orders departments so that each comes after its parent (a
// parent the app cannot see counts as the root).
func parentsFirst(depts []Department) []Department {
	known := map[int]bool{}
	for _, d := range depts {
		known[d.ID] = true
	}
	children := map[int][]Department{}
	var roots []Department
	for _, d := range depts {
		if d.ParentID == d.ID || !known[d.ParentID] {
			roots = append(roots, d)
			continue
		}
		children[d.ParentID] = append(children[d.ParentID], d)
	}
	out := make([]Department, 0, len(depts))
	queue := roots
	for len(queue) > 0 {
		d := queue[0]
		queue = queue[1:]
		out = append(out, d)
		queue = append(queue, children[d.ID]...)
	}
	return out
}

const (
	// nameLookupTimeout bounds the user/get made on first sight of a
	// sender, well within WeCom's 5 s for the callback.
	nameLookupTimeout = time.Second
	// nameRetryAfter is how long a failed look-up is not tried again (an
	// app without contact permission would otherwise pay for it on every
	// message).
	nameRetryAfter = 10 * time.Minute
	// maxNames bounds the cache; it is cleared when full.
	maxNames = 10000
)

// nameCache remembers senders' names, and failed look-ups for a while.
type nameCache struct {
	mu     sync.Mutex
	names  map[string]string
	failed map[string]time.Time
}

// userName returns a sender's name from user/get, cached; "" when the
// contact API does not answer in time or at all (the kernel then names a
// new member after their userid). It never fails the callback.
func (a *Adapter) userName(ctx context.Context, userID string) string {
	c := &a.names
	c.mu.Lock()
	name, ok := c.names[userID]
	failedAt, failed := c.failed[userID]
	c.mu.Unlock()
	if ok {
		return name
	}
	if failed && a.now().Sub(failedAt) < nameRetryAfter {
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, nameLookupTimeout)
	defer cancel()
	u, err := a.User(ctx, userID)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.names == nil || len(c.names) >= maxNames {
		c.names = map[string]string{}
	}
	if c.failed == nil || len(c.failed) >= maxNames {
		c.failed = map[string]time.Time{}
	}
	if err != nil || u.Name == "" {
		c.failed[userID] = a.now()
		a.log.WarnContext(ctx, "wecom user look-up failed; the sender keeps their userid as name",
			"userid", userID, "err", err)
		return ""
	}
	delete(c.failed, userID)
	c.names[userID] = u.Name
	return u.Name
}
