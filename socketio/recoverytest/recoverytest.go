// Package recoverytest is the conformance suite of socketio.RecoveryStore:
// every implementation (socketio's MemoryRecoveryStore, adapter/redis's)
// runs it from its own tests.
//
//	func TestStore(t *testing.T) {
//		recoverytest.Run(t, recoverytest.Harness{Nodes: ...})
//	}
//
// Stores that write asynchronously (a queue in front of Redis) are read
// until what was written shows, within a bound; nothing sleeps a fixed
// time.
package recoverytest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/rpsio/rpsio/socketio"
)

// Harness says how to make the stores under test.
type Harness struct {
	// Nodes returns n running stores that share their data, as the nodes
	// of one cluster do (for a store of one process: the same one n
	// times). They are closed by the test's cleanup.
	Nodes func(t *testing.T, n int) []socketio.RecoveryStore
	// MaxSessions, when set, is the bound the stores were made with: the
	// suite checks that the sessions saved first are dropped beyond it.
	MaxSessions int
	// MaxRoomPackets, when set, is a bound on the packets of one room
	// the stores keep: the suite checks that a query needing dropped ones
	// fails with socketio.ErrPacketsGone.
	MaxRoomPackets int
	// JSONData: the store keeps session data as JSON values (float64
	// numbers, []any, map[string]any), as one outside the process does.
	JSONData bool
}

// Wait bounds every read that waits for a write to show.
const Wait = 5 * time.Second

// Run runs the suite.
func Run(t *testing.T, h Harness) {
	t.Run("SessionRoundTrip", func(t *testing.T) { testSessionRoundTrip(t, h) })
	t.Run("SessionTakenOnce", func(t *testing.T) { testSessionTakenOnce(t, h) })
	t.Run("SessionExpires", func(t *testing.T) { testSessionExpires(t, h) })
	t.Run("SessionReplaced", func(t *testing.T) { testSessionReplaced(t, h) })
	t.Run("NamespacesApart", func(t *testing.T) { testNamespacesApart(t, h) })
	t.Run("MissedRoomsAndExcept", func(t *testing.T) { testMissedRooms(t, h) })
	t.Run("MissedCuts", func(t *testing.T) { testMissedCuts(t, h) })
	t.Run("MissedLimit", func(t *testing.T) { testMissedLimit(t, h) })
	t.Run("PacketsExpire", func(t *testing.T) { testPacketsExpire(t, h) })
	t.Run("SyncMakesWritesReadable", func(t *testing.T) { testSync(t, h) })
	if h.MaxRoomPackets > 0 {
		t.Run("DroppedPacketsReported", func(t *testing.T) { testDropped(t, h) })
	}
	if h.MaxSessions > 0 {
		t.Run("OldestSessionsDropped", func(t *testing.T) { testOldestDropped(t, h) })
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), Wait)
	t.Cleanup(cancel)
	return c
}

