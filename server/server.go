package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/rpsio/rpsio/presence"
	"github.com/rpsio/rpsio/rooms"
	"github.com/rpsio/rpsio/socketio"
	"github.com/rpsio/rpsio/socketio/engineio"
)

// App is the rpsio application: the Socket.IO server with the game
// namespaces, and the HTTP routes, on one Gin router.
type App struct {
	cfg    Config
	log    *slog.Logger
	io     *socketio.Server
	rooms  *rooms.Manager
	router *gin.Engine

	health  *health  // /readyz and the drain gate (health.go)
	metrics *Metrics // /metrics (metrics.go)

	presence presence.Tracker // who is connected (cluster-wide with Redis)
	notifier *gameNotifier    // the games' namespaces (games.go)
	cluster  *cluster         // nil: one node in memory (cluster.go)
	psync    *presenceSync    // cluster: keeps seats in line with presence
}

// New builds the application from cfg.
func New(cfg Config, log *slog.Logger) (*App, error) {
	if log == nil {
		log = slog.Default()
	}
	opts := socketio.Options{
		PingInterval: cfg.PingInterval,
		PingTimeout:  cfg.PingTimeout,
		MaxPayload:   cfg.MaxPayload,
		Recovery:     recoveryOptions(cfg, nil),
		Logger:       log,
	}
	if len(cfg.CORSOrigins) > 0 {
		opts.CORS = &engineio.CORS{Origins: cfg.CORSOrigins}
	}
	// Metrics exist before the Socket.IO server so that its adapter can
	// report through a.metrics.Component("adapter").
	h := newHealth()
	m := newMetrics(h, log)
	a := &App{cfg: cfg, log: log, health: h, metrics: m, psync: newPresenceSync(log)}
	conns := func() int { return a.io.Engine().Count() }
	if cfg.RedisURL != "" {
		cl, err := newCluster(cfg, &opts, m, log, conns, a.psync.check, a.psync.check)
		if err != nil {
			return nil, err
		}
		a.cluster, a.presence = cl, cl.tracker
		a.log = log.With("node", cl.nodeID)
	} else {
		a.presence = presence.NewMemory(conns)
	}
	a.io = socketio.NewServer(opts)

	mgr, err := a.newRooms(cfg, a.log)
	if err != nil {
		if a.cluster != nil {
			_ = a.cluster.close()
		}
		return nil, err
	}
	a.rooms = mgr
	if a.cluster != nil {
		f := a.resendRooms
		a.cluster.resubscribed.Store(&f)
	}
	a.psync.tr, a.psync.rooms = a.presence, mgr
	a.metrics.watch(a.io, roomsStats(mgr))

	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(gin.Recovery())
	r.Any(cfg.Path+"*any", gin.WrapH(a.health.gate(a.io)))
	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"ok": true}) })
	r.GET("/readyz", a.health.readyz)
	r.GET("/metrics", gin.WrapH(a.metrics.Handler()))
	r.GET("/api/rooms", a.listRooms)
	r.GET("/api/stats", a.stats)
	a.mountDemo(r)
	a.router = r
	return a, nil
}

// Handler is the HTTP handler serving everything.
func (a *App) Handler() http.Handler { return a.router }

// IO is the Socket.IO server.
func (a *App) IO() *socketio.Server { return a.io }

// Metrics are the node's Prometheus collectors.
func (a *App) Metrics() *Metrics { return a.metrics }

// MarkReady makes /readyz answer ready; call it once the node serves (and,
// in cluster mode, once its adapter is connected and subscribed).
func (a *App) MarkReady() { a.health.set(StateReady) }

// Run starts what must be started before serving; it does nothing that
// can fail with one node in memory. With --redis-url: the cluster adapter
// (connect, subscribe), the room store's check and the node's presence
// lease; it fails, naming Redis, when Redis cannot be reached. After a
// failed Run, call Shutdown.
func (a *App) Run(ctx context.Context) error {
	if err := a.io.Run(ctx); err != nil {
		if a.cluster != nil {
			return fmt.Errorf("joining the cluster on Redis %s: %w", a.cluster.adapter.Options().Addr, err)
		}
		return err
	}
	if a.cluster == nil {
		return nil
	}
	if err := a.cluster.store.Ping(ctx); err != nil {
		return fmt.Errorf("room store on Redis %s: %w", a.cluster.client.Options().Addr, err)
	}
	if err := a.cluster.tracker.Run(ctx); err != nil {
		return fmt.Errorf("presence on Redis %s: %w", a.cluster.client.Options().Addr, err)
	}
	a.psync.start()
	a.log.Info("joined the cluster", "redis", a.cluster.client.Options().Addr, "prefix", a.cfg.RedisPrefix)
	return nil
}

