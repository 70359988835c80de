package breaker

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestBreaker(t *testing.T) {
	// A fake clock: time moves only when the test says so.
	var clock atomic.Int64
	clock.Store(time.Now().UnixNano())
	advance := func(d time.Duration) { clock.Add(int64(d)) }
	b := &Breaker{ProbeEvery: 50 * time.Millisecond, OpenAfter: 30 * time.Millisecond,
		now: func() time.Time { return time.Unix(0, clock.Load()) }}
	if ok, probe := b.Allow(); !ok || probe || b.Open() {
		t.Fatal("a new breaker refuses, or probes")
	}
	if !b.OK() || b.OK() {
		t.Fatal("OK should report the first answer only")
	}
	if b.Fail() || b.Open() {
		t.Fatal("a failure right after a success opened the breaker (slow, not gone)")
	}
	advance(29 * time.Millisecond)
	if b.Fail() || b.Open() {
		t.Fatal("the breaker opened before OpenAfter passed without a success")
	}
	advance(11 * time.Millisecond) // nothing succeeded for OpenAfter
	if !b.Fail() || b.Fail() || !b.Open() {
		t.Fatal("Fail should report the opening only")
	}
	// Open: callers are refused, but for one probe per interval. burst has
	// 50 callers ask at once and counts those let through (as probes only).
	burst := func() int32 {
		var allowed atomic.Int32
		var wg sync.WaitGroup
		for range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if ok, probe := b.Allow(); ok {
					if !probe {
						t.Error("let through while open, not as a probe")
					}
					allowed.Add(1)
				}
			}()
		}
		wg.Wait()
		return allowed.Load()
	}
	if n := burst(); n != 0 {
		t.Fatalf("%d calls let through right after the failure", n)
	}
	advance(49 * time.Millisecond)
	if n := burst(); n != 0 {
		t.Fatalf("%d calls let through before ProbeEvery passed", n)
	}
	advance(time.Millisecond)
	if n := burst(); n != 1 {
		t.Fatalf("%d probes let through after an interval, want 1", n)
	}
	if !b.OK() || b.Open() {
		t.Fatal("a success should close the breaker")
	}
	if (&Breaker{}).Fail() != true {
		t.Fatal("a failure before any success should open a new breaker")
	}
	if ok, probe := b.Allow(); !ok || probe {
		t.Fatal("a success should close the breaker")
	}
}
