package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/salesbot/salesbot/domain/parse"
)

// runParse implements "salesbot parse" (DESIGN §6): JSON lines {"id","text"}
// or plain text lines in, one {"id","items"} line out per input line.
func runParse(ctx context.Context, env *cliEnv, args []string) error {
	fs, _ := newFlags("parse", env)
	nowFlag := fs.String("now", "", "message time, RFC 3339 (default: now)")
	tzFlag := fs.String("tz", "", "tenant time zone, IANA name (default: --now's offset, else Asia/Shanghai)")
	custFlag := fs.String("customers", "", "known customers: one a line, aliases after |, the first name canonical")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, pos[0])
	}
	now, err := referenceTime(*nowFlag, *tzFlag)
	if err != nil {
		return err
	}
	var customers []parse.Customer
	if *custFlag != "" {
		if customers, err = readCustomers(*custFlag); err != nil {
			return err
		}
	}
	p := parse.NewParser(customers, nil)
	return eachInput(ctx, env, func(id, text string) any {
		return struct {
			ID    string       `json:"id"`
			Items []parse.Item `json:"items"`
		}{id, p.Parse(text, now)}
	})
}

// referenceTime reads --now and --tz: --now defaults to the current time;
// the zone is --tz, else --now's own offset, else Asia/Shanghai.
func referenceTime(nowFlag, tzFlag string) (time.Time, error) {
	now := time.Now()
	if nowFlag != "" {
		t, err := time.Parse(time.RFC3339, nowFlag)
		if err != nil {
			return time.Time{}, fmt.Errorf("%w: --now: %v", errUsage, err)
		}
		now = t
	}
	switch {
	case tzFlag != "":
		loc, err := time.LoadLocation(tzFlag)
		if err != nil {
			return time.Time{}, fmt.Errorf("%w: --tz: %v", errUsage, err)
		}
		return now.In(loc), nil
	case nowFlag != "":
		_, off := now.Zone()
		return now.In(time.FixedZone(now.Format("-07:00"), off)), nil
	}
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		loc = time.FixedZone("CST", 8*3600)
	}
	return now.In(loc), nil
}

// readCustomers reads a customers file: one customer a line, aliases after
// "|", the first name canonical; blank lines and # comments are skipped.
func readCustomers(path string) ([]parse.Customer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read customers: %w", err)
	}
	var out []parse.Customer
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(strings.TrimPrefix(line, "\ufeff"))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		names := strings.Split(line, "|")
		c := parse.Customer{Name: strings.TrimSpace(names[0])}
		for _, a := range names[1:] {
			if a = strings.TrimSpace(a); a != "" {
				c.Aliases = append(c.Aliases, a)
			}
		}
		if c.Name != "" {
			out = append(out, c)
		}
	}
	return out, nil
}

// eachInput reads stdin line by line and writes the JSON value that answer
// returns for each. A line that starts with "{" must be a JSON object with
// a "text"; other lines are the text itself, with the line number as id.
// A bad line gets {"id", "error"} and the rest are still read.
func eachInput(ctx context.Context, env *cliEnv, answer func(id, text string) any) error {
	sc := bufio.NewScanner(env.stdin)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	w := bufio.NewWriter(env.stdout)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	n := 0
	for sc.Scan() {
		if err := ctx.Err(); err != nil {
			return err
		}
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		id := strconv.Itoa(n)
		var out any
		if line[0] == '{' {
			in, err := decodeInput(line)
			if in.id != "" {
				id = in.id
			}
			if err != nil {
				out = struct {
					ID    string `json:"id"`
					Error string `json:"error"`
				}{id, err.Error()}
			} else {
				out = answer(id, in.text)
			}
		} else {
			out = answer(id, string(line))
		}
		if err := enc.Encode(out); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		w.Flush()
		return fmt.Errorf("read input: %w", err)
	}
	return w.Flush()
}

type input struct{ id, text string }

// decodeInput reads {"id": ..., "text": "..."}; the id may be a string or a
// number.
func decodeInput(line []byte) (input, error) {
	var raw struct {
		ID   json.RawMessage `json:"id"`
		Text *string         `json:"text"`
	}
	err := json.Unmarshal(line, &raw)
	var in input
	if len(raw.ID) > 0 {
		var s string
		if json.Unmarshal(raw.ID, &s) == nil {
			in.id = s
		} else if string(raw.ID) != "null" {
			in.id = string(raw.ID)
		}
	}
	switch {
	case err != nil:
		return in, fmt.Errorf("bad input line: %v", err)
	case raw.Text == nil:
		return in, fmt.Errorf("bad input line: no \"text\"")
	}
	in.text = *raw.Text
	return in, nil
}
