package handlers

import (
	"context"
	"time"

	"github.com/salesbot/salesbot/domain"
)

// ProgressReport is a period's figures against targets for every team and
// the people its card shows: the data behind the progress cards, for the
// read API (BI tools). Money is in yuan; counts are counts.
type ProgressReport struct {
	Period string `json:"period"`
	// AsOf is the last day the figures cover.
	AsOf string `json:"as_of"`
	// WorkdaysElapsed of WorkdaysTotal: the time progress paces compare to.
	WorkdaysElapsed int          `json:"workdays_elapsed"`
	WorkdaysTotal   int          `json:"workdays_total"`
	TimeProgress    float64      `json:"time_progress"`
	Teams           []TeamReport `json:"teams"`
}

// TeamReport is one team's paces and its people's.
type TeamReport struct {
	ID       string                 `json:"id"`
	Name     string                 `json:"name"`
	ParentID string                 `json:"parent_id,omitempty"`
	Metrics  map[string]PaceReport  `json:"metrics"`
	Members  []MemberProgressReport `json:"members"`
}

// MemberProgressReport is one person's paces.
type MemberProgressReport struct {
	ID      string                `json:"id"`
	Name    string                `json:"name"`
	Metrics map[string]PaceReport `json:"metrics"`
}

// PaceReport is a figure against its target. Without a target, Target and
// Gap are absent, Achievement is 0 and Status is "no_target"; Forecast is
// absent until the period's first workday has ended. A present 0 is a 0 (a
// reached target has gap 0).
type PaceReport struct {
	Actual      float64  `json:"actual"`
	Target      *float64 `json:"target,omitempty"`
	Achievement float64  `json:"achievement"`
	Gap         *float64 `json:"gap,omitempty"`
	Forecast    *float64 `json:"forecast,omitempty"`
	Status      string   `json:"status"`
}

// ProgressFigures computes the report of period with the figures up to asOf's
// day (in asOf's location).
func ProgressFigures(ctx context.Context, st ProgressStore, cal *domain.Calendar, tenant string, period domain.Period, asOf time.Time) (ProgressReport, error) {
	b, err := loadBoard(ctx, st, cal, tenant, period, asOf)
	if err != nil {
		return ProgressReport{}, err
	}
	r := ProgressReport{Period: period.String(), AsOf: asOf.Format(time.DateOnly),
		WorkdaysElapsed: b.tp.Elapsed, WorkdaysTotal: b.tp.Total, TimeProgress: b.tp.Ratio(), Teams: []TeamReport{}}
	for _, t := range b.teams {
		tr := TeamReport{ID: t.ID, Name: t.Name, ParentID: t.ParentID, Metrics: map[string]PaceReport{}, Members: []MemberProgressReport{}}
		for _, m := range domain.Metrics {
			tr.Metrics[string(m)] = paceReport(m, b.teamPace(t.ID, m))
		}
		for _, p := range b.people(t.ID) {
			if p.TeamID != t.ID {
				continue // reported under their own team
			}
			mr := MemberProgressReport{ID: p.ID, Name: p.Name, Metrics: map[string]PaceReport{}}
			for _, m := range domain.Metrics {
				mr.Metrics[string(m)] = paceReport(m, b.memberPace(p.ID, m))
			}
			tr.Members = append(tr.Members, mr)
		}
		r.Teams = append(r.Teams, tr)
	}
	return r, nil
}

func paceReport(m domain.Metric, p domain.Pace) PaceReport {
	v := func(x int64) float64 {
		if m.Money() {
			return domain.Money(x).Units()
		}
		return float64(x)
	}
	ptr := func(x int64) *float64 { f := v(x); return &f }
	r := PaceReport{Actual: v(p.Actual), Status: string(p.Status)}
	if p.Target > 0 {
		r.Target, r.Achievement, r.Gap = ptr(p.Target), p.Achievement, ptr(p.Gap)
	}
	if p.HasForecast {
		r.Forecast = ptr(p.Forecast)
	}
	return r
}
