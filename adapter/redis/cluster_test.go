package redis

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rpsio/rpsio/internal/redistest"
	"github.com/rpsio/rpsio/internal/siotest"
	"github.com/rpsio/rpsio/socketio"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// node is one in-process rpsio node: a socketio.Server on a loopback
// port with the Redis adapter.
type node struct {
	t       *testing.T
	name    string
	srv     *socketio.Server
	hs      *httptest.Server
	rdb     *goredis.Client
	cluster *Cluster
	sockets chan *socketio.Socket
	side    chan []any // "side" server-side events received
}

func startNode(t *testing.T, rs *redistest.Server, name string, opts Options) *node {
	t.Helper()
	n := &node{t: t, name: name, sockets: make(chan *socketio.Socket, 64), side: make(chan []any, 64)}
	n.rdb = goredis.NewClient(&goredis.Options{Addr: rs.Addr(), MaxRetries: -1, DialTimeout: time.Second})
	if opts.Logger == nil {
		opts.Logger = quiet
	}
	n.cluster = New(n.rdb, opts)
	n.srv = socketio.NewServer(socketio.Options{Adapter: n.cluster.Adapter, Logger: quiet})
	for _, nspName := range []string{"/", "/custom"} {
		nsp := n.srv.Of(nspName)
		nsp.OnConnection(func(s *socketio.Socket) { n.sockets <- s })
		nsp.OnServerSideEmit("side", func(args []any) { n.side <- args })
		nsp.OnServerSideEmitWithAck("whoami", func(_ []any, ack func(any)) { ack(name) })
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.srv.Run(ctx); err != nil {
		t.Fatalf("Run %s: %v", name, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", n.srv)
	n.hs = httptest.NewServer(mux)
	t.Cleanup(n.stop)
	return n
}

func (n *node) stop() {
	if n.hs == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := n.srv.Shutdown(ctx); err != nil {
		n.t.Errorf("Shutdown %s: %v", n.name, err)
	}
	n.hs.Close()
	_ = n.rdb.Close()
	n.hs = nil
}

// client connects a client to the namespace and returns it with its
// server-side socket. Every client answers "question" with "ans-" + its
// name.
func (n *node) client(nsp, cname string) (*siotest.Client, *socketio.Socket) {
	n.t.Helper()
	c := siotest.Dial(n.t, n.hs.URL, nsp, `{"name":"`+cname+`"}`, func(e siotest.Event) bool {
		if e.Name == "question" && e.Ack != nil {
			e.Ack("ans-"+cname, "ignored")
			return true
		}
		return false
	})
	select {
	case s := <-n.sockets:
		if s.ID() != c.ID {
			n.t.Fatalf("socket %s, client says %s", s.ID(), c.ID)
		}
		return c, s
	case <-time.After(siotest.Wait):
		n.t.Fatal("no socket")
		return nil, nil
	}
}

func (n *node) nsp(name string) *socketio.Namespace { return n.srv.Of(name) }

func poll(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(siotest.Wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// markerAfter proves that nothing else reached c: a marker sent through
// the same node after the operation arrives next (a node publishes in
// order and each node handles what it receives in order).
func markerAfter(t *testing.T, from *node, nsp string, cs ...*siotest.Client) {
	t.Helper()
	for _, c := range cs {
		if err := from.nsp(nsp).To(c.ID).Emit("marker"); err != nil {
			t.Fatal(err)
		}
		c.Expect("marker")
	}
}

// goroutines returns a check that the goroutine count comes back down.
func goroutines(t *testing.T) func() {
	before := runtime.NumGoroutine()
	return func() {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > before {
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				t.Fatalf("%d goroutines, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

func args() []any {
	return []any{1.0, -2.5, "s", []byte{1, 2, 3}, map[string]any{"k": []any{true, nil}}, 1e15}
}

func TestTwoNodes(t *testing.T) {
	for _, mode := range []struct {
		name string
		opts Options
	}{
		{"classic", Options{}},
		{"sharded", Options{Sharded: true}},
		{"sharded-static", Options{Sharded: true, SubscriptionMode: Static}},
		{"classic-specific-response", Options{PublishOnSpecificResponseChannel: true, Prefix: "custom-prefix"}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			check := goroutines(t)
			rs := redistest.Start(t)
			A := startNode(t, rs, "A", mode.opts)
			B := startNode(t, rs, "B", mode.opts)
			for _, nsp := range []string{"/", "/custom"} {
				t.Run(nsp, func(t *testing.T) { testOperations(t, rs, mode.opts, A, B, nsp) })
			}
			A.stop()
			B.stop()
			rs.Stop()
			check()
		})
	}
}

func testOperations(t *testing.T, rs *redistest.Server, opts Options, A, B *node, nsp string) {
	a, sa := A.client(nsp, "a")
	b, sb := B.client(nsp, "b")
	b2, _ := B.client(nsp, "b2")
	sa.Join("r")
	sb.Join("r")
	if opts.Sharded && opts.SubscriptionMode != Static {
		// The room's channel is subscribed shortly after the room appears.
		for room, n := range map[string]string{"r": "2", sb.ID(): "1"} {
			ch := "socket.io#" + nsp + "#" + room + "#"
			poll(t, "the nodes subscribed to "+ch, func() bool {
				out, _ := rs.Do("PUBSUB", "SHARDNUMSUB", ch)
				return out == "*2 "+ch+" "+n
			})
		}
	}

	// Broadcasts both ways, every argument type, binary included.
	for _, dir := range []struct {
		from *node
		name string
	}{{A, "A"}, {B, "B"}} {
		if err := dir.from.nsp(nsp).To("r").Emit("ev", args()...); err != nil {
			t.Fatal(err)
		}
		for _, c := range []*siotest.Client{a, b} {
			e := c.Expect("ev")
			if !reflect.DeepEqual(e.Args, args()) {
				t.Fatalf("from %s: %s got %#v", dir.name, c.ID, e.Args)
			}
		}
		markerAfter(t, dir.from, nsp, b2)
	}
	// To a remote socket id, except, local, volatile, whole namespace.
	must(t, A.nsp(nsp).To(sb.ID()).Emit("to-id"))
	b.Expect("to-id")
	must(t, A.nsp(nsp).To("r").Except(sb.ID()).Emit("except"))
	a.Expect("except")
	must(t, A.nsp(nsp).Local().Emit("local"))
	a.Expect("local")
	// A volatile packet is dropped for a client whose connection is
	// writing at that moment (a ping, say): emit until each got one.
	got := map[*siotest.Client]bool{}
	for try := 0; len(got) < 3; try++ {
		if try == 20 {
			t.Fatalf("after %d volatile broadcasts, %d of 3 clients got one", try, len(got))
		}
		must(t, A.nsp(nsp).Volatile().Emit("volatile"))
		for _, c := range []*siotest.Client{a, b, b2} {
			must(t, A.nsp(nsp).To(c.ID).Emit("marker"))
			timeout := time.After(siotest.Wait)
		events:
			for {
				select {
				case e := <-c.Events:
					switch e.Name {
					case "volatile":
						got[c] = true
					case "marker":
						break events
					default:
						t.Fatalf("%s: got event %q %v, want volatile or marker", c.ID, e.Name, e.Args)
					}
				case <-timeout:
					t.Fatalf("%s: timed out waiting for the marker", c.ID)
				}
			}
		}
	}
	markerAfter(t, A, nsp, b, b2)

	// FetchSockets both ways, with the remote handshake converted back.
	for _, from := range []*node{A, B} {
		socks, err := from.nsp(nsp).In("r").FetchSockets(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		ids := []string{}
		for _, s := range socks {
			ids = append(ids, s.ID)
			if s.ID == sb.ID() {
				if s.Handshake.Auth["name"] != "b" || url.Values(s.Handshake.Query).Get("EIO") != "4" || s.Handshake.Time == 0 ||
					!slices.Contains(s.Rooms, "r") || s.Namespace != nsp || http.Header(s.Handshake.Headers).Get("Upgrade") == "" {
					t.Fatalf("b as fetched: %+v", s)
				}
			}
		}
		sort.Strings(ids)
		if want := sorted(sa.ID(), sb.ID()); !reflect.DeepEqual(ids, want) {
			t.Fatalf("FetchSockets = %v, want %v", ids, want)
		}
	}

	// SocketsJoin / SocketsLeave: local at once, remote shortly after.
	must(t, A.nsp(nsp).In("r").SocketsJoin(t.Context(), "t"))
	if !slices.Contains(sa.Rooms(), "t") {
		t.Fatal("the local socket did not join before SocketsJoin returned")
	}
	poll(t, "b to join t", func() bool { return slices.Contains(sb.Rooms(), "t") })
	must(t, B.nsp(nsp).In("t").SocketsLeave(t.Context(), "t"))
	poll(t, "a to leave t", func() bool { return !slices.Contains(sa.Rooms(), "t") })
	if slices.Contains(sb.Rooms(), "t") {
		t.Fatal("the local socket still in t")
	}

	// Broadcast with acknowledgements: counts, then the acks, both nodes.
	acks, err := A.nsp(nsp).To("r").Timeout(siotest.Wait).EmitWithAck(t.Context(), "question", "q?")
	if err != nil {
		t.Fatal(err)
	}
	if got := sortedAny(acks); !reflect.DeepEqual(got, []string{"ans-a", "ans-b"}) {
		t.Fatalf("acks %v", acks)
	}
	acks, err = B.nsp(nsp).Timeout(siotest.Wait).EmitWithAck(t.Context(), "question")
	if err != nil || len(acks) != 3 {
		t.Fatalf("acks from the whole namespace %v %v", acks, err)
	}

	// Server-side events: the other node only.
	must(t, A.nsp(nsp).ServerSideEmit(t.Context(), "side", 1, "x"))
	if got := <-B.side; !reflect.DeepEqual(got, []any{1.0, "x"}) {
		t.Fatalf("side %v", got)
	}
	names, err := A.nsp(nsp).ServerSideEmitWithAck(t.Context(), "whoami")
	if err != nil || !reflect.DeepEqual(names, []any{"B"}) {
		t.Fatalf("whoami from A: %v %v", names, err)
	}
	names, err = B.nsp(nsp).ServerSideEmitWithAck(t.Context(), "whoami")
	if err != nil || !reflect.DeepEqual(names, []any{"A"}) {
		t.Fatalf("whoami from B: %v %v", names, err)
	}
	select {
	case got := <-A.side:
		t.Fatalf("A received its own server-side event %v", got)
	default:
	}

	if !opts.Sharded {
		rooms, err := A.nsp(nsp).AllRooms(t.Context())
		if err != nil || !slices.Contains(rooms, "r") || !slices.Contains(rooms, sb.ID()) {
			t.Fatalf("AllRooms %v %v", rooms, err)
		}
	}

	// DisconnectSockets(close): the room on both nodes, nobody else.
	must(t, A.nsp(nsp).In("r").DisconnectSockets(t.Context(), true))
	for _, c := range []*siotest.Client{a, b} {
		select {
		case <-c.Closed:
		case <-time.After(siotest.Wait):
			t.Fatalf("%s not disconnected", c.ID)
		}
	}
	markerAfter(t, A, nsp, b2)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func sorted(s ...string) []string {
	sort.Strings(s)
	return s
}

func sortedAny(vs []any) []string {
	out := []string{}
	for _, v := range vs {
		s, _ := v.(string)
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// TestRedisOutage: Redis killed and restarted while clients stay
// connected. Local delivery never stops, requests fail with a clear error
// instead of hanging, and the remote delivery resumes by itself.
func TestRedisOutage(t *testing.T) {
	for _, sharded := range []bool{false, true} {
		t.Run("sharded="+strconv.FormatBool(sharded), func(t *testing.T) {
			check := goroutines(t)
			rs := redistest.Start(t)
			var resubscribed atomic.Int32
			opts := Options{Sharded: sharded, RequestsTimeout: 500 * time.Millisecond, HealthCheckInterval: 200 * time.Millisecond,
				OnResubscribed: func() { resubscribed.Add(1) }}
			A := startNode(t, rs, "A", opts)
			B := startNode(t, rs, "B", opts)
			a, sa := A.client("/", "a")
			b, _ := B.client("/", "b")
			sa.Join("r")

			rs.Stop()
			for i := range 50 {
				// Does not block, whatever Redis does.
				_ = A.nsp("/").Emit("local", i)
				e := a.Expect("local")
				if e.Args[0] != float64(i) {
					t.Fatalf("local %v", e.Args)
				}
			}
			acks, err := A.nsp("/").In("r").Timeout(time.Second).EmitWithAck(t.Context(), "question")
			if !reflect.DeepEqual(acks, []any{"ans-a"}) {
				t.Fatalf("local acks during the outage %v %v", acks, err)
			}
			socks, err := A.nsp("/").FetchSockets(t.Context())
			if err == nil || len(socks) != 1 {
				t.Fatalf("FetchSockets during the outage: %v, %v", socks, err)
			}
			_, err = A.nsp("/").ServerSideEmitWithAck(t.Context(), "whoami")
			if err == nil {
				t.Fatal("ServerSideEmitWithAck during the outage: no error")
			}

			rs.Start()
			// Remote delivery resumes once both subscribers are back.
			for _, dir := range []struct {
				from *node
				to   *siotest.Client
			}{{A, b}, {B, a}} {
				deadline := time.Now().Add(10 * time.Second)
				for i := 0; ; i++ {
					_ = dir.from.nsp("/").To(dir.to.ID).Emit("again", i)
					select {
					case e := <-dir.to.Events:
						if e.Name == "again" {
							goto resumed
						}
					case <-time.After(50 * time.Millisecond):
					}
					if time.Now().After(deadline) {
						t.Fatal("remote delivery did not resume")
					}
				}
			resumed:
			}
			names, err := A.nsp("/").ServerSideEmitWithAck(t.Context(), "whoami")
			if err != nil || !reflect.DeepEqual(names, []any{"B"}) {
				t.Fatalf("whoami after the outage: %v %v", names, err)
			}
			// Each node told its application it may have missed messages.
			poll(t, "OnResubscribed on both nodes", func() bool { return resubscribed.Load() >= 2 })
			if A.cluster.Stats().Reconnects == 0 {
				t.Fatal("no reconnection counted")
			}
			// Shutting down while Redis is down does not wait on it.
			rs.Stop()
			poll(t, "the nodes to notice", func() bool { return A.cluster.down.Load() && B.cluster.down.Load() })
			start := time.Now()
			A.stop()
			B.stop()
			if d := time.Since(start); d > 3*time.Second {
				t.Fatalf("Shutdown with Redis down took %v", d)
			}
			check()
		})
	}
}

// TestDeadNode: a node that still holds its subscriptions but answers
// nothing (frozen) makes requests time out cleanly with what came.
func TestDeadNode(t *testing.T) {
	rs := redistest.Start(t)
	opts := Options{RequestsTimeout: 300 * time.Millisecond}
	A := startNode(t, rs, "A", opts)
	B := startNode(t, rs, "B", opts)
	a, sa := A.client("/", "a")
	_, sb := B.client("/", "b")
	sa.Join("r")
	sb.Join("r")
	_ = a
	// The frozen node: subscribed, silent.
	frozen := goredis.NewClient(&goredis.Options{Addr: rs.Addr()})
	defer frozen.Close()
	ps := frozen.Subscribe(t.Context(), "socket.io-request#/#")
	defer ps.Close()
	if _, err := ps.Receive(t.Context()); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	socks, err := A.nsp("/").In("r").FetchSockets(t.Context())
	if !errors.Is(err, ErrTimeout) || len(socks) != 2 {
		t.Fatalf("FetchSockets: %d sockets, %v", len(socks), err)
	}
	names, err := A.nsp("/").ServerSideEmitWithAck(t.Context(), "whoami")
	if !errors.Is(err, ErrTimeout) || !reflect.DeepEqual(names, []any{"B"}) {
		t.Fatalf("ServerSideEmitWithAck: %v %v", names, err)
	}
	acks, err := A.nsp("/").In("r").Timeout(300*time.Millisecond).EmitWithAck(t.Context(), "question")
	if !errors.Is(err, socketio.ErrAckTimeout) || len(acks) != 2 {
		t.Fatalf("EmitWithAck: %v %v", acks, err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("three timeouts of 300 ms took %v", d)
	}
	// The caller's context wins when it is shorter.
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if _, err := A.nsp("/").FetchSockets(ctx); !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("FetchSockets with a short context: %v", err)
	}
}

// TestRunFailsWithoutRedis: Run says clearly that Redis cannot be reached.
func TestRunFailsWithoutRedis(t *testing.T) {
	rs := redistest.Start(t)
	rs.Stop()
	rdb := goredis.NewClient(&goredis.Options{Addr: rs.Addr(), MaxRetries: -1})
	defer rdb.Close()
	srv := socketio.NewServer(socketio.Options{Adapter: New(rdb, Options{Logger: quiet}).Adapter, Logger: quiet})
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	err := srv.Run(ctx)
	if err == nil || !regexpMatch(`cannot reach Redis`, err.Error()) {
		t.Fatalf("Run = %v", err)
	}
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}

func regexpMatch(re, s string) bool { return regexp.MustCompile(re).MatchString(s) }

// TestNoMessageLost: under load every published broadcast reaches the
// other node's subscriber (go-redis's RESP3 reader used to drop a few; the
// subscriber connection is RESP2), and a client gets them in order.
func TestNoMessageLost(t *testing.T) {
	rs := redistest.Start(t)
	A := startNode(t, rs, "A", Options{})
	B := startNode(t, rs, "B", Options{})
	b, _ := B.client("/", "b")
	emit := func(n int, op socketio.BroadcastOperator) {
		for i := 0; i < n; {
			if op.Emit("n", i) == nil {
				i++
			} else {
				time.Sleep(time.Millisecond) // queue full: let the writer catch up
			}
		}
	}
	// To a room nobody is in on B: received, not decoded.
	const n = 30000
	before := B.cluster.Stats().Received
	emit(n, A.nsp("/").To("nobody"))
	poll(t, "B to receive every message", func() bool { return B.cluster.Stats().Received-before >= n })
	if st := B.cluster.Stats(); st.Received-before != n || st.ReceiveDropped != 0 {
		t.Fatalf("receiver stats %+v, want %d received", st, n)
	}
	// To a client, at a pace its connection can take: in order.
	const m = 500
	go emit(m, A.nsp("/").To(b.ID))
	for i := range m {
		e := b.Expect("n")
		if e.Args[0] != float64(i) {
			t.Fatalf("got n %v, want %d", e.Args, i)
		}
	}
}

// TestGroupedDeliveryKeepsOrder: broadcasts from another node handed to
// the local sockets together (deliveryGroup) arrive in order, across
// changes of rooms and volatile ones, and all of them before what a later
// request does (a disconnect).
func TestGroupedDeliveryKeepsOrder(t *testing.T) {
	rs := redistest.Start(t)
	A := startNode(t, rs, "A", Options{})
	B := startNode(t, rs, "B", Options{})
	b, sb := B.client("/", "b")
	sb.Join("r1", "r2")
	const n = 600
	for i := range n {
		op, event := A.nsp("/").To("r1"), "n"
		switch i % 7 {
		case 3:
			op = A.nsp("/").To("r2")
		case 4:
			op = A.nsp("/").To("r1", "r2")
		case 5:
			op, event = A.nsp("/").To("r1").Volatile(), "v" // may be dropped, else in order
		}
		for op.Emit(event, i) != nil {
			time.Sleep(time.Millisecond) // queue full
		}
	}
	must(t, A.nsp("/").In("r1").DisconnectSockets(context.Background(), false))
	// Every "n" in order, each "v" that was not dropped in its place, then
	// the disconnect.
	prev, gotN := -1, 0
	timeout := time.After(siotest.Wait)
	for done := false; !done; {
		select {
		case e := <-b.Events:
			switch e.Name {
			case "n", "v":
				i := int(e.Args[0].(float64))
				if i <= prev || (e.Name == "n") != (i%7 != 5) {
					t.Fatalf("got %s %d after %d", e.Name, i, prev)
				}
				if e.Name == "n" {
					if gotN++; i != prev+1 && (i != prev+2 || (prev+1)%7 != 5) {
						t.Fatalf("got n %d after %d: one missing", i, prev)
					}
				}
				prev = i
			case "disconnect":
				done = true
			default:
				t.Fatalf("got %s %v", e.Name, e.Args)
			}
		case <-timeout:
			t.Fatalf("timed out after %d", prev)
		}
	}
	if want := n - n/7; gotN != want {
		t.Fatalf("got %d n events before the disconnect, want %d", gotN, want)
	}
	if st := B.cluster.Stats(); st.ReceiveDropped != 0 || st.Malformed != 0 {
		t.Fatalf("receiver stats %+v", st)
	}
}
