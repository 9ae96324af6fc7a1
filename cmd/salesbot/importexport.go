package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/salesbot/salesbot/config"
	"github.com/salesbot/salesbot/domain"
	"github.com/salesbot/salesbot/storage"
)

// openForCLI opens the configured database for a one-shot command, bringing
// the schema up to date and creating the tenant on a fresh database.
func openForCLI(ctx context.Context, env *cliEnv, cfgPath string) (*storage.Store, domain.Tenant, *config.Config, error) {
	cfg, err := loadConfig(cfgPath)
	if err != nil {
		return nil, domain.Tenant{}, nil, err
	}
	st, err := storage.Open(ctx, cfg.Database.Driver, cfg.Database.DSN, newLogger(cfg, env.stderr))
	if err != nil {
		return nil, domain.Tenant{}, nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, domain.Tenant{}, nil, fmt.Errorf("migrate: %w", err)
	}
	name := cfg.Company
	if name == "" {
		name = "我的公司"
	}
	tenant, err := st.EnsureTenant(ctx, name, cfg.Timezone)
	if err != nil {
		st.Close()
		return nil, domain.Tenant{}, nil, err
	}
	return st, tenant, cfg, nil
}

func runImport(ctx context.Context, env *cliEnv, args []string) error {
	fs, cfgPath := newFlags("import", env)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 || (pos[0] != "org" && pos[0] != "customers" && pos[0] != "targets") {
		return fmt.Errorf("%w: want org|customers|targets FILE.csv", errUsage)
	}
	f, err := os.Open(pos[1])
	if err != nil {
		return err
	}
	defer f.Close()
	records, err := readCSV(f)
	if err != nil {
		return fmt.Errorf("%s: %w", pos[1], err)
	}
	st, tenant, _, err := openForCLI(ctx, env, *cfgPath)
	if err != nil {
		return err
	}
	defer st.Close()

	var res storage.ImportResult
	var bad []rowProblem
	switch pos[0] {
	case "org":
		rows, problems := orgRows(ctx, st, tenant.ID, records)
		if bad = problems; len(bad) == 0 {
			res, err = st.ImportOrg(ctx, tenant.ID, rows)
		}
	case "customers":
		rows, problems := customerRows(ctx, st, tenant.ID, records)
		if bad = problems; len(bad) == 0 {
			res, err = st.ImportCustomers(ctx, tenant.ID, rows)
		}
	case "targets":
		rows, problems, warnings := targetRows(ctx, st, tenant.ID, records)
		if bad = problems; len(bad) == 0 {
			for _, w := range warnings {
				fmt.Fprintf(env.stderr, "%s: warning: %s\n", pos[1], w)
			}
			res, err = st.ImportTargets(ctx, tenant.ID, rows)
		}
	}
	if len(bad) > 0 {
		for _, p := range bad {
			fmt.Fprintf(env.stderr, "%s:%d: %s\n", pos[1], p.line, p.reason)
		}
		return fmt.Errorf("%d bad row(s) in %s; nothing imported", len(bad), pos[1])
	}
	if err != nil {
		return fmt.Errorf("nothing imported: %w", err)
	}
	fmt.Fprintf(env.stdout, "imported %s from %s: %d created, %d updated\n", pos[0], pos[1], res.Created, res.Updated)
	return nil
}

// csvRecord is one data row of a CSV file, by header name, with its line.
type csvRecord struct {
	line   int
	fields map[string]string
}

type rowProblem struct {
	line   int
	reason string
}

// readCSV reads a CSV file with a header row (an Excel BOM is skipped).
func readCSV(r io.Reader) ([]csvRecord, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("empty file: want a header row")
		}
		return nil, err
	}
	for i := range header {
		header[i] = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(header[i], "\ufeff")))
	}
	var out []csvRecord
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return nil, err
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		fields := map[string]string{}
		for i, v := range rec {
			if i < len(header) {
				fields[header[i]] = strings.TrimSpace(v)
			}
		}
		out = append(out, csvRecord{line: line, fields: fields})
	}
}

