package server

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	redisadapter "github.com/rpsio/rpsio/adapter/redis"
	"github.com/rpsio/rpsio/presence"
	"github.com/rpsio/rpsio/presence/redispresence"
	"github.com/rpsio/rpsio/rooms"
	"github.com/rpsio/rpsio/rooms/redisstore"
	"github.com/rpsio/rpsio/socketio"
)

// cluster is what a node shares with the others through Redis (nil
// fields with one node in memory): the Socket.IO adapter's client, and the
// client of the room store and presence, which answers within
// --redis-timeout.
type cluster struct {
	nodeID  string
	adapter *goredis.Client
	client  *goredis.Client
	store   *redisstore.Store
	tracker *redispresence.Tracker

	closeOnce sync.Once
	closeErr  error

	// resubscribed is called when the adapter's subscriber is back after
	// it was lost (App.resendRooms, set once the rooms exist).
	resubscribed atomic.Pointer[func()]
}

// newCluster connects nothing yet (App.Run does): it makes the clients,
// the adapter, the store and the presence tracker for cfg.RedisURL.
// onGone and onBack are the tracker's callbacks.
func newCluster(cfg Config, opts *socketio.Options, m *Metrics, log *slog.Logger, conns func() int, onGone, onBack func(game, player string)) (*cluster, error) {
	ropts, err := goredis.ParseURL(cfg.RedisURL)
	if err != nil {
		return nil, fmt.Errorf("--redis-url: %w", err)
	}
	c := &cluster{nodeID: cfg.NodeID}
	if c.nodeID == "" {
		host, _ := os.Hostname()
		var b [3]byte
		_, _ = crand.Read(b[:])
		c.nodeID = host + "-" + hex.EncodeToString(b[:])
	}
	// The adapter's subscriber reconnects by dialing again: one dial per
	// attempt (not go-redis's five, 100 ms apart), so that it is back soon
	// after Redis, since what is published meanwhile does not reach it.
	aopts := *ropts
	aopts.DialerRetries = 1
	c.adapter = goredis.NewClient(&aopts)
	ad := redisadapter.New(c.adapter, redisadapter.Options{Prefix: cfg.RedisPrefix, Logger: log, Metrics: m.Component("adapter"),
		OnResubscribed: func() {
			if f := c.resubscribed.Load(); f != nil {
				(*f)()
			}
		}})
	opts.Adapter = ad.Adapter
	// Recovered sessions and missed packets live in Redis, written in order
	// with the adapter's publishes, so a client recovers through any node.
	if opts.Recovery != nil {
		opts.Recovery.Store = ad.RecoveryStore(redisadapter.RecoveryStoreOptions{})
	}

	// The store's and presence's own client. Calls are bounded by their
	// contexts (context deadlines on, dials included): a player's by its
	// budget, a timer's by 5 s, presence's and the rest by --redis-timeout
	// (see redisstore.Options.Timeout); the socket timeouts only stop a
	// call that has no deadline at all.
	sopts := *ropts
	sopts.ContextTimeoutEnabled = true
	sopts.DialTimeout = cfg.RedisTimeout
	sopts.ReadTimeout = 10 * time.Second
	sopts.WriteTimeout = 10 * time.Second
	sopts.PoolTimeout = 10 * time.Second
	// Bursts (many rounds due at once) wait for Redis, not for a free
	// connection.
	sopts.PoolSize = max(sopts.PoolSize, 64)
	// Redis refusing connections is an answer: fail at once rather than
	// spend the timeout on go-redis's five dials and three retries. One
	// retry stays, for a pooled connection that Redis closed (a restart);
	// the store's commits are safe to resend.
	sopts.DialerRetries = 1
	sopts.MaxRetries = 1
	c.client = goredis.NewClient(&sopts)
	if c.store, err = redisstore.New(c.client, redisstore.Options{
		Prefix: cfg.RedisPrefix, Timeout: cfg.RedisTimeout, Owner: c.nodeID, Metrics: m.Component("rooms"), Logger: log,
	}); err != nil {
		return nil, err
	}
	if c.tracker, err = redispresence.New(c.client, redispresence.Options{
		Prefix: cfg.RedisPrefix, NodeID: c.nodeID, Lease: cfg.NodeLease, Timeout: cfg.RedisTimeout,
		Connections: conns, OnGone: onGone, OnBack: onBack, Metrics: m.Component("presence"), Logger: log,
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// close closes the clients, once.
func (c *cluster) close() error {
	c.closeOnce.Do(func() { c.closeErr = errors.Join(c.adapter.Close(), c.client.Close()) })
	return c.closeErr
}

// presenceSync keeps the rooms' idea of who is connected in line with the
// presence tracker when they drifted apart: a node died (its players are
// reported gone), Redis was unreachable when a player arrived or left, or a
// player's sockets came and went on two nodes at once. Each player queued
// is looked up in the tracker and marked connected (Manager.Present) or
// disconnected (Manager.Disconnect) accordingly; a failure keeps them
// queued, retried every second, so the rooms converge once Redis answers.
type presenceSync struct {
	tr    presence.Tracker
	rooms *rooms.Manager
	log   *slog.Logger

	mu      sync.Mutex
	pending map[presence.Key]bool
	closed  bool
	kick    chan struct{}
	stop    chan struct{}
	wg      sync.WaitGroup
}

// retryEvery is how often presenceSync retries what failed.
const retryEvery = time.Second

func newPresenceSync(log *slog.Logger) *presenceSync {
	return &presenceSync{log: log, pending: map[presence.Key]bool{}, kick: make(chan struct{}, 1), stop: make(chan struct{})}
}

// start runs the worker; tr and rooms must be set.
func (p *presenceSync) start() {
	p.wg.Add(1)
	go p.loop()
}

// check queues a player to be looked at.
func (p *presenceSync) check(game, player string) {
	p.mu.Lock()
	if !p.closed {
		p.pending[presence.Key{Game: game, Player: player}] = true
	}
	p.mu.Unlock()
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

// shutdown stops the worker and waits for it.
func (p *presenceSync) shutdown(ctx context.Context) error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.mu.Unlock()
	close(p.stop)
	done := make(chan struct{})
	go func() { p.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *presenceSync) loop() {
	defer p.wg.Done()
	tick := time.NewTicker(retryEvery)
	defer tick.Stop()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { <-p.stop; cancel() }()
	for {
		select {
		case <-p.stop:
			return
		case <-p.kick:
		case <-tick.C:
		}
		p.mu.Lock()
		keys := make([]presence.Key, 0, len(p.pending))
		for k := range p.pending {
			keys = append(keys, k)
		}
		clear(p.pending)
		p.mu.Unlock()
		for _, k := range keys {
			if err := p.apply(ctx, k); err != nil {
				if ctx.Err() != nil {
					return
				}
				p.log.Warn("presence: could not update the player's seat; retrying", "game", k.Game, "player", k.Player, "err", err)
				p.mu.Lock()
				if !p.closed {
					p.pending[k] = true
				}
				p.mu.Unlock()
			}
		}
	}
}

// apply marks player k connected or not in their room, as the tracker
// says.
func (p *presenceSync) apply(ctx context.Context, k presence.Key) error {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	online, err := p.tr.Online(ctx, k.Game, k.Player)
	if err != nil {
		return err
	}
	if online {
		err = p.rooms.Present(ctx, k.Game, k.Player)
	} else {
		err = p.rooms.Disconnect(ctx, k.Game, k.Player)
	}
	if errors.Is(err, rooms.ErrNotInRoom) || errors.Is(err, rooms.ErrBadRequest) {
		return nil
	}
	return err
}

// resendRooms sends this node's players the state of their rooms as
// stored, after the adapter's subscriber was cut off from Redis: events
// other nodes published meanwhile (a result, a start) never reached this
// node. Each room with a socket here gets its "room" (with its seq: a
// client drops it if it has seen newer) and each player their catch-up
// (rps: the open round's "start"), to the sockets on this node only.
func (a *App) resendRooms() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n := 0
	for name, nsp := range a.notifier.nsp {
		lr, ok := nsp.Adapter().(interface{ Rooms() []string })
		if !ok {
			continue
		}
		for _, ch := range lr.Rooms() {
			id, ok := strings.CutPrefix(ch, rooms.Channel(""))
			if !ok || id == "" {
				continue
			}
			evs, err := a.rooms.Snapshot(ctx, id)
			if err != nil {
				if !errors.Is(err, rooms.ErrRoomNotFound) {
					a.log.Warn("re-sending a room after the adapter's reconnection", "game", name, "room", id, "err", err)
				}
				continue
			}
			for _, ev := range evs {
				to := rooms.Channel(ev.RoomID)
				if ev.To != "" {
					to = playerChannel(ev.To)
				}
				_ = nsp.To(to).Local().Emit(ev.Name, ev.Payload())
			}
			n++
		}
	}
	a.log.Info("rooms re-sent to this node's players after the adapter's reconnection", "rooms", n)
}
