// Package breaker remembers that a backend (Redis) stopped answering, so
// that callers fail at once instead of each waiting out a timeout, while
// one call now and then probes whether it is back. It is safe for
// concurrent use.
package breaker

import (
	"sync/atomic"
	"time"
)

// Breaker is closed (calls go through) until Fail, then open: Allow lets
// one call through every ProbeEvery, and the first success closes it. The
// zero value is a closed Breaker probing every DefaultProbeEvery.
type Breaker struct {
	// ProbeEvery is how often an open breaker lets a call through.
	ProbeEvery time.Duration

	state atomic.Int32 // 0 unknown, 1 up (closed), 2 down (open)
	probe atomic.Int64 // Unix ns of the last probe let through
}

// DefaultProbeEvery is the probe interval of a zero ProbeEvery.
const DefaultProbeEvery = 200 * time.Millisecond

// Allow reports whether a call should go to the backend: always while
// closed; while open, for one caller every ProbeEvery.
func (b *Breaker) Allow() bool {
	if b.state.Load() != 2 {
		return true
	}
	every := b.ProbeEvery
	if every <= 0 {
		every = DefaultProbeEvery
	}
	now := time.Now().UnixNano()
	last := b.probe.Load()
	return now-last >= int64(every) && b.probe.CompareAndSwap(last, now)
}

// Fail records that the backend failed; it reports whether the breaker
// was not open before (the backend just went down).
func (b *Breaker) Fail() (opened bool) {
	if b.state.Swap(2) != 2 {
		b.probe.Store(time.Now().UnixNano())
		return true
	}
	return false
}

// OK records that the backend answered; it reports whether the breaker was
// not closed before (the backend is back, or answered for the first time).
func (b *Breaker) OK() (closed bool) { return b.state.Swap(1) != 1 }

// Open reports whether the breaker is open (the backend is down).
func (b *Breaker) Open() bool { return b.state.Load() == 2 }
