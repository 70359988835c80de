package redis

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	goredis "github.com/redis/go-redis/v9"

	"github.com/rpsio/rpsio/internal/redistest"
	"github.com/rpsio/rpsio/socketio"
	"github.com/rpsio/rpsio/socketio/parser"
)

const recWait = 10 * time.Second

// recNode is an rpsio node with recovery on, its adapter and store in a
// shared Redis.
type recNode struct {
	srv     *socketio.Server
	hs      *httptest.Server
	sockets chan *socketio.Socket
}

func startRecNode(t *testing.T, url string) *recNode {
	return startRecNodeWith(t, url, 0)
}

// startRecNodeWith: maxPackets bounds a session's missed packets (0: the
// default).
func startRecNodeWith(t *testing.T, url string, maxPackets int) *recNode {
	t.Helper()
	o, err := goredis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	rdb := goredis.NewClient(o)
	cl := New(rdb, Options{Logger: quietLog()})
	n := &recNode{sockets: make(chan *socketio.Socket, 64)}
	n.srv = socketio.NewServer(socketio.Options{
		Adapter:  cl.Adapter,
		Recovery: &socketio.RecoveryOptions{MaxPackets: maxPackets, Store: cl.RecoveryStore(RecoveryStoreOptions{MaxRoomPackets: maxPackets})},
		Logger:   quietLog(),
	})
	n.srv.Of("/").OnConnection(func(s *socketio.Socket) {
		s.On("join", func(e *socketio.Event) {
			if r, ok := e.Args[0].(string); ok {
				s.Join(r)
			}
			_ = e.Ack()
		})
		n.sockets <- s
	})
	ctx, cancel := context.WithTimeout(context.Background(), recWait)
	defer cancel()
	if err := n.srv.Run(ctx); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", n.srv)
	n.hs = httptest.NewServer(mux)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), recWait)
		defer cancel()
		n.hs.CloseClientConnections()
		if err := n.srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		n.hs.Close()
		_ = rdb.Close()
	})
	return n
}

// rawClient is a Socket.IO client over one WebSocket that answers pings
// and tracks the last offset, as socket.io-client 4.6+ does.
type rawClient struct {
	t          *testing.T
	ws         *websocket.Conn
	packets    chan *parser.Packet
	done       chan struct{}
	wmu        sync.Mutex
	sid, pid   string
	lastOffset string
}

type got struct {
	name   string
	n      int
	offset string
}

func dialRec(t *testing.T, n *recNode, auth map[string]any) (*rawClient, []got) {
	t.Helper()
	url := "ws" + strings.TrimPrefix(n.hs.URL, "http") + "/socket.io/?EIO=4&transport=websocket"
	ws, resp, err := websocket.DefaultDialer.Dial(url, nil)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	c := &rawClient{t: t, ws: ws, packets: make(chan *parser.Packet, 10000), done: make(chan struct{})}
	c.lastOffset, _ = auth["offset"].(string)
	t.Cleanup(c.close)
	go c.read()
	b := []byte{}
	if auth != nil {
		b, _ = json.Marshal(auth)
	}
	c.write("40" + string(b))
	var before []got
	for {
		p := c.next()
		switch p.Type {
		case parser.Event:
			before = append(before, c.note(p))
		case parser.Connect:
			d, _ := p.Data.(map[string]any)
			c.sid, _ = d["sid"].(string)
			c.pid, _ = d["pid"].(string)
			return c, before
		default:
			t.Fatalf("got %v %#v before CONNECT", p.Type, p.Data)
		}
	}
}

func (c *rawClient) read() {
	defer close(c.done)
	var dec parser.Decoder
	for {
		mt, data, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		if mt == websocket.TextMessage && len(data) > 0 && data[0] == '2' {
			c.write("3")
			continue
		}
		var p *parser.Packet
		if mt == websocket.BinaryMessage {
			p, err = dec.AddBinary(data)
		} else if len(data) > 0 && data[0] == '4' {
			p, err = dec.AddText(data[1:])
		} else {
			continue
		}
		if err != nil {
			c.t.Errorf("decoding %q: %v", data, err)
			return
		}
		if p != nil {
			c.packets <- p
		}
	}
}

func (c *rawClient) write(s string) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.WriteMessage(websocket.TextMessage, []byte(s))
}

func (c *rawClient) close() { _ = c.ws.Close() }

func (c *rawClient) next() *parser.Packet {
	c.t.Helper()
	select {
	case p := <-c.packets:
		return p
	case <-time.After(recWait):
		c.t.Fatal("timed out waiting for a packet")
		return nil
	}
}