// orgRows checks every row of an org file and converts the good ones.
func orgRows(ctx context.Context, st *storage.Store, tenant string, recs []csvRecord) ([]storage.OrgRow, []rowProblem) {
	var rows []storage.OrgRow
	var bad []rowProblem
	names := map[string]int{}
	for _, r := range recs {
		if name := r.fields["name"]; name != "" {
			if _, dup := names[name]; !dup {
				names[name] = r.line
			}
		}
	}
	seenID := map[string]int{}
	seenName := map[string]int{}
	for _, r := range recs {
		f := r.fields
		var why []string
		if f["name"] == "" {
			why = append(why, "name is empty")
		} else if prev, dup := seenName[f["name"]]; dup {
			why = append(why, fmt.Sprintf("name %q already on line %d", f["name"], prev))
		} else {
			seenName[f["name"]] = r.line
		}
		role, err := domain.ParseRole(f["role"])
		if err != nil {
			why = append(why, fmt.Sprintf("role %q is not one of sales, presales, finance, manager, admin", f["role"]))
		}
		if mgr := f["manager"]; mgr != "" {
			if _, inFile := names[mgr]; !inFile {
				if ms, err := st.MembersByName(ctx, tenant, mgr); err != nil || len(ms) != 1 {
					why = append(why, fmt.Sprintf("manager %q is neither in the file nor a known member", mgr))
				}
			}
			if mgr == f["name"] {
				why = append(why, "a member cannot be their own manager")
			}
		}
		row := storage.OrgRow{Name: f["name"], Role: role, Team: f["team"], Manager: f["manager"]}
		for _, p := range []string{"lark", "wecom", "dingtalk"} {
			id := f[p+"_user_id"]
			if id == "" {
				continue
			}
			key := p + ":" + id
			if prev, dup := seenID[key]; dup {
				why = append(why, fmt.Sprintf("%s_user_id %q already on line %d", p, id, prev))
			}
			seenID[key] = r.line
			row.Identities = append(row.Identities, domain.Identity{Platform: p, UserID: id, Name: f["name"]})
		}
		if len(why) > 0 {
			bad = append(bad, rowProblem{r.line, strings.Join(why, "; ")})
			continue
		}
		rows = append(rows, row)
	}
	if len(recs) == 0 {
		bad = append(bad, rowProblem{1, "no rows after the header"})
	}
	return rows, bad
}

// customerRows checks every row of a customers file and converts the good
// ones. Alias separators: | ; 、 and full-width ;.
func customerRows(ctx context.Context, st *storage.Store, tenant string, recs []csvRecord) ([]storage.CustomerRow, []rowProblem) {
	var rows []storage.CustomerRow
	var bad []rowProblem
	taken := map[string]int{} // name or alias → line
	for _, r := range recs {
		f := r.fields
		var why []string
		if f["name"] == "" {
			why = append(why, "name is empty")
		} else if utf8Len(f["name"]) > 100 {
			why = append(why, "name is longer than 100 characters")
		}
		aliases := strings.FieldsFunc(f["aliases"], func(r rune) bool { return strings.ContainsRune("|;、;,", r) })
		for i := range aliases {
			aliases[i] = strings.TrimSpace(aliases[i])
		}
		for _, n := range append([]string{f["name"]}, aliases...) {
			if n == "" {
				continue
			}
			if prev, dup := taken[n]; dup {
				why = append(why, fmt.Sprintf("%q already used on line %d", n, prev))
				continue
			}
			taken[n] = r.line
			if n != f["name"] {
				if c, err := st.CustomerByName(ctx, tenant, n); err == nil && c.Name != f["name"] {
					why = append(why, fmt.Sprintf("alias %q already belongs to customer %s", n, c.Name))
				}
			}
		}
		if owner := f["owner"]; owner != "" {
			if ms, err := st.MembersByName(ctx, tenant, owner); err != nil || len(ms) != 1 {
				why = append(why, fmt.Sprintf("owner %q is not a known member (import org first)", owner))
			}
		}
		if len(why) > 0 {
			bad = append(bad, rowProblem{r.line, strings.Join(why, "; ")})
			continue
		}
		rows = append(rows, storage.CustomerRow{Name: f["name"], Aliases: aliases, Owner: f["owner"]})
	}
	if len(recs) == 0 {
		bad = append(bad, rowProblem{1, "no rows after the header"})
	}
	return rows, bad
}

func utf8Len(s string) int { return len([]rune(s)) }

func runExport(ctx context.Context, env *cliEnv, args []string) error {
	fs, cfgPath := newFlags("export", env)
	since := fs.String("since", "", "only records created on or after this day (YYYY-MM-DD)")
	format := fs.String("format", "csv", "csv or jsonl")
	all := fs.Bool("all", false, "followups: include undone follow-ups (with status undone)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("%w: want followups|collections|tasks|targets", errUsage)
	}
	if *format != "csv" && *format != "jsonl" {
		return fmt.Errorf("%w: --format must be csv or jsonl, got %q", errUsage, *format)
	}
	st, tenant, cfg, err := openForCLI(ctx, env, *cfgPath)
	if err != nil {
		return err
	}
	defer st.Close()
	loc := cfg.Location()
	var from time.Time
	if *since != "" {
		if from, err = time.ParseInLocation(time.DateOnly, *since, loc); err != nil {
			return fmt.Errorf("%w: --since must be YYYY-MM-DD, got %q", errUsage, *since)
		}
	}
	tbl, err := exportTable(ctx, st, tenant.ID, pos[0], from, loc, *all)
	if err != nil {
		return err
	}
	if *format == "jsonl" {
		return tbl.writeJSONL(env.stdout)
	}
	return tbl.writeCSV(env.stdout)
}

// table is an export: column names and rows of values.
type table struct {
	columns []string
	rows    [][]any
}

func (t *table) writeCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	_ = cw.Write(t.columns)
	rec := make([]string, len(t.columns))
	for _, r := range t.rows {
		for i, v := range r {
			switch v := v.(type) {
			case nil:
				rec[i] = ""
			case float64:
				rec[i] = strconv.FormatFloat(v, 'f', -1, 64)
			default:
				rec[i] = fmt.Sprint(v)
			}
		}
		_ = cw.Write(rec)
	}
	cw.Flush()
	return cw.Error()
}

