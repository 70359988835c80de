package redis

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rpsio/rpsio/adapter"
	"github.com/rpsio/rpsio/socketio"
)

// Errors of the adapter; each is wrapped with details.
var (
	// ErrTimeout: a request to the other nodes had not all its answers in
	// time. What came is returned beside it. It has a Timeout() method
	// returning true, as net errors do, so that adapter.Metrics and
	// callers tell a timeout from a failure whatever ended the wait (the
	// request timeout or the caller's context).
	ErrTimeout error = timeoutError{}
	// ErrQueueFull: the publish queue is full (Redis down or too slow);
	// the message was dropped. Local delivery was not affected.
	ErrQueueFull = errors.New("redis adapter: publish queue full")
	// ErrNotRunning: the adapter is not started (or closed); the message
	// was not published. Local delivery was not affected.
	ErrNotRunning = errors.New("redis adapter: not running")
	// ErrUnavailable: Redis is unreachable (the subscriber connection is
	// down); a request fails at once rather than after go-redis's retries.
	ErrUnavailable = errors.New("redis adapter: Redis unreachable")
	// ErrRedisVersion: sharded mode needs Redis 7.0 or later.
	ErrRedisVersion = errors.New("redis adapter: Redis version too old")
)

type timeoutError struct{}

func (timeoutError) Error() string { return "redis adapter: timeout" }
func (timeoutError) Timeout() bool { return true }

// Stats counts what a Cluster did since it was made. Options.Metrics is
// told most of it as it happens, with the durations.
type Stats struct {
	// Published messages (PUBLISH or SPUBLISH sent and answered).
	Published uint64
	// PublishDropped: messages dropped because the publish queue was full
	// or the adapter was not running, or given up after Redis refused them.
	PublishDropped uint64
	// PublishRetries: pipelines sent again after a connection error.
	PublishRetries uint64
	// Received messages from the subscriber connection.
	Received uint64
	// ReceiveDropped: messages dropped because the node fell behind (the
	// receive queue was full).
	ReceiveDropped uint64
	// Malformed messages (undecodable, or not the expected shape),
	// dropped.
	Malformed uint64
	// Reconnects of the subscriber connection.
	Reconnects uint64
}

// Cluster joins this node's namespaces to the other Socket.IO nodes (Go or
// Node) that share a Redis. Make one per socketio.Server, and pass its
// Adapter method as socketio.Options.Adapter; Server.Run starts it and
// Server.Shutdown stops it. Every method is safe for concurrent use.
//
// All the namespaces share one subscriber connection (whose messages are
// handled one at a time, in arrival order) and one publishing goroutine
// (which sends the queued messages in order, batched into pipelines).
type Cluster struct {
	client  goredis.UniversalClient
	opts    Options
	log     *slog.Logger
	metrics adapter.Metrics
	// epoch: pubItem.queued counts from it (monotonic clock).
	epoch time.Time

	published, publishDropped, publishRetries       atomic.Uint64
	received, receiveDropped, malformed, reconnects atomic.Uint64
	// down is set while the subscriber connection is lost.
	down atomic.Bool

	// mu guards what follows; never held while calling Redis or a
	// namespace. Lock order: nspAdapter.mu is never held when taking it.
	mu      sync.Mutex
	refs    int
	run     *runState
	routes  map[string]func(*goredis.Message) // "c:chan", "p:pattern", "s:chan"
	subs    map[string]struct{}               // the same keys: what the subscriber holds
	waiters map[string][]chan struct{}        // subscription confirmations awaited

	// group: broadcasts received and not yet handed to the local sockets
	// (broadcast.go); the dispatcher goroutine's alone.
	group deliveryGroup
	// skips: per pattern, which of its messages the reader drops before
	// the receive queue (copied on write, read without a lock).
	skips  atomic.Pointer[map[string]func(*goredis.Message) bool]
	skipMu sync.Mutex // serialises the writers of skips
}

