package game

import (
	"encoding/json"
	"math/rand/v2"
	"time"
)

// Rules is a game: its name, its room sizes, the client events it accepts,
// and a factory of room states. A Rules value is immutable configuration
// (durations, board size) and is safe for concurrent use.
type Rules interface {
	// Name identifies the game: "rps", "gold". The server serves it on the
	// Socket.IO namespace "/"+Name; stores index rooms by it.
	Name() string
	// Sizes returns the smallest and largest number of seats of a room and
	// the size of a room when a player asks for none.
	Sizes() (min, max, def int)
	// Actions lists the client events routed to State.Act ("choose", "dig").
	Actions() []string
	// Parse validates and decodes an action's arguments, before the room is
	// touched. It fails with an error wrapping ErrBadRequest for malformed
	// arguments (or an action name not in Actions). The result is passed to
	// State.Act.
	Parse(a Action) (any, error)
	// New returns the state of a new room (id roomID, size seats) before it
	// starts.
	New(roomID string, size int) State
	// Decode returns the state encoded by State.Encode. It must fail, not
	// panic, on any input: stored bytes may come from another process,
	// another version, or be damaged.
	Decode(b []byte) (State, error)
}

// State is the state of one room of a game: plain data that Encode turns
// into JSON. The engine decodes it, calls one or more of the methods below
// inside one atomic store update, and encodes it again.
//
// Methods are pure: no I/O, no clock, no goroutines. Time (and, for Start,
// randomness) come in as arguments. They may be called with a time earlier
// than a previous call's when processes' clocks differ; they must not panic.
type State interface {
	// Start begins play when every seat is taken: players are the seated
	// players in seat order. A room may start more than once (rps goes back
	// to waiting when a player leaves and starts again when refilled).
	Start(players []Player, now time.Time, rnd *rand.Rand) (Step, error)
	// Act applies a player's action (the value returned by Rules.Parse).
	// A refused action returns a coded error (see Error) and must leave the
	// state unchanged.
	Act(player string, action any, now time.Time) (Step, error)
	// Due applies the earliest timed transition if WakeAt is not after now
	// (a round's deadline, a turn's timeout), and nothing otherwise. The
	// engine calls it again while WakeAt is not after now, interleaving the
	// ends of reconnect graces in time order.
	Due(now time.Time) Step
	// Presence tells that a seated player's connection came or went.
	Presence(player string, connected bool, now time.Time) Step
	// Leave removes a player who left the room or whose reconnect grace
	// ended.
	Leave(player string, now time.Time) Step
	// WakeAt returns when Due has something to do, zero if nothing is timed.
	WakeAt() time.Time
	// Room returns the payload of the "room" event for the roster r: the
	// engine's roster plus whatever the game shows of its state there.
	Room(r Roster) any
	// View returns the events that bring a player's new connection up to
	// date (rps: the open round's "start"; gold: the "board"). It never
	// holds anything that player may not see.
	View(player string, r Roster) []Event
	// Encode returns the state as JSON.
	Encode() ([]byte, error)
}

// Player is a seated player as a game sees them.
type Player struct {
	ID        string
	Connected bool
}

// Roster is a room as the engine holds it, for State.Room and State.View.
type Roster struct {
	ID      string
	Size    int
	Phase   string // "waiting", "playing" or "over"
	Players []Seat // in seat order
}

// Seat is a player in a Roster.
type Seat struct {
	ID        string
	Name      string
	Connected bool
}

// Action is a client event for State.Act, as it arrived.
type Action struct {
	Name string // one of Rules.Actions
	// Args is the event's first argument as JSON; empty when it had none.
	Args json.RawMessage
}

// Step is what a State method caused.
type Step struct {
	// Events to publish to the room, in order. An event named EventRoom
	// with nil Data is a placeholder: the engine publishes the room's
	// "room" payload there, rendered by State.Room once the update is done.
	Events []Event
	// Reopen sends a playing room back to waiting for players (rps, when a
	// player leaves); it starts again when full.
	Reopen bool
	// Over ends the game: the room stays "over" until its players leave.
	Over bool
	// Settled counts rounds settled, for the statistics.
	Settled int
}

// Add appends the events and flags of s2 to s.
func (s *Step) Add(s2 Step) {
	s.Events = append(s.Events, s2.Events...)
	s.Reopen = s.Reopen || s2.Reopen
	s.Over = s.Over || s2.Over
	s.Settled += s2.Settled
}

// Event is something a game tells the players of a room.
type Event struct {
	Name string
	// Data is the payload: a value that encoding/json turns into a JSON
	// object without a "seq" key (the engine adds "seq").
	Data any
}

// EventRoom is the name of the event carrying a room's roster and state.
const EventRoom = "room"

// RoomEvent is the placeholder for the "room" event in a Step.
func RoomEvent() Event { return Event{Name: EventRoom} }
