package bottest

import (
	"testing"
	"time"
)

// WaitTimeout is how long Eventually and FakeAdapter.WaitSent wait before
// failing the test. It is generous because it only matters when a test is
// about to fail, and slow CI machines under -race are slow.
var WaitTimeout = 10 * time.Second

// pollEvery is how often Eventually re-checks its condition.
const pollEvery = time.Millisecond

// Eventually polls cond until it reports true, failing the test with what
// when WaitTimeout passes first. Use it to wait for asynchronous work (a
// kernel worker, the outbox sender) instead of sleeping.
func Eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(WaitTimeout)
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", WaitTimeout, what)
		}
		<-tick.C
	}
}

// Await reads a value until ok accepts it and returns it, failing the test
// with what and the last value read when timeout passes first. The
// platform emulators' Wait methods are built on it.
func Await[T any](t testing.TB, timeout time.Duration, what string, read func() T, ok func(T) bool) T {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		v := read()
		if ok(v) {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s; last seen: %+v", timeout, what, v)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
