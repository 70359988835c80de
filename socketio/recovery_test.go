package socketio

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rpsio/rpsio/socketio/parser"
)

var connectPIDReply = regexp.MustCompile(`^0(/[^,]*,)?\{"sid":"([A-Za-z0-9_-]{22})","pid":"([A-Za-z0-9_-]{22})"\}$`)

// recClient is a raw client of a server with recovery on: it tracks the
// last offset it got, as socket.io-client does.
type recClient struct {
	*client
	sid, pid   string
	lastOffset string
}

// connectRec joins nsp with auth (a JSON object or "") and reads events
// until the CONNECT reply; the events before it (a recovery's replay) are
// returned.
func (ts *testServer) connectRec(t *testing.T, nsp string, auth map[string]any) (*recClient, []recEvent) {
	t.Helper()
	c := &recClient{client: ts.dial(t, "EIO=4")}
	// As socket.io-client: the last offset stays until a newer one comes.
	c.lastOffset, _ = auth["offset"].(string)
	prefix := ""
	if nsp != "/" {
		prefix = nsp + ","
	}
	a := ""
	if auth != nil {
		b, _ := json.Marshal(auth)
		a = string(b)
	}
	c.send("0" + prefix + a)
	var before []recEvent
	for {
		p := c.packet()
		if p.Type == parser.Event {
			before = append(before, c.note(p))
			continue
		}
		if p.Type != parser.Connect {
			t.Fatalf("got %v %#v, want CONNECT", p.Type, p.Data)
		}
		d, _ := p.Data.(map[string]any)
		c.sid, _ = d["sid"].(string)
		c.pid, _ = d["pid"].(string)
		if c.sid == "" {
			t.Fatalf("CONNECT without sid: %#v", p.Data)
		}
		return c, before
	}
}

type recEvent struct {
	name   string
	args   []any // without the offset
	offset string
}

// note records an event's offset (its last argument when a string).
func (c *recClient) note(p *parser.Packet) recEvent {
	args := p.Data.([]any)
	e := recEvent{args: args[1:]}
	e.name, _ = args[0].(string)
	if n := len(e.args); n > 0 {
		if off, ok := e.args[n-1].(string); ok {
			e.offset, e.args = off, e.args[:n-1]
			c.lastOffset = off
		}
	}
	return e
}

func (c *recClient) nextEvent() recEvent {
	c.t.Helper()
	p := c.packet()
	if p.Type != parser.Event {
		c.t.Fatalf("got %v %#v, want an event", p.Type, p.Data)
	}
	return c.note(p)
}

func (c *recClient) resumeAuth() map[string]any {
	return map[string]any{"pid": c.pid, "offset": c.lastOffset}
}

// recServer is a test server with recovery on whose connection handler
// hands out the sockets.
func newRecServer(t *testing.T, ro RecoveryOptions, setup func(*Server)) (*testServer, chan *Socket) {
	t.Helper()
	sockets := make(chan *Socket, 16)
	ts := newTestServer(t, Options{Recovery: &ro}, func(srv *Server) {
		srv.Of("/").OnConnection(func(s *Socket) { sockets <- s })
		if setup != nil {
			setup(srv)
		}
	})
	return ts, sockets
}

func waitSaved(t *testing.T, srv *Server, n uint64) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d saved sessions", n), func() bool { return srv.RecoveryStats().Saved >= n })
}

