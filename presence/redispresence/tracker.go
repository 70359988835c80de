// Package redispresence is a presence.Tracker shared by the nodes of a
// cluster through Redis (go-redis v9): node leases renewed by heartbeats,
// and for each player the nodes that hold their sockets. A player is
// connected while a live node holds one of their sockets; when a node dies
// without a goodbye, a live node reaps it once its lease has run out and
// reports its players that no other node holds (Options.OnGone), so their
// reconnect grace starts within a lease and a heartbeat of the death.
//
// # Keys
//
// Every key starts with "{<prefix>}:", the prefix of the room store
// (rooms/redisstore), one hash tag for the scripts that touch several:
//
//	{p}:nodes                   zset  node id → lease end (ms, Redis's clock)
//	{p}:conns                   hash  node id → its Engine.IO connections
//	{p}:node:<id>:players       set   members of the players it holds
//	{p}:presence:<member>       hash  node id → 1, the nodes holding the player
//
// where member is "<len(game)>:<game><player id>".
//
// # Failures
//
// Each call is bounded by Options.Timeout. When Redis cannot be reached, a
// call fails (wrapping rooms.ErrUnavailable), the node keeps counting its
// sockets locally, and once Redis answers again it writes what changed
// meanwhile: players who left meanwhile are reported through OnGone,
// players whose arrival could not be recorded through OnBack. A node that
// was reaped while cut off (its lease ran out) registers again and
// reports its players through OnBack. Nodes reap others only after their
// own heartbeats have succeeded for a whole lease, so that after an outage
// every node gets a lease to renew before it is judged.
//
// # Concurrency
//
// A Tracker is safe for concurrent use. Run starts one goroutine (the
// heartbeat, which also reaps and repairs); Shutdown stops it and waits.
// OnGone and OnBack are called from it, one at a time: they should not
// block for long.
package redispresence

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/rpsio/rpsio/adapter"
	"github.com/rpsio/rpsio/internal/breaker"
	"github.com/rpsio/rpsio/presence"
	"github.com/rpsio/rpsio/rooms"
)

// Defaults of Options.
const (
	DefaultPrefix  = "rpsio"
	DefaultLease   = 3 * time.Second
	DefaultTimeout = time.Second
)

// reapLimit bounds the dead nodes one heartbeat reaps.
const reapLimit = 16

// Options configure a Tracker. Zero fields take the defaults written on
// them.
type Options struct {
	// Prefix namespaces the keys: "{<Prefix>}:...". No braces. Default
	// "rpsio".
	Prefix string
	// NodeID names this node; unique in the cluster. Default: random.
	// A node that starts again under the same id takes over its old
	// records (the players it no longer holds are reported gone).
	NodeID string
	// Lease: a node not heard from for this long is dead. Heartbeats go
	// every Lease/3. Default 3 s.
	Lease time.Duration
	// Timeout bounds each call to Redis. Default 1 s.
	Timeout time.Duration
	// Connections returns this node's connection count, reported with each
	// heartbeat for Stats. Default: 0.
	Connections func() int
	// OnGone is called when a player has no socket on any live node any
	// more, found by the heartbeat: the node that held them died, or a
	// departure could not be recorded when it happened. Mark them
	// disconnected. Default: nothing.
	OnGone func(game, playerID string)
	// OnBack is called when the arrival of a player on this node is
	// recorded late (Redis was unreachable, or this node was taken for
	// dead): mark them connected. Default: nothing.
	OnBack func(game, playerID string)
	// Metrics receives the Redis errors and the connection's state (as
	// component "presence" in the server). Default: discarded.
	Metrics adapter.Metrics
	// Logger. Default: discarded.
	Logger *slog.Logger
}

// ErrMalformed: a reply or a record from Redis does not decode.
var ErrMalformed = errors.New("redispresence: malformed data in Redis")

// errLost: this node is not registered (it was reaped).
var errLost = errors.New("redispresence: this node's lease was lost")

