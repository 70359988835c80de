package gold

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/rpsio/rpsio/game"
)

// Name is the game's name: the namespace is "/gold".
const Name = "gold"

// Defaults and limits.
const (
	DefaultWidth        = 10
	DefaultHeight       = 10
	DefaultGold         = 10
	DefaultTurnDuration = 20 * time.Second

	MinSide = 2  // cells
	MaxSide = 50 // cells

	MinSize     = 2
	MaxSize     = 4
	DefaultSize = 2
)

// ActionDig is the client event that digs a cell.
const ActionDig = "dig"

// The coded errors of "dig" (besides game.ErrBadRequest).
var (
	ErrNotYourTurn = game.NewError("not_your_turn", "it is not your turn")
	ErrAlreadyOpen = game.NewError("already_open", "that cell is already open")
	ErrOutOfBounds = game.NewError("out_of_bounds", "that cell is off the board")
	ErrGameOver    = game.NewError("game_over", "the game is over")
)

// Config configures the game. The zero value is usable: every zero field
// gets the default documented on it.
type Config struct {
	// Width and Height of the board, MinSide..MaxSide cells. Default 10×10.
	Width, Height int
	// Gold is the number of gold cells, 1..Width*Height. Default 10.
	Gold int
	// TurnDuration is how long a player has to dig before the turn
	// passes. Default 20s.
	TurnDuration time.Duration
}

// Rules is gold mining as a game.Rules.
type Rules struct {
	width, height, gold int
	turn                time.Duration
}

var _ game.Rules = (*Rules)(nil)

// New returns the game configured by cfg, or an error for a value out of
// range.
func New(cfg Config) (*Rules, error) {
	g := &Rules{width: cfg.Width, height: cfg.Height, gold: cfg.Gold, turn: cfg.TurnDuration}
	if g.width == 0 {
		g.width = DefaultWidth
	}
	if g.height == 0 {
		g.height = DefaultHeight
	}
	if g.gold == 0 {
		g.gold = DefaultGold
	}
	if g.turn == 0 {
		g.turn = DefaultTurnDuration
	}
	switch {
	case g.width < MinSide || g.width > MaxSide || g.height < MinSide || g.height > MaxSide:
		return nil, fmt.Errorf("gold: board %d×%d: sides must be %d..%d", g.width, g.height, MinSide, MaxSide)
	case g.gold < 1 || g.gold > g.width*g.height:
		return nil, fmt.Errorf("gold: %d gold cells on a %d×%d board: must be 1..%d", g.gold, g.width, g.height, g.width*g.height)
	case g.turn < 0:
		return nil, errors.New("gold: negative turn duration")
	}
	return g, nil
}

// Name implements game.Rules.
func (g *Rules) Name() string { return Name }

// Sizes implements game.Rules: 2 to 4 players, 2 by default.
func (g *Rules) Sizes() (min, max, def int) { return MinSize, MaxSize, DefaultSize }

// Actions implements game.Rules: "dig".
func (g *Rules) Actions() []string { return []string{ActionDig} }

// TurnDuration is how long a turn lasts.
func (g *Rules) TurnDuration() time.Duration { return g.turn }

// Dig is a parsed "dig" action. Coordinates may be off the board (Act
// refuses them with ErrOutOfBounds).
type Dig struct{ X, Y int }

// DigAction returns the "dig" action for cell (x, y), as a client sends it.
func DigAction(x, y int) game.Action {
	b, _ := json.Marshal(map[string]int{"x": x, "y": y})
	return game.Action{Name: ActionDig, Args: b}
}

// Parse implements game.Rules: "dig" {x: integer, y: integer} gives a Dig.
func (g *Rules) Parse(a game.Action) (any, error) {
	if a.Name != ActionDig {
		return nil, fmt.Errorf("%w: unknown action %q", game.ErrBadRequest, a.Name)
	}
	return parseDig(a.Args)
}

func parseDig(args json.RawMessage) (Dig, error) {
	var req struct {
		X *float64 `json:"x"`
		Y *float64 `json:"y"`
	}
	if len(args) == 0 || json.Unmarshal(args, &req) != nil || req.X == nil || req.Y == nil {
		return Dig{}, fmt.Errorf("%w: dig takes {x: integer, y: integer}", game.ErrBadRequest)
	}
	coord := func(v float64) (int, bool) {
		if v != math.Trunc(v) {
			return 0, false
		}
		if math.Abs(v) > MaxSide*2 { // off the board whatever its size: keep it an int
			return -1, true
		}
		return int(v), true
	}
	x, okx := coord(*req.X)
	y, oky := coord(*req.Y)
	if !okx || !oky {
		return Dig{}, fmt.Errorf("%w: x and y must be integers", game.ErrBadRequest)
	}
	return Dig{X: x, Y: y}, nil
}

// New implements game.Rules: a board of the configured size, not dug yet
// (the gold is placed when the game starts).
func (g *Rules) New(roomID string, size int) game.State {
	return &State{g: g, RoomID: roomID, Width: g.width, Height: g.height, Count: g.gold}
}

// Decode implements game.Rules.
func (g *Rules) Decode(b []byte) (game.State, error) {
	s := &State{g: g}
	if err := json.Unmarshal(b, s); err != nil {
		return nil, fmt.Errorf("gold: decode state: %w", err)
	}
	if err := s.check(); err != nil {
		return nil, fmt.Errorf("gold: decode state: %w", err)
	}
	return s, nil
}
