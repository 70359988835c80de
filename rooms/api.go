package rooms

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/rpsio/rpsio/game"
)

// JoinOptions say which room Join looks for.
type JoinOptions struct {
	// Size is the number of seats of the room: 0 for the game's default,
	// else within the game's Sizes.
	Size int
	// RoomID, if set, is the room to join if it is a waiting room of the
	// game with a free seat (whatever its size); otherwise Join finds or
	// creates a room by Size.
	RoomID string
	// CatchUp: the player also gets the game's catch-up events (its View,
	// e.g. gold's "board"), for them only, in order with the room's events.
	// (Status.CatchUp holds them either way.)
	CatchUp bool
}

// Join seats playerID, displayed as name (playerID if empty), in a room of
// game: the room opts.RoomID if it takes players, else the oldest waiting
// room of opts.Size seats with a free seat, or a new room. If the player is
// already seated in a room of that game, Join returns that room whatever
// opts say, marking the player connected if they were not (as Reconnect
// does).
//
// The room's players get "room"; if the player took the last seat, the game
// starts and they get its first events. Errors: ErrBadRequest, ErrClosed,
// or the store's.
func (m *Manager) Join(ctx context.Context, gameName, playerID, name string, opts JoinOptions) (*Status, error) {
	rules, err := m.rules(gameName)
	if err != nil {
		return nil, fmt.Errorf("join: %w", err)
	}
	if err := checkPlayerID(playerID); err != nil {
		return nil, fmt.Errorf("join: %w", err)
	}
	if name == "" {
		name = playerID
	}
	if len(name) > MaxNameLen || !utf8.ValidString(name) {
		return nil, fmt.Errorf("join: %w: name must be at most %d bytes of UTF-8", ErrBadRequest, MaxNameLen)
	}
	min, max, def := rules.Sizes()
	size := opts.Size
	if size == 0 {
		size = def
	}
	if size < min || size > max {
		return nil, fmt.Errorf("join: %w: size %d not in %d..%d", ErrBadRequest, size, min, max)
	}
	if len(opts.RoomID) > MaxRoomIDLen {
		return nil, fmt.Errorf("join: %w: room id longer than %d bytes", ErrBadRequest, MaxRoomIDLen)
	}
	if err := m.enter(); err != nil {
		return nil, fmt.Errorf("join: %w", err)
	}
	defer m.wg.Done()

	// With a Matcher, the match itself finds a seated player out: no
	// look-up first.
	_, atomic := m.store.(Matcher)
	matchFirst := atomic && opts.RoomID == "" && size >= 2
	for attempt := range maxAttempts {
		if matchFirst && attempt == 0 {
			// fall through to match
		} else if st, err := m.rejoin(ctx, gameName, playerID, false, opts.CatchUp); !errors.Is(err, ErrNotInRoom) {
			if err != nil {
				return nil, fmt.Errorf("join: %w", err)
			}
			return st, nil
		}
		st, err := m.match(ctx, rules, opts, playerID, name, size)
		if errors.Is(err, ErrPlayerSeated) || errors.Is(err, errRetry) || errors.Is(err, ErrWaitingRoom) {
			// Seated concurrently (by another Join): return that room; or
			// someone opened a room of that size meanwhile: join it.
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("join: %w", err)
		}
		return st, nil
	}
	return nil, fmt.Errorf("join: player %q: too many conflicting calls", playerID)
}

func (m *Manager) rules(name string) (game.Rules, error) {
	if g := m.games[name]; g != nil {
		return g, nil
	}
	return nil, fmt.Errorf("%w: unknown game %.40q", ErrBadRequest, name)
}

