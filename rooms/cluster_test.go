package rooms_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/rpsio/rpsio/game/rps"
	"github.com/rpsio/rpsio/rooms"
	"github.com/rpsio/rpsio/rooms/roomstest"
)

// claimingStore is a MemoryStore that is a rooms.Claimer, counting claims.
type claimingStore struct {
	*rooms.MemoryStore
	clock *roomstest.Clock

	mu     sync.Mutex
	until  map[string]time.Time
	claims int
}

func (s *claimingStore) Claim(ctx context.Context, id string, ttl time.Duration) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	if now.Before(s.until[id]) {
		return false, nil
	}
	s.until[id] = now.Add(ttl)
	s.claims++
	return true, nil
}

// node is one Manager of several sharing a store and a clock.
func newNode(t *testing.T, store rooms.Store, clock *roomstest.Clock, rec *roomstest.Recorder, sweep, delay time.Duration) *rooms.Manager {
	t.Helper()
	m, err := rooms.New(rooms.Options{Games: games(t, rps.Config{RoundDuration: roundDur, RoundGap: gap}), Store: store, Notifier: rec,
		Clock: clock, ReconnectGrace: grace, SweepInterval: sweep, SweepDelay: delay})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown(context.Background()) })
	return m
}

// TestSweepDelayAndClaims: a node that did not change a room leaves it to
// the node that did for SweepDelay; when that node is gone, the room is
// woken by exactly one of the sweeping nodes within SweepDelay +
// SweepInterval of its due time.
func TestSweepDelayAndClaims(t *testing.T) {
	clock := roomstest.NewClock(time.Time{})
	store := &claimingStore{MemoryStore: rooms.NewMemoryStore(), clock: clock, until: map[string]time.Time{}}
	rec := roomstest.NewRecorder()
	const sweep, delay = 500 * time.Millisecond, 500 * time.Millisecond
	a := newNode(t, store, clock, rec, sweep, delay)
	e := &env{t: t, m: a, clock: clock, rec: rec, seqs: map[string]uint64{}}
	id, start := e.fill("p", "q")
	b := newNode(t, store, clock, rec, sweep, delay)
	c := newNode(t, store, clock, rec, sweep, delay)
	_, _ = b, c

	// a is alive: it settles at the deadline; b and c, sweeping all along,
	// leave the room alone.
	e.clock.Advance(roundDur)
	if res := e.nextResult(id); res.Round != start.Round {
		t.Fatalf("result %+v", res)
	}
	e.nextRoom(id)
	e.clock.Advance(time.Second)
	e.quiet()
	if store.claims != 0 {
		t.Fatalf("%d claims while the room's node lived", store.claims)
	}
	// a dies (its timers with it). The next round starts within delay +
	// sweep of its time, once.
	if err := a.Shutdown(ctx(t)); err != nil {
		t.Fatal(err)
	}
	next := time.UnixMilli(start.Deadline).Add(gap)
	clock.Advance(next.Sub(clock.Now()) + delay - time.Millisecond)
	e.quiet()
	clock.Advance(sweep + time.Millisecond)
	st := e.nextStart(id)
	if st.Round != 2 {
		t.Fatalf("start %+v", st)
	}
	if store.claims != 1 {
		t.Fatalf("%d claims, want 1", store.claims)
	}
	// The sweeping node that woke it now holds its timer: the deadline is
	// met on time, by it.
	clock.Advance(time.UnixMilli(st.Deadline).Sub(clock.Now()))
	e.nextResult(id)
	e.nextRoom(id)
	e.quiet()
	if store.claims != 1 {
		t.Fatalf("%d claims, want 1", store.claims)
	}
}

