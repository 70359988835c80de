package roomstest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rpsio/rpsio/rooms"
)

// RunStoreTests is the conformance suite of rooms.Store: every
// implementation (in memory, Redis) runs it, so the Manager can rely on the
// same behaviour from each. newStore returns an empty store, cleaned up by
// the test (t.Cleanup).
func RunStoreTests(t *testing.T, newStore func(t *testing.T) rooms.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s rooms.Store)
	}{
		{"CreateGet", testCreateGet},
		{"RoundTrip", testRoundTrip},
		{"Update", testUpdate},
		{"NoChange", testNoChange},
		{"SeatIndex", testSeatIndex},
		{"Waiting", testWaiting},
		{"List", testList},
		{"Due", testDue},
		{"Settled", testSettled},
		{"Cancelled", testCancelled},
		{"ConcurrentUpdates", testConcurrentUpdates},
		{"ConcurrentSeats", testConcurrentSeats},
		{"CreateIfNoneWaiting", testCreateIfNoneWaiting},
		{"ConcurrentCreates", testConcurrentCreates},
		{"UpdateCounting", testUpdateCounting},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, newStore(t)) })
	}
}

var t0 = time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)

func seat(id string) rooms.Seat { return rooms.Seat{PlayerID: id, Name: "name-" + id, Connected: true} }

// room returns a waiting room of game with players, created at t0+created.
func room(id, game string, size int, created time.Duration, players ...string) *rooms.Room {
	r := &rooms.Room{ID: id, Game: game, Size: size, Phase: rooms.Waiting, State: json.RawMessage(`{"n":0}`), Created: t0.Add(created)}
	for _, p := range players {
		r.Players = append(r.Players, seat(p))
	}
	return r
}

