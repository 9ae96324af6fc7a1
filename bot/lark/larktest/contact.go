package larktest

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Department is a department in the emulated contact directory, with
// open_department_id ids; ParentID "" or "0" is the root.
type Department struct {
	ID       string `json:"open_department_id"`
	ParentID string `json:"parent_department_id"`
	Name     string `json:"name"`
}

// AddDepartment puts a department into the contact directory, or renames
// and moves the one with its id.
func (e *Emulator) AddDepartment(d Department) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if d.ParentID == "" {
		d.ParentID = "0"
	}
	for i := range e.depts {
		if e.depts[i].ID == d.ID {
			e.depts[i] = d
			return
		}
	}
	e.depts = append(e.depts, d)
}

// SetContactPageSize caps the contact API's pages (Lark: at most 50), so
// that tests see page tokens with a small directory.
func (e *Emulator) SetContactPageSize(n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.contactPageSize = n
}

// page cuts one page out of n items as the contact API does: page_size
// (1…50, default 50, capped by SetContactPageSize) and an opaque
// page_token. It answers the error itself and reports ok=false.
func (e *Emulator) page(w http.ResponseWriter, r *http.Request, n int) (from, to int, next string, ok bool) {
	size := 50
	if v := r.URL.Query().Get("page_size"); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil || p < 1 || p > 50 {
			fail(w, 400, 99992402, "field validation failed: page_size")
			return 0, 0, "", false
		}
		size = p
	}
	e.mu.Lock()
	if e.contactPageSize > 0 && size > e.contactPageSize {
		size = e.contactPageSize
	}
	e.mu.Unlock()
	if tok := r.URL.Query().Get("page_token"); tok != "" {
		off, err := strconv.Atoi(strings.TrimPrefix(tok, "pt_"))
		if err != nil || !strings.HasPrefix(tok, "pt_") || off < 0 || off > n {
			fail(w, 400, 99992402, "field validation failed: page_token")
			return 0, 0, "", false
		}
		from = off
	}
	to = min(from+size, n)
	if to < n {
		next = "pt_" + strconv.Itoa(to)
	}
	return from, to, next, true
}

func pageAnswer(items any, next string) map[string]any {
	data := map[string]any{"has_more": next != "", "items": items}
	if next != "" {
		data["page_token"] = next
	}
	return map[string]any{"code": 0, "msg": "success", "data": data}
}

// idType checks department_id_type: the emulator keeps open_department_ids.
func idType(w http.ResponseWriter, r *http.Request) bool {
	if t := r.URL.Query().Get("department_id_type"); t != "" && t != "open_department_id" {
		fail(w, 400, 99992402, "field validation failed: the emulator only has open_department_id")
		return false
	}
	return true
}

// departmentChildren is GET /open-apis/contact/v3/departments/:id/children:
// the direct children (fetch_child=true: all descendants).
func (e *Emulator) departmentChildren(w http.ResponseWriter, r *http.Request) {
	if !e.authorized(w, r) || e.fault(w, "contact") || !idType(w, r) {
		return
	}
	id := r.PathValue("id")
	e.mu.Lock()
	known := id == "0" || slices.ContainsFunc(e.depts, func(d Department) bool { return d.ID == id })
	parents := map[string]bool{id: true}
	var kids []Department
	for changed := true; changed; {
		changed = false
		for _, d := range e.depts {
			if parents[d.ParentID] && !slices.Contains(kids, d) {
				kids = append(kids, d)
				if r.URL.Query().Get("fetch_child") == "true" {
					parents[d.ID], changed = true, true
				}
			}
		}
	}
	e.mu.Unlock()
	if !known {
		fail(w, 400, 40003, "department not found")
		return
	}
	from, to, next, ok := e.page(w, r, len(kids))
	if !ok {
		return
	}
	items := make([]map[string]any, 0, to-from)
	for _, d := range kids[from:to] {
		items = append(items, map[string]any{"name": d.Name, "open_department_id": d.ID,
			"department_id": strings.TrimPrefix(d.ID, "od-"), "parent_department_id": d.ParentID,
			"status": map[string]any{"is_deleted": false}})
	}
	writeJSON(w, 200, pageAnswer(items, next))
}

// usersByDepartment is GET /open-apis/contact/v3/users/find_by_department:
// the people directly in the department ("0": those in no department).
func (e *Emulator) usersByDepartment(w http.ResponseWriter, r *http.Request) {
	if !e.authorized(w, r) || e.fault(w, "contact") || !idType(w, r) {
		return
	}
	id := r.URL.Query().Get("department_id")
	if id == "" {
		fail(w, 400, 99992402, "field validation failed: department_id")
		return
	}
	e.mu.Lock()
	var in []User
	for _, oid := range e.userIDs {
		u := e.users[oid]
		if slices.Contains(u.DepartmentIDs, id) || (id == "0" && len(u.DepartmentIDs) == 0) {
			in = append(in, u)
		}
	}
	e.mu.Unlock()
	from, to, next, ok := e.page(w, r, len(in))
	if !ok {
		return
	}
	items := make([]map[string]any, 0, to-from)
	for _, u := range in[from:to] {
		depts := u.DepartmentIDs
		if depts == nil {
			depts = []string{"0"}
		}
		items = append(items, map[string]any{"open_id": u.OpenID, "union_id": "on_" + u.OpenID,
			"name": u.Name, "department_ids": depts, "status": map[string]any{"is_activated": true}})
	}
	writeJSON(w, 200, pageAnswer(items, next))
}

// RemoveUser takes a person out of the contact directory.
func (e *Emulator) RemoveUser(openID string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.users, openID)
	e.userIDs = slices.DeleteFunc(e.userIDs, func(id string) bool { return id == openID })
}
