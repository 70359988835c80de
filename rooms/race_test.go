package rooms_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rpsio/rpsio/game"
	"github.com/rpsio/rpsio/game/gold"
	"github.com/rpsio/rpsio/game/rps"
	"github.com/rpsio/rpsio/rooms"
	"github.com/rpsio/rpsio/rooms/roomstest"
)

// checkOnce checks that a room's round 1 was settled exactly once, and
// consistently with the outcome of b's racing choice.
func checkOnce(t *testing.T, i int, rec *roomstest.Recorder, chooseErr error) {
	t.Helper()
	var results []rps.ResultEvent
	chosen := 0
	for _, ev := range rec.Events() {
		switch ev.Name {
		case rps.EventResult:
			results = append(results, ev.Data.(rps.ResultEvent))
		case rps.EventChosen:
			chosen++
		}
	}
	if len(results) != 1 {
		t.Fatalf("iteration %d: %d results, want exactly 1", i, len(results))
	}
	r := results[0]
	switch {
	case chooseErr == nil:
		if r.Moves["b"] != rps.Paper || chosen != 2 {
			t.Fatalf("iteration %d: b's choice accepted, but result %+v (%d chosen)", i, r, chosen)
		}
	case errors.Is(chooseErr, rps.ErrRoundClosed):
		if r.Moves["b"] != rps.None || chosen != 1 {
			t.Fatalf("iteration %d: b's choice refused, but result %+v (%d chosen)", i, r, chosen)
		}
	default:
		t.Fatalf("iteration %d: Choose: %v", i, chooseErr)
	}
}

// TestSettleExactlyOnceFakeClock races the last choice against the deadline,
// the deadline being fired by another goroutine advancing a fake clock.
func TestSettleExactlyOnceFakeClock(t *testing.T) {
	n := 500
	if testing.Short() {
		n = 50
	}
	outcomes := map[bool]int{}
	for i := range n {
		clock := roomstest.NewClock(time.Time{})
		rec := roomstest.NewRecorder()
		m, err := rooms.New(rooms.Options{Games: games(t, rps.Config{}), Notifier: rec, Clock: clock})
		if err != nil {
			t.Fatal(err)
		}
		c := context.Background()
		m.Join(c, rps.Name, "a", "", rooms.JoinOptions{Size: 2})
		m.Join(c, rps.Name, "b", "", rooms.JoinOptions{Size: 2})
		if err := m.Act(c, rps.Name, "a", rps.Choose(1, "rock")); err != nil {
			t.Fatal(err)
		}
		clock.Advance(rps.DefaultRoundDuration - time.Millisecond)
		var wg sync.WaitGroup
		var chooseErr error
		go1 := make(chan struct{})
		wg.Add(2)
		go func() {
			defer wg.Done()
			<-go1
			clock.Advance(time.Millisecond)
		}()
		go func() {
			defer wg.Done()
			<-go1
			chooseErr = m.Act(c, rps.Name, "b", rps.Choose(1, "paper"))
		}()
		close(go1)
		wg.Wait()
		if err := m.Shutdown(c); err != nil {
			t.Fatal(err)
		}
		checkOnce(t, i, rec, chooseErr)
		outcomes[chooseErr == nil]++
	}
	t.Logf("choice won the race %d times, deadline %d times", outcomes[true], outcomes[false])
}

// TestSettleExactlyOnceRealClock does the same with the system clock: the
// last choice is made when the round's 5ms deadline is due.
func TestSettleExactlyOnceRealClock(t *testing.T) {
	n := 300
	if testing.Short() {
		n = 30
	}
	outcomes := map[bool]int{}
	skipped := 0
	for i := range n {
		rec := roomstest.NewRecorder()
		m, err := rooms.New(rooms.Options{Games: games(t, rps.Config{RoundDuration: 5 * time.Millisecond, RoundGap: time.Hour}), Notifier: rec})
		if err != nil {
			t.Fatal(err)
		}
		c := context.Background()
		m.Join(c, rps.Name, "a", "", rooms.JoinOptions{Size: 2})
		st, err := m.Join(c, rps.Name, "b", "", rooms.JoinOptions{Size: 2})
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Act(c, rps.Name, "a", rps.Choose(1, "rock")); err != nil {
			// Too slow a machine for this iteration: a missed the round.
			m.Shutdown(c)
			skipped++
			continue
		}
		// Choose at the deadline, give or take a little (the deadline is
		// truncated to the millisecond, and timers fire a little late).
		deadline := time.UnixMilli(round(st).Deadline).Add(time.Duration(rand.IntN(1500)-1000) * time.Microsecond)
		<-time.After(time.Until(deadline))
		chooseErr := m.Act(c, rps.Name, "b", rps.Choose(1, "paper"))
		// Wait for the result, whoever settles.
		wctx, cancel := context.WithTimeout(c, 5*time.Second)
		for {
			ev, err := rec.Next(wctx)
			if err != nil {
				t.Fatalf("iteration %d: %v", i, err)
			}
			if ev.Name == rps.EventResult {
				break
			}
		}
		cancel()
		if err := m.Shutdown(c); err != nil {
			t.Fatal(err)
		}
		checkOnce(t, i, rec, chooseErr)
		outcomes[chooseErr == nil]++
	}
	t.Logf("choice won the race %d times, deadline %d times, %d skipped", outcomes[true], outcomes[false], skipped)
	if skipped > n/2 {
		t.Fatalf("%d of %d iterations skipped", skipped, n)
	}
}

