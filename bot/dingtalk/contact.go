package dingtalk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Department is a department as DingTalk's contact API describes it.
type Department struct {
	ID       int64  `json:"dept_id"`
	ParentID int64  `json:"parent_id"`
	Name     string `json:"name"`
}

// User is a person as DingTalk's contact API describes them: UserID is the
// staffId that robot messages carry as senderStaffId.
type User struct {
	UserID  string  `json:"userid"`
	Name    string  `json:"name"`
	DeptIDs []int64 `json:"dept_id_list"`
}

// Directory is the company's departments and people as the app sees them.
type Directory struct {
	// Departments are listed parents first, without the root.
	Departments []Department
	// Users are each listed once, with every department they are in.
	Users []User
}

// RootDepartment is the id of the company's root department.
const RootDepartment int64 = 1

// userPageSize is user/list's largest page.
const userPageSize = 100

// maxContactCalls bounds one directory walk, against a server that never
// stops answering has_more or a department tree with a cycle.
const maxContactCalls = 100000

// Contact API errcodes meaning the access_token is no good.
var tokenRefused = []int{40014, 42001}

// Directory walks the department tree from the root, breadth first
// (POST /topapi/v2/department/listsub), and lists the people of the root
// and of every department (POST /topapi/v2/user/list, all pages), on the
// old API with a token from GET /gettoken. The app needs read permission
// for departments and members (权限管理 → 通讯录), and sees only the
// departments in its contact scope.
func (a *Adapter) Directory(ctx context.Context) (Directory, error) {
	c := &contactClient{a: a}
	var dir Directory
	seen := map[int64]bool{RootDepartment: true}
	queue := []int64{RootDepartment}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		var subs []Department
		if err := c.call(ctx, "/topapi/v2/department/listsub", map[string]any{"dept_id": id}, &subs); err != nil {
			return Directory{}, fmt.Errorf("dingtalk departments under %d: %w", id, err)
		}
		for _, d := range subs {
			if d.ID == 0 || seen[d.ID] {
				continue
			}
			if d.ParentID == 0 {
				d.ParentID = id
			}
			seen[d.ID] = true
			dir.Departments = append(dir.Departments, d)
			queue = append(queue, d.ID)
		}
	}
	byID := map[string]int{}
	depts := []int64{RootDepartment}
	for _, d := range dir.Departments {
		depts = append(depts, d.ID)
	}
	for _, dept := range depts {
		users, err := c.departmentUsers(ctx, dept)
		if err != nil {
			return Directory{}, fmt.Errorf("dingtalk users of department %d: %w", dept, err)
		}
		for _, u := range users {
			if u.UserID == "" {
				continue
			}
			if len(u.DeptIDs) == 0 {
				u.DeptIDs = []int64{dept}
			}
			if i, ok := byID[u.UserID]; ok {
				for _, d := range u.DeptIDs {
					if !slices.Contains(dir.Users[i].DeptIDs, d) {
						dir.Users[i].DeptIDs = append(dir.Users[i].DeptIDs, d)
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

// contactClient calls the old API for one directory walk: the token is
// fetched once and again only when DingTalk refuses it.
type contactClient struct {
	a     *Adapter
	token string
	calls int
}

// departmentUsers lists the people directly in a department, all pages.
func (c *contactClient) departmentUsers(ctx context.Context, dept int64) ([]User, error) {
	var out []User
	cursor := int64(0)
	for {
		var page struct {
			HasMore    bool   `json:"has_more"`
			NextCursor int64  `json:"next_cursor"`
			List       []User `json:"list"`
		}
		req := map[string]any{"dept_id": dept, "cursor": cursor, "size": userPageSize, "contain_access_limit": false}
		if err := c.call(ctx, "/topapi/v2/user/list", req, &page); err != nil {
			return nil, err
		}
		out = append(out, page.List...)
		if !page.HasMore {
			return out, nil
		}
		if page.NextCursor <= cursor {
			return nil, fmt.Errorf("next_cursor %d does not advance past %d", page.NextCursor, cursor)
		}
		cursor = page.NextCursor
	}
}

// oapiError is an old-API answer with a nonzero errcode.
type oapiError struct {
	Code int
	Msg  string
}

func (e *oapiError) Error() string { return fmt.Sprintf("errcode %d: %s", e.Code, e.Msg) }

// call POSTs a topapi method with the access_token and decodes its result;
// a refused token is replaced once.
func (c *contactClient) call(ctx context.Context, path string, req, result any) error {
	for retried := false; ; retried = true {
		if c.token == "" {
			tok, err := c.fetchToken(ctx)
			if err != nil {
				return err
			}
			c.token = tok
		}
		var resp struct {
			ErrCode int             `json:"errcode"`
			ErrMsg  string          `json:"errmsg"`
			Result  json.RawMessage `json:"result"`
		}
		err := c.do(ctx, http.MethodPost, path+"?"+url.Values{"access_token": {c.token}}.Encode(), req, &resp)
		if err != nil {
			return err
		}
		if resp.ErrCode != 0 {
			if !retried && slices.Contains(tokenRefused, resp.ErrCode) {
				c.token = ""
				continue
			}
			return &oapiError{resp.ErrCode, resp.ErrMsg}
		}
		if err := json.Unmarshal(resp.Result, result); err != nil {
			return fmt.Errorf("%s: result: %w", path, err)
		}
		return nil
	}
}

// fetchToken asks GET /gettoken for an access_token.
func (c *contactClient) fetchToken(ctx context.Context) (string, error) {
	var resp struct {
		ErrCode     int    `json:"errcode"`
		ErrMsg      string `json:"errmsg"`
		AccessToken string `json:"access_token"`
	}
	q := url.Values{"appkey": {c.a.cfg.ClientID}, "appsecret": {c.a.cfg.ClientSecret}}
	if err := c.do(ctx, http.MethodGet, "/gettoken?"+q.Encode(), nil, &resp); err != nil {
		return "", err
	}
	if resp.ErrCode != 0 {
		return "", fmt.Errorf("dingtalk gettoken: %w", &oapiError{resp.ErrCode, resp.ErrMsg})
	}
	if resp.AccessToken == "" {
		return "", errors.New("dingtalk gettoken: no access_token in the answer")
	}
	return resp.AccessToken, nil
}

// do sends one request to the old API and decodes the JSON answer. The
// URL carries the token or the app secret, so no error may quote it.
func (c *contactClient) do(ctx context.Context, method, pathQuery string, req, resp any) error {
	if c.calls++; c.calls > maxContactCalls {
		return errors.New("too many contact API calls")
	}
	path, _, _ := strings.Cut(pathQuery, "?")
	var body io.Reader
	if req != nil {
		data, err := json.Marshal(req)
		if err != nil {
			return err
		}
		body = bytes.NewReader(data)
	}
	hr, err := http.NewRequestWithContext(ctx, method, c.a.cfg.OAPIBaseURL+pathQuery, body)
	if err != nil {
		return fmt.Errorf("%s: bad URL", path)
	}
	if req != nil {
		hr.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	res, err := c.a.hc.Do(hr)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("%s: %w", path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("%s: HTTP %d", path, res.StatusCode)
	}
	if err := json.Unmarshal(data, resp); err != nil {
		return fmt.Errorf("%s: answer is not JSON: %w", path, err)
	}
	return nil
}

// DeptID formats a department id as the rest of salesbot keeps ids.
func DeptID(id int64) string { return strconv.FormatInt(id, 10) }