// Shutdown drains the node: /readyz turns unready and new handshakes are
// refused with 503 at once; then every Engine.IO session is closed (never
// with a Socket.IO DISCONNECT, after which socket.io-client would not
// reconnect), so that clients reconnect, through the load balancer, to
// another node, where their seats wait for them (their departures are
// recorded here first: the room engine still runs); then the node says
// goodbye to the cluster and its game timers stop: the other nodes wake
// its rooms (Options.SweepDelay + SweepInterval after they are due), so no
// round is lost, and none is settled twice (every transition is re-derived
// inside the store's atomic update). It returns when all of that is done
// or ctx is.
func (a *App) Shutdown(ctx context.Context) error {
	a.health.set(StateDraining)
	var errs []error
	errs = append(errs, a.io.Shutdown(ctx))
	errs = append(errs, a.psync.shutdown(ctx))
	if a.cluster != nil {
		errs = append(errs, a.cluster.tracker.Shutdown(ctx))
	}
	errs = append(errs, a.rooms.Shutdown(ctx))
	if a.cluster != nil {
		errs = append(errs, a.cluster.close())
	}
	return errors.Join(errs...)
}

// listRooms is the lobby: GET /api/rooms?game=rps|gold (every game
// without it), a page of it: ?limit= rooms (default defaultListLimit, at
// most rooms.MaxListLimit) from the ?offset=-th on, oldest first, with the
// total count of rooms. Only that page is read from the store.
func (a *App) listRooms(c *gin.Context) {
	offset, limit, err := pageArgs(c.Query("offset"), c.Query("limit"))
	if err != nil {
		c.JSON(http.StatusBadRequest, errorBody("bad_request", err.Error()))
		return
	}
	list, total, err := a.rooms.ListPage(c.Request.Context(), c.Query("game"), offset, limit)
	if err != nil {
		status := http.StatusServiceUnavailable
		if errors.Is(err, rooms.ErrBadRequest) {
			status = http.StatusBadRequest
		}
		c.JSON(status, errorBody(rooms.ErrorCode(err), err.Error()))
		return
	}
	if list == nil {
		list = []rooms.RoomSummary{}
	}
	c.JSON(http.StatusOK, gin.H{"rooms": list, "total": total, "offset": offset, "limit": limit})
}

// defaultListLimit is the page size of /api/rooms without ?limit.
const defaultListLimit = 100

// pageArgs parses /api/rooms's ?offset and ?limit.
func pageArgs(off, lim string) (offset, limit int, err error) {
	limit = defaultListLimit
	if off != "" {
		if offset, err = strconv.Atoi(off); err != nil || offset < 0 {
			return 0, 0, fmt.Errorf("offset %.20q: want an integer >= 0", off)
		}
	}
	if lim != "" {
		if limit, err = strconv.Atoi(lim); err != nil || limit < 1 || limit > rooms.MaxListLimit {
			return 0, 0, fmt.Errorf("limit %.20q: want an integer in 1..%d", lim, rooms.MaxListLimit)
		}
	}
	return offset, limit, nil
}

// stats: GET /api/stats, the cluster's figures (this node's alone
// without Redis): connections and live nodes from presence, rooms and
// rounds from the store.
func (a *App) stats(c *gin.Context) {
	st, err := a.rooms.Stats(c.Request.Context())
	if err != nil {
		c.JSON(http.StatusServiceUnavailable, errorBody(rooms.ErrorCode(err), err.Error()))
		return
	}
	ps, err := a.presence.Stats(c.Request.Context())
	if err != nil {
		c.JSON(http.StatusServiceUnavailable, errorBody(rooms.ErrorCode(err), err.Error()))
		return
	}
	c.JSON(http.StatusOK, gin.H{
		"connections":   ps.Connections,
		"nodes":         ps.Nodes,
		"rooms":         st.Rooms,
		"waiting":       st.Waiting,
		"playing":       st.Playing,
		"over":          st.Over,
		"players":       st.Players,
		"roundsSettled": st.RoundsSettled,
	})
}