func TestRecoveryConnectAnswersPID(t *testing.T) {
	ts, sockets := newRecServer(t, RecoveryOptions{}, nil)
	c := ts.dial(t, "EIO=4")
	c.send("0")
	reply := c.text()
	m := connectPIDReply.FindStringSubmatch(reply)
	if m == nil {
		t.Fatalf("CONNECT reply %q, want {sid, pid}", reply)
	}
	s := recv(t, sockets)
	if s.ID() != m[2] || m[2] == m[3] || s.Recovered() {
		t.Fatalf("socket %s recovered=%v, reply sid %s pid %s", s.ID(), s.Recovered(), m[2], m[3])
	}
	// Every emitted event carries its offset as the last argument.
	_ = s.Emit("hello", "a")
	_ = ts.srv.Of("/").Emit("all", 1)
	for _, want := range []string{"hello", "all"} {
		p := c.packet()
		args := p.Data.([]any)
		off, _ := args[len(args)-1].(string)
		if args[0] != want || len(args) != 3 {
			t.Fatalf("got %#v, want %s with its offset", args, want)
		}
		if _, err := ParseOffset(off); err != nil {
			t.Fatalf("last argument %q: %v", off, err)
		}
	}
	// Acknowledged and volatile emits carry none.
	go func() { _, _ = s.EmitWithAck(context.Background(), "q", "x") }()
	p := c.packet()
	if args := p.Data.([]any); len(args) != 2 || !p.HasID {
		t.Fatalf("EmitWithAck sent %#v, want no offset", p.Data)
	}
	waitFor(t, "the ack to be awaited", func() bool { s.mu.Lock(); defer s.mu.Unlock(); return len(s.acks) == 1 })
	// A volatile packet is dropped while the transport is busy (a ping
	// going out, say): emitted again until one arrives.
	deadline := time.Now().Add(waitTimeout)
	for {
		_ = ts.srv.Of("/").Volatile().Emit("v", 1)
		select {
		case f := <-c.frames:
			if string(f.data) != `42["v",1]` {
				t.Fatalf("volatile emit sent %q, want 42[\"v\",1] (no offset)", f.data)
			}
			return
		case <-time.After(50 * time.Millisecond):
			if time.Now().After(deadline) {
				t.Fatal("no volatile emit arrived")
			}
		}
	}
}

func TestRecoveryOffProtocol4(t *testing.T) {
	ts, sockets := newRecServer(t, RecoveryOptions{}, nil)
	c := ts.dial(t, "EIO=3")
	c.expect("0")
	s := recv(t, sockets)
	if s.pid != "" || s.rec != nil {
		t.Fatal("a protocol 4 socket got a session id")
	}
}

