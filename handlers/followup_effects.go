package handlers

import (
	"context"
	"time"

	"github.com/salesbot/salesbot/domain"
)

// effects is what logging a follow-up changed besides the follow-up row,
// kept in its audit row so that undo and edit can reverse exactly that.
type effects struct {
	// Day is the daily_stats day the follow-up was counted on.
	Day             string `json:"day"`
	CustomerCreated bool   `json:"customer_created,omitempty"`
	OpportunityID   string `json:"opportunity_id"`
	// OppBefore is the opportunity before the follow-up; nil when the
	// follow-up created it.
	OppBefore *oppState `json:"opp_before"`
	OppAfter  oppState  `json:"opp_after"`
	// Signed is what the follow-up added to the day's signed amount (in
	// minor units), when it made the opportunity won.
	Signed int64 `json:"signed,omitempty"`
}

// oppState is the part of an opportunity a follow-up changes.
type oppState struct {
	Stage          domain.Stage `json:"stage"`
	Amount         int64        `json:"amount"`
	Currency       string       `json:"currency"`
	ExpectedClose  string       `json:"expected_close,omitempty"`
	LastFollowUpAt time.Time    `json:"last_followup_at"`
	ClosedAt       time.Time    `json:"closed_at"`
}

func stateOf(o domain.Opportunity) oppState {
	s := oppState{Stage: o.Stage, Amount: int64(o.Amount), Currency: o.Currency,
		LastFollowUpAt: dbClock(o.LastFollowUpAt), ClosedAt: dbClock(o.ClosedAt)}
	if !o.ExpectedClose.IsZero() {
		s.ExpectedClose = o.ExpectedClose.Format(time.DateOnly)
	}
	return s
}

// dbClock is a time as the database keeps it (UTC, microseconds), so a
// state read back compares equal to the one written.
func dbClock(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}

func (s oppState) equal(o oppState) bool {
	return s.Stage == o.Stage && s.Amount == o.Amount && s.Currency == o.Currency &&
		s.ExpectedClose == o.ExpectedClose && s.LastFollowUpAt.Equal(o.LastFollowUpAt) && s.ClosedAt.Equal(o.ClosedAt)
}

func (s oppState) applyTo(o *domain.Opportunity) {
	o.Stage, o.Amount, o.Currency = s.Stage, domain.Money(s.Amount), s.Currency
	o.ExpectedClose = time.Time{}
	if t, err := time.ParseInLocation(time.DateOnly, s.ExpectedClose, time.UTC); err == nil {
		o.ExpectedClose = t
	}
	o.LastFollowUpAt, o.ClosedAt = s.LastFollowUpAt, s.ClosedAt
}

// countsInTargets reports whether money in the currency adds to the
// targets' rollups, which are in yuan: a deal in dollars is recorded as it
// is but not counted as if it were yuan.
func countsInTargets(currency string) bool { return currency == "" || currency == "CNY" }

// stageRank orders the open stages; a follow-up moves an opportunity only
// forward, unless it states won or lost.
func stageRank(s domain.Stage) int {
	for i, x := range domain.Stages {
		if x == s {
			return i
		}
	}
	return -1
}