// setSkip makes the reader drop the messages of pattern for which skip
// returns true (nil: none); skip must be safe to call from the reader.
func (c *Cluster) setSkip(pattern string, skip func(*goredis.Message) bool) {
	c.skipMu.Lock()
	defer c.skipMu.Unlock()
	m := map[string]func(*goredis.Message) bool{}
	if old := c.skips.Load(); old != nil {
		for k, v := range *old {
			m[k] = v
		}
	}
	if skip == nil {
		delete(m, pattern)
	} else {
		m[pattern] = skip
	}
	c.skips.Store(&m)
}

// skipped tells whether the reader drops m.
func (c *Cluster) skipped(m *goredis.Message) bool {
	if m.Pattern == "" {
		return false
	}
	skips := c.skips.Load()
	if skips == nil {
		return false
	}
	f := (*skips)[m.Pattern]
	return f != nil && f(m)
}

// New returns a Cluster on client, which the caller keeps and closes after
// the server's Shutdown. client may be a *goredis.Client, or a
// *goredis.ClusterClient in classic mode.
func New(client goredis.UniversalClient, opts Options) *Cluster {
	opts = opts.withDefaults()
	return &Cluster{
		client:  client,
		opts:    opts,
		log:     opts.Logger,
		metrics: opts.Metrics,
		epoch:   time.Now(),
		routes:  map[string]func(*goredis.Message){},
		subs:    map[string]struct{}{},
		waiters: map[string][]chan struct{}{},
	}
}

// Adapter makes the adapter of a namespace: pass it as
// socketio.Options.Adapter. It does no I/O; Run does.
func (c *Cluster) Adapter(n *socketio.Namespace) socketio.Adapter {
	return newNspAdapter(c, n)
}

// Stats returns the counters.
func (c *Cluster) Stats() Stats {
	return Stats{
		Published:      c.published.Load(),
		PublishDropped: c.publishDropped.Load(),
		PublishRetries: c.publishRetries.Load(),
		Received:       c.received.Load(),
		ReceiveDropped: c.receiveDropped.Load(),
		Malformed:      c.malformed.Load(),
		Reconnects:     c.reconnects.Load(),
	}
}

// runState is one run of the shared goroutines, from the first namespace's
// Run to the last one's Close.
type runState struct {
	ctx    context.Context // cancelled when the run is over
	cancel context.CancelFunc
	stop   chan struct{} // closed to ask the goroutines to finish
	// writerDone is closed when the writer has flushed the queue.
	writerDone chan struct{}
	pubq       chan pubItem
	recvq      chan *goredis.Message
	wg         sync.WaitGroup

	psMu sync.Mutex
	ps   *goredis.PubSub
	// sub is the client of the subscriber connection: ours, on RESP2
	// (see subscriberClient), or the caller's.
	sub    goredis.UniversalClient
	ownSub bool

	// logOnce-style flags, touched by one goroutine each.
	publishFailing, dropLogged, recvDropLogged atomic.Bool
}

type pubItem struct {
	channel string
	payload []byte
	queued  int64 // when publish queued it: nanoseconds since Cluster.epoch
	sharded bool
	kind    pubKind
	// cmds, when set, queues other commands instead (the recovery store's
	// writes, which must reach Redis in order with the publishes).
	cmds func(ctx context.Context, p goredis.Pipeliner)
	// done, when set, is closed once the pipeline holding the item has
	// been sent and answered (or the item dropped).
	done chan struct{}
	// buf, when set, holds payload and goes back to payloadPool once the
	// message is published or dropped.
	buf *[]byte
}

// pubKind is what a published message is, for Metrics.ObservePublish.
type pubKind uint8

const (
	pubBroadcast pubKind = iota // broadcasts, with or without acks
	pubRequest                  // requests to the other nodes
	pubResponse                 // answers to the other nodes' requests, acks
	numPubKinds
)

var pubKindNames = [numPubKinds]string{"broadcast", "request", "response"}

// errStale is why a subscriber connection that stopped answering pings is
// reported lost.
var errStale = errors.New("redis adapter: the subscriber connection stopped answering pings")

