package storage

import (
	"context"
	"fmt"

	"github.com/salesbot/salesbot/domain"
)

// ImportTargets sets every target in one transaction: all or none. A
// target that already exists (same scope, metric, period and tier) gets
// the new value and counts as updated.
func (s *Store) ImportTargets(ctx context.Context, tenant string, targets []domain.Target) (ImportResult, error) {
	var res ImportResult
	periods := map[string]bool{}
	var list []string
	for _, t := range targets {
		if !periods[t.Period] {
			periods[t.Period] = true
			list = append(list, t.Period)
		}
	}
	err := s.InTx(ctx, func(ctx context.Context) error {
		existing, err := s.TargetsFor(ctx, tenant, list)
		if err != nil {
			return err
		}
		had := map[string]bool{}
		key := func(t domain.Target) string {
			return fmt.Sprint(t.Scope, "|", t.ScopeID, "|", t.Metric, "|", t.Period, "|", t.Tier)
		}
		for _, t := range existing {
			had[key(t)] = true
		}
		for _, t := range targets {
			t.TenantID = tenant
			if t.Tier == "" {
				t.Tier = domain.TierTarget
			}
			if _, err := s.SetTarget(ctx, t); err != nil {
				return err
			}
			if had[key(t)] {
				res.Updated++
			} else {
				res.Created++
				had[key(t)] = true
			}
		}
		return nil
	})
	if err != nil {
		return ImportResult{}, fmt.Errorf("import targets: %w", err)
	}
	return res, nil
}
