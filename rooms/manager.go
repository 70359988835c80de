package rooms

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/rpsio/rpsio/game"
)

// Manager runs the rooms of one or more games: matchmaking, seats,
// reconnect grace, timers and event delivery, with the rules of each game
// behind game.Rules. It is safe for concurrent use. Create it with New and
// stop it with Shutdown.
type Manager struct {
	store  Store
	notify Notifier
	sub    Subscriber      // nil if notify is not one
	lsub   LocalSubscriber // nil if notify is not one
	clock  Clock
	log    *slog.Logger
	games  map[string]game.Rules
	grace  time.Duration
	sweep  time.Duration
	delay  time.Duration // Options.SweepDelay
	hold   time.Duration // Options.RecoveryHold
	// unavailable is when a store call last failed with ErrStoreDown
	// (Unix ns; 0: never), for RecoveryHold.
	unavailable atomic.Int64

	// ctx is passed to the notifier; cancel is called by Shutdown.
	ctx    context.Context
	cancel context.CancelFunc

	mu         sync.Mutex
	closed     bool
	rts        map[string]*roomRT
	matching   map[string]chan struct{} // matchmaking lock per "game/size" (lockMatch)
	sweepTimer Timer
	// wg counts the calls in progress and the armed timers: wg.Add happens
	// under mu while !closed, so it never races with Shutdown's wg.Wait.
	wg sync.WaitGroup
}

// roomRT is this process's runtime for a room: its timer and its queue of
// events to publish. Lock order: a matchmaking lock (Manager.lockMatch),
// then roomRT.mu, then Manager.mu; qmu is a leaf.
type roomRT struct {
	id string

	// mu serializes this process's updates of the room with the queueing of
	// the events they cause, so that events are queued in the order of the
	// changes. It also guards the timer fields.
	mu      sync.Mutex
	timer   Timer
	timerAt time.Time
	gen     uint64 // bumped by each new timer; a stale timer's tick does nothing
	// fails counts the wake-ups in a row that failed (a store call out of
	// time): the next try comes soon, later after each failure.
	fails int

	qmu      sync.Mutex
	queue    []item
	draining bool
}

// item is something to deliver: an event, or a (un)subscription when player
// is set. An item with catchUp set is expanded, once the change is stored,
// into the events that catch player up (the room, if withRoom, then the
// game's View), for them only.
type item struct {
	ev       Event
	player   string
	unsub    bool
	catchUp  bool
	withRoom bool
}

// New returns a Manager configured by opts (see Options for the defaults).
// It fails if opts has no games, a repeated game name or a negative
// duration.
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
		games:    map[string]game.Rules{},
		grace:    o.ReconnectGrace,
		sweep:    o.SweepInterval,
		delay:    o.SweepDelay,
		hold:     o.RecoveryHold,
		rts:      map[string]*roomRT{},
		matching: map[string]chan struct{}{},
	}
	for _, g := range o.Games {
		m.games[g.Name()] = g
	}
	m.sub, _ = o.Notifier.(Subscriber)
	m.lsub, _ = o.Notifier.(LocalSubscriber)
	m.ctx, m.cancel = context.WithCancel(context.Background())
	if m.sweep > 0 {
		m.mu.Lock()
		m.armSweep()
		m.mu.Unlock()
	}
	return m, nil
}

