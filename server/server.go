package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

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
	a := &App{cfg: cfg, log: log, io: socketio.NewServer(opts)}

	mgr, err := a.newRooms(cfg, log)
	if err != nil {
		return nil, err
	}
	a.rooms = mgr

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

// Shutdown stops the game timers, then closes every connection.
func (a *App) Shutdown(ctx context.Context) error {
	var errs []error
	errs = append(errs, a.rooms.Shutdown(ctx))
	errs = append(errs, a.io.Shutdown(ctx))
	return errors.Join(errs...)
}

// listRooms is the lobby: GET /api/rooms?game=rps|gold, every room of
// every game without ?game.
func (a *App) listRooms(c *gin.Context) {
	list, err := a.rooms.List(c.Request.Context(), c.Query("game"))
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
		"over":          st.Over,
		"players":       st.Players,
		"roundsSettled": st.RoundsSettled,
	})
}
