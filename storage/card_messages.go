package storage

import (
	"context"
	"fmt"

	"github.com/salesbot/salesbot/bot"
)

// CardMessages returns the messages the bot sent that show a card acting on
// a record (entity "collection" or "task", and its id), so that a decision
// updates every copy of the card in place: the finance group's or each
// finance member's, the chat's and the assignee's.
//
// No table of its own remembers them. Every change of a record appends an
// audit row with the platform event that caused it; the outbox rows those
// events produced are the cards, once sent (they carry the platform message
// id). So the query goes audit_log → inbound_events → outbox, each step on
// an index, and keeps the sent new messages (not card updates) whose card
// has an action referring to the record. A card still waiting in the outbox
// when the decision is made keeps its buttons; pressing one then finds the
// record decided and updates that card.
func (s *Store) CardMessages(ctx context.Context, tenant, entity, id string) ([]bot.OutboxItem, error) {
	var events []string
	err := s.db(ctx).Model(&auditRow{}).Distinct("source_event_id").
		Where("tenant_id = ? AND entity = ? AND entity_id = ? AND source_event_id <> ''", tenant, entity, id).
		Pluck("source_event_id", &events).Error
	if err != nil {
		return nil, fmt.Errorf("card messages: %w", err)
	}
	if len(events) == 0 {
		return nil, nil
	}
	var inbox []string
	err = s.db(ctx).Model(&inboundEventRow{}).Where("tenant_id = ? AND event_id IN ?", tenant, events).
		Pluck("id", &inbox).Error
	if err != nil {
		return nil, fmt.Errorf("card messages: %w", err)
	}
	if len(inbox) == 0 {
		return nil, nil
	}
	var rows []outboxRow
	err = s.db(ctx).Where("tenant_id = ? AND source_event_id IN ? AND update_message_id = '' AND message_id <> '' AND status = ?",
		tenant, inbox, bot.OutboxSent).Order("created_at, id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("card messages: %w", err)
	}
	var out []bot.OutboxItem
	for _, r := range rows {
		it, err := r.toBot()
		if err != nil {
			return nil, fmt.Errorf("card messages: %w", err)
		}
		if refersTo(it.Out.Card, id) {
			out = append(out, it)
		}
	}
	return out, nil
}

// refersTo reports whether one of the card's actions acts on the record.
func refersTo(c *bot.Card, id string) bool {
	if c == nil {
		return false
	}
	for _, a := range c.Actions {
		if a.Ref == id {
			return true
		}
	}
	return false
}