func (c *rawClient) note(p *parser.Packet) got {
	args := p.Data.([]any)
	g := got{}
	g.name, _ = args[0].(string)
	if len(args) > 1 {
		if f, ok := args[1].(float64); ok {
			g.n = int(f)
		}
	}
	if off, ok := args[len(args)-1].(string); ok && len(args) > 1 {
		g.offset, c.lastOffset = off, off
	}
	return g
}

func (c *rawClient) event() got {
	c.t.Helper()
	for {
		p := c.next()
		if p.Type == parser.Event {
			return c.note(p)
		}
	}
}

func (c *rawClient) resume() map[string]any {
	return map[string]any{"pid": c.pid, "offset": c.lastOffset}
}

func recv[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(recWait):
		t.Fatalf("timed out waiting on a %T channel", *new(T))
		panic("unreachable")
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(recWait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// TestRecoveryAcrossNodes: a client of node A drops; events are emitted to
// it and its room from both nodes; it comes back through node B with its
// id, rooms and data, and every missed event once, in order.
func TestRecoveryAcrossNodes(t *testing.T) {
	rs := redistest.Start(t)
	a, b := startRecNode(t, rs.URL()), startRecNode(t, rs.URL())
	c, _ := dialRec(t, a, nil)
	s := recv(t, a.sockets)
	s.Join("room")
	s.Set("name", "ann")
	_ = s.Emit("hello", 0)
	if e := c.event(); e.name != "hello" || e.offset == "" {
		t.Fatalf("got %+v", e)
	}
	c.close()
	waitUntil(t, "the session to be saved", func() bool { return a.srv.RecoveryStats().Saved == 1 })
	// From either node, to the socket's id room or to its room.
	for i := 1; i <= 100; i++ {
		n, to := a, s.ID()
		if i%2 == 0 {
			n = b
		}
		if i%3 == 0 {
			to = "room"
		}
		if err := n.srv.Of("/").To(to).Emit("m", i); err != nil {
			t.Fatal(err)
		}
	}
	// The client comes back (through B) after A saved the session, as
	// its reconnection delay makes it.
	waitSession(t, rs.URL(), c.pid)
	c2, replay := dialRec(t, b, c.resume())
	// What B received live after joining the rooms follows the CONNECT.
	for len(replay) < 100 {
		replay = append(replay, c2.event())
	}
	if c2.sid != s.ID() || c2.pid != c.pid {
		t.Fatalf("came back as %s/%s, want %s/%s (stats %+v)", c2.sid, c2.pid, s.ID(), c.pid, b.srv.RecoveryStats())
	}
	s2 := recv(t, b.sockets)
	if !s2.Recovered() {
		t.Fatal("socket not recovered")
	}
	if v, _ := s2.Get("name"); v != "ann" {
		t.Fatalf("data name=%v", v)
	}
	if rooms := strings.Join(s2.Rooms(), ","); !strings.Contains(rooms, "room") || !strings.Contains(rooms, s.ID()) {
		t.Fatalf("rooms %s", rooms)
	}
	// Every event once; each node's in the order it emitted them (between
	// nodes the order is their clocks', which cannot know the order of
	// emits in this test's goroutine within one millisecond).
	seen := map[int]bool{}
	last := map[bool]int{}
	for _, e := range replay {
		fromB := e.n%2 == 0
		if seen[e.n] || e.n <= last[fromB] {
			t.Fatalf("replay %v: %d twice or out of its node's order", replay, e.n)
		}
		seen[e.n], last[fromB] = true, e.n
	}
	if len(seen) != 100 {
		t.Fatalf("replayed %d events, want 100: %v", len(seen), replay)
	}
	// Live on B; and A's broadcasts reach it through Redis.
	_ = a.srv.Of("/").To("room").Emit("m", 101)
	if e := c2.event(); e.n != 101 || e.offset == "" {
		t.Fatalf("got %+v", e)
	}

	// Again, back to A, with 100 events from B only: exactly in order.
	c2.close()
	waitSession(t, rs.URL(), c.pid)
	for i := 1; i <= 100; i++ {
		_ = b.srv.Of("/").To([]string{s.ID(), "room"}[i%2]).Emit("m", i)
	}
	c3, replay := dialRec(t, a, c2.resume())
	if c3.sid != s.ID() {
		t.Fatal("not recovered on A")
	}
	for len(replay) < 100 {
		replay = append(replay, c3.event())
	}
	recv(t, a.sockets)
	for i, e := range replay {
		if e.n != i+1 {
			t.Fatalf("replay %v is not 1..100", replay)
		}
	}
	if len(replay) != 100 {
		t.Fatalf("replayed %d", len(replay))
	}
}

// waitSession waits until a saved session is in Redis.
func waitSession(t *testing.T, url, pid string) {
	t.Helper()
	o, _ := goredis.ParseURL(url)
	rdb := goredis.NewClient(o)
	defer rdb.Close()
	waitUntil(t, "the session to be saved in Redis", func() bool {
		n, err := rdb.Exists(context.Background(), "{socket.io#/}#rec#s#"+pid).Result()
		return err == nil && n == 1
	})
}

// TestRecoveryAcrossNodesStress: both nodes emit to the client's room
// without pause while the client drops and comes back again and again,
// alternately through each node, each time after reading part of what
// came. In the end it has every event of each node once, and each node's
// in order.
func TestRecoveryAcrossNodesStress(t *testing.T) {
	rs := redistest.Start(t)
	nodes := []*recNode{startRecNodeWith(t, rs.URL(), 5000), startRecNodeWith(t, rs.URL(), 5000)}
	c, _ := dialRec(t, nodes[0], nil)
	s := recv(t, nodes[0].sockets)
	s.Join("room")
	const perNode = 600
	var wg sync.WaitGroup
	for k, n := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perNode; i++ {
				_ = n.srv.Of("/").To("room").Emit(fmt.Sprint("n", k), i)
				if i%20 == 0 {
					time.Sleep(time.Millisecond)
				}
			}
		}()
	}
	next := map[string]int{"n0": 0, "n1": 0}
	total := 0
	take := func(e got, where string) {
		if want := next[e.name]; e.n != want {
			t.Fatalf("%s: got %s %d, want %d", where, e.name, e.n, want)
		}
		next[e.name]++
		total++
	}
	for round := 1; total < 2*perNode; round++ {
		if round > 300 {
			t.Fatalf("%d events after %d rounds", total, round)
		}
		for i := 0; i < 53 && total < 2*perNode; i++ {
			take(c.event(), fmt.Sprint("live ", round))
		}
		if total == 2*perNode {
			break
		}
		auth := c.resume()
		c.close()
		waitSession(t, rs.URL(), c.pid)
		var replay []got
		n := nodes[round%2]
		c, replay = dialRec(t, n, auth)
		if c.sid != s.ID() {
			t.Fatalf("round %d: not recovered (%+v %+v)", round, nodes[0].srv.RecoveryStats(), nodes[1].srv.RecoveryStats())
		}
		recv(t, n.sockets)
		for _, e := range replay {
			take(e, fmt.Sprint("replay ", round))
		}
	}
	wg.Wait()
}

