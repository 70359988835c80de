package breaker

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestBreaker(t *testing.T) {
	b := &Breaker{ProbeEvery: 50 * time.Millisecond}
	if !b.Allow() || b.Open() {
		t.Fatal("a new breaker refuses")
	}
	if !b.OK() || b.OK() {
		t.Fatal("OK should report the first answer only")
	}
	if !b.Fail() || b.Fail() || !b.Open() {
		t.Fatal("Fail should report the opening only")
	}
	// Open: callers are refused, but for one probe per interval.
	var allowed atomic.Int32
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if b.Allow() {
				allowed.Add(1)
			}
		}()
	}
	wg.Wait()
	if allowed.Load() != 0 {
		t.Fatalf("%d calls let through right after the failure", allowed.Load())
	}
	time.Sleep(60 * time.Millisecond)
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if b.Allow() {
				allowed.Add(1)
			}
		}()
	}
	wg.Wait()
	if allowed.Load() != 1 {
		t.Fatalf("%d probes let through after an interval, want 1", allowed.Load())
	}
	if !b.OK() || b.Open() || !b.Allow() {
		t.Fatal("a success should close the breaker")
	}
}
