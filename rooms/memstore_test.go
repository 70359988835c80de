package rooms_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rpsio/rpsio/rooms"
)

func TestMemoryStore(t *testing.T) {
	c := context.Background()
	s := rooms.NewMemoryStore()
	t0 := time.Unix(1000, 0)
	seat := func(id string) rooms.Seat { return rooms.Seat{PlayerID: id, Connected: true} }

	if err := s.Create(c, &rooms.Room{ID: "empty", Size: 2}); err == nil {
		t.Fatal("Create without players succeeded")
	}
	r1 := &rooms.Room{ID: "r1", Size: 2, Players: []rooms.Seat{seat("a")}, Created: t0.Add(time.Second)}
	if err := s.Create(c, r1); err != nil {
		t.Fatal(err)
	}
	r1.Players[0].Name = "changed" // the store kept a copy
	if err := s.Create(c, &rooms.Room{ID: "r1", Size: 2, Players: []rooms.Seat{seat("z")}}); !errors.Is(err, rooms.ErrRoomExists) {
		t.Fatalf("Create duplicate: %v", err)
	}
	if err := s.Create(c, &rooms.Room{ID: "r2", Size: 2, Players: []rooms.Seat{seat("a")}}); !errors.Is(err, rooms.ErrPlayerSeated) {
		t.Fatalf("Create with a seated player: %v", err)
	}
	if err := s.Create(c, &rooms.Room{ID: "r0", Size: 2, Players: []rooms.Seat{seat("b")}, Created: t0}); err != nil {
		t.Fatal(err)
	}
	if err := s.Create(c, &rooms.Room{ID: "r3", Size: 3, Players: []rooms.Seat{seat("c")}, Created: t0}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(c, "r1")
	if err != nil || got.Players[0].Name != "" {
		t.Fatalf("Get = %+v, %v", got, err)
	}
	got.Players[0].Name = "changed" // the caller's copy
	if again, _ := s.Get(c, "r1"); again.Players[0].Name != "" {
		t.Fatal("Get returned the stored room")
	}
	if _, err := s.Get(c, "nope"); !errors.Is(err, rooms.ErrRoomNotFound) {
		t.Fatalf("Get(nope): %v", err)
	}

	w, _ := s.Waiting(c, 2)
	equal(t, "waiting", w, []string{"r0", "r1"})

	// Update: an error stores nothing.
	boom := errors.New("boom")
	if _, err := s.Update(c, "r1", func(r *rooms.Room) error {
		r.Players = append(r.Players, seat("d"))
		return boom
	}); err != boom {
		t.Fatalf("Update error = %v, want boom unchanged", err)
	}
	if id, _ := s.PlayerRoom(c, "d"); id != "" {
		t.Fatal("failed Update seated d")
	}
	// Seating a player of another room fails.
	if _, err := s.Update(c, "r1", func(r *rooms.Room) error {
		r.Players = append(r.Players, seat("b"))
		return nil
	}); !errors.Is(err, rooms.ErrPlayerSeated) {
		t.Fatalf("Update seating b: %v", err)
	}
	r, err := s.Update(c, "r1", func(r *rooms.Room) error {
		r.Players = append(r.Players, seat("d"))
		r.State = rooms.Playing
		return nil
	})
	if err != nil || len(r.Players) != 2 {
		t.Fatalf("Update = %+v, %v", r, err)
	}
	if id, _ := s.PlayerRoom(c, "d"); id != "r1" {
		t.Fatalf("PlayerRoom(d) = %q", id)
	}
	w, _ = s.Waiting(c, 2)
	equal(t, "waiting", w, []string{"r0"})
	// Removing a player frees them; removing the last deletes the room.
	s.Update(c, "r1", func(r *rooms.Room) error { r.Players = r.Players[1:]; return nil })
	if id, _ := s.PlayerRoom(c, "a"); id != "" {
		t.Fatalf("PlayerRoom(a) = %q after removal", id)
	}
	r, err = s.Update(c, "r1", func(r *rooms.Room) error { r.Players = nil; return nil })
	if err != nil || len(r.Players) != 0 {
		t.Fatalf("Update emptying = %+v, %v", r, err)
	}
	if _, err := s.Get(c, "r1"); !errors.Is(err, rooms.ErrRoomNotFound) {
		t.Fatalf("emptied room still there: %v", err)
	}
	if _, err := s.Update(c, "r1", func(*rooms.Room) error { return nil }); !errors.Is(err, rooms.ErrRoomNotFound) {
		t.Fatalf("Update of deleted room: %v", err)
	}
	l, _ := s.List(c)
	if len(l) != 2 || l[0].ID != "r0" || l[1].ID != "r3" {
		t.Fatalf("List = %+v", l)
	}
	s.AddSettled(c, 2)
	s.AddSettled(c, 3)
	if n, _ := s.Settled(c); n != 5 {
		t.Fatalf("Settled = %d", n)
	}
	cancelled, cancel := context.WithCancel(c)
	cancel()
	if _, err := s.Get(cancelled, "r0"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Get with cancelled context: %v", err)
	}
}
