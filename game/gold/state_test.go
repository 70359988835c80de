package gold

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/rpsio/rpsio/game"
)

var t0 = time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)

const turnDur = 20 * time.Second

// started returns a started game on the board drawn by rows ("*" gold),
// players all connected, in seat order.
func started(t testing.TB, rows []string, players ...string) (*State, game.Step) {
	t.Helper()
	b := parseBoard(rows...)
	g, err := New(Config{Width: b.Width, Height: b.Height, Gold: len(b.Gold()), TurnDuration: turnDur})
	if err != nil {
		t.Fatal(err)
	}
	s := g.New("room1", len(players)).(*State)
	ps := make([]game.Player, len(players))
	for i, p := range players {
		ps[i] = game.Player{ID: p, Connected: true}
	}
	step, err := s.Start(ps, t0, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	// Replace the random board with the drawn one.
	s.board, s.Gold = b, b.Gold()
	checkState(t, s)
	return s, step
}

// checkState checks the state survives an encode/decode round trip and is
// well formed.
func checkState(t testing.TB, s *State) {
	t.Helper()
	b, err := s.Encode()
	if err != nil {
		t.Fatal(err)
	}
	d, err := s.g.Decode(b)
	if err != nil {
		t.Fatalf("decode of an encoded state: %v\n%s", err, b)
	}
	b2, _ := d.Encode()
	if string(b) != string(b2) {
		t.Fatalf("round trip changed the state:\n%s\n%s", b, b2)
	}
}

func names(evs []game.Event) []string {
	var out []string
	for _, ev := range evs {
		out = append(out, ev.Name)
	}
	return out
}

func turnOf(t *testing.T, step game.Step) TurnEvent {
	t.Helper()
	for _, ev := range step.Events {
		if ev.Name == EventTurn {
			return ev.Data.(TurnEvent)
		}
	}
	t.Fatalf("no turn in %v", names(step.Events))
	return TurnEvent{}
}

func dig(t *testing.T, s *State, p string, x, y int, now time.Time) game.Step {
	t.Helper()
	step, err := s.Act(p, Dig{x, y}, now)
	if err != nil {
		t.Fatalf("%s digs (%d, %d): %v", p, x, y, err)
	}
	checkState(t, s)
	return step
}

func wantErr(t *testing.T, err error, target error, code string) {
	t.Helper()
	var c interface{ Code() string }
	if !errors.Is(err, target) || !errors.As(err, &c) || c.Code() != code {
		t.Fatalf("error %v, want %v (%s)", err, target, code)
	}
}

var board3x3 = []string{
	"*..",
	"...",
	"..*",
}

func TestStartAndTurnsInSeatOrder(t *testing.T) {
	s, step := started(t, []string{"*...", "....", "...*"}, "a", "b", "c")
	equal(t, "start events", step.Events, []game.Event{{Name: EventTurn, Data: TurnEvent{RoomID: "room1", PlayerID: "a", Deadline: t0.Add(turnDur).UnixMilli(), Duration: turnDur.Milliseconds()}}})
	equal(t, "wake", s.WakeAt(), t0.Add(turnDur))
	now := t0
	for i, p := range []string{"a", "b", "c", "a", "b"} {
		for _, other := range []string{"a", "b", "c"} {
			if other != p {
				_, err := s.Act(other, Dig{1, 1}, now)
				wantErr(t, err, ErrNotYourTurn, "not_your_turn")
			}
		}
		// Dig along the middle row: numbers, never gold.
		now = now.Add(time.Second)
		step := dig(t, s, p, i%4, 1, now)
		equal(t, "events", names(step.Events), []string{EventDug, EventTurn})
		next := []string{"b", "c", "a"}[(i)%3]
		equal(t, "next turn", turnOf(t, step), TurnEvent{RoomID: "room1", PlayerID: next, Deadline: now.Add(turnDur).UnixMilli(), Duration: turnDur.Milliseconds()})
		if i == 3 {
			break // the middle row is all open
		}
	}
}

func TestDig(t *testing.T) {
	rows := []string{
		"*....",
		".....",
		"....*",
	}
	s, _ := started(t, rows, "a", "b")
	// A number: just that cell.
	step := dig(t, s, "a", 1, 0, t0)
	equal(t, "dug a number", step.Events[0].Data.(DugEvent), DugEvent{RoomID: "room1", By: "a", X: 1, Y: 0, Opened: []Cell{{X: 1, Y: 0, Value: 1}},
		Remaining: 2, Scores: map[string]int{"a": 0, "b": 0}})
	// Gold: +1, the cell carries who dug it, play goes on with the next player.
	step = dig(t, s, "b", 0, 0, t0)
	equal(t, "dug gold", step.Events[0].Data.(DugEvent), DugEvent{RoomID: "room1", By: "b", X: 0, Y: 0, Gold: true, Opened: []Cell{{X: 0, Y: 0, Value: Gold, By: "b"}},
		Remaining: 1, Scores: map[string]int{"a": 0, "b": 1}})
	equal(t, "turn after gold", turnOf(t, step).PlayerID, "a")
	// A 0: the flood fill.
	step = dig(t, s, "a", 2, 0, t0)
	d := step.Events[0].Data.(DugEvent)
	equal(t, "flood", d.Opened, []Cell{
		{2, 0, 0, ""}, {3, 0, 0, ""}, {1, 1, 1, ""}, {2, 1, 0, ""}, {3, 1, 1, ""}, {4, 0, 0, ""},
		{4, 1, 1, ""}, {1, 2, 0, ""}, {2, 2, 0, ""}, {3, 2, 1, ""}, {0, 1, 1, ""}, {0, 2, 0, ""},
	})
	for _, c := range d.Opened {
		if c.Value == Gold {
			t.Fatalf("flood fill opened gold: %+v", c)
		}
	}
	// Everything is open but the last gold.
	_, err := s.Act("b", Dig{1, 1}, t0)
	wantErr(t, err, ErrAlreadyOpen, "already_open")
	step = dig(t, s, "b", 4, 2, t0)
	equal(t, "last gold", names(step.Events), []string{EventDug, EventOver, game.EventRoom})
	equal(t, "over", step.Events[1].Data.(OverEvent), OverEvent{RoomID: "room1", Scores: map[string]int{"a": 0, "b": 2}, Winners: []string{"b"}})
	if !step.Over || !s.Over || s.Turn != "" || !s.WakeAt().IsZero() {
		t.Fatalf("not over: %+v %+v", step, s)
	}
}

func TestDigErrors(t *testing.T) {
	g, _ := New(Config{Width: 3, Height: 3, Gold: 2})
	waiting := g.New("r", 2)
	_, err := waiting.Act("a", Dig{0, 0}, t0)
	wantErr(t, err, ErrNotYourTurn, "not_your_turn")

	s, _ := started(t, board3x3, "a", "b")
	dig(t, s, "a", 1, 1, t0)
	before, _ := s.Encode()
	tests := []struct {
		name   string
		player string
		action any
		target error
		code   string
	}{
		{"not your turn", "a", Dig{0, 1}, ErrNotYourTurn, "not_your_turn"},
		{"not a player", "z", Dig{0, 1}, ErrNotYourTurn, "not_your_turn"},
		{"x < 0", "b", Dig{-1, 0}, ErrOutOfBounds, "out_of_bounds"},
		{"y < 0", "b", Dig{0, -1}, ErrOutOfBounds, "out_of_bounds"},
		{"x = width", "b", Dig{3, 0}, ErrOutOfBounds, "out_of_bounds"},
		{"y = height", "b", Dig{0, 3}, ErrOutOfBounds, "out_of_bounds"},
		{"already open", "b", Dig{1, 1}, ErrAlreadyOpen, "already_open"},
		{"not a dig", "b", "dig", game.ErrBadRequest, "bad_request"},
	}
	for _, tt := range tests {
		_, err := s.Act(tt.player, tt.action, t0)
		wantErr(t, err, tt.target, tt.code)
		if after, _ := s.Encode(); string(after) != string(before) {
			t.Fatalf("%s: a refused dig changed the state", tt.name)
		}
	}
	dig(t, s, "b", 0, 0, t0)
	dig(t, s, "a", 2, 2, t0)
	for _, p := range []string{"a", "b", "z"} {
		_, err := s.Act(p, Dig{0, 1}, t0)
		wantErr(t, err, ErrGameOver, "game_over")
	}
}

func TestParseDig(t *testing.T) {
	g, _ := New(Config{})
	ok := map[string]Dig{
		`{"x":0,"y":0}`:                {0, 0},
		`{"x":9,"y":3,"z":1}`:          {9, 3},
		`{"y":2,"x":1}`:                {1, 2},
		`{"x":-1,"y":0}`:               {-1, 0}, // refused by Act: out of bounds
		`{"x":1e9,"y":0}`:              {-1, 0},
		`{"x":-1e300,"y":2}`:           {-1, 2},
		`{"x":2.0,"y":1}`:              {2, 1},
		`{"x":100,"y":100}`:            {100, 100},
		`{"x":101,"y":0}`:              {-1, 0},
		`{"x":0,"y":9007199254740993}`: {0, -1},
	}
	for in, want := range ok {
		got, err := g.Parse(game.Action{Name: "dig", Args: json.RawMessage(in)})
		if err != nil || got != want {
			t.Errorf("Parse(%s) = %v, %v; want %v", in, got, err, want)
		}
	}
	bad := []string{``, `null`, `{}`, `{"x":1}`, `{"y":1}`, `{"x":null,"y":1}`, `{"x":"1","y":1}`, `{"x":1.5,"y":1}`,
		`{"x":true,"y":1}`, `{"x":[1],"y":1}`, `[1,2]`, `"1,2"`, `1`, `{"x":1,"y":1e400}`, `{"x":1,"y":{}}`, `not json`}
	for _, in := range bad {
		_, err := g.Parse(game.Action{Name: "dig", Args: json.RawMessage(in)})
		wantErr(t, err, game.ErrBadRequest, "bad_request")
	}
	_, err := g.Parse(game.Action{Name: "choose", Args: json.RawMessage(`{"x":1,"y":1}`)})
	wantErr(t, err, game.ErrBadRequest, "bad_request")
	a := DigAction(3, 4)
	if got, err := g.Parse(a); err != nil || got != (Dig{3, 4}) {
		t.Fatalf("Parse(DigAction) = %v, %v", got, err)
	}
}

func TestTurnTimeout(t *testing.T) {
	s, _ := started(t, board3x3, "a", "b", "c")
	if step := s.Due(t0.Add(turnDur - time.Millisecond)); len(step.Events) != 0 {
		t.Fatalf("due before the deadline: %v", names(step.Events))
	}
	at := t0.Add(turnDur)
	step := s.Due(at)
	equal(t, "timeout", turnOf(t, step), TurnEvent{RoomID: "room1", PlayerID: "b", Deadline: at.Add(turnDur).UnixMilli(), Duration: turnDur.Milliseconds()})
	equal(t, "wake", s.WakeAt(), at.Add(turnDur))
	checkState(t, s)
	// Late: one pass per call (the engine calls again while due).
	late := at.Add(3 * turnDur)
	equal(t, "late", turnOf(t, s.Due(late)).PlayerID, "c")
	equal(t, "late again", len(s.Due(late).Events), 0)
	// b digs out of turn, c's turn.
	_, err := s.Act("b", Dig{1, 1}, late)
	wantErr(t, err, ErrNotYourTurn, "not_your_turn")
	equal(t, "after c", turnOf(t, dig(t, s, "c", 1, 1, late)).PlayerID, "a")
}

func TestDisconnectedTurnsPassAtOnce(t *testing.T) {
	s, _ := started(t, []string{"*...", "....", "...*"}, "a", "b", "c")
	// b drops: nothing yet, it is a's turn.
	equal(t, "b away", len(s.Presence("b", false, t0).Events), 0)
	// a digs: b is skipped, c plays.
	now := t0.Add(time.Second)
	equal(t, "skip b", turnOf(t, dig(t, s, "a", 1, 1, now)).PlayerID, "c")
	// c drops during their turn: it passes at once to a.
	equal(t, "c away", turnOf(t, s.Presence("c", false, now)), TurnEvent{RoomID: "room1", PlayerID: "a", Deadline: now.Add(turnDur).UnixMilli(), Duration: turnDur.Milliseconds()})
	checkState(t, s)
	// a alone is connected: a plays again and again.
	equal(t, "a again", turnOf(t, dig(t, s, "a", 2, 1, now)).PlayerID, "a")
	equal(t, "a by timeout", turnOf(t, s.Due(now.Add(turnDur))).PlayerID, "a")
	// a drops too: nobody connected; the turn stays, then passes by timeout.
	later := now.Add(turnDur)
	equal(t, "all away", len(s.Presence("a", false, later).Events), 0)
	equal(t, "timeout with all away", turnOf(t, s.Due(later.Add(turnDur))).PlayerID, "b")
	checkState(t, s)
	// c comes back while it is b's (away) turn: it passes to c at once.
	back := later.Add(turnDur + time.Second)
	equal(t, "c back", turnOf(t, s.Presence("c", true, back)).PlayerID, "c")
	equal(t, "again", len(s.Presence("c", true, back).Events), 0)
	// b comes back: nothing changes now, and b plays in turn.
	equal(t, "b back", len(s.Presence("b", true, back).Events), 0)
	equal(t, "c digs", turnOf(t, dig(t, s, "c", 3, 1, back)).PlayerID, "b") // a is still away
	// Presence of strangers, or before the start, is ignored.
	equal(t, "stranger", len(s.Presence("z", false, back).Events), 0)
	g, _ := New(Config{})
	w := g.New("r", 2)
	equal(t, "waiting", len(w.Presence("a", false, back).Events), 0)
}

func TestStartWithAwayPlayers(t *testing.T) {
	g, _ := New(Config{TurnDuration: turnDur})
	s := g.New("r", 3).(*State)
	step, err := s.Start([]game.Player{{ID: "a"}, {ID: "b", Connected: true}, {ID: "c", Connected: true}}, t0, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "first turn skips a", turnOf(t, step).PlayerID, "b")
	if _, err := s.Start(nil, t0, rand.New(rand.NewPCG(1, 2))); err == nil {
		t.Fatal("a second start succeeded")
	}
}

func TestLeave(t *testing.T) {
	s, _ := started(t, []string{"*...", "....", "...*"}, "a", "b", "c")
	dig(t, s, "a", 0, 0, t0) // a scores
	// b (whose turn it is) leaves: c plays at once.
	step := s.Leave("b", t0)
	equal(t, "b leaves", turnOf(t, step).PlayerID, "c")
	equal(t, "order", s.Order, []string{"a", "c"})
	checkState(t, s)
	// a leaves during c's turn: no event; c's turn goes on.
	equal(t, "a leaves", len(s.Leave("a", t0).Events), 0)
	equal(t, "c plays", turnOf(t, dig(t, s, "c", 1, 1, t0)).PlayerID, "c")
	// The leaver's score stays; winners are among those still in.
	dig(t, s, "c", 3, 2, t0)
	if !s.Over {
		t.Fatal("not over")
	}
	equal(t, "winners", s.winners(), []string{"c"})
	equal(t, "scores", s.scores(nil), map[string]int{"a": 1, "b": 0, "c": 1})
	equal(t, "leave after over", len(s.Leave("c", t0).Events), 0)
	checkState(t, s)
	// Leaving a waiting room changes nothing.
	g, _ := New(Config{})
	w := g.New("r", 2)
	equal(t, "waiting", w.Leave("a", t0), game.Step{})
	// The last player leaving: no turn left.
	s2, _ := started(t, board3x3, "a", "b")
	s2.Leave("b", t0)
	equal(t, "last leaves", len(s2.Leave("a", t0).Events), 0)
	if s2.Turn != "" || !s2.Deadline.IsZero() {
		t.Fatalf("turn %q after everyone left", s2.Turn)
	}
}

func TestWinnersTies(t *testing.T) {
	rows := []string{"*.*", "...", "*.*"}
	s, _ := started(t, rows, "a", "b", "c")
	dig(t, s, "a", 0, 0, t0)
	dig(t, s, "b", 2, 0, t0)
	dig(t, s, "c", 1, 1, t0)
	dig(t, s, "a", 0, 2, t0)
	step := dig(t, s, "b", 2, 2, t0)
	equal(t, "over", step.Events[1].Data.(OverEvent), OverEvent{RoomID: "room1", Scores: map[string]int{"a": 2, "b": 2, "c": 0}, Winners: []string{"a", "b"}})
}

func TestRoomAndBoardViews(t *testing.T) {
	g, _ := New(Config{Width: 3, Height: 3, Gold: 2, TurnDuration: turnDur})
	w := g.New("room1", 2)
	ro := game.Roster{ID: "room1", Size: 2, Phase: "waiting", Players: []game.Seat{{ID: "a", Name: "Ann", Connected: true}}}
	equal(t, "waiting room", w.Room(ro), any(RoomView{ID: "room1", Size: 2, State: "waiting", Players: []PlayerView{{ID: "a", Name: "Ann", Connected: true}}}))
	equal(t, "waiting board", w.View("a", ro), []game.Event{{Name: EventBoard, Data: BoardEvent{
		RoomID: "room1", Width: 3, Height: 3, Gold: 2, Remaining: 2, Opened: []Cell{}, Scores: map[string]int{"a": 0}, Winners: []string{},
	}}})

	s, _ := started(t, board3x3, "a", "b")
	dig(t, s, "a", 1, 0, t0)
	dig(t, s, "b", 0, 0, t0)
	ro = game.Roster{ID: "room1", Size: 2, Phase: "playing", Players: []game.Seat{{ID: "a", Name: "Ann", Connected: true}, {ID: "b", Name: "Bob"}}}
	equal(t, "room", s.Room(ro), any(RoomView{ID: "room1", Size: 2, State: "playing", Players: []PlayerView{
		{ID: "a", Name: "Ann", Connected: true}, {ID: "b", Name: "Bob", Score: 1}}}))
	turn := TurnEvent{RoomID: "room1", PlayerID: "a", Deadline: t0.Add(turnDur).UnixMilli(), Duration: turnDur.Milliseconds()}
	want := BoardEvent{RoomID: "room1", Width: 3, Height: 3, Gold: 2, Remaining: 1,
		Opened: []Cell{{1, 0, 1, ""}, {0, 0, Gold, "b"}}, Scores: map[string]int{"a": 0, "b": 1}, Turn: &turn, Winners: []string{}}
	equal(t, "board", s.View("b", ro), []game.Event{{Name: EventBoard, Data: want}})
	js, _ := json.Marshal(want)
	equal(t, "board JSON", string(js), `{"roomId":"room1","width":3,"height":3,"gold":2,"remaining":1,`+
		`"opened":[{"x":1,"y":0,"value":1},{"x":0,"y":0,"value":-1,"by":"b"}],"scores":{"a":0,"b":1},`+
		`"turn":{"roomId":"room1","playerId":"a","deadline":`+jsonInt(turn.Deadline)+`,"duration":20000},"over":false,"winners":[]}`)
	dig(t, s, "a", 2, 2, t0)
	b := s.View("a", ro)[0].Data.(BoardEvent)
	if !b.Over || b.Turn != nil || !slices.Equal(b.Winners, []string{"a", "b"}) || b.Remaining != 0 {
		t.Fatalf("board when over: %+v", b)
	}
}

func jsonInt(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestDecodeRejects(t *testing.T) {
	s, _ := started(t, board3x3, "a", "b")
	dig(t, s, "a", 0, 0, t0)
	good, _ := s.Encode()
	var base map[string]any
	json.Unmarshal(good, &base)
	mutations := map[string]func(m map[string]any){
		"no room id":         func(m map[string]any) { m["roomId"] = "" },
		"width 1":            func(m map[string]any) { m["width"] = 1 },
		"width 51":           func(m map[string]any) { m["width"] = 51 },
		"no gold":            func(m map[string]any) { m["count"] = 0 },
		"more gold":          func(m map[string]any) { m["count"] = 3 },
		"gold repeated":      func(m map[string]any) { m["gold"] = []int{0, 0} },
		"gold unsorted":      func(m map[string]any) { m["gold"] = []int{8, 0} },
		"gold off the board": func(m map[string]any) { m["gold"] = []int{0, 9} },
		"opened off":         func(m map[string]any) { m["opened"] = []int{0, -1} },
		"opened twice":       func(m map[string]any) { m["opened"] = []int{0, 0} },
		"find not gold": func(m map[string]any) {
			m["opened"] = []int{0, 1}
			m["finds"] = []any{map[string]any{"cell": 1, "by": "a"}}
		},
		"open gold, no find": func(m map[string]any) { m["finds"] = []any{} },
		"find by a stranger": func(m map[string]any) { m["finds"] = []any{map[string]any{"cell": 0, "by": "z"}} },
		"score mismatch": func(m map[string]any) {
			m["scores"] = []any{map[string]any{"id": "a", "gold": 0}, map[string]any{"id": "b", "gold": 1}}
		},
		"no scores":           func(m map[string]any) { m["scores"] = []any{} },
		"turn of a stranger":  func(m map[string]any) { m["turn"] = "z" },
		"turn without time":   func(m map[string]any) { delete(m, "deadline") },
		"order repeated":      func(m map[string]any) { m["order"] = []string{"a", "a"} },
		"away not in order":   func(m map[string]any) { m["away"] = []string{"z"} },
		"over too early":      func(m map[string]any) { m["over"] = true },
		"not started but dug": func(m map[string]any) { m["started"] = false },
		"not JSON object":     nil,
	}
	for name, mutate := range mutations {
		var b []byte
		if mutate == nil {
			b = []byte(`[1,2]`)
		} else {
			m := map[string]any{}
			json.Unmarshal(good, &m)
			mutate(m)
			b, _ = json.Marshal(m)
		}
		if _, err := s.g.Decode(b); err == nil {
			t.Errorf("%s: decoded %s", name, b)
		}
	}
	if _, err := s.g.Decode(good); err != nil {
		t.Fatal(err)
	}
}

// noHiddenCells checks that every cell a payload mentions (an object with
// x and y) is open, and that no payload carries the gold list.
func noHiddenCells(t testing.TB, s *State, what string, payload any) {
	t.Helper()
	b, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	json.Unmarshal(b, &v)
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if _, ok := x["gold"].([]any); ok {
				t.Fatalf("%s carries a gold list: %s", what, b)
			}
			xf, okx := x["x"].(float64)
			yf, oky := x["y"].(float64)
			if okx && oky {
				i := int(yf)*s.Width + int(xf)
				if i < 0 || i >= len(s.open) || !s.open[i] {
					t.Fatalf("%s mentions the closed cell (%v, %v): %s", what, xf, yf, b)
				}
				if val, ok := x["value"].(float64); ok && int8(val) != s.board.Values[i] {
					t.Fatalf("%s gives cell (%v, %v) the value %v, not %d", what, xf, yf, val, s.board.Values[i])
				}
			}
			for _, y := range x {
				walk(y)
			}
		case []any:
			for _, y := range x {
				walk(y)
			}
		}
	}
	walk(v)
}

