package domain

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// PeriodKind is the length of a target period.
type PeriodKind string

// Period kinds.
const (
	PeriodMonth   PeriodKind = "month"
	PeriodQuarter PeriodKind = "quarter"
	PeriodYear    PeriodKind = "year"
)

// Period is a month, a quarter or a year: the span a target is set for.
type Period struct {
	Kind PeriodKind
	Year int
	// N is the month (1–12) or the quarter (1–4); 0 for a year.
	N int
}

// MonthOf returns the month of t's calendar day.
func MonthOf(t time.Time) Period { return Period{PeriodMonth, t.Year(), int(t.Month())} }

// QuarterOf returns the quarter of t's calendar day.
func QuarterOf(t time.Time) Period { return Period{PeriodQuarter, t.Year(), (int(t.Month())-1)/3 + 1} }

// YearOf returns the year of t's calendar day.
func YearOf(t time.Time) Period { return Period{Kind: PeriodYear, Year: t.Year()} }

// ParsePeriod reads a period as targets store it: "2026-11", "2026-Q4" or
// "2026".
func ParsePeriod(s string) (Period, error) {
	bad := Errorf(Invalid, "看不懂时间段 %q(例如 本月、下月、本季度、今年、2026-11、2026-Q4、2026)", s)
	y, rest, _ := strings.Cut(strings.ToUpper(strings.TrimSpace(s)), "-")
	year, err := strconv.Atoi(y)
	if err != nil || len(y) != 4 || year < 2000 || year > 2100 {
		return Period{}, bad
	}
	switch {
	case rest == "":
		return Period{Kind: PeriodYear, Year: year}, nil
	case strings.HasPrefix(rest, "Q"):
		q, err := strconv.Atoi(rest[1:])
		if err != nil || q < 1 || q > 4 || len(rest) != 2 {
			return Period{}, bad
		}
		return Period{PeriodQuarter, year, q}, nil
	}
	m, err := strconv.Atoi(rest)
	if err != nil || m < 1 || m > 12 || len(rest) != 2 {
		return Period{}, bad
	}
	return Period{PeriodMonth, year, m}, nil
}

// ParsePeriodWords reads a period as people say it, relative to now:
// 本月/这个月/下月/上月, 本季度/下季度/上季度, 今年/明年/去年, 11月, 2026年11月,
// Q4, 2026Q4, 2026年, and the stored forms ParsePeriod reads.
func ParsePeriodWords(s string, now time.Time) (Period, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	month, quarter := MonthOf(now), QuarterOf(now)
	switch t {
	case "本月", "这个月", "当月", "本月度", "THIS MONTH", "月度":
		return month, nil
	case "下月", "下个月", "NEXT MONTH":
		return month.Next(), nil
	case "上月", "上个月", "LAST MONTH":
		return month.Prev(), nil
	case "本季度", "本季", "这个季度", "当季", "THIS QUARTER", "季度":
		return quarter, nil
	case "下季度", "下个季度", "下季", "NEXT QUARTER":
		return quarter.Next(), nil
	case "上季度", "上个季度", "上季", "LAST QUARTER":
		return quarter.Prev(), nil
	case "今年", "本年", "本年度", "全年", "年度", "THIS YEAR":
		return YearOf(now), nil
	case "明年", "NEXT YEAR":
		return Period{Kind: PeriodYear, Year: now.Year() + 1}, nil
	case "去年", "LAST YEAR":
		return Period{Kind: PeriodYear, Year: now.Year() - 1}, nil
	}
	if p, err := ParsePeriod(t); err == nil {
		return p, nil
	}
	year := now.Year()
	rest := t
	if y, r, ok := strings.Cut(t, "年"); ok {
		n, err := strconv.Atoi(y)
		if err != nil || n < 2000 || n > 2100 {
			return Period{}, Errorf(Invalid, "看不懂时间段 %q(例如 本月、下月、本季度、今年、2026-11、2026-Q4)", s)
		}
		year, rest = n, r
		if rest == "" || rest == "度" || rest == "全年" {
			return Period{Kind: PeriodYear, Year: year}, nil
		}
	} else if len(t) >= 6 && t[4] == 'Q' {
		if n, err := strconv.Atoi(t[:4]); err == nil {
			year, rest = n, t[4:]
		}
	}
	if strings.HasSuffix(rest, "月") || strings.HasSuffix(rest, "月份") {
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSuffix(rest, "份"), "月"))
		if err == nil && n >= 1 && n <= 12 {
			return Period{PeriodMonth, year, n}, nil
		}
	}
	if q := strings.TrimSuffix(strings.TrimPrefix(rest, "第"), "季度"); q != rest {
		if n := quarterNumber(q); n > 0 {
			return Period{PeriodQuarter, year, n}, nil
		}
	}
	if strings.HasPrefix(rest, "Q") {
		if n, err := strconv.Atoi(rest[1:]); err == nil && n >= 1 && n <= 4 {
			return Period{PeriodQuarter, year, n}, nil
		}
	}
	return Period{}, Errorf(Invalid, "看不懂时间段 %q(例如 本月、下月、本季度、今年、2026-11、2026-Q4)", s)
}

