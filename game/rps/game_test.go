package rps

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/rpsio/rpsio/game"
)

var t0 = time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)

func rules(t testing.TB) *Rules {
	g, err := New(Config{RoundDuration: 10 * time.Second, RoundGap: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestConfig(t *testing.T) {
	tests := []struct {
		cfg      Config
		dur, gap time.Duration
		ok       bool
	}{
		{Config{}, DefaultRoundDuration, DefaultRoundGap, true},
		{Config{RoundDuration: time.Second, RoundGap: time.Millisecond}, time.Second, time.Millisecond, true},
		{Config{RoundGap: time.Second, NoRoundGap: true}, DefaultRoundDuration, 0, true},
		{Config{RoundDuration: -1}, 0, 0, false},
		{Config{RoundGap: -1}, 0, 0, false},
	}
	for _, tt := range tests {
		g, err := New(tt.cfg)
		if (err == nil) != tt.ok {
			t.Fatalf("New(%+v): %v", tt.cfg, err)
		}
		if err == nil && (g.roundDur != tt.dur || g.gap != tt.gap) {
			t.Fatalf("New(%+v) = %v, %v", tt.cfg, g.roundDur, g.gap)
		}
	}
}

func TestParseChoose(t *testing.T) {
	g := rules(t)
	ok := map[string]Choice{
		`{"round":1,"move":"rock"}`:             {1, Rock},
		`{"move":"paper","round":2147483647}`:   {2147483647, Paper},
		`{"round":3.0,"move":"scissors","x":1}`: {3, Scissors},
	}
	for in, want := range ok {
		got, err := g.Parse(game.Action{Name: "choose", Args: json.RawMessage(in)})
		if err != nil || got != want {
			t.Errorf("Parse(%s) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{``, `null`, `{}`, `{"round":1}`, `{"move":"rock"}`, `{"round":0,"move":"rock"}`,
		`{"round":1.5,"move":"rock"}`, `{"round":"1","move":"rock"}`, `{"round":1,"move":"Rock"}`, `{"round":1,"move":null}`,
		`{"round":2147483648,"move":"rock"}`, `{"round":1,"move":1}`, `"rock"`, `[1,"rock"]`, `{"round":1e400,"move":"rock"}`} {
		if _, err := g.Parse(game.Action{Name: "choose", Args: json.RawMessage(in)}); !errors.Is(err, game.ErrBadRequest) {
			t.Errorf("Parse(%s): %v, want bad_request", in, err)
		}
	}
	if _, err := g.Parse(game.Action{Name: "dig", Args: json.RawMessage(`{"round":1,"move":"rock"}`)}); !errors.Is(err, game.ErrBadRequest) {
		t.Errorf("unknown action: %v", err)
	}
}

// TestStateRound plays a round through the game.State methods alone.
func TestStateRound(t *testing.T) {
	g := rules(t)
	s := g.New("r1", 2).(*State)
	step, err := s.Start([]game.Player{{ID: "a", Connected: true}, {ID: "b"}}, t0, nil)
	if err != nil {
		t.Fatal(err)
	}
	start := StartEvent{RoomID: "r1", Round: 1, Deadline: t0.Add(10 * time.Second).UnixMilli(), Duration: 10000}
	equal(t, "start", step.Events, []game.Event{{Name: EventStart, Data: start}})
	equal(t, "wake", s.WakeAt(), t0.Add(10*time.Second))
	equal(t, "view", s.View("a", game.Roster{}), []game.Event{{Name: EventStart, Data: start}})
	step, err = s.Act("a", Choice{1, Paper}, t0)
	if err != nil || len(step.Events) != 1 || step.Events[0].Name != EventChosen {
		t.Fatalf("choose = %+v, %v", step, err)
	}
	if step, err = s.Act("a", Choice{1, Paper}, t0); err != nil || len(step.Events) != 0 {
		t.Fatalf("retry = %+v, %v", step, err)
	}
	if _, err := s.Act("a", Choice{1, Rock}, t0); !errors.Is(err, ErrAlreadyChosen) {
		t.Fatalf("another move: %v", err)
	}
	if _, err := s.Act("z", Choice{1, Rock}, t0); !errors.Is(err, ErrRoundClosed) {
		t.Fatalf("stranger: %v", err)
	}
	if step := s.Due(t0.Add(10*time.Second - 1)); len(step.Events) != 0 {
		t.Fatal("due early")
	}
	step = s.Due(t0.Add(10 * time.Second))
	equal(t, "settled", step.Settled, 1)
	equal(t, "events", []string{step.Events[0].Name, step.Events[1].Name}, []string{EventResult, game.EventRoom})
	equal(t, "next round at", s.WakeAt(), t0.Add(13*time.Second))
	roomView := s.Room(game.Roster{ID: "r1", Size: 2, Phase: "playing", Players: []game.Seat{{ID: "a", Name: "A", Connected: true}, {ID: "b", Name: "B"}}})
	equal(t, "room", roomView, any(RoomView{ID: "r1", Size: 2, State: "playing", Round: 1, Players: []PlayerView{
		{ID: "a", Name: "A", Connected: true, Total: 1, Streak: 1}, {ID: "b", Name: "B"}}}))
	step = s.Due(t0.Add(13 * time.Second))
	equal(t, "round 2", step.Events[0].Data.(StartEvent).Round, 2)
	// b leaves: round cancelled, back to waiting; a keeps the standing.
	step = s.Leave("b", t0.Add(14*time.Second))
	if !step.Reopen || s.Open || !s.WakeAt().IsZero() || len(s.Players) != 1 || s.Players[0].Total != 1 {
		t.Fatalf("after leave: %+v %+v", step, s)
	}
	b, _ := s.Encode()
	if _, err := g.Decode(b); err != nil {
		t.Fatal(err)
	}
}

func FuzzParseChoose(f *testing.F) {
	for _, s := range []string{`{"round":1,"move":"rock"}`, `{"round":1.5}`, `null`, `"rock"`, `{"round":-1,"move":"paper"}`} {
		f.Add([]byte(s))
	}
	g := rules(f)
	f.Fuzz(func(t *testing.T, args []byte) {
		v, err := g.Parse(game.Action{Name: ActionChoose, Args: args})
		if err != nil {
			if !errors.Is(err, game.ErrBadRequest) {
				t.Fatalf("error %v is not bad_request", err)
			}
			return
		}
		c := v.(Choice)
		if c.Round < 1 || !c.Move.Valid() {
			t.Fatalf("parsed %+v from %q", c, args)
		}
	})
}

func FuzzDecodeState(f *testing.F) {
	g := rules(f)
	s := g.New("r", 3).(*State)
	s.Start([]game.Player{{ID: "a"}, {ID: "b"}, {ID: "c"}}, t0, rand.New(rand.NewPCG(1, 1)))
	s.Act("a", Choice{1, Rock}, t0)
	b, _ := s.Encode()
	f.Add(b)
	b, _ = g.New("r", 2).Encode()
	f.Add(b)
	f.Add([]byte(`{"roomId":"r","round":1,"open":true,"deadline":"2025-01-01T00:00:00Z","players":[{"id":"a","streak":0,"total":0,"move":"rock"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := g.Decode(b)
		if err != nil {
			return
		}
		s := st.(*State)
		ro := game.Roster{ID: "r", Size: 8, Phase: "playing", Players: []game.Seat{{ID: "a"}, {ID: "b"}}}
		s.Room(ro)
		s.View("a", ro)
		if len(s.Players) > 0 {
			s.Act(s.Players[0].ID, Choice{s.Round, Paper}, t0)
		}
		s.Due(t0.Add(time.Hour))
		s.Leave("a", t0)
		out, err := s.Encode()
		if err != nil {
			t.Fatalf("encode after use: %v", err)
		}
		if _, err := g.Decode(out); err != nil {
			t.Fatalf("decode of %s: %v", out, err)
		}
	})
}

func equal[T any](t testing.TB, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s = %+v, want %+v", what, got, want)
	}
}
