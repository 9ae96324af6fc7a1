package main

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/salesbot/salesbot"

// archRule says which of our packages a directory's (non-test) code may
// import, and which third-party modules. DESIGN.md §2.
type archRule struct {
	dir      string // relative, e.g. "bot/console"; the rule covers subdirectories too
	internal []string
	external []string
}

var archRules = []archRule{
	{"domain", []string{"domain"}, []string{"github.com/google/uuid", "github.com/6tail/lunar-go"}},
	{"config", nil, []string{"go.yaml.in/yaml/v3", "github.com/go-sql-driver/mysql"}},
	{"bot/console", []string{"bot"}, []string{"github.com/google/uuid"}},
	{"bot/lark", []string{"bot"}, []string{"github.com/larksuite/oapi-sdk-go/v3"}},
	{"bot/wecom", []string{"bot"}, []string{"github.com/silenceper/wechat/v2", "github.com/gorilla/websocket"}},
	{"bot/dingtalk", []string{"bot"}, []string{"github.com/open-dingtalk/dingtalk-stream-sdk-go", "github.com/gorilla/websocket"}},
	{"bot", nil, []string{"github.com/prometheus/client_golang", "golang.org/x/time/rate", "github.com/google/uuid"}},
	{"handlers", []string{"domain", "bot"}, nil},
	{"storage", []string{"domain", "bot"}, []string{"gorm.io/", "github.com/glebarez/sqlite", "github.com/glebarez/go-sqlite", "github.com/go-sql-driver/mysql"}},
}

// TestDependencyArrows keeps the package arrows of DESIGN §2 true: domain
// knows nothing of storage, bots or platforms; storage and handlers never
// import each other; adapters never see handlers or storage.
func TestDependencyArrows(t *testing.T) {
	root := filepath.Join("..", "..")
	checked := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		rel = filepath.ToSlash(rel)
		rule, ok := ruleFor(rel)
		if !ok {
			if !strings.HasPrefix(rel, "cmd/") {
				t.Errorf("%s: package %q has no dependency rule; add one to archRules", path, rel)
			}
			return nil
		}
		// Test helper packages (bottest, consoletest) may use anything of bot.
		if strings.HasSuffix(rel, "test") && strings.HasPrefix(rel, "bot/") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			checked++
			if msg := rule.violation(p); msg != "" {
				t.Errorf("%s imports %s: %s", path, p, msg)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 20 {
		t.Fatalf("checked only %d imports; is the walk rooted right?", checked)
	}
}

func ruleFor(dir string) (archRule, bool) {
	for _, r := range archRules { // most specific first: bot/console before bot
		if dir == r.dir || strings.HasPrefix(dir, r.dir+"/") {
			return r, true
		}
	}
	return archRule{}, false
}

func (r archRule) violation(imp string) string {
	if rel, ok := strings.CutPrefix(imp, module+"/"); ok {
		if rel == r.dir || strings.HasPrefix(rel, r.dir+"/") {
			return ""
		}
		for _, allowed := range r.internal {
			// "bot" allows the kernel package only, never the adapters.
			if rel == allowed || (allowed != "bot" && strings.HasPrefix(rel, allowed+"/")) {
				return ""
			}
		}
		return "not allowed by DESIGN §2 for " + r.dir
	}
	if !strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") {
		return "" // standard library
	}
	for _, allowed := range r.external {
		if strings.HasPrefix(imp, allowed) {
			return ""
		}
	}
	return "third-party module not on " + r.dir + "'s list"
}

func TestArchRuleViolation(t *testing.T) {
	tests := []struct {
		dir, imp string
		ok       bool
	}{
		{"domain", module + "/storage", false},
		{"domain", module + "/domain/parse", true},
		{"domain/parse", module + "/domain", true},
		{"handlers", module + "/storage", false},
		{"handlers", module + "/bot/console", false},
		{"handlers", module + "/bot", true},
		{"storage", module + "/handlers", false},
		{"bot/console", module + "/storage", false},
		{"bot/console", module + "/bot", true},
		{"bot", module + "/domain", false},
		{"domain", "gorm.io/gorm", false},
		{"storage", "gorm.io/gorm", true},
		{"config", "net/http", true},
	}
	for _, tt := range tests {
		r, _ := ruleFor(tt.dir)
		if got := r.violation(tt.imp) == ""; got != tt.ok {
			t.Errorf("%s importing %s: allowed = %v, want %v", tt.dir, tt.imp, got, tt.ok)
		}
	}
}