func quarterNumber(s string) int {
	switch s {
	case "1", "一":
		return 1
	case "2", "二":
		return 2
	case "3", "三":
		return 3
	case "4", "四":
		return 4
	}
	return 0
}

// String returns the stored form: "2026-11", "2026-Q4" or "2026".
func (p Period) String() string {
	switch p.Kind {
	case PeriodMonth:
		return fmt.Sprintf("%04d-%02d", p.Year, p.N)
	case PeriodQuarter:
		return fmt.Sprintf("%04d-Q%d", p.Year, p.N)
	}
	return fmt.Sprintf("%04d", p.Year)
}

// Label returns the period as a card shows it: "2026年11月", "2026年Q4",
// "2026年".
func (p Period) Label() string {
	switch p.Kind {
	case PeriodMonth:
		return fmt.Sprintf("%d年%d月", p.Year, p.N)
	case PeriodQuarter:
		return fmt.Sprintf("%d年Q%d", p.Year, p.N)
	}
	return fmt.Sprintf("%d年", p.Year)
}

// IsZero reports whether p is the zero Period.
func (p Period) IsZero() bool { return p.Kind == "" }

// First returns the period's first day, at midnight in loc.
func (p Period) First(loc *time.Location) time.Time {
	switch p.Kind {
	case PeriodMonth:
		return time.Date(p.Year, time.Month(p.N), 1, 0, 0, 0, 0, loc)
	case PeriodQuarter:
		return time.Date(p.Year, time.Month(3*p.N-2), 1, 0, 0, 0, 0, loc)
	}
	return time.Date(p.Year, 1, 1, 0, 0, 0, 0, loc)
}

// Last returns the period's last day, at midnight in loc.
func (p Period) Last(loc *time.Location) time.Time {
	return p.Next().First(loc).AddDate(0, 0, -1)
}

// Next returns the period of the same kind that follows p.
func (p Period) Next() Period {
	switch p.Kind {
	case PeriodMonth:
		if p.N == 12 {
			return Period{PeriodMonth, p.Year + 1, 1}
		}
		return Period{PeriodMonth, p.Year, p.N + 1}
	case PeriodQuarter:
		if p.N == 4 {
			return Period{PeriodQuarter, p.Year + 1, 1}
		}
		return Period{PeriodQuarter, p.Year, p.N + 1}
	}
	return Period{Kind: PeriodYear, Year: p.Year + 1}
}

// Prev returns the period of the same kind before p.
func (p Period) Prev() Period {
	switch p.Kind {
	case PeriodMonth:
		if p.N == 1 {
			return Period{PeriodMonth, p.Year - 1, 12}
		}
		return Period{PeriodMonth, p.Year, p.N - 1}
	case PeriodQuarter:
		if p.N == 1 {
			return Period{PeriodQuarter, p.Year - 1, 4}
		}
		return Period{PeriodQuarter, p.Year, p.N - 1}
	}
	return Period{Kind: PeriodYear, Year: p.Year - 1}
}

