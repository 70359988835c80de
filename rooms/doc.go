// Package rooms is the room engine of rpsio, independent of any game:
// matchmaking, seats, presence and reconnect grace, timers, the store and the
// delivery of events. The rules of each game (game/rps, game/gold) sit
// behind [game.Rules] and [game.State]. It does no networking: the Socket.IO
// layer calls the [Manager] for what players do and receives the rooms'
// events through a [Notifier], which it implements by emitting them to the
// Socket.IO room [Channel](roomID) ("room:<id>") of the game's namespace.
//
// # Rooms
//
// A [Manager] runs the games given in Options.Games. [Manager.Join] seats a
// player in a room of a game: the room asked for by id if it is waiting with
// a free seat, else the oldest waiting room of the size asked with a free
// seat, else a new room. A player holds at most one seat per game. When a
// room is full its game starts ([game.State.Start]) and it is "playing".
// Players act with [Manager.Act] (rps "choose", gold "dig"), whose arguments
// the game parses before the room is touched. Timed transitions (a round's
// deadline, a turn's timeout) are the game's [game.State.Due].
//
// A player who leaves ([Manager.Leave]) or whose grace ends loses the seat
// and the game is told ([game.State.Leave]): rps sends the room back to
// waiting, gold removes the player from the turn order. A game may end
// (gold): the room is then "over" and stays until its players leave. An
// empty room is deleted. A disconnected player ([Manager.Disconnect]) keeps
// the seat for Options.ReconnectGrace; [Manager.Reconnect] within the grace
// gets it back, with a catch-up (the room and the game's View) for that
// player alone. Every change of a room's roster or phase sends "room".
//
// Within a room, events are published in the order of the changes that caused
// them. Each event carries Seq, the room's Version after its change: it
// strictly increases from one change to the next and is shared by the events
// of one change. For a call that fills a room: "room" (playing) then the
// game's start events. For a leave: "room", then what the game does.
//
// Player identity is a string player id (the server maps its sockets or
// tokens to it) plus a display name. Errors carry a protocol code: see
// [Error] and [ErrorCode].
//
// # State and timers
//
// Rooms live in a [Store] (in memory: [NewMemoryStore]; every implementation
// runs roomstest.RunStoreTests), changed only through its atomic Update; a
// [Room] is plain data with the game's state as JSON ([EncodeRoom]). The
// Manager keeps nothing about a room but its timer and its queue of events
// to publish. Every transition is applied inside an Update that re-derives
// from the stored state what is due, so a round is settled (a turn passed)
// exactly once even when the last action and the deadline come together, and
// even if several processes share the store. The Manager does not hold
// sockets and does not assume that the players of a room are connected to
// this process.
//
// Each room has one timer in this process, armed at its WakeAt (the game's
// next timed transition or the end of a reconnect grace). Timer callbacks
// only wake the room up: what is due is worked out from the stored state
// and the clock, so a stale or late wake-up is harmless. Time comes from
// Options.Clock, which tests can replace with a fake (roomstest.Clock) to
// drive time without sleeping.
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
// Lock order: a matchmaking lock (one per game and size: this process
// matches one joiner at a time for each; not taken with a store that is a
// [Matcher]), then a room's runtime lock, then the Manager's; the event
// queue's lock and the memory store's are leaves.
//
// Every call takes a context.Context for the store. [Manager.Shutdown] stops
// the timers and waits for the calls and timer callbacks in progress; after
// it, no goroutine of the Manager is left and calls fail with ErrClosed.
//
// # Several processes
//
// Several Managers (one per node) may share a store (rooms/redisstore).
// Each arms timers for the rooms it changed; a wake-up or call that
// changes nothing leaves the timers alone, so a room's next transition
// belongs to the node that made its last change. A
// wake-up that fails is tried again 20 ms later (doubling up to a second);
// only a store that is down ([ErrStoreDown]) holds them
// (Options.RecoveryHold). With a [Matcher] store, a join is one atomic
// call; a join that fills a room is followed by the update that starts it. If that node dies, the
// room is woken up by another node's [Manager.Sweep] (every
// Options.SweepInterval), which applies what has been due for
// Options.SweepDelay in the rooms [Store.Due] lists, claiming each first
// when the store is a [Claimer], and arms that node's timers for them. A
// node learning that a player is connected through another node marks
// them so with [Manager.Present].
package rooms
