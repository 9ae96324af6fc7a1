package lark

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	larkcore "github.com/larksuite/oapi-sdk-go/v3/core"
)

// nameLookupTimeout bounds the contact API call made on first sight of a
// user, so the callback is still answered well within Lark's 3 s.
const nameLookupTimeout = time.Second

// maxNames bounds the name cache; it is cleared when full.
const maxNames = 10000

// userName returns a user's display name from the contact API (scope
// contact:user.base:readonly), cached per open_id. Message events carry only
// ids, and the kernel registers an unknown sender under this name. A failed
// look-up returns "" and is tried again next time.
func (a *Adapter) userName(ctx context.Context, openID string) string {
	a.namesMu.Lock()
	name, ok := a.names[openID]
	a.namesMu.Unlock()
	if ok {
		return name
	}
	ctx, cancel := context.WithTimeout(ctx, nameLookupTimeout)
	defer cancel()
	u, err := a.User(ctx, openID)
	if err != nil {
		a.log.WarnContext(ctx, "lark user look-up failed", "open_id", openID, "err", err)
		return ""
	}
	a.namesMu.Lock()
	if len(a.names) >= maxNames {
		a.names = map[string]string{}
	}
	a.names[openID] = u.Name
	a.namesMu.Unlock()
	return u.Name
}

// User is a person as Lark's contact API describes them.
type User struct {
	OpenID        string   `json:"open_id"`
	Name          string   `json:"name"`
	DepartmentIDs []string `json:"department_ids"`
}

// User looks up a user by open_id in the contact API.
func (a *Adapter) User(ctx context.Context, openID string) (User, error) {
	tok, err := a.tokens.Get(ctx)
	if err != nil {
		return User{}, err
	}
	path := "/open-apis/contact/v3/users/" + url.PathEscape(openID)
	resp, err := a.client.Get(ctx, path, nil, larkcore.AccessTokenTypeTenant, larkcore.WithTenantAccessToken(tok))
	if err != nil {
		return User{}, err
	}
	var body struct {
		larkcore.CodeError
		Data struct {
			User User `json:"user"`
		} `json:"data"`
	}
	if err := json.Unmarshal(resp.RawBody, &body); err != nil {
		return User{}, err
	}
	if body.Code != 0 {
		if body.Code == codeTokenInvalid {
			a.tokens.Evict(tok)
		}
		return User{}, body.CodeError
	}
	return body.Data.User, nil
}

// Department is a department as Lark's contact API describes it, with
// open_department_id ids ("0" is the root).
type Department struct {
	ID       string `json:"open_department_id"`
	ParentID string `json:"parent_department_id"`
	Name     string `json:"name"`
}

// RootDepartment is the id of the tenant's root department.
const RootDepartment = "0"

// contactPageSize is the contact API's largest page.
const contactPageSize = 50

// maxContactPages bounds one listing, against a server that never stops
// answering has_more.
const maxContactPages = 10000

