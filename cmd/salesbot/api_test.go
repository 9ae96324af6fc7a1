package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/salesbot/salesbot/domain"
	"github.com/salesbot/salesbot/storage"
)

// apiGet calls the read API with a bearer token ("" for none).
func (tm *testMain) apiGet(t *testing.T, path, token string) (int, http.Header, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", tm.url+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, data
}

type apiList struct {
	Items  []map[string]any `json:"items"`
	Total  int              `json:"total"`
	Limit  int              `json:"limit"`
	Offset int              `json:"offset"`
}

func TestReadAPIDisabledWithoutToken(t *testing.T) {
	tm := startMain(t, "", true)
	code, _, body := tm.apiGet(t, "/api/v1/followups", "anything")
	if code != http.StatusNotFound || !strings.Contains(string(body), "api.token") {
		t.Errorf("API without api.token: %d %s, want 404 saying how to enable it", code, body)
	}
}

func TestReadAPI(t *testing.T) {
	const token = "s3cret-token"
	tm := startMainWith(t, "", true, func(m *Main) { m.Config.API.Token = token })
	ctx := t.Context()

	// Authorisation.
	for _, tok := range []string{"", "wrong", token + "x"} {
		code, h, body := tm.apiGet(t, "/api/v1/followups", tok)
		if code != http.StatusUnauthorized || !strings.HasPrefix(h.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("token %q: %d %s (WWW-Authenticate %q), want 401", tok, code, body, h.Get("WWW-Authenticate"))
		}
	}

	// The scheme is case-insensitive (RFC 9110 §11.1), as some BI tools
	// send "bearer".
	req, _ := http.NewRequest("GET", tm.url+"/api/v1/tasks", nil)
	req.Header.Set("Authorization", "bearer "+token)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("lower-case bearer: %v, %v; want 200", resp, err)
	} else {
		resp.Body.Close()
	}

	get := func(path string) apiList {
		t.Helper()
		code, _, body := tm.apiGet(t, path, token)
		if code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, code, body)
		}
		var l apiList
		if err := json.Unmarshal(body, &l); err != nil {
			t.Fatalf("GET %s: %v in %s", path, err, body)
		}
		return l
	}

	// The follow-ups are the store's active ones, as "salesbot export" has them.
	fus, err := tm.Store.FollowUps(ctx, storage.FollowUpFilter{Tenant: tm.Tenant.ID, Status: domain.FollowUpActive})
	if err != nil {
		t.Fatal(err)
	}
	all := get("/api/v1/followups?limit=5000")
	if all.Total != len(fus) || len(all.Items) != len(fus) || len(fus) < 100 {
		t.Fatalf("followups: total %d, %d items; the store has %d", all.Total, len(all.Items), len(fus))
	}
	for _, k := range []string{"id", "member", "customer", "activity", "stage", "text", "created_at"} {
		if _, ok := all.Items[0][k]; !ok {
			t.Errorf("a follow-up lacks %q: %v", k, all.Items[0])
		}
	}
	page := get("/api/v1/followups?limit=5&offset=5")
	if page.Total != all.Total || len(page.Items) != 5 || page.Items[0]["id"] != all.Items[5]["id"] || page.Items[4]["id"] != all.Items[9]["id"] {
		t.Errorf("page 2 of 5: %+v", page)
	}
	if l := get("/api/v1/followups"); l.Limit != apiDefaultLimit || len(l.Items) != min(apiDefaultLimit, all.Total) {
		t.Errorf("default limit: %d items, limit %d", len(l.Items), l.Limit)
	}

	// What a rep logs in chat is there at once.
	rep := tm.member(t, "sales")
	tm.say(t, tm.teamChat(t, rep), rep.ID, "今天拜访了星河科技张总,报价50万,下周三再约")
	today := tm.Now().In(tm.tenantLocation()).Format(time.DateOnly)
	var fresh apiList
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if fresh = get("/api/v1/followups?since=" + today); fresh.Total > 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	found := false
	for _, it := range fresh.Items {
		found = found || (it["member"] == rep.Name && it["customer"] == "星河科技" && it["amount"] == 500000.0)
	}
	if !found {
		t.Errorf("the follow-up just logged is not in /api/v1/followups?since=%s: %+v", today, fresh.Items)
	}

	for _, what := range []string{"collections", "tasks", "targets"} {
		if l := get("/api/v1/" + what); l.Total == 0 || len(l.Items) == 0 {
			t.Errorf("%s: empty on the demo company", what)
		}
	}

	// Progress: the figures behind the cards, consistent with themselves.
	code, _, body := tm.apiGet(t, "/api/v1/progress?period="+tm.Now().In(tm.tenantLocation()).Format("2006-01"), token)
	if code != http.StatusOK {
		t.Fatalf("progress: %d %s", code, body)
	}
	var rep2 struct {
		Period          string `json:"period"`
		WorkdaysTotal   int    `json:"workdays_total"`
		WorkdaysElapsed int    `json:"workdays_elapsed"`
		Teams           []struct {
			Name     string `json:"name"`
			ParentID string `json:"parent_id"`
			Metrics  map[string]struct {
				Actual float64 `json:"actual"`
				Target float64 `json:"target"`
				Status string  `json:"status"`
			} `json:"metrics"`
			Members []struct {
				Name    string `json:"name"`
				Metrics map[string]struct {
					Actual float64 `json:"actual"`
				} `json:"metrics"`
			} `json:"members"`
		} `json:"teams"`
	}
	if err := json.Unmarshal(body, &rep2); err != nil {
		t.Fatal(err)
	}
	if rep2.WorkdaysTotal < 15 || rep2.WorkdaysElapsed > rep2.WorkdaysTotal || len(rep2.Teams) < 3 {
		t.Fatalf("progress: %s", body)
	}
	leaves := 0
	for _, tr := range rep2.Teams {
		if tr.ParentID == "" || len(tr.Members) == 0 {
			continue
		}
		leaves++
		var sum float64
		for _, mb := range tr.Members {
			sum += mb.Metrics["followups"].Actual
		}
		if got := tr.Metrics["followups"].Actual; got != sum || got == 0 {
			t.Errorf("%s: team follow-ups %v, its members' sum %v", tr.Name, got, sum)
		}
		if tr.Metrics["signed"].Target == 0 || tr.Metrics["signed"].Status == "no_target" {
			t.Errorf("%s: the demo's signed target is missing: %+v", tr.Name, tr.Metrics["signed"])
		}
	}
	if leaves == 0 {
		t.Errorf("no sales team with members in %s", body)
	}

	// Bad requests say what is wrong.
	for path, want := range map[string]int{
		"/api/v1/followups?since=yesterday": 400,
		"/api/v1/followups?limit=0":         400,
		"/api/v1/followups?offset=-1":       400,
		"/api/v1/tasks?all=true":            400,
		"/api/v1/progress?period=2026-13":   400,
		"/api/v1/progress?as_of=11/27":      400,
		"/api/v1/customers":                 404,
	} {
		code, _, body := tm.apiGet(t, path, token)
		var e apiError
		if code != want || json.Unmarshal(body, &e) != nil || e.Error == "" {
			t.Errorf("GET %s: %d %s, want %d with an error message", path, code, body, want)
		}
	}
	req, _ = http.NewRequest("POST", tm.url+"/api/v1/followups", strings.NewReader("{}"))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") == "" {
		t.Errorf("POST /api/v1/followups: %d (Allow %q), want 405", resp.StatusCode, resp.Header.Get("Allow"))
	}
}
