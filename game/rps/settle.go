package rps

import (
	"errors"
	"fmt"
)

// Player is a player's standing before a round.
type Player struct {
	ID     string // unique among the players of a Settle call
	Streak int    // consecutive rounds won before this one
	Total  int    // accumulated score before this one
}

// Result is a player's outcome for a round. The JSON names are those of the
// "result" event of the rpsio protocol.
type Result struct {
	ID     string `json:"id"`
	X      int    `json:"x"`      // base score: sum of the pairwise outcomes
	Streak int    `json:"streak"` // new streak: previous+1 if X > 0, else 0
	Score  int    `json:"score"`  // X * Streak if X > 0, else 0
	Total  int    `json:"total"`  // previous total + Score
}

// Errors returned (wrapped) by Settle.
var (
	ErrDuplicatePlayer = errors.New("rps: duplicate player")
	ErrUnknownPlayer   = errors.New("rps: move for unknown player")
)

// Settle settles one round. players is the room's roster with each player's
// standing before the round; moves maps player IDs to their choice, a player
// with no entry (or None) having forfeited. It returns one Result per player,
// in the order of players.
//
// It fails, returning nil, if an ID appears twice in players
// ([ErrDuplicatePlayer]), if moves holds an ID that is not in players
// ([ErrUnknownPlayer]) or a value that is neither None nor a valid move
// ([ErrInvalidMove]). Settle runs in O(len(players)+len(moves)).
func Settle(players []Player, moves map[string]Move) ([]Result, error) {
	seen := make(map[string]struct{}, len(players))
	for _, p := range players {
		if _, dup := seen[p.ID]; dup {
			return nil, fmt.Errorf("%w: %q", ErrDuplicatePlayer, p.ID)
		}
		seen[p.ID] = struct{}{}
	}
	for id, m := range moves {
		if _, ok := seen[id]; !ok {
			return nil, fmt.Errorf("%w: %q", ErrUnknownPlayer, id)
		}
		if m != None && !m.Valid() {
			return nil, fmt.Errorf("%w: %d for player %q", ErrInvalidMove, uint8(m), id)
		}
	}

	// Every pair plays once, so a player's X is the number of players whose
	// move theirs beats minus the number whose move beats theirs. Count the
	// moves instead of walking the pairs.
	var count [Scissors + 1]int
	for _, p := range players {
		count[moves[p.ID]]++
	}
	out := make([]Result, len(players))
	for i, p := range players {
		m := moves[p.ID]
		x := 0
		for o := None; o <= Scissors; o++ {
			x += Compare(m, o) * count[o]
		}
		r := Result{ID: p.ID, X: x, Total: p.Total}
		if x > 0 {
			r.Streak = p.Streak + 1
			r.Score = x * r.Streak
			r.Total += r.Score
		}
		out[i] = r
	}
	return out, nil
}
