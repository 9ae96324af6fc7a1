package domain

import (
	"errors"
	"fmt"
	"testing"
)

func TestMoneyString(t *testing.T) {
	tests := []struct {
		name string
		m    Money
		want string
	}{
		{"whole 万", Yuan(500000), "50万"},
		{"万 with decimals", Yuan(125000), "12.5万"},
		{"under 万", Yuan(8000), "8000"},
		{"cents", Yuan(1234.5), "1234.50"},
		{"zero", 0, "0"},
		{"亿 stays 万", Yuan(120000000), "12000万"},
		{"negative", Yuan(-30000), "-3万"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.m.String(); got != tt.want {
				t.Errorf("%d.String() = %q, want %q", tt.m, got, tt.want)
			}
		})
	}
}

func TestYuanRounds(t *testing.T) {
	for units, want := range map[float64]Money{0.1: 10, 0.29: 29, 19.99: 1999, -2.5: -250} {
		if got := Yuan(units); got != want {
			t.Errorf("Yuan(%v) = %d, want %d", units, got, want)
		}
	}
}

func TestParseRole(t *testing.T) {
	for in, want := range map[string]Role{"sales": RoleSales, "销售": RoleSales, "售前": RolePresales,
		"finance": RoleFinance, "经理": RoleManager, "管理员": RoleAdmin} {
		got, err := ParseRole(in)
		if err != nil || got != want {
			t.Errorf("ParseRole(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseRole("boss"); CodeOf(err) != Invalid {
		t.Errorf("ParseRole(boss) error %v, want an Invalid domain error", err)
	}
}

func TestErrorCodes(t *testing.T) {
	base := Errorf(Forbidden, "只有财务可以确认回款")
	wrapped := fmt.Errorf("confirm collection: %w", base)
	if CodeOf(wrapped) != Forbidden || !base.Forbidden() {
		t.Errorf("code of wrapped error = %s", CodeOf(wrapped))
	}
	var um interface{ UserMessage() string }
	if !errors.As(wrapped, &um) || um.UserMessage() != "只有财务可以确认回款" {
		t.Errorf("user message lost through wrapping")
	}
	if CodeOf(errors.New("disk full")) != Internal {
		t.Error("a plain error must be Internal")
	}
	if !IsNotFound(Errorf(NotFound, "x")) || IsNotFound(nil) || !IsConflict(&Error{Code: Conflict}) {
		t.Error("IsNotFound/IsConflict")
	}
}

func TestStagesAndLabels(t *testing.T) {
	for _, s := range Stages {
		if s.Label() == string(s) {
			t.Errorf("stage %s has no Chinese label", s)
		}
	}
	if !StageWon.Closed() || !StageLost.Closed() || StageProposal.Closed() {
		t.Error("Closed")
	}
	for _, r := range Roles {
		if r.Label() == string(r) {
			t.Errorf("role %s has no Chinese label", r)
		}
	}
}

func TestNewIDIsUniqueAndOrdered(t *testing.T) {
	prev := NewID()
	for range 1000 {
		id := NewID()
		if id <= prev {
			t.Fatalf("ids not increasing: %s then %s", prev, id)
		}
		prev = id
	}
}
