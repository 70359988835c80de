package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"
	goredis "github.com/redis/go-redis/v9"

	redisadapter "github.com/rpsio/rpsio/adapter/redis"
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
	rdb    *goredis.Client // nil: one node in memory
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
		Logger:       log,
	}
	if len(cfg.CORSOrigins) > 0 {
		opts.CORS = &engineio.CORS{Origins: cfg.CORSOrigins}
	}
	var rdb *goredis.Client
	if cfg.RedisURL != "" {
		ropts, err := goredis.ParseURL(cfg.RedisURL)
		if err != nil {
			return nil, fmt.Errorf("--redis-url: %w", err)
		}
		rdb = goredis.NewClient(ropts)
		opts.Adapter = redisadapter.New(rdb, redisadapter.Options{Prefix: cfg.RedisPrefix, Logger: log}).Adapter
	}
	a := &App{cfg: cfg, log: log, io: socketio.NewServer(opts), rdb: rdb}

	game := &rpsGame{
		nsp:     a.io.Of(RPSNamespace),
		tokens:  newTokens(cfg.TokenSecret),
		log:     log,
		players: map[string]int{},
	}
	mgr, err := rooms.New(rooms.Options{
		Notifier:       game,
		RoundDuration:  cfg.RoundDuration,
		RoundGap:       cfg.RoundGap,
		NoRoundGap:     cfg.RoundGap == 0,
		ReconnectGrace: cfg.ReconnectGrace,
		Logger:         log,
	})
	if err != nil {
		return nil, err
	}
	game.rooms, a.rooms = mgr, mgr
	game.nsp.Use(game.middleware)
	game.nsp.OnConnection(game.onConnection)

	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(gin.Recovery())
	r.Any(cfg.Path+"*any", gin.WrapH(a.io))
	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"ok": true}) })
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

// Run starts what must be started before serving: with --redis-url, the
// cluster adapter (it fails when Redis cannot be reached).
func (a *App) Run(ctx context.Context) error {
	if err := a.io.Run(ctx); err != nil {
		if a.rdb != nil {
			return fmt.Errorf("joining the cluster on Redis %s: %w", a.rdb.Options().Addr, err)
		}
		return err
	}
	return nil
}

// Shutdown stops the game timers, then closes every connection.
func (a *App) Shutdown(ctx context.Context) error {
	var errs []error
	errs = append(errs, a.rooms.Shutdown(ctx))
	errs = append(errs, a.io.Shutdown(ctx))
	if a.rdb != nil {
		errs = append(errs, a.rdb.Close())
	}
	return errors.Join(errs...)
}

func (a *App) listRooms(c *gin.Context) {
	list, err := a.rooms.List(c.Request.Context())
	if err != nil {
		c.JSON(http.StatusServiceUnavailable, errorBody(rooms.ErrorCode(err), err.Error()))
		return
	}
	if list == nil {
		list = []rooms.RoomSummary{}
	}
	c.JSON(http.StatusOK, gin.H{"rooms": list})
}

func (a *App) stats(c *gin.Context) {
	st, err := a.rooms.Stats(c.Request.Context())
	if err != nil {
		c.JSON(http.StatusServiceUnavailable, errorBody(rooms.ErrorCode(err), err.Error()))
		return
	}
	c.JSON(http.StatusOK, gin.H{
		"connections":   a.io.Engine().Count(),
		"rooms":         st.Rooms,
		"waiting":       st.Waiting,
		"playing":       st.Playing,
		"players":       st.Players,
		"roundsSettled": st.RoundsSettled,
	})
}