// Tracker is a presence.Tracker in Redis. Make it with New, start it with
// Run, stop it with Shutdown.
type Tracker struct {
	c   goredis.UniversalClient
	o   Options
	p   string // "{prefix}:"
	log *slog.Logger

	mu     sync.Mutex
	local  map[presence.Key]*entry
	dirty  bool      // a record failed: write what changed at the next heartbeat
	lost   bool      // the lease was lost: register again and write everything
	stable time.Time // heartbeats have succeeded since; zero while failing
	run    bool
	closed bool

	// stripes serialize the writes of one player's record (see sync).
	stripes [64]sync.Mutex
	seed    maphash.Seed

	kick   chan struct{}
	cancel context.CancelFunc
	wg     sync.WaitGroup
	// br remembers that Redis stopped answering: arrivals, departures and
	// queries then fail at once (the heartbeat keeps trying).
	br     breaker.Breaker
	paused atomic.Bool // tests: heartbeats skipped, as a stalled process
}

// entry is a player's sockets on this node, and whether Redis knows this
// node holds them.
type entry struct {
	count    int
	recorded bool
}

var _ presence.Tracker = (*Tracker)(nil)

// New returns a Tracker on client, which the caller keeps and closes. It
// fails only on bad options.
func New(client goredis.UniversalClient, opts Options) (*Tracker, error) {
	if opts.Prefix == "" {
		opts.Prefix = DefaultPrefix
	}
	if strings.ContainsAny(opts.Prefix, "{}") {
		return nil, fmt.Errorf("redispresence: prefix %q must not contain braces", opts.Prefix)
	}
	if opts.Lease < 0 || opts.Timeout < 0 {
		return nil, errors.New("redispresence: negative duration")
	}
	if opts.Lease == 0 {
		opts.Lease = DefaultLease
	}
	if opts.Lease < 30*time.Millisecond {
		return nil, errors.New("redispresence: lease shorter than 30ms")
	}
	if opts.Timeout == 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.NodeID == "" {
		var b [8]byte
		_, _ = crand.Read(b[:])
		opts.NodeID = hex.EncodeToString(b[:])
	}
	if opts.Connections == nil {
		opts.Connections = func() int { return 0 }
	}
	if opts.OnGone == nil {
		opts.OnGone = func(string, string) {}
	}
	if opts.OnBack == nil {
		opts.OnBack = func(string, string) {}
	}
	if opts.Metrics == nil {
		opts.Metrics = adapter.Nop{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Tracker{
		c: client, o: opts, p: "{" + opts.Prefix + "}:", log: opts.Logger.With("node", opts.NodeID),
		local: map[presence.Key]*entry{}, seed: maphash.MakeSeed(), kick: make(chan struct{}, 1),
	}, nil
}

// NodeID returns this node's id.
func (t *Tracker) NodeID() string { return t.o.NodeID }

func (t *Tracker) kNodes() string                 { return t.p + "nodes" }
func (t *Tracker) kConns() string                 { return t.p + "conns" }
func (t *Tracker) kPlayers(node string) string    { return t.p + "node:" + node + ":players" }
func (t *Tracker) kPresence(member string) string { return t.p + "presence:" + member }

// op bounds one call by Options.Timeout.
func (t *Tracker) op(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, t.o.Timeout)
}

// fail wraps an error from Redis as unavailable and reports it.
func (t *Tracker) fail(ctx context.Context, op string, err error) error {
	if !errors.Is(err, context.Canceled) || ctx.Err() == nil {
		t.o.Metrics.RedisError(op, err)
		if t.br.Fail() {
			t.o.Metrics.RedisConnected(false, err)
			t.log.Warn("presence: Redis unavailable", "op", op, "err", err)
		}
	}
	return fmt.Errorf("redispresence: %s: %w: %w", op, rooms.ErrUnavailable, err)
}

// errDown: Redis did not answer a moment ago; the call was not tried.
var errDown = errors.New("redis did not answer a moment ago")

// down fails a player's call at once while Redis is known to be
// unreachable (one call every 200 ms probes it).
func (t *Tracker) down(op string) (probe bool, err error) {
	ok, probe := t.br.Allow()
	if ok {
		return probe, nil
	}
	return false, fmt.Errorf("redispresence: %s: %w: %w", op, rooms.ErrUnavailable, errDown)
}

// opProbe is op, bounded by breaker.ProbeTimeout for a probe.
func (t *Tracker) opProbe(ctx context.Context, probe bool) (context.Context, context.CancelFunc) {
	if probe {
		return context.WithTimeout(ctx, min(t.o.Timeout, breaker.ProbeTimeout))
	}
	return t.op(ctx)
}

func (t *Tracker) ok() {
	if t.br.OK() {
		t.o.Metrics.RedisConnected(true, nil)
		t.log.Info("presence: Redis connected")
	}
}

// Run registers this node, takes over what an earlier process under the
// same id left, and starts the heartbeat. It fails if Redis cannot be
// reached; call Shutdown then. Run may be called once.
func (t *Tracker) Run(ctx context.Context) error {
	t.mu.Lock()
	if t.run || t.closed {
		t.mu.Unlock()
		return errors.New("redispresence: Run called twice or after Shutdown")
	}
	t.run = true
	t.mu.Unlock()
	if err := t.beat(ctx, true); err != nil {
		return err
	}
	if err := t.resync(ctx); err != nil {
		return err
	}
	lctx, cancel := context.WithCancel(context.Background())
	t.mu.Lock()
	t.cancel = cancel
	t.mu.Unlock()
	t.wg.Add(1)
	go t.loop(lctx)
	return nil
}

// Shutdown stops the heartbeat, waits for it, and says goodbye: this
// node's lease ends now, so that the other nodes reap it (and report its
// remaining players gone) at their next heartbeat. It may be called more
// than once, and without Run.
func (t *Tracker) Shutdown(ctx context.Context) error {
	t.mu.Lock()
	wasClosed, running, cancel := t.closed, t.run, t.cancel
	t.closed = true
	t.mu.Unlock()
	if wasClosed {
		return nil
	}
	if cancel != nil {
		cancel()
	}
	done := make(chan struct{})
	go func() { t.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		return ctx.Err()
	}
	if !running {
		return nil
	}
	octx, ocancel := t.op(ctx)
	defer ocancel()
	_, err := t.c.Pipelined(octx, func(p goredis.Pipeliner) error {
		p.ZAddXX(octx, t.kNodes(), goredis.Z{Score: 0, Member: t.o.NodeID})
		p.HSet(octx, t.kConns(), t.o.NodeID, 0)
		return nil
	})
	if err != nil {
		return t.fail(octx, "goodbye", err)
	}
	return nil
}

// loop is the heartbeat: renew the lease, repair what failed, reap the
// dead.
func (t *Tracker) loop(ctx context.Context) {
	defer t.wg.Done()
	tick := time.NewTicker(t.o.Lease / 3)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-t.kick:
		}
		if t.paused.Load() {
			continue
		}
		t.mu.Lock()
		lost := t.lost
		t.mu.Unlock()
		if err := t.beat(ctx, lost); err != nil {
			continue
		}
		t.mu.Lock()
		repair := t.dirty || t.lost
		t.lost = false
		stable := !t.stable.IsZero() && time.Since(t.stable) >= t.o.Lease
		t.mu.Unlock()
		if repair {
			if err := t.resync(ctx); err != nil {
				t.log.Warn("presence: repair failed; trying again at the next heartbeat", "err", err)
				continue
			}
		}
		if stable {
			if err := t.reap(ctx); err != nil {
				t.log.Warn("presence: reaping dead nodes", "err", err)
			}
		}
	}
}