func (r *runState) pubsub() *goredis.PubSub {
	r.psMu.Lock()
	defer r.psMu.Unlock()
	return r.ps
}

// acquire starts the shared goroutines for the first namespace.
func (c *Cluster) acquire(ctx context.Context) error {
	c.mu.Lock()
	if c.run != nil {
		c.refs++
		c.mu.Unlock()
		return nil
	}
	c.mu.Unlock()
	// Check Redis outside the lock; two first namespaces may both do it.
	if err := c.check(ctx); err != nil {
		if !errors.Is(err, ErrRedisVersion) {
			c.metrics.RedisError("connect", err)
		}
		c.metrics.RedisConnected(false, err)
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refs++
	if c.run != nil {
		return nil
	}
	rctx, cancel := context.WithCancel(context.Background())
	r := &runState{
		ctx: rctx, cancel: cancel,
		stop: make(chan struct{}), writerDone: make(chan struct{}),
		pubq:  make(chan pubItem, c.opts.PublishQueueSize),
		recvq: make(chan *goredis.Message, c.opts.ReceiveQueueSize),
	}
	r.sub, r.ownSub = c.subscriberClient()
	r.ps = c.newPubSub(rctx, r.sub, nil)
	c.run = r
	r.wg.Add(3)
	go c.reader(r)
	go c.dispatcher(r)
	go c.writer(r)
	return nil
}

// subscriberClient returns the client of the subscriber connection: a copy
// of the caller's on RESP2. go-redis's RESP3 reader can drop a Pub/Sub
// message whose frame arrives cut at the wrong byte (go-redis issue 3839;
// measured here: about 4 in 10,000 under load), and RESP2 carries
// Pub/Sub messages as plain replies. Clients of other kinds are used as
// they are.
func (c *Cluster) subscriberClient() (goredis.UniversalClient, bool) {
	switch cl := c.client.(type) {
	case *goredis.Client:
		o := *cl.Options()
		o.Protocol = 2
		return goredis.NewClient(&o), true
	case *goredis.ClusterClient:
		o := *cl.Options()
		o.Protocol = 2
		return goredis.NewClusterClient(&o), true
	}
	return c.client, false
}

// check pings Redis and, for the sharded mode, checks its version.
func (c *Cluster) check(ctx context.Context) error {
	if err := c.client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis adapter: cannot reach Redis: %w", err)
	}
	if !c.opts.Sharded {
		return nil
	}
	info, err := c.client.Info(ctx, "server").Result()
	if err != nil {
		return fmt.Errorf("redis adapter: INFO server: %w", err)
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "redis_version:"); ok {
			major, _ := strconv.Atoi(strings.SplitN(v, ".", 2)[0])
			if major < 7 {
				return fmt.Errorf("%w: sharded Pub/Sub needs 7.0, the server runs %s", ErrRedisVersion, v)
			}
		}
	}
	return nil
}

// release stops the shared goroutines with the last namespace, flushing
// the publish queue until ctx is done.
func (c *Cluster) release(ctx context.Context) error {
	c.mu.Lock()
	c.refs--
	if c.refs > 0 || c.run == nil {
		c.mu.Unlock()
		return nil
	}
	r := c.run
	c.run = nil
	c.mu.Unlock()

	close(r.stop)
	// The writer flushes the queue first, until ctx is done.
	var err error
	select {
	case <-r.writerDone:
	case <-ctx.Done():
		err = fmt.Errorf("redis adapter: stopping: %w", ctx.Err())
	}
	r.cancel()
	c.down.Store(false)
	_ = r.pubsub().Close() // ends the reader's wait
	r.wg.Wait()            // the goroutines end at once after the cancel and the close
	if r.ownSub {
		_ = r.sub.Close()
	}
	// After the reader has ended: its last report cannot come after this.
	c.metrics.RedisConnected(false, ErrNotRunning)
	return err
}

