package rooms_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/rpsio/rpsio/game"
	"github.com/rpsio/rpsio/game/rps"
	"github.com/rpsio/rpsio/rooms"
	"github.com/rpsio/rpsio/rooms/roomstest"
)

const (
	roundDur = 10 * time.Second
	gap      = 3 * time.Second
	grace    = 30 * time.Second
)

// env is a Manager running rps on a fake clock with a recording notifier.
type env struct {
	t     *testing.T
	m     *rooms.Manager
	clock *roomstest.Clock
	rec   *roomstest.Recorder
	store *rooms.MemoryStore
	seqs  map[string]uint64 // room id -> seq of the last event seen
}

func newRPS(t testing.TB, cfg rps.Config) *rps.Rules {
	g, err := rps.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, clock: roomstest.NewClock(time.Time{}), rec: roomstest.NewRecorder(), store: rooms.NewMemoryStore(), seqs: map[string]uint64{}}
	m, err := rooms.New(rooms.Options{
		Games:          []game.Rules{newRPS(t, rps.Config{RoundDuration: roundDur, RoundGap: gap})},
		Store:          e.store,
		Notifier:       e.rec,
		ReconnectGrace: grace,
		Clock:          e.clock,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.m = m
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := m.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return e
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

// next waits for the next event and checks its name and room, and that its
// seq does not go back.
func (e *env) next(roomID, name string) rooms.Event {
	e.t.Helper()
	c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ev, err := e.rec.Next(c)
	if err != nil {
		e.t.Fatalf("waiting for %q: %v", name, err)
	}
	if ev.Name != name || (roomID != "" && ev.RoomID != roomID) {
		e.t.Fatalf("got event %q in room %q (%+v), want %q in room %q", ev.Name, ev.RoomID, ev.Data, name, roomID)
	}
	if ev.Seq == 0 || ev.Seq < e.seqs[ev.RoomID] {
		e.t.Fatalf("event %q of room %s has seq %d after %d", ev.Name, ev.RoomID, ev.Seq, e.seqs[ev.RoomID])
	}
	e.seqs[ev.RoomID] = ev.Seq
	return ev
}

func (e *env) nextRoom(roomID string) rps.RoomView {
	e.t.Helper()
	return e.next(roomID, rooms.EventRoom).Data.(rps.RoomView)
}

func (e *env) nextStart(roomID string) rps.StartEvent {
	e.t.Helper()
	return e.next(roomID, rps.EventStart).Data.(rps.StartEvent)
}

func (e *env) nextResult(roomID string) rps.ResultEvent {
	e.t.Helper()
	return e.next(roomID, rps.EventResult).Data.(rps.ResultEvent)
}

func (e *env) nextChosen(roomID string) rps.ChosenEvent {
	e.t.Helper()
	return e.next(roomID, rps.EventChosen).Data.(rps.ChosenEvent)
}

// quiet checks that no event is pending. Calls on the fake clock are
// synchronous, so events caused by a call are published when it returns.
func (e *env) quiet() {
	e.t.Helper()
	if p := e.rec.Pending(); len(p) > 0 {
		e.t.Fatalf("unexpected events: %+v", p)
	}
}

func (e *env) join(player string, size int) *rooms.Status {
	e.t.Helper()
	st, err := e.m.Join(ctx(e.t), rps.Name, player, "name-"+player, rooms.JoinOptions{Size: size})
	if err != nil {
		e.t.Fatalf("Join(%q, %d): %v", player, size, err)
	}
	return st
}

func (e *env) chooseErr(player string, round int, move string) error {
	return e.m.Act(ctx(e.t), rps.Name, player, rps.Choose(round, move))
}

func (e *env) choose(player string, round int, move string) {
	e.t.Helper()
	if err := e.chooseErr(player, round, move); err != nil {
		e.t.Fatalf("Choose(%q, %d, %q): %v", player, round, move, err)
	}
}

// move returns player's move in the open round of their room, from the
// stored state.
func (e *env) move(player string) rps.Move {
	e.t.Helper()
	st, err := e.m.Status(ctx(e.t), rps.Name, player)
	if err != nil {
		e.t.Fatal(err)
	}
	return rpsState(e.t, e.m, st.RoomID).Move(player)
}

// rpsState decodes the stored state of an rps room.
func rpsState(t testing.TB, m *rooms.Manager, roomID string) *rps.State {
	t.Helper()
	r, err := m.Room(ctx(t), roomID)
	if err != nil {
		t.Fatal(err)
	}
	s, err := m.Rules(rps.Name).Decode(r.State)
	if err != nil {
		t.Fatal(err)
	}
	return s.(*rps.State)
}

// view and round read a Status of an rps room.
func view(st *rooms.Status) rps.RoomView { return st.Room.(rps.RoomView) }

func round(st *rooms.Status) *rps.StartEvent {
	for _, ev := range st.CatchUp {
		if ev.Name == rps.EventStart {
			s := ev.Data.(rps.StartEvent)
			return &s
		}
	}
	return nil
}

// fill seats players in one room of len(players) seats and consumes the
// events up to the first "start".
func (e *env) fill(players ...string) (string, rps.StartEvent) {
	e.t.Helper()
	var id string
	for i, p := range players {
		st := e.join(p, len(players))
		if id == "" {
			id = st.RoomID
		} else if st.RoomID != id {
			e.t.Fatalf("%s joined room %s, want %s", p, st.RoomID, id)
		}
		v := e.nextRoom(id)
		if len(v.Players) != i+1 {
			e.t.Fatalf("room has %d players, want %d", len(v.Players), i+1)
		}
	}
	return id, e.nextStart(id)
}

func wantCode(t *testing.T, err error, target error, code string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error %v, want %v", err, target)
	}
	if got := rooms.ErrorCode(err); got != code {
		t.Fatalf("ErrorCode(%v) = %q, want %q", err, got, code)
	}
}

func ids(v rps.RoomView) []string {
	var out []string
	for _, p := range v.Players {
		out = append(out, p.ID)
	}
	return out
}

func equal[T any](t testing.TB, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s = %+v, want %+v", what, got, want)
	}
}

// games is the rps game configured by cfg, for Options.Games.
func games(t testing.TB, cfg rps.Config) []game.Rules { return []game.Rules{newRPS(t, cfg)} }
