package domain

import (
	"os"
	"strings"
	"testing"
)

// TestAuthorisationTableMatchesREADME keeps README's "Who may do what"
// table and the code's grants the same.
func TestAuthorisationTableMatchesREADME(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string][]string{}
	for _, line := range strings.Split(string(data), "\n") {
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		if len(cells) == len(Roles)+1 {
			rows[cells[0]] = cells[1:]
		}
	}
	header := rows["may …"]
	if len(header) != len(Roles) {
		t.Fatalf("README has no authorisation table with columns %v", Roles)
	}
	for i, r := range Roles {
		if header[i] != string(r) {
			t.Fatalf("README column %d is %q, want %q", i, header[i], r)
		}
	}
	for _, p := range Permissions {
		cells, ok := rows[string(p)]
		if !ok {
			t.Errorf("README's table has no row %q", p)
			continue
		}
		for i, r := range Roles {
			want := "no"
			if r.Can(p) {
				want = "yes"
			}
			if cells[i] != want {
				t.Errorf("README says %s may %s: %q; the code says %q", r, p, cells[i], want)
			}
		}
	}
}

func TestOnlyFinanceConfirmsAndOnlyAdminsChangeRoles(t *testing.T) {
	for _, r := range Roles {
		if got := r.Can(PermConfirmCollection); got != (r == RoleFinance) {
			t.Errorf("%s confirm collection = %v", r, got)
		}
		if got := r.Can(PermChangeRoles); got != (r == RoleAdmin) {
			t.Errorf("%s change roles = %v", r, got)
		}
	}
}
