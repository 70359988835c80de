// Package roomstest has test doubles for package rooms: a fake Clock that
// tests advance by hand, and a Recorder that keeps the events a Manager
// publishes. Both are safe for concurrent use.
package roomstest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/rpsio/rpsio/rooms"
)

// Clock is a fake rooms.Clock. Time stands still until Advance moves it.
type Clock struct {
	advance sync.Mutex // serializes Advance calls

	mu     sync.Mutex
	now    time.Time
	seq    int
	timers []*timer
}

type timer struct {
	c   *Clock
	at  time.Time
	seq int
	f   func()
}

// NewClock returns a Clock showing start (a fixed date if zero).
func NewClock(start time.Time) *Clock {
	if start.IsZero() {
		start = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return &Clock{now: start}
}

var _ rooms.Clock = (*Clock)(nil)

// Now returns the fake time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// AfterFunc arranges for f to be called when Advance reaches now+d. If d <= 0,
// f is called at once in its own goroutine, like time.AfterFunc.
func (c *Clock) AfterFunc(d time.Duration, f func()) rooms.Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	t := &timer{c: c, at: c.now.Add(d), seq: c.seq, f: f}
	if d <= 0 {
		go f()
		return t // Stop reports false: f has started
	}
	c.timers = append(c.timers, t)
	return t
}

// Stop implements rooms.Timer.
func (t *timer) Stop() bool {
	c := t.c
	c.mu.Lock()
	defer c.mu.Unlock()
	i := slices.Index(c.timers, t)
	if i < 0 {
		return false
	}
	c.timers = slices.Delete(c.timers, i, i+1)
	return true
}

// Advance moves the time forward by d. Timers due by then fire one at a time,
// earliest first, each with the clock showing its due time, synchronously in
// the caller's goroutine; timers they arm fire too if due by now+d.
func (c *Clock) Advance(d time.Duration) {
	c.advance.Lock()
	defer c.advance.Unlock()
	c.mu.Lock()
	end := c.now.Add(d)
	for {
		var next *timer
		for _, t := range c.timers {
			if !t.at.After(end) && (next == nil || t.at.Before(next.at) || (t.at.Equal(next.at) && t.seq < next.seq)) {
				next = t
			}
		}
		if next == nil {
			break
		}
		c.timers = slices.DeleteFunc(c.timers, func(t *timer) bool { return t == next })
		if next.at.After(c.now) {
			c.now = next.at
		}
		c.mu.Unlock()
		next.f()
		c.mu.Lock()
	}
	if end.After(c.now) {
		c.now = end
	}
	c.mu.Unlock()
}

// Pending returns the due times of the armed timers, earliest first.
func (c *Clock) Pending() []time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]time.Time, len(c.timers))
	for i, t := range c.timers {
		out[i] = t.at
	}
	slices.SortFunc(out, time.Time.Compare)
	return out
}

// Recorder is a rooms.Notifier (and rooms.Subscriber) that records what it
// is told, for tests to wait on.
type Recorder struct {
	mu     sync.Mutex
	events []rooms.Event
	read   int
	signal chan struct{} // has a value when events were added
	subs   map[string]map[string]bool
}

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder {
	return &Recorder{signal: make(chan struct{}, 1), subs: map[string]map[string]bool{}}
}

var (
	_ rooms.Notifier   = (*Recorder)(nil)
	_ rooms.Subscriber = (*Recorder)(nil)
)

// Publish records ev.
func (r *Recorder) Publish(_ context.Context, ev rooms.Event) {
	r.mu.Lock()
	r.events = append(r.events, ev)
	r.mu.Unlock()
	select {
	case r.signal <- struct{}{}:
	default:
	}
}

// Subscribe records that playerID is subscribed to roomID.
func (r *Recorder) Subscribe(_ context.Context, _, roomID, playerID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.subs[roomID] == nil {
		r.subs[roomID] = map[string]bool{}
	}
	r.subs[roomID][playerID] = true
}

// Unsubscribe records that playerID is no longer subscribed to roomID.
func (r *Recorder) Unsubscribe(_ context.Context, _, roomID, playerID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.subs[roomID], playerID)
	if len(r.subs[roomID]) == 0 {
		delete(r.subs, roomID)
	}
}

// Subscribed returns the players subscribed to roomID, sorted.
func (r *Recorder) Subscribed(roomID string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for p := range r.subs[roomID] {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// Events returns every event recorded so far.
func (r *Recorder) Events() []rooms.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

// Next returns the first event not yet returned by Next, waiting for it
// until ctx ends.
func (r *Recorder) Next(ctx context.Context) (rooms.Event, error) {
	for {
		r.mu.Lock()
		if r.read < len(r.events) {
			ev := r.events[r.read]
			r.read++
			r.mu.Unlock()
			return ev, nil
		}
		r.mu.Unlock()
		select {
		case <-r.signal:
		case <-ctx.Done():
			return rooms.Event{}, fmt.Errorf("roomstest: waiting for an event: %w", ctx.Err())
		}
	}
}

// Pending returns the events not yet returned by Next, without consuming
// them.
func (r *Recorder) Pending() []rooms.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events[r.read:])
}
