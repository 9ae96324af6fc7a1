package domain

import (
	"testing"
	"time"
)

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

func day(s string) time.Time {
	d, err := time.ParseInLocation(time.DateOnly, s, shanghai)
	if err != nil {
		panic(err)
	}
	return d
}

func TestParsePeriodWords(t *testing.T) {
	now := day("2026-11-26")
	tests := []struct {
		name, in, want string
	}{
		{"this month", "本月", "2026-11"},
		{"next month across the year", "下月", "2026-12"},
		{"last month", "上个月", "2026-10"},
		{"this quarter", "本季度", "2026-Q4"},
		{"next quarter across the year", "下季度", "2027-Q1"},
		{"this year", "今年", "2026"},
		{"stored month", "2026-03", "2026-03"},
		{"stored quarter", "2026-Q2", "2026-Q2"},
		{"stored year", "2027", "2027"},
		{"bare month", "3月", "2026-03"},
		{"year and month", "2027年1月", "2027-01"},
		{"Q4", "Q4", "2026-Q4"},
		{"第一季度", "2027年第一季度", "2027-Q1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePeriodWords(tt.in, now)
			if err != nil || p.String() != tt.want {
				t.Errorf("ParsePeriodWords(%q) = %v, %v; want %s", tt.in, p, err, tt.want)
			}
		})
	}
	for _, bad := range []string{"13月", "本世纪", "2026-13", "2026-Q5", "下下周", "", "1999"} {
		if p, err := ParsePeriodWords(bad, now); err == nil {
			t.Errorf("ParsePeriodWords(%q) = %v, want an error", bad, p)
		}
	}
}

func TestPeriodDays(t *testing.T) {
	q := Period{PeriodQuarter, 2026, 4}
	if f, l := q.First(shanghai), q.Last(shanghai); f != day("2026-10-01") || l != day("2026-12-31") {
		t.Errorf("Q4 = %v..%v", f, l)
	}
	if l := (Period{PeriodMonth, 2028, 2}).Last(shanghai); l != day("2028-02-29") {
		t.Errorf("Feb 2028 ends %v", l)
	}
	if n := len(YearOf(day("2026-05-01")).Months()); n != 12 {
		t.Errorf("a year has %d months", n)
	}
}

func TestTimeProgress(t *testing.T) {
	cal := NewCalendar(nil)
	oct := Period{PeriodMonth, 2026, 10}
	tests := []struct {
		name         string
		asOf         string
		elapsed, tot int
	}{
		{"before the month", "2026-09-30", 0, 18},
		{"during the National Day holiday", "2026-10-05", 0, 18},
		{"make-up Saturday counts (8th, 9th, 10th)", "2026-10-10", 3, 18},
		{"last day", "2026-10-31", 18, 18},
		{"after the month", "2026-11-15", 18, 18},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tp := cal.TimeProgressOf(oct, day(tt.asOf))
			if tp.Elapsed != tt.elapsed || tp.Total != tt.tot {
				t.Errorf("TimeProgressOf(Oct, %s) = %+v, want %d/%d", tt.asOf, tp, tt.elapsed, tt.tot)
			}
		})
	}
}

