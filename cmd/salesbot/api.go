package main

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/salesbot/salesbot/domain"
	"github.com/salesbot/salesbot/handlers"
)

// The read API (DESIGN §5): GET /api/v1/{followups,collections,tasks,
// targets,progress} for BI tools, authorised by "Authorization: Bearer
// <api.token>". The lists are the rows of "salesbot export" as JSON
// objects (same keys), newest first as exported, paged with limit/offset;
// progress is the figures behind the progress cards. With api.token empty
// the API is off and every path under it answers 404.

const (
	apiDefaultLimit = 500
	apiMaxLimit     = 5000
)

// apiError is the body of every API error.
type apiError struct {
	Error string `json:"error"`
}

func (m *Main) routeAPI(mux *http.ServeMux) {
	token := m.Config.API.Token
	if token == "" {
		mux.HandleFunc("/api/v1/", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusNotFound, apiError{"the read API is disabled: set api.token (SALESBOT_API_TOKEN) to enable it"})
		})
		return
	}
	// The token is compared as a SHA-256 sum, so that the time taken says
	// nothing about its length either.
	want := sha256.Sum256([]byte(token))
	auth := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			scheme, got, _ := strings.Cut(r.Header.Get("Authorization"), " ")
			sum := sha256.Sum256([]byte(strings.TrimSpace(got)))
			// The scheme is case-insensitive (RFC 9110 §11.1).
			if !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="salesbot"`)
				writeJSON(w, http.StatusUnauthorized, apiError{"missing or wrong bearer token"})
				return
			}
			h(w, r)
		}
	}
	lists := []string{"followups", "collections", "tasks", "targets"}
	for _, what := range lists {
		mux.HandleFunc("GET /api/v1/"+what, auth(func(w http.ResponseWriter, r *http.Request) { m.apiList(w, r, what) }))
	}
	mux.HandleFunc("GET /api/v1/progress", auth(m.apiProgress))
	mux.HandleFunc("/api/v1/", auth(func(w http.ResponseWriter, r *http.Request) {
		if name := strings.TrimPrefix(r.URL.Path, "/api/v1/"); slices.Contains(lists, name) || name == "progress" {
			w.Header().Set("Allow", "GET, HEAD")
			writeJSON(w, http.StatusMethodNotAllowed, apiError{"the read API only reads: use GET"})
			return
		}
		writeJSON(w, http.StatusNotFound, apiError{"no such API: try /api/v1/followups, collections, tasks, targets or progress"})
	}))
}

// apiList serves one export as {"items":[…],"total","limit","offset"}.
func (m *Main) apiList(w http.ResponseWriter, r *http.Request, what string) {
	q := r.URL.Query()
	loc := m.tenantLocation()
	var since time.Time
	if s := q.Get("since"); s != "" {
		var err error
		if since, err = time.ParseInLocation(time.DateOnly, s, loc); err != nil {
			writeJSON(w, http.StatusBadRequest, apiError{"since must be a day, YYYY-MM-DD, got " + strconv.Quote(s)})
			return
		}
	}
	limit, err := queryInt(q.Get("limit"), apiDefaultLimit, 1, apiMaxLimit)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{"limit: " + err.Error()})
		return
	}
	offset, err := queryInt(q.Get("offset"), 0, 0, 1<<31-1)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{"offset: " + err.Error()})
		return
	}
	all := false
	if s := q.Get("all"); s != "" {
		if all, err = strconv.ParseBool(s); err != nil || what != "followups" {
			writeJSON(w, http.StatusBadRequest, apiError{"all is true or false, for followups only"})
			return
		}
	}
	tbl, err := exportTable(r.Context(), m.Store, m.Tenant.ID, what, since, loc, all)
	if err != nil {
		m.Log.Error("read API", "path", r.URL.Path, "err", err)
		writeJSON(w, http.StatusInternalServerError, apiError{"could not read " + what})
		return
	}
	items := make([]map[string]any, 0, min(limit, max(len(tbl.rows)-offset, 0)))
	for i := offset; i < len(tbl.rows) && len(items) < limit; i++ {
		obj := make(map[string]any, len(tbl.columns))
		for j, c := range tbl.columns {
			obj[c] = tbl.rows[i][j]
		}
		items = append(items, obj)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "total": len(tbl.rows), "limit": limit, "offset": offset})
}

// apiProgress serves handlers.ProgressFigures of ?period= (2026-11,
// 2026-Q4, 2026; default this month) as of ?as_of= (a day; default today).
func (m *Main) apiProgress(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	loc := m.tenantLocation()
	asOf := m.Now().In(loc)
	if s := q.Get("as_of"); s != "" {
		d, err := time.ParseInLocation(time.DateOnly, s, loc)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, apiError{"as_of must be a day, YYYY-MM-DD, got " + strconv.Quote(s)})
			return
		}
		asOf = d.Add(12 * time.Hour)
	}
	period := domain.MonthOf(asOf)
	if s := q.Get("period"); s != "" {
		p, err := domain.ParsePeriod(s)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, apiError{"period must be YYYY-MM, YYYY-Qn or YYYY, got " + strconv.Quote(s)})
			return
		}
		period = p
	}
	rep, err := handlers.ProgressFigures(r.Context(), m.Store, m.calendar(), m.Tenant.ID, period, asOf)
	if err != nil {
		m.Log.Error("read API", "path", r.URL.Path, "err", err)
		writeJSON(w, http.StatusInternalServerError, apiError{"could not compute progress"})
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

// queryInt reads an optional integer query parameter within [lo, hi].
func queryInt(s string, def, lo, hi int) (int, error) {
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, errors.New("want a whole number from " + strconv.Itoa(lo) + " to " + strconv.Itoa(hi) + ", got " + strconv.Quote(s))
	}
	return n, nil
}
