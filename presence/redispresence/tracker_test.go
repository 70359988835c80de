package redispresence_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rpsio/rpsio/internal/redistest"
	"github.com/rpsio/rpsio/presence"
	"github.com/rpsio/rpsio/presence/presencetest"
	"github.com/rpsio/rpsio/presence/redispresence"
)

// silent drops go-redis's own log (dial failures in the outage tests).
type silent struct{}

func (silent) Printf(context.Context, string, ...any) {}

func init() { goredis.SetLogger(silent{}) }

func newClient(t testing.TB, rs *redistest.Server) *goredis.Client {
	t.Helper()
	c := goredis.NewClient(&goredis.Options{Addr: rs.Addr(), ContextTimeoutEnabled: true, DialTimeout: time.Second})
	t.Cleanup(func() { c.Close() })
	return c
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

var prefixes atomic.Int64

// start runs a tracker, shut down at the end of the test.
func start(t *testing.T, c goredis.UniversalClient, opts redispresence.Options) *redispresence.Tracker {
	t.Helper()
	tr, err := redispresence.New(c, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Run(ctx(t)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Shutdown(context.Background()) })
	return tr
}

func TestConformance(t *testing.T) {
	rs := redistest.Start(t)
	c := newClient(t, rs)
	presencetest.RunTrackerTests(t, func(t *testing.T, conns func() int) presence.Tracker {
		return start(t, c, redispresence.Options{Prefix: fmt.Sprint("t", prefixes.Add(1)), Connections: conns})
	})
}

// events records OnGone and OnBack calls.
type events struct {
	mu   sync.Mutex
	gone []string
	back []string
	ch   chan struct{}
}

func newEvents() *events { return &events{ch: make(chan struct{}, 100)} }

func (e *events) onGone(game, player string) {
	e.mu.Lock()
	e.gone = append(e.gone, game+"/"+player)
	e.mu.Unlock()
	e.ch <- struct{}{}
}

func (e *events) onBack(game, player string) {
	e.mu.Lock()
	e.back = append(e.back, game+"/"+player)
	e.mu.Unlock()
	e.ch <- struct{}{}
}

// wait waits until pred holds, checking at each event, for at most d.
func (e *events) wait(t *testing.T, d time.Duration, what string, pred func(gone, back []string) bool) {
	t.Helper()
	timeout := time.After(d)
	for {
		e.mu.Lock()
		ok := pred(append([]string(nil), e.gone...), append([]string(nil), e.back...))
		g, b := e.gone, e.back
		e.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-e.ch:
		case <-timeout:
			t.Fatalf("%s: not within %v (gone %v, back %v)", what, d, g, b)
		}
	}
}

func online(t *testing.T, tr presence.Tracker, player string) bool {
	t.Helper()
	ok, err := tr.Online(ctx(t), "rps", player)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

// TestNodeDeath: a player with sockets on two nodes stays online while
// either lives; a node that dies without a goodbye is reaped by one live
// node once its lease runs out, and its players that no other node holds
// are reported gone, once.
func TestNodeDeath(t *testing.T) {
	rs := redistest.Start(t)
	c := newClient(t, rs)
	const lease = 300 * time.Millisecond
	ev := newEvents()
	opts := func(id string) redispresence.Options {
		return redispresence.Options{Prefix: "death", NodeID: id, Lease: lease, OnGone: ev.onGone, OnBack: ev.onBack, Connections: func() int { return 5 }}
	}
	a := start(t, c, opts("a"))
	b := start(t, c, opts("b"))
	x, err := redispresence.New(c, opts("x")) // dies: never shut down
	if err != nil {
		t.Fatal(err)
	}
	if err := x.Run(ctx(t)); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		tr      presence.Tracker
		players []string
	}{{a, []string{"both"}}, {x, []string{"both", "only-x", "x2"}}, {b, []string{"b"}}} {
		for _, p := range tt.players {
			if err := tt.tr.Arrive(ctx(t), "rps", p); err != nil {
				t.Fatal(err)
			}
		}
	}
	if st, err := a.Stats(ctx(t)); err != nil || st.Nodes != 3 || st.Connections != 15 {
		t.Fatalf("Stats = %+v, %v", st, err)
	}
	// x dies: its heartbeat stops (Shutdown without a goodbye is not
	// possible, so stop its loop by hand: kill its lease's renewal).
	died := time.Now()
	x.StopHeartbeatForTest()
	ev.wait(t, 5*lease, "x's players gone", func(gone, back []string) bool { return len(gone) == 2 })
	took := time.Since(died)
	ev.mu.Lock()
	gone := fmt.Sprint(ev.gone)
	ev.mu.Unlock()
	if gone != "[rps/only-x rps/x2]" && gone != "[rps/x2 rps/only-x]" {
		t.Fatalf("gone %s", gone)
	}
	t.Logf("reaped %v after the death (lease %v)", took, lease)
	if !online(t, a, "both") || online(t, a, "only-x") || !online(t, a, "b") {
		t.Fatal("presence after the reap")
	}
	if st, err := a.Stats(ctx(t)); err != nil || st.Nodes != 2 || st.Connections != 10 {
		t.Fatalf("Stats = %+v, %v", st, err)
	}
	// Departing the last socket: gone at once.
	if gone, err := a.Depart(ctx(t), "rps", "both"); err != nil || !gone {
		t.Fatalf("Depart = %v, %v", gone, err)
	}
	// A goodbye: b's players are reported by a at its next heartbeat.
	if err := b.Shutdown(ctx(t)); err != nil {
		t.Fatal(err)
	}
	ev.wait(t, 3*lease, "b's player gone", func(gone, back []string) bool { return len(gone) == 3 })
	ev.mu.Lock()
	defer ev.mu.Unlock()
	if ev.gone[2] != "rps/b" || len(ev.back) != 0 {
		t.Fatalf("gone %v back %v", ev.gone, ev.back)
	}
}