// TestRecoveryRestores: the missed events of the socket's rooms come back
// in order, those it was not meant to get do not, and the socket keeps its
// id, rooms and data.
func TestRecoveryRestores(t *testing.T) {
	ts, sockets := newRecServer(t, RecoveryOptions{}, nil)
	nsp := ts.srv.Of("/")
	c, _ := ts.connectRec(t, "/", nil)
	s := recv(t, sockets)
	s.Join("red", "blue")
	s.Set("who", "ann")
	_ = s.Emit("first")
	if e := c.nextEvent(); e.name != "first" || e.offset == "" {
		t.Fatalf("got %+v", e)
	}
	c.close()
	waitSaved(t, ts.srv, 1)
	if s.Connected() {
		t.Fatal("socket still connected")
	}

	bin := []byte{1, 2, 3}
	_ = nsp.To(s.ID()).Emit("m", 1)
	_ = nsp.To("red").Emit("m", 2)
	_ = nsp.To("green").Emit("not-mine", 0)          // a room it is not in
	_ = nsp.Except("blue").Emit("not-mine", 0)       // excluded
	_ = nsp.Volatile().To("red").Emit("not-mine", 0) // volatile: not kept
	_ = nsp.To("blue", "red").Emit("m", 3)           // once, though in two rooms
	_ = nsp.Emit("m", 4, bin)
	_ = nsp.To("green").Except("red").Emit("not-mine", 0)
	_ = s.Emit("not-mine", "disconnected socket") // ErrDisconnected

	c2, replay := ts.connectRec(t, "/", c.resumeAuth())
	if c2.sid != s.ID() || c2.pid != c.pid {
		t.Fatalf("recovered as %s/%s, want %s/%s", c2.sid, c2.pid, s.ID(), c.pid)
	}
	var got []string
	for _, e := range replay {
		got = append(got, fmt.Sprintf("%s%v", e.name, e.args))
	}
	want := []string{"m[1]", "m[2]", "m[3]", "m[4 [1 2 3]]"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("replayed %q, want %q", got, want)
	}
	s2 := recv(t, sockets)
	if !s2.Recovered() || s2.ID() != s.ID() {
		t.Fatalf("socket %s recovered=%v", s2.ID(), s2.Recovered())
	}
	if r := s2.Rooms(); strings.Join(r, ",") != strings.Join([]string{"blue", "red", s.ID()}, ",") && !sameSet(r, []string{"blue", "red", s.ID()}) {
		t.Fatalf("rooms %v", r)
	}
	if v, _ := s2.Get("who"); v != "ann" {
		t.Fatalf("data who=%v", v)
	}
	// Live again: new events arrive, with offsets the next recovery knows.
	_ = nsp.To("red").Emit("live", 5)
	if e := c2.nextEvent(); e.name != "live" || e.offset == "" {
		t.Fatalf("got %+v", e)
	}
	if st := ts.srv.RecoveryStats(); st.Recovered != 1 || st.Saved != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func sameSet(a, b []string) bool {
	a, b = append([]string(nil), a...), append([]string(nil), b...)
	sort.Strings(a)
	sort.Strings(b)
	return strings.Join(a, "\x00") == strings.Join(b, "\x00")
}

// TestRecoveryInFlight: packets queued before the disconnection that the
// client did not get (it says its last offset is an earlier one) are sent
// again, before those emitted after.
func TestRecoveryInFlight(t *testing.T) {
	ts, sockets := newRecServer(t, RecoveryOptions{}, nil)
	nsp := ts.srv.Of("/")
	c, _ := ts.connectRec(t, "/", nil)
	s := recv(t, sockets)
	s.Join("r")
	for i := 0; i < 5; i++ {
		_ = nsp.To("r").Emit("n", i)
	}
	var offsets []string
	for i := 0; i < 5; i++ {
		offsets = append(offsets, c.nextEvent().offset)
	}
	c.close()
	waitSaved(t, ts.srv, 1)
	_ = nsp.To("r").Emit("n", 5)
	// The client says it got n=1 only: 2, 3, 4 were lost with the
	// connection.
	c2, replay := ts.connectRec(t, "/", map[string]any{"pid": c.pid, "offset": offsets[1]})
	if c2.sid != s.ID() {
		t.Fatal("not recovered")
	}
	var got []any
	for _, e := range replay {
		got = append(got, e.args[0])
	}
	if fmt.Sprint(got) != "[2 3 4 5]" {
		t.Fatalf("replayed %v, want [2 3 4 5]", got)
	}
}

func TestRecoveryNewSession(t *testing.T) {
	for _, tc := range []struct {
		name string
		ro   RecoveryOptions
		auth func(c *recClient) map[string]any
		wait func(t *testing.T)
		more int // events emitted while away
		stat func(RecoveryStats) uint64
	}{
		{"unknown pid", RecoveryOptions{}, func(c *recClient) map[string]any {
			return map[string]any{"pid": "nope", "offset": c.lastOffset}
		}, nil, 0, func(s RecoveryStats) uint64 { return s.Unknown }},
		{"unknown offset", RecoveryOptions{}, func(c *recClient) map[string]any {
			return map[string]any{"pid": c.pid, "offset": "abc-1-1"}
		}, nil, 0, func(s RecoveryStats) uint64 { return s.Unknown }},
		{"malformed offset", RecoveryOptions{}, func(c *recClient) map[string]any {
			return map[string]any{"pid": c.pid, "offset": "x"}
		}, nil, 0, func(s RecoveryStats) uint64 { return s.Unknown }},
		{"too many missed", RecoveryOptions{MaxPackets: 5}, (*recClient).resumeAuth, nil, 6,
			func(s RecoveryStats) uint64 { return s.TooMany }},
		{"expired", RecoveryOptions{MaxDisconnectionDuration: 30 * time.Millisecond}, (*recClient).resumeAuth,
			func(t *testing.T) {
				deadline := time.Now().Add(30 * time.Millisecond)
				waitFor(t, "the session to expire", func() bool { return time.Now().After(deadline) })
			}, 0, func(s RecoveryStats) uint64 { return s.Unknown }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts, sockets := newRecServer(t, tc.ro, nil)
			c, _ := ts.connectRec(t, "/", nil)
			s := recv(t, sockets)
			_ = s.Emit("first")
			c.nextEvent()
			c.close()
			waitSaved(t, ts.srv, 1)
			for i := 0; i < tc.more; i++ {
				_ = ts.srv.Of("/").To(s.ID()).Emit("m", i)
			}
			if tc.wait != nil {
				tc.wait(t)
			}
			c2, replay := ts.connectRec(t, "/", tc.auth(c))
			s2 := recv(t, sockets)
			if c2.sid == s.ID() || s2.Recovered() || len(replay) != 0 || c2.pid == c.pid {
				t.Fatalf("recovered: sid %s (was %s), replay %v", c2.sid, s.ID(), replay)
			}
			if n := tc.stat(ts.srv.RecoveryStats()); n != 1 {
				t.Fatalf("stats %+v", ts.srv.RecoveryStats())
			}
		})
	}
}

