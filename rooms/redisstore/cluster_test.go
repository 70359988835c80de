package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/rpsio/rpsio/game"
	"github.com/rpsio/rpsio/game/rps"
	"github.com/rpsio/rpsio/internal/redistest"
	"github.com/rpsio/rpsio/rooms"
	"github.com/rpsio/rpsio/rooms/redisstore"
	"github.com/rpsio/rpsio/rooms/roomstest"
)

// TestManagersShareRedis: three Managers (nodes) share a Redis store on
// the system clock; players in many rooms act through random nodes,
// timing their choices around the deadlines, so that last choices, the
// nodes' timers and their sweeps race for every round; one node stops
// halfway without a goodbye. Every round of every room is settled exactly
// once and started exactly once, counted over every node's events.
func TestManagersShareRedis(t *testing.T) {
	rs := redistest.Start(t)
	const (
		nRooms   = 12
		rounds   = 12
		roundDur = 60 * time.Millisecond
		gap      = 15 * time.Millisecond
	)
	rules, err := rps.New(rps.Config{RoundDuration: roundDur, RoundGap: gap})
	if err != nil {
		t.Fatal(err)
	}
	var nodes []*rooms.Manager
	var recs []*roomstest.Recorder
	var stores []*redisstore.Store
	for range 3 {
		s := newStore(t, rs, redisstore.Options{Prefix: "race"})
		stores = append(stores, s)
		rec := roomstest.NewRecorder()
		m, err := rooms.New(rooms.Options{Games: []game.Rules{rules}, Store: s, Notifier: rec,
			SweepInterval: 20 * time.Millisecond}) // no delay: sweeps race the timers too
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Shutdown(context.Background()) })
		nodes, recs = append(nodes, m), append(recs, rec)
	}
	var live sync.RWMutex // held for reading while a node is used
	alive := []*rooms.Manager{nodes[0], nodes[1], nodes[2]}
	pick := func() *rooms.Manager {
		live.RLock()
		defer live.RUnlock()
		return alive[rand.IntN(len(alive))]
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// Seat the players through random nodes.
	for i := range nRooms {
		for _, p := range []string{"a", "b"} {
			if _, err := pick().Join(ctx, rps.Name, fmt.Sprint(p, i), "", rooms.JoinOptions{Size: 2}); err != nil {
				t.Fatal(err)
			}
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, nRooms)
	for i := range nRooms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, b := fmt.Sprint("a", i), fmt.Sprint("b", i)
			acted := 0
			for acted < rounds {
				st, err := pick().Status(ctx, rps.Name, a)
				if err != nil {
					errs <- err
					return
				}
				var open *rps.StartEvent
				for _, ev := range st.CatchUp {
					if ev.Name == rps.EventStart {
						s := ev.Data.(rps.StartEvent)
						open = &s
					}
				}
				if open == nil || open.Round <= acted {
					time.Sleep(2 * time.Millisecond)
					continue
				}
				acted = open.Round
				// Choose around the deadline: before, at, or just after it.
				at := time.UnixMilli(open.Deadline).Add(time.Duration(rand.IntN(6000)-4000) * time.Microsecond)
				time.Sleep(time.Until(at))
				for _, p := range []string{a, b} {
					if rand.IntN(3) == 0 {
						continue
					}
					err := pick().Act(ctx, rps.Name, p, rps.Choose(open.Round, "rock"))
					if err != nil && !errors.Is(err, rps.ErrRoundClosed) && !errors.Is(err, rps.ErrAlreadyChosen) {
						errs <- fmt.Errorf("%s: %w", p, err)
						return
					}
				}
				if i == 0 && acted == rounds/2 {
					// Node 3 stops, without a goodbye (its timers die with it).
					live.Lock()
					alive = alive[:2]
					live.Unlock()
					if err := nodes[2].Shutdown(ctx); err != nil {
						errs <- err
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// Let the last rounds be settled.
	time.Sleep(roundDur + 500*time.Millisecond)
	for _, m := range nodes[:2] {
		if err := m.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
	}
	type key struct {
		room  string
		round int
	}
	results, starts := map[key]int{}, map[key]int{}
	byNode := make([]int, 3)
	for n, rec := range recs {
		for _, ev := range rec.Events() {
			switch ev.Name {
			case rps.EventResult:
				results[key{ev.RoomID, ev.Data.(rps.ResultEvent).Round}]++
				byNode[n]++
			case rps.EventStart:
				starts[key{ev.RoomID, ev.Data.(rps.StartEvent).Round}]++
			}
		}
	}
	perRoom := map[string]int{}
	for k, n := range results {
		if n != 1 {
			t.Errorf("room %s round %d: %d results", k.room, k.round, n)
		}
		if starts[k] != 1 {
			t.Errorf("room %s round %d: %d starts", k.room, k.round, starts[k])
		}
		perRoom[k.room] = max(perRoom[k.room], k.round)
	}
	if len(perRoom) != nRooms {
		t.Fatalf("results in %d rooms, want %d", len(perRoom), nRooms)
	}
	total := 0
	for room, last := range perRoom {
		if last < rounds {
			t.Errorf("room %s: last round settled %d, want >= %d", room, last, rounds)
		}
		for r := 1; r <= last; r++ {
			if results[key{room, r}] != 1 {
				t.Errorf("room %s: round %d settled %d times", room, r, results[key{room, r}])
			}
		}
		total += last
	}
	// The counter moved with each settlement, in the same commit.
	if n, err := stores[0].Settled(ctx); err != nil || n != int64(len(results)) {
		t.Errorf("Settled = %d, %v; %d rounds settled", n, err, len(results))
	}
	t.Logf("%d rounds settled exactly once across %d rooms; results published by node: %v", total, nRooms, byNode)
}

// TestConcurrentJoinsAcrossNodes: players pressing join at the same moment
// on different nodes meet: 2n players joining rooms of 2 at once through
// two Managers end up in exactly n full rooms.
func TestConcurrentJoinsAcrossNodes(t *testing.T) {
	rs := redistest.Start(t)
	rules, err := rps.New(rps.Config{RoundDuration: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	var nodes []*rooms.Manager
	for range 2 {
		m, err := rooms.New(rooms.Options{Games: []game.Rules{rules}, Store: newStore(t, rs, redisstore.Options{Prefix: "joins"})})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Shutdown(context.Background()) })
		nodes = append(nodes, m)
	}
	const pairs = 20
	for round := range 5 {
		var wg sync.WaitGroup
		errs := make(chan error, 2*pairs)
		start := make(chan struct{})
		for i := range 2 * pairs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if _, err := nodes[i%2].Join(ctx(t), rps.Name, fmt.Sprint(round, "-", i), "", rooms.JoinOptions{Size: 2}); err != nil {
					errs <- err
				}
			}()
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		l, err := nodes[0].List(ctx(t), rps.Name)
		if err != nil {
			t.Fatal(err)
		}
		full := 0
		for _, r := range l {
			if r.Players == 2 {
				full++
			} else {
				t.Errorf("round %d: room %s has %d players", round, r.ID, r.Players)
			}
		}
		if full != pairs*(round+1) {
			t.Fatalf("round %d: %d full rooms, want %d", round, full, pairs*(round+1))
		}
	}
}