// eventually retries f until it returns nil or Wait passes.
func eventually(t *testing.T, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(Wait)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// take waits until the session shows and takes it.
func take(t *testing.T, st socketio.RecoveryStore, nsp, pid string) *socketio.RecoverySession {
	t.Helper()
	var got *socketio.RecoverySession
	eventually(t, "taking session "+pid, func() error {
		s, err := st.TakeSession(ctx(t), nsp, pid)
		if err != nil {
			return err
		}
		if s == nil {
			return fmt.Errorf("not there")
		}
		got = s
		return nil
	})
	return got
}

var nodeSeq int

// node is a fresh node id: tests of one store must not see each other's
// packets.
func node() string {
	nodeSeq++
	return fmt.Sprintf("n%dx%d", time.Now().UnixNano()%1e9, nodeSeq)
}

func nsName(t *testing.T) string { return "/" + t.Name() }

func packet(n string, ms int64, seq uint64, rooms, except []string, body string, atts ...[]byte) *socketio.KeptPacket {
	off := socketio.Offset{Node: n, Time: ms, Seq: seq}
	return &socketio.KeptPacket{
		Offset:      off,
		Rooms:       rooms,
		Except:      except,
		Text:        []byte(`2["e","` + body + `","` + off.String() + `"]`),
		Attachments: atts,
	}
}

// at is an offset of node n, for cuts.
func at(n string, ms int64, seq uint64) socketio.Offset {
	return socketio.Offset{Node: n, Time: ms, Seq: seq}
}

func session(pid string) *socketio.RecoverySession {
	now := time.UnixMilli(time.Now().UnixMilli())
	return &socketio.RecoverySession{
		PID:            pid,
		SID:            "sid-" + pid,
		Rooms:          []string{"sid-" + pid, "room 1", "ü"},
		Data:           map[string]any{"name": "ann", "n": float64(3), "list": []any{"a", true, nil}, "m": map[string]any{"x": 1.5}},
		ConnectedAt:    now.Add(-time.Minute),
		DisconnectedAt: now,
		Sent: []*socketio.KeptPacket{
			{Offset: socketio.Offset{Node: "a", Time: now.UnixMilli() - 5, Seq: 7}, Text: []byte(`51-["b",{"_placeholder":true,"num":0},"a-1-7"]`), Attachments: [][]byte{{0, 1, 255}}},
			{Offset: socketio.Offset{Node: "b", Time: now.UnixMilli() - 1, Seq: 3}, Text: []byte(`2["c","b-1-3"]`)},
		},
		SentBefore: socketio.Offset{Node: "a", Time: now.UnixMilli() - 9, Seq: 6},
		Seen:       map[string]socketio.Offset{"a": {Node: "a", Time: now.UnixMilli() - 2, Seq: 9}, "b": {Node: "b", Time: now.UnixMilli() - 1, Seq: 3}},
	}
}

func testSessionRoundTrip(t *testing.T, h Harness) {
	st := h.Nodes(t, 2)
	nsp := nsName(t)
	want := session("p1")
	st[0].SaveSession(nsp, want, time.Minute)
	got := take(t, st[1], nsp, "p1") // through another node
	if !got.ConnectedAt.Equal(want.ConnectedAt) || !got.DisconnectedAt.Equal(want.DisconnectedAt) {
		t.Fatalf("times %v %v, want %v %v", got.ConnectedAt, got.DisconnectedAt, want.ConnectedAt, want.DisconnectedAt)
	}
	g, w := *got, *want
	g.ConnectedAt, g.DisconnectedAt, w.ConnectedAt, w.DisconnectedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if h.JSONData {
		b, _ := json.Marshal(w.Data)
		w.Data = nil
		_ = json.Unmarshal(b, &w.Data)
	}
	if !reflect.DeepEqual(g.Data, w.Data) {
		t.Fatalf("data %#v, want %#v", g.Data, w.Data)
	}
	g.Data, w.Data = nil, nil
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("session\n%#v\nwant\n%#v", g, w)
	}
}

func testSessionTakenOnce(t *testing.T, h Harness) {
	st := h.Nodes(t, 2)
	nsp := nsName(t)
	st[0].SaveSession(nsp, session("p1"), time.Minute)
	take(t, st[0], nsp, "p1")
	for _, s := range st {
		got, err := s.TakeSession(ctx(t), nsp, "p1")
		if err != nil || got != nil {
			t.Fatalf("second take: %v %v", got, err)
		}
	}
	if got, err := st[1].TakeSession(ctx(t), nsp, "never"); err != nil || got != nil {
		t.Fatalf("unknown pid: %v %v", got, err)
	}
}

func testSessionExpires(t *testing.T, h Harness) {
	st := h.Nodes(t, 1)[0]
	nsp := nsName(t)
	const ttl = 300 * time.Millisecond
	st.SaveSession(nsp, session("short"), ttl)
	st.SaveSession(nsp, session("long"), time.Minute)
	saved := time.Now()
	// Shows while it lives (a marker saved after it shows first).
	st.SaveSession(nsp, session("marker"), time.Minute)
	take(t, st, nsp, "marker")
	eventually(t, "the short session to expire", func() error {
		if time.Since(saved) <= ttl {
			return fmt.Errorf("not yet")
		}
		s, err := st.TakeSession(ctx(t), nsp, "short")
		if err != nil {
			return err
		}
		if s != nil {
			return fmt.Errorf("still there after %v", time.Since(saved))
		}
		return nil
	})
	take(t, st, nsp, "long")
}

