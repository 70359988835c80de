package rooms

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/rpsio/rpsio/game/rps"
)

// Join seats playerID, displayed as name (playerID if empty), in a room of
// size seats (DefaultSize if 0, else MinSize..MaxSize): the oldest waiting
// room of that size with a free seat, or a new room. If the player is already
// seated somewhere, Join returns that room whatever its size, marking the
// player connected if they were not (as Reconnect does).
//
// The room's players get "room"; if the player took the last seat, the room
// starts playing and they also get "start" for the next round. Errors:
// ErrBadRequest, ErrClosed, or the store's.
func (m *Manager) Join(ctx context.Context, playerID, name string, size int) (*Status, error) {
	if err := checkPlayerID(playerID); err != nil {
		return nil, fmt.Errorf("join: %w", err)
	}
	if name == "" {
		name = playerID
	}
	if len(name) > MaxNameLen || !utf8.ValidString(name) {
		return nil, fmt.Errorf("join: %w: name must be at most %d bytes of UTF-8", ErrBadRequest, MaxNameLen)
	}
	if size == 0 {
		size = DefaultSize
	}
	if size < MinSize || size > MaxSize {
		return nil, fmt.Errorf("join: %w: size %d not in %d..%d", ErrBadRequest, size, MinSize, MaxSize)
	}
	if err := m.enter(); err != nil {
		return nil, fmt.Errorf("join: %w", err)
	}
	defer m.wg.Done()

	for range maxAttempts {
		if st, err := m.rejoin(ctx, playerID); !errors.Is(err, ErrNotInRoom) {
			if err != nil {
				return nil, fmt.Errorf("join: %w", err)
			}
			return st, nil
		}
		ids, err := m.store.Waiting(ctx, size)
		if err != nil {
			return nil, fmt.Errorf("join: %w", err)
		}
		st, err := m.sit(ctx, ids, playerID, name, size)
		if errors.Is(err, ErrPlayerSeated) || errors.Is(err, errRetry) {
			continue // seated concurrently (by another Join): return that room
		}
		if err != nil {
			return nil, fmt.Errorf("join: %w", err)
		}
		return st, nil
	}
	return nil, fmt.Errorf("join: player %q: too many conflicting calls", playerID)
}