// TestRecoveryOnce: a session is recovered once; the same pid again gets
// a new session.
func TestRecoveryOnce(t *testing.T) {
	ts, sockets := newRecServer(t, RecoveryOptions{}, nil)
	c, _ := ts.connectRec(t, "/", nil)
	s := recv(t, sockets)
	_ = s.Emit("first")
	c.nextEvent()
	c.close()
	waitSaved(t, ts.srv, 1)
	c2, _ := ts.connectRec(t, "/", c.resumeAuth())
	recv(t, sockets)
	c3, _ := ts.connectRec(t, "/", c.resumeAuth())
	recv(t, sockets)
	if c2.sid != s.ID() || c3.sid == s.ID() {
		t.Fatalf("sids %s %s, first %s", c2.sid, c3.sid, s.ID())
	}
}

func TestRecoveryMiddlewares(t *testing.T) {
	for _, run := range []bool{false, true} {
		t.Run(fmt.Sprint("run=", run), func(t *testing.T) {
			var mu sync.Mutex
			calls := 0
			refuse := false
			ts, sockets := newRecServer(t, RecoveryOptions{RunMiddlewares: run}, func(srv *Server) {
				srv.Of("/").Use(func(s *Socket) error {
					mu.Lock()
					defer mu.Unlock()
					calls++
					if refuse {
						return &ConnectError{Message: "no"}
					}
					return nil
				})
			})
			c, _ := ts.connectRec(t, "/", nil)
			s := recv(t, sockets)
			_ = s.Emit("first")
			c.nextEvent()
			c.close()
			waitSaved(t, ts.srv, 1)
			mu.Lock()
			refuse = true
			mu.Unlock()
			c2 := ts.dial(t, "EIO=4")
			b, _ := json.Marshal(c.resumeAuth())
			c2.send("0" + string(b))
			reply := c2.text()
			mu.Lock()
			defer mu.Unlock()
			if run {
				if reply != `4{"message":"no"}` || calls != 2 {
					t.Fatalf("got %q after %d middleware calls, want the refusal", reply, calls)
				}
				return
			}
			if m := connectPIDReply.FindStringSubmatch(reply); m == nil || m[2] != s.ID() || calls != 1 {
				t.Fatalf("got %q after %d middleware calls, want the recovery", reply, calls)
			}
		})
	}
}

