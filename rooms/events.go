package rooms

import (
	"context"

	"github.com/rpsio/rpsio/game/rps"
)

// Event names, as emitted to clients.
const (
	EventRoom   = "room"   // Data: RoomView
	EventStart  = "start"  // Data: StartEvent
	EventChosen = "chosen" // Data: ChosenEvent
	EventResult = "result" // Data: ResultEvent
)

// Event is a notification for every player of a room.
type Event struct {
	RoomID string
	Name   string // EventRoom, EventStart, EventChosen or EventResult
	// Data is the payload, a value (not a pointer) of the type given with the
	// event name; it encodes to the protocol's JSON with encoding/json. The
	// Manager does not touch it after publishing it.
	Data any
}

// Channel returns Channel(ev.RoomID).
func (ev Event) Channel() string { return Channel(ev.RoomID) }

// Channel returns the name of the Socket.IO room that carries the events of
// room roomID: "room:<roomID>".
func Channel(roomID string) string { return "room:" + roomID }

// Notifier delivers events to the players of a room. The server implements it
// by emitting ev.Name with ev.Data to the Socket.IO room Channel(ev.RoomID).
//
// The Manager calls Publish outside its locks, one event at a time per room,
// in the order the changes were made. ctx is the Manager's: it is cancelled
// when Shutdown gives up waiting. Publish may call back into the Manager
// (except Shutdown, which would wait for Publish to return). It should not
// block for long: while it runs, the room's later events wait, and
// so does the Manager call (or timer) that happens to be delivering them;
// other rooms are not affected. A panic in Publish is recovered and logged.
type Notifier interface {
	Publish(ctx context.Context, ev Event)
}

// NotifierFunc adapts a function to the Notifier interface.
type NotifierFunc func(ctx context.Context, ev Event)

// Publish calls f(ctx, ev).
func (f NotifierFunc) Publish(ctx context.Context, ev Event) { f(ctx, ev) }

// Subscriber may be implemented by a Notifier to learn who is in which room,
// so that it can add a player's connections to the room's channel before the
// events that follow their arrival are published (otherwise a player who
// fills a room could miss its first "start").
//
// Subscribe is called when playerID takes a seat in roomID (Join), and again
// when they come back to it (Reconnect, or Join while seated), before the
// events caused by that call. Unsubscribe is called when playerID loses the
// seat (Leave, or the reconnect grace expired), before the events that
// follow. The calls are made like Publish calls, in order with the room's
// events and under the same rules.
type Subscriber interface {
	Subscribe(ctx context.Context, roomID, playerID string)
	Unsubscribe(ctx context.Context, roomID, playerID string)
}

// RoomView is the payload of the "room" event: a room's roster and state.
type RoomView struct {
	ID      string       `json:"id"`
	Size    int          `json:"size"`
	State   string       `json:"state"` // "waiting" or "playing"
	Round   int          `json:"round"` // current or last round, 0 before the first
	Players []PlayerView `json:"players"`
}

// PlayerView is a player in a RoomView.
type PlayerView struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Connected bool   `json:"connected"`
	Total     int    `json:"total"`
	Streak    int    `json:"streak"`
}

// StartEvent is the payload of the "start" event: round Round is open until
// Deadline.
type StartEvent struct {
	RoomID   string `json:"roomId"`
	Round    int    `json:"round"`
	Deadline int64  `json:"deadline"` // Unix milliseconds
	Duration int64  `json:"duration"` // milliseconds
}

// ChosenEvent is the payload of the "chosen" event: PlayerID has locked in a
// move (which is not revealed) for Round.
type ChosenEvent struct {
	RoomID   string `json:"roomId"`
	Round    int    `json:"round"`
	PlayerID string `json:"playerId"`
}

// ResultEvent is the payload of the "result" event: the settlement of Round.
type ResultEvent struct {
	RoomID string `json:"roomId"`
	Round  int    `json:"round"`
	// Moves has every player of the round; a player who did not choose has
	// rps.None, which encodes as null.
	Moves map[string]rps.Move `json:"moves"`
	// Players are in seat order.
	Players []rps.Result `json:"players"`
}

// RoomSummary is a room in the lobby list.
type RoomSummary struct {
	ID      string `json:"id"`
	Size    int    `json:"size"`
	State   string `json:"state"`
	Players int    `json:"players"`
}

// Stats are the lobby statistics.
type Stats struct {
	Rooms         int   `json:"rooms"`
	Waiting       int   `json:"waiting"` // rooms waiting for players
	Playing       int   `json:"playing"` // rooms playing
	Players       int   `json:"players"` // seated players, connected or not
	RoundsSettled int64 `json:"roundsSettled"`
}

// Status is what a (re)joining player needs to catch up: the room, the open
// round if any, and their own move in it.
type Status struct {
	Room RoomView `json:"room"`
	// Round is the open round's "start" payload, nil if no round is open.
	Round *StartEvent `json:"round"`
	// Move is the player's move in the open round, rps.None (null) if they
	// have not chosen.
	Move rps.Move `json:"move"`
}