// Rules returns the game called name, nil if the Manager does not run it.
func (m *Manager) Rules(name string) game.Rules { return m.games[name] }

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
// ctx.Err(). Rooms stay in the store as they are: nothing due is applied.
// Shutdown may be called more than once.
func (m *Manager) Shutdown(ctx context.Context) error {
	m.mu.Lock()
	m.closed = true
	rts := make([]*roomRT, 0, len(m.rts))
	for _, rt := range m.rts {
		rts = append(rts, rt)
	}
	if m.sweepTimer != nil && m.sweepTimer.Stop() {
		m.wg.Done()
	}
	m.sweepTimer = nil
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

// armSweep arms the sweep timer. Called with m.mu held, !m.closed.
func (m *Manager) armSweep() {
	m.wg.Add(1)
	m.sweepTimer = m.clock.AfterFunc(m.sweep, func() {
		defer m.wg.Done()
		ctx, cancel := context.WithTimeout(m.ctx, backgroundTimeout)
		if err := m.Sweep(ctx); err != nil && !errors.Is(err, ErrClosed) {
			m.log.Warn("sweep", "err", err)
		}
		cancel()
		m.gcRuntimes()
		m.mu.Lock()
		if !m.closed {
			m.armSweep()
		}
		m.mu.Unlock()
	})
}

// lockRT returns the runtime of room id, locked, creating it if needed. It
// is the map's current one: gcRuntimes may have dropped the one runtime
// returned, in which case lockRT takes the new one.
func (m *Manager) lockRT(id string) *roomRT {
	for {
		rt := m.runtime(id)
		rt.mu.Lock()
		m.mu.Lock()
		current := m.rts[id] == rt
		m.mu.Unlock()
		if current {
			return rt
		}
		rt.mu.Unlock()
	}
}

// gcRuntimes drops the runtimes of rooms with nothing armed or queued
// here: with several processes, rooms another process deleted (this one
// does not hear of it) would otherwise stay in the map for good. A runtime
// in use is skipped (its lock is held) or taken again by lockRT.
func (m *Manager) gcRuntimes() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, rt := range m.rts {
		// TryLock: the lock order is rt.mu then m.mu; not waiting keeps it.
		if !rt.mu.TryLock() {
			continue
		}
		if rt.timer == nil {
			rt.qmu.Lock()
			idle := len(rt.queue) == 0 && !rt.draining
			rt.qmu.Unlock()
			if idle {
				delete(m.rts, id)
			}
		}
		rt.mu.Unlock()
	}
}

// runtime returns the runtime of room id, creating it if needed. Lock it
// with lockRT.
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

// tx is one attempt at changing a room inside Store.Update: the room, its
// decoded game state, and what the change causes.
type tx struct {
	m     *Manager
	r     *Room
	rules game.Rules
	st    game.State
	now   time.Time
	items []item
	// settled counts the rounds settled by the change.
	settled int64
	// unchanged: the change stored nothing (ErrNoChange).
	unchanged bool
}

// event queues a game event; a nil-Data EventRoom is the room placeholder,
// rendered once the change is stored.
func (t *tx) event(ev game.Event) {
	t.items = append(t.items, item{ev: Event{Name: ev.Name, Data: ev.Data}})
}

func (t *tx) room() { t.event(game.RoomEvent()) }

func (t *tx) subscribe(playerID string, unsub bool) {
	t.items = append(t.items, item{player: playerID, unsub: unsub})
}

// catchUp queues, for playerID only, the room (if withRoom) and the
// game's View, rendered once the change is stored.
func (t *tx) catchUp(playerID string, withRoom bool) {
	t.items = append(t.items, item{player: playerID, catchUp: true, withRoom: withRoom})
}

// apply applies what a game step caused.
func (t *tx) apply(s game.Step) {
	for _, ev := range s.Events {
		t.event(ev)
	}
	t.settled += int64(s.Settled)
	switch {
	case s.Over && t.r.Phase == Playing:
		t.r.Phase = Over
	case s.Reopen && t.r.Phase == Playing:
		t.r.Phase = Waiting
	}
}

// sit seats a player; the room starts when that fills it.
func (t *tx) sit(playerID, name string) error {
	t.r.Players = append(t.r.Players, Seat{PlayerID: playerID, Name: name, Connected: true})
	t.subscribe(playerID, false)
	t.room()
	return t.startIfFull()
}

// startIfFull starts the game of a waiting room whose seats are all
// taken.
func (t *tx) startIfFull() error {
	if t.r.Phase != Waiting || len(t.r.Players) < t.r.Size {
		return nil
	}
	players := make([]game.Player, len(t.r.Players))
	for i, s := range t.r.Players {
		players[i] = game.Player{ID: s.PlayerID, Connected: s.Connected}
	}
	var seed [32]byte
	_, _ = crand.Read(seed[:]) // never fails
	step, err := t.st.Start(players, t.now, rand.New(rand.NewChaCha8(seed)))
	if err != nil {
		return fmt.Errorf("start room %q: %w", t.r.ID, err)
	}
	t.r.Phase = Playing
	t.apply(step)
	return nil
}

// unseat removes seat i, for a leave or the end of a reconnect grace.
func (t *tx) unseat(i int) {
	id := t.r.Players[i].PlayerID
	t.r.Players = slices.Delete(t.r.Players, i, i+1)
	t.subscribe(id, true)
	if len(t.r.Players) > 0 {
		t.room()
	}
	t.apply(t.st.Leave(id, t.now))
}

