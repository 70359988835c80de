package rps

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/rpsio/rpsio/game"
)

// Defaults and limits.
const (
	DefaultRoundDuration = 10 * time.Second
	DefaultRoundGap      = 3 * time.Second
	MinSize              = 2
	MaxSize              = 8
	DefaultSize          = 2
)

// Name is the game's name: the namespace is "/rps".
const Name = "rps"

// The coded errors of "choose" (besides game.ErrBadRequest).
var (
	// ErrRoundClosed: the round is not the room's open round (settled,
	// cancelled, past its deadline, not started yet, or the room is waiting).
	ErrRoundClosed = game.NewError("round_closed", "round is not open")
	// ErrAlreadyChosen: the player already chose a different move this
	// round. Choosing the same move again succeeds.
	ErrAlreadyChosen = game.NewError("already_chosen", "a different move was already chosen this round")
)

// Config configures the game. The zero value is usable: every zero field
// gets the default documented on it. Negative durations are an error.
type Config struct {
	// RoundDuration is how long a round stays open. Default 10s.
	RoundDuration time.Duration
	// RoundGap is the pause between a result and the next round's start.
	// Default 3s.
	RoundGap time.Duration
	// NoRoundGap starts the next round right after a result; RoundGap is
	// then ignored. (A zero RoundGap means the default, as every zero here.)
	NoRoundGap bool
}

// Rules is rock-paper-scissors as a game.Rules.
type Rules struct {
	roundDur, gap time.Duration
}

var _ game.Rules = (*Rules)(nil)

// New returns the game configured by cfg.
func New(cfg Config) (*Rules, error) {
	if cfg.RoundDuration < 0 || cfg.RoundGap < 0 {
		return nil, errors.New("rps: negative duration in Config")
	}
	g := &Rules{roundDur: cfg.RoundDuration, gap: cfg.RoundGap}
	if g.roundDur == 0 {
		g.roundDur = DefaultRoundDuration
	}
	if cfg.NoRoundGap {
		g.gap = 0
	} else if g.gap == 0 {
		g.gap = DefaultRoundGap
	}
	return g, nil
}

// Name implements game.Rules.
func (g *Rules) Name() string { return Name }

// Sizes implements game.Rules: 2 to 8 players, 2 by default.
func (g *Rules) Sizes() (min, max, def int) { return MinSize, MaxSize, DefaultSize }

// Actions implements game.Rules: "choose".
func (g *Rules) Actions() []string { return []string{ActionChoose} }

// RoundDuration is how long a round stays open.
func (g *Rules) RoundDuration() time.Duration { return g.roundDur }

// Parse implements game.Rules: "choose" {round, move} gives a Choice.
func (g *Rules) Parse(a game.Action) (any, error) {
	if a.Name != ActionChoose {
		return nil, fmt.Errorf("%w: unknown action %q", game.ErrBadRequest, a.Name)
	}
	return parseChoose(a.Args)
}

// New implements game.Rules.
func (g *Rules) New(roomID string, size int) game.State {
	return &State{g: g, RoomID: roomID, Players: []Standing{}}
}

// Decode implements game.Rules.
func (g *Rules) Decode(b []byte) (game.State, error) {
	s := &State{g: g}
	if err := json.Unmarshal(b, s); err != nil {
		return nil, fmt.Errorf("rps: decode state: %w", err)
	}
	if err := s.check(); err != nil {
		return nil, fmt.Errorf("rps: decode state: %w", err)
	}
	return s, nil
}

// State is a room's game: the round and the players' standings. Exported
// so that tests and tools can read a stored state; change it only through
// the game.State methods.
type State struct {
	g *Rules

	RoomID string `json:"roomId"`
	// Round is the number of the open round or of the last one; 0 before
	// the first.
	Round int `json:"round"`
	// Open: round Round accepts moves until Deadline.
	Open     bool      `json:"open"`
	Deadline time.Time `json:"deadline,omitzero"`
	// NextRound is when the next round opens (between rounds of a full
	// room); zero otherwise.
	NextRound time.Time `json:"nextRound,omitzero"`
	// Players are the standings of the players since the room last
	// started, in seat order.
	Players []Standing `json:"players"`
}

// Standing is a player's standing in a room.
type Standing struct {
	ID     string `json:"id"`
	Streak int    `json:"streak"`
	Total  int    `json:"total"`
	// Move is the player's move in the open round, None if not chosen.
	Move Move `json:"move"`
}

var _ game.State = (*State)(nil)

// maxPlayers bounds the decoded standings (a room holds at most MaxSize).
const maxPlayers = MaxSize

func (s *State) check() error {
	if s.RoomID == "" {
		return errors.New("no room id")
	}
	if s.Round < 0 {
		return fmt.Errorf("round %d", s.Round)
	}
	if s.Open && s.Deadline.IsZero() {
		return errors.New("open round without a deadline")
	}
	if len(s.Players) > maxPlayers {
		return fmt.Errorf("%d players", len(s.Players))
	}
	if s.Players == nil {
		s.Players = []Standing{}
	}
	seen := map[string]bool{}
	for _, p := range s.Players {
		if p.ID == "" || seen[p.ID] {
			return fmt.Errorf("player id %q empty or repeated", p.ID)
		}
		seen[p.ID] = true
		if p.Streak < 0 || p.Total < 0 {
			return fmt.Errorf("player %q: negative streak or total", p.ID)
		}
		if p.Move != None && !s.Open {
			return fmt.Errorf("player %q: move without an open round", p.ID)
		}
	}
	return nil
}

func (s *State) standing(id string) int {
	for i := range s.Players {
		if s.Players[i].ID == id {
			return i
		}
	}
	return -1
}