// beat renews (or, with register, takes) this node's lease.
func (t *Tracker) beat(ctx context.Context, register bool) error {
	octx, cancel := t.op(ctx)
	defer cancel()
	reg := "0"
	if register {
		reg = "1"
	}
	v, err := beatScript.Run(octx, t.c, []string{t.kNodes(), t.kConns()}, t.o.NodeID, t.o.Lease.Milliseconds(), t.o.Connections(), reg).Result()
	if err != nil {
		t.mu.Lock()
		t.stable = time.Time{}
		t.mu.Unlock()
		return t.fail(octx, "heartbeat", err)
	}
	t.ok()
	if v == "lost" {
		t.markLost()
		return t.beat(ctx, true)
	}
	if v != "ok" {
		return fmt.Errorf("%w: heartbeat reply %.80v", ErrMalformed, v)
	}
	t.mu.Lock()
	if t.stable.IsZero() {
		t.stable = time.Now()
	}
	t.mu.Unlock()
	return nil
}

// markLost notes that this node was reaped: Redis knows none of its
// players; the next heartbeat registers again and writes them all.
func (t *Tracker) markLost() {
	t.mu.Lock()
	if !t.lost {
		t.log.Warn("presence: this node's lease was lost (taken for dead); registering again")
	}
	t.lost, t.dirty = true, true
	for _, e := range t.local {
		e.recorded = false
	}
	t.mu.Unlock()
	select {
	case t.kick <- struct{}{}:
	default:
	}
}

