package rooms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/rpsio/rpsio/game"
)

// Phase is where a room is in its life.
type Phase uint8

// The phases.
const (
	// Waiting: the room has free seats and waits for players to start.
	Waiting Phase = iota
	// Playing: the game runs (every seat was taken when it started).
	Playing
	// Over: the game ended; the room stays until its players leave.
	Over
)

var phaseNames = [...]string{Waiting: "waiting", Playing: "playing", Over: "over"}

// String returns "waiting", "playing" or "over", the wire names.
func (p Phase) String() string {
	if int(p) < len(phaseNames) {
		return phaseNames[p]
	}
	return fmt.Sprintf("Phase(%d)", uint8(p))
}

// MarshalText encodes the phase as its name.
func (p Phase) MarshalText() ([]byte, error) {
	if int(p) >= len(phaseNames) {
		return nil, fmt.Errorf("rooms: invalid phase %d", uint8(p))
	}
	return []byte(phaseNames[p]), nil
}

// UnmarshalText decodes a phase name.
func (p *Phase) UnmarshalText(b []byte) error {
	for i, n := range phaseNames {
		if string(b) == n {
			*p = Phase(i)
			return nil
		}
	}
	return fmt.Errorf("rooms: unknown phase %.16q", b)
}

// Room is a room as stored: plain data, the same for every game and every
// store, encoded as JSON by [EncodeRoom] (what a store shared between
// processes keeps). Only the Manager changes it, through Store.Update.
type Room struct {
	ID   string `json:"id"`
	Game string `json:"game"` // game.Rules.Name()
	Size int    `json:"size"` // number of seats
	// Phase is Playing or Over only once the room was full; a playing room
	// may have free seats (a player left a gold game).
	Phase   Phase  `json:"phase"`
	Players []Seat `json:"players"` // in the order they sat down; at most Size
	// State is the game's state, game.State.Encode().
	State json.RawMessage `json:"state"`
	// WakeAt is when the room has a timed transition due: the earliest of
	// the game's WakeAt and the ends of the reconnect graces; zero if none.
	// Stores index it for Due.
	WakeAt time.Time `json:"wakeAt,omitzero"`
	// Version is 1 when created and incremented by every Update that
	// stores a change. Events carry it as "seq".
	Version uint64 `json:"version"`
	// Created orders matchmaking: the oldest waiting room fills first.
	Created time.Time `json:"created"`
}

// Seat is a player's seat in a room. Nothing in it is game-specific.
type Seat struct {
	PlayerID  string `json:"id"`
	Name      string `json:"name"`
	Connected bool   `json:"connected"`
	// GraceUntil is when a disconnected player loses the seat (zero when
	// connected).
	GraceUntil time.Time `json:"graceUntil,omitzero"`
}

// Clone returns a deep copy of r.
func (r *Room) Clone() *Room {
	c := *r
	c.Players = slices.Clone(r.Players)
	c.State = slices.Clone(r.State)
	return &c
}

// Seat returns the index of playerID's seat, -1 if they have none.
func (r *Room) Seat(playerID string) int {
	for i := range r.Players {
		if r.Players[i].PlayerID == playerID {
			return i
		}
	}
	return -1
}

// Joinable reports whether the room takes players: waiting, with a free
// seat.
func (r *Room) Joinable() bool { return r.Phase == Waiting && len(r.Players) < r.Size }

// Errors a Store returns (possibly wrapped).
var (
	// ErrRoomNotFound: no room has that id. Its code is "not_found".
	ErrRoomNotFound = game.NewError("not_found", "room not found")
	// ErrRoomExists: Create was given an id already in use.
	ErrRoomExists = errors.New("rooms: room already exists")
	// ErrPlayerSeated: a player added by Create or Update already sits in
	// another room of the same game.
	ErrPlayerSeated = errors.New("rooms: player already seated in another room of the game")
	// ErrWaitingRoom: CreateIfNoneWaiting found a room of the same game
	// and size waiting with a free seat; join that one instead.
	ErrWaitingRoom = errors.New("rooms: a room of that game and size is waiting")
	// ErrNoChange may be returned by an Update function: nothing is
	// written, the Version stays, and Update returns the room as it is.
	ErrNoChange = errors.New("rooms: no change")
)

