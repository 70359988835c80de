package rooms_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/rpsio/rpsio/rooms"
	"github.com/rpsio/rpsio/rooms/roomstest"
)

const (
	roundDur = 10 * time.Second
	gap      = 3 * time.Second
	grace    = 30 * time.Second
)

// env is a Manager on a fake clock with a recording notifier.
type env struct {
	t     *testing.T
	m     *rooms.Manager
	clock *roomstest.Clock
	rec   *roomstest.Recorder
	store *rooms.MemoryStore
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, clock: roomstest.NewClock(time.Time{}), rec: roomstest.NewRecorder(), store: rooms.NewMemoryStore()}
	m, err := rooms.New(rooms.Options{
		Store:          e.store,
		Notifier:       e.rec,
		RoundDuration:  roundDur,
		RoundGap:       gap,
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

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

// next waits for the next event and checks its name and room.
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
	return ev
}

func (e *env) nextRoom(roomID string) rooms.RoomView {
	e.t.Helper()
	return e.next(roomID, rooms.EventRoom).Data.(rooms.RoomView)
}

func (e *env) nextStart(roomID string) rooms.StartEvent {
	e.t.Helper()
	return e.next(roomID, rooms.EventStart).Data.(rooms.StartEvent)
}

func (e *env) nextResult(roomID string) rooms.ResultEvent {
	e.t.Helper()
	return e.next(roomID, rooms.EventResult).Data.(rooms.ResultEvent)
}

func (e *env) nextChosen(roomID string) rooms.ChosenEvent {
	e.t.Helper()
	return e.next(roomID, rooms.EventChosen).Data.(rooms.ChosenEvent)
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
	st, err := e.m.Join(ctx(e.t), player, "name-"+player, size)
	if err != nil {
		e.t.Fatalf("Join(%q, %d): %v", player, size, err)
	}
	return st
}

func (e *env) choose(player string, round int, move string) {
	e.t.Helper()
	if err := e.m.Choose(ctx(e.t), player, round, move); err != nil {
		e.t.Fatalf("Choose(%q, %d, %q): %v", player, round, move, err)
	}
}

// fill seats players in one room of len(players) seats and consumes the
// events up to the first "start".
func (e *env) fill(players ...string) (string, rooms.StartEvent) {
	e.t.Helper()
	var id string
	for i, p := range players {
		st := e.join(p, len(players))
		if id == "" {
			id = st.Room.ID
		} else if st.Room.ID != id {
			e.t.Fatalf("%s joined room %s, want %s", p, st.Room.ID, id)
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

func ids(v rooms.RoomView) []string {
	var out []string
	for _, p := range v.Players {
		out = append(out, p.ID)
	}
	return out
}

func equal[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s = %+v, want %+v", what, got, want)
	}
}