// match finds the player a room: the waiting rooms of the game and size,
// then sit. This process matches one player at a time per game and size
// (the others queue, until their ctx ends), so that a burst of joins does
// not have every joiner race every other for the same waiting room, each
// race costing a round trip to the store: the contention is between
// processes only, a handful.
func (m *Manager) match(ctx context.Context, rules game.Rules, opts JoinOptions, playerID, name string, size int) (*Status, error) {
	if mt, ok := m.store.(Matcher); ok && opts.RoomID == "" && size >= 2 {
		return m.matchAtomic(ctx, mt, rules, opts, playerID, name, size)
	}
	unlock, err := m.lockMatch(ctx, rules.Name(), size)
	if err != nil {
		return nil, err
	}
	ids, err := m.store.Waiting(ctx, rules.Name(), size)
	if err != nil {
		unlock()
		return nil, err
	}
	st, deliver, err := m.sit(ctx, rules, opts, ids, playerID, name, size)
	unlock() // before publishing: a slow notifier must not hold up matchmaking
	if err != nil {
		return nil, err
	}
	deliver()
	return st, nil
}

// matchAtomic is match with a Matcher store: one call seats the player
// or opens their room, whatever other joins do meanwhile, on any process
// (no lock, no retry). A seat that fills the room is followed by the
// update that starts the game.
func (m *Manager) matchAtomic(ctx context.Context, mt Matcher, rules game.Rules, opts JoinOptions, playerID, name string, size int) (*Status, error) {
	gameName, now := rules.Name(), m.clock.Now()
	nr := &Room{ID: newRoomID(), Game: gameName, Size: size, Phase: Waiting, Players: []Seat{}, Version: 1, Created: now}
	nt := &tx{m: m, r: nr, rules: rules, st: rules.New(nr.ID, size), now: now}
	if err := nt.sit(playerID, name); err != nil {
		return nil, err
	}
	if opts.CatchUp {
		nt.catchUp(playerID, false)
	}
	if err := nt.finish(); err != nil {
		return nil, err
	}
	// As in sit: the player's sockets here are in the new room's channel
	// before anyone can see the room (undone if they join another).
	m.preSubscribe(ctx, gameName, nr.ID, playerID, false)
	nrt := m.lockRT(nr.ID)
	r, created, full, err := mt.Match(ctx, nr.Players[0], nr)
	m.noteErr(err)
	if err != nil || !created {
		m.preSubscribe(ctx, gameName, nr.ID, playerID, true)
		m.forget(nrt)
	}
	if err != nil {
		nrt.mu.Unlock()
		return nil, err
	}
	if created {
		m.commit(nrt, r, nt)
		nrt.mu.Unlock()
		m.log.Debug("room created", "game", gameName, "room", r.ID, "size", size, "player", playerID)
		m.after(ctx, nrt, 0)
		if full {
			return m.startFilled(ctx, r, nt.st, playerID)
		}
		return m.status(r, nt.st, playerID), nil
	}
	nrt.mu.Unlock()
	// Seated in a waiting room: its players (and the newcomer) get the
	// room, and the newcomer joins its channel.
	t, err := m.begin(r, now)
	if err != nil {
		return nil, err
	}
	t.subscribe(playerID, false)
	t.room()
	if opts.CatchUp {
		t.catchUp(playerID, false)
	}
	rt := m.lockRT(r.ID)
	m.commit(rt, r, t)
	rt.mu.Unlock()
	m.after(ctx, rt, 0)
	m.log.Debug("joined", "game", gameName, "room", r.ID, "player", playerID)
	if full {
		return m.startFilled(ctx, r, t.st, playerID)
	}
	return m.status(r, t.st, playerID), nil
}

// startFilled starts the game of room r, which the player's seat filled,
// and returns the player's status in it. If that fails, the seat stands:
// the room's timer (or a sweep) starts it soon.
func (m *Manager) startFilled(ctx context.Context, r *Room, st game.State, playerID string) (*Status, error) {
	r2, st2, err := m.update(ctx, r.ID, func(t *tx) error { return t.advance() })
	if err == nil {
		return m.status(r2, st2, playerID), nil
	}
	m.log.Warn("starting a full room; its timer tries again", "room", r.ID, "err", err)
	rt := m.lockRT(r.ID)
	if rt.timer == nil {
		m.schedule(rt, m.clock.Now().Add(retryDelay(0)))
	}
	rt.mu.Unlock()
	return m.status(r, st, playerID), nil
}

