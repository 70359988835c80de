package rps

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
)

func TestParseMove(t *testing.T) {
	tests := []struct {
		in   string
		want Move
		ok   bool
	}{
		{"rock", Rock, true},
		{"paper", Paper, true},
		{"scissors", Scissors, true},
		{"", None, false},
		{"none", None, false},
		{"Rock", None, false},
		{" rock", None, false},
		{"rock\x00", None, false},
		{"scissor", None, false},
		{"lizard", None, false},
	}
	for _, tt := range tests {
		got, err := ParseMove(tt.in)
		if tt.ok != (err == nil) || got != tt.want {
			t.Errorf("ParseMove(%q) = %v, %v; want %v, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrInvalidMove) {
			t.Errorf("ParseMove(%q) error %v does not wrap ErrInvalidMove", tt.in, err)
		}
	}
}

func TestMoveString(t *testing.T) {
	for m, want := range map[Move]string{None: "none", Rock: "rock", Paper: "paper", Scissors: "scissors", 9: "Move(9)"} {
		if got := m.String(); got != want {
			t.Errorf("Move(%d).String() = %q, want %q", uint8(m), got, want)
		}
	}
}

func TestBeatsAndCompare(t *testing.T) {
	tests := []struct {
		a, b Move
		want int // Compare(a, b)
	}{
		{Rock, Scissors, 1},
		{Scissors, Paper, 1},
		{Paper, Rock, 1},
		{Scissors, Rock, -1},
		{Paper, Scissors, -1},
		{Rock, Paper, -1},
		{Rock, Rock, 0},
		{Paper, Paper, 0},
		{Scissors, Scissors, 0},
		{Rock, None, 1},
		{Paper, None, 1},
		{Scissors, None, 1},
		{None, Rock, -1},
		{None, None, 0},
		{Move(7), None, 0},
		{Move(7), Rock, 0}, // invalid values neither beat nor lose
	}
	for _, tt := range tests {
		if got := Compare(tt.a, tt.b); got != tt.want {
			t.Errorf("Compare(%v, %v) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := tt.a.Beats(tt.b); got != (tt.want == 1) {
			t.Errorf("%v.Beats(%v) = %v", tt.a, tt.b, got)
		}
		if got := Compare(tt.b, tt.a); got != -tt.want {
			t.Errorf("Compare(%v, %v) = %d, want %d (antisymmetry)", tt.b, tt.a, got, -tt.want)
		}
	}
}

func TestMoveJSON(t *testing.T) {
	in := map[string]Move{"a": Rock, "b": Paper, "c": Scissors, "d": None}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"a":"rock","b":"paper","c":"scissors","d":null}`; string(b) != want {
		t.Fatalf("Marshal = %s, want %s", b, want)
	}
	var out map[string]Move
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Fatalf("round trip = %v, want %v", out, in)
	}
	for _, bad := range []string{`"none"`, `""`, `"Rock"`, `1`, `"ro\u0063k"`, `true`} {
		var m Move
		if err := json.Unmarshal([]byte(bad), &m); !errors.Is(err, ErrInvalidMove) {
			t.Errorf("Unmarshal(%s) error = %v, want ErrInvalidMove", bad, err)
		}
	}
	if _, err := json.Marshal(Move(5)); !errors.Is(err, ErrInvalidMove) {
		t.Errorf("Marshal(Move(5)) error = %v, want ErrInvalidMove", err)
	}
}

// p builds a player standing.
func p(id string, streak, total int) Player { return Player{ID: id, Streak: streak, Total: total} }

func TestSettle(t *testing.T) {
	tests := []struct {
		name    string
		players []Player
		moves   map[string]Move
		want    []Result
	}{
		{
			name:    "2 players, rock beats scissors",
			players: []Player{p("a", 0, 0), p("b", 0, 0)},
			moves:   map[string]Move{"a": Rock, "b": Scissors},
			want:    []Result{{"a", 1, 1, 1, 1}, {"b", -1, 0, 0, 0}},
		},
		{
			name:    "2 players, tie resets streaks and keeps totals",
			players: []Player{p("a", 3, 10), p("b", 0, 4)},
			moves:   map[string]Move{"a": Paper, "b": Paper},
			want:    []Result{{"a", 0, 0, 0, 10}, {"b", 0, 0, 0, 4}},
		},
		{
			name:    "2 players, streak grows and multiplies",
			players: []Player{p("a", 2, 5), p("b", 0, 0)},
			moves:   map[string]Move{"a": Scissors, "b": Paper},
			want:    []Result{{"a", 1, 3, 3, 8}, {"b", -1, 0, 0, 0}},
		},
		{
			name:    "2 players, loser's streak resets",
			players: []Player{p("a", 4, 20), p("b", 1, 1)},
			moves:   map[string]Move{"a": Rock, "b": Paper},
			want:    []Result{{"a", -1, 0, 0, 20}, {"b", 1, 2, 2, 3}},
		},
		{
			name:    "2 players, one forfeits",
			players: []Player{p("a", 0, 0), p("b", 0, 0)},
			moves:   map[string]Move{"b": Rock},
			want:    []Result{{"a", -1, 0, 0, 0}, {"b", 1, 1, 1, 1}},
		},
		{
			name:    "2 players, explicit None is a forfeit",
			players: []Player{p("a", 1, 1), p("b", 0, 0)},
			moves:   map[string]Move{"a": None, "b": Scissors},
			want:    []Result{{"a", -1, 0, 0, 1}, {"b", 1, 1, 1, 1}},
		},
		{
			name:    "2 players, both forfeit",
			players: []Player{p("a", 2, 7), p("b", 1, 3)},
			moves:   nil,
			want:    []Result{{"a", 0, 0, 0, 7}, {"b", 0, 0, 0, 3}},
		},
		{
			name:    "3 players, all different: everyone ties at 0",
			players: []Player{p("a", 1, 1), p("b", 0, 0), p("c", 0, 0)},
			moves:   map[string]Move{"a": Rock, "b": Paper, "c": Scissors},
			want:    []Result{{"a", 0, 0, 0, 1}, {"b", 0, 0, 0, 0}, {"c", 0, 0, 0, 0}},
		},
		{
			name:    "3 players, two rocks beat scissors",
			players: []Player{p("a", 0, 0), p("b", 1, 2), p("c", 0, 0)},
			moves:   map[string]Move{"a": Rock, "b": Rock, "c": Scissors},
			want:    []Result{{"a", 1, 1, 1, 1}, {"b", 1, 2, 2, 4}, {"c", -2, 0, 0, 0}},
		},
		{
			name:    "3 players, one paper beats two rocks",
			players: []Player{p("a", 0, 0), p("b", 0, 0), p("c", 0, 0)},
			moves:   map[string]Move{"a": Rock, "b": Rock, "c": Paper},
			want:    []Result{{"a", -1, 0, 0, 0}, {"b", -1, 0, 0, 0}, {"c", 2, 1, 2, 2}},
		},
		{
			name:    "3 players, one forfeit",
			players: []Player{p("a", 0, 0), p("b", 0, 0), p("c", 0, 0)},
			moves:   map[string]Move{"a": Rock, "b": Scissors},
			want:    []Result{{"a", 2, 1, 2, 2}, {"b", 0, 0, 0, 0}, {"c", -2, 0, 0, 0}},
		},
		{
			name:    "3 players, two forfeits tie with each other",
			players: []Player{p("a", 0, 0), p("b", 0, 0), p("c", 3, 9)},
			moves:   map[string]Move{"c": Paper},
			want:    []Result{{"a", -1, 0, 0, 0}, {"b", -1, 0, 0, 0}, {"c", 2, 4, 8, 17}},
		},
		{
			name:    "3 players, all forfeit",
			players: []Player{p("a", 1, 1), p("b", 2, 2), p("c", 3, 3)},
			moves:   map[string]Move{},
			want:    []Result{{"a", 0, 0, 0, 1}, {"b", 0, 0, 0, 2}, {"c", 0, 0, 0, 3}},
		},
		{
			name:    "4 players, paper paper rock scissors",
			players: []Player{p("a", 0, 0), p("b", 0, 0), p("c", 0, 0), p("d", 0, 0)},
			moves:   map[string]Move{"a": Paper, "b": Paper, "c": Rock, "d": Scissors},
			// a: tie b, beat c, lose d = 0; c: lose a, lose b, beat d = -1;
			// d: beat a, beat b, lose c = +1.
			want: []Result{{"a", 0, 0, 0, 0}, {"b", 0, 0, 0, 0}, {"c", -1, 0, 0, 0}, {"d", 1, 1, 1, 1}},
		},
		{
			name:    "4 players, all the same move",
			players: []Player{p("a", 1, 5), p("b", 0, 0), p("c", 0, 0), p("d", 0, 0)},
			moves:   map[string]Move{"a": Rock, "b": Rock, "c": Rock, "d": Rock},
			want:    []Result{{"a", 0, 0, 0, 5}, {"b", 0, 0, 0, 0}, {"c", 0, 0, 0, 0}, {"d", 0, 0, 0, 0}},
		},
		{
			name:    "4 players, one forfeit, streak grows to 3",
			players: []Player{p("a", 2, 6), p("b", 0, 0), p("c", 0, 0), p("d", 0, 0)},
			moves:   map[string]Move{"a": Scissors, "b": Paper, "c": Paper},
			// a beats b, c, d: 3 * streak 3 = 9.
			want: []Result{{"a", 3, 3, 9, 15}, {"b", 0, 0, 0, 0}, {"c", 0, 0, 0, 0}, {"d", -3, 0, 0, 0}},
		},
		{
			name:    "4 players, two forfeits",
			players: []Player{p("a", 0, 0), p("b", 0, 0), p("c", 0, 0), p("d", 0, 0)},
			moves:   map[string]Move{"a": Rock, "b": Paper},
			// a: lose b, beat c, beat d = 1; b: beat a, c, d = 3; c, d: -2 each.
			want: []Result{{"a", 1, 1, 1, 1}, {"b", 3, 1, 3, 3}, {"c", -2, 0, 0, 0}, {"d", -2, 0, 0, 0}},
		},
		{
			name:    "4 players, all forfeit",
			players: []Player{p("a", 0, 0), p("b", 5, 50), p("c", 0, 0), p("d", 0, 0)},
			moves:   map[string]Move{"a": None, "b": None},
			want:    []Result{{"a", 0, 0, 0, 0}, {"b", 0, 0, 0, 50}, {"c", 0, 0, 0, 0}, {"d", 0, 0, 0, 0}},
		},
		{
			name:    "no players",
			players: nil,
			want:    []Result{},
		},
		{
			name:    "order follows players, not IDs",
			players: []Player{p("z", 0, 0), p("a", 0, 0)},
			moves:   map[string]Move{"z": Rock, "a": Paper},
			want:    []Result{{"z", -1, 0, 0, 0}, {"a", 1, 1, 1, 1}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Settle(tt.players, tt.moves)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Settle =\n %v\nwant\n %v", got, tt.want)
			}
			if got, want := got, pairwise(tt.players, tt.moves); !reflect.DeepEqual(got, want) {
				t.Fatalf("Settle disagrees with the pairwise reference:\n %v\n %v", got, want)
			}
		})
	}
}

// TestSettleRounds plays several rounds in a row, feeding results back in,
// to check that streaks and totals accumulate.
func TestSettleRounds(t *testing.T) {
	players := []Player{p("a", 0, 0), p("b", 0, 0)}
	rounds := []struct {
		moves      map[string]Move
		wantStreak [2]int
		wantTotal  [2]int
	}{
		{map[string]Move{"a": Rock, "b": Scissors}, [2]int{1, 0}, [2]int{1, 0}},
		{map[string]Move{"a": Rock, "b": Scissors}, [2]int{2, 0}, [2]int{3, 0}},
		{map[string]Move{"a": Paper}, [2]int{3, 0}, [2]int{6, 0}},
		{map[string]Move{"a": Paper, "b": Paper}, [2]int{0, 0}, [2]int{6, 0}},
		{map[string]Move{"a": Paper, "b": Scissors}, [2]int{0, 1}, [2]int{6, 1}},
		{map[string]Move{"b": Scissors}, [2]int{0, 2}, [2]int{6, 3}},
		{map[string]Move{}, [2]int{0, 0}, [2]int{6, 3}},
	}
	for i, r := range rounds {
		res, err := Settle(players, r.moves)
		if err != nil {
			t.Fatal(err)
		}
		for j := range players {
			if res[j].Streak != r.wantStreak[j] || res[j].Total != r.wantTotal[j] {
				t.Fatalf("round %d player %s: streak %d total %d, want %d %d",
					i+1, res[j].ID, res[j].Streak, res[j].Total, r.wantStreak[j], r.wantTotal[j])
			}
			players[j].Streak, players[j].Total = res[j].Streak, res[j].Total
		}
	}
}

func TestSettleErrors(t *testing.T) {
	tests := []struct {
		name    string
		players []Player
		moves   map[string]Move
		want    error
	}{
		{"duplicate", []Player{p("a", 0, 0), p("a", 0, 0)}, nil, ErrDuplicatePlayer},
		{"unknown", []Player{p("a", 0, 0)}, map[string]Move{"b": Rock}, ErrUnknownPlayer},
		{"invalid move", []Player{p("a", 0, 0), p("b", 0, 0)}, map[string]Move{"b": Move(4)}, ErrInvalidMove},
	}
	for _, tt := range tests {
		got, err := Settle(tt.players, tt.moves)
		if !errors.Is(err, tt.want) || got != nil {
			t.Errorf("%s: Settle = %v, %v; want nil, %v", tt.name, got, err, tt.want)
		}
	}
}

func TestSettleDoesNotModifyInput(t *testing.T) {
	players := []Player{p("a", 1, 2), p("b", 3, 4)}
	moves := map[string]Move{"a": Rock}
	if _, err := Settle(players, moves); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(players, []Player{p("a", 1, 2), p("b", 3, 4)}) || len(moves) != 1 || moves["a"] != Rock {
		t.Fatalf("inputs modified: %v %v", players, moves)
	}
}

// TestSettleRandom compares Settle with the pairwise reference on random
// rooms and checks invariants: the X sum to zero (every pair is zero-sum).
func TestSettleRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 2000; i++ {
		n := r.IntN(9)
		players := make([]Player, n)
		moves := map[string]Move{}
		for j := range players {
			players[j] = p(fmt.Sprint("p", j), r.IntN(4), r.IntN(30))
			if m := Move(r.IntN(4)); m != None || r.IntN(2) == 0 {
				moves[players[j].ID] = m
			}
		}
		checkSettle(t, players, moves)
	}
}

func checkSettle(t *testing.T, players []Player, moves map[string]Move) {
	t.Helper()
	got, err := Settle(players, moves)
	if err != nil {
		t.Fatal(err)
	}
	if want := pairwise(players, moves); !reflect.DeepEqual(got, want) {
		t.Fatalf("Settle(%v, %v) =\n %v\nreference\n %v", players, moves, got, want)
	}
	sum := 0
	for _, r := range got {
		sum += r.X
	}
	if sum != 0 {
		t.Fatalf("Settle(%v, %v): X sum to %d", players, moves, sum)
	}
}

// pairwise is the rules read literally: every pair plays once.
func pairwise(players []Player, moves map[string]Move) []Result {
	out := make([]Result, len(players))
	for i, a := range players {
		x := 0
		for j, b := range players {
			if i == j {
				continue
			}
			ma, mb := moves[a.ID], moves[b.ID]
			switch {
			case ma == None && mb == None:
			case ma == None:
				x--
			case mb == None:
				x++
			case ma == mb:
			case (ma == Rock && mb == Scissors) || (ma == Scissors && mb == Paper) || (ma == Paper && mb == Rock):
				x++
			default:
				x--
			}
		}
		r := Result{ID: a.ID, X: x, Total: a.Total}
		if x > 0 {
			r.Streak = a.Streak + 1
			r.Score = x * r.Streak
			r.Total += r.Score
		}
		out[i] = r
	}
	return out
}

func FuzzParseMove(f *testing.F) {
	for _, s := range []string{"rock", "paper", "scissors", "", "none", "Rock", "rock ", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMove(s)
		if err != nil {
			if m != None || !errors.Is(err, ErrInvalidMove) {
				t.Fatalf("ParseMove(%q) = %v, %v", s, m, err)
			}
			return
		}
		if !m.Valid() || m.String() != s {
			t.Fatalf("ParseMove(%q) = %v, which does not round-trip", s, m)
		}
		// The JSON form decodes to the same move.
		var j Move
		b, _ := json.Marshal(s)
		if err := json.Unmarshal(b, &j); err != nil || j != m {
			t.Fatalf("UnmarshalJSON(%s) = %v, %v; want %v", b, j, err, m)
		}
	})
}

// FuzzSettle decodes a byte string into a room (one byte per player: low two
// bits the move, the rest the prior streak) and checks Settle against the
// pairwise reference.
func FuzzSettle(f *testing.F) {
	f.Add([]byte{1, 3})
	f.Add([]byte{0, 0, 2})
	f.Add([]byte{5, 6, 7, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 64 {
			b = b[:64]
		}
		players := make([]Player, len(b))
		moves := map[string]Move{}
		for i, c := range b {
			players[i] = p(fmt.Sprint(i), int(c>>2), int(c))
			moves[players[i].ID] = Move(c & 3)
		}
		checkSettle(t, players, moves)
	})
}