func TestPaceOf(t *testing.T) {
	half := TimeProgress{Elapsed: 10, Total: 20}
	tests := []struct {
		name           string
		actual, target int64
		tp             TimeProgress
		status         PaceStatus
		pace           float64
		forecast       int64
		gap, daily     int64
	}{
		{"ahead", 60, 100, half, OnTrack, 0.1, 120, 40, 4},
		{"exactly on time", 50, 100, half, OnTrack, 0, 100, 50, 5},
		{"slipping, 10 points behind is not behind", 40, 100, half, Slipping, -0.1, 80, 60, 6},
		{"behind by more than 10 points", 39, 100, half, Behind, -0.11, 78, 61, 7},
		{"target reached", 130, 100, half, OnTrack, 0.8, 260, 0, 0},
		{"no target: no division by zero", 30, 0, half, NoTarget, 0, 60, 0, 0},
		{"first morning: no forecast", 0, 100, TimeProgress{0, 20}, OnTrack, 0, 0, 100, 5},
		{"last day: the whole gap is due", 90, 100, TimeProgress{20, 20}, Slipping, -0.1, 90, 10, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := PaceOf(tt.actual, tt.target, tt.tp)
			if p.Status != tt.status || !near(p.Pace, tt.pace) || p.Forecast != tt.forecast || p.Gap != tt.gap || p.DailyNeed != tt.daily {
				t.Errorf("PaceOf(%d, %d, %+v) = %+v", tt.actual, tt.target, tt.tp, p)
			}
			if tt.tp.Elapsed == 0 && p.HasForecast {
				t.Error("a forecast before any workday has passed")
			}
		})
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

func TestTargetRollUp(t *testing.T) {
	ts := NewTargetSet([]Target{
		{Scope: ScopeTeam, ScopeID: "a", Metric: MetricSigned, Period: "2026-10", Tier: TierTarget, Value: 100},
		{Scope: ScopeTeam, ScopeID: "a", Metric: MetricSigned, Period: "2026-11", Tier: TierTarget, Value: 200},
		{Scope: ScopeTeam, ScopeID: "a", Metric: MetricSigned, Period: "2026-12", Tier: TierTarget, Value: 300},
		{Scope: ScopeTeam, ScopeID: "a", Metric: MetricSigned, Period: "2026-Q1", Tier: TierTarget, Value: 50},
		{Scope: ScopeTeam, ScopeID: "b", Metric: MetricSigned, Period: "2026-Q4", Tier: TierTarget, Value: 999},
		{Scope: ScopeTeam, ScopeID: "b", Metric: MetricSigned, Period: "2026-10", Tier: TierTarget, Value: 1},
		{Scope: ScopeTeam, ScopeID: "d", Metric: MetricSigned, Period: "2026-11", Tier: TierTarget, Value: 100},
		{Scope: ScopeTeam, ScopeID: "e", Metric: MetricSigned, Period: "2026-Q1", Tier: TierTarget, Value: 10},
		{Scope: ScopeTeam, ScopeID: "e", Metric: MetricSigned, Period: "2026-Q2", Tier: TierTarget, Value: 20},
		{Scope: ScopeTeam, ScopeID: "e", Metric: MetricSigned, Period: "2026-07", Tier: TierTarget, Value: 1},
		{Scope: ScopeTeam, ScopeID: "e", Metric: MetricSigned, Period: "2026-08", Tier: TierTarget, Value: 2},
		{Scope: ScopeTeam, ScopeID: "e", Metric: MetricSigned, Period: "2026-09", Tier: TierTarget, Value: 3},
		{Scope: ScopeTeam, ScopeID: "e", Metric: MetricSigned, Period: "2026-Q4", Tier: TierTarget, Value: 40},
	})
	tests := []struct {
		name, id, period string
		want             int64
		ok               bool
	}{
		{"month set directly", "a", "2026-11", 200, true},
		{"quarter from months", "a", "2026-Q4", 600, true},
		{"year with quarters missing has none", "a", "2026", 0, false},
		{"quarter with a month missing has none", "d", "2026-Q4", 0, false},
		{"year from quarters, set directly or from months", "e", "2026", 76, true},
		{"quarter set directly wins over months", "b", "2026-Q4", 999, true},
		{"nothing set", "c", "2026-Q4", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _ := ParsePeriod(tt.period)
			v, ok := ts.Value(ScopeTeam, tt.id, MetricSigned, p, TierTarget)
			if v != tt.want || ok != tt.ok {
				t.Errorf("Value(%s, %s) = %d, %v; want %d, %v", tt.id, tt.period, v, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestSplit(t *testing.T) {
	even := SplitEvenly(int64(Yuan(1000000)), 3, 100)
	if PartsDiff(int64(Yuan(1000000)), even) != 0 || even[0] != int64(Yuan(333334)) || even[2] != int64(Yuan(333333)) {
		t.Errorf("SplitEvenly(100万, 3) = %v", even)
	}
	w, err := SplitByWeights(100, []float64{2, 1, 1}, 1)
	if err != nil || w[0] != 50 || w[1] != 25 || w[2] != 25 {
		t.Errorf("SplitByWeights = %v, %v", w, err)
	}
	odd, _ := SplitByWeights(10001, []float64{1, 1}, 100)
	if PartsDiff(10001, odd) != 0 {
		t.Errorf("odd minor units lost: %v", odd)
	}
	if _, err := SplitByWeights(100, []float64{0, 0}, 1); err == nil {
		t.Error("all-zero weights accepted")
	}
	if _, err := SplitByWeights(100, []float64{1, -1}, 1); err == nil {
		t.Error("a negative weight accepted")
	}
	if d := PartsDiff(100, []int64{60, 50}); d != 10 {
		t.Errorf("PartsDiff = %d", d)
	}
}

func TestValidateTargetValue(t *testing.T) {
	for _, tt := range []struct {
		name string
		m    Metric
		v    int64
		ok   bool
	}{
		{"ordinary", MetricSigned, int64(Yuan(3000000)), true},
		{"zero", MetricSigned, 0, false},
		{"negative", MetricCollected, -100, false},
		{"absurd money", MetricSigned, int64(Yuan(1e12)), false},
		{"absurd count", MetricFollowUps, 50_000_000, false},
	} {
		if err := ValidateTargetValue(tt.m, tt.v); (err == nil) != tt.ok {
			t.Errorf("%s: ValidateTargetValue = %v", tt.name, err)
		}
	}
}

func TestCalendarOverridesFromConfig(t *testing.T) {
	o, err := ParseCalendarOverrides([]string{"2026-12-24"}, []string{"2026-12-26"})
	if err != nil {
		t.Fatal(err)
	}
	cal := NewCalendar(o)
	if cal.IsWorkday(day("2026-12-24")) || !cal.IsWorkday(day("2026-12-26")) {
		t.Error("overrides not applied")
	}
	if _, err := ParseCalendarOverrides([]string{"2026-12-24"}, []string{"2026-12-24"}); err == nil {
		t.Error("a day both off and on accepted")
	}
	if _, err := ParseCalendarOverrides([]string{"12/24"}, nil); err == nil {
		t.Error("a bad date accepted")
	}
	if d := cal.PrevWorkday(day("2026-10-08")); d != day("2026-09-30") {
		t.Errorf("workday before 10-08 = %v, want 09-30 (the National Day holiday)", d)
	}
}