// lockMatch takes this process's matchmaking lock of (game, size), or
// fails with ctx's error (wrapping ErrUnavailable: the store, or the joins
// ahead waiting for it, took too long).
func (m *Manager) lockMatch(ctx context.Context, game string, size int) (unlock func(), err error) {
	key := game + "/" + strconv.Itoa(size)
	m.mu.Lock()
	ch := m.matching[key]
	if ch == nil {
		ch = make(chan struct{}, 1)
		m.matching[key] = ch
	}
	m.mu.Unlock()
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting to match: %w: %w", ErrUnavailable, ctx.Err())
	}
}

// sit seats the player in room want if it takes players, else in the first
// of the rooms ids that still has a seat, else in a new room.
func (m *Manager) sit(ctx context.Context, rules game.Rules, opts JoinOptions, ids []string, playerID, name string, size int) (*Status, func(), error) {
	gameName, want := rules.Name(), opts.RoomID
	if want != "" {
		ids = append([]string{want}, ids...)
	}
	for i, id := range ids {
		if i > 0 && id == want {
			continue
		}
		// (No preSubscribe: in a room that waits, other joiners race us; a
		// loser in the channel meanwhile would get the winner's events. The
		// room's next events are ours, and our Subscribe goes first.)
		r, st, deliver, err := m.updateDeferred(ctx, id, func(t *tx) error {
			r := t.r
			if r.Game != gameName || !r.Joinable() || (id != want && r.Size != size) {
				return errFull
			}
			if r.Seat(playerID) >= 0 {
				return errRetry
			}
			if err := t.sit(playerID, name); err != nil {
				return err
			}
			if opts.CatchUp {
				t.catchUp(playerID, false)
			}
			return nil
		})
		if errors.Is(err, errFull) || errors.Is(err, ErrRoomNotFound) {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		m.log.Debug("joined", "game", gameName, "room", r.ID, "player", playerID)
		return m.status(r, st, playerID), deliver, nil
	}

	now := m.clock.Now()
	r := &Room{ID: newRoomID(), Game: gameName, Size: size, Phase: Waiting, Players: []Seat{}, Version: 1, Created: now}
	t := &tx{m: m, r: r, rules: rules, st: rules.New(r.ID, size), now: now}
	if err := t.sit(playerID, name); err != nil {
		return nil, nil, err
	}
	if opts.CatchUp {
		t.catchUp(playerID, false)
	}
	if err := t.finish(); err != nil {
		return nil, nil, err
	}
	// A new room: nobody knows it yet, so the channel carries nothing else
	// until it is stored; from then on a joiner on another node may fill it
	// and publish at once.
	m.preSubscribe(ctx, gameName, r.ID, playerID, false)
	rt := m.lockRT(r.ID)
	if err := m.store.CreateIfNoneWaiting(ctx, r); err != nil {
		m.preSubscribe(ctx, gameName, r.ID, playerID, true)
		m.forget(rt)
		rt.mu.Unlock()
		return nil, nil, err
	}
	m.commit(rt, r, t)
	rt.mu.Unlock()
	m.log.Debug("room created", "game", gameName, "room", r.ID, "size", size, "player", playerID)
	return m.status(r, t.st, playerID), func() { m.after(ctx, rt, t.settled) }, nil
}

// seated applies fn to the room of game where playerID is seated, i being
// their seat. It fails with ErrNotInRoom if they have no seat.
func (m *Manager) seated(ctx context.Context, gameName, playerID string, fn func(t *tx, i int) error) (*Room, game.State, error) {
	return m.seatedSub(ctx, gameName, playerID, false, fn)
}

// seatedSub is seated; with subscribe, the player's connections here join
// the room's channel first (preSubscribe: the change brings them back).
func (m *Manager) seatedSub(ctx context.Context, gameName, playerID string, subscribe bool, fn func(t *tx, i int) error) (*Room, game.State, error) {
	for range maxAttempts {
		id, err := m.store.PlayerRoom(ctx, gameName, playerID)
		if err != nil {
			return nil, nil, err
		}
		if id == "" {
			return nil, nil, ErrNotInRoom
		}
		if subscribe {
			m.preSubscribe(ctx, gameName, id, playerID, false)
		}
		r, st, err := m.update(ctx, id, func(t *tx) error {
			i := t.r.Seat(playerID)
			if i < 0 || t.r.Game != gameName {
				return errRetry
			}
			return fn(t, i)
		})
		if errors.Is(err, errRetry) || errors.Is(err, ErrRoomNotFound) {
			if subscribe {
				m.preSubscribe(ctx, gameName, id, playerID, true) // not there any more
			}
			continue // left or moved meanwhile: look again
		}
		return r, st, err
	}
	return nil, nil, fmt.Errorf("player %q: too many conflicting calls", playerID)
}

// rejoin marks a seated player connected and subscribes them again; with
// withRoom or view, it also sends them the room or the game's View.
func (m *Manager) rejoin(ctx context.Context, gameName, playerID string, withRoom, view bool) (*Status, error) {
	r, st, err := m.seatedSub(ctx, gameName, playerID, true, func(t *tx, i int) error {
		t.subscribe(playerID, false)
		t.presence(i, true)
		if withRoom || view {
			t.catchUp(playerID, withRoom)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return m.status(r, st, playerID), nil
}

// enterPlayer checks a game and a player id and registers a call.
func (m *Manager) enterPlayer(gameName, playerID string) error {
	if _, err := m.rules(gameName); err != nil {
		return err
	}
	if err := checkPlayerID(playerID); err != nil {
		return err
	}
	return m.enter()
}

// Reconnect marks playerID connected again within the reconnect grace and
// returns their room of game. The room's players get "room" if the player
// was disconnected; then the player alone gets the room and the game's
// catch-up events (rps: the open round's "start"; gold: the "board"), in
// order with the room's other events. Errors: ErrBadRequest, ErrNotInRoom
// (never seated, left, or the grace expired), ErrClosed, or the store's.
func (m *Manager) Reconnect(ctx context.Context, gameName, playerID string) (*Status, error) {
	if err := m.enterPlayer(gameName, playerID); err != nil {
		return nil, fmt.Errorf("reconnect: %w", err)
	}
	defer m.wg.Done()
	st, err := m.rejoin(ctx, gameName, playerID, true, true)
	if err != nil {
		return nil, fmt.Errorf("reconnect %q: %w", playerID, err)
	}
	return st, nil
}

// Present marks playerID connected in their room of game, as Reconnect
// does, without sending them the catch-up: for a process that learns a
// player is connected through another process (cluster presence), or
// repairs a presence it could not record earlier. The room's players get
// "room" if the player was disconnected. Errors: ErrBadRequest,
// ErrNotInRoom, ErrClosed, or the store's.
func (m *Manager) Present(ctx context.Context, gameName, playerID string) error {
	if err := m.enterPlayer(gameName, playerID); err != nil {
		return fmt.Errorf("present: %w", err)
	}
	defer m.wg.Done()
	if _, err := m.rejoin(ctx, gameName, playerID, false, false); err != nil {
		return fmt.Errorf("present %q: %w", playerID, err)
	}
	return nil
}

// Disconnect marks playerID disconnected from their room of game: they keep
// their seat for the reconnect grace, then leave the room. Meanwhile the
// game goes on without them (rps: they forfeit; gold: their turns pass).
// The room's players get "room". Disconnecting an already disconnected
// player does nothing (the grace is not extended). Errors: ErrBadRequest,
// ErrNotInRoom, ErrClosed, or the store's.
func (m *Manager) Disconnect(ctx context.Context, gameName, playerID string) error {
	if err := m.enterPlayer(gameName, playerID); err != nil {
		return fmt.Errorf("disconnect: %w", err)
	}
	defer m.wg.Done()
	_, _, err := m.seated(ctx, gameName, playerID, func(t *tx, i int) error {
		t.presence(i, false)
		return nil
	})
	if err != nil {
		return fmt.Errorf("disconnect %q: %w", playerID, err)
	}
	return nil
}

// Leave takes playerID out of their room of game. The remaining players get
// "room", then whatever the game does about it (rps: an open round is
// cancelled and the room waits for a player again; gold: the player leaves
// the turn order). A room left empty is deleted. Errors: ErrBadRequest,
// ErrNotInRoom, ErrClosed, or the store's.
func (m *Manager) Leave(ctx context.Context, gameName, playerID string) error {
	if err := m.enterPlayer(gameName, playerID); err != nil {
		return fmt.Errorf("leave: %w", err)
	}
	defer m.wg.Done()
	_, _, err := m.seated(ctx, gameName, playerID, func(t *tx, i int) error {
		t.unseat(i)
		return nil
	})
	if err != nil {
		return fmt.Errorf("leave %q: %w", playerID, err)
	}
	return nil
}

// Act applies a player's action (a client event of the game's Actions) in
// their room of game. The arguments are checked by the game's Parse first.
// Errors: ErrBadRequest, ErrNotInRoom, the game's own (e.g. rps
// "round_closed", gold "not_your_turn"), ErrClosed, or the store's.
func (m *Manager) Act(ctx context.Context, gameName, playerID string, a game.Action) error {
	rules, err := m.rules(gameName)
	if err != nil {
		return fmt.Errorf("%s: %w", a.Name, err)
	}
	if err := checkPlayerID(playerID); err != nil {
		return fmt.Errorf("%s: %w", a.Name, err)
	}
	cmd, err := rules.Parse(a)
	if err != nil {
		if !errors.Is(err, ErrBadRequest) {
			err = fmt.Errorf("%w: %w", ErrBadRequest, err)
		}
		return fmt.Errorf("%s: %w", a.Name, err)
	}
	if err := m.enter(); err != nil {
		return fmt.Errorf("%s: %w", a.Name, err)
	}
	defer m.wg.Done()
	_, _, err = m.seated(ctx, gameName, playerID, func(t *tx, _ int) error {
		// Whatever is due first (a turn whose time ran out before its
		// timer fired), so the action meets the room as it is now. If the
		// action is refused, none of it is stored: the timer will do it.
		if err := t.advance(); err != nil {
			return err
		}
		if t.r.Seat(playerID) < 0 {
			return ErrNotInRoom
		}
		step, err := t.st.Act(playerID, cmd, t.now)
		if err != nil {
			return err
		}
		t.apply(step)
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s: %w", a.Name, err)
	}
	return nil
}

// Status returns playerID's room of game and what their new connection
// needs to catch up. Errors: ErrBadRequest, ErrNotInRoom, ErrClosed, or the
// store's.
func (m *Manager) Status(ctx context.Context, gameName, playerID string) (*Status, error) {
	if err := m.enterPlayer(gameName, playerID); err != nil {
		return nil, fmt.Errorf("status: %w", err)
	}
	defer m.wg.Done()
	for range maxAttempts {
		id, err := m.store.PlayerRoom(ctx, gameName, playerID)
		if err != nil {
			return nil, fmt.Errorf("status %q: %w", playerID, err)
		}
		if id == "" {
			return nil, fmt.Errorf("status %q: %w", playerID, ErrNotInRoom)
		}
		r, err := m.store.Get(ctx, id)
		if err == nil && r.Seat(playerID) >= 0 && r.Game == gameName {
			t, err := m.begin(r, m.clock.Now())
			if err != nil {
				return nil, fmt.Errorf("status %q: %w", playerID, err)
			}
			return m.status(r, t.st, playerID), nil
		}
		if err != nil && !errors.Is(err, ErrRoomNotFound) {
			return nil, fmt.Errorf("status %q: %w", playerID, err)
		}
	}
	return nil, fmt.Errorf("status %q: too many conflicting calls", playerID)
}

func (m *Manager) status(r *Room, st game.State, playerID string) *Status {
	ro := roster(r)
	s := &Status{Game: r.Game, RoomID: r.ID, Seq: r.Version, Room: st.Room(ro)}
	for _, ev := range st.View(playerID, ro) {
		s.CatchUp = append(s.CatchUp, Event{Game: r.Game, RoomID: r.ID, To: playerID, Name: ev.Name, Data: ev.Data, Seq: r.Version})
	}
	return s
}

// Room returns the stored room id (a copy). Errors: ErrRoomNotFound,
// ErrClosed, or the store's.
func (m *Manager) Room(ctx context.Context, id string) (*Room, error) {
	if err := m.enter(); err != nil {
		return nil, fmt.Errorf("room: %w", err)
	}
	defer m.wg.Done()
	r, err := m.store.Get(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("room: %w", err)
	}
	return r, nil
}

// List returns the lobby: every room of game (of every game if ""),
// oldest first. Errors: ErrBadRequest (unknown game), ErrClosed, or the
// store's.
func (m *Manager) List(ctx context.Context, gameName string) ([]RoomSummary, error) {
	if gameName != "" {
		if _, err := m.rules(gameName); err != nil {
			return nil, fmt.Errorf("list: %w", err)
		}
	}
	if err := m.enter(); err != nil {
		return nil, fmt.Errorf("list: %w", err)
	}
	defer m.wg.Done()
	rs, err := m.store.List(ctx, gameName)
	if err != nil {
		return nil, fmt.Errorf("list: %w", err)
	}
	out := make([]RoomSummary, len(rs))
	for i, r := range rs {
		out[i] = RoomSummary{ID: r.ID, Game: r.Game, Size: r.Size, State: r.Phase.String(), Players: len(r.Players)}
	}
	return out, nil
}

// Snapshot returns the events that bring a room's players up to date with
// it as stored: the room (for every player, To empty) and, for each
// seated player, the game's catch-up (its View, To that player; rps: the
// open round's "start"), all with the room's Version as Seq. For a node
// that may have missed events other nodes published (its Socket.IO
// adapter was cut off from Redis): it sends them to its own connections.
// Errors: ErrRoomNotFound, ErrClosed, or the store's.
func (m *Manager) Snapshot(ctx context.Context, roomID string) ([]Event, error) {
	if err := m.enter(); err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	defer m.wg.Done()
	r, err := m.store.Get(ctx, roomID)
	if err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	t, err := m.begin(r, m.clock.Now())
	if err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	ro := roster(r)
	evs := []Event{{Game: r.Game, RoomID: r.ID, Name: EventRoom, Data: t.st.Room(ro), Seq: r.Version}}
	for _, p := range r.Players {
		for _, v := range t.st.View(p.PlayerID, ro) {
			evs = append(evs, Event{Game: r.Game, RoomID: r.ID, To: p.PlayerID, Name: v.Name, Data: v.Data, Seq: r.Version})
		}
	}
	return evs, nil
}

// MaxListLimit bounds a page of ListPage.
const MaxListLimit = 1000

// ListPage returns a page of the lobby: the rooms of game (of every game
// if ""), oldest first, from the offset-th on, at most limit of them
// (1..MaxListLimit), and how many rooms there are in all. With a store that
// is a Pager, only that page is read. Errors: ErrBadRequest, ErrClosed, or
// the store's.
func (m *Manager) ListPage(ctx context.Context, gameName string, offset, limit int) ([]RoomSummary, int, error) {
	if gameName != "" {
		if _, err := m.rules(gameName); err != nil {
			return nil, 0, fmt.Errorf("list: %w", err)
		}
	}
	if offset < 0 || limit < 1 || limit > MaxListLimit {
		return nil, 0, fmt.Errorf("list: %w: offset %d, limit %d not in 1..%d", ErrBadRequest, offset, limit, MaxListLimit)
	}
	if err := m.enter(); err != nil {
		return nil, 0, fmt.Errorf("list: %w", err)
	}
	defer m.wg.Done()
	var rs []*Room
	var total int
	if p, ok := m.store.(Pager); ok {
		var err error
		if rs, total, err = p.ListPage(ctx, gameName, offset, limit); err != nil {
			return nil, 0, fmt.Errorf("list: %w", err)
		}
	} else {
		all, err := m.store.List(ctx, gameName)
		if err != nil {
			return nil, 0, fmt.Errorf("list: %w", err)
		}
		total = len(all)
		rs = all[min(offset, total):min(offset+limit, total)]
	}
	out := make([]RoomSummary, len(rs))
	for i, r := range rs {
		out[i] = RoomSummary{ID: r.ID, Game: r.Game, Size: r.Size, State: r.Phase.String(), Players: len(r.Players)}
	}
	return out, total, nil
}

// Stats returns the lobby statistics, over every game.
func (m *Manager) Stats(ctx context.Context) (Stats, error) {
	if err := m.enter(); err != nil {
		return Stats{}, fmt.Errorf("stats: %w", err)
	}
	defer m.wg.Done()
	n, err := m.store.Settled(ctx)
	if err != nil {
		return Stats{}, fmt.Errorf("stats: %w", err)
	}
	if c, ok := m.store.(Counter); ok {
		// Kept by the store with every change: no room is read.
		cs, err := c.Counts(ctx)
		if err != nil {
			return Stats{}, fmt.Errorf("stats: %w", err)
		}
		return Stats{Rooms: cs.Rooms, Waiting: cs.Waiting, Playing: cs.Playing, Over: cs.Over, Players: cs.Players, RoundsSettled: n}, nil
	}
	rs, err := m.store.List(ctx, "")
	if err != nil {
		return Stats{}, fmt.Errorf("stats: %w", err)
	}
	st := Stats{Rooms: len(rs), RoundsSettled: n}
	for _, r := range rs {
		st.Players += len(r.Players)
		switch r.Phase {
		case Playing:
			st.Playing++
		case Over:
			st.Over++
		default:
			st.Waiting++
		}
	}
	return st, nil
}

// Sweep applies whatever is due in the rooms the store lists as due
// (Store.Due) Options.SweepDelay ago or earlier: rounds past their
// deadline, turns past their time, ends of reconnect graces; and arms this
// Manager's timer for each of them. With a store that is a Claimer, it
// first claims each room, and leaves those another process claimed. With a
// store shared by several processes, it is how the rooms whose timers were
// held by a process that died are woken up (see Options.SweepInterval).
// Rooms of games this Manager does not run are left alone.
func (m *Manager) Sweep(ctx context.Context) error {
	if err := m.enter(); err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	defer m.wg.Done()
	var errs []error
	now := m.clock.Now()
	claimer, _ := m.store.(Claimer)
	ttl := m.sweep
	if ttl <= 0 {
		ttl = time.Second
	}
	// A few batches at most: a room that keeps failing is listed again.
	for range 10 {
		ids, err := m.store.Due(ctx, now.Add(-m.delay), DefaultSweepLimit)
		m.noteErr(err)
		if err != nil {
			return fmt.Errorf("sweep: %w", err)
		}
		if !m.heldUntil(now).IsZero() {
			// The store was down a moment ago (Options.RecoveryHold): this
			// sweep only checked it answers.
			return nil
		}
		for _, id := range ids {
			if claimer != nil {
				ok, err := claimer.Claim(ctx, id, ttl)
				m.noteErr(err)
				if err != nil {
					errs = append(errs, err)
					break
				}
				if !ok {
					continue // another process wakes it
				}
			}
			_, _, err := m.update(ctx, id, func(t *tx) error { return t.advance() })
			if err != nil && !errors.Is(err, ErrRoomNotFound) && !errors.Is(err, errForeignGame) {
				errs = append(errs, err)
			}
		}
		if len(ids) < DefaultSweepLimit || len(errs) > 0 {
			break
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	return nil
}