// applyOpportunity updates the rep's open opportunity with the customer (or
// creates one) with what a follow-up says, and returns the effects. When
// prior is the effects of the same follow-up logged before (an edit) and the
// opportunity is still as that follow-up left it, the follow-up's change is
// replayed on the state before it instead of being added on top.
func (h *FollowUps) applyOpportunity(ctx context.Context, tenant, ownerID, customerID string, f fields, at time.Time, prior *effects, eventID string) (effects, error) {
	var (
		opp    domain.Opportunity
		before *oppState
		isNew  bool
	)
	replay := false
	if prior != nil && prior.OpportunityID != "" {
		cur, err := h.store.OpportunityByID(ctx, tenant, prior.OpportunityID)
		if err != nil && !domain.IsNotFound(err) {
			return effects{}, err
		}
		if err == nil && cur.CustomerID == customerID && !stateOf(cur).equal(prior.OppAfter) {
			// Later reports moved this opportunity on (won, say): the
			// correction changes the follow-up record only, rather than
			// opening a second opportunity beside the real one.
			return *prior, nil
		}
		if err == nil && cur.CustomerID == customerID && stateOf(cur).equal(prior.OppAfter) {
			replay, opp = true, cur
			if prior.OppBefore == nil {
				fresh := oppState{Stage: domain.StageLead, Currency: "CNY"}
				fresh.applyTo(&opp)
			} else {
				b := *prior.OppBefore
				b.applyTo(&opp)
				before = &b
			}
		}
	}
	if !replay {
		cur, err := h.store.OpenOpportunity(ctx, tenant, customerID, ownerID)
		switch {
		case err == nil:
			opp = cur
			b := stateOf(cur)
			before = &b
		case domain.IsNotFound(err):
			isNew = true
			opp = domain.Opportunity{ID: domain.NewID(), TenantID: tenant, CustomerID: customerID, OwnerID: ownerID,
				Stage: domain.StageLead, Currency: "CNY", CreatedAt: at}
		default:
			return effects{}, err
		}
	}
	wasWon := opp.Stage == domain.StageWon
	if f.Stage != "" && (f.Stage.Closed() || stageRank(f.Stage) > stageRank(opp.Stage)) {
		opp.Stage = f.Stage
	}
	if f.HasAmount {
		opp.Amount, opp.Currency = f.Amount, f.Currency
	}
	if opp.Stage == domain.StageNegotiation && !f.NextAt.IsZero() {
		y, mo, d := f.NextAt.In(h.loc).Date()
		opp.ExpectedClose = time.Date(y, mo, d, 0, 0, 0, 0, time.UTC)
	}
	if at.After(opp.LastFollowUpAt) {
		opp.LastFollowUpAt = dbClock(at)
	}
	if opp.Stage.Closed() && opp.ClosedAt.IsZero() {
		opp.ClosedAt = dbClock(at)
	}
	if !opp.Stage.Closed() {
		opp.ClosedAt = time.Time{}
	}
	eff := effects{OpportunityID: opp.ID, OppBefore: before, OppAfter: stateOf(opp)}
	if opp.Stage == domain.StageWon && !wasWon && countsInTargets(opp.Currency) {
		eff.Signed = int64(opp.Amount)
	}
	action := "opportunity.update"
	if isNew {
		if _, err := h.store.CreateOpportunity(ctx, opp); err != nil {
			return effects{}, err
		}
		action = "opportunity.create"
	} else if err := h.store.SaveOpportunity(ctx, opp); err != nil {
		return effects{}, err
	}
	var auditBefore any
	if before != nil {
		auditBefore = before
	}
	if err := h.audit(ctx, tenant, ownerID, action, "opportunity", opp.ID, auditBefore, eff.OppAfter, eventID); err != nil {
		return effects{}, err
	}
	return eff, nil
}

// unapplyOpportunity reverses a follow-up's change of its opportunity when
// nothing changed the opportunity since: the state before is restored, or
// an opportunity the follow-up created is removed (unless something else
// refers to it now).
func (h *FollowUps) unapplyOpportunity(ctx context.Context, tenant, actor string, eff effects, eventID string) error {
	if eff.OpportunityID == "" {
		return nil
	}
	opp, err := h.store.OpportunityByID(ctx, tenant, eff.OpportunityID)
	if domain.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if !stateOf(opp).equal(eff.OppAfter) {
		return nil // a later follow-up moved it on; its state is theirs now
	}
	if eff.OppBefore == nil {
		err := h.store.DeleteOpportunity(ctx, tenant, opp.ID)
		if domain.IsConflict(err) {
			return nil
		}
		if err != nil {
			return err
		}
		return h.audit(ctx, tenant, actor, "opportunity.delete", "opportunity", opp.ID, eff.OppAfter, nil, eventID)
	}
	eff.OppBefore.applyTo(&opp)
	if err := h.store.SaveOpportunity(ctx, opp); err != nil {
		return err
	}
	return h.audit(ctx, tenant, actor, "opportunity.restore", "opportunity", opp.ID, eff.OppAfter, eff.OppBefore, eventID)
}

// removeCreatedCustomer removes a customer a follow-up created, when
// nothing else refers to it any more, and reports whether it did.
func (h *FollowUps) removeCreatedCustomer(ctx context.Context, tenant, actor, customerID, eventID string) (bool, error) {
	c, err := h.store.CustomerByID(ctx, tenant, customerID)
	if domain.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	err = h.store.DeleteCustomer(ctx, tenant, customerID)
	if domain.IsConflict(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, h.audit(ctx, tenant, actor, "customer.delete", "customer", customerID, c, nil, eventID)
}
