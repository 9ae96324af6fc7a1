package domain

import (
	"strings"
	"sync"
	"time"

	"github.com/6tail/lunar-go/HolidayUtil"
)

// Calendar tells workdays from days off in mainland China: Monday to Friday
// are workdays, except the statutory holidays (法定节假日), and some weekend
// days are workdays (调休 make-up days). The State Council publishes each
// year's arrangement in a notice (国务院办公厅关于…年部分节假日安排的通知);
// the data comes from github.com/6tail/lunar-go's HolidayUtil, which tracks
// those notices (2001 onwards, including 2025–2027). For the years this
// release plans for, the data matches the notices
//
//   - 2025: 国务院办公厅关于2025年部分节假日安排的通知, 国办发明电〔2024〕12号
//     (published 2024-11-12; the first year under the revised
//     全国年节及纪念日放假办法, 国务院令第795号, with 春节 and 劳动节 one day
//     longer);
//   - 2026: 国务院办公厅关于2026年部分节假日安排的通知 (published November
//     2025);
//   - 2027: New Year's Day per the 放假办法; the rest of 2027 is published in
//     late 2026 — add it with overrides until lunar-go is upgraded.
//
// lunar-go was evaluated before writing a table of our own: its data is the
// notices' day by day (holidays and 调休 make-up workdays, with the holiday
// each belongs to), it is pure Go with no dependencies, and it is kept up to
// date every November. Overrides (config calendar.holidays and
// calendar.workdays) correct or extend it — a company's own days off, or a
// notice published after the library's release.
type Calendar struct {
	// overrides maps "YYYY-MM-DD" to whether that day is a workday.
	overrides map[string]bool

	mu    sync.Mutex
	cache map[string]bool // "YYYY-MM-DD" → workday, for Workdays' loops
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

// ParseCalendarOverrides turns lists of days off and of extra workdays
// ("YYYY-MM-DD" each) into NewCalendar's overrides. A day in both lists is
// an error.
func ParseCalendarOverrides(holidays, workdays []string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, list := range []struct {
		days []string
		work bool
	}{{holidays, false}, {workdays, true}} {
		for _, d := range list.days {
			d = strings.TrimSpace(d)
			if d == "" {
				continue
			}
			if _, err := time.Parse(time.DateOnly, d); err != nil {
				return nil, Errorf(Invalid, "calendar: %q is not a date (YYYY-MM-DD)", d)
			}
			if w, dup := out[d]; dup && w != list.work {
				return nil, Errorf(Invalid, "calendar: %s is listed both as a holiday and as a workday", d)
			}
			out[d] = list.work
		}
	}
	return out, nil
}

// IsWorkday reports whether the calendar day of t (in t's location) is a
// workday.
func (c *Calendar) IsWorkday(t time.Time) bool {
	day := t.Format(time.DateOnly)
	if c == nil {
		return isWorkday(day, t.Weekday())
	}
	if w, ok := c.overrides[day]; ok {
		return w
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	w, ok := c.cache[day]
	if !ok {
		if c.cache == nil {
			c.cache = map[string]bool{}
		}
		w = isWorkday(day, t.Weekday())
		c.cache[day] = w
	}
	return w
}

func isWorkday(day string, wd time.Weekday) bool {
	if h := HolidayUtil.GetHoliday(day); h != nil && h.GetDay() == day {
		return h.IsWork()
	}
	return wd != time.Saturday && wd != time.Sunday
}

// PrevWorkday returns the last workday before t's day (looking back at most
// 60 days), at midnight in t's location.
func (c *Calendar) PrevWorkday(t time.Time) time.Time {
	d := dayStart(t)
	for range 60 {
		d = d.AddDate(0, 0, -1)
		if c.IsWorkday(d) {
			return d
		}
	}
	return dayStart(t).AddDate(0, 0, -1)
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
