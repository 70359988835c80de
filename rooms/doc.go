// Package rooms is the room engine of rpsio: matchmaking, seats, rounds and
// reconnect grace, for rock-paper-scissors rooms of 2 to 8 players. It does
// no networking: the Socket.IO layer calls the [Manager] for what players do
// and receives the room's events through a [Notifier], which it implements by
// emitting them to the Socket.IO room [Channel](roomID) ("room:<id>").
//
// # Rooms
//
// [Manager.Join] seats a player in the oldest waiting room of the requested
// size with a free seat, or in a new room. When a room is full it starts
// playing: round N opens with a deadline (Options.RoundDuration) and every
// player gets "start". Players lock in a move with [Manager.Choose]; the others
// get "chosen" (never the move). The round is settled with package
// [github.com/rpsio/rpsio/game/rps] at the deadline, or as soon as every seated
// player has chosen, and everyone gets "result" then "room". After
// Options.RoundGap the next round starts, and so on while the room is full.
//
// A player who leaves ([Manager.Leave]) sends the room back to waiting (an open
// round is cancelled, not settled) until Join fills it again; an empty room is
// deleted. A disconnected player ([Manager.Disconnect]) keeps the seat for
// Options.ReconnectGrace and forfeits the rounds meanwhile; [Manager.Reconnect]
// within the grace gets them back, otherwise they leave the room. Every change
// of a room's roster or state sends "room".
//
// Within a room, events are published in the order of the changes that caused
// them. For a call that fills a room: "room" (playing) then "start". For the
// last choice of a round: "chosen", "result", "room". At the deadline:
// "result", "room". Next round: "start".
//
// Player identity is a string player id (the server maps its sockets or
// tokens to it) plus a display name. Errors carry a protocol code: see
// [Error] and [ErrorCode].
//
// # State and timers
//
// Rooms live in a [Store] (in memory: [NewMemoryStore]), changed only through
// its atomic Update; the Manager keeps nothing about a room but its timer and
// its queue of events to publish. A round is settled inside an Update that
// checks the round is still open, so it is settled exactly once even when the
// last choice and the deadline come together, and even if several processes
// share the store. The Manager does not hold sockets and does not assume that
// the players of a room are connected to this process.
//
// Each room has one timer, armed for its next due transition (deadline, next
// round, or the end of a reconnect grace). Timer callbacks only wake the room
// up: what is due is worked out from the stored state and the clock, so a
// stale or late wake-up is harmless. Time comes from Options.Clock, which tests
// can replace with a fake (roomstest.Clock) to drive time without sleeping.
//
// # Concurrency
//
// A Manager and a MemoryStore are safe for concurrent use. Calls on different
// rooms do not wait for each other (apart from the memory store's short
// critical sections). Calls on the same room are serialized.
//
// The notifier is called outside every lock, one item at a time per room, in
// order, by whichever goroutine (a Manager call or a room's timer) finds the
// room's queue idle. So a slow notifier delays only its room's later events
// and the call delivering them, never other rooms. It may call back into the
// Manager (such calls queue their events and return). It should still not
// block for long.
//
// Every call takes a context.Context for the store. [Manager.Shutdown] stops
// the timers and waits for the calls and timer callbacks in progress; after
// it, no goroutine of the Manager is left and calls fail with ErrClosed.
//
// # Several processes
//
// A room's timer lives in the process that last changed the room. With a
// store shared by several processes, if that process dies, the room is not
// woken up until another process calls [Manager.Sweep], which applies what is
// due in every room and arms this process's timers for them. A process should
// sweep when it starts (and periodically, if others may die).
package rooms
