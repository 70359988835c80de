package gold

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/rpsio/rpsio/game"
)

// State is a room's game: the board, what is open, the turn order and the
// scores. Exported so that tests and tools can read a stored state; change
// it only through the game.State methods. It holds the gold positions, so it
// never leaves the server: what clients get is built by Room and View and
// the events, from opened cells only.
type State struct {
	g *Rules

	RoomID string `json:"roomId"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
	// Count is the number of gold cells.
	Count int `json:"count"`
	// Started: the board is generated and turns run. Over: every gold cell
	// has been dug.
	Started bool `json:"started"`
	Over    bool `json:"over"`
	// Gold are the gold cells (y*Width+x), ascending: set at the start.
	Gold []int `json:"gold"`
	// Opened are the open cells, in the order they were opened.
	Opened []int `json:"opened"`
	// Finds are the gold cells dug, in order, with who dug each.
	Finds []Find `json:"finds"`
	// Order is the turn order: the players still in the game, in seat
	// order. Away are those of them who are disconnected.
	Order []string `json:"order"`
	Away  []string `json:"away"`
	// Turn is whose turn it is until Deadline ("" before the start and
	// once over).
	Turn     string    `json:"turn,omitempty"`
	Deadline time.Time `json:"deadline,omitzero"`
	// Scores has every player who started the game (also those who left
	// since), in seat order.
	Scores []Score `json:"scores"`

	board *Board // from Gold
	open  []bool // from Opened
}

// Find is a gold cell dug, and by whom.
type Find struct {
	Cell int    `json:"cell"`
	By   string `json:"by"`
}

// Score is the gold a player has dug.
type Score struct {
	ID   string `json:"id"`
	Gold int    `json:"gold"`
}

var _ game.State = (*State)(nil)

// check validates a decoded state and derives the board from it.
func (s *State) check() error {
	switch {
	case s.RoomID == "":
		return errors.New("no room id")
	case s.Width < MinSide || s.Width > MaxSide || s.Height < MinSide || s.Height > MaxSide:
		return fmt.Errorf("board %d×%d", s.Width, s.Height)
	case s.Count < 1 || s.Count > s.Width*s.Height:
		return fmt.Errorf("%d gold cells", s.Count)
	}
	n := s.Width * s.Height
	if !s.Started {
		if len(s.Gold)+len(s.Opened)+len(s.Finds)+len(s.Order)+len(s.Away)+len(s.Scores) > 0 || s.Turn != "" || s.Over || !s.Deadline.IsZero() {
			return errors.New("play before the start")
		}
		return nil
	}
	if len(s.Gold) != s.Count {
		return fmt.Errorf("%d gold cells listed, %d expected", len(s.Gold), s.Count)
	}
	for k, i := range s.Gold {
		if i < 0 || i >= n || (k > 0 && i <= s.Gold[k-1]) {
			return errors.New("gold cells out of range or not ascending")
		}
	}
	s.board = boardWith(s.Width, s.Height, s.Gold)
	if len(s.Opened) > n {
		return errors.New("too many opened cells")
	}
	s.open = make([]bool, n)
	openGold := 0
	for _, i := range s.Opened {
		if i < 0 || i >= n || s.open[i] {
			return fmt.Errorf("opened cell %d out of range or repeated", i)
		}
		s.open[i] = true
		if s.board.Values[i] == Gold {
			openGold++
		}
	}
	if len(s.Scores) < 1 || len(s.Scores) > MaxSize {
		return fmt.Errorf("%d scores", len(s.Scores))
	}
	tally := map[string]int{}
	for _, sc := range s.Scores {
		if _, dup := tally[sc.ID]; dup || sc.ID == "" || sc.Gold < 0 {
			return fmt.Errorf("score of %q repeated, empty or negative", sc.ID)
		}
		tally[sc.ID] = 0
	}
	found := map[int]bool{}
	for _, f := range s.Finds {
		c, ok := tally[f.By]
		if !ok || f.Cell < 0 || f.Cell >= n || !s.open[f.Cell] || s.board.Values[f.Cell] != Gold || found[f.Cell] {
			return fmt.Errorf("find %+v does not match the board or the players", f)
		}
		found[f.Cell] = true
		tally[f.By] = c + 1
	}
	for _, sc := range s.Scores {
		if tally[sc.ID] != sc.Gold {
			return fmt.Errorf("score of %q is %d, finds say %d", sc.ID, sc.Gold, tally[sc.ID])
		}
	}
	if openGold != len(s.Finds) || s.Over != (len(s.Finds) == s.Count) {
		return errors.New("finds, open gold and the end disagree")
	}
	for k, p := range s.Order {
		if _, ok := tally[p]; !ok || slices.Contains(s.Order[:k], p) {
			return fmt.Errorf("player %q in the turn order unknown or repeated", p)
		}
	}
	for k, p := range s.Away {
		if !slices.Contains(s.Order, p) || slices.Contains(s.Away[:k], p) {
			return fmt.Errorf("away player %q not in the turn order or repeated", p)
		}
	}
	switch {
	case s.Over || len(s.Order) == 0:
		if s.Turn != "" || !s.Deadline.IsZero() {
			return errors.New("a turn with nobody to play")
		}
	case !slices.Contains(s.Order, s.Turn) || s.Deadline.IsZero():
		return fmt.Errorf("turn of %q (deadline %v) not in the turn order", s.Turn, s.Deadline)
	}
	return nil
}

func (s *State) isAway(p string) bool { return slices.Contains(s.Away, p) }

// pass gives the turn to the next player in the turn order from position
// start (wrapping), preferring players who are connected: a disconnected
// player's turn passes at once. If nobody is connected, it goes to the
// player at start. It returns the "turn" event.
func (s *State) pass(start int, now time.Time) []game.Event {
	n := len(s.Order)
	if n == 0 {
		s.Turn, s.Deadline = "", time.Time{}
		return nil
	}
	pick := start % n
	for k := range n {
		if j := (start + k) % n; !s.isAway(s.Order[j]) {
			pick = j
			break
		}
	}
	s.Turn, s.Deadline = s.Order[pick], now.Add(s.g.turn)
	return []game.Event{{Name: EventTurn, Data: s.turnEvent()}}
}

func (s *State) turnEvent() TurnEvent {
	return TurnEvent{RoomID: s.RoomID, PlayerID: s.Turn, Deadline: s.Deadline.UnixMilli(), Duration: s.g.turn.Milliseconds()}
}

// passOn passes the turn from its holder to the next player.
func (s *State) passOn(now time.Time) []game.Event {
	return s.pass(slices.Index(s.Order, s.Turn)+1, now)
}

// Start implements game.State: the gold is placed at random and the first
// seat has the first turn (or the next connected player).
func (s *State) Start(players []game.Player, now time.Time, rnd *rand.Rand) (game.Step, error) {
	if s.Started {
		return game.Step{}, errors.New("gold: the game has already started")
	}
	if len(players) == 0 {
		return game.Step{}, errors.New("gold: no players")
	}
	s.board = NewBoard(s.Width, s.Height, s.Count, rnd)
	s.Gold = s.board.Gold()
	s.open = make([]bool, s.Width*s.Height)
	s.Opened, s.Finds = []int{}, []Find{}
	s.Started = true
	s.Order, s.Away, s.Scores = make([]string, len(players)), []string{}, make([]Score, len(players))
	for i, p := range players {
		s.Order[i] = p.ID
		s.Scores[i] = Score{ID: p.ID}
		if !p.Connected {
			s.Away = append(s.Away, p.ID)
		}
	}
	return game.Step{Events: s.pass(0, now)}, nil
}

// Act implements game.State: a Dig by the player whose turn it is opens the
// cell (and, for a 0, its neighbourhood); gold scores. The turn passes to
// the next player; digging the last gold ends the game.
func (s *State) Act(player string, action any, now time.Time) (game.Step, error) {
	d, ok := action.(Dig)
	if !ok {
		return game.Step{}, fmt.Errorf("%w: not a dig", game.ErrBadRequest)
	}
	switch {
	case s.Over:
		return game.Step{}, ErrGameOver
	case !s.Started:
		return game.Step{}, fmt.Errorf("%w: the game has not started", ErrNotYourTurn)
	case s.Turn == "" || s.Turn != player:
		return game.Step{}, ErrNotYourTurn
	case !now.Before(s.Deadline):
		return game.Step{}, fmt.Errorf("%w: the time for the turn is up", ErrNotYourTurn)
	case d.X < 0 || d.X >= s.Width || d.Y < 0 || d.Y >= s.Height:
		return game.Step{}, fmt.Errorf("%w: the board is %d×%d", ErrOutOfBounds, s.Width, s.Height)
	}
	i := d.Y*s.Width + d.X
	if s.open[i] {
		return game.Step{}, ErrAlreadyOpen
	}
	cells := s.board.Dig(i, s.open)
	dug := DugEvent{RoomID: s.RoomID, By: player, X: d.X, Y: d.Y, Gold: s.board.Values[i] == Gold, Opened: make([]Cell, len(cells))}
	for k, c := range cells {
		s.open[c] = true
		s.Opened = append(s.Opened, c)
		dug.Opened[k] = Cell{X: c % s.Width, Y: c / s.Width, Value: int(s.board.Values[c])}
	}
	if dug.Gold {
		s.Finds = append(s.Finds, Find{Cell: i, By: player})
		s.Scores[slices.IndexFunc(s.Scores, func(sc Score) bool { return sc.ID == player })].Gold++
		dug.Opened[0].By = player
	}
	dug.Remaining, dug.Scores = s.Count-len(s.Finds), s.scores(nil)
	step := game.Step{Events: []game.Event{{Name: EventDug, Data: dug}}}
	if len(s.Finds) < s.Count {
		step.Events = append(step.Events, s.passOn(now)...)
		return step, nil
	}
	s.Over = true
	s.Turn, s.Deadline = "", time.Time{}
	step.Events = append(step.Events, game.Event{Name: EventOver, Data: OverEvent{RoomID: s.RoomID, Scores: dug.Scores, Winners: s.winners()}}, game.RoomEvent())
	step.Over = true
	return step, nil
}

// Due implements game.State: when the turn's time is up, it passes.
func (s *State) Due(now time.Time) game.Step {
	if !s.Started || s.Over || s.Turn == "" || s.Deadline.After(now) {
		return game.Step{}
	}
	return game.Step{Events: s.passOn(now)}
}

// Presence implements game.State: a disconnected player's turns pass at
// once (while someone else is connected).
func (s *State) Presence(player string, connected bool, now time.Time) game.Step {
	if !s.Started || s.Over || !slices.Contains(s.Order, player) {
		return game.Step{}
	}
	if i := slices.Index(s.Away, player); connected && i >= 0 {
		s.Away = slices.Delete(s.Away, i, i+1)
	} else if !connected && i < 0 {
		s.Away = append(s.Away, player)
	}
	if s.Turn == "" || !s.isAway(s.Turn) || len(s.Away) == len(s.Order) {
		return game.Step{}
	}
	return game.Step{Events: s.passOn(now)}
}

// Leave implements game.State: the player leaves the turn order (their
// score stays); if it was their turn, it passes.
func (s *State) Leave(player string, now time.Time) game.Step {
	if !s.Started {
		return game.Step{}
	}
	if i := slices.Index(s.Away, player); i >= 0 {
		s.Away = slices.Delete(s.Away, i, i+1)
	}
	i := slices.Index(s.Order, player)
	if i < 0 {
		return game.Step{}
	}
	s.Order = slices.Delete(s.Order, i, i+1)
	if s.Over || s.Turn != player {
		return game.Step{}
	}
	return game.Step{Events: s.pass(i, now)}
}

// WakeAt implements game.State: the end of the turn.
func (s *State) WakeAt() time.Time {
	if !s.Started || s.Over {
		return time.Time{}
	}
	return s.Deadline
}

// scores returns the scores by player id: every player who started, or,
// before the start, the roster's players at 0.
func (s *State) scores(r *game.Roster) map[string]int {
	out := map[string]int{}
	if !s.Started && r != nil {
		for _, p := range r.Players {
			out[p.ID] = 0
		}
	}
	for _, sc := range s.Scores {
		out[sc.ID] = sc.Gold
	}
	return out
}

// winners are the players still in the game with the highest score (all
// of the scorers if nobody is left), in seat order.
func (s *State) winners() []string {
	from := s.Order
	if len(from) == 0 {
		for _, sc := range s.Scores {
			from = append(from, sc.ID)
		}
	}
	best := -1
	var out []string
	for _, sc := range s.Scores {
		if !slices.Contains(from, sc.ID) {
			continue
		}
		switch {
		case sc.Gold > best:
			best, out = sc.Gold, []string{sc.ID}
		case sc.Gold == best:
			out = append(out, sc.ID)
		}
	}
	return out
}

// Room implements game.State: the roster with each player's score.
func (s *State) Room(r game.Roster) any {
	scores := s.scores(&r)
	v := RoomView{ID: r.ID, Size: r.Size, State: r.Phase, Players: make([]PlayerView, len(r.Players))}
	for i, p := range r.Players {
		v.Players[i] = PlayerView{ID: p.ID, Name: p.Name, Connected: p.Connected, Score: scores[p.ID]}
	}
	return v
}

// View implements game.State: the "board", everything visible and nothing
// else.
func (s *State) View(_ string, r game.Roster) []game.Event {
	b := BoardEvent{
		RoomID: s.RoomID, Width: s.Width, Height: s.Height, Gold: s.Count, Remaining: s.Count - len(s.Finds),
		Opened: make([]Cell, len(s.Opened)), Scores: s.scores(&r), Over: s.Over, Winners: []string{},
	}
	by := map[int]string{}
	for _, f := range s.Finds {
		by[f.Cell] = f.By
	}
	for k, c := range s.Opened {
		b.Opened[k] = Cell{X: c % s.Width, Y: c / s.Width, Value: int(s.board.Values[c]), By: by[c]}
	}
	if s.Turn != "" {
		t := s.turnEvent()
		b.Turn = &t
	}
	if s.Over {
		b.Winners = s.winners()
	}
	return []game.Event{{Name: EventBoard, Data: b}}
}

// Encode implements game.State.
func (s *State) Encode() ([]byte, error) { return json.Marshal(s) }
