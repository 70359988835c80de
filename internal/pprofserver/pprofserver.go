package pprofserver

import (
	"errors"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// Start listens on addr and serves the profiles under /debug/pprof/ until the
// returned server is closed. It returns the address it listens on (addr may
// name port 0). onErr, if not nil, gets an error that ends serving other than
// the server's closing.
func Start(addr string, onErr func(error)) (*http.Server, string, error) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", err
	}
	ps := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := ps.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) && onErr != nil {
			onErr(err)
		}
	}()
	return ps, ln.Addr().String(), nil
}