// Store holds the rooms. Implementations must be safe for concurrent use and
// make Create and Update atomic with respect to each other, including across
// processes for a store shared by several nodes (the in-memory store from
// NewMemoryStore is for a single process). Transitions happen exactly once
// because the Manager applies them inside Update, re-deriving from the
// stored state what is due: a shared store extends that guarantee to
// several nodes.
//
// Store methods never hand out or keep references to the caller's values: a
// *Room passed in or returned is a copy.
//
// The store maintains an index from (game, player) to room. A player sits in
// at most one room per game: Create and Update fail with ErrPlayerSeated,
// storing nothing, if they would seat a player who sits in another room of
// the same game. It also indexes rooms by WakeAt (for Due) and waiting rooms
// by game and size (for Waiting).
//
// Every method fails with ctx.Err() (possibly wrapped) once ctx is done.
// The conformance tests in package roomstest check all of this: run
// roomstest.RunStoreTests against every implementation.
type Store interface {
	// Create stores a new room with at least one player, setting its
	// Version to 1. It fails with ErrRoomExists if r.ID is taken.
	Create(ctx context.Context, r *Room) error
	// CreateIfNoneWaiting is Create, unless a room of r's game and size is
	// Waiting with a free seat: then it stores nothing and fails with
	// ErrWaitingRoom, atomically with the other changes. Matchmaking
	// creates rooms with it, so that players who join at the same moment
	// (on several nodes) meet in one room rather than each opening one.
	CreateIfNoneWaiting(ctx context.Context, r *Room) error
	// Get returns the room, or ErrRoomNotFound.
	Get(ctx context.Context, id string) (*Room, error)
	// Update atomically applies fn to a copy of the room, increments its
	// Version by one and stores the result, which it returns. If fn returns
	// ErrNoChange, nothing is stored and Update returns the room as read.
	// If fn returns another error, nothing is stored and Update returns that
	// error unchanged. If fn leaves the room without players, the room is
	// deleted (the returned Room has no players). fn must not change ID,
	// Game, Version or Created.
	//
	// fn may be called several times (an optimistic store retries on
	// conflict): it must not have side effects other than on the room and on
	// variables it resets at each call. fn must not call the store.
	Update(ctx context.Context, id string, fn func(r *Room) error) (*Room, error)
	// PlayerRoom returns the id of the room of game where playerID is
	// seated, or "" if there is none.
	PlayerRoom(ctx context.Context, game, playerID string) (string, error)
	// Waiting returns the ids of the rooms of game with size seats that are
	// Waiting with a free seat, oldest (Room.Created, then ID) first.
	Waiting(ctx context.Context, game string, size int) ([]string, error)
	// List returns every room of game (of every game if game is ""),
	// oldest first.
	List(ctx context.Context, game string) ([]*Room, error)
	// Due returns the ids of rooms whose WakeAt is set and not after now,
	// earliest WakeAt first (then by ID), at most limit of them (all if
	// limit <= 0).
	Due(ctx context.Context, now time.Time, limit int) ([]string, error)
	// AddSettled adds n to the count of rounds settled.
	AddSettled(ctx context.Context, n int64) error
	// Settled returns the count of rounds settled.
	Settled(ctx context.Context) (int64, error)
}

// Claimer may be implemented by a Store shared by several processes. Sweep
// claims a due room before waking it up, so that the processes sweeping
// the same store wake each overdue room once rather than all together.
// Correctness does not depend on it: what is due is re-derived inside
// Update, so a room woken twice changes once.
type Claimer interface {
	// Claim reports whether this process got the room id for ttl: true for
	// one caller until ttl has passed.
	Claim(ctx context.Context, id string, ttl time.Duration) (bool, error)
}

// CountingUpdater may be implemented by a Store: UpdateCounting is Update,
// with fn also returning how many rounds its change settles, added to the
// settled count (Settled) in the same atomic step as the change, so that
// no count is lost or doubled when a process dies or the store fails
// between an update and a separate AddSettled. What fn returns with an
// error (ErrNoChange included) is not counted. The Manager uses it when the
// store has it.
type CountingUpdater interface {
	UpdateCounting(ctx context.Context, id string, fn func(r *Room) (settled int64, err error)) (*Room, error)
}

// Matcher may be implemented by a Store shared by several processes:
// matchmaking in one atomic step, so that joins never conflict, however
// many arrive at once on however many processes. The Manager uses it for
// joins by size when the store has it (and rooms of at least 2 seats).
type Matcher interface {
	// Match seats seat in the oldest room of newRoom's game and size that
	// is Waiting with a free seat (Room.Created, then ID), or, if none
	// is, stores newRoom, a new room of one player (seat) made by the
	// caller, at Version 1. It returns the room as stored and whether
	// newRoom was the one stored. A seat in an existing room changes only
	// its roster and Version (the game's state of a waiting room does not
	// depend on who waits).
	//
	// full reports that the seat taken was the room's last: the room is
	// stored still Waiting and listed by Due from now on, so that the
	// caller starts the game with an Update at once (and a Sweep does,
	// should the caller die first).
	//
	// If the player sits in a room of the game already, Match stores
	// nothing and fails with ErrPlayerSeated; with ErrRoomExists if
	// newRoom's id is taken.
	Match(ctx context.Context, seat Seat, newRoom *Room) (r *Room, created, full bool, err error)
}

// Counts are the figures of the rooms a store holds, kept by a Counter as
// rooms change.
type Counts struct {
	Rooms, Waiting, Playing, Over, Players int
}

// Counter may be implemented by a Store that keeps Counts as the rooms
// change (in the same atomic step), so that statistics need not read
// every room.
type Counter interface {
	Counts(ctx context.Context) (Counts, error)
}

// Pager may be implemented by a Store that lists a page of the lobby
// without reading every room.
type Pager interface {
	// ListPage returns the rooms of game (of every game if "") from the
	// offset-th (oldest first) on, at most limit of them, and how many
	// rooms there are in all.
	ListPage(ctx context.Context, game string, offset, limit int) (rs []*Room, total int, err error)
}
