package redis

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rpsio/rpsio/adapter"
	"github.com/rpsio/rpsio/internal/redistest"
)

// recorder is an adapter.Metrics that keeps every call. It fails the test
// on a label value outside the documented sets (never client input).
type recorder struct {
	t  *testing.T
	mu sync.Mutex

	publishes []publishCall
	requests  []requestCall
	errs      map[string]int
	states    []stateCall
	dropped   map[string]int
}

type publishCall struct {
	kind string
	n    int
	d    time.Duration
	err  error
}

type requestCall struct {
	kind string
	d    time.Duration
	err  error
}

type stateCall struct {
	connected bool
	err       error
}

var _ adapter.Metrics = (*recorder)(nil)

func newRecorder(t *testing.T) *recorder {
	return &recorder{t: t, errs: map[string]int{}, dropped: map[string]int{}}
}

func (r *recorder) label(what, v string, allowed ...string) {
	if !slices.Contains(allowed, v) {
		r.t.Errorf("%s %q: not one of %v", what, v, allowed)
	}
}

func (r *recorder) ObservePublish(kind string, n int, d time.Duration, err error) {
	r.label("publish kind", kind, "broadcast", "request", "response")
	if n <= 0 || d < 0 {
		r.t.Errorf("ObservePublish(%s, %d, %v)", kind, n, d)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.publishes = append(r.publishes, publishCall{kind, n, d, err})
}

func (r *recorder) ObserveRequest(kind string, d time.Duration, err error) {
	r.label("request kind", kind, "fetchSockets", "allRooms", "serverSideEmit")
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests = append(r.requests, requestCall{kind, d, err})
}

func (r *recorder) RedisError(op string, err error) {
	r.label("op", op, "connect", "receive", "ping", "subscribe", "publish", "numsub")
	if err == nil {
		r.t.Errorf("RedisError(%s, nil)", op)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs[op]++
}

func (r *recorder) RedisConnected(connected bool, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.states = append(r.states, stateCall{connected, err})
}

func (r *recorder) Dropped(reason string) {
	r.label("drop reason", reason, "malformed", "lagging")
	r.mu.Lock()
	defer r.mu.Unlock()
	r.dropped[reason]++
}

// published is the messages of kind reported published (err nil).
func (r *recorder) published(kind string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, p := range r.publishes {
		if p.kind == kind && p.err == nil {
			n += p.n
		}
	}
	return n
}

func (r *recorder) publishCalls() []publishCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.publishes)
}

func (r *recorder) requestCalls(kind string) []requestCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []requestCall
	for _, q := range r.requests {
		if q.kind == kind {
			out = append(out, q)
		}
	}
	return out
}

func (r *recorder) errors(op string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.errs[op]
}

func (r *recorder) drops(reason string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.dropped[reason]
}

// state is the last connection state reported, and whether any was.
func (r *recorder) state() (stateCall, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.states) == 0 {
		return stateCall{}, false
	}
	return r.states[len(r.states)-1], true
}

func (r *recorder) connected() bool {
	s, ok := r.state()
	return ok && s.connected
}

// isTimeout is how server.Metrics tells a timeout (adapter.Metrics's
// contract).
func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &t) && t.Timeout())
}