// TestConcurrentJoins: many players join at once; everyone ends up in exactly
// one room and rooms are filled exactly.
func TestConcurrentJoins(t *testing.T) {
	rec := roomstest.NewRecorder()
	store := rooms.NewMemoryStore()
	m, _ := rooms.New(rooms.Options{Games: games(t, rps.Config{}), Store: store, Notifier: rec, Clock: roomstest.NewClock(time.Time{})})
	defer m.Shutdown(context.Background())
	c := ctx(t)
	const n = 120
	var wg sync.WaitGroup
	got := make([]string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := fmt.Sprint("p", i%(n/2)) // every player joins twice, concurrently
			st, err := m.Join(c, rps.Name, p, "", rooms.JoinOptions{Size: 2 + i%3})
			if err != nil {
				t.Error(err)
				return
			}
			got[i] = st.RoomID
		}()
	}
	wg.Wait()
	for i := range n / 2 {
		if got[i] != got[i+n/2] {
			t.Fatalf("p%d joined twice concurrently: rooms %s and %s", i, got[i], got[i+n/2])
		}
	}
	checkInvariants(t, m, store)
	s, _ := m.Stats(c)
	if s.Players != n/2 {
		t.Fatalf("stats %+v, want %d players", s, n/2)
	}
}

// checkInvariants checks every room of the store and the seat index.
func checkInvariants(t *testing.T, m *rooms.Manager, store *rooms.MemoryStore) {
	t.Helper()
	c := ctx(t)
	rs, err := store.List(c, "")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, r := range rs {
		if len(r.Players) == 0 || len(r.Players) > r.Size {
			t.Fatalf("room %s has %d players, size %d", r.ID, len(r.Players), r.Size)
		}
		if (r.Phase == rooms.Playing) != (len(r.Players) == r.Size) {
			t.Fatalf("room %s is %v with %d/%d players", r.ID, r.Phase, len(r.Players), r.Size)
		}
		gs, err := m.Rules(rps.Name).Decode(r.State)
		if err != nil {
			t.Fatal(err)
		}
		st := gs.(*rps.State)
		if st.Open && r.Phase != rooms.Playing {
			t.Fatalf("room %s: open round while waiting", r.ID)
		}
		if r.Phase == rooms.Playing && len(st.Players) != len(r.Players) {
			t.Fatalf("room %s: %d standings for %d players", r.ID, len(st.Players), len(r.Players))
		}
		if !r.WakeAt.IsZero() != (r.Phase == rooms.Playing || slices.ContainsFunc(r.Players, func(s rooms.Seat) bool { return !s.Connected })) {
			t.Fatalf("room %s: %v with wakeAt %v", r.ID, r.Phase, r.WakeAt)
		}
		for _, p := range r.Players {
			if other, dup := seen[p.PlayerID]; dup {
				t.Fatalf("player %s seated in %s and %s", p.PlayerID, other, r.ID)
			}
			seen[p.PlayerID] = r.ID
			if id, _ := store.PlayerRoom(c, rps.Name, p.PlayerID); id != r.ID {
				t.Fatalf("index has %s in %q, room %s has them", p.PlayerID, id, r.ID)
			}
		}
	}
}