// Parts returns the periods a quarter or a year rolls up from: a quarter's
// three months, a year's four quarters; nil for a month.
func (p Period) Parts() []Period {
	switch p.Kind {
	case PeriodQuarter:
		m := 3*p.N - 2
		return []Period{{PeriodMonth, p.Year, m}, {PeriodMonth, p.Year, m + 1}, {PeriodMonth, p.Year, m + 2}}
	case PeriodYear:
		return []Period{{PeriodQuarter, p.Year, 1}, {PeriodQuarter, p.Year, 2}, {PeriodQuarter, p.Year, 3}, {PeriodQuarter, p.Year, 4}}
	}
	return nil
}

// Months returns every month of the period.
func (p Period) Months() []Period {
	if p.Kind == PeriodMonth {
		return []Period{p}
	}
	var out []Period
	for _, q := range p.Parts() {
		out = append(out, q.Months()...)
	}
	return out
}

// Contains reports whether the calendar day of t lies in the period.
func (p Period) Contains(t time.Time) bool {
	day := t.Format(time.DateOnly)
	loc := t.Location()
	return day >= p.First(loc).Format(time.DateOnly) && day <= p.Last(loc).Format(time.DateOnly)
}

// TimeProgress is how much of a period's working time has passed.
type TimeProgress struct {
	// Elapsed is the number of workdays of the period up to and including
	// the day the figures cover; Total is the period's workdays.
	Elapsed, Total int
}

// Ratio returns Elapsed / Total (0 for a period without workdays).
func (t TimeProgress) Ratio() float64 {
	if t.Total == 0 {
		return 0
	}
	return float64(t.Elapsed) / float64(t.Total)
}

// Remaining returns the workdays still to come.
func (t TimeProgress) Remaining() int { return t.Total - t.Elapsed }

// TimeProgressOf returns the period's time progress when the figures cover
// everything up to and including the day of asOf (in asOf's location): the
// morning card covers yesterday, a question asked during the day today.
func (c *Calendar) TimeProgressOf(p Period, asOf time.Time) TimeProgress {
	loc := asOf.Location()
	first, last := p.First(loc), p.Last(loc)
	tp := TimeProgress{Total: c.Workdays(first, last)}
	day := dayStart(asOf)
	switch {
	case day.Before(first):
	case day.After(last):
		tp.Elapsed = tp.Total
	default:
		tp.Elapsed = c.Workdays(first, day)
	}
	return tp
}

// BehindPoints is how far (in points of achievement) behind time progress a
// target may fall before it counts as behind.
const BehindPoints = 0.10

// PaceStatus sums up a pace.
type PaceStatus string

// Pace statuses.
const (
	// OnTrack: achievement is at least time progress.
	OnTrack PaceStatus = "on_track"
	// Slipping: behind time progress by at most BehindPoints.
	Slipping PaceStatus = "slipping"
	// Behind: more than BehindPoints behind time progress.
	Behind PaceStatus = "behind"
	// NoTarget: there is no target to measure against.
	NoTarget PaceStatus = "no_target"
)

// Label returns the status's Chinese name.
func (s PaceStatus) Label() string {
	switch s {
	case OnTrack:
		return "正常"
	case Slipping:
		return "略慢"
	case Behind:
		return "落后"
	}
	return "未设目标"
}

// Pace is how a figure stands against its target and the time elapsed.
type Pace struct {
	Actual, Target int64
	Time           TimeProgress
	// Achievement is Actual / Target; 0 without a target.
	Achievement float64
	// Pace is Achievement − time progress.
	Pace   float64
	Status PaceStatus
	// Forecast is Actual / time progress: where the period ends at this
	// pace; HasForecast is false before the period's first workday ends.
	Forecast    int64
	HasForecast bool
	// Gap is what is left to reach the target (0 once reached), and
	// DailyNeed the gap spread over the remaining workdays.
	Gap, DailyNeed int64
}

