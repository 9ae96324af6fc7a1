package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// runExtractCmd runs "salesbot extract" with args on stdin.
func runExtractCmd(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), append([]string{"extract"}, args...), strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

type extractLine struct {
	ID       string `json:"id"`
	Error    string `json:"error"`
	Entities []struct {
		Dim   string          `json:"dim"`
		Text  string          `json:"text"`
		Start int             `json:"start"`
		End   int             `json:"end"`
		Value json.RawMessage `json:"value"`
		Grain string          `json:"grain"`
		Unit  string          `json:"unit"`
	} `json:"entities"`
}

func decodeExtractLines(t *testing.T, out string) []extractLine {
	t.Helper()
	var lines []extractLine
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var x extractLine
		if err := json.Unmarshal([]byte(l), &x); err != nil {
			t.Fatalf("output line %q is not JSON: %v", l, err)
		}
		lines = append(lines, x)
	}
	return lines
}

func TestExtractCommand(t *testing.T) {
	in := `{"id":"a","text":"明天下午三点拜访，报价50万元"}` + "\n" +
		`{"id": 7, "text": "￥1,200"}` + "\n" +
		"下周三\n" +
		`{"id":"bad","text":` + "\n"
	code, out, stderr := runExtractCmd(t, in, "--now", "2026-03-10T18:00:00+08:00")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	lines := decodeExtractLines(t, out)
	if len(lines) != 4 {
		t.Fatalf("got %d output lines, want 4:\n%s", len(lines), out)
	}
	first := lines[0]
	if first.ID != "a" || len(first.Entities) != 2 {
		t.Fatalf("line a = %+v", first)
	}
	tm, money := first.Entities[0], first.Entities[1]
	if tm.Dim != "time" || string(tm.Value) != `"2026-03-11T15:00:00"` || tm.Grain != "hour" || tm.Text != "明天下午三点" || tm.Start != 0 || tm.End != 6 {
		t.Errorf("time entity = %+v (value %s)", tm, tm.Value)
	}
	if money.Dim != "money" || string(money.Value) != "500000" || money.Unit != "CNY" || money.Start != 11 || money.End != 15 {
		t.Errorf("money entity = %+v (value %s)", money, money.Value)
	}
	if lines[1].ID != "7" || len(lines[1].Entities) != 1 || string(lines[1].Entities[0].Value) != "1200" {
		t.Errorf("numeric id line = %+v", lines[1])
	}
	if lines[2].ID != "3" || len(lines[2].Entities) != 1 || string(lines[2].Entities[0].Value) != `"2026-03-18T00:00:00"` {
		t.Errorf("plain text line = %+v", lines[2])
	}
	if lines[3].ID != "4" || lines[3].Error == "" { // the id of a truncated line is its number
		t.Errorf("malformed line = %+v, want an error", lines[3])
	}
}

func TestExtractCommandZone(t *testing.T) {
	// The same instant, printed as a wall clock in --tz.
	_, out, _ := runExtractCmd(t, "今晚8点\n", "--now", "2026-03-10T10:00:00Z", "--tz", "Asia/Shanghai")
	lines := decodeExtractLines(t, out)
	if len(lines) != 1 || len(lines[0].Entities) != 1 || string(lines[0].Entities[0].Value) != `"2026-03-10T20:00:00"` {
		t.Errorf("with --tz: %s", out)
	}
	// Without --tz, --now's offset is the zone.
	_, out, _ = runExtractCmd(t, "明天\n", "--now", "2013-02-12T04:30:00-02:00")
	lines = decodeExtractLines(t, out)
	if len(lines) != 1 || len(lines[0].Entities) != 1 || string(lines[0].Entities[0].Value) != `"2013-02-13T00:00:00"` {
		t.Errorf("with --now's offset: %s", out)
	}
}

func TestExtractCommandUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"bad --now", []string{"--now", "yesterday"}},
		{"bad --tz", []string{"--tz", "Mars/Olympus"}},
		{"unknown flag", []string{"--verbose"}},
		{"stray argument", []string{"file.txt"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runExtractCmd(t, "", tt.args...)
			if code != 2 || stderr == "" {
				t.Errorf("exit %d, stderr %q; want 2 with a reason", code, stderr)
			}
		})
	}
}
