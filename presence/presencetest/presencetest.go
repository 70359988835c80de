// Package presencetest is the conformance suite of presence.Tracker: every
// implementation (in memory, Redis) runs RunTrackerTests.
package presencetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/rpsio/rpsio/presence"
)

// RunTrackerTests checks the behaviour of one node's Tracker. newTracker
// returns a fresh tracker (with no sockets, alone in its cluster) whose
// Stats report conns connections on this node, cleaned up by the test.
func RunTrackerTests(t *testing.T, newTracker func(t *testing.T, conns func() int) presence.Tracker) {
	tests := []struct {
		name string
		fn   func(t *testing.T, newTracker func(t *testing.T, conns func() int) presence.Tracker)
	}{
		{"ArriveDepart", testArriveDepart},
		{"Games", testGames},
		{"Stats", testStats},
		{"Cancelled", testCancelled},
		{"Concurrent", testConcurrent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, newTracker) })
	}
}

func bg(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func online(t *testing.T, tr presence.Tracker, game, player string, want bool) {
	t.Helper()
	got, err := tr.Online(bg(t), game, player)
	if err != nil || got != want {
		t.Fatalf("Online(%s, %s) = %v, %v; want %v", game, player, got, err, want)
	}
}

func depart(t *testing.T, tr presence.Tracker, game, player string, want bool) {
	t.Helper()
	gone, err := tr.Depart(bg(t), game, player)
	if err != nil || gone != want {
		t.Fatalf("Depart(%s, %s) = %v, %v; want gone %v", game, player, gone, err, want)
	}
}

func arrive(t *testing.T, tr presence.Tracker, game, player string) {
	t.Helper()
	if err := tr.Arrive(bg(t), game, player); err != nil {
		t.Fatalf("Arrive(%s, %s): %v", game, player, err)
	}
}

// testArriveDepart: a player is online while any of their sockets is; the
// last departure reports them gone.
func testArriveDepart(t *testing.T, newTracker func(t *testing.T, conns func() int) presence.Tracker) {
	tr := newTracker(t, nil)
	online(t, tr, "rps", "a", false)
	arrive(t, tr, "rps", "a")
	online(t, tr, "rps", "a", true)
	arrive(t, tr, "rps", "a") // a second tab
	depart(t, tr, "rps", "a", false)
	online(t, tr, "rps", "a", true)
	depart(t, tr, "rps", "a", true)
	online(t, tr, "rps", "a", false)
	arrive(t, tr, "rps", "a")
	online(t, tr, "rps", "a", true)
	depart(t, tr, "rps", "a", true)
	// Player ids are any strings.
	for _, p := range []string{"x:y", "金", "a\x00b", ""} {
		arrive(t, tr, "rps", p)
		online(t, tr, "rps", p, true)
		online(t, tr, "rps:x", "y", false)
		depart(t, tr, "rps", p, true)
	}
}

// testGames: presence is per game.
func testGames(t *testing.T, newTracker func(t *testing.T, conns func() int) presence.Tracker) {
	tr := newTracker(t, nil)
	arrive(t, tr, "rps", "a")
	online(t, tr, "gold", "a", false)
	arrive(t, tr, "gold", "a")
	depart(t, tr, "rps", "a", true)
	online(t, tr, "gold", "a", true)
	online(t, tr, "rps", "a", false)
	depart(t, tr, "gold", "a", true)
}

func testStats(t *testing.T, newTracker func(t *testing.T, conns func() int) presence.Tracker) {
	var mu sync.Mutex
	n := 3
	tr := newTracker(t, func() int { mu.Lock(); defer mu.Unlock(); return n })
	st, err := tr.Stats(bg(t))
	if err != nil || st.Nodes != 1 || st.Connections != 3 {
		t.Fatalf("Stats = %+v, %v", st, err)
	}
}

func testCancelled(t *testing.T, newTracker func(t *testing.T, conns func() int) presence.Tracker) {
	tr := newTracker(t, nil)
	arrive(t, tr, "rps", "a")
	c, cancel := context.WithCancel(context.Background())
	cancel()
	if err := tr.Arrive(c, "rps", "b"); !errors.Is(err, context.Canceled) {
		t.Errorf("Arrive: %v", err)
	}
	if _, err := tr.Depart(c, "rps", "a"); !errors.Is(err, context.Canceled) {
		t.Errorf("Depart: %v", err)
	}
	if _, err := tr.Online(c, "rps", "a"); !errors.Is(err, context.Canceled) {
		t.Errorf("Online: %v", err)
	}
	if _, err := tr.Stats(c); !errors.Is(err, context.Canceled) {
		t.Errorf("Stats: %v", err)
	}
	online(t, tr, "rps", "a", true)
	online(t, tr, "rps", "b", false)
}

// testConcurrent: sockets of the same players come and go from many
// goroutines; in the end exactly one departure per player reported them
// gone, and nobody is online.
func testConcurrent(t *testing.T, newTracker func(t *testing.T, conns func() int) presence.Tracker) {
	tr := newTracker(t, nil)
	const players, sockets = 4, 8
	var wg sync.WaitGroup
	var mu sync.Mutex
	gone := map[int]int{}
	for p := range players {
		player := string(rune('a' + p))
		arrive(t, tr, "rps", player) // held until the end
		for range sockets {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 5 {
					if err := tr.Arrive(bg(t), "rps", player); err != nil {
						t.Error(err)
						return
					}
					g, err := tr.Depart(bg(t), "rps", player)
					if err != nil || g {
						t.Errorf("Depart while another socket is held: %v, %v", g, err)
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	for p := range players {
		player := string(rune('a' + p))
		g, err := tr.Depart(bg(t), "rps", player)
		if err != nil {
			t.Fatal(err)
		}
		if g {
			mu.Lock()
			gone[p]++
			mu.Unlock()
		}
		online(t, tr, "rps", player, false)
	}
	if len(gone) != players {
		t.Fatalf("gone reported for %v, want each of %d players once", gone, players)
	}
}
