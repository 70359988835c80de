package rps

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/rpsio/rpsio/game"
)

// Event names of the /rps contract (besides game.EventRoom).
const (
	EventStart  = "start"  // Data: StartEvent
	EventChosen = "chosen" // Data: ChosenEvent
	EventResult = "result" // Data: ResultEvent
)

// ActionChoose is the client event that locks in a move.
const ActionChoose = "choose"

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
	// None, which encodes as null.
	Moves map[string]Move `json:"moves"`
	// Players are in seat order.
	Players []Result `json:"players"`
}

// Choice is a parsed "choose" action: Move for round Round.
type Choice struct {
	Round int
	Move  Move
}

// Choose returns the "choose" action for round and move, as a client sends
// it.
func Choose(round int, move string) game.Action {
	b, _ := json.Marshal(map[string]any{"round": round, "move": move})
	return game.Action{Name: ActionChoose, Args: b}
}

// parseChoose decodes {round: integer >= 1, move: "rock"|"paper"|"scissors"}.
func parseChoose(args json.RawMessage) (Choice, error) {
	const shape = `choose takes {round: integer, move: "rock"|"paper"|"scissors"}`
	var req struct {
		Round *float64 `json:"round"`
		Move  *string  `json:"move"`
	}
	if len(args) == 0 || json.Unmarshal(args, &req) != nil || req.Round == nil || req.Move == nil {
		return Choice{}, fmt.Errorf("%w: %s", game.ErrBadRequest, shape)
	}
	r := *req.Round
	if r != math.Trunc(r) || r < 1 || r > math.MaxInt32 {
		return Choice{}, fmt.Errorf("%w: round must be an integer from 1", game.ErrBadRequest)
	}
	mv, err := ParseMove(*req.Move)
	if err != nil {
		return Choice{}, fmt.Errorf("%w: %w", game.ErrBadRequest, err)
	}
	return Choice{Round: int(r), Move: mv}, nil
}
