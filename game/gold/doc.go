// Package gold holds multiplayer gold mining, a turn-based minesweeper, as
// a game of the rpsio room engine (game.Rules and game.State).
//
// # Rules
//
// A board of Width×Height cells hides Gold gold cells, placed at random when
// the room is full; every other cell holds the number of gold cells among
// its 8 neighbours, as in minesweeper. Players take turns strictly in seat
// order, from the first seat. The player whose turn it is digs one closed
// cell: gold scores +1 for the digger (nothing explodes, play goes on); a
// number is revealed, and a 0 opens its neighbours as minesweeper does,
// recursively. Then the turn passes to the next player. The game is over
// when every gold cell has been dug; the highest score among the players
// still in the game wins, ties shared.
//
// A turn lasts TurnDuration; when it runs out, the turn passes. A
// disconnected player's turns pass at once (unless nobody is connected); a
// player who leaves is removed from the turn order, keeping their score.
//
// The gold positions are in the State, which stays on the server: what
// clients get (the "room", "board", "dug", "turn" and "over" payloads) is
// built from opened cells only.
//
// # Concurrency
//
// Rules is immutable and safe for concurrent use; a State is used by one
// goroutine at a time; NewBoard and Board's methods are pure.
package gold