// TestMetrics: what the adapter reports through Options.Metrics on real
// traffic: publishes by kind, requests with their outcome, a malformed
// message, a Redis outage and its end, and the close.
func TestMetrics(t *testing.T) {
	for _, sharded := range []bool{false, true} {
		t.Run("sharded="+strconv.FormatBool(sharded), func(t *testing.T) {
			check := goroutines(t)
			rs := redistest.Start(t)
			ra, rb := newRecorder(t), newRecorder(t)
			opts := Options{Sharded: sharded, RequestsTimeout: 300 * time.Millisecond, HealthCheckInterval: time.Second}
			opts.Metrics = ra
			A := startNode(t, rs, "A", opts)
			opts.Metrics = rb
			B := startNode(t, rs, "B", opts)

			// Run returns once subscribed: connected was reported by then.
			for _, r := range []*recorder{ra, rb} {
				if s, ok := r.state(); !ok || !s.connected || s.err != nil {
					t.Fatalf("after Run: state %+v reported %v", s, ok)
				}
			}

			// A broadcast: one publish of kind broadcast, timed.
			must(t, A.nsp("/").Emit("x", 1))
			poll(t, "A to report the broadcast published", func() bool { return ra.published("broadcast") == 1 })
			if st := A.cluster.Stats(); st.Published != 1 {
				t.Fatalf("Stats.Published %d, want 1", st.Published)
			}

			// Requests: A asks, B answers.
			if _, err := A.nsp("/").FetchSockets(t.Context()); err != nil {
				t.Fatal(err)
			}
			names, err := A.nsp("/").ServerSideEmitWithAck(t.Context(), "whoami")
			if err != nil || !slices.Equal(names, []any{"B"}) {
				t.Fatalf("whoami: %v %v", names, err)
			}
			kinds := []string{"fetchSockets", "serverSideEmit"}
			if !sharded {
				if _, err := A.nsp("/").AllRooms(t.Context()); err != nil {
					t.Fatal(err)
				}
				kinds = append(kinds, "allRooms")
			}
			for _, k := range kinds {
				calls := ra.requestCalls(k)
				if len(calls) != 1 || calls[0].err != nil || calls[0].d <= 0 {
					t.Fatalf("%s requests reported: %+v", k, calls)
				}
			}
			poll(t, "the requests and answers published", func() bool {
				return ra.published("request") == len(kinds) && rb.published("response") == len(kinds)
			})
			if got := len(rb.requestCalls("fetchSockets")); got != 0 {
				t.Fatalf("B, which only answered, reported %d requests", got)
			}

			// A request that times out: a frozen node counted as a node.
			frozen := goredis.NewClient(&goredis.Options{Addr: rs.Addr()})
			var ps *goredis.PubSub
			if sharded {
				ps = frozen.SSubscribe(t.Context(), "socket.io#/#")
			} else {
				ps = frozen.Subscribe(t.Context(), "socket.io-request#/#")
			}
			if _, err := ps.Receive(t.Context()); err != nil {
				t.Fatal(err)
			}
			if _, err := A.nsp("/").FetchSockets(t.Context()); !errors.Is(err, ErrTimeout) {
				t.Fatalf("FetchSockets with a frozen node: %v", err)
			}
			_ = ps.Close()
			_ = frozen.Close()
			calls := ra.requestCalls("fetchSockets")
			if last := calls[len(calls)-1]; !isTimeout(last.err) || last.d < opts.RequestsTimeout {
				t.Fatalf("the timed out request reported as %+v (a timeout: %v)", last, isTimeout(last.err))
			}

			// A malformed message on the namespace's channel: dropped by
			// both nodes, counted.
			pub := "PUBLISH"
			if sharded {
				pub = "SPUBLISH"
			}
			if _, err := rs.Do(pub, "socket.io#/#", "{not a message"); err != nil {
				t.Fatal(err)
			}
			for _, n := range []struct {
				r *recorder
				c *Cluster
			}{{ra, A.cluster}, {rb, B.cluster}} {
				poll(t, "the malformed message counted", func() bool { return n.r.drops("malformed") == 1 })
				if m := n.c.Stats().Malformed; m != 1 {
					t.Fatalf("Stats.Malformed %d", m)
				}
			}

			// Redis down: lost, receive error, then failed reconnections;
			// a publish retried, a request failing at once.
			rs.Stop()
			poll(t, "A to report the connection lost", func() bool {
				s, _ := ra.state()
				return !s.connected && s.err != nil
			})
			if ra.errors("receive") != 1 {
				t.Fatalf("receive errors %d, want 1 (the loss)", ra.errors("receive"))
			}
			poll(t, "a failed reconnection counted", func() bool { return ra.errors("connect") > 0 })
			if _, err := A.nsp("/").FetchSockets(t.Context()); !errors.Is(err, ErrUnavailable) {
				t.Fatalf("FetchSockets during the outage: %v", err)
			}
			calls = ra.requestCalls("fetchSockets")
			if last := calls[len(calls)-1]; !errors.Is(last.err, ErrUnavailable) || isTimeout(last.err) {
				t.Fatalf("the failed request reported as %+v", last)
			}
			publishesBefore := len(ra.publishCalls())
			must(t, A.nsp("/").Emit("during", 1))
			emitted := time.Now()
			poll(t, "the failed publish counted", func() bool { return ra.errors("publish") > 0 })
			if got := len(ra.publishCalls()); got != publishesBefore {
				t.Fatalf("a publish that is being retried was reported done: %+v", ra.publishCalls()[publishesBefore:])
			}

			// Back: connected again, the queued broadcast goes through,
			// timed from when it was queued.
			restarting := time.Now()
			rs.Start()
			poll(t, "A and B to report the connection back", func() bool { return ra.connected() && rb.connected() })
			poll(t, "the queued broadcast published", func() bool { return ra.published("broadcast") == 2 })
			var last publishCall
			for _, p := range ra.publishCalls() {
				if p.kind == "broadcast" {
					last = p
				}
			}
			if last.err != nil || last.n != 1 || last.d < restarting.Sub(emitted) {
				t.Fatalf("the broadcast queued during the outage reported as %+v, want at least %v", last, restarting.Sub(emitted))
			}
			names, err = A.nsp("/").ServerSideEmitWithAck(t.Context(), "whoami")
			if err != nil || !slices.Equal(names, []any{"B"}) {
				t.Fatalf("whoami after the outage: %v %v", names, err)
			}

			// Closing reports the connection gone.
			A.stop()
			if s, _ := ra.state(); s.connected || !errors.Is(s.err, ErrNotRunning) {
				t.Fatalf("after Shutdown: %+v", s)
			}
			B.stop()
			for _, r := range []*recorder{ra, rb} {
				for _, p := range r.publishCalls() {
					if p.err != nil {
						t.Errorf("a publish reported failed: %+v", p)
					}
				}
			}
			rs.Stop()
			check()
		})
	}
}