func testSessionReplaced(t *testing.T, h Harness) {
	st := h.Nodes(t, 2)
	nsp := nsName(t)
	a, b := session("p1"), session("p1")
	a.SID, b.SID = "first", "second"
	st[0].SaveSession(nsp, a, time.Minute)
	st[0].SaveSession(nsp, b, time.Minute)
	st[0].SaveSession(nsp, session("marker"), time.Minute)
	take(t, st[1], nsp, "marker")
	if got := take(t, st[1], nsp, "p1"); got.SID != "second" {
		t.Fatalf("took %q, want the last saved", got.SID)
	}
}

func testNamespacesApart(t *testing.T, h Harness) {
	st := h.Nodes(t, 1)[0]
	nsp := nsName(t)
	n := node()
	st.SaveSession(nsp+"/a", session("p1"), time.Minute)
	st.Keep(nsp+"/a", packet(n, 1000, 1, nil, nil, "x"), time.Minute)
	st.SaveSession(nsp+"/b", session("marker"), time.Minute)
	take(t, st, nsp+"/b", "marker")
	if s, err := st.TakeSession(ctx(t), nsp+"/b", "p1"); err != nil || s != nil {
		t.Fatalf("session of /a taken from /b: %v %v", s, err)
	}
	if ps, err := st.Missed(ctx(t), nsp+"/b", socketio.MissedQuery{Rooms: []string{"r"}, After: map[string]socketio.Offset{}, Limit: 10}); err != nil || len(ps) != 0 {
		t.Fatalf("packets of /a read in /b: %v %v", ps, err)
	}
	take(t, st, nsp+"/a", "p1")
}

// missed waits until q returns want (bodies), sorted per node as the
// server sorts them.
func missed(t *testing.T, st socketio.RecoveryStore, nsp string, q socketio.MissedQuery, want []string) []*socketio.KeptPacket {
	t.Helper()
	var got []*socketio.KeptPacket
	eventually(t, fmt.Sprintf("Missed(%+v)", q), func() error {
		ps, err := st.Missed(ctx(t), nsp, q)
		if err != nil {
			return err
		}
		sort.SliceStable(ps, func(i, j int) bool {
			a, b := ps[i].Offset, ps[j].Offset
			if a.Node != b.Node {
				return a.Node < b.Node
			}
			return a.Seq < b.Seq
		})
		var bodies []string
		for _, p := range ps {
			var d []any
			if err := json.Unmarshal(p.Text[1:], &d); err != nil {
				return fmt.Errorf("text %q: %v", p.Text, err)
			}
			bodies = append(bodies, d[1].(string))
		}
		if !slices.Equal(bodies, want) {
			return fmt.Errorf("got %q, want %q", bodies, want)
		}
		got = ps
		return nil
	})
	return got
}

func testMissedRooms(t *testing.T, h Harness) {
	st := h.Nodes(t, 2)
	nsp := nsName(t)
	a := node()
	ttl := time.Minute
	st[0].Keep(nsp, packet(a, 1000, 1, []string{"red"}, nil, "red"), ttl)
	st[0].Keep(nsp, packet(a, 1000, 2, []string{"green"}, nil, "green"), ttl)
	st[0].Keep(nsp, packet(a, 1001, 3, nil, nil, "all"), ttl)
	st[0].Keep(nsp, packet(a, 1001, 4, nil, []string{"blue"}, "all-but-blue"), ttl)
	st[0].Keep(nsp, packet(a, 1002, 5, []string{"red", "blue"}, nil, "red-or-blue"), ttl)
	st[0].Keep(nsp, packet(a, 1002, 6, []string{"red"}, []string{"sid1"}, "red-but-me"), ttl)
	st[0].Keep(nsp, packet(a, 1003, 7, []string{"sid1"}, nil, "me", []byte{1, 2, 3}), ttl)
	st[0].Keep(nsp, packet(a, 1003, 8, []string{"a room with \"quotes\" and ü"}, nil, "odd name"), ttl)

	q := socketio.MissedQuery{Rooms: []string{"sid1", "red", "blue"}, After: map[string]socketio.Offset{a: at(a, 0, 0)}, Limit: 100}
	ps := missed(t, st[1], nsp, q, []string{"red", "all", "red-or-blue", "me"})
	if last := ps[len(ps)-1]; len(last.Attachments) != 1 || string(last.Attachments[0]) != "\x01\x02\x03" {
		t.Fatalf("attachments %q", last.Attachments)
	}
	if last := ps[len(ps)-1]; last.Offset != (socketio.Offset{Node: a, Time: 1003, Seq: 7}) || !slices.Equal(last.Rooms, []string{"sid1"}) {
		t.Fatalf("packet %+v", last)
	}
	missed(t, st[1], nsp, socketio.MissedQuery{Rooms: []string{"sid2", "green"}, After: map[string]socketio.Offset{a: at(a, 0, 0)}, Limit: 100},
		[]string{"green", "all", "all-but-blue"})
	missed(t, st[0], nsp, socketio.MissedQuery{Rooms: []string{"sid3", "a room with \"quotes\" and ü"}, After: map[string]socketio.Offset{a: at(a, 0, 0)}, Limit: 100},
		[]string{"all", "all-but-blue", "odd name"})
}

