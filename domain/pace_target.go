package domain

import (
	"math"
	"sort"
)

// TargetSet answers "what is the target of this scope, metric, period and
// tier", rolling quarters and years up from their months (and quarters)
// unless they are set directly.
type TargetSet struct {
	values map[targetKey]int64
}

type targetKey struct {
	scope   Scope
	scopeID string
	metric  Metric
	period  string
	tier    Tier
}

// NewTargetSet indexes targets.
func NewTargetSet(targets []Target) *TargetSet {
	s := &TargetSet{values: make(map[targetKey]int64, len(targets))}
	for _, t := range targets {
		tier := t.Tier
		if tier == "" {
			tier = TierTarget
		}
		s.values[targetKey{t.Scope, t.ScopeID, t.Metric, t.Period, tier}] = t.Value
	}
	return s
}

// Value returns the target and whether there is one: set directly for the
// period, or the sum of its parts' targets when every part has one (a
// quarter with only November's target has no quarter target: comparing the
// whole quarter's results with one month's target would call it reached).
func (s *TargetSet) Value(scope Scope, scopeID string, m Metric, p Period, tier Tier) (int64, bool) {
	if s == nil {
		return 0, false
	}
	if v, ok := s.values[targetKey{scope, scopeID, m, p.String(), tier}]; ok {
		return v, true
	}
	parts := p.Parts()
	if len(parts) == 0 {
		return 0, false
	}
	var sum int64
	for _, part := range parts {
		v, ok := s.Value(scope, scopeID, m, part, tier)
		if !ok {
			return 0, false
		}
		sum += v
	}
	return sum, true
}

// TiersReached returns the tiers whose target actual has reached, lowest
// first.
func (s *TargetSet) TiersReached(scope Scope, scopeID string, m Metric, p Period, actual int64) []Tier {
	var out []Tier
	for _, tier := range Tiers {
		if v, ok := s.Value(scope, scopeID, m, p, tier); ok && v > 0 && actual >= v {
			out = append(out, tier)
		}
	}
	return out
}

// SplitUnit is the granularity a split rounds to: whole yuan for money,
// one for counts.
func SplitUnit(m Metric) int64 {
	if m.Money() {
		return 100
	}
	return 1
}

// SplitEvenly divides total into n parts that add up to it exactly, in
// multiples of unit where possible: the remainder goes, one unit each, to
// the first parts, and what is below one unit to the first part.
func SplitEvenly(total int64, n int, unit int64) []int64 {
	if n <= 0 {
		return nil
	}
	w := make([]float64, n)
	for i := range w {
		w[i] = 1
	}
	parts, _ := SplitByWeights(total, w, unit)
	return parts
}

// SplitByWeights divides total in proportion to weights (each ≥ 0, not all
// 0) so that the parts add up to it exactly (largest remainder method, in
// multiples of unit, the odd minor units on the largest part).
func SplitByWeights(total int64, weights []float64, unit int64) ([]int64, error) {
	if unit <= 0 {
		unit = 1
	}
	var sum float64
	for _, w := range weights {
		if w < 0 || math.IsNaN(w) || math.IsInf(w, 0) {
			return nil, Errorf(Invalid, "权重不能为负数")
		}
		sum += w
	}
	if len(weights) == 0 || sum == 0 {
		return nil, Errorf(Invalid, "权重不能全为 0")
	}
	units := total / unit
	parts := make([]int64, len(weights))
	type rem struct {
		i int
		r float64
	}
	rems := make([]rem, len(weights))
	var given int64
	for i, w := range weights {
		exact := float64(units) * w / sum
		parts[i] = int64(math.Floor(exact))
		given += parts[i]
		rems[i] = rem{i, exact - math.Floor(exact)}
	}
	sort.SliceStable(rems, func(a, b int) bool { return rems[a].r > rems[b].r })
	for k := 0; given < units; k++ {
		parts[rems[k%len(rems)].i]++
		given++
	}
	largest := 0
	for i := range parts {
		parts[i] *= unit
		if weights[i] > weights[largest] {
			largest = i
		}
	}
	parts[largest] += total - units*unit
	return parts, nil
}

// PartsDiff returns how much the parts add up to more (> 0) or less (< 0)
// than the whole.
func PartsDiff(total int64, parts []int64) int64 {
	var sum int64
	for _, p := range parts {
		sum += p
	}
	return sum - total
}