// PaceOf computes the pace of actual against target (≤ 0: none) given the
// time progress.
func PaceOf(actual, target int64, tp TimeProgress) Pace {
	p := Pace{Actual: actual, Target: target, Time: tp, Status: NoTarget}
	if r := tp.Ratio(); r > 0 {
		p.Forecast, p.HasForecast = int64(math.Round(float64(actual)/r)), true
	}
	if target <= 0 {
		return p
	}
	p.Achievement = float64(actual) / float64(target)
	p.Pace = p.Achievement - tp.Ratio()
	switch {
	case p.Pace >= 0:
		p.Status = OnTrack
	case p.Pace < -BehindPoints-1e-9:
		p.Status = Behind
	default:
		p.Status = Slipping
	}
	if actual < target {
		p.Gap = target - actual
		rem := tp.Remaining()
		if rem < 1 {
			rem = 1
		}
		p.DailyNeed = (p.Gap + int64(rem) - 1) / int64(rem)
	}
	return p
}

// Tiers lists the target tiers from the lowest.
var Tiers = []Tier{TierTarget, TierStretch, TierChallenge}

// ParseTier reads a tier from its Chinese or English name.
func ParseTier(s string) (Tier, bool) {
	switch strings.ToLower(s) {
	case "目标", "基础", "target":
		return TierTarget, true
	case "冲刺", "stretch":
		return TierStretch, true
	case "挑战", "challenge":
		return TierChallenge, true
	}
	return "", false
}

// Label returns the tier's Chinese name.
func (t Tier) Label() string {
	switch t {
	case TierStretch:
		return "冲刺"
	case TierChallenge:
		return "挑战"
	}
	return "目标"
}

// ParseMetric reads a metric from what people call it.
func ParseMetric(s string) (Metric, bool) {
	switch strings.ToLower(s) {
	case "签约", "签约额", "销售额", "合同额", "业绩", "成交", "成交额", "signed", "sales":
		return MetricSigned, true
	case "回款", "回款额", "收款", "collected", "collections":
		return MetricCollected, true
	case "新客户", "新客", "新增客户", "new_customers", "customers":
		return MetricNewCustomers, true
	case "跟进", "跟进数", "跟进次数", "拜访", "followups", "follow-ups":
		return MetricFollowUps, true
	}
	return "", false
}

// Metrics lists the metrics in the order cards show them.
var Metrics = []Metric{MetricSigned, MetricCollected, MetricNewCustomers, MetricFollowUps}

// Format renders a value of the metric: money as 万, counts with their unit.
func (m Metric) Format(v int64) string {
	switch m {
	case MetricSigned, MetricCollected:
		return Money(v).String()
	case MetricNewCustomers:
		return fmt.Sprintf("%d 个", v)
	}
	return fmt.Sprintf("%d 次", v)
}

// MaxTargetValue bounds a target: more than ¥100亿 (or 10 million counts) is a typo.
const MaxTargetValue = int64(100_0000_0000 * 100)

// ValidateTargetValue checks a target's value: positive and not absurd.
func ValidateTargetValue(m Metric, v int64) error {
	if v <= 0 {
		return Errorf(Invalid, "目标必须大于 0")
	}
	limit := MaxTargetValue
	if !m.Money() {
		limit = 10_000_000
	}
	if v > limit {
		return Errorf(Invalid, "目标 %s 大得离谱,请检查单位(上限 %s)", m.Format(v), m.Format(limit))
	}
	return nil
}

// Value returns the stat's figure for the metric.
func (s DailyStat) Value(m Metric) int64 {
	switch m {
	case MetricSigned:
		return int64(s.Signed)
	case MetricCollected:
		return int64(s.Collected)
	case MetricNewCustomers:
		return int64(s.NewCustomers)
	}
	return int64(s.FollowUps)
}

// Add returns the sum of two stats (keeping s's identity fields).
func (s DailyStat) Add(o DailyStat) DailyStat {
	s.FollowUps += o.FollowUps
	s.NewCustomers += o.NewCustomers
	s.Signed += o.Signed
	s.Collected += o.Collected
	return s
}
