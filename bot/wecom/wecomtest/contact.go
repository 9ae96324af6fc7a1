package wecomtest

import (
	"net/http"
	"slices"
	"strconv"
)

// Department is a department of the emulated contact directory.
type Department struct {
	ID       int    `json:"id"`
	ParentID int    `json:"parentid"`
	Name     string `json:"name"`
}

// User is a member of the emulated contact directory.
type User struct {
	UserID      string `json:"userid"`
	Name        string `json:"name"`
	Departments []int  `json:"department"`
	// Status is 1 (active) when zero.
	Status int `json:"status"`
}

// AddDepartment adds a department to the contact directory.
func (e *Emulator) AddDepartment(d Department) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.depts = append(e.depts, d)
}

// AddUser adds a member to the contact directory, or replaces the one with
// the same userid.
func (e *Emulator) AddUser(u User) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if u.Status == 0 {
		u.Status = 1
	}
	for i, x := range e.users {
		if x.UserID == u.UserID {
			e.users[i] = u
			return
		}
	}
	e.users = append(e.users, u)
}

func (e *Emulator) departmentList(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.fault(w, "department.list") || !e.checkToken(w, r) {
		return
	}
	reply(w, map[string]any{"department": append([]Department{}, e.depts...)})
}

func (e *Emulator) userList(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.fault(w, "user.list") || !e.checkToken(w, r) {
		return
	}
	id, err := strconv.Atoi(r.URL.Query().Get("department_id"))
	found := false
	for _, d := range e.depts {
		found = found || d.ID == id
	}
	if err != nil || !found {
		errAnswer(w, 60003, "department not found")
		return
	}
	list := []User{}
	for _, u := range e.users {
		if slices.Contains(u.Departments, id) {
			list = append(list, u)
		}
	}
	reply(w, map[string]any{"userlist": list})
}

func (e *Emulator) userGet(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.fault(w, "user.get") || !e.checkToken(w, r) {
		return
	}
	id := r.URL.Query().Get("userid")
	for _, u := range e.users {
		if u.UserID == id {
			reply(w, map[string]any{"userid": u.UserID, "name": u.Name, "department": u.Departments, "status": u.Status})
			return
		}
	}
	errAnswer(w, 60111, "userid not found")
}
