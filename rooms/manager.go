package rooms

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/rpsio/rpsio/game/rps"
)

// Manager runs the rooms: matchmaking, seats, rounds, reconnect grace. It is
// safe for concurrent use. Create it with New and stop it with Shutdown.
type Manager struct {
	store  Store
	notify Notifier
	sub    Subscriber // nil if notify is not one
	clock  Clock
	log    *slog.Logger

	roundDur, gap, grace time.Duration

	// ctx is passed to the notifier; cancel is called by Shutdown.
	ctx    context.Context
	cancel context.CancelFunc

	mu     sync.Mutex
	closed bool
	rts    map[string]*roomRT
	// wg counts the calls in progress and the armed timers: wg.Add happens
	// under mu while !closed, so it never races with Shutdown's wg.Wait.
	wg sync.WaitGroup
}

// roomRT is this process's runtime for a room: its timer and its queue of
// events to publish. Lock order: roomRT.mu, then Manager.mu; qmu is a leaf.
type roomRT struct {
	id string

	// mu serializes this process's updates of the room with the queueing of
	// the events they cause, so that events are queued in the order of the
	// changes. It also guards the timer fields.
	mu      sync.Mutex
	timer   Timer
	timerAt time.Time
	gen     uint64 // bumped by each new timer; a stale timer's tick does nothing

	qmu      sync.Mutex
	queue    []item
	draining bool
}

// item is something to deliver: an event, or a (un)subscription when player
// is set.
type item struct {
	ev     Event
	player string
	unsub  bool
}

// effects collects what an update causes, to act on once it is committed.
type effects struct {
	items   []item
	settled int64
}

func (fx *effects) event(roomID, name string, data any) {
	fx.items = append(fx.items, item{ev: Event{RoomID: roomID, Name: name, Data: data}})
}

// New returns a Manager configured by opts (see Options for the defaults).
// It fails only if opts has a negative duration.
func New(opts Options) (*Manager, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	m := &Manager{
		store:    o.Store,
		notify:   o.Notifier,
		clock:    o.Clock,
		log:      o.Logger,
		roundDur: o.RoundDuration,
		gap:      o.RoundGap,
		grace:    o.ReconnectGrace,
		rts:      map[string]*roomRT{},
	}
	m.sub, _ = o.Notifier.(Subscriber)
	m.ctx, m.cancel = context.WithCancel(context.Background())
	return m, nil
}

// enter registers a call in progress; the caller must call m.wg.Done.
func (m *Manager) enter() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	m.wg.Add(1)
	return nil
}

// Shutdown stops the Manager: later calls fail with ErrClosed, timers are
// stopped, and Shutdown waits until the calls in progress and the timer
// callbacks already running have returned (their events published). If ctx
// ends first, it cancels the context given to the notifier and returns
// ctx.Err(). Rooms stay in the store as they are: rounds are neither settled
// nor cancelled. Shutdown may be called more than once.
func (m *Manager) Shutdown(ctx context.Context) error {
	m.mu.Lock()
	m.closed = true
	rts := make([]*roomRT, 0, len(m.rts))
	for _, rt := range m.rts {
		rts = append(rts, rt)
	}
	m.mu.Unlock()

	done := make(chan struct{})
	go func() {
		for _, rt := range rts {
			rt.mu.Lock()
			m.stopTimer(rt)
			rt.mu.Unlock()
		}
		m.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		m.cancel()
		return nil
	case <-ctx.Done():
		m.cancel()
		return ctx.Err()
	}
}

// runtime returns the runtime of room id, creating it if needed.
func (m *Manager) runtime(id string) *roomRT {
	m.mu.Lock()
	defer m.mu.Unlock()
	rt := m.rts[id]
	if rt == nil {
		rt = &roomRT{id: id}
		m.rts[id] = rt
	}
	return rt
}

// forget drops the runtime of a room that no longer exists. Called with
// rt.mu held.
func (m *Manager) forget(rt *roomRT) {
	m.stopTimer(rt)
	m.mu.Lock()
	if m.rts[rt.id] == rt {
		delete(m.rts, rt.id)
	}
	m.mu.Unlock()
}

// update applies fn to room id through the store, then queues the events it
// caused, reschedules the room's timer and publishes the events.
func (m *Manager) update(ctx context.Context, id string, fn func(r *Room, now time.Time, fx *effects) error) (*Room, error) {
	return m.updateRT(ctx, m.runtime(id), fn)
}

func (m *Manager) updateRT(ctx context.Context, rt *roomRT, fn func(r *Room, now time.Time, fx *effects) error) (*Room, error) {
	var fx effects
	rt.mu.Lock()
	r, err := m.store.Update(ctx, rt.id, func(r *Room) error {
		fx = effects{}
		return fn(r, m.clock.Now(), &fx)
	})
	if err != nil {
		if errors.Is(err, ErrRoomNotFound) {
			m.forget(rt)
		}
		rt.mu.Unlock()
		return nil, err
	}
	m.commit(rt, r, &fx)
	rt.mu.Unlock()
	m.after(ctx, rt, &fx)
	return r, nil
}

