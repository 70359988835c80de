// Command rpsio runs the rpsio realtime game server.
//
//	go run ./cmd/rpsio                 # :3000, everything in memory
//	go run ./cmd/rpsio --help          # flags; each has an RPSIO_* environment fallback
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/rpsio/rpsio/server"
)

func main() {
	cfg, err := server.ParseConfig(os.Args[1:], os.Getenv)
	if err != nil {
		if errors.Is(err, server.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "rpsio:", err)
		os.Exit(2)
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	if err := run(cfg, log); err != nil {
		log.Error("rpsio stopped", "err", err)
		os.Exit(1)
	}
}

func run(cfg server.Config, log *slog.Logger) error {
	app, err := server.New(cfg, log)
	if err != nil {
		return err
	}
	startCtx, cancelStart := context.WithTimeout(context.Background(), 15*time.Second)
	err = app.Run(startCtx)
	cancelStart()
	if err != nil {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = app.Shutdown(sctx)
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: app.Handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	log.Info("rpsio listening", "addr", ln.Addr().String(), "path", cfg.Path)

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	select {
	case err := <-errc:
		return err
	case s := <-sig:
		log.Info("shutting down", "signal", s.String())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Close the game and the sessions first: that refuses new handshakes
	// and releases waiting long-polls, which http.Server.Shutdown would
	// otherwise wait for until the deadline.
	aerr := app.Shutdown(ctx)
	herr := hs.Shutdown(ctx)
	if herr != nil && !errors.Is(herr, http.ErrServerClosed) {
		return herr
	}
	return aerr
}