// sit seats the player in the first of the rooms ids that still has a seat,
// or in a new room.
func (m *Manager) sit(ctx context.Context, ids []string, playerID, name string, size int) (*Status, error) {
	for _, id := range ids {
		r, err := m.update(ctx, id, func(r *Room, now time.Time, fx *effects) error {
			if r.State != Waiting || r.Size != size || len(r.Players) >= r.Size {
				return errFull
			}
			if r.seat(playerID) >= 0 {
				return errRetry
			}
			r.Players = append(r.Players, Seat{PlayerID: playerID, Name: name, Connected: true})
			fx.items = append(fx.items, item{ev: Event{RoomID: r.ID}, player: playerID})
			if len(r.Players) < r.Size {
				fx.event(r.ID, EventRoom, view(r))
				return nil
			}
			st := m.openRound(r, now)
			fx.event(r.ID, EventRoom, view(r))
			fx.event(r.ID, EventStart, st)
			return nil
		})
		if errors.Is(err, errFull) || errors.Is(err, ErrRoomNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		m.log.Debug("joined", "room", r.ID, "player", playerID)
		return m.status(r, playerID), nil
	}

	now := m.clock.Now()
	r := &Room{
		ID:      newRoomID(),
		Size:    size,
		State:   Waiting,
		Players: []Seat{{PlayerID: playerID, Name: name, Connected: true}},
		Created: now,
	}
	rt := m.runtime(r.ID)
	rt.mu.Lock()
	if err := m.store.Create(ctx, r); err != nil {
		m.forget(rt)
		rt.mu.Unlock()
		return nil, err
	}
	fx := effects{items: []item{{ev: Event{RoomID: r.ID}, player: playerID}}}
	fx.event(r.ID, EventRoom, view(r))
	m.commit(rt, r, &fx)
	rt.mu.Unlock()
	m.after(ctx, rt, &fx)
	m.log.Debug("room created", "room", r.ID, "size", size, "player", playerID)
	return m.status(r, playerID), nil
}

// seated applies fn to the room where playerID is seated, i being their
// seat. It fails with ErrNotInRoom if they have no seat.
func (m *Manager) seated(ctx context.Context, playerID string, fn func(r *Room, i int, now time.Time, fx *effects) error) (*Room, error) {
	for range maxAttempts {
		id, err := m.store.PlayerRoom(ctx, playerID)
		if err != nil {
			return nil, err
		}
		if id == "" {
			return nil, ErrNotInRoom
		}
		r, err := m.update(ctx, id, func(r *Room, now time.Time, fx *effects) error {
			i := r.seat(playerID)
			if i < 0 {
				return errRetry
			}
			return fn(r, i, now, fx)
		})
		if errors.Is(err, errRetry) || errors.Is(err, ErrRoomNotFound) {
			continue // left or moved meanwhile: look again
		}
		return r, err
	}
	return nil, fmt.Errorf("player %q: too many conflicting calls", playerID)
}

// rejoin marks a seated player connected and subscribes them again.
func (m *Manager) rejoin(ctx context.Context, playerID string) (*Status, error) {
	r, err := m.seated(ctx, playerID, func(r *Room, i int, now time.Time, fx *effects) error {
		fx.items = append(fx.items, item{ev: Event{RoomID: r.ID}, player: playerID})
		if s := &r.Players[i]; !s.Connected {
			s.Connected, s.GraceUntil = true, time.Time{}
			fx.event(r.ID, EventRoom, view(r))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return m.status(r, playerID), nil
}

// Reconnect marks playerID connected again within the reconnect grace and
// returns their room. The room's players get "room" if the player was
// disconnected. Errors: ErrBadRequest, ErrNotInRoom (never seated, left, or
// the grace expired), ErrClosed, or the store's.
func (m *Manager) Reconnect(ctx context.Context, playerID string) (*Status, error) {
	if err := checkPlayerID(playerID); err != nil {
		return nil, fmt.Errorf("reconnect: %w", err)
	}
	if err := m.enter(); err != nil {
		return nil, fmt.Errorf("reconnect: %w", err)
	}
	defer m.wg.Done()
	st, err := m.rejoin(ctx, playerID)
	if err != nil {
		return nil, fmt.Errorf("reconnect %q: %w", playerID, err)
	}
	return st, nil
}

// Disconnect marks playerID disconnected: they keep their seat for the
// reconnect grace, then leave the room. Meanwhile they forfeit the rounds
// they do not choose in. The room's players get "room". Disconnecting an
// already disconnected player does nothing (the grace is not extended).
// Errors: ErrBadRequest, ErrNotInRoom, ErrClosed, or the store's.
func (m *Manager) Disconnect(ctx context.Context, playerID string) error {
	if err := checkPlayerID(playerID); err != nil {
		return fmt.Errorf("disconnect: %w", err)
	}
	if err := m.enter(); err != nil {
		return fmt.Errorf("disconnect: %w", err)
	}
	defer m.wg.Done()
	_, err := m.seated(ctx, playerID, func(r *Room, i int, now time.Time, fx *effects) error {
		if s := &r.Players[i]; s.Connected {
			s.Connected, s.GraceUntil = false, now.Add(m.grace)
			fx.event(r.ID, EventRoom, view(r))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("disconnect %q: %w", playerID, err)
	}
	return nil
}

// Leave takes playerID out of their room. If the room was playing, its open
// round is cancelled (not settled) and it goes back to waiting, for Join to
// fill again; the remaining players get "room". A room left empty is deleted.
// Errors: ErrBadRequest, ErrNotInRoom, ErrClosed, or the store's.
func (m *Manager) Leave(ctx context.Context, playerID string) error {
	if err := checkPlayerID(playerID); err != nil {
		return fmt.Errorf("leave: %w", err)
	}
	if err := m.enter(); err != nil {
		return fmt.Errorf("leave: %w", err)
	}
	defer m.wg.Done()
	_, err := m.seated(ctx, playerID, func(r *Room, i int, now time.Time, fx *effects) error {
		m.unseat(r, i, fx)
		return nil
	})
	if err != nil {
		return fmt.Errorf("leave %q: %w", playerID, err)
	}
	return nil
}

// Choose locks in playerID's move ("rock", "paper" or "scissors") for round,
// which must be their room's open round. Choosing the same move again is a
// no-op that succeeds (for retries). The room's players get "chosen" (without
// the move); when every seated player has chosen, the round is settled at
// once and they get "result" and "room". Errors: ErrBadRequest (bad move,
// round < 1), ErrNotInRoom, ErrRoundClosed, ErrAlreadyChosen (a different
// move), ErrClosed, or the store's.
func (m *Manager) Choose(ctx context.Context, playerID string, round int, move string) error {
	if err := checkPlayerID(playerID); err != nil {
		return fmt.Errorf("choose: %w", err)
	}
	mv, err := rps.ParseMove(move)
	if err != nil {
		return fmt.Errorf("choose: %w: %w", ErrBadRequest, err)
	}
	if round < 1 {
		return fmt.Errorf("choose: %w: round %d", ErrBadRequest, round)
	}
	if err := m.enter(); err != nil {
		return fmt.Errorf("choose: %w", err)
	}
	defer m.wg.Done()
	_, err = m.seated(ctx, playerID, func(r *Room, i int, now time.Time, fx *effects) error {
		if r.State != Playing || !r.Open || r.Round != round || !now.Before(r.Deadline) {
			return fmt.Errorf("room %q round %d: %w", r.ID, round, ErrRoundClosed)
		}
		s := &r.Players[i]
		switch s.Move {
		case mv:
			return nil
		case rps.None:
		default:
			return fmt.Errorf("room %q round %d: %w", r.ID, round, ErrAlreadyChosen)
		}
		s.Move = mv
		fx.event(r.ID, EventChosen, ChosenEvent{RoomID: r.ID, Round: round, PlayerID: playerID})
		for _, o := range r.Players {
			if o.Move == rps.None {
				return nil
			}
		}
		return m.settle(r, now, fx)
	})
	if err != nil {
		return fmt.Errorf("choose %q: %w", playerID, err)
	}
	return nil
}

// Status returns playerID's room, the open round if any and their move in
// it. Errors: ErrBadRequest, ErrNotInRoom, ErrClosed, or the store's.
func (m *Manager) Status(ctx context.Context, playerID string) (*Status, error) {
	if err := checkPlayerID(playerID); err != nil {
		return nil, fmt.Errorf("status: %w", err)
	}
	if err := m.enter(); err != nil {
		return nil, fmt.Errorf("status: %w", err)
	}
	defer m.wg.Done()
	for range maxAttempts {
		id, err := m.store.PlayerRoom(ctx, playerID)
		if err != nil {
			return nil, fmt.Errorf("status %q: %w", playerID, err)
		}
		if id == "" {
			return nil, fmt.Errorf("status %q: %w", playerID, ErrNotInRoom)
		}
		r, err := m.store.Get(ctx, id)
		if err == nil && r.seat(playerID) >= 0 {
			return m.status(r, playerID), nil
		}
		if err != nil && !errors.Is(err, ErrRoomNotFound) {
			return nil, fmt.Errorf("status %q: %w", playerID, err)
		}
	}
	return nil, fmt.Errorf("status %q: too many conflicting calls", playerID)
}

// Room returns room id's roster and state. Errors: ErrRoomNotFound, ErrClosed,
// or the store's.
func (m *Manager) Room(ctx context.Context, id string) (*RoomView, error) {
	if err := m.enter(); err != nil {
		return nil, fmt.Errorf("room: %w", err)
	}
	defer m.wg.Done()
	r, err := m.store.Get(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("room: %w", err)
	}
	v := view(r)
	return &v, nil
}

// List returns the lobby: every room, oldest first.
func (m *Manager) List(ctx context.Context) ([]RoomSummary, error) {
	if err := m.enter(); err != nil {
		return nil, fmt.Errorf("list: %w", err)
	}
	defer m.wg.Done()
	rs, err := m.store.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("list: %w", err)
	}
	out := make([]RoomSummary, len(rs))
	for i, r := range rs {
		out[i] = RoomSummary{ID: r.ID, Size: r.Size, State: r.State.String(), Players: len(r.Players)}
	}
	return out, nil
}

// Stats returns the lobby statistics.
func (m *Manager) Stats(ctx context.Context) (Stats, error) {
	if err := m.enter(); err != nil {
		return Stats{}, fmt.Errorf("stats: %w", err)
	}
	defer m.wg.Done()
	rs, err := m.store.List(ctx)
	if err != nil {
		return Stats{}, fmt.Errorf("stats: %w", err)
	}
	n, err := m.store.Settled(ctx)
	if err != nil {
		return Stats{}, fmt.Errorf("stats: %w", err)
	}
	st := Stats{Rooms: len(rs), RoundsSettled: n}
	for _, r := range rs {
		st.Players += len(r.Players)
		if r.State == Playing {
			st.Playing++
		} else {
			st.Waiting++
		}
	}
	return st, nil
}

// Sweep applies whatever is due in every room of the store (settling rounds
// past their deadline, starting rounds, ending expired reconnect graces) and
// arms this Manager's timer for each room. Only needed with a store shared by
// several processes, or kept across restarts: see the package documentation.
func (m *Manager) Sweep(ctx context.Context) error {
	if err := m.enter(); err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	defer m.wg.Done()
	rs, err := m.store.List(ctx)
	if err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	var errs []error
	for _, r := range rs {
		_, err := m.update(ctx, r.ID, func(r *Room, now time.Time, fx *effects) error {
			return m.advance(r, now, fx)
		})
		if err != nil && !errors.Is(err, ErrRoomNotFound) {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	return nil
}