// TestRecoveryNoLossNoDuplicate: while events stream to its room, a client
// drops its connection again and again, each time after reading some
// events (the rest are lost with the connection), and comes back with the
// offset of the last one it read. In the end it has every event once, in
// order.
func TestRecoveryNoLossNoDuplicate(t *testing.T) {
	ts, sockets := newRecServer(t, RecoveryOptions{}, nil)
	nsp := ts.srv.Of("/")
	c, _ := ts.connectRec(t, "/", nil)
	s := recv(t, sockets)
	s.Join("r")
	const total = 2000
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < total; i++ {
			if i%2 == 0 {
				_ = nsp.To("r").Emit("n", i)
			} else {
				// Straight to the socket, whichever is the current one.
				if cur := nsp.LocalSocket(s.ID()); cur != nil {
					if cur.Emit("n", i) != nil {
						_ = nsp.To(s.ID()).Emit("n", i)
					}
				} else {
					_ = nsp.To(s.ID()).Emit("n", i)
				}
			}
			if i%50 == 0 {
				time.Sleep(time.Millisecond) // let the reconnections interleave
			}
		}
	}()
	var got []int
	var from []string
	where := ""
	take := func(e recEvent) {
		if e.name != "n" {
			t.Fatalf("got %+v", e)
		}
		got = append(got, int(e.args[0].(float64)))
		from = append(from, where+" "+e.offset)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("got %d events, last %v, stats %+v", len(got), got[max(0, len(got)-5):], ts.srv.RecoveryStats())
		}
	})
	for round := 0; len(got) < total; round++ {
		if round > 200 {
			t.Fatalf("still missing events after %d reconnections: got %d", round, len(got))
		}
		// Read a few, then drop the connection.
		for i := 0; i < 37 && len(got) < total; i++ {
			take(c.nextEvent())
		}
		if len(got) == total {
			break
		}
		auth := c.resumeAuth()
		c.close()
		var replay []recEvent
		c2 := c
		c2, replay = ts.connectRec(t, "/", auth)
		if c2.sid != s.ID() {
			t.Fatalf("round %d: not recovered (sid %s), stats %+v", round, c2.sid, ts.srv.RecoveryStats())
		}
		recv(t, sockets)
		where = fmt.Sprintf("replay%d(after %s)", round, auth["offset"])
		for _, e := range replay {
			take(e)
		}
		where = fmt.Sprintf("live%d", round)
		c = c2
	}
	<-done
	for i, v := range got {
		if v != i {
			t.Fatalf("event %d is %d: %v %q", i, v, got[max(0, i-5):min(len(got), i+5)], from[max(0, i-5):min(len(got), i+5)])
		}
	}
}

func TestWithOffsetMatchesEncoding(t *testing.T) {
	for _, data := range [][]any{
		{"e"},
		{"e", 1, "two", map[string]any{"x": []any{1, 2}}},
		{"e", []byte{1, 2}, map[string]any{"b": []byte{3}}},
		{"e", "</script>&"},
	} {
		p := &parser.Packet{Type: parser.Event, Namespace: "/n", Data: data}
		text, atts, err := encodeEvent(p)
		if err != nil {
			t.Fatal(err)
		}
		off := Offset{Node: "abc", Time: 1700000000000, Seq: 42}.String()
		q := *p
		q.Data = append(append([]any{}, data...), off)
		want, wantAtts, _ := parser.Encode(&q)
		if got := withOffset(text, off); !bytes.Equal(got, want) || len(atts) != len(wantAtts) {
			t.Fatalf("withOffset %q, encoding %q", got, want)
		}
	}
}

func TestParseOffset(t *testing.T) {
	o := Offset{Node: "Node01", Time: 1700000000123, Seq: 7}
	got, err := ParseOffset(o.String())
	if err != nil || got != o {
		t.Fatalf("round trip %v: %v %v", o, got, err)
	}
	for _, bad := range []string{"", "-", "a-1", "a-1-0", "a--1", "a-1-", "a b-1-1", "a-+1-1", "a-1-+1", "a-1-1-1", "a-zzzzzzzzzzzzzz-1", "é-1-1", strings.Repeat("a", 33) + "-1-1"} {
		if _, err := ParseOffset(bad); err == nil {
			t.Errorf("ParseOffset(%q) accepted", bad)
		}
	}
}

