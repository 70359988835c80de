// Package breaker remembers that a backend (Redis) stopped answering, so
// that callers fail at once instead of each waiting out a timeout, while
// one call now and then probes whether it is back. It is safe for
// concurrent use.
package breaker

import (
	"sync/atomic"
	"time"
)

// Breaker is closed (calls go through) until a call fails when none has
// succeeded for OpenAfter; then it is open: Allow lets one call through
// every ProbeEvery, and the first success closes it. A backend that is
// merely slow (some calls fail on their deadlines, others succeed) keeps
// it closed; one that is gone (nothing succeeds) opens it. The zero value
// is a closed Breaker with the defaults.
type Breaker struct {
	// ProbeEvery is how often an open breaker lets a call through.
	// Default DefaultProbeEvery.
	ProbeEvery time.Duration
	// OpenAfter: failures open the breaker once no call has succeeded for
	// this long. Default DefaultOpenAfter.
	OpenAfter time.Duration

	state  atomic.Int32 // 0 unknown, 1 up (closed), 2 down (open)
	probe  atomic.Int64 // Unix ns of the last probe let through
	lastOK atomic.Int64 // Unix ns of the last success

	now func() time.Time // the clock; nil: time.Now (tests set a fake one)
}

func (b *Breaker) clock() int64 {
	if b.now != nil {
		return b.now().UnixNano()
	}
	return time.Now().UnixNano()
}

// DefaultOpenAfter is the OpenAfter of a zero Breaker.
const DefaultOpenAfter = time.Second

// DefaultProbeEvery is the probe interval of a zero ProbeEvery.
const DefaultProbeEvery = 200 * time.Millisecond

// Allow reports whether a call should go to the backend: always while
// closed; while open, for one caller every ProbeEvery, which is a probe
// (probe true: bound it with ProbeTimeout, so that whoever probes does not
// wait long for a backend that is still gone).
func (b *Breaker) Allow() (ok, probe bool) {
	if b.state.Load() != 2 {
		return true, false
	}
	every := b.ProbeEvery
	if every <= 0 {
		every = DefaultProbeEvery
	}
	now := b.clock()
	last := b.probe.Load()
	if now-last >= int64(every) && b.probe.CompareAndSwap(last, now) {
		return true, true
	}
	return false, false
}

// ProbeTimeout bounds a probe.
const ProbeTimeout = 250 * time.Millisecond

// Fail records that a call failed; it reports whether that opened the
// breaker (the backend is taken for gone: nothing succeeded for
// OpenAfter).
func (b *Breaker) Fail() (opened bool) {
	after := b.OpenAfter
	if after <= 0 {
		after = DefaultOpenAfter
	}
	now := b.clock()
	if now-b.lastOK.Load() < int64(after) {
		return false // others succeed: slow, not gone
	}
	if b.state.Swap(2) != 2 {
		b.probe.Store(now)
		return true
	}
	return false
}

// OK records that the backend answered; it reports whether the breaker was
// not closed before (the backend is back, or answered for the first time).
func (b *Breaker) OK() (closed bool) {
	b.lastOK.Store(b.clock())
	return b.state.Swap(1) != 1
}

// Open reports whether the breaker is open (the backend is down).
func (b *Breaker) Open() bool { return b.state.Load() == 2 }