// commit queues fx's items and reschedules the room's timer after r was
// stored. Called with rt.mu held.
func (m *Manager) commit(rt *roomRT, r *Room, fx *effects) {
	rt.qmu.Lock()
	rt.queue = append(rt.queue, fx.items...)
	rt.qmu.Unlock()
	if len(r.Players) == 0 {
		m.log.Debug("room deleted", "room", r.ID)
		m.forget(rt)
		return
	}
	m.schedule(rt, nextWake(r))
}

// after does the slow part of an update, outside the locks.
func (m *Manager) after(ctx context.Context, rt *roomRT, fx *effects) {
	if fx.settled > 0 {
		if err := m.store.AddSettled(ctx, fx.settled); err != nil {
			m.log.Warn("counting settled rounds", "room", rt.id, "err", err)
		}
	}
	m.drain(rt)
}

// drain publishes the room's queued items in order, unless another goroutine
// is already doing so (it will publish the new ones too).
func (m *Manager) drain(rt *roomRT) {
	rt.qmu.Lock()
	if rt.draining {
		rt.qmu.Unlock()
		return
	}
	rt.draining = true
	for len(rt.queue) > 0 {
		it := rt.queue[0]
		rt.queue[0] = item{}
		rt.queue = rt.queue[1:]
		rt.qmu.Unlock()
		m.deliver(it)
		rt.qmu.Lock()
	}
	rt.queue = nil
	rt.draining = false
	rt.qmu.Unlock()
}

func (m *Manager) deliver(it item) {
	defer func() {
		if p := recover(); p != nil {
			m.log.Error("notifier panicked", "room", it.ev.RoomID, "event", it.ev.Name, "panic", p)
		}
	}()
	switch {
	case it.player == "":
		m.log.Debug("publish", "room", it.ev.RoomID, "event", it.ev.Name)
		m.notify.Publish(m.ctx, it.ev)
	case m.sub == nil:
	case it.unsub:
		m.sub.Unsubscribe(m.ctx, it.ev.RoomID, it.player)
	default:
		m.sub.Subscribe(m.ctx, it.ev.RoomID, it.player)
	}
}

// schedule arms the room's timer for at (none if at is zero), replacing the
// current one. Called with rt.mu held.
func (m *Manager) schedule(rt *roomRT, at time.Time) {
	if rt.timer != nil && rt.timerAt.Equal(at) {
		return
	}
	m.stopTimer(rt)
	if at.IsZero() {
		return
	}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return
	}
	m.wg.Add(1)
	m.mu.Unlock()
	rt.gen++
	gen := rt.gen
	rt.timerAt = at
	rt.timer = m.clock.AfterFunc(at.Sub(m.clock.Now()), func() { m.tick(rt, gen) })
}

// stopTimer stops the room's timer. Called with rt.mu held.
func (m *Manager) stopTimer(rt *roomRT) {
	if rt.timer == nil {
		return
	}
	if rt.timer.Stop() {
		m.wg.Done() // the callback will not run
	}
	rt.timer, rt.timerAt = nil, time.Time{}
}

// tick runs when a room's timer fires: it applies whatever is due.
func (m *Manager) tick(rt *roomRT, gen uint64) {
	defer m.wg.Done()
	rt.mu.Lock()
	stale := rt.gen != gen
	if !stale {
		rt.timer, rt.timerAt = nil, time.Time{} // spent
	}
	rt.mu.Unlock()
	m.mu.Lock()
	closed := m.closed
	m.mu.Unlock()
	if stale || closed {
		return
	}
	_, err := m.updateRT(m.ctx, rt, func(r *Room, now time.Time, fx *effects) error {
		return m.advance(r, now, fx)
	})
	if err != nil && !errors.Is(err, ErrRoomNotFound) {
		m.log.Error("room timer", "room", rt.id, "err", err)
		rt.mu.Lock()
		if rt.timer == nil {
			m.schedule(rt, m.clock.Now().Add(time.Second)) // try again
		}
		rt.mu.Unlock()
	}
}

// nextWake returns when the room's next timed transition is due, zero if
// none.
func nextWake(r *Room) time.Time {
	var at time.Time
	consider := func(t time.Time) {
		if !t.IsZero() && (at.IsZero() || t.Before(at)) {
			at = t
		}
	}
	if r.State == Playing {
		if r.Open {
			consider(r.Deadline)
		} else {
			consider(r.NextRound)
		}
	}
	for _, s := range r.Players {
		if !s.Connected {
			consider(s.GraceUntil)
		}
	}
	return at
}