// newPubSub makes a subscriber connection holding every subscription in
// keys (nil: none). It never fails: go-redis keeps the subscriptions and
// makes them when it connects.
func (c *Cluster) newPubSub(ctx context.Context, client goredis.UniversalClient, keys []string) *goredis.PubSub {
	ps := client.Subscribe(ctx)
	byKind := map[byte][]string{}
	for _, k := range keys {
		byKind[k[0]] = append(byKind[k[0]], k[2:])
	}
	if len(byKind['c']) > 0 {
		_ = ps.Subscribe(ctx, byKind['c']...)
	}
	if len(byKind['p']) > 0 {
		_ = ps.PSubscribe(ctx, byKind['p']...)
	}
	if len(byKind['s']) > 0 {
		_ = ps.SSubscribe(ctx, byKind['s']...)
	}
	return ps
}

// subscribe routes messages of the given channels ("c:"), patterns ("p:")
// or shard channels ("s:") to h, subscribes and waits until Redis has
// confirmed every subscription or ctx is done. The subscriptions are kept
// (and made again after a reconnection) even when this fails.
func (c *Cluster) subscribe(ctx context.Context, keys []string, h func(*goredis.Message)) error {
	c.mu.Lock()
	r := c.run
	if r == nil {
		c.mu.Unlock()
		return ErrNotRunning
	}
	waits := make([]chan struct{}, 0, len(keys))
	var fresh []string
	for _, k := range keys {
		c.routes[k] = h
		if _, ok := c.subs[k]; ok {
			continue
		}
		c.subs[k] = struct{}{}
		fresh = append(fresh, k)
		ch := make(chan struct{})
		c.waiters[k] = append(c.waiters[k], ch)
		waits = append(waits, ch)
	}
	c.mu.Unlock()
	ps := r.pubsub()
	var err error
	for _, k := range fresh {
		var e error
		switch k[0] {
		case 'c':
			e = ps.Subscribe(ctx, k[2:])
		case 'p':
			e = ps.PSubscribe(ctx, k[2:])
		case 's':
			e = ps.SSubscribe(ctx, k[2:])
		}
		if e != nil && err == nil {
			err = e
		}
	}
	if err != nil {
		c.metrics.RedisError("subscribe", err)
		return fmt.Errorf("redis adapter: subscribing: %w", err)
	}
	for _, ch := range waits {
		select {
		case <-ch:
		case <-ctx.Done():
			err := fmt.Errorf("redis adapter: waiting for Redis to confirm the subscriptions: %w", ctx.Err())
			c.metrics.RedisError("subscribe", err)
			return err
		}
	}
	return nil
}

// unsubscribe drops the routes and subscriptions of keys.
func (c *Cluster) unsubscribe(ctx context.Context, keys []string) {
	c.mu.Lock()
	r := c.run
	var gone []string
	for _, k := range keys {
		delete(c.routes, k)
		if _, ok := c.subs[k]; ok {
			delete(c.subs, k)
			gone = append(gone, k)
		}
	}
	c.mu.Unlock()
	if r == nil {
		return
	}
	if c.down.Load() {
		// go-redis forgets the subscriptions before it writes; with Redis
		// down the write would only wait out its dial retries.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
	}
	ps := r.pubsub()
	for _, k := range gone {
		switch k[0] {
		case 'c':
			_ = ps.Unsubscribe(ctx, k[2:])
		case 'p':
			_ = ps.PUnsubscribe(ctx, k[2:])
		case 's':
			_ = ps.SUnsubscribe(ctx, k[2:])
		}
	}
}

func (c *Cluster) confirm(kind, channel string) {
	var key string
	switch kind {
	case "subscribe":
		key = "c:" + channel
	case "psubscribe":
		key = "p:" + channel
	case "ssubscribe":
		key = "s:" + channel
	default:
		return
	}
	c.mu.Lock()
	ws := c.waiters[key]
	delete(c.waiters, key)
	c.mu.Unlock()
	for _, ch := range ws {
		close(ch)
	}
}