// play applies random operations to a game and checks it after each: what
// the fuzzer and TestRandomGames drive.
func play(t testing.TB, seed uint64, ops []byte) {
	rnd := rand.New(rand.NewPCG(seed, seed>>7))
	w, h := MinSide+int(seed%5), MinSide+int(seed/5%5)
	g, err := New(Config{Width: w, Height: h, Gold: 1 + int(seed/25)%(w*h), TurnDuration: turnDur})
	if err != nil {
		t.Fatal(err)
	}
	players := []string{"a", "b", "c", "d"}[:2+int(seed/3%3)]
	s := g.New("r", len(players)).(*State)
	ps := make([]game.Player, len(players))
	for i, p := range players {
		ps[i] = game.Player{ID: p, Connected: true}
	}
	now := t0
	step, err := s.Start(ps, now, rnd)
	if err != nil {
		t.Fatal(err)
	}
	ro := game.Roster{ID: "r", Size: len(players), Phase: "playing"}
	check := func(what string, step game.Step) {
		for _, ev := range step.Events {
			noHiddenCells(t, s, what+" "+ev.Name, ev.Data)
		}
		noHiddenCells(t, s, what+" room", s.Room(ro))
		for _, ev := range s.View("a", ro) {
			noHiddenCells(t, s, what+" board", ev.Data)
		}
		checkState(t, s)
	}
	check("start", step)
	for _, op := range ops {
		now = now.Add(time.Duration(op%7) * time.Second)
		p := players[int(op>>4)%len(players)]
		var what string
		switch op % 5 {
		case 0, 1, 2:
			what = "dig"
			x, y := int(op>>2)%(w+1)-1+int(now.Unix()%2), int(op>>5)%(h+1)
			step, err = s.Act(p, Dig{x, y}, now)
			if err != nil {
				code := ""
				var c interface{ Code() string }
				if errors.As(err, &c) {
					code = c.Code()
				}
				if !slices.Contains([]string{"not_your_turn", "out_of_bounds", "already_open", "game_over"}, code) {
					t.Fatalf("dig: unexpected error %v", err)
				}
				continue
			}
		case 3:
			what = "presence"
			step = s.Presence(p, op&0x40 != 0, now)
		case 4:
			if op&0x80 != 0 {
				what = "due"
				step = s.Due(now.Add(turnDur))
			} else {
				what = "leave"
				step = s.Leave(p, now)
			}
		}
		check(what, step)
		if s.Over != (len(s.Finds) == s.Count) || (s.Over && !step.Over && what == "dig") {
			t.Fatalf("over %v with %d of %d gold dug", s.Over, len(s.Finds), s.Count)
		}
	}
}