// TestRecoveryOldConnectionOpenOnOtherNode: the client comes back through
// node B while its old connection is still open on node A (a phone that
// changed networks: A would only notice at a ping timeout). B asks the
// other nodes to close it; A does, which saves the session, and B
// recovers it: same id, every event sent since the client's last offset,
// once and in order.
func TestRecoveryOldConnectionOpenOnOtherNode(t *testing.T) {
	rs := redistest.Start(t)
	a, b := startRecNode(t, rs.URL()), startRecNode(t, rs.URL())
	c, _ := dialRec(t, a, nil)
	s := recv(t, a.sockets)
	s.Join("room")
	_ = s.Emit("hello", 0)
	if e := c.event(); e.name != "hello" || e.offset == "" {
		t.Fatalf("got %+v", e)
	}
	resume := c.resume()
	// Sent on the old connection, which the client no longer reads: it
	// missed them.
	for i := 1; i <= 20; i++ {
		n, to := a, s.ID()
		if i%2 == 0 {
			n, to = b, "room"
		}
		if err := n.srv.Of("/").To(to).Emit("m", i); err != nil {
			t.Fatal(err)
		}
	}
	// B's from the cluster have reached A (the old socket) once this one
	// has, as Redis delivers one publisher's messages in order.
	_ = b.srv.Of("/").To("room").Emit("m", 21)
	for e := c.event(); e.n != 21; e = c.event() {
	}
	c2, replay := dialRec(t, b, resume)
	if c2.sid != s.ID() {
		t.Fatalf("came back as %s, want %s (stats A %+v, B %+v)", c2.sid, s.ID(), a.srv.RecoveryStats(), b.srv.RecoveryStats())
	}
	select {
	case <-c.done:
	case <-time.After(recWait):
		t.Fatal("the old connection on A is still open")
	}
	for len(replay) < 21 {
		replay = append(replay, c2.event())
	}
	seen := map[int]bool{}
	last := map[bool]int{}
	for _, e := range replay {
		fromB := e.n%2 == 0 || e.n == 21
		if seen[e.n] || e.n <= last[fromB] {
			t.Fatalf("replay %v: %d twice or out of its node's order", replay, e.n)
		}
		seen[e.n], last[fromB] = true, e.n
	}
	if len(replay) != 21 {
		t.Fatalf("replayed %d events, want 21: %v", len(replay), replay)
	}
	if st := a.srv.RecoveryStats(); st.Saved != 1 {
		t.Fatalf("A saved %d sessions, want 1", st.Saved)
	}
}