// TestStress plays many rooms at once on the system clock with short rounds:
// players join, choose, disconnect, reconnect and leave at random. Every round
// must be settled at most once, and the store must stay consistent.
func TestStress(t *testing.T) {
	dur := 300 * time.Millisecond
	if testing.Short() {
		dur = 100 * time.Millisecond
	}
	var mu sync.Mutex
	results := map[string]int{}
	n := rooms.NotifierFunc(func(_ context.Context, ev rooms.Event) {
		if ev.Name == rps.EventResult {
			r := ev.Data.(rps.ResultEvent)
			mu.Lock()
			results[fmt.Sprint(r.RoomID, "/", r.Round)]++
			mu.Unlock()
		}
	})
	store := rooms.NewMemoryStore()
	m, _ := rooms.New(rooms.Options{Games: games(t, rps.Config{RoundDuration: 3 * time.Millisecond, RoundGap: time.Millisecond}), Store: store, Notifier: n, ReconnectGrace: 5 * time.Millisecond})
	c := ctx(t)
	stop := time.Now().Add(dur)
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 1))
			for time.Now().Before(stop) {
				p := fmt.Sprint("p", r.IntN(40))
				var err error
				switch k := r.IntN(10); {
				case k < 3:
					_, err = m.Join(c, rps.Name, p, "", rooms.JoinOptions{Size: 2 + r.IntN(3)})
				case k < 7:
					var st *rooms.Status
					if st, err = m.Status(c, rps.Name, p); err == nil && round(st) != nil {
						err = m.Act(c, rps.Name, p, rps.Choose(round(st).Round, []string{"rock", "paper", "scissors"}[r.IntN(3)]))
					}
				case k < 8:
					err = m.Disconnect(c, rps.Name, p)
				case k < 9:
					_, err = m.Reconnect(c, rps.Name, p)
				default:
					err = m.Leave(c, rps.Name, p)
				}
				switch rooms.ErrorCode(err) {
				case "", "not_in_room", "round_closed", "already_chosen":
				default:
					t.Errorf("%s: %v", p, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := m.Shutdown(c); err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, m, store)
	mu.Lock()
	defer mu.Unlock()
	for k, v := range results {
		if v != 1 {
			t.Fatalf("round %s settled %d times", k, v)
		}
	}
	settled, _ := store.Settled(c)
	if int(settled) != len(results) {
		t.Fatalf("store counted %d settlements, notifier saw %d", settled, len(results))
	}
	t.Logf("%d rounds settled", len(results))
}

// TestShutdownLeavesNoGoroutines runs rooms on the system clock, with timers
// armed and firing, then shuts down and checks the goroutine count returns to
// its baseline.
func TestShutdownLeavesNoGoroutines(t *testing.T) {
	baseline := runtime.NumGoroutine()
	rec := roomstest.NewRecorder()
	m, _ := rooms.New(rooms.Options{Games: games(t, rps.Config{RoundDuration: 2 * time.Millisecond, RoundGap: time.Millisecond}), Notifier: rec})
	c := ctx(t)
	for i := range 20 {
		m.Join(c, rps.Name, fmt.Sprint("p", i), "", rooms.JoinOptions{Size: 2})
	}
	m.Disconnect(c, rps.Name, "p0") // a grace timer
	// Let a few rounds run on the timers.
	for results := 0; results < 10; {
		ev, err := rec.Next(c)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Name == rps.EventResult {
			results++
		}
	}
	// A room with long timers, armed but not due.
	m2, _ := rooms.New(rooms.Options{Games: games(t, rps.Config{})})
	m2.Join(c, rps.Name, "x", "", rooms.JoinOptions{Size: 2})
	m2.Join(c, rps.Name, "y", "", rooms.JoinOptions{Size: 2})
	m2.Disconnect(c, rps.Name, "x")

	if err := m.Shutdown(c); err != nil {
		t.Fatal(err)
	}
	if err := m2.Shutdown(c); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Join(c, rps.Name, "late", "", rooms.JoinOptions{Size: 2}); !errors.Is(err, rooms.ErrClosed) {
		t.Fatalf("Join after Shutdown: %v", err)
	}
	if err := m.Shutdown(c); err != nil { // again
		t.Fatal(err)
	}
	n := len(rec.Events())
	// Timer goroutines finish just after their last wg.Done: allow them to
	// exit.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > baseline {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines after Shutdown, baseline %d:\n%s", runtime.NumGoroutine(), baseline, buf[:runtime.Stack(buf, true)])
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
	if len(rec.Events()) != n {
		t.Fatal("events published after Shutdown returned")
	}
}

// TestShutdownTimeout: a notifier stuck past Shutdown's context gets its
// context cancelled, and Shutdown reports the timeout.
func TestShutdownTimeout(t *testing.T) {
	stuck := make(chan struct{})
	n := rooms.NotifierFunc(func(ctx context.Context, ev rooms.Event) {
		if ev.Name == rps.EventStart {
			close(stuck)
			<-ctx.Done()
		}
	})
	m, _ := rooms.New(rooms.Options{Games: games(t, rps.Config{}), Notifier: n, Clock: roomstest.NewClock(time.Time{})})
	c := ctx(t)
	m.Join(c, rps.Name, "a", "", rooms.JoinOptions{Size: 2})
	joined := make(chan struct{})
	go func() { m.Join(c, rps.Name, "b", "", rooms.JoinOptions{Size: 2}); close(joined) }()
	<-stuck
	sctx, cancel := context.WithTimeout(c, 20*time.Millisecond)
	defer cancel()
	if err := m.Shutdown(sctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown = %v, want DeadlineExceeded", err)
	}
	<-joined // the notifier was released
	if err := m.Shutdown(c); err != nil {
		t.Fatal(err)
	}
}

// TestGoldStress plays many gold rooms at once on the system clock with
// short turns: players join, dig, disconnect, reconnect and leave at random.
// Every stored state must stay well formed, every room consistent with its
// phase, and the seat index with the rooms.
func TestGoldStress(t *testing.T) {
	dur := 300 * time.Millisecond
	if testing.Short() {
		dur = 100 * time.Millisecond
	}
	g, err := gold.New(gold.Config{Width: 3, Height: 3, Gold: 3, TurnDuration: 3 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	store := rooms.NewMemoryStore()
	var mu sync.Mutex
	overs := map[string]int{}
	n := rooms.NotifierFunc(func(_ context.Context, ev rooms.Event) {
		if ev.Name == gold.EventOver {
			mu.Lock()
			overs[ev.RoomID]++
			mu.Unlock()
		}
	})
	m, _ := rooms.New(rooms.Options{Games: []game.Rules{g}, Store: store, Notifier: n, ReconnectGrace: 5 * time.Millisecond})
	c := ctx(t)
	stop := time.Now().Add(dur)
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 2))
			for time.Now().Before(stop) {
				p := fmt.Sprint("p", r.IntN(40))
				var err error
				switch k := r.IntN(10); {
				case k < 3:
					_, err = m.Join(c, gold.Name, p, "", rooms.JoinOptions{Size: 2 + r.IntN(3), CatchUp: r.IntN(2) == 0})
				case k < 7:
					err = m.Act(c, gold.Name, p, gold.DigAction(r.IntN(4)-1+r.IntN(2), r.IntN(3)))
				case k < 8:
					err = m.Disconnect(c, gold.Name, p)
				case k < 9:
					_, err = m.Reconnect(c, gold.Name, p)
				default:
					err = m.Leave(c, gold.Name, p)
				}
				switch rooms.ErrorCode(err) {
				case "", "not_in_room", "not_your_turn", "already_open", "out_of_bounds", "game_over":
				default:
					t.Errorf("%s: %v", p, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := m.Shutdown(c); err != nil {
		t.Fatal(err)
	}
	rs, _ := store.List(c, "")
	seen := map[string]bool{}
	for _, r := range rs {
		st, err := g.Decode(r.State)
		if err != nil {
			t.Fatalf("room %s: %v", r.ID, err)
		}
		s := st.(*gold.State)
		if s.Started != (r.Phase != rooms.Waiting) || s.Over != (r.Phase == rooms.Over) {
			t.Fatalf("room %s is %v, state started %v over %v", r.ID, r.Phase, s.Started, s.Over)
		}
		if r.Phase == rooms.Waiting && len(r.Players) >= r.Size {
			t.Fatalf("room %s waits with %d/%d players", r.ID, len(r.Players), r.Size)
		}
		if r.Phase == rooms.Playing && !slices.Equal(s.Order, func() []string {
			var ids []string
			for _, p := range r.Players {
				ids = append(ids, p.PlayerID)
			}
			return ids
		}()) {
			t.Fatalf("room %s: turn order %v, seats %+v", r.ID, s.Order, r.Players)
		}
		for _, p := range r.Players {
			if seen[p.PlayerID] {
				t.Fatalf("player %s seated twice", p.PlayerID)
			}
			seen[p.PlayerID] = true
			if id, _ := store.PlayerRoom(c, gold.Name, p.PlayerID); id != r.ID {
				t.Fatalf("index has %s in %q, room %s has them", p.PlayerID, id, r.ID)
			}
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for id, k := range overs {
		if k != 1 {
			t.Fatalf("room %s ended %d times", id, k)
		}
	}
	t.Logf("%d games over, %d rooms left", len(overs), len(rs))
}