func (t *table) writeJSONL(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, r := range t.rows {
		obj := make(map[string]any, len(t.columns))
		for i, c := range t.columns {
			obj[c] = r[i]
		}
		if err := enc.Encode(obj); err != nil {
			return err
		}
	}
	return nil
}

// exportTable reads the records to export; follow-ups that were undone are
// left out unless all is set.
// dateOnly formats a stored calendar date (kept as midnight UTC), which must
// not be shifted into a time zone.
func dateOnly(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.DateOnly)
}

func exportTable(ctx context.Context, st *storage.Store, tenant, what string, since time.Time, loc *time.Location, all bool) (*table, error) {
	ts := func(t time.Time) any {
		if t.IsZero() {
			return nil
		}
		return t.In(loc).Format(time.RFC3339)
	}
	day := func(t time.Time) any {
		if t.IsZero() {
			return nil
		}
		return t.In(loc).Format(time.DateOnly)
	}
	money := func(m domain.Money) any { return m.Units() }
	str := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	switch what {
	case "followups":
		filter := storage.FollowUpFilter{Tenant: tenant, Since: since, Status: domain.FollowUpActive}
		if all {
			filter.Status = ""
		}
		fus, err := st.FollowUps(ctx, filter)
		if err != nil {
			return nil, err
		}
		t := &table{columns: []string{"id", "member", "customer", "contact", "activity", "amount", "currency",
			"stage", "next_at", "text", "status", "created_at"}}
		for _, f := range fus {
			next := day(f.NextAt)
			if f.NextHasTime && !f.NextAt.IsZero() {
				next = f.NextAt.In(loc).Format("2006-01-02T15:04")
			}
			var amount any
			if f.Amount != 0 {
				amount = money(f.Amount)
			}
			t.rows = append(t.rows, []any{f.ID, f.MemberName, f.CustomerName, str(f.ContactName), string(f.Activity),
				amount, str(f.Currency), str(string(f.Stage)), next, f.Text, f.Status, ts(f.CreatedAt)})
		}
		return t, nil
	case "collections":
		cs, err := st.Collections(ctx, storage.CollectionFilter{Tenant: tenant, Since: since})
		if err != nil {
			return nil, err
		}
		t := &table{columns: []string{"id", "member", "customer", "amount", "currency", "status", "confirmed_amount",
			"confirmed_by", "confirmed_at", "due_date", "reject_reason", "created_at"}}
		for _, c := range cs {
			var confirmed any
			if c.Status == domain.CollectionConfirmed {
				confirmed = money(c.ConfirmedAmount)
			}
			t.rows = append(t.rows, []any{c.ID, c.MemberName, c.CustomerName, money(c.Amount), c.Currency, c.Status,
				confirmed, str(c.ConfirmedByName), ts(c.ConfirmedAt), dateOnly(c.DueDate), str(c.RejectReason), ts(c.CreatedAt)})
		}
		return t, nil
	case "tasks":
		tasks, err := st.Tasks(ctx, storage.TaskFilter{Tenant: tenant, Since: since})
		if err != nil {
			return nil, err
		}
		t := &table{columns: []string{"id", "creator", "assignee", "assignee_role", "customer", "title", "due_at",
			"status", "done_at", "created_at"}}
		for _, k := range tasks {
			t.rows = append(t.rows, []any{k.ID, k.CreatorName, str(k.AssigneeName), str(string(k.AssigneeRole)),
				str(k.CustomerName), k.Title, ts(k.DueAt), k.Status, ts(k.DoneAt), ts(k.CreatedAt)})
		}
		return t, nil
	case "targets":
		return targetTable(ctx, st, tenant, since, ts)
	}
	return nil, fmt.Errorf("%w: unknown export %q (want followups|collections|tasks|targets)", errUsage, what)
}

func targetTable(ctx context.Context, st *storage.Store, tenant string, since time.Time, ts func(time.Time) any) (*table, error) {
	targets, err := st.Targets(ctx, tenant)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	teams, err := st.Teams(ctx, tenant)
	if err != nil {
		return nil, err
	}
	for _, t := range teams {
		names[t.ID] = t.Name
	}
	members, err := st.Members(ctx, tenant)
	if err != nil {
		return nil, err
	}
	for _, m := range members {
		names[m.ID] = m.Name
	}
	t := &table{columns: []string{"id", "scope", "scope_name", "metric", "period", "tier", "value", "created_at"}}
	for _, g := range targets {
		if !since.IsZero() && g.CreatedAt.Before(since) {
			continue
		}
		var v any = g.Value
		if g.Metric.Money() {
			v = domain.Money(g.Value).Units()
		}
		scopeName := names[g.ScopeID]
		if g.Scope == domain.ScopeCompany {
			scopeName = "公司"
		}
		t.rows = append(t.rows, []any{g.ID, string(g.Scope), scopeName, string(g.Metric), g.Period, string(g.Tier), v, ts(g.CreatedAt)})
	}
	return t, nil
}