func testMissedCuts(t *testing.T, h Harness) {
	st := h.Nodes(t, 3)
	nsp := nsName(t)
	a, b, c := node(), node(), node()
	ttl := time.Minute
	for i := uint64(1); i <= 5; i++ {
		ms := 10_000 + int64(i)*10
		st[0].Keep(nsp, packet(a, ms, i, []string{"r"}, nil, fmt.Sprint("a", i)), ttl)
		st[1].Keep(nsp, packet(b, ms, i, []string{"r"}, nil, fmt.Sprint("b", i)), ttl)
		st[2].Keep(nsp, packet(c, ms, i, nil, nil, fmt.Sprint("c", i)), ttl)
	}
	// Known nodes: after their cut; c unknown: from NotBefore on.
	missed(t, st[1], nsp, socketio.MissedQuery{Rooms: []string{"s", "r"}, After: map[string]socketio.Offset{a: at(a, 10_030, 3), b: at(b, 10_050, 5)}, NotBefore: 10_040, Limit: 100},
		[]string{"a4", "a5", "c4", "c5"})
	missed(t, st[2], nsp, socketio.MissedQuery{Rooms: []string{"s", "r"}, After: map[string]socketio.Offset{a: at(a, 0, 0), b: at(b, 10_010, 1), c: at(c, 10_040, 4)}, NotBefore: 0, Limit: 100},
		[]string{"a1", "a2", "a3", "a4", "a5", "b2", "b3", "b4", "b5", "c5"})
}

