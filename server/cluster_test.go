package server

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rpsio/rpsio/internal/redistest"
)

// silent drops go-redis's own log (dial failures in the outage tests).
type silent struct{}

func (silent) Printf(context.Context, string, ...any) {}

func init() { goredis.SetLogger(silent{}) }

var clusterPrefixes atomic.Int64

// newCluster starts n nodes of one cluster on rs (a prefix of their own),
// with short leases and sweeps so that failures are handled quickly.
func newClusterApps(t *testing.T, rs *redistest.Server, n int, edit func(c *Config)) []*binderApp {
	t.Helper()
	prefix := fmt.Sprint("cluster", clusterPrefixes.Add(1))
	var nodes []*binderApp
	for i := range n {
		nodes = append(nodes, newBinderApp(t, func(c *Config) {
			c.RedisURL, c.RedisPrefix, c.NodeID = rs.URL(), prefix, fmt.Sprint("node", i+1)
			c.NodeLease, c.SweepInterval, c.RedisTimeout = 600*time.Millisecond, 200*time.Millisecond, 500*time.Millisecond
			if edit != nil {
				edit(c)
			}
		}))
	}
	return nodes
}

// kill cuts a node off from Redis without a goodbye, as if it had died:
// its heartbeats stop being heard and its timers fail, so the other nodes
// take over. Its clients stay connected to it (a zombie, which the test
// ignores).
func (ta *binderApp) kill() {
	ta.killed = true
	ta.app.cluster.client.Close()
	ta.app.cluster.adapter.Close()
}

func seats(t *testing.T, room map[string]any) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, p := range room["players"].([]any) {
		m := p.(map[string]any)
		out[m["id"].(string)] = m
	}
	return out
}

// nextRoomWhere waits for a "room" event satisfying pred.
func (c *nsClient) nextRoomWhere(what string, pred func(room map[string]any) bool) map[string]any {
	c.t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for time.Now().Before(deadline) {
		r := c.next("room")
		if pred(r) {
			return r
		}
	}
	c.t.Fatalf("no room event where %s", what)
	return nil
}

// TestClusterPlay: players on two nodes are matched into one room and play;
// the lobby and stats are the cluster's; a player comes back through the
// other node with their token and gets seat, total and streak; a player
// with sockets on two nodes stays connected while one of them is.
func TestClusterPlay(t *testing.T) {
	rs := redistest.Start(t)
	nodes := newClusterApps(t, rs, 2, func(c *Config) { c.RoundDuration = time.Minute; c.RoundGap = 0 })
	n1, n2 := nodes[0], nodes[1]
	a := n1.connect("/rps", map[string]any{"name": "ann"})
	b := n2.connect("/rps", map[string]any{"name": "bob"})
	ja := a.emit("join", map[string]any{"size": 2})
	wantAckOK(t, ja, "a joins on node 1")
	jb := b.emit("join", map[string]any{"size": 2})
	wantAckOK(t, jb, "b joins on node 2")
	roomID := ja["room"].(map[string]any)["id"].(string)
	if jb["room"].(map[string]any)["id"] != roomID {
		t.Fatalf("matched into different rooms: %v / %v", ja, jb)
	}
	for _, c := range []*nsClient{a, b} {
		if st := c.next("start"); st["round"] != 1.0 {
			t.Fatalf("start %v", st)
		}
	}
	wantAckOK(t, a.emit("choose", map[string]any{"round": 1, "move": "rock"}), "a chooses")
	wantAckOK(t, b.emit("choose", map[string]any{"round": 1, "move": "scissors"}), "b chooses")
	ra, rb := a.next("result"), b.next("result")
	if ra["seq"] != rb["seq"] || ra["moves"].(map[string]any)[b.welcome.PlayerID] != "scissors" {
		t.Fatalf("results %v / %v", ra, rb)
	}
	for _, c := range []*nsClient{a, b} {
		if st := c.next("start"); st["round"] != 2.0 {
			t.Fatalf("start %v", st)
		}
	}

	// The lobby and the stats are the cluster's, on either node.
	code, lobby := n2.get("/api/rooms?game=rps")
	if code != 200 || len(lobby["rooms"].([]any)) != 1 {
		t.Fatalf("lobby %d %v", code, lobby)
	}
	waitFor(t, "stats", func() bool {
		code, st := n1.get("/api/stats")
		return code == 200 && st["nodes"] == 2.0 && st["connections"] == 2.0 && st["rooms"] == 1.0 && st["roundsSettled"] == 1.0
	})

	// a leaves node 1 and comes back through node 2 with the token.
	a.close()
	b.nextRoomWhere("a disconnected", func(r map[string]any) bool { return seats(t, r)[a.welcome.PlayerID]["connected"] == false })
	a2 := n2.connect("/rps", map[string]any{"token": a.welcome.Token})
	if a2.welcome.PlayerID != a.welcome.PlayerID {
		t.Fatal("the token gave another identity")
	}
	back := a2.next("room")
	me := seats(t, back)[a.welcome.PlayerID]
	if back["id"] != roomID || me["connected"] != true || me["total"] != 1.0 || me["streak"] != 1.0 {
		t.Fatalf("a's seat after coming back through node 2: %v", back)
	}
	if st := a2.next("start"); st["round"] != 2.0 {
		t.Fatalf("catch-up start %v", st)
	}

	// b opens a second socket on node 1, then closes the one on node 2:
	// still connected.
	b2 := n1.connect("/rps", map[string]any{"token": b.welcome.Token})
	b2.next("room")
	b.close()
	member := fmt.Sprintf("{%s}:presence:3:rps%s", n1.app.cfg.RedisPrefix, b.welcome.PlayerID)
	c := goredis.NewClient(&goredis.Options{Addr: rs.Addr()})
	defer c.Close()
	waitFor(t, "node 2's departure recorded", func() bool {
		ks, err := c.HKeys(context.Background(), member).Result()
		return err == nil && len(ks) == 1 && ks[0] == "node1"
	})
	r, err := n2.app.rooms.Room(context.Background(), roomID)
	if err != nil || r.Players[r.Seat(b.welcome.PlayerID)].Connected != true {
		t.Fatalf("b's seat after closing one of two sockets: %+v, %v", r, err)
	}
	// Play on: round 2 between a (node 2) and b (node 1).
	wantAckOK(t, a2.emit("choose", map[string]any{"round": 2, "move": "paper"}), "a chooses on node 2")
	wantAckOK(t, b2.emit("choose", map[string]any{"round": 2, "move": "paper"}), "b chooses on node 1")
	if res := a2.next("result"); res["round"] != 2.0 {
		t.Fatalf("result %v", res)
	}
}

