package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func runParseCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), append([]string{"parse"}, args...), strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestParseCommand(t *testing.T) {
	dir := t.TempDir()
	customers := filepath.Join(dir, "customers.txt")
	if err := os.WriteFile(customers, []byte("华润置业|华润\n\n# comment\n东方航空 | 东航\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		args  []string
		stdin string
		want  []string // output lines, JSON compared semantically
	}{
		{
			name:  "json lines with known customers",
			args:  []string{"--now", "2026-05-14T10:00:00+08:00", "--customers", customers},
			stdin: `{"id":"a","text":"华润回款20万"}` + "\n" + `{"id":"b","text":"东航明天拜访"}` + "\n",
			want: []string{
				`{"id":"a","items":[{"intent":"collection","customer":"华润置业","currency":"CNY","collection":200000}]}`,
				`{"id":"b","items":[{"intent":"followup","customer":"东方航空","activity":"visit","next_at":"2026-05-15"}]}`,
			},
		},
		{
			name:  "plain text lines are numbered",
			args:  []string{"--now", "2026-05-14T10:00:00+08:00"},
			stdin: "帮助\n\n好的\n",
			want: []string{
				`{"id":"1","items":[{"intent":"help"}]}`,
				`{"id":"3","items":[{"intent":"none"}]}`,
			},
		},
		{
			name:  "malformed line reported, the rest read",
			args:  []string{"--now", "2026-05-14T10:00:00+08:00"},
			stdin: `{"id":"x","text":` + "\n" + `{"id":"y"}` + "\n" + `{"id":7,"text":"我的进度"}` + "\n",
			want: []string{
				`{"id":"1","error":"bad input line: unexpected end of JSON input"}`,
				`{"id":"y","error":"bad input line: no \"text\""}`,
				`{"id":"7","items":[{"intent":"progress"}]}`,
			},
		},
		{
			name:  "time zone flag moves the day",
			args:  []string{"--now", "2026-05-14T20:00:00Z", "--tz", "Asia/Shanghai"},
			stdin: `{"id":"z","text":"@王磊 明天前给华润置业开发票"}` + "\n",
			want: []string{
				`{"id":"z","items":[{"intent":"task","customer":"华润置业","mentions":["王磊"],"assignee_role":"finance","due":"2026-05-16"}]}`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runParseCLI(t, tt.stdin, tt.args...)
			if code != 0 {
				t.Fatalf("exit %d, stderr %q", code, errs)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != len(tt.want) {
				t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(tt.want), out)
			}
			for i, l := range lines {
				if !sameJSON(t, l, tt.want[i]) {
					t.Errorf("line %d:\n got %s\nwant %s", i+1, l, tt.want[i])
				}
			}
		})
	}
}

func TestParseCommandUsage(t *testing.T) {
	for _, args := range [][]string{{"--now", "yesterday"}, {"--tz", "Mars/Olympus"}, {"stray"}} {
		if code, _, errs := runParseCLI(t, "", args...); code != 2 || !strings.Contains(errs, "usage") {
			t.Errorf("parse %v: exit %d, stderr %q; want 2 and usage", args, code, errs)
		}
	}
	if code, _, errs := runParseCLI(t, "", "--customers", filepath.Join(t.TempDir(), "missing")); code != 1 || errs == "" {
		t.Errorf("missing customers file: exit %d, stderr %q", code, errs)
	}
}

func TestReferenceTime(t *testing.T) {
	now, err := referenceTime("2026-05-14T10:00:00-02:00", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, off := now.Zone(); off != -2*3600 || now.Hour() != 10 {
		t.Errorf("zone from --now: got %v", now)
	}
	now, err = referenceTime("", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, off := now.Zone(); off != 8*3600 {
		t.Errorf("default zone offset %d, want Asia/Shanghai", off)
	}
	if time.Since(now) > time.Minute {
		t.Errorf("default now %v is not now", now)
	}
}

func sameJSON(t *testing.T, a, b string) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal([]byte(a), &x); err != nil {
		t.Fatalf("output is not JSON: %s", a)
	}
	if err := json.Unmarshal([]byte(b), &y); err != nil {
		t.Fatalf("want is not JSON: %s", b)
	}
	xj, _ := json.Marshal(x)
	yj, _ := json.Marshal(y)
	return string(xj) == string(yj)
}