func testMissedLimit(t *testing.T, h Harness) {
	st := h.Nodes(t, 1)[0]
	nsp := nsName(t)
	a := node()
	for i := uint64(1); i <= 20; i++ {
		st.Keep(nsp, packet(a, 1000, i, []string{"r"}, nil, fmt.Sprint(i)), time.Minute)
	}
	missed(t, st, nsp, socketio.MissedQuery{Rooms: []string{"r"}, After: map[string]socketio.Offset{a: at(a, 0, 0)}, Limit: 100}, []string{
		"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20"})
	ps, err := st.Missed(ctx(t), nsp, socketio.MissedQuery{Rooms: []string{"r"}, After: map[string]socketio.Offset{a: at(a, 0, 0)}, Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 6 {
		t.Fatalf("Limit 5 returned %d packets, want 6 (Limit+1, to tell there are more)", len(ps))
	}
}

func testPacketsExpire(t *testing.T, h Harness) {
	st := h.Nodes(t, 1)[0]
	nsp := nsName(t)
	a := node()
	const ttl = 300 * time.Millisecond
	st.Keep(nsp, packet(a, 1000, 1, []string{"r"}, nil, "short"), ttl)
	kept := time.Now()
	st.Keep(nsp, packet(a, 1000, 2, []string{"r"}, nil, "long"), time.Minute)
	q := socketio.MissedQuery{Rooms: []string{"r"}, After: map[string]socketio.Offset{a: at(a, 0, 0)}, Limit: 10}
	eventually(t, "the short packet to expire", func() error {
		ps, err := st.Missed(ctx(t), nsp, q)
		if err != nil {
			return err
		}
		if time.Since(kept) < ttl {
			return fmt.Errorf("not yet")
		}
		if len(ps) != 1 || ps[0].Offset.Seq != 2 {
			return fmt.Errorf("%d packets, want the long one only", len(ps))
		}
		return nil
	})
}

func testOldestDropped(t *testing.T, h Harness) {
	st := h.Nodes(t, 1)[0]
	nsp := nsName(t)
	n := h.MaxSessions + 3
	for i := 0; i < n; i++ {
		st.SaveSession(nsp, session(fmt.Sprint("p", i)), time.Minute)
	}
	// The last ones are all there; then the first three are gone.
	for i := n - 1; i >= 3; i-- {
		take(t, st, nsp, fmt.Sprint("p", i))
	}
	for i := 0; i < 3; i++ {
		if s, err := st.TakeSession(ctx(t), nsp, fmt.Sprint("p", i)); err != nil || s != nil {
			t.Fatalf("session p%d of %d (bound %d) still kept: %v", i, n, h.MaxSessions, err)
		}
	}
}

func testDropped(t *testing.T, h Harness) {
	st := h.Nodes(t, 1)[0]
	nsp := nsName(t)
	a := node()
	n := uint64(h.MaxRoomPackets + 5)
	for i := uint64(1); i <= n; i++ {
		st.Keep(nsp, packet(a, 1000, i, []string{"r"}, nil, fmt.Sprint(i)), time.Minute)
	}
	var want []string
	for i := uint64(6); i <= n; i++ {
		want = append(want, fmt.Sprint(i))
	}
	// Once all are written, the ones after the 6th are all there...
	missed(t, st, nsp, socketio.MissedQuery{Rooms: []string{"r"}, After: map[string]socketio.Offset{a: at(a, 1000, 6)}, Limit: int(n)}, want[1:])
	// ...and a query that needed the first ones fails. (A cut at the last
	// one dropped, the 5th, may go either way: that session missed all
	// that is kept.)
	for _, q := range []socketio.MissedQuery{
		{Rooms: []string{"r"}, After: map[string]socketio.Offset{a: at(a, 0, 0)}, Limit: int(n)},
		{Rooms: []string{"r"}, After: map[string]socketio.Offset{a: at(a, 1000, 4)}, Limit: int(n)},
		{Rooms: []string{"r"}, After: map[string]socketio.Offset{}, NotBefore: 0, Limit: int(n)},
	} {
		if _, err := st.Missed(ctx(t), nsp, q); !errors.Is(err, socketio.ErrPacketsGone) {
			t.Fatalf("Missed(%+v): %v, want ErrPacketsGone", q, err)
		}
	}
}

// testSync: after Sync, what the node wrote before is read at once, from
// any node.
func testSync(t *testing.T, h Harness) {
	st := h.Nodes(t, 2)
	nsp := nsName(t)
	a := node()
	for round := 0; round < 20; round++ {
		pid := fmt.Sprint("p", round)
		for i := 1; i <= 10; i++ {
			seq := uint64(round*10 + i)
			st[0].Keep(nsp, packet(a, 1000, seq, []string{"r"}, nil, fmt.Sprint(seq)), time.Minute)
		}
		st[0].SaveSession(nsp, session(pid), time.Minute)
		if err := st[0].Sync(ctx(t)); err != nil {
			t.Fatal(err)
		}
		s, err := st[1].TakeSession(ctx(t), nsp, pid)
		if err != nil || s == nil {
			t.Fatalf("round %d: session not read after Sync: %v", round, err)
		}
		ps, err := st[1].Missed(ctx(t), nsp, socketio.MissedQuery{Rooms: []string{"r"}, After: map[string]socketio.Offset{a: at(a, 1000, uint64(round*10))}, Limit: 100})
		if err != nil || len(ps) != 10 {
			t.Fatalf("round %d: %d packets read after Sync (%v), want 10", round, len(ps), err)
		}
	}
}
