// Package rps holds the rules of rock-paper-scissors as played by rpsio rooms
// and the settlement of a round. It does no I/O and keeps no state.
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
// Everything in this package is safe for concurrent use: [Move] is a plain
// value, and [Settle] is a pure function that neither modifies nor retains its
// arguments (the returned slice is freshly allocated and owned by the caller).
package rps