// Arrive implements presence.Tracker.
func (t *Tracker) Arrive(ctx context.Context, game, playerID string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	k := presence.Key{Game: game, Player: playerID}
	t.mu.Lock()
	e := t.local[k]
	if e == nil {
		e = &entry{}
		t.local[k] = e
	}
	e.count++
	t.mu.Unlock()
	_, _, err := t.sync(ctx, k, false)
	return err
}

// Depart implements presence.Tracker.
func (t *Tracker) Depart(ctx context.Context, game, playerID string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	k := presence.Key{Game: game, Player: playerID}
	t.mu.Lock()
	if e := t.local[k]; e != nil && e.count > 0 {
		e.count--
	}
	t.mu.Unlock()
	gone, _, err := t.sync(ctx, k, false)
	return gone, err
}

// sync makes Redis agree with this node about player k: a record that
// this node holds them while it has sockets of theirs, none otherwise.
// What it writes is what the player's entry says when it writes (under the
// player's stripe lock), so that concurrent arrivals and departures of one
// player end with Redis agreeing with the last of them, whatever order
// their writes take. gone: the record was removed and no node holds the
// player; back: the record was written where it was missing. Unless force
// is set, an arrival already recorded writes nothing.
func (t *Tracker) sync(ctx context.Context, k presence.Key, force bool) (gone, back bool, err error) {
	st := &t.stripes[maphash.Comparable(t.seed, k)%uint64(len(t.stripes))]
	st.Lock()
	defer st.Unlock()
	t.mu.Lock()
	e := t.local[k]
	want := e != nil && e.count > 0
	recorded := e != nil && e.recorded
	t.mu.Unlock()
	if want && recorded && !force {
		return false, false, nil
	}
	probe := false
	if !force {
		var err error
		if probe, err = t.down("sync"); err != nil {
			t.markDirty() // written by the heartbeat's repair once Redis answers
			return false, false, err
		}
	}
	m := member(k.Game, k.Player)
	octx, cancel := t.opProbe(ctx, probe)
	defer cancel()
	if want {
		v, err := arriveScript.Run(octx, t.c, []string{t.kNodes(), t.kPresence(m), t.kPlayers(t.o.NodeID)}, t.o.NodeID, m).Result()
		if err != nil {
			t.markDirty()
			return false, false, t.fail(octx, "arrive", err)
		}
		t.ok()
		if v == "lost" {
			t.markLost()
			return false, false, fmt.Errorf("redispresence: arrive: %w: %w", rooms.ErrUnavailable, errLost)
		}
		t.mu.Lock()
		if e := t.local[k]; e != nil {
			e.recorded = true
		}
		t.mu.Unlock()
		return false, !recorded, nil
	}
	n, err := departScript.Run(octx, t.c, []string{t.kPresence(m), t.kPlayers(t.o.NodeID)}, t.o.NodeID, m).Int64()
	if err != nil {
		t.markDirty()
		return false, false, t.fail(octx, "depart", err)
	}
	t.ok()
	t.mu.Lock()
	if e := t.local[k]; e != nil {
		// A socket that arrived meanwhile syncs after us (we hold the
		// stripe) and must find its record missing.
		e.recorded = false
		if e.count == 0 {
			delete(t.local, k)
		}
	}
	t.mu.Unlock()
	return n == 0, false, nil
}