// presence marks seat i connected or not.
func (t *tx) presence(i int, connected bool) {
	s := &t.r.Players[i]
	if s.Connected == connected {
		return
	}
	s.Connected, s.GraceUntil = connected, time.Time{}
	if !connected {
		s.GraceUntil = t.now.Add(t.m.grace)
	}
	t.room()
	t.apply(t.st.Presence(s.PlayerID, connected, t.now))
}

// maxDue bounds the transitions one advance applies: a game whose WakeAt
// does not move past now would otherwise loop forever.
const maxDue = 1000

// advance applies the room's timed transitions due at now, earliest first
// (on a tie, the game's before the ends of graces, in seat order).
func (t *tx) advance() error {
	// A room filled by a Matcher waits for its game to start.
	if t.r.Phase == Waiting && len(t.r.Players) >= t.r.Size {
		if n := len(t.items); n == 0 || t.items[n-1].player != "" || t.items[n-1].ev.Name != EventRoom || t.items[n-1].ev.Data != nil {
			t.room() // (unless one is queued just before: a state reset)
		}
		if err := t.startIfFull(); err != nil {
			return err
		}
	}
	for n := 0; len(t.r.Players) > 0; n++ {
		if n == maxDue {
			return fmt.Errorf("room %q: game %q stays due at %v", t.r.ID, t.r.Game, t.now)
		}
		gameAt := t.gameWake()
		if gameAt.After(t.now) {
			gameAt = time.Time{}
		}
		seat, graceAt := -1, time.Time{}
		for i, s := range t.r.Players {
			if !s.Connected && !s.GraceUntil.After(t.now) && (seat < 0 || s.GraceUntil.Before(graceAt)) {
				seat, graceAt = i, s.GraceUntil
			}
		}
		switch {
		case !gameAt.IsZero() && (seat < 0 || !graceAt.Before(gameAt)):
			t.apply(t.st.Due(t.now))
		case seat >= 0:
			t.m.log.Debug("reconnect grace expired", "room", t.r.ID, "player", t.r.Players[seat].PlayerID)
			t.unseat(seat)
		default:
			return nil
		}
	}
	return nil
}

// gameWake is the game's next timed transition, while it plays.
func (t *tx) gameWake() time.Time {
	if t.r.Phase != Playing {
		return time.Time{}
	}
	return t.st.WakeAt()
}

// wake is the room's next timed transition, zero if none.
func (t *tx) wake() time.Time {
	at := t.gameWake()
	for _, s := range t.r.Players {
		if !s.Connected && (at.IsZero() || s.GraceUntil.Before(at)) {
			at = s.GraceUntil
		}
	}
	return at
}

// roster is the room as a game sees it.
func roster(r *Room) game.Roster {
	ro := game.Roster{ID: r.ID, Size: r.Size, Phase: r.Phase.String(), Players: make([]game.Seat, len(r.Players))}
	for i, s := range r.Players {
		ro.Players[i] = game.Seat{ID: s.PlayerID, Name: s.Name, Connected: s.Connected}
	}
	return ro
}

// begin decodes the room's game state for a change at now.
func (m *Manager) begin(r *Room, now time.Time) (*tx, error) {
	rules := m.games[r.Game]
	if rules == nil {
		return nil, fmt.Errorf("room %q: %w: %q", r.ID, errForeignGame, r.Game)
	}
	t := &tx{m: m, r: r, rules: rules, now: now}
	st, err := rules.Decode(r.State)
	if err != nil {
		// A damaged state must not stall the room forever: start the game
		// over, keeping the players.
		m.log.Error("room state unreadable: game reset", "room", r.ID, "game", r.Game, "err", err)
		st = rules.New(r.ID, r.Size)
		if r.Phase != Waiting {
			r.Phase = Waiting
			t.room()
		}
	}
	t.st = st
	return t, nil
}

// finish encodes the state back into the room.
func (t *tx) finish() error {
	b, err := t.st.Encode()
	if err != nil {
		return fmt.Errorf("room %q: encode %s state: %w", t.r.ID, t.r.Game, err)
	}
	t.r.State = b
	t.r.WakeAt = t.wake()
	return nil
}

