// Package domain holds salesbot's entities and their rules: members and
// roles, teams, customers, contacts, follow-ups, opportunities and their
// stages, collections, tasks and targets. It knows nothing of storage, chat
// platforms or HTTP.
package domain