// TestTwoNodesOneRoom: players act through different nodes; every round is
// settled once, whichever node's timer or choice gets there.
func TestTwoNodesOneRoom(t *testing.T) {
	clock := roomstest.NewClock(time.Time{})
	store := rooms.NewMemoryStore()
	rec := roomstest.NewRecorder()
	a := newNode(t, store, clock, rec, 500*time.Millisecond, 500*time.Millisecond)
	b := newNode(t, store, clock, rec, 500*time.Millisecond, 500*time.Millisecond)
	c := context.Background()
	st, err := a.Join(c, rps.Name, "p", "", rooms.JoinOptions{Size: 2})
	if err != nil {
		t.Fatal(err)
	}
	if st2, err := b.Join(c, rps.Name, "q", "", rooms.JoinOptions{Size: 2}); err != nil || st2.RoomID != st.RoomID {
		t.Fatalf("q joined %+v, %v", st2, err)
	}
	const rounds = 20
	for r := 1; r <= rounds; r++ {
		st, err := b.Status(c, rps.Name, "p")
		if err != nil {
			t.Fatal(err)
		}
		open := round(st)
		if open == nil || open.Round != r {
			t.Fatalf("round %d: open round %+v", r, open)
		}
		switch r % 3 {
		case 0: // both choose, on different nodes: early settlement
			if err := a.Act(c, rps.Name, "p", rps.Choose(r, "rock")); err != nil {
				t.Fatal(err)
			}
			if err := b.Act(c, rps.Name, "q", rps.Choose(r, "paper")); err != nil {
				t.Fatal(err)
			}
			clock.Advance(gap)
		case 1: // one choice through b, deadline
			if err := b.Act(c, rps.Name, "q", rps.Choose(r, "rock")); err != nil {
				t.Fatal(err)
			}
			clock.Advance(time.UnixMilli(open.Deadline).Sub(clock.Now()) + gap)
		default:
			clock.Advance(time.UnixMilli(open.Deadline).Sub(clock.Now()) + gap)
		}
	}
	results := map[int]int{}
	starts := map[int]int{}
	for _, ev := range rec.Events() {
		switch ev.Name {
		case rps.EventResult:
			results[ev.Data.(rps.ResultEvent).Round]++
		case rps.EventStart:
			starts[ev.Data.(rps.StartEvent).Round]++
		}
	}
	for r := 1; r <= rounds; r++ {
		if results[r] != 1 || starts[r] != 1 {
			t.Fatalf("round %d: %d results, %d starts", r, results[r], starts[r])
		}
	}
}

// TestPresent: Present marks a disconnected player connected, without a
// catch-up; an unknown player is not in a room.
func TestPresent(t *testing.T) {
	e := newEnv(t)
	id, _ := e.fill("a", "b")
	if err := e.m.Disconnect(ctx(t), rps.Name, "a"); err != nil {
		t.Fatal(err)
	}
	if v := e.nextRoom(id); v.Players[0].Connected {
		t.Fatal("a still connected")
	}
	if err := e.m.Present(ctx(t), rps.Name, "a"); err != nil {
		t.Fatal(err)
	}
	if v := e.nextRoom(id); !v.Players[0].Connected {
		t.Fatal("a not connected")
	}
	if err := e.m.Present(ctx(t), rps.Name, "a"); err != nil { // already: nothing
		t.Fatal(err)
	}
	e.quiet()
	wantCode(t, e.m.Present(ctx(t), rps.Name, "zz"), rooms.ErrNotInRoom, "not_in_room")
	wantCode(t, e.m.Present(ctx(t), "chess", "a"), rooms.ErrBadRequest, "bad_request")
}

// TestRuntimesCollected: a node forgets the rooms that another node
// deleted (it is not told) once it has nothing armed or queued for them.
func TestRuntimesCollected(t *testing.T) {
	clock := roomstest.NewClock(time.Time{})
	store := rooms.NewMemoryStore()
	rec := roomstest.NewRecorder()
	a := newNode(t, store, clock, rec, 500*time.Millisecond, 500*time.Millisecond)
	b := newNode(t, store, clock, rec, 500*time.Millisecond, 500*time.Millisecond)
	c := context.Background()
	for i := range 10 {
		p, q := fmt.Sprint("p", i), fmt.Sprint("q", i)
		if _, err := a.Join(c, rps.Name, p, "", rooms.JoinOptions{Size: 2}); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Join(c, rps.Name, q, "", rooms.JoinOptions{Size: 2}); err != nil {
			t.Fatal(err)
		}
		for _, player := range []string{p, q} {
			if err := b.Leave(c, rps.Name, player); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n := a.RuntimesForTest(); n != 10 {
		t.Fatalf("a keeps %d runtimes before collecting, want 10", n)
	}
	clock.Advance(time.Second) // a sweep, then the collection
	if n := a.RuntimesForTest(); n != 0 {
		t.Fatalf("a keeps %d runtimes of deleted rooms", n)
	}
	if n := b.RuntimesForTest(); n != 0 {
		t.Fatalf("b keeps %d runtimes", n)
	}
	// A room still playing keeps its timer's runtime on the node that
	// armed it, and works after the others were collected.
	if _, err := a.Join(c, rps.Name, "x", "", rooms.JoinOptions{Size: 2}); err != nil {
		t.Fatal(err)
	}
	st, err := b.Join(c, rps.Name, "y", "", rooms.JoinOptions{Size: 2})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second)
	if a.RuntimesForTest() != 0 || b.RuntimesForTest() != 1 {
		t.Fatalf("runtimes a %d, b %d", a.RuntimesForTest(), b.RuntimesForTest())
	}
	if err := a.Act(c, rps.Name, "x", rps.Choose(1, "rock")); err != nil {
		t.Fatal(err)
	}
	if err := b.Act(c, rps.Name, "y", rps.Choose(1, "rock")); err != nil {
		t.Fatal(err)
	}
	results := 0
	for _, ev := range rec.Events() {
		if ev.Name == rps.EventResult && ev.RoomID == st.RoomID {
			results++
		}
	}
	if results != 1 {
		t.Fatalf("%d results", results)
	}
}
