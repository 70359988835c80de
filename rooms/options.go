package rooms

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/rpsio/rpsio/game"
)

// Defaults and limits.
const (
	DefaultReconnectGrace = 30 * time.Second
	// DefaultSweepLimit is how many due rooms Sweep takes from the store
	// at a time.
	DefaultSweepLimit = 100

	MaxPlayerIDLen = 128 // bytes
	MaxNameLen     = 64  // bytes
)

// Options configure a Manager. Games is required; every other zero field
// gets the default documented on it. Negative durations are an error.
type Options struct {
	// Games are the games the Manager runs rooms of, each under its
	// Name(), which must be unique.
	Games []game.Rules
	// Store holds the rooms. Default: NewMemoryStore().
	Store Store
	// Notifier receives the events. Default: events are dropped. If it also
	// implements Subscriber, it is told who sits where.
	Notifier Notifier
	// ReconnectGrace is how long a disconnected player keeps the seat.
	// Default 30s.
	ReconnectGrace time.Duration
	// SweepInterval, if positive, makes the Manager call Sweep that often:
	// with a store shared by several processes, it applies what is due in
	// rooms whose timers were held by a process that died. Default 0: no
	// sweeping (each process's own timers suffice for a store it alone
	// uses).
	SweepInterval time.Duration
	// SweepDelay is how late a room must be before Sweep wakes it: the
	// process that last changed the room has a timer armed for it, and
	// goes first. Sweep also claims each room it wakes (for
	// SweepInterval) if the Store is a Claimer, so that processes sweeping
	// together wake a room once. With a SweepInterval, the node that held
	// a room's timer may die and the room be woken SweepDelay +
	// SweepInterval after it was due (plus the time of the update).
	// Default 0.
	SweepDelay time.Duration
	// RecoveryHold: after a store call failed with ErrStoreDown (a shared
	// store's Redis was down, not merely slow for a call), the transitions that timers and sweeps make
	// (rounds due, turns timed out, graces ended) wait until the store has
	// been answering for this long; players' own calls do not wait. With
	// several nodes, it gives each node's Socket.IO adapter time to
	// resubscribe to Redis, so that the results of the rounds that fell due
	// during the outage reach every player rather than being published
	// while some nodes cannot hear them. Default 0.
	RecoveryHold time.Duration
	// Clock tells the time and runs the timers. Default: the system clock
	// (time.Now, time.AfterFunc). Tests can drive time with a fake one, e.g.
	// roomstest.Clock.
	Clock Clock
	// Logger. Default: logs are discarded.
	Logger *slog.Logger
}

// Clock is the source of time and timers of a Manager.
type Clock interface {
	Now() time.Time
	// AfterFunc calls f in its own goroutine once d has elapsed, like
	// time.AfterFunc. It must not call f synchronously.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a timer made by Clock.AfterFunc.
type Timer interface {
	// Stop prevents the call if it has not started; it reports whether it
	// did, like (*time.Timer).Stop.
	Stop() bool
}

type systemClock struct{}

func (systemClock) Now() time.Time                            { return time.Now() }
func (systemClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }

type discard struct{}

func (discard) Publish(ctx context.Context, ev Event) {}

// withDefaults returns o with every zero field set to its default, or an
// error.
func (o Options) withDefaults() (Options, error) {
	if o.ReconnectGrace < 0 || o.SweepInterval < 0 || o.SweepDelay < 0 || o.RecoveryHold < 0 {
		return o, errors.New("rooms: negative duration in Options")
	}
	if len(o.Games) == 0 {
		return o, errors.New("rooms: no games in Options")
	}
	seen := map[string]bool{}
	for _, g := range o.Games {
		n := g.Name()
		if n == "" || len(n) > MaxGameLen || seen[n] {
			return o, fmt.Errorf("rooms: game name %q empty, too long or repeated", n)
		}
		seen[n] = true
		if min, max, def := g.Sizes(); min < 1 || max > MaxRoomSize || def < min || def > max {
			return o, fmt.Errorf("rooms: game %q: bad sizes %d..%d (default %d)", n, min, max, def)
		}
	}
	if o.Store == nil {
		o.Store = NewMemoryStore()
	}
	if o.Notifier == nil {
		o.Notifier = discard{}
	}
	if o.ReconnectGrace == 0 {
		o.ReconnectGrace = DefaultReconnectGrace
	}
	if o.Clock == nil {
		o.Clock = systemClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o, nil
}