// SubDepartments lists the direct children of a department
// (GET /open-apis/contact/v3/departments/:department_id/children), all
// pages. Scope contact:department.base:readonly.
func (a *Adapter) SubDepartments(ctx context.Context, parentID string) ([]Department, error) {
	var out []Department
	err := a.contactPages(ctx, "/open-apis/contact/v3/departments/"+url.PathEscape(parentID)+"/children",
		map[string]string{"department_id_type": "open_department_id", "user_id_type": "open_id", "fetch_child": "false"},
		func(raw json.RawMessage) error {
			var items []Department
			if err := json.Unmarshal(raw, &items); err != nil {
				return err
			}
			for _, d := range items {
				if d.ParentID == "" {
					d.ParentID = parentID
				}
				out = append(out, d)
			}
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("lark departments under %s: %w", parentID, err)
	}
	return out, nil
}

// DepartmentUsers lists the people directly in a department
// (GET /open-apis/contact/v3/users/find_by_department), all pages. Scopes
// contact:user.base:readonly and contact:contact.base:readonly.
func (a *Adapter) DepartmentUsers(ctx context.Context, departmentID string) ([]User, error) {
	var out []User
	err := a.contactPages(ctx, "/open-apis/contact/v3/users/find_by_department",
		map[string]string{"department_id": departmentID, "department_id_type": "open_department_id", "user_id_type": "open_id"},
		func(raw json.RawMessage) error {
			var items []User
			if err := json.Unmarshal(raw, &items); err != nil {
				return err
			}
			out = append(out, items...)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("lark users of department %s: %w", departmentID, err)
	}
	return out, nil
}

// Directory is the tenant's departments and people as the app sees them.
type Directory struct {
	// Departments are listed parents first.
	Departments []Department
	// Users are each listed once, with every department they are in.
	Users []User
}

// Directory walks the department tree from the root, breadth first, and
// lists the people of the root and of every department.
func (a *Adapter) Directory(ctx context.Context) (Directory, error) {
	var dir Directory
	seenDept := map[string]bool{RootDepartment: true}
	queue := []string{RootDepartment}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		subs, err := a.SubDepartments(ctx, id)
		if err != nil {
			return Directory{}, err
		}
		for _, d := range subs {
			if d.ID == "" || seenDept[d.ID] {
				continue
			}
			seenDept[d.ID] = true
			dir.Departments = append(dir.Departments, d)
			queue = append(queue, d.ID)
		}
	}
	byID := map[string]int{}
	for _, dept := range append([]string{RootDepartment}, departmentIDs(dir.Departments)...) {
		users, err := a.DepartmentUsers(ctx, dept)
		if err != nil {
			return Directory{}, err
		}
		for _, u := range users {
			if u.OpenID == "" {
				continue
			}
			if len(u.DepartmentIDs) == 0 {
				u.DepartmentIDs = []string{dept}
			}
			if i, ok := byID[u.OpenID]; ok {
				dir.Users[i].DepartmentIDs = mergeIDs(dir.Users[i].DepartmentIDs, u.DepartmentIDs)
				continue
			}
			byID[u.OpenID] = len(dir.Users)
			dir.Users = append(dir.Users, u)
		}
	}
	return dir, nil
}

func departmentIDs(ds []Department) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.ID
	}
	return out
}

func mergeIDs(a, b []string) []string {
	for _, x := range b {
		if !slices.Contains(a, x) {
			a = append(a, x)
		}
	}
	return a
}

// contactPages GETs every page of a contact API listing (page_size,
// page_token, has_more) and hands each page's items to fn. An invalid
// token is evicted and the page fetched again once.
func (a *Adapter) contactPages(ctx context.Context, path string, query map[string]string, fn func(items json.RawMessage) error) error {
	pageToken := ""
	retried := false
	for page := 0; page < maxContactPages; page++ {
		tok, err := a.tokens.Get(ctx)
		if err != nil {
			return err
		}
		q := larkcore.QueryParams{}
		for k, v := range query {
			q.Set(k, v)
		}
		q.Set("page_size", strconv.Itoa(contactPageSize))
		if pageToken != "" {
			q.Set("page_token", pageToken)
		}
		resp, err := a.client.Do(ctx, &larkcore.ApiReq{
			HttpMethod: http.MethodGet, ApiPath: path, QueryParams: q,
			SupportedAccessTokenTypes: []larkcore.AccessTokenType{larkcore.AccessTokenTypeTenant},
		}, larkcore.WithTenantAccessToken(tok))
		if err != nil {
			return err
		}
		var body struct {
			larkcore.CodeError
			Data struct {
				HasMore   bool            `json:"has_more"`
				PageToken string          `json:"page_token"`
				Items     json.RawMessage `json:"items"`
			} `json:"data"`
		}
		if err := json.Unmarshal(resp.RawBody, &body); err != nil {
			return fmt.Errorf("HTTP %d: %w", resp.StatusCode, err)
		}
		if body.Code != 0 {
			if body.Code == codeTokenInvalid && !retried {
				a.tokens.Evict(tok)
				retried = true
				page--
				continue
			}
			return body.CodeError
		}
		retried = false
		if len(body.Data.Items) > 0 && string(body.Data.Items) != "null" {
			if err := fn(body.Data.Items); err != nil {
				return err
			}
		}
		if !body.Data.HasMore || body.Data.PageToken == "" {
			return nil
		}
		pageToken = body.Data.PageToken
	}
	return errors.New("too many pages")
}
