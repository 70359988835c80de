// Package game is the contract between the room engine (package rooms) and
// the rules of each room game (game/rps, game/gold).
//
// The engine owns who sits where and when a room wakes up: matchmaking,
// seats, reconnect grace, timers, the store and event delivery. A game owns
// what happens inside a room, behind [Rules] and [State]. Game code is pure:
// no I/O, no timers, no goroutines; time and randomness are arguments, so
// the rules are table-tested and fuzzed on their own.
//
// A State is plain data encoded as JSON, which the engine keeps in the room
// as bytes: any store (in memory, Redis) holds any game, and another
// language can read it. Each engine call decodes the state, applies one
// change inside the store's atomic update, and encodes it again, so a
// transition (a round settled, a turn passed) happens exactly once even
// when several processes race to apply it.
//
// # Concurrency
//
// Rules values are immutable and safe for concurrent use. A State is used
// by one goroutine at a time.
package game