func TestRandomGames(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 6))
	for seed := range uint64(300) {
		ops := make([]byte, 200)
		for i := range ops {
			ops[i] = byte(rnd.Uint32())
		}
		play(t, seed, ops)
	}
}

func FuzzPlay(f *testing.F) {
	f.Add(uint64(0), []byte{0, 1, 2, 3, 4, 5})
	f.Add(uint64(77), []byte("digging for gold"))
	f.Fuzz(func(t *testing.T, seed uint64, ops []byte) {
		if len(ops) > 500 {
			ops = ops[:500]
		}
		play(t, seed, ops)
	})
}

func FuzzParseDig(f *testing.F) {
	for _, s := range []string{`{"x":1,"y":2}`, `{"x":-1,"y":1e9}`, `{"x":1.5}`, `null`, `[1,2]`, `{"x":"1","y":2}`} {
		f.Add([]byte(s))
	}
	g, _ := New(Config{})
	f.Fuzz(func(t *testing.T, args []byte) {
		v, err := g.Parse(game.Action{Name: ActionDig, Args: args})
		if err != nil {
			wantErr(t, err, game.ErrBadRequest, "bad_request")
			return
		}
		d := v.(Dig)
		// What parses is an integer pair: on the board, or refused by Act.
		s, _ := started(t, board3x3, "a", "b")
		_, err = s.Act("a", d, t0)
		var c interface{ Code() string }
		if err != nil && (!errors.As(err, &c) || (c.Code() != "out_of_bounds")) {
			t.Fatalf("dig %+v: %v", d, err)
		}
	})
}

