package rooms

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/rpsio/rpsio/game"
)

// EventRoom is the event carrying a room's roster and state.
const EventRoom = game.EventRoom

// Event is a notification for the players of a room.
type Event struct {
	Game   string
	RoomID string
	// To is "" for an event for every player of the room; else the id of
	// the one player it is for (the catch-up of a player who comes back).
	To   string
	Name string // EventRoom or one of the game's events
	// Data is the payload, a value (not a pointer) of a type given by the
	// game for that event name; it encodes to a JSON object with
	// encoding/json. The Manager does not touch it after publishing it.
	Data any
	// Seq is the room's Version after the change that caused the event:
	// strictly increasing per room, shared by the events of one change.
	Seq uint64
}

// Payload returns what goes on the wire: Data with a "seq" member added.
func (ev Event) Payload() any { return WithSeq(ev.Data, ev.Seq) }

// Channel returns Channel(ev.RoomID).
func (ev Event) Channel() string { return Channel(ev.RoomID) }

// Channel returns the name of the Socket.IO room that carries the events of
// room roomID: "room:<roomID>".
func Channel(roomID string) string { return "room:" + roomID }

// WithSeq returns a json.Marshaler that encodes data (which must encode to
// a JSON object) with a "seq" member added.
func WithSeq(data any, seq uint64) json.Marshaler { return withSeq{data, seq} }

type withSeq struct {
	data any
	seq  uint64
}

func (p withSeq) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(p.data)
	if err != nil {
		return nil, err
	}
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return nil, fmt.Errorf("rooms: event payload %.40s is not a JSON object", b)
	}
	out := make([]byte, 0, len(b)+32)
	out = append(out, b[:len(b)-1]...)
	if len(b) > 2 {
		out = append(out, ',')
	}
	out = append(out, `"seq":`...)
	out = strconv.AppendUint(out, p.seq, 10)
	return append(out, '}'), nil
}

// Notifier delivers events to the players of a room. The server implements it
// by emitting ev.Name with ev.Payload() to the Socket.IO room
// Channel(ev.RoomID) of the game's namespace, or to the player's sockets
// when ev.To is set.
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
	Subscribe(ctx context.Context, game, roomID, playerID string)
	Unsubscribe(ctx context.Context, game, roomID, playerID string)
}

// LocalSubscriber may be implemented by a Subscriber whose subscriptions
// reach other processes later (through a cluster adapter). The Manager
// calls SubscribeLocal before it stores a new room for playerID, or brings
// them back to their room, so that their connections on this process are
// in the room's channel before another process can see them there and
// publish to the room (a joiner on another node fills the new room at
// once); and UnsubscribeLocal if the new room was not stored. Both act on this process's connections only, synchronously,
// outside the Manager's locks; they should be quick. Subscribe still
// follows, in order with the room's events, for the other processes.
type LocalSubscriber interface {
	SubscribeLocal(ctx context.Context, game, roomID, playerID string)
	UnsubscribeLocal(ctx context.Context, game, roomID, playerID string)
}

// Status is what a (re)joining player needs to catch up.
type Status struct {
	Game   string
	RoomID string
	// Seq is the room's Version when the status was taken.
	Seq uint64
	// Room is the "room" payload (without "seq": see Payload).
	Room any
	// CatchUp are the events that bring a new connection of the player up
	// to date (the game's View: rps the open round's "start", gold the
	// "board"), with Seq.
	CatchUp []Event
}

// RoomPayload returns the "room" payload with "seq", as sent on the wire.
func (st *Status) RoomPayload() any { return WithSeq(st.Room, st.Seq) }

// RoomSummary is a room in the lobby list.
type RoomSummary struct {
	ID      string `json:"id"`
	Game    string `json:"game"`
	Size    int    `json:"size"`
	State   string `json:"state"` // "waiting", "playing" or "over"
	Players int    `json:"players"`
}

// Stats are the lobby statistics.
type Stats struct {
	Rooms         int   `json:"rooms"`
	Waiting       int   `json:"waiting"` // rooms waiting for players
	Playing       int   `json:"playing"` // rooms playing
	Over          int   `json:"over"`    // rooms whose game is over
	Players       int   `json:"players"` // seated players, connected or not
	RoundsSettled int64 `json:"roundsSettled"`
}
