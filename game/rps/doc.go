// Package rps holds the rules of rock-paper-scissors as played by rpsio rooms:
// the settlement of a round ([Settle]) and the game as the room engine runs
// it ([Rules], [State]: rounds with a deadline and a gap, standings, the
// "start", "chosen", "result" and "room" payloads). It does no I/O.
//
// # Rules
//
// Each round every player of a room picks rock, paper or scissors before the
// deadline. Every pair of players then plays once: the winner of the pair gets
// +1, the loser -1, a tie 0. A player's base score X for the round is the sum
// over all the pairs they are in.
//
// A player with X > 0 has won the round: their streak grows by one. Otherwise
// their streak goes back to 0. The round's score is X multiplied by the new
// streak, so it is 0 unless X > 0. Totals accumulate the round scores.
//
// A player who has not chosen by the deadline (move [None]) forfeits the round:
// they lose to every player who chose and tie with every other player who did
// not choose.
//
// # Concurrency
//
// [Move] is a plain value, [Settle] is a pure function that neither modifies
// nor retains its arguments (the returned slice is freshly allocated and
// owned by the caller), and [Rules] is immutable: all are safe for concurrent
// use. A [State] is used by one goroutine at a time.
package rps