// reader reads the subscriber connection into the receive queue. go-redis
// reconnects and subscribes again after an error; the reader backs off
// meanwhile, and replaces a connection that stops answering pings. It
// alone reports the connection's state to Metrics (until release).
func (c *Cluster) reader(r *runState) {
	defer r.wg.Done()
	backoff := 50 * time.Millisecond
	// connected is what was last reported through RedisConnected.
	failing, pinged, connected := false, false, false
	for {
		ps := r.pubsub()
		msg, err := ps.ReceiveTimeout(r.ctx, c.opts.HealthCheckInterval)
		select {
		case <-r.stop:
			return
		default:
		}
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() && !failing {
				if pinged {
					c.log.Warn("redis adapter: the subscriber connection stopped answering; replacing it")
					c.reconnects.Add(1)
					c.metrics.RedisError("ping", errStale)
					if connected {
						connected = false
						c.metrics.RedisConnected(false, errStale)
					}
					c.replacePubSub(r)
					pinged = false
					continue
				}
				perr := ps.Ping(r.ctx)
				if perr == nil {
					pinged = true
					continue
				}
				err = perr // the ping could not be sent: the connection is lost
			}
			if !failing {
				c.log.Warn("redis adapter: subscriber connection lost; local delivery goes on, retrying", "err", err)
				c.reconnects.Add(1)
				failing = true
				c.down.Store(true)
				c.metrics.RedisError("receive", err)
				connected = false
				// Shown in /readyz: say what was lost ("EOF" alone would not).
				c.metrics.RedisConnected(false, fmt.Errorf("redis adapter: subscriber connection lost: %w", err))
			} else {
				// go-redis dials again on each receive: one failed attempt.
				c.metrics.RedisError("connect", err)
			}
			select {
			case <-r.stop:
				return
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, 2*time.Second)
			continue
		}
		backoff, pinged = 50*time.Millisecond, false
		if failing {
			failing = false
			c.down.Store(false)
			c.log.Info("redis adapter: subscriber connection back")
			if f := c.opts.OnResubscribed; f != nil {
				go func() {
					defer func() {
						if p := recover(); p != nil {
							c.log.Error("redis adapter: OnResubscribed panicked", "panic", p)
						}
					}()
					f()
				}()
			}
		}
		if !connected {
			// Something was read: connected, and subscribed, since go-redis
			// subscribes again before it reads from a new connection.
			connected = true
			c.metrics.RedisConnected(true, nil)
		}
		switch m := msg.(type) {
		case *goredis.Subscription:
			c.confirm(m.Kind, m.Channel)
		case *goredis.Message:
			c.received.Add(1)
			if c.skipped(m) {
				continue // nothing to do with it: no hand-over to the dispatcher
			}
			select {
			case r.recvq <- m:
			default:
				c.receiveDropped.Add(1)
				c.metrics.Dropped("lagging")
				if !r.recvDropLogged.Swap(true) {
					c.log.Warn("redis adapter: falling behind, dropping received messages (counted in Stats.ReceiveDropped)",
						"queue", c.opts.ReceiveQueueSize)
				}
			}
		}
	}
}

func (c *Cluster) replacePubSub(r *runState) {
	c.mu.Lock()
	keys := make([]string, 0, len(c.subs))
	for k := range c.subs {
		keys = append(keys, k)
	}
	c.mu.Unlock()
	ps := c.newPubSub(r.ctx, r.sub, keys)
	r.psMu.Lock()
	old := r.ps
	r.ps = ps
	r.psMu.Unlock()
	_ = old.Close()
}

// dispatcher hands received messages to their namespace, one at a time.
func (c *Cluster) dispatcher(r *runState) {
	defer r.wg.Done()
	for {
		select {
		case <-r.stop:
			c.flushGroup()
			return
		case m := <-r.recvq:
			if len(r.recvq) == 0 {
				r.recvDropLogged.Store(false)
			}
			c.route(m)
			if len(r.recvq) == 0 {
				c.flushGroup() // nothing more has arrived: hand over what waits
			}
		}
	}
}

