package rooms

import (
	"context"
	"errors"
	"time"

	"github.com/rpsio/rpsio/game/rps"
)

// State is a room's state.
type State uint8

// The room states.
const (
	// Waiting: the room has free seats; no round is played.
	Waiting State = iota
	// Playing: every seat is taken; rounds follow one another.
	Playing
)

// String returns "waiting" or "playing", the wire names of the states.
func (s State) String() string {
	if s == Playing {
		return "playing"
	}
	return "waiting"
}

// Room is the stored state of a room: plain data that a Store can copy and
// serialize. Only the Manager changes it, through Store.Update.
type Room struct {
	ID      string
	Size    int    // number of seats, MinSize..MaxSize
	State   State  // Playing exactly when the room is full
	Round   int    // number of the open round or of the last one; 0 before the first
	Open    bool   // round Round is accepting moves (State == Playing)
	Players []Seat // in the order they sat down; len(Players) <= Size

	// Deadline of the open round (Open).
	Deadline time.Time
	// When the next round opens (State == Playing && !Open).
	NextRound time.Time
	// Created orders matchmaking: the oldest waiting room fills first.
	Created time.Time
}

// Seat is a player's seat in a room.
type Seat struct {
	PlayerID  string
	Name      string
	Connected bool
	// GraceUntil is when a disconnected player loses the seat (zero when
	// connected).
	GraceUntil time.Time
	Streak     int
	Total      int
	// Move is the player's move in the open round, rps.None if they have not
	// chosen yet (or no round is open).
	Move rps.Move
}

// Clone returns a deep copy of r.
func (r *Room) Clone() *Room {
	c := *r
	c.Players = append([]Seat(nil), r.Players...)
	return &c
}

func (r *Room) seat(playerID string) int {
	for i := range r.Players {
		if r.Players[i].PlayerID == playerID {
			return i
		}
	}
	return -1
}

// Errors a Store returns (possibly wrapped).
var (
	// ErrRoomNotFound: no room has that id. Its code is "not_found".
	ErrRoomNotFound = &Error{"not_found", "room not found"}
	// ErrRoomExists: Create was given an id already in use.
	ErrRoomExists = errors.New("rooms: room already exists")
	// ErrPlayerSeated: a player added by Create or Update already sits in
	// another room.
	ErrPlayerSeated = errors.New("rooms: player already seated in another room")
)

// Store holds the rooms. Implementations must be safe for concurrent use and
// make Create and Update atomic with respect to each other, including across
// processes for a store shared by several nodes (the in-memory store from
// NewMemoryStore is for a single process). Settlement happens at most once
// per round because the Manager settles inside Update, checking that the round
// is still open: a shared store extends that guarantee to several nodes.
//
// Store methods never hand out or keep references to the caller's values: a
// *Room passed in or returned is a copy.
//
// The store maintains an index from player to room. A player sits in at most
// one room: Create and Update fail with ErrPlayerSeated, storing nothing, if
// they would seat a player who sits in another room.
type Store interface {
	// Create stores a new room with at least one player. It fails with
	// ErrRoomExists if r.ID is taken.
	Create(ctx context.Context, r *Room) error
	// Get returns the room, or ErrRoomNotFound.
	Get(ctx context.Context, id string) (*Room, error)
	// Update atomically applies fn to a copy of the room and stores the
	// result, which it returns. If fn returns an error, nothing is stored and
	// Update returns that error unchanged. If fn leaves the room without
	// players, the room is deleted (the returned Room has no players).
	// fn may be called several times (an optimistic store retries on
	// conflict): it must not have side effects other than on the room and on
	// variables it resets at each call. fn must not call the store.
	Update(ctx context.Context, id string, fn func(r *Room) error) (*Room, error)
	// PlayerRoom returns the id of the room where playerID is seated, or ""
	// if there is none.
	PlayerRoom(ctx context.Context, playerID string) (string, error)
	// Waiting returns the ids of the rooms of that size in state Waiting with
	// a free seat, oldest (Room.Created) first.
	Waiting(ctx context.Context, size int) ([]string, error)
	// List returns every room, oldest first.
	List(ctx context.Context) ([]*Room, error)
	// AddSettled adds n to the count of rounds settled.
	AddSettled(ctx context.Context, n int64) error
	// Settled returns the count of rounds settled.
	Settled(ctx context.Context) (int64, error)
}
