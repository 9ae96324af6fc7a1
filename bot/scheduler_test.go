package bot

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// jobRuns is a working in-memory JobStore: one claim per (job, tenant, slot).
type jobRuns struct {
	mu   sync.Mutex
	runs map[string]string // key → status
}

func (j *jobRuns) ClaimJobRun(ctx context.Context, job, tenant, slot, replica string, at time.Time) (bool, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	k := job + "|" + tenant + "|" + slot
	if _, ok := j.runs[k]; ok {
		return false, nil
	}
	if j.runs == nil {
		j.runs = map[string]string{}
	}
	j.runs[k] = "running"
	return true, nil
}

func (j *jobRuns) FinishJobRun(ctx context.Context, job, tenant, slot, status, errText string, at time.Time) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.runs[job+"|"+tenant+"|"+slot] = status
	return nil
}

func TestSchedulerRunsEachSlotOnceAcrossReplicas(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	now := time.Date(2026, 11, 27, 17, 59, 0, 0, loc)
	clock := func() time.Time { return now }
	store := &jobRuns{}
	slot, err := DailyAt("18:00", loc, func(d time.Time) bool { return d.Weekday() != time.Saturday && d.Weekday() != time.Sunday })
	if err != nil {
		t.Fatal(err)
	}
	var ran []string
	var mu sync.Mutex
	job := Job{Name: "nudge", Tenant: "t1", Slot: slot, Run: func(ctx context.Context, s string) error {
		mu.Lock()
		defer mu.Unlock()
		ran = append(ran, s)
		return nil
	}}
	a, b := NewScheduler(store, "a", clock, nil), NewScheduler(store, "b", clock, nil)
	a.Add(job)
	b.Add(job)
	ctx := context.Background()

	if n := a.RunDue(ctx) + b.RunDue(ctx); n != 0 {
		t.Fatalf("ran %d jobs before 18:00", n)
	}
	now = now.Add(time.Minute) // 18:00 on a Friday
	if n := a.RunDue(ctx) + b.RunDue(ctx) + a.RunDue(ctx); n != 1 {
		t.Fatalf("two replicas ran the 18:00 slot %d times, want once", n)
	}
	now = now.Add(3 * time.Hour) // later the same evening: nothing new
	if n := b.RunDue(ctx); n != 0 {
		t.Fatalf("ran again the same day")
	}
	now = time.Date(2026, 11, 28, 19, 0, 0, 0, loc) // Saturday
	if n := a.RunDue(ctx); n != 0 {
		t.Fatalf("ran on a Saturday")
	}
	now = time.Date(2026, 11, 30, 18, 40, 0, 0, loc) // Monday, started 40 minutes late
	if n := b.RunDue(ctx); n != 1 {
		t.Fatalf("a replica starting after the time did not catch up today's slot")
	}
	now = time.Date(2026, 12, 1, 20, 30, 0, 0, loc) // Tuesday, down until 2½ hours after
	if n := a.RunDue(ctx); n != 0 {
		t.Fatalf("a slot missed by more than an hour ran anyway")
	}
	if want := []string{"2026-11-27", "2026-11-30"}; len(ran) != 2 || ran[0] != want[0] || ran[1] != want[1] {
		t.Errorf("slots run = %v, want %v", ran, want)
	}
}

func TestSchedulerRecordsFailure(t *testing.T) {
	store := &jobRuns{}
	s := NewScheduler(store, "a", func() time.Time { return time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC) }, nil)
	s.Add(Job{Name: "boom", Tenant: "t", Slot: func(time.Time) string { return "x" },
		Run: func(context.Context, string) error { return errors.New("platform down") }})
	s.RunDue(context.Background())
	if got := store.runs["boom|t|x"]; got != "failed" {
		t.Errorf("status = %q, want failed", got)
	}
	if s.RunDue(context.Background()) != 0 {
		t.Error("a failed slot must not run again")
	}
}

