package domain

import (
	"time"

	"github.com/6tail/lunar-go/HolidayUtil"
)

// Calendar tells workdays from days off in mainland China: Monday to Friday
// are workdays, except the statutory holidays (法定节假日), and some weekend
// days are workdays (调休 make-up days). The State Council publishes each
// year's arrangement in a notice (国务院办公厅关于…年部分节假日安排的通知);
// the data comes from github.com/6tail/lunar-go's HolidayUtil, which tracks
// those notices (2001 onwards, including 2025–2027). Overrides correct or
// extend it — a company's own days off, or a year the library does not know
// yet.
type Calendar struct {
	// overrides maps "YYYY-MM-DD" to whether that day is a workday.
	overrides map[string]bool
}

// NewCalendar returns the China calendar with the given overrides
// ("YYYY-MM-DD" → workday).
func NewCalendar(overrides map[string]bool) *Calendar {
	o := make(map[string]bool, len(overrides))
	for k, v := range overrides {
		o[k] = v
	}
	return &Calendar{overrides: o}
}

// IsWorkday reports whether the calendar day of t (in t's location) is a
// workday.
func (c *Calendar) IsWorkday(t time.Time) bool {
	day := t.Format(time.DateOnly)
	if c != nil {
		if w, ok := c.overrides[day]; ok {
			return w
		}
	}
	if h := HolidayUtil.GetHoliday(day); h != nil && h.GetDay() == day {
		return h.IsWork()
	}
	wd := t.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// Holiday returns the name of the statutory holiday (or make-up workday) on
// t's day, or "".
func (c *Calendar) Holiday(t time.Time) string {
	day := t.Format(time.DateOnly)
	if h := HolidayUtil.GetHoliday(day); h != nil && h.GetDay() == day {
		return h.GetName()
	}
	return ""
}

// Workdays counts the workdays from the day of from to the day of to, both
// included.
func (c *Calendar) Workdays(from, to time.Time) int {
	n := 0
	for d := dayStart(from); !d.After(to); d = d.AddDate(0, 0, 1) {
		if c.IsWorkday(d) {
			n++
		}
	}
	return n
}

func dayStart(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}