func (c *Cluster) route(m *goredis.Message) {
	var key string
	switch {
	case m.Pattern != "":
		key = "p:" + m.Pattern
	case c.opts.Sharded:
		key = "s:" + m.Channel
	default:
		key = "c:" + m.Channel
	}
	c.mu.Lock()
	h := c.routes[key]
	c.mu.Unlock()
	if h == nil {
		return
	}
	if m.Pattern == "" {
		// Not a classic broadcast (those alone come by pattern): what
		// waits in the delivery group goes first.
		c.flushGroup()
	}
	defer func() {
		if p := recover(); p != nil {
			c.malformed.Add(1)
			c.metrics.Dropped("malformed")
			c.log.Error("redis adapter: handling a message panicked; dropped", "channel", m.Channel, "panic", p)
		}
	}()
	h(m)
}

// publish queues a message without waiting.
func (c *Cluster) publish(kind pubKind, channel string, payload []byte) error {
	return c.enqueue(pubItem{channel: channel, payload: payload, kind: kind})
}

// publishPooled queues the message in *buf, a payloadPool buffer, which
// goes back to the pool once published or dropped.
func (c *Cluster) publishPooled(kind pubKind, channel string, buf *[]byte) error {
	return c.enqueue(pubItem{channel: channel, payload: *buf, kind: kind, buf: buf})
}

func (c *Cluster) enqueue(it pubItem) error {
	c.mu.Lock()
	r := c.run
	c.mu.Unlock()
	if r == nil {
		c.publishDropped.Add(1)
		releasePayload(it.buf)
		return ErrNotRunning
	}
	it.sharded = c.opts.Sharded
	return c.enqueueRun(r, it)
}

// enqueueRun queues an item for the writer of run r; a full queue drops
// it.
func (c *Cluster) enqueueRun(r *runState, it pubItem) error {
	it.queued = int64(time.Since(c.epoch))
	select {
	case r.pubq <- it:
		return nil
	default:
		if it.done != nil {
			close(it.done)
		}
		releasePayload(it.buf)
		c.publishDropped.Add(1)
		if !r.dropLogged.Swap(true) {
			c.log.Warn("redis adapter: publish queue full, dropping messages (counted in Stats.PublishDropped)",
				"queue", c.opts.PublishQueueSize)
		}
		return ErrQueueFull
	}
}

// writer sends the queued messages in order, as many as are waiting (up
// to PublishBatchSize) in one pipeline.
func (c *Cluster) writer(r *runState) {
	defer r.wg.Done()
	defer close(r.writerDone)
	batch := make([]pubItem, 0, c.opts.PublishBatchSize)
	for {
		select {
		case it := <-r.pubq:
			batch = append(batch[:0], it)
		case <-r.stop:
			// Flush what is queued, until release gives up.
			for {
				batch = batch[:0]
			drain:
				for len(batch) < cap(batch) {
					select {
					case it := <-r.pubq:
						batch = append(batch, it)
					default:
						break drain
					}
				}
				if len(batch) == 0 || r.ctx.Err() != nil {
					return
				}
				c.flush(r, batch, true)
			}
		}
	fill:
		for len(batch) < cap(batch) {
			select {
			case it := <-r.pubq:
				batch = append(batch, it)
			default:
				break fill
			}
		}
		if len(r.pubq) == 0 {
			r.dropLogged.Store(false)
		}
		c.flush(r, batch, false)
	}
}