// Move returns player's move in the open round, None if none.
func (s *State) Move(player string) Move {
	if i := s.standing(player); i >= 0 {
		return s.Players[i].Move
	}
	return None
}

// Start implements game.State: the next round opens. Standings of players
// still seated are kept; new players start from zero.
func (s *State) Start(players []game.Player, now time.Time, _ *rand.Rand) (game.Step, error) {
	ps := make([]Standing, len(players))
	for i, p := range players {
		ps[i] = Standing{ID: p.ID}
		if j := s.standing(p.ID); j >= 0 {
			ps[i].Streak, ps[i].Total = s.Players[j].Streak, s.Players[j].Total
		}
	}
	s.Players = ps
	return game.Step{Events: []game.Event{s.open(now)}}, nil
}

// open opens the next round and returns its "start".
func (s *State) open(now time.Time) game.Event {
	s.Round++
	s.Open = true
	s.Deadline = now.Add(s.g.roundDur)
	s.NextRound = time.Time{}
	for i := range s.Players {
		s.Players[i].Move = None
	}
	return game.Event{Name: EventStart, Data: s.start()}
}

func (s *State) start() StartEvent {
	return StartEvent{RoomID: s.RoomID, Round: s.Round, Deadline: s.Deadline.UnixMilli(), Duration: s.g.roundDur.Milliseconds()}
}

// Act implements game.State: a Choice locks in a move; when every player
// has chosen, the round is settled at once.
func (s *State) Act(player string, action any, now time.Time) (game.Step, error) {
	c, ok := action.(Choice)
	if !ok {
		return game.Step{}, fmt.Errorf("%w: not a choice", game.ErrBadRequest)
	}
	i := s.standing(player)
	if !s.Open || s.Round != c.Round || !now.Before(s.Deadline) || i < 0 {
		return game.Step{}, fmt.Errorf("round %d: %w", c.Round, ErrRoundClosed)
	}
	switch s.Players[i].Move {
	case c.Move:
		return game.Step{}, nil // a retry
	case None:
	default:
		return game.Step{}, fmt.Errorf("round %d: %w", c.Round, ErrAlreadyChosen)
	}
	s.Players[i].Move = c.Move
	step := game.Step{Events: []game.Event{{Name: EventChosen, Data: ChosenEvent{RoomID: s.RoomID, Round: c.Round, PlayerID: player}}}}
	for _, p := range s.Players {
		if p.Move == None {
			return step, nil
		}
	}
	step.Add(s.settle(now))
	return step, nil
}

// settle settles the open round and schedules the next one.
func (s *State) settle(now time.Time) game.Step {
	players := make([]Player, len(s.Players))
	moves := make(map[string]Move, len(s.Players))
	for i, p := range s.Players {
		players[i] = Player{ID: p.ID, Streak: p.Streak, Total: p.Total}
		moves[p.ID] = p.Move
	}
	res, err := Settle(players, moves)
	if err != nil {
		// Unreachable: check and Act keep ids unique and moves valid.
		panic(fmt.Sprintf("rps: settle: %v", err))
	}
	for i := range s.Players {
		p := &s.Players[i]
		p.Streak, p.Total, p.Move = res[i].Streak, res[i].Total, None
	}
	s.Open = false
	s.Deadline = time.Time{}
	s.NextRound = now.Add(s.g.gap)
	return game.Step{
		Events:  []game.Event{{Name: EventResult, Data: ResultEvent{RoomID: s.RoomID, Round: s.Round, Moves: moves, Players: res}}, game.RoomEvent()},
		Settled: 1,
	}
}

// Due implements game.State: at the deadline the round is settled (players
// who did not choose forfeit); after the gap the next round opens.
func (s *State) Due(now time.Time) game.Step {
	switch {
	case s.Open && !s.Deadline.After(now):
		return s.settle(now)
	case !s.Open && !s.NextRound.IsZero() && !s.NextRound.After(now):
		return game.Step{Events: []game.Event{s.open(now)}}
	}
	return game.Step{}
}

// Presence implements game.State: nothing changes; a disconnected player
// forfeits the rounds they do not choose in.
func (s *State) Presence(string, bool, time.Time) game.Step { return game.Step{} }

// Leave implements game.State: the player's standing goes, the open round
// is cancelled (not settled) and the room waits for a player again.
func (s *State) Leave(player string, _ time.Time) game.Step {
	if i := s.standing(player); i >= 0 {
		s.Players = append(s.Players[:i], s.Players[i+1:]...)
	}
	s.Open = false
	s.Deadline, s.NextRound = time.Time{}, time.Time{}
	for i := range s.Players {
		s.Players[i].Move = None
	}
	return game.Step{Reopen: true}
}

// WakeAt implements game.State: the open round's deadline, or the next
// round's start.
func (s *State) WakeAt() time.Time {
	if s.Open {
		return s.Deadline
	}
	return s.NextRound
}

// Room implements game.State: the roster with each player's total and
// streak, and the round.
func (s *State) Room(r game.Roster) any {
	v := RoomView{ID: r.ID, Size: r.Size, State: r.Phase, Round: s.Round, Players: make([]PlayerView, len(r.Players))}
	for i, p := range r.Players {
		v.Players[i] = PlayerView{ID: p.ID, Name: p.Name, Connected: p.Connected}
		if j := s.standing(p.ID); j >= 0 {
			v.Players[i].Total, v.Players[i].Streak = s.Players[j].Total, s.Players[j].Streak
		}
	}
	return v
}

// View implements game.State: the open round's "start", if any.
func (s *State) View(string, game.Roster) []game.Event {
	if !s.Open {
		return nil
	}
	return []game.Event{{Name: EventStart, Data: s.start()}}
}

// Encode implements game.State.
func (s *State) Encode() ([]byte, error) { return json.Marshal(s) }
