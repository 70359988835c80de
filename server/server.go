package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/rpsio/rpsio/socketio"
	"github.com/rpsio/rpsio/socketio/engineio"
)

// App is the rpsio application: the Socket.IO server with the game
// namespaces, and the HTTP routes, on one Gin router.
type App struct {
	cfg    Config
	log    *slog.Logger
	io     *socketio.Server
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

	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(gin.Recovery())
	r.Any(cfg.Path+"*any", gin.WrapH(a.io))
	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"ok": true}) })
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
	errs = append(errs, a.io.Shutdown(ctx))
	return errors.Join(errs...)
}