func bg(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func mustCreate(t *testing.T, s rooms.Store, r *rooms.Room) {
	t.Helper()
	if err := s.Create(bg(t), r); err != nil {
		t.Fatalf("Create(%s): %v", r.ID, err)
	}
}

func mustUpdate(t *testing.T, s rooms.Store, id string, fn func(r *rooms.Room)) *rooms.Room {
	t.Helper()
	r, err := s.Update(bg(t), id, func(r *rooms.Room) error { fn(r); return nil })
	if err != nil {
		t.Fatalf("Update(%s): %v", id, err)
	}
	return r
}

func mustEqualRooms(t *testing.T, what string, got, want *rooms.Room) {
	t.Helper()
	if msg := diffRooms(got, want); msg != "" {
		t.Fatalf("%s: %s\ngot  %+v\nwant %+v", what, msg, got, want)
	}
}

// diffRooms compares rooms field by field (times with Equal, the state as
// JSON values).
func diffRooms(a, b *rooms.Room) string {
	switch {
	case a.ID != b.ID || a.Game != b.Game || a.Size != b.Size || a.Phase != b.Phase:
		return "id, game, size or phase differ"
	case a.Version != b.Version:
		return fmt.Sprintf("version %d, want %d", a.Version, b.Version)
	case !a.WakeAt.Equal(b.WakeAt) || !a.Created.Equal(b.Created):
		return "wakeAt or created differ"
	case len(a.Players) != len(b.Players):
		return "players differ"
	}
	for i := range a.Players {
		x, y := a.Players[i], b.Players[i]
		if x.PlayerID != y.PlayerID || x.Name != y.Name || x.Connected != y.Connected || !x.GraceUntil.Equal(y.GraceUntil) {
			return fmt.Sprintf("seat %d differs", i)
		}
	}
	var x, y any
	if json.Unmarshal(a.State, &x) != nil || json.Unmarshal(b.State, &y) != nil || fmt.Sprint(x) != fmt.Sprint(y) {
		return fmt.Sprintf("state %s, want %s", a.State, b.State)
	}
	return ""
}

func ids(t *testing.T, what string, got []string, err error, want ...string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if want == nil {
		want = []string{}
	}
	if got == nil {
		got = []string{}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("%s = %q, want %q", what, got, want)
	}
}

func testCreateGet(t *testing.T, s rooms.Store) {
	c := bg(t)
	if err := s.Create(c, room("empty", "rps", 2, 0)); err == nil {
		t.Fatal("Create without players succeeded")
	}
	r1 := room("r1", "rps", 2, time.Second, "a")
	r1.Version = 7 // the store sets 1
	mustCreate(t, s, r1)
	r1.Players[0].Name = "changed" // the store kept a copy
	r1.State[0] = ' '
	if err := s.Create(c, room("r1", "rps", 2, 0, "z")); !errors.Is(err, rooms.ErrRoomExists) {
		t.Fatalf("Create duplicate: %v", err)
	}
	got, err := s.Get(c, "r1")
	if err != nil {
		t.Fatal(err)
	}
	want := room("r1", "rps", 2, time.Second, "a")
	want.Version = 1
	mustEqualRooms(t, "Get", got, want)
	got.Players[0].Name = "changed" // the caller's copy
	got.State[0] = ' '
	again, _ := s.Get(c, "r1")
	mustEqualRooms(t, "Get after changing the copy", again, want)
	if _, err := s.Get(c, "nope"); !errors.Is(err, rooms.ErrRoomNotFound) || rooms.ErrorCode(err) != "not_found" {
		t.Fatalf("Get(nope): %v", err)
	}
	if id, err := s.PlayerRoom(c, "rps", "a"); err != nil || id != "r1" {
		t.Fatalf("PlayerRoom = %q, %v", id, err)
	}
}

func testRoundTrip(t *testing.T, s rooms.Store) {
	c := bg(t)
	r := room("rt", "gold", 4, 0, "a", "b", "c")
	r.Phase = rooms.Playing
	r.Players[1].Connected, r.Players[1].GraceUntil = false, t0.Add(30*time.Second+123*time.Millisecond)
	r.Players[2].Name = "Zoë 金"
	r.WakeAt = t0.Add(20 * time.Second)
	r.State = json.RawMessage(`{"width":10,"cells":[1,2,3],"who":{"a":"x"},"deadline":"2025-01-01T12:00:20Z"}`)
	mustCreate(t, s, r)
	r.Version = 1
	got, err := s.Get(c, "rt")
	if err != nil {
		t.Fatal(err)
	}
	mustEqualRooms(t, "Get", got, r)
	r.Phase = rooms.Over
	r.WakeAt = time.Time{}
	r.Players[1] = seat("b")
	upd := mustUpdate(t, s, "rt", func(x *rooms.Room) {
		x.Phase, x.WakeAt, x.Players[1] = rooms.Over, time.Time{}, seat("b")
	})
	r.Version = 2
	mustEqualRooms(t, "Update result", upd, r)
	got, _ = s.Get(c, "rt")
	mustEqualRooms(t, "Get after Update", got, r)
	// What a shared store keeps is EncodeRoom's JSON; check it round-trips.
	b, err := rooms.EncodeRoom(got)
	if err != nil {
		t.Fatal(err)
	}
	back, err := rooms.DecodeRoom(b)
	if err != nil {
		t.Fatal(err)
	}
	mustEqualRooms(t, "DecodeRoom(EncodeRoom)", back, r)
}

func testUpdate(t *testing.T, s rooms.Store) {
	c := bg(t)
	mustCreate(t, s, room("r1", "rps", 3, 0, "a"))
	// An error stores nothing and comes back unchanged.
	boom := errors.New("boom")
	if _, err := s.Update(c, "r1", func(r *rooms.Room) error {
		r.Players = append(r.Players, seat("d"))
		r.State = json.RawMessage(`{"n":1}`)
		return boom
	}); err != boom { //nolint:errorlint // unchanged, by contract
		t.Fatalf("Update error = %v, want boom unchanged", err)
	}
	if id, _ := s.PlayerRoom(c, "rps", "d"); id != "" {
		t.Fatal("failed Update seated d")
	}
	got, _ := s.Get(c, "r1")
	want := room("r1", "rps", 3, 0, "a")
	want.Version = 1
	mustEqualRooms(t, "after a failed Update", got, want)

	// Each stored change adds one to the version.
	for v := uint64(2); v <= 4; v++ {
		r := mustUpdate(t, s, "r1", func(r *rooms.Room) { r.State = json.RawMessage(fmt.Sprintf(`{"n":%d}`, v)) })
		if r.Version != v {
			t.Fatalf("version %d, want %d", r.Version, v)
		}
	}
	r := mustUpdate(t, s, "r1", func(r *rooms.Room) {
		r.Players = append(r.Players, seat("b"), seat("c"))
		r.Phase = rooms.Playing
		r.WakeAt = t0.Add(time.Minute)
	})
	if r.Version != 5 || len(r.Players) != 3 || r.Phase != rooms.Playing {
		t.Fatalf("Update = %+v", r)
	}
	r.Players[0].Name = "changed" // the returned room is a copy
	got, _ = s.Get(c, "r1")
	if got.Players[0].Name != "name-a" || got.Version != 5 {
		t.Fatalf("stored %+v", got)
	}
	// Removing every player deletes the room.
	r = mustUpdate(t, s, "r1", func(r *rooms.Room) { r.Players = nil })
	if len(r.Players) != 0 {
		t.Fatalf("Update emptying = %+v", r)
	}
	if _, err := s.Get(c, "r1"); !errors.Is(err, rooms.ErrRoomNotFound) {
		t.Fatalf("emptied room still there: %v", err)
	}
	if _, err := s.Update(c, "r1", func(*rooms.Room) error { return nil }); !errors.Is(err, rooms.ErrRoomNotFound) {
		t.Fatalf("Update of a deleted room: %v", err)
	}
	for _, p := range []string{"a", "b", "c"} {
		if id, _ := s.PlayerRoom(c, "rps", p); id != "" {
			t.Fatalf("%s still indexed in %q", p, id)
		}
	}
	// The id can be used again.
	mustCreate(t, s, room("r1", "rps", 2, 0, "a"))
}

func testNoChange(t *testing.T, s rooms.Store) {
	c := bg(t)
	mustCreate(t, s, room("r1", "rps", 2, 0, "a"))
	mustUpdate(t, s, "r1", func(r *rooms.Room) { r.State = json.RawMessage(`{"n":1}`) })
	r, err := s.Update(c, "r1", func(r *rooms.Room) error {
		r.State = json.RawMessage(`{"n":99}`) // discarded
		r.Players = nil
		return rooms.ErrNoChange
	})
	if err != nil {
		t.Fatal(err)
	}
	want := room("r1", "rps", 2, 0, "a")
	want.Version, want.State = 2, json.RawMessage(`{"n":1}`)
	mustEqualRooms(t, "Update returning ErrNoChange", r, want)
	got, _ := s.Get(c, "r1")
	mustEqualRooms(t, "stored after ErrNoChange", got, want)
	if _, err := s.Update(c, "nope", func(*rooms.Room) error { return rooms.ErrNoChange }); !errors.Is(err, rooms.ErrRoomNotFound) {
		t.Fatalf("ErrNoChange on a missing room: %v", err)
	}
}

func testSeatIndex(t *testing.T, s rooms.Store) {
	c := bg(t)
	mustCreate(t, s, room("r1", "rps", 2, 0, "a"))
	mustCreate(t, s, room("r2", "rps", 2, 0, "b"))
	// One seat per player per game: a can sit in a gold room as well.
	mustCreate(t, s, room("g1", "gold", 2, 0, "a"))
	if err := s.Create(c, room("r3", "rps", 2, 0, "c", "a")); !errors.Is(err, rooms.ErrPlayerSeated) {
		t.Fatalf("Create with a seated player: %v", err)
	}
	if id, _ := s.PlayerRoom(c, "rps", "c"); id != "" {
		t.Fatal("a failed Create indexed c")
	}
	if _, err := s.Update(c, "r1", func(r *rooms.Room) error {
		r.Players = append(r.Players, seat("b"))
		return nil
	}); !errors.Is(err, rooms.ErrPlayerSeated) {
		t.Fatalf("Update seating b: %v", err)
	}
	if got, _ := s.Get(c, "r1"); len(got.Players) != 1 || got.Version != 1 {
		t.Fatalf("a failed Update stored %+v", got)
	}
	for _, tt := range []struct{ game, player, want string }{
		{"rps", "a", "r1"}, {"gold", "a", "g1"}, {"rps", "b", "r2"}, {"gold", "b", ""}, {"chess", "a", ""}, {"rps", "zz", ""},
	} {
		if id, err := s.PlayerRoom(c, tt.game, tt.player); err != nil || id != tt.want {
			t.Fatalf("PlayerRoom(%s, %s) = %q, %v; want %q", tt.game, tt.player, id, err, tt.want)
		}
	}
	// Moving: b leaves r2 (deleted) and sits in r1 in one update each.
	mustUpdate(t, s, "r2", func(r *rooms.Room) { r.Players = nil })
	mustUpdate(t, s, "r1", func(r *rooms.Room) { r.Players = append(r.Players, seat("b")) })
	if id, _ := s.PlayerRoom(c, "rps", "b"); id != "r1" {
		t.Fatalf("PlayerRoom(b) = %q", id)
	}
	// Removing a player from a room that stays frees them.
	mustUpdate(t, s, "r1", func(r *rooms.Room) { r.Players = r.Players[1:] })
	if id, _ := s.PlayerRoom(c, "rps", "a"); id != "" {
		t.Fatalf("PlayerRoom(a) = %q after removal", id)
	}
	if id, _ := s.PlayerRoom(c, "gold", "a"); id != "g1" {
		t.Fatalf("PlayerRoom(gold, a) = %q: another game's removal touched it", id)
	}
}

func testWaiting(t *testing.T, s rooms.Store) {
	c := bg(t)
	mustCreate(t, s, room("new", "rps", 2, 3*time.Second, "a"))
	mustCreate(t, s, room("old", "rps", 2, time.Second, "b"))
	mustCreate(t, s, room("tie-b", "rps", 2, 2*time.Second, "c"))
	mustCreate(t, s, room("tie-a", "rps", 2, 2*time.Second, "d"))
	mustCreate(t, s, room("three", "rps", 3, 0, "e"))
	mustCreate(t, s, room("gold", "gold", 2, 0, "a"))
	full := room("full", "rps", 2, 0, "f", "g")
	mustCreate(t, s, full) // full but still waiting: not listed
	w, err := s.Waiting(c, "rps", 2)
	ids(t, "Waiting(rps, 2)", w, err, "old", "tie-a", "tie-b", "new")
	w, err = s.Waiting(c, "rps", 3)
	ids(t, "Waiting(rps, 3)", w, err, "three")
	w, err = s.Waiting(c, "gold", 2)
	ids(t, "Waiting(gold, 2)", w, err, "gold")
	w, err = s.Waiting(c, "gold", 3)
	ids(t, "Waiting(gold, 3)", w, err)
	// Playing or over: not waiting, even with a free seat.
	mustUpdate(t, s, "old", func(r *rooms.Room) { r.Phase = rooms.Playing })
	mustUpdate(t, s, "tie-a", func(r *rooms.Room) { r.Phase = rooms.Over })
	mustUpdate(t, s, "new", func(r *rooms.Room) { r.Players = append(r.Players, seat("h")) })
	w, err = s.Waiting(c, "rps", 2)
	ids(t, "Waiting(rps, 2) after updates", w, err, "tie-b")
	// Back to waiting with a free seat: listed again, in creation order.
	mustUpdate(t, s, "old", func(r *rooms.Room) { r.Phase = rooms.Waiting })
	mustUpdate(t, s, "full", func(r *rooms.Room) { r.Players = r.Players[:1] })
	w, err = s.Waiting(c, "rps", 2)
	ids(t, "Waiting(rps, 2) after reopening", w, err, "full", "old", "tie-b")
	mustUpdate(t, s, "old", func(r *rooms.Room) { r.Players = nil })
	w, err = s.Waiting(c, "rps", 2)
	ids(t, "Waiting(rps, 2) after a deletion", w, err, "full", "tie-b")
}

func testList(t *testing.T, s rooms.Store) {
	c := bg(t)
	l, err := s.List(c, "")
	if err != nil || len(l) != 0 {
		t.Fatalf("List of an empty store = %+v, %v", l, err)
	}
	mustCreate(t, s, room("b", "rps", 2, 2*time.Second, "p1"))
	mustCreate(t, s, room("a", "gold", 2, 2*time.Second, "p1"))
	mustCreate(t, s, room("c", "rps", 3, time.Second, "p2"))
	list := func(game string) []string {
		l, err := s.List(c, game)
		if err != nil {
			t.Fatal(err)
		}
		out := []string{}
		for _, r := range l {
			out = append(out, r.ID)
		}
		return out
	}
	ids(t, "List()", list(""), nil, "c", "a", "b")
	ids(t, "List(rps)", list("rps"), nil, "c", "b")
	ids(t, "List(gold)", list("gold"), nil, "a")
	ids(t, "List(chess)", list("chess"), nil)
	l, _ = s.List(c, "gold")
	want := room("a", "gold", 2, 2*time.Second, "p1")
	want.Version = 1
	mustEqualRooms(t, "listed room", l[0], want)
	l[0].Players[0].Name = "changed"
	l, _ = s.List(c, "gold")
	mustEqualRooms(t, "listed room after changing the copy", l[0], want)
}

func testDue(t *testing.T, s rooms.Store) {
	c := bg(t)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	for i, w := range []time.Duration{5, 3, 0, 3, 9} {
		r := room(fmt.Sprintf("r%d", i), []string{"rps", "gold"}[i%2], 2, 0, fmt.Sprint("p", i))
		if w > 0 {
			r.WakeAt = at(w * time.Second)
		}
		mustCreate(t, s, r)
	}
	due := func(now time.Duration, limit int, want ...string) {
		t.Helper()
		got, err := s.Due(c, at(now), limit)
		ids(t, fmt.Sprintf("Due(t0+%v, %d)", now, limit), got, err, want...)
	}
	due(2*time.Second, 0)
	due(3*time.Second, 0, "r1", "r3") // not after now; ties by id
	due(5*time.Second, 0, "r1", "r3", "r0")
	due(5*time.Second, 2, "r1", "r3")
	due(time.Hour, 0, "r1", "r3", "r0", "r4")
	due(time.Hour, -1, "r1", "r3", "r0", "r4")
	// Updates move a room in the index; zero takes it out; deletion too.
	mustUpdate(t, s, "r1", func(r *rooms.Room) { r.WakeAt = at(10 * time.Second) })
	mustUpdate(t, s, "r3", func(r *rooms.Room) { r.WakeAt = time.Time{} })
	mustUpdate(t, s, "r2", func(r *rooms.Room) { r.WakeAt = at(time.Second) })
	mustUpdate(t, s, "r4", func(r *rooms.Room) { r.Players = nil })
	due(5*time.Second, 0, "r2", "r0")
	due(time.Hour, 0, "r2", "r0", "r1")
	// ErrNoChange and failed updates leave it as it was.
	s.Update(c, "r2", func(r *rooms.Room) error { r.WakeAt = time.Time{}; return rooms.ErrNoChange })
	s.Update(c, "r0", func(r *rooms.Room) error { r.WakeAt = time.Time{}; return errors.New("no") })
	due(5*time.Second, 0, "r2", "r0")
}

func testSettled(t *testing.T, s rooms.Store) {
	c := bg(t)
	if n, err := s.Settled(c); err != nil || n != 0 {
		t.Fatalf("Settled = %d, %v", n, err)
	}
	for _, n := range []int64{2, 3, 1} {
		if err := s.AddSettled(c, n); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := s.Settled(c); n != 6 {
		t.Fatalf("Settled = %d, want 6", n)
	}
}

func testCancelled(t *testing.T, s rooms.Store) {
	mustCreate(t, s, room("r", "rps", 2, 0, "a"))
	c, cancel := context.WithCancel(context.Background())
	cancel()
	calls := map[string]func() error{
		"Create": func() error { return s.Create(c, room("x", "rps", 2, 0, "b")) },
		"Get":    func() error { _, err := s.Get(c, "r"); return err },
		"Update": func() error {
			_, err := s.Update(c, "r", func(r *rooms.Room) error { r.Phase = rooms.Over; return nil })
			return err
		},
		"PlayerRoom":          func() error { _, err := s.PlayerRoom(c, "rps", "a"); return err },
		"Waiting":             func() error { _, err := s.Waiting(c, "rps", 2); return err },
		"List":                func() error { _, err := s.List(c, ""); return err },
		"Due":                 func() error { _, err := s.Due(c, t0, 0); return err },
		"AddSettled":          func() error { return s.AddSettled(c, 1) },
		"CreateIfNoneWaiting": func() error { return s.CreateIfNoneWaiting(c, room("y", "gold", 2, 0, "b")) },
		"Settled":             func() error { _, err := s.Settled(c); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context: %v", name, err)
		}
	}
	if r, err := s.Get(bg(t), "r"); err != nil || r.Phase != rooms.Waiting || r.Version != 1 {
		t.Fatalf("after cancelled calls: %+v, %v", r, err)
	}
	if _, err := s.Get(bg(t), "x"); !errors.Is(err, rooms.ErrRoomNotFound) {
		t.Fatalf("cancelled Create stored the room: %v", err)
	}
}

// testConcurrentUpdates: updates of one room from many goroutines are
// atomic: none is lost, and each adds exactly one to the version.
func testConcurrentUpdates(t *testing.T, s rooms.Store) {
	mustCreate(t, s, room("r", "rps", 2, 0, "a"))
	const workers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				_, err := s.Update(bg(t), "r", func(r *rooms.Room) error {
					var st struct{ N int }
					if err := json.Unmarshal(r.State, &st); err != nil {
						return err
					}
					r.State = json.RawMessage(fmt.Sprintf(`{"n":%d}`, st.N+1))
					return nil
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	r, _ := s.Get(bg(t), "r")
	if want := fmt.Sprintf(`{"n":%d}`, workers*each); string(r.State) != want || r.Version != workers*each+1 {
		t.Fatalf("after %d updates: state %s, version %d", workers*each, r.State, r.Version)
	}
}

// testConcurrentSeats: many goroutines race to seat the same player in
// different rooms of one game; exactly one wins.
func testConcurrentSeats(t *testing.T, s rooms.Store) {
	const n = 8
	for i := range n {
		mustCreate(t, s, room(fmt.Sprint("r", i), "gold", 4, 0, fmt.Sprint("owner", i)))
	}
	var wg sync.WaitGroup
	results := make([]error, 2*n)
	for i := range 2 * n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i < n {
				_, results[i] = s.Update(bg(t), fmt.Sprint("r", i), func(r *rooms.Room) error {
					r.Players = append(r.Players, seat("x"))
					return nil
				})
			} else {
				results[i] = s.Create(bg(t), room(fmt.Sprint("new", i), "gold", 2, 0, "x"))
			}
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range results {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, rooms.ErrPlayerSeated):
			t.Fatalf("unexpected error: %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d of %d racing seats of one player succeeded, want 1", won, 2*n)
	}
	id, _ := s.PlayerRoom(bg(t), "gold", "x")
	r, err := s.Get(bg(t), id)
	if err != nil || r.Seat("x") < 0 {
		t.Fatalf("x indexed in %q: %+v, %v", id, r, err)
	}
	l, _ := s.List(bg(t), "gold")
	seated := 0
	for _, r := range l {
		if r.Seat("x") >= 0 {
			seated++
		}
	}
	if seated != 1 {
		t.Fatalf("x seated in %d rooms", seated)
	}
}

// testCreateIfNoneWaiting: a new room is refused while a room of its game
// and size waits with a free seat, and stored otherwise.
func testCreateIfNoneWaiting(t *testing.T, s rooms.Store) {
	c := bg(t)
	mustCreate(t, s, room("w", "rps", 2, 0, "a"))
	if err := s.CreateIfNoneWaiting(c, room("x", "rps", 2, time.Second, "b")); !errors.Is(err, rooms.ErrWaitingRoom) {
		t.Fatalf("with a room waiting: %v", err)
	}
	if _, err := s.Get(c, "x"); !errors.Is(err, rooms.ErrRoomNotFound) {
		t.Fatalf("the refused room was stored: %v", err)
	}
	if id, _ := s.PlayerRoom(c, "rps", "b"); id != "" {
		t.Fatal("the refused room seated b")
	}
	// Another size, another game: stored.
	for _, r := range []*rooms.Room{room("x3", "rps", 3, 0, "b"), room("g", "gold", 2, 0, "b")} {
		if err := s.CreateIfNoneWaiting(c, r); err != nil {
			t.Fatalf("CreateIfNoneWaiting(%s): %v", r.ID, err)
		}
	}
	// The waiting room fills (or plays, or is deleted): no longer waiting.
	mustUpdate(t, s, "w", func(r *rooms.Room) { r.Players = append(r.Players, seat("c")) })
	if err := s.CreateIfNoneWaiting(c, room("x", "rps", 2, 0, "d")); err != nil {
		t.Fatalf("with the waiting room full: %v", err)
	}
	if err := s.CreateIfNoneWaiting(c, room("x", "rps", 2, 0, "e")); !errors.Is(err, rooms.ErrRoomExists) && !errors.Is(err, rooms.ErrWaitingRoom) {
		t.Fatalf("a taken id: %v", err)
	}
	w, err := s.Waiting(c, "rps", 2)
	ids(t, "Waiting(rps, 2)", w, err, "x")
}

// testConcurrentCreates: players creating rooms of one game and size at
// the same moment: exactly one room is created, the others are told to
// join it.
func testConcurrentCreates(t *testing.T, s rooms.Store) {
	const n = 8
	var wg sync.WaitGroup
	results := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = s.CreateIfNoneWaiting(bg(t), room(fmt.Sprint("r", i), "rps", 2, time.Duration(i), fmt.Sprint("p", i)))
		}()
	}
	wg.Wait()
	created := 0
	for _, err := range results {
		switch {
		case err == nil:
			created++
		case !errors.Is(err, rooms.ErrWaitingRoom):
			t.Fatalf("unexpected error: %v", err)
		}
	}
	if created != 1 {
		t.Fatalf("%d of %d racing creations succeeded, want 1", created, n)
	}
	if l, _ := s.List(bg(t), "rps"); len(l) != 1 {
		t.Fatalf("%d rooms stored", len(l))
	}
}

// testUpdateCounting: a store that is a rooms.CountingUpdater counts the
// rounds an update settles once per stored change, however many times its
// function ran, and nothing for a change not stored.
func testUpdateCounting(t *testing.T, s rooms.Store) {
	cu, ok := s.(rooms.CountingUpdater)
	if !ok {
		t.Skip("not a rooms.CountingUpdater")
	}
	c := bg(t)
	mustCreate(t, s, room("r", "rps", 2, 0, "a"))
	if _, err := cu.UpdateCounting(c, "r", func(r *rooms.Room) (int64, error) { r.State = json.RawMessage(`{"n":1}`); return 2, nil }); err != nil {
		t.Fatal(err)
	}
	cu.UpdateCounting(c, "r", func(r *rooms.Room) (int64, error) { return 5, rooms.ErrNoChange })
	cu.UpdateCounting(c, "r", func(r *rooms.Room) (int64, error) { r.Phase = rooms.Over; return 7, errors.New("no") })
	if n, err := s.Settled(c); err != nil || n != 2 {
		t.Fatalf("Settled = %d, %v; want 2", n, err)
	}
	const workers, each = 6, 10
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				_, err := cu.UpdateCounting(bg(t), "r", func(r *rooms.Room) (int64, error) {
					var st struct{ N int }
					if err := json.Unmarshal(r.State, &st); err != nil {
						return 0, err
					}
					r.State = json.RawMessage(fmt.Sprintf(`{"n":%d}`, st.N+1))
					return 1, nil
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if n, _ := s.Settled(c); n != 2+workers*each {
		t.Fatalf("Settled = %d after %d counted updates, want %d", n, workers*each, 2+workers*each)
	}
	if r, _ := s.Get(c, "r"); string(r.State) != fmt.Sprintf(`{"n":%d}`, 1+workers*each) {
		t.Fatalf("state %s", r.State)
	}
}
