// Command rpsio runs the rpsio realtime game server.
//
//	go run ./cmd/rpsio                 # :3000, everything in memory
//	rpsio --redis-url redis://127.0.0.1:6379 --token-secret S   # a node of a cluster
//	go run ./cmd/rpsio --help          # flags; each has an RPSIO_* environment fallback
//	rpsio healthcheck [URL]            # exit 0 if /readyz (or URL) answers 200: container healthchecks
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
	if len(os.Args) > 1 && os.Args[1] == "healthcheck" {
		os.Exit(healthcheck(os.Args[2:], os.Getenv))
	}
	cfg, err := server.ParseConfig(os.Args[1:], os.Getenv)
	if err != nil {
		if errors.Is(err, server.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "rpsio:", err)
		os.Exit(2)
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	if err := run(cfg, log, sig); err != nil {
		log.Error("rpsio stopped", "err", err)
		os.Exit(1)
	}
}

// run serves until a signal arrives on sig, then drains within
// cfg.DrainTimeout; a second signal cuts the drain short.
func run(cfg server.Config, log *slog.Logger, sig <-chan os.Signal) error {
	app, err := server.New(cfg, log)
	if err != nil {
		return err
	}
	// With --redis-url: join the cluster (adapter, room store, presence)
	// before serving; fail, naming Redis, if it cannot be reached.
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
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = app.Shutdown(sctx)
		return err
	}
	hs := &http.Server{Handler: app.Handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	if cfg.PprofAddr != "" {
		ps, addr, err := startPprof(cfg.PprofAddr, log)
		if err != nil {
			_ = hs.Close()
			return err
		}
		defer ps.Close()
		log.Info("pprof listening", "addr", addr)
	}
	app.MarkReady()
	log.Info("rpsio listening", "addr", ln.Addr().String(), "path", cfg.Path)

	select {
	case err := <-errc:
		return err
	case s := <-sig:
		log.Info("draining", "signal", s.String(), "timeout", cfg.DrainTimeout.String())
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), cfg.DrainTimeout)
	defer cancel()
	go func() {
		select {
		case s := <-sig:
			log.Warn("second signal: stopping now", "signal", s.String())
			cancel()
		case <-ctx.Done():
		}
	}()
	// Drain the app first: unready, refuse new handshakes, close the
	// sessions (clients reconnect elsewhere) and release waiting
	// long-polls, which http.Server.Shutdown would otherwise wait for.
	aerr := app.Shutdown(ctx)
	herr := hs.Shutdown(ctx)
	if ctx.Err() != nil {
		// Out of time: drop whatever is left rather than overstay.
		_ = hs.Close()
		log.Warn("drain cut short; remaining connections closed", "err", errors.Join(aerr, herr), "after", time.Since(start).String())
		return nil
	}
	if herr != nil && !errors.Is(herr, http.ErrServerClosed) {
		return herr
	}
	log.Info("drained", "after", time.Since(start).String())
	return aerr
}
