package domain

import (
	"testing"
	"time"
)

func TestCalendarIsWorkday(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	day := func(s string) time.Time {
		d, _ := time.ParseInLocation(time.DateOnly, s, loc)
		return d
	}
	cal := NewCalendar(map[string]bool{"2026-12-24": false})
	tests := []struct {
		name, day string
		want      bool
	}{
		{"ordinary Friday", "2026-11-27", true},
		{"ordinary Saturday", "2026-11-28", false},
		{"National Day holiday on a Thursday", "2026-10-01", false},
		{"make-up workday on a Saturday (国庆调休)", "2026-10-10", true},
		{"make-up workday on a Sunday (国庆调休)", "2026-09-20", true},
		{"Spring Festival weekday off", "2026-02-17", false},
		{"Spring Festival make-up Saturday", "2026-02-28", true},
		{"New Year's Day 2025", "2025-01-01", false},
		{"Labour Day make-up Sunday 2025", "2025-04-27", true},
		{"override: company day off", "2026-12-24", false},
		{"New Year's Day 2027", "2027-01-01", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cal.IsWorkday(day(tt.day)); got != tt.want {
				t.Errorf("IsWorkday(%s) = %v, want %v", tt.day, got, tt.want)
			}
		})
	}
	if n := cal.Workdays(day("2026-10-01"), day("2026-10-31")); n != 18 {
		t.Errorf("workdays in October 2026 = %d, want 18 (22 weekdays − 5 holiday weekdays + 1 make-up Saturday)", n)
	}
	if h := cal.Holiday(day("2026-10-01")); h == "" {
		t.Error("2026-10-01 should be named a holiday")
	}
}