func TestWeeklyAt(t *testing.T) {
	loc := time.UTC
	slot, err := WeeklyAt(time.Monday, "09:00", loc, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		now  time.Time
		want string
	}{
		{"Monday before nine", time.Date(2026, 11, 30, 8, 59, 0, 0, loc), ""},
		{"Monday at nine", time.Date(2026, 11, 30, 9, 0, 0, 0, loc), "2026-W49"},
		{"Monday, caught up within the hour", time.Date(2026, 11, 30, 9, 59, 0, 0, loc), "2026-W49"},
		{"Monday, too late", time.Date(2026, 11, 30, 11, 0, 0, 0, loc), ""},
		{"Wednesday at nine: not the first day", time.Date(2026, 12, 2, 9, 0, 0, 0, loc), ""},
	}
	for _, tt := range tests {
		if got := slot(tt.now); got != tt.want {
			t.Errorf("%s: slot = %q, want %q", tt.name, got, tt.want)
		}
	}
	// A Monday off moves the run to Tuesday.
	noMonday, _ := WeeklyAt(time.Monday, "09:00", loc, func(d time.Time) bool { return d.Weekday() != time.Monday })
	if got := noMonday(time.Date(2026, 12, 1, 9, 5, 0, 0, loc)); got != "2026-W49" {
		t.Errorf("Tuesday after a Monday off: slot = %q, want 2026-W49", got)
	}
	if got := noMonday(time.Date(2026, 11, 30, 9, 5, 0, 0, loc)); got != "" {
		t.Errorf("a Monday off: slot = %q, want none", got)
	}
	if _, err := DailyAt("25:00", loc, nil); err == nil {
		t.Error("DailyAt accepted 25:00")
	}
}

func TestSchedulerAddTwicePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("adding a job twice did not panic")
		}
	}()
	s := NewScheduler(&jobRuns{}, "a", nil, nil)
	j := Job{Name: "x", Tenant: "t", Slot: func(time.Time) string { return "" }}
	s.Add(j)
	s.Add(j)
}

func TestEvery(t *testing.T) {
	slot := Every(5 * time.Minute)
	a := slot(time.Date(2026, 12, 2, 10, 7, 59, 0, time.UTC))
	b := slot(time.Date(2026, 12, 2, 10, 5, 0, 0, time.UTC))
	c := slot(time.Date(2026, 12, 2, 10, 10, 0, 0, time.UTC))
	if a != "2026-12-02T10:05" || a != b || c == a {
		t.Errorf("slots %q %q %q", a, b, c)
	}
}

// Frequent triggers run once per slot on each replica without a job_runs row.
func TestSchedulerUnclaimedJobs(t *testing.T) {
	store := &jobRuns{}
	now := time.Date(2026, 12, 2, 10, 0, 30, 0, time.UTC)
	s := NewScheduler(store, "a", func() time.Time { return now }, nil)
	runs := 0
	s.Add(Job{Name: "tick", Tenant: "t", Slot: Every(time.Minute), Unclaimed: true,
		Run: func(context.Context, string) error { runs++; return nil }})
	s.RunDue(context.Background())
	s.RunDue(context.Background())
	now = now.Add(time.Minute)
	s.RunDue(context.Background())
	if runs != 2 || len(store.runs) != 0 {
		t.Errorf("runs = %d, job_runs rows = %d; want 2 runs and no rows", runs, len(store.runs))
	}
}

// RunDue called while Run's ticker runs it too (as tests and operators do)
// runs an unclaimed job once per slot and does not race on its memory.
func TestSchedulerRunDueConcurrently(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 0, 30, 0, time.UTC)
	s := NewScheduler(&jobRuns{}, "a", func() time.Time { return now }, nil)
	var mu sync.Mutex
	runs := 0
	s.Add(Job{Name: "tick", Tenant: "t", Slot: Every(time.Minute), Unclaimed: true,
		Run: func(context.Context, string) error { mu.Lock(); runs++; mu.Unlock(); return nil }})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { s.RunDue(context.Background()) })
	}
	wg.Wait()
	if runs != 1 {
		t.Errorf("the slot ran %d times, want once", runs)
	}
}