// flush publishes batch, retrying after connection errors (the queue
// fills meanwhile, and then drops) until it goes through or the run ends.
func (c *Cluster) flush(r *runState, batch []pubItem, closing bool) {
	defer releaseBatch(batch) // published or given up: Redis is done with the payloads
	backoff := 50 * time.Millisecond
	for {
		ctx, cancel := context.WithTimeout(r.ctx, 5*time.Second)
		_, err := c.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
			for _, it := range batch {
				if it.done != nil && it.cmds == nil && it.channel == "" {
					continue // a marker
				}
				if it.cmds != nil {
					it.cmds(ctx, p)
					continue
				}
				if it.sharded {
					p.SPublish(ctx, it.channel, it.payload)
				} else {
					p.Publish(ctx, it.channel, it.payload)
				}
			}
			return nil
		})
		cancel()
		if err == nil {
			n := 0
			for _, it := range batch {
				if it.cmds == nil && it.channel != "" {
					n++
				}
			}
			c.published.Add(uint64(n))
			c.observePublish(batch, nil)
			if r.publishFailing.Swap(false) {
				c.log.Info("redis adapter: publishing again")
			}
			return
		}
		var rerr goredis.Error
		if errors.As(err, &rerr) && !strings.HasPrefix(rerr.Error(), "LOADING") {
			// Redis refused the command: sending it again would not help.
			c.publishDropped.Add(uint64(len(batch)))
			c.observePublish(batch, err)
			c.log.Error("redis adapter: Redis refused a publish; dropped", "err", err)
			return
		}
		if r.ctx.Err() != nil || closing {
			c.publishDropped.Add(uint64(len(batch)))
			c.observePublish(batch, err)
			return
		}
		if !r.publishFailing.Swap(true) {
			c.log.Warn("redis adapter: publishing failed; local delivery goes on, retrying", "err", err)
		}
		c.publishRetries.Add(1)
		c.metrics.RedisError("publish", err)
		select {
		case <-r.ctx.Done():
		case <-r.stop:
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 2*time.Second)
	}
}

// observePublish reports a pipeline that went through (err nil) or was
// given up: one ObservePublish per kind of message in it, timed from the
// first of that kind being queued. No allocation: it runs per pipeline.
func (c *Cluster) observePublish(batch []pubItem, err error) {
	var n [numPubKinds]int
	var first [numPubKinds]int64
	for i := range batch {
		if batch[i].cmds != nil || batch[i].channel == "" {
			continue // the recovery store's writes and markers are not publishes
		}
		k := batch[i].kind
		if n[k] == 0 {
			first[k] = batch[i].queued
		}
		n[k]++
	}
	now := int64(time.Since(c.epoch))
	for k := range n {
		if n[k] > 0 {
			c.metrics.ObservePublish(pubKindNames[k], n[k], time.Duration(now-first[k]), err)
		}
	}
}

func releaseBatch(batch []pubItem) {
	for i := range batch {
		if batch[i].done != nil {
			close(batch[i].done)
			batch[i].done = nil
		}
		releasePayload(batch[i].buf)
		batch[i].buf, batch[i].payload = nil, nil
	}
}

// numSub counts the subscribers of a channel (NUMSUB) or shard channel
// (SHARDNUMSUB), summed over the masters of a Redis Cluster.
func (c *Cluster) numSub(ctx context.Context, channel string) (int, error) {
	if c.down.Load() {
		return 0, fmt.Errorf("%w: the subscriber connection is down, retrying", ErrUnavailable)
	}
	count := func(ctx context.Context, cl goredis.Cmdable) (int64, error) {
		var m map[string]int64
		var err error
		if c.opts.Sharded {
			m, err = cl.PubSubShardNumSub(ctx, channel).Result()
		} else {
			m, err = cl.PubSubNumSub(ctx, channel).Result()
		}
		return m[channel], err
	}
	if cc, ok := c.client.(*goredis.ClusterClient); ok {
		var mu sync.Mutex
		var total int64
		err := cc.ForEachMaster(ctx, func(ctx context.Context, m *goredis.Client) error {
			n, err := count(ctx, m)
			mu.Lock()
			total += n
			mu.Unlock()
			return err
		})
		if err != nil {
			c.numSubFailed(ctx, err)
			return 0, fmt.Errorf("redis adapter: counting the nodes: %w", err)
		}
		return int(total), nil
	}
	n, err := count(ctx, c.client)
	if err != nil {
		c.numSubFailed(ctx, err)
		return 0, fmt.Errorf("redis adapter: counting the nodes: %w", err)
	}
	return int(n), nil
}

// numSubFailed counts a failed NUMSUB as a Redis error, unless the
// caller's context ended it.
func (c *Cluster) numSubFailed(ctx context.Context, err error) {
	if ctx.Err() == nil {
		c.metrics.RedisError("numsub", err)
	}
}