// TestMetricsLagging: a node whose handling is held up drops what
// overflows its receive queue, and says so.
func TestMetricsLagging(t *testing.T) {
	rs := redistest.Start(t)
	rb := newRecorder(t)
	A := startNode(t, rs, "A", Options{})
	B := startNode(t, rs, "B", Options{ReceiveQueueSize: 1, Metrics: rb})
	release, entered := make(chan struct{}), make(chan struct{})
	var once sync.Once
	unblock := func() { once.Do(func() { close(release) }) }
	t.Cleanup(unblock) // before B's Shutdown (cleanups run last first)
	B.nsp("/").OnServerSideEmit("block", func([]any) {
		close(entered)
		<-release
	})
	must(t, A.nsp("/").ServerSideEmit(t.Context(), "block"))
	select {
	case <-entered:
	case <-time.After(5 * time.Second):
		t.Fatal("B did not receive the blocking event")
	}
	// B's dispatcher is held: its queue takes one message, the rest drop.
	for i := range 10 {
		must(t, A.nsp("/").Emit("n", i))
	}
	poll(t, "B to drop and report lagging", func() bool { return rb.drops("lagging") >= 9 })
	unblock()
	poll(t, "B to take the rest", func() bool { return B.cluster.Stats().Received >= 11 })
	if st := B.cluster.Stats(); uint64(rb.drops("lagging")) != st.ReceiveDropped {
		t.Fatalf("lagging reported %d, Stats.ReceiveDropped %d", rb.drops("lagging"), st.ReceiveDropped)
	}
	if rb.drops("malformed") != 0 {
		t.Fatal("a well-formed message reported malformed")
	}
}

// TestMetricsPublishRefused: a publish Redis refuses is given up and
// reported with its error (here PUBLISH is renamed away).
func TestMetricsPublishRefused(t *testing.T) {
	rs := redistest.Start(t, "--rename-command", "PUBLISH", "")
	ra := newRecorder(t)
	A := startNode(t, rs, "A", Options{Metrics: ra})
	must(t, A.nsp("/").Emit("x"))
	poll(t, "the refused publish reported", func() bool { return len(ra.publishCalls()) == 1 })
	p := ra.publishCalls()[0]
	var rerr goredis.Error
	if p.kind != "broadcast" || p.n != 1 || !errors.As(p.err, &rerr) {
		t.Fatalf("reported %+v", p)
	}
	if ra.errors("publish") != 0 {
		t.Fatal("the refused publish was also reported through RedisError")
	}
	if st := A.cluster.Stats(); st.PublishDropped != 1 || st.Published != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// TestMetricsRunFails: Run without Redis reports a connect error and the
// connection down.
func TestMetricsRunFails(t *testing.T) {
	rs := redistest.Start(t)
	rs.Stop()
	rdb := goredis.NewClient(&goredis.Options{Addr: rs.Addr(), MaxRetries: -1})
	defer rdb.Close()
	r := newRecorder(t)
	c := New(rdb, Options{Logger: quiet, Metrics: r})
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := c.acquire(ctx); err == nil {
		t.Fatal("acquire without Redis succeeded")
	}
	if s, ok := r.state(); !ok || s.connected || s.err == nil || r.errors("connect") != 1 {
		t.Fatalf("state %+v (reported %v), connect errors %d", s, ok, r.errors("connect"))
	}
}

// countMetrics counts without allocating.
type countMetrics struct {
	adapter.Nop
	publishes, messages atomic.Int64
}

func (m *countMetrics) ObservePublish(_ string, n int, _ time.Duration, _ error) {
	m.publishes.Add(1)
	m.messages.Add(int64(n))
}

// TestMetricsNoAllocation: reporting costs no allocation on the publish
// path: queueing a message (timestamped, with its kind) and reporting a
// pipeline of mixed kinds.
func TestMetricsNoAllocation(t *testing.T) {
	m := &countMetrics{}
	c := New(nil, Options{Logger: quiet, Metrics: m})
	c.run = &runState{pubq: make(chan pubItem, 1)}
	payload := []byte("payload")
	if n := testing.AllocsPerRun(100, func() {
		if err := c.publish(pubBroadcast, "socket.io#/#", payload); err != nil {
			t.Fatal(err)
		}
		<-c.run.pubq
	}); n != 0 {
		t.Errorf("publish: %v allocations", n)
	}
	batch := make([]pubItem, 256)
	for i := range batch {
		batch[i] = pubItem{channel: "socket.io#/#", kind: pubKind(i % int(numPubKinds)), queued: int64(i)}
	}
	if n := testing.AllocsPerRun(100, func() { c.observePublish(batch, nil) }); n != 0 {
		t.Errorf("observePublish: %v allocations", n)
	}
	// AllocsPerRun runs the function once more than it counts.
	if p, msgs := m.publishes.Load(), m.messages.Load(); p != 101*3 || msgs != 101*256 {
		t.Fatalf("%d publishes of %d messages reported", p, msgs)
	}
}
