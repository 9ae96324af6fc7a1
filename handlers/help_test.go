package handlers

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/domain"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, rewriting it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from the golden file (run go test -update if the change is intended)\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

func TestHelpCardGolden(t *testing.T) {
	tests := []struct {
		name    string
		role    domain.Role
		text    string
		golden  string
		wants   []string
		doesnot []string
	}{
		{"rep in Chinese", domain.RoleSales, "帮助", "help_sales.golden.json",
			[]string{"拜访了星河科技", "回款", "我的进度"}, []string{"确认到账 或 驳回"}},
		{"finance", domain.RoleFinance, "/帮助", "help_finance.golden.json",
			[]string{"确认到账", "驳回"}, []string{"/目标"}},
		{"manager", domain.RoleManager, "帮助", "help_manager.golden.json",
			[]string{"/目标", "团队排名"}, nil},
		{"rep in English", domain.RoleSales, "help", "help_sales_en.golden.json",
			[]string{"Report a follow-up", "Visited Acme"}, []string{"汇报跟进"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &bot.Message{Event: bot.Event{Text: tt.text}, Member: bot.Member{Name: "测试员", Role: string(tt.role)}}
			reply, err := (&Help{}).Answer(context.Background(), m)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := json.MarshalIndent(reply.Card, "", "  ")
			golden(t, tt.golden, append(data, '\n'))
			s := string(data)
			for _, w := range tt.wants {
				if !strings.Contains(s, w) {
					t.Errorf("help for %s lacks %q", tt.role, w)
				}
			}
			for _, w := range tt.doesnot {
				if strings.Contains(s, w) {
					t.Errorf("help for %s should not show %q", tt.role, w)
				}
			}
		})
	}
}

func TestNotUnderstood(t *testing.T) {
	for text, want := range map[string]string{"今天天气不错": "帮助", "what's up": "help"} {
		reply, err := NotUnderstood(context.Background(), &bot.Message{Event: bot.Event{Text: text}})
		if err != nil || !strings.Contains(reply.Text, want) {
			t.Errorf("NotUnderstood(%q) = %q, %v; want a pointer to %q", text, reply.Text, err, want)
		}
	}
}
