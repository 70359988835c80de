package redisstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rpsio/rpsio/game"
	"github.com/rpsio/rpsio/game/rps"
	"github.com/rpsio/rpsio/internal/redistest"
	"github.com/rpsio/rpsio/rooms"
	"github.com/rpsio/rpsio/rooms/redisstore"
	"github.com/rpsio/rpsio/rooms/roomstest"
)

// newRoom is a new waiting room of size seats holding player alone, as
// the Manager makes it for Match.
func newRoom(id string, size int, player, name string) *rooms.Room {
	return &rooms.Room{ID: id, Game: "rps", Size: size, Phase: rooms.Waiting, Version: 1, Created: time.Now(),
		State: json.RawMessage(`{}`), Players: []rooms.Seat{{PlayerID: player, Name: name, Connected: true}}}
}

// checkCounts fails unless the store's counters equal a scan of its rooms.
func checkCounts(t *testing.T, s *redisstore.Store) rooms.Counts {
	t.Helper()
	got, err := s.Counts(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	rs, err := s.List(ctx(t), "")
	if err != nil {
		t.Fatal(err)
	}
	var want rooms.Counts
	for _, r := range rs {
		want.Rooms++
		want.Players += len(r.Players)
		switch r.Phase {
		case rooms.Waiting:
			want.Waiting++
		case rooms.Playing:
			want.Playing++
		default:
			want.Over++
		}
	}
	if got != want {
		t.Fatalf("counters %+v, a scan of the rooms %+v", got, want)
	}
	return got
}

// TestMatch: the first player opens a room, the next ones take its seats
// in order, the last seat says full (and lists the room as due), then the
// next player opens another room; a seated player is refused with
// ErrPlayerSeated and nothing changes.
func TestMatch(t *testing.T) {
	rs := redistest.Start(t)
	s := newStore(t, rs, redisstore.Options{})
	r, created, full, err := s.Match(ctx(t), rooms.Seat{PlayerID: "a", Name: "A", Connected: true}, newRoom("r1", 3, "a", "A"))
	if err != nil || !created || full || r.ID != "r1" || r.Version != 1 {
		t.Fatalf("first: %+v created %v full %v, %v", r, created, full, err)
	}
	for i, p := range []string{"b", "c"} {
		r, created, full, err = s.Match(ctx(t), rooms.Seat{PlayerID: p, Name: p, Connected: true}, newRoom("x"+p, 3, p, p))
		if err != nil || created || full != (i == 1) || r.ID != "r1" || r.Version != uint64(i+2) || len(r.Players) != i+2 || r.Players[i+1].PlayerID != p {
			t.Fatalf("%s: %+v created %v full %v, %v", p, r, created, full, err)
		}
	}
	if got, _ := s.Get(ctx(t), "r1"); got.Phase != rooms.Waiting || len(got.Players) != 3 || got.Joinable() {
		t.Fatalf("stored %+v", got)
	}
	if ids, _ := s.Due(ctx(t), time.Now().Add(time.Second), 0); !slices.Equal(ids, []string{"r1"}) {
		t.Fatalf("due %v: the full room must be due so that someone starts it", ids)
	}
	if ids, _ := s.Waiting(ctx(t), "rps", 3); len(ids) != 0 {
		t.Fatalf("waiting %v", ids)
	}
	if _, _, _, err := s.Match(ctx(t), rooms.Seat{PlayerID: "b", Connected: true}, newRoom("y", 3, "b", "")); !errors.Is(err, rooms.ErrPlayerSeated) {
		t.Fatalf("a seated player matched: %v", err)
	}
	r, created, _, err = s.Match(ctx(t), rooms.Seat{PlayerID: "d", Connected: true}, newRoom("r2", 3, "d", ""))
	if err != nil || !created || r.ID != "r2" {
		t.Fatalf("after a full room: %+v %v %v", r, created, err)
	}
	if ids, _ := s.Waiting(ctx(t), "rps", 3); !slices.Equal(ids, []string{"r2"}) {
		t.Fatalf("waiting %v", ids)
	}
	if c := checkCounts(t, s); c != (rooms.Counts{Rooms: 2, Waiting: 2, Players: 4}) {
		t.Fatalf("counts %+v", c)
	}
}

// TestMatchSplice: the script splices the seat into the stored JSON. Names
// that look like the JSON around the seats, and a game state holding keys
// named like the room's, come out as they went in.
func TestMatchSplice(t *testing.T) {
	rs := redistest.Start(t)
	s := newStore(t, rs, redisstore.Options{})
	names := []string{`"],"state":{}`, `,"connected":true,"version":9,"created":"`, `\`, `\"`, `<&>`, "ünï\u2028", `],"state":`}
	first := newRoom("r", len(names)+1, "p0", `{"phase":"waiting","players":[`)
	first.State = json.RawMessage(`{"players":[{"connected":true}],"version":7,"created":"x","a":"],\"state\":"}`)
	if _, created, _, err := s.Match(ctx(t), first.Players[0], first); err != nil || !created {
		t.Fatal(created, err)
	}
	want := first.Clone()
	for i, n := range names {
		seat := rooms.Seat{PlayerID: fmt.Sprint("p", i+1), Name: n, Connected: true}
		r, created, full, err := s.Match(ctx(t), seat, newRoom(fmt.Sprint("x", i), len(names)+1, seat.PlayerID, n))
		if err != nil || created || full != (i == len(names)-1) {
			t.Fatalf("%q: created %v full %v, %v", n, created, full, err)
		}
		want.Players = append(want.Players, seat)
		want.Version++
		got, err := s.Get(ctx(t), "r")
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got.Players, want.Players) || got.Version != want.Version || string(got.State) != string(want.State) ||
			!got.Created.Equal(want.Created) || got.Phase != rooms.Waiting || got.Size != want.Size {
			t.Fatalf("after %q:\n got %+v\nwant %+v", n, got, want)
		}
		if r.Version != got.Version || !slices.Equal(r.Players, got.Players) {
			t.Fatalf("returned %+v, stored %+v", r, got)
		}
	}
}

// TestMatchSkipsBrokenEntries: a waiting entry whose room is gone, or does
// not look like a waiting room, is dropped from the waiting index and the
// next room (or a new one) takes the player.
func TestMatchSkipsBrokenEntries(t *testing.T) {
	rs := redistest.Start(t)
	c := newClient(t, rs)
	s := newStore(t, rs, redisstore.Options{Prefix: "broken"})
	for i, score := range []float64{1, 2} {
		if err := c.ZAdd(ctx(t), "{broken}:waiting:rps:2", redisZ(score, fmt.Sprint("bad", i))).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Set(ctx(t), "{broken}:room:bad1", `{"id":"bad1","phase":"playing"}`, 0).Err(); err != nil {
		t.Fatal(err)
	}
	r, created, _, err := s.Match(ctx(t), rooms.Seat{PlayerID: "a", Connected: true}, newRoom("good", 2, "a", ""))
	if err != nil || !created || r.ID != "good" {
		t.Fatalf("%+v %v %v", r, created, err)
	}
	if ids, _ := s.Waiting(ctx(t), "rps", 2); !slices.Equal(ids, []string{"good"}) {
		t.Fatalf("waiting %v", ids)
	}
}

// TestJoinBurstAcrossNodes: a burst of joins, all at once, through two
// Managers (nodes) on one Redis, rooms of 2 and of 3: every join is
// answered ok, every player is seated exactly once, every room but the
// last of each size is full and started exactly once, and the counters
// equal a scan of the rooms.
func TestJoinBurstAcrossNodes(t *testing.T) {
	rs := redistest.Start(t)
	rules, err := rps.New(rps.Config{RoundDuration: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	var nodes []*rooms.Manager
	var recs []*roomstest.Recorder
	var stores []*redisstore.Store
	for range 2 {
		s := newStore(t, rs, redisstore.Options{Prefix: "burst"})
		rec := roomstest.NewRecorder()
		m, err := rooms.New(rooms.Options{Games: []game.Rules{rules}, Store: s, Notifier: rec})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Shutdown(context.Background()) })
		nodes, recs, stores = append(nodes, m), append(recs, rec), append(stores, s)
	}
	const players = 400
	sizes := map[string]int{}
	var wg sync.WaitGroup
	var mu sync.Mutex
	errs := make(chan error, players)
	start := make(chan struct{})
	for i := range players {
		p, size := fmt.Sprint("p", i), 2+rand.IntN(2)
		sizes[p] = size
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			st, err := nodes[i%2].Join(ctx(t), rps.Name, p, "", rooms.JoinOptions{Size: size})
			if err != nil {
				errs <- fmt.Errorf("%s: %w", p, err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if st.RoomID == "" {
				errs <- fmt.Errorf("%s: no room", p)
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	list, err := stores[0].List(ctx(t), rps.Name)
	if err != nil {
		t.Fatal(err)
	}
	seated := map[string]string{}
	notFull := map[int]int{}
	for _, r := range list {
		for _, s := range r.Players {
			if prev, ok := seated[s.PlayerID]; ok {
				t.Errorf("%s seated in %s and %s", s.PlayerID, prev, r.ID)
			}
			seated[s.PlayerID] = r.ID
			if sizes[s.PlayerID] != r.Size {
				t.Errorf("%s asked for %d seats, sits in a room of %d", s.PlayerID, sizes[s.PlayerID], r.Size)
			}
			if id, _ := stores[1].PlayerRoom(ctx(t), rps.Name, s.PlayerID); id != r.ID {
				t.Errorf("%s: index says %q, room %s seats them", s.PlayerID, id, r.ID)
			}
		}
		if len(r.Players) < r.Size {
			notFull[r.Size]++
			if r.Phase != rooms.Waiting {
				t.Errorf("room %s: %d of %d seats, %s", r.ID, len(r.Players), r.Size, r.Phase)
			}
		} else if r.Phase != rooms.Playing {
			t.Errorf("room %s full but %s", r.ID, r.Phase)
		}
	}
	if len(seated) != players {
		t.Fatalf("%d players seated, want %d", len(seated), players)
	}
	for size, n := range notFull {
		if n > 1 {
			t.Errorf("%d rooms of %d wait with free seats: joins at the same moment did not meet", n, size)
		}
	}
	starts := map[string]int{}
	for _, rec := range recs {
		for _, ev := range rec.Events() {
			if ev.Name == rps.EventStart && ev.Data.(rps.StartEvent).Round == 1 {
				starts[ev.RoomID]++
			}
		}
	}
	for _, r := range list {
		if want := map[bool]int{true: 1, false: 0}[len(r.Players) == r.Size]; starts[r.ID] != want {
			t.Errorf("room %s (%d of %d seats): round 1 started %d times", r.ID, len(r.Players), r.Size, starts[r.ID])
		}
	}
	checkCounts(t, stores[0])
	st, err := nodes[1].Stats(ctx(t))
	if err != nil || st.Players != players || st.Rooms != len(list) {
		t.Fatalf("stats %+v, %v; %d rooms", st, err, len(list))
	}
	// Everyone leaves: the counters come back to zero.
	for p := range seated {
		if err := nodes[rand.IntN(2)].Leave(ctx(t), rps.Name, p); err != nil {
			t.Fatal(err)
		}
	}
	if c := checkCounts(t, stores[1]); c != (rooms.Counts{}) {
		t.Fatalf("counts after everyone left: %+v", c)
	}
}

func redisZ(score float64, member string) goredis.Z { return goredis.Z{Score: score, Member: member} }

// TestStaleSeatHint: a node that saw a player in a room, after the player
// left it and sat elsewhere through another node, finds them there: its
// calls for them reach the new room.
func TestStaleSeatHint(t *testing.T) {
	rs := redistest.Start(t)
	rules, err := rps.New(rps.Config{RoundDuration: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	var nodes []*rooms.Manager
	for range 2 {
		m, err := rooms.New(rooms.Options{Games: []game.Rules{rules}, Store: newStore(t, rs, redisstore.Options{Prefix: "hint"})})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Shutdown(context.Background()) })
		nodes = append(nodes, m)
	}
	first, err := nodes[0].Join(ctx(t), rps.Name, "a", "", rooms.JoinOptions{Size: 2})
	if err != nil {
		t.Fatal(err)
	}
	if err := nodes[0].Disconnect(ctx(t), rps.Name, "a"); err != nil { // node 0 saw a in the first room
		t.Fatal(err)
	}
	if err := nodes[1].Leave(ctx(t), rps.Name, "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := nodes[1].Join(ctx(t), rps.Name, "x", "", rooms.JoinOptions{Size: 3}); err != nil {
		t.Fatal(err)
	}
	second, err := nodes[1].Join(ctx(t), rps.Name, "a", "", rooms.JoinOptions{Size: 3})
	if err != nil || second.RoomID == first.RoomID {
		t.Fatalf("%+v %v", second, err)
	}
	if err := nodes[0].Disconnect(ctx(t), rps.Name, "a"); err != nil {
		t.Fatal(err)
	}
	r, err := nodes[1].Room(ctx(t), second.RoomID)
	if err != nil || r.Players[r.Seat("a")].Connected {
		t.Fatalf("node 0's disconnect did not reach a's new room: %+v %v", r, err)
	}
	if err := nodes[0].Leave(ctx(t), rps.Name, "a"); err != nil {
		t.Fatal(err)
	}
	if err := nodes[0].Leave(ctx(t), rps.Name, "a"); !errors.Is(err, rooms.ErrNotInRoom) {
		t.Fatalf("leave twice: %v", err)
	}
}