func FuzzParseOffset(f *testing.F) {
	f.Add("abc-1-1")
	f.Add("Node01-loy1xpqz-7")
	f.Add("a-1-")
	f.Fuzz(func(t *testing.T, s string) {
		o, err := ParseOffset(s)
		if err != nil {
			return
		}
		back, err := ParseOffset(o.String())
		if err != nil || back != o {
			t.Fatalf("%q parsed as %+v, which prints %q and parses as %+v (%v)", s, o, o.String(), back, err)
		}
	})
}

// TestRecoveryCloseRequestBadInput: another node's close request (from
// Redis) with no pid, a pid that is not a string, or one nobody here has:
// answered false, nothing closed; the pid of a connected socket: its
// connection closed and its session saved, answered true.
func TestRecoveryCloseRequestBadInput(t *testing.T) {
	ts := newMemoryServer(t, NewMemoryRecoveryStore(MemoryRecoveryStoreOptions{}))
	c := ts.dial(t, "EIO=4")
	c.send("0")
	reply := c.text()
	if connectPIDReply.FindStringSubmatch(reply) == nil {
		t.Fatalf("CONNECT %q", reply)
	}
	// The connection handler's "hello": the socket is registered by then.
	if name, _ := c.event(); name != "hello" {
		t.Fatalf("got %q, want hello", name)
	}
	n := ts.srv.Of("/")
	for _, args := range [][]any{nil, {}, {42.0}, {nil}, {""}, {"no-such-pid"}, {map[string]any{"pid": "x"}}} {
		got := make(chan any, 1)
		n.DispatchServerSideEmitWithAck(recoveryCloseEvent, args, func(v any) { got <- v })
		select {
		case v := <-got:
			if v != false {
				t.Fatalf("args %v: answered %v, want false", args, v)
			}
		case <-time.After(waitTimeout):
			t.Fatalf("args %v: no answer", args)
		}
	}
	if st := ts.srv.RecoveryStats(); st.Saved != 0 {
		t.Fatalf("a session was saved: %+v", st)
	}
	pid := connectPIDReply.FindStringSubmatch(reply)[3]
	got := make(chan any, 1)
	n.DispatchServerSideEmitWithAck(recoveryCloseEvent, []any{pid}, func(v any) { got <- v })
	select {
	case v := <-got:
		if v != true {
			t.Fatalf("answered %v, want true", v)
		}
	case <-time.After(waitTimeout):
		t.Fatal("no answer")
	}
	if st := ts.srv.RecoveryStats(); st.Saved != 1 {
		t.Fatalf("stats %+v, want the session saved", st)
	}
	c.close()
}

// TestRecoveryBroadcastEncodedOffset: a packet another node kept, handed
// over encoded (BroadcastEncoded with its offset), reaches the client with
// the offset as its last argument, keys as they were; a malformed offset
// is dropped, the packet delivered without one.
func TestRecoveryBroadcastEncodedOffset(t *testing.T) {
	ts := newMemoryServer(t, NewMemoryRecoveryStore(MemoryRecoveryStoreOptions{}))
	c := ts.dial(t, "EIO=4")
	c.send("0")
	c.text()
	if name, _ := c.event(); name != "hello" {
		t.Fatalf("got %q, want hello", name)
	}
	a := ts.srv.Of("/").adapter.(*InMemoryAdapter)
	rooms := []string{"all"}
	a.BroadcastEncoded(BroadcastOptions{Rooms: rooms, Offset: "other1-lx3k-7"}, EncodedPacket{Text: []byte(`2["m",{"z":1,"a":2}]`)})
	if got := c.text(); got != `2["m",{"z":1,"a":2},"other1-lx3k-7"]` {
		t.Fatalf("got %q", got)
	}
	a.BroadcastEncoded(BroadcastOptions{Rooms: rooms, Offset: "not an offset"}, EncodedPacket{Text: []byte(`2["m",3]`)})
	if got := c.text(); got != `2["m",3]` {
		t.Fatalf("got %q", got)
	}
	c.close()
}