// TestOutage: while Redis is down, departures and arrivals are counted
// locally and fail; when it is back (with its data), the node renews its
// lease, reports the departed player gone and the arrived one back, and
// no node is taken for dead.
func TestOutage(t *testing.T) {
	rs := redistest.Start(t)
	c := newClient(t, rs)
	const lease = 300 * time.Millisecond
	evA, evB := newEvents(), newEvents()
	a := start(t, c, redispresence.Options{Prefix: "outage", NodeID: "a", Lease: lease, Timeout: 100 * time.Millisecond, OnGone: evA.onGone, OnBack: evA.onBack})
	b := start(t, c, redispresence.Options{Prefix: "outage", NodeID: "b", Lease: lease, Timeout: 100 * time.Millisecond, OnGone: evB.onGone, OnBack: evB.onBack})
	for _, p := range []string{"p1", "p2"} {
		if err := a.Arrive(ctx(t), "rps", p); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Arrive(ctx(t), "rps", "q"); err != nil {
		t.Fatal(err)
	}
	// Redis goes away, keeping its data (as with persistence).
	if _, err := rs.Do("SHUTDOWN", "SAVE"); err == nil {
		t.Log("SHUTDOWN answered") // it normally closes the connection
	}
	rs.Stop()
	if gone, err := a.Depart(ctx(t), "rps", "p1"); err == nil || gone {
		t.Fatalf("Depart during the outage = %v, %v", gone, err)
	}
	if err := a.Arrive(ctx(t), "rps", "p3"); err == nil {
		t.Fatal("Arrive during the outage succeeded")
	}
	time.Sleep(2 * lease) // every lease runs out meanwhile (Redis's clock goes on)
	rs.Start()
	evA.wait(t, 10*lease, "repair after the outage", func(gone, back []string) bool {
		return fmt.Sprint(gone) == "[rps/p1]" && fmt.Sprint(back) == "[rps/p3]"
	})
	for p, want := range map[string]bool{"p1": false, "p2": true, "p3": true, "q": true} {
		if got := online(t, b, p); got != want {
			t.Errorf("Online(%s) = %v after the outage", p, got)
		}
	}
	// Give the nodes a few leases: nobody is reaped.
	time.Sleep(3 * lease)
	evB.mu.Lock()
	defer evB.mu.Unlock()
	if len(evB.gone) != 0 || len(evB.back) != 0 {
		t.Fatalf("b reported gone %v back %v", evB.gone, evB.back)
	}
	if st, err := a.Stats(ctx(t)); err != nil || st.Nodes != 2 {
		t.Fatalf("Stats = %+v, %v", st, err)
	}
}

// TestLostLease: a node taken for dead (reaped while alive) registers
// again and reports its players back.
func TestLostLease(t *testing.T) {
	rs := redistest.Start(t)
	c := newClient(t, rs)
	const lease = 300 * time.Millisecond
	evA, evB := newEvents(), newEvents()
	a := start(t, c, redispresence.Options{Prefix: "lost", NodeID: "a", Lease: lease, OnGone: evA.onGone, OnBack: evA.onBack})
	b := start(t, c, redispresence.Options{Prefix: "lost", NodeID: "b", Lease: lease, OnGone: evB.onGone, OnBack: evB.onBack})
	if err := a.Arrive(ctx(t), "rps", "p"); err != nil {
		t.Fatal(err)
	}
	// a stalls past its lease: b reaps it.
	a.PauseForTest(true)
	evB.wait(t, 10*lease, "a's player gone", func(gone, back []string) bool { return fmt.Sprint(gone) == "[rps/p]" })
	if online(t, b, "p") {
		t.Fatal("p online with a reaped")
	}
	a.PauseForTest(false)
	evA.wait(t, 10*lease, "a's player back", func(gone, back []string) bool { return fmt.Sprint(back) == "[rps/p]" })
	if !online(t, b, "p") {
		t.Fatal("p not online after a registered again")
	}
	if gone, err := a.Depart(ctx(t), "rps", "p"); err != nil || !gone {
		t.Fatalf("Depart = %v, %v", gone, err)
	}
}

// TestRestartSameID: a node started again under the same id takes over
// its records and reports the players it no longer holds gone.
func TestRestartSameID(t *testing.T) {
	rs := redistest.Start(t)
	c := newClient(t, rs)
	old := start(t, c, redispresence.Options{Prefix: "restart", NodeID: "n"})
	if err := old.Arrive(ctx(t), "rps", "p"); err != nil {
		t.Fatal(err)
	}
	old.StopHeartbeatForTest()
	ev := newEvents()
	start(t, c, redispresence.Options{Prefix: "restart", NodeID: "n", OnGone: ev.onGone})
	ev.mu.Lock()
	defer ev.mu.Unlock()
	if fmt.Sprint(ev.gone) != "[rps/p]" {
		t.Fatalf("gone %v", ev.gone)
	}
}
