package handlers

import (
	"encoding/json"
	"time"

	"github.com/salesbot/salesbot/bot"
	"github.com/salesbot/salesbot/domain"
	"github.com/salesbot/salesbot/domain/parse"
)

// What the follow-up, collection and task handlers share.

// newParser returns a parser that knows the tenant's customers (names and
// aliases) and members (for @-mentions).
func newParser(customers []domain.Customer, members []domain.Member) *parse.Parser {
	pc := make([]parse.Customer, len(customers))
	for i, c := range customers {
		pc[i] = parse.Customer{Name: c.Name, Aliases: c.Aliases}
	}
	names := make([]string, len(members))
	for i, mb := range members {
		names[i] = mb.Name
	}
	return parse.NewParser(pc, names)
}

// writtenAt is when a message was written, in the tenant's zone loc, so
// that "明天" in a replayed message reads as it did when it was written.
func writtenAt(m *bot.Message, loc *time.Location, now func() time.Time) time.Time {
	if !m.At.IsZero() {
		return m.At.In(loc)
	}
	return now().In(loc)
}

// auditText is an audit row's before or after: a string as it is, anything
// else as JSON ("" for nothing).
func auditText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	}
	b, _ := json.Marshal(v) // maps and plain structs: cannot fail
	return string(b)
}