// advance applies the room's timed transitions due at now, earliest first
// (on a tie: deadline, then next round, then grace expiries in seat order).
func (m *Manager) advance(r *Room, now time.Time, fx *effects) error {
	const (
		none = iota
		deadline
		next
		grace
	)
	for len(r.Players) > 0 {
		kind, at, seat := none, time.Time{}, -1
		consider := func(k int, t time.Time, i int) {
			if !t.IsZero() && !t.After(now) && (kind == none || t.Before(at)) {
				kind, at, seat = k, t, i
			}
		}
		if r.State == Playing {
			if r.Open {
				consider(deadline, r.Deadline, -1)
			} else {
				consider(next, r.NextRound, -1)
			}
		}
		for i, s := range r.Players {
			if !s.Connected {
				consider(grace, s.GraceUntil, i)
			}
		}
		switch kind {
		case none:
			return nil
		case deadline:
			if err := m.settle(r, now, fx); err != nil {
				return err
			}
		case next:
			st := m.openRound(r, now)
			fx.event(r.ID, EventStart, st)
		case grace:
			m.log.Debug("reconnect grace expired", "room", r.ID, "player", r.Players[seat].PlayerID)
			m.unseat(r, seat, fx)
		}
	}
	return nil
}

// openRound opens the next round of a full room and returns its "start".
func (m *Manager) openRound(r *Room, now time.Time) StartEvent {
	r.State = Playing
	r.Round++
	r.Open = true
	r.Deadline = now.Add(m.roundDur)
	r.NextRound = time.Time{}
	for i := range r.Players {
		r.Players[i].Move = rps.None
	}
	return m.start(r)
}

// settle settles the open round and schedules the next one.
func (m *Manager) settle(r *Room, now time.Time, fx *effects) error {
	players := make([]rps.Player, len(r.Players))
	moves := make(map[string]rps.Move, len(r.Players))
	for i, s := range r.Players {
		players[i] = rps.Player{ID: s.PlayerID, Streak: s.Streak, Total: s.Total}
		moves[s.PlayerID] = s.Move
	}
	res, err := rps.Settle(players, moves)
	if err != nil {
		return fmt.Errorf("settle room %q round %d: %w", r.ID, r.Round, err)
	}
	for i := range r.Players {
		s := &r.Players[i]
		s.Streak, s.Total, s.Move = res[i].Streak, res[i].Total, rps.None
	}
	r.Open = false
	r.Deadline = time.Time{}
	r.NextRound = now.Add(m.gap)
	fx.settled++
	fx.event(r.ID, EventResult, ResultEvent{RoomID: r.ID, Round: r.Round, Moves: moves, Players: res})
	fx.event(r.ID, EventRoom, view(r))
	m.log.Debug("round settled", "room", r.ID, "round", r.Round)
	return nil
}

// unseat removes seat i. A playing room goes back to waiting, its open round
// (if any) cancelled.
func (m *Manager) unseat(r *Room, i int, fx *effects) {
	id := r.Players[i].PlayerID
	r.Players = append(r.Players[:i], r.Players[i+1:]...)
	fx.items = append(fx.items, item{ev: Event{RoomID: r.ID}, player: id, unsub: true})
	if r.State == Playing {
		r.State = Waiting
		r.Open = false
		r.Deadline, r.NextRound = time.Time{}, time.Time{}
		for j := range r.Players {
			r.Players[j].Move = rps.None
		}
	}
	if len(r.Players) > 0 {
		fx.event(r.ID, EventRoom, view(r))
	}
}

func view(r *Room) RoomView {
	v := RoomView{ID: r.ID, Size: r.Size, State: r.State.String(), Round: r.Round, Players: make([]PlayerView, len(r.Players))}
	for i, s := range r.Players {
		v.Players[i] = PlayerView{ID: s.PlayerID, Name: s.Name, Connected: s.Connected, Total: s.Total, Streak: s.Streak}
	}
	return v
}

func (m *Manager) status(r *Room, playerID string) *Status {
	st := &Status{Room: view(r)}
	if r.State == Playing && r.Open {
		se := m.start(r)
		st.Round = &se
		if i := r.seat(playerID); i >= 0 {
			st.Move = r.Players[i].Move
		}
	}
	return st
}

// start returns the "start" payload of r's open round.
func (m *Manager) start(r *Room) StartEvent {
	return StartEvent{RoomID: r.ID, Round: r.Round, Deadline: r.Deadline.UnixMilli(), Duration: m.roundDur.Milliseconds()}
}

func newRoomID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

func checkPlayerID(playerID string) error {
	if playerID == "" || len(playerID) > MaxPlayerIDLen || !utf8.ValidString(playerID) {
		return fmt.Errorf("%w: player id must be 1..%d bytes of UTF-8", ErrBadRequest, MaxPlayerIDLen)
	}
	return nil
}

// errRetry: the player's seat moved while we looked; look again.
var errRetry = errors.New("rooms: retry")

// errFull: the room is no longer a match for the join.
var errFull = errors.New("rooms: room not joinable")

// maxAttempts bounds the retries of calls that race with other calls.
const maxAttempts = 16
