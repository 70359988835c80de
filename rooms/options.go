package rooms

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// Defaults and limits.
const (
	DefaultRoundDuration  = 10 * time.Second
	DefaultRoundGap       = 3 * time.Second
	DefaultReconnectGrace = 30 * time.Second

	DefaultSize = 2 // room size when Join is given 0
	MinSize     = 2
	MaxSize     = 8

	MaxPlayerIDLen = 128 // bytes
	MaxNameLen     = 64  // bytes
)

// Options configure a Manager. The zero value is usable: every zero field
// gets the default documented on it. Negative durations are an error.
type Options struct {
	// Store holds the rooms. Default: NewMemoryStore().
	Store Store
	// Notifier receives the events. Default: events are dropped. If it also
	// implements Subscriber, it is told who sits where.
	Notifier Notifier
	// RoundDuration is how long a round stays open. Default 10s.
	RoundDuration time.Duration
	// RoundGap is the pause between a result and the next round's start.
	// Default 3s.
	RoundGap time.Duration
	// NoRoundGap starts the next round right after a result; RoundGap is
	// then ignored. (A zero RoundGap means the default, as every zero here.)
	NoRoundGap bool
	// ReconnectGrace is how long a disconnected player keeps the seat.
	// Default 30s.
	ReconnectGrace time.Duration
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
// error for negative durations.
func (o Options) withDefaults() (Options, error) {
	if o.RoundDuration < 0 || o.RoundGap < 0 || o.ReconnectGrace < 0 {
		return o, errors.New("rooms: negative duration in Options")
	}
	if o.Store == nil {
		o.Store = NewMemoryStore()
	}
	if o.Notifier == nil {
		o.Notifier = discard{}
	}
	if o.RoundDuration == 0 {
		o.RoundDuration = DefaultRoundDuration
	}
	if o.NoRoundGap {
		o.RoundGap = 0
	} else if o.RoundGap == 0 {
		o.RoundGap = DefaultRoundGap
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