func FuzzDecodeState(f *testing.F) {
	s, _ := started(f, board3x3, "a", "b")
	b, _ := s.Encode()
	f.Add(b)
	dig(&testing.T{}, s, "a", 1, 1, t0)
	b, _ = s.Encode()
	f.Add(b)
	g, _ := New(Config{})
	b, _ = g.New("r", 2).Encode()
	f.Add(b)
	f.Add([]byte(`{"roomId":"r","width":2,"height":2,"count":1,"started":true,"gold":[3],"opened":[3],"finds":[{"cell":3,"by":"a"}],"order":["a"],"scores":[{"id":"a","gold":1}],"over":true}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := g.Decode(b)
		if err != nil {
			return
		}
		s := st.(*State)
		// What decodes is usable: views, a due check, a dig, and a round trip.
		ro := game.Roster{ID: "r", Size: 4, Phase: "playing", Players: []game.Seat{{ID: "a"}}}
		s.Room(ro)
		for _, ev := range s.View("a", ro) {
			noHiddenCells(t, s, "board", ev.Data)
		}
		s.Due(t0)
		if s.Started {
			if _, err := s.Act(s.Turn, Dig{0, 0}, t0); err == nil {
				checkState(t, s)
			}
		}
		checkState(t, s)
	})
}

func equal[T any](t testing.TB, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s = %+v, want %+v", what, got, want)
	}
}
