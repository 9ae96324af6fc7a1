package lark

import (
	"context"
	"encoding/json"
	"net/url"
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
	tok, err := a.tokens.get(ctx)
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
			a.tokens.evict(tok)
		}
		return User{}, body.CodeError
	}
	return body.Data.User, nil
}