// TestClusterNodeDeath: the node holding a room's timer and a player's only
// socket dies (cut off without a goodbye): another node settles the open
// round within its deadline + 2 s, once, and marks the player disconnected
// within a few seconds, after which their grace runs.
func TestClusterNodeDeath(t *testing.T) {
	rs := redistest.Start(t)
	const round = 1500 * time.Millisecond
	// A lease longer than the round: the round is settled by a sweep,
	// before presence notices the death (which would give node 1 the
	// room's timer).
	nodes := newClusterApps(t, rs, 2, func(c *Config) {
		c.RoundDuration, c.RoundGap, c.ReconnectGrace, c.NodeLease = round, time.Minute, time.Minute, 2*time.Second
	})
	n1, n2 := nodes[0], nodes[1]
	a := n1.connect("/rps", map[string]any{"name": "ann"})
	c := n2.connect("/rps", map[string]any{"name": "cy"})
	wantAckOK(t, a.emit("join", map[string]any{"size": 2}), "a joins")
	wantAckOK(t, c.emit("join", map[string]any{"size": 2}), "c joins on node 2, filling the room: node 2 holds its timer")
	start := a.next("start")
	deadline := time.UnixMilli(int64(start["deadline"].(float64)))
	// c's choice, on node 2, is the room's last change: node 2 alone holds
	// a timer for the deadline.
	wantAckOK(t, c.emit("choose", map[string]any{"round": 1, "move": "rock"}), "c chooses")
	a.next("chosen")
	n2.kill()
	died := time.Now()
	res := a.next("result")
	late := time.Since(deadline)
	t.Logf("round settled %v after its deadline by node 1", late)
	if res["round"] != 1.0 || late > 2*time.Second {
		t.Fatalf("result %v, %v after the deadline", res, late)
	}
	a.nextRoomWhere("c disconnected", func(r map[string]any) bool { return seats(t, r)[c.welcome.PlayerID]["connected"] == false })
	t.Logf("c marked disconnected %v after node 2 died (lease 2s)", time.Since(died))
	if time.Since(died) > 5*time.Second {
		t.Fatal("too late")
	}
	st, err := n1.app.rooms.Room(context.Background(), start["roomId"].(string))
	if err != nil {
		t.Fatal(err)
	}
	if s := st.Players[st.Seat(c.welcome.PlayerID)]; s.Connected || s.GraceUntil.IsZero() {
		t.Fatalf("c's seat %+v", s)
	}
	// Exactly one result for round 1 reached a.
	if n := strings.Count(strings.Join(a.names(), ","), "result"); n != 1 {
		t.Fatalf("%d results", n)
	}
}

