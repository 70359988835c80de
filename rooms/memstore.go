package rooms

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// MemoryStore is a Store held in memory, for a single process. It is safe for
// concurrent use; one mutex guards everything, and no method calls out while
// holding it except Update, which runs fn under it (fn must be quick and must
// not call the store).
type MemoryStore struct {
	mu sync.Mutex
	// A stored *Room is never modified (Update stores a new copy), so its
	// fields can be read after mu is released.
	rooms   map[string]*Room
	seats   map[seatKey]string // (game, player id) -> room id
	settled int64
}

type seatKey struct{ game, player string }

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{rooms: map[string]*Room{}, seats: map[seatKey]string{}}
}

var (
	_ Store           = (*MemoryStore)(nil)
	_ CountingUpdater = (*MemoryStore)(nil)
)

// Create implements Store.
func (s *MemoryStore) Create(ctx context.Context, r *Room) error { return s.create(ctx, r, false) }

// CreateIfNoneWaiting implements Store.
func (s *MemoryStore) CreateIfNoneWaiting(ctx context.Context, r *Room) error {
	return s.create(ctx, r, true)
}

func (s *MemoryStore) create(ctx context.Context, r *Room, unlessWaiting bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(r.Players) == 0 {
		return fmt.Errorf("rooms: create room %q without players", r.ID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if unlessWaiting {
		for _, o := range s.rooms {
			if o.Game == r.Game && o.Size == r.Size && o.Joinable() {
				return fmt.Errorf("create room %q: %w (%s)", r.ID, ErrWaitingRoom, o.ID)
			}
		}
	}
	if _, ok := s.rooms[r.ID]; ok {
		return fmt.Errorf("create room %q: %w", r.ID, ErrRoomExists)
	}
	c := r.Clone()
	c.Version = 1
	if err := s.reseat(nil, c); err != nil {
		return err
	}
	s.rooms[c.ID] = c
	return nil
}

// reseat updates the seat index from room old (nil for a new room) to room
// new (no players for a deleted room), or fails without changing anything.
func (s *MemoryStore) reseat(old, new *Room) error {
	for _, p := range new.Players {
		if id, ok := s.seats[seatKey{new.Game, p.PlayerID}]; ok && id != new.ID {
			return fmt.Errorf("seat %q in room %q: %w", p.PlayerID, new.ID, ErrPlayerSeated)
		}
	}
	if old != nil {
		for _, p := range old.Players {
			if new.Seat(p.PlayerID) < 0 {
				delete(s.seats, seatKey{old.Game, p.PlayerID})
			}
		}
	}
	for _, p := range new.Players {
		s.seats[seatKey{new.Game, p.PlayerID}] = new.ID
	}
	return nil
}

// Get implements Store.
func (s *MemoryStore) Get(ctx context.Context, id string) (*Room, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.rooms[id]
	if !ok {
		return nil, fmt.Errorf("get room %q: %w", id, ErrRoomNotFound)
	}
	return r.Clone(), nil
}

// Update implements Store.
func (s *MemoryStore) Update(ctx context.Context, id string, fn func(r *Room) error) (*Room, error) {
	return s.UpdateCounting(ctx, id, func(r *Room) (int64, error) { return 0, fn(r) })
}

// UpdateCounting implements CountingUpdater.
func (s *MemoryStore) UpdateCounting(ctx context.Context, id string, fn func(r *Room) (int64, error)) (*Room, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.rooms[id]
	if !ok {
		return nil, fmt.Errorf("update room %q: %w", id, ErrRoomNotFound)
	}
	r := old.Clone()
	settled, err := fn(r)
	if errors.Is(err, ErrNoChange) {
		return old.Clone(), nil
	} else if err != nil {
		return nil, err
	}
	r.ID, r.Game, r.Created, r.Version = old.ID, old.Game, old.Created, old.Version+1
	if err := s.reseat(old, r); err != nil {
		return nil, err
	}
	if len(r.Players) == 0 {
		delete(s.rooms, id)
	} else {
		s.rooms[id] = r
	}
	s.settled += settled
	return r.Clone(), nil
}

// PlayerRoom implements Store.
func (s *MemoryStore) PlayerRoom(ctx context.Context, game, playerID string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seats[seatKey{game, playerID}], nil
}

// Waiting implements Store.
func (s *MemoryStore) Waiting(ctx context.Context, game string, size int) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	var rs []*Room
	for _, r := range s.rooms {
		if r.Game == game && r.Size == size && r.Joinable() {
			rs = append(rs, r)
		}
	}
	s.mu.Unlock()
	sortRooms(rs)
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	return ids, nil
}

// List implements Store.
func (s *MemoryStore) List(ctx context.Context, game string) ([]*Room, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	rs := make([]*Room, 0, len(s.rooms))
	for _, r := range s.rooms {
		if game == "" || r.Game == game {
			rs = append(rs, r.Clone())
		}
	}
	s.mu.Unlock()
	sortRooms(rs)
	return rs, nil
}

// Due implements Store. It looks at every room: a single process's own
// timers do the work, so this only runs when a Manager sweeps.
func (s *MemoryStore) Due(ctx context.Context, now time.Time, limit int) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	type due struct {
		id string
		at time.Time
	}
	var ds []due
	s.mu.Lock()
	for _, r := range s.rooms {
		if !r.WakeAt.IsZero() && !r.WakeAt.After(now) {
			ds = append(ds, due{r.ID, r.WakeAt})
		}
	}
	s.mu.Unlock()
	slices.SortFunc(ds, func(a, b due) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	if limit > 0 && len(ds) > limit {
		ds = ds[:limit]
	}
	ids := make([]string, len(ds))
	for i, d := range ds {
		ids[i] = d.id
	}
	return ids, nil
}

// sortRooms sorts oldest first, ties broken by id.
func sortRooms(rs []*Room) {
	slices.SortFunc(rs, func(a, b *Room) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
}

// AddSettled implements Store.
func (s *MemoryStore) AddSettled(ctx context.Context, n int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	s.settled += n
	s.mu.Unlock()
	return nil
}

// Settled implements Store.
func (s *MemoryStore) Settled(ctx context.Context) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.settled, nil
}
