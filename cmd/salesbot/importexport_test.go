package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// cli runs a salesbot command line against the database in SALESBOT_DATABASE_DSN.
func cli(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestImportOrgAndCustomers(t *testing.T) {
	t.Setenv("SALESBOT_DATABASE_DSN", filepath.Join(t.TempDir(), "import.db"))

	code, out, errOut := cli(t, "import", "org", "testdata/org.csv")
	if code != 0 {
		t.Fatalf("import org: %d %s", code, errOut)
	}
	if !strings.Contains(out, "6 created") {
		t.Errorf("import org printed %q", out)
	}

	code, _, errOut = cli(t, "import", "org", "testdata/org_bad.csv")
	if code == 0 {
		t.Fatal("importing a file with bad rows succeeded")
	}
	for _, want := range []string{
		"org_bad.csv:2:", // unknown manager
		"org_bad.csv:3:", // empty name
		"org_bad.csv:4:", // bad role
		"org_bad.csv:6:", // duplicate name
		"nothing imported",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(errOut, "org_bad.csv:5:") {
		t.Errorf("line 5 is good but was reported:\n%s", errOut)
	}

	code, _, errOut = cli(t, "import", "customers", "testdata/customers_bad.csv")
	if code == 0 || !strings.Contains(errOut, "customers_bad.csv:3:") || !strings.Contains(errOut, "customers_bad.csv:4:") {
		t.Errorf("bad customers: exit %d, stderr:\n%s", code, errOut)
	}
	code, out, errOut = cli(t, "import", "customers", "testdata/customers.csv")
	if code != 0 || !strings.Contains(out, "3 created") {
		t.Fatalf("import customers: %d %q %s", code, out, errOut)
	}

	st, tenant, _, err := openForCLI(context.Background(), &cliEnv{stderr: &bytes.Buffer{}}, "")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	members, _ := st.Members(context.Background(), tenant.ID)
	if len(members) != 6 {
		t.Errorf("%d members after a good and a bad import, want 6 (the bad file imports nothing)", len(members))
	}
	customers, _ := st.Customers(context.Background(), tenant.ID)
	names := map[string][]string{}
	for _, c := range customers {
		names[c.Name] = c.Aliases
	}
	if len(customers) != 3 || names["华辰制造"] != nil {
		t.Errorf("customers = %v; the bad file must import nothing", names)
	}
	if _, ok := names["𠀀字科技"]; !ok {
		t.Errorf("a 4-byte character in a customer name did not survive: %v", names)
	}
	if c, err := st.CustomerByName(context.Background(), tenant.ID, "星河"); err != nil || c.Name != "星河科技" {
		t.Errorf("alias 星河 → %v, %v", c.Name, err)
	}
}

func TestExport(t *testing.T) {
	dir := t.TempDir()
	tm := startMain(t, dir, true)
	tm.stop()
	t.Setenv("SALESBOT_DATABASE_DSN", tm.dbPath)

	code, out, errOut := cli(t, "export", "followups")
	if code != 0 {
		t.Fatalf("export: %d %s", code, errOut)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	wantCols := "id,member,customer,contact,activity,amount,currency,stage,next_at,text,status,created_at"
	if got := strings.Join(rows[0], ","); got != wantCols {
		t.Errorf("columns = %s, want %s", got, wantCols)
	}
	if len(rows) < 200 {
		t.Errorf("%d follow-ups exported, want the demo's two months", len(rows)-1)
	}

	code, out, _ = cli(t, "export", "collections", "--format", "jsonl")
	if code != 0 {
		t.Fatal("export collections failed")
	}
	statuses := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var c map[string]any
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			t.Fatalf("bad JSON line %q: %v", line, err)
		}
		statuses[c["status"].(string)]++
		for _, k := range []string{"amount", "confirmed_amount", "confirmed_by", "confirmed_at"} {
			if _, ok := c[k]; !ok {
				t.Errorf("collection lacks %s: %s", k, line)
			}
		}
	}
	if statuses["pending"] == 0 || statuses["confirmed"] == 0 {
		t.Errorf("demo collections by status = %v, want some pending and some confirmed", statuses)
	}

	for _, what := range []string{"tasks", "targets"} {
		if code, out, errOut := cli(t, "export", what, "--format", "csv"); code != 0 || strings.Count(out, "\n") < 5 {
			t.Errorf("export %s: %d, %d lines, %s", what, code, strings.Count(out, "\n"), errOut)
		}
	}
	code, out, _ = cli(t, "export", "followups", "--since", "2999-01-01")
	if code != 0 || strings.Count(out, "\n") != 1 {
		t.Errorf("--since in the future should export only the header, got %d lines", strings.Count(out, "\n"))
	}
}

func TestImportTargets(t *testing.T) {
	t.Setenv("SALESBOT_DATABASE_DSN", filepath.Join(t.TempDir(), "targets.db"))
	if code, _, errOut := cli(t, "import", "org", "testdata/org.csv"); code != 0 {
		t.Fatalf("import org: %s", errOut)
	}

	code, _, errOut := cli(t, "import", "targets", "testdata/targets_bad.csv")
	if code == 0 {
		t.Fatal("a targets file with bad rows was imported")
	}
	for _, line := range []string{":4:", ":5:", ":6:", ":7:"} {
		if !strings.Contains(errOut, "targets_bad.csv"+line) {
			t.Errorf("stderr does not report line %s:\n%s", line, errOut)
		}
	}
	// Members' parts above the team's target are a bad row.
	code, _, errOut = cli(t, "import", "targets", "testdata/targets_over.csv")
	if code == 0 || !strings.Contains(errOut, "targets_over.csv:3:") {
		t.Errorf("members over the team target: exit %d\n%s", code, errOut)
	}
	if _, out, _ := cli(t, "export", "targets"); strings.Count(out, "\n") != 1 {
		t.Errorf("a bad file imported something:\n%s", out)
	}

	code, out, errOut := cli(t, "import", "targets", "testdata/targets.csv")
	if code != 0 {
		t.Fatalf("import targets: %d %s", code, errOut)
	}
	if !strings.Contains(out, "5 created") {
		t.Errorf("import printed %q", out)
	}
	// 100+120+60 = 280万 of the team's 300万: imported, with a warning.
	if !strings.Contains(errOut, "warning") {
		t.Errorf("members' parts short of the team target gave no warning:\n%s", errOut)
	}
	_, out, _ = cli(t, "export", "targets", "--format", "jsonl")
	if strings.Count(out, "\n") != 5 || !strings.Contains(out, `"value":3000000`) || !strings.Contains(out, `"scope_name":"张晓🚀"`) {
		t.Errorf("export after import:\n%s", out)
	}
}
