package main

import (
	"log/slog"
	"net/http"

	"github.com/rpsio/rpsio/internal/pprofserver"
)

// startPprof serves net/http/pprof on addr, on a listener of its own (the
// main port never serves it). Bind it to a local address: profiles reveal a
// lot.
func startPprof(addr string, log *slog.Logger) (*http.Server, string, error) {
	return pprofserver.Start(addr, func(err error) { log.Error("pprof stopped", "err", err) })
}