// TestClusterRedisOutage: Redis stops mid-round: players stay connected,
// their calls answer "unavailable" within 2 s; when Redis is back (with its
// data), the open round is settled and play goes on, without a restart.
func TestClusterRedisOutage(t *testing.T) {
	rs := redistest.Start(t)
	const round = 2 * time.Second
	nodes := newClusterApps(t, rs, 2, func(c *Config) { c.RoundDuration = round; c.RoundGap = 0 })
	n1, n2 := nodes[0], nodes[1]
	a := n1.connect("/rps", map[string]any{"name": "ann"})
	b := n2.connect("/rps", map[string]any{"name": "bob"})
	wantAckOK(t, a.emit("join", map[string]any{"size": 2}), "a joins")
	wantAckOK(t, b.emit("join", map[string]any{"size": 2}), "b joins")
	deadline := time.UnixMilli(int64(a.next("start")["deadline"].(float64)))
	b.next("start")

	_, _ = rs.Do("SHUTDOWN", "SAVE") // Redis goes away, keeping its data
	rs.Stop()
	for _, call := range []struct {
		c     *nsClient
		event string
		args  []any
	}{
		{a, "choose", []any{map[string]any{"round": 1, "move": "rock"}}},
		{b, "join", nil},
		{a, "leave", nil},
		{b, "choose", []any{map[string]any{"round": 1, "move": "paper"}}},
	} {
		start := time.Now()
		ack := call.c.emit(call.event, call.args...)
		took := time.Since(start)
		if took > 2*time.Second {
			t.Errorf("%s answered after %v", call.event, took)
		}
		t.Logf("%s answered unavailable in %v", call.event, took.Round(time.Millisecond))
		wantAckError(t, ack, "unavailable", call.event+" with Redis down")
	}
	if n1.app.io.Engine().Count() != 1 || n2.app.io.Engine().Count() != 1 {
		t.Fatal("a client was disconnected during the outage")
	}

	// Back after the round's deadline.
	time.Sleep(time.Until(deadline.Add(100 * time.Millisecond)))
	rs.Start()
	back := time.Now()
	ch := n1.app.cfg.RedisPrefix + "-request#/rps#" // subscribed by every node
	waitFor(t, "adapters subscribed again", func() bool {
		out, _ := rs.Do("PUBSUB", "NUMSUB", ch)
		return strings.HasSuffix(out, " :2") || strings.HasSuffix(out, " 2") // as redistest writes integers, before and after its change
	})
	t.Logf("adapters subscribed again %v after Redis came back", time.Since(back))
	// The open round is settled once Redis answers, without a restart.
	waitFor(t, "round 1 settled after the outage", func() bool {
		code, st := n2.get("/api/stats")
		return code == 200 && st["roundsSettled"].(float64) >= 1
	})
	// Play goes on across nodes. (Events published while a node's adapter
	// was still resubscribing may have been lost, as Redis Pub/Sub does:
	// clients catch up from "room" and seq; the test reads the open round
	// from the store.)
	for attempt := 0; ; attempt++ {
		st, err := n1.app.rooms.Status(context.Background(), "rps", a.welcome.PlayerID)
		if err != nil {
			t.Fatal(err)
		}
		var open map[string]any
		for _, ev := range st.CatchUp {
			if ev.Name == "start" {
				b, _ := json.Marshal(ev.Payload())
				json.Unmarshal(b, &open)
			}
		}
		if open != nil {
			r := open["round"]
			ra := a.emit("choose", map[string]any{"round": r, "move": "rock"})
			rb := b.emit("choose", map[string]any{"round": r, "move": "paper"})
			if ra["ok"] == true && rb["ok"] == true {
				for _, c := range []*nsClient{a, b} {
					for end := time.Now().Add(waitTimeout); ; {
						if time.Now().After(end) {
							t.Fatalf("no result of round %v", r)
						}
						res := c.next("result")
						if res["round"] != r {
							continue
						}
						if res["moves"].(map[string]any)[a.welcome.PlayerID] != "rock" || res["moves"].(map[string]any)[b.welcome.PlayerID] != "paper" {
							t.Fatalf("result %v", res)
						}
						break
					}
				}
				return
			}
		}
		if attempt == 5 {
			t.Fatal("could not play a round after the outage")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestClusterDrain: a node drains mid-round (SIGTERM): its client's
// session is closed, the client comes back through the other node with its
// token, and the round, whose timer the drained node held, is settled once
// by the other node.
func TestClusterDrain(t *testing.T) {
	rs := redistest.Start(t)
	nodes := newClusterApps(t, rs, 2, func(c *Config) { c.RoundDuration = 1500 * time.Millisecond; c.RoundGap = time.Minute })
	n1, n2 := nodes[0], nodes[1]
	b := n2.connect("/rps", map[string]any{"name": "bob"})
	a := n1.connect("/rps", map[string]any{"name": "ann"})
	wantAckOK(t, b.emit("join", map[string]any{"size": 2}), "b joins")
	wantAckOK(t, a.emit("join", map[string]any{"size": 2}), "a joins on node 1: node 1 holds the timer")
	start := b.next("start")
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := n1.app.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	<-a.done // closed by the drain
	a2 := n2.connect("/rps", map[string]any{"token": a.welcome.Token})
	if r := a2.next("room"); r["id"] != start["roomId"] {
		t.Fatalf("a came back to %v", r)
	}
	wantAckOK(t, a2.emit("choose", map[string]any{"round": 1, "move": "rock"}), "a chooses through node 2")
	res := b.next("result")
	if res["round"] != 1.0 || res["moves"].(map[string]any)[a.welcome.PlayerID] != "rock" {
		t.Fatalf("result %v", res)
	}
	if late := time.Since(time.UnixMilli(int64(start["deadline"].(float64)))); late > 2*time.Second {
		t.Fatalf("settled %v after the deadline", late)
	}
	// Once: no second result.
	code, st := n2.get("/api/stats")
	if code != 200 || st["roundsSettled"] != 1.0 || st["nodes"] != 1.0 {
		t.Fatalf("stats %d %v", code, st)
	}
}

// TestClusterShutdownLeavesNoGoroutines: nodes that played and shut down
// leave no goroutine behind (heartbeats, presence repair, timers, Redis
// clients, adapters).
func TestClusterShutdownLeavesNoGoroutines(t *testing.T) {
	rs := redistest.Start(t)
	before := runtime.NumGoroutine()
	func() {
		nodes := newClusterApps(t, rs, 2, func(c *Config) { c.RoundDuration = time.Minute })
		a := nodes[0].connect("/rps", map[string]any{"name": "ann"})
		b := nodes[1].connect("/rps", map[string]any{"name": "bob"})
		wantAckOK(t, a.emit("join"), "a joins")
		wantAckOK(t, b.emit("join"), "b joins")
		a.next("start")
		for _, n := range nodes {
			ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
			if err := n.app.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}
			cancel()
			n.hs.Close()
		}
		<-a.done
		<-b.done
	}()
	deadline := time.Now().Add(waitTimeout)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines after Shutdown, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestClusterRedisFrozen: Redis stops answering (CLIENT PAUSE, as a frozen
// process): calls answer "unavailable" within 2 s, even when they first
// wait for another call on the same room; then play goes on.
func TestClusterRedisFrozen(t *testing.T) {
	rs := redistest.Start(t)
	nodes := newClusterApps(t, rs, 2, func(c *Config) { c.RoundDuration = time.Minute; c.RedisTimeout = time.Second })
	n1, n2 := nodes[0], nodes[1]
	a := n1.connect("/rps", map[string]any{"name": "ann"})
	b := n2.connect("/rps", map[string]any{"name": "bob"})
	wantAckOK(t, a.emit("join", map[string]any{"size": 2}), "a joins")
	wantAckOK(t, b.emit("join", map[string]any{"size": 2}), "b joins")
	a.next("start")
	if out, err := rs.Do("CLIENT", "PAUSE", "5000", "ALL"); err != nil || out != "+OK" {
		t.Fatalf("CLIENT PAUSE: %s %v", out, err)
	}
	type result struct {
		what string
		ack  map[string]any
		took time.Duration
	}
	results := make(chan result, 4)
	emit := func(c *nsClient, what, event string, args ...any) {
		start := time.Now()
		ack := c.emit(event, args...)
		results <- result{what, ack, time.Since(start)}
	}
	// Two calls on one room at once: the second waits for the first.
	go emit(a, "a choose", "choose", map[string]any{"round": 1, "move": "rock"})
	go emit(b, "b choose", "choose", map[string]any{"round": 1, "move": "paper"})
	go emit(a, "a join", "join")
	for range 3 {
		r := <-results
		t.Logf("%s answered %v in %v", r.what, r.ack["error"], r.took.Round(time.Millisecond))
		if r.took > 2*time.Second {
			t.Errorf("%s answered after %v", r.what, r.took)
		}
		wantAckError(t, r.ack, "unavailable", r.what+" with Redis frozen")
	}
	waitFor(t, "Redis answering again", func() bool { _, err := rs.Do("PING"); return err == nil })
	waitFor(t, "a's choice accepted", func() bool {
		return a.emit("choose", map[string]any{"round": 1, "move": "rock"})["ok"] == true
	})
	wantAckOK(t, b.emit("choose", map[string]any{"round": 1, "move": "paper"}), "b chooses after")
	if res := b.next("result"); res["round"] != 1.0 {
		t.Fatalf("result %v", res)
	}
}
