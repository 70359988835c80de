package engineio

import (
	"sync"
	"sync/atomic"
	"time"
)

// wheel is the server's heartbeat clock: one goroutine and one ticker for
// every session's ping and pong deadlines, instead of a runtime timer per
// session. Each tick it takes the sessions due in that slot and runs their
// heartbeat (send a ping, or close on a missed deadline) in a batch.
// Deadlines are kept to the tick (a few milliseconds, see newWheel).
//
// Entries are not removed when a session is rescheduled or closed: each
// carries the session's heartbeat generation at scheduling time, and stale
// ones are skipped when their slot comes up. The goroutine runs only while
// some session is scheduled (live > 0).
//
// Lock order: Session.mu, then wheel.mu (schedule is called with the
// session's lock held; the tick calls sessions with no wheel lock held).
type wheel struct {
	tick  time.Duration
	start time.Time

	mu      sync.Mutex
	slots   [][]wheelEntry
	now     int64 // ticks since start that have been processed
	live    int   // sessions scheduled and not closed
	running bool
	spare   []wheelEntry
}

type wheelEntry struct {
	ref *hbRef
	gen uint64
	at  int64 // tick at which it is due
}

// hbRef is what wheel entries point to: a closed session clears it, so
// that its stale entries (up to a ping interval and timeout of them) do
// not keep the whole session alive.
type hbRef struct{ s atomic.Pointer[Session] }

// newWheel sizes the wheel for the heartbeat settings: a tick of a
// twentieth of the shorter of the two (5 ms to 250 ms), and enough slots to
// hold a full ping interval plus timeout without wrapping.
func newWheel(pingInterval, pingTimeout time.Duration) *wheel {
	tick := min(pingInterval, pingTimeout) / 20
	tick = max(5*time.Millisecond, min(tick, 250*time.Millisecond))
	n := int((pingInterval+pingTimeout)/tick) + 2
	return &wheel{tick: tick, start: time.Now(), slots: make([][]wheelEntry, n)}
}

// schedule makes s's heartbeat run at (or just after) at, for generation
// gen. added tells whether s was not scheduled before (counted as live).
// Called with s.mu held.
func (w *wheel) schedule(s *Session, gen uint64, at time.Time, added bool) {
	t := int64(at.Sub(w.start)+w.tick-1) / int64(w.tick) // round up: never early
	w.mu.Lock()
	if t <= w.now {
		t = w.now + 1
	}
	i := t % int64(len(w.slots))
	if s.hbRef == nil {
		s.hbRef = &hbRef{}
		s.hbRef.s.Store(s)
	}
	w.slots[i] = append(w.slots[i], wheelEntry{s.hbRef, gen, t})
	if added {
		w.live++
	}
	if !w.running {
		w.running = true
		go w.run()
	}
	w.mu.Unlock()
}

// remove uncounts a closed session that was scheduled. Called with s.mu
// held.
func (w *wheel) remove() {
	w.mu.Lock()
	w.live--
	w.mu.Unlock()
}

// lateTicks is how far behind the wheel may fall before it counts as a
// stall.
const lateTicks = 3

func (w *wheel) run() {
	t := time.NewTicker(w.tick)
	defer t.Stop()
	for range t.C {
		target := int64(time.Since(w.start) / w.tick)
		// Catching up after a stall (of this process or of the machine):
		// the readers were stalled too, and pongs may be waiting unread in
		// their sockets. Deadlines that fell due meanwhile are moved past
		// the stall instead of closing sessions for the server's delay.
		w.mu.Lock()
		late := target-w.now > lateTicks
		w.mu.Unlock()
		for {
			w.mu.Lock()
			if w.live <= 0 {
				// Nobody left: drop the stale entries and stop.
				for i := range w.slots {
					clear(w.slots[i])
					w.slots[i] = w.slots[i][:0]
				}
				w.running = false
				w.mu.Unlock()
				return
			}
			if w.now >= target {
				w.mu.Unlock()
				break
			}
			w.now++
			i := w.now % int64(len(w.slots))
			due := w.slots[i]
			w.slots[i] = w.spare[:0]
			w.spare = nil
			w.mu.Unlock()
			for _, e := range due {
				sess := e.ref.s.Load()
				if sess == nil {
					continue // closed
				}
				if e.at > w.now {
					// Scheduled a full turn ahead (a deadline past the
					// wheel's span): back in for later.
					sess.mu.Lock()
					if e.gen == sess.hbGen && !sess.closed {
						w.schedule(sess, e.gen, w.start.Add(time.Duration(e.at)*w.tick), false)
					}
					sess.mu.Unlock()
					continue
				}
				if late && sess.postponeExpiry(e.gen, w.start.Add(time.Duration(target+lateTicks)*w.tick)) {
					continue
				}
				sess.heartbeat(e.gen)
			}
			clear(due)
			w.mu.Lock()
			if w.spare == nil {
				w.spare = due[:0]
			}
			w.mu.Unlock()
		}
	}
}
