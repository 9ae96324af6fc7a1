package main

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/salesbot/salesbot/domain/parse"
)

// extractEntity is one entity as "salesbot extract" prints it (DESIGN §6).
type extractEntity struct {
	Dim   parse.Dim `json:"dim"`
	Text  string    `json:"text"`
	Start int       `json:"start"`
	End   int       `json:"end"`
	Value any       `json:"value"`
	Grain string    `json:"grain,omitempty"`
	Unit  string    `json:"unit,omitempty"`
}

// runExtract implements "salesbot extract" (DESIGN §6): JSON lines
// {"id","text"} or plain text lines in, one {"id","entities"} line out per
// input line, times as wall clocks in the tenant's zone.
func runExtract(ctx context.Context, env *cliEnv, args []string) error {
	fs, _ := newFlags("extract", env)
	nowFlag := fs.String("now", "", "message time, RFC 3339 (default: now)")
	tzFlag := fs.String("tz", "", "tenant time zone, IANA name (default: --now's offset)")
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
	return eachInput(ctx, env, func(id, text string) any {
		return struct {
			ID       string          `json:"id"`
			Entities []extractEntity `json:"entities"`
		}{id, extractEntities(text, now)}
	})
}

// extractEntities converts the entities of text to their printed form.
func extractEntities(text string, now time.Time) []extractEntity {
	ents := parse.Extract(text, now)
	out := make([]extractEntity, 0, len(ents))
	for _, e := range ents {
		x := extractEntity{Dim: e.Dim, Text: e.Text, Start: e.Start, End: e.End, Unit: e.Unit}
		if e.Dim == parse.DimTime {
			x.Value = e.Time.In(now.Location()).Format("2006-01-02T15:04:05")
			x.Grain = string(e.Grain)
		} else {
			x.Value = roundValue(e.Value)
		}
		out = append(out, x)
	}
	return out
}

// roundValue trims the binary noise of decimal arithmetic (640143.1699999)
// to what was written: money and numbers carry at most a few decimals.
func roundValue(v float64) float64 {
	if math.IsInf(v, 0) || math.IsNaN(v) || math.Abs(v) >= 1e15 {
		return v
	}
	return math.Round(v*1e6) / 1e6
}
