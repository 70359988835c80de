package rps

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
)

// Move is a player's choice for a round. The zero value is [None]: no choice
// was made (a forfeit once the deadline has passed).
type Move uint8

// The moves. Values other than these four are invalid.
const (
	None Move = iota
	Rock
	Paper
	Scissors
)

// ErrInvalidMove is returned (wrapped) by [ParseMove] and [Move.UnmarshalJSON]
// for anything that is not a valid move, and by [Settle] for a Move value out
// of range. Test for it with errors.Is.
var ErrInvalidMove = errors.New("rps: invalid move")

// ParseMove decodes the wire form of a move: exactly "rock", "paper" or
// "scissors" (lower case, no surrounding space). Anything else, including the
// empty string and "none", fails with an error wrapping [ErrInvalidMove].
func ParseMove(s string) (Move, error) {
	switch s {
	case "rock":
		return Rock, nil
	case "paper":
		return Paper, nil
	case "scissors":
		return Scissors, nil
	}
	const max = 32 // keep error messages short whatever the input
	if len(s) > max {
		s = s[:max] + "..."
	}
	return None, fmt.Errorf("%w: %q", ErrInvalidMove, s)
}

// String returns "rock", "paper", "scissors" or "none"; an invalid value
// prints as "Move(n)".
func (m Move) String() string {
	switch m {
	case None:
		return "none"
	case Rock:
		return "rock"
	case Paper:
		return "paper"
	case Scissors:
		return "scissors"
	}
	return "Move(" + strconv.Itoa(int(m)) + ")"
}

// Valid reports whether m is Rock, Paper or Scissors (a move a player can
// choose). None is not a valid choice.
func (m Move) Valid() bool { return m >= Rock && m <= Scissors }

// beats[m] is the move that m beats.
var beats = [...]Move{Rock: Scissors, Paper: Rock, Scissors: Paper}

// Beats reports whether m wins against o, forfeits included: a valid move
// beats None, rock beats scissors, scissors beat paper and paper beats rock.
// None and invalid values beat nothing, and nothing beats an invalid value.
func (m Move) Beats(o Move) bool {
	if !m.Valid() {
		return false
	}
	return o == None || beats[m] == o
}

// Compare returns the outcome of a against b for the player of a: +1 if a
// beats b, -1 if b beats a, 0 for a tie (same move, or neither chose).
func Compare(a, b Move) int {
	switch {
	case a.Beats(b):
		return 1
	case b.Beats(a):
		return -1
	}
	return 0
}

// MarshalJSON encodes a valid move as its name and None as null. Invalid
// values fail with an error wrapping ErrInvalidMove.
func (m Move) MarshalJSON() ([]byte, error) {
	if m == None {
		return []byte("null"), nil
	}
	if !m.Valid() {
		return nil, fmt.Errorf("%w: %d", ErrInvalidMove, uint8(m))
	}
	return []byte(`"` + m.String() + `"`), nil
}

// UnmarshalJSON decodes null as None and "rock", "paper" or "scissors" as the
// move. Anything else fails with an error wrapping ErrInvalidMove.
func (m *Move) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*m = None
		return nil
	}
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' || bytes.IndexByte(b[1:len(b)-1], '\\') >= 0 {
		return fmt.Errorf("%w: %.32s", ErrInvalidMove, b)
	}
	v, err := ParseMove(string(b[1 : len(b)-1]))
	if err != nil {
		return err
	}
	*m = v
	return nil
}