func (t *Tracker) markDirty() {
	t.mu.Lock()
	t.dirty = true
	t.mu.Unlock()
}

// resync writes every player this node holds or Redis says it holds,
// reporting those found gone or back.
func (t *Tracker) resync(ctx context.Context) error {
	t.mu.Lock()
	t.dirty = false
	keys := make(map[presence.Key]bool, len(t.local))
	for k := range t.local {
		keys[k] = true
	}
	t.mu.Unlock()
	octx, cancel := t.op(ctx)
	ms, err := t.c.SMembers(octx, t.kPlayers(t.o.NodeID)).Result()
	if err != nil {
		cancel()
		t.markDirty()
		return t.fail(octx, "repair", err)
	}
	cancel()
	for _, m := range ms {
		game, player, ok := parseMember(m)
		if !ok {
			t.o.Metrics.Dropped("malformed")
			t.log.Error("presence: a malformed member in this node's set; removed", "member", m)
			octx, cancel := t.op(ctx)
			t.c.SRem(octx, t.kPlayers(t.o.NodeID), m)
			cancel()
			continue
		}
		keys[presence.Key{Game: game, Player: player}] = true
	}
	for k := range keys {
		gone, back, err := t.sync(ctx, k, true)
		if err != nil {
			t.markDirty()
			return err
		}
		switch {
		case gone:
			t.o.OnGone(k.Game, k.Player)
		case back:
			t.o.OnBack(k.Game, k.Player)
		}
	}
	return nil
}

// reap removes the nodes whose lease ran out and reports their players
// that no node holds.
func (t *Tracker) reap(ctx context.Context) error {
	octx, cancel := t.op(ctx)
	defer cancel()
	v, err := reapScript.Run(octx, t.c, []string{t.kNodes(), t.kConns()}, t.p, reapLimit).Result()
	if err != nil {
		return t.fail(octx, "reap", err)
	}
	t.ok()
	dead, gone, err := parseReap(v)
	if err != nil {
		return err
	}
	if len(dead) > 0 {
		t.log.Warn("presence: reaped nodes whose lease ran out", "dead", dead, "players_gone", len(gone))
	}
	for _, m := range gone {
		game, player, ok := parseMember(m)
		if !ok {
			t.o.Metrics.Dropped("malformed")
			t.log.Error("presence: a malformed member in a dead node's set", "member", m)
			continue
		}
		t.o.OnGone(game, player)
	}
	return nil
}

// Online implements presence.Tracker.
func (t *Tracker) Online(ctx context.Context, game, playerID string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	probe, err := t.down("online")
	if err != nil {
		return false, err
	}
	octx, cancel := t.opProbe(ctx, probe)
	defer cancel()
	n, err := onlineScript.Run(octx, t.c, []string{t.kNodes(), t.kPresence(member(game, playerID))}).Int64()
	if err != nil {
		return false, t.fail(octx, "online", err)
	}
	t.ok()
	return n == 1, nil
}

// Stats implements presence.Tracker: the live nodes, and the connections
// each reported with its last heartbeat.
func (t *Tracker) Stats(ctx context.Context) (presence.Stats, error) {
	if err := ctx.Err(); err != nil {
		return presence.Stats{}, err
	}
	probe, err := t.down("stats")
	if err != nil {
		return presence.Stats{}, err
	}
	octx, cancel := t.opProbe(ctx, probe)
	defer cancel()
	v, err := statsScript.Run(octx, t.c, []string{t.kNodes(), t.kConns()}).Result()
	if err != nil {
		return presence.Stats{}, t.fail(octx, "stats", err)
	}
	t.ok()
	n, c, err := parseStats(v)
	if err != nil {
		return presence.Stats{}, err
	}
	return presence.Stats{Nodes: n, Connections: c}, nil
}

// String is for logs.
func (t *Tracker) String() string {
	return "redispresence(" + t.p + ", node " + strconv.Quote(t.o.NodeID) + ")"
}
