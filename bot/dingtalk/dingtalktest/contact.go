package dingtalktest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// Paths of the old API's token and contact methods.
const (
	PathGetToken = "/gettoken"
	PathListSub  = "/topapi/v2/department/listsub"
	PathUserList = "/topapi/v2/user/list"
)

// Department is a department of the emulator's contact directory; the root
// (1) exists without being added.
type Department struct {
	ID       int64
	ParentID int64
	Name     string
}

// User is a person of the emulator's contact directory.
type User struct {
	UserID  string
	Name    string
	DeptIDs []int64
}

// contactState is the emulator's directory, guarded by Emulator.mu.
type contactState struct {
	depts    []Department
	users    []User
	pageSize int
}

// AddDepartment adds a department (or renames one with the same id).
func (e *Emulator) AddDepartment(d Department) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if i := slices.IndexFunc(e.contacts.depts, func(x Department) bool { return x.ID == d.ID }); i >= 0 {
		e.contacts.depts[i] = d
		return
	}
	e.contacts.depts = append(e.contacts.depts, d)
}

// AddUser adds a person (or replaces the one with the same userid).
func (e *Emulator) AddUser(u User) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if i := slices.IndexFunc(e.contacts.users, func(x User) bool { return x.UserID == u.UserID }); i >= 0 {
		e.contacts.users[i] = u
		return
	}
	e.contacts.users = append(e.contacts.users, u)
}

// RemoveUser takes a person out of the directory, as when they leave.
func (e *Emulator) RemoveUser(userID string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.contacts.users = slices.DeleteFunc(e.contacts.users, func(x User) bool { return x.UserID == userID })
}

// SetUserPageSize caps user/list pages below the size asked for, so that
// tests see cursors followed.
func (e *Emulator) SetUserPageSize(n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.contacts.pageSize = n
}

// oapiAnswer writes an old-API answer: errcode, errmsg and the fields.
func oapiAnswer(w http.ResponseWriter, code int, msg string, fields map[string]any) {
	body := map[string]any{"errcode": code, "errmsg": msg, "request_id": "req-emu"}
	for k, v := range fields {
		body[k] = v
	}
	writeJSON(w, 200, body)
}

// oapiFault answers a fault queued with Fail for an old-API path: HTTP
// Status when not 200, else errcode Code.
func oapiFault(w http.ResponseWriter, f Fault) {
	if f.Status != 0 && f.Status != 200 {
		http.Error(w, f.Message, f.Status)
		return
	}
	code, _ := strconv.Atoi(f.Code)
	oapiAnswer(w, code, f.Message, nil)
}

// getToken is GET /gettoken?appkey=&appsecret=; the tokens it issues are
// the new API's too (Expire drops both).
func (e *Emulator) getToken(w http.ResponseWriter, r *http.Request) {
	if f, ok := e.begin(PathGetToken); ok {
		oapiFault(w, f)
		return
	}
	q := r.URL.Query()
	if q.Get("appkey") != e.ClientID || q.Get("appsecret") != e.ClientSecret {
		oapiAnswer(w, 40089, "不合法的appKey或appSecret", nil)
		return
	}
	e.mu.Lock()
	e.nTok++
	tok := fmt.Sprintf("ot-%d", e.nTok)
	e.tokens[tok] = time.Now().Add(2 * time.Hour)
	e.mu.Unlock()
	oapiAnswer(w, 0, "ok", map[string]any{"access_token": tok, "expires_in": 7200})
}

// oapiAuthed checks the access_token query parameter.
func (e *Emulator) oapiAuthed(w http.ResponseWriter, r *http.Request) bool {
	e.mu.Lock()
	exp, ok := e.tokens[r.URL.Query().Get("access_token")]
	e.mu.Unlock()
	if !ok || time.Now().After(exp) {
		oapiAnswer(w, 40014, "不合法的access_token", nil)
		return false
	}
	return true
}

// listSub is POST /topapi/v2/department/listsub {dept_id}: the direct
// children of a department.
func (e *Emulator) listSub(w http.ResponseWriter, r *http.Request) {
	if f, ok := e.begin(PathListSub); ok {
		oapiFault(w, f)
		return
	}
	if !e.oapiAuthed(w, r) {
		return
	}
	var req struct {
		DeptID *int64 `json:"dept_id"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.DeptID == nil {
		oapiAnswer(w, 40035, "缺少参数 dept_id", nil)
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.deptExists(*req.DeptID) {
		oapiAnswer(w, 60003, "部门不存在", nil)
		return
	}
	result := []map[string]any{}
	for _, d := range e.contacts.depts {
		if d.ParentID == *req.DeptID {
			result = append(result, map[string]any{"dept_id": d.ID, "name": d.Name, "parent_id": d.ParentID,
				"create_dept_group": false, "auto_add_user": true})
		}
	}
	oapiAnswer(w, 0, "ok", map[string]any{"result": result})
}

func (e *Emulator) deptExists(id int64) bool {
	return id == 1 || slices.ContainsFunc(e.contacts.depts, func(d Department) bool { return d.ID == id })
}

// userList is POST /topapi/v2/user/list {dept_id, cursor, size}: the people
// directly in a department, a page at a time (size at most 100; cursor is
// the offset the previous page's next_cursor gave).
func (e *Emulator) userList(w http.ResponseWriter, r *http.Request) {
	if f, ok := e.begin(PathUserList); ok {
		oapiFault(w, f)
		return
	}
	if !e.oapiAuthed(w, r) {
		return
	}
	var req struct {
		DeptID *int64 `json:"dept_id"`
		Cursor *int64 `json:"cursor"`
		Size   *int   `json:"size"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.DeptID == nil || req.Cursor == nil || req.Size == nil {
		oapiAnswer(w, 40035, "缺少参数 dept_id, cursor 或 size", nil)
		return
	}
	if *req.Size < 1 || *req.Size > 100 || *req.Cursor < 0 {
		// The errcode DingTalk uses for a size over 100 is not documented
		// in PLATFORMS.md; 40035 is its generic bad-parameter code.
		oapiAnswer(w, 40035, "不合法的参数 size 或 cursor", nil)
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.deptExists(*req.DeptID) {
		oapiAnswer(w, 60003, "部门不存在", nil)
		return
	}
	var in []User
	for _, u := range e.contacts.users {
		if slices.Contains(u.DeptIDs, *req.DeptID) || (len(u.DeptIDs) == 0 && *req.DeptID == 1) {
			in = append(in, u)
		}
	}
	size := *req.Size
	if e.contacts.pageSize > 0 {
		size = min(size, e.contacts.pageSize)
	}
	from := int(min(*req.Cursor, int64(len(in))))
	to := min(from+size, len(in))
	list := []map[string]any{}
	for _, u := range in[from:to] {
		depts := u.DeptIDs
		if len(depts) == 0 {
			depts = []int64{1}
		}
		list = append(list, map[string]any{"userid": u.UserID, "unionid": "union_" + u.UserID, "name": u.Name,
			"dept_id_list": depts, "active": true, "admin": false, "boss": false, "leader": false})
	}
	result := map[string]any{"has_more": to < len(in), "list": list}
	if to < len(in) {
		result["next_cursor"] = to
	}
	oapiAnswer(w, 0, "ok", map[string]any{"result": result})
}