// sameRoom reports whether an update changed nothing that is stored.
func sameRoom(a, b *Room) bool {
	if a.Phase != b.Phase || a.Size != b.Size || !a.WakeAt.Equal(b.WakeAt) || !bytes.Equal(a.State, b.State) || len(a.Players) != len(b.Players) {
		return false
	}
	for i := range a.Players {
		x, y := a.Players[i], b.Players[i]
		if x.PlayerID != y.PlayerID || x.Name != y.Name || x.Connected != y.Connected || !x.GraceUntil.Equal(y.GraceUntil) {
			return false
		}
	}
	return true
}

// update applies fn to room id through the store, then queues the events it
// caused, reschedules the room's timer and publishes the events. It returns
// the stored room and the state fn left.
func (m *Manager) update(ctx context.Context, id string, fn func(t *tx) error) (*Room, game.State, error) {
	r, st, deliver, err := m.updateDeferred(ctx, id, fn)
	if err != nil {
		return nil, nil, err
	}
	deliver()
	return r, st, nil
}

// updateDeferred is update, leaving the slow part (counting, publishing
// the events) to the deliver function it returns, for a caller to run
// after releasing its own locks.
func (m *Manager) updateDeferred(ctx context.Context, id string, fn func(t *tx) error) (*Room, game.State, func(), error) {
	var t *tx
	rt := m.lockRT(id)
	r, counted, err := m.storeUpdate(ctx, rt.id, &t, func(r *Room) error {
		orig := r.Clone()
		var err error
		if t, err = m.begin(r, m.clock.Now()); err != nil {
			return err
		}
		if err := fn(t); err != nil {
			return err
		}
		if err := t.finish(); err != nil {
			return err
		}
		if sameRoom(orig, r) {
			t.unchanged = true
			return ErrNoChange
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, ErrRoomNotFound) {
			m.forget(rt)
		}
		rt.mu.Unlock()
		return nil, nil, nil, err
	}
	m.commit(rt, r, t)
	rt.mu.Unlock()
	settled := t.settled
	if counted {
		settled = 0 // counted by the store with the change
	}
	return r, t.st, func() { m.after(ctx, rt, settled) }, nil
}

// preSubscribe puts playerID's connections on this process in roomID's
// channel before a change that seats them there is stored
// (LocalSubscriber); unsub undoes it.
func (m *Manager) preSubscribe(ctx context.Context, game, roomID, playerID string, unsub bool) {
	if m.lsub == nil {
		return
	}
	defer func() {
		if p := recover(); p != nil {
			m.log.Error("notifier panicked", "room", roomID, "panic", p)
		}
	}()
	if unsub {
		m.lsub.UnsubscribeLocal(ctx, game, roomID, playerID)
	} else {
		m.lsub.SubscribeLocal(ctx, game, roomID, playerID)
	}
}

// storeUpdate is m.store.Update, or UpdateCounting with the rounds that *t
// (set by fn) settled when the store counts them itself (counted), noting
// when the store is unavailable.
func (m *Manager) storeUpdate(ctx context.Context, id string, t **tx, fn func(r *Room) error) (r *Room, counted bool, err error) {
	if cu, ok := m.store.(CountingUpdater); ok {
		r, err = cu.UpdateCounting(ctx, id, func(r *Room) (int64, error) {
			err := fn(r)
			if *t == nil || err != nil {
				return 0, err
			}
			return (*t).settled, nil
		})
		counted = true
	} else {
		r, err = m.store.Update(ctx, id, fn)
	}
	m.noteErr(err)
	return r, counted, err
}

// noteErr notes a store call's error for RecoveryHold.
func (m *Manager) noteErr(err error) {
	if err != nil && m.hold > 0 && errors.Is(err, ErrStoreDown) {
		m.unavailable.Store(m.clock.Now().UnixNano())
	}
}

// heldUntil is when timer-driven transitions may run again after the store
// was unavailable; zero if they may run now.
func (m *Manager) heldUntil(now time.Time) time.Time {
	last := m.unavailable.Load()
	if last == 0 {
		return time.Time{}
	}
	if until := time.Unix(0, last).Add(m.hold); until.After(now) {
		return until
	}
	return time.Time{}
}

// commit renders and queues t's items and reschedules the room's timer
// after r was stored. Called with rt.mu held.
func (m *Manager) commit(rt *roomRT, r *Room, t *tx) {
	rt.fails = 0
	items := make([]item, 0, len(t.items))
	var ro *game.Roster
	roomData := func() any {
		if ro == nil {
			x := roster(r)
			ro = &x
		}
		return t.st.Room(*ro)
	}
	for _, it := range t.items {
		it.ev.Game, it.ev.RoomID, it.ev.Seq = r.Game, r.ID, r.Version
		switch {
		case len(r.Players) == 0 && it.catchUp:
			// Nobody left to catch up. Room-wide events still go out: the
			// update that emptied the room may have settled a round, and
			// every settled round has its result.
		case it.catchUp:
			if r.Seat(it.player) < 0 {
				continue
			}
			ev := it.ev
			ev.To = it.player
			if it.withRoom {
				ev.Name, ev.Data = EventRoom, roomData()
				items = append(items, item{ev: ev})
			}
			for _, v := range t.st.View(it.player, roster(r)) {
				ev.Name, ev.Data = v.Name, v.Data
				items = append(items, item{ev: ev})
			}
		case it.player == "" && it.ev.Name == EventRoom && it.ev.Data == nil:
			it.ev.Data = roomData()
			items = append(items, it)
		default:
			items = append(items, it)
		}
	}
	rt.qmu.Lock()
	rt.queue = append(rt.queue, items...)
	rt.qmu.Unlock()
	if len(r.Players) == 0 {
		m.log.Debug("room deleted", "room", r.ID)
		m.forget(rt)
		return
	}
	if t.unchanged && m.sweep > 0 {
		// Every process arms a timer for what it changed. A wake-up (or a
		// call) that changed nothing leaves the timers as they are: with
		// several processes, the room's next transition belongs to the one
		// that made the last change, and sweeping covers its death.
		return
	}
	m.schedule(rt, r.WakeAt)
}

// after does the slow part of an update, outside the locks.
func (m *Manager) after(ctx context.Context, rt *roomRT, settled int64) {
	if settled > 0 {
		if err := m.store.AddSettled(ctx, settled); err != nil {
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
		m.log.Debug("publish", "room", it.ev.RoomID, "event", it.ev.Name, "seq", it.ev.Seq, "to", it.ev.To)
		m.notify.Publish(m.ctx, it.ev)
	case m.sub == nil:
	case it.unsub:
		m.sub.Unsubscribe(m.ctx, it.ev.Game, it.ev.RoomID, it.player)
	default:
		m.sub.Subscribe(m.ctx, it.ev.Game, it.ev.RoomID, it.player)
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
	if until := m.heldUntil(m.clock.Now()); !until.IsZero() {
		rt := m.lockRT(rt.id)
		if rt.timer == nil {
			m.schedule(rt, until) // the store was down: give the cluster a moment
		}
		rt.mu.Unlock()
		return
	}
	ctx, cancel := context.WithTimeout(m.ctx, backgroundTimeout)
	_, _, err := m.update(ctx, rt.id, func(t *tx) error { return t.advance() })
	cancel()
	if err == nil || errors.Is(err, ErrRoomNotFound) {
		return // (commit reset rt.fails)
	}
	rt = m.lockRT(rt.id)
	defer rt.mu.Unlock()
	// Try again soon: one slow call must not leave the round to a sweep
	// seconds later. If the store is down, RecoveryHold spaces the tries.
	m.log.Warn("room timer; trying again", "room", rt.id, "err", err, "failures", rt.fails+1)
	d := retryDelay(rt.fails)
	rt.fails++
	if rt.timer == nil {
		m.schedule(rt, m.clock.Now().Add(d))
	}
}

// retryDelay is how long a room timer waits before trying again after its
// n+1-th failure in a row: 20 ms, doubling up to a second.
func retryDelay(n int) time.Duration {
	return min(20*time.Millisecond<<min(n, 6), time.Second)
}

func newRoomID() string {
	var b [8]byte
	_, _ = crand.Read(b[:]) // crypto/rand.Read never fails
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

// errForeignGame: a room of a game this Manager does not run (a store
// shared with processes that run other games).
var errForeignGame = errors.New("rooms: room of a game not run here")

// errFull: the room is no longer a match for the join.
var errFull = errors.New("rooms: room not joinable")

// backgroundTimeout bounds the store calls of a timer's or a sweep's
// wake-up: no player waits for them, and a slow store that answers late
// is better than a transition stored with its reply lost.
const backgroundTimeout = 5 * time.Second

// maxAttempts bounds the retries of calls that race with other calls.
const maxAttempts = 16
